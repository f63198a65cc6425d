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
parse, so readings are cached by the exact input string.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

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


@dataclass(frozen=True, slots=True)
class NumberReading:
    """What a ``to`` value means: its E.164 form, or why it has none."""

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
    e164, problem = _validate("+" + digits)
    if e164 == "+" + digits:
        return NumberReading(text, e164, has_plus)
    if e164 is not None:
        # libphonenumber silently drops a national trunk prefix (+44 07911 → +44 7911);
        # the API does not, so the number as written is not the number meant.
        return NumberReading(text, None, has_plus, "national trunk prefix after the country code", e164)
    return NumberReading(text, None, has_plus, problem, _without_trunk_zero(digits))


def _validate(candidate: str) -> tuple[str | None, str]:
    try:
        number = phonenumbers.parse(candidate, None)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            return None, "unknown country calling code"
        return None, _PARSE_ERRORS.get(exc.error_type, "cannot be parsed")
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164), ""
    reason = phonenumbers.is_possible_number_with_reason(number)
    return None, _REASONS.get(reason, "not a valid number for its country")


def _without_trunk_zero(digits: str) -> str | None:
    """``+44 07911 123456``: a national trunk 0 kept after the country code. If dropping a
    single 0 right after a country code makes the number valid, that is what was meant."""
    for cc_length in (1, 2, 3):
        if digits[cc_length:cc_length + 1] == "0":
            e164, _ = _validate("+" + digits[:cc_length] + digits[cc_length + 1:])
            if e164 is not None:
                return e164
    return None
