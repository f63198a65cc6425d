"""Each rule's fix through the library: ``validate(..., fix=True)``.

A fix either repairs the payload (the finding is gone from the report, counted in
``summary.fixed`` and listed in ``fixed_findings``) or is not applied (the finding stays,
with ``fix``/``fixable`` saying what ``--fix`` could do)."""

from __future__ import annotations

import copy
import json

import pytest

from validator import Registry, validate
from validator.fix import DELETE, Edit, Fix, apply_edits, parse_path, value_at

from .helpers import REGISTRY, audio, fix, notice, rules, template, text, validator

# -- the data model ----------------------------------------------------------------------


def test_apply_edits_copies_along_the_path_and_shares_the_rest():
    payload = {"a": {"b": [1, {"c": "x"}]}, "d": {"e": 1}}
    before = copy.deepcopy(payload)
    fixed = apply_edits(payload, [Edit(("a", "b", 1, "c"), "y"), Edit(("a", "b", 0), 2)])
    assert payload == before
    assert fixed == {"a": {"b": [2, {"c": "y"}]}, "d": {"e": 1}}
    assert fixed["d"] is payload["d"]


def test_apply_edits_deletes_keys_and_refuses_missing_paths():
    assert apply_edits({"a": {"b": 1, "c": 2}}, [Edit(("a", "b"), DELETE)]) == {"a": {"c": 2}}
    with pytest.raises(LookupError):
        apply_edits({"a": {}}, [Edit(("a", "b"), 1)])
    with pytest.raises(LookupError):
        apply_edits({"a": [1]}, [Edit(("a", 0), DELETE)])


def test_paths_of_findings_read_as_payload_paths():
    assert parse_path("template.components[1].parameters[0].text") == (
        "template", "components", 1, "parameters", 0, "text")
    assert value_at({"a": [[0, 5]]}, parse_path("a[0][1]")) == 5


def test_fix_constructors():
    fix_ = Fix.replace(("to",), "+1", "write +1")
    assert fix_.safe and fix_.applicability == "safe" and fix_.edits == (Edit(("to",), "+1"),)
    assert Fix.delete(("x",), "remove", safe=False).applicability == "unsafe"


# -- findings say what --fix can do -----------------------------------------------------------


def test_findings_carry_their_fix_and_json_shows_it_only_when_there_is_one():
    report = validator().validate([text("+1 650-555-1234"), template("nope")])
    by_rule = {f.rule: f for f in report.findings}
    assert (by_rule["WA302"].fix, by_rule["WA302"].fixable) == ("write +16505551234", "safe")
    dumped = json.loads(report.model_dump_json())
    fields = {f["rule"]: set(f) for f in dumped["findings"]}
    assert {"fix", "fixable"} <= fields["WA302"]
    assert not {"fix", "fixable"} & fields["WA201"]
    assert "fixed" not in dumped["summary"]


# -- recipients (WA301, WA302, WA303) ---------------------------------------------------------


def test_wa302_separators_are_a_safe_fix():
    report = fix([text("+49 151 2345-6789")])
    assert report.fixed_payloads[0]["to"] == "+4915123456789"
    assert "WA302" not in rules(report) and report.summary.fixed == 1
    (fixed,) = report.fixed_findings
    assert (fixed.rule, fixed.fix, fixed.fixable, fixed.index) == (
        "WA302", "write +4915123456789", "safe", 0)


def test_wa303_without_sender_country_is_unsafe():
    safe_only = fix([text("16505551234")])
    assert safe_only.fixed_payloads[0]["to"] == "16505551234"
    (finding,) = [f for f in safe_only.findings if f.rule == "WA303"]
    assert finding.fixable == "unsafe" and safe_only.summary.fixed == 0
    unsafe = fix([text("16505551234")], unsafe=True)
    assert unsafe.fixed_payloads[0]["to"] == "+16505551234" and "WA303" not in rules(unsafe)


def test_wa303_with_sender_country_fixes_to_where_the_api_sends():
    # Meta's example: from an Indian business, (631) 555-1234 is sent to +916315551234.
    report = fix([text("(631) 555-1234")], sender_country="IN")
    assert report.fixed_payloads[0]["to"] == "+916315551234"
    assert [f.rule for f in report.fixed_findings] == ["WA303"]


def test_wa303_sender_number_gives_the_country_code():
    report = fix([text("631 555 1234")], sender_number="+14155550100", sender_country="IN")
    assert report.fixed_payloads[0]["to"] == "+16315551234"


def test_wa303_two_valid_readings_are_not_fixed():
    report = fix([text("6097100822")], sender_country="IN", unsafe=True)
    assert report.fixed_payloads[0]["to"] == "6097100822"
    (finding,) = [f for f in report.findings if f.rule == "WA303"]
    assert finding.fix is None and "+91 60971 00822" in finding.message


