"""The prober's transport: one pooled connection per request, keyed by name and address."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

__all__ = ["Lanes"]


class Lanes(httpx.AsyncBaseTransport):
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
