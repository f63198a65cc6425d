"""Template kinds beyond header/body/buttons raise no template finding when they are right.

Carousel, limited-time-offer, tap-target, catalog and flow templates carry components and
parameter types that the plain rules do not know (``carousel`` cards, ``limited_time_offer``,
``tap_target_configuration``, ``action``). A false alarm on a valid payload costs more trust
than a missed check, and the YAML cases only look at one rule at a time, so this runs every
template rule (WA2xx) over a valid payload of each kind against the rule-case registry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from validator import Validator, load_registry

REGISTRY = load_registry(Path(__file__).parent / "registry.yaml")
VALIDATOR = Validator(REGISTRY, select=["WA2"], plugins=False)


def _template(name: str, components: list) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+447911123456",
            "type": "template",
            "template": {"name": name, "language": {"code": "en_US"}, "components": components}}


def _image(link: str) -> dict:
    return {"type": "header", "parameters": [{"type": "image", "image": {"link": link}}]}


VALID = {
    "carousel": _template("product_carousel", [
        {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]},
        {"type": "carousel", "cards": [
            {"card_index": 0, "components": [
                _image("https://shop.example.com/img/boots.jpg"),
                {"type": "button", "sub_type": "quick_reply", "index": "0",
                 "parameters": [{"type": "payload", "payload": "more-boots"}]}]},
            {"card_index": 1, "components": [
                {"type": "header", "parameters": [{"type": "image", "image": {"id": "1234567890"}}]},
                {"type": "button", "sub_type": "quick_reply", "index": "0",
                 "parameters": [{"type": "payload", "payload": "more-scarf"}]}]}]}]),
    "limited time offer": _template("flash_offer", [
        _image("https://shop.example.com/img/flash.jpg"),
        {"type": "limited_time_offer", "parameters": [
            {"type": "limited_time_offer", "limited_time_offer": {"expiration_time_ms": 1767225600000}}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]},
        {"type": "button", "sub_type": "copy_code", "index": 0,
         "parameters": [{"type": "coupon_code", "coupon_code": "FLASH20"}]},
        {"type": "button", "sub_type": "url", "index": 1,
         "parameters": [{"type": "text", "text": "flash20?utm_source=whatsapp"}]}]),
    "tap target": _template("sale_banner", [
        _image("https://shop.example.com/img/summer.jpg"),
        {"type": "tap_target_configuration", "parameters": [
            {"type": "tap_target_configuration", "tap_target_configuration": [
                {"url": "https://shop.example.com/summer", "title": "Summer sale"}]}]}]),
    "catalog": _template("catalog_promo", [
        {"type": "button", "sub_type": "CATALOG", "index": 0,
         "parameters": [{"type": "action", "action": {"thumbnail_product_retailer_id": "2lc20305pt"}}]}]),
    "flow": _template("event_invite", [
        {"type": "header", "parameters": [{"type": "text", "text": "Ana"}]},
        {"type": "body", "parameters": [
            {"type": "date_time", "date_time": {"fallback_value": "7pm"}},
            {"type": "text", "text": "a friend"}]},
        {"type": "button", "sub_type": "flow", "index": "1", "parameters": [
            {"type": "action", "action": {"flow_token": "rsvp-1", "flow_action_data": {"seat": 4}}}]}]),
    "copy code": _template("coupon_offer", [
        {"type": "body", "parameters": [{"type": "text", "text": "SAVE10"}]},
        {"type": "button", "sub_type": "copy_code", "index": 0,
         "parameters": [{"type": "coupon_code", "coupon_code": "SAVE10"}]},
        {"type": "button", "sub_type": "url", "index": 1,
         "parameters": [{"type": "text", "text": "save10"}]}]),
}


@pytest.mark.parametrize("kind", list(VALID))
def test_valid_template_kind_has_no_template_finding(kind):
    report = VALIDATOR.validate([VALID[kind]])
    assert report.findings == [], [f"{f.rule} {f.path}: {f.message}" for f in report.findings]
