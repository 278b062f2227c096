"""The console for practice: the same app, screens, engine and record, on a simulated clock,
with a scenario playing the client.

What practice adds is small and journaled: the monitor's readings shown when a round opens
and each incident's prompt (practice_cue), and the trainee's first key on a prompt
(practice_answered). The debrief is computed from the journal and the scenario at the close.
Practice sessions live in the data folder's practice/ subfolder, never among real ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kap_console import paths
from kap_console.session import SimulatedClock
from kap_console.session import events as ev
from kap_console.training.loader import LoadedScenario
from kap_console.tui.app import KapApp
from kap_console.tui.messages import ChangeReason
from kap_console.tui.practice.commands import PracticeCommands, next_speed, practice_bindings

BEFORE_DOSE_MINUTE = -5.0  # what the monitor shows at the baseline: minutes before the dose
CHECK_EVERY = 0.25  # real seconds between looks at the scenario (60x: every 15 s of its time)


class PracticeApp(KapApp):
    """kap-console running a practice scenario."""

    BINDINGS = [*KapApp.BINDINGS, *practice_bindings()]
    COMMANDS = KapApp.COMMANDS | {PracticeCommands}

    def __init__(
        self,
        protocol_path: str | Path | None,
        *,
        scenario: LoadedScenario,
        clock: SimulatedClock,
        data_dir: Path,
        **kw: Any,
    ) -> None:
        super().__init__(
            protocol_path,
            data_dir=paths.practice_dir(Path(data_dir)),
            clock=clock,
            practice_speed=clock.speed,
            training=True,
            **kw,
        )
        self.scenario = scenario
        self.practice_clock = clock
        self.debrief: Any = None
        self.debrief_path: Path | None = None
        # Prompted in this run, even if its entry is still waiting to be saved (a save
        # error): an incident is never prompted twice.
        self._prompted: set[str] = set()

    # -- what the core needs to know ------------------------------------------------------

    @property
    def practice_identity(self) -> ev.PracticeIdentity:
        scenario = self.scenario.scenario
        return ev.PracticeIdentity(
            scenario_id=scenario.id,
            scenario_version=scenario.version,
            scenario_title=scenario.title,
            scenario_sha256=self.scenario.sha256,
            scenario_path=str(self.scenario.path),
            speed=self.practice_clock.speed,
        )

    @property
    def header_badge(self) -> str:
        clock = self.practice_clock
        speed = "PAUSED" if clock.paused else f"{clock.speed:g}×"
        return f"PRACTICE · {self.scenario.scenario.id} · {speed}"

    def _misfit(self, loaded: Any) -> str | None:
        """Why the scenario does not fit the loaded protocol (placed in the scenario file)."""
        from kap_console.training.loader import ScenarioError, check_fit

        try:
            check_fit(self.scenario, loaded.protocol)
        except ScenarioError as error:
            return str(error)
        return None

    def _loaded(self, path: Any, loaded: Any, error: str | None) -> None:
        # The protocol named at start-up, validated behind the start form.
        if loaded is not None and error is None:
            misfit = self._misfit(loaded)
            if misfit is not None:
                loaded, error = None, misfit
        super()._loaded(path, loaded, error)

    def _protocol_ready(self, loaded: Any) -> None:
        misfit = self._misfit(loaded)
        if misfit is not None:
            self._show_protocol_error(loaded.path, misfit)
            return
        super()._protocol_ready(loaded)

    def open_session(self, session: Any) -> None:
        """Refuse to go on with a practice session of another scenario (or a real one)."""
        practice = session.state.started.practice if session.state.started else None
        if practice is None or practice.scenario_id != self.scenario.scenario.id:
            from kap_console.tui.screens.protocol_error import ProtocolErrorScreen

            session.release()
            played = practice.scenario_id if practice is not None else "no scenario"
            self.switch_screen(
                ProtocolErrorScreen(
                    session.session_dir,
                    f"this session was practised on {played}, not on "
                    f"{self.scenario.scenario.id}: run practice with --scenario {played}",
                    title="This practice session cannot be resumed here",
                )
            )
            return
        super().open_session(session)

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(CHECK_EVERY, self._check_scenario)

    # -- the scenario -----------------------------------------------------------------------

    def minute(self) -> float | None:
        """Minutes since the dose on the simulated clock (None before the dose)."""
        elapsed = self.session.elapsed_since_dose() if self.session is not None else None
        return None if elapsed is None else elapsed / 60

    def _shown_incidents(self) -> set[str]:
        state = self.session.state  # type: ignore[union-attr]
        return {
            str(getattr(item.event, "incident_id", None))
            for item in state.timeline
            if item.kind == "practice_cue"
            and item.event is not None
            and getattr(item.event, "incident_id", None)
        }

    def _check_scenario(self) -> None:
        """Show every incident whose time has come (journaled first, then on screen)."""
        from kap_console.training.monitor import due_incidents

        session = self.session
        if session is None or session.state.stage == "closed":
            return
        minute = self.minute()
        if minute is None:
            return
        shown = self._shown_incidents() | self._prompted
        for incident_id in due_incidents(self.scenario.scenario, minute, shown):
            self._show_incident(incident_id, minute)

    def _show_incident(self, incident_id: str, minute: float) -> None:
        from kap_console.tui.practice.incident import IncidentScreen

        incident = self.scenario.scenario.incident(incident_id)
        self._prompted.add(incident_id)
        cue = ev.PracticeCue(
            cue="incident", minute=minute, incident_id=incident_id, text=incident.cue
        )
        if self.commit(cue) is None:
            return
        self.push_screen(
            IncidentScreen(incident_id, incident.cue, minute),
            lambda choice: self._answered(incident_id, choice),
        )

    def _answered(self, incident_id: str, choice: str | None) -> None:
        self.commit(ev.PracticeAnswered(incident_id=incident_id))
        if choice and choice != "noticed":
            self.call_later(self.run_action, choice)  # after the prompt has closed

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        from kap_console.tui.screens.round_form import RoundScreen

        result = super().push_screen(screen, *args, **kwargs)
        if isinstance(screen, RoundScreen):
            self.call_after_refresh(self._show_monitor, screen)
        return result

    def _show_monitor(self, screen: Any) -> None:
        """Journal what the monitor shows for the round just opened, then show it."""
        from kap_console.training.monitor import readings_at
        from kap_console.tui.practice.monitor import MonitorPanel, monitor_text

        if self.session is None or not screen.is_attached or screen.query("#monitor-panel"):
            return
        minute = self.minute()
        protocol = self.session.protocol
        shown = readings_at(
            self.scenario.scenario,
            protocol,
            BEFORE_DOSE_MINUTE if minute is None else minute,
        )
        measures = set(screen.measure_ids())
        readings = {k: v for k, v in shown.items() if k in measures}
        cue = ev.PracticeCue(
            cue="monitor",
            minute=BEFORE_DOSE_MINUTE if minute is None else minute,
            round_id=screen.round_id,
            readings=readings,
        )
        if self.commit(cue) is None:
            return
        heads = screen.query("#form-head")
        panel = MonitorPanel(monitor_text(protocol, readings, minute))
        if heads:
            heads.first().mount(panel)
        else:
            screen.mount(panel)

    # -- the clock --------------------------------------------------------------------------

    def _clock_changed(self, words: str) -> None:
        self.session_changed(reason="practice")
        self.notify(words, timeout=2)

    def action_toggle_pause(self) -> None:
        clock = self.practice_clock
        if clock.paused:
            clock.resume()
            self._clock_changed(f"Resumed at {clock.speed:g}×")
        else:
            clock.pause()
            self._clock_changed("Paused: the client waits for you")

    def action_faster(self) -> None:
        self.practice_clock.set_speed(next_speed(self.practice_clock.speed, 1))
        self._clock_changed(f"Speed {self.practice_clock.speed:g}×")

    def action_slower(self) -> None:
        self.practice_clock.set_speed(next_speed(self.practice_clock.speed, -1))
        self._clock_changed(f"Speed {self.practice_clock.speed:g}×")

    def action_jump_ahead(self) -> None:
        """Move the clock to the next round due, or to the next incident when it comes first."""
        from kap_console.training.debrief import next_moment

        session = self.session
        if session is None:
            return
        target, what = next_moment(session, self.scenario.scenario)
        if target is None:
            self.notify(what, timeout=3)
            return
        if target > self.clock.now():
            self.practice_clock.set(target)
        self._tick()
        self._check_scenario()
        self.notify(f"Jumped to {what}", timeout=3)

    # -- the end ----------------------------------------------------------------------------

    def session_changed(self, committed: Any = None, *, reason: ChangeReason = "event") -> None:
        super().session_changed(committed, reason=reason)
        session = self.session
        if (
            session is not None
            and session.state.record_written is not None
            and self.debrief is None
        ):
            self._write_debrief()

    def _write_debrief(self) -> None:
        from kap_console.training.debrief import debrief_session
        from kap_console.training.debrief_text import debrief_markdown, write_debrief
        from kap_console.tui.practice.debrief_screen import DebriefScreen

        session = self.session
        assert session is not None
        self.debrief = debrief_session(
            session.session_dir, self.scenario.scenario, session.protocol
        )
        text = debrief_markdown(self.debrief)
        try:
            self.debrief_path = write_debrief(session.session_dir, self.debrief, text)
        except OSError as error:
            self.notify(f"The debrief was not saved: {error.strerror}", severity="error")
        self.push_screen(DebriefScreen(text, self.debrief_path))

    def exit_lines(self) -> list[str]:
        lines = super().exit_lines()
        if self.debrief is not None:
            lines.append(f"Debrief: score {self.debrief.score:g}/100")
            if self.debrief_path is not None:
                lines.append(f"Debrief written: {self.debrief_path}")
        return lines
