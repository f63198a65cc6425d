"""Every rule's YAML cases, run by one parametrised test.

A case file ``cases/<CODE>.yaml`` holds ``rule`` and a list of ``cases``; each case gives a
``payload`` (or ``payloads`` for a batch, or ``raw`` campaign text), optionally ``options``
for the rule, and ``expect``: the findings *of that rule*, each with any of ``api_error``,
``path``, ``message`` (a substring), ``severity``, ``index``. Findings of other rules are
ignored, so a case says exactly what its rule must and must not report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from validator import Validator, load_registry
from validator.catalog import all_rule_classes
from validator.loader import read_campaign

CASES = Path(__file__).parent / "cases"
REGISTRY = load_registry(Path(__file__).parent / "registry.yaml")


def _load_cases():
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for number, case in enumerate(data["cases"]):
            yield pytest.param(data["rule"], case, id=f"{data['rule']}-{number}-{case['name']}")


def _findings(rule: str, case: dict, tmp_path: Path):
    options = {rule: case["options"]} if "options" in case else None
    validator = Validator(REGISTRY, options=options, offline=True)
    if "raw" in case:
        path = tmp_path / "campaign.jsonl"
        path.write_bytes(case["raw"].encode("utf-8"))
        report = validator.check_files([str(path)])
    else:
        payloads = case["payloads"] if "payloads" in case else [case["payload"]]
        report = validator.validate(payloads)
    return [f for f in report.findings if f.rule == rule]


@pytest.mark.parametrize(("rule", "case"), list(_load_cases()))
def test_rule_case(rule, case, tmp_path):
    found = _findings(rule, case, tmp_path)
    expected = case.get("expect") or []
    assert len(found) == len(expected), (
        f"expected {len(expected)} finding(s) of {rule}, got: {[f.message for f in found]}")
    for finding, want in zip(found, expected):
        for key in ("api_error", "path", "severity", "index", "line"):
            if key in want:
                assert getattr(finding, key) == want[key], f"{key}: {finding}"
        if "message" in want:
            assert want["message"] in finding.message, finding.message


def test_every_builtin_rule_has_a_case_file_with_passing_and_failing_cases():
    codes = {cls.code for cls in all_rule_classes(plugins=False)}
    files = {path.stem for path in CASES.glob("*.yaml")}
    assert codes == files
    for path in CASES.glob("*.yaml"):
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        assert any(c.get("expect") for c in cases), f"{path.name} has no failing case"
        assert any(not c.get("expect") for c in cases), f"{path.name} has no passing case"


def test_raw_cases_use_the_real_loader(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"a": 1}\n\n{"b": 2}\n', encoding="utf-8")
    assert [m.line for m in read_campaign(str(path))] == [1, 3]
