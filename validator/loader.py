"""Read campaign files into a stream of ``Message`` objects.

Accepted shapes: JSONL (one payload per line, streamed), a JSON array of payloads, a JSON
object with a ``messages`` array, or a single JSON payload object. The shape is sniffed from
the content, not trusted from the file name, because exports are often misnamed. Every
message keeps its file, 0-based index and the 1-based line where it starts — for a
pretty-printed array too — so findings point where an editor can jump.

A line or element that cannot be decoded becomes a ``Message`` with ``problem`` set: it is
counted and fails, and the rest of the file is still read (for JSONL; inside a JSON
document nothing after a syntax error can be located reliably, so reading stops there and
says so). Only a file that cannot be opened at all raises ``InputError``.
"""

from __future__ import annotations

import io as _io
import itertools
import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

import orjson

from .errors import InputError
from .jsonscan import ambiguities
from .message import Message
from .skeleton import FirstSight, Known, KnownLines, classes

if TYPE_CHECKING:
    from .registry import Registry
    from .skeleton import Skeletons

__all__ = ["STDIN", "messages_from_payloads", "read_campaign", "sent_payloads"]

STDIN = "-"
#: Default cap on one message's size: the largest valid payload (a 32,768-character template
#: body parameter) is far below it, and a runaway line never reaches memory whole.
DEFAULT_MAX_MESSAGE_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_WHITESPACE = " \t\r\n"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# The stdlib decoder is the fallback that gives precise error messages (orjson's are terse)
# and reads JSON documents element by element with positions.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def messages_from_payloads(payloads: Iterable[Any], file: str = "<memory>") -> Iterator[Message]:
    """Wrap in-memory payloads (a sender's batch) as messages with no line numbers."""
    for index, payload in enumerate(payloads):
        yield _message_of(payload, file, index)


def _message_of(payload: Any, file: str, index: int) -> Message:
    """An in-memory payload as a message with no line number (a ``Message`` as it is)."""
    return payload if isinstance(payload, Message) else Message(file, index, None, payload)


def sent_payloads(payloads: Iterable[Any], file: str = "<memory>",
                  skeletons: Skeletons | None = None) -> Iterator[Message | KnownLines]:
    """In-memory payloads as messages with no line numbers, each read as the JSON it is sent
    as: a dict is written as one line (``orjson.dumps``) and the line decoded, and when that
    gives back an equal dict, the decoded one is checked — so that a ``str`` or ``int`` Enum
    member reads as the value the API receives, and the caller's objects are never touched.
    A payload the round trip would change (a tuple, NaN, a big integer, a subclass of dict or
    str …) is checked as given. With ``skeletons``, template lines are read through them as
    a JSONL file's are (``validator.skeleton``): a sender validating each message inline
    checks most of them at the cost of a line of a campaign file. The first line of a call
    read through a skeleton learnt in an earlier call comes as a ``FirstSight``."""
    through = KnownLines()
    earlier = skeletons.count if skeletons is not None else 0  # learnt in earlier calls
    sighted: set[Known] = set()
    for index, payload in enumerate(payloads):
        line, sent = _sent_as(payload) if type(payload) is dict else (None, None)
        skeleton = None if line is None or skeletons is None else skeletons.read(
            line, _classes_of(line))
        if line is None:
            message = _message_of(payload, file, index)
        elif type(skeleton) is not Known:
            message = Message(file, index, None, sent, raw=line if skeleton else None,
                              skeleton=skeleton)
        elif skeleton.number >= earlier or skeleton in sighted:
            through.append((skeleton, line, index, None))  # a KnownLine's fields
            continue
        else:
            sighted.add(skeleton)
            message = FirstSight([(skeleton, line, index, None)])
        if through:
            yield through
            through = KnownLines()
        yield message
    if through:
        yield through


#: Values orjson would write as something else are refused (``_unwritable``): subclasses of
#: str, int, dict and list, dates, dataclasses. (Tuples, NaN and Enum members it writes;
#: comparing the decoded line with the payload tells which changed.)
_EXACT = (orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME
          | orjson.OPT_PASSTHROUGH_DATACLASS)


