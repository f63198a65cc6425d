"""Keep secrets out of every report: access tokens in URLs, bearer headers, Meta tokens.

Campaign files carry signed media links (``?access_token=…``, ``X-Amz-Signature=…``) and
sometimes a pasted ``Authorization`` header. Findings quote the offending value, and
reports end up in CI logs, SARIF uploads and job summaries, so redaction happens once,
where a finding is made, and every format inherits it.

Two entry points, one notion of "secret": :func:`redact` for any text (the engine runs it
on every finding) and :func:`redact_url`, which builds on it with what URLs need (secrets
in fragments, vendor-prefixed or percent-encoded names, passwords in the userinfo) — the
link prober runs it on everything it reports and caches.
"""

from __future__ import annotations

import re

__all__ = ["redact", "redact_url"]

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


# -- URLs ---------------------------------------------------------------------------------

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
    Builds on :func:`redact`, the findings' redactor (listed parameter names,
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
