"""What machine formats share: relative artifact URIs and stable finding fingerprints.

A fingerprint lets a code-scanning service (GitHub, GitLab) recognise the same problem in the
next run, so it must not change when lines move: a message inserted above another shifts every
line number but is not a new problem. It is therefore keyed on *which message* it is — a
digest of the payload itself, read again from the campaign file — plus the rule, the file and
the place in the payload, and an occurrence number that tells identical payloads apart.
When the payload cannot be read again (standard input, a file deleted since), the finding's
own message text stands in for it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from urllib.parse import quote

import orjson

from ..findings import Finding, Report
from ..message import Message

__all__ = ["artifact_uri", "display_path", "fingerprints"]


def display_path(file: str) -> str | None:
    """The path as a repository-relative POSIX path when it can be one; None for a name that
    is not a file (``<stdin>``, ``<memory>``, a run-wide finding)."""
    if not file or file.startswith("<"):
        return None
    path = file.replace("\\", "/")
    if os.path.isabs(file):
        try:
            relative = os.path.relpath(file).replace("\\", "/")
        except ValueError:
            return path
        if not relative.startswith("../"):
            return relative
        return path
    return os.path.normpath(path).replace("\\", "/")


def artifact_uri(file: str) -> str | None:
    """A SARIF ``artifactLocation.uri``: relative (percent-encoded) when the file lies below
    the working directory, a ``file:`` URI otherwise, None when there is no file."""
    path = display_path(file)
    if path is None:
        return None
    if os.path.isabs(path):
        return Path(path).as_uri()
    return quote(path, safe="/")


def _digest(message: Message) -> str:
    if message.problem is not None:  # undecodable: its bytes are its identity
        data = message.raw.strip() if message.raw is not None else message.problem.encode()
    else:
        try:
            data = orjson.dumps(message.payload, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # integers beyond 64 bits, which orjson cannot write
            data = json.dumps(message.payload, sort_keys=True, ensure_ascii=False,
                              default=repr).encode()
    return hashlib.sha256(data).hexdigest()


def _message_digests(report: Report) -> dict[tuple[str, int], str]:
    """Digest of each payload that has a finding, read again from its file."""
    from ..errors import WalintError
    from ..loader import read_campaign

    wanted: dict[str, set[int]] = {}
    for finding in report.findings:
        if finding.index is not None and display_path(finding.file) is not None:
            wanted.setdefault(finding.file, set()).add(finding.index)
    digests: dict[tuple[str, int], str] = {}
    for file, indexes in wanted.items():
        last = max(indexes)
        try:
            for message in read_campaign(file):
                if message.index in indexes:
                    digests[(file, message.index)] = _digest(message)
                if message.index >= last:
                    break
        except (WalintError, OSError):
            continue  # the file went away: those findings fall back to their message text
    return digests


def fingerprints(report: Report) -> list[str]:
    """One stable fingerprint per finding, in report order; unique within the report."""
    digests = _message_digests(report)
    seen: dict[str, int] = {}
    out = []
    for finding in report.findings:
        key = _identity(finding, digests)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        out.append(hashlib.sha256(f"{key}\0{occurrence}".encode()).hexdigest()[:32])
    return out


def _identity(finding: Finding, digests: dict[tuple[str, int], str]) -> str:
    content = digests.get((finding.file, finding.index)) if finding.index is not None else None
    if content is None:
        content = "message:" + finding.message
    return "\0".join((finding.rule, display_path(finding.file) or finding.file, finding.path,
                      content))
