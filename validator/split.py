"""Split a checked campaign into what can be sent and what cannot.

``--write-passed FILE`` receives every message that passed (no error finding), one payload a
line, ready to POST; ``--write-failed FILE`` receives every other message with its findings,
one JSON object a line, ready for a dead-letter queue::

    {"file": "c.jsonl", "line": 3, "index": 2, "payload": {...}, "findings": [{...}, ...]}

An entry that could not be decoded carries ``"raw"`` (its text) instead of ``"payload"`` —
or ``"raw_base64"`` when it is not UTF-8 — and ``"raw": null`` when it was too large to keep
(its bytes stay in the input file, at that line).

Passed payloads are written byte for byte as read when the loader kept the bytes (JSONL lines,
CSV rows as expanded); elements of a JSON array or object, which may span lines, are
re-serialised compactly. Every message lands in exactly one of the two files, malformed
ones included: passed + failed = messages read.

Campaign findings arrive only after the whole stream, so splitting reads the input a second
time (files are re-read; standard input is first copied to a temporary file, see
``replayable_stdin``). Memory stays bounded by the report: one message at a time is held.
Each output file is written to a temporary file beside it and moved into place at the end,
so a reader never sees half a file and a failed run leaves the old file untouched.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from .atomic import atomic_writer
from .findings import Finding, Report, Severity
from .loader import STDIN, read_campaign
from .message import Message
from .registry import Registry

__all__ = ["SplitCounts", "dumps", "replayable_stdin", "write_split"]

STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class SplitCounts:
    passed: int = 0
    failed: int = 0


def dumps(value: Any) -> bytes:
    """Compact JSON; integers orjson cannot hold (beyond 64 bits) go through the stdlib."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@contextlib.contextmanager
def replayable_stdin(paths: list[str]) -> Iterator[dict[str, str]]:
    """When ``-`` is among ``paths``, copy standard input to a temporary file and point
    ``sys.stdin`` at it, so the check reads it as usual and the split can read it again.
    Yields {display name: path to read again}."""
    if STDIN not in paths:
        yield {}
        return
    fd, temp = tempfile.mkstemp(prefix="walint-stdin-", suffix=".spool")
    original = sys.stdin
    try:
        with os.fdopen(fd, "wb") as handle:
            shutil.copyfileobj(sys.stdin.buffer, handle, 1 << 20)
        replay = open(temp, "rb")  # noqa: SIM115 - closed below
        sys.stdin = io.TextIOWrapper(replay, encoding="utf-8")
        try:
            yield {STDIN_NAME: temp}
        finally:
            sys.stdin = original
            replay.close()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _sources(paths: Iterable[str], spooled: dict[str, str]) -> Iterator[tuple[str, str]]:
    for path in paths:
        if path == STDIN:
            yield STDIN_NAME, spooled[STDIN_NAME]
        else:
            yield path, path


def findings_by_message(report: Report) -> dict[tuple[str, int], list[Finding]]:
    found: dict[tuple[str, int], list[Finding]] = {}
    for finding in report.findings:
        if finding.index is not None:
            found.setdefault((finding.file, finding.index), []).append(finding)
    return found


def failed_record(message: Message, name: str, findings: list[Finding]) -> dict[str, Any]:
    """What a dead-letter queue receives for one failed message."""
    record: dict[str, Any] = {"file": name, "line": message.line, "index": message.index}
    if message.problem is None:
        record["payload"] = message.payload
    elif message.raw is None:
        record["raw"] = None
    else:
        try:
            record["raw"] = message.raw.decode("utf-8")
        except UnicodeDecodeError:
            record["raw_base64"] = base64.b64encode(message.raw).decode("ascii")
    record["findings"] = [f.model_dump(mode="json") for f in findings]
    return record


def write_split(report: Report, paths: Iterable[str], *, passed: str | os.PathLike | None = None,
                failed: str | os.PathLike | None = None, registry: Registry | None = None,
                spooled: dict[str, str] | None = None,
                max_message_bytes: int | None = None) -> SplitCounts:
    """Read ``paths`` again and write each message to ``passed`` or ``failed`` (see the
    module docs). ``report`` is the report of checking exactly these paths."""
    found = findings_by_message(report)
    failing = {key for key, items in found.items()
               if any(f.severity is Severity.ERROR for f in items)}
    counts = [0, 0]
    extra: dict[str, Any] = {"registry": registry}
    if max_message_bytes is not None:
        extra["max_message_bytes"] = max_message_bytes
    with contextlib.ExitStack() as stack:
        out_passed = stack.enter_context(atomic_writer(passed)) if passed else None
        out_failed = stack.enter_context(atomic_writer(failed)) if failed else None
        for name, path in _sources(paths, spooled or {}):
            for message in read_campaign(path, **extra):
                key = (name, message.index)
                if message.problem is None and key not in failing:
                    counts[0] += 1
                    if out_passed is not None:
                        out_passed.write(message.raw if message.raw is not None
                                         else dumps(message.payload))
                        out_passed.write(b"\n")
                else:
                    counts[1] += 1
                    if out_failed is not None:
                        out_failed.write(dumps(failed_record(message, name, found.get(key, []))))
                        out_failed.write(b"\n")
    return SplitCounts(*counts)
