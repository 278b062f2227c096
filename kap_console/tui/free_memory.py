"""Hand the memory start-up freed back to the system, once the session screen is up.

Building the models, reading the protocol and replaying the journal make and drop a great
many objects; the C allocator (glibc's malloc) keeps the pages they freed for later use,
so they stay counted in the console's resident memory for the whole session.
`malloc_trim(0)` returns the free pages it can. Elsewhere (macOS, musl) there is no such
call and nothing is done.
"""

from __future__ import annotations

import sys


def return_free_memory() -> bool:
    """Return the C allocator's free pages to the system (glibc only); whether it was done."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return False  # not glibc
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True
