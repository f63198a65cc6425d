"""Skeletons: template lines that differ only in recipient and wording are checked once.

A template campaign sends a few templates to many people. Its JSONL lines differ in ``to``
and in the text of the parameters; everything else — keys, their order, the template name
and language, links, parameter types — repeats. The *classes* of a line are the line with
every letter and digit replaced by a representative of its class:

* an ASCII digit becomes ``0``, a lowercase letter ``a``, an uppercase letter ``A``;
* a character of a few thousand written in UTF-8 with a lead byte all of whose characters are
  printable and not whitespace (``_SAFE_LEADS``: Latin letters with accents, Greek, Cyrillic,
  Hebrew, most of Arabic, CJK …) keeps its lead byte, its other bytes become ``0x80``: ``é``
  and ``ñ`` share a class, as ``a`` and ``b`` do;
* every other byte (quotes, spaces, punctuation) is kept.

One ``bytes.translate`` of a whole block of lines gives those of every line (``classes``), so
they cost almost nothing per line; for most lines they are the line's *shape*. Two kinds of
line need finer ones, and have them as a shape of their own (in a tuple, so that it never
equals any line's classes), worked out only when their classes are no known skeleton's:

* a line with another non-ASCII character (a non-breaking space, a zero-width one, an emoji)
  keeps all of them exactly;
* in a line with a ``%``, hexadecimal letters keep a class of their own (``a``-``f`` become
  ``a`` and ``A``-``F`` become ``A``, ``g``-``z`` become ``z`` and ``G``-``Z`` become ``Z``), so
  that a ``%XX`` escape in a URL suffix stays valid or invalid. Elsewhere that distinction
  would only split names (``Maria``, ``Mario``) into needless shapes.

The classes of such a line hold its ``%`` or that character's lead byte, which no plain line's
classes hold, and its skeletons are kept under its own shape: looking its classes up finds
nothing, whatever the line.

Two lines with the same shape have the same length and the same bytes wherever they differ
from a letter or digit. A known *skeleton* is a line that was decoded in full and checked by
every rule; a later line is read through it when the two have the same shape *and* the same
bytes everywhere but in the values of ``"to"`` and of the ``"text"`` keys (the parts of the
two lines outside those values, taken by one ``itemgetter`` of slices, compared; for the
first skeleton of each shape, a whole block's lines at once, in C loops:
``Skeletons.first_fits``). Such a line has the same JSON structure, the same keys, names,
languages, links and parameter types, the same lengths, whitespace and punctuation in every
value, and characters of the same classes in ``to`` and in the texts — the same length in
characters, whitespace at the same places, ASCII or not, printable or not: all that the
cacheable rules look at (``validator.rule.Rule.cacheable``). It is not decoded, and the
cacheable rules the skeleton passed are skipped; those it failed fail this line too, and run
again to say what is wrong with it — or, for a rule whose problems name nothing that varies
from line to line (``Rule.skeleton_problems``), have the first line's problems recorded
again.

What does differ is read straight from the line: ``to`` (written into the skeleton's payload
for every line) and the texts (written in only when a rule must read them: ``Known.fill``).
The payload object is the skeleton's, reused for each of its lines: rules must not keep it
(they keep findings, integers and strings). Only values without escapes (no backslash) are
read from the line; a value with escapes stays in the compared bytes, and a skeleton is learnt
only when reading the line this way gives exactly what the JSON decoder gave.

Rules whose verdict also depends on something that varies from line to line declare it
(``Rule.cache_by``: the validity of the recipient's number, say); a skeleton remembers each
such value under which they passed (``Known.passed``).

``tests/test_skeleton.py`` checks that a run with skeletons reports exactly what a run
without them reports, over every rule's cases and generated values.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from itertools import compress, repeat
from operator import attrgetter, eq, itemgetter, not_
from typing import Any, NamedTuple

from .message import Message

__all__ = ["FirstSight", "Known", "KnownLine", "KnownLines", "Pending", "Skeletons", "classes",
           "shape"]

#: UTF-8 lead bytes (of 2- and 3-byte characters) all of whose characters are printable and
#: not whitespace in Python's Unicode data (``tests/test_skeleton.py`` checks it); a line whose
#: non-ASCII characters all have one of them may have its continuation bytes made one class.
_SAFE_LEADS = bytes([0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCF, 0xD0,
                     0xD1, 0xD2, 0xD3, 0xD9, 0xDA, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEB, 0xEC])
_OTHER_LEADS = bytes(sorted(set(range(0xC0, 0x100)) - set(_SAFE_LEADS)))
_ASCII = (string.digits + string.ascii_lowercase + string.ascii_uppercase).encode()
_CONTINUATION = bytes(range(0x80, 0xC0))


def _table(hexadecimal: bool, continuation: bool) -> bytes:
    letters = (b"a" * 6 + b"z" * 20 + b"A" * 6 + b"Z" * 20) if hexadecimal else (b"a" * 26 + b"A" * 26)
    if not continuation:
        return bytes.maketrans(_ASCII, b"0" * 10 + letters)
    return bytes.maketrans(_ASCII + _CONTINUATION, b"0" * 10 + letters + b"\x80" * 64)


_CLASSES = _table(hexadecimal=False, continuation=True)
#: The shape of a line with a "%" (hexadecimal letters), with another non-ASCII character
#: (kept exactly), with both.
_TABLES = {(True, False): _table(True, True), (False, True): _table(False, False),
           (True, True): _table(True, False)}
# A "to" or "text" key (after "{" or ",", so never inside a string, where a quote is escaped)
# and its string value. Matches are also checked against the decoded payload before a
# skeleton is learnt (``_spans``).
_FIELD = re.compile(rb'[{,]\s*"(to|text)"\s*:\s*"((?:[^"\\\n]|\\.)*)"')
_ESCAPE = re.compile(rb'\\(?:u[0-9a-fA-F]{4}|.)')
_DECODER = json.JSONDecoder()
_TEMPLATE = b'"template"'


def classes(data: bytes) -> bytes:
    """The classes of a line, or of a block of lines (one translation: then split it)."""
    return data.translate(_CLASSES)


def shape(line: bytes) -> bytes | tuple[bytes]:
    """The shape of one line: its classes, or for a line with a ``%`` or another non-ASCII
    character, its own shape (see the module docs)."""
    return _own_shape(line) or line.translate(_CLASSES)


def _own_shape(line: bytes) -> tuple[bytes] | None:
    """The shape of its own of a line with a ``%`` or another non-ASCII character, else None."""
    percent, other = b"%" in line, _other_characters(line)
    return (line.translate(_TABLES[percent, other]),) if percent or other else None


def _other_characters(data: bytes) -> bool:
    """Whether ``data`` has a non-ASCII character whose lead byte is not safe (or a byte
    that is not UTF-8): its non-ASCII characters are then kept exactly. (Deleting the bytes
    and comparing lengths is several times faster than a regex search.)"""
    return not data.isascii() and len(data.translate(None, _OTHER_LEADS)) != len(data)


class KnownLines(list):
    """What the JSONL reader yields for consecutive lines read through known skeletons (the
    fields of a ``KnownLine`` each, as a plain tuple), instead of a ``Message`` each: the
    engine checks most of them without one, in a loop of its own."""

    __slots__ = ()


class FirstSight(KnownLines):
    """Lines read through skeletons learnt in an earlier run (``Validator.validate`` keeps
    its skeletons from call to call), each the first of its skeleton in this run: the engine
    records what ``Rule.skeleton_extract`` left to the skeleton's first line (``NO_RECORDS``)
    from it, as the run that learnt the skeleton did from its first line."""

    __slots__ = ()


class KnownLine(NamedTuple):
    """A line read through a known skeleton (``KnownLines``); ``message`` makes it one."""

    skeleton: Known
    raw: bytes
    index: int
    line: int

    def message(self, file: str) -> Message:
        """The line as a ``Message``: the skeleton's payload, with this line's ``to``. (It
        reads ``self`` as a plain tuple: the reader makes its lines as such, at half the
        cost of a ``KnownLine``, and the engine calls ``KnownLine.message(line, file)``.)"""
        skeleton, raw, index, line = self
        skeleton.payload["to"] = raw[skeleton.to].decode()
        return Message(file, index, line, skeleton.payload, raw=raw, skeleton=skeleton)


class Pending(NamedTuple):
    """``Message.skeleton`` of a template line decoded in full: where to learn its skeleton
    once the rules have checked it."""

    book: Skeletons
    shape: bytes | tuple[bytes]


class Known:
    """A line checked by every rule, as a skeleton: ``Message.skeleton`` of each later line
    read through it."""

    __slots__ = ("_in_order", "escaped", "fixed", "holders", "key", "lane", "number", "outside",
                 "passed", "payload", "problems", "quick", "rerun", "texts", "to")

    def __init__(self, line: bytes, payload: dict, to: slice, texts: list[slice],
                 holders: list[dict], number: int) -> None:
        #: How to take the bytes of a line outside the values read from each line (one C
        #: call), and those bytes of the first line: a line matches when the two are equal.
        #: Escapes (``\n``, ``\u00e9``) in a text are not in the values: they must be the same.
        self.outside = _outside(line, _free(line, (to, *texts)))
        self.fixed = self.outside(line)
        #: Where ``to`` and each text value are in a line (texts in document order), and
        #: which texts have escapes (at the same places in every line).
        self.to = to
        self.texts = texts
        self.escaped = [b"\\" in line[where] for where in texts]
        self._in_order = self.values(list(range(len(texts))))
        #: The payload decoded from the first line; ``to`` is rewritten for every line read
        #: through the skeleton, the texts by ``fill``.
        self.payload = payload
        #: The object holding each text (under the key ``"text"``), in document order.
        self.holders = holders
        #: The cacheable rules the first line failed: they fail every line read through the
        #: skeleton, and run again for each, to say what is wrong with it.
        self.rerun: frozenset[Any] = frozenset()
        #: The problems of those of them whose problems are the skeleton's
        #: (``Rule.skeleton_problems``), as (rule, problem) in the order reported: recorded for
        #: each later line whose key passed, instead of running the rules (set by the engine).
        self.problems: tuple[tuple[Any, Any], ...] = ()
        #: A line's ``Rule.cache_by`` values from its ``to`` (one value, or a tuple of
        #: several; set by the engine when it learns the skeleton, None when they could not be
        #: worked out) and the values under which the rules that declare them passed.
        self.key: Callable[[str], Any] | None = None
        self.passed: set[Any] = set()
        #: How the engine checks a line read through the skeleton (``validator.engine``),
        #: worked out on first use; and, when a line whose key passed needs nothing but the
        #: campaign rules' functions of (line, to), those functions (else None).
        self.lane: Any = None
        self.quick: Any = None
        #: How many skeletons its book had learnt before it.
        self.number = number

    def values(self, order: list[int]) -> Callable[[bytes], tuple[bytes, ...]]:
        """A function reading the text values of a line read through this skeleton, as
        UTF-8, in this ``order`` (positions in document order): one C call per line, and a
        decoding of each text with escapes."""
        if not order:
            return lambda line: ()
        get = itemgetter(*[self.texts[position] for position in order])
        escaped = [self.escaped[position] for position in order]
        if any(escaped):
            def read(line: bytes) -> tuple[bytes, ...]:
                raw = get(line) if len(order) > 1 else (get(line),)
                return tuple([_unescape(value).encode("utf-8", "surrogatepass") if escape else value
                              for value, escape in zip(raw, escaped)])
            return read
        if len(order) == 1:
            return lambda line: (get(line),)
        return get

    def fill(self, line: bytes) -> None:
        """Write the texts of ``line`` into the payload (``to`` is written on reading)."""
        for holder, value in zip(self.holders, self._in_order(line)):
            holder["text"] = value.decode("utf-8", "surrogatepass")


def _free(line: bytes, values: tuple[slice, ...]) -> list[tuple[int, int]]:
    """The byte ranges of ``values`` in ``line`` that may differ from line to line: all of
    each value but its escapes."""
    ranges = []
    for value in values:
        start = value.start
        for escape in _ESCAPE.finditer(line, value.start, value.stop):
            ranges.append((start, escape.start()))
            start = escape.end()
        ranges.append((start, value.stop))
    return [(start, stop) for start, stop in ranges if stop > start]


def _outside(line: bytes, free: list[tuple[int, int]]) -> Callable[[bytes], Any]:
    """A function taking the parts of a line of ``line``'s length outside the ``free`` byte
    ranges."""
    parts, at = [], 0
    for start, stop in sorted(free):
        if start > at:
            parts.append(slice(at, start))
        at = stop
    if at < len(line):
        parts.append(slice(at, len(line)))
    return itemgetter(*parts) if parts else lambda line: b""


def _unescape(raw: bytes) -> str:
    """A JSON string's content with escapes, decoded as the JSON decoder would."""
    return _DECODER.decode('"' + raw.decode() + '"')