def _unwritable(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def _sent_as(payload: dict) -> tuple[bytes, dict] | tuple[None, None]:
    """A payload as one JSON line, and the line decoded: (None, None) when the two are not
    equal, or the payload has what JSON cannot hold (a big integer, a key that is not a
    string, a lone surrogate …)."""
    try:
        line = orjson.dumps(payload, default=_unwritable, option=_EXACT)
    except TypeError:
        return None, None
    sent = orjson.loads(line)
    return (line, sent) if sent == payload else (None, None)


def read_campaign(source: str, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
                  registry: Registry | None = None,
                  skeletons: Skeletons | None = None) -> Iterator[Message | KnownLines]:
    """Stream the messages of one campaign file (``-`` for standard input).

    A message larger than ``max_message_bytes`` is counted and reported, never decoded.
    A ``.csv`` file is a CSV campaign (``validator.csv_campaign``): each row is expanded
    into its payload, with ``registry`` deciding header formats and button types. With
    ``skeletons``, JSONL lines read through known skeletons come as ``KnownLines``
    (``validator.skeleton``), not decoded, for the engine."""
    if source == STDIN:
        yield from _read_stream(sys.stdin.buffer, "<stdin>", max_message_bytes, skeletons)
        return
    try:
        stream = open(source, "rb")  # noqa: SIM115 - closed below, generator keeps it open
    except FileNotFoundError:
        raise InputError("no such file", file=source) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a campaign file", file=source) from None
    except PermissionError:
        raise InputError("permission denied", file=source) from None
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=source) from None
    with stream:
        try:
            if source.lower().endswith(".csv"):
                from .csv_campaign import read_csv_campaign

                yield from read_csv_campaign(stream, source, registry,
                                             max_message_bytes=max_message_bytes)
                return
            yield from _read_stream(stream, source, max_message_bytes, skeletons)
        except IsADirectoryError:
            raise InputError("is a directory, not a campaign file", file=source) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", file=source) from None


def _read_stream(stream: IO[bytes], name: str, cap: int,
                 skeletons: Skeletons | None = None) -> Iterator[Message | KnownLines]:
    peek = getattr(stream, "peek", None)
    if peek is not None and peek(2)[:2] in _UTF16_BOMS:
        # Spreadsheet exports ("Unicode text") are often UTF-16: read them as text once.
        text = stream.read().decode("utf-16", errors="replace")
        stream = _io.BytesIO(text.encode("utf-8"))
    lines = _lines(stream, cap)
    first_lines: list[bytes | int] = []
    for raw in lines:
        first_lines.append(raw)
        if isinstance(raw, int):
            continue
        stripped = raw.strip()
        if len(first_lines) == 1 and stripped.startswith(_BOM):
            stripped = stripped[len(_BOM):]
            first_lines[0] = raw.replace(_BOM, b"", 1)
        if stripped:
            break
    else:
        if any(isinstance(raw, int) for raw in first_lines):
            yield from _read_jsonl(first_lines, (), name, cap)
        return  # otherwise: an empty file, no messages
    if _is_jsonl(first_lines[-1].strip()):
        # The sniffing above read line by line; the rest is read in blocks, split in C.
        blocks = _line_blocks(stream, cap, shaped=skeletons is not None)
        yield from _read_jsonl(first_lines, blocks, name, cap, skeletons)
    else:
        rest = b"".join(raw for raw in lines if not isinstance(raw, int))
        yield from _read_document(b"".join(first_lines) + rest, name, cap)


def _lines(stream: IO[bytes], cap: int) -> Iterator[bytes | int]:
    """Lines of at most ``cap`` bytes; a longer line is drained in chunks and yields its
    size (an int) instead, so a runaway line never sits in memory whole."""
    while True:
        line = stream.readline(cap + 2)
        if not line:
            return
        if len(line) <= cap or len(line.rstrip(b"\r\n")) <= cap:
            yield line
            continue
        size, tail = len(line), line[-2:]
        while not line.endswith(b"\n"):
            line = stream.readline(1 << 20)
            if not line:
                break
            size, tail = size + len(line), (tail + line)[-2:]
        yield size - (len(tail) - len(tail.rstrip(b"\r\n")))


