"""Generate a synthetic template campaign for benchmarks.

A realistic mix: one message per customer, to DISTINCT recipients from 30 countries (valid
mobile numbers, varied from phonenumbers' example numbers), each greeted by a first name
common in that country (``NAMES``: accents, Arabic and Thai script included), the templates
of the root ``templates_registry.yaml``, and a few per cent of defects of the kinds walint
exists for (wrong parameter count, unknown template or language, invalid number, newline in a
parameter). With ``--repeats``, a share of the messages goes to earlier recipients instead (a
transactional batch where some customers get two messages): half of them the very message sent
before (WA602), half another one (WA601) — what makes a campaign with many findings.
Seeded: the same arguments always write the same file.

    python benchmarks/generate.py 1000000 /tmp/campaign-1m.jsonl
    python benchmarks/generate.py 1000000 /tmp/campaign-1m-repeats.jsonl --repeats 0.06
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

REGIONS = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "MX", "AR", "IN", "ID", "PH", "NG", "ZA",
           "KE", "EG", "SA", "AE", "TR", "PK", "BD", "VN", "TH", "MY", "SG", "AU", "CA", "CO", "PE"]

#: Trailing digits varied in each region's example mobile number (fewer when the number is
#: short: its first two digits, the mobile prefix, always stay). 7 digits are 10 million
#: candidates a region, of which 80 % (US, CA) to 100 % (the others) are valid.
VARIED_DIGITS = 7


def region_numbers(region: str, count: int, rng: random.Random, taken: set[str]) -> list[str]:
    """``count`` distinct valid mobile numbers of ``region`` in E.164, not in ``taken``
    (added to it), or fewer if the region runs out of candidates.

    Each candidate is checked with ``phonenumbers.is_valid_number`` (no cache: a mobile
    pattern can depend on any digit, so validity is not a property of a prefix). Built as a
    ``PhoneNumber`` directly rather than parsed from text: the same number, 3x faster.
    """
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    digits = str(example.national_number)
    varied = min(VARIED_DIGITS, len(digits) - 2)
    space = 10 ** varied
    base = int(digits[:-varied]) * space
    plain = not example.italian_leading_zero  # else format_number writes the leading zeros
    numbers: list[str] = []
    tried: set[int] = set()
    while len(numbers) < count and len(tried) < space:
        tail = rng.randrange(space)
        if tail in tried:
            continue
        tried.add(tail)
        number = PhoneNumber(country_code=example.country_code, national_number=base + tail,
                             italian_leading_zero=example.italian_leading_zero)
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = (f"+{example.country_code}{base + tail}" if plain
                else phonenumbers.format_number(number, PhoneNumberFormat.E164))
        if e164 not in taken:
            taken.add(e164)
            numbers.append(e164)
    return numbers


def number_pool(size: int, rng: random.Random) -> list[tuple[str, str]]:
    """``size`` distinct valid mobile numbers in E.164 with their regions, an equal share
    from each region (in region order; shuffle them for a campaign's order)."""
    pool: list[tuple[str, str]] = []
    taken: set[str] = set()
    for index, region in enumerate(REGIONS):
        # What is left over, spread over the regions still to come (one that ran out of
        # candidates leaves its share to the next ones).
        share = (size - len(pool)) // (len(REGIONS) - index)
        pool += [(number, region) for number in region_numbers(region, share, rng, taken)]
    if len(pool) < size:
        raise SystemExit(f"only {len(pool):,} distinct valid numbers in {len(REGIONS)} regions")
    return pool


def invalid_number(valid: str, rng: random.Random) -> str:
    """An invalid variant of a recipient's (valid) number, so that bad numbers are as distinct
    as the good ones: written with the national trunk 0 after the country code
    (``+44 07911 123456``: phonenumbers drops the 0 and calls it valid, the API does not), or
    missing its last digits (invalid for phonenumbers too)."""
    number = phonenumbers.parse(valid)
    national = str(number.national_number)
    region = phonenumbers.region_code_for_number(number)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata.national_prefix == "0" and rng.random() < 0.5:
        return f"+{number.country_code} 0{national[:-6]} {national[-6:]}"
    for cut in (2, 3, 4):
        short = f"+{number.country_code}{national[:-cut]}"
        if not phonenumbers.is_valid_number(phonenumbers.parse(short)):
            return short
    return "+44 07911 123456"


#: Common first names by the region of the number, as a customer database holds them: Latin
#: letters with and without accents, and Arabic and Thai script where customers write so.
#: Drawn with weights 1/rank (a few names are very common, many are rare).
NAMES = {
    "US": "James Mary Michael Jennifer David Linda Chris Jessica Daniel Sarah José María Kevin Ashley",
    "GB": "Oliver Olivia George Amelia Harry Isla Jack Ava Noah Mia Leo Chloé Zoë Siobhán",
    "DE": "Lukas Mia Leon Emma Jonas Hannah Finn Sophie Elias Lea Jürgen Müller Björn Änne",
    "FR": "Gabriel Louise Raphaël Jade Léo Ambre Louis Emma Lucas Chloé Hugo Léa Noël Zoé",
    "ES": "Hugo Lucía Martín Sofía Mateo Martina Daniel María Pablo Julia Álvaro Paula Iñaki Begoña",
    "IT": "Leonardo Sofia Francesco Aurora Alessandro Giulia Lorenzo Ginevra Mattia Beatrice Niccolò",
    "NL": "Noah Emma Daan Julia Lucas Mila Sem Tess Finn Zoë Anouk Thijs Jesse Fenna",
    "BR": "Miguel Helena Arthur Alice Gael Laura Heitor Maria João Valentina Antônio Conceição Luíza",
    "MX": "Santiago Sofía Mateo Valentina Sebastián Regina Leonardo Camila Emiliano María José Ximena",
    "AR": "Benjamín Olivia Mateo Emma Bautista Martina Felipe Mía Joaquín Catalina Tomás Valentín",
    "IN": "Aarav Saanvi Vihaan Ananya Aditya Diya Arjun Priya Rohan Kavya Ishaan Riya Sai Neha",
    "ID": "Muhammad Siti Putra Putri Budi Dewi Agus Sri Rizky Nur Andi Ayu Dian Eko",
    "PH": "Jose Maria Juan Angel John Mary Mark Princess Christian Joy Ramón Niño",
    "NG": "Chinedu Ngozi Emeka Aisha Oluwaseun Funmilayo Ibrahim Chioma Tunde Amina Uchenna Bola",
    "ZA": "Thabo Lerato Sipho Nomvula Bongani Zanele Johan Annelie Themba Palesesa Pieter Naledi",
    "KE": "Brian Mercy Kevin Faith Dennis Grace Collins Sharon Otieno Wanjiru Kamau Achieng",
    "EG": "Mohamed Fatma Ahmed Mariam Mahmoud Nour Omar Salma محمد فاطمة أحمد مريم",
    "SA": "Abdullah Noura Mohammed Sara Fahad Reem Khalid Lama عبدالله نورة محمد سارة",
    "AE": "Mohammed Fatima Ahmed Aisha Hamdan Maryam Rashid Shamma محمد فاطمة حمدان مريم",
    "TR": "Yusuf Zeynep Eymen Elif Ömer Defne Mustafa Azra Çağla Gökhan Şule İrem Ayşe",
    "PK": "Muhammad Fatima Ali Ayesha Hassan Zainab Ahmed Maryam Bilal Hira Usman Sana",
    "BD": "Mohammad Fatema Rahim Nusrat Karim Sumaiya Hasan Tasnim Rafiq Jannat Sabbir",
    "VN": "Nguyễn Trần Minh Anh Huy Linh Đức Thảo Phương Quân Hà Tuấn Ngọc",
    "TH": "Somchai Malee Anan Siriporn Niran Kanya สมชาย มาลี อนันต์ ศิริพร",
    "MY": "Muhammad Nur Ahmad Siti Wei Mei Arjun Priya Aiman Aisyah Hafiz Farah",
    "SG": "Ethan Chloe Lucas Emma Wei Jie Hui Min Aiden Sophia Ravi Nurul",
    "AU": "Oliver Charlotte Noah Amelia Jack Isla William Olivia Leo Mia Henry Zoë",
    "CA": "Liam Olivia Noah Emma William Charlotte Benjamin Chloé Félix Léa Étienne Zoé",
    "CO": "Santiago Salomé Matías Mariana Samuel Valeria Emiliano Isabella Jerónimo Luciana Sebastián",
    "PE": "Thiago Valentina Mateo Camila Santiago Luciana Sebastián Ximena Gael Ángel Rosa",
}


def first_name(region: str, rng: random.Random) -> str:
    names = NAMES[region].split()
    return rng.choices(names, weights=[1 / rank for rank in range(1, len(names) + 1)])[0]


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def order_update(rng: random.Random, region: str) -> dict:
    order = f"A-{rng.randrange(100000)}"
    return {"name": "order_update", "language": {"code": "en_US"}, "components": [
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]},
        {"type": "body", "parameters": [text(first_name(region, rng)), text(order), text("May 3")]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [text(order)]}]}


