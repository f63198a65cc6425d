"""The sender's own data about the audience: who opted out, who wrote in and when.

Two kinds of file, both named in the settings (``suppression-list``, ``contacts``):

* **suppression list** — the numbers that must not be messaged. Either plain text, one
  number a line (blank lines and ``#`` comments, whole-line or trailing, are skipped), or
  CSV (a ``.csv`` file, or any file whose first entry has a ``,``, ``;`` or tab): the
  number is in the column named ``phone`` (or ``phone_number``, ``number``, ``msisdn``,
  ``wa_id``, ``to``, ``mobile``, ``recipient``, ``whatsapp``) when the first row is a
  header, else in the first column. A first row none of whose cells looks like a phone
  number is a header.
* **contacts** — CSV with each contact's ``phone`` and ``last_inbound_at``: when that user
  last wrote to the business, ISO 8601 *with* a time zone (``2025-05-01T09:30:00+02:00``
  or ``…Z``). An empty ``last_inbound_at`` means the user never wrote. Without a header
  the first two columns are read in that order. A number listed twice keeps its latest time.

Numbers are read like ``to`` (``rules.phone.read_number``): ``+`` and the country code, or
international digits, with spaces, hyphens, dots and parentheses allowed; everything is
compared in E.164, so ``+49 151 23456789`` matches ``+4915123456789``. An entry walint
cannot read as a valid number, or a time without a zone, stops the run with one line that
names the file and the line (exit code 2): an opt-out list with an unreadable entry is a
list walint cannot vouch for.

Numbers are kept as integers (the E.164 digits), not strings: a million-entry list stays
compact. Files are read once per (path, modification time, size) and shared by the rules.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from validator.errors import InputError
from validator.rule import Context

from .phone import read_number

__all__ = [
    "PHONE_COLUMNS",
    "Contacts",
    "WINDOW",
    "e164",
    "in_service_window",
    "read_contacts",
    "read_suppression_list",
    "recipient_key",
    "send_time",
    "setting",
]

PHONE_COLUMNS = ("phone", "phone_number", "number", "msisdn", "wa_id", "to", "mobile",
                 "recipient", "whatsapp")
INBOUND_COLUMNS = ("last_inbound_at", "last_inbound", "last_inbound_message_at")
_LOOKS_LIKE_PHONE = re.compile(r"^\+?[0-9][0-9 \-().]{5,}$")
_DELIMITERS = (",", ";", "\t")
#: A contact who never wrote in: no open window at any send time.
NEVER = -(1 << 62)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def _micros(value: datetime) -> int:
    """Exact POSIX microseconds (floats would blur the 24-hour boundary)."""
    return (value - _EPOCH) // _MICROSECOND


# -- reading settings -------------------------------------------------------------------------
def setting(ctx: Context, name: str, default: Any = None) -> Any:
    """A run setting by field name (see ``Context.setting``)."""
    return ctx.setting(name, default)


def send_time(ctx: Context) -> datetime:
    """``send-at`` from the settings (timezone-aware), else now in UTC."""
    value = setting(ctx, "send_at")
    if isinstance(value, str):
        value = _parse_time(value, "send-at", None, None)
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise InputError(f"send-at {value.isoformat()} has no time zone; add one, e.g. "
                             f"{value.isoformat()}+00:00")
        return value
    return datetime.now(timezone.utc)


# -- recipients -------------------------------------------------------------------------------
def recipient_key(payload: Any) -> int | None:
    """The recipient as an integer (its E.164 digits), or None when ``to`` is not a valid
    phone number (WA301 reports that) or the message goes to a group. Cheap to ask again:
    ``read_number`` caches its readings by the exact ``to`` string."""
    if not isinstance(payload, dict) or payload.get("recipient_type") == "group":
        return None
    to = payload.get("to")
    if not isinstance(to, str):
        return None
    number = read_number(to).e164
    return int(number[1:]) if number else None


def e164(key: int) -> str:
    return f"+{key}"


# -- files ------------------------------------------------------------------------------------
def _stat(path: str | os.PathLike, what: str) -> tuple[str, int, int]:
    name = os.fspath(path)
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", file=name) from None
    if not os.path.isfile(name):
        raise InputError(f"{what} is not a file", file=name)
    return name, info.st_mtime_ns, info.st_size


def _lines(name: str, what: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-8 (or BOM-marked UTF-16) text file."""
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", file=name) from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(f"{what} is not UTF-8 text (byte {exc.start + 1})", file=name,
                             line=line) from None
    # Universal newlines, endings kept: a quoted CSV field may hold one.
    for number, line in enumerate(io.StringIO(text, newline=""), 1):
        yield number, line


