"""Read a ``to`` written without ``+`` the way the Cloud API reads it: from the sender.

Meta ("Send messages" → WhatsApp user phone number formats, facts file §6): if the plus sign
is omitted, the *business phone number's* country calling code is prepended. Meta's example
for an Indian (+91) business: ``(631) 555-1234`` is sent to ``+916315551234`` and
``1 (631) 555-1234`` to ``+9116315551234`` — the code is prepended even when the digits
already start with one. walint follows that wording literally when it knows the sender's
country calling code (``--sender-country`` or ``--sender-number``); without it a number
without ``+`` is read as international digits (``rules.phone``) and only flagged as a risk.

Such a number then has two readings:

* the **API reading**, ``+<sender code><digits>`` — where the message would really go;
* the **international reading**, ``+<digits>`` — what the author usually meant when the
  digits start with a country code.

``rules.recipient`` turns the pair into findings and fixes (the policy is in its docs).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from validator.errors import ConfigError

from .phone import NumberReading, read_number

__all__ = ["ApiReading", "api_reading", "pretty", "sender_calling_code"]

_SEPARATORS = frozenset(" -().")


@dataclass(frozen=True, slots=True)
class ApiReading:
    """The two readings of a number written without ``+`` (see the module docs)."""

    calling_code: int
    api: NumberReading
    international: NumberReading

    @property
    def sent_to(self) -> str:
        """The number the API would message, valid or not (``+`` and digits)."""
        return self.api.e164 or self.api.text


def sender_calling_code(settings: Any) -> int | None:
    """The sending number's country calling code, from ``sender-number`` (what the API
    uses) or else ``sender-country``; None when the run names neither."""
    if settings is None:
        return None
    number = getattr(settings, "sender_number", None)
    country = getattr(settings, "sender_country", None)
    return _calling_code(number, country) if number or country else None


@lru_cache(maxsize=64)
def _calling_code(number: str | None, country: str | None) -> int | None:
    import phonenumbers  # here: most runs need none of it (rules.phone_cache)
    from phonenumbers import NumberParseException

    if number:
        try:
            return phonenumbers.parse(number, None).country_code
        except NumberParseException:
            raise ConfigError(f"sender-number {number!r} is not a phone number") from None
    if country:
        code = phonenumbers.country_code_for_region(country.upper())
        if not code:
            raise ConfigError(f"sender-country {country!r} is not a country with a calling "
                              "code (an ISO 3166 code such as IN or US)")
        return code
    return None


@lru_cache(maxsize=65536)
def api_reading(text: str, calling_code: int) -> ApiReading | None:
    """Both readings of ``text``, or None when it has ``+`` or is not made of digits and
    the separators the API accepts (``rules.phone`` reports those)."""
    stripped = text.strip()
    if stripped.startswith("+"):
        return None
    if any(not (c.isdigit() or c in _SEPARATORS) for c in stripped):
        return None
    digits = "".join(c for c in stripped if c.isdigit())
    if not digits or not digits.isascii():
        return None
    return ApiReading(calling_code, read_number(f"+{calling_code}{digits}"), read_number(text))


def pretty(e164: str) -> str:
    """``+916315551234`` → ``+91 63155 51234`` (international format), for messages."""
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberFormat

    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None),
                                          PhoneNumberFormat.INTERNATIONAL)
    except NumberParseException:
        return e164
