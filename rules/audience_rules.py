"""WA606–WA609 — campaign: the sender's own data about who may be messaged.

Each of these needs something only the sender knows — an opt-out list, when each contact
last wrote in, whether the sending number is a test number, the sending number itself — from
the settings (``suppression-list``, ``contacts`` and ``send-at``, ``test-sender-allow-list``,
``sender-number``; see ``rules.audience`` for the file formats). Without the setting a rule is
silent. Each is a pure function of one payload and that data, so it runs in the stream.

Recipients are compared in E.164 (``+49 151 23456789`` is ``+4915123456789``); a ``to`` that is
not a valid number (WA301) or a group is not checked.

Facts: Meta, "Send messages" — customer service window and phone number formats
(https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages);
error codes 131021, 131047, 131050 and 131030 (the facts file §1; 131030 is observed, not on
Meta's current page); checks 4–6 and 27.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field

from validator.message import STATUS_UPDATE
from validator.rule import Problem, Rule, RuleOptions

from ._template_payload import label, template_plan
from .audience import (
    WINDOW,
    allow_list_for,
    contacts_for,
    e164,
    in_service_window,
    recipient_key,
    send_time_for,
    sender_for,
    suppression_for,
)

__all__ = ["OutsideServiceWindow", "RecipientIsSender", "RecipientNotAllowed",
           "RecipientSuppressed"]

_CONTACTS_EXAMPLE = ("phone,last_inbound_at\n"
                     "+49 151 23456789,2025-05-01T09:00:00+02:00\n"
                     "+4915123456780,2025-05-02T08:00:00+02:00\n")


class RecipientSuppressed(Rule):
    """The recipient is on the suppression (opt-out) list.

    **What it does**
    Reads the ``suppression-list`` file (plain text, one number a line with ``#`` comments,
    or CSV with a ``phone`` column) and reports every message whose ``to`` is on it, in
    E.164, so ``+49 151 23456789`` on the list matches ``"to": "+4915123456789"``.
    Silent when no suppression list is configured.

    **Why is this bad?**
    A user who stopped marketing messages from the business is refused by the API: a
    MARKETING template to them fails with 131050 ("do not retry"). The finding predicts
    131050 when the registry says the template is MARKETING. For any other message —
    utility or authentication templates, service messages — the API may well deliver it,
    but the person asked not to be messaged: WhatsApp's Business Messaging Policy requires
    honouring opt-out requests, and such messages are what gets a number blocked and
    reported. Still an error, with no API code (``api_error`` null); set the severity to
    warning if your list holds only marketing opt-outs.

    **Example**
    With ``suppression-list = "optouts.txt"``, a file holding ``+49 151 23456789  # asked to
    stop, 2025-03-02``:
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```

    **Use instead**
    Drop the opted-out recipient from the audience:
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456780", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    code = "WA606"
    name = "recipient-opted-out"
    needs_settings = ("suppression_list",)
    api_error = 131050
    example_settings: dict[str, Any] = {"suppression_list": "optouts.txt"}
    example_files = {"optouts.txt": "+49 151 23456789  # asked to stop, 2025-03-02\n"}

    def check(self, payload, ctx):
        found = suppression_for(ctx)
        if found is None:
            return
        key = recipient_key(payload)
        if key is None or key not in found[0]:
            return
        plan = template_plan(payload, ctx) if ctx.message.kind == "template" else None
        if plan is not None and plan[1].category == "MARKETING":
            yield Problem("to", f"{e164(key)} is on the suppression list {found[1]} and "
                                f"{label(plan[1])} is a MARKETING template: the user stopped "
                                "marketing messages; the API refuses it (131050)")
            return
        yield Problem("to", f"{e164(key)} is on the suppression list {found[1]}: the person "
                            "opted out; do not message them", None)


class WindowOptions(RuleOptions):
    #: Close the window this many minutes early: a campaign takes time to send.
    margin_minutes: int = Field(0, ge=0, le=24 * 60)
    #: ``report`` a non-template message to a number the contacts file does not list (no
    #: inbound message on record, so no open window), or ``ignore`` such numbers.
    unknown_contacts: Literal["report", "ignore"] = "report"


class OutsideServiceWindow(Rule):
    """A non-template message to a contact whose 24-hour service window is closed.

    **What it does**
    Reads the ``contacts`` file (CSV: ``phone,last_inbound_at``, times in ISO 8601 with a
    zone) and, for every message that is not a template, compares the contact's last inbound
    message with ``send-at`` (default: now). More than 24 hours before is outside the
    window; exactly 24 hours is still inside, as Meta words 131047 ("more than 24 hours");
    ``margin_minutes`` closes the window earlier, for a campaign that takes a while to send.
    A contact listed with an empty time never wrote in; a number the file does not list has
    no inbound message on record either, and is reported too unless
    ``unknown_contacts = "ignore"``. Silent when no contacts file is configured.

    **Why is this bad?**
    Outside the customer service window only templates may be sent. A text, media,
    interactive or any other service message fails with 131047 (re-engagement message):
    the user must be re-engaged with an approved template first.

    **Example**
    With ``contacts = "contacts.csv"`` and ``send-at = "2025-05-02T10:00:00+02:00"``, the file
    saying ``+49 151 23456789`` last wrote at ``2025-05-01T09:00:00+02:00`` (25 hours before):
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "text", "text": {"body": "Still interested?"}}
    ```

    **Use instead**
    A template for that contact; free-form messages only to contacts who wrote in the last
    24 hours (``+4915123456780`` wrote at 08:00 the same day):
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    {"messaging_product": "whatsapp", "to": "+4915123456780", "type": "text", "text": {"body": "Still interested?"}}
    ```
    """

    code = "WA607"
    name = "outside-service-window"
    needs_settings = ("contacts",)
    api_error = 131047
    Options = WindowOptions
    example_settings: dict[str, Any] = {"contacts": "contacts.csv",
                                        "send_at": "2025-05-02T10:00:00+02:00"}
    example_files = {"contacts.csv": _CONTACTS_EXAMPLE}

    def check(self, payload, ctx):
        kind = ctx.message.kind
        if kind in ("template", STATUS_UPDATE):
            return
        contacts = contacts_for(ctx)
        if contacts is None:
            return
        key = recipient_key(payload)
        if key is None:
            return
        at = send_time_for(ctx)
        margin = timedelta(minutes=self.options.margin_minutes)
        if in_service_window(contacts, key, at, margin):
            return
        last = contacts.get(key)
        if last is None:
            if self.options.unknown_contacts == "ignore":
                return
            why = f"{contacts.source} has no inbound message on record for {e164(key)}"
        else:
            age = contacts.window_age(key, at)
            if age is None:
                why = f"{e164(key)} never wrote in ({contacts.source})"
            else:
                limit = WINDOW - margin
                why = (f"{e164(key)} last wrote {_duration(age)} before send-at "
                       f"{at.isoformat()}, more than {_duration(limit)}")
        yield Problem("type", f"{why}: the customer service window is closed and only a "
                              f"template may be sent, not a {kind} message")


def _duration(value: timedelta) -> str:
    """``24 h 1 s``, ``23 h 40 min``; fractions of a second are kept (they decide the boundary)."""
    micros = abs(value // timedelta(microseconds=1))
    sign = "-" if value < timedelta(0) else ""
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    text = f"{hours} h" + (f" {minutes} min" if minutes else "")
    if rest:
        text += " " + f"{rest / 1_000_000:.6f}".rstrip("0").rstrip(".") + " s"
    return sign + text


class RecipientNotAllowed(Rule):
    """A test number messages someone outside its allowed recipients.

    **What it does**
    When ``test-sender-allow-list`` is set, the sending number is a test (public test)
    number, and every ``to`` must be one of those numbers (compared in E.164). Silent when
    the list is empty.

    **Why is this bad?**
    A test number can only message the recipients added to its allowed list in the App
    Dashboard (at most five); anyone else is refused with 131030 ("Recipient phone number
    not in allowed list"). Send production campaigns from a registered business number.

    **Example**
    With ``test-sender-allow-list = ["+4915123456780"]``:
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456780", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    code = "WA608"
    name = "recipient-not-allowed"
    needs_settings = ("test_sender_allow_list",)
    api_error = 131030
    example_settings: dict[str, Any] = {"test_sender_allow_list": ["+4915123456780"]}

    def check(self, payload, ctx):
        allowed = allow_list_for(ctx)
        if allowed is None:
            return
        key = recipient_key(payload)
        if key is not None and key not in allowed:
            yield Problem("to", f"{e164(key)} is not on the test number's allowed list "
                                f"({len(allowed)} number{'s' if len(allowed) != 1 else ''}): "
                                "a test number can only message the recipients added to it")


class RecipientIsSender(Rule):
    """The message is addressed to the sending business number itself.

    **What it does**
    Compares ``to`` with the ``sender-number`` setting in E.164, so ``+49 151 23456789``
    matches ``+4915123456789``. Silent when no sender number is configured.

    **Why is this bad?**
    A business number cannot message itself: the API refuses with 131021 ("Recipient cannot
    be sender"). It usually means the sender's own number slipped into the audience export
    (a test row, or the company's contact card).

    **Example**
    With ``sender-number = "+4915123456789"``:
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+49 151 23456789", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+4915123456780", "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    ```
    """

    code = "WA609"
    name = "recipient-is-sender"
    needs_settings = ("sender_number",)
    api_error = 131021
    example_settings: dict[str, Any] = {"sender_number": "+4915123456789"}

    def check(self, payload, ctx):
        sender = sender_for(ctx)
        if sender is None:
            return
        key = recipient_key(payload)
        if key == sender:
            yield Problem("to", f"{payload.get('to')!r} is the sending business number "
                                f"{e164(sender)}: a number cannot message itself")
