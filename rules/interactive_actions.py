"""WA45x / WA46x — the actions of CTA-URL, Flow, product, product-list and catalog messages.

Facts (the facts file §2.3, §3, §8 checks 13–14): Meta's CTA-URL page
(https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-cta-url-messages),
the OpenAPI ``InteractiveObject`` action (facebook/openapi, business-messaging-api_v23.0.yaml),
whatsapp-api-js ``src/messages/interactive.ts`` and pywa. Meta's template-components page
confirms the product-list limits ("up to 30 products … up to 10 sections").
Lengths are code points (see ``rules._content``).

Disagreement: ``flow_cta`` is "20 characters, no emoji" in whatsapp-api-js and pywa but
``maxLength: 30`` ("advised 30 or less") in the OpenAPI spec. walint errs past 30 (refused
by every source) and warns from 21 to 30 (refused by the SDKs, perhaps by the API) — except
in draft mode, where Meta's own OpenAPI examples send a 23-character label.
"""

from __future__ import annotations

from validator.findings import Severity
from validator.rule import Problem, Rule

from ._content import is_http_url, plural, seq, show, type_name
from .interactive import INTERACTIVE, action_of, parameters_of

CTA_TEXT_LIMIT = 20
FLOW_CTA_LIMIT = 30
FLOW_CTA_ADVISED = 20
FLOW_VERSION = "3"
FLOW_ACTIONS = ("navigate", "data_exchange")
FLOW_MODES = ("draft", "published")
MAX_PRODUCT_SECTIONS = 10
MAX_PRODUCTS = 30


def _required_string(path: str, value):
    """The problem with a required non-empty string, or None."""
    if value is None:
        return Problem(path, f"{path} is required")
    if not isinstance(value, str):
        return Problem(path, f"{path} must be a string, got {type_name(value)}")
    if not value:
        return Problem(path, f"{path} is empty")
    return None


class CtaUrl(Rule):
    """A CTA-URL button needs `display_text` (1–20 characters) and an http(s) `url`.

    **What it does**
    Checks ``interactive.action.parameters`` of a ``cta_url`` message: ``display_text`` is
    a non-empty string of at most 20 characters (Python ``len()``: code points) and
    ``url`` an absolute ``http://`` or ``https://`` URL.

    **Why is this bad?**
    Meta's CTA-URL page limits the button label to 20 characters and requires the URL the
    button opens; a missing or over-long label, or a URL without a web scheme, is an
    invalid parameter (100) — or a button that opens nothing.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "cta_url", "body": {"text": "Your order A-1042 has shipped."}, "action": {"name": "cta_url", "parameters": {"display_text": "Track your shipment now", "url": "shop.example.com/track/A-1042"}}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "cta_url", "body": {"text": "Your order A-1042 has shipped."}, "action": {"name": "cta_url", "parameters": {"display_text": "Track shipment", "url": "https://shop.example.com/track/A-1042"}}}}
    ```
    """

    code = "WA450"
    name = "cta-url"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        params = parameters_of(payload, "cta_url")
        if params is None:
            return  # WA421 reports a missing action or parameters
        base = "interactive.action.parameters"
        text = params.get("display_text")
        problem = _required_string(f"{base}.display_text", text)
        if problem is not None:
            yield problem
        elif len(text) > CTA_TEXT_LIMIT:
            yield Problem(f"{base}.display_text", f"display_text {show(text)} is {len(text)} "
                                                  f"characters; the limit is {CTA_TEXT_LIMIT}")
        url = params.get("url")
        problem = _required_string(f"{base}.url", url)
        if problem is not None:
            yield problem
        elif not is_http_url(url):
            yield Problem(f"{base}.url", f"url {show(url)} is not an http(s) URL")


class FlowVersion(Rule):
    """A Flow message must say `"flow_message_version": "3"`.

    **What it does**
    Checks ``interactive.action.parameters.flow_message_version`` of a ``flow`` message: it
    is required and must be the string ``"3"``, the only version the OpenAPI spec and the
    SDKs know.

    **Why is this bad?**
    Without it, or with another version (or the number ``3`` where the API documents a
    string), the API refuses the message as an invalid parameter (100).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_id": "1234567890", "flow_cta": "Book now"}}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "1234567890", "flow_cta": "Book now"}}}}
    ```
    """

    code = "WA451"
    name = "flow-version"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        params = parameters_of(payload, "flow")
        if params is None:
            return
        path = "interactive.action.parameters.flow_message_version"
        version = params.get("flow_message_version")
        if version is None:
            yield Problem(path, 'flow_message_version is required ("3")')
        elif version != FLOW_VERSION:
            hint = " (a string, not a number)" if str(version) == FLOW_VERSION else ""
            yield Problem(path, f'flow_message_version is {version!r}; it must be "3"{hint}')


