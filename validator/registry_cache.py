"""The parsed template registry, kept on disk by its text, so that a run whose registry has
not changed does not load the YAML parser.

pre-commit runs ``walint check`` on every commit, nearly always with the same registry, and a
check of a few messages is mostly start-up: importing PyYAML and parsing the file is about a
tenth of it (callgrind, a one-message check of the benchmark's campaign: 904 M instructions,
810 M with the parse read from here). What ``parse`` made of a text — the data and the line
of each template — is kept in ``<cache dir>/registries/<SHA-256 of the text>.json``
(``validator.cachedir``), the newest ``KEEP`` of them.

The cache never changes a run and never fails one: only data that JSON gives back exactly is
kept (not a YAML date or set, a key that is not a string, a float that is not finite); a text
that does not parse is not kept; a missing, unreadable or corrupt file is parsed again; a
file that cannot be written is skipped. A file is written under a temporary name and renamed,
so a reader sees all of it or none. ``--no-cache`` neither reads nor writes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from .cachedir import cache_dir, store

__all__ = ["KEEP", "cached_parse"]

#: Parsed registries kept (the oldest written go first).
KEEP = 16
#: Changes when what is kept changes (the parser's output, this file's layout): files of
#: another format are never read.
FORMAT = 1

Parsed = tuple[Any, list[int | None]]


def cached_parse(text: str, parse: Callable[[], Parsed]) -> Parsed:
    """``parse()`` of ``text``, or what it gave for the same text before."""
    try:
        path = cache_dir() / "registries" / f"{hashlib.sha256(text.encode()).hexdigest()}.json"
    except (OSError, RuntimeError, UnicodeError):  # no home directory; a lone surrogate
        return parse()
    kept = _read(path)
    if kept is not None:
        return kept
    data, lines = parse()
    _write(path, data, lines)
    return data, lines


def _read(path: Path) -> Parsed | None:
    try:
        kept = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(kept, dict) or kept.get("format") != FORMAT or "data" not in kept:
        return None
    lines = kept.get("lines")
    if not (isinstance(lines, list) and all(line is None or type(line) is int for line in lines)):
        return None
    return kept["data"], lines


def _write(path: Path, data: Any, lines: list[int | None]) -> None:
    record = {"format": FORMAT, "data": data, "lines": lines}
    try:
        blob = orjson.dumps(record)
        if orjson.loads(blob) != record:
            return  # a date, a NaN …: JSON would give back something else
    except (TypeError, orjson.JSONEncodeError):  # a set, bytes, a key that is not a string
        return
    store(path, blob, KEEP)
