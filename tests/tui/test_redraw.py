"""`redraw` gives a Static new content only when what it draws changes, and asks for a
layout pass only when the widget's height can change."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

from kap_console.tui.widgets.redraw import redraw, same


def test_content_is_the_same_only_with_the_same_text_and_the_same_styles() -> None:
    assert same(Content.assemble(("T+5", "bold")), Content.assemble(("T+5", "bold")))
    assert not same(Content.assemble(("T+5", "bold")), Content.assemble(("T+5", "")))
    assert not same(Content("a"), Content("b"))
    assert same("a", "a") and not same("a", Content("a"))


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
