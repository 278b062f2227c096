"""Starting the console: the protocol picker, the start form, protocol problems, and the
offer to resume an unfinished session."""

from __future__ import annotations

from harness import make_app, on_screen, ready
from record_helpers import IM_PROTOCOL, dosed_session, start_session
from textual.widgets import Input, OptionList, Static

from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.pre_session import PreSessionScreen
from kap_console.tui.screens.protocol_error import ProtocolErrorScreen
from kap_console.tui.screens.protocol_picker import ProtocolPickerScreen
from kap_console.tui.screens.resume_offer import ResumeOfferScreen
from kap_console.tui.screens.start import LoadingScreen, StartFormScreen


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def fill_form(pilot, client: str, facilitator: str = "R. Rivera", number: str = "3"):
    screen = pilot.app.screen
    screen.query_one("#client_code", Input).value = ""
    screen.query_one("#client_code", Input).focus()
    await pilot.press(*client)
    screen.query_one("#facilitator", Input).value = facilitator
    screen.query_one("#session_number", Input).value = number
    screen.query_one("#client_code", Input).focus()
    await pilot.press("enter")
    await pilot.pause()


async def test_the_first_frame_is_the_start_form_before_the_protocol_is_loaded(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, StartFormScreen)
        assert app.screen.waiting_for_protocol
        assert app.loaded is None
        await pilot.app.workers.wait_for_complete()


async def test_the_first_screen_is_the_only_screen_and_gives_way_to_the_next(tmp_path):
    # No empty default screen under it: that one was composed, laid out and painted too
    # before the first frame. Later steps still replace it (switch_screen).
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert [type(screen) for screen in app.screen_stack] == [StartFormScreen]
        await ready(pilot)
        await fill_form(pilot, "KAP-0042")
        await pilot.pause()
        assert [type(screen) for screen in app.screen_stack] == [PreSessionScreen]
        app.session.release()


