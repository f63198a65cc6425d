"""WA3xx — recipients: is ``to`` a number the API will deliver to the intended person?

Facts: Meta, "Send messages" → WhatsApp user phone number formats
(https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages);
error 131026 (message undeliverable) on Meta's error-codes page
(https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).

**A number without ``+``.** With the sender's country known (``--sender-country`` or
``--sender-number``), such a number is read as the API reads it: the sender's calling code
is prepended (``rules.dialing``). Its *API reading* is where the message would go; its
*international reading* (``+`` and the digits) is what the author usually meant. Findings
and fixes follow from the two:

=============  ===================  =====================================================
API reading    international        finding, fix
=============  ===================  =====================================================
valid          invalid              WA303 (warning): "sent to <API reading>"; **safe** fix
                                    to it — the only valid reading, and where the API
                                    sends the message anyway
valid          valid                WA303: "would be sent to <API>; if <international>
                                    was meant …"; no fix (which was meant is a guess)
invalid        valid                WA301 (error): "would be sent to <API>, not a valid
                                    number — probably meant <international>"; **unsafe**
                                    fix to the international reading
invalid        invalid              WA301; an unsafe fix only when dropping a national
                                    trunk 0 makes it valid
=============  ===================  =====================================================

Without the sender's country the API reading is unknown: a number without ``+`` is read
as international digits; WA303 warns with an **unsafe** fix (adding ``+`` changes where
the API sends it), WA301 reports it when that reading is invalid. A number with ``+`` and
separators (WA302) gets a **safe** fix to E.164: the API strips the separators itself. A
national trunk ``0`` after the country code (WA301) gets an unsafe fix without it.
"""

from __future__ import annotations

from collections.abc import Callable

from validator.findings import Severity
from validator.fix import Fix
from validator.rule import Problem, Rule

from .dialing import api_reading, pretty, sender_calling_code
from .phone import e164_of, read_number

_TO = ("to",)


def _phone_recipient(payload: dict) -> str | None:
    """The ``to`` value when it should be a phone number (not a group id), else None."""
    if payload.get("recipient_type") == "group":
        return None
    to = payload.get("to")
    return to if isinstance(to, str) and to else None


def recipient_validity(payload: dict, ctx) -> Callable[[str], bool] | None:
    """What the WA30x rules' verdicts depend on besides a line's skeleton (``Rule.cache_by``),
    which fixes whether ``to`` has a ``+``, its separators and its length: whether the
    number, as the API reads it, is valid. (A valid number written as ``+`` and digits is
    canonical, one with separators is not.)"""
    if payload.get("recipient_type") == "group":
        return None
    code = sender_calling_code(ctx.settings)
    if code is None:
        return _valid

    def valid_as_sent(to: str) -> bool:
        both = api_reading(to, code)
        return (both.api if both is not None else read_number(to)).valid

    return valid_as_sent


def _valid(to: str) -> bool:
    return e164_of(to) is not None


class RecipientInvalid(Rule):
    """`to` must be a valid international phone number.

    **What it does**
    Parses ``to`` with phonenumbers (Google's libphonenumber metadata) after removing the
    separators the API accepts (spaces, hyphens, parentheses). Letters, more than 15
    digits, an unknown country code or a length that no number of that country has are
    errors. A national trunk ``0`` kept after the country code (``+44 07911 123456``) is
    called out with the number that was probably meant. Group ids (``recipient_type:
    "group"``) are not phone numbers and are not checked.

    With the sender's country known (``--sender-country IN`` or ``--sender-number``), a
    number without ``+`` is judged as the API reads it — the sender's calling code
    prepended: from an Indian sender ``1 (631) 555-1234`` would be sent to
    ``+9116315551234``, which is no number; the finding names it and the number probably
    meant (``+1 631-555-1234``).

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

    **Fix**
    Unsafe (``--fix --unsafe-fixes``): the number probably meant — without the national
    ``0``, or, for a number without ``+`` that the API would misread, its international
    reading. Both change where the message goes, so a person should look first.
    """

    code = "WA301"
    cache_by = recipient_validity
    name = "recipient-invalid"
    api_error = 131026
    fixable = "unsafe"

    def check(self, payload, ctx):
        to = payload.get("to")
        if to is not None and not isinstance(to, str):
            yield Problem("to", f"to must be a string, got {type(to).__name__} {to!r}", 100)
            return
        to = _phone_recipient(payload)
        if to is None:
            return
        code = sender_calling_code(ctx.settings)
        both = api_reading(to, code) if code is not None else None
        if both is not None:
            if not both.api.valid:
                yield _misread(to, both)
            return
        reading = read_number(to)
        if reading.valid:
            return
        message = f"{to!r} is not a valid phone number: {reading.problem}"
        fix = None
        if reading.suggestion:
            message += f" (drop the national 0: {reading.suggestion})"
            fix = Fix.replace(_TO, reading.suggestion, f"write {reading.suggestion} (national 0 "
                              "dropped)", safe=False)
        elif not reading.has_plus:
            message += "; without '+' the API prepends the sender's country code"
        yield Problem("to", message, fix=fix)


