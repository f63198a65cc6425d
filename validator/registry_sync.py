"""``walint registry pull``: fetch the approved templates from the Graph API into the registry.

``GET /<API_VERSION>/<WABA_ID>/message_templates`` is read page by page (``paging.next``) and
written as ``templates_registry.yaml`` in exactly the shape the API returns, so a pulled
registry and a hand-written one are the same file (facts file §4.4).

Decisions, and why:

* **The token never leaves the Authorization header.** It is read from ``WHATSAPP_TOKEN``
  (never a flag: flags land in shell history and CI logs), sent only as a bearer header, never
  to another host (a ``paging.next`` pointing elsewhere is refused) and never over plain
  HTTP except to this machine. ``access_token`` parameters are stripped from page URLs. Every
  text walint prints passes through ``_redact``, which removes the token wherever it appears.
* **Readable diffs.** Templates are sorted by (name, language); keys come in a fixed order
  (name, language, status, category, parameter_format, id, …, components last); multi-line
  texts are written as YAML blocks; no timestamp is written. Pulling twice without a change in
  WhatsApp Manager gives the same bytes.
* **Atomic.** The file is written to a temporary file beside the target, flushed to disk and
  moved over the target with ``os.replace``: an interrupted pull (network error, Ctrl-C, a
  killed job) leaves the previous registry exactly as it was. The pulled templates are
  compiled (``Registry.from_templates``) before anything is written, so a pull walint could
  not use never replaces one it can.
* **Graph errors are explained, not dumped**: 190 (token), 10 and 200–299 (permission),
  4 and 80007 (rate limits), 100 (usually a wrong WABA ID) get one line each saying what to do.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import WalintError

__all__ = ["DEFAULT_API_BASE", "DEFAULT_API_VERSION", "TOKEN_ENV", "PullResult", "SyncError",
           "pull_templates", "render_registry", "write_atomic", "write_registry"]

TOKEN_ENV = "WHATSAPP_TOKEN"
DEFAULT_API_BASE = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v23.0"
FIELDS = "id,name,language,status,category,parameter_format,components"
PAGE_SIZE = 100
MAX_PAGES = 10_000

_TEMPLATE_KEYS = ("name", "language", "status", "category", "parameter_format", "id")
_COMPONENT_KEYS = ("type", "format", "text")
_BUTTON_KEYS = ("type", "text", "url", "phone_number")


class SyncError(WalintError):
    """The registry could not be pulled (no token, network, Graph API error)."""


@dataclass(frozen=True)
class PullResult:
    templates: list[dict[str, Any]]
    pages: int


def _redact(text: str, token: str | None) -> str:
    if token:
        text = text.replace(token, "***")
    text = re.sub(r"(access_token=)[^&\s\"']+", r"\1***", text)
    return " ".join(text.split())


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_inputs(waba_id: str, api_base: str, api_version: str) -> None:
    if not re.fullmatch(r"[0-9]{5,25}", waba_id or ""):
        raise SyncError(f"--waba-id {waba_id!r} is not a WhatsApp Business Account ID "
                        "(digits, from WhatsApp Manager → Account tools)")
    if not re.fullmatch(r"v[0-9]+\.[0-9]+", api_version or ""):
        raise SyncError(f"--api-version {api_version!r} is not a Graph API version like v23.0")
    parts = urlsplit(api_base)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SyncError(f"--api-base {api_base!r} is not an http(s) URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise SyncError(f"--api-base {api_base!r} is plain http: the token would travel in clear "
                        "text (use https; http is allowed only for localhost)")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _strip_token(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def explain_graph_error(error: dict[str, Any], status: int, waba_id: str) -> str:
    """One line saying what a Graph API error means for a pull, and what to do."""
    from .api_errors import lookup

    code = error.get("code")
    meta = str(error.get("message") or "")[:200]
    if code == 190:
        advice = (f"the token in {TOKEN_ENV} is invalid or has expired: create a new system-user "
                  "token with the whatsapp_business_management permission")
    elif code == 10 or (isinstance(code, int) and 200 <= code <= 299):
        advice = (f"permission denied: the token needs whatsapp_business_management on WABA "
                  f"{waba_id}, and the WABA must be shared with the app's system user")
    elif code == 4:
        advice = "the app hit its Graph API call-rate limit: wait (minutes, not seconds) and pull again"
    elif code == 80007:
        advice = ("this WhatsApp Business Account hit its Graph API rate limit: wait and pull "
                  "again later")
    elif code == 100:
        advice = ("invalid parameter: check --waba-id (a WhatsApp Business Account ID, not a "
                  "phone number ID) and --api-version")
    else:
        known = lookup(code) if isinstance(code, int) else None
        advice = known.title if known else "unexpected error"
    label = f"Graph API error {code}" if code is not None else "Graph API error"
    return f"{label} (HTTP {status}): {advice}" + (f" — Meta says: {meta}" if meta else "")


def pull_templates(waba_id: str, token: str, *, api_base: str = DEFAULT_API_BASE,
                   api_version: str = DEFAULT_API_VERSION, timeout: float = 30.0,
                   transport: Any = None) -> PullResult:
    """Every template of the WABA, following ``paging.next`` to the last page."""
    import httpx

    _check_inputs(waba_id, api_base, api_version)
    if not token:
        raise SyncError(f"{TOKEN_ENV} is not set: export a system-user access token with the "
                        "whatsapp_business_management permission")
    base = api_base.rstrip("/")
    url: str | None = f"{base}/{api_version}/{waba_id}/message_templates"
    params: dict[str, Any] | None = {"fields": FIELDS, "limit": PAGE_SIZE}
    home = _origin(base)
    templates: list[dict[str, Any]] = []
    seen: set[str] = set()
    pages = 0
    with httpx.Client(headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                      timeout=timeout, transport=transport, follow_redirects=False) as client:
        while url is not None:
            if pages >= MAX_PAGES or url in seen:
                raise SyncError(f"stopped after {pages} pages: paging.next does not come to an end")
            seen.add(url)
            try:
                response = client.get(url, params=params)
            except httpx.TimeoutException:
                raise SyncError(f"no answer from {base} within {timeout:g} s (page {pages + 1})") from None
            except httpx.HTTPError as exc:
                detail = _redact(f"{type(exc).__name__}: {exc}", token)
                raise SyncError(f"cannot reach {base} (page {pages + 1}): {detail}") from None
            pages += 1
            data = _page_json(response, token, waba_id)
            page = data.get("data")
            if not isinstance(page, list) or not all(isinstance(t, dict) for t in page):
                raise SyncError(f"unexpected answer on page {pages}: 'data' is not a list of templates")
            templates.extend(page)
            paging = data.get("paging")
            following = paging.get("next") if isinstance(paging, dict) else None
            if following is None:
                break
            if not isinstance(following, str) or _origin(following) != home:
                shown = _redact(str(following).split("?")[0], token)
                raise SyncError(f"paging.next points to another host ({shown}); refusing to send "
                                "the token there")
            url, params = _strip_token(following), None
    return PullResult(templates, pages)


def _page_json(response: Any, token: str, waba_id: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200:
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            raise SyncError(_redact(explain_graph_error(error, response.status_code, waba_id), token))
        raise SyncError(f"unexpected answer: HTTP {response.status_code}"
                        + ("" if data is not None else ", not JSON"))
    if not isinstance(data, dict):
        raise SyncError("unexpected answer: HTTP 200 but the body is not a JSON object")
    return data


# -- writing --------------------------------------------------------------------------------
def _ordered(value: Any, first: tuple[str, ...] = (), last: tuple[str, ...] = ()) -> Any:
    if isinstance(value, dict):
        keys = [k for k in first if k in value]
        keys += sorted(k for k in value if k not in first and k not in last)
        keys += [k for k in last if k in value]
        out = {}
        for key in keys:
            item = value[key]
            if key == "components" and isinstance(item, list):
                out[key] = [_ordered(c, _COMPONENT_KEYS, ("buttons",)) for c in item]
            elif key == "buttons" and isinstance(item, list):
                out[key] = [_ordered(b, _BUTTON_KEYS) for b in item]
            else:
                out[key] = _ordered(item)
        return out
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


def render_registry(templates: list[dict[str, Any]], *, header: str = "") -> str:
    """The registry file's text: sorted, keys in a fixed order, long texts as YAML blocks."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
        style = "|" if "\n" in text else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)

    Dumper.add_representer(str, represent_str)
    ordered = sorted((_ordered(t, _TEMPLATE_KEYS, ("components",)) for t in templates),
                     key=lambda t: (str(t.get("name", "")), str(t.get("language", "")),
                                    str(t.get("id", ""))))
    body = yaml.dump({"templates": ordered}, Dumper=Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)
    return header + body


def write_registry(path: str | Path, text: str) -> None:
    """Replace the registry file with ``text`` atomically (see ``write_atomic``)."""
    write_atomic(path, text, what="the registry")


def write_atomic(path: str | Path, text: str, *, what: str = "the file") -> None:
    """Replace ``path`` with ``text`` atomically: all of it or, on any failure, nothing.

    The text goes to a temporary file beside ``path``, is flushed to disk and moved over
    ``path`` with ``os.replace``; the temporary file is removed whatever goes wrong (Ctrl-C
    included). A new file gets the usual permissions, an existing one keeps its own."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as exc:
        raise SyncError(f"cannot write {what}: {exc.strerror}", file=str(path)) from None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise SyncError(f"cannot write {what}: {exc.strerror}", file=str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise SyncError(f"cannot write {what}: {exc.strerror or exc}", file=str(path)) from None
        raise
