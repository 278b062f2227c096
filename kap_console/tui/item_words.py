"""A timeline line in words that need the rest of the session: an acknowledgement names the
alert it answers ("Acknowledged: SpO2 below 92 % (SpO2 88 %)"), not only its number."""

from __future__ import annotations

from typing import Any


def item_text(session: Any, item: Any) -> str:
    """What the timeline shows for `item`."""
    event = item.event
    if item.kind == "alert_acknowledged" and event is not None:
        alert = session.state.entry(event.alert_seq)
        if alert is not None and getattr(alert.event, "message", None):
            from kap_console.session import format_value, measure_name

            raised = alert.event
            protocol = session.protocol
            value = format_value(protocol, raised.measure_id, raised.value)
            note = f": {event.note}" if event.note else ""
            return (
                f"Acknowledged: {raised.message} "
                f"({measure_name(protocol, raised.measure_id)} {value}){note}"
            )
    return item.summary
