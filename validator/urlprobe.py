"""Probe the links of a campaign before it is sent: each distinct URL once, safely and quickly.

Meta fetches a media ``link`` only *after* the message was accepted, so a dead link, a redirect
into a login page or an HTML page served as ``image/jpeg`` surfaces as a failed delivery
webhook, message by message. This module answers one generic question per URL — *what does this
link serve right now?* — and leaves what the answer means for a WhatsApp media kind to the rule
that asked. It knows nothing about WhatsApp.

Public surface::

    prober = UrlProber(*, allow_private=False, timeout=5.0, total_timeout=60.0, max_bytes=4096,
                       concurrency=64, per_host=32, retries=2, backoff=0.25, max_redirects=5,
                       cache=None, transport=None, resolver=None)
    prober.probe_all(urls) -> dict[str, ProbeResult]         # sync; also safe inside a running loop
    await prober.aprobe_all(urls) -> dict[str, ProbeResult]  # for async callers

    ProbeResult   one frozen record per input URL (never an exception); .ok, .definitive, .media_type
    Outcome       what happened: "ok", "http-error", "blocked", "invalid-url", "too-many-redirects",
                  "dns-error", "connect-error", "tls-error", "network-error", "timeout", "too-slow", "error"
    ProbeCache(path=None, *, ttl=3600.0)   results shared by runs and processes, on disk
    redact_url(text) -> str                hides tokens, signatures and passwords before display

Decisions, and why:

* **A small ranged GET, not HEAD.** Presigned URLs (S3, GCS, Azure SAS) sign the method, so a
  HEAD is refused where Meta's GET would succeed, and the caller needs the first bytes anyway to
  sniff what the file really is. ``Range: bytes=0-<max_bytes-1>`` keeps it cheap; a server that
  ignores the range and streams the whole body is cut off after ``max_bytes``.
* **The SSRF guard connects to the address it checked.** walint runs in CI runners and on
  laptops inside private networks, on payloads written by someone else: a link to
  ``http://169.254.169.254/`` or to an intranet host must not be fetched. Every resolved address
  is checked, and the request then goes to that very IP (with the original ``Host`` header and,
  for https, ``sni_hostname`` so TLS still verifies the real name). Letting the HTTP stack
  resolve the name again would reopen the hole (DNS rebinding: public on the first lookup,
  127.0.0.1 on the second). Redirects are followed by hand so the guard runs at every hop.
  Environment proxies are not used for the same reason. ``allow_private=True`` turns the
  address check off (tests, internal CDNs); names are still resolved once and pinned.
* **Bounded everything.** Concurrency overall and per host, a per-attempt timeout, a run budget
  after which unfinished URLs are reported ``too-slow``, a capped number of retries (timeouts,
  connection failures, 408/429/5xx; ``Retry-After`` honoured up to ``RETRY_AFTER_CAP``). A lint
  step must finish, and must not hammer a CDN.
* **Results, not exceptions.** Every input gets a :class:`ProbeResult`; a malformed URL, a
  resolver that crashes or an unexpected library error becomes an outcome with one human line
  in ``detail``. ``ProbeResult.definitive`` tells the caller whether the answer is a fact about
  the link or a "could not verify".
* **Secrets stay out of output.** ``detail``, ``final_url`` and ``redirects`` pass through
  :func:`redact_url`; only ``url`` (the caller's own key) is returned as given. The cache stores
  URLs hashed and redacted, so a shared CI cache never holds a token.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
import contextlib
import email.utils
import hashlib
import inspect
import ipaddress
import os
import random
import re
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timezone
from enum import Enum
from pathlib import Path
from typing import Any, Union

import httpx
import orjson

from .redact import redact

try:  # POSIX only; elsewhere concurrent savers may lose (never corrupt) each other's entries.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["Outcome", "ProbeCache", "ProbeResult", "UrlProber", "redact_url"]

#: Longest ``Retry-After`` (seconds) worth waiting for. A server asking for more is answered
#: with its 429/503 as the result: a lint run should not sleep for minutes, nor retry early.
RETRY_AFTER_CAP = 5.0

USER_AGENT = "walint-linkcheck/1 (pre-send campaign linter)"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

#: Response headers worth handing to the caller (freshness, identity, how the body was sent).
_KEPT_HEADERS = (
    "accept-ranges",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-length",
    "content-range",
    "etag",
    "expires",
    "last-modified",
    "retry-after",
)

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
#: ``host -> IP strings``, plain or async. A plain one is run in a worker thread.
Resolver = Callable[[str], Union[Iterable[str], Awaitable[Iterable[str]]]]


# --------------------------------------------------------------------------------------------
# Results


class Outcome(str, Enum):
    """What probing one URL came to. A ``str`` so ``result.outcome == "ok"`` reads naturally."""

    OK = "ok"  # a 2xx answer (or 416 with a known size: the file exists but is empty)
    HTTP_ERROR = "http-error"  # an HTTP status that is not success (see ``status``)
    BLOCKED = "blocked"  # refused by the SSRF guard; no request was sent to that address
    INVALID_URL = "invalid-url"  # not an absolute http(s) URL (or a redirect to one)
    TOO_MANY_REDIRECTS = "too-many-redirects"  # more than ``max_redirects`` hops, or a loop
    DNS_ERROR = "dns-error"  # the host name did not resolve
    CONNECT_ERROR = "connect-error"  # no connection could be made
    TLS_ERROR = "tls-error"  # TLS handshake or certificate verification failed
    NETWORK_ERROR = "network-error"  # the connection broke while talking
    TIMEOUT = "timeout"  # every attempt ran out of time
    TOO_SLOW = "too-slow"  # the run budget (``total_timeout``) ended before this URL did
    ERROR = "error"  # an unexpected failure inside walint or a library; see ``detail``

    def __str__(self) -> str:
        return self.value


def _retryable_status(status: int) -> bool:
    return status in (408, 429) or 500 <= status <= 599


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one URL served, as far as a ranged GET of its first bytes could tell.

    ``url`` is the input exactly as given (the key of :meth:`UrlProber.probe_all`); every
    other text field is redacted. ``status``/``final_url``/``content_type``/``head``/``size``
    describe the last response received (``None``/empty when there was none). ``size`` is the
    whole file's size, from ``Content-Range`` or ``Content-Length``, not ``len(head)``.
    ``head`` is at most ``max_bytes`` of the body, raw as sent (``Accept-Encoding: identity``
    is asked for; ``headers["content-encoding"]`` says if the server compressed anyway).
    """

    url: str
    outcome: Outcome
    detail: str
    status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    content_type: str | None = None
    head: bytes = b""
    size: int | None = None
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    from_cache: bool = False

    @property
    def ok(self) -> bool:
        """True when the link answered with content."""
        return self.outcome is Outcome.OK

    @property
    def definitive(self) -> bool:
        """True when the result is a fact about the link, not a failure to find out.

        A 404 is definitive; a timeout, a refused connection or a 503 after all retries is not
        (the caller should say "could not verify"). Only definitive results are cached.
        """
        if self.outcome is Outcome.HTTP_ERROR:
            return self.status is not None and not _retryable_status(self.status)
        return self.outcome in (
            Outcome.OK,
            Outcome.BLOCKED,
            Outcome.INVALID_URL,
            Outcome.TOO_MANY_REDIRECTS,
        )

    @property
    def media_type(self) -> str | None:
        """``content_type`` without parameters, lower-cased (``"image/jpeg"``)."""
        if not self.content_type:
            return None
        return self.content_type.split(";", 1)[0].strip().lower() or None


