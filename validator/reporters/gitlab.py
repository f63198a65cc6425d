"""``--format gitlab``: a GitLab Code Quality report (``artifacts:reports:codequality``).

A JSON array of issues with ``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location.path`` / ``location.lines.begin``, as GitLab's Code Quality widget reads them.
Errors are ``major`` and warnings ``minor``; the fingerprint is keyed on the message, not the
line (see ``_identity``), so an issue survives lines moving between pipelines. A finding that
belongs to no file is reported against the first file of the run (GitLab needs a path).
"""

from __future__ import annotations

import json

from ..findings import Report, Severity
from ._identity import display_path, fingerprints
from .base import Reporter

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor"}


class GitlabReporter(Reporter):
    def write(self, report: Report) -> None:
        first_file = next((display_path(f) for f in report.file_messages if display_path(f)), ".")
        issues = []
        for finding, fingerprint in zip(report.findings, fingerprints(report)):
            api = f" [{finding.api_error}]" if finding.api_error is not None else ""
            issues.append({
                "type": "issue",
                "check_name": finding.rule,
                "description": f"{finding.rule}{api} {finding.message}",
                "categories": ["Bug Risk"],
                "fingerprint": fingerprint,
                "severity": SEVERITY[finding.severity],
                "location": {"path": display_path(finding.file) or first_file,
                             "lines": {"begin": finding.line or 1}},
            })
        json.dump(issues, self.stream, indent=2, ensure_ascii=False)
        self.stream.write("\n")
