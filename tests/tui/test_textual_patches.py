"""The private Textual API that kap_console/tui/textual_patches.py leans on is still there,
with the shape the patches expect. When one of these fails after a Textual upgrade, look at
that patch again before anything else."""

from __future__ import annotations

import inspect

import pytest
from harness import make_app
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from kap_console.tui.textual_patches import (
    LeakFreeFooter,
    QuietCrashes,
    as_bottom_screen,
    is_closing,
)


def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_crash_hooks_quietcrashes_overrides_exist_with_the_same_signatures() -> None:
    for name in ("_handle_exception", "_fatal_error", "_print_error_renderables"):
        assert name in App.__dict__, f"App.{name} is gone"
        assert _parameters(getattr(QuietCrashes, name)) == _parameters(App.__dict__[name]), name
    assert _parameters(App._handle_exception) == ["self", "error"]
    assert callable(App._close_messages_no_wait)


async def test_the_app_state_quietcrashes_sets_is_where_textual_reads_it() -> None:
    app = QuietCrashes()
    async with app.run_test():
        for name in ("_return_code", "_exception", "_exit_renderables"):
            assert hasattr(app, name), name
        assert hasattr(app._exception_event, "set")
        assert isinstance(app._exit_renderables, list)


async def test_a_crash_stops_the_app_and_keeps_our_text_for_the_exit() -> None:
    class Crashing(QuietCrashes):
        def crash_text(self, error: Exception) -> str:
            return "stopped: see the session folder"

        def on_mount(self) -> None:
            raise RuntimeError("client said something private")

    app = Crashing()
    with pytest.raises(RuntimeError):  # run_test hands the app's exception on
        async with app.run_test():
            pass
    assert app.return_code == 1
    assert app._crash_text == "stopped: see the session folder"


class _Replaced(App[None]):
    def get_default_screen(self) -> Screen:
        return as_bottom_screen(Screen(id="first"))


async def test_a_bottom_screen_can_be_replaced_as_a_pushed_one_can() -> None:
    assert _parameters(Screen._push_result_callback) == ["self", "requester", "callback", "future"]
    assert "_pop_result_callback()" in inspect.getsource(App.switch_screen)
    app = _Replaced()
    async with app.run_test() as pilot:
        assert [screen.id for screen in app.screen_stack] == ["first"]
        await app.switch_screen(Screen(id="next"))
        await pilot.pause()
        assert [screen.id for screen in app.screen_stack] == ["next"]


async def test_without_the_patch_textual_cannot_replace_its_default_screen() -> None:
    # What as_bottom_screen is for; when this fails, Textual handles it and the patch can go.
    class Plain(App[None]):
        def get_default_screen(self) -> Screen:
            return Screen(id="first")

    app = Plain()
    with pytest.raises(IndexError):
        async with app.run_test() as pilot:
            await app.switch_screen(Screen(id="next"))
            await pilot.pause()


class _Keys(App[None]):
    BINDINGS = [Binding("x", "bell", "Ring")]

    def compose(self) -> ComposeResult:
        yield LeakFreeFooter()


async def test_the_footer_keeps_its_watchers_where_the_patch_prunes_them() -> None:
    app = _Keys()
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.query_one(Footer)
        watchers = getattr(footer, "__watchers", None)
        assert isinstance(watchers, dict) and watchers, "Footer's reactive watchers moved"
        for pairs in watchers.values():
            for node, callback in pairs:
                assert hasattr(node, "_closing") and hasattr(node, "_closed")
                assert callable(callback)
        before = sum(len(pairs) for pairs in watchers.values())
        for _ in range(5):
            footer.refresh(recompose=True)
            await pilot.pause()
        after = sum(len(pairs) for pairs in getattr(footer, "__watchers").values())
        assert after <= before, "watchers of removed keys are kept: the leak is back"


async def test_a_widget_says_when_it_is_being_removed() -> None:
    app = _Keys()
    async with app.run_test() as pilot:
        footer = app.query_one(Footer)
        assert is_closing(footer) is False
        await footer.remove()
        await pilot.pause()
        assert is_closing(footer) is True


class _Toggling(App[None]):
    """One key that shows only while `ringing` is allowed."""

    BINDINGS = [Binding("x", "ring", "Ring"), Binding("y", "bell", "Bell")]
    allowed = True

    def compose(self) -> ComposeResult:
        yield LeakFreeFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.allowed if action == "ring" else True

    def action_ring(self) -> None:
        self.bell()


async def test_the_footer_recomposes_only_when_the_keys_it_shows_change(monkeypatch) -> None:
    recomposed: list[LeakFreeFooter] = []
    recompose = LeakFreeFooter.recompose

    async def recording(self: LeakFreeFooter) -> None:
        recomposed.append(self)
        await recompose(self)

    monkeypatch.setattr(LeakFreeFooter, "recompose", recording)
    app = _Toggling()
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.query_one(LeakFreeFooter)
        assert [key.key for key in footer.children] == ["x", "y", "ctrl+p"]
        recomposed.clear()
        for _ in range(4):  # what a form closing does: nothing to show differently
            app.screen.refresh_bindings()
        await pilot.pause()
        assert recomposed == []
        app.allowed = False
        for _ in range(4):  # several signals before the footer runs: one recompose
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert recomposed == [footer]
        assert [key.key for key in footer.children] == ["y", "ctrl+p"]


def test_the_footer_compose_reads_the_flag_bindings_changed_sets() -> None:
    # LeakFreeFooter.bindings_changed replaces Footer's and sets `_bindings_ready` as it did.
    assert "_bindings_ready" in Footer.__dict__
    assert _parameters(Footer.bindings_changed) == ["self", "screen"]
    assert "_bindings_ready" in inspect.getsource(Footer.compose)


@pytest.mark.parametrize("name", ["night", "daylight"])
async def test_a_first_theme_set_before_the_run_looks_as_one_set_by_the_watcher(name) -> None:
    from textual.widgets import Static

    from kap_console import themes
    from kap_console.tui.textual_patches import set_first_theme

    assert "_refresh_truecolor_filter" in App.__dict__

    class Shown(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("x")

    def themed(by_watcher: bool) -> App[None]:
        app = Shown()
        theme = themes.quick_theme(name)
        assert theme is not None
        app.register_theme(theme)
        if by_watcher:
            app.theme = name
        else:
            set_first_theme(app, name)
        return app

    seen = []
    for by_watcher in (True, False):
        app = themed(by_watcher)
        async with app.run_test() as pilot:
            await pilot.pause()
            seen.append(
                (
                    app.theme,
                    sorted(app.classes),
                    app.stylesheet._variables,
                    app.screen.styles.background,
                    app.query_one(Static).styles.color,
                    [type(f).__name__ for f in app._filters],
                )
            )
    assert seen[0] == seen[1]
    assert f"-theme-{name}" in seen[1][1]


async def test_the_console_parses_its_stylesheets_once_before_the_start_form(
    tmp_path, monkeypatch
) -> None:
    from textual.css.stylesheet import Stylesheet

    from kap_console.tui.screens.start import StartFormScreen

    reparsed = []
    reparse = Stylesheet.reparse

    def counted(self: Stylesheet) -> None:
        reparsed.append(type(app.screen).__name__)
        reparse(self)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(3):
            await pilot.pause()
        assert isinstance(app.screen, StartFormScreen)
        assert app.theme == "night"
        assert reparsed == []
        await app.workers.wait_for_complete()
