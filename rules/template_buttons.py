"""WA214–WA215 — the values sent for template buttons.

``template.py`` checks that a button component addresses a real button (index, sub_type,
count); these rules check what it carries: the parameter type each button kind takes, the
15-character codes, and the URL suffix of a dynamic URL button.

Facts: Meta, "Template components" — buttons, "URL encoding", URL ≤ 2000 characters,
copy-code ≤ 15 characters
(https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components);
OTP codes ≤ 15 characters (pywa ``_BaseOTPButtonParams``); the facts file §4.1 and check 25.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from validator.registry import ButtonPlan, TemplatePlan
from validator.rule import Problem, Rule

from ._template_payload import (
    button_index,
    label,
    param_type,
    parameters,
    template_object,
    template_plan,
)
from .template_values import path_of, value_components

TEMPLATE = frozenset({"template"})

CODE_LIMIT = 15
URL_LIMIT = 2000
#: sub_type → the parameter types it takes. Quick replies take ``payload``; Meta's own
#: OpenAPI example sends ``text`` there, so that passes too.
BUTTON_PARAM_TYPES = {
    "quick_reply": frozenset({"payload", "text"}),
    "url": frozenset({"text"}),
    "copy_code": frozenset({"coupon_code"}),
    "flow": frozenset({"action"}),
    "catalog": frozenset({"action"}),
    "mpm": frozenset({"action"}),
}
#: Characters that can never stand raw in a URL (RFC 3986): space, controls, and these.
#: Reserved characters (``/ ? & = # :`` …) are legal and may be meant, so they pass.
_NEVER_RAW = frozenset(' "<>\\^`{|}')
_HEX = frozenset("0123456789abcdefABCDEF")
#: What ``quote`` may leave alone when suggesting the encoded suffix.
_KEEP = "/?&=#:@!$'()*+,;~"


def button_components(template: dict) -> Iterator[tuple[tuple[int, ...], str, dict]]:
    """(where, lowercased sub_type, component) of each button component, cards included."""
    for where, kind, component in value_components(template):
        if kind == "button":
            sub_type = component.get("sub_type")
            if isinstance(sub_type, str):
                yield where, sub_type.lower(), component


def plan_button(plan: TemplatePlan | None, where: tuple[int, ...], component: dict) -> ButtonPlan | None:
    """The registry button a top-level button component addresses (cards have their own)."""
    if plan is None or len(where) != 1:
        return None
    index = button_index(component)
    if index is None or index >= len(plan.buttons):
        return None
    return plan.buttons[index]


class TemplateButtonParams(Rule):
    """Button parameters must have the type their button takes; codes at most 15 characters.

    **What it does**
    For each ``button`` component, checks the parameter types against the ``sub_type``:
    ``payload`` for ``quick_reply`` (``text`` passes too: Meta's own example sends it),
    ``text`` for ``url``, ``coupon_code`` for ``copy_code``, ``action`` for ``flow``,
    ``catalog`` and ``mpm``. A ``coupon_code`` may have at most 15 characters, and so may
    the one-time password sent for an authentication template's OTP button (known from the
    registry). Required fields inside the parameters are WA212's.

    **Why is this bad?**
    A parameter of the wrong type is a parameter format mismatch (132012). Copy-code values
    and OTP codes are limited to 15 characters (Meta, "Template components"; pywa); a
    longer one is an invalid parameter value (131009, the facts file's check 25).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "verification_code", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "4829-1375-2266-0918"}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "4829-1375-2266-0918"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "verification_code", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "482913"}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "482913"}]}]}}
    ```
    """

    code = "WA214"
    name = "template-button-params"
    cacheable = True
    api_error = 132012
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        if template is None:
            return
        plan: TemplatePlan | None | bool = False  # looked up at the first button
        for where, sub_type, component in button_components(template):
            allowed = BUTTON_PARAM_TYPES.get(sub_type)
            if plan is False:
                found = template_plan(payload, ctx)
                plan = found[1] if found else None
            button = plan_button(plan, where, component)
            otp = button is not None and button.type == "OTP"
            for number, param in enumerate(parameters(component)):
                kind = param_type(param)
                if kind is None:
                    continue  # WA200
                path = path_of(where, number)
                if allowed is not None and kind not in allowed:
                    yield Problem(f"{path}.type", f"a {sub_type} button takes "
                                                  f"{' or '.join(sorted(allowed))} parameters, got {kind}")
                    continue
                if kind == "coupon_code" or (otp and kind == "text"):
                    value = param.get(kind)
                    if isinstance(value, str) and len(value) > CODE_LIMIT:
                        what = "one-time password" if otp else "coupon_code"
                        yield Problem(f"{path}.{kind}", f"{what} {value!r} has {len(value)} "
                                                        f"characters; the limit is {CODE_LIMIT}", 131009)


def suffix_problem(suffix: str) -> str | None:
    """Why a URL suffix is not percent-encoded, or None. Set and string tests only."""
    if suffix.isascii() and suffix.isprintable() and _NEVER_RAW.isdisjoint(suffix):
        if "%" not in suffix:
            return None
        bad = _bad_escape(suffix)
        return None if bad is None else f"a '%' that starts no %XX escape at character {bad + 1}"
    for position, char in enumerate(suffix):
        if not char.isascii():
            return f"the non-ASCII character {char!r} at character {position + 1}"
        if not char.isprintable() or char in _NEVER_RAW:
            return f"a raw {char!r} at character {position + 1}"
    return None  # pragma: no cover - the fast test above said otherwise


def _bad_escape(suffix: str) -> int | None:
    start = suffix.find("%")
    while start != -1:
        if len(suffix) < start + 3 or not _HEX.issuperset(suffix[start + 1:start + 3]):
            return start
        start = suffix.find("%", start + 3)
    return None


class TemplateUrlSuffix(Rule):
    """The suffix of a dynamic URL button must be percent-encoded and keep the URL ≤ 2000.

    **What it does**
    Reads the ``text`` parameter of each ``url`` button component: it must be
    percent-encoded — no spaces, control characters, non-ASCII characters, none of
    ``" < > \\ ^ ` { | }``, and every ``%`` starting a ``%XX`` escape. Reserved characters
    (``/ ? & = # :`` …) are legal in a URL and may be meant, so they pass. With the
    template known, the URL it makes — the button's ``url`` with the suffix in place of its
    variable — may have at most 2000 characters. The one-time password of an OTP button is
    also sent as ``url`` and is not a URL: WA214 checks it.

    **Why is this bad?**
    Meta appends the suffix to the approved URL as it is and asks for it URL-encoded
    ("Template components", URL encoding); a raw space or quote gives the customer a broken
    link, and the URL limit of a template button is 2000 characters. The facts file's check
    25 predicts 131009 (parameter value not valid) for a bad suffix.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1042"}, {"type": "text", "text": "May 3"}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A 1042?lang=pt-BR&name=João"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1042"}, {"type": "text", "text": "May 3"}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A%201042?lang=pt-BR&name=Jo%C3%A3o"}]}]}}
    ```
    """

    code = "WA215"
    name = "template-url-suffix"
    cacheable = True
    api_error = 131009
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        if template is None:
            return
        plan: TemplatePlan | None | bool = False  # looked up at the first URL button
        for where, sub_type, component in button_components(template):
            if sub_type != "url":
                continue
            if plan is False:
                found = template_plan(payload, ctx)
                plan = found[1] if found else None
            button = plan_button(plan, where, component)
            if button is not None and button.type == "OTP":
                continue
            for number, param in enumerate(parameters(component)):
                suffix = param.get("text") if param_type(param) == "text" else None
                if not isinstance(suffix, str) or not suffix:
                    continue  # WA200 / WA209
                path = f"{path_of(where, number)}.text"
                problem = suffix_problem(suffix)
                if problem:
                    # Keep existing %XX escapes unless a stray '%' makes them untrustworthy.
                    keep = _KEEP if "%" in suffix and _bad_escape(suffix) is not None else _KEEP + "%"
                    encoded = quote(suffix, safe=keep)
                    yield Problem(path, f"URL suffix {suffix!r} is not percent-encoded: it has "
                                        f"{problem}; send {encoded!r}")
                if button is not None and button.dynamic:
                    length = button.url_fixed_length + len(suffix)
                    if length > URL_LIMIT:
                        yield Problem(path, f"URL of button {button.index} of {label(plan)} is "
                                            f"{length} characters with this suffix; the limit "
                                            f"is {URL_LIMIT}")
