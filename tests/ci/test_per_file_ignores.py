"""per-file-ignores: findings of matching files are not reported, and the counts agree."""

from __future__ import annotations

import json

import pytest

from validator import Validator
from validator.per_file import glob_to_regex
from validator.settings import Settings

from .conftest import BAD, GOOD, REGISTRY, WARNED, many, walint, write_jsonl

COUNTS = ("files", "messages", "passed", "failed", "errors", "warnings")


def counts(summary: dict) -> dict:
    return {key: summary[key] for key in COUNTS}


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("*.jsonl", "a.jsonl", True),
    ("*.jsonl", "dir/a.jsonl", False),  # matched against the file name by the caller
    ("legacy/*.jsonl", "legacy/a.jsonl", True),
    ("legacy/*.jsonl", "legacy/old/a.jsonl", False),
    ("legacy/**/*.jsonl", "legacy/old/a.jsonl", True),
    ("legacy/**/*.jsonl", "legacy/a.jsonl", True),
    ("**/x.json", "a/b/c/x.json", True),
    ("c?.json", "c1.json", True),
    ("c[0-9].json", "c7.json", True),
    ("c[!0-9].json", "c7.json", False),
    ("a+b.json", "a+b.json", True),
])
def test_globs(pattern, path, matches):
    assert bool(glob_to_regex(pattern).match(path)) is matches


def test_library_per_file_ignores_recount_passed_and_failed():
    settings = Settings.build(per_file_ignores={"*.jsonl": ["WA201"]})
    validator = Validator(str(REGISTRY), settings=settings)
    report = validator.validate([BAD, GOOD, WARNED], file="batch.jsonl")
    assert [f.rule for f in report.findings] == ["WA302"]
    assert counts(report.summary.model_dump()) == {"files": 1, "messages": 3, "passed": 3,
                                                   "failed": 0, "errors": 0, "warnings": 1}
    assert report.ok and report.failed_indexes() == set()
    other = validator.validate([BAD, GOOD], file="batch.json")
    assert [f.rule for f in other.findings] == ["WA201"] and other.summary.failed == 1
    assert validator.validate([BAD]).summary.failed == 1  # "<memory>" is no file name


def test_cli_per_file_ignores_drop_findings_and_keep_counts_consistent(tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    write_jsonl(legacy / "old.jsonl", [BAD, WARNED, GOOD])
    write_jsonl(tmp_path / "new.jsonl", many(BAD, 1) + many(WARNED, 1))
    result = walint("check", "--registry", str(REGISTRY), "--format", "json",
                    "--per-file-ignores", "legacy/*.jsonl:WA201,recipient-not-e164",
                    "legacy/old.jsonl", "new.jsonl", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert [(f["file"], f["rule"]) for f in report["findings"]] == [
        ("new.jsonl", "WA201"), ("new.jsonl", "WA302")]
    assert counts(report["summary"]) == {"files": 2, "messages": 5, "passed": 4, "failed": 1,
                                         "errors": 1, "warnings": 1}
    assert result.returncode == 1


def test_ignoring_every_error_makes_the_run_pass(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", many(BAD, 2))
    result = walint("check", "--registry", str(REGISTRY), "--format", "json",
                    "--per-file-ignores", "*.jsonl:WA2", "c.jsonl", cwd=tmp_path)
    assert result.returncode == 0
    assert counts(json.loads(result.stdout)["summary"]) == {"files": 1, "messages": 2, "passed": 2,
                                                            "failed": 0, "errors": 0, "warnings": 0}


def test_config_patterns_are_anchored_at_the_config_directory(tmp_path):
    (tmp_path / "walint.toml").write_text(
        f'registry = "{REGISTRY}"\nformat = "json"\n'
        '[per-file-ignores]\n"campaigns/legacy/*.jsonl" = ["WA201"]\n"*.json" = "WA2"\n')
    legacy = tmp_path / "campaigns" / "legacy"
    legacy.mkdir(parents=True)
    write_jsonl(legacy / "a.jsonl", many(BAD, 1))
    write_jsonl(tmp_path / "campaigns" / "b.jsonl", many(BAD, 1))
    (tmp_path / "campaigns" / "c.json").write_text(json.dumps(many(BAD, 1)))
    result = walint("check", "legacy/a.jsonl", "b.jsonl", "c.json", cwd=tmp_path / "campaigns")
    report = json.loads(result.stdout)
    assert [f["file"] for f in report["findings"]] == ["b.jsonl"]
    assert report["summary"]["failed"] == 1 and report["summary"]["passed"] == 2


def test_an_ignored_finding_neither_fails_its_message_nor_takes_a_place_under_the_cap(tmp_path):
    both = dict(BAD, to="+44 7911 123459")  # WA201 (error) and WA302 (warning)
    write_jsonl(tmp_path / "c.jsonl", [both])
    result = walint("check", "--registry", str(REGISTRY), "--format", "json",
                    "--max-findings-per-message", "1", "--per-file-ignores", "*.jsonl:WA201",
                    "c.jsonl", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert [(f["rule"], f["message"].endswith("max-findings-per-message]"))
            for f in report["findings"]] == [("WA302", False)]
    assert counts(report["summary"]) == {"files": 1, "messages": 1, "passed": 1, "failed": 0,
                                         "errors": 0, "warnings": 1}