def _delimiter(line: str) -> str | None:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def _csv_rows(lines: list[tuple[int, str]], delimiter: str, name: str,
              ) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the line each starts on; a quoted field may span lines."""
    numbers = iter(lines)
    current = [0]

    def source() -> Iterator[str]:
        for number, text in numbers:
            current[0] = number
            yield text

    import csv  # here: most runs read no audience file

    reader = csv.reader(source(), delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"invalid CSV: {exc}", file=name, line=current[0]) from None
        first = start
        start = current[0] + 1
        if row and any(cell.strip() for cell in row):
            yield first, row


def _read_phone(text: str, name: str, line: int, what: str) -> int:
    value = text.strip()
    reading = read_number.__wrapped__(value)  # uncached: a big list would flush the cache
    if reading.e164 is None:
        hint = f" (did you mean {reading.suggestion}?)" if reading.suggestion else ""
        raise InputError(f"{value!r} in the {what} is not a valid phone number: "
                         f"{reading.problem}{hint}", file=name, line=line)
    return int(reading.e164[1:])


def _is_header(row: list[str]) -> bool:
    return not any(_LOOKS_LIKE_PHONE.match(cell.strip()) for cell in row)


def _column(header: list[str], names: tuple[str, ...], name: str, line: int, what: str) -> int:
    cells = [cell.strip().lower().lstrip("\ufeff") for cell in header]
    for wanted in names:
        if wanted in cells:
            return cells.index(wanted)
    raise InputError(f"the {what} header has no {names[0]!r} column (found: "
                     f"{', '.join(repr(c) for c in header)})", file=name, line=line)


def read_suppression_list(path: str | os.PathLike) -> frozenset[int]:
    """The numbers of a suppression list, as E.164 digits (see the module docs)."""
    return _suppression(*_stat(path, "suppression list"))


@lru_cache(maxsize=8)
def _suppression(name: str, mtime: int, size: int) -> frozenset[int]:
    what = "suppression list"
    lines = list(_lines(name, what))
    entries = [(n, t) for n, t in lines if t.strip() and not t.lstrip().startswith("#")]
    if not entries:
        return frozenset()
    delimiter = _delimiter(entries[0][1].split("#", 1)[0])
    if name.lower().endswith(".csv") or delimiter is not None:
        rows = _csv_rows(lines, delimiter or ",", name)
        numbers = set()
        column = 0
        first = True
        for line, row in rows:
            if row[0].lstrip().startswith("#"):
                continue
            if first:
                first = False
                if _is_header(row):
                    column = _column(row, PHONE_COLUMNS, name, line, what)
                    continue
            cell = row[column] if column < len(row) else ""
            if not cell.strip():
                raise InputError(f"no phone number in column {column + 1}", file=name, line=line)
            numbers.add(_read_phone(cell, name, line, what))
        return frozenset(numbers)
    return frozenset(_read_phone(text.split("#", 1)[0], name, line, what)
                     for line, text in entries if text.split("#", 1)[0].strip())


class Contacts:
    """Last inbound time per contact (POSIX microseconds; ``NEVER`` for one who never wrote)."""

    __slots__ = ("last_inbound", "source")

    def __init__(self, last_inbound: Mapping[int, int], source: str) -> None:
        self.last_inbound = last_inbound
        self.source = source

    def get(self, key: int) -> int | None:
        """None for a number the file does not list."""
        return self.last_inbound.get(key)

    def window_age(self, key: int, at: datetime) -> timedelta | None:
        """How long before ``at`` the contact last wrote; None when unknown or never."""
        last = self.last_inbound.get(key)
        if last is None or last == NEVER:
            return None
        return timedelta(microseconds=_micros(at) - last)

    def __len__(self) -> int:
        return len(self.last_inbound)


def read_contacts(path: str | os.PathLike) -> Contacts:
    """The contacts file (see the module docs)."""
    return _contacts(*_stat(path, "contacts file"))


@lru_cache(maxsize=8)
def _contacts(name: str, mtime: int, size: int) -> Contacts:
    what = "contacts file"
    lines = [(n, t) for n, t in _lines(name, what)]
    first = next((t for _, t in lines if t.strip()), None)
    times: dict[int, int] = {}
    if first is None:
        return Contacts(MappingProxyType(times), name)
    phone_col, time_col = 0, 1
    for position, (line, row) in enumerate(_csv_rows(lines, _delimiter(first) or ",", name)):
        if position == 0 and _is_header(row):
            phone_col = _column(row, PHONE_COLUMNS, name, line, what)
            time_col = _column(row, INBOUND_COLUMNS, name, line, what)
            continue
        phone = row[phone_col] if phone_col < len(row) else ""
        if not phone.strip():
            raise InputError("no phone number", file=name, line=line)
        key = _read_phone(phone, name, line, what)
        raw = row[time_col].strip() if time_col < len(row) else ""
        when = _micros(_parse_time(raw, "last_inbound_at", name, line)) if raw else NEVER
        if when > times.get(key, NEVER) or key not in times:
            times[key] = when
    return Contacts(MappingProxyType(times), name)


def _parse_time(text: str, what: str, name: str | None, line: int | None) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{what} {text!r} is not an ISO 8601 time "
                         "(e.g. 2025-05-01T09:30:00+02:00)", file=name, line=line) from None
    if value.utcoffset() is None:
        raise InputError(f"{what} {text!r} has no time zone; write it with an offset or Z, "
                         f"e.g. {value.isoformat()}+00:00", file=name, line=line)
    return value


def parse_time(text: str, what: str = "time") -> datetime:
    """An ISO 8601 time that must carry a zone (for ``--send-at``)."""
    return _parse_time(text, what, None, None)


# -- the customer service window --------------------------------------------------------------
#: Meta: the window opens, or resets to, 24 hours whenever the user messages the business.
WINDOW = timedelta(hours=24)


def in_service_window(contacts: Contacts, key: int, at: datetime,
                      margin: timedelta = timedelta(0)) -> bool:
    """Whether the contact's window is open at ``at``. Meta's error page words 131047 as
    "more than 24 hours" since the user last wrote, so exactly 24 hours is still inside;
    ``margin`` closes the window that much earlier (a campaign takes time to send)."""
    age = contacts.window_age(key, at)
    return age is not None and age <= WINDOW - margin


# -- per-run access -------------------------------------------------------------------------
def _per_run(ctx: Context, name: str, make: Any) -> Any:
    """Read a setting's file once per run (``ctx.shared`` is fresh for each run)."""
    key = (__name__, name)
    shared = ctx.shared
    if key not in shared:
        shared[key] = make()
    return shared[key]


