"""Findings and the report: the stable output contract of walint.

Field names here are a public contract (JSON report, library users): add fields, never
rename. ``Report.model_dump()`` is exactly what ``--format json`` prints.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict

__all__ = ["Finding", "Report", "Severity", "Summary"]


class Severity(str, Enum):
    """How much a finding matters. Only errors fail a message and set exit code 1."""

    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


class Finding(BaseModel):
    """One problem, located in the campaign and tied to the rule and the Meta error it predicts."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None
    index: int | None
    rule: str
    name: str
    severity: Severity
    api_error: int | None
    path: str
    message: str


class Summary(BaseModel):
    """Totals. Every input message is counted exactly once, as passed or failed."""

    files: int = 0
    messages: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    warnings: int = 0


class Report(BaseModel):
    """What a run found. A message passes when it has no error-severity finding."""

    summary: Summary
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """True when nothing would fail at the API (warnings allowed)."""
        return self.summary.errors == 0

    def failed_indexes(self, file: str | None = None) -> set[int]:
        """Indexes of the messages that failed, in ``file`` (or in the only file of the run).

        A sender validating a batch in memory sends every message whose index is not here.
        """
        return {
            f.index
            for f in self.findings
            if f.severity is Severity.ERROR
            and f.index is not None
            and (file is None or f.file == file)
        }
