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

import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from .errors import InputError
from .message import Message

__all__ = ["STDIN", "messages_from_payloads", "read_campaign"]

STDIN = "-"
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = " \t\r\n"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# The stdlib decoder is the fallback that gives precise error messages (orjson's are terse)
# and reads JSON documents element by element with positions.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def messages_from_payloads(payloads: Iterable[Any], file: str = "<memory>") -> Iterator[Message]:
    """Wrap in-memory payloads (a sender's batch) as messages with no line numbers."""
    for index, payload in enumerate(payloads):
        if isinstance(payload, Message):
            yield payload
        else:
            yield Message(file=file, index=index, line=None, payload=payload)


def read_campaign(source: str) -> Iterator[Message]:
    """Stream the messages of one campaign file (``-`` for standard input)."""
    if source == STDIN:
        yield from _read_stream(sys.stdin.buffer, "<stdin>")
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
            yield from _read_stream(stream, source)
        except IsADirectoryError:
            raise InputError("is a directory, not a campaign file", file=source) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", file=source) from None


def _read_stream(stream: IO[bytes], name: str) -> Iterator[Message]:
    first_lines: list[bytes] = []
    for raw in stream:
        first_lines.append(raw)
        stripped = raw.strip()
        if len(first_lines) == 1 and stripped.startswith(_BOM):
            stripped = stripped[len(_BOM):]
            first_lines[0] = raw.replace(_BOM, b"", 1)
        if stripped:
            break
    else:
        return  # empty file: no messages
    head = first_lines[-1].strip()
    if not head.startswith(b"[") and _is_json_object(head):
        yield from _read_jsonl(first_lines, stream, name)
    else:
        yield from _read_document(b"".join(first_lines) + stream.read(), name)


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        try:
            return isinstance(_DECODER.decode(line.decode("utf-8")), dict)
        except (ValueError, UnicodeDecodeError):
            return False


def _read_jsonl(first_lines: list[bytes], rest: Iterable[bytes], name: str) -> Iterator[Message]:
    index = 0
    lineno = 0
    for lines in (first_lines, rest):
        for raw in lines:
            lineno += 1
            line = raw.strip()
            if not line:
                continue
            try:
                payload = orjson.loads(line)
            except orjson.JSONDecodeError:
                payload, problem = _decode_slowly(line)
                if problem is not None:
                    yield Message(name, index, lineno, None, problem=problem, raw=line)
                    index += 1
                    continue
            yield Message(name, index, lineno, payload, raw=line)
            index += 1


def _decode_slowly(line: bytes) -> tuple[Any, str | None]:
    """Decode what orjson refused: either valid JSON orjson cannot hold (integers beyond
    64 bits) or a real syntax error, which is then described precisely."""
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

    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name
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


def _read_document(data: bytes, name: str) -> Iterator[Message]:
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        yield Message(name, 0, line, None, problem=f"not valid UTF-8 (byte {exc.start + 1})")
        return
    doc = _Document(text, name)
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
        yield Message(doc.name, counter[0], doc.line_at(start), payload)
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
        inner = _Document(doc.text, doc.name)
        inner.pos = _find_messages_array(doc.text, start)
        yield from _read_array(inner, counter)
    else:
        yield Message(doc.name, 0, line, obj)
        counter[0] += 1


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