def appointment(rng: random.Random, region: str) -> dict:
    return {"name": "appointment_reminder", "language": {"code": "en_US"}, "components": [
        {"type": "body", "parameters": [
            {"type": "text", "parameter_name": "first_name", "text": first_name(region, rng)},
            {"type": "text", "parameter_name": "date", "text": "June 1"},
            {"type": "text", "parameter_name": "time", "text": f"{rng.randrange(8, 18)}:30"}]}]}


def verification(rng: random.Random, region: str) -> dict:
    code = f"{rng.randrange(10**6):06d}"
    return {"name": "verification_code", "language": {"code": "en_US"}, "components": [
        {"type": "body", "parameters": [text(code)]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [text(code)]}]}


def hello(rng: random.Random, region: str) -> dict:
    return {"name": "hello_world", "language": {"code": "en_US"}}


def defect(template: dict, to: str, rng: random.Random) -> tuple[dict, str]:
    """Apply one defect; returns the template and the recipient (invalid for that defect)."""
    kind = rng.randrange(5)
    if kind == 0 and template.get("components"):
        body = next(c for c in template["components"] if c["type"] == "body")
        body["parameters"] = body["parameters"][:-1]
    elif kind == 1:
        template["language"] = {"code": "en"}
    elif kind == 2:
        return template, invalid_number(to, rng)
    elif kind == 3 and template.get("components"):
        body = next(c for c in template["components"] if c["type"] == "body")
        body["parameters"][0]["text"] = "line one\nline two"
    else:
        template["name"] = template["name"] + "_v2"
    return template, to


