"""Write fixes back into campaign files — only what changed, byte for byte elsewhere.

A ``Rewrite`` holds the changes ``validator.fixer`` recorded for one file and produces the
new file from the old one:

* **JSONL**: only the lines of fixed messages change. Within such a line, only the values
  that were fixed are replaced (``"to": "+1 650-555-1234"`` → ``"to": "+16505551234"``, new
  values written as JSON with ``ensure_ascii=False``) or removed with their key and one
  comma; the line's key order, spacing, escapes and indentation stay as they were. This is
  finer than re-serialising the line and gives the smallest diff.
* **JSON documents** (an array, ``{"messages": [...]}``): the same, inside the text span of
  each fixed element (``Message.span``); the rest of the document is untouched.
* **CSV campaigns**: only the cells of fixed values are rewritten (quoted when the new value
  needs it, or when the old cell was quoted); other cells, rows and quoting stay.

The line endings (LF, CRLF) and the encoding (UTF-8 with or without a byte-order mark,
UTF-16 with one) are those of the original. Before anything is replaced, the value found in
the file is compared with the value the fix was computed from; if the file changed since it
was read, nothing is written and ``InputError`` says so (exit code 2).

``write()`` replaces the file atomically: a temporary file beside it, fsynced, moved over it
with ``os.replace`` (permissions kept). ``diff()`` is a unified diff of the change. The file
being rewritten is held in memory once (checking stays streamed); a JSONL file in UTF-8 is
rewritten line by line.
"""

from __future__ import annotations

import contextlib
import csv as _csv
import difflib
import io
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from .errors import InputError
from .fix import DELETE
from .fixer import CSV_TRIMMED, FileChanges, MessageChanges

__all__ = ["Rewrite"]

_BOM = b"\xef\xbb\xbf"
_UTF16 = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_WS = " \t\r\n"
_DECODER = json.JSONDecoder()


class _Stale(ValueError):
    """The file no longer holds what was checked."""


