"""`redraw` gives a Static new content only when what it draws changes, and asks for a
layout pass only when the widget's height can change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

from kap_console.tui.widgets.redraw import redraw, same, update_if_changed


def test_content_is_the_same_only_with_the_same_text_and_the_same_styles() -> None:
    assert same(Content.assemble(("T+5", "bold")), Content.assemble(("T+5", "bold")))
    assert not same(Content.assemble(("T+5", "bold")), Content.assemble(("T+5", "")))
    assert not same(Content("a"), Content("b"))
    assert same("a", "a") and not same("a", Content("a"))
    assert same("T+00:10:00", "T+00:10:00")
    assert not same("T+00:10:00", "T+00:10:01")
    plain, bold = Content.assemble(("due", "")), Content.assemble(("due", "bold"))
    assert plain == bold  # Content's == looks at the text alone
    assert not same(plain, bold)
    assert same(bold, Content.assemble(("due", "bold")))
    assert not same("due", plain)


class _One(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("", id="line")


async def test_an_unchanged_content_is_not_redrawn_and_a_change_of_height_is_laid_out(
    monkeypatch,
) -> None:
    app = _One()
    async with app.run_test():
        line = app.query_one("#line", Static)
        calls: list[bool] = []
        refresh = Static.refresh

        def recording(self, *regions, layout=False, **kwargs):
            if self is line:
                calls.append(layout)
            return refresh(self, *regions, layout=layout, **kwargs)

        monkeypatch.setattr(Static, "refresh", recording)
        assert redraw(line, Content("one"), wraps=False) is True
        assert calls == [False]  # one line before, one line now: same height
        assert redraw(line, Content("one"), wraps=False) is False
        assert calls == [False]
        assert redraw(line, Content("one\ntwo"), wraps=False) is True
        assert calls == [False, True]  # a line more: laid out
        assert redraw(line, Content("three\nfour")) is True
        assert calls == [False, True, True]  # wrapping text: any change may change height
        assert str(line.content) == "three\nfour"


async def test_update_if_changed_redraws_a_line_only_when_it_changed():
    app = _One()
    async with app.run_test() as pilot:
        line = app.query_one("#line", Static)
        line.update("a")
        assert update_if_changed(line, "a") is False
        assert update_if_changed(line, "b") is True
        await pilot.pause()
        assert str(line.render()) == "b"
