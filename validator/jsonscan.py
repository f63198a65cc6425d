"""Find what a fast JSON parser hides: duplicated keys and integers beyond 64 bits.

orjson keeps the last of two equal keys and turns an integer beyond 64 bits into a float,
silently. Which value the Graph API would use for a duplicated key is unknown, and a huge
integer cannot round-trip, so both are findings, not quiet rewrites. Checking every message
with a slow parser would cost more than all the rules together, so a cheap, exact test
decides whether the slow look is needed: a duplicate key shows as more ``":`` in the raw
line than in the compact re-serialisation of what was parsed; a huge integer needs a run of
19 digits. The slow look (stdlib json with hooks) then confirms and locates; a false
trigger only costs time, never a false finding.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["ambiguities"]

# Every digit becomes "0" and everything else a space, so a run of 19 digits is a plain
# substring test (a regex is several times slower on long lines).
_DIGITS_ONLY = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_NINETEEN_DIGITS = b"0" * 19
_INT64 = range(-(2**63), 2**63)


def ambiguities(raw: bytes, payload: Any) -> tuple[tuple[str, str], ...]:
    """(path, description) of each duplicated key and out-of-range integer in ``raw``."""
    suspicious = _NINETEEN_DIGITS in raw.translate(_DIGITS_ONLY)
    if not suspicious:
        keys_in_raw = raw.count(b'":') + raw.count(b'" :')
        try:
            suspicious = keys_in_raw > orjson.dumps(payload).count(b'":')
        except orjson.JSONEncodeError:  # e.g. a lone surrogate ("\ud800"): take the slow look
            suspicious = True
    return _locate(raw) if suspicious else ()


class _Marker:
    """An integer that cannot be held in 64 bits, kept with its digits."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_int(text: str) -> Any:
    value = int(text)
    return value if value in _INT64 else _Marker(text)


def _locate(raw: bytes) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict:
        obj: dict = {}
        for key, value in pairs:
            if key in obj:
                obj.setdefault(_DUPLICATES, []).append(key)
            obj[key] = value
        return obj

    try:
        tree = json.loads(raw, object_pairs_hook=pairs_hook, parse_int=_parse_int)
    except (ValueError, RecursionError):
        return ()
    _walk(tree, "", found)
    return tuple(found)


_DUPLICATES = object()  # a key no JSON document can contain


def _walk(node: Any, path: str, found: list[tuple[str, str]]) -> None:
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key in node.pop(_DUPLICATES, ()):
                where = f"{path}.{key}" if path else key
                found.append((where, f"key {key!r} appears more than once; which value the API "
                                     "uses is undefined"))
            for key, value in node.items():
                stack.append((value, f"{path}.{key}" if path else key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                stack.append((value, f"{path}[{index}]"))
        elif isinstance(node, _Marker):
            found.append((path, f"integer {node.text} does not fit in 64 bits; send it as a string"))
    found.sort()