class Rewrite:
    """The fixes of one file, ready to be written or shown as a diff."""

    def __init__(self, changes: FileChanges) -> None:
        self.changes = changes

    @property
    def name(self) -> str:
        return self.changes.name

    @property
    def fixes(self) -> int:
        """How many findings the rewrite fixes."""
        return self.changes.fixes

    def __repr__(self) -> str:
        return f"Rewrite({self.name!r}, fixes={self.fixes})"

    # -- producing the new file --------------------------------------------------------------
    def _read(self) -> bytes:
        source = self.changes.source
        if source is None:
            raise InputError("standard input cannot be rewritten", file=self.name)
        try:
            with open(source, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise InputError(f"cannot read again to fix: {exc.strerror}", file=self.name) from None

    def contents(self) -> tuple[bytes, bytes]:
        """(the file as it is, the file fixed)."""
        old = self._read()
        try:
            return old, self._fixed(old)
        except _Stale as exc:
            raise InputError(f"not fixed: the file changed since it was checked ({exc})",
                             file=self.name) from None
        except (UnicodeError, ValueError) as exc:
            raise InputError(f"not fixed: cannot rewrite it safely ({exc})", file=self.name) from None

    def _fixed(self, data: bytes) -> bytes:
        prefix, codec = _encoding(data)
        body = data[len(prefix):]
        if codec != "utf-8":  # UTF-16: rewrite the UTF-8 text the loader read, then go back
            body = body.decode(codec, errors="surrogatepass").encode("utf-8", errors="surrogatepass")
        by_line = {m.line: m for m in self.changes.messages if m.line is not None}
        if self.changes.csv:
            new = _rewrite_csv(body, by_line)
        elif any(m.span is not None for m in self.changes.messages):
            new = _rewrite_document(body, self.changes.messages)
        else:
            new = b"".join(_rewrite_jsonl(_lines(body), by_line, first=not prefix))
        if codec != "utf-8":
            new = new.decode("utf-8", errors="surrogatepass").encode(codec, errors="surrogatepass")
        return prefix + new

    # -- outputs -----------------------------------------------------------------------------
    def diff(self) -> str:
        """A unified diff from the file as it is to the file fixed (empty when equal)."""
        old, new = self.contents()
        return unified_diff(old, new, self.name)

    def write(self) -> bool:
        """Replace the file with its fixed version, atomically. False when nothing changed."""
        old, new = self.contents()
        if old == new:
            return False
        atomic_replace(self.changes.source, new, self.name)
        return True


# -- encodings --------------------------------------------------------------------------------
def _encoding(data: bytes) -> tuple[bytes, str]:
    """(byte-order mark to keep, codec of the text after it)."""
    if data.startswith(_BOM):
        return _BOM, "utf-8"
    for mark, codec in _UTF16.items():
        if data.startswith(mark):
            return mark, codec
    return b"", "utf-8"


def _lines(data: bytes) -> list[bytes]:
    """Lines split at ``\\n`` only (as the loader reads them), each with its ending."""
    return io.BytesIO(data).readlines()


# -- JSON text surgery ------------------------------------------------------------------------
def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _value_end(text: str, pos: int) -> int:
    return _DECODER.raw_decode(text, pos)[1]


def _members(text: str, pos: int) -> list[tuple[str, int, int, int]]:
    """(key, key start, value start, value end) of the object opening at ``pos``."""
    out = []
    pos = _skip(text, pos + 1)
    if text[pos] == "}":
        return out
    while True:
        if text[pos] != '"':
            raise ValueError(f"expected a key at {pos}")
        key_start = pos
        key, pos = json.decoder.scanstring(text, pos + 1)
        pos = _skip(text, pos)
        if text[pos] != ":":
            raise ValueError(f"expected ':' at {pos}")
        value_start = _skip(text, pos + 1)
        value_end = _value_end(text, value_start)
        out.append((key, key_start, value_start, value_end))
        pos = _skip(text, value_end)
        if text[pos] == "}":
            return out
        if text[pos] != ",":
            raise ValueError(f"expected ',' at {pos}")
        pos = _skip(text, pos + 1)


def _elements(text: str, pos: int) -> list[tuple[int, int]]:
    """(start, end) of each element of the array opening at ``pos``."""
    out = []
    pos = _skip(text, pos + 1)
    if text[pos] == "]":
        return out
    while True:
        end = _value_end(text, pos)
        out.append((pos, end))
        pos = _skip(text, end)
        if text[pos] == "]":
            return out
        if text[pos] != ",":
            raise ValueError(f"expected ',' at {pos}")
        pos = _skip(text, pos + 1)


def _locate(text: str, start: int, path: tuple) -> tuple[int, int, tuple | None]:
    """(value start, value end, the enclosing object's members and this member's position
    among them — for removal) of ``path`` in the JSON value at ``start``."""
    pos = _skip(text, start)
    context = None
    for step in path:
        opener = text[pos]
        if opener == "{" and isinstance(step, str):
            members = _members(text, pos)
            found = [n for n, m in enumerate(members) if m[0] == step]
            if len(found) != 1:
                raise _Stale(f"key {step!r} {'missing' if not found else 'repeated'}")
            context = (members, found[0], pos)
            pos = members[found[0]][2]
        elif opener == "[" and isinstance(step, int):
            elements = _elements(text, pos)
            if not 0 <= step < len(elements):
                raise _Stale(f"no element {step}")
            context = None
            pos = elements[step][0]
        else:
            raise _Stale(f"no {step!r} here")
    return pos, _value_end(text, pos), context


def _same(found: Any, expected: Any) -> bool:
    return found == expected and type(found) is type(expected)


def splice(text: str, start: int, edits: Iterable[tuple[tuple, Any, Any]]) -> str:
    """``text`` with ``edits`` (path, value before, value after) made to the JSON value at
    ``start``: values replaced in place, removed keys taken out with one comma."""
    for path, before, after in edits:
        value_start, value_end, context = _locate(text, start, path)
        if not _same(_DECODER.decode(text[value_start:value_end]), before):
            raise _Stale(f"{'.'.join(map(str, path))} is no longer {before!r}")
        if after is not DELETE:
            new = json.dumps(after, ensure_ascii=False)
            text = text[:value_start] + new + text[value_end:]
            continue
        if context is None:
            raise ValueError("only keys of objects can be removed")
        members, number, opener = context
        if len(members) == 1:  # the only key: leave an empty object
            close = _skip(text, value_end)
            cut_from, cut_to = opener + 1, close
        elif number + 1 < len(members):  # up to the next key, keeping this key's indentation
            cut_from, cut_to = members[number][1], members[number + 1][1]
        else:  # the last key: from the end of the previous value
            cut_from, cut_to = members[number - 1][3], value_end
        text = text[:cut_from] + text[cut_to:]
    return text


# -- the three shapes -------------------------------------------------------------------------
def _rewrite_jsonl(lines: Iterable[bytes], by_line: dict[int, MessageChanges], *,
                   first: bool) -> Iterator[bytes]:
    for number, raw in enumerate(lines, 1):
        change = by_line.get(number)
        if change is None:
            yield raw
            continue
        body = raw.strip()
        lead = raw[:len(raw) - len(raw.lstrip())]
        trail = raw[len(lead) + len(body):]
        if number == 1 and first and body.startswith(_BOM):
            lead, body = lead + _BOM, body[len(_BOM):]
        text = body.decode("utf-8")
        yield lead + splice(text, 0, change.edits).encode("utf-8") + trail


def _rewrite_document(body: bytes, changes: list[MessageChanges]) -> bytes:
    text = body.decode("utf-8", errors="surrogateescape")
    for change in sorted(changes, key=lambda c: c.span or (0, 0), reverse=True):
        if change.span is None:
            continue
        start, end = change.span
        element = splice(text[start:end], 0, change.edits)
        text = text[:start] + element + text[end:]
    return text.encode("utf-8", errors="surrogateescape")


def _sniff(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[tuple[int, int, bool]], int]]:
    """(first line, cells as (start, end, quoted), end) of each CSV record, following the
    csv module's reading (excel dialect, not strict)."""
    pos, line, size = 0, 1, len(text)
    while pos < size:
        start_line, record_start = line, pos
        cells: list[tuple[int, int, bool]] = []
        while True:
            cell_start = pos
            quoted = pos < size and text[pos] == '"'
            if quoted:
                pos += 1
                while pos < size:
                    if text[pos] == '"':
                        if pos + 1 < size and text[pos + 1] == '"':
                            pos += 2
                            continue
                        pos += 1
                        break
                    if text[pos] == "\n":
                        line += 1
                    pos += 1
            while pos < size and text[pos] not in (delimiter, "\r", "\n"):
                pos += 1
            cells.append((cell_start, pos, quoted))
            if pos < size and text[pos] == delimiter:
                pos += 1
                continue
            break
        if pos < size:  # the record's end: \r\n, \n, or a lone \r (not a line to the loader)
            if text[pos] == "\n" or text.startswith("\r\n", pos):
                line += 1
            pos += 2 if text.startswith("\r\n", pos) else 1
        yield start_line, cells, pos
        if pos == record_start:  # pragma: no cover - defensive: always advance
            pos += 1


