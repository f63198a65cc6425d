"""WA51x — local media files, before they are uploaded (``walint media``).

A file sent with the media endpoint (``POST /<PHONE_NUMBER_ID>/media``) and then by its
``id`` is judged by WhatsApp exactly like a linked one: a type the kind does not take, a file
over the limit or a name that contradicts the content fails with **131053**. These rules
(``Scope.FILE``) judge one file each, from its real content — sniffed by
``validator.sniff`` (libmagic, plus Office zip/CDF, Ogg codec and animated WebP readers) —
never from the extension alone. The media kind is the one asked for with ``--as``, else the
one the content fits (a JPEG is an image, a WebP a sticker, a PDF a document).

Their manuals' examples are JSONL descriptions of a file as ``walint media`` sees it: its
``name``, what its ``content`` really is (a MIME type), its ``size`` in bytes when it matters,
and the kind it is checked ``as``. Facts and sources: ``rules.media_kinds`` (Meta's media
pages; facts file §5).
"""

from __future__ import annotations

from validator.rule import Problem, Rule, Scope

from .media_kinds import KINDS, MEDIA_API_ERROR, MediaIssue, assess_media, guess_kind

__all__ = ["MediaFileExtension", "MediaFileSize", "MediaFileType", "file_kind"]

_MAJOR_KINDS = {"image": "image", "audio": "audio", "video": "video"}


def file_kind(mime: str) -> str:
    """The media kind a file of this content would be sent as, when none was asked for.

    The kind that accepts it (``image/webp`` → sticker), else by its major type (a GIF or a
    HEIC is judged as an image, a Vorbis Ogg as audio), else a document."""
    return guess_kind(mime) or _MAJOR_KINDS.get(mime.split("/", 1)[0], "document")


class _MediaFileRule(Rule):
    scope = Scope.FILE
    api_error = MEDIA_API_ERROR
    #: The ``MediaIssue.code`` values this rule reports.
    issue_codes: frozenset[str] = frozenset()

    def check(self, media, ctx):
        kind = media.kind if media.kind in KINDS else file_kind(media.sniffed.mime)
        how = "from --as" if media.kind else "the kind its content fits"
        for issue in self._issues(media, kind):
            if issue.code in self.issue_codes:
                yield Problem("", f"{issue.message} (checked as {kind}, {how})")

    @staticmethod
    def _issues(media, kind: str) -> list[MediaIssue]:
        return assess_media(kind, media.sniffed, media.size, media.name)


class MediaFileType(_MediaFileRule):
    """A media file's real content must be a type WhatsApp accepts for its kind.

    **What it does**
    Sniffs what the file really is and checks it against the types of the kind it is sent
    as (``--as``, else the kind its content fits): image JPEG/PNG, video MP4/3GPP, audio
    AAC/AMR/MP3/M4A/OGG-Opus (mono; voice notes Opus only), document PDF/Office/plain text,
    sticker WebP. Office files that libmagic calls "zip" or "CDF" are recognised from their
    parts. An empty or unidentifiable file is reported too.

    **Why is this bad?**
    WhatsApp accepts only the listed types per kind; anything else fails with 131053 once
    the message that uses the uploaded media is sent — WebP as an image and Vorbis audio
    are classic cases (facts file §5, §9). The extension proves nothing: a ``.jpg``
    exported as WebP by a design tool is still WebP.

    **Example**
    ```jsonl
    {"name": "spring-sale.webp", "content": "image/webp", "as": "image"}
    ```

    **Use instead**
    ```jsonl
    {"name": "spring-sale.jpg", "content": "image/jpeg", "as": "image"}
    ```
    """

    code = "WA510"
    name = "media-file-type"
    issue_codes = frozenset({"type"})


class MediaFileSize(_MediaFileRule):
    """A media file must be within the size limit of its kind.

    **What it does**
    Checks the file's size against its kind's limit: image 5 MB, audio and video 16 MB,
    document 100 MB, sticker 100 KB static and 500 KB animated (1 MB = 1024 × 1024 bytes:
    5,242,880 bytes pass as an image, one more fails).

    **Why is this bad?**
    WhatsApp refuses media over the limit of its kind (M-MEDIA); the send that uses it
    fails with 131053. Resize or re-encode before uploading.

    **Example**
    ```jsonl
    {"name": "banner.jpg", "content": "image/jpeg", "size": 5242881, "as": "image"}
    ```

    **Use instead**
    ```jsonl
    {"name": "banner.jpg", "content": "image/jpeg", "size": 4194304, "as": "image"}
    ```
    """

    code = "WA511"
    name = "media-file-size"
    issue_codes = frozenset({"size"})


class MediaFileExtension(_MediaFileRule):
    """A media file's extension must name what it contains.

    **What it does**
    Compares the file's extension with its sniffed content: ``photo.jpg`` holding a PNG,
    ``invoice.pdf`` holding a Word document. Extensions that name containers (``.mp4``,
    ``.m4a``, ``.3gp``; ``.ogg``) pass for any content of that container, and an unknown
    extension says nothing.

    **Why is this bad?**
    "Mismatched MIME type and file extension is a common error" (M-MEDIA): the type
    declared at upload usually comes from the extension, and a mismatch fails with 131053.
    The recipient's client also picks the document icon and the app to open it from the
    name.

    **Example**
    ```jsonl
    {"name": "photo.jpg", "content": "image/png"}
    ```

    **Use instead**
    ```jsonl
    {"name": "photo.png", "content": "image/png"}
    ```
    """

    code = "WA512"
    name = "media-file-extension"
    issue_codes = frozenset({"extension"})
