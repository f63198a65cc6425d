"""``--format junit``: JUnit XML for Jenkins, GitLab, Azure DevOps and other test viewers.

One ``<testsuite>`` per campaign file. In it, one ``<testcase>`` per finding — an error is a
``<failure>``, a warning a passing case that says so in ``<system-out>`` (warnings do not fail
the run, so they do not fail the report) — and one passing case per file counting the
messages without errors, so a clean run is never an empty report. Test names are unique
within their suite (``#2``, ``#3`` … when one rule fires twice at the same place), as some
viewers merge cases of the same name. Text that XML cannot hold (control characters from a
payload) is written as ``\\uXXXX``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..findings import Finding, Report, Severity
from ._identity import display_path
from .base import Reporter

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _case_name(finding: Finding) -> str:
    if finding.line is not None:
        where = f"line {finding.line}"
    elif finding.index is not None:
        where = f"message {finding.index}"
    else:
        where = "file"
    name = f"{finding.rule} {finding.name} at {where}"
    return f"{name} ({finding.path})" if finding.path else name


class JunitReporter(Reporter):
    def write(self, report: Report) -> None:
        groups: dict[str, list[Finding]] = {name: [] for name in report.file_messages}
        for finding in report.findings:
            groups.setdefault(finding.file, []).append(finding)
        root = ET.Element("testsuites", name="walint")
        total = failures = 0
        for file, findings in groups.items():
            label = display_path(file) or file or "walint run"
            suite = ET.SubElement(root, "testsuite", name=_xml(label))
            names: set[str] = set()
            suite_failures = 0
            for finding in findings:
                case = ET.SubElement(suite, "testcase", classname=_xml(label),
                                     name=_xml(_unique(_case_name(finding), names)))
                detail = _detail(finding)
                if finding.severity is Severity.ERROR:
                    suite_failures += 1
                    failure = ET.SubElement(case, "failure", message=_xml(finding.message),
                                            type=finding.rule)
                    failure.text = _xml(detail)
                else:
                    ET.SubElement(case, "system-out").text = _xml("warning: " + detail)
            if file in report.file_messages:
                count = report.file_messages[file]
                failed = len({f.index for f in findings
                              if f.severity is Severity.ERROR and f.index is not None})
                ET.SubElement(suite, "testcase", classname=_xml(label), name=_xml(_unique(
                    f"{count - failed} of {count} message{'s' if count != 1 else ''} "
                    "without errors", names)))
            suite.set("tests", str(len(suite)))
            suite.set("failures", str(suite_failures))
            suite.set("errors", "0")
            suite.set("skipped", "0")
            total += len(suite)
            failures += suite_failures
        if not len(root):  # nothing was read at all: still one case, so the report is not empty
            suite = ET.SubElement(root, "testsuite", name="walint", tests="1", failures="0",
                                  errors="0", skipped="0")
            ET.SubElement(suite, "testcase", classname="walint", name="no campaign messages")
            total += 1
        root.set("tests", str(total))
        root.set("failures", str(failures))
        root.set("errors", "0")
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        ET.indent(root)
        self.stream.write(ET.tostring(root, encoding="unicode"))
        self.stream.write("\n")


def _unique(name: str, seen: set[str]) -> str:
    candidate, number = name, 1
    while candidate in seen:
        number += 1
        candidate = f"{name} #{number}"
    seen.add(candidate)
    return candidate


def _detail(finding: Finding) -> str:
    where = finding.file or "<run>"
    if finding.line is not None:
        where += f":{finding.line}"
    api = f" [Meta API error {finding.api_error}]" if finding.api_error is not None else ""
    path = f"\npayload path: {finding.path}" if finding.path else ""
    index = f"\nmessage index: {finding.index}" if finding.index is not None else ""
    return f"{where}: {finding.rule} {finding.name}{api}: {finding.message}{path}{index}"
