"""WA50x — media links: what each link really serves, checked once per URL before sending.

WhatsApp fetches a media ``link`` itself, *after* the send call has returned 200: a link that
answers 403, redirects into a login page, serves WebP for an image header, or a file over the
limit surfaces later as a failed status webhook with **131053** ("Media upload error"),
message by message. The network rules (``Scope.NETWORK``, skipped with ``--offline``) fetch
the first bytes of every distinct link once (``validator.net.UrlProber``: SSRF guard, ranged
GET, retries, cache) and report on every message that uses it; two cheap per-message rules
read the link itself and also run offline.

Sources:

* M-ERR, 131053 "Media upload error" (unsupported or mismatched MIME type, media that could
  not be fetched):
  https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
* M-MEDIA, supported media types and sizes; mismatched MIME type and file extension is "a
  common error":
  https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media#supported-media-types
* M-SEND "Media caching": WhatsApp caches linked media for 10 minutes, keyed by the exact URL;
  undeliverable messages are retried for 30 days:
  https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages
* WebP sent as an image and audio served as ``audio/opus`` both fail with 131053
  (github.com/chatwoot/chatwoot/issues/12260 and 12713; facts file §9).

The link rules judge with ``rules.media_kinds.assess_media`` (the kind's accepted types and
size limit) what the server declares (``Content-Type``) and what its first bytes are
(``validator.sniff``). Meta documents no behaviour for redirects, authentication or
expiring links: the readings chosen here are the safe ones, and each rule says which.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from pydantic import Field

from validator.findings import Severity
from validator.net import Outcome, ProbeResult, signed_expiry
from validator.redact import redact_url
from validator.rule import Context, Gathering, Problem, Rule, RuleOptions, Scope
from validator.sniff import Sniffed, normalize_mime, sniff_bytes

from ._links import LINK_MESSAGES, LinkBook, Use, media_links
from .media_kinds import MEDIA_API_ERROR, MediaIssue, assess_media

__all__ = [
    "LinkBlocked",
    "LinkCredentials",
    "LinkExpiring",
    "LinkMediaSize",
    "LinkMediaType",
    "LinkRedirect",
    "LinkUnreachable",
    "LinkUnverified",
]

_EMPTY = Sniffed("application/x-empty")


def show_url(url: str, limit: int = 100) -> str:
    """A link as a finding shows it: secrets hidden, long ones shortened in the middle, in
    quotes (so that the redaction of a secret at its end cannot eat the text after it)."""
    text = redact_url(url)
    if len(text) > limit:
        text = text[: limit - 31] + "…" + text[-30:]
    return f"'{text}'"


class _DistinctUrls(Gathering):
    """Offline the URLs are only counted: a chunk sends each of its URLs once (what a book
    that keeps no refs holds)."""

    __slots__ = ("book",)

    def __init__(self) -> None:
        self.book = LinkBook(keep_refs=False)

    def add(self, ref, record):
        self.book.add(ref, record)

    def result(self):
        return self.book.urls


class _LinkRule(Rule):
    """The network link rules: observe every message, probe each URL once, judge per use.

    ``example_links`` says what the links of the rule's manual serve — URL → ``status``,
    ``content`` (the real type of the file, also its Content-Type unless ``type`` says
    otherwise), ``size``, ``location`` — so the docs test can serve them offline.
    """

    scope = Scope.NETWORK
    api_error = MEDIA_API_ERROR
    example_links: ClassVar[dict[str, dict[str, Any]]] = {}
    shared_observe = True

    def extract(self, message, ctx):
        return LinkBook.links(message, ctx)

    def skeleton_extract(self, message, ctx):
        return LinkBook.line_links(message, ctx)

    def collect(self, ref, record, ctx):
        LinkBook.of(ctx).add(ref, record)

    def gathering(self, ctx):
        if LinkBook.of(ctx).keep_refs:
            return super().gathering(ctx)
        return _DistinctUrls()

    def absorb(self, gathered, shift, ctx):
        urls = LinkBook.of(ctx).urls
        for url in gathered:  # the distinct URLs of a chunk (_DistinctUrls)
            urls.setdefault(url, None)

    def urls(self, ctx):
        return LinkBook.of(ctx).urls  # the same dict for every link rule: counted once

    def finish(self, ctx):
        book = LinkBook.of(ctx)
        for url, result in book.results(ctx).items():
            for use, refs in book.uses(url).items():
                message = self.judge(url, result, use, ctx)
                if message:
                    for ref in refs:
                        yield Problem(use.path, message, at=ref)

    def judge(self, url: str, result: ProbeResult, use: Use, ctx: Context) -> str | None:
        """What is wrong with ``url`` used as ``use``, as one message; None when nothing."""
        raise NotImplementedError


# -- reachability ------------------------------------------------------------------------

_STATUS_WHY = {
    401: "the link needs a login or a token (a cookie, an Authorization header) that "
         "WhatsApp's servers do not send",
    403: "the server refuses it — a private bucket, an expired or wrongly signed link, or "
         "hotlink protection; WhatsApp's servers get the same answer",
    404: "there is no file at this address (deleted, renamed, or not uploaded yet)",
    410: "the file was deleted",
}


class LinkUnreachable(_LinkRule):
    """A media link must answer with its file: 401, 403, 404 and other client errors fail.

    **What it does**
    Fetches the first bytes of every distinct media link in the batch (media messages,
    template header parameters, interactive headers) once, and reports each message using a
    link that answers a client error — 401, 403, 404, 410 or any other 4xx, also after
    redirects — or that loops through redirects, with the status and its likely cause.

    **Why is this bad?**
    WhatsApp downloads linked media after accepting the message; a link it cannot download
    fails the message later with 131053 (media upload error) in a status webhook, and with
    a campaign of thousands, thousands of times. 401/403 mean the file needs credentials
    WhatsApp does not have (a private bucket, an expired signature, a cookie); 404 that the
    file is not there. These are facts about the link (a retry will not help), so they are
    errors; 408, 429 and 5xx are reported by WA503 (could not verify) instead.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/private/order-1042.jpg"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/public/order-1042.jpg"}}
    ```
    """

    code = "WA501"
    name = "link-unreachable"
    #: What the manual's links serve (the docs test answers with this, offline).
    example_links = {
        "https://cdn.example.com/private/order-1042.jpg": {"status": 403},
        "https://cdn.example.com/public/order-1042.jpg": {"content": "image/jpeg"},
    }

    def judge(self, url, result, use, ctx):
        outcome = result.outcome
        if outcome is Outcome.HTTP_ERROR and result.definitive:
            why = _STATUS_WHY.get(result.status or 0, "WhatsApp's servers cannot download it")
            return f"{use.describe()} link {show_url(url)} answers {result.detail}: {why}"
        if outcome is Outcome.TOO_MANY_REDIRECTS or outcome is Outcome.INVALID_URL:
            return f"{use.describe()} link {show_url(url)} cannot be fetched: {result.detail}"
        return None


class LinkRedirect(_LinkRule):
    """A media link should point at the file itself, not redirect to it.

    **What it does**
    Reports a media link that answers with a redirect (301, 302, 303, 307, 308) before its
    file, naming where it finally leads and after how many hops. Redirects that fail or
    loop are WA501's, refused ones WA507's.

    **Why is this bad?**
    Redirects are a common cause of media that "works in testing and fails in production":
    shorteners and tracking links rate-limit or block server fetchers, expire, or land on
    consent and login pages, and Meta does not document that its media fetcher follows
    them at all; a fetch that fails is 131053. WhatsApp also caches linked media by the
    exact URL for 10 minutes, so an address that redirects to changing content is cached
    under the wrong key. A warning: the file did arrive this time.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "video", "video": {"link": "https://bit.example/spring-teaser"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "video", "video": {"link": "https://cdn.example.com/video/spring-teaser.mp4"}}
    ```
    """

    code = "WA502"
    name = "link-redirect"
    severity = Severity.WARNING
    example_links = {
        "https://bit.example/spring-teaser": {
            "status": 302, "location": "https://cdn.example.com/video/spring-teaser.mp4"},
        "https://cdn.example.com/video/spring-teaser.mp4": {"content": "video/mp4"},
    }

    def judge(self, url, result, use, ctx):
        if not result.ok or not result.redirects:
            return None
        hops = len(result.redirects)
        return (f"{use.describe()} link {show_url(url)} redirects ({hops} hop{'s' if hops > 1 else ''}) "
                f"to {show_url(result.final_url or result.redirects[-1])}: link the final "
                "address, as redirects often fail for WhatsApp's media fetcher")


class LinkUnverified(_LinkRule):
    """A media link that could not be checked (timeouts, 429, 5xx, DNS) is reported, not passed.

    **What it does**
    Reports a media link whose check did not come to a verdict after retries with backoff:
    a timeout, a refused or broken connection, a name that does not resolve, a TLS failure,
    408, 429 or a 5xx answer, or the run's time budget running out. The message says what
    happened, so that "could not verify" is never mistaken for "fine".

    **Why is this bad?**
    If WhatsApp's fetcher meets the same failure when it sends, the message fails with
    131053. It may also be walint's side (a CI runner without internet, a proxy, a rate
    limit on the runner's address): the finding is a warning with no predicted API error,
    to be checked by hand or by a second run. Run with ``--offline`` to skip link checks.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "document", "document": {"link": "https://files.example.net/overloaded/INV-7.pdf", "filename": "INV-7.pdf"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "document", "document": {"link": "https://cdn.example.com/invoices/INV-7.pdf", "filename": "INV-7.pdf"}}
    ```
    """

    code = "WA503"
    name = "link-unverified"
    severity = Severity.WARNING
    api_error = None
    example_links = {
        "https://files.example.net/overloaded/INV-7.pdf": {"status": 503},
        "https://cdn.example.com/invoices/INV-7.pdf": {"content": "application/pdf"},
    }

    def judge(self, url, result, use, ctx):
        if result.definitive:
            return None
        return (f"could not verify the {use.describe()} link {show_url(url)}: {result.detail}; "
                "if WhatsApp cannot fetch it either the message fails (131053)")


class LinkBlocked(_LinkRule):
    """A media link must not point at a private, loopback, link-local or metadata address.

    **What it does**
    Reports a media link whose host is, or resolves to, an address walint refuses to fetch
    (its SSRF guard): loopback (``127.0.0.1``, ``[::1]``, ``localhost``), private networks
    (``10.0.0.0/8``, ``192.168.0.0/16`` …), link-local, CGNAT, and cloud metadata endpoints
    (``169.254.169.254``) — also when a redirect leads there. Nothing is sent to such an
    address. ``--allow-private-urls`` lifts the guard, for test servers and internal CDNs.

    **Why is this bad?**
    WhatsApp's servers fetch the media from the internet: they cannot reach an address on
    your network, so the message fails with 131053. Such links are usually a staging URL
    left in a campaign. And since campaign files are input walint did not write, fetching
    internal addresses on their behalf from a CI runner would be a server-side request
    forgery hole.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "http://10.0.3.7/media/order-1042.jpg"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/media/order-1042.jpg"}}
    ```
    """

    code = "WA507"
    name = "link-blocked"
    example_links = {"https://cdn.example.com/media/order-1042.jpg": {"content": "image/jpeg"}}

    def judge(self, url, result, use, ctx):
        if result.outcome is not Outcome.BLOCKED:
            return None
        return (f"{use.describe()} link {show_url(url)} was not fetched: {result.detail}; "
                "WhatsApp's servers cannot reach private addresses either — use a public URL "
                "(--allow-private-urls lifts walint's guard for test servers)")


# -- content --------------------------------------------------------------------------------

def _assessed(url: str, result: ProbeResult, use: Use, ctx: Context) -> tuple[Sniffed, list[MediaIssue]]:
    """What the link's first bytes are, and the media issues for this use (memoised per run)."""
    memo = ctx.shared.setdefault("rules.links.assessed", {})
    key = (url, use.kind, use.voice, use.template_header)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _assess(result, use)
    return found


