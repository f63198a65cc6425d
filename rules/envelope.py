"""WA1xx — the envelope every message shares: product, recipient, type and its object.

Source for the envelope: Meta, "Send messages"
(https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages)
and the OpenAPI ``BaseMessageProperties`` (facebook/openapi, business-messaging-api_v23.0.yaml).
"""

from __future__ import annotations

from validator.message import STATUS_UPDATE
from validator.rule import Problem, Rule

#: Top-level message types of ``POST /<PHONE_NUMBER_ID>/messages`` (OpenAPI ``type`` enum).
MESSAGE_TYPES = frozenset({
    "audio", "contacts", "document", "image", "interactive", "location", "reaction",
    "sticker", "template", "text", "video",
})


class MessagingProduct(Rule):
    """`messaging_product` must be present and equal to "whatsapp".

    **What it does**
    Checks the literal that every Cloud API request carries.

    **Why is this bad?**
    The field is required; without it the API answers 131008 (required parameter missing),
    with another value 100 (invalid parameter). Payloads copied from other channels
    (SMS, Messenger) often lack it.

    **Example**
    ```jsonl
    {"to": "+447911123456", "type": "text", "text": {"body": "Your code is 1234"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "text", "text": {"body": "Your code is 1234"}}
    ```
    """

    code = "WA101"
    name = "messaging-product"
    cacheable = True
    api_error = 131008

    def check(self, payload, ctx):
        value = payload.get("messaging_product")
        if value is None:
            yield Problem("messaging_product", 'messaging_product is missing (must be "whatsapp")')
        elif value != "whatsapp":
            yield Problem("messaging_product", f'messaging_product is {value!r}, must be "whatsapp"', 100)


class RecipientMissing(Rule):
    """A message must name its recipient: `to`, or a business-scoped user id in `recipient`.

    **What it does**
    Reports messages with neither a non-empty ``to`` nor a ``recipient``. Read receipts and
    typing indicators (``{"status": "read", "message_id": ...}``) need no recipient and are
    not checked.

    **Why is this bad?**
    The API cannot deliver a message without an addressee: 131008 (required parameter
    missing). Since 2026 Meta also accepts a business-scoped user id (BSUID, e.g.
    ``US.13491208655302741918``) in ``recipient`` instead of ``to``.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "type": "text", "text": {"body": "Hi"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "text", "text": {"body": "Hi"}}
    ```
    """

    code = "WA102"
    name = "recipient-missing"
    api_error = 131008
    cacheable = True

    def check(self, payload, ctx):
        if ctx.message.kind == STATUS_UPDATE:
            return
        to, recipient = payload.get("to"), payload.get("recipient")
        if (to is None or to == "") and not recipient:
            what = "to is empty" if to == "" else "no recipient: neither to nor recipient is given"
            yield Problem("to", what)


class ContentMissing(Rule):
    """The object named by `type` must be present (`text` when `type` is omitted).

    **What it does**
    Checks that a message of ``"type": "image"`` carries an ``image`` object, and so on.
    A message without ``type`` is a text message, as the API assumes, and needs ``text``.
    ``contacts`` is a list; every other content is an object.

    **Why is this bad?**
    Meta: "a property matching that type must be included". Without it the API answers
    131008 (required parameter missing). The usual cause is a typo in the key or a ``type``
    changed without moving the content.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "text": {"body": "Hi"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/photo.jpg"}}
    ```
    """

    code = "WA103"
    name = "content-missing"
    cacheable = True
    api_error = 131008

    def check(self, payload, ctx):
        kind = ctx.message.kind
        if kind not in MESSAGE_TYPES:
            return  # an unknown or status-update kind is another rule's business
        content = payload.get(kind)
        expected = list if kind == "contacts" else dict
        if content is None:
            yield Problem(kind, f'"type": "{kind}" needs a "{kind}" object, which is missing')
        elif not isinstance(content, expected):
            shape = "a list" if expected is list else "an object"
            yield Problem(kind, f"{kind} must be {shape}, got {type(content).__name__}", 100)


class RecipientType(Rule):
    """`recipient_type`, when given, must be "individual" or "group".

    **What it does**
    Checks the value of ``recipient_type``. It may be omitted: the API defaults to
    ``individual``. ``group`` addresses a group id of the Groups API in ``to``.

    **Why is this bad?**
    Any other value is an invalid parameter (100). ``"Individual"`` or ``"user"`` are
    common mistakes.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "recipient_type": "user", "to": "+447911123456", "text": {"body": "Hi"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+447911123456", "text": {"body": "Hi"}}
    ```
    """

    code = "WA104"
    name = "recipient-type"
    cacheable = True
    api_error = 100

    def check(self, payload, ctx):
        value = payload.get("recipient_type")
        if value is not None and value not in ("individual", "group"):
            yield Problem("recipient_type", f'recipient_type is {value!r}, must be "individual" or "group"')


class UnknownType(Rule):
    """`type` must be one of the Cloud API message types.

    **What it does**
    Checks ``type`` against the send API's message types: audio, contacts, document,
    image, interactive, location, reaction, sticker, template, text, video.

    **Why is this bad?**
    The API answers 131051 (unsupported message type). Typical causes: ``"type": "Text"``
    (types are lowercase), ``"button"`` (an *interactive* type), or a webhook's inbound
    type such as ``"button_reply"`` copied into an outbound payload.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "Text", "Text": {"body": "Hi"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "text", "text": {"body": "Hi"}}
    ```
    """

    code = "WA105"
    name = "unknown-type"
    cacheable = True
    api_error = 131051

    def check(self, payload, ctx):
        kind = ctx.message.kind
        if kind in MESSAGE_TYPES or kind == STATUS_UPDATE:
            return
        hint = ""
        if kind.lower() in MESSAGE_TYPES:
            hint = f' (types are lowercase: "{kind.lower()}")'
        elif kind in ("button", "list", "cta_url", "flow", "product", "product_list"):
            hint = f' ("{kind}" is an interactive type: "type": "interactive" with interactive.type "{kind}")'
        yield Problem("type", f"unknown message type {payload.get('type')!r}{hint}")
