"""Every rule's YAML cases, run by one parametrised test.

A case file ``cases/<CODE>.yaml`` holds ``rule`` and a list of ``cases``; each case gives a
``payload`` (or ``payloads`` for a batch, or ``raw`` campaign text), optionally ``options``
for the rule, and ``expect``: the findings *of that rule*, each with any of ``api_error``,
``path``, ``message`` (a substring), ``severity``, ``index``. Findings of other rules are
ignored, so a case says exactly what its rule must and must not report.

Rules that read the run's settings take ``settings`` (field names, e.g. ``messaging_limit``)
and ``files`` (file name → text, written next to the campaign); a setting whose value names
one of those files reads it.

Boundary cases need long strings, which YAML cannot repeat: ``!repeat ["a", 60]`` is the
string ``"a"`` written 60 times (any string, any count).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from validator import Validator, load_registry
from validator.catalog import all_rule_classes
from validator.loader import read_campaign
from validator.rule import Scope
from validator.settings import Settings

CASES = Path(__file__).parent / "cases"
REGISTRY = load_registry(Path(__file__).parent / "registry.yaml")


class CaseLoader(yaml.SafeLoader):
    """The safe loader plus ``!repeat [text, count]`` for boundary-length strings."""


def _repeat(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    text, count = loader.construct_sequence(node)
    if not isinstance(text, str) or not isinstance(count, int):
        raise yaml.constructor.ConstructorError(None, None, "!repeat takes [text, count]",
                                                node.start_mark)
    return text * count


CaseLoader.add_constructor("!repeat", _repeat)


#: Network and media-file rules need a test server or media files: their cases are run by
#: tests/network/test_link_cases.py (``_load_cases(elsewhere=True)``), not here.
_ELSEWHERE = frozenset(cls.code for cls in all_rule_classes(plugins=False)
                       if cls.scope in (Scope.NETWORK, Scope.FILE))


def _load_cases(elsewhere: bool = False):
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=CaseLoader)
        if (data["rule"] in _ELSEWHERE) != elsewhere:
            continue
        for number, case in enumerate(data["cases"]):
            yield pytest.param(data["rule"], case, id=f"{data['rule']}-{number}-{case['name']}")


def _settings(case: dict, tmp_path: Path) -> Settings:
    files = case.get("files") or {}
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    values = {key: str(tmp_path / value) if isinstance(value, str) and value in files else value
              for key, value in (case.get("settings") or {}).items()}
    return Settings.build(**values)


def _findings(rule: str, case: dict, tmp_path: Path):
    options = {rule: case["options"]} if "options" in case else None
    validator = Validator(REGISTRY, options=options, offline=True,
                          settings=_settings(case, tmp_path))
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
        cases = yaml.load(path.read_text(encoding="utf-8"), Loader=CaseLoader)["cases"]
        assert any(c.get("expect") for c in cases), f"{path.name} has no failing case"
        assert any(not c.get("expect") for c in cases), f"{path.name} has no passing case"


def test_raw_cases_use_the_real_loader(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"a": 1}\n\n{"b": 2}\n', encoding="utf-8")
    assert [m.line for m in read_campaign(str(path))] == [1, 3]
