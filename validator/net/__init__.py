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

from .cache import ProbeCache
from .probe import UrlProber
from .result import Outcome, ProbeResult
from .signed import SignedExpiry, signed_expiry

__all__ = ["Outcome", "ProbeCache", "ProbeResult", "SignedExpiry", "UrlProber", "signed_expiry"]
