"""When a presigned link stops working, read from the link itself (no request needed).

Object stores hand out links that carry their own permission and its end: a GET after the
end is refused (403), however good the file. The parameters, by vendor:

* **AWS Signature V4** (S3 presigned URLs): ``X-Amz-Date`` (``20260503T100000Z``, when it was
  signed) plus ``X-Amz-Expires`` (seconds of validity, at most 7 days).
* **Google Cloud Storage V4**: ``X-Goog-Date`` plus ``X-Goog-Expires``, the same shape.
* **Azure SAS**: ``se`` (signed expiry, ISO 8601) beside ``sig``.
* **AWS Signature V2 / GCS V2 / CloudFront canned policy**: ``Expires`` (Unix seconds) beside
  ``Signature`` — with ``AWSAccessKeyId``, ``GoogleAccessId`` or ``Key-Pair-Id`` naming which.
* **CloudFront custom policy**: ``Policy`` (URL-safe base64 JSON) whose
  ``DateLessThan.AWS:EpochTime`` is the end, beside ``Signature`` and ``Key-Pair-Id``.

Parameter names are matched case-insensitively. A link whose signature names an end that
cannot be read is still reported as signed, with ``expires_at`` None.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

__all__ = ["SignedExpiry", "signed_expiry"]


@dataclass(frozen=True)
class SignedExpiry:
    """A signed link's scheme (``"AWS Signature V4"`` …) and when it expires (UTC), if known."""

    scheme: str
    expires_at: datetime | None


def signed_expiry(url: str) -> SignedExpiry | None:
    """The expiry of a presigned ``url``, or None when the link carries no expiring signature."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    if not query:
        return None
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(name.lower(), value)

    for prefix, scheme in (("x-amz-", "AWS Signature V4"), ("x-goog-", "Google Cloud Storage V4")):
        if prefix + "expires" in params:
            signed_at = _compact_time(params.get(prefix + "date", ""))
            seconds = _integer(params[prefix + "expires"])
            end = None
            if signed_at is not None and seconds is not None:
                try:
                    end = signed_at + timedelta(seconds=seconds)
                except OverflowError:  # past year 9999: never, as far as a send is concerned
                    end = None
            return SignedExpiry(scheme, end)
    if "se" in params and "sig" in params:
        return SignedExpiry("Azure SAS", _iso_time(params["se"]))
    if "signature" in params:
        if "key-pair-id" in params:
            scheme = "CloudFront signed URL"
        elif "googleaccessid" in params:
            scheme = "Google Cloud Storage V2"
        else:
            scheme = "AWS Signature V2"
        if "expires" in params:
            return SignedExpiry(scheme, _epoch(params["expires"]))
        if "policy" in params:
            return SignedExpiry(scheme, _policy_end(params["policy"]))
    return None


def _integer(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


def _epoch(text: str) -> datetime | None:
    seconds = _integer(text)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _compact_time(text: str) -> datetime | None:
    """``20260503T100000Z`` (ISO 8601 basic format, as SigV4 writes it)."""
    try:
        return datetime.strptime(text.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _iso_time(text: str) -> datetime | None:
    """``2026-05-03T10:00:00Z`` or ``2026-05-03`` (Azure accepts both)."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def _policy_end(policy: str) -> datetime | None:
    """``DateLessThan`` of a CloudFront custom policy (base64 with ``-_~`` for ``+=/``)."""
    raw = policy.strip().translate(str.maketrans("-_~", "+=/"))
    try:
        document = json.loads(base64.b64decode(raw + "=" * (-len(raw) % 4)))
        end = document["Statement"][0]["Condition"]["DateLessThan"]["AWS:EpochTime"]
    except (binascii.Error, ValueError, KeyError, IndexError, TypeError):
        return None
    return _epoch(str(end)) if isinstance(end, int) and not isinstance(end, bool) else None
