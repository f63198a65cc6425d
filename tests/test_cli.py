"""The command as a user runs it: real processes, real exit codes, no tracebacks."""

from __future__ import annotations

import json

import pytest

from validator.catalog import all_rule_classes

from .conftest import ROOT, run_walint, write_jsonl

GOOD = {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}}}
# Each message its own recipient: the same person twice is a campaign finding (WA601/WA602).
BAD = {"messaging_product": "whatsapp", "to": "+447911123457", "type": "template",
       "template": {"name": "hello_world", "language": {"code": "en"}}}
REGISTRY = str(ROOT / "templates_registry.yaml")


def check(*args, **kwargs):
    result = run_walint("check", "--registry", REGISTRY, *args, **kwargs)
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result


def as_json(result):
    return json.loads(result.stdout)


def test_clean_file_exits_0(tmp_path):
    result = check(str(write_jsonl(tmp_path / "c.jsonl", [GOOD, dict(GOOD, to="+447911123458")])))
    assert result.returncode == 0
    assert b"2 messages in 1 file: 2 passed, 0 failed" in result.stdout


def test_error_exits_1_and_names_file_line_rule_and_api_error(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [GOOD, BAD])
    result = check(str(path))
    assert result.returncode == 1
    assert f"{path}:2: WA201 [132001] template hello_world does not exist in en".encode() in result.stdout


def test_warnings_alone_exit_0(tmp_path):
    warned = dict(GOOD, to="+44 7911 123456")
    result = check(str(write_jsonl(tmp_path / "c.jsonl", [warned])))
    assert result.returncode == 0
    assert b"WA302 warning:" in result.stdout


def test_json_report_follows_the_contract(tmp_path):
    result = check("--format", "json", str(write_jsonl(tmp_path / "c.jsonl", [GOOD, BAD, dict(GOOD, to="+447911123458")])))
    report = as_json(result)
    assert report["summary"] == {"files": 1, "messages": 3, "passed": 2, "failed": 1,
                                 "errors": 1, "warnings": 0, "links_checked": 0,
                                 "links_skipped": 0}
    (finding,) = report["findings"]
    assert set(finding) == {"file", "line", "index", "rule", "name", "severity", "api_error",
                            "path", "message"}
    assert (finding["line"], finding["index"], finding["rule"], finding["name"],
            finding["severity"], finding["api_error"]) == (2, 1, "WA201", "template-unknown",
                                                           "error", 132001)


def test_malformed_line_in_the_middle_is_a_finding_and_the_rest_is_checked(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(GOOD) + "\n{not json\n" + json.dumps(BAD) + "\n")
    report = as_json(check("--format", "json", str(path)))
    assert report["summary"]["messages"] == 3
    assert report["summary"]["failed"] == 2
    assert [(f["line"], f["rule"]) for f in report["findings"]] == [(2, "WA001"), (3, "WA201")]


def test_pretty_printed_array_keeps_each_element_line(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps([GOOD, BAD], indent=2))
    report = as_json(check("--format", "json", str(path)))
    expected_line = json.dumps([GOOD, BAD], indent=2).splitlines().index("  {", 2) + 1
    assert [(f["index"], f["line"]) for f in report["findings"]] == [(1, expected_line)]


def test_messages_object_and_single_object(tmp_path):
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"campaign": "spring", "messages": [BAD, GOOD]}, indent=1))
    single = tmp_path / "single.json"
    single.write_text(json.dumps(dict(BAD, to="+447911123459"), indent=2))
    report = as_json(check("--format", "json", str(wrapped), str(single)))
    assert report["summary"]["files"] == 2 and report["summary"]["messages"] == 3
    assert [(f["file"], f["index"], f["line"]) for f in report["findings"]] == [
        (str(wrapped), 0, 4), (str(single), 0, 1)]