def _assess(result: ProbeResult, use: Use) -> tuple[Sniffed, list[MediaIssue]]:
    declared = result.content_type
    encoding = result.headers.get("content-encoding", "identity").strip().lower()
    if result.size == 0:
        sniffed = _EMPTY
    elif result.head and encoding in ("", "identity"):
        sniffed = sniff_bytes(result.head)
    elif declared:
        # The bytes cannot be read (compressed, or none were sent): judge the declared type.
        sniffed = Sniffed(normalize_mime(declared))
    else:
        return Sniffed("application/octet-stream"), []
    name = unquote(urlsplit(result.final_url or result.url).path) or None
    issues = assess_media(use.kind, sniffed, result.size, name, declared, voice=use.voice,
                          template_header=use.template_header)
    return sniffed, issues


class LinkMediaType(_LinkRule):
    """What a media link serves must be a type WhatsApp accepts for that use.

    **What it does**
    Sniffs the first bytes the link serves (a ranged GET of 4 KB, never the whole file) and
    reads its ``Content-Type``, and checks both against the media kind the payload uses the
    link for: the message type, the approved template's header format (DOCUMENT headers:
    PDF only), or the interactive header type; ``audio`` with ``voice: true`` must be
    OGG/Opus. Reported: content of a type the kind does not take (WebP for an image, an
    HTML login page, Vorbis for audio), a ``Content-Type`` that disagrees with the content
    (``application/octet-stream``, a PDF served as ``image/jpeg``) or that is not on Meta's
    list (``audio/opus``), and a file extension in the link that contradicts the content.

    **Why is this bad?**
    WhatsApp checks the media type of what it downloads; a type it does not accept for
    the kind, or a declared type that does not match, fails the message with 131053
    (M-MEDIA: "mismatched MIME type and file extension is a common error"). WebP sent as
    an image and audio served as ``audio/opus`` are documented 131053 cases.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/promo/spring-sale.webp"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/promo/spring-sale.jpg"}}
    ```
    """

    code = "WA504"
    name = "link-media-type"
    example_links = {
        "https://cdn.example.com/promo/spring-sale.webp": {"content": "image/webp"},
        "https://cdn.example.com/promo/spring-sale.jpg": {"content": "image/jpeg"},
    }

    def judge(self, url, result, use, ctx):
        if not result.ok:
            return None
        sniffed, issues = _assessed(url, result, use, ctx)
        typed = [i for i in issues if i.code == "type"]
        reasons = [i.message for i in typed]
        for issue in issues:
            if issue.code == "extension":
                reasons.append(issue.message)
            elif issue.code == "declared-type":
                declared = normalize_mime(result.content_type or "")
                if not (typed and declared == sniffed.mime):  # already said by the type issue
                    reasons.append(issue.message)
        if not reasons:
            return None
        if sniffed.essence == "text/html":
            reasons.append("the link serves a web page (often a login, consent or error page), "
                           "not the file")
        return f"{use.describe()} link {show_url(url)}: " + "; ".join(reasons)


