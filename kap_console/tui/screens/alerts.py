"""Open alerts with the protocol's response steps; acknowledge each one (with a note)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, ListItem, ListView, Static

from kap_console.session import events as ev
from kap_console.session import local_time
from kap_console.tui.messages import SessionChanged
from kap_console.tui.screens.base import SessionModal
from kap_console.tui.screens.form_modal import FORM_CSS, Committing
from kap_console.tui.widgets.alert_card import AlertCard, alert_text
from kap_console.tui.widgets.fields import TextField
from kap_console.tui.widgets.redraw import redraw

if TYPE_CHECKING:
    from kap_console.session import Alert


def raised_words(alert: Alert, state: Any = None) -> str:
    """`raised 10:20`, and `· raised by 185, corrected to 158` when its reading was amended."""
    at = getattr(alert, "raised_at", None)
    words = f"raised {local_time(at)}" if at is not None else ""
    if state is not None:
        from kap_console.session import correction_words

        corrected = correction_words(state, alert)
        if corrected:
            words = f"{words} · {corrected}" if words else corrected
    return words


class AlertsScreen(Committing, SessionModal):
    """Every open alert, most severe first. Enter acknowledges the highlighted one."""

    DEFAULT_CSS = (
        FORM_CSS
        + """
    AlertsScreen ListView { height: auto; max-height: 12; background: transparent; }
    AlertsScreen ListItem { height: auto; padding: 0 0 1 0; }
    AlertsScreen ListView:focus > ListItem.-highlight AlertCard { text-style: bold; }
    AlertsScreen .raised { color: $text-muted; padding: 0 0 0 2; }
    AlertsScreen #none-open { color: $success; padding: 1 0; }
    """
    )

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+s", "acknowledge", "Acknowledge", priority=True),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("Open alerts", id="form-title")
        yield Static("↑↓ choose · enter acknowledges · esc closes", id="form-subtitle")
        yield ListView(id="alert-list")
        yield Static("No open alerts.", id="none-open")
        yield TextField("note", "Acknowledgement note", max_length=2000)
        yield Static("", id="form-problem")

    async def on_mount(self) -> None:
        await self.fill()
        self.query_one(ListView).focus()

    def open_alerts(self) -> list[Alert]:
        return list(self.session.open_alerts())

    def alert_item(self, alert: Alert) -> ListItem:
        return ListItem(
            AlertCard(alert),
            Static(raised_words(alert, self.session.state), classes="raised"),
            name=str(alert.seq),
        )

    async def fill(self) -> None:
        """Show the open alerts. An alert no longer open takes its line with it and a new
        one gets a line in its place; the others stay as they are (an acknowledgement
        removes one line, it does not rebuild the list)."""
        alerts = self.open_alerts()
        listing = self.query_one(ListView)
        highlighted = listing.index
        wanted = [str(alert.seq) for alert in alerts]
        items = list(listing.query_children(ListItem))
        gone = [index for index, item in enumerate(items) if item.name not in wanted]
        if gone:
            await listing.remove_items(gone)
            items = [item for index, item in enumerate(items) if index not in gone]
        kept = [item.name for item in items]
        if kept != [name for name in wanted if name in kept]:  # reordered: start again
            await listing.clear()
            items, kept = [], []
        for position, alert in enumerate(alerts):
            if str(alert.seq) not in kept:
                await listing.insert(position, [self.alert_item(alert)])
        state = self.session.state
        for alert, item in zip(alerts, listing.query_children(ListItem), strict=True):
            redraw(item.query_one(AlertCard), alert_text(alert))
            redraw(item.query_one(".raised", Static), raised_words(alert, state))
        count = len(alerts)
        redraw(
            self.query_one("#form-title", Static),
            "Open alerts" if count == 0 else f"Open alerts ({count})",
        )
        self.query_one("#none-open").display = count == 0
        listing.display = count > 0
        if count:
            listing.index = min(highlighted or 0, count - 1)

    async def on_session_changed(self, message: SessionChanged) -> None:
        await self.fill()

    async def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        await self.acknowledge(event.item)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.action_acknowledge()

    async def action_acknowledge(self) -> None:
        listing = self.query_one(ListView)
        await self.acknowledge(listing.highlighted_child)

    async def acknowledge(self, item: ListItem | None) -> None:
        if item is None or item.name is None:
            self.show_form_problem("No alert chosen: there is nothing open to acknowledge")
            return
        note_field = self.query_one(TextField)
        note = note_field.read() or ""
        event = self.build(ev.AlertAcknowledged, alert_seq=int(item.name), note=note)
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is None:
            return
        note_field.set_raw("")
        self.app.confirm_saved("Alert acknowledged")
        # The list refills on the SessionChanged the app posts after every commit.
        if not self.open_alerts():
            self.dismiss(committed)
        else:
            self.query_one(ListView).focus()

    def action_close(self) -> None:
        self.dismiss(None)