class Skeletons:
    """The skeletons of one run, at most ``limit`` (a campaign of endlessly varied lines fills
    it once and then only pays the lookups), at most ``per_shape`` of one shape (lines alike
    but for the digits of a link or a template name)."""

    __slots__ = ("count", "first", "known", "limit", "per_shape")

    def __init__(self, limit: int = 10_000, per_shape: int = 4) -> None:
        self.known: dict[bytes | tuple[bytes], list[Known]] = {}
        #: The first skeleton of each shape (most lines of a shape are read through it).
        self.first: dict[bytes | tuple[bytes], Known] = {}
        self.count = 0
        self.limit = limit
        self.per_shape = per_shape

    def read(self, line: bytes, line_classes: bytes | tuple[bytes]) -> Known | Pending | None:
        """The known skeleton of ``line``, whose classes (or shape) are ``line_classes`` (in the
        reader's form, followed by ``\n``: ``validator.loader._classes_of``), what learning
        one needs, or None when the line is not a template line."""
        line_shape = line_classes
        candidates = self.known.get(line_shape)
        if candidates is None:
            if _TEMPLATE not in line:
                return None  # only template lines have skeletons
            own = _own_shape(line)  # (see the module docs)
            if own is not None:
                line_shape = own
                candidates = self.known.get(own)
        if candidates is not None:
            for known in candidates:
                if known.outside(line) == known.fixed:
                    return known
        return Pending(self, line_shape) if _TEMPLATE in line else None

    def first_fits(self, lines: list[bytes | int],
                   line_classes: list[bytes]) -> tuple[list[Any], list[int]] | None:
        """For a block of lines and the classes of each: the first skeleton of each line's
        classes (or a stand-in), and the positions of the lines it does not fit, followed by
        the number of lines — in C loops, with no Python call per line. The reader takes the
        runs of lines between those positions whole, and asks ``read`` about the others: lines
        with whitespace around them (their classes were not stripped), with a shape of their
        own, read through another skeleton of their classes, or through none. None when no
        skeleton is known yet (a campaign without templates never learns one)."""
        if not self.first:
            return None
        count = len(lines)
        known = list(map(self.first.get, line_classes, repeat(_NO_SKELETON, count)))
        fits = map(eq, map(_call, map(_OUTSIDE, known), lines), map(_FIXED, known))
        misses = list(compress(range(count), map(not_, fits)))
        misses.append(count)
        return known, misses

    def learn(self, pending: Pending, line: bytes, payload: Any) -> Known | None:
        """Remember the skeleton of ``line``, which decoded to ``payload`` and was checked by
        every rule — if reading the line's values straight gives the payload's."""
        if self.count >= self.limit or not isinstance(payload, dict):
            return None
        if len(self.known.get(pending.shape, ())) >= self.per_shape:
            return None
        found = _spans(line, payload)
        if found is None:
            return None
        known = Known(line, payload, *found, self.count)
        self.known.setdefault(pending.shape, []).append(known)  # never an empty list
        self.first.setdefault(pending.shape, known)
        self.count += 1
        return known