class LinkMediaSize(_LinkRule):
    """The file behind a media link must be within the size limit of its media kind.

    **What it does**
    Reads the file's size from ``Content-Range`` (or ``Content-Length``) of the ranged GET —
    the file is not downloaded — and checks it against the limit of the kind the payload
    uses it for: image 5 MB, audio and video 16 MB, document 100 MB, sticker 100 KB static
    and 500 KB animated (1 MB = 1024 × 1024 bytes; see ``rules.media_kinds``). A server
    that sends no size is not judged.

    **Why is this bad?**
    WhatsApp refuses media over the limit of its kind (M-MEDIA); a linked file over it
    fails the message with 131053 after the send call has succeeded. A product photo
    straight from a camera (8–12 MB) is the classic case.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/raw/DSC01042.jpg"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/web/DSC01042-1600w.jpg"}}
    ```
    """

    code = "WA505"
    name = "link-media-size"
    example_links = {
        "https://cdn.example.com/raw/DSC01042.jpg": {"content": "image/jpeg", "size": 9_437_184},
        "https://cdn.example.com/web/DSC01042-1600w.jpg": {"content": "image/jpeg", "size": 412_000},
    }

    def judge(self, url, result, use, ctx):
        if not result.ok or result.size is None:
            return None
        _, issues = _assessed(url, result, use, ctx)
        sizes = [i.message for i in issues if i.code == "size"]
        return f"{use.describe()} link {show_url(url)}: {sizes[0]}" if sizes else None


