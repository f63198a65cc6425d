"""Reading the response headers the prober relies on: sizes and ``Retry-After``."""

from __future__ import annotations

import email.utils
import re
import time
from datetime import timezone

__all__ = ["content_range_total", "int_header", "parse_retry_after"]


def content_range_total(value: str | None) -> int | None:
    """``bytes 0-4095/123456`` → 123456; ``bytes */0`` → 0; unknown total (``/*``) → None."""
    if not value:
        return None
    match = re.fullmatch(r"\s*bytes\s+(?:\d+-\d+|\*)\s*/\s*(\d+)\s*", value, re.IGNORECASE)
    return int(match[1]) if match else None


def int_header(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
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