def _cell_value(raw: str, quoted: bool) -> str:
    if not quoted:
        return raw
    close = raw.rfind('"')
    return raw[1:close].replace('""', '"') + raw[close + 1:]


def _cell_text(value: str, delimiter: str, quoted: bool) -> str:
    if quoted or any(c in value for c in (delimiter, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _columns(text: str, cells: list[tuple[int, int, bool]]) -> dict[tuple, int]:
    """Column key (as ``fixer.csv_column`` names it) → position, from the header row."""
    out: dict[tuple, int] = {}
    for position, (start, end, quoted) in enumerate(cells):
        label = _cell_value(text[start:end], quoted).strip()
        lowered = label.lower().lstrip("\ufeff")
        if lowered in ("to", "template", "language", "header"):
            out[(lowered,)] = position
        elif lowered.startswith("body.") and len(label) > 5:
            name = label[5:]
            out[("body", int(name) if name.isdigit() else name)] = position
        elif lowered.startswith("button.") and lowered[7:].isdigit():
            out[("button", int(lowered[7:]))] = position
    return out


def _rewrite_csv(body: bytes, by_line: dict[int, MessageChanges]) -> bytes:
    text = body.decode("utf-8", errors="surrogateescape")
    first_line = text.split("\n", 1)[0]
    delimiter = _sniff(first_line)
    columns: dict[tuple, int] | None = None
    replacements: list[tuple[int, int, str]] = []
    for start_line, cells, end in _records(text, delimiter):
        if columns is None:
            columns = _columns(text, cells)
            continue
        change = by_line.get(start_line)
        if change is None:
            continue
        record = text[cells[0][0]:end] if cells else ""
        expected = next(_csv.reader(io.StringIO(record, newline=""), delimiter=delimiter), [])
        values = [_cell_value(text[s:e], q) for s, e, q in cells]
        if values != expected[:len(values)] or len(expected) != len(values):
            raise ValueError(f"the row at line {start_line} cannot be split into cells safely")
        for column, before, after in change.cells:
            position = columns.get(column)
            if position is None or position >= len(cells) or after is DELETE:
                raise _Stale(f"line {start_line}: no column for {column}")
            value = values[position]
            found = value.strip() if column[0] in CSV_TRIMMED else value
            if found != before:
                raise _Stale(f"line {start_line}: {found!r} is no longer {before!r}")
            cell_start, cell_end, quoted = cells[position]
            replacements.append((cell_start, cell_end, _cell_text(after, delimiter, quoted)))
    for cell_start, cell_end, new in sorted(replacements, reverse=True):
        text = text[:cell_start] + new + text[cell_end:]
    return text.encode("utf-8", errors="surrogateescape")


# -- output -----------------------------------------------------------------------------------
def unified_diff(old: bytes, new: bytes, name: str) -> str:
    """A unified diff (``--- name`` / ``+++ name``), as text; an empty string when equal."""
    if old == new:
        return ""
    prefix, codec = _encoding(old)
    errors = "surrogateescape" if codec == "utf-8" else "surrogatepass"

    def lines(data: bytes) -> list[str]:
        return _text_lines(data[len(prefix):].decode(codec, errors=errors))

    out = []
    for line in difflib.unified_diff(lines(old), lines(new), fromfile=name, tofile=name):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def _text_lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def atomic_replace(path: str, data: bytes, name: str) -> None:
    """Write ``data`` over ``path`` all at once, keeping its permissions."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.",
                                    suffix=".walint-fix")
    except OSError as exc:
        raise InputError(f"cannot write the fixed file: {exc.strerror}", file=name) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write the fixed file: {exc.strerror}", file=name) from None
        raise