def _line_blocks(stream: IO[bytes], cap: int, size: int = 1 << 20, *, shaped: bool = False,
                 ) -> Iterator[tuple[list[bytes | int], list[bytes] | None]]:
    """The lines of the rest of ``stream``, a block at a time, as ``_lines`` yields them —
    each with its ``\n`` (but the file's last, if it has none) — at a fraction of the cost
    per line: a block is cut into lines by ``BytesIO.readlines``, which finds their ends with
    memchr (several times faster than ``split``). A line longer than ``cap`` is its size
    instead (an int, line end not counted), and is never held whole: once the unfinished line
    passes ``cap``, only its length and last byte are kept. With ``shaped``, each block comes
    with the classes of each of its lines followed by ``\n`` (``_classes_of``: one
    translation of the whole block, cut into lines the same way), else with None."""
    carry, dropped = b"", 0  # the unfinished line: its text (or last byte) and bytes let go

    def ended(text: bytes) -> bytes | int:
        body = text[:-1] if text[-1:] == b"\n" else text
        if not dropped and (len(body) <= cap or len(body.rstrip(b"\r")) <= cap):
            return text
        return dropped + len(body.rstrip(b"\r"))

    while True:
        block = stream.read(size)
        if not block:
            break
        parts = _io.BytesIO(block).readlines()
        if len(parts) == 1 and block[-1] != 10:  # no line ends in the block
            carry += block
        else:
            head = parts[0] = ended(carry + parts[0])
            carry, dropped = (parts.pop() if block[-1] != 10 else b""), 0
            if max(map(len, parts[1:]), default=0) > cap + 1:
                parts[1:] = [ended(part) for part in parts[1:]]
            line_classes = None
            if shaped:
                line_classes = _io.BytesIO(classes(block)).readlines()
                del line_classes[len(parts):]  # the unfinished line's
                line_classes[0] = _classes_of(head)
            yield parts, line_classes
        if len(carry) > cap + 1:
            dropped, carry = dropped + len(carry) - 1, carry[-1:]
    if carry or dropped:
        last = ended(carry)
        yield [last], ([_classes_of(last)] if shaped else None)


def _classes_of(part: bytes | int) -> bytes:
    """The classes of a line (``validator.skeleton.classes``) followed by ``\n`` (its own or
    an added one), the form the reader looks skeletons up by; none for a runaway line's
    size."""
    if not isinstance(part, bytes):
        return b""
    part_classes = classes(part)
    return part_classes if part_classes[-1:] == b"\n" else part_classes + b"\n"


def _is_jsonl(first: bytes) -> bool:
    """Decide the shape from the first non-blank line: JSONL unless that line opens a JSON
    document — an array, a ``{"messages": [...]}`` object, or a value that continues on the
    next line. A complete but broken first line (``NaN``, a stray comma) is JSONL with a bad
    line, so the rest of the file is still checked line by line."""
    if first.startswith(b"["):
        return False
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        pass
    else:
        return not (isinstance(value, dict) and isinstance(value.get("messages"), list)
                    and "messaging_product" not in value)
    try:
        _DECODER.decode(first.decode("utf-8"))
    except json.JSONDecodeError as exc:
        return exc.pos < len(first)  # an error before the end: a bad line, not an opening
    except (ValueError, RecursionError):  # NaN, bad UTF-8, too deep: a bad line
        return True
    return True


def _too_big(size: int, cap: int) -> str:
    return f"message is {size:,} bytes; the limit is {cap:,} (max-message-bytes)"


def _read_jsonl(first_lines: list[bytes | int],
                rest: Iterable[tuple[list[bytes | int], list[bytes] | None]], name: str,
                cap: int, skeletons: Skeletons | None = None) -> Iterator[Message | KnownLines]:
    reader = _JsonlReader(name, cap, skeletons)
    head = [_classes_of(raw) for raw in first_lines] if skeletons is not None else None
    for lines, line_classes in itertools.chain(((first_lines, head),), rest):
        if skeletons is None or line_classes is None:
            yield from reader.lines(lines, itertools.repeat(None))
        else:
            yield from reader.shaped(lines, line_classes)
        if reader.through:  # at the end of each block: what is held stays small
            yield reader.through
            reader.through = KnownLines()


