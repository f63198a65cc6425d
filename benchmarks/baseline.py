"""The hand-written check a team writes instead of walint — the benchmark's yardstick.

A pydantic model of the payload, phonenumbers for the recipient and a dict of template
parameter counts: what the issue describes as running at about 30,000 messages a second.

    python benchmarks/baseline.py campaign.jsonl
"""

from __future__ import annotations

import re
import sys

import phonenumbers
import yaml
from pydantic import BaseModel, ValidationError


class Parameter(BaseModel):
    type: str
    text: str | None = None


class Component(BaseModel):
    type: str
    parameters: list[dict] = []


class Language(BaseModel):
    code: str


class Template(BaseModel):
    name: str
    language: Language
    components: list[Component] = []


class Payload(BaseModel):
    messaging_product: str
    to: str
    type: str
    template: Template


def expected_counts(path: str) -> dict[tuple[str, str], int]:
    templates = yaml.safe_load(open(path, encoding="utf-8"))["templates"]
    counts = {}
    for t in templates:
        body = next((c for c in t["components"] if c["type"] == "BODY"), {})
        counts[(t["name"], t["language"])] = len(set(re.findall(r"\{\{(\w+)\}\}", body.get("text", ""))))
    return counts


def main() -> None:
    campaign, registry = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "templates_registry.yaml"
    counts = expected_counts(registry)
    failed = messages = 0
    with open(campaign, "rb") as lines:
        for line in lines:
            messages += 1
            try:
                payload = Payload.model_validate_json(line)
            except ValidationError:
                failed += 1
                continue
            number = phonenumbers.parse(payload.to, None)
            ok = phonenumbers.is_valid_number(number)
            key = (payload.template.name, payload.template.language.code)
            body = next((c for c in payload.template.components if c.type == "body"), None)
            ok = ok and key in counts and (len(body.parameters) if body else 0) == counts[key]
            failed += not ok
    print(f"{messages} messages, {failed} failed")


if __name__ == "__main__":
    main()
