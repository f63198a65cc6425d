"""jsonl and GitLab Code Quality output, and the --format table."""

from __future__ import annotations

import json

import pytest

from validator.reporters import REPORTERS

from .conftest import BAD, GOOD, REGISTRY, WARNED, many, walint, write_jsonl


def run(tmp_path, fmt, *paths):
    return walint("check", "--registry", str(REGISTRY), "--format", fmt, *paths, cwd=tmp_path)


def test_format_choices_come_from_the_reporter_table():
    help_text = walint("check", "--help").stdout.decode()
    choices = help_text.split("--format [", 1)[1].split("]", 1)[0]
    assert choices.split("|") == sorted(REPORTERS)
    assert set(REPORTERS) >= {"text", "json", "jsonl", "sarif", "github", "junit", "gitlab"}


def test_jsonl_is_one_finding_per_line_equal_to_the_json_report(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", many(BAD, 2) + many(WARNED, 1) + many(GOOD, 1))
    lines = run(tmp_path, "jsonl", "c.jsonl").stdout.decode().splitlines()
    expected = json.loads(run(tmp_path, "json", "c.jsonl").stdout)["findings"]
    assert [json.loads(line) for line in lines] == expected and len(lines) == 3


def test_jsonl_prints_nothing_for_a_clean_run(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", many(GOOD, 2))
    result = run(tmp_path, "jsonl", "c.jsonl")
    assert result.returncode == 0 and result.stdout == b""


def test_gitlab_code_quality(tmp_path):
    (tmp_path / "campaigns").mkdir()
    path = write_jsonl(tmp_path / "campaigns" / "c.jsonl", many(BAD, 2) + many(WARNED, 1))
    result = run(tmp_path, "gitlab", str(path))  # absolute argument, relative report path
    assert result.returncode == 1
    issues = json.loads(result.stdout)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("WA201", "major", {"path": "campaigns/c.jsonl", "lines": {"begin": 1}}),
        ("WA201", "major", {"path": "campaigns/c.jsonl", "lines": {"begin": 2}}),
        ("WA302", "minor", {"path": "campaigns/c.jsonl", "lines": {"begin": 3}}),
    ]
    assert len({i["fingerprint"] for i in issues}) == 3
    assert issues[0]["description"].startswith("WA201 [132001] template hello_world does not exist")
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}


def test_gitlab_clean_run_is_an_empty_list(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", many(GOOD, 1))
    assert json.loads(run(tmp_path, "gitlab", "c.jsonl").stdout) == []


def test_output_file(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", many(BAD, 1))
    result = walint("check", "--registry", str(REGISTRY), "--format", "sarif", "-o", "out.sarif",
                    "c.jsonl", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == b""
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"
    bad = walint("check", "--registry", str(REGISTRY), "-o", str(tmp_path / "no" / "x"), "c.jsonl",
                 cwd=tmp_path)
    assert bad.returncode == 2 and b"cannot write the report" in bad.stderr


@pytest.mark.parametrize("batch", [4096, 2, 1])
@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # of the odd value, by design
def test_the_json_report_is_what_pydantic_writes(monkeypatch, batch):
    """The JSON reporter writes the report with orjson, a batch of findings at a time: the
    same text, byte for byte, as ``model_dump_json(indent=2)``, with and without fixes (in
    the findings and the summary), with non-ASCII text, and with a value orjson does not know
    (left to pydantic)."""
    import io
    from decimal import Decimal

    from validator.findings import Finding, Report, Severity, Summary
    from validator.reporters import json as json_reporter
    from validator.reporters.json import JsonReporter

    monkeypatch.setattr(json_reporter, "BATCH", batch)

    def finding(message: str, **extra) -> Finding:
        return Finding.of("c.jsonl", 3, 2, "WA208", "newline-in-parameter", Severity.ERROR, 132018,
                          "template.components[1].parameters[0].text", message, **extra)

    plain = [finding("«Bo\nB» — ünïcode 😀"), finding("x", fix="replace the newline", fixable="safe"),
             Finding.model_construct(file="d.jsonl", line=None, index=None, rule="WA601", name="n",
                                     severity=Severity.WARNING, api_error=None, path="", message="m")]
    odd = Finding.model_construct(file="e.jsonl", line=Decimal(7), index=6, rule="XMP1", name="n",
                                  severity=Severity.ERROR, api_error=None, path="", message="m")
    for findings, fixed in ((plain, None), ([], None), (plain + [odd, finding("after")], 1)):
        report = Report(summary=Summary(files=1, messages=3, passed=1, failed=2, errors=2, fixed=fixed),
                        findings=findings)
        stream = io.StringIO()
        JsonReporter(stream).write(report)
        assert stream.getvalue() == report.model_dump_json(indent=2) + "\n"
        assert report.dump() == report.model_dump()


def test_a_jsonl_line_is_what_pydantic_writes_of_the_finding():
    import io

    from validator.findings import Finding, Report, Severity, Summary
    from validator.reporters.jsonl import JsonlReporter

    findings = [Finding.of("c.jsonl", 3, 2, "WA208", "newline-in-parameter", Severity.ERROR, 132018,
                           "template.name", "«Bo\nB» 😀", fix=fix, fixable=fixable)
                for fix, fixable in ((None, None), ("replace it", "unsafe"))]
    stream = io.StringIO()
    JsonlReporter(stream).write(Report(summary=Summary(), findings=findings))
    assert stream.getvalue().splitlines() == [finding.model_dump_json() for finding in findings]