class _JsonlReader:
    """The lines of a JSONL file as messages, and as ``KnownLines`` where they are read
    through skeletons (``validator.skeleton``); counts the messages (``index``) and the lines
    (``lineno``) read so far."""

    __slots__ = ("cap", "index", "lineno", "name", "skeletons", "through")

    def __init__(self, name: str, cap: int, skeletons: Skeletons | None) -> None:
        self.name = name
        self.cap = cap
        self.skeletons = skeletons
        self.index = 0
        self.lineno = 0
        #: Lines read through skeletons, yielded before the next message.
        self.through = KnownLines()

    def shaped(self, lines: list[bytes | int],
               line_classes: list[bytes]) -> Iterator[Message | KnownLines]:
        """A block of lines with their classes: each run of lines that the first skeleton of
        their classes fits joins ``through`` whole, in C loops (``Skeletons.first_fits``);
        the others are read one by one."""
        assert self.skeletons is not None
        if line_classes and line_classes[0].endswith(b"\r\n") and int not in map(type, lines):
            # CRLF line endings: they go now, as strip() would take them off each line read
            # one by one, so that the lines' classes can find their skeletons.
            lines = list(map(bytes.rstrip, lines, itertools.repeat(b"\r\n")))
            line_classes = [line_class.rstrip(b"\r\n") + b"\n" for line_class in line_classes]
        fits = self.skeletons.first_fits(lines, line_classes)
        if fits is None:
            yield from self.lines(lines, line_classes)
            return
        known, misses = fits
        end = len(lines)
        start = at = 0  # the first line not read yet; the next position in misses
        while start < end:
            miss = misses[at]
            if miss > start:
                index, lineno, count = self.index, self.lineno + 1, miss - start
                # a KnownLine's fields, for each line of the run
                self.through += zip(known[start:miss], lines[start:miss],
                                    range(index, index + count), range(lineno, lineno + count))
                self.index += count
                self.lineno += count
            stop = miss  # then the lines it does not fit that follow one another: together
            while stop < end and misses[at] == stop:
                at += 1
                stop += 1
            if stop > miss:
                yield from self.lines(lines[miss:stop], line_classes[miss:stop])
            start = stop

    def lines(self, lines: list[bytes | int],
              line_classes: Iterable[bytes | None]) -> Iterator[Message | KnownLines]:
        """Lines one by one, with their classes (or None: no skeletons)."""
        name, cap, index, lineno, through = (self.name, self.cap, self.index, self.lineno,
                                             self.through)
        read = self.skeletons.read if self.skeletons is not None else None
        for raw, raw_classes in zip(lines, line_classes):
            lineno += 1
            if isinstance(raw, int):
                if through:
                    yield through
                    through = self.through = KnownLines()
                yield Message(name, index, lineno, None, problem=_too_big(raw, cap))
                index += 1
                continue
            line = raw.strip()
            if not line:
                continue
            skeleton = None
            if raw_classes is not None:
                if line is not raw and (len(line) + 1 != len(raw) or raw[-1] != 10):
                    raw_classes = raw_classes.strip() + b"\n"  # else only "\n" was stripped
                skeleton = read(line, raw_classes)
                if type(skeleton) is Known:  # no need to decode (see validator.skeleton)
                    through.append((skeleton, line, index, lineno))  # a KnownLine's fields
                    index += 1
                    continue
            if through:
                yield through
                through = self.through = KnownLines()
            try:
                payload = orjson.loads(line)
            except orjson.JSONDecodeError:
                payload, problem = _decode_slowly(line)
                if problem is not None:
                    yield Message(name, index, lineno, None, problem=problem, raw=line)
                    index += 1
                    continue
            notes = ambiguities(line, payload)
            yield Message(name, index, lineno, payload, raw=line, ambiguities=notes,
                          skeleton=skeleton)
            index += 1
        self.index, self.lineno = index, lineno


