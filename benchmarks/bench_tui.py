"""Console figures, each as a ratio to a minimal Textual app measured in the same run.

1. First paint: `kap-console run protocols/im-ketamine-120.toml --client …` against an app
   that shows one Static, each started in its own pseudo-terminal (80×24); the time from
   spawn until the first frame's text arrives. Runs alternate; medians are compared.
   Also reported: until the session's own screen is up (protocol loaded, session started).
   kap_console is byte-compiled first, as an installed package is.
2. Keypress → durable, rendered confirmation, along each way of entering something (a
   note on the pre-session screen and on the dashboard, an observation round, an alert
   acknowledged, an adverse event; keypress_paths.py): the save key until the entry is in
   the journal (fsynced) and a frame shows the form closed and the entry's receipt in the
   header ("✓ Note saved · 14:05:09"). Compared with a
   minimal app's Enter → handler → frame. Both driven by Pilot: p50, p99 and CPU.

    python benchmarks/bench_tui.py [--runs 10] [--notes 100] [--entries 50]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = ROOT / "protocols" / "im-ketamine-120.toml"
ANSI = re.compile(
    rb"\x1b(\[[0-9;?<>=$ ]*[A-Za-z~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|[=>78])"
)

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static


class Minimal(App):
    def compose(self):
        yield Static("MINIMAL-READY")


Minimal().run()
"""


# For reference only (the target is against MINIMAL_APP): a minimal app drawing the same
# kinds of widgets as the start form, to tell Textual's own cost for them from ours.
MINIMAL_FORM_APP = """
from textual.app import App
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, Static


class MinimalForm(App):
    BINDINGS = [("escape", "quit", "Other protocol")]

    def compose(self):
        with VerticalScroll():
            yield Static("MINIMAL-READY")
            for name in ("one", "two", "three"):
                with Horizontal():
                    yield Label(name)
                    yield Input(id=name)
                yield Static("hint")
            yield Button("Start session", compact=True)
        yield Footer()

    def on_mount(self):
        self.query_one("#one").focus()


MinimalForm().run()
"""


# -- first paint --------------------------------------------------------------------------


