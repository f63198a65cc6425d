"""The shape of a template message, and the cache of shapes known to pass.

A template campaign sends the same few templates to many people: the messages differ in
``to`` and in the text of their parameters, and most rules cannot tell such messages apart.
A rule that declares itself ``cacheable`` (see ``validator.rule.Rule``) promises that its
verdict on a message depends only on the message's *shape*: the payload with ``to`` blanked
and every parameter ``text`` written with each ASCII letter and digit replaced by a
representative of its class —

* a digit becomes ``0``;
* ``a``-``f`` become ``a`` and ``A``-``F`` become ``A`` (hexadecimal digits stay hexadecimal,
  so a ``%XX`` escape in a URL suffix stays valid or invalid);
* ``g``-``z`` become ``z`` and ``G``-``Z`` become ``Z``;
* everything else (spaces, tabs, newlines, punctuation, non-ASCII characters) is kept.

So the shape keeps every length, every whitespace run, every character that is not an ASCII
letter or digit, and whether a character is ASCII, printable, a digit, a hexadecimal digit,
upper or lower case: all the character tests the template value rules make (WA208-WA215).
Two messages with the same shape get the same verdict from every cacheable rule, so once a
shape has passed them all, the next message of that shape skips them and only the rules that
read the recipient (or anything else outside the payload) run.

Only messages read from a file are cached: their payloads hold JSON values only, which
``orjson`` writes one way each (a payload built in memory may hold a tuple where a list is
expected, and would be written like the list). ``tests/test_shape_cache.py`` checks, over
every rule's cases and generated values, that a run with the cache gives the report of a run
without it.
"""

from __future__ import annotations

import string
from typing import Any

import orjson

__all__ = ["ShapeCache", "shape_text", "template_shape"]

_CLASSES = str.maketrans(
    string.digits + "abcdef" + "ghijklmnopqrstuvwxyz" + "ABCDEF" + "GHIJKLMNOPQRSTUVWXYZ",
    "0" * 10 + "a" * 6 + "z" * 20 + "A" * 6 + "Z" * 20)


def shape_text(text: str) -> str:
    """``text`` with each ASCII letter and digit replaced by its class representative."""
    return text.translate(_CLASSES)


def template_shape(payload: Any) -> bytes | None:
    """The shape of a template message as bytes, or None when it has none (not a dict,
    or holding a value JSON cannot write, such as an integer beyond 64 bits)."""
    if not isinstance(payload, dict):
        return None
    template = payload.get("template")
    swapped: list[tuple[dict, str]] = []
    components = template.get("components") if isinstance(template, dict) else None
    if isinstance(components, list):
        for component in components:
            params = component.get("parameters") if isinstance(component, dict) else None
            if not isinstance(params, list):
                continue
            for param in params:
                if isinstance(param, dict):
                    text = param.get("text")
                    if isinstance(text, str):
                        swapped.append((param, text))
    has_to = "to" in payload
    to = payload.get("to")
    try:
        # Written in place and put back: copying the payload would cost more than the rules.
        for param, text in swapped:
            param["text"] = text.translate(_CLASSES)
        if has_to:
            payload["to"] = None
        return orjson.dumps(payload)
    except (orjson.JSONEncodeError, RecursionError):
        return None
    finally:
        for param, text in swapped:
            param["text"] = text
        if has_to:
            payload["to"] = to


class ShapeCache:
    """The shapes that passed every cacheable rule in this run, up to ``limit`` of them (a
    campaign of endlessly varied messages fills it once and then gains nothing, but costs no
    more memory)."""

    __slots__ = ("clean", "limit")

    def __init__(self, limit: int = 20_000) -> None:
        self.clean: set[bytes] = set()
        self.limit = limit

    def __contains__(self, shape: bytes) -> bool:
        return shape in self.clean

    def add(self, shape: bytes) -> None:
        if len(self.clean) < self.limit:
            self.clean.add(shape)
