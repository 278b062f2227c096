"""What the integration summary says and how: open events first, marks in words, nothing
voided, and the HTML file self-contained."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from kap_console.integration.exports import export_record
from kap_console.integration.reading import open_record
from kap_console.integration.vitals import vitals_series

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
IM = FIXTURES / "v0_1_0" / "im-ketamine-120"


def test_open_adverse_events_come_before_resolved_ones(monkeypatch):
    opened = open_record(IM)
    (resolved,) = opened.record.adverse_events
    still_open = resolved.model_copy(
        update={
            "seq": 99,
            "term": "Headache",
            "current": resolved.current.model_copy(
                update={"resolved_at": None, "outcome": "recovering"}
            ),
        }
    )
    record = opened.record.model_copy(update={"adverse_events": [resolved, still_open]})
    changed = type(opened)(
        record, opened.record_path, opened.session_dir, opened.sha256, opened.verification
    )
    text = export_record(changed, "md")
    section = text.split("## Adverse events (open first)")[1].split("##")[0]
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert lines[0].startswith("- OPEN: Headache")
    assert lines[1].startswith("- resolved: Nausea or vomiting")


def test_the_summary_marks_integration_notes_in_words_and_leaves_out_voided_ones():
    text = export_record(open_record(IM), "md")
    assert "[for integration] Note: Hands opened and the breathing slowed with the cello" in text
    assert "[for integration] [client quote] Note: Said: “I am the ocean”" in text
    assert "Typed into the wrong session" not in text
    assert text.index("## Verification") < text.index("## Intentions")


def test_the_markdown_is_plain_text():
    text = export_record(open_record(IM), "md")
    assert not re.search(r"<[a-z/][^>]*>", text)
    assert all(len(line) < 400 for line in text.splitlines())


def test_the_html_needs_no_network_and_has_print_css():
    html = export_record(open_record(IM), "html")
    urls = set(re.findall(r"https?://[^\s\"')]+", html))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert "@media print" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" id="vitals-chart"') == 1


def test_the_chart_draws_each_threshold_and_each_dose():
    opened = open_record(FIXTURES / "v0_1_0" / "esketamine-120")
    series = vitals_series(opened.record, opened.session_dir)
    drawn = [
        t
        for m in ("sbp", "dbp", "hr", "spo2")
        for t in series.measure(m).thresholds  # type: ignore[union-attr]
        if t.scope != "baseline"  # a pre-dose hold is not a line across the session
    ]
    assert len(drawn) == 7
    html = export_record(opened, "html")
    chart = html.split('id="vitals-chart"')[1].split("</svg>")[0]
    assert chart.count('class="threshold"') == len(drawn)
    for t in drawn:
        assert escape(f"{t.comparison} {t.limit:g} ({t.level})") in chart
    assert "▼ device 1 (28 mg)" in chart and "▼ device 2 (28 mg)" in chart
    assert {m for m in re.findall(r'data-measure="(\w+)"', chart)} == {"sbp", "dbp", "hr", "spo2"}


def test_without_a_dose_the_chart_counts_from_the_start(built_sessions):
    html = export_record(open_record(built_sessions["no-go"]), "html")
    assert "minutes since the session started (no dose was given)" in html
    assert "minutes since the first dose" not in html


def test_the_summary_names_the_protocols_approval_when_the_record_has_it():
    from datetime import date

    opened = open_record(IM)
    protocol = opened.record.protocol.model_copy(
        update={"status": "approved", "approved_by": "Dr Chen", "approved_on": date(2026, 2, 1)}
    )
    record = opened.record.model_copy(update={"protocol": protocol})
    changed = type(opened)(
        record, opened.record_path, opened.session_dir, opened.sha256, opened.verification
    )
    text = export_record(changed, "md")
    assert "120 minutes (example) (approved by Dr Chen on 2026-02-01)" in text
    assert "(approved" not in export_record(opened, "md")  # a 0.1.0 record says nothing


def test_a_record_written_now_finds_its_protocol_for_the_thresholds(built_sessions):
    opened = open_record(built_sessions["esketamine"])
    series = vitals_series(opened.record, opened.session_dir)
    assert series.thresholds_from_protocol
    assert series.measure("sbp").thresholds  # type: ignore[union-attr]


def test_the_chart_rings_each_alert_on_a_drawn_measure():
    opened = open_record(FIXTURES / "v0_1_0" / "esketamine-120")
    chart = export_record(opened, "html").split('id="vitals-chart"')[1].split("</svg>")[0]
    alerts = [a for a in opened.record.alerts if a.measure_id in ("sbp", "dbp", "hr", "spo2")]
    assert len(alerts) == 2
    assert chart.count('class="alert"') == len(alerts)
    assert chart.count("warning alert, not answered") == 2
