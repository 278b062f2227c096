"""A cache of session summaries, so that listing thousands of sessions reads only what changed.

A summary is a pure function of some files of its session folder (the catalog says which:
`reads(name)`), so it is kept with the folder's signature: the name of every file in it, and
the size, modification and change times (ns) and inode of each file the summary reads. Listing
scans each folder (one directory read, one lstat per file read) and summarizes again only
folders whose signature differs from the cached one, or that are new; folders that are gone
drop out. The change time (ctime) is set by the system on every write, rename or
`utime` and cannot be set back, so a file replaced or edited with its size and modification
time restored is noticed too.

The cache lives in the data folder (`catalog-cache.json`, 0600) and holds, per folder, a
digest of the signature and the row the listing shows (client codes, protocol ids, times,
counts, states: no other session text). It is rebuilt from scratch when this program's version
or the row's fields change. A cache that cannot be read is ignored, one that cannot be written
is skipped, a row that cannot be decoded is read again: the listing is the same either way,
only slower.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kap_console.file_reading import read_regular_file

CACHE_NAME = "catalog-cache.json"
CACHE_FORMAT = 2
MAX_CACHE_BYTES = 256 * 1024 * 1024  # ~200 bytes a session: far more sessions than anyone keeps


def folder_scan(session_dir: Path, reads: Callable[[str], bool]) -> tuple[str, list[str]]:
    """The signature digest of `session_dir` and the names of the files in it (sorted).

    Every name counts (a file added, removed or renamed changes the digest); the files
    `reads` accepts count by size, mtime, ctime, inode and type too. Raises OSError."""
    parts = []
    names = []
    prefix = os.path.join(session_dir, "")
    for name in sorted(os.listdir(session_dir)):
        if reads(name):
            try:
                info = os.lstat(prefix + name)
            except FileNotFoundError:
                continue
            parts.append(
                f"{name}/{info.st_size}/{info.st_mtime_ns}/{info.st_ctime_ns}"
                f"/{info.st_ino}/{info.st_mode}"
            )
        else:
            parts.append(name)
        names.append(name)
    # No file name holds "/" or NUL: the joined text says each part apart.
    digest = hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogateescape"), digest_size=16)
    return digest.hexdigest(), names


class SummaryCache:
    """Rows of the folders in one data folder, keyed by folder name and signature digest.

    `encode(summary)` gives a summary's row (a JSON list), `decode(folder, row)` the summary
    back (raising TypeError, ValueError or IndexError if the row is not one it wrote)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        fields: list[str],
        version: str,
        encode: Callable[[Any], list[Any]],
        decode: Callable[[Path, list[Any]], Any],
    ) -> None:
        self.path = data_dir / CACHE_NAME
        self.stamp = {"format": CACHE_FORMAT, "version": version, "fields": fields}
        self.encode = encode
        self.decode = decode
        self.entries: dict[str, Any] = {}
        self.changed = False
        self._load()

    def _load(self) -> None:
        try:
            # A regular file only, not through a link: a FIFO planted here must not hang the
            # listing (and with it the start screen).
            data = json.loads(
                read_regular_file(self.path, limit=MAX_CACHE_BYTES, follow_links=False)
            )
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("stamp") == self.stamp:
            entries = data.get("entries")
            if isinstance(entries, dict):
                self.entries = entries

    def summaries(
        self,
        folders: Iterable[Path],
        summarize: Callable[[Path, list[str] | None], Any],
        reads: Callable[[str], bool],
    ) -> list[tuple[Any, list[str] | None]]:
        """Each folder's summary (from the cache when its signature is unchanged) with the
        names of its files (None when the folder could not be read)."""
        seen: dict[str, Any] = {}
        result: list[tuple[Any, list[str] | None]] = []
        entries = self.entries
        for folder in folders:
            try:
                digest, names = folder_scan(folder, reads)
            except OSError:
                result.append((summarize(folder, None), None))
                continue
            key = folder.name
            cached = entries.get(key)
            summary = None
            if type(cached) is list and len(cached) == 2 and cached[0] == digest:
                try:
                    summary = self.decode(folder, cached[1])
                except (TypeError, ValueError, IndexError):
                    summary = None
            if summary is None:
                summary = summarize(folder, names)
                cached = [digest, self.encode(summary)]
                self.changed = True
            seen[key] = cached
            result.append((summary, names))
        if seen.keys() != entries.keys():
            self.changed = True
        self.entries = seen
        return result

    def save(self) -> None:
        """Write the cache if anything changed; silently skip when the folder is not writable."""
        if not self.changed:
            return
        from kap_console.session.storage import write_private_atomic

        data = json.dumps({"stamp": self.stamp, "entries": self.entries}, separators=(",", ":"))
        try:
            write_private_atomic(self.path, data.encode("utf-8"))
        except OSError:
            pass
        self.changed = False
