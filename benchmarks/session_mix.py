"""A realistic mix of session events for the benchmarks: rounds, alerts, acknowledgements,
notes, phases, amendments and voids after a plausible pre-session and first dose.

`journal(size)` gives (seq, event) pairs as the journal hands them to the fold; the same seed
gives the same session.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from session_builders import at, events_until_dosed, load_protocol, numbered, obs, stamp  # noqa: E402

from kap_console.session import events as ev  # noqa: E402

PROTOCOL_NAME = "im-ketamine-120"
protocol = load_protocol(PROTOCOL_NAME)


def journal(size: int, seed: int = 1) -> list[tuple[int, ev.EventBase]]:
    rng = random.Random(seed)
    events = list(events_until_dosed(protocol))
    obs_seqs: list[int] = []
    alert_seqs: list[int] = []
    current_hr: dict[int, float] = {}
    minute = 0.0
    while len(events) < size:
        minute += 0.01
        r = rng.random()
        seq = len(events) + 1
        if r < 0.6:
            events.append(
                obs(
                    "early",
                    None,
                    at(minute),
                    sbp=rng.randint(110, 190),
                    dbp=80,
                    hr=rng.randint(60, 90),
                    spo2=97,
                    rr=14,
                )
            )
            obs_seqs.append(seq)
        elif r < 0.7 and obs_seqs:
            events.append(
                stamp(
                    ev.AlertRaised(
                        source_seq=obs_seqs[-1],
                        measure_id="sbp",
                        threshold_index=2,
                        level="urgent",
                        value=185,
                        message="x",
                    ),
                    at(minute),
                )
            )
            alert_seqs.append(seq)
        elif r < 0.75 and alert_seqs:
            events.append(stamp(ev.AlertAcknowledged(alert_seq=alert_seqs.pop()), at(minute)))
        elif r < 0.85:
            events.append(stamp(ev.NoteAdded(text="Client resting, breathing slowly"), at(minute)))
        elif r < 0.88 and obs_seqs:
            target = obs_seqs[-1]
            old = current_hr.get(target, events[target - 1].values["hr"])  # type: ignore[attr-defined]
            events.append(
                stamp(
                    ev.Amended(
                        target_seq=target, field="values.hr", old=old, new=old + 1, reason="typo"
                    ),
                    at(minute),
                )
            )
            current_hr[target] = old + 1
        elif r < 0.9 and obs_seqs:
            events.append(
                stamp(
                    ev.Voided(
                        target_seq=obs_seqs.pop(rng.randrange(len(obs_seqs))), reason="wrong client"
                    ),
                    at(minute),
                )
            )
        else:
            events.append(stamp(ev.PhaseMarked(phase_id="peak"), at(minute)))
    return numbered(events[:size])
