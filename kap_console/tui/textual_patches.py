"""Every place the console leans on Textual's private API, in one module.

Textual 8.2.8 offers no public hook for these; each is pinned by a test
(tests/tui/test_textual_patches.py) that fails when Textual changes underneath, so an
upgrade shows at once which of them to look at again:

- `QuietCrashes`: `App._handle_exception`, `App._fatal_error` and
  `App._print_error_renderables`, so a crash stops without Textual's traceback (which prints
  local variables: client codes, notes) and prints our own lines instead.
- `LeakFreeFooter`: the footer's reactive watchers (`__watchers`) and each node's
  `_closing` / `_closed`, to drop the watchers of keys a recompose removed; and its
  `_bindings_ready` flag, set where `Footer.bindings_changed` sets it, which it replaces.
- `is_closing(widget)`: `Widget._closing`, so a timer that fires while its widget is being
  removed does nothing.
- `set_first_theme(app, name)`: `App._refresh_truecolor_filter`, and what `App._watch_theme`
  does, to set the theme before the app runs without the watcher's full CSS re-parse.
- `as_bottom_screen(screen)`: `Screen._push_result_callback`, so that the app's first screen
  can be its default screen and still be replaced with `switch_screen`.
"""

from __future__ import annotations

import sys
from typing import Any

from textual.app import App, ComposeResult
from textual.dom import NoScreen
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer


def is_closing(widget: Widget) -> bool:
    """Whether `widget` is being removed (Textual keeps this private)."""
    return bool(widget._closing)


def set_first_theme(app: App[Any], name: str) -> None:
    """Set the (registered) theme `name` on `app` before it runs, as `App._watch_theme`
    does, less the work it schedules: a re-parse of every stylesheet and a re-styling of
    every widget. Before the app runs nothing is parsed or styled yet, and the stylesheet
    is parsed once at start-up with the variables set here; with the watcher it was parsed
    twice before the first frame."""
    app.set_reactive(App.theme, name)
    theme = app.current_theme
    classes = {name: False for name in app.classes if name.startswith("-theme-")}
    classes[f"-theme-{theme.name}"] = True
    classes["-dark-mode"] = theme.dark
    classes["-light-mode"] = not theme.dark
    app.update_classes(classes, update=False)
    app._refresh_truecolor_filter(app.ansi_theme)
    app.stylesheet.set_variables(app.get_css_variables())


def as_bottom_screen(screen: Screen[Any]) -> Screen[Any]:
    """`screen`, ready to be returned by `App.get_default_screen`. `switch_screen` drops the
    result callback of the screen it replaces, which `push_screen` and `switch_screen` give
    every screen they show, but Textual's start-up does not give the default screen: give
    it the one `switch_screen` gives (no callback)."""
    screen._push_result_callback(screen, None)
    return screen


class QuietCrashes(App[None]):
    """Stop on an unhandled exception without Textual's traceback; print `crash_text` instead.

    The app sets `_crash_text` through `crash_text(error)`, which must name no session text.
    """

    _crash_text: str | None = None

    def crash_text(self, error: Exception) -> str:
        """What to print after the terminal is restored (overridden by the app)."""
        return f"kap-console stopped: {type(error).__name__}"

    def _handle_exception(self, error: Exception) -> None:
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        if self._crash_text is None:
            self._crash_text = self.crash_text(error)
        self._close_messages_no_wait()

    def _fatal_error(self) -> None:
        self._close_messages_no_wait()

    def _print_error_renderables(self) -> None:
        # Printed as plain lines (not through Rich) so paths are never wrapped or cropped.
        if self._crash_text is not None:
            self._exit_renderables.clear()
            stderr = sys.__stderr__ or sys.stderr  # None only without a console at all
            stderr.write(self._crash_text + "\n")
            stderr.flush()
            return
        super()._print_error_renderables()


class LeakFreeFooter(Footer):
    """Textual's footer, recomposed only when the keys it shows change, and without its leak.

    Textual's footer recomposes (removes and mounts every key) each time the screen says
    its bindings may have changed: on every focus change, every screen resume and every
    `refresh_bindings()`, several times for one form closing, each a restyle and a layout
    pass. Most of those change nothing. So at most one recompose is pending at a time, and
    it runs only when the keys to show (key, label, enabled, tooltip) differ from those
    shown.

    Footer binds each key to its `compact` reactive; the watcher list keeps every key it
    ever showed until `compact` changes. Over a session that grew the heap and with it the
    garbage collector's pauses (a 250 ms pause after 200 notes in benchmarks/bench_tui.py).
    So drop the watchers of keys that are gone after each recompose.
    """

    _recompose_pending = False
    _shown: tuple[Any, ...] | None = None

    def shown_keys(self) -> tuple[Any, ...] | None:
        """What `compose` would show now (None before the bindings are ready)."""
        if not self._bindings_ready:
            return None
        app = self.app
        palette = app.COMMAND_PALETTE_BINDING
        keys = tuple(
            (key, binding, enabled, tooltip, app.get_key_display(binding))
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette
        )
        return (keys, self.show_command_palette, self.combine_groups)

    def compose(self) -> ComposeResult:
        self._shown = self.shown_keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._recompose_pending:
            return
        if self.is_attached and screen is self.screen:
            self._recompose_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._recompose_pending = False
        if self._closing or not self.is_attached:
            return
        try:
            shown = self.shown_keys()
        except NoScreen:  # removed with its screen since this was scheduled
            return
        if shown != self._shown:
            await self.recompose()

    async def recompose(self) -> None:
        await super().recompose()
        for watchers in getattr(self, "__watchers", {}).values():
            watchers[:] = [
                (node, callback)
                for node, callback in watchers
                if not (node._closing or node._closed)
            ]
