"""``--format github``: GitHub Actions annotations, and the job summary for the rest.

Each finding becomes a workflow command, ``::error file=F,line=L,title=T::message``
(``::warning`` for warnings), which GitHub shows on the file in the pull request.

**Escaping.** Payload text ends up in these lines (template names, phone numbers, values), so
it is escaped as the Actions runner unescapes it (``actions/toolkit`` ``command.ts``): in the
message ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``; in property values also ``:`` → ``%3A`` and
``,`` → ``%2C``. With CR and LF encoded a finding is always exactly one line, and that line
starts with walint's own ``::error``, so nothing in a payload can start a workflow command of
its own (``::add-mask::``, ``::stop-commands::``…). Other line separators (NEL, U+2028/9) and
control characters are written as ``\\uXXXX`` for the same reason.

**The annotation cap.** GitHub shows at most 10 error and 10 warning annotations per step
(and 50 per job); further ones are dropped silently (documented limits of Actions
annotations: https://github.com/actions/toolkit/blob/457303960f03375db6f033e214b9f90d79c3fe5c/docs/problem-matchers.md#limitations).
walint therefore annotates the first 10 errors and the first 10 warnings, prints the rest as
plain log lines, and — when ``$GITHUB_STEP_SUMMARY`` is set — appends a Markdown table of every
finding that was not annotated to the job summary, within GitHub's 1 MiB summary cap
(a larger summary is refused whole: "supports content up to a size of 1024k";
https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TextIO

from ..findings import Finding, Report, Severity
from ._identity import display_path
from .base import Reporter
from .text import format_summary

ANNOTATIONS_PER_LEVEL = 10
#: GitHub refuses a step summary above 1 MiB; keep well below it.
SUMMARY_BUDGET = 900_000

_SEPARATORS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029]")


def _visible(text: str) -> str:
    return _SEPARATORS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def escape_data(text: str) -> str:
    """Escape a workflow command's message (the part after ``::``)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return _visible(text)


def escape_property(text: str) -> str:
    """Escape a workflow command property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """One finding as a workflow command line (without the newline)."""
    level = "error" if finding.severity is Severity.ERROR else "warning"
    title = f"{finding.rule} {finding.name}"
    if finding.api_error is not None:
        title += f" (API {finding.api_error})"
    props = []
    path = display_path(finding.file)
    if path is not None:
        props.append(f"file={escape_property(path)}")
        if finding.line is not None:
            props.append(f"line={finding.line}")
    props.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(props)}::{escape_data(finding.message)}"


def _log_line(finding: Finding) -> str:
    # Never starts with "::": the location comes after a fixed prefix.
    where = finding.file or "<run>"
    if finding.line is not None:
        where += f":{finding.line}"
    text = f"walint: {where}: {finding.rule} {finding.severity}: {finding.message}"
    return _visible(text.replace("\r", "\\r").replace("\n", "\\n"))


_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]()<>#+!|&~@$\-]")


def markdown_cell(text: str) -> str:
    """Text that renders literally in a Markdown table cell: every character Markdown or HTML
    could read as syntax becomes a numeric entity; line breaks become spaces."""
    text = _SEPARATORS.sub(" ", text.replace("\r", " ").replace("\n", " "))
    return _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", text)


class GithubReporter(Reporter):
    def __init__(self, stream: TextIO, *, color: bool = False,
                 env: Mapping[str, str] | None = None) -> None:
        super().__init__(stream, color=color)
        self.env = os.environ if env is None else env

    def write(self, report: Report) -> None:
        shown = {Severity.ERROR: 0, Severity.WARNING: 0}
        rest: list[Finding] = []
        for finding in report.findings:
            if shown[finding.severity] < ANNOTATIONS_PER_LEVEL:
                shown[finding.severity] += 1
                self.stream.write(annotation(finding) + "\n")
            else:
                rest.append(finding)
        for finding in rest:
            self.stream.write(_log_line(finding) + "\n")
        summary_file = self.env.get("GITHUB_STEP_SUMMARY")
        if rest:
            where = "the job summary" if summary_file else "the log above"
            self.stream.write(f"walint: {len(rest)} more finding{'s' if len(rest) != 1 else ''} "
                              f"than GitHub annotates per step (10 errors, 10 warnings); "
                              f"see {where}\n")
        self.stream.write(format_summary(report) + "\n")
        if summary_file:
            self._write_summary(summary_file, report, rest)

    def _write_summary(self, path: str, report: Report, rest: list[Finding]) -> None:
        lines = ["## walint", "", markdown_cell(format_summary(report)), ""]
        if rest:
            lines += [(f"{len(rest)} finding{'s' if len(rest) != 1 else ''} beyond GitHub's "
                      "annotation limit:"), "",
                      "| File | Line | Rule | Severity | API error | Message |",
                      "| --- | ---: | --- | --- | ---: | --- |"]
            size = sum(len(line) + 1 for line in lines)
            for number, finding in enumerate(rest):
                row = (f"| {markdown_cell(finding.file or '-')} | {finding.line or ''} | "
                       f"{finding.rule} {finding.name} | {finding.severity} | "
                       f"{finding.api_error or ''} | {markdown_cell(finding.message)} |")
                if size + len(row.encode()) + 200 > SUMMARY_BUDGET:
                    lines += ["", (f"… and {len(rest) - number} more (GitHub caps a job summary "
                                   "at 1 MiB): use `--format json` or `--format sarif` for all.")]
                    break
                lines.append(row)
                size += len(row.encode()) + 1
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")
        except OSError as exc:
            import sys

            print(f"walint: warning: cannot write the job summary ({exc.strerror})", file=sys.stderr)
