"""Fetching what campaign links serve: safely (SSRF guard), quickly (concurrent, cached), once.

The public surface is small; the modules behind it have one job each::

    from validator.net import Outcome, ProbeCache, ProbeResult, UrlProber

* ``probe``  — :class:`UrlProber`: each distinct URL once, a ranged GET of its first bytes,
  redirects followed by hand, bounded retries, concurrency and run time;
* ``guard``  — which addresses may be fetched (loopback, private, link-local and cloud
  metadata addresses are refused unless ``allow_private``);
* ``cache``  — :class:`ProbeCache`, definitive results on disk with a TTL, written atomically;
* ``result`` — :class:`Outcome` and :class:`ProbeResult`, what a probe came to;
* ``signed`` — when a presigned link (S3, CloudFront, GCS, Azure SAS) stops working;
* ``headers``, ``lanes`` — response-header parsing and the connection pool.

Nothing here knows WhatsApp: the rules in ``rules.links`` judge what a link serves.
"""

from typing import TYPE_CHECKING, Any

from .result import Outcome, ProbeResult
from .signed import SignedExpiry, signed_expiry

if TYPE_CHECKING:
    from .cache import ProbeCache
    from .probe import UrlProber


def __getattr__(name: str) -> Any:
    # The prober and its cache pull in httpx; an offline run (every pre-commit call) never
    # needs them, so they are imported on first use, not with the package.
    if name == "UrlProber":
        from .probe import UrlProber
        return UrlProber
    if name == "ProbeCache":
        from .cache import ProbeCache
        return ProbeCache
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["Outcome", "ProbeCache", "ProbeResult", "SignedExpiry", "UrlProber", "signed_expiry"]