def test_wa301_api_reading_invalid_offers_the_meant_number_as_unsafe():
    # Meta's example: 1 (631) 555-1234 from an Indian business goes to +9116315551234.
    payloads = [text("1 (631) 555-1234")]
    kept = fix(payloads, sender_country="IN")
    (finding,) = [f for f in kept.findings if f.rule == "WA301"]
    assert finding.severity.value == "error" and finding.fixable == "unsafe"
    assert "would be sent to +9116315551234" in finding.message
    assert "probably meant +1 631-555-1234" in finding.message
    fixed = fix(payloads, sender_country="IN", unsafe=True)
    assert fixed.fixed_payloads[0]["to"] == "+16315551234" and fixed.ok


def test_wa301_trunk_zero_is_an_unsafe_fix():
    assert fix([text("+44 07911 123456")]).fixed_payloads[0]["to"] == "+44 07911 123456"
    report = fix([text("+44 07911 123456")], unsafe=True)
    assert report.fixed_payloads[0]["to"] == "+447911123456"


def test_invalid_number_without_a_meant_reading_has_no_fix():
    report = fix([text("+99912345678")], unsafe=True)
    assert report.fixed_payloads[0]["to"] == "+99912345678"
    assert [f.fix for f in report.findings if f.rule == "WA301"] == [None]


# -- template names and languages (WA201, WA216, WA217) ---------------------------------------


def test_wa216_name_case_is_fixed_from_the_registry():
    report = fix([template("Hello_World")])
    assert report.fixed_payloads[0]["template"]["name"] == "hello_world"
    assert [f.rule for f in report.fixed_findings] == ["WA216"]
    assert not {"WA216", "WA201"} & set(rules(report))


def test_wa216_without_registry_or_with_two_matches_is_not_fixed():
    no_registry = validator(None).validate([template("Hello_World")], fix=True)
    assert no_registry.fixed_payloads[0]["template"]["name"] == "Hello_World"
    two = Registry.from_templates([
        {"name": "promo", "language": "en_US", "status": "APPROVED", "components": []},
        {"name": "Promo", "language": "en_US", "status": "APPROVED", "components": []}])
    report = fix([template("PROMO")], registry=two)
    assert report.fixed_payloads[0]["template"]["name"] == "PROMO"


def test_wa216_hyphens_are_not_guessed():
    report = fix([template("Hello-World")])
    assert report.fixed_payloads[0]["template"]["name"] == "Hello-World"
    assert "WA216" in rules(report)


def test_wa201_hand_written_registry_spelling():
    registry = Registry.from_templates([
        {"name": "Order_Update", "language": "en_US", "status": "APPROVED", "components": []}])
    before = validator(registry).validate([template("order_update")])
    assert [f.fixable for f in before.findings if f.rule == "WA201"] == ["safe"]
    report = fix([template("order_update")], registry=registry)
    assert report.fixed_payloads[0]["template"]["name"] == "Order_Update"
    assert "WA201" not in rules(report)


def test_wa217_language_code_fixed_when_the_registry_has_it():
    report = fix([template("hello_world", "en-US")])
    assert report.fixed_payloads[0]["template"]["language"]["code"] == "en_US"
    assert not {"WA217", "WA201"} & set(rules(report))


def test_wa217_not_fixed_when_the_registry_lacks_that_language():
    report = fix([template("hello_world", "pt-BR")])
    assert report.fixed_payloads[0]["template"]["language"]["code"] == "pt-BR"
    (finding,) = [f for f in report.findings if f.rule == "WA217"]
    assert finding.fix is None and "use pt_BR" in finding.message


def test_wa217_without_registry_is_not_fixed():
    report = validator(None).validate([template("hello_world", "en-US")], fix=True)
    assert report.fixed_payloads[0]["template"]["language"]["code"] == "en-US"


def test_name_and_language_are_both_fixed():
    report = fix([template("Hello_World", "en-us")])
    assert report.fixed_payloads[0]["template"] == {"name": "hello_world",
                                                    "language": {"code": "en_US"}}
    assert sorted(f.rule for f in report.fixed_findings) == ["WA216", "WA217"]
    assert report.summary.fixed == 2


# -- unsafe: template parameters (WA208) and captions (WA405, WA212) --------------------------


@pytest.mark.parametrize("value, expected", [
    ("INV-7\nDue May 3", "INV-7 Due May 3"),
    ("a\r\n  b", "a b"),
    ("tab\there", "tab here"),
    ("wide      gap", "wide gap"),
    ("trailing\n", "trailing"),
    ("four    spaces\nstay", "four    spaces stay"),
])
def test_wa208_whitespace_collapsed_only_with_unsafe_fixes(value, expected):
    kept = fix([notice(value)])
    assert kept.fixed_payloads[0] == notice(value) and "WA208" in rules(kept)
    (finding,) = [f for f in kept.findings if f.rule == "WA208"]
    assert finding.fixable == "unsafe"
    report = fix([notice(value)], unsafe=True)
    params = report.fixed_payloads[0]["template"]["components"][0]["parameters"]
    assert params[0]["text"] == expected and "WA208" not in rules(report)


