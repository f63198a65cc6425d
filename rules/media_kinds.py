"""What WhatsApp accepts as media for each message kind, and the verdict on one file.

WhatsApp fetches or receives the file only after the send call has returned 200, so a wrong
file surfaces later as a failed status with error **131053** ("Media upload error": the media
could not be uploaded or fetched, e.g. an unsupported or mismatched MIME type). Checking the
file before the campaign goes out is the only way to hear about it in time. This module is
the pure part of that check: a table of Meta's media facts and ``assess_media``, which judges
what ``validator.sniff`` found in the bytes against it. Fetching the bytes is someone else's
job.

Sources (Meta's developer documentation):

* M-MEDIA, supported media types and sizes; "mismatched MIME type and file extension is a
  common error" (131053):
  https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media#supported-media-types
* M-AUDIO, audio messages; ``voice: true`` voice notes must be OGG/Opus:
  https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/audio-messages
* M-VIDEO, video messages (H.264 video, AAC audio):
  https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/video-messages
* M-STICKER, sticker messages (WebP only; static and animated limits):
  https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/sticker-messages
* M-DOC, document messages:
  https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/document-messages
* Template document headers take PDF only: Meta's OpenAPI spec (``facebook/openapi``,
  ``DocumentParameter``) and M-COMP.
* 131053 for a WebP sent as an image and for audio served as ``audio/opus``: reports in
  chatwoot/chatwoot issues 12260 and 12713, where the API named the accepted list.

Readings chosen where Meta is silent or vague (the safe one unless it would reject files
WhatsApp demonstrably takes):

* **Units.** Meta writes "5 MB", "100 KB" without saying which megabyte. Here 1 KB = 1024
  bytes and 1 MB = 1024 × 1024 bytes: an image of 5,242,880 bytes passes, one byte more fails.
  A file between 5,000,000 and 5,242,880 bytes would fail on the decimal reading; walint
  does not flag it.
* **Ogg.** Only Opus in Ogg is accepted, mono only ("base audio/ogg not supported"). The
  content decides: a server that declares plain ``audio/ogg`` for Opus bytes is not flagged
  (that is what web servers send for ``.ogg``); ``audio/opus`` or a Vorbis file is.
* **Declared types are compared as written.** ``image/jpg`` names the same bytes as
  ``image/jpeg`` (so it does not *disagree* with a JPEG), but it is not on Meta's list, so it
  is reported as not accepted: the API compares the type it is given against that list.
* **Animated or not.** A sticker whose animation cannot be read is held to the static limit.
* **Not judged here**: video codecs (H.264 + AAC, one audio stream), image bit depth and
  colour model, sticker dimensions (512 × 512): they need more than a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import unquote, urlsplit

from validator.sniff import UNKNOWN_MIME, Sniffed, normalize_mime

__all__ = [
    "KINDS",
    "MEDIA_API_ERROR",
    "MediaIssue",
    "MediaKind",
    "assess_media",
    "extensions_for",
    "guess_kind",
]

#: The Meta error every issue here predicts: "Media upload error" (M-ERR, M-MEDIA).
MEDIA_API_ERROR = 131053

KB = 1024
MB = 1024 * 1024

IssueCode = Literal["type", "size", "extension", "declared-type"]


@dataclass(frozen=True)
class MediaIssue:
    """One reason WhatsApp would refuse the file. ``code`` says which check failed:

    ``type`` (the content is not accepted for the kind), ``size`` (over the limit),
    ``extension`` (the file name says one type, the content another) or ``declared-type``
    (the type a server or payload declares disagrees with the content, or is not accepted).
    """

    code: IssueCode
    message: str
    api_error: int = MEDIA_API_ERROR


@dataclass(frozen=True)
class MediaKind:
    """Meta's facts for one media message kind (``image``, ``audio`` …)."""

    name: str
    types: tuple[str, ...]
    max_bytes: int
    source: str
    notes: tuple[str, ...] = ()
    #: Stickers only: the larger limit that applies to animated WebP.
    max_bytes_animated: int | None = None


_META = "https://developers.facebook.com/documentation/business-messaging/whatsapp/"
_M_MEDIA = _META + "business-phone-numbers/media#supported-media-types"

