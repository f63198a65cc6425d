"""CSV campaigns: one row per message, expanded into the exact Cloud API payload.

A spreadsheet is how many teams hold a campaign. walint reads a ``.csv`` file, turns every
row into the payload a sender would POST, and checks that payload like any other input;
findings point at the CSV line where the row starts (a quoted cell may span lines). ``walint
render`` writes the expanded payloads as JSONL, ready to send unchanged.

The first row is the header. Column names (case-insensitive):

==========================  =========================================================
``to``                      recipient, as it will be sent
``template``, ``language``  template name and language code (``en_US``)
``header``                  the header parameter: text, or for a media header a URL
                            (``link``) or a media id (digits)
``header_type``             ``text``, ``image``, ``video`` or ``document``; without it
                            the registry's header format decides, else ``text``
``header_filename``         file name shown for a document header
``body.1``, ``body.2`` …    positional body parameters, in order
``body.first_name`` …       named body parameters (``parameter_name``)
``button.0``, ``button.1``  the value for the button at that index: the URL suffix of a
                            dynamic URL button or an OTP code (``url``), a quick-reply
                            ``payload``, a ``coupon_code``, a Flow's ``flow_token`` — the
                            registry's button type decides; without it, ``url``
``text``                    a free-form text message instead of a template
``biz_opaque_callback_data`` passed through for the status webhooks
``_anything``               ignored: your own columns (ids, notes)
==========================  =========================================================

Empty cells are left out: a row fills only the parameters its template takes, so rows of
different templates share one file. A gap in positional parameters (``body.1`` and
``body.3`` filled, ``body.2`` empty) is sent as an empty text, which the checks report.
Values are sent as written; only ``to``, ``template``, ``language`` and ``header_type``
are trimmed. Parameters are ``text``: currency, date-time and location values cannot be
written in a cell.

A row that cannot become a payload (more cells than the header, invalid UTF-8, both
``template`` and ``text``, body or button values without a template, positional and named
body columns both filled) is a malformed entry (WA001) and fails; the other rows are still
read. A header walint cannot use (no ``to`` column, an unknown or repeated column) stops the
run with one line naming the file (exit code 2). The delimiter is read from the header:
``,``, ``;`` or tab. UTF-8 (with or without a byte-order mark) and UTF-16 with a
byte-order mark (spreadsheet "Unicode text") are read.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from .errors import InputError
from .message import Message
from .registry import Registry

__all__ = ["COLUMNS", "expand_row", "read_csv_campaign"]

COLUMNS = ("to", "template", "language", "header", "header_type", "header_filename", "text",
           "biz_opaque_callback_data")
_MEDIA = ("image", "video", "document")
_DELIMITERS = (",", ";", "\t")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class Columns:
    """Where each known column is, read from the header row."""

    fixed: dict[str, int] = field(default_factory=dict)
    body: list[tuple[str, int]] = field(default_factory=list)
    buttons: list[tuple[int, int]] = field(default_factory=list)
    width: int = 0


def _parse_header(row: list[str], name: str, line: int) -> Columns:
    columns = Columns(width=len(row))
    seen: dict[str, int] = {}
    for position, cell in enumerate(row):
        label = cell.strip()
        lowered = label.lower().lstrip("\ufeff")
        if not lowered or lowered.startswith("_"):
            continue
        if lowered in seen:
            raise InputError(f"column {label!r} appears twice (columns {seen[lowered] + 1} and "
                             f"{position + 1})", file=name, line=line)
        seen[lowered] = position
        if lowered in COLUMNS:
            columns.fixed[lowered] = position
        elif lowered.startswith("body.") and len(label) > 5:
            columns.body.append((label[5:], position))
        elif lowered.startswith("button.") and lowered[7:].isdigit():
            columns.buttons.append((int(lowered[7:]), position))
        else:
            known = [*COLUMNS, "body.1", "button.0"]
            hint = difflib.get_close_matches(lowered, known, n=1, cutoff=0.6)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise InputError(f"unknown column {label!r}{tip}; columns are {', '.join(COLUMNS)}, "
                             "body.N, body.NAME and button.N — start your own with '_'",
                             file=name, line=line)
    if "to" not in columns.fixed:
        raise InputError("the header has no 'to' column (the recipient)", file=name, line=line)
    columns.buttons.sort()
    return columns


class RowError(ValueError):
    """A row that cannot become a payload."""


def expand_row(values: dict[str, str], body: list[tuple[str, str]],
               buttons: list[tuple[int, str]], registry: Registry | None = None) -> dict:
    """The Cloud API payload for one row: ``values`` by column name, ``body`` as
    (placeholder, value) and ``buttons`` as (index, value), empty cells already left out."""
    to = values.get("to", "").strip()
    template = values.get("template", "").strip()
    text = values.get("text", "")
    payload: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    if to:
        payload["to"] = to
    if template and text:
        raise RowError("fills both 'template' and 'text'; a row is one message")
    if not template:
        used = [c for c in ("header", "header_type") if values.get(c)]
        used += [f"body.{p}" for p, _ in body] + [f"button.{i}" for i, _ in buttons]
        if used:
            raise RowError(f"fills {', '.join(used)} but names no template")
    if template:
        payload["type"] = "template"
        payload["template"] = _template(template, values, body, buttons, registry)
    elif text:
        payload["type"] = "text"
        payload["text"] = {"body": text}
    if values.get("biz_opaque_callback_data"):
        payload["biz_opaque_callback_data"] = values["biz_opaque_callback_data"]
    return payload


def _template(name: str, values: dict[str, str], body: list[tuple[str, str]],
              buttons: list[tuple[int, str]], registry: Registry | None) -> dict:
    language = values.get("language", "").strip()
    plan = registry.get(name, language) if registry is not None and language else None
    template: dict[str, Any] = {"name": name}
    if language:
        template["language"] = {"code": language}
    components: list[dict] = []
    header = values.get("header", "")
    if header:
        kind = values.get("header_type", "").strip().lower()
        if not kind:
            kind = (plan.header_format or "TEXT").lower() if plan is not None else "text"
        if kind == "text":
            param: dict[str, Any] = {"type": "text", "text": header}
            if plan is not None and plan.named and plan.header_params:
                param["parameter_name"] = plan.header_params[0]
        elif kind in _MEDIA:
            media: dict[str, Any] = {"id": header} if header.strip().isdigit() else {"link": header}
            if kind == "document" and values.get("header_filename"):
                media["filename"] = values["header_filename"]
            param = {"type": kind, kind: media}
        else:
            raise RowError(f"header_type {kind!r} cannot be written in a CSV cell (use text, "
                           "image, video or document)")
        components.append({"type": "header", "parameters": [param]})
    if body:
        components.append({"type": "body", "parameters": _body(body)})
    for index, value in buttons:
        kind = plan.buttons[index].type if plan is not None and index < len(plan.buttons) else "URL"
        components.append(_button(index, kind, value))
    if components:
        template["components"] = components
    return template


def _body(body: list[tuple[str, str]]) -> list[dict]:
    positional = [(int(p), v) for p, v in body if p.isdigit()]
    named = [(p, v) for p, v in body if not p.isdigit()]
    if positional and named:
        raise RowError(f"fills positional (body.{positional[0][0]}) and named "
                       f"(body.{named[0][0]}) parameters; a template has one kind")
    if named:
        return [{"type": "text", "parameter_name": p, "text": v} for p, v in named]
    by_number = dict(positional)
    return [{"type": "text", "text": by_number.get(n, "")} for n in range(1, max(by_number) + 1)]


def _button(index: int, kind: str, value: str) -> dict:
    """A button component for the registry's button type at ``index``."""
    if kind == "QUICK_REPLY":
        sub_type, param = "quick_reply", {"type": "payload", "payload": value}
    elif kind == "COPY_CODE":
        sub_type, param = "copy_code", {"type": "coupon_code", "coupon_code": value}
    elif kind == "FLOW":
        sub_type, param = "flow", {"type": "action", "action": {"flow_token": value}}
    elif kind == "CATALOG":
        sub_type, param = "catalog", {"type": "action",
                                      "action": {"thumbnail_product_retailer_id": value}}
    else:  # URL, and OTP buttons of authentication templates (sent as url with the code)
        sub_type, param = "url", {"type": "text", "text": value}
    return {"type": "button", "sub_type": sub_type, "index": str(index), "parameters": [param]}


