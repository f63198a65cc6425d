"""The phone fast tests' regexes (``rules.phone._FAST_TESTS``), kept on disk between runs, so
that a run whose recipients all pass them does not import phonenumbers.

pre-commit runs ``walint check`` on a few messages, over and over: importing phonenumbers
and loading a region's metadata to build the one regex a number needs is about a tenth of
such a run (callgrind, a check of the benchmark's first message: 822 M instructions, 728 M
with its regex kept; a first run, which keeps it, 931 M). What the fast path built from the
metadata — for each ``+`` and 3 digits it met, the calling code they start with; for each
calling code and text length, the regex source of its test (or none: no text of that length
is valid as written) and how many of a shared code's regions it covers — is kept in
``<cache dir>/phone/<key>.json`` (``validator.cachedir``), where the key names the
phonenumbers installation (its path and its ``__init__.py``'s size and modification time:
an upgrade rewrites it), this module's and ``rules.phone``'s files and the Python version.

A kept source says no more than the regex built in the run that kept it: a match is a valid
number (the regex is built only from what phonenumbers does, see ``rules.phone``), and
anything else is read by phonenumbers, imported then. The cache never changes a verdict and
never fails a run: a missing, unreadable or corrupt file is built again, one that cannot be
written is skipped. It is written once, when the process ends, under a temporary name then
renamed; the ``KEEP`` newest files are kept (``validator.cachedir.store``). A process in
which a ``Validator`` was made with ``no_cache`` (``--no-cache``) neither reads nor writes it
from then on (``validator.cachedir.process_caches``).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import sys
from collections.abc import Callable
from importlib.machinery import PathFinder
from pathlib import Path

import orjson

from validator import cachedir

__all__ = ["KEEP", "Kept", "kept"]

#: Changes when what is kept changes (this file's layout): files of another format are
#: never read. (2: a shared code's source may be two, ``rules.phone._fast_source``.)
FORMAT = 2
#: Files kept, one per phonenumbers installation (and walint version) that wrote one: the
#: oldest written go first.
KEEP = 8


class Kept:
    """What earlier runs kept, and what this one adds (written when the process ends)."""

    __slots__ = ("codes", "path", "sources", "_changed", "_later")

    def __init__(self, path: Path | None, codes: dict[str, int | None],
                 sources: dict[int, dict[int, tuple[str | None, int]]]) -> None:
        self.path = path
        #: "+447" → 44: the calling code of texts starting so, None for none.
        self.codes = codes
        #: 44 → {13: (regex source, 1), 12: (None, 1), …}: the test of each text length (for
        #: a shared code, possibly [first region's, all regions'] sources), and how many of the
        #: code's regions (the first ones) it covers.
        self.sources = sources
        self._changed = False
        #: What notes sources when the file is written (``note_later``), by calling code.
        self._later: dict[int, Callable[[], None]] = {}

    def note_code(self, prefix: str, code: int | None) -> None:
        if self.codes.get(prefix, 0) != code:
            self.codes[prefix] = code
            self._noted()

    def note_source(self, code: int, length: int, source: str | list[str] | None, regions: int) -> None:
        """Keep the test of texts of ``length`` starting with ``code``, covering its first
        ``regions`` regions — unless the one kept covers more: built from the same metadata,
        it answers for more numbers, as rightly (a run that met only the first region's
        numbers does not undo what one that met the others kept)."""
        tests = self.sources.setdefault(code, {})
        known = tests.get(length)
        if known is not None and known[1] > regions:
            return
        if known != (source, regions):
            tests[length] = (source, regions)
            self._noted()

    def note_later(self, code: int, note: Callable[[], None]) -> None:
        """Have ``note`` note the code's sources when the file is written, not now: a code
        whose regions load one by one (+1's 25, for an invalid number) would otherwise build
        its sources again at each region."""
        self._later[code] = note
        self._noted()

    def _noted(self) -> None:
        if not self._changed and self.path is not None:
            self._changed = True
            atexit.register(self.write)

    def write(self) -> None:
        """Write what is kept (``atexit``; called again, it writes again)."""
        if self.path is None or not cachedir.process_caches():
            return
        for note in self._later.values():
            try:
                note()
            except Exception:  # noqa: BLE001 - a cache never fails a run: that code is kept as it was
                continue
        self._later.clear()
        record = {"format": FORMAT, "codes": self.codes,
                  "sources": {str(code): {str(length): source for length, source in tests.items()}
                              for code, tests in self.sources.items()}}
        cachedir.store(self.path, orjson.dumps(record), KEEP)


def kept() -> Kept:
    """What earlier runs kept for this phonenumbers (empty, and never written, when the
    process keeps no caches or the key cannot be made)."""
    if not cachedir.process_caches():
        return Kept(None, {}, {})
    try:
        path = cachedir.cache_dir() / "phone" / f"{_key()}.json"
    except (OSError, RuntimeError, LookupError):  # no home directory; phonenumbers not found
        return Kept(None, {}, {})
    return _read(path) or Kept(path, {}, {})


def _key() -> str:
    """Names the phonenumbers installation and the code that builds the regexes, without
    importing phonenumbers."""
    spec = PathFinder.find_spec("phonenumbers")
    if spec is None or spec.origin is None:
        raise LookupError("phonenumbers")
    parts = [FORMAT, sys.version_info[:2], spec.origin]
    for file in (spec.origin, __file__, str(Path(__file__).with_name("phone.py"))):
        status = os.stat(file)
        parts += [status.st_size, status.st_mtime_ns]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _read(path: Path) -> Kept | None:
    try:
        record = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    try:
        if record["format"] != FORMAT:
            return None
        codes = {prefix: code for prefix, code in record["codes"].items()
                 if _is_prefix(prefix) and (code is None or type(code) is int)}
        sources = {int(code): {int(length): (source, regions)
                               for length, (source, regions) in tests.items()
                               if _is_source(source) and type(regions) is int}
                   for code, tests in record["sources"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):  # not what this module writes
        return None
    return Kept(path, codes, sources)


def _is_source(source: object) -> bool:
    """None, a regex source, or two (``rules.phone._fast_source``)."""
    if type(source) is list:
        return len(source) == 2 and all(type(part) is str for part in source)
    return source is None or type(source) is str


def _is_prefix(text: object) -> bool:
    return type(text) is str and len(text) == 4 and text[0] == "+" and text[1:].isdigit() and text.isascii()
