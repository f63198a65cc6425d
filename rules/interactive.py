"""WA42x — what every interactive message shares: its type, action, header, body and footer.

Facts (the facts file §2.3, §3, §8 checks 11–14): Meta's reply-buttons and CTA-URL pages
(https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages,
…/interactive-cta-url-messages), the OpenAPI ``InteractiveObject`` (facebook/openapi,
business-messaging-api_v23.0.yaml), whatsapp-api-js ``src/messages/interactive.ts`` and
pywa. The rules for one interactive type's action live in ``interactive_choices`` (reply
buttons, lists) and ``interactive_actions`` (CTA URL, Flow, catalog and products).

Disagreements, and the reading chosen:

* **cta_url headers.** Meta's CTA-URL page documents image, video and document headers;
  whatsapp-api-js allows text only. Meta's page wins: media headers are not flagged.
* **flow headers.** The OpenAPI examples and whatsapp-api-js use text headers; pywa sends
  Flow messages with image, video and document headers. Not flagging media is the reading
  that cannot raise a false alarm.
* **Newer types** (carousel, voice_call, call_permission_request, request_contact_info,
  address_message, order_details, order_status) are recognised; only what is common to all
  interactive messages is checked on them (an action, text lengths, a well-formed header).
"""

from __future__ import annotations

from pydantic import Field

from validator.rule import Problem, Rule, RuleOptions

from ._content import HEADER_MEDIA, obj, show, type_name

INTERACTIVE = frozenset({"interactive"})

CLASSIC_TYPES = frozenset({
    "button", "list", "cta_url", "flow", "product", "product_list", "catalog_message",
    "location_request_message",
})
NEWER_TYPES = frozenset({
    "carousel", "voice_call", "call_permission_request", "request_contact_info",
    "address_message", "order_details", "order_status",
})
INTERACTIVE_TYPES = CLASSIC_TYPES | NEWER_TYPES

#: Types whose body is required (facts §2.3); a product message's body is optional.
BODY_REQUIRED = frozenset({
    "button", "list", "cta_url", "flow", "product_list", "catalog_message",
    "location_request_message",
})
HEADER_KINDS = ("text", *HEADER_MEDIA)
_ANY_HEADER = frozenset(HEADER_KINDS)
#: Header kinds allowed per classic type; an empty set means "no header".
ALLOWED_HEADERS = {
    "button": _ANY_HEADER,
    "list": frozenset({"text"}),
    "cta_url": _ANY_HEADER,
    "flow": _ANY_HEADER,
    "product": frozenset(),
    "product_list": frozenset({"text"}),
    "catalog_message": frozenset(),
    "location_request_message": frozenset(),
}
#: Why a type takes no header, for the message.
NO_HEADER_REASON = {
    "product": "the product's image is the header",
    "catalog_message": "WhatsApp draws the catalog header itself",
    "location_request_message": "the message is its body and a Send location button",
}
HEADER_REQUIRED = frozenset({"product_list"})
#: ``action.name`` where Meta pins it (facts §2.3).
ACTION_NAMES = {
    "cta_url": "cta_url",
    "flow": "flow",
    "catalog_message": "catalog_message",
    "location_request_message": "send_location",
}
#: Types whose action carries a ``parameters`` object.
ACTION_PARAMETERS = frozenset({"cta_url", "flow", "catalog_message"})

HEADER_TEXT_LIMIT = 60
BODY_TEXT_LIMIT = 1024
FOOTER_TEXT_LIMIT = 60


def interactive_of(payload: dict, itype: str | None = None) -> dict | None:
    """The interactive object (of type ``itype`` when given), or None."""
    interactive = payload.get("interactive")
    if not isinstance(interactive, dict):
        return None
    if itype is not None and interactive.get("type") != itype:
        return None
    return interactive


def action_of(payload: dict, itype: str) -> dict | None:
    """``interactive.action`` of an interactive message of type ``itype``, or None."""
    interactive = interactive_of(payload, itype)
    return obj(interactive.get("action")) if interactive is not None else None


def parameters_of(payload: dict, itype: str) -> dict | None:
    """``interactive.action.parameters`` of an interactive message of type ``itype``."""
    action = action_of(payload, itype)
    return obj(action.get("parameters")) if action is not None else None


def _type_of(interactive: dict) -> str | None:
    kind = interactive.get("type")
    return kind if isinstance(kind, str) and kind in INTERACTIVE_TYPES else None


