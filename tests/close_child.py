"""A child process for the crash-at-every-call test of closing a session.

    close_child.py K FOLDER   resume the (unfinished) session in FOLDER, then close it, dying
                              with os._exit(3) at the K-th file-system call of the close;
                              print "closed" and exit 0 if the close made fewer than K calls

The session is prepared by the parent (record_helpers.dosed_session); only the close is
counted, so every K lands in it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from journal_child import die_at_call
from record_helpers import new_clock

from kap_console.session.engine import Session


def main() -> None:
    k, folder = int(sys.argv[1]), Path(sys.argv[2])
    session = Session.resume(folder, clock=new_clock())
    die_at_call(k)
    session.close(outcome="stopped_early", note="closing under test")
    print("closed", flush=True)


if __name__ == "__main__":
    main()
