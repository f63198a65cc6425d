"""``walint check --fix`` and ``--diff``: check with fixes applied, then write or show them.

* ``--fix`` checks the campaign as fixed, then rewrites each file that has fixes in place
  (``validator.rewrite``: atomically, only the fixed values changed). The report holds what
  remains; fixed findings are counted in the summary (``fixed``), not reported as errors;
  the exit code follows what remains (0 when nothing fails any more).
* ``--diff`` writes nothing: it prints a unified diff of every file that would change on
  standard output and a one-line count on standard error. Like ``ruff --diff``, the exit
  code says whether there is something to fix — 1 when a file would change, 0 when not —
  and remaining findings are not reported (run ``walint check`` for them).
* Unsafe fixes are applied only with ``--unsafe-fixes`` (or ``unsafe-fixes = true``).
* Standard input cannot be rewritten in place: ``--fix`` with ``-`` is refused (exit 2);
  ``--diff`` reads it once into a temporary file and shows the diff against it.

Every file's new content is computed (and checked against the file as it is now) before the
first one is written, so a file that changed in the meantime stops the run with nothing
written.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError
from .findings import Report
from .loader import STDIN

__all__ = ["FixRun", "check_with_fixes"]


@dataclass
class FixRun:
    """What a fixing run did: the report (of what remains), and the files changed (or, for
    ``--diff``, that would change)."""

    report: Report
    files_changed: list[str]
    #: For ``--diff``: the unified diff of each file that would change.
    diffs: list[str] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return self.report.summary.fixed or 0


def check_with_fixes(validator: Any, files: Sequence[str], *, diff: bool,
                     unsafe_fixes: bool | None = None, progress: Any = None) -> FixRun:
    """Check ``files`` with fixes; write them (``diff=False``) or compute their diffs."""
    files = list(files)
    if STDIN in files and not diff:
        raise InputError("--fix rewrites files in place and cannot rewrite standard input; "
                         "use --diff to see the fixes, or save the campaign to a file",
                         file="<stdin>")
    with _spooled_stdin(files) as sources:
        report = validator.check_files(files, progress=progress, fix=True,
                                       unsafe_fixes=unsafe_fixes, sources=sources)
        contents = [(rewrite, *rewrite.contents()) for rewrite in report.rewrites]
    changed = [rewrite.name for rewrite, old, new in contents if old != new]
    if diff:
        from .rewrite import unified_diff

        diffs = [unified_diff(old, new, rewrite.name) for rewrite, old, new in contents]
        return FixRun(report, changed, [text for text in diffs if text])
    from .rewrite import atomic_replace

    for rewrite, old, new in contents:
        if old != new:
            atomic_replace(rewrite.changes.source, new, rewrite.name)
    return FixRun(report, changed)


@contextlib.contextmanager
def _spooled_stdin(files: list[str]) -> Iterator[dict[str, str]]:
    """Standard input copied to a temporary file that is read instead of it, so that the
    diff can be computed against what was checked: {"<stdin>": that file}."""
    if STDIN not in files:
        yield {}
        return
    fd, temp = tempfile.mkstemp(prefix="walint-stdin-", suffix=".spool")
    original = sys.stdin
    try:
        with os.fdopen(fd, "wb") as handle:
            shutil.copyfileobj(sys.stdin.buffer, handle, 1 << 20)
        with open(temp, "rb") as replay:
            sys.stdin = io.TextIOWrapper(replay, encoding="utf-8")
            try:
                yield {"<stdin>": temp}
            finally:
                sys.stdin.detach()
                sys.stdin = original
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
