"""A rule that fixes says so in its declaration and in its manual, and only per message."""

from __future__ import annotations

import pytest

from validator.catalog import all_rule_classes
from validator.docs import parse_docs
from validator.rule import Scope

RULES = all_rule_classes(plugins=False)


@pytest.mark.parametrize("cls", RULES, ids=lambda cls: cls.code)
def test_fix_declaration_matches_the_manual(cls):
    documented = bool(parse_docs(cls).sections.get("Fix"))
    assert documented == (cls.fixable is not None), (
        f"{cls.code}: fixable={cls.fixable!r} but the manual "
        f"{'has' if documented else 'lacks'} a **Fix** section")
    assert cls.fixable in (None, "safe", "unsafe")
    if cls.fixable is not None:
        assert cls.scope is Scope.MESSAGE  # only per-message rules are run by the fixer
        assert cls.fixable in parse_docs(cls).sections["Fix"].lower()


def test_the_fixable_rules():
    assert {cls.code: cls.fixable for cls in RULES if cls.fixable} == {
        "WA201": "safe", "WA208": "unsafe", "WA212": "unsafe", "WA216": "safe",
        "WA217": "safe", "WA301": "unsafe", "WA302": "safe", "WA303": "safe",
        "WA405": "unsafe"}


def test_a_bad_declaration_is_reported():
    class Bad(RULES[0]):
        fixable = "maybe"

    assert any("fixable 'maybe'" in error for error in Bad.declaration_errors())