# -- per-message, offline ----------------------------------------------------------------------

class _PerMessageLinkRule(Rule):
    message_types = LINK_MESSAGES

    def check(self, payload, ctx):
        for url, use in media_links(payload, ctx.message.kind if ctx.message else "", ctx.registry):
            message = self.judge_link(url, use, ctx)
            if message:
                yield Problem(use.path, message)

    def judge_link(self, url: str, use: Use, ctx: Context) -> str | None:
        raise NotImplementedError


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{max(1, round(seconds / 60))} min"


class LinkExpiring(_PerMessageLinkRule):
    """A presigned media link that expires soon after the send may fail before WhatsApp fetches it.

    **What it does**
    Reads the expiry a presigned link carries — S3 (``X-Amz-Date`` + ``X-Amz-Expires``),
    Google Cloud Storage (``X-Goog-Date`` + ``X-Goog-Expires``), Azure SAS (``se``),
    CloudFront and V2 signatures (``Expires`` with ``Signature``, or a CloudFront
    ``Policy``) — and warns when the link ends less than ``min_validity_hours`` (720, i.e.
    30 days) after the send time (``send-at``, else now), with the expiry time; a link
    already expired is said to be. Needs no network: it runs under ``--offline`` too.

    **Why is this bad?**
    WhatsApp fetches linked media when it sends, and an expired signature answers 403:
    the message fails with 131053. Campaigns are queued, scheduled and retried (Meta
    retries undeliverable messages for up to 30 days, and re-fetches a link once its
    10-minute cache ends), so a link valid for an hour at lint time is a gamble. Meta does
    not document when in that window the media is fetched: the safe reading is the whole
    window. Upload the file once and send its media ``id``, or sign for longer.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "document", "document": {"link": "https://invoices.s3.eu-west-1.amazonaws.com/INV-7.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260503T100000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=4f1c9a", "filename": "INV-7.pdf"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "document", "document": {"id": "1037543291543636", "filename": "INV-7.pdf"}}
    ```
    """

    code = "WA506"
    name = "link-expiring"
    cacheable = True
    severity = Severity.WARNING
    api_error = MEDIA_API_ERROR

    class Options(RuleOptions):
        min_validity_hours: float = Field(720.0, ge=0)

    def judge_link(self, url, use, ctx):
        signed = signed_expiry(url)
        if signed is None:
            return None
        what = f"{use.describe()} link is signed ({signed.scheme})"
        if signed.expires_at is None:
            return f"{what} with an expiry walint cannot read; it stops working when it expires"
        send_at = getattr(ctx.settings, "send_at", None) if ctx.settings is not None else None
        reference = send_at.astimezone(timezone.utc) if send_at else datetime.now(timezone.utc)
        left = (signed.expires_at - reference).total_seconds()
        event = "the send time" if send_at else "now"
        if left <= 0:
            return (f"{what} and expired at {_when(signed.expires_at)}, {_span(left)} before "
                    f"{event}: WhatsApp will get 403 (131053)")
        if left >= self.options.min_validity_hours * 3600:
            return None
        return (f"{what} and expires at {_when(signed.expires_at)}, {_span(left)} after {event}; "
                "a message queued, scheduled or retried past it fails (131053) — send an "
                "uploaded media id or sign for longer")