class InteractiveType(Rule):
    """`interactive.type` must be one of the interactive message types.

    **What it does**
    Checks that ``interactive.type`` is given and is one of: button, list, cta_url, flow,
    product, product_list, catalog_message, location_request_message, and the newer
    carousel, voice_call, call_permission_request, request_contact_info, address_message,
    order_details, order_status. Suggests the type probably meant.

    **Why is this bad?**
    The API cannot tell which action to read and refuses the message as an invalid
    parameter (100). ``"buttons"``, ``"reply_button"`` or ``"Button"`` are common slips.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "buttons", "body": {"text": "Confirm your order?"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "body": {"text": "Confirm your order?"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}}}
    ```
    """

    code = "WA420"
    name = "interactive-type"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        interactive = interactive_of(payload)
        if interactive is None:
            return  # WA103 reports a missing interactive object
        kind = interactive.get("type")
        if kind is None:
            yield Problem("interactive.type", "interactive.type is required (button, list, "
                                              "cta_url, flow, product, product_list, …)")
        elif not isinstance(kind, str):
            yield Problem("interactive.type", f"interactive.type must be a string, got {type_name(kind)}")
        elif kind not in INTERACTIVE_TYPES:
            message = f"unknown interactive type {show(kind)}"
            meant = kind.lower() if kind.lower() in INTERACTIVE_TYPES else None
            if meant is None:
                import difflib  # here: only an unknown value needs it

                close = difflib.get_close_matches(kind, sorted(INTERACTIVE_TYPES), n=1, cutoff=0.6)
                meant = close[0] if close else None
            yield Problem("interactive.type", f"{message} (did you mean {meant!r}?)" if meant else message)


class InteractiveAction(Rule):
    """An interactive message needs an `action`, named as its type requires.

    **What it does**
    Checks that ``interactive.action`` is an object; that its ``name`` is ``cta_url``,
    ``flow``, ``catalog_message`` or ``send_location`` for those types; and that the CTA
    URL, Flow and catalog actions carry their ``parameters`` object.

    **Why is this bad?**
    The action is what the recipient taps. Without it, or with a name that does not
    match the type (``"location_request"`` instead of ``"send_location"``), the API
    refuses the message as an invalid parameter (100).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "location_request_message", "body": {"text": "Where should we deliver?"}, "action": {"name": "request_location"}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "location_request_message", "body": {"text": "Where should we deliver?"}, "action": {"name": "send_location"}}}
    ```
    """

    code = "WA421"
    name = "interactive-action"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        interactive = interactive_of(payload)
        kind = _type_of(interactive) if interactive is not None else None
        if kind is None:
            return
        action = interactive.get("action")
        if action is None:
            yield Problem("interactive.action", f"interactive.action is required ({kind} messages)")
            return
        if not isinstance(action, dict):
            yield Problem("interactive.action", f"interactive.action must be an object, got {type_name(action)}")
            return
        expected = ACTION_NAMES.get(kind)
        if expected is not None and action.get("name") != expected:
            got = action.get("name")
            what = "is missing" if got is None else f"is {got!r}"
            yield Problem("interactive.action.name", f"interactive.action.name {what}; {kind} "
                                                     f"messages need {expected!r}")
        if kind in ACTION_PARAMETERS and not isinstance(action.get("parameters"), dict):
            got = action.get("parameters")
            what = "is required" if got is None else f"must be an object, got {type_name(got)}"
            yield Problem("interactive.action.parameters", f"interactive.action.parameters {what} "
                                                           f"({kind} messages)")


class InteractiveText(Rule):
    """The body of an interactive message is required (most types) and must carry text.

    **What it does**
    Requires ``interactive.body`` for button, list, cta_url, flow, product_list,
    catalog_message and location_request_message messages (it is optional on a single
    product); and wherever a ``body`` or ``footer`` object is sent, requires its ``text`` to
    be a non-empty string.

    **Why is this bad?**
    The body is the message the buttons or list belong to. Without it — or with a body or
    footer object that has no text — the API refuses the request as an invalid parameter
    (100), as it does every missing nested field (facts file §9). A ``footer: {}`` left by
    a template engine is the usual cause.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "body": {"text": "Confirm your order?"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}}}
    ```
    """

    code = "WA422"
    name = "interactive-text"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        interactive = interactive_of(payload)
        if interactive is None:
            return
        kind = _type_of(interactive)
        for part in ("body", "footer"):
            value = interactive.get(part)
            path = f"interactive.{part}"
            if value is None:
                if part == "body" and kind in BODY_REQUIRED:
                    yield Problem(path, f"{path} is required ({kind} messages)")
                continue
            if not isinstance(value, dict):
                yield Problem(path, f"{path} must be an object with text, got {type_name(value)}")
                continue
            text = value.get("text")
            if text is None:
                yield Problem(f"{path}.text", f"{path}.text is required")
            elif not isinstance(text, str):
                yield Problem(f"{path}.text", f"{path}.text must be a string, got {type_name(text)}")
            elif not text:
                yield Problem(f"{path}.text", f"{path}.text is empty")


