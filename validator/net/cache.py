"""The on-disk cache of probe results, shared by runs and processes.

Only definitive results are kept (a 404 is a fact for an hour; a timeout is asked again next
time). Entries are keyed by a hash of the URL and hold the redacted URL only, so a CI cache
shared between jobs never holds a signed link's token.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from ..cachedir import cache_dir
from ..redact import redact_url
from .result import Outcome, ProbeResult

try:  # POSIX only; elsewhere concurrent savers may lose (never corrupt) each other's entries.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["ProbeCache"]


def _cache_key(url: str) -> str:
    # Hashed so the cache file never holds a signed URL's token.
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def _opt(value: Any, kind: type) -> Any:
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    raise TypeError(f"expected {kind.__name__} or null")


class ProbeCache:
    """Definitive probe results on disk, keyed by URL, valid for ``ttl`` seconds.

    Pre-commit runs several walint processes at once, and CI caches directories between jobs,
    so the file must survive both: :meth:`save` re-reads the file under an advisory lock,
    merges (newest entry per URL wins, expired ones dropped) and replaces it atomically (temp
    file in the same directory, then ``os.replace``), so a reader sees the old file or the new
    one, never half of one. A missing, unreadable or corrupt file reads as empty; a file that
    cannot be written is skipped. A cache is an optimisation: it never fails a run.

    Transient failures (timeouts, 5xx, 429) and guard refusals are not stored: the first should
    be asked again next time, the second costs no request and depends on ``allow_private``.
    An entry made with ``allow_private=True`` is not reused by a prober that guards, nor one
    made with a smaller ``max_bytes`` by a prober that wants more.
    """

    VERSION = 1

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        ttl: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl < 0:
            raise ValueError("ttl must be >= 0")
        self.path = Path(path) if path is not None else self.default_path()
        self.ttl = float(ttl)
        self._clock = clock
        self._entries: dict[str, dict[str, Any]] | None = None
        self._pending: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()  # one instance may serve probers in several threads

    @staticmethod
    def default_path() -> Path:
        """``$XDG_CACHE_HOME/walint/urls.json``, else ``~/.cache/walint/urls.json``."""
        return cache_dir() / "urls.json"

    def get(
        self, url: str, *, max_bytes: int = 4096, allow_private: bool = False
    ) -> ProbeResult | None:
        """The stored result for ``url`` if fresh and usable by such a prober, else None."""
        with self._lock:
            entry = self._loaded().get(_cache_key(url))
        if entry is None or not self._fresh(entry, self._clock()):
            return None
        try:
            if entry.get("allow_private", True) and not allow_private:
                return None
            if _opt(entry.get("max_bytes"), int) is None or entry["max_bytes"] < max_bytes:
                return None
            data = entry["result"]
            headers = data.get("headers") or {}
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
                raise TypeError("headers")
            redirects = data.get("redirects") or []
            if not all(isinstance(r, str) for r in redirects):
                raise TypeError("redirects")
            return ProbeResult(
                url=url,
                outcome=Outcome(data["outcome"]),
                detail=str(data.get("detail", "")),
                status=_opt(data.get("status"), int),
                final_url=_opt(data.get("final_url"), str),
                redirects=tuple(redirects),
                content_type=_opt(data.get("content_type"), str),
                head=base64.b64decode(data.get("head", ""), validate=True)[:max_bytes],
                size=_opt(data.get("size"), int),
                headers=dict(headers),
                from_cache=True,
            )
        except (AttributeError, KeyError, TypeError, ValueError, binascii.Error):
            return None  # an entry from a future or broken writer: a miss, not an error

    def put(self, result: ProbeResult, *, max_bytes: int, allow_private: bool) -> None:
        """Remember ``result`` (if it is worth remembering) until the next :meth:`save`."""
        if not result.definitive or result.outcome in (Outcome.BLOCKED, Outcome.INVALID_URL):
            return
        entry = {
            "checked_at": self._clock(),
            "max_bytes": max_bytes,
            "allow_private": bool(allow_private),
            "result": {
                "url": redact_url(result.url),
                "outcome": result.outcome.value,
                "detail": result.detail,
                "status": result.status,
                "final_url": result.final_url,
                "redirects": list(result.redirects),
                "content_type": result.content_type,
                "head": base64.b64encode(result.head).decode("ascii"),
                "size": result.size,
                "headers": dict(result.headers),
            },
        }
        key = _cache_key(result.url)
        with self._lock:
            self._loaded()[key] = entry
            self._pending[key] = entry

    def save(self) -> None:
        """Merge what was :meth:`put` into the file on disk, atomically. Never raises OSError."""
        with self._lock:
            self._save()

    def _save(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self._locked():
                now = self._clock()
                merged = {k: v for k, v in self._read().items() if self._fresh(v, now)}
                for key, entry in pending.items():
                    old = merged.get(key)
                    if old is None or old["checked_at"] <= entry["checked_at"]:
                        merged[key] = entry
                self._write(merged)
            self._entries = merged
        except OSError:
            pass  # read-only home, full disk…: the next run just probes again

    # -- internals

    def _loaded(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _fresh(self, entry: dict[str, Any], now: float) -> bool:
        checked = entry.get("checked_at")
        if not isinstance(checked, (int, float)) or isinstance(checked, bool):
            return False
        # A little tolerance for clocks of processes that disagree; more is a broken entry.
        return checked <= now + 60 and now - checked < self.ttl

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = orjson.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != self.VERSION:
            return {}
        entries = data.get("entries")
        if not isinstance(entries, dict):
            return {}
        return {
            k: v
            for k, v in entries.items()
            if isinstance(v, dict) and isinstance(v.get("checked_at"), (int, float))
        }

    def _write(self, entries: dict[str, dict[str, Any]]) -> None:
        # No fsync: a cache lost in a power cut only makes the next run slower.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".urls-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(orjson.dumps({"version": self.VERSION, "entries": entries}))
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def _locked(self, wait: float = 5.0) -> Iterator[None]:
        """Serialise read-merge-replace between processes; give up waiting after ``wait`` s.

        Without the lock two savers could each miss the other's entries (a lost update, never
        a corrupt file), so a stuck lock holder is worked around rather than waited on forever.
        """
        if fcntl is None:  # pragma: no cover - Windows
            yield
            return
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)
            yield
        finally:
            os.close(fd)  # also releases the lock
