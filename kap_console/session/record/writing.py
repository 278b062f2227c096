"""Writing record.toml: the record's bytes, written atomically and checked as read back.

The text is `toml_text`'s, exactly what `tomli_w.dumps` writes for `record_to_toml_dict`
(model.py) of the record; the file is written as it is rendered and read back from disk to
check it holds those bytes (length and SHA-256).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kap_console.file_reading import FileTooLarge
from kap_console.session.record.model import HEADER, RecordWriteError, SessionRecord, empty_in_list


def render_record(record: SessionRecord) -> bytes:
    """The bytes of record.toml: the model's TOML document as `tomli_w` writes it.

    The text comes from `toml_text.fields_chunks`, which writes exactly what `tomli_w.dumps`
    writes for the document `record_to_toml_dict` gives, dumping the model a table at a time
    (the whole document never exists at once). That this text reads back through `tomllib`
    as the same document, and that the model reads its own dump back as the same record,
    are properties of the writer and the model, checked by the tests (for generated
    documents of the record's shape and for real records) and by `record verify`; they are
    not paid again at every close.
    """
    return render_fields([(name, getattr(record, name)) for name in SessionRecord.model_fields])


def render_fields(fields: list[tuple[str, Any]]) -> bytes:
    """`render_record` of the record with these top-level fields (`build.record_fields`:
    the long lists as iterators of rows, each written and let go before the next is made)."""
    return b"".join(_pieces(fields))


def _pieces(fields: list[tuple[str, Any]]) -> Iterator[bytes]:
    """The bytes of the record in pieces of about a MiB (see `toml_text.fields_chunks`)."""
    from kap_console.session.record.toml_text import EmptyInList, fields_chunks

    try:
        waiting: list[str] = []
        size = 0
        for chunk in fields_chunks(fields, HEADER):
            waiting.append(chunk)
            size += len(chunk)
            if size >= 1 << 20:
                yield "".join(waiting).encode("utf-8")
                waiting, size = [], 0
        if waiting:
            yield "".join(waiting).encode("utf-8")
    except EmptyInList:
        where = empty_in_list(_dump_fields(fields))
        raise RecordWriteError(f"{where}: a list holds an empty value") from None


def _dump_fields(fields: list[tuple[str, Any]]) -> dict[str, Any]:
    def dump(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="python", exclude_none=True)
        if isinstance(value, list):
            return [dump(item) for item in value]
        return value

    return {name: dump(value) for name, value in fields}


def write_record(record: SessionRecord | list[tuple[str, Any]], path: Path) -> str:
    """Write the record (a model, or its `build.record_fields`) atomically (0600), read the
    file back and check it holds exactly the bytes rendered; return the SHA-256 of the file
    as read back.

    The bytes are written as they are rendered, a piece at a time, and hashed on the way; the
    file is then read back from disk (a block at a time) and must have the same length and
    SHA-256 as what was rendered: the same bytes, without the whole text in memory twice.
    """
    from kap_console.file_reading import regular_file_sha256
    from kap_console.session.storage import write_private_atomic

    if isinstance(record, SessionRecord):
        record = [(name, getattr(record, name)) for name in SessionRecord.model_fields]
    rendered = hashlib.sha256()
    size = 0

    def pieces() -> Iterator[bytes]:
        nonlocal size
        for piece in _pieces(record):
            rendered.update(piece)
            size += len(piece)
            yield piece

    write_private_atomic(path, pieces())
    try:
        # At most as long as what was written: anything longer is not what was written.
        sha256, length = regular_file_sha256(path, limit=size, follow_links=False)
    except FileTooLarge:
        raise RecordWriteError(f"{path} does not read back as written") from None
    if (length, sha256) != (size, rendered.hexdigest()):
        raise RecordWriteError(f"{path} does not read back as written")
    return sha256