def _decode_slowly(line: bytes) -> tuple[Any, str | None]:
    """Decode what orjson refused: either valid JSON orjson cannot hold (integers beyond
    64 bits) or a real syntax error, which is then described precisely."""
    if b"\x00" in line:
        return None, "contains NUL bytes (a UTF-16 file without a byte-order mark?)"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 (byte {exc.start + 1})"
    try:
        return _DECODER.decode(text), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} (column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        return None, f"invalid JSON: {_short(exc)}"


def _short(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).split("\n")[0][:200]


class _Document:
    """A whole JSON document held as text, walked value by value with line tracking."""

    def __init__(self, text: str, name: str, cap: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.text = text
        self.name = name
        self.cap = cap
        self.pos = 0
        self._line = 1
        self._line_pos = 0

    def line_at(self, pos: int) -> int:
        self._line += self.text.count("\n", self._line_pos, pos)
        self._line_pos = pos
        return self._line

    def skip_ws(self) -> str:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        self.pos = pos
        return text[pos] if pos < len(text) else ""

    def value(self) -> Any:
        obj, self.pos = _DECODER.raw_decode(self.text, self.pos)
        return obj


def _read_document(data: bytes, name: str, cap: int) -> Iterator[Message]:
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        yield Message(name, 0, line, None,
                      problem="contains NUL bytes (a UTF-16 file without a byte-order mark?)")
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        yield Message(name, 0, line, None, problem=f"not valid UTF-8 (byte {exc.start + 1})")
        return
    doc = _Document(text, name, cap)
    first = doc.skip_ws()
    counter = [0]
    try:
        if first == "[":
            yield from _read_array(doc, counter)
        elif first == "{":
            yield from _read_object(doc, counter)
        else:
            start = doc.pos
            doc.value()  # not an object or array: a payload that is not an object
            yield Message(name, 0, doc.line_at(start), _DECODER.decode(text))
            counter[0] += 1
        if doc.skip_ws():
            raise json.JSONDecodeError("extra data after the JSON document", text, doc.pos)
    except json.JSONDecodeError as exc:
        yield Message(name, counter[0], exc.lineno,
                      None, problem=f"invalid JSON: {exc.msg} (column {exc.colno}); "
                      "the rest of the document cannot be read")
    except (ValueError, RecursionError) as exc:
        yield Message(name, counter[0], doc.line_at(doc.pos), None,
                      problem=f"invalid JSON: {_short(exc)}; the rest of the document cannot be read")


def _read_array(doc: _Document, counter: list[int]) -> Iterator[Message]:
    doc.pos += 1  # '['
    if doc.skip_ws() == "]":
        doc.pos += 1
        return
    while True:
        doc.skip_ws()
        start = doc.pos
        payload = doc.value()
        yield _document_message(doc, counter[0], start, payload)
        counter[0] += 1
        separator = doc.skip_ws()
        doc.pos += 1
        if separator == "]":
            return
        if separator != ",":
            raise json.JSONDecodeError("expected ',' or ']' between messages", doc.text, doc.pos - 1)


def _read_object(doc: _Document, counter: list[int]) -> Iterator[Message]:
    """An object is either ``{"messages": [...]}`` or one payload; decide by its keys."""
    start = doc.pos
    line = doc.line_at(start)
    obj = doc.value()
    messages = obj.get("messages")
    if isinstance(messages, list) and "messaging_product" not in obj:
        # Walk again to find where each element starts; documents are small next to JSONL.
        inner = _Document(doc.text, doc.name, doc.cap)
        inner.pos = _find_messages_array(doc.text, start)
        yield from _read_array(inner, counter)
    else:
        yield _document_message(doc, 0, start, obj, line)
        counter[0] += 1


def _document_message(doc: _Document, index: int, start: int, payload: Any,
                      line: int | None = None) -> Message:
    raw = doc.text[start:doc.pos].encode("utf-8")
    line = line if line is not None else doc.line_at(start)
    if len(raw) > doc.cap:
        return Message(doc.name, index, line, None, problem=_too_big(len(raw), doc.cap))
    return Message(doc.name, index, line, payload, ambiguities=ambiguities(raw, payload),
                   span=(start, doc.pos))


def _find_messages_array(text: str, start: int) -> int:
    """Position of the '[' that opens the top-level ``messages`` value."""
    doc = _Document(text, "")
    doc.pos = start + 1
    while True:
        doc.skip_ws()
        key, doc.pos = json.decoder.scanstring(text, doc.pos + 1)
        doc.skip_ws()
        doc.pos += 1  # ':'
        doc.skip_ws()
        if key == "messages":
            return doc.pos
        doc.value()
        doc.skip_ws()
        doc.pos += 1  # ','