def _misread(to: str, both) -> Problem:
    """WA301 for a number without ``+`` whose API reading is invalid."""
    api, meant = both.api, None
    reason = "" if (api.problem or "").startswith("not a valid number") else f" ({api.problem})"
    message = (f"{to!r} would be sent to {both.sent_to} (without '+' the API prepends the "
               f"sender's country code +{both.calling_code}), which is not a valid "
               f"number{reason}")
    if api.suggestion:
        meant = api.suggestion
    elif both.international.valid:
        meant = both.international.e164
    fix = None
    if meant is not None:
        message += f" — probably meant {pretty(meant)}; write {meant}"
        fix = Fix.replace(_TO, meant, f"write {meant} (probably meant; the API would have "
                          f"sent to {both.sent_to})", safe=False)
    return Problem("to", message, fix=fix)


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

    **Fix**
    Safe: ``to`` rewritten in E.164 (the API strips the same separators, so the message
    goes where it went before).
    """

    code = "WA302"
    cache_by = recipient_validity
    name = "recipient-not-e164"
    severity = Severity.WARNING
    fixable = "safe"

    def check(self, payload, ctx):
        to = _phone_recipient(payload)
        if to is None:
            return
        reading = read_number(to)
        if reading.valid and reading.has_plus and not reading.canonical:
            yield Problem("to", f"{to!r} is not in E.164 form; write {reading.e164}",
                          fix=Fix.replace(_TO, reading.e164, f"write {reading.e164}"))


class RecipientMissingPlus(Rule):
    """`to` should start with `+` and the country calling code.

    **What it does**
    Reports numbers written without ``+`` and shows the E.164 form walint read them as
    (international digits, the reading Meta's examples use). With the sender's country
    known (``--sender-country`` or ``--sender-number``) it reads them as the API does —
    the sender's calling code prepended — and names the number that would really be
    messaged; when that reading is not a valid number at all, WA301 reports it instead.

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

    **Fix**
    Safe only with the sender's country known and when the API's reading is the one valid
    reading of the digits (``(631) 555-1234`` from an Indian sender → ``+916315551234``,
    where the API would send it anyway). When the digits are also a valid international
    number, which one was meant is a guess: no fix. Without the sender's country, unsafe
    (``--unsafe-fixes``): ``+`` and the digits, which changes where the API sends it.
    """

    code = "WA303"
    cache_by = recipient_validity
    name = "recipient-missing-plus"
    severity = Severity.WARNING
    api_error = 131026
    fixable = "safe"

    def check(self, payload, ctx):
        to = _phone_recipient(payload)
        if to is None:
            return
        code = sender_calling_code(ctx.settings)
        both = api_reading(to, code) if code is not None else None
        if both is not None:
            api, meant = both.api, both.international
            if not api.valid:
                return  # WA301: the message would go nowhere
            if not meant.valid or meant.e164 == api.e164:
                yield Problem("to", f"{to!r} has no '+': the API prepends the sender's country "
                                    f"code +{both.calling_code} and sends it to "
                                    f"{pretty(api.e164)}; write {api.e164}",
                              fix=Fix.replace(_TO, api.e164, f"write {api.e164}"))
            else:
                yield Problem("to", f"{to!r} has no '+': it would be sent to {pretty(api.e164)} "
                                    f"(the sender's country code +{both.calling_code} is "
                                    f"prepended); if {pretty(meant.e164)} was meant, write "
                                    f"{meant.e164}, else write {api.e164}")
            return
        reading = read_number(to)
        if reading.valid and not reading.has_plus:
            yield Problem("to", f"{to!r} has no '+': the API prepends the sender's country "
                                f"code, which may misdeliver; write {reading.e164}",
                          fix=Fix.replace(_TO, reading.e164, f"write {reading.e164} (the digits "
                                          "read as an international number)", safe=False))