class LinkCredentials(_PerMessageLinkRule):
    """A media link must not carry a user name or password (`https://user:pass@host/…`).

    **What it does**
    Reports a media link with userinfo before its host (``user:password@`` or
    ``token@``). The secret is hidden in the finding.

    **Why is this bad?**
    WhatsApp's media fetcher does not log in with credentials embedded in a URL (browsers
    and HTTP clients strip or refuse them), so a server that needs them answers 401 and the
    message fails with 131053 — and the password now sits in a campaign file, in CI logs
    and in every copy of the payload. A warning: a server that ignores the userinfo still
    serves the file. Use a presigned link or upload the media and send its ``id``.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://shop:hunter22@cdn.example.com/img/order.jpg"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/img/order.jpg"}}
    ```
    """

    code = "WA508"
    name = "link-credentials"
    cacheable = True
    severity = Severity.WARNING
    api_error = None

    def judge_link(self, url, use, ctx):
        try:
            netloc = urlsplit(url).netloc
        except ValueError:
            return None
        if "@" not in netloc:
            return None
        userinfo = netloc.rpartition("@")[0]
        shown = show_url(url.replace(userinfo + "@", "***@", 1))
        return (f"{use.describe()} link {shown} carries credentials before its host; "
                "WhatsApp's fetcher will not use them (401 → 131053) and the secret is now in "
                "the campaign file — use a presigned link or an uploaded media id")

