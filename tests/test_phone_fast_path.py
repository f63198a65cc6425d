"""The phone-number fast path gives exactly the readings phonenumbers gives.

``rules.phone._read(text, fast=True)`` (what ``read_number`` uses) is compared with
``_read(text, fast=False)`` (phonenumbers' parse / is_valid_number / is_possible_number_with_reason
alone), field by field, over a large deterministic set built from every supported region's and
non-geographic entity's example numbers: every number type, digit variations, truncations and
extensions by 1-3 digits, a trunk 0 (and the region's own national prefix) after the country code,
every first digit of the national number, random digits after the code at every length from 1 to
17 digits, and random digit strings of every length (unknown codes included): about 62,000
distinct strings, each written with ``+`` or without (seeded, about half each). Hypothesis adds
arbitrary digit strings, and arbitrary digits after every real country code, on top.
"""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType
from phonenumbers.phonemetadata import PhoneMetadata

from rules.phone import _read, _validate_fast, _validate_slow, read_number

SEED = 20_240_607
FIELDS = ("text", "e164", "has_plus", "problem", "suggestion")
TYPES = {PhoneNumberType.FIXED_LINE: "fixed_line", PhoneNumberType.MOBILE: "mobile",
         PhoneNumberType.TOLL_FREE: "toll_free", PhoneNumberType.PREMIUM_RATE: "premium_rate",
         PhoneNumberType.SHARED_COST: "shared_cost", PhoneNumberType.VOIP: "voip",
         PhoneNumberType.PERSONAL_NUMBER: "personal_number", PhoneNumberType.PAGER: "pager",
         PhoneNumberType.UAN: "uan", PhoneNumberType.VOICEMAIL: "voicemail"}
DIGITS = "0123456789"


def _examples() -> list[tuple[str, str, PhoneMetadata]]:
    """(country code, NSN, metadata) for every example number of every type."""
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        metadata = PhoneMetadata.metadata_for_region(region)
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append((str(number.country_code),
                              phonenumbers.national_significant_number(number), metadata))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        metadata = PhoneMetadata.metadata_for_nongeo_region(code)
        for attribute in TYPES.values():
            desc = getattr(metadata, attribute)
            if desc is not None and desc.example_number:
                found.append((str(code), desc.example_number, metadata))
    return found


def _vary(rng: random.Random, nsn: str, changes: int) -> str:
    digits = list(nsn)
    for _ in range(changes):
        digits[rng.randrange(len(digits))] = rng.choice(DIGITS)
    return "".join(digits)


def _random(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(length))


def generated_digits() -> list[str]:
    """The digit strings (without ``+``) of the differential set, deterministic."""
    rng = random.Random(SEED)
    out: set[str] = set()
    for cc, nsn, metadata in _examples():
        out.add(cc + nsn)
        for _ in range(6):  # digit variations: the tail (mostly valid), anywhere (often not)
            tail = max(1, min(4, len(nsn) - 1))
            out.add(cc + nsn[:-tail] + _random(rng, tail))
            out.add(cc + _vary(rng, nsn, rng.randint(1, 3)))
        for k in (1, 2, 3):  # truncated and extended
            out.add(cc + nsn[:-k])
            out.add(cc + nsn + _random(rng, k))
            out.add(cc + _vary(rng, nsn, 1) + _random(rng, k))
        out.add(cc + "0" + nsn)  # national trunk 0 kept after the country code
        out.add(cc + "0" + nsn[:-1])
        out.add(cc + "00" + nsn)
        if metadata.national_prefix:
            out.add(cc + metadata.national_prefix + nsn)
        for first in DIGITS:  # invalid (and valid) prefixes
            out.add(cc + first + nsn[1:])
            out.add(cc + nsn[:1] + first + nsn[2:])
        for length in range(1, 18):  # every length after this code
            if length > len(cc):
                start = rng.choice((nsn[:2], nsn[:1], ""))[:length - len(cc)]
                out.add(cc + start + _random(rng, length - len(cc) - len(start)))
    for length in range(1, 18):  # any digits at every length, including unknown codes
        for _ in range(200 if length > 3 else 50):
            out.add(_random(rng, length))
    return sorted(out)