async def test_a_start_without_the_collector_turns_it_on_once_the_first_screen_is_drawn(tmp_path):
    import gc

    gc.disable()  # as `kap-console run` does before it builds the app
    try:
        app = make_app(tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert gc.isenabled()
            await pilot.app.workers.wait_for_complete()
    finally:
        gc.enable()


async def test_the_protocol_picker_is_the_only_screen_and_gives_way_to_the_start_form(tmp_path):
    app = make_app(tmp_path, protocol=None)
    async with app.run_test(size=(80, 24)) as pilot:
        assert [type(screen) for screen in app.screen_stack] == [ProtocolPickerScreen]
        await ready(pilot)
        app.choose_protocol(IM_PROTOCOL)
        await on_screen(app, pilot, StartFormScreen)
        assert [type(screen) for screen in app.screen_stack] == [StartFormScreen]


async def test_start_values_given_at_the_command_line_wait_on_the_loading_frame(tmp_path):
    app = make_app(tmp_path, started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LoadingScreen)
        assert app.loaded is None
        await ready(pilot)
        assert app.session is not None
        app.session.release()


async def test_invalid_client_code_is_explained_at_the_field_and_other_fields_are_kept(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, StartFormScreen)
        await fill_form(pilot, "jo smith", facilitator="R. Rivera", number="3")

        assert app.session is None
        assert isinstance(app.screen, StartFormScreen)
        problem = text_of(app, "#client_code-problem")
        assert "'JO SMITH' is not a client code" in problem
        assert "never a name" in problem
        assert app.screen.query_one("#client_code", Input).has_class("-invalid")
        assert app.screen.query_one("#facilitator", Input).value == "R. Rivera"
        assert app.screen.query_one("#session_number", Input).value == "3"


async def test_client_code_is_typed_in_capitals_and_starts_the_session(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await fill_form(pilot, "kap-0042")
        await pilot.pause()

        assert app.session is not None
        assert app.session.state.client_code == "KAP-0042"
        assert app.session.state.stage == "pre_session"
        assert isinstance(app.screen, PreSessionScreen)
        assert "KAP-0042" in text_of(app, "#header-identity")


async def test_missing_facilitator_and_number_are_each_explained(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await fill_form(pilot, "KAP-0042", facilitator="  ", number="0")

        assert app.session is None
        assert "who runs the session" in text_of(app, "#facilitator-problem")
        assert "1 to 999" in text_of(app, "#session_number-problem")


async def test_start_values_on_the_command_line_skip_the_form(tmp_path):
    app = make_app(tmp_path, client_code="KAP-0042", facilitator="R. Rivera", session_number=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.session is not None
        assert app.session.state.started.session_number == 2


async def test_a_bad_client_code_on_the_command_line_opens_the_form_with_the_problem(tmp_path):
    app = make_app(tmp_path, client_code="Jo Smith", facilitator="R. Rivera", session_number=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.session is None
        assert isinstance(app.screen, StartFormScreen)
        assert "client code" in text_of(app, "#client_code-problem")
        assert app.screen.query_one("#facilitator", Input).value == "R. Rivera"


async def test_without_a_protocol_the_picker_lists_bundled_protocols_and_loads_the_choice(tmp_path):
    app = make_app(tmp_path, protocol=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, ProtocolPickerScreen)
        options = app.screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Intramuscular ketamine" in prompt for prompt in prompts)
        assert any("Training" in prompt for prompt in prompts)
        assert any("Your protocols" in prompt for prompt in prompts)

        # The first choosable entry is highlighted; enter chooses it.
        await pilot.press("enter")
        await ready(pilot)
        assert isinstance(app.screen, StartFormScreen)
        assert app.loaded is not None
        assert app.loaded.protocol.title in text_of(app, "#start-protocol")


async def test_a_broken_protocol_is_shown_as_located_problems_not_a_traceback(tmp_path):
    broken = tmp_path / "broken.toml"
    source = IM_PROTOCOL.read_text()
    broken.write_text(source.replace("window_minutes = 120", 'window_minutes = "long"'))
    app = make_app(tmp_path, protocol=broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, ProtocolErrorScreen)
        lines = text_of(app, "#problem-lines")
        assert f"{broken}:" in lines
        assert "window_minutes" in lines
        assert "Traceback" not in lines

        # Fixed on disk, r loads it again.
        broken.write_text(source)
        await pilot.press("r")
        await ready(pilot)
        assert isinstance(app.screen, StartFormScreen)


async def test_an_unfinished_session_is_offered_and_resumes_where_it_was(data_dir, clock, tmp_path):
    session = dosed_session(data_dir, clock)
    stage = session.state.stage
    event_count = session.state.event_count
    session.release()

    app = make_app(tmp_path, clock=clock, protocol=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, ResumeOfferScreen)
        option = app.screen.query_one(OptionList).get_option_at_index(0)
        assert "KAP-0042" in str(option.prompt)

        await pilot.press("r")
        await ready(pilot)
        assert app.session is not None
        assert app.session.state.stage == stage == "monitoring"
        # Everything replayed, plus the `resumed` entry.
        assert app.session.state.event_count == event_count + 1
        assert isinstance(app.screen, MonitoringScreen)


async def test_declining_the_resume_offer_goes_on_to_a_new_session(data_dir, clock, tmp_path):
    start_session(data_dir, clock).release()
    app = make_app(tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, ResumeOfferScreen)
        await pilot.press("n")
        await ready(pilot)
        await on_screen(app, pilot, StartFormScreen)  # the switch lands a frame or two later
        assert app.session is None


async def test_the_resume_offer_comes_over_the_start_form_and_keeps_what_was_typed(
    data_dir, clock, tmp_path
):
    start_session(data_dir, clock).release()
    app = make_app(tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.screen
        assert isinstance(form, StartFormScreen)  # the first frame, before the offer
        await ready(pilot)
        assert isinstance(app.screen, ResumeOfferScreen)
        assert app.screen_stack[-2] is form
        # Typed in the moment before the offer came up: still there once it is declined.
        form.query_one("#facilitator", Input).value = "R. Rivera"
        await pilot.press("n")
        await ready(pilot)
        await on_screen(app, pilot, StartFormScreen)
        assert app.screen is form
        assert form.query_one("#facilitator", Input).value == "R. Rivera"
        await fill_form(pilot, "KAP-0043", facilitator="R. Rivera", number="2")
        await ready(pilot)
        assert app.session is not None
        assert app.session.state.client_code == "KAP-0043"
        app.session.release()


async def test_a_session_resumed_before_the_protocol_loaded_is_not_covered_by_the_start_form(
    data_dir, clock, tmp_path, monkeypatch
):
    """The offer comes before the protocol is validated (that waits for the offer to be
    drawn); a facilitator quick to resume must not see the start form replace the session."""
    import threading

    from kap_console.tui.startup import StartUp

    dosed_session(data_dir, clock).release()
    release = threading.Event()
    real_load = StartUp._load

    def slow_load(path):
        release.wait(timeout=30)
        return real_load(path)

    monkeypatch.setattr(StartUp, "_load", staticmethod(slow_load))
    app = make_app(tmp_path, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await on_screen(app, pilot, ResumeOfferScreen)
            await pilot.press("r")
            await on_screen(app, pilot, MonitoringScreen)
        finally:
            release.set()
        await ready(pilot)
        assert app.session is not None
        assert isinstance(app.screen, MonitoringScreen)
