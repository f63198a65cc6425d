"""Findings and the report: the stable output contract of walint.

Field names here are a public contract (JSON report, library users): add fields, never
rename. ``Report.model_dump()`` is exactly what ``--format json`` prints.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

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
    #: What ``--fix`` would do (or did) about it, and whether that fix is "safe" or
    #: "unsafe" (needs ``--unsafe-fixes``). Both are left out of dumps when there is no fix,
    #: so a report without fixes reads exactly as before they existed.
    fix: str | None = None
    fixable: Literal["safe", "unsafe"] | None = None

    @model_serializer(mode="wrap")
    def _without_absent_fix(self, handler: Any) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("fix") is None:
            data.pop("fix", None)
            data.pop("fixable", None)
        return data


class Summary(BaseModel):
    """Totals. Every input message is counted exactly once, as passed or failed."""

    files: int = 0
    messages: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    warnings: int = 0
    #: Distinct links (media URLs) the network rules checked, and those left unchecked
    #: because the run was offline (``--offline``; the library's default).
    links_checked: int = 0
    links_skipped: int = 0
    #: Findings repaired by ``--fix`` (or ``--diff``): not counted in ``errors`` and
    #: ``warnings``, which are what remains. Present only in a run that fixes.
    fixed: int | None = None

    @model_serializer(mode="wrap")
    def _without_absent_fixed(self, handler: Any) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("fixed") is None:
            data.pop("fixed", None)
        return data


class Report(BaseModel):
    """What a run found. A message passes when it has no error-severity finding."""

    summary: Summary
    findings: list[Finding]
    #: Messages read per file, in reading order. Reporters use it (a JUnit case per file, SARIF
    #: artifacts); it is not part of the JSON contract, so dumps leave it out.
    file_messages: dict[str, int] = Field(default_factory=dict, exclude=True, repr=False)
    #: True for a report on local media files (``walint media``): its units are files, counted
    #: in ``summary.files`` (``messages``, ``passed`` and ``failed`` stay 0). Not in dumps.
    media_files: bool = Field(False, exclude=True, repr=False)
    #: In a run that fixes (``fix=True``): the findings the fixes repaired, each with its
    #: ``fix``; for ``Validator.validate``, every payload in input order — the fixed ones
    #: repaired, the others the very objects given; for ``Validator.check_files``, one
    #: ``validator.rewrite.Rewrite`` per file with something to fix (nothing is written
    #: until its ``write()``). Not in dumps.
    fixed_findings: list[Finding] = Field(default_factory=list, exclude=True, repr=False)
    fixed_payloads: list[Any] | None = Field(None, exclude=True, repr=False)
    rewrites: list[Any] = Field(default_factory=list, exclude=True, repr=False)

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
