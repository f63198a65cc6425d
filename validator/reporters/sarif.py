"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

What GitHub needs, and how walint provides it:

* **Stable rule ids with documentation.** ``tool.driver.rules`` lists every known rule in
  code order: ``id`` is the rule code (``WA203``), ``name`` its kebab-case name, and the short
  description, full description and help come from the rule's own manual (its docstring),
  so the alert page shows the same text as ``walint explain``.
* **Relative artifact URIs.** Paths below the working directory (run walint from the
  repository root) are written relative, percent-encoded, with ``uriBaseId: %SRCROOT%``.
* **Fingerprints keyed on the message, not the line** (``partialFingerprints``,
  see ``_identity``): editing the campaign above a message does not reopen its alert.
* Every result has a location, as GitHub requires: a finding about a whole file points at
  its line 1; one that belongs to no file points at the first file of the run.

The output validates against the OASIS SARIF 2.1.0 JSON schema (tested).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import __version__
from ..findings import Finding, Report, Severity, dumped
from ._identity import artifact_uri, fingerprints
from .base import Reporter

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "walintMessageHash/v1"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def _rule_descriptors() -> list[dict[str, Any]]:
    from ..catalog import all_rule_classes
    from ..docs import parse_docs, rule_manual
    from ..errors import WalintError

    try:
        classes = all_rule_classes()
    except WalintError:  # a broken pack: describe the built-in rules at least
        classes = all_rule_classes(plugins=False)
    descriptors = []
    for cls in classes:
        docs = parse_docs(cls)
        what = " ".join(docs.sections.get("What it does", docs.summary).split())
        properties: dict[str, Any] = {"tags": ["walint", "whatsapp", str(cls.scope)],
                                      "precision": "very-high"}
        if cls.api_error is not None:
            properties["apiError"] = cls.api_error
        descriptors.append({
            "id": cls.code,
            "name": cls.name,
            "shortDescription": {"text": docs.summary or cls.name},
            "fullDescription": {"text": what or docs.summary or cls.name},
            "help": {"text": rule_manual(cls), "markdown": _markdown_manual(cls)},
            "defaultConfiguration": {"level": LEVEL[cls.severity]},
            "properties": properties,
        })
    return descriptors


def _markdown_manual(cls: type) -> str:
    import inspect

    api = f" · prevents Meta API error {cls.api_error}" if cls.api_error else ""
    return f"### {cls.code} {cls.name}{api}\n\n{inspect.cleandoc(cls.__doc__ or '')}\n"


class SarifReporter(Reporter):
    def write(self, report: Report) -> None:
        json.dump(build_sarif(report), self.stream, indent=2, ensure_ascii=False)
        self.stream.write("\n")


def build_sarif(report: Report) -> dict[str, Any]:
    """The SARIF log of a report, as a JSON-ready dict."""
    rules = _rule_descriptors()
    index = {rule["id"]: number for number, rule in enumerate(rules)}
    for finding in report.findings:  # a rule the catalogue no longer knows still gets an id
        if finding.rule not in index:
            index[finding.rule] = len(rules)
            rules.append({"id": finding.rule, "name": finding.name,
                          "shortDescription": {"text": finding.name}})
    fallback = next((uri for uri in map(artifact_uri, report.file_messages) if uri), None)
    results = [_result(finding, fingerprint, index[finding.rule], fallback)
               for finding, fingerprint in zip(report.findings, fingerprints(report))]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "walint", "version": __version__,
                                "semanticVersion": __version__.split("+")[0], "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": {"summary": dumped(report.summary)},
        }],
    }


def _result(finding: Finding, fingerprint: str, rule_index: int,
            fallback: str | None) -> dict[str, Any]:
    text = finding.message
    if finding.api_error is not None:
        text += f" (Meta API error {finding.api_error})"
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": text},
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {"file": finding.file, "index": finding.index, "path": finding.path,
                       "apiError": finding.api_error},
    }
    uri = artifact_uri(finding.file) or fallback
    if uri is not None:
        location: dict[str, Any] = {"physicalLocation": {
            "artifactLocation": {"uri": uri, **({"uriBaseId": "%SRCROOT%"}
                                                if not uri.startswith("file:") else {})},
            "region": {"startLine": finding.line or 1}}}
        if finding.path:
            where = f"messages[{finding.index}]" if finding.index is not None else "file"
            location["logicalLocations"] = [{"fullyQualifiedName": f"{where}.{finding.path}",
                                             "kind": "element"}]
        result["locations"] = [location]
    return result