# -- reading ----------------------------------------------------------------------------------
def read_csv_campaign(stream: IO[bytes], name: str, registry: Registry | None = None, *,
                      max_message_bytes: int = 1 << 20) -> Iterator[Message]:
    """Stream the messages of a CSV campaign (see the module docs)."""
    peek = getattr(stream, "peek", None)
    head = peek(2)[:2] if peek is not None else b""
    if head in _UTF16_BOMS:
        text = stream.read().decode("utf-16", errors="surrogateescape")
        stream = io.BytesIO(text.encode("utf-8", errors="surrogateescape"))
    if csv.field_size_limit() < max_message_bytes:
        csv.field_size_limit(max_message_bytes)  # a cell may be as long as a message
    reader = _Records(stream, name, max_message_bytes)
    columns: Columns | None = None
    index = 0
    for line, row, raw, problem in reader:
        if columns is None:
            if problem is not None:
                raise InputError(f"cannot read the header: {problem}", file=name, line=line)
            columns = _parse_header(row, name, line)
            continue
        if problem is None:
            message = _message(name, index, line, row, raw, columns, registry)
        else:
            message = Message(name, index, line, None, problem=f"CSV row: {problem}", raw=raw)
        yield message
        index += 1


def _message(name: str, index: int, line: int, row: list[str], raw: bytes, columns: Columns,
             registry: Registry | None) -> Message:
    def bad(problem: str) -> Message:
        return Message(name, index, line, None, problem=f"CSV row: {problem}", raw=raw)

    if len(row) > columns.width:
        return bad(f"has {len(row)} cells; the header has {columns.width} (an unquoted "
                   "delimiter in a value?)")
    if any("\udc80" <= c <= "\udcff" for cell in row for c in cell):
        return bad("is not valid UTF-8")
    row = row + [""] * (columns.width - len(row))
    values = {key: row[position] for key, position in columns.fixed.items() if row[position]}
    body = [(p, row[c]) for p, c in columns.body if row[c] != ""]
    buttons = [(i, row[c]) for i, c in columns.buttons if row[c] != ""]
    try:
        payload = expand_row(values, body, buttons, registry)
    except RowError as exc:
        return bad(str(exc))
    return Message(name, index, line, payload, raw=orjson.dumps(payload))