# --------------------------------------------------------------------------------------------
# Redaction

_SECRET_NAMES = frozenset(
    {"sig", "key", "apikey", "api_key", "api-key", "auth", "code", "jwt", "sessionid", "session"}
)
_SECRET_PARTS = ("token", "secret", "signature", "password", "passwd", "credential")
_PAIR = re.compile(r"(?P<lead>^|[?&#;\s])(?P<name>[A-Za-z0-9_.%\-\[\]]+)=(?P<value>[^&#\s'\"<>]*)")
_USERINFO = re.compile(r"(?P<pre>[A-Za-z][A-Za-z0-9+.\-]*://[^/?#@\s:]*):[^/?#@\s]*@")


def _is_secret_name(name: str) -> bool:
    name = re.sub(r"%[0-9A-Fa-f]{2}", "", name).lower()
    return name in _SECRET_NAMES or any(part in name for part in _SECRET_PARTS)


def redact_url(url: object) -> str:
    """Return ``url`` with credentials replaced by ``***``; works on any text containing URLs.

    Query and fragment parameters whose name looks secret (``access_token``, ``token``,
    ``X-Amz-Signature``, ``sig``, ``key``, anything with ``secret``/``password``/``credential``…)
    keep their name and lose their value, and ``user:password@`` loses the password. Everything
    else is left byte for byte, so the redacted URL still points a human at the right file.
    Builds on :func:`validator.redact.redact`, the findings' redactor (listed parameter names,
    bearer and Meta tokens), and adds what URLs need: secrets in fragments, in percent-encoded
    or vendor-prefixed names (``X-Goog-Signature``, ``client_secret``) and in the userinfo, so
    the two never disagree about what is secret. Never raises.
    """
    text = url if isinstance(url, str) else str(url)
    text = _USERINFO.sub(r"\g<pre>:***@", text)

    def hide(match: re.Match[str]) -> str:
        if match["value"] and _is_secret_name(match["name"]):
            return f"{match['lead']}{match['name']}=***"
        return match[0]

    return redact(_PAIR.sub(hide, text))


