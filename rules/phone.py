"""Read a recipient number the way the Cloud API reads ``to``.

Meta accepts ``+``, hyphens, parentheses and spaces in ``to`` and strongly recommends the
plus sign with the country calling code; without ``+`` the API prepends the *sending*
number's country code, which can misdeliver (Meta, "Send messages", WhatsApp user phone
number formats:
https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages).
Meta's own examples nevertheless write ``16505551234``, so a number without ``+`` is read
as international digits (the reading Meta's examples rely on) and flagged as a risk, not
rejected.

Campaigns repeat few numbers but parse many, and phonenumbers costs tens of microseconds a
parse, so readings are cached by the exact input string. Caching does not help a campaign of
distinct recipients, so the common case, ``+`` and ASCII digits, has a fast path (see
``_validate_fast``) that mirrors what ``phonenumbers.parse`` + ``is_valid_number`` do for E.164
input, answers only when it is sure and otherwise defers to phonenumbers itself.
``tests/test_phone_fast_path.py`` compares the two readings over every region's numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneNumber,
    PhoneNumberFormat,
    ValidationResult,
)
from phonenumbers.phonemetadata import PhoneMetadata

__all__ = ["NumberReading", "read_number"]

_SEPARATORS = frozenset(" -().")
_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "unknown country calling code",
    ValidationResult.TOO_SHORT: "too short",
    ValidationResult.TOO_LONG: "too long",
    ValidationResult.INVALID_LENGTH: "wrong length for its country",
}

_PARSE_ERRORS = {
    NumberParseException.NOT_A_NUMBER: "not a number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}


class NumberReading(NamedTuple):
    """What a ``to`` value means: its E.164 form, or why it has none. (A named tuple: one
    is made for every distinct recipient of a campaign, and a tuple is quick to make.)"""

    text: str
    e164: str | None
    has_plus: bool
    problem: str | None = None
    suggestion: str | None = None

    @property
    def valid(self) -> bool:
        return self.e164 is not None

    @property
    def canonical(self) -> bool:
        """Written exactly as E.164 (``+`` and digits only)."""
        return self.e164 is not None and self.text == self.e164


@lru_cache(maxsize=65536)
def read_number(text: str) -> NumberReading:
    """Read one recipient number; never raises."""
    return _read(text, True)


def _read(text: str, fast: bool) -> NumberReading:
    """``read_number`` without the cache; ``fast=False`` is phonenumbers alone (the reference
    the differential test and the benchmark compare the fast path with)."""
    has_plus = text[:1] == "+"
    digits = text[1:] if has_plus else text
    # ``+`` and 1-15 ASCII digits, nothing else, is the shape almost every campaign uses; for
    # it the general reading below would find the same has_plus and digits, only slower.
    if not (fast and len(digits) <= 15 and digits.isascii() and digits.isdigit()):
        stripped = text.strip()
        has_plus = stripped.startswith("+")
        body = stripped[1:] if has_plus else stripped
        stray = next((c for c in body if not (c.isdigit() or c in _SEPARATORS)), None)
        if stray is not None:
            return NumberReading(text, None, has_plus, f"contains {stray!r}")
        digits = "".join(c for c in body if c.isdigit())
        if not digits:
            return NumberReading(text, None, has_plus, "has no digits")
        if len(digits) > 15:
            return NumberReading(text, None, has_plus, f"has {len(digits)} digits; E.164 allows 15")
    validate = _validate if fast else _validate_slow
    e164, problem = validate(digits)
    if e164 == "+" + digits:
        return NumberReading(text, e164, has_plus)
    if e164 is not None:
        # libphonenumber silently drops a national trunk prefix (+44 07911 → +44 7911);
        # the API does not, so the number as written is not the number meant.
        return NumberReading(text, None, has_plus, "national trunk prefix after the country code", e164)
    return NumberReading(text, None, has_plus, problem, _without_trunk_zero(digits, validate))


def _validate(digits: str) -> tuple[str | None, str]:
    """E.164 form of ``+digits`` (None if invalid) and the problem when invalid."""
    answer = _validate_fast(digits)
    return _validate_slow(digits) if answer is None else answer


def _validate_slow(digits: str) -> tuple[str | None, str]:
    try:
        number = phonenumbers.parse("+" + digits, None)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            return None, "unknown country calling code"
        return None, _PARSE_ERRORS.get(exc.error_type, "cannot be parsed")
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164), ""
    reason = phonenumbers.is_possible_number_with_reason(number)
    return None, _REASONS.get(reason, "not a valid number for its country")


def _without_trunk_zero(digits: str, validate=_validate) -> str | None:
    """``+44 07911 123456``: a national trunk 0 kept after the country code. If dropping a
    single 0 right after a country code makes the number valid, that is what was meant."""
    for cc_length in (1, 2, 3):
        if digits[cc_length:cc_length + 1] == "0":
            e164, _ = validate(digits[:cc_length] + digits[cc_length + 1:])
            if e164 is not None:
                return e164
    return None


# --------------------------------------------------------------------------------------------
# The fast path.
#
# For ``+<digits>`` phonenumbers (checked against 9.0.x: parse, _maybe_extract_country_code,
# _extract_country_code, _maybe_strip_national_prefix_carrier_code, is_valid_number,
# region_code_for_number, _number_type_helper, is_possible_number_with_reason) does this:
#   * fewer than 3 digits: "not a number" / "too short"                    → left to phonenumbers
#   * the country calling code is the first 1-3 digits that are a known code (none if the
#     first digit is 0)                                                    → "unknown country calling code"
#   * national significant number (NSN) shorter than 2 digits             → "too short"
#   * the main region's national_prefix_for_parsing is tried on the NSN; if it can change the
#     NSN (this is what turns +44 07911… into +44 7911…)                   → left to phonenumbers
#     (a non-match, or an empty match with no transformation, leaves it unchanged)
#   * leading zeros are kept (italian_leading_zero), so the E.164 form is "+" + digits
#   * the region: the only one for the code, else the first of its regions whose
#     leading_digits match the start of the NSN or, without leading_digits, for which the
#     number is valid
#   * valid in that region: the general description matches (its possible lengths honoured)
#     and so does one of premium rate, toll free, shared cost, VoIP, personal, pager, UAN,
#     voicemail, fixed line, or mobile (when its pattern differs from fixed line), each with
#     its own possible lengths
#   * invalid: the reason from the main region's possible lengths (depends on length only).
# The type check is one regex per (region, NSN length): the general pattern as a lookahead,
# then the alternation of the type patterns whose possible lengths include that length. It is
# compiled on first use; nothing is built at import.

_FAST_MIN_DIGITS = 3
# Alternation order does not change what a full match accepts; the commonest types go first.
_TYPE_ATTRIBUTES = ("fixed_line", "premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
                    "pager", "uan", "voicemail")
# A pattern using any of these would not combine safely (groups are renumbered, anchors and
# flags change meaning); the metadata uses none today, and a region that did would be left to
# phonenumbers.
_UNSAFE_PATTERN = r"\\[1-9]|\(\?[^:]|[$^]"  # compiled (by re's cache) on first use
_UNSURE = object()  # "ask phonenumbers"
_SKIP = object()  # a region without metadata, which region_code_for_number passes over


class _Region:
    """Validity of an NSN in one region: one compiled pattern per NSN length."""

    __slots__ = ("by_length", "metadata")

    def __init__(self, metadata) -> None:
        self.metadata = metadata
        # length → compiled pattern, None (no number of this length is valid) or _UNSURE
        self.by_length: dict[int, object] = {}

    def valid(self, nsn: str):
        """True or False, or _UNSURE."""
        try:
            pattern = self.by_length[len(nsn)]
        except KeyError:
            pattern = self.compile(len(nsn))
        if pattern is None:
            return False
        if pattern is _UNSURE:
            return _UNSURE
        return pattern.fullmatch(nsn) is not None

    def compile(self, length: int):
        """The pattern for NSNs of ``length`` (cached): ``_number_type_helper(...) != UNKNOWN``."""
        pattern = self.by_length[length] = self._combine(length)
        return pattern

    def _combine(self, length: int):
        metadata = self.metadata
        general = metadata.general_desc
        if general is None or not general.national_number_pattern:
            return None
        if general.possible_length and length not in general.possible_length:
            return None
        descs = [getattr(metadata, name) for name in _TYPE_ATTRIBUTES]
        if not metadata.same_mobile_and_fixed_line_pattern:
            descs.insert(0, metadata.mobile)
        alternatives: list[str] = []
        for desc in descs:
            if desc is None or not desc.national_number_pattern:
                continue
            if desc.possible_length and length not in desc.possible_length:
                continue
            if desc.national_number_pattern not in alternatives:
                alternatives.append(desc.national_number_pattern)
        if not alternatives:
            return None
        if any(re.search(_UNSAFE_PATTERN, p) for p in (general.national_number_pattern, *alternatives)):
            return _UNSURE
        # The general description as a lookahead that must reach the end, then any type.
        types = "|".join(f"(?:{pattern})" for pattern in alternatives)
        combined = f"(?=(?:{general.national_number_pattern})\\Z)(?:{types})"
        try:
            return re.compile(combined)
        except re.error:  # pragma: no cover - metadata patterns are plain regexes
            return _UNSURE


class _CallingCode:
    """What the fast path needs to know about one country calling code."""

    __slots__ = ("code", "literal", "names", "prefix", "reasons", "regions", "single", "transform")

    def __init__(self, code: int) -> None:
        self.code = code
        # parse(): the metadata of the code's main region decides national prefix stripping.
        main = phonenumbers.region_code_for_country_code(code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, main)
        if metadata is None:
            raise LookupError(code)
        prefix = metadata.national_prefix_for_parsing or None
        # Most regions' prefix is a plain "0": it matches (non-empty) exactly when the NSN
        # starts with it, and a startswith is cheaper than a regex.
        self.literal = prefix if prefix is not None and prefix.isascii() and prefix.isdigit() else None
        self.prefix = re.compile(prefix).match if prefix is not None and self.literal is None else None
        self.transform = metadata.national_prefix_transform_rule
        # is_valid_number(): the region as region_code_for_number picks it, then
        # is_valid_number_for_region. A code shared by several regions loads each region's
        # metadata only when a number gets that far down the list, as phonenumbers does.
        self.names = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
        self.regions: list[object] = [None] * len(self.names)  # (leading match, _Region) or _SKIP
        self.single = self._region(0)[1] if len(self.names) == 1 else None
        self.reasons: dict[int, str] = {}

    def _region(self, index: int):
        """The index-th region of the code: (leading-digits match or None, _Region), or _SKIP."""
        entry = self.regions[index]
        if entry is not None:
            return entry
        name, shared = self.names[index], len(self.names) > 1
        if shared:
            metadata = PhoneMetadata.metadata_for_region(name.upper(), None)
            if metadata is None:  # region_code_for_number skips it
                self.regions[index] = _SKIP
                return _SKIP
        else:
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(self.code, name.upper())
        if metadata is None or (name != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
                                and metadata.country_code != self.code):
            raise LookupError(self.code)  # is_valid_number_for_region's own refusal; not seen
        leading = metadata.leading_digits if shared else None
        entry = self.regions[index] = (re.compile(leading).match if leading is not None else None,
                                       _Region(metadata))
        return entry

    def unchanged_by_prefix(self, match) -> bool:
        """Sure that stripping the national prefix ``match``ed leaves the NSN as it is."""
        if match.end():
            return False
        # An empty match removes nothing, unless a transformation rule rewrites the number.
        if not self.transform:
            return True
        groups = match.groups()
        return bool(groups) and groups[-1] is None

    def valid(self, nsn: str):
        """True or False, or _UNSURE, for a code shared by several regions."""
        for index, entry in enumerate(self.regions):
            if entry is None:
                try:
                    entry = self._region(index)
                except (LookupError, re.error):
                    return _UNSURE
            if entry is _SKIP:
                continue
            leading, region = entry
            if leading is not None:
                if leading(nsn):
                    return region.valid(nsn)
            else:
                verdict = region.valid(nsn)
                if verdict is not False:
                    return verdict
        return False

    def reason(self, nsn: str) -> str:
        """Why an invalid number is invalid: is_possible_number_with_reason, which depends on
        the code and the NSN's length only."""
        length = len(nsn)
        try:
            return self.reasons[length]
        except KeyError:
            probe = PhoneNumber(country_code=self.code, national_number=int("1" * length))
            result = phonenumbers.is_possible_number_with_reason(probe)
            reason = self.reasons[length] = _REASONS.get(result, "not a valid number for its country")
            return reason


