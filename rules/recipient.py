"""WA3xx — recipients: is ``to`` a number the API will deliver to the intended person?

Facts: Meta, "Send messages" → WhatsApp user phone number formats
(https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages);
error 131026 (message undeliverable) on Meta's error-codes page
(https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
"""

from __future__ import annotations

from validator.findings import Severity
from validator.rule import Problem, Rule

from .phone import read_number


def _phone_recipient(payload: dict) -> str | None:
    """The ``to`` value when it should be a phone number (not a group id), else None."""
    if payload.get("recipient_type") == "group":
        return None
    to = payload.get("to")
    return to if isinstance(to, str) and to else None


class RecipientInvalid(Rule):
    """`to` must be a valid international phone number.

    **What it does**
    Parses ``to`` with phonenumbers (Google's libphonenumber metadata) after removing the
    separators the API accepts (spaces, hyphens, parentheses). Letters, more than 15
    digits, an unknown country code or a length that no number of that country has are
    errors. A national trunk ``0`` kept after the country code (``+44 07911 123456``) is
    called out with the number that was probably meant. Group ids (``recipient_type:
    "group"``) are not phone numbers and are not checked.

    **Why is this bad?**
    Such a number reaches nobody, or the wrong person: the API accepts the request and the
    message fails later as 131026 (undeliverable), or the request is refused as an invalid
    parameter. A ``to`` that is not a string is refused outright (100).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+44 07911 123456", "text": {"body": "Hi"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "text": {"body": "Hi"}}
    ```
    """

    code = "WA301"
    name = "recipient-invalid"
    api_error = 131026

    def check(self, payload, ctx):
        to = payload.get("to")
        if to is not None and not isinstance(to, str):
            yield Problem("to", f"to must be a string, got {type(to).__name__} {to!r}", 100)
            return
        to = _phone_recipient(payload)
        if to is None:
            return
        reading = read_number(to)
        if reading.valid:
            return
        message = f"{to!r} is not a valid phone number: {reading.problem}"
        if reading.suggestion:
            message += f" (drop the national 0: {reading.suggestion})"
        elif not reading.has_plus:
            message += "; without '+' the API prepends the sender's country code"
        yield Problem("to", message)


class RecipientNotE164(Rule):
    """`to` should be written in E.164: `+`, country code, digits, nothing else.

    **What it does**
    Reports valid numbers written with spaces, hyphens, parentheses or dots, and shows the
    E.164 form. Numbers without ``+`` are WA303's business.

    **Why is this bad?**
    The API accepts these separators, so nothing fails at send time; but the same person
    written two ways escapes duplicate and opt-out checks, and the response's ``wa_id``
    will not match what your database stored. A warning, so a team can choose.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+49 151 2345-6789", "text": {"body": "Hi"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "text": {"body": "Hi"}}
    ```
    """

    code = "WA302"
    name = "recipient-not-e164"
    severity = Severity.WARNING

    def check(self, payload, ctx):
        to = _phone_recipient(payload)
        if to is None:
            return
        reading = read_number(to)
        if reading.valid and reading.has_plus and not reading.canonical:
            yield Problem("to", f"{to!r} is not in E.164 form; write {reading.e164}")


class RecipientMissingPlus(Rule):
    """`to` should start with `+` and the country calling code.

    **What it does**
    Reports numbers written without ``+`` and shows the E.164 form walint read them as
    (international digits, the reading Meta's examples use).

    **Why is this bad?**
    Meta: if the plus sign is omitted, the *business phone number's* country calling code
    is prepended. For an Indian (+91) sender, ``1 (631) 555-1234`` becomes
    ``+9116315551234``: the message goes to someone else or nowhere (131026). Meta strongly
    recommends ``+`` with the country code.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "16505551234", "text": {"body": "Hi"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+16505551234", "text": {"body": "Hi"}}
    ```
    """

    code = "WA303"
    name = "recipient-missing-plus"
    severity = Severity.WARNING
    api_error = 131026

    def check(self, payload, ctx):
        to = _phone_recipient(payload)
        if to is None:
            return
        reading = read_number(to)
        if reading.valid and not reading.has_plus:
            yield Problem("to", f"{to!r} has no '+': the API prepends the sender's country "
                                f"code, which may misdeliver; write {reading.e164}")
