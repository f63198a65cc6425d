"""The engine and the library call: dispatch, crashes, selection, severity, options."""

from __future__ import annotations

import pytest

from validator import ConfigError, Problem, Rule, RuleOptions, Scope, Severity, Validator, validate
from validator.engine import Engine
from validator.loader import messages_from_payloads
from validator.registry import Registry

from .conftest import ROOT

REGISTRY = ROOT / "templates_registry.yaml"
TEXT = {"messaging_product": "whatsapp", "to": "+447911123456", "text": {"body": "hi"}}


class Exploding(Rule):
    """Crashes on purpose.

    **What it does** / **Why is this bad?** / **Example** / **Use instead** — test only.
    """

    code = "XT001"
    name = "exploding"

    def check(self, payload, ctx):
        raise ZeroDivisionError("boom")


class CountTexts(Rule):
    """Counts text messages and reports the second one (a campaign rule for tests)."""

    code = "XT002"
    name = "count-texts"
    scope = Scope.CAMPAIGN
    severity = Severity.WARNING

    class Options(RuleOptions):
        report_from: int = 2

    def __init__(self, options=None):
        super().__init__(options)
        self.seen = []

    def observe(self, message, ctx):
        if message.kind == "text":
            self.seen.append(message.ref)

    def finish(self, ctx):
        if len(self.seen) >= self.options.report_from:
            yield Problem("", f"{len(self.seen)} texts", at=self.seen[self.options.report_from - 1])


class TemplatesOnly(Rule):
    """Sees only templates."""

    code = "XT003"
    name = "templates-only"
    message_types = frozenset({"template"})

    def check(self, payload, ctx):
        yield Problem("template", "a template")


def run(rules, payloads, **kwargs):
    return Engine(rules, None, **kwargs).run([("f", messages_from_payloads(payloads, "f"))])


def test_a_crashing_rule_becomes_an_error_finding_and_the_batch_goes_on():
    report = run([Exploding()], [TEXT, TEXT])
    assert [f.message for f in report.findings] == ["internal error in XT001: ZeroDivisionError: boom"] * 2
    assert report.summary.messages == 2 and report.summary.failed == 2


def test_dispatch_by_message_type():
    template = {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {}}
    report = run([TemplatesOnly()], [TEXT, template, "not an object"])
    assert [f.index for f in report.findings] == [1]


def test_campaign_rule_names_the_message_and_uses_its_options():
    report = run([CountTexts()], [TEXT, TEXT, TEXT])
    (finding,) = report.findings
    assert (finding.index, finding.severity, finding.message) == (1, Severity.WARNING, "3 texts")
    assert report.summary.failed == 0  # a warning does not fail a message
    report = run([CountTexts(CountTexts.Options(report_from=3))], [TEXT, TEXT, TEXT])
    assert report.findings[0].index == 2


def test_severity_is_stamped_by_the_engine():
    report = run([CountTexts()], [TEXT, TEXT], severities={"XT002": Severity.ERROR})
    assert report.findings[0].severity is Severity.ERROR and report.summary.failed == 1


def test_rules_needing_the_registry_are_skipped_without_one():
    validator = Validator(None, plugins=False)
    assert "WA201" in validator.skipped_rules
    assert "WA101" not in validator.skipped_rules


def test_validate_library_call_returns_the_report_model():
    bad = {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template",
           "template": {"name": "order_update", "language": {"code": "en_US"}}}
    # Another recipient for the second text: the same message twice to one person is WA602.
    report = validate([TEXT, bad, dict(TEXT, to="+447911123457")], registry=REGISTRY)
    assert report.summary.passed == 2 and report.failed_indexes() == {1}
    assert not report.ok
    dumped = report.model_dump()
    assert dumped["findings"][0]["file"] == "<memory>" and dumped["findings"][0]["line"] is None


def test_one_validator_checks_many_batches_independently():
    validator = Validator(Registry.from_templates([]), plugins=False)
    assert validator.validate([TEXT]).ok
    assert validator.validate([{"to": "+447911123456", "text": {"body": "x"}}]).summary.failed == 1
    assert validator.validate([TEXT]).summary.messages == 1


def test_severity_override_and_options_validation():
    report = validate([dict(TEXT, to="+44 7911 123456")], severity={"WA302": "error"}, plugins=False)
    assert report.findings[0].severity is Severity.ERROR
    with pytest.raises(ConfigError, match="severity for 'WA302'"):
        validate([TEXT], severity={"WA302": "fatal"}, plugins=False)
    with pytest.raises(ConfigError, match="option WA302.bogus"):
        validate([TEXT], options={"WA302": {"bogus": 1}}, plugins=False)
    with pytest.raises(ConfigError, match="unknown rule 'WA998'"):
        validate([TEXT], options={"WA998": {}}, plugins=False)


def test_declaration_errors_are_found():
    class Broken(Rule):
        code = "wa1"
        name = "Not Kebab"

    problems = Broken.declaration_errors()
    assert any("code" in p for p in problems) and any("kebab-case" in p for p in problems)
    assert any("docstring" in p for p in problems) and any("check()" in p for p in problems)


class Noisy(Rule):
    """Reports many things about one message."""

    code = "XT004"
    name = "noisy"

    def check(self, payload, ctx):
        for number in range(7):
            yield Problem(f"x[{number}]", f"problem {number}")


def test_findings_per_message_are_capped_and_the_cap_is_reported():
    report = run([Noisy()], [TEXT, TEXT], max_findings_per_message=3)
    assert len(report.findings) == 6 and report.summary.failed == 2
    assert report.findings[2].message == ("problem 2 [and 4 more findings for this message, "
                                          "not shown: max-findings-per-message]")
    assert report.findings[1].message == "problem 1"


def test_secrets_in_findings_are_redacted():
    class Quoting(Rule):
        """Quotes a URL."""

        code = "XT005"
        name = "quoting"

        def check(self, payload, ctx):
            yield Problem("image.link", f"cannot fetch {payload['image']['link']} "
                                        "(Authorization: Bearer abcdefghijklmnop)")

    link = "https://cdn.example.com/a.jpg?X-Amz-Signature=deadbeef&access_token=EAAGm0PX4ZCpsBAabcdefghijklmnopqrstu&w=1"
    report = run([Quoting()], [{"type": "image", "image": {"link": link}}])
    message = report.findings[0].message
    assert "deadbeef" not in message and "EAAGm0PX4ZCps" not in message and "abcdefghijklmnop" not in message
    assert "X-Amz-Signature=***" in message and "access_token=***" in message and "&w=1" in message


def test_library_can_ask_for_network_rules():
    assert "WA501" not in Validator(None, plugins=False, offline=False).skipped_rules
    assert "WA501" in Validator(None, plugins=False).skipped_rules
