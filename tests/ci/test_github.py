"""GitHub Actions output: escaped workflow commands, no injection, the cap and the job summary."""

from __future__ import annotations

import io
import json
import re

from validator.findings import Finding, Report, Severity, Summary
from validator.reporters.github import (
    GithubReporter,
    annotation,
    escape_data,
    escape_property,
    markdown_cell,
)

from .conftest import BAD, GOOD, REGISTRY, WARNED, clean_env, many, walint, write_jsonl

HOSTILE_NAME = "x%0A\n::add-mask::leak\r\n::error file=evil.py,line=1::owned%25, a:b\u2028::warning::z"


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def github(tmp_path, *args, env=None):
    return walint("check", "--registry", str(REGISTRY), "--format", "github", *args,
                  cwd=tmp_path, env=env)


def test_hostile_payload_text_cannot_start_a_workflow_command(tmp_path):
    hostile = {**BAD, "template": {"name": HOSTILE_NAME, "language": {"code": "en\n::stop-commands::t"}}}
    write_jsonl(tmp_path / "c.jsonl", [hostile, GOOD])
    result = github(tmp_path, "c.jsonl")
    assert result.returncode == 1
    lines = result.stdout.decode().splitlines()
    expected = json.loads(walint("check", "--registry", str(REGISTRY), "--format", "json",
                                 "c.jsonl", cwd=tmp_path).stdout)["findings"]
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(expected) >= 1
    for line, finding in zip(commands, expected):
        match = re.fullmatch(r"::(error|warning) ([^:]*)::(.*)", line)
        assert match, line  # one command per line, the properties free of ':' and ','
        level, props, data = match.groups()
        assert level == finding["severity"]
        assert "\r" not in line and "\u2028" not in line
        assert unescape_data(data).replace("\\u2028", "\u2028") == finding["message"]
        assert re.match(r"file=c\.jsonl,line=[12],title=WA\d{3} [a-z-]+", props), props
    assert not any(re.match(r"\s*::(add-mask|stop-commands|warning::z|error file=evil)", line)
                   for line in lines if not line.startswith(("::error file=c.jsonl", "::warning file=c.jsonl")))


def test_raw_line_breaks_in_messages_stay_inside_one_command():
    """Rules usually quote values with repr(); the reporter must not rely on it."""
    messages = [HOSTILE_NAME, "a\rb", "\n::add-mask::x", "tail\n", "\x85::error::nel", "%0A"]
    report = Report(summary=Summary(files=1, messages=1, failed=1, errors=len(messages)),
                    findings=[Finding(file="c.jsonl", line=1, index=0, rule="WA201",
                                      name="template-unknown", severity=Severity.ERROR,
                                      api_error=None, path="", message=m) for m in messages])
    out = io.StringIO()
    GithubReporter(out, env={}).write(report)
    lines = out.getvalue().split("\n")
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(messages)
    assert all(line.startswith("::error file=c.jsonl,line=1,title=WA201 template-unknown::")
               for line in commands)
    assert len(lines) == len(messages) + 2  # the commands, the summary, the final newline
    assert not any(ch in out.getvalue() for ch in "\r\x85\u2028\u2029")
    decoded = [unescape_data(line.split("::", 2)[2]) for line in commands]
    assert decoded[:4] == [HOSTILE_NAME.replace("\u2028", "\\u2028"), "a\rb", "\n::add-mask::x", "tail\n"]


def test_escaping_rules():
    assert escape_data("50% off\r\nnext") == "50%25 off%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    finding = Finding(file="dir/a,b:c.jsonl", line=3, index=2, rule="WA201", name="template-unknown",
                      severity=Severity.ERROR, api_error=132001, path="template.name",
                      message="bad: 1,2\n::error::x")
    assert annotation(finding) == ("::error file=dir/a%2Cb%3Ac.jsonl,line=3,title=WA201 "
                                   "template-unknown (API 132001)::bad: 1,2%0A::error::x")


def test_file_names_with_commas_and_colons_are_escaped(tmp_path):
    write_jsonl(tmp_path / "a,b:c.jsonl", [BAD])
    line = github(tmp_path, "a,b:c.jsonl").stdout.decode().splitlines()[0]
    assert line.startswith("::error file=a%2Cb%3Ac.jsonl,line=1,title=WA201")


def test_beyond_ten_per_level_the_rest_goes_to_the_job_summary(tmp_path):
    piped = {**BAD, "template": {"name": "a|b<script>x</script>", "language": {"code": "en"}}}
    write_jsonl(tmp_path / "c.jsonl", many(BAD, 14) + [piped] + many(WARNED, 12))
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    result = github(tmp_path, "c.jsonl", env=clean_env(GITHUB_STEP_SUMMARY=str(summary)))
    assert result.returncode == 1
    lines = result.stdout.decode().splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert sum(line.startswith("::warning ") for line in lines) == 10
    assert any("7 more findings than GitHub annotates" in line and "job summary" in line
               for line in lines)
    text = summary.read_text()
    assert text.startswith("# earlier step\n## walint")  # appended, never overwritten
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 7  # 5 errors + 2 warnings past the cap
    assert all(row.count("|") == 7 for row in rows)  # payload "|" cannot add a column
    assert "<script>" not in text and "a&#124;b&#60;script&#62;" in text


def test_without_a_step_summary_the_rest_is_in_the_log(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", many(BAD, 12))
    lines = github(tmp_path, "c.jsonl").stdout.decode().splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    rest = [line for line in lines if line.startswith("walint: c.jsonl:")]
    assert [line.split(":")[2] for line in rest] == ["11", "12"]
    assert "see the log above" in lines[-2]


def test_clean_run_prints_only_the_summary(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [GOOD])
    result = github(tmp_path, "c.jsonl")
    assert result.returncode == 0
    assert result.stdout.decode() == "1 message in 1 file: 1 passed, 0 failed (0 errors, 0 warnings)\n"


def test_markdown_cells_are_literal():
    assert markdown_cell("a|b\n*c* [d](e) <b>") == (
        "a&#124;b &#42;c&#42; &#91;d&#93;&#40;e&#41; &#60;b&#62;")