class FlowTarget(Rule):
    """A Flow message names its Flow by exactly one of `flow_id` or `flow_name`.

    **What it does**
    Checks that the ``parameters`` of a ``flow`` message have ``flow_id`` or
    ``flow_name`` — a non-empty string — but not both.

    **Why is this bad?**
    The OpenAPI spec and the SDKs take the one or the other: with neither the API has no
    Flow to open, with both it cannot tell which wins. Either way the request is an
    invalid parameter (100).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "1234567890", "flow_name": "appointment_booking", "flow_cta": "Book now"}}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_name": "appointment_booking", "flow_cta": "Book now"}}}}
    ```
    """

    code = "WA452"
    name = "flow-target"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        params = parameters_of(payload, "flow")
        if params is None:
            return
        base = "interactive.action.parameters"
        flow_id, flow_name = params.get("flow_id"), params.get("flow_name")
        if flow_id is None and flow_name is None:
            yield Problem(base, "a Flow message needs flow_id or flow_name")
        elif flow_id is not None and flow_name is not None:
            yield Problem(base, "flow_id and flow_name are both given; send exactly one")
        else:
            field, value = ("flow_id", flow_id) if flow_id is not None else ("flow_name", flow_name)
            problem = _required_string(f"{base}.{field}", value)
            if problem is not None:
                yield problem


class FlowCta(Rule):
    """A Flow message's button label `flow_cta` must be 1 to 30 characters.

    **What it does**
    Checks ``flow_cta`` in the ``parameters`` of a ``flow`` message: required, a non-empty
    string, at most 30 characters (Python ``len()``: code points). Labels of 21 to 30
    characters are WA454's warning.

    **Why is this bad?**
    ``flow_cta`` is the text of the button that opens the Flow. The OpenAPI spec caps it
    at 30 and the SDKs at 20; a missing, empty or longer label is an invalid parameter
    (100) under every source.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "1234567890", "flow_cta": ""}}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "1234567890", "flow_cta": "Book now"}}}}
    ```
    """

    code = "WA453"
    name = "flow-cta"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        params = parameters_of(payload, "flow")
        if params is None:
            return
        path = "interactive.action.parameters.flow_cta"
        cta = params.get("flow_cta")
        problem = _required_string(path, cta)
        if problem is not None:
            yield problem
        elif len(cta) > FLOW_CTA_LIMIT:
            yield Problem(path, f"flow_cta {show(cta)} is {len(cta)} characters; the limit is "
                                f"{FLOW_CTA_LIMIT}")


class FlowCtaLong(Rule):
    """A `flow_cta` over 20 characters may be refused; keep it to 20.

    **What it does**
    Warns when ``flow_cta`` is 21 to 30 characters long (longer is WA453's error).
    Messages in ``"mode": "draft"`` are not warned about: Meta's own draft-mode examples
    (OpenAPI spec) send a 23-character label, and a warning on Meta's examples would be a
    false alarm.

    **Why is this bad?**
    Sources disagree: the OpenAPI spec allows 30 characters ("advised 30 or less"),
    whatsapp-api-js and pywa — following Meta's Flow documentation — 20 without emoji.
    A label of 21 to 30 characters may be refused as an invalid parameter (100) or cut off
    on the recipient's screen; 20 is safe under every reading.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "1234567890", "flow_cta": "Book your appointment now"}}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "1234567890", "flow_cta": "Book now"}}}}
    ```
    """

    code = "WA454"
    name = "flow-cta-long"
    severity = Severity.WARNING
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        params = parameters_of(payload, "flow")
        if params is None or params.get("mode") == "draft":
            return
        cta = params.get("flow_cta")
        if isinstance(cta, str) and FLOW_CTA_ADVISED < len(cta) <= FLOW_CTA_LIMIT:
            yield Problem("interactive.action.parameters.flow_cta",
                          f"flow_cta {show(cta)} is {len(cta)} characters; keep it to "
                          f"{FLOW_CTA_ADVISED} (the SDKs' limit)")