#: Earlier messages a repeat is drawn from: a sample, refreshed at random, so that repeats
#: fall near their first message and far from it.
REPEAT_SAMPLE = 10_000


def campaign(messages: int, defects: float = 0.03, seed: int = 7,
             repeats: float = 0.0) -> Iterator[dict]:
    """The payloads of a campaign of ``messages`` messages, one per recipient but for the
    ``repeats`` share (what ``main`` writes, one a line). Without repeats, the random numbers
    drawn are those of a generator that knows no repeats: the same file as before them."""
    rng = random.Random(seed)
    recipients = number_pool(messages, rng)  # one message per customer
    rng.shuffle(recipients)  # countries interleaved, as in a real audience
    makers = [order_update, order_update, appointment, verification, hello]
    earlier: list[tuple[dict, str]] = []
    for to, region in recipients:
        if repeats and earlier and rng.random() < repeats:
            before, region = rng.choice(earlier)
            if rng.random() < 0.5:
                yield before  # the same message again
                continue
            to = before["to"]
        template = rng.choice(makers)(rng, region)
        if rng.random() < defects:
            template, to = defect(template, to, rng)
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual",
                   "to": to, "type": "template", "template": template}
        if repeats:
            if len(earlier) < REPEAT_SAMPLE:
                earlier.append((payload, region))
            else:
                earlier[rng.randrange(REPEAT_SAMPLE)] = (payload, region)
        yield payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("messages", type=int)
    parser.add_argument("output")
    parser.add_argument("--defects", type=float, default=0.03, help="share of defective messages")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=float, default=0.0,
                        help="share of messages to an earlier recipient (half of them copies)")
    args = parser.parse_args()
    with open(args.output, "w", encoding="utf-8") as out:
        for payload in campaign(args.messages, args.defects, args.seed, args.repeats):
            out.write(json.dumps(payload, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
