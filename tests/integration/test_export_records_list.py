"""`records list` filters, JSON output, and training and no-go sessions shown as such."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from record_sessions import esketamine_session, im_session, no_go_session

from kap_console.cli import main


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("list-data")
    im_session(data, client_code="KAP-0001")
    esketamine_session(data, client_code="KAP-0002")
    no_go_session(data, client_code="KAP-0003", training=True)
    no_go_session(data, client_code="KAP-0004", start=datetime(2026, 4, 9, 8, 0, tzinfo=UTC))
    return data


def listed(capsys, data_dir, *options: str) -> list[dict]:
    assert main(["records", "list", "--data-dir", str(data_dir), "--format", "json", *options]) == 0
    return json.loads(capsys.readouterr().out)


def test_training_and_no_go_sessions_are_shown_as_such(capsys, data_dir):
    states = {row["client_code"]: row["state"] for row in listed(capsys, data_dir)}
    assert states == {
        "KAP-0001": "closed",
        "KAP-0002": "closed",
        "KAP-0003": "training",
        "KAP-0004": "no-go",
    }
    assert main(["records", "list", "--data-dir", str(data_dir)]) == 0
    table = {line.split()[2]: line.split()[-2] for line in capsys.readouterr().out.splitlines()[1:]}
    assert table["KAP-0003"] == "training" and table["KAP-0004"] == "no-go"


@pytest.mark.parametrize(
    ("options", "clients"),
    [
        (("--client", "KAP-0002"), {"KAP-0002"}),
        (("--protocol", "esketamine-120"), {"KAP-0002"}),
        (("--training",), {"KAP-0003"}),
        (("--real",), {"KAP-0001", "KAP-0002", "KAP-0004"}),
        (("--since", "2026-04-01"), {"KAP-0004"}),
        (("--until", "2026-03-02"), {"KAP-0001", "KAP-0002", "KAP-0003"}),
        (("--since", "2026-03-03", "--until", "2026-04-08"), set()),
        (("--real", "--protocol", "im-ketamine-120", "--until", "2026-03-31"), {"KAP-0001"}),
    ],
)
def test_filters_choose_the_sessions(capsys, data_dir, options, clients):
    assert {row["client_code"] for row in listed(capsys, data_dir, *options)} == clients


def test_json_rows_say_training_outcome_and_duration(capsys, data_dir):
    (row,) = listed(capsys, data_dir, "--client", "KAP-0004")
    assert row["training"] is False and row["outcome"] == "no_go" and row["condition"] == "closed"
    assert row["started_at"] == "2026-04-09T08:00:00Z" and row["duration_seconds"] == 660


def test_a_bad_date_is_a_usage_error(capsys, data_dir):
    with pytest.raises(SystemExit) as raised:
        main(["records", "list", "--data-dir", str(data_dir), "--since", "last week"])
    assert raised.value.code == 2
    assert "'last week' is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_no_match_says_so(capsys, data_dir):
    assert main(["records", "list", "--data-dir", str(data_dir), "--client", "KAP-9999"]) == 0
    assert capsys.readouterr().out.strip().endswith("match these filters")


def test_the_json_list_is_what_json_dumps_with_an_indent_writes():
    from kap_console.commands.record_list import json_list

    rows = [
        {"folder": 'x\n"y\\', "problem": None, "training": True, "seconds": 3, "mg": 1.5},
        {},
        {"client_code": "é ✓ KAP-0001", "scenario": ""},
    ]
    for chosen in (rows, rows[:1], []):
        assert json_list(chosen) == json.dumps(chosen, indent=2, ensure_ascii=False)
