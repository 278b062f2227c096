"""Adverse events: log one (any time, one key away), or update one logged earlier.

The term comes from the protocol's catalogue (which also says how it is graded: CTCAE 1–5
or mild/moderate/severe) or is typed as free text. Whether the entry is acceptable (a
serious event needs its criterion, treatment given needs what was given) is the core's
rule: the form sends what was typed and shows the core's answer at the field it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Select

from kap_console.session import events as ev
from kap_console.session import local_time
from kap_console.tui.screens.form_modal import FormModal
from kap_console.tui.widgets.dialogs import PickScreen
from kap_console.tui.widgets.fields import ChoiceField, MultiChoiceField, TextField, YesNoField
from kap_console.tui.widgets.fields_base import FormField
from kap_console.tui.widgets.forms import read_fields
from kap_console.tui.widgets.long_text import LongTextField
from kap_console.tui.widgets.when_field import WhenField

if TYPE_CHECKING:
    from kap_console.protocol.models import Protocol
    from kap_console.session import AdverseEvent

OTHER_TERM = "__other__"
CTCAE_SEVERITY = [
    ("1 · mild", "1"),
    ("2 · moderate", "2"),
    ("3 · severe", "3"),
    ("4 · life-threatening", "4"),
    ("5 · death", "5"),
]
WORD_SEVERITY = [("mild", "mild"), ("moderate", "moderate"), ("severe", "severe")]
SERIOUS_CRITERIA = [
    ("death", "death"),
    ("life-threatening", "life_threatening"),
    ("hospitalisation", "hospitalisation"),
    ("disability", "disability"),
    ("important medical event", "important_medical_event"),
]
RELATEDNESS = [
    (word, word)
    for word in ("certain", "probable", "possible", "unlikely", "conditional", "unassessable")
]
ACTIONS = [
    ("none", "none"),
    ("dose withheld", "dose_withheld"),
    ("session stopped early", "session_stopped_early"),
    ("treatment given", "treatment_given"),
    ("emergency services called", "emergency_services_called"),
]
OUTCOMES = [
    ("recovered", "recovered"),
    ("recovering", "recovering"),
    ("not recovered", "not_recovered"),
    ("recovered with sequelae", "recovered_with_sequelae"),
    ("fatal", "fatal"),
    ("unknown", "unknown"),
]


def severity_options(grading: str | None) -> list[tuple[str, str]]:
    """The severities a term is graded by; a free-text term may use either scale."""
    if grading == "ctcae":
        return CTCAE_SEVERITY
    if grading == "mild_moderate_severe":
        return WORD_SEVERITY
    return CTCAE_SEVERITY + WORD_SEVERITY


NOT_ASSESSED = "not_assessed"
NOT_ASSESSED_PROMPT = "not assessed"


def clean_actions(actions: list[str] | None) -> list[str]:
    """What was done: "none" only when ticked and nothing else was; nothing ticked is
    "not assessed" (never a "none" that nobody chose)."""
    chosen = [action for action in actions or [] if action != NOT_ASSESSED]
    if not chosen:
        return [NOT_ASSESSED]
    done = [action for action in chosen if action != "none"]
    return done or ["none"]


def _grading(protocol: Protocol, term_id: str | None) -> str | None:
    for term in protocol.adverse_events:
        if term.id == term_id:
            return term.grading
    return None


class AdverseEventScreen(FormModal):
    """Log an adverse event."""

    TITLE_TEXT = "Adverse event"
    SUBMIT_LABEL = "Log event"
    FIELD_ALIASES = {"term_id": "term", "onset_at": "onset_at", "actions": "actions"}

    BINDINGS = [Binding("ctrl+r", "update_earlier", "Update earlier AE", key_display="^r")]

    def form_subtitle(self) -> str:
        logged = self.session.state.effective_adverse_events
        if logged:
            count = len(logged)
            return f"{count} logged this session · ^r updates one (resolution, outcome)"
        return "Onset: now, -5m or 14:05 · ctrl+s logs"

    def compose_form(self) -> ComposeResult:
        session = self.session
        protocol = session.protocol
        catalogue = [(term.term, term.id) for term in protocol.adverse_events]
        if catalogue:
            yield ChoiceField(
                "term",
                "Term",
                [*catalogue, ("Other (type it below)", OTHER_TERM)],
                prompt="choose a term…",
                required=True,
            )
        # Severity next to the term: the two answers every entry needs, one tab apart.
        # Every other choice starts unset; left so, it is recorded as "not assessed".
        yield ChoiceField("severity", "Severity", severity_options(None), required=True)
        yield TextField("term_text", "Other term" if catalogue else "Term", max_length=200)
        started = session.state.started
        yield WhenField(
            "onset_at",
            "Onset",
            session.clock.now,
            not_before=started.observed_at if started is not None else None,
        )
        yield YesNoField("serious", "Serious", None, prompt=NOT_ASSESSED_PROMPT)
        yield ChoiceField("serious_criterion", "Serious because", SERIOUS_CRITERIA)
        yield ChoiceField(
            "relatedness", "Related to the dose", RELATEDNESS, prompt=NOT_ASSESSED_PROMPT
        )
        yield MultiChoiceField("actions", "Action taken (space)", ACTIONS, [])
        yield LongTextField(
            "treatment", "Treatment given", max_length=2000, placeholder="what, dose, time"
        )
        yield ChoiceField("outcome", "Outcome", OUTCOMES, prompt=NOT_ASSESSED_PROMPT)
        yield WhenField(
            "resolved_at", "Resolved at", session.clock.now, value="", blank_means_unset=True
        )
        yield LongTextField("note", "Note", max_length=20_000)

    def on_select_changed(self, event: Select.Changed) -> None:
        field = next((a for a in event.select.ancestors if isinstance(a, FormField)), None)
        if field is not None and field.field_id == "term":
            self.regrade(event.value)

    def regrade(self, term_id: Any) -> None:
        """Offer the severities the chosen term is graded by (keeping a still-valid choice)."""
        grading = None
        if isinstance(term_id, str) and term_id != OTHER_TERM:
            grading = _grading(self.session.protocol, term_id)
        field = self.query_one("#field-severity", ChoiceField)
        current = field.raw()
        field.options = severity_options(grading)
        select = field.query_one(Select)
        select.set_options(field.options)
        if current in [value for _, value in field.options]:
            select.value = current

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        term_id = values.get("term")
        typed = values.get("term_text") or ""
        term = typed
        if term_id not in (None, OTHER_TERM):
            term = next(t.term for t in self.session.protocol.adverse_events if t.id == term_id)
        elif not typed and not problems:
            field = self.query_one("#field-term_text", TextField)
            message = f"{field.label}: type the term, or choose one from the list"
            field.show_error(message)
            self.show_form_problem(message)
            field.focus_control()
            return
        if problems:
            self.show_problems(problems)
            return
        onset = values["onset_at"]
        event = self.build(
            ev.AdverseEventLogged,
            term_id=None if term_id in (None, OTHER_TERM) else term_id,
            term=term,
            onset_at=onset,
            observed_at=onset,
            resolved_at=values.get("resolved_at"),
            severity=values["severity"],
            serious=values.get("serious"),
            serious_criterion=values.get("serious_criterion"),
            relatedness=values.get("relatedness") or NOT_ASSESSED,
            actions=clean_actions(values.get("actions")),
            treatment=values.get("treatment") or "",
            outcome=values.get("outcome") or NOT_ASSESSED,
            note=values.get("note") or "",
        )
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved(f"Adverse event logged: {term}")
            self.dismiss(committed)

    def action_update_earlier(self) -> None:
        session = self.session
        logged = session.state.effective_adverse_events
        if not logged:
            self.notify(
                "No adverse event logged yet in this session", severity="warning", timeout=4
            )
            return
        options = [(_ae_line(entry), entry.seq) for entry in logged]

        def picked(seq: Any) -> None:
            if seq is not None:
                self.app.push_screen(AdverseEventUpdateScreen(seq))

        self.app.push_screen(PickScreen("Update which adverse event?", options), picked)


def _ae_line(entry: AdverseEvent) -> str:
    current = entry.effective
    onset = local_time(current.onset_at)
    state = "resolved" if current.resolved_at is not None else current.outcome.replace("_", " ")
    return f"#{entry.seq} {onset} {current.term} · severity {current.severity} · {state}"


class AdverseEventUpdateScreen(FormModal):
    """Update an adverse event logged earlier: resolution time, outcome, actions, severity."""

    SUBMIT_LABEL = "Save update"

    def __init__(self, target_seq: int) -> None:
        super().__init__()
        self.target_seq = target_seq

    def target(self) -> AdverseEvent:
        return next(
            entry for entry in self.session.state.adverse_events if entry.seq == self.target_seq
        )

    def form_title(self) -> str:
        return f"Update adverse event #{self.target_seq}"

    def form_subtitle(self) -> str:
        return _ae_line(self.target())

    def compose_form(self) -> ComposeResult:
        session = self.session
        current = self.target().effective
        grading = _grading(session.protocol, current.term_id)
        resolved = ""
        if current.resolved_at is not None:
            resolved = local_time(current.resolved_at, seconds=True)
        yield WhenField(
            "resolved_at",
            "Resolved at",
            session.clock.now,
            value=resolved,
            not_before=current.onset_at,
            blank_means_unset=True,
        )
        yield ChoiceField("outcome", "Outcome", OUTCOMES, current.outcome)
        yield ChoiceField("severity", "Severity", severity_options(grading), current.severity)
        yield YesNoField("serious", "Serious", current.serious)
        yield ChoiceField(
            "serious_criterion", "Serious because", SERIOUS_CRITERIA, current.serious_criterion
        )
        yield MultiChoiceField("actions", "Action taken (space)", ACTIONS, current.actions)
        yield LongTextField("treatment", "Treatment given", current.treatment, max_length=2000)
        yield LongTextField("note", "Note on this update", max_length=20_000)

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if problems:
            self.show_problems(problems)
            return
        current = self.target().effective
        changes: dict[str, Any] = {}
        if values.get("resolved_at") != current.resolved_at:
            changes["resolved_at"] = values.get("resolved_at")
        for name in ("outcome", "severity", "serious", "serious_criterion", "treatment"):
            value = values.get(name)
            if name == "treatment":
                value = value or ""
            if value is not None and value != getattr(current, name):
                changes[name] = value
        actions = clean_actions(values.get("actions"))
        if values.get("actions") and actions != list(current.actions):
            changes["actions"] = actions
        note = values.get("note") or ""
        if not changes and not note:
            self.show_form_problem("Nothing changed: edit a field, or escape to leave it as it is")
            return
        event = self.build(ev.AdverseEventUpdated, target_seq=self.target_seq, note=note, **changes)
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved(f"Adverse event #{self.target_seq} updated")
            self.dismiss(committed)
