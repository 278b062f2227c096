"""A cache of session summaries, so that listing thousands of sessions reads only what changed.

A summary is a pure function of the files in its session folder, so it is kept with the
folder's signature: the name, size, modification time (ns) and inode of every file in it.
Listing stats each folder (cheap) and summarizes again only folders whose signature differs
from the cached one, or that are new; folders that are gone drop out. The cache lives in the
data folder (`catalog-cache.json`, 0600), holds no session text (client codes, protocol ids,
times and counts only) and is rebuilt from scratch when this program's version or the
summary's fields change. A cache that cannot be read is ignored, one that cannot be written
is skipped: the listing is the same either way, only slower.

Editing a journal while keeping its size and restoring its modification time would go
unnoticed here; `kap-console record verify` is the check against tampering, not the list.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kap_console.file_reading import read_regular_file

CACHE_NAME = "catalog-cache.json"
CACHE_FORMAT = 1
MAX_CACHE_BYTES = 256 * 1024 * 1024  # ~2 KB a session: far more sessions than anyone keeps

Signature = list[list[Any]]


def folder_signature(session_dir: Path) -> Signature:
    """What a summary of `session_dir` depends on: each file's name, size, mtime and inode."""
    signature = []
    with os.scandir(session_dir) as entries:
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            signature.append([entry.name, info.st_size, info.st_mtime_ns, info.st_ino])
    signature.sort()
    return signature


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$seconds": value.total_seconds()}
    if isinstance(value, Path):
        return {"$path": str(value)}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(item) for item in value]}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "$datetime":
            return datetime.fromisoformat(inner)
        if tag == "$seconds":
            return timedelta(seconds=inner)
        if tag == "$path":
            return Path(inner)
        if tag == "$tuple":
            return tuple(_decode(item) for item in inner)
    return value


class SummaryCache:
    """Summaries of the folders in one data folder, keyed by folder name and signature."""

    def __init__(self, data_dir: Path, summary_type: type, version: str) -> None:
        self.path = data_dir / CACHE_NAME
        self.summary_type = summary_type
        self.fields = [f.name for f in dataclasses.fields(summary_type)]
        self.stamp = {"format": CACHE_FORMAT, "version": version, "fields": self.fields}
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

    def summaries(self, folders: Iterable[Path], summarize: Callable[[Path], Any]) -> list[Any]:
        """A summary of each folder: from the cache when its signature is unchanged."""
        seen: dict[str, Any] = {}
        result = []
        for folder in folders:
            try:
                signature = folder_signature(folder)
            except OSError:
                result.append(summarize(folder))
                continue
            cached = self.entries.get(folder.name)
            summary = None
            if cached is not None and cached.get("signature") == signature:
                summary = self._summary(folder, cached.get("summary"))
            if summary is None:
                summary = summarize(folder)
                cached = {"signature": signature, "summary": self._fields(summary)}
                self.changed = True
            seen[folder.name] = cached
            result.append(summary)
        if seen.keys() != self.entries.keys():
            self.changed = True
        self.entries = seen
        return result

    def _fields(self, summary: Any) -> dict[str, Any]:
        return {name: _encode(getattr(summary, name)) for name in self.fields if name != "path"}

    def _summary(self, folder: Path, fields: Any) -> Any:
        if not isinstance(fields, dict):
            return None
        try:
            return self.summary_type(
                path=folder, **{name: _decode(value) for name, value in fields.items()}
            )
        except (TypeError, ValueError):
            return None

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
