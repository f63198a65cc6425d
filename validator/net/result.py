"""What probing one URL came to: :class:`Outcome` and the :class:`ProbeResult` record.

A result is data, never an exception: every input URL gets one, and
:attr:`ProbeResult.definitive` tells a caller whether it is a fact about the link or a
"could not verify".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = ["Outcome", "ProbeResult", "retryable_status"]


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



def retryable_status(status: int) -> bool:
    """Statuses worth asking again (and not worth caching): 408, 429 and every 5xx."""
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
            return self.status is not None and not retryable_status(self.status)
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

