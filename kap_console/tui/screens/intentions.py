"""Intentions and consent, agreed before the dose.

The protocol's prompts are shown one at a time, large, for the facilitator to read aloud; the
client's answer is typed in their own words. Intentions are lightly held: a new answer to a
prompt already answered is kept as a revision of it (`revises_seq`), never over it. The
consent strip (touch yes/no and where, the stop word, the protocol's consent items) is its
own entry. Once the core sees an intention and the consent, the session moves on to dosing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from kap_console.session import events as ev
from kap_console.tui.keys import after_typing
from kap_console.tui.screens.form_modal import FORM_CSS, FormModal
from kap_console.tui.screens.stage_base import StageScreen
from kap_console.tui.widgets.fields import TextField, YesNoField
from kap_console.tui.widgets.forms import read_fields
from kap_console.tui.widgets.long_text import LongTextField

if TYPE_CHECKING:
    from kap_console.session import SessionState
    from kap_console.tui.messages import SessionChanged


def consent_summary(state: SessionState) -> str:
    consent = state.consent
    if consent is None:
        return "Consent not recorded yet: ^o opens it (touch, stop word, agreements)"
    event = consent.event
    touch = {True: "yes", False: "no", None: "not asked"}[event.touch]
    where = f" ({event.touch_where})" if event.touch and event.touch_where else ""
    stop = f"“{event.stop_word}”" if event.stop_word else "none"
    return f"Consent: touch {touch}{where} · stop word {stop} · ^o to change"


class IntentionsScreen(StageScreen):
    """One prompt at a time; ctrl+s saves the client's words and moves to the next prompt."""

    DEFAULT_CSS = (
        FORM_CSS.replace("FormModal", "IntentionsScreen")
        + """
    IntentionsScreen #intentions { height: 1fr; padding: 0 1; }
    IntentionsScreen #position { color: $text-muted; padding: 1 0 0 0; }
    IntentionsScreen #prompt {
        text-style: bold; color: $text; height: auto; padding: 1 2; margin: 0 0 1 0;
        border: tall $primary; background: $panel;
    }
    IntentionsScreen #prompt-help { color: $text-muted; height: auto; }
    IntentionsScreen #recorded { color: $success; height: auto; }
    IntentionsScreen #consent { color: $text; padding: 1 0 0 0; height: auto; }
    IntentionsScreen #consent.-missing { color: $warning; }
    """
    )

    BINDINGS = [
        Binding("ctrl+s", "save_words", "Save words", key_display="^s", priority=True),
        Binding("pagedown", "move(1)", "Next prompt", key_display="PgDn", priority=True),
        Binding("pageup", "move(-1)", "Previous", key_display="PgUp", priority=True),
        Binding("ctrl+o", "consent", "Consent", key_display="^o"),
        Binding("escape", "back", "Back to dosing"),
    ]

    def __init__(self, *, over_dosing: bool = False) -> None:
        super().__init__()
        self.position = 0  # which prompt is shown: view state only, never a fact
        # Opened again from the dose screen (to revise): escape goes back to it.
        self.over_dosing = over_dosing

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.over_dosing
        return True

    def action_back(self) -> None:
        if self.over_dosing:
            self.dismiss(None)

    def prompts(self) -> list[Any]:
        return list(self.session.protocol.intention_prompts)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="intentions"):
            yield Static("", id="position")
            yield Static("", id="prompt")
            yield Static("", id="prompt-help")
            yield Static("", id="recorded", markup=False)
            yield LongTextField("text", "Client's words", wide=True, max_length=20_000)
            yield Static("", id="form-problem")
            yield Static("", id="consent")

    def on_mount(self) -> None:
        prompts = self.prompts()
        answered = self.current_by_prompt()
        # Start at the first prompt not yet answered.
        self.position = next(
            (index for index, prompt in enumerate(prompts) if prompt.id not in answered), 0
        )
        self.show()
        self.query_one(LongTextField).focus_control()

    def on_session_changed(self, message: SessionChanged) -> None:
        if not self.composed:
            return
        self.show()

    def current_by_prompt(self) -> dict[str | None, Any]:
        return {
            intention.prompt_id: intention
            for intention in self.session.state.intentions
            if intention.current
        }

    def show(self) -> None:
        state = self.session.state
        prompts = self.prompts()
        field = self.query_one(LongTextField)
        recorded = self.query_one("#recorded", Static)
        if prompts:
            prompt = prompts[self.position]
            self.query_one("#position", Static).update(
                f"Intention {self.position + 1} of {len(prompts)} · read aloud"
            )
            self.query_one("#prompt", Static).update(prompt.text)
            self.query_one("#prompt-help", Static).update(prompt.help or "")
            current = self.current_by_prompt().get(prompt.id)
        else:
            self.query_one("#position", Static).update("Intention, in the client's words")
            self.query_one("#prompt", Static).update("What is your intention for today?")
            current = self.current_by_prompt().get(None)
        if current is not None:
            revised = " (revised)" if current.revises_seq is not None else ""
            recorded.update(f"Recorded{revised}: “{current.text}” · typing again revises it")
            field.query_one(".field-label", Static).update("Revision, in the client's words")
        else:
            recorded.update("")
            field.query_one(".field-label", Static).update("Client's words")
        consent = self.query_one("#consent", Static)
        consent.update(consent_summary(state))
        consent.set_class(state.consent is None, "-missing")

    def action_move(self, step: int) -> None:
        count = len(self.prompts())
        if count:
            self.position = max(0, min(count - 1, self.position + step))
            self.show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.save()

    @after_typing
    def action_save_words(self) -> None:
        self.save()

    def save(self) -> None:
        field = self.query_one(LongTextField)
        values, problems = read_fields([field])
        text = values.get("text")
        if problems:
            self.show_problems(problems)
            return
        if not text:
            field.show_error("Client's words: type what the client said (or PgDn to skip)")
            return
        prompts = self.prompts()
        prompt_id = prompts[self.position].id if prompts else None
        current = self.current_by_prompt().get(prompt_id)
        event = self.build(
            ev.IntentionRecorded,
            prompt_id=prompt_id,
            text=text,
            revises_seq=current.seq if current is not None else None,
        )
        if event is None or self.commit_event(event) is None:
            return
        field.set_raw("")
        self.app.confirm_saved("Intention saved" if current is None else "Revision saved")
        if self.position + 1 < len(prompts):
            self.position += 1
            self.show()
        elif self.session.state.consent is None and self.is_attached:
            self.action_consent()

    def action_consent(self) -> None:
        self.app.push_screen(ConsentScreen())