class FlowAction(Rule):
    """Flow `flow_action`, `mode` and `flow_action_payload` must hold values the API knows.

    **What it does**
    In the ``parameters`` of a ``flow`` message, checks that ``flow_action`` is
    ``navigate`` or ``data_exchange``, ``mode`` is ``draft`` or ``published``, and that a
    ``flow_action_payload`` is an object naming its first ``screen``, whose ``data``, when
    given, is a non-empty object.

    **Why is this bad?**
    These are the only values the OpenAPI spec and the SDKs know; ``"Navigate"``,
    ``"live"`` or a payload without its screen is an invalid parameter (100), and
    whatsapp-api-js refuses an empty ``data`` object ("must be a non-empty object").

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "1234567890", "flow_cta": "Book now", "mode": "live", "flow_action": "navigate", "flow_action_payload": {"screen": "WELCOME", "data": {}}}}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "flow", "body": {"text": "Book your appointment"}, "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_id": "1234567890", "flow_cta": "Book now", "mode": "published", "flow_action": "navigate", "flow_action_payload": {"screen": "WELCOME"}}}}}
    ```
    """

    code = "WA455"
    name = "flow-action"
    api_error = 100
    message_types = INTERACTIVE

    CHOICES = (("flow_action", FLOW_ACTIONS), ("mode", FLOW_MODES))

    def check(self, payload, ctx):
        params = parameters_of(payload, "flow")
        if params is None:
            return
        base = "interactive.action.parameters"
        for field, choices in self.CHOICES:
            value = params.get(field)
            if value is not None and value not in choices:
                yield Problem(f"{base}.{field}", f"{field} is {value!r}; it must be "
                                                 f"{' or '.join(repr(c) for c in choices)}")
        flow_payload = params.get("flow_action_payload")
        if flow_payload is None:
            return
        path = f"{base}.flow_action_payload"
        if not isinstance(flow_payload, dict):
            yield Problem(path, f"{path} must be an object, got {type_name(flow_payload)}")
            return
        problem = _required_string(f"{path}.screen", flow_payload.get("screen"))
        if problem is not None:
            yield problem
        data = flow_payload.get("data")
        if data is not None and (not isinstance(data, dict) or not data):
            got = "an empty object" if data == {} else type_name(data)
            yield Problem(f"{path}.data", f"{path}.data must be a non-empty object, got {got}; "
                                          "omit it when there is nothing to pass")


class CatalogReference(Rule):
    """Product and catalog messages must name their catalog and products.

    **What it does**
    Checks that a ``product`` message has ``action.catalog_id`` and
    ``action.product_retailer_id``, a ``product_list`` message ``action.catalog_id``, and
    a ``catalog_message`` ``action.parameters.thumbnail_product_retailer_id`` — each a
    non-empty string.

    **Why is this bad?**
    Without them WhatsApp has nothing to show: the request is an invalid parameter (100).
    The OpenAPI spec lists the catalog thumbnail as optional, but the API refuses a catalog
    message without it (whatsapp-api-js notes, facts file §2.3).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "product", "body": {"text": "Back in stock"}, "action": {"product_retailer_id": "SKU-1042"}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "product", "body": {"text": "Back in stock"}, "action": {"catalog_id": "367025965434465", "product_retailer_id": "SKU-1042"}}}
    ```
    """

    code = "WA460"
    name = "catalog-reference"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        action = action_of(payload, "product")
        if action is not None:
            for field in ("catalog_id", "product_retailer_id"):
                problem = _required_string(f"interactive.action.{field}", action.get(field))
                if problem is not None:
                    yield problem
            return
        action = action_of(payload, "product_list")
        if action is not None:
            problem = _required_string("interactive.action.catalog_id", action.get("catalog_id"))
            if problem is not None:
                yield problem
            return
        params = parameters_of(payload, "catalog_message")
        if params is not None:
            path = "interactive.action.parameters.thumbnail_product_retailer_id"
            problem = _required_string(path, params.get("thumbnail_product_retailer_id"))
            if problem is not None:
                yield problem