KINDS: dict[str, MediaKind] = {
    kind.name: kind
    for kind in (
        MediaKind(
            name="audio",
            types=("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg; codecs=opus"),
            max_bytes=16 * MB,
            source=_META + "messages/audio-messages",
            notes=(
                "OGG only with the Opus codec, mono; base audio/ogg (Vorbis, FLAC…) is refused",
                "voice notes (voice: true) must be OGG/Opus",
                "a voice note shows its play icon only up to 512 KB",
            ),
        ),
        MediaKind(
            name="document",
            types=(
                "text/plain",
                "application/vnd.ms-excel",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/msword",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/pdf",
            ),
            max_bytes=100 * MB,
            source=_META + "messages/document-messages",
            notes=(
                "template DOCUMENT headers take PDF only",
                "the recipient's client picks the icon from the filename's extension",
            ),
        ),
        MediaKind(
            name="image",
            types=("image/jpeg", "image/png"),
            max_bytes=5 * MB,
            source=_M_MEDIA,
            notes=("8-bit, RGB or RGBA", "WebP only as a sticker"),
        ),
        MediaKind(
            name="sticker",
            types=("image/webp",),
            max_bytes=100 * KB,
            max_bytes_animated=500 * KB,
            source=_META + "messages/sticker-messages",
            notes=("512 x 512 pixels", "static 100 KB, animated 500 KB"),
        ),
        MediaKind(
            name="video",
            types=("video/3gpp", "video/mp4"),
            max_bytes=16 * MB,
            source=_META + "messages/video-messages",
            notes=(
                "H.264 video and AAC audio only, one audio stream or none",
                "Android clients do not play H.264 High profile with B-frames: use Main or "
                "Baseline, with the moov atom before mdat",
            ),
        ),
    )
}

# Template headers are narrower than messages of the same kind (OAS DocumentParameter, M-COMP).
_TEMPLATE_HEADER_TYPES = {"document": ("application/pdf",)}

