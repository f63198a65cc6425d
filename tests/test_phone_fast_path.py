"""The phone-number fast paths give exactly the readings phonenumbers gives.

``rules.phone._read(text, fast=True)`` (what ``read_number`` falls back on) is compared with
``_read(text, fast=False)`` (phonenumbers' parse / is_valid_number / is_possible_number_with_reason
alone), field by field, over a large deterministic set built from every supported region's and
non-geographic entity's example numbers: every number type, digit variations, truncations and
extensions by 1-3 digits, a trunk 0 (and the region's own national prefix) after the country code,
every first digit of the national number, random digits after the code at every length from 1 to
17 digits, and random digit strings of every length (unknown codes included): about 62,000
distinct strings, each written with ``+`` or without (seeded, about half each). Hypothesis adds
arbitrary digit strings, and arbitrary digits after every real country code, on top.

``read_number`` itself answers ``+`` and digits with one regex per calling code and length
(``_FAST_TESTS``) and keeps its latest reading; that is compared with phonenumbers over every
string of the set written with ``+``, and more ``+digits`` strings of every length from 1 to 16
(leading zeros, unknown and partial codes, national prefixes) and random numbers made from the
metadata's own patterns; the regex must match exactly where ``_validate_fast`` finds the number
valid as written. Its parts are checked on their own against the code they stand for, in corners
today's metadata does not reach: the national prefix lookahead against ``unchanged_by_prefix``,
the alternatives of a shared code against ``_CallingCode.valid``. Sequences of calls with
repeats, interleavings and look-alike writings check that the latest reading is never another
text's.
"""

from __future__ import annotations

import itertools
import random
import re

try:
    from re import _parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType
from phonenumbers.phonemetadata import PhoneMetadata

from rules import phone
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
    valid = answered = matched = 0
    for region in regions:
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        cc, nsn = str(example.country_code), phonenumbers.national_significant_number(example)
        for _ in range(200):
            digits = cc + nsn[:-4] + _random(rng, 4)
            if _validate_slow(digits)[0] is None:
                continue
            valid += 1
            answered += _validate_fast(digits) is not None
            # and read_number's regex, once the regions up to the number's are loaded
            matched += _fast_match("+" + digits)
    assert valid > 3000
    assert answered == valid
    assert matched == valid


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
    slow = _fields(_read(text, False))
    assert _fields(_read(text, True)) == slow
    assert _fields(read_number(text)) == _fields(read_number.__wrapped__(text)) == slow


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(code=st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
       rest=st.text(alphabet=DIGITS, min_size=0, max_size=14), plus=st.booleans())
def test_arbitrary_digits_after_a_real_country_code(code, rest, plus):
    text = ("+" if plus else "") + str(code) + rest
    slow = _fields(_read(text, False))
    assert _fields(_read(text, True)) == slow
    assert _fields(read_number(text)) == _fields(read_number.__wrapped__(text)) == slow


# --------------------------------------------------------------------------------------------
# read_number: the regex per calling code and length, and the latest reading.


def _fast_match(text: str) -> bool:
    """Whether read_number's regex answers for ``text`` (compiling it if need be)."""
    try:
        match = phone._FAST_TESTS[text[:4]][len(text)](text)
    except (KeyError, IndexError):
        match = phone._first_match(text)
    return match is not None


def _sample(pattern: str, rng: random.Random) -> str:
    """A random string that a metadata pattern (digits, digit classes, groups, alternation,
    repeats) fully matches (a national prefix pattern's "$" is left out)."""

    def characters(items) -> str:
        chars = ""
        for op, value in items:
            if str(op) == "LITERAL":
                chars += chr(value)
            elif str(op) == "RANGE":
                chars += "".join(chr(c) for c in range(value[0], value[1] + 1))
            elif str(op) == "CATEGORY" and str(value) == "CATEGORY_DIGIT":
                chars += DIGITS
            else:
                raise ValueError(f"{op} in {pattern}")
        return chars

    def generate(items) -> str:
        out = ""
        for op, value in items:
            kind = str(op)
            if kind == "LITERAL":
                out += chr(value)
            elif kind == "IN":
                out += rng.choice(characters(value))
            elif kind == "BRANCH":
                out += generate(rng.choice(value[1]))
            elif kind == "SUBPATTERN":
                out += generate(value[-1])
            elif kind == "AT":  # "$" in a national prefix pattern: the caller adds digits anyway
                pass
            elif kind in ("MAX_REPEAT", "MIN_REPEAT"):
                low, high, inner = value
                count = rng.randint(low, min(high, low + 12))  # MAXREPEAT is huge
                out += "".join(generate(inner) for _ in range(count))
            else:
                raise ValueError(f"{op} in {pattern}")
        return out

    return generate(sre_parse.parse(pattern))


