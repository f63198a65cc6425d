"""Keep secrets out of every report: access tokens in URLs, bearer headers, Meta tokens.

Campaign files carry signed media links (``?access_token=…``, ``X-Amz-Signature=…``) and
sometimes a pasted ``Authorization`` header. Findings quote the offending value, and
reports end up in CI logs, SARIF uploads and job summaries, so redaction happens once,
where a finding is made, and every format inherits it.
"""

from __future__ import annotations

import re

__all__ = ["redact"]

_SECRET_PARAMS = (
    "access_token", "token", "auth", "authorization", "api_key", "apikey", "key", "secret",
    "password", "passwd", "signature", "sig", "x-amz-signature", "x-amz-credential",
    "x-amz-security-token", "x-goog-signature", "x-goog-credential",
)
_QUERY = re.compile(r"(?i)([?&;](?:%s)=)[^&#\s'\"]+" % "|".join(map(re.escape, _SECRET_PARAMS)))
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
# Meta user and system-user access tokens start with "EAA" and run for ~150+ characters.
_META_TOKEN = re.compile(r"\bEAA[A-Za-z0-9]{20,}")


def redact(text: str) -> str:
    """``text`` with secret values replaced by ``***`` (cheap when there is nothing to hide)."""
    if "=" in text:
        text = _QUERY.sub(r"\1***", text)
    if "earer" in text:
        text = _BEARER.sub(r"\1***", text)
    if "EAA" in text:
        text = _META_TOKEN.sub("EAA***", text)
    return text
