"""WA219 — carousel templates: the cards sent must match the cards approved.

A carousel template has a ``CAROUSEL`` component holding up to ten cards, each with its own
media header, body and buttons; the send request carries a ``carousel`` component with one
entry per card, addressed by ``card_index``. The parameters inside each card are read by the
other template rules (text, fields, buttons); this rule checks the card structure.

Facts: Meta, "Template components" / carousel templates
(https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/components);
the registry shape of §4.4 in the facts file (``CAROUSEL`` components) and the send shape
of the SDKs (pywa ``Carousel``/``CarouselCard``, whatsapp-api-js ``Carousel``).
"""

from __future__ import annotations

from validator.rule import Problem, Rule

from ._template_payload import components, label, template_plan

TEMPLATE = frozenset({"template"})


def card_index(value: object) -> int | None:
    """``card_index`` as an int: ``0`` and ``"0"`` are both sent in practice."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class TemplateCarouselCards(Rule):
    """A carousel template must get one card per approved card, each `card_index` once.

    **What it does**
    For a template whose registry entry has a CAROUSEL component, checks that the request
    sends a ``carousel`` component, that its ``cards`` number as many as the approved cards,
    and that each card has a ``card_index`` (``0`` or ``"0"``) within range and used once.
    A ``carousel`` component for a template without one is reported too.

    **Why is this bad?**
    Every card of a carousel has a media header, which needs its value at send time: a
    missing carousel component leaves them without one (131008, required parameter
    missing), a different number of cards is a parameter count mismatch (132000), and a
    card index outside the template is an invalid value (131009) — the same codes the API
    gives for the equivalent button mistakes. Meta documents no carousel-specific codes;
    these are the closest documented ones. Per-card limits (body length of a card, …) are
    not in the facts file and are not checked.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "product_carousel", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}, {"type": "carousel", "cards": [{"card_index": 0, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/boots.jpg"}}]}]}]}]}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template", "template": {"name": "product_carousel", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}, {"type": "carousel", "cards": [{"card_index": 0, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/boots.jpg"}}]}]}, {"card_index": 1, "components": [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://shop.example.com/img/scarf.jpg"}}]}]}]}]}}
    ```
    """

    code = "WA219"
    name = "template-carousel-cards"
    cacheable = True
    api_error = 132000
    message_types = TEMPLATE
    needs_registry = True

    def check(self, payload, ctx):
        found = template_plan(payload, ctx)
        if found is None:
            return
        template, plan = found
        sent = next(((p, c) for p, kind, c in components(template) if kind == "carousel"), None)
        expected = plan.card_count
        if sent is None:
            if expected:
                yield Problem("template.components",
                              f"{label(plan)} is a carousel of {expected} cards: send a carousel "
                              "component with a card for each", 131008)
            return
        position, component = sent
        path = f"template.components[{position}]"
        if not expected:
            yield Problem(f"{path}.type", f"{label(plan)} has no carousel; remove the carousel component")
            return
        cards = component.get("cards")
        if not isinstance(cards, list):
            got = "missing" if cards is None else type(cards).__name__
            yield Problem(f"{path}.cards", f"carousel cards must be a list ({got})", 100)
            return
        if len(cards) != expected:
            yield Problem(f"{path}.cards", f"{label(plan)} has {expected} cards, got {len(cards)}")
        used: set[int] = set()
        for number, card in enumerate(cards):
            card_path = f"{path}.cards[{number}]"
            if not isinstance(card, dict):
                yield Problem(card_path, f"a card must be an object, got {type(card).__name__}", 100)
                continue
            if card.get("card_index") is None:
                yield Problem(f"{card_path}.card_index", "card_index is required (0 for the first card)", 100)
                continue
            index = card_index(card["card_index"])
            if index is None or index >= expected:
                yield Problem(f"{card_path}.card_index",
                              f"card_index {card['card_index']!r} is out of range: {label(plan)} "
                              f"has cards 0 to {expected - 1}", 131009)
            elif index in used:
                yield Problem(f"{card_path}.card_index", f"card_index {index} is given twice", 100)
            else:
                used.add(index)