def _fields(reading) -> tuple:
    return tuple(getattr(reading, name) for name in FIELDS)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Each generated digit string, with ``+`` or without (seeded: about half each)."""
    rng = random.Random(SEED)
    return [rng.choice(("+", "")) + digits for digits in generated_digits()]


def test_fast_path_reads_every_generated_number_like_phonenumbers(texts):
    assert len(texts) >= 50_000
    assert 0.45 < sum(text.startswith("+") for text in texts) / len(texts) < 0.55
    mismatches = []
    for text in texts:
        fast, slow = _fields(_read(text, True)), _fields(_read(text, False))
        if fast != slow:
            mismatches.append((text, fast, slow))
    assert not mismatches, f"{len(mismatches)} of {len(texts)} differ, e.g. {mismatches[:10]}"


def test_fast_path_answers_most_of_the_set_and_agrees_when_it_does(texts):
    """The lower layer on its own: the fast path must actually answer (it leaves only
    national-prefix lookalikes and strings under 3 digits to phonenumbers), and whenever it
    answers, the answer is phonenumbers'."""
    digit_strings = [text.lstrip("+") for text in texts]
    answers = [_validate_fast(digits) for digits in digit_strings]
    assert sum(answer is not None for answer in answers) / len(answers) > 0.85
    for digits, answer in list(zip(digit_strings, answers))[::4]:
        if answer is not None:
            assert answer == _validate_slow(digits), digits


def test_fast_path_answers_for_ordinary_valid_numbers():
    """Valid mobile numbers of the benchmark's 30 countries do not fall back."""
    rng = random.Random(SEED)
    regions = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "MX", "AR", "IN", "ID", "PH", "NG", "ZA",
               "KE", "EG", "SA", "AE", "TR", "PK", "BD", "VN", "TH", "MY", "SG", "AU", "CA", "CO", "PE"]
    valid = answered = 0
    for region in regions:
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        cc, nsn = str(example.country_code), phonenumbers.national_significant_number(example)
        for _ in range(200):
            digits = cc + nsn[:-4] + _random(rng, 4)
            if _validate_slow(digits)[0] is None:
                continue
            valid += 1
            answered += _validate_fast(digits) is not None
    assert valid > 3000
    assert answered == valid


def test_read_number_uses_the_fast_path_and_keeps_its_readings(texts):
    for text in random.Random(SEED).sample(texts, 2000):
        assert read_number(text) == _read(text, False)


def test_written_forms_outside_the_fast_shape_read_the_same():
    """Separators, spaces, Unicode digits and letters take the general branch; same readings."""
    rng = random.Random(SEED)
    samples = ["+44 07911 123456", " +447911123456 ", "+1 (650) 555-1234", "(631) 555-1234",
               "+44 7911 CALLME", "+٤٤٧٩١١١٢٣٤٥٦", "+４４７９１１１２３４５６", "+", "", "+-", "+4915123456789012"]
    for cc, nsn, _ in _examples()[::7]:
        cut = rng.randrange(1, len(nsn))
        samples += [f"+{cc} {nsn[:cut]} {nsn[cut:]}", f"{cc}-{nsn}", f"+{cc} 0{nsn}", f"+({cc}) {nsn}"]
    for text in samples:
        assert _fields(_read(text, True)) == _fields(_read(text, False)), text


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(plus=st.booleans(), digits=st.text(alphabet=DIGITS, min_size=1, max_size=17))
def test_arbitrary_digit_strings(plus, digits):
    text = ("+" if plus else "") + digits
    assert _fields(_read(text, True)) == _fields(_read(text, False))


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(code=st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
       rest=st.text(alphabet=DIGITS, min_size=0, max_size=14), plus=st.booleans())
def test_arbitrary_digits_after_a_real_country_code(code, rest, plus):
    text = ("+" if plus else "") + str(code) + rest
    assert _fields(_read(text, True)) == _fields(_read(text, False))