def _pattern_samples(rng: random.Random) -> set[str]:
    """Digits after every code that its regions' own patterns produce: each number type's and
    the general description's, and a region's leading digits followed by random digits (which
    reach the corners where regions sharing a code decide for each other)."""
    out = set()
    metadata = [PhoneMetadata.metadata_for_region(region) for region in phonenumbers.SUPPORTED_REGIONS]
    metadata += [PhoneMetadata.metadata_for_nongeo_region(code)
                 for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS]
    for region in sorted(metadata, key=lambda m: (m.id, m.country_code)):
        cc = str(region.country_code)
        for attribute in ("general_desc", *TYPES.values()):
            desc = getattr(region, attribute)
            if desc is not None and desc.national_number_pattern:
                for _ in range(8):
                    out.add(cc + _sample(desc.national_number_pattern, rng))
        if region.leading_digits:
            for length in region.general_desc.possible_length or (8, 10):
                for _ in range(8):
                    start = _sample(region.leading_digits, rng)[:length]
                    out.add(cc + start + _random(rng, length - len(start)))
    return out


def plus_digits() -> list[str]:
    """``+`` and ASCII digits, every length from 1 to 16 digits: the generated set, the numbers
    the metadata's own patterns make, and more with leading zeros, codes cut short, unknown
    codes and national prefixes."""
    rng = random.Random(SEED + 1)
    out = {"+" + digits for digits in {*generated_digits(), *_pattern_samples(rng)}
           if len(digits) <= 16}
    codes = sorted(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    for length in range(1, 17):
        for _ in range(100):
            out.add("+0" + _random(rng, length - 1))  # no code starts with 0
            out.add("+" + _random(rng, length))
        for code in codes:
            if len(code) < length:
                rest = length - len(code)
                out.add("+" + code + _random(rng, rest))
                out.add("+" + code + "0" + _random(rng, rest - 1))  # a trunk 0 kept
                out.add("+" + code + rng.choice(DIGITS) * rest)
            else:
                out.add("+" + code[:length])  # the code, or its start, alone
    return sorted(out)


@pytest.fixture(scope="module")
def plus_texts() -> list[str]:
    return plus_digits()


def test_read_number_reads_plus_digits_like_phonenumbers(plus_texts):
    """Each ``+digits`` string, of every length: read_number (first call, and again) and
    ``__wrapped__`` give phonenumbers' reading, and the regex matches only texts ``_read`` gives
    as their own E.164 form."""
    assert len(plus_texts) >= 40_000
    assert {len(text) - 1 for text in plus_texts} == set(range(1, 17))
    read_number.cache_clear()
    mismatches, wrong_match = [], []
    for text in plus_texts:
        slow = _fields(_read(text, False))
        for reading in (read_number(text), read_number(text), read_number.__wrapped__(text)):
            if _fields(reading) != slow or type(reading) is not phone.NumberReading:
                mismatches.append((text, _fields(reading), slow))
        if _fast_match(text) and slow[1] != text:
            wrong_match.append(text)
    assert not mismatches, f"{len(mismatches)} differ, e.g. {mismatches[:10]}"
    assert not wrong_match, f"{len(wrong_match)} wrongly matched, e.g. {wrong_match[:10]}"


def test_the_regex_answers_exactly_what_the_fast_path_answers_as_valid(plus_texts):
    """The regex is _validate_fast's "valid as written" (and so not only safe but used): once
    _validate_fast has read a number (and loaded the regions of a shared code up to it), the
    regex matches it if _validate_fast finds it valid as written (every ordinary number of
    every region), national prefixes with transformation rules (AR, BR, JP, MG …) and codes
    shared by several regions (+1, +7, +44 …) included, and not if _validate_fast leaves it to
    phonenumbers (a national-prefix look-alike that phonenumbers may or may not strip) or finds
    it invalid."""
    differ = [text for text in plus_texts
              if (_validate_fast(text[1:]) == (text, "")) != _fast_match(text)]
    assert not differ, f"{len(differ)} differ, e.g. {differ[:10]}"
    answered = [text for text in plus_texts if _fast_match(text)]
    assert len(answered) > 15_000
    codes = {phonenumbers.parse(text).country_code for text in answered}
    assert {1, 7, 44, 54, 55, 81, 261, 378, 672} <= codes


def test_the_regex_matches_nothing_but_plus_and_ascii_digits():
    """The same numbers written otherwise take _read: separators, spaces, Unicode digits,
    no "+", a second "+", a newline."""
    for digits in ("4915123935557", "447400123456", "12015550123", "5491121208840"):
        text = "+" + digits
        assert _fast_match(text)
        arabic = "".join(chr(0x660 + int(d)) for d in digits)
        fullwidth = "".join(chr(0xFF10 + int(d)) for d in digits)
        for other in (digits, " " + text, text + " ", text + "\n", f"+{digits[:2]} {digits[2:]}",
                      "+" + arabic, "+" + fullwidth, "++" + digits, text[:5] + "-" + text[5:],
                      text[:-1] + "x", "+" + digits[:3] + arabic[3:], text[:-1] + fullwidth[-1]):
            assert not _fast_match(other), other
            assert _fields(read_number(other)) == _fields(_read(other, False)), other


def test_latest_reading_is_never_another_texts(plus_texts):
    """Calls in a seeded random order, each text read one to three times in a row and
    interleaved with others (valid and not, with and without "+", equal strings that are
    other objects): every reading is the text's own."""
    rng = random.Random(SEED)
    pool = rng.sample(plus_texts, 3000)
    pool += [text[1:] for text in pool[:300]] + [" " + text for text in pool[:300]]
    expected = {text: _fields(_read(text, False)) for text in pool}
    read_number.cache_clear()
    previous = None
    for _ in range(20_000):
        text = rng.choice(pool) if previous is None or rng.random() < 0.6 else previous
        if rng.random() < 0.3:
            text = "".join(list(text))  # an equal string, another object
        for _ in range(rng.randint(1, 3)):
            assert _fields(read_number(text)) == expected[text], text
        if rng.random() < 0.2:
            other = rng.choice(pool)
            assert _fields(read_number(other)) == expected[other], other
        previous = text
        if rng.random() < 0.001:
            read_number.cache_clear()


def test_same_text_twice_is_the_same_reading():
    read_number.cache_clear()
    for text in ("+4915123935557", "+4407911123456", "4915123935557", "+49 151 23935557", "", "+",
                 "+12015550123", "+447911123456"):
        first = read_number(text)
        assert read_number(text) is first
        assert read_number("".join(list(text))) == first
        assert read_number.__wrapped__(text) == first


def test_wrapped_and_cache_clear():
    """``read_number.__wrapped__`` (rules/audience.py reads long lists with it) neither uses
    nor fills the latest reading or the cache; ``cache_clear()`` forgets both."""
    read_number.cache_clear()
    assert phone._read_cached.cache_info().currsize == 0
    latest = read_number("+4915123935557")
    for text in ("+4915123935558", "+44 7911 123456", "not a number"):
        assert read_number.__wrapped__(text) == _read(text, False)
    assert phone._LATEST is latest
    assert phone._read_cached.cache_info().currsize == 0
    read_number("+44 7911 123456")
    assert phone._read_cached.cache_info().currsize == 1
    read_number.cache_clear()
    assert phone._LATEST is phone._NOTHING
    assert phone._read_cached.cache_info().currsize == 0
    assert read_number("+4915123935557") == latest


def _national_prefixes() -> list[tuple[str, str | None]]:
    """Every national prefix pattern of the metadata with its transformation rule, and made-up
    ones for the corners no region has today: an empty match that sets the last group, groups
    that may or may not take part, an empty first match where a longer one exists."""
    found = {("()", "1"), ("(1)?", "9"), ("(?:(1)|2)?", "9"), ("0?(?:(11)15)?", "9\\1"), ("(8)?", None),
             ("0|80?", None), ("(?:(0)|)", "5"), ("(?:|0)", None), ("0??", None), ("(?:|(0))", "5")}
    for region in phonenumbers.SUPPORTED_REGIONS:
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata.national_prefix_for_parsing:
            found.add((metadata.national_prefix_for_parsing, metadata.national_prefix_transform_rule))
    return sorted(found, key=str)


@pytest.mark.parametrize(("prefix", "transform"), _national_prefixes())
def test_prefix_guard_holds_exactly_when_the_fast_path_keeps_the_nsn(prefix, transform):
    """``_CallingCode._prefix_guard`` (a lookahead in the regex) against what _validate_fast
    does with the same national prefix: a plain prefix must not start the NSN; a pattern's first
    match must be empty and, with a transformation rule, leave its last group out."""
    code = phone._CallingCode.__new__(phone._CallingCode)
    code.code, code.transform = 999, transform
    code.literal = prefix if prefix.isascii() and prefix.isdigit() else None
    code.prefix = re.compile(prefix).match if code.literal is None else None
    guard = code._prefix_guard("\\+999")
    if guard is phone._UNSURE:
        pytest.skip("not expressible in the regex: left to phonenumbers")
    regex = re.compile(f"\\+999{guard}\\d*", re.ASCII)
    rng = random.Random(SEED)
    nsns = {"".join(digits) for length in range(4)
            for digits in itertools.product("01589", repeat=length)}
    nsns |= {_random(rng, rng.randint(0, 12)) for _ in range(300)}
    nsns |= {_sample(prefix, rng) + _random(rng, rng.randint(0, 10)) for _ in range(300)}
    for nsn in sorted(nsns):
        if code.literal is not None:
            kept = not nsn.startswith(code.literal)
        else:
            match = code.prefix(nsn)
            kept = match is None or code.unchanged_by_prefix(match)
        assert (regex.fullmatch("+999" + nsn) is not None) == kept, nsn


def test_shared_code_alternatives_decide_like_valid():
    """``_CallingCode._clauses`` (one alternative per region) against ``_CallingCode.valid``
    (region_code_for_number's walk) for made-up codes shared by real regions, in random orders,
    with leading digits that overlap: a region with leading digits decides for the numbers they
    match, even when a later region would take them; one without decides when it finds the
    number valid; a region without metadata is passed over."""
    rng = random.Random(SEED)
    names = ("RU", "KZ", "US", "CA", "GB", "GG", "JE", "FR", "ES", "UA")
    regions = {name: phone._Region(PhoneMetadata.metadata_for_region(name)) for name in names}
    leadings = (None, None, None, "[3489]", "7", "8", "[2-9]", "44|7[0-4]", "1", "2|3[0-5]")
    for _ in range(60):
        code = phone._CallingCode.__new__(phone._CallingCode)
        chosen = rng.sample(names, rng.randint(2, 4))
        code.regions = [phone._SKIP if rng.random() < 0.1 else
                        ((re.compile(leading).match if (leading := rng.choice(leadings)) else None),
                         regions[name]) for name in chosen]
        code.names = chosen
        for length in (9, 10):
            pattern = re.compile(f"(?:{'|'.join(code._clauses(length)) or '(?!)'})", re.ASCII)
            nsns = {_random(rng, length) for _ in range(200)}
            for name in chosen:
                metadata = regions[name].metadata
                for attribute in ("general_desc", *TYPES.values()):
                    desc = getattr(metadata, attribute)
                    if desc is not None and desc.national_number_pattern:
                        nsns |= {_sample(desc.national_number_pattern, rng) for _ in range(20)}
            for nsn in sorted(n for n in nsns if len(n) == length):
                verdict = code.valid(nsn)
                assert verdict is not phone._UNSURE
                assert (pattern.fullmatch(nsn) is not None) == verdict, (chosen, nsn)


def test_shared_code_regex_widens_as_regions_are_loaded():
    """A shared code's regex covers the regions loaded so far (+1 has 25; a campaign mostly
    reaches the first): a number of a later region takes the careful path, which loads the
    regions up to it, and the regex compiled next covers them too."""
    entry = phone._CallingCode(1)  # a fresh one: no region loaded
    tests = entry.fast_tests()
    us = "+1" + phonenumbers.national_significant_number(
        phonenumbers.example_number_for_type("US", PhoneNumberType.MOBILE))
    ca = "+1" + phonenumbers.national_significant_number(
        phonenumbers.example_number_for_type("CA", PhoneNumberType.MOBILE))
    assert len(us) == len(ca)
    assert tests[len(us)](us) is not None  # the United States come first
    assert tests[len(ca)](ca) is None  # Canada is not loaded yet
    assert sum(region is not None for region in entry.regions) == 1
    assert entry.valid(ca[2:]) is True  # the careful path walks on to Canada
    assert tests[len(ca)](ca) is not None
    assert tests[len(us)](us) is not None
    assert entry.valid("9" * 10) is False  # and to the end of the list
    assert all(region is not None for region in entry.regions)
    for text in (us, ca):
        assert tests[len(text)](text) is not None
