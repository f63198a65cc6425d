"""``--format json``: exactly ``Report.model_dump()``, the contract in DESIGN.md, written as
``model_dump_json(indent=2)`` writes it."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
from pydantic_core import to_json

from ..findings import Finding, Report, dumped
from .base import Reporter

#: Findings written at a time: a campaign may have a finding for every message, and its
#: report is never held whole as text (nor as a tree of dicts) beside its findings.
BATCH = 4096
_INDENT = orjson.OPT_INDENT_2


class JsonReporter(Reporter):
    def write(self, report: Report) -> None:
        if type(report) is not Report:  # a plugin's subclass: pydantic knows its fields
            self.stream.write(report.model_dump_json(indent=2) + "\n")
            return
        for piece in _pieces(report):
            self.stream.write(piece)


def _pieces(report: Report) -> Iterator[str]:
    """The text of ``report.model_dump_json(indent=2)`` and a newline, a batch of findings
    at a time: the summary as orjson indents it, then the findings, each indented as an item
    of the report's list (JSON strings hold no newline, so indenting is adding spaces after
    each one)."""
    head = orjson.dumps({"summary": dumped(report.summary), "findings": []}, option=_INDENT)
    findings = report.findings
    if not findings:
        yield head.decode() + "\n"
        return
    yield head[:-len(b"[]\n}")].decode() + "[\n"
    for start in range(0, len(findings), BATCH):
        batch = findings[start:start + BATCH]
        yield (",\n" if start else "") + _items(batch).decode()
    yield "\n  ]\n}\n"


def _items(batch: list[Finding]) -> bytes:
    """Findings as items of the report's ``findings`` list, joined by ``,\\n``. orjson
    writes what pydantic writes, in a fraction of the time; a value it does not know (in a
    finding a plugin made with ``model_construct``, say) is left to pydantic."""
    try:
        text = orjson.dumps([dumped(finding) for finding in batch], option=_INDENT)
    except TypeError:
        text = to_json(batch, indent=2)  # pydantic's, as model_dump_json writes each
    # "[\n  {...},\n  {...}\n]": the items, one level deeper.
    return b"  " + text[len(b"[\n"):-len(b"\n]")].replace(b"\n", b"\n  ")
