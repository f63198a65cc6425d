"""Generate a synthetic template campaign for benchmarks.

A realistic mix: recipients from 30 countries (valid numbers, drawn from a pool built with
phonenumbers' example numbers), the templates of the root ``templates_registry.yaml``, and
a few per cent of defects of the kinds walint exists for (wrong parameter count, unknown
template or language, invalid number, newline in a parameter, missing media header).

    python benchmarks/generate.py 1000000 /tmp/campaign-1m.jsonl
"""

from __future__ import annotations

import argparse
import json
import random

import phonenumbers

REGIONS = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "MX", "AR", "IN", "ID", "PH", "NG", "ZA",
           "KE", "EG", "SA", "AE", "TR", "PK", "BD", "VN", "TH", "MY", "SG", "AU", "CA", "CO", "PE"]


def number_pool(size: int, rng: random.Random) -> list[str]:
    """Valid mobile numbers in E.164, varied from each region's example number."""
    pool: set[str] = set()
    for region in REGIONS:
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        digits = str(example.national_number)
        attempts = 0
        while len(pool) < size * (REGIONS.index(region) + 1) // len(REGIONS) and attempts < size * 3:
            attempts += 1
            tail = "".join(rng.choice("0123456789") for _ in range(4))
            candidate = phonenumbers.parse(f"+{example.country_code}{digits[:-4]}{tail}")
            if phonenumbers.is_valid_number(candidate):
                pool.add(phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164))
    return sorted(pool)


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def order_update(rng: random.Random) -> dict:
    order = f"A-{rng.randrange(100000)}"
    return {"name": "order_update", "language": {"code": "en_US"}, "components": [
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]},
        {"type": "body", "parameters": [text(rng.choice(["Ana", "Jonas", "Lucía", "Wei", "Amara"])), text(order), text("May 3")]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [text(order)]}]}


def appointment(rng: random.Random) -> dict:
    return {"name": "appointment_reminder", "language": {"code": "en_US"}, "components": [
        {"type": "body", "parameters": [
            {"type": "text", "parameter_name": "first_name", "text": rng.choice(["Sam", "Ola", "Kim"])},
            {"type": "text", "parameter_name": "date", "text": "June 1"},
            {"type": "text", "parameter_name": "time", "text": f"{rng.randrange(8, 18)}:30"}]}]}


def verification(rng: random.Random) -> dict:
    code = f"{rng.randrange(10**6):06d}"
    return {"name": "verification_code", "language": {"code": "en_US"}, "components": [
        {"type": "body", "parameters": [text(code)]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [text(code)]}]}


def hello(rng: random.Random) -> dict:
    return {"name": "hello_world", "language": {"code": "en_US"}}


def defect(template: dict, rng: random.Random) -> tuple[dict, str | None]:
    """Apply one defect (returns the template and, for a recipient defect, a bad number)."""
    kind = rng.randrange(5)
    if kind == 0 and template.get("components"):
        body = next(c for c in template["components"] if c["type"] == "body")
        body["parameters"] = body["parameters"][:-1]
    elif kind == 1:
        template["language"] = {"code": "en"}
    elif kind == 2:
        return template, "+44 07911 123456"
    elif kind == 3 and template.get("components"):
        body = next(c for c in template["components"] if c["type"] == "body")
        body["parameters"][0]["text"] = "line one\nline two"
    else:
        template["name"] = template["name"] + "_v2"
    return template, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("messages", type=int)
    parser.add_argument("output")
    parser.add_argument("--defects", type=float, default=0.03, help="share of defective messages")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = number_pool(min(200_000, max(1000, args.messages)), rng)
    makers = [order_update, order_update, appointment, verification, hello]
    with open(args.output, "w", encoding="utf-8") as out:
        for _ in range(args.messages):
            template = rng.choice(makers)(rng)
            to = rng.choice(pool)
            if rng.random() < args.defects:
                template, bad_number = defect(template, rng)
                to = bad_number or to
            out.write(json.dumps({"messaging_product": "whatsapp", "recipient_type": "individual",
                                  "to": to, "type": "template", "template": template},
                                 ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
