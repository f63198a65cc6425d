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

The parts live beside this module: ``result`` (Outcome, ProbeResult), ``guard`` (which
addresses may be fetched), ``cache`` (ProbeCache), ``lanes`` (the connection pool),
``headers`` (sizes, ``Retry-After``); ``validator.redact.redact_url`` hides secrets.

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
  :func:`validator.redact.redact_url`; only ``url`` (the caller's own key) is returned as
  given. The cache stores URLs hashed and redacted, so a shared CI cache never holds a token.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import ipaddress
import random
import socket
import ssl
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from ..redact import redact_url
from .cache import ProbeCache
from .guard import IPAddress, Resolver, getaddrinfo, literal_ip, refusal
from .headers import content_range_total, int_header, parse_retry_after
from .lanes import Lanes
from .result import Outcome, ProbeResult, retryable_status

__all__ = ["RETRY_AFTER_CAP", "USER_AGENT", "UrlProber", "retry_delay"]

#: Longest ``Retry-After`` (seconds) worth waiting for. A server asking for more is answered
#: with its 429/503 as the result: a lint run should not sleep for minutes, nor retry early.
RETRY_AFTER_CAP = 5.0

USER_AGENT = "walint-linkcheck/1 (pre-send campaign linter)"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

#: getaddrinfo's "the name does not exist" answers (EAI_NODATA is not defined everywhere).
_NO_SUCH_NAME = frozenset(
    code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code is not None
)

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



def retry_delay(attempt: int, backoff: float, retry_after: float | None) -> float | None:
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
        return content_range_total(hop.headers.get("content-range"))
    length = int_header(hop.headers.get("content-length"))
    if length is not None:
        return length
    return len(hop.head) if hop.complete else None


def _attempts_note(attempts: int) -> str:
    return f" (after {attempts} attempts)" if attempts > 1 else ""



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
        return Lanes(lambda: httpx.AsyncHTTPTransport(verify=context, limits=one), max_idle=self.concurrency)

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
        wait = parse_retry_after(hop.headers.get("retry-after"))
        if retryable_status(hop.status) and wait is not None and wait > RETRY_AFTER_CAP:
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
                if not retryable_status(hop.status):
                    hop.attempts = attempts
                    return hop
                last_hop, last_failure = hop, None
                retry_after = parse_retry_after(hop.headers.get("retry-after"))
            if attempt == self.p.retries:
                break
            delay = retry_delay(attempt, self.p.backoff, retry_after)
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
        literal = literal_ip(url.host)
        if literal is not None:
            why = refusal(literal) if guard else None
            if why:
                raise _Failure(Outcome.BLOCKED, f"{why[0]} is {why[1]}")
            return [literal]
        addresses = await self._resolve(url.raw_host.decode("ascii"))
        for addr in addresses if guard else ():
            why = refusal(addr)
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
                call = self.loop.run_in_executor(self._dns_threads(), resolver or getaddrinfo, host)
            answer = await _within(self.p.timeout, call)
            if inspect.isawaitable(answer):
                answer = await _within(self.p.timeout, answer)
            addresses = list(dict.fromkeys(ipaddress.ip_address(a) for a in answer))
        except asyncio.TimeoutError:
            raise _Failure(Outcome.DNS_ERROR, f"DNS lookup of {host} timed out", retryable=True) from None
        except ValueError as exc:  # the resolver's answer is wrong; asking again will not help
            raise _Failure(Outcome.DNS_ERROR, f"resolver gave an invalid address for {host}: {exc}") from None
        except socket.gaierror as exc:
            # "No such name" is the resolver's answer, not a hiccup: asking again within a
            # second changes nothing (it stays a could-not-verify: DNS differs between networks).
            failed = f"cannot resolve {host}: {_describe(exc)}"
            raise _Failure(Outcome.DNS_ERROR, failed, retryable=exc.errno not in _NO_SUCH_NAME) from None
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
        length = int_header(response.headers.get("content-length"))
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
