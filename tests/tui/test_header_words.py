"""The header's identity line says each thing once."""

from __future__ import annotations

from types import SimpleNamespace

from kap_console.tui.widgets.header import identity_line


def header_for(stage: str, phase_label: str) -> str:
    phase = SimpleNamespace(voided=False, event=SimpleNamespace(label=phase_label, phase_id="x"))
    state = SimpleNamespace(client_code="KAP-0042", stage=stage, phases=[phase], training=False)
    protocol = SimpleNamespace(title="Example", version="1.0.0", phases=[])
    return identity_line(state, protocol).plain


def test_a_phase_named_like_the_stage_is_not_said_twice():
    line = header_for("discharge", "Recovery")
    assert line.count("Recovery") == 1


def test_a_phase_within_a_stage_is_shown_beside_it():
    line = header_for("monitoring", "Peak")
    assert "Monitoring · Peak" in line