class ProductListSize(Rule):
    """A product list holds 1 to 10 sections and 1 to 30 products in total.

    **What it does**
    Checks ``interactive.action.sections`` of a ``product_list`` message: an array of 1
    to 10 sections whose ``product_items`` add up to at most 30 products.

    **Why is this bad?**
    Meta's template-components page ("up to 30 products … up to 10 sections"), the
    OpenAPI spec and the SDKs agree on these limits; the API refuses a larger list with
    131009 (parameter value not valid), a list without sections as an invalid parameter
    (100). Split a larger selection over several messages.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "product_list", "header": {"type": "text", "text": "Summer picks"}, "body": {"text": "Our favourites this week"}, "action": {"catalog_id": "367025965434465", "sections": []}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "product_list", "header": {"type": "text", "text": "Summer picks"}, "body": {"text": "Our favourites this week"}, "action": {"catalog_id": "367025965434465", "sections": [{"title": "Hats", "product_items": [{"product_retailer_id": "SKU-1"}, {"product_retailer_id": "SKU-2"}]}]}}}
    ```
    """

    code = "WA461"
    name = "product-list-size"
    api_error = 131009
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        action = action_of(payload, "product_list")
        if action is None:
            return
        path = "interactive.action.sections"
        sections = action.get("sections")
        if not isinstance(sections, list):
            what = "is required" if sections is None else f"must be an array, got {type_name(sections)}"
            yield Problem(path, f"{path} {what} (1 to {MAX_PRODUCT_SECTIONS} sections of products)", 100)
            return
        if not 1 <= len(sections) <= MAX_PRODUCT_SECTIONS:
            yield Problem(path, f"{plural(len(sections), 'section')}; send 1 to {MAX_PRODUCT_SECTIONS}")
        items = [seq(s.get("product_items")) for s in sections if isinstance(s, dict)]
        total = sum(len(i) for i in items if i is not None)
        if total > MAX_PRODUCTS:
            yield Problem(path, f"product list has {total} products; the limit is {MAX_PRODUCTS} "
                                "in total")


class ProductListSection(Rule):
    """Each product-list section needs its products; with several sections, a title each.

    **What it does**
    Checks every section of a ``product_list`` message: an object with a non-empty
    ``product_items`` array whose entries each have a ``product_retailer_id`` (a non-empty
    string); a ``title`` is required when the list has more than one section.

    **Why is this bad?**
    A section without products, a product without its retailer id, or several untitled
    sections are an invalid parameter (100; OpenAPI, whatsapp-api-js). The retailer id is
    the product's SKU in the catalog — the only way WhatsApp finds it.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "product_list", "header": {"type": "text", "text": "Summer picks"}, "body": {"text": "Our favourites this week"}, "action": {"catalog_id": "367025965434465", "sections": [{"title": "Hats", "product_items": [{"retailer_id": "SKU-1"}]}]}}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "interactive", "interactive": {"type": "product_list", "header": {"type": "text", "text": "Summer picks"}, "body": {"text": "Our favourites this week"}, "action": {"catalog_id": "367025965434465", "sections": [{"title": "Hats", "product_items": [{"product_retailer_id": "SKU-1"}]}]}}}
    ```
    """

    code = "WA462"
    name = "product-list-section"
    api_error = 100
    message_types = INTERACTIVE

    def check(self, payload, ctx):
        action = action_of(payload, "product_list")
        sections = seq(action.get("sections")) if action else None
        if not sections:
            return
        several = len(sections) > 1
        for number, section in enumerate(sections):
            path = f"interactive.action.sections[{number}]"
            if not isinstance(section, dict):
                yield Problem(path, f"{path} must be an object, got {type_name(section)}")
                continue
            title = section.get("title")
            if several and (not isinstance(title, str) or not title):
                yield Problem(f"{path}.title", f"section {number + 1} has no title; every section "
                                               "needs one when a list has several")
            items = section.get("product_items")
            if not isinstance(items, list) or not items:
                what = ("is required" if items is None else "is empty" if items == []
                        else f"must be an array, got {type_name(items)}")
                yield Problem(f"{path}.product_items", f"{path}.product_items {what}")
                continue
            for index, item in enumerate(items):
                where = f"{path}.product_items[{index}]"
                if not isinstance(item, dict):
                    yield Problem(where, f"{where} must be an object, got {type_name(item)}")
                    continue
                problem = _required_string(f"{where}.product_retailer_id", item.get("product_retailer_id"))
                if problem is not None:
                    yield problem
