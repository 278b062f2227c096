"""In the room, nothing typed or pasted is silently dropped (issue: multi-line free text).

Each test is a facilitator's story: a quote pasted from a chat, a paste with a tab and a
terminal colour code, a letter typed into a number field, a letter key while writing.
"""

from __future__ import annotations

from harness import error_text, field, press_to, session_at, type_text
from textual import events
from textual.widgets import TextArea

from kap_console.tui.screens.adverse_event import AdverseEventScreen
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.note import NoteScreen
from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.widgets.text_clean import clean_text


async def paste(app, pilot, text: str) -> None:
    """What a terminal's bracketed paste gives the app: one Paste event to the focused field."""
    app.post_message(events.Paste(text))
    await pilot.pause()


def note_shown(app, field_id: str) -> str:
    return str(field(app, field_id).query_one(".field-note").content)


async def test_pasted_three_line_quote_is_saved_whole(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "n", NoteScreen)
        quote = "I was on a beach\nand my father was there\nhe said nothing, and it was fine"
        await paste(app, pilot, quote)
        await press_to(app, pilot, "ctrl+s", MonitoringScreen)
        assert app.session.state.notes[-1].event.text == quote


async def test_a_paste_with_a_tab_and_a_colour_code_keeps_every_word_and_says_what_went(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "n", NoteScreen)
        await paste(app, pilot, "breathing\tslow\n\x1b[31mhands warm\x1b[0m\nsmiled")
        shown = note_shown(app, "text")
        assert "removed 2 escape sequences" in shown and "1 tab became spaces" in shown
        await press_to(app, pilot, "ctrl+s", MonitoringScreen)
        assert app.session.state.notes[-1].event.text == "breathing    slow\nhands warm\nsmiled"


async def test_enter_in_a_note_starts_a_new_line_and_ctrl_s_saves(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "n", NoteScreen)
        await type_text(pilot, "one")
        await pilot.press("enter")
        await type_text(pilot, "two")
        assert type(app.screen) is NoteScreen
        shown = {key: active.binding for key, active in app.screen.active_bindings.items()}
        assert "ctrl+s" in shown and shown["ctrl+s"].show
        await press_to(app, pilot, "ctrl+s", MonitoringScreen)
        assert app.session.state.notes[-1].event.text == "one\ntwo"


async def test_letter_keys_are_words_in_a_note_and_function_keys_still_work(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "n", NoteScreen)
        await type_text(pilot, "a note taken kindly")  # a, n, o, t, k are app keys elsewhere
        assert type(app.screen) is NoteScreen
        assert app.screen.query_one(TextArea).text == "a note taken kindly"
        await press_to(app, pilot, "f2", AdverseEventScreen)


async def test_a_letter_typed_into_a_number_field_is_refused_with_a_message(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "o", RoundScreen)
        await type_text(pilot, "12")
        await pilot.press("w")
        assert field(app, "sbp").raw() == "12"
        assert "“w” refused: numbers only" in error_text(app, "sbp")
        await type_text(pilot, "8")  # typing on clears the message
        assert error_text(app, "sbp") == "" and field(app, "sbp").raw() == "128"


async def test_a_paste_into_a_one_line_field_keeps_every_line_joined(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "a", AdverseEventScreen)
        field(app, "term_text").query_one("Input").focus()
        await pilot.pause()
        await paste(app, pilot, "headache\nbehind the eyes")
        assert field(app, "term_text").raw() == "headache behind the eyes"
        assert "2 lines joined into one" in note_shown(app, "term_text")


def test_cleaning_removes_only_what_cannot_be_recorded():
    text, said = clean_text("a\tb\r\nc\x07d\x1b]0;title\x07e\u00e9")
    assert text == "a    b\ncdeé"
    assert said == [
        "removed 1 escape sequence",
        "1 tab became spaces",
        "removed 1 control character",
    ]
    assert clean_text("plain words\nkept") == ("plain words\nkept", [])


def test_an_escape_sequence_inside_a_paste_stays_inside_it_however_the_input_is_split():
    from kap_console.tui.paste_parser import PasteSafeParser

    pasted = "one\r\x1b[31mtwo\x1b[0m\rthree"
    data = "a\x1b[200~" + pasted + "\x1b[201~b"
    for split in range(1, len(data)):
        parser = PasteSafeParser(debug=False)
        events = [*parser.feed(data[:split]), *parser.feed(data[split:])]
        keys = [event.key for event in events if type(event).__name__ == "Key"]
        [paste] = [event for event in events if type(event).__name__ == "Paste"]
        assert keys == ["a", "b"], split
        assert clean_text(paste.text) == ("one\ntwo\nthree", ["removed 2 escape sequences"])