class _Records:
    """CSV records with the physical line each starts on and the bytes it spans.

    The csv module pulls lines one by one until a record is complete, so the lines pulled
    between two records are exactly that record's lines — multi-line quoted cells included."""

    def __init__(self, stream: IO[bytes], name: str, cap: int) -> None:
        self.stream = stream
        self.name = name
        self.cap = cap
        self.line = 0
        self.pulled: list[bytes] = []
        self.delimiter = ","

    def _lines(self) -> Iterator[str]:
        while True:
            raw = self.stream.readline(self.cap + 2)
            if not raw:
                return
            if len(raw) > self.cap + 1 and not raw.endswith(b"\n"):
                raise InputError(f"a line longer than {self.cap:,} bytes (max-message-bytes)",
                                 file=self.name, line=self.line + 1)
            if self.line == 0:
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                self.delimiter = _sniff(raw)
            self.line += 1
            self.pulled.append(raw)
            yield raw.decode("utf-8", errors="surrogateescape")

    def __iter__(self) -> Iterator[tuple[int, list[str], bytes, str | None]]:
        lines = self._lines()
        first = next(lines, None)
        if first is None:
            return
        source = _chain(first, lines)
        reader = csv.reader(source, delimiter=self.delimiter)
        while True:
            # Lines pulled but not yet part of a record (the first one, read to sniff the
            # delimiter) belong to the record about to be read.
            start = self.line - len(self.pulled) + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raw = b"".join(self.pulled).rstrip(b"\r\n")
                self.pulled = []
                yield start, [], raw, f"invalid CSV: {exc}"
                continue
            raw = b"".join(self.pulled).rstrip(b"\r\n")
            self.pulled = []
            if any(cell.strip() for cell in row):
                yield start, row, raw, None


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _sniff(header: bytes) -> str:
    counts = {d: header.count(d.encode()) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","