class ConsentScreen(FormModal):
    """Touch consent (yes/no, where), the stop word and the protocol's consent items."""

    TITLE_TEXT = "Consent, agreed before the dose"
    SUBMIT_LABEL = "Save consent"

    def compose_form(self) -> ComposeResult:
        session = self.session
        rules = session.protocol.consent
        recorded = session.state.consent.event if session.state.consent is not None else None
        if rules.touch:
            yield YesNoField(
                "touch", "Touch consent", recorded.touch if recorded else None, required=True
            )
            yield TextField("touch_where", "Touch: where", recorded.touch_where if recorded else "")
        if rules.stop_word:
            yield TextField(
                "stop_word", "Stop word", recorded.stop_word if recorded else "", required=True
            )
        items = recorded.items if recorded else {}
        for item in rules.items:
            value = items.get(item.id)
            if item.kind == "yes_no":
                yield YesNoField(
                    f"item-{item.id}",
                    item.prompt,
                    value if isinstance(value, bool) else None,
                    required=item.required,
                    question=True,
                )
            else:
                yield TextField(
                    f"item-{item.id}",
                    item.prompt,
                    value if isinstance(value, str) else "",
                    required=item.required,
                    question=True,
                )

    def field_for(self, name: str) -> Any:
        # The core names consent items "items.<id>"; their fields are "item-<id>".
        if name.startswith("items."):
            name = "item-" + name.split(".", 1)[1]
        return super().field_for(name)

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if values.get("touch") and not values.get("touch_where"):
            field = self.query_one("#field-touch_where", TextField)
            problem = field.problem("say where touch is agreed (e.g. hand, shoulder)")
            field.show_error(problem.message)
            problems.insert(0, problem)
        if problems:
            self.show_problems(problems)
            return
        items = {
            key.removeprefix("item-"): value
            for key, value in values.items()
            if key.startswith("item-") and value not in (None, "")
        }
        event = self.build(
            ev.ConsentRecorded,
            touch=values.get("touch"),
            touch_where=values.get("touch_where") or "",
            stop_word=values.get("stop_word") or "",
            items=items,
        )
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved("Consent saved")
            self.dismiss(committed)
