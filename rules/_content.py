"""Reading message content defensively, shared by the WA4xx message-content rules.

A payload is the plain dict that would be POSTed, so every field may be missing, ``null``
or of the wrong JSON type. These helpers turn "not the shape I need" into ``None`` so that
a rule can return early; reporting the wrong shape is the job of one rule, not of all.

Lengths are counted as Python ``len()``: Unicode code points. Meta states its limits in
"characters" without naming the unit. Code points are what pywa counts; an emoji built
from several code points (a flag, a skin tone, a family) counts as several, so walint never
calls such text shorter than it is. (whatsapp-api-js counts UTF-16 units, where one emoji
outside the Basic Multilingual Plane is 2: text near a limit and full of emoji may pass
walint and still be refused by that SDK.)
"""

from __future__ import annotations

from typing import Any

#: Message types whose object is a media object (``id`` or ``link``).
MEDIA_TYPES = frozenset({"image", "video", "document", "audio", "sticker"})
#: Media kinds an interactive header may carry.
HEADER_MEDIA = ("image", "video", "document")


def obj(value: Any) -> dict | None:
    """``value`` when it is a JSON object, else None."""
    return value if isinstance(value, dict) else None


def seq(value: Any) -> list | None:
    """``value`` when it is a JSON array, else None."""
    return value if isinstance(value, list) else None


def given(value: Any) -> bool:
    """Whether an optional field was really sent: ``null`` counts as absent, as Meta's own
    examples send ``null`` for unset optional fields."""
    return value is not None


def show(text: str, limit: int = 40) -> str:
    """A quoted value for a message, shortened so a 4,097-character body stays readable."""
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return repr(text)


def type_name(value: Any) -> str:
    """The JSON name of a value's type, as a sender sees it in their payload."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def is_http_url(value: str) -> bool:
    """An absolute ``http://`` or ``https://`` URL with a host and no whitespace.

    A plain prefix test, not a URL parser: the API fetches the link itself, and what it
    cannot fetch at all is a link without a web scheme (``www.…``, ``s3://…``, a file
    path) — the mistake worth catching offline.
    """
    lowered = value[:8].lower()
    if lowered.startswith("https://"):
        rest = value[8:]
    elif lowered.startswith("http://"):
        rest = value[7:]
    else:
        return False
    host = rest.split("/", 1)[0]
    return bool(host) and value.split() == [value]  # no whitespace anywhere


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