class _NoSkeleton:
    """The stand-in of ``Skeletons.first_fits`` for lines whose classes have no skeleton:
    what its ``outside`` takes of a line (or of a runaway line's size) is never its
    ``fixed``."""

    __slots__ = ()
    outside = staticmethod(id)
    fixed = None


_NO_SKELETON = _NoSkeleton()
_OUTSIDE = attrgetter("outside")
_FIXED = attrgetter("fixed")
try:
    from operator import call as _call
except ImportError:  # Python 3.10
    def _call(function: Callable[[Any], Any], argument: Any) -> Any:
        return function(argument)


def _spans(line: bytes, payload: dict) -> tuple[slice, list[slice], list[dict]] | None:
    """Where the top-level ``to`` and every ``"text"`` string are in ``line``, with the
    objects holding the texts; None unless the matches are exactly the payload's values."""
    to: slice | None = None
    texts: list[slice] = []
    for match in _FIELD.finditer(line):
        where = slice(*match.span(2))
        if match[1] == b"to":
            if to is not None or b"\\" in line[where]:
                return None  # a second "to", or escapes in it: not a plain message
            to = where
        else:
            texts.append(where)
    if to is None or payload.get("to") != line[to].decode(errors="replace"):
        return None
    holders: list[dict] = []
    _text_holders(payload, holders)
    if len(holders) != len(texts):
        return None
    for holder, where in zip(holders, texts):
        value = line[where]
        try:
            text = _unescape(value) if b"\\" in value else value.decode()
        except ValueError:
            return None
        if holder["text"] != text:
            return None
    return to, texts, holders


def _text_holders(node: Any, found: list[dict]) -> None:
    """Every object with a ``"text"`` string, in document order (orjson keeps it)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(node)
            elif isinstance(value, (dict, list)):
                _text_holders(value, found)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, (dict, list)):
                _text_holders(item, found)
