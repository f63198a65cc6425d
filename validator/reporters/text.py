"""``--format text``: one line per finding an editor can jump to, then a summary.

``file:line: CODE [api_error] message`` — the API error in brackets is the code Meta would
have answered; warnings say so before their message.
"""

from __future__ import annotations

from ..findings import Finding, Report, Severity
from .base import Reporter


def _location(finding: Finding) -> str:
    if finding.line is not None:
        return f"{finding.file}:{finding.line}"
    if finding.index is not None:
        return f"{finding.file}[{finding.index}]"
    return finding.file or "<run>"


def format_finding(finding: Finding) -> str:
    parts = [f"{_location(finding)}:", finding.rule]
    if finding.api_error is not None:
        parts.append(f"[{finding.api_error}]")
    if finding.severity is Severity.WARNING:
        parts.append("warning:")
    parts.append(finding.message)
    return " ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def format_summary(report: Report) -> str:
    s = report.summary
    return (f"{_plural(s.messages, 'message')} in {_plural(s.files, 'file')}: "
            f"{s.passed} passed, {s.failed} failed "
            f"({_plural(s.errors, 'error')}, {_plural(s.warnings, 'warning')})")


class TextReporter(Reporter):
    def write(self, report: Report) -> None:
        for finding in report.findings:
            self.stream.write(format_finding(finding) + "\n")
        if report.findings:
            self.stream.write("\n")
        self.stream.write(format_summary(report) + "\n")