def test_wa208_in_carousel_cards_and_headers():
    payload = template("hello_world", components=[
        {"type": "header", "parameters": [{"type": "text", "text": "A\tB"}]}])
    report = fix([payload], unsafe=True)
    assert report.fixed_payloads[0]["template"]["components"][0]["parameters"][0]["text"] == "A B"


def test_wa405_caption_removed_only_with_unsafe_fixes():
    assert fix([audio()]).fixed_payloads[0] == audio()
    report = fix([audio()], unsafe=True)
    assert report.fixed_payloads[0] == audio(None) and "WA405" not in rules(report)


def test_wa405_interactive_header_caption():
    payload = {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive",
               "interactive": {"type": "button", "header": {"type": "image", "image": {
                   "link": "https://cdn.example.com/a.jpg", "caption": "New!"}},
                   "body": {"text": "Hi"}, "action": {"buttons": [
                       {"type": "reply", "reply": {"id": "a", "title": "A"}}]}}}
    report = fix([payload], unsafe=True)
    assert "caption" not in report.fixed_payloads[0]["interactive"]["header"]["image"]


def test_wa212_template_header_caption():
    payload = template("order_update", components=[
        {"type": "header", "parameters": [{"type": "image", "image": {
            "link": "https://shop.example.com/o.jpg", "caption": "Your order"}}]},
        {"type": "body", "parameters": [{"type": "text", "text": v} for v in ("A", "B", "C")]},
        {"type": "button", "sub_type": "url", "index": "0",
         "parameters": [{"type": "text", "text": "A-1"}]}])
    report = fix([payload], unsafe=True)
    image = report.fixed_payloads[0]["template"]["components"][0]["parameters"][0]["image"]
    assert image == {"link": "https://shop.example.com/o.jpg"}
    assert "WA212" not in rules(report)


# -- the run as a whole ---------------------------------------------------------------------


def test_mixed_batch_fixes_what_it_can_and_reports_the_rest():
    payloads = [text("+1 650-555-1234"), template("no_such_template"), audio(),
                "not an object", template("Hello_World", "en-US"), text("+44 7911 CALLME")]
    originals = copy.deepcopy(payloads)
    report = fix(payloads)
    assert payloads == originals  # the caller's objects are never changed
    assert len(report.fixed_payloads) == len(payloads)
    assert report.fixed_payloads[1] is payloads[1] and report.fixed_payloads[3] == "not an object"
    assert sorted(f.rule for f in report.fixed_findings) == ["WA216", "WA217", "WA302"]
    remaining = {(f.index, f.rule) for f in report.findings}
    assert {(1, "WA201"), (2, "WA405"), (3, "WA002"), (5, "WA301")} <= remaining
    assert not {(0, "WA302"), (4, "WA216"), (4, "WA217")} & remaining
    assert report.summary.fixed == 3
    assert report.summary.errors + report.summary.warnings == len(report.findings)


def test_refixing_the_fixed_payloads_finds_nothing_left():
    payloads = [text("+1 650-555-1234"), template("Hello_World", "en-US"), audio(),
                notice("a\nb")]
    first = fix(payloads, unsafe=True)
    second = fix(first.fixed_payloads, unsafe=True)
    assert second.summary.fixed == 0 and not second.fixed_findings
    assert second.fixed_payloads == first.fixed_payloads


def test_module_level_validate_fixes():
    report = validate([text("+1 650-555-1234")], registry=REGISTRY, fix=True)
    assert report.fixed_payloads == [text("+16505551234")] and report.summary.fixed == 1


def test_ignored_and_unselected_rules_do_not_fix():
    assert validator(ignore=["WA302"]).validate(
        [text("+1 650-555-1234")], fix=True).fixed_payloads[0]["to"] == "+1 650-555-1234"
    assert validator(select=["WA2"]).validate(
        [text("+1 650-555-1234")], fix=True).fixed_payloads[0]["to"] == "+1 650-555-1234"


def test_unsafe_fixes_setting_is_the_default_for_unsafe_fixes():
    v = validator(unsafe_fixes=True)
    assert v.validate([audio()], fix=True).fixed_payloads[0] == audio(None)
    assert v.validate([audio()], fix=True, unsafe_fixes=False).fixed_payloads[0] == audio()


def test_without_fix_nothing_changes_and_no_fixed_count():
    report = validator().validate([text("+1 650-555-1234")])
    assert report.summary.fixed is None and report.fixed_payloads is None
    assert rules(report) == ["WA302"]
