"""Every rule's manual is complete and its examples are true.

The ``Example`` of each rule must draw at least one finding of that rule and the ``Use
instead`` must draw no finding at all, run through the real loader and engine against the
project's default registry — the registry the manual's readers have.
"""

from __future__ import annotations

import pytest

from validator import Validator
from validator.catalog import all_rule_classes
from validator.docs import REQUIRED_SECTIONS, parse_docs

from .conftest import ROOT

RULES = all_rule_classes(plugins=False)
VALIDATOR = Validator(ROOT / "templates_registry.yaml", plugins=False)


def _run(text: str, tmp_path):
    path = tmp_path / "example.jsonl"
    path.write_text(text, encoding="utf-8")
    return VALIDATOR.check_files([str(path)])


@pytest.mark.parametrize("cls", RULES, ids=lambda c: c.code)
def test_manual_has_every_section(cls):
    docs = parse_docs(cls)
    assert docs.summary and docs.summary.endswith("."), cls.code
    for section in REQUIRED_SECTIONS:
        assert docs.sections.get(section), f"{cls.code} lacks **{section}**"
    assert docs.example and docs.fix, f"{cls.code} needs ```jsonl examples"


@pytest.mark.parametrize("cls", RULES, ids=lambda c: c.code)
def test_example_fails_and_fix_passes(cls, tmp_path):
    docs = parse_docs(cls)
    failing = _run(docs.example, tmp_path)
    assert any(f.rule == cls.code for f in failing.findings), \
        f"{cls.code}'s Example draws no {cls.code} finding: {failing.findings}"
    fixed = _run(docs.fix, tmp_path)
    assert fixed.findings == [], f"{cls.code}'s Use instead is not clean: {fixed.findings}"
