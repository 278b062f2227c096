"""A child process for the dashboard's import test (run with sys.executable).

dashboard_child.py DATA CONFIG    run the console headless (80x24) on the data folder DATA,
                                  resume the unfinished session it offers, wait for the
                                  monitoring dashboard, then print every module imported,
                                  one a line

A process of its own, because the test run has imported half the package already.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from kap_console.tui.app import KapApp


async def main(data: Path, config: Path) -> None:
    app = KapApp(
        None,
        data_dir=data,
        settings_path=config / "settings.toml",
        user_themes_dir=config / "themes",
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("r")  # resume the session offered
        for _ in range(200):
            await pilot.pause(0.02)
            session = app.session
            if session is not None and type(app.screen).__name__ == "MonitoringScreen":
                break
        else:
            raise SystemExit(f"no dashboard; on top: {type(app.screen).__name__}")
        print("\n".join(sorted(sys.modules)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