def suppression_for(ctx: Context) -> tuple[frozenset[int], str] | None:
    """The suppression list's numbers and its path, or None when none is configured."""
    def make() -> tuple[frozenset[int], str] | None:
        path = setting(ctx, "suppression_list")
        return None if path is None else (read_suppression_list(path), os.fspath(path))
    return _per_run(ctx, "suppression", make)


def contacts_for(ctx: Context) -> Contacts | None:
    def make() -> Contacts | None:
        path = setting(ctx, "contacts")
        return None if path is None else read_contacts(path)
    return _per_run(ctx, "contacts", make)


def send_time_for(ctx: Context) -> datetime:
    """``send_time`` fixed once per run, so every message is judged at the same instant."""
    return _per_run(ctx, "send_at", lambda: send_time(ctx))


def allow_list_for(ctx: Context) -> frozenset[int] | None:
    """The test sender's allowed recipients, or None when the sender is not a test number."""
    def make() -> frozenset[int] | None:
        numbers = setting(ctx, "test_sender_allow_list")
        if not numbers:
            return None
        return _numbers((numbers,) if isinstance(numbers, str) else tuple(numbers),
                        "test-sender-allow-list")
    return _per_run(ctx, "allow_list", make)


def sender_for(ctx: Context) -> int | None:
    def make() -> int | None:
        number = setting(ctx, "sender_number")
        return next(iter(_numbers((number,), "sender-number"))) if number else None
    return _per_run(ctx, "sender", make)


def _numbers(numbers: tuple[str, ...], what: str) -> frozenset[int]:
    keys = set()
    for number in numbers:
        reading = read_number(str(number))
        if reading.e164 is None:
            raise InputError(f"{what}: {number!r} is not a valid phone number: {reading.problem}")
        keys.add(int(reading.e164[1:]))
    return frozenset(keys)
