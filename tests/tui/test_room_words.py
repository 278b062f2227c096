"""The facilitator's words, not the program's: the amend dialog offers the protocol's labels
and units, hides the console's own bookkeeping, corrections read "185 → 158", and an
acknowledgement names the alert it answers."""

from __future__ import annotations

from harness import amend_dialog, commit_all, session_at

from kap_console.session import events as ev
from kap_console.session.state.field_words import field_label, value_words
from kap_console.tui.item_words import item_text
from kap_console.tui.widgets.fields import ChoiceField


async def test_the_amend_dialog_offers_labels_with_units_and_hides_bookkeeping(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        commit_all(
            app,
            [
                ev.ObservationRecorded(
                    round_id="early", due_minutes=15, values={"sbp": 185, "dbp": 90}
                )
            ],
        )
        await amend_dialog(app, pilot, app.session.state.observations[-1].seq)
        offered = [label for label, _ in app.screen.query_one("#field-field", ChoiceField).options]
        assert "Systolic BP (now 185 mmHg)" in offered
        for hidden in ("round_id", "due_minutes", "values.sbp"):
            assert not any(hidden in label for label in offered), offered


async def test_a_dose_amendment_hides_the_computed_mg_per_kg(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await amend_dialog(app, pilot, app.session.state.effective_doses[0].seq)
        offered = [label for label, _ in app.screen.query_one("#field-field", ChoiceField).options]
        assert any(label.startswith("Dose (now 40 mg)") for label in offered), offered
        assert not any("mg_per_kg" in label or "kind" in label for label in offered)


async def test_a_correction_and_an_acknowledgement_read_as_a_person_says_them(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        commit_all(app, [ev.ObservationRecorded(round_id="early", values={"sbp": 185.0})])
        seq = app.session.state.observations[-1].seq
        alert = app.session.state.alerts[-1]
        commit_all(
            app,
            [
                ev.Amended(
                    target_seq=seq, field="values.sbp", old=185.0, new=158.0, reason="misread"
                ),
                ev.AlertAcknowledged(alert_seq=alert.seq),
            ],
        )
        items = {item.kind: item for item in app.session.state.timeline}
        correction = items["amended"].summary
        assert "Systolic BP: 185 mmHg → 158 mmHg (misread)" in correction
        assert "185.0" not in correction
        acknowledged = item_text(app.session, items["alert_acknowledged"])
        assert acknowledged.startswith("Acknowledged: ") and "#" not in acknowledged
        assert "185" in acknowledged


def test_field_words_use_the_protocols_label_and_whole_numbers():
    from harness import IM_PROTOCOL as path

    from kap_console.protocol.loader import load_protocol

    protocol = load_protocol(path).protocol
    assert field_label(protocol, "values.sbp") == "Systolic BP"
    assert value_words(protocol, "values.sbp", 185.0) == "185 mmHg"
    assert value_words(protocol, "dose_mg", 40.0) == "40 mg"
