"""With --speed, a real (non-training) protocol is refused by naming the flag, not the file."""

from __future__ import annotations

from harness import IM_PROTOCOL, SIZE, make_app, until

from kap_console.tui.app import KapApp
from kap_console.tui.screens.protocol_error import ProtocolErrorScreen


async def test_speed_with_a_real_protocol_names_the_flag_as_the_problem(tmp_path):
    app: KapApp = make_app(tmp_path, IM_PROTOCOL, started=True)
    app.practice_speed = 10
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: type(app.screen) is ProtocolErrorScreen, 10)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "--speed works only with a training protocol" in text
        assert "The file is fine: the --speed flag is the problem" in text
        assert "Fix the file" not in text
