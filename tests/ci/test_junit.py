"""JUnit XML: parses, unique test names, failures for errors only, never empty."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from validator.findings import Finding, Report, Severity, Summary
from validator.reporters.junit import JunitReporter

from .conftest import BAD, GOOD, REGISTRY, WARNED, many, walint, write_jsonl


def junit(tmp_path, *paths):
    result = walint("check", "--registry", str(REGISTRY), "--format", "junit", *paths, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, ET.fromstring(result.stdout)


def cases(root):
    return [(suite.get("name"), case) for suite in root.iter("testsuite") for case in suite.iter("testcase")]


def test_one_case_per_finding_plus_one_per_file(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", many(GOOD, 2) + many(BAD, 2) + many(WARNED, 1))
    (tmp_path / "b.jsonl").write_text('{"broken": \n')
    code, root = junit(tmp_path, "a.jsonl", "b.jsonl")
    assert code == 1
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["a.jsonl", "b.jsonl"]
    a = suites["a.jsonl"]
    failures = [c for c in a.iter("testcase") if c.find("failure") is not None]
    assert [c.find("failure").get("type") for c in failures] == ["WA201", "WA201"]
    warned = [c for c in a.iter("testcase") if c.find("system-out") is not None]
    assert len(warned) == 1 and warned[0].find("system-out").text.startswith("warning: ")
    assert any(c.get("name") == "3 of 5 messages without errors" for c in a.iter("testcase"))
    assert (a.get("tests"), a.get("failures")) == ("4", "2")
    assert root.get("failures") == "3" and int(root.get("tests")) == 6


def test_names_are_unique_within_each_suite(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", many(BAD, 3))
    _, root = junit(tmp_path, "a.jsonl")
    for suite in root.iter("testsuite"):
        names = [c.get("name") for c in suite.iter("testcase")]
        assert len(names) == len(set(names))


def test_same_rule_twice_at_the_same_place_gets_numbered_names():
    finding = Finding(file="a.jsonl", line=1, index=0, rule="WA201", name="template-unknown",
                      severity=Severity.ERROR, api_error=132001, path="template.name", message="m")
    report = Report(summary=Summary(files=1, messages=1, failed=1, errors=2),
                    findings=[finding, finding], file_messages={"a.jsonl": 1})
    out = io.StringIO()
    JunitReporter(out).write(report)
    names = [c.get("name") for c in ET.fromstring(out.getvalue().split("\n", 1)[1]).iter("testcase")]
    assert names == ["WA201 template-unknown at line 1 (template.name)",
                     "WA201 template-unknown at line 1 (template.name) #2",
                     "0 of 1 message without errors"]


def test_a_clean_run_is_not_an_empty_report(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", many(GOOD, 2))
    code, root = junit(tmp_path, "a.jsonl")
    assert code == 0
    (case,) = [c for _, c in cases(root)]
    assert case.get("name") == "2 of 2 messages without errors" and case.find("failure") is None
    assert root.get("tests") == "1" and root.get("failures") == "0"


def test_an_empty_file_still_has_a_case(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    code, root = junit(tmp_path, "empty.jsonl")
    assert code == 0 and [c.get("name") for _, c in cases(root)] == ["0 of 0 messages without errors"]


def test_control_characters_from_payloads_keep_the_xml_well_formed(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        '{"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", '
        '"template": {"name": "a\\u0001b\\u001b[31m\\u0000", "language": {"code": "en"}}}\n')
    code, root = junit(tmp_path, "a.jsonl")  # ET.fromstring raises on malformed XML
    assert code == 1
    assert any(c.find("failure") is not None for _, c in cases(root))


def test_text_xml_cannot_hold_is_escaped():
    finding = Finding(file="a\x02.jsonl", line=1, index=0, rule="WA201", name="template-unknown",
                      severity=Severity.ERROR, api_error=None, path="",
                      message="a\x01b\x1b[31m\ud800 </failure><x>&")
    report = Report(summary=Summary(files=1, messages=1, failed=1, errors=1), findings=[finding],
                    file_messages={"a\x02.jsonl": 1})
    out = io.StringIO()
    JunitReporter(out).write(report)
    root = ET.fromstring(out.getvalue().split("\n", 1)[1])
    failure = next(root.iter("failure"))
    assert failure.get("message") == "a\\u0001b\\u001b[31m\\ud800 </failure><x>&"
    assert next(root.iter("testsuite")).get("name") == "a\\u0002.jsonl"