# --------------------------------------------------------------------------------------------
# The address guard

_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack…
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer (a public-looking address, only reachable in Azure)
        "192.0.0.192",  # Oracle Cloud (is_global in Python's table, so listed by hand)
    )
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LEGACY_V4 = re.compile(r"[0-9][0-9a-fA-FxX.]*")


def _literal_ip(host: str) -> IPAddress | None:
    """The IP a URL host denotes literally, including the forms browsers and libc accept.

    ``http://2130706433/``, ``http://0x7f.1/`` and ``http://127.1/`` all mean 127.0.0.1 to
    ``getaddrinfo``; treating them as names would hand the decision to a resolver.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_V4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded(addr: IPAddress) -> Iterator[IPAddress]:
    """The IPv4 address hidden in an IPv6 one (mapped, 6to4, NAT64), then the address itself."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            yield addr.ipv4_mapped
        if addr.sixtofour is not None:
            yield addr.sixtofour
        if addr in _NAT64:
            yield ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    yield addr


def _refusal(addr: IPAddress) -> tuple[str, str] | None:
    """Why ``addr`` must not be fetched — ``("127.0.0.1", "a loopback address")`` — or None."""
    for inner in _embedded(addr):
        if inner in _METADATA:
            kind = "a cloud metadata address"
        elif inner.is_loopback:
            kind = "a loopback address"
        elif inner.is_link_local:
            kind = "a link-local address"
        elif inner.is_unspecified:
            kind = "an unspecified address"
        elif inner.is_multicast:
            kind = "a multicast address"
        elif inner.version == 4 and inner in _CGNAT:
            kind = "a shared (CGNAT) address"
        elif inner.is_reserved:
            kind = "a reserved address"
        elif inner.is_private:
            kind = "a private address"
        elif not inner.is_global:
            kind = "not a public address"
        else:
            continue
        return (str(addr) if inner == addr else f"{addr} ({inner})"), kind
    return None


def _getaddrinfo(host: str) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


# --------------------------------------------------------------------------------------------
# The cache


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
        base = os.environ.get("XDG_CACHE_HOME", "")
        root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
        return root / "walint" / "urls.json"

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


# --------------------------------------------------------------------------------------------
# The prober


class _Failure(Exception):
    """A classified failure of one hop, carried up to where it becomes a ProbeResult."""

    def __init__(self, outcome: Outcome, detail: str, *, retryable: bool = False) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail
        self.retryable = retryable
        self.attempts = 1


@dataclass(slots=True)
class _Hop:
    """One HTTP response, its body cut at ``max_bytes``."""

    url: httpx.URL
    status: int
    reason: str
    headers: httpx.Headers
    head: bytes
    complete: bool  # the whole body was read (so len(head) is the size)
    attempts: int = 1


