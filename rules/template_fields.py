"""WA212–WA213 — template parameter objects: the fields each parameter type requires.

``currency`` needs its code and amount, media need exactly one of ``id``/``link``, a
location needs coordinates, button values need their ``payload``/``coupon_code``/``action``;
a document header should be a PDF. All from the payload alone.

Facts: Meta's OpenAPI ``ParameterObject`` family (``CurrencyParameter``,
``DateTimeParameter``, ``ImageParameter``/``VideoParameter``/``DocumentParameter`` — "captions
not supported", document headers PDF only, ``LocationParameter``) and the facts file §2,
§4.1 and checks 8, 9 and 20; the error-codes page for 100 and 132012
(https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from validator.findings import Severity
from validator.fix import DELETE, Edit, Fix
from validator.rule import Problem, Rule

from ._template_payload import components, param_type, parameters, template_object
from .template_values import excerpt, path_of, path_tuple, value_components

TEMPLATE = frozenset({"template"})
_MEDIA = ("image", "video", "document")


# -- WA212 ---------------------------------------------------------------------------------

def _text_field(obj: dict, key: str) -> bool:
    value = obj.get(key)
    return isinstance(value, str) and bool(value.strip())


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _coordinate(value: Any, bound: float) -> bool:
    """A number, or a numeric string (Meta's OpenAPI types coordinates as strings)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return False
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    return -bound <= value <= bound


def _currency(obj: dict) -> Iterator[tuple[str, str]]:
    if not _text_field(obj, "fallback_value"):
        yield "fallback_value", "currency needs a fallback_value (the text shown, e.g. \"$100.99\")"
    code = obj.get("code")
    if not (isinstance(code, str) and len(code) == 3 and code.isascii() and code.isalpha()
            and code.isupper()):
        yield "code", f"currency code {code!r} is not an ISO 4217 code (three capital letters, e.g. USD)"
    amount = obj.get("amount_1000")
    if not _is_integer(amount):
        got = "missing" if amount is None else repr(amount)
        yield "amount_1000", f"currency amount_1000 must be an integer, the amount × 1000 (got {got})"


def _date_time(obj: dict) -> Iterator[tuple[str, str]]:
    if not _text_field(obj, "fallback_value"):
        yield "fallback_value", ("date_time needs a fallback_value: the Cloud API always shows "
                                 "the fallback text")


def _media(kind: str):
    def check(obj: dict) -> Iterator[tuple[str, str]]:
        has_id = obj.get("id") is not None
        link = obj.get("link")
        if has_id == (link is not None):
            yield "", f"{kind} needs exactly one of id or link, got {'both' if has_id else 'neither'}"
        elif link is not None and not (isinstance(link, str)
                                       and link[:8].lower().startswith(("https://", "http://"))):
            yield "link", f"{kind} link must be an http(s) URL, got {excerpt(str(link))}"
        if "caption" in obj:
            yield "caption", f"template header {kind}s take no caption (the template text is the caption)"
    return check


def _location(obj: dict) -> Iterator[tuple[str, str]]:
    for key, bound in (("latitude", 90.0), ("longitude", 180.0)):
        if not _coordinate(obj.get(key), bound):
            got = "missing" if obj.get(key) is None else repr(obj.get(key))
            yield key, f"location {key} must be a number from -{bound:g} to {bound:g} ({got})"
    for key in ("name", "address"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            yield key, f"location {key} must be a string"


def _string_field(kind: str, what: str):
    def check(param: dict) -> Iterator[tuple[str, str]]:
        if not _text_field(param, kind):
            yield "", f"a {kind} parameter needs a non-empty {kind} string ({what})"
    return check


def _object_field(kind: str, what: str):
    def check(param: dict) -> Iterator[tuple[str, str]]:
        if not isinstance(param.get(kind), dict):
            yield "", f"an {kind} parameter needs an {kind} object ({what})"
    return check


def _limited_time_offer(obj: dict) -> Iterator[tuple[str, str]]:
    expires = obj.get("expiration_time_ms")
    if expires is not None and not _is_integer(expires):
        yield "expiration_time_ms", ("expiration_time_ms must be an integer (milliseconds since "
                                     f"the epoch), got {expires!r}")


#: Parameter type → check of its own object (``param[type]``).
_OBJECT_CHECKS = {
    "currency": _currency,
    "date_time": _date_time,
    "location": _location,
    "limited_time_offer": _limited_time_offer,
    **{kind: _media(kind) for kind in _MEDIA},
}
#: Parameter type → check of the parameter itself (the value sits beside ``type``).
_PARAM_CHECKS = {
    "payload": _string_field("payload", "what the webhook returns when the button is tapped"),
    "coupon_code": _string_field("coupon_code", "the code the button copies"),
    "action": _object_field("action", "flow_token / thumbnail_product_retailer_id / sections"),
}


class TemplateParamFields(Rule):
    """Each template parameter must carry the fields its `type` requires.

    **What it does**
    Checks the object of each parameter, in every component (buttons and carousel cards
    included):

    * ``currency``: ``fallback_value``; ``code`` an ISO 4217 code (three capital letters);
      ``amount_1000`` an integer.
    * ``date_time``: ``fallback_value`` (the Cloud API always renders it).
    * ``image`` / ``video`` / ``document``: exactly one of ``id`` and ``link``; ``link`` an
      http(s) URL; no ``caption`` (header media take none).
    * ``location``: ``latitude`` and ``longitude``, numbers or numeric strings (Meta's own
      examples use both) within ±90 / ±180; ``name`` and ``address`` strings when given.
    * ``payload`` (quick-reply button), ``coupon_code`` (copy-code button): a non-empty
      string; ``action`` (flow, catalog and MPM buttons): an object.
    * ``limited_time_offer``: its object; ``expiration_time_ms``, when given, an integer.

    Other parameter types (``product``, ``tap_target_configuration``, …) are accepted as
    they are: the facts file documents no required fields for them. ``text`` is WA200's.

    **Why is this bad?**
    The API refuses such a request as an invalid parameter (100), e.g. ``The parameter
    …['currency']['amount_1000'] is required.`` (the shape of the responses in facts file §9;
    131008 "required parameter is missing" is the same mistake under another code). Meta's
    OpenAPI says of header media "captions not supported", and the facts file's check 9
    predicts 100 for one.

    Where the sources say nothing: ``name`` and ``address`` of a location are not required
    (Meta's examples send them, no source marks them mandatory), so their absence is not
    flagged.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg", "caption": "Your order"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "currency", "currency": {"fallback_value": "$100.99", "code": "usd", "amount_1000": 100.99}}, {"type": "date_time", "date_time": {"fallback_value": "May 3"}}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1042"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/order.jpg"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "currency", "currency": {"fallback_value": "$100.99", "code": "USD", "amount_1000": 100990}}, {"type": "date_time", "date_time": {"fallback_value": "May 3"}}]}, {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1042"}]}]}}
    ```

    **Fix**
    Unsafe (``--fix --unsafe-fixes``): a ``caption`` on header media is removed (its text is
    lost; the template text is the caption). Nothing else is fixed.
    """

    code = "WA212"
    name = "template-param-fields"
    cacheable = True
    api_error = 100
    fixable = "unsafe"
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        if template is None:
            return
        for where, _kind, component in value_components(template):
            for number, param in enumerate(parameters(component)):
                kind = param_type(param)
                if kind is None or kind == "text":
                    continue
                object_check = _OBJECT_CHECKS.get(kind)
                if object_check is not None:
                    obj = param.get(kind)
                    base = f"{path_of(where, number)}.{kind}"
                    if not isinstance(obj, dict):
                        yield Problem(base, f"a {kind} parameter needs a {kind} object, got "
                                            f"{'nothing' if obj is None else type(obj).__name__}")
                        continue
                    for key, message in object_check(obj):
                        fix = None
                        if key == "caption" and kind in _MEDIA:
                            fix = Fix((Edit((*path_tuple(where, number), kind, "caption"),
                                            DELETE),), False, "remove the caption")
                        yield Problem(f"{base}.{key}" if key else base, message, fix=fix)
                    continue
                param_check = _PARAM_CHECKS.get(kind)
                if param_check is not None:
                    for _, message in param_check(param):
                        yield Problem(f"{path_of(where, number)}.{kind}", message)


# -- WA213 ---------------------------------------------------------------------------------

def file_extension(document: dict) -> str | None:
    """The extension the document's ``filename``, or else its link's path, ends in."""
    name = document.get("filename")
    if not isinstance(name, str) or not name:
        link = document.get("link")
        if not isinstance(link, str):
            return None
        try:
            name = unquote(urlsplit(link).path)
        except ValueError:
            return None
    suffix = PurePosixPath(name).suffix
    return suffix[1:].lower() if len(suffix) > 1 else None


class TemplateDocumentNotPdf(Rule):
    """A template's document header should be a PDF.

    **What it does**
    For a ``document`` parameter in a template header, reads the extension of its
    ``filename`` or, without one, of its ``link`` path. An extension other than ``.pdf``
    is reported; a media ``id`` or a link without an extension says nothing and passes.
    A warning: an extension is a hint, not proof of the file's type (the network media
    checks look at the bytes).

    **Why is this bad?**
    Template DOCUMENT headers take PDF only (Meta's OpenAPI ``DocumentParameter``; the
    facts file §5 and check 20, which predicts 132012, parameter format mismatch). A Word
    or Excel file that works as a document *message* fails as a template header.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "shipping_document", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "document", "document": {"link": "https://shop.example.com/invoices/INV-7.docx"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "INV-7"}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "shipping_document", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [{"type": "document", "document": {"link": "https://shop.example.com/invoices/INV-7.pdf"}}]}, {"type": "body", "parameters": [{"type": "text", "text": "INV-7"}]}]}}
    ```
    """

    code = "WA213"
    name = "template-document-not-pdf"
    cacheable = True
    severity = Severity.WARNING
    api_error = 132012
    message_types = TEMPLATE

    def check(self, payload, ctx):
        template = template_object(payload)
        if template is None:
            return
        for position, kind, component in components(template):
            if kind != "header":
                continue
            for number, param in enumerate(parameters(component)):
                document = param.get("document") if param_type(param) == "document" else None
                if not isinstance(document, dict):
                    continue
                extension = file_extension(document)
                if extension is not None and extension != "pdf":
                    source = "filename" if document.get("filename") else "link"
                    yield Problem(f"template.components[{position}].parameters[{number}].document.{source}",
                                  f"document header is a .{extension} file by its {source}; "
                                  "template document headers take PDF only")