def time_to_text(
    argv: list[str],
    markers: list[bytes],
    env: dict[str, str],
    timeout=20.0,
    after=None,
    cpu: list[float] | None = None,
):
    """Seconds from spawn until each marker has appeared on the pseudo-terminal's screen.

    `after(pid, fd)`, if given, runs once every marker is seen, while the screen's output
    goes on being read (a terminal nobody reads would stall the program). `cpu`, if given,
    gets the CPU seconds (user + system, all threads) the program had used when it was
    stopped, right after the last marker: less disturbed by other work on the machine
    than wall time."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: an 80×24 terminal, then the program
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.execvpe(argv[0], argv, env)
    seen: dict[bytes, float] = {}
    raw = b""
    try:
        while len(seen) < len(markers) and time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            raw += chunk
            text = ANSI.sub(b"", raw)
            now = time.perf_counter()
            for marker in markers:
                if marker not in seen and marker in text:
                    seen[marker] = now - start
        if after is not None and len(seen) == len(markers):
            import threading

            stop = threading.Event()

            def drain() -> None:
                while not stop.is_set():
                    if select.select([fd], [], [], 0.05)[0]:
                        try:
                            os.read(fd, 65536)
                        except OSError:
                            return

            reader = threading.Thread(target=drain, daemon=True)
            reader.start()
            try:
                after(pid, fd)
            finally:
                stop.set()
                reader.join()
    finally:
        os.kill(pid, signal.SIGKILL)
        usage = os.wait4(pid, 0)[2]
        os.close(fd)
    if cpu is not None:
        cpu.append(usage.ru_utime + usage.ru_stime)
    missing = [marker for marker in markers if marker not in seen]
    if missing:
        raise RuntimeError(f"{argv[-1] if argv else argv}: never showed {missing}")
    return [seen[marker] for marker in markers]


def byte_compile() -> None:
    """Write kap_console's bytecode cache, as installing the package does. Without it (an
    editable install run with PYTHONDONTWRITEBYTECODE, as on CI) every start-up compiles
    each of its modules from source, ~50 ms that the minimal app, whose Textual was
    byte-compiled by pip, does not pay."""
    import compileall

    compileall.compile_dir(ROOT / "kap_console", quiet=1)


def first_paint(runs: int) -> None:
    byte_compile()
    work = Path(tempfile.mkdtemp(prefix="kap-bench-"))
    minimal = work / "minimal_app.py"
    minimal.write_text(MINIMAL_APP)
    minimal_form = work / "minimal_form_app.py"
    minimal_form.write_text(MINIMAL_FORM_APP)
    console = shutil.which("kap-console", path=str(Path(sys.executable).parent))
    base_env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    minimal_times, paint_times, ready_times, form_times = [], [], [], []
    minimal_cpu: list[float] = []
    form_cpu: list[float] = []
    same_widgets_times: list[float] = []
    same_widgets_cpu: list[float] = []
    for run in range(runs):
        minimal_times += time_to_text(
            [sys.executable, str(minimal)], [b"MINIMAL-READY"], base_env, cpu=minimal_cpu
        )
        same_widgets_times += time_to_text(
            [sys.executable, str(minimal_form)], [b"MINIMAL-READY"], base_env, cpu=same_widgets_cpu
        )
        data = work / f"data-{run}"
        env = {**base_env, "KAP_CONSOLE_CONFIG_DIR": str(work / "config")}
        argv = [console or sys.executable, *([] if console else ["-m", "kap_console"])]
        argv += ["run", str(PROTOCOL), "--data-dir", str(data)]
        argv += ["--client", "KAP-0042", "--facilitator", "Bench", "--session-number", "1"]
        paint, ready = time_to_text(argv, [b"Loading", b"Pre-session"], env)
        paint_times.append(paint)
        ready_times.append(ready)
        # What a facilitator waits for: the start form drawn and taking keys. "Client code"
        # is its first field's label, drawn only once the form is composed and focused.
        form_argv = argv[: argv.index("--client")]
        form_argv[form_argv.index(str(data))] = str(work / f"form-{run}")
        (form,) = time_to_text(form_argv, [b"Client code"], env, cpu=form_cpu)
        form_times.append(form)
    shutil.rmtree(work, ignore_errors=True)
    base = statistics.median(minimal_times)
    paint = statistics.median(paint_times)
    ready = statistics.median(ready_times)
    form = statistics.median(form_times)
    base_cpu, form_cpu_median = statistics.median(minimal_cpu), statistics.median(form_cpu)
    print(f"First paint, median of {runs} (80x24 pseudo-terminal):")
    print(f"  minimal Textual app        {base * 1000:7.0f} ms")
    print(f"  kap-console run --client … {paint * 1000:7.0f} ms   ratio {paint / base:.2f}")
    print(
        f"  start form, taking keys    {form * 1000:7.0f} ms   ratio {form / base:.2f}"
        "  (the first screen a facilitator can act on)"
    )
    print(
        f"  ... session screen up      {ready * 1000:7.0f} ms   ratio {ready / base:.2f}"
        "  (protocol validated, session started)"
    )
    print(
        f"  CPU until drawn: minimal {base_cpu * 1000:.0f} ms, start form "
        f"{form_cpu_median * 1000:.0f} ms   ratio {form_cpu_median / base_cpu:.2f}"
    )
    same, same_cpu = statistics.median(same_widgets_times), statistics.median(same_widgets_cpu)
    print(
        f"  (reference: a minimal app with the form's widgets {same * 1000:.0f} ms, ratio "
        f"{same / base:.2f}; CPU {same_cpu * 1000:.0f} ms, ratio {same_cpu / base_cpu:.2f})"
    )


# -- keypress to confirmation -----------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def minimal_keypress(count: int) -> tuple[list[float], list[float]]:
    from keypress_paths import FrameClock
    from textual.app import App
    from textual.widgets import Input, Static

    class Echo(App):
        handled = 0.0

        def compose(self):
            yield Input(id="entry")
            yield Static("", id="echo")

        def on_input_submitted(self, event: Input.Submitted) -> None:
            self.query_one("#echo", Static).update(event.value)
            event.input.value = ""
            self.handled = time.perf_counter()

    app = Echo()
    latencies, cpus = [], []
    async with app.run_test(size=(80, 24)) as pilot:
        frames = FrameClock(app)
        entry = app.query_one(Input)
        entry.focus()
        for index in range(count):
            entry.value = f"note {index}"
            await pilot.pause()
            cpu_start = time.process_time()
            start = time.perf_counter()
            await pilot.press("enter")
            drawn, cpu = await frames.first_after(app.handled)
            latencies.append(drawn - start)
            cpus.append(cpu - cpu_start)
    return latencies, cpus


def keypress(notes: int, entries: int, paths: list[str]) -> None:
    from keypress_paths import PATHS, time_path

    minimal, minimal_cpu = asyncio.run(minimal_keypress(notes))
    p50m, p99m = percentile(minimal, 0.5), percentile(minimal, 0.99)
    cpu_m = statistics.median(minimal_cpu)
    print(f"Keypress to rendered confirmation (Pilot, headless; {notes} notes,")
    print(f"{entries} of each other entry; timed once the console has settled after start-up):")
    print(
        f"  minimal app: Enter -> frame            p50 {p50m * 1000:5.1f} ms  p99 {p99m * 1000:5.1f} ms"
        f"  CPU p50 {cpu_m * 1000:4.1f} ms"
    )
    print("  kap-console: ctrl+s -> fsynced in the journal, the form closed, its receipt drawn:")
    for key in paths:
        count = notes if key.startswith("note") else entries
        walls, cpus = asyncio.run(time_path(key, count))
        p50, p99, cpu = percentile(walls, 0.5), percentile(walls, 0.99), statistics.median(cpus)
        print(
            f"    {PATHS[key].name:<31} p50 {p50 * 1000:5.1f} ms  p99 {p99 * 1000:5.1f} ms"
            f"  CPU p50 {cpu * 1000:4.1f} ms   ratio p50 {p50 / p50m:.2f}, p99 {p99 / p99m:.2f},"
            f" CPU {cpu / cpu_m:.2f}"
        )


def main() -> None:
    from keypress_paths import PATHS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="start-ups of each app")
    parser.add_argument("--notes", type=int, default=100, help="notes (and minimal-app entries)")
    parser.add_argument("--entries", type=int, default=50, help="entries of each other kind")
    parser.add_argument(
        "--paths", default=",".join(PATHS), help=f"entry paths to time, of {','.join(PATHS)}"
    )
    parser.add_argument("--only", choices=("paint", "keys"), help="run one part only")
    args = parser.parse_args()
    if args.only != "keys":
        first_paint(args.runs)
    if args.only != "paint":
        keypress(args.notes, args.entries, args.paths.split(","))


if __name__ == "__main__":
    main()