async def _within(seconds: float, awaitable: Awaitable[Any]) -> Any:
    """``await`` with a wall-clock limit: a server dripping one byte per read timeout must
    still end within ``seconds``. ``asyncio.timeout`` (3.11) avoids a task per call."""
    if hasattr(asyncio, "timeout"):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)  # pragma: no cover - Python 3.10


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_tls(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _url_problem(url: httpx.URL) -> str | None:
    if url.scheme not in ("http", "https"):
        if not url.scheme:
            return "not an absolute URL (no scheme)"
        return f"unsupported scheme {url.scheme!r} (only http and https can be fetched)"
    if not url.host:
        return "no host in URL"
    return None


def _parse_url(raw: str) -> tuple[httpx.URL | None, str | None]:
    if not raw:
        return None, "empty URL"
    if raw != raw.strip():
        return None, "URL has leading or trailing whitespace"
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        return None, f"not a valid URL: {exc}"
    return url, _url_problem(url)


def _content_range_total(value: str | None) -> int | None:
    """``bytes 0-4095/123456`` → 123456; ``bytes */0`` → 0; unknown total (``/*``) → None."""
    if not value:
        return None
    match = re.fullmatch(r"\s*bytes\s+(?:\d+-\d+|\*)\s*/\s*(\d+)\s*", value, re.IGNORECASE)
    return int(match[1]) if match else None


def _int_header(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _retry_delay(attempt: int, backoff: float, retry_after: float | None) -> float | None:
    """How long to wait before attempt ``attempt + 1``; None when not worth retrying.

    Exponential backoff with jitter (so 64 probes throttled together do not come back
    together), never shorter than the server's ``Retry-After``; a ``Retry-After`` beyond
    ``RETRY_AFTER_CAP`` means giving up now rather than retrying too early.
    """
    delay = backoff * (2**attempt) * random.uniform(0.5, 1.0)
    if retry_after is not None:
        if retry_after > RETRY_AFTER_CAP:
            return None
        delay = max(delay, retry_after)
    return delay


def _size(hop: _Hop) -> int | None:
    if hop.status in (206, 416):
        return _content_range_total(hop.headers.get("content-range"))
    length = _int_header(hop.headers.get("content-length"))
    if length is not None:
        return length
    return len(hop.head) if hop.complete else None


def _attempts_note(attempts: int) -> str:
    return f" (after {attempts} attempts)" if attempts > 1 else ""


class _Lanes(httpx.AsyncBaseTransport):
    """Connections handed out one per request: a pool of single-connection "lanes".

    Two reasons not to use one big httpcore pool. Correctness: requests go to an IP with
    ``sni_hostname`` set, and httpcore matches pooled connections by (scheme, IP, port) only,
    so two https names on one CDN address would share a connection whose certificate was
    verified for the other name; lanes are keyed by name too. Speed: httpcore re-scans every
    connection against every queued request on each event (quadratic; encode/httpcore#1035),
    which at 64 keep-alive connections costs more CPU than the requests themselves. A lane is a
    pool of one, so that scan is trivial; the prober's semaphores already bound concurrency.

    A lane returns to the idle list when its response is closed; at most ``max_idle`` are kept,
    so 1,000 distinct hosts do not leave 1,000 sockets open.
    """

    def __init__(self, make_lane: Callable[[], httpx.AsyncBaseTransport], max_idle: int) -> None:
        self._make_lane = make_lane
        self._max_idle = max_idle
        self._idle: dict[tuple[Any, ...], list[httpx.AsyncBaseTransport]] = {}
        self._idle_count = 0
        self._lanes: set[httpx.AsyncBaseTransport] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.scheme, url.raw_host, url.port, request.extensions.get("sni_hostname"))
        idle = self._idle.get(key)
        if idle:
            lane = idle.pop()
            self._idle_count -= 1
        else:
            lane = self._make_lane()
            self._lanes.add(lane)
        try:
            response = await lane.handle_async_request(request)
        except BaseException:
            await self._release(key, lane)
            raise
        response.stream = _ReleasingStream(response.stream, lambda: self._release(key, lane))
        return response

    async def _release(self, key: tuple[Any, ...], lane: httpx.AsyncBaseTransport) -> None:
        if self._idle_count < self._max_idle:
            self._idle.setdefault(key, []).append(lane)
            self._idle_count += 1
        else:
            self._lanes.discard(lane)
            await lane.aclose()

    async def aclose(self) -> None:
        lanes, self._lanes, self._idle, self._idle_count = self._lanes, set(), {}, 0
        for lane in lanes:
            with contextlib.suppress(Exception):
                await lane.aclose()


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that hands its lane back once closed."""

    def __init__(self, inner: Any, release: Callable[[], Awaitable[None]]) -> None:
        self._inner = inner
        self._release: Callable[[], Awaitable[None]] | None = release

    async def __aiter__(self) -> Any:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                await release()


class UrlProber:
    """Probes many URLs concurrently, safely, each once; see the module docstring.

    Arguments (all keyword):

    ``allow_private``  skip the SSRF address check (tests, internal CDNs).
    ``timeout``        seconds for one attempt: DNS, connect, headers and the first bytes.
    ``total_timeout``  seconds for the whole run; URLs still going then are ``too-slow``.
    ``max_bytes``      how much of each body to read (the ``Range`` asked for, and the cap).
    ``concurrency``    requests in flight overall; ``per_host`` per host name.
    ``retries``        extra attempts after a timeout, connection failure, 408, 429 or 5xx;
                       ``backoff`` is the first delay, doubled each time.
    ``max_redirects``  hops followed before ``too-many-redirects``.
    ``cache``          a :class:`ProbeCache`; hits make no request, definitive misses are stored.
    ``transport``      an ``httpx.AsyncBaseTransport`` for every request (``MockTransport`` in
                       tests); it is closed at the end of each run. Default: real network.
    ``resolver``       ``host -> [IP, …]`` (plain or async) for the guard; default getaddrinfo.

    A prober holds configuration only; one instance may run many times, also from several
    threads at once (an injected ``transport`` must then tolerate being closed after each run).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = 5.0,
        total_timeout: float = 60.0,
        max_bytes: int = 4096,
        concurrency: int = 64,
        per_host: int = 32,
        retries: int = 2,
        backoff: float = 0.25,
        max_redirects: int = 5,
        cache: ProbeCache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        for name, value in (("timeout", timeout), ("total_timeout", total_timeout)):
            if not value > 0:
                raise ValueError(f"{name} must be > 0, got {value!r}")
        for name, value in (
            ("max_bytes", max_bytes),
            ("concurrency", concurrency),
            ("per_host", per_host),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        for name, value in (("retries", retries), ("max_redirects", max_redirects)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
        if backoff < 0:
            raise ValueError(f"backoff must be >= 0, got {backoff!r}")
        self.allow_private = allow_private
        self.timeout = float(timeout)
        self.total_timeout = float(total_timeout)
        self.max_bytes = max_bytes
        self.concurrency = concurrency
        self.per_host = per_host
        self.retries = retries
        self.backoff = float(backoff)
        self.max_redirects = max_redirects
        self.cache = cache
        self.transport = transport
        self.resolver = resolver

    def probe_all(self, urls: Iterable[str]) -> dict[str, ProbeResult]:
        """Probe every distinct URL once; return ``{url: ProbeResult}`` in input order.

        Runs its own event loop; called from inside a running loop (an async sender), it runs
        that loop in a worker thread instead of failing with "asyncio.run() cannot be called".
        """
        items = list(urls)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.aprobe_all(items))
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="walint-probe") as pool:
            return pool.submit(asyncio.run, self.aprobe_all(items)).result()

    async def aprobe_all(self, urls: Iterable[str]) -> dict[str, ProbeResult]:
        """Async form of :meth:`probe_all`."""
        keys: dict[str, None] = {}
        results: dict[str, ProbeResult] = {}
        for url in urls:
            if isinstance(url, str):
                keys[url] = None
            else:  # a payload with "link": 42 is a finding, not a crash; keyed by its str()
                key = str(url)
                keys[key] = None
                results[key] = _result(key, Outcome.INVALID_URL, f"not a string ({type(url).__name__})")
        cache = self.cache
        if cache is not None:
            hits = await asyncio.to_thread(self._cache_lookup, cache, keys)
            results.update(hits)
        todo = [k for k in keys if k not in results]
        if todo:
            fresh = await self._run(todo)
            results.update(fresh)
            if cache is not None:
                await asyncio.to_thread(self._cache_store, cache, list(fresh.values()))
        return {k: results[k] for k in keys}

    # -- cache glue

    def _cache_lookup(self, cache: ProbeCache, keys: list[str]) -> dict[str, ProbeResult]:
        found = {}
        for key in keys:
            hit = cache.get(key, max_bytes=self.max_bytes, allow_private=self.allow_private)
            if hit is not None:
                found[key] = hit
        return found

    def _cache_store(self, cache: ProbeCache, results: list[ProbeResult]) -> None:
        for result in results:
            cache.put(result, max_bytes=self.max_bytes, allow_private=self.allow_private)
        cache.save()

    # -- one run

    def _transport(self) -> httpx.AsyncBaseTransport:
        """The transport for one run, used directly rather than through ``httpx.AsyncClient``.

        The prober needs none of a client's features and is better without them: it follows
        redirects itself, wants no cookie carried from one probe to the next (each link is
        fetched cold, as Meta's fetcher would), must not use environment proxies (they would
        connect wherever *they* resolve the name), and the client's per-request bookkeeping
        costs more CPU than a small ranged GET.
        """
        if self.transport is not None:
            return self.transport
        # One SSL context for all lanes: loading the CA bundle each time costs ~20 ms.
        context = httpx.create_ssl_context()
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        return _Lanes(lambda: httpx.AsyncHTTPTransport(verify=context, limits=one), max_idle=self.concurrency)

    async def _run(self, urls: list[str]) -> dict[str, ProbeResult]:
        loop = asyncio.get_running_loop()
        budget = self.total_timeout
        try:
            transport = self._transport()
        except Exception as exc:  # e.g. an unreadable CA bundle
            return {u: _result(u, Outcome.ERROR, f"cannot set up HTTP: {_describe(exc)}") for u in urls}
        run = _Run(self, transport, loop.time() + budget)
        try:
            tasks = {url: asyncio.create_task(run.probe(url)) for url in urls}
            done, pending = await asyncio.wait(tasks.values(), timeout=budget)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        finally:
            run.close()
            with contextlib.suppress(Exception):
                await transport.aclose()
        results = {}
        for url, task in tasks.items():
            if task not in done:
                late = f"not finished within the {budget:g} s run budget"
                results[url] = _result(url, Outcome.TOO_SLOW, late)
            elif task.exception() is not None:  # _Run.probe catches everything; belt and braces
                crash = f"internal error: {_describe(task.exception())}"
                results[url] = _result(url, Outcome.ERROR, crash)
            else:
                results[url] = task.result()
        return results


def _result(url: str, outcome: Outcome, detail: str, **fields: Any) -> ProbeResult:
    return ProbeResult(url=url, outcome=outcome, detail=redact_url(detail), **fields)


class _Run:
    """The state of one :meth:`UrlProber.aprobe_all` call, bound to its event loop."""

    def __init__(
        self, prober: UrlProber, transport: httpx.AsyncBaseTransport, deadline: float
    ) -> None:
        self.p = prober
        self.transport = transport
        self.timeouts = httpx.Timeout(prober.timeout).as_dict()
        self.deadline = deadline
        self.loop = asyncio.get_running_loop()
        self.slots = asyncio.Semaphore(prober.concurrency)
        self.host_slots: dict[str, asyncio.Semaphore] = {}
        self.dns: dict[str, asyncio.Task[list[IPAddress]]] = {}
        self.dns_threads: concurrent.futures.ThreadPoolExecutor | None = None
        self.range = f"bytes=0-{prober.max_bytes - 1}"

    async def probe(self, raw: str) -> ProbeResult:
        """Follow ``raw`` to its final answer; every path out of here is a ProbeResult."""
        try:
            return await self._probe(raw)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a library bug must cost one URL, not the run
            return _result(raw, Outcome.ERROR, f"internal error: {_describe(exc)}")

    async def _probe(self, raw: str) -> ProbeResult:
        url, problem = _parse_url(raw)
        if url is None or problem:
            return _result(raw, Outcome.INVALID_URL, problem or "not a valid URL")
        chain: list[httpx.URL] = []
        seen = {str(url)}

        def fields(hop: _Hop | None = None) -> dict[str, Any]:
            out: dict[str, Any] = {"redirects": tuple(redact_url(str(u)) for u in chain)}
            if hop is not None:
                out.update(
                    status=hop.status,
                    final_url=redact_url(str(hop.url)),
                    content_type=hop.headers.get("content-type"),
                    headers={k: hop.headers[k] for k in _KEPT_HEADERS if k in hop.headers},
                )
            return out

        while True:
            try:
                hop = await self._fetch(url)
            except _Failure as failure:
                detail = failure.detail + _attempts_note(failure.attempts)
                if chain:
                    where = f"redirect {len(chain)} to {url}"
                    detail = (
                        f"refused {where}: {failure.detail}"
                        if failure.outcome is Outcome.BLOCKED
                        else f"{detail} (at {where})"
                    )
                elif failure.outcome is Outcome.BLOCKED:
                    detail = f"refused: {failure.detail}"
                return _result(raw, failure.outcome, detail, **fields())

            if hop.status not in _REDIRECT_STATUSES:
                return self._final(raw, hop, chain, fields(hop))
            location = hop.headers.get("location", "").strip()
            if not location:
                stop = (Outcome.HTTP_ERROR, f"HTTP {hop.status} without a Location header")
            else:
                try:
                    target = url.join(location)
                except (httpx.InvalidURL, ValueError, TypeError) as exc:
                    stop = (Outcome.INVALID_URL, f"redirect to an invalid URL {location!r}: {exc}")
                else:
                    chain.append(target)
                    stop = self._redirect_problem(url, target, len(chain), seen)
            if stop is not None:
                return _result(raw, stop[0], stop[1], **fields(hop))
            seen.add(str(target))
            url = target

    def _redirect_problem(
        self, url: httpx.URL, target: httpx.URL, hop: int, seen: set[str]
    ) -> tuple[Outcome, str] | None:
        """Why the redirect from ``url`` to ``target`` (redirect number ``hop``) is not followed."""
        problem = _url_problem(target)
        if problem:
            return Outcome.INVALID_URL, f"redirect {hop} to {target}: {problem}"
        if str(target) in seen:
            return Outcome.TOO_MANY_REDIRECTS, f"redirect loop: {url} redirects back to {target}"
        if hop > self.p.max_redirects:
            return Outcome.TOO_MANY_REDIRECTS, f"more than {self.p.max_redirects} redirects"
        return None

    def _final(
        self, raw: str, hop: _Hop, chain: list[httpx.URL], fields: dict[str, Any]
    ) -> ProbeResult:
        size = _size(hop)
        via = f" after {len(chain)} redirect{'s' if len(chain) != 1 else ''}" if chain else ""
        note = _attempts_note(hop.attempts)
        if 200 <= hop.status < 300 or (hop.status == 416 and size is not None):
            head = hop.head if hop.status != 416 else b""
            kind = hop.headers.get("content-type") or "no Content-Type"
            amount = f"{size} bytes" if size is not None else "size unknown"
            detail = f"HTTP {hop.status}{via}, {kind}, {amount}{note}"
            return _result(raw, Outcome.OK, detail, head=head, size=size, **fields)
        where = f" at {hop.url}" if chain else ""
        detail = f"HTTP {hop.status} {hop.reason}".rstrip() + f"{via}{where}{note}"
        wait = _parse_retry_after(hop.headers.get("retry-after"))
        if _retryable_status(hop.status) and wait is not None and wait > RETRY_AFTER_CAP:
            detail += f" (not retried: the server asked to wait {wait:.0f} s)"
        return _result(raw, Outcome.HTTP_ERROR, detail, head=hop.head, size=size, **fields)

    # -- one hop, with retries

    async def _fetch(self, url: httpx.URL) -> _Hop:
        """One hop, retried while the failure is transient (and the run budget allows).

        What comes back — a response or a raised failure — is the *last* attempt's, with the
        number of attempts, so the caller can say "could not verify: HTTP 503 after 3 attempts".
        """
        last_hop: _Hop | None = None
        last_failure: _Failure | None = None
        attempts = 0
        for attempt in range(self.p.retries + 1):
            attempts += 1
            retry_after = None
            try:
                hop = await self._attempt(url, attempt)
            except _Failure as failure:
                if not failure.retryable:
                    raise
                last_hop, last_failure = None, failure
            else:
                if not _retryable_status(hop.status):
                    hop.attempts = attempts
                    return hop
                last_hop, last_failure = hop, None
                retry_after = _parse_retry_after(hop.headers.get("retry-after"))
            if attempt == self.p.retries:
                break
            delay = _retry_delay(attempt, self.p.backoff, retry_after)
            if delay is None or self.loop.time() + delay >= self.deadline:
                break
            await asyncio.sleep(delay)
        if last_hop is not None:
            last_hop.attempts = attempts
            return last_hop
        assert last_failure is not None
        last_failure.attempts = attempts
        raise last_failure

    async def _attempt(self, url: httpx.URL, attempt: int) -> _Hop:
        host = url.raw_host.decode("ascii")
        addresses = await self._checked_addresses(url)
        address = str(addresses[attempt % len(addresses)])  # next attempt, next address
        # Host slot first: waiting for a busy host must not hold one of the global slots.
        async with self._host_slot(host), self.slots:
            try:
                return await _within(self.p.timeout, self._send(url, address))
            except (asyncio.TimeoutError, httpx.TimeoutException):
                slow = f"no response from {url.host} within {self.p.timeout:g} s"
                raise _Failure(Outcome.TIMEOUT, slow, retryable=True) from None
            except httpx.ConnectError as exc:
                if _is_tls(exc):  # a certificate does not fix itself in a second: not retried
                    bad_tls = f"TLS failed with {url.host}: {_describe(exc)}"
                    raise _Failure(Outcome.TLS_ERROR, bad_tls) from None
                refused = f"could not connect to {url.host}: {_describe(exc)}"
                raise _Failure(Outcome.CONNECT_ERROR, refused, retryable=True) from None
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise _Failure(Outcome.INVALID_URL, f"cannot request {url}: {_describe(exc)}") from None
            except httpx.TransportError as exc:
                broken = f"connection to {url.host} failed: {_describe(exc)}"
                raise _Failure(Outcome.NETWORK_ERROR, broken, retryable=True) from None

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self.host_slots.get(host)
        if slot is None:
            slot = self.host_slots[host] = asyncio.Semaphore(self.p.per_host)
        return slot

    async def _checked_addresses(self, url: httpx.URL) -> list[IPAddress]:
        """The addresses ``url`` may be fetched from; raises a ``blocked`` failure if any is unsafe.

        *Any*, not all: with several A records the connection could land on either, and an
        attacker who controls DNS chooses which one a retry gets. With ``allow_private`` the
        check is skipped but the name is still resolved once and the connection pinned, so
        both modes take the same path to the network.
        """
        guard = not self.p.allow_private
        literal = _literal_ip(url.host)
        if literal is not None:
            why = _refusal(literal) if guard else None
            if why:
                raise _Failure(Outcome.BLOCKED, f"{why[0]} is {why[1]}")
            return [literal]
        addresses = await self._resolve(url.raw_host.decode("ascii"))
        for addr in addresses if guard else ():
            why = _refusal(addr)
            if why:
                raise _Failure(Outcome.BLOCKED, f"{url.host} resolves to {why[0]}, {why[1]}")
        return addresses

    async def _resolve(self, host: str) -> list[IPAddress]:
        task = self.dns.get(host)
        if task is None:
            task = self.dns[host] = asyncio.ensure_future(self._lookup(host))
        try:
            return await asyncio.shield(task)
        except _Failure:
            if self.dns.get(host) is task:
                del self.dns[host]  # failures are not remembered: a retry asks again
            raise

    def _dns_threads(self) -> concurrent.futures.ThreadPoolExecutor:
        """Threads for blocking lookups, apart from the loop's default executor.

        A hung ``getaddrinfo`` cannot be cancelled, and ``asyncio.run`` joins the default
        executor before returning: one dead DNS server would hang the whole run. These threads
        are abandoned instead (:meth:`close`), and the lookup reported as timed out.
        """
        if self.dns_threads is None:
            self.dns_threads = concurrent.futures.ThreadPoolExecutor(
                max_workers=min(16, self.p.concurrency), thread_name_prefix="walint-dns"
            )
        return self.dns_threads

    def close(self) -> None:
        if self.dns_threads is not None:
            self.dns_threads.shutdown(wait=False, cancel_futures=True)

    async def _lookup(self, host: str) -> list[IPAddress]:
        resolver = self.p.resolver
        try:
            if resolver is not None and inspect.iscoroutinefunction(resolver):
                call: Awaitable[Any] = resolver(host)
            else:
                call = self.loop.run_in_executor(self._dns_threads(), resolver or _getaddrinfo, host)
            answer = await _within(self.p.timeout, call)
            if inspect.isawaitable(answer):
                answer = await _within(self.p.timeout, answer)
            addresses = list(dict.fromkeys(ipaddress.ip_address(a) for a in answer))
        except asyncio.TimeoutError:
            raise _Failure(Outcome.DNS_ERROR, f"DNS lookup of {host} timed out", retryable=True) from None
        except ValueError as exc:  # the resolver's answer is wrong; asking again will not help
            raise _Failure(Outcome.DNS_ERROR, f"resolver gave an invalid address for {host}: {exc}") from None
        except Exception as exc:
            failed = f"cannot resolve {host}: {_describe(exc)}"
            raise _Failure(Outcome.DNS_ERROR, failed, retryable=True) from None
        if not addresses:
            raise _Failure(Outcome.DNS_ERROR, f"{host} has no addresses", retryable=True)
        return addresses

    async def _send(self, url: httpx.URL, address: str) -> _Hop:
        headers = {
            "User-Agent": USER_AGENT,
            "Range": self.range,
            "Accept": "*/*",
            "Accept-Encoding": "identity",
        }
        extensions: dict[str, Any] = {"timeout": self.timeouts}
        # Connect to the checked address; name the real host for routing and for TLS.
        target = url.copy_with(host=address.split("%", 1)[0])
        headers["Host"] = url.netloc.decode("ascii")
        if url.scheme == "https":
            extensions["sni_hostname"] = url.raw_host.decode("ascii")
        request = httpx.Request("GET", target, headers=headers, extensions=extensions)
        response = await self.transport.handle_async_request(request)
        cap = self.p.max_bytes
        # A body that fits in the cap (the usual 206) is read to its end, so the connection
        # goes back to the pool; anything longer is cut and its connection closed.
        length = _int_header(response.headers.get("content-length"))
        stop_at = cap + 1 if length is not None and length <= cap else cap
        body = bytearray()
        complete = False
        try:
            # Raw bytes: no decompression (a small gzip chunk can expand without bound), and
            # counts that match Content-Length.
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) >= stop_at:
                    break
            else:
                complete = True
        except httpx.StreamConsumed:
            # The transport handed over a body already in memory (``MockTransport``).
            body[:] = response.content[: cap + 1]
            complete = len(body) <= cap
        finally:
            await response.aclose()  # an unfinished body closes the connection: nothing more is read
        return _Hop(
            url=url,
            status=response.status_code,
            reason=response.reason_phrase,
            headers=response.headers,
            head=bytes(body[:cap]),
            complete=complete,
        )