# File extensions: for each accepted type (Meta's table), then for common types that are not
# accepted, so that a GIF named .jpg is caught as a mismatch too. Meta lists ".ogg" for Opus;
# ".opus" (RFC 7845's own extension) names the same content.
_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "audio/aac": (".aac",),
    "audio/amr": (".amr",),
    "audio/mpeg": (".mp3",),
    "audio/mp4": (".m4a",),
    "audio/ogg; codecs=opus": (".ogg", ".opus"),
    "text/plain": (".txt",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/msword": (".doc",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.ms-powerpoint": (".ppt",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "video/3gpp": (".3gp",),
    "video/mp4": (".mp4",),
    # not accepted anywhere, listed so a mismatch can be named
    "application/json": (".json",),
    "application/rtf": (".rtf",),
    "application/zip": (".zip",),
    "audio/flac": (".flac",),
    "audio/ogg": (".oga",),
    "audio/x-wav": (".wav",),
    "image/bmp": (".bmp",),
    "image/gif": (".gif",),
    "image/heic": (".heic",),
    "image/svg+xml": (".svg",),
    "image/tiff": (".tif", ".tiff"),
    "text/csv": (".csv",),
    "text/html": (".html", ".htm"),
    "video/3gpp2": (".3g2",),
    "video/quicktime": (".mov",),
    "video/webm": (".webm",),
    "video/x-m4v": (".m4v",),
    "video/x-matroska": (".mkv",),
    "video/x-msvideo": (".avi",),
}


def _index_extensions() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for mime, extensions in _EXTENSIONS.items():
        for extension in extensions:
            index.setdefault(extension, set()).add(mime)
    return {extension: frozenset(types) for extension, types in index.items()}


_TYPES_BY_EXTENSION = _index_extensions()

# Contents one extension may legitimately hold under different names: ISO base-media files
# (mp4, m4a, 3gp, mov) differ only in a brand field, Ogg files in their codec, and libmagic's
# guesses about text (text/x-c, text/csv) say nothing about how a text file may be named.
_FAMILIES = (
    frozenset(
        {"video/mp4", "audio/mp4", "video/3gpp", "video/3gpp2", "video/quicktime", "video/x-m4v"}
    ),
    frozenset({"audio/ogg", "video/ogg", "application/ogg"}),
)
_EMPTY = "application/x-empty"


def extensions_for(mime: str) -> tuple[str, ...]:
    """The file extensions that name ``mime`` (``(".jpg", ".jpeg", ".jpe")`` for JPEG)."""
    return _EXTENSIONS.get(normalize_mime(mime), ())


def guess_kind(mime: str) -> str | None:
    """The message kind that accepts ``mime``, if any (each accepted type has exactly one).

    ``image/webp`` -> ``sticker``; ``audio/ogg; codecs=opus`` -> ``audio``; plain
    ``audio/ogg`` and ``image/gif`` -> ``None``.
    """
    wanted = normalize_mime(mime)
    for kind in KINDS.values():
        if wanted in kind.types:
            return kind.name
    return None


def assess_media(
    kind: str,
    sniffed: Sniffed,
    size: int | None,
    name: str | None,
    declared_type: str | None = None,
    *,
    voice: bool = False,
    template_header: bool = False,
) -> list[MediaIssue]:
    """Every reason WhatsApp would refuse this file as a ``kind`` message (empty: none).

    ``sniffed`` is what the bytes are (``validator.sniff``); ``size`` the file's length in
    bytes (``None``: unknown, not checked); ``name`` its file name or URL (only the extension
    is used); ``declared_type`` what a server's Content-Type or an upload says it is.
    ``voice`` marks an audio voice note (``"voice": true``); ``template_header`` media used as
    a template's header parameter. Raises ``ValueError`` for a kind that is not one of
    ``KINDS`` — a caller's bug, not a property of the file.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown media kind {kind!r}; expected one of {', '.join(sorted(KINDS))}")
    accepted = _TEMPLATE_HEADER_TYPES.get(kind, spec.types) if template_header else spec.types
    what = f"template {kind} headers" if accepted != spec.types else f"{kind} messages"
    issues: list[MediaIssue] = []
    type_issue = _type_issue(spec, accepted, what, sniffed, voice=voice)
    if type_issue:
        issues.append(MediaIssue("type", type_issue))
    size_issue = _size_issue(spec, sniffed, size)
    if size_issue:
        issues.append(MediaIssue("size", size_issue))
    extension_issue = _extension_issue(sniffed, name)
    if extension_issue:
        issues.append(MediaIssue("extension", extension_issue))
    declared_issue = _declared_issue(accepted, what, sniffed, declared_type)
    if declared_issue:
        issues.append(MediaIssue("declared-type", declared_issue))
    return issues


# ---------------------------------------------------------------------------------------------


def _identified(sniffed: Sniffed) -> bool:
    return sniffed.mime not in (UNKNOWN_MIME, _EMPTY)


def _is_text(mime: str) -> bool:
    essence = mime.split(";", 1)[0]
    return essence.startswith("text/") or essence in ("application/json", "application/xml")


def _accepted_as(sniffed: Sniffed, accepted: tuple[str, ...]) -> str | None:
    """The accepted type these bytes go out as, if any."""
    if sniffed.mime in accepted:
        return sniffed.mime
    # libmagic names text by its apparent language (text/x-c, text/csv); to WhatsApp it is
    # all text/plain, which is the type a sender declares for it.
    if "text/plain" in accepted and _is_text(sniffed.mime):
        return "text/plain"
    return None


def _describe(sniffed: Sniffed) -> str:
    if sniffed.codec and sniffed.codec not in sniffed.mime:
        return f"{sniffed.mime} ({sniffed.codec})"
    return sniffed.mime


def _type_issue(
    spec: MediaKind, accepted: tuple[str, ...], what: str, sniffed: Sniffed, *, voice: bool
) -> str | None:
    allowed = ", ".join(accepted)
    if sniffed.mime == _EMPTY:
        return f"the file is empty; {what} need one of {allowed}"
    if sniffed.mime == UNKNOWN_MIME:
        return (
            f"the content is not a recognisable file type ({UNKNOWN_MIME}); {what} take {allowed}"
        )
    if _accepted_as(sniffed, accepted) is None:
        hint = _hint(spec, sniffed)
        return f"{_describe(sniffed)} is not accepted for {what} (allowed: {allowed}){hint}"
    if sniffed.codec == "opus" and sniffed.channels and sniffed.channels > 1:
        return (
            f"{sniffed.mime} with {sniffed.channels} channels is not accepted for {what}: "
            "WhatsApp takes mono Opus only; re-encode it with one channel"
        )
    if voice and spec.name == "audio" and sniffed.codec != "opus":
        return (
            f"{_describe(sniffed)} cannot be a voice note: "
            "voice notes must be audio/ogg; codecs=opus"
        )
    return None


def _hint(spec: MediaKind, sniffed: Sniffed) -> str:
    if sniffed.essence == "audio/ogg" and sniffed.codec != "opus":
        return "; re-encode it as Opus (mono)"
    if sniffed.mime == "image/gif":
        return "; convert it to MP4 and send it as a video"
    other = guess_kind(sniffed.mime)
    if other and other != spec.name:
        article = "an" if other[0] in "aeiou" else "a"
        return f"; send it as {article} {other}"
    return ""


def _size_issue(spec: MediaKind, sniffed: Sniffed, size: int | None) -> str | None:
    if size is None:
        return None
    limit, label = spec.max_bytes, f"{spec.name} messages"
    if spec.max_bytes_animated is not None:
        if sniffed.animated:
            limit, label = spec.max_bytes_animated, f"animated {spec.name}s"
        elif sniffed.animated is False:
            label = f"static {spec.name}s"
        else:  # animation unreadable: the safe, smaller limit
            label = f"{spec.name}s not known to be animated"
    if size <= limit:
        return None
    return f"{size:,} bytes is over the {_human(limit)} limit for {label} ({limit:,} bytes)"


def _human(size: int) -> str:
    return f"{size // MB} MB" if size % MB == 0 else f"{size // KB} KB"


def _extension(name: str) -> str:
    if "://" in name:  # a URL: only its path names the file
        name = unquote(urlsplit(name).path)
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def _same_content(named: str, content: Sniffed) -> bool:
    """Could a file called a ``named`` hold ``content``? (Extensions name containers.)"""
    essence = content.essence
    named_essence = named.split(";", 1)[0]
    if named_essence == essence or (_is_text(named) and _is_text(essence)):
        return True
    return any(named_essence in family and essence in family for family in _FAMILIES)


def _extension_issue(sniffed: Sniffed, name: str | None) -> str | None:
    if not name or not _identified(sniffed):
        return None
    ext = _extension(name)
    named = _TYPES_BY_EXTENSION.get(ext)
    if not named or any(_same_content(mime, sniffed) for mime in named):
        return None
    says = " or ".join(sorted(named))
    return f"the name {name!r} says {says} ({ext}) but the content is {_describe(sniffed)}"


def _declared_issue(
    accepted: tuple[str, ...], what: str, sniffed: Sniffed, declared_type: str | None
) -> str | None:
    if not declared_type or not declared_type.strip():
        return None
    shown = declared_type.strip()
    declared = normalize_mime(shown)
    if _identified(sniffed) and not _declared_matches(declared, sniffed):
        proper = _accepted_as(sniffed, accepted)
        fix = f"; declare it as '{proper}'" if proper else ""
        content = _describe(sniffed)
        return f"declared type {shown!r} disagrees with the content, which is {content}{fix}"
    # Compared as written (lower-cased), not through aliases: the API checks the name it gets.
    as_written = shown.split(";", 1)[0].strip().lower()
    codecs = declared.partition("; codecs=")[2]
    if any(
        as_written == mime.split(";", 1)[0] and (not codecs or declared == mime)
        for mime in accepted
    ):
        return None
    fix = f"; use '{declared}'" if declared in accepted else ""
    return (
        f"declared type {shown!r} is not accepted for {what} (allowed: {', '.join(accepted)}){fix}"
    )


def _declared_matches(declared: str, sniffed: Sniffed) -> bool:
    essence, _, codecs = declared.partition("; codecs=")
    if _is_text(essence) and _is_text(sniffed.mime):
        return True
    if essence != sniffed.essence:
        return False
    return not codecs or not sniffed.codec or codecs == sniffed.codec
