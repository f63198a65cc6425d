"""The media links of a campaign, shared by the WA50x link rules.

``media_links`` reads one payload and yields each media ``link`` with the use the payload
makes of it: the media kind WhatsApp will hold the file to (image, video, audio, document,
sticker), whether it is a voice note, whether it is a template header (DOCUMENT headers take
PDF only). :class:`LinkBook` collects them for a whole run — each distinct URL once, with a
compact record of every message that uses it — and probes them once for all the link rules.

Where the kind comes from:

* media messages: the message ``type``; ``audio.voice: true`` makes a voice note;
* template headers: the approved template's header ``format`` in the registry (IMAGE, VIDEO,
  DOCUMENT; GIF headers are MP4 videos), else the parameter's own ``type``; carousel cards:
  the parameter's ``type``;
* interactive headers (reply buttons, CTA URL …): the header ``type``.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from validator.rule import NO_RECORDS, Context, MessageRef

from ._template_payload import components, param_type, parameters, template_key, template_object

if TYPE_CHECKING:
    from validator.message import Message
    from validator.net import ProbeResult, UrlProber
    from validator.registry import Registry

MEDIA_MESSAGES = frozenset({"image", "video", "audio", "document", "sticker"})
HEADER_MEDIA = frozenset({"image", "video", "document"})
#: Template header ``format`` → the media kind its file is judged as.
HEADER_FORMATS = {"IMAGE": "image", "VIDEO": "video", "DOCUMENT": "document", "GIF": "video"}
#: Message types that can carry a media link.
LINK_MESSAGES = MEDIA_MESSAGES | {"interactive", "template"}

_SHARED_KEY = "rules.links"


@dataclass(frozen=True, slots=True)
class Use:
    """How a payload uses a link: where (``path``), as which media ``kind``, and the two
    narrower cases WhatsApp treats differently (voice notes, template headers)."""

    path: str
    kind: str
    voice: bool = False
    template_header: bool = False

    def describe(self) -> str:
        """``"image"``, ``"voice note"``, ``"template document header"`` …"""
        if self.voice:
            return "voice note"
        if self.template_header:
            return f"template {self.kind} header"
        if self.path.startswith("interactive."):
            return f"interactive {self.kind} header"
        return self.kind


def fetchable(value: Any) -> bool:
    """A link the prober can fetch: an absolute http(s) URL with a host and no whitespace.

    Anything else is reported by the offline rules (WA404 for media messages and headers,
    the template rules for template header media) and is not probed."""
    if not isinstance(value, str):
        return False
    lowered = value[:8].lower()
    if lowered.startswith("https://"):
        rest = value[8:]
    elif lowered.startswith("http://"):
        rest = value[7:]
    else:
        return False
    return bool(rest.split("/", 1)[0]) and value.split() == [value]


def media_links(payload: Any, kind: str, registry: Registry | None) -> Iterator[tuple[str, Use]]:
    """(url, use) for every fetchable media link in one payload."""
    if not isinstance(payload, dict):
        return
    if kind in MEDIA_MESSAGES:
        media = payload.get(kind)
        if isinstance(media, dict) and fetchable(media.get("link")):
            voice = kind == "audio" and media.get("voice") is True
            yield media["link"], Use(f"{kind}.link", kind, voice=voice)
    elif kind == "interactive":
        interactive = payload.get("interactive")
        header = interactive.get("header") if isinstance(interactive, dict) else None
        htype = header.get("type") if isinstance(header, dict) else None
        if isinstance(htype, str) and htype in HEADER_MEDIA:
            media = header.get(htype)
            if isinstance(media, dict) and fetchable(media.get("link")):
                yield media["link"], Use(f"interactive.header.{htype}.link", htype)
    elif kind == "template":
        template = template_object(payload)
        if template is not None:
            yield from _template_links(template, registry)


def _template_links(template: dict, registry: Registry | None) -> Iterator[tuple[str, Use]]:
    planned = None
    if registry is not None:
        key = template_key(template)
        plan = registry.get(*key) if key else None
        planned = HEADER_FORMATS.get(plan.header_format or "") if plan is not None else None
    for position, ctype, component in components(template):
        if ctype == "header":
            yield from _header_links(component, f"template.components[{position}]", planned)
        elif ctype == "carousel":
            cards = component.get("cards")
            for number, card in enumerate(cards if isinstance(cards, list) else ()):
                if not isinstance(card, dict):
                    continue
                for inner, itype, part in components(card):
                    if itype == "header":
                        where = f"template.components[{position}].cards[{number}].components[{inner}]"
                        yield from _header_links(part, where, None)


def _header_links(component: dict, where: str, planned: str | None) -> Iterator[tuple[str, Use]]:
    for number, param in enumerate(parameters(component)):
        ptype = param_type(param)
        if ptype not in HEADER_MEDIA:
            continue
        key = ptype if isinstance(param.get(ptype), dict) else param["type"]
        media = param.get(key)
        if isinstance(media, dict) and fetchable(media.get("link")):
            path = f"{where}.parameters[{number}].{key}.link"
            yield media["link"], Use(path, planned or ptype, template_header=True)


class LinkBook:
    """Every fetchable media link of one run, and who uses it; kept in ``ctx.shared``.

    Memory stays small for big campaigns: the messages using a URL are one ``array`` of
    integers per URL — (use, file, index, line) — with the few distinct uses and file names
    stored once. The link rules share it (``shared_observe``: the engine shows each message
    to one of them, so each message is recorded once) and it probes each distinct URL once,
    for all of them.
    """

    __slots__ = ("_files", "_results", "_use_ids", "_uses", "keep_refs", "urls")

    def __init__(self, keep_refs: bool = True) -> None:
        #: url -> flattened (use id, file id, index, line or -1) of every message using it;
        #: None for every url when the refs are not kept (offline, the URLs are only counted).
        self.urls: dict[str, array | None] = {}
        self.keep_refs = keep_refs
        self._uses: list[Use] = []
        self._use_ids: dict[Use, int] = {}
        self._files: dict[str, int] = {}
        self._results: dict[str, ProbeResult] | None = None

    @classmethod
    def of(cls, ctx: Context) -> LinkBook:
        book = ctx.shared.get(_SHARED_KEY)
        if book is None:
            book = ctx.shared[_SHARED_KEY] = cls(keep_refs=not ctx.offline)
        return book

    @staticmethod
    def links(message: Message, ctx: Context) -> list[tuple[str, Use]] | None:
        """The fetchable media links of one message (None when it has none)."""
        if message.problem is not None:
            return None
        kind = message.kind
        if kind not in LINK_MESSAGES:
            return None
        return list(media_links(message.payload, kind, ctx.registry)) or None

    @staticmethod
    def line_links(message: Message, ctx: Context) -> Any:
        """``links`` of each line read through ``message``'s skeleton: the skeleton's. Offline
        they are only counted, and the skeleton's first line gave them."""
        if ctx.offline:
            return NO_RECORDS
        links = LinkBook.links(message, ctx)
        return lambda line, to: links

    def add(self, ref: MessageRef, links: list[tuple[str, Use]]) -> None:
        """Record that the message at ``ref`` uses these links."""
        if not self.keep_refs:
            for url, _ in links:
                self.urls.setdefault(url, None)
            return
        file_id = self._files.setdefault(ref.file, len(self._files))
        line = ref.line if ref.line is not None else -1
        for url, use in links:
            use_id = self._use_ids.get(use)
            if use_id is None:
                use_id = self._use_ids[use] = len(self._uses)
                self._uses.append(use)
            refs = self.urls.get(url)
            if refs is None:
                refs = self.urls[url] = array("q")
            refs.extend((use_id, file_id, ref.index, line))

    def uses(self, url: str) -> dict[Use, list[MessageRef]]:
        """The messages using ``url``, grouped by how they use it."""
        files = list(self._files)
        grouped: dict[Use, list[MessageRef]] = {}
        refs = self.urls[url]
        for at in range(0, len(refs), 4):
            use_id, file_id, index, line = refs[at:at + 4]
            ref = MessageRef(files[file_id], index, None if line < 0 else line)
            grouped.setdefault(self._uses[use_id], []).append(ref)
        return grouped

    def results(self, ctx: Context) -> dict[str, ProbeResult]:
        """Probe every URL once (the first rule to ask pays; the others reuse the answers)."""
        if self._results is None:
            self._results = make_prober(ctx.settings).probe_all(self.urls) if self.urls else {}
        return self._results


def make_prober(settings: Any) -> UrlProber:
    """The prober the settings ask for: ``allow-private-urls``, ``url-timeout``,
    ``url-concurrency``, and the on-disk cache (``url-cache-ttl``) unless ``no-cache``.
    It reads the first ``SNIFF_PREFIX_BYTES`` of each link, enough to sniff the type."""
    from validator.net import ProbeCache, UrlProber
    from validator.sniff import SNIFF_PREFIX_BYTES

    def setting(name: str, default: Any) -> Any:
        return getattr(settings, name, default) if settings is not None else default

    cache = None if setting("no_cache", False) else ProbeCache(ttl=setting("url_cache_ttl", 3600.0))
    return UrlProber(
        allow_private=setting("allow_private_urls", False),
        timeout=setting("url_timeout", 5.0),
        concurrency=setting("url_concurrency", 64),
        max_bytes=SNIFF_PREFIX_BYTES,
        cache=cache,
    )
