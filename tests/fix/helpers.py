"""Payloads and a validator shared by the fix tests."""

from __future__ import annotations

from validator import Validator, load_registry
from validator.settings import Settings

from ..conftest import RULE_REGISTRY

REGISTRY = load_registry(RULE_REGISTRY)


def text(to: str = "+447911123456", body: str = "Hi") -> dict:
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}


def template(name: str = "hello_world", code: str = "en_US", **extra) -> dict:
    return {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template",
            "template": {"name": name, "language": {"code": code}, **extra}}


def notice(value: str) -> dict:
    """A template whose only parameter is one body text (body_only_notice)."""
    return template("body_only_notice", components=[
        {"type": "body", "parameters": [{"type": "text", "text": value}]}])


def audio(caption: str | None = "Welcome!") -> dict:
    media = {"link": "https://cdn.example.com/welcome.mp3"}
    if caption is not None:
        media["caption"] = caption
    return {"messaging_product": "whatsapp", "to": "+447911123456", "type": "audio",
            "audio": media}


def validator(registry=REGISTRY, **settings) -> Validator:
    return Validator(registry, settings=Settings.build(offline=True, **settings))


def fix(payloads, *, unsafe: bool = False, registry=REGISTRY, **settings):
    return validator(registry, **settings).validate(payloads, fix=True, unsafe_fixes=unsafe)


def rules(report) -> list[str]:
    return [f.rule for f in report.findings]
