"""`records list` over many session folders: the first listing (every journal read) and the
next ones (only what changed), against stat-ing every file of every folder, which any
listing that notices changes pays.

One closed session is made by the engine and copied under new folder names.

    python benchmarks/bench_catalog.py [--sessions 10000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

from record_helpers import whole_session  # noqa: E402

from kap_console.session.catalog import list_sessions  # noqa: E402
from kap_console.session.catalog_cache import CACHE_NAME  # noqa: E402


def stat_everything(folder: Path) -> int:
    count = 0
    for session in os.scandir(folder):
        with os.scandir(session.path) as entries:
            for entry in entries:
                entry.stat(follow_symlinks=False)
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    count = parser.parse_args().sessions
    with tempfile.TemporaryDirectory(prefix="kap-bench-") as tmp:
        data = Path(tmp)
        session, _ = whole_session(data)
        session.release()
        template = session.session_dir
        stem = template.name.rsplit("-", 1)[0]
        for index in range(1, count):
            shutil.copytree(template, template.parent / f"{stem}-{index:06x}")
        start = time.perf_counter()
        stat_everything(data / "sessions")
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        listed = list_sessions(data)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        again = list_sessions(data)
        warm = time.perf_counter() - start
        assert len(listed) == len(again) == count
        (data / "sessions" / template.name / "journal-0001.jsonl").touch()
        start = time.perf_counter()
        list_sessions(data)
        one_changed = time.perf_counter() - start
        size = (data / CACHE_NAME).stat().st_size
    print(
        f"{count:,} sessions: first listing {cold:.2f} s; next {warm:.2f} s "
        f"({warm / baseline:.1f}x stat-ing every file, {baseline:.2f} s); "
        f"after one journal changed {one_changed:.2f} s; cache {size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    os.environ.setdefault("KAP_CONSOLE_CONFIG_DIR", tempfile.mkdtemp(prefix="kap-bench-config-"))
    main()