def test_stdin(tmp_path):
    result = check("--format", "json", "-", stdin=json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n")
    report = as_json(result)
    assert result.returncode == 1
    assert [(f["file"], f["line"]) for f in report["findings"]] == [("<stdin>", 2)]


def test_empty_file_has_no_messages(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    result = check(str(path))
    assert result.returncode == 0 and b"0 messages in 1 file" in result.stdout


def test_missing_file_exits_2_with_one_line(tmp_path):
    result = check(str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert b"nope.jsonl" in result.stderr and result.stdout == b""


def test_directory_exits_2(tmp_path):
    result = check(str(tmp_path))
    assert result.returncode == 2
    assert b"is a directory" in result.stderr


def test_broken_registry_names_file_and_entry(tmp_path):
    registry = tmp_path / "reg.yaml"
    registry.write_text("templates:\n  - name: a\n    language: en_US\n    status: APPROVED\n"
                        "  - name: b\n    language: en_US\n")
    campaign = write_jsonl(tmp_path / "c.jsonl", [GOOD])
    result = run_walint("check", "--registry", str(registry), str(campaign))
    assert result.returncode == 2
    line = result.stderr.decode().strip()
    assert len(line.splitlines()) == 1
    assert f"{registry}:5:" in line and "template #2 (b/en_US): status" in line


def test_invalid_yaml_registry(tmp_path):
    registry = tmp_path / "reg.yaml"
    registry.write_text("templates: [\n  {name: a\n")
    result = run_walint("check", "--registry", str(registry), str(write_jsonl(tmp_path / "c.jsonl", [GOOD])))
    assert result.returncode == 2 and b"invalid YAML" in result.stderr


def test_missing_registry_given_explicitly_exits_2(tmp_path):
    result = run_walint("check", "--registry", str(tmp_path / "none.yaml"),
                        str(write_jsonl(tmp_path / "c.jsonl", [GOOD])))
    assert result.returncode == 2 and b"registry file not found" in result.stderr


def test_default_registry_comes_from_the_working_directory(tmp_path):
    (tmp_path / "templates_registry.yaml").write_text(
        "templates:\n  - {name: only_here, language: en_US, status: APPROVED, components: []}\n")
    campaign = write_jsonl(tmp_path / "c.jsonl", [GOOD])
    result = run_walint("check", "c.jsonl", cwd=tmp_path)
    assert result.returncode == 1
    assert b"template hello_world does not exist in en_US" in result.stdout


def test_without_any_registry_template_checks_are_skipped_with_a_note(tmp_path):
    campaign = write_jsonl(tmp_path / "c.jsonl", [BAD])
    result = run_walint("check", "c.jsonl", cwd=tmp_path)
    assert result.returncode == 0
    assert b"template checks against the registry were skipped" in result.stderr


def test_select_and_ignore(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [dict(BAD, to="+44 7911 123456")])
    rules = lambda *args: {f["rule"] for f in as_json(check("--format", "json", *args, str(path)))["findings"]}  # noqa: E731
    assert rules() == {"WA201", "WA302"}
    assert rules("--select", "WA3") == {"WA302"}
    assert rules("--ignore", "template-unknown") == {"WA302"}
    assert rules("--select", "WA2,WA302", "--ignore", "WA201") == {"WA302"}


def test_unknown_selector_exits_2(tmp_path):
    result = check("--select", "WA999", str(write_jsonl(tmp_path / "c.jsonl", [GOOD])))
    assert result.returncode == 2 and b"unknown rule 'WA999'" in result.stderr


def test_rules_lists_every_rule():
    result = run_walint("rules")
    assert result.returncode == 0
    for cls in all_rule_classes(plugins=False):
        assert f"{cls.code}  {cls.name}".encode() in result.stdout


@pytest.mark.parametrize("subject", ["WA203", "template-param-count"])
def test_explain_rule(subject):
    result = run_walint("explain", subject)
    assert result.returncode == 0
    text = result.stdout.decode()
    assert text.startswith("WA203 template-param-count (error, message rule, prevents API error 132000)")
    assert "**Use instead**" in text


def test_explain_api_error_names_the_rules_that_prevent_it():
    result = run_walint("explain", "132000")
    assert result.returncode == 0
    assert b"Prevented by:" in result.stdout and b"WA203 template-param-count" in result.stdout


def test_explain_corrects_the_131030_myth():
    text = run_walint("explain", "131030").stdout.decode().lower()
    assert "allowed list" in text


def test_explain_unknown_subject_exits_2():
    result = run_walint("explain", "999999")
    assert result.returncode == 2 and b"999999" in result.stderr


def test_example_campaign_shows_passes_and_failures():
    result = run_walint("check", "examples/campaign.jsonl")
    assert result.returncode == 1
    summary = result.stdout.decode().strip().splitlines()[-1]
    assert "passed" in summary and " 0 passed" not in summary and " 0 failed" not in summary
