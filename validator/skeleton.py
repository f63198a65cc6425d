"""Skeletons: template messages that differ only in recipient and wording are checked once.

A template campaign sends a few templates to many people. Its JSONL lines differ in ``to``
and in the text of the parameters; everything else — keys, their order, the template name
and language, links, parameter types — repeats. The *skeleton* of a line is the line with
the value of ``"to"`` blanked and each ``"text"`` string written with every ASCII letter and
digit replaced by a representative of its class:

* a digit becomes ``0``;
* ``a``-``f`` become ``a`` and ``A``-``F`` become ``A`` (hexadecimal digits stay hexadecimal,
  so a ``%XX`` escape in a URL suffix stays valid or invalid);
* ``g``-``z`` become ``z`` and ``G``-``Z`` become ``Z``;
* every other byte (spaces, punctuation, non-ASCII characters) is kept.

A skeleton keeps every length, every run of whitespace, every character that is not an ASCII
letter or digit, and whether a character is a digit, a hexadecimal digit, upper or lower case:
all the character tests the template value rules make (WA208-WA215). A rule declared
``cacheable`` (``validator.rule.Rule``) promises that its verdict depends on nothing else, so
once a template line has passed every cacheable rule, a later line with the same skeleton
passes them too: it is not even decoded. The values that differ (``to`` and the texts, read
straight from the line) are written into the payload decoded for the first line of that
skeleton, in place, and only the rules that are not cacheable — the recipient's — and the
campaign rules see it.

Only ``"to"`` and ``"text"`` values without escapes (no backslash) are read from the line; a
line whose values need unescaping keeps them in its skeleton as they are, and a skeleton is
learnt only when reading the line this way gives exactly what the JSON decoder gave. The
payload object is reused for the next line of the same skeleton: rules must not keep it
(they keep findings, integers and strings). ``tests/test_skeleton.py`` checks that a run
with skeletons reports exactly what a run without them reports, over every rule's cases and
generated values.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["Known", "Pending", "Skeletons", "per_skeleton"]

_CLASSES = bytes.maketrans(
    (string.digits + "abcdef" + "ghijklmnopqrstuvwxyz" + "ABCDEF" + "GHIJKLMNOPQRSTUVWXYZ").encode(),
    b"0" * 10 + b"a" * 6 + b"z" * 20 + b"A" * 6 + b"Z" * 20)
# A "to" or "text" key (after "{" or ",", so never inside a string, where a quote is escaped)
# and its string value when it has no escape; the closing quote stays in the next piece.
_FIELD = re.compile(rb'([{,]\s*"(to|text)"\s*:\s*")([^"\\]*)(?=")')
_TEMPLATE = b'"template"'
_CONTROL = re.compile(rb"[\x00-\x1f]")

class Pending(NamedTuple):
    """``Message.skeleton`` of a template line decoded in full: what learning it needs."""

    book: Skeletons
    key: bytes
    to: bytes
    texts: list[bytes]


class Known:
    """A skeleton that passed every cacheable rule: ``Message.skeleton`` of each later line
    read through it."""

    __slots__ = ("memo", "payload", "texts")

    def __init__(self, payload: dict, texts: list[tuple[dict, str]]) -> None:
        #: The payload decoded from the first line, refilled with each line's values.
        self.payload = payload
        #: (object, key) of each "text" value, in the order they appear in the line.
        self.texts = texts
        #: What the campaign and network rules derive from a line's skeleton alone (its
        #: links, what it is): worked out for one line, reused for the others.
        self.memo: dict[str, Any] = {}


class Skeletons:
    """The skeletons of one run that passed every cacheable rule, at most ``limit`` (a
    campaign of endlessly varied lines fills it once and then only pays the lookups)."""

    __slots__ = ("known", "limit")

    def __init__(self, limit: int = 10_000) -> None:
        self.known: dict[bytes, Known] = {}
        self.limit = limit

    def read(self, line: bytes) -> Known | Pending | None:
        """The known skeleton of ``line`` — its payload now holds this line's values —, what
        learning it needs, or None when the line has no skeleton."""
        if _TEMPLATE not in line:
            return None
        parts = _FIELD.split(line)
        if len(parts) == 1:
            return None
        # parts: [before, lead-in, name, value, between, lead-in, name, value, ..., after]
        names, values = parts[2::4], parts[3::4]
        if names.count(b"to") != 1:
            return None  # no recipient, or a second "to": not a plain message
        at = names.index(b"to")
        to = values[at]
        if _CONTROL.search(to):
            return None
        texts = values[:at] + values[at + 1:]
        values = [value.translate(_CLASSES) for value in values]
        values[at] = b""
        parts[2::4] = [b""] * len(names)  # the name is in the lead-in already
        parts[3::4] = values
        key = b"".join(parts)
        known = self.known.get(key)
        if known is None:
            return Pending(self, key, to, texts)
        try:
            known.payload["to"] = to.decode()
            for (holder, name), value in zip(known.texts, texts):
                holder[name] = value.decode()
        except UnicodeDecodeError:
            return None  # the decoder will say what is wrong with it
        return known

    def learn(self, pending: Pending, payload: Any) -> None:
        """Remember ``pending``'s skeleton, whose line decoded to ``payload`` and passed
        every cacheable rule — if reading the line's values straight gives the payload."""
        if len(self.known) >= self.limit or not isinstance(payload, dict):
            return
        if payload.get("to") != pending.to.decode(errors="replace"):
            return  # "to" was not the top-level recipient
        texts: list[tuple[dict, str]] = []
        _find_texts(payload, texts)
        if len(texts) != len(pending.texts) or any(
                holder[name] != value.decode(errors="replace")
                for (holder, name), value in zip(texts, pending.texts)):
            return
        self.known[pending.key] = Known(payload, texts)


def per_skeleton(message: Any, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, worked out once per known skeleton: for what depends on a line's
    skeleton alone (not on ``to`` nor on the texts), such as the links of a template line."""
    skeleton = message.skeleton
    if type(skeleton) is not Known:
        return compute()
    memo = skeleton.memo
    try:
        return memo[name]
    except KeyError:
        value = memo[name] = compute()
        return value


def _find_texts(node: Any, found: list[tuple[dict, str]]) -> None:
    """Every ``"text"`` key with a string value, in document order (orjson keeps it)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append((node, key))
            elif isinstance(value, (dict, list)):
                _find_texts(value, found)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, (dict, list)):
                _find_texts(item, found)