_CODE_BY_PREFIX: dict[str, int] | None = None  # "44" → 44, built on first use
_CALLING_CODES: dict[int, object] = {}  # code → _CallingCode or _UNSURE, built on first use


def _calling_code(code: int):
    try:
        entry = _CallingCode(code)
    except (LookupError, re.error):
        entry = _UNSURE
    _CALLING_CODES[code] = entry
    return entry


def _validate_fast(digits: str) -> tuple[str | None, str] | None:
    """``_validate_slow``'s answer for ``+digits``, or None when not sure."""
    if not _FAST_MIN_DIGITS <= len(digits) <= 15 or not (digits.isascii() and digits.isdigit()):
        return None
    global _CODE_BY_PREFIX
    codes = _CODE_BY_PREFIX
    if codes is None:
        codes = _CODE_BY_PREFIX = {str(code): code for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}
    if digits[0] == "0":  # country calling codes never start with 0
        return None, "unknown country calling code"
    if (code := codes.get(digits[:1])) is not None:
        nsn = digits[1:]
    elif (code := codes.get(digits[:2])) is not None:
        nsn = digits[2:]
    elif (code := codes.get(digits[:3])) is not None:
        nsn = digits[3:]
    else:
        return None, "unknown country calling code"
    if len(nsn) < 2:
        return None, "too short"
    entry = _CALLING_CODES.get(code) or _calling_code(code)
    if entry is _UNSURE:
        return None
    # phonenumbers may strip a national prefix here (+44 07911… → +44 7911…): let it.
    if entry.literal is not None:
        if nsn.startswith(entry.literal):
            return None
    elif entry.prefix is not None:
        match = entry.prefix(nsn)
        if match is not None and not entry.unchanged_by_prefix(match):
            return None
    region = entry.single
    if region is not None:
        try:
            pattern = region.by_length[len(nsn)]
        except KeyError:
            pattern = region.compile(len(nsn))
        if pattern is None:
            verdict = False
        elif pattern is _UNSURE:
            return None
        else:
            verdict = pattern.fullmatch(nsn) is not None
    else:
        verdict = entry.valid(nsn)
        if verdict is _UNSURE:
            return None
    if verdict:
        return "+" + digits, ""
    return None, entry.reason(nsn)