class InteractiveTextLength(Rule):
    """Interactive header text ≤ 60, body text ≤ 1024, footer text ≤ 60 characters.

    **What it does**
    Checks the lengths of ``interactive.header.text``, ``interactive.body.text`` and
    ``interactive.footer.text`` on every interactive type, counted as Python ``len()``
    (code points). The options ``header_max_length``, ``body_max_length`` and
    ``footer_max_length`` lower the limits; they cannot exceed Meta's.

    **Why is this bad?**
    Meta's reply-button and CTA-URL pages and the OpenAPI spec cap the header at 60, the
    body at 1024 and the footer at 60 characters; longer text is an invalid parameter
    (100, "ensure your parameter is under any length restriction").

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "body": {"text": "Confirm your order?"}, "footer": {"text": "Reply within 24 hours to keep your reservation, otherwise it is released"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "button", "body": {"text": "Confirm your order? Reply within 24 hours to keep your reservation, otherwise it is released."}, "footer": {"text": "Reservations are held 24 h"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}}}
    ```
    """

    code = "WA423"
    name = "interactive-text-length"
    api_error = 100
    message_types = INTERACTIVE

    class Options(RuleOptions):
        header_max_length: int = Field(HEADER_TEXT_LIMIT, ge=1, le=HEADER_TEXT_LIMIT)
        body_max_length: int = Field(BODY_TEXT_LIMIT, ge=1, le=BODY_TEXT_LIMIT)
        footer_max_length: int = Field(FOOTER_TEXT_LIMIT, ge=1, le=FOOTER_TEXT_LIMIT)

    def check(self, payload, ctx):
        interactive = interactive_of(payload)
        if interactive is None:
            return
        options = self.options
        for part, limit in (("header", options.header_max_length), ("body", options.body_max_length),
                            ("footer", options.footer_max_length)):
            value = interactive.get(part)
            text = value.get("text") if isinstance(value, dict) else None
            if isinstance(text, str) and len(text) > limit:
                yield Problem(f"interactive.{part}.text", f"{part} text {show(text)} is {len(text)} "
                                                          f"characters; the limit is {limit}")


class InteractiveHeader(Rule):
    """The header must be a kind the interactive type allows, and well formed.

    **What it does**
    Checks ``interactive.header``: ``type`` is text, image, video or document; a text
    header has ``text``, a media header its ``image`` / ``video`` / ``document`` object;
    and the kind fits the type — list and product_list take text headers only (a
    product_list *requires* one), product, catalog_message and location_request_message
    take none; reply buttons, cta_url and flow take any kind.

    **Why is this bad?**
    The API refuses the message with 131009 (parameter value not valid). An image header
    on a list message is answered ``Text cannot be null for header type text``
    (whatsapp-api-js issue 54), the most common form of this mistake.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "header": {"type": "image", "image": {"link": "https://cdn.example.com/menu.jpg"}}, "body": {"text": "Pick a delivery slot"}, "action": {"button": "Choose slot", "sections": [{"rows": [{"id": "am", "title": "Morning"}, {"id": "pm", "title": "Afternoon"}]}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "list", "header": {"type": "text", "text": "Delivery"}, "body": {"text": "Pick a delivery slot"}, "action": {"button": "Choose slot", "sections": [{"rows": [{"id": "am", "title": "Morning"}, {"id": "pm", "title": "Afternoon"}]}]}}}
    ```
    """

    code = "WA424"
    name = "interactive-header"
    api_error = 131009
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        interactive = interactive_of(payload)
        if interactive is None:
            return
        kind = _type_of(interactive)
        header = interactive.get("header")
        allowed = ALLOWED_HEADERS.get(kind) if kind else None
        if header is None:
            if kind in HEADER_REQUIRED:
                yield Problem("interactive.header", f"{kind} messages require a text header", 100)
            return
        if allowed is not None and not allowed:
            yield Problem("interactive.header", f"{kind} messages take no header "
                                                f"({NO_HEADER_REASON[kind]})")
            return
        if not isinstance(header, dict):
            yield Problem("interactive.header", f"interactive.header must be an object, got "
                                                f"{type_name(header)}", 100)
            return
        htype = header.get("type")
        if htype not in HEADER_KINDS:
            what = ("is required (text, image, video or document)" if htype is None
                    else f"{htype!r} is not one of text, image, video, document")
            yield Problem("interactive.header.type", f"interactive.header.type {what}", 100)
            return
        if allowed is not None and htype not in allowed:
            yield Problem("interactive.header.type", f"{kind} messages take a text header only, "
                                                     f"not {htype}")
            return
        value = header.get(htype)
        path = f"interactive.header.{htype}"
        if htype == "text":
            if not isinstance(value, str) or not value:
                got = "missing" if value is None else repr(value)
                yield Problem(path, f"a text header needs its text ({got})")
        elif value is None:
            yield Problem(path, f"a {htype} header needs its {htype} object ({{\"link\": …}} or {{\"id\": …}})")
        elif not isinstance(value, dict):
            yield Problem(path, f"{path} must be an object, got {type_name(value)}", 100)
