"""WA208–WA211 — the text template parameters carry: characters and lengths.

The rules in ``template.py`` check that the right parameters are sent; these check the text in
them. Most need only the payload (they run without a registry too); the length of the text
once the values are filled in needs the approved template. ``template_fields.py`` checks
the other fields of parameter objects.

Facts: Meta, "Template components" (text limits) and the Parameter-object reference as
copied by the SDKs (send-time limits); the error-codes page for 100, 131008, 132005 and
132018
(https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components,
https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes);
the API responses collected in the facts file §9.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import Field

from validator.fix import Fix
from validator.registry import TemplatePlan
from validator.rule import Problem, Rule, RuleOptions

from ._template_payload import (
    components,
    label,
    param_type,
    parameters,
    template_object,
    template_plan,
)

TEMPLATE = frozenset({"template"})

HEADER_TEXT_LIMIT = 60
BODY_TEXT_LIMIT = 1024
#: Meta's Parameter reference: "32768 characters if body is the only component type".
BODY_ONLY_TEXT_LIMIT = 32768
#: Placeholder names of positional values: the n-th value fills ``{{n+1}}``.
_POSITIONAL = tuple(str(n) for n in range(1, 101))


# -- reading parameters --------------------------------------------------------------------

def value_components(template: dict) -> Iterator[tuple[tuple[int, ...], str, dict]]:
    """(where, lowercased type, component) for each component that carries parameters,
    the components of carousel cards included; ``where`` is turned into a path by ``path_of``
    only when there is something to report."""
    for position, kind, component in components(template):
        if kind != "carousel":
            yield (position,), kind, component
            continue
        cards = component.get("cards")
        if not isinstance(cards, list):
            continue
        for number, card in enumerate(cards):
            inner = card.get("components") if isinstance(card, dict) else None
            if not isinstance(inner, list):
                continue
            for at, item in enumerate(inner):
                if isinstance(item, dict) and isinstance(item.get("type"), str):
                    yield (position, number, at), item["type"].lower(), item


def path_of(where: tuple[int, ...], number: int | None = None) -> str:
    path = f"template.components[{where[0]}]"
    if len(where) == 3:
        path += f".cards[{where[1]}].components[{where[2]}]"
    if number is not None:
        path += f".parameters[{number}]"
    return path


def text_params(component: dict) -> Iterator[tuple[int, str]]:
    """(position, text) of each ``text`` parameter whose text is a string."""
    for number, param in enumerate(parameters(component)):
        if isinstance(param, dict) and param_type(param) == "text":
            text = param.get("text")
            if isinstance(text, str):
                yield number, text


def shown_value(param: Any) -> str:
    """The text a parameter puts into the message: ``text``, or the ``fallback_value`` of a
    currency or date_time (the Cloud API always renders the fallback)."""
    if not isinstance(param, dict):
        return ""
    kind = param_type(param)
    if kind == "text":
        value = param.get("text")
    elif kind in ("currency", "date_time"):
        inner = param.get(kind)
        value = inner.get("fallback_value") if isinstance(inner, dict) else None
    else:
        return ""
    return value if isinstance(value, str) else ""


def body_param_limit(plan: TemplatePlan | None, template: dict) -> int:
    """1024 characters per body value, or 32768 when the body is the template's only
    component. With the template known, its components decide; without it, the components
    of the request (the only evidence there is, and how Meta's sentence can be read)."""
    if plan is not None:
        only_body = plan.component_types == {"BODY"}
    else:
        only_body = all(kind == "body" for _, kind, _ in components(template))
    return BODY_ONLY_TEXT_LIMIT if only_body else BODY_TEXT_LIMIT


def _ordinal(number: int) -> str:
    return f"parameter {number + 1}"


def excerpt(text: str, width: int = 40) -> str:
    return repr(text if len(text) <= width else text[:width] + "…")


# -- WA208 ---------------------------------------------------------------------------------

def whitespace_problem(text: str) -> str | None:
    """What the API objects to in a parameter text, or None. Substring tests, not a regex:
    this runs for every text value of every message."""
    if "\n" in text:
        return "a newline (\\n)"
    if "\r" in text:
        return "a carriage return (\\r)"
    if "\t" in text:
        return "a tab (\\t)"
    if "     " in text:
        return f"{_longest_space_run(text)} consecutive spaces"
    return None


_BAD_WHITESPACE = re.compile(r"[ \t\r\n]*[\t\r\n][ \t\r\n]*| {5,}")


def collapse_whitespace(text: str) -> str:
    """``text`` as the API takes it: each run of whitespace holding a newline or tab, and
    each run of five or more spaces, becomes one space — or nothing at either end."""
    def one_space(match: re.Match[str]) -> str:
        return "" if match.start() == 0 or match.end() == len(text) else " "
    return _BAD_WHITESPACE.sub(one_space, text)


def path_tuple(where: tuple[int, ...], number: int) -> tuple[str | int, ...]:
    """``path_of(where, number)`` as a payload path, for fixes."""
    path: tuple[str | int, ...] = ("template", "components", where[0])
    if len(where) == 3:
        path += ("cards", where[1], "components", where[2])
    return path + ("parameters", number)


def _longest_space_run(text: str) -> int:
    longest = current = 0
    for char in text:
        current = current + 1 if char == " " else 0
        longest = max(longest, current)
    return longest


class TemplateParamWhitespace(Rule):
    """Template text parameters must not contain newlines, tabs or more than 4 spaces in a row.

    **What it does**
    Checks every ``text`` parameter of the header and the body (carousel cards included)
    for ``\\n``, ``\\r``, ``\\t`` and runs of five or more spaces. Four spaces in a row pass;
    a value of nothing but whitespace is WA209's.

    **Why is this bad?**
    The API refuses the whole message: ``Param text cannot have new-line/tab characters or
    more than 4 consecutive spaces`` (facts file §9, github.com/netflie/whatsapp-cloud-api
    issue 201). Current responses carry 132018; older reports show the same text under 100
    or 132000 — walint predicts 132018 and treats 100 and 132000 as aliases of it (facts file
    §1.3). Values pasted from spreadsheets and CRMs often carry a line break: join lines with
    a space or ``" | "``; a line break can only be part of the approved template text.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "shipping_document", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "document", "document": {"link": "https://shop.example.com/invoices/INV-7.pdf", "filename": "INV-7.pdf"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "INV-7\\nDue May 3"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "shipping_document", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "document", "document": {"link": "https://shop.example.com/invoices/INV-7.pdf", "filename": "INV-7.pdf"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "INV-7, due May 3"}]}]}}
    ```

    **Fix**
    Unsafe (``--fix --unsafe-fixes``): each run of whitespace holding a newline or tab, and
    each run of five or more spaces, becomes one space (nothing at either end):
    ``"INV-7\\nDue May 3"`` → ``"INV-7 Due May 3"``. The customer then reads the value on
    one line, which may not be what was meant.
    """

    code = "WA208"
    name = "template-param-whitespace"
    cacheable = True
    api_error = 132018
    fixable = "unsafe"
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        if template is None:
            return
        for where, kind, component in value_components(template):
            if kind != "header" and kind != "body":
                continue
            for number, text in text_params(component):
                found = whitespace_problem(text)
                if found and not text.isspace():  # nothing but whitespace is WA209's
                    fixed = collapse_whitespace(text)
                    yield Problem(f"{path_of(where, number)}.text",
                                  f"{kind} {_ordinal(number)} contains {found}: {excerpt(text)}; "
                                  "parameter text cannot have new-line/tab characters or more "
                                  "than 4 consecutive spaces",
                                  fix=Fix.replace((*path_tuple(where, number), "text"), fixed,
                                                  f"write {excerpt(fixed)}", safe=False))


# -- WA209 ---------------------------------------------------------------------------------

class TemplateParamEmpty(Rule):
    """Template text parameters must not be empty or only whitespace.

    **What it does**
    Flags a ``text`` parameter of the header, the body (carousel cards included) or a URL
    button whose ``text`` is ``""`` or only spaces. A missing or non-string ``text`` is
    WA200's finding.

    **Why is this bad?**
    The API refuses the message with HTTP 400. The documented response for a text parameter
    without a value is 100, ``Parameter 'text' is mandatory for component parameter type
    'text'`` (facts file §9); an empty value takes the same path, so walint predicts 100.
    The error table also has 131008 ("required parameter is missing"), which names the
    same mistake; treat the two as aliases. An empty value usually means a missing column
    in the campaign data: the customer would have read "Hi , your order ships on ." anyway.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "shipping_document", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "document", "document": {"link": "https://shop.example.com/invoices/INV-7.pdf", "filename": "INV-7.pdf"}}]}, {"type": "body", "parameters": [{"type": "text", "text": ""}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "shipping_document", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "document", "document": {"link": "https://shop.example.com/invoices/INV-7.pdf", "filename": "INV-7.pdf"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "INV-7"}]}]}}
    ```
    """

    code = "WA209"
    name = "template-param-empty"
    cacheable = True
    api_error = 100
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        if template is None:
            return
        for where, kind, component in value_components(template):
            if kind == "button":
                sub_type = component.get("sub_type")
                if not (isinstance(sub_type, str) and sub_type.lower() == "url"):
                    continue
            elif kind != "header" and kind != "body":
                continue
            for number, text in text_params(component):
                if not text or text.isspace():
                    what = "empty" if not text else "only whitespace"
                    yield Problem(f"{path_of(where, number)}.text",
                                  f"{kind} {_ordinal(number)} is {what}; a text parameter needs a value")


# -- WA210 ---------------------------------------------------------------------------------

class TemplateParamLength(Rule):
    """A header value may have 60 characters, a body value 1024 (32768 in a body-only template).

    **What it does**
    Measures each ``text`` parameter: a header value may be at most 60 characters; a body
    value at most 1024, or 32768 when the body is the template's only component (the
    registry decides; without the template, the components of the request do). Exactly at
    the limit passes.

    **Why is this bad?**
    These are the send-time limits of Meta's Parameter reference (copied by the SDKs and
    the OpenAPI ``TextParameter``, facts file §3). Too long a value is refused; the facts
    file lists 132005 ("translated text too long") and 100 ("ensure your parameter is under
    any length restriction") for it — walint predicts 132005, the code for over-long
    template text, and 100 is an alias. Whether the rendered text still fits is WA211's
    question; a single value over its own limit is reported here only.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "event_invite", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "text", "text": "Anastasia Konstantinopoulou-Papadimitriou and the whole family"}]}, {"type": "body", "parameters": [{"type": "text", "text": "7pm"}, {"type": "text", "text": "a friend"}]}, {"type": "button", "sub_type": "flow", "index": "1", "parameters": [{"type": "action", "action": {"flow_token": "rsvp-1"}}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "event_invite", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "text", "text": "Anastasia"}]}, {"type": "body", "parameters": [{"type": "text", "text": "7pm"}, {"type": "text", "text": "a friend"}]}, {"type": "button", "sub_type": "flow", "index": "1", "parameters": [{"type": "action", "action": {"flow_token": "rsvp-1"}}]}]}}
    ```
    """

    code = "WA210"
    name = "template-param-length"
    cacheable = True
    api_error = 132005
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        if template is None:
            return
        for position, kind, component in components(template):
            if kind == "header":
                limit = HEADER_TEXT_LIMIT
            elif kind == "body":
                limit = BODY_TEXT_LIMIT
            else:
                continue
            for number, text in text_params(component):
                if len(text) <= limit:
                    continue
                if kind == "body" and limit == BODY_TEXT_LIMIT:
                    # Rare, so the registry is consulted only now.
                    found = template_plan(payload, ctx)
                    limit = body_param_limit(found[1] if found else None, template)
                    if len(text) <= limit:
                        continue
                yield Problem(f"template.components[{position}].parameters[{number}].text",
                              f"{kind} {_ordinal(number)} has {len(text)} characters; the "
                              f"limit is {limit}")


# -- WA211 ---------------------------------------------------------------------------------

def rendered_length(fixed: int, uses: Mapping[str, int], params: list, named: bool) -> int:
    """The length of a header or body once its values are filled in."""
    total = fixed
    for number, param in enumerate(params):
        if not isinstance(param, dict):
            continue
        if named:
            name = param.get("parameter_name")
        else:
            name = _POSITIONAL[number] if number < len(_POSITIONAL) else str(number + 1)
        times = uses.get(name) if isinstance(name, str) else None
        if times:
            total += times * len(shown_value(param))
    return total


class TemplateTextTooLong(Rule):
    """The header and body, once filled in, must fit the template limits (60 and 1024).

    **What it does**
    Computes the length of the approved header and body text with the values substituted
    — positional values by order, named ones by ``parameter_name``, ``currency`` and
    ``date_time`` by their ``fallback_value`` — and compares it with 60 characters for the
    header and 1024 for the body. The fixed part of each text is measured once per template
    when the registry is compiled. A value that alone breaks its own limit is WA210's
    finding, and this rule then stays quiet for that component.

    **Why is this bad?**
    The API refuses the message with 132005 (hydrated text too long): the limits of the
    approved template apply to the text the customer would read.

    Where the sources disagree: Meta's Parameter reference allows 32768 characters per body
    value when the body is the only component, which suggests a body-only template may
    render longer than 1024; the template limit (and the facts file's check 24) say 1024.
    walint takes the safe reading and holds every body to 1024; the ``body_only_limit``
    option (up to 32768) follows the Parameter reference for body-only templates instead.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "event_invite", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "text", "text": "Anastasia Konstantinopoulou and all of the family too"}]}, {"type": "body", "parameters": [{"type": "text", "text": "7pm"}, {"type": "text", "text": "a friend"}]}, {"type": "button", "sub_type": "flow", "index": "1", "parameters": [{"type": "action", "action": {"flow_token": "rsvp-1"}}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "event_invite", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "text", "text": "Anastasia and family"}]}, {"type": "body", "parameters": [{"type": "text", "text": "7pm"}, {"type": "text", "text": "a friend"}]}, {"type": "button", "sub_type": "flow", "index": "1", "parameters": [{"type": "action", "action": {"flow_token": "rsvp-1"}}]}]}}
    ```
    """

    class Options(RuleOptions):
        #: The rendered-length limit for templates whose only component is the body.
        body_only_limit: int = Field(BODY_TEXT_LIMIT, ge=BODY_TEXT_LIMIT, le=BODY_ONLY_TEXT_LIMIT)

    code = "WA211"
    name = "template-text-too-long"
    cacheable = True
    api_error = 132005
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        found = template_plan(payload, ctx)
        if found is None:
            return
        template, plan = found
        if not plan.header_param_uses and not plan.body_param_uses:
            return
        only_body = plan.component_types == {"BODY"}
        for position, kind, component in components(template):
            if kind == "header" and plan.header_param_uses:
                fixed, uses, limit = plan.header_fixed_length, plan.header_param_uses, HEADER_TEXT_LIMIT
                value_limit = HEADER_TEXT_LIMIT
            elif kind == "body" and plan.body_param_uses:
                fixed, uses = plan.body_fixed_length, plan.body_param_uses
                limit = self.options.body_only_limit if only_body else BODY_TEXT_LIMIT
                value_limit = BODY_ONLY_TEXT_LIMIT if only_body else BODY_TEXT_LIMIT
            else:
                continue
            params = parameters(component)
            if any(len(text) > value_limit for _, text in text_params(component)):
                continue  # WA210 names the value
            length = rendered_length(fixed, uses, params, plan.named)
            if length > limit:
                yield Problem(f"template.components[{position}].parameters",
                              f"{kind} of {label(plan)} is {length} characters once filled in; "
                              f"the limit is {limit}")
