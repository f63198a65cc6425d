"""WA40x — text and media messages: body, flags, media source and link, captions.

Facts (the facts file §2.2, §3, §8 checks 7–9): Meta, "Text messages"
(https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages),
the per-type media pages (…/messages/image-messages, video-messages, document-messages,
audio-messages, sticker-messages), the OpenAPI ``MediaObject`` (``oneOf`` id / link) and
``ImageParameter`` / ``VideoParameter`` / ``DocumentParameter`` ("Captions not supported").
Lengths are code points (see ``rules._content``).
"""

from __future__ import annotations

from pydantic import Field

from validator.fix import Fix
from validator.rule import Problem, Rule, RuleOptions

from ._content import (
    HEADER_MEDIA,
    MEDIA_TYPES,
    given,
    is_http_url,
    obj,
    show,
    type_name,
)

TEXT_BODY_LIMIT = 4096
CAPTION_LIMIT = 1024
#: Media kinds that take a caption as a message of their own (M-MEDIA, M-VIDEO, M-DOC).
CAPTIONED = frozenset({"image", "video", "document"})
#: The boolean flag of each message type that has one.
BOOLEAN_FIELDS = {"text": "preview_url", "audio": "voice"}


def media_objects(payload: dict, kind: str):
    """(path, media kind, media object) for the media a message carries: the content of a
    media message, and the media of an interactive header."""
    if kind in MEDIA_TYPES:
        media = obj(payload.get(kind))
        if media is not None:
            yield kind, kind, media
        return
    interactive = obj(payload.get("interactive"))
    header = obj(interactive.get("header")) if interactive else None
    if header is not None:
        htype = header.get("type")
        if htype in HEADER_MEDIA:
            media = obj(header.get(htype))
            if media is not None:
                yield f"interactive.header.{htype}", htype, media


class TextBody(Rule):
    """`text.body` must be a non-empty string of at most 4096 characters.

    **What it does**
    Checks that a text message has a ``body``, that it is a string and not empty, and
    that it is no longer than 4096 characters — counted as Python ``len()`` (Unicode code
    points, so an emoji flag counts 2). A team may lower the limit with the ``max_length``
    option (for SMS-like brevity); it cannot be raised past the API's 4096.

    **Why is this bad?**
    The API refuses such a request as an invalid parameter (100): Meta's text-messages
    page caps the body at 4096 characters, and the body is the message. An empty body is
    usually an unfilled template variable in the sender's own code.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "text", "text": {"body": ""}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "text", "text": {"body": "Your order A-1042 ships today."}}
    ```
    """

    code = "WA401"
    name = "text-body"
    api_error = 100
    message_types = frozenset({"text"})

    class Options(RuleOptions):
        max_length: int = Field(TEXT_BODY_LIMIT, ge=1, le=TEXT_BODY_LIMIT)

    def check(self, payload, ctx):
        text = obj(payload.get("text"))
        if text is None:
            return  # WA103 reports a missing or malformed text object
        body = text.get("body")
        if body is None:
            yield Problem("text.body", "text.body is required")
        elif not isinstance(body, str):
            yield Problem("text.body", f"text.body must be a string, got {type_name(body)}")
        elif not body:
            yield Problem("text.body", "text.body is empty")
        elif len(body) > self.options.max_length:
            yield Problem("text.body", f"text.body is {len(body)} characters; the limit is "
                                       f"{self.options.max_length}")


class BooleanField(Rule):
    """`text.preview_url` and `audio.voice` must be JSON booleans, not strings or numbers.

    **What it does**
    Checks that ``preview_url`` (text messages) and ``voice`` (audio messages) are
    ``true`` or ``false`` when given; ``null`` counts as not given.

    **Why is this bad?**
    Both are booleans in Meta's reference. ``"true"`` (a string, typical of CSV exports
    and form data) or ``1`` is an invalid parameter (100) — or, where a client library
    coerces it, ``"false"`` turns into *true* and the link preview or voice-note
    rendering appears where nobody wanted it.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "text", "text": {"body": "Track it: https://shop.example.com/t/A-1042", "preview_url": "true"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "text", "text": {"body": "Track it: https://shop.example.com/t/A-1042", "preview_url": true}}
    ```
    """

    code = "WA402"
    name = "boolean-field"
    api_error = 100
    message_types = frozenset({"text", "audio"})

    def check(self, payload, ctx):
        kind = ctx.message.kind
        content = obj(payload.get(kind))
        if content is None:
            return
        field = BOOLEAN_FIELDS[kind]
        value = content.get(field)
        if given(value) and not isinstance(value, bool):
            yield Problem(f"{kind}.{field}", f"{kind}.{field} must be true or false, got "
                                             f"{type_name(value)} {value!r}")


class MediaSource(Rule):
    """A media object needs exactly one of `id` (an uploaded media id) or `link` (a URL).

    **What it does**
    Checks image, video, document, audio and sticker messages, and the media of an
    interactive message's header: one of ``id`` or ``link`` must be given, as a non-empty
    string — not both, not neither.

    **Why is this bad?**
    The OpenAPI ``MediaObject`` is ``oneOf`` id / link. Without either the API has nothing
    to send: 131008 (required parameter missing). With both, or with an empty or
    non-string value, the request is an invalid parameter (100).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"caption": "Your order"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/order.jpg", "caption": "Your order"}}
    ```
    """

    code = "WA403"
    name = "media-source"
    api_error = 131008
    message_types = MEDIA_TYPES | {"interactive"}

    def check(self, payload, ctx):
        for path, _kind, media in media_objects(payload, ctx.message.kind):
            media_id, link = media.get("id"), media.get("link")
            if media_id is None and link is None:
                yield Problem(path, f"{path} needs an id (uploaded media) or a link (URL)")
                continue
            if media_id is not None and link is not None:
                yield Problem(path, f"{path} has both id and link; send exactly one", 100)
                continue
            field, value = ("id", media_id) if media_id is not None else ("link", link)
            if not isinstance(value, str):
                yield Problem(f"{path}.{field}", f"{path}.{field} must be a string, got "
                                                 f"{type_name(value)}", 100)
            elif not value.strip():
                yield Problem(f"{path}.{field}", f"{path}.{field} is empty", 100)


class MediaLink(Rule):
    """A media `link` must be an absolute http:// or https:// URL.

    **What it does**
    Checks the ``link`` of media messages and of interactive header media: it must start
    with ``http://`` or ``https://``, name a host and contain no whitespace.

    **Why is this bad?**
    Meta fetches linked media itself and accepts HTTP/HTTPS URLs only; a bare host
    (``cdn.example.com/a.jpg``), an ``s3://`` or ``file://`` address or a local path is an
    invalid parameter (100), or fails later when the media cannot be fetched.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "document", "document": {"link": "cdn.example.com/invoices/INV-7.pdf", "filename": "INV-7.pdf"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "document", "document": {"link": "https://cdn.example.com/invoices/INV-7.pdf", "filename": "INV-7.pdf"}}
    ```
    """

    code = "WA404"
    name = "media-link"
    api_error = 100
    message_types = MEDIA_TYPES | {"interactive"}

    def check(self, payload, ctx):
        for path, _kind, media in media_objects(payload, ctx.message.kind):
            link = media.get("link")
            if isinstance(link, str) and link.strip() and not is_http_url(link):
                yield Problem(f"{path}.link", f"{path}.link {show(link)} is not an http(s) URL")


class MediaFieldMisplaced(Rule):
    """`caption`, `filename` and `voice` only where the API takes them.

    **What it does**
    Reports a ``caption`` on an audio or sticker message or on the media of an interactive
    header; a ``filename`` on anything but a document; ``voice`` on anything but audio.
    ``null`` counts as not given. (A caption on template header media is WA212's.)

    **Why is this bad?**
    Captions exist only on image, video and document messages (Meta's media pages); media
    in a header has none — the OpenAPI spec says "Captions not supported" of header media
    and whatsapp-api-js refuses a caption on an interactive header. ``filename`` is a
    document field, ``voice`` an audio field. The API answers 100 (invalid parameter) —
    and where a caption were dropped silently instead, the text the recipient was meant to
    read would be lost.

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "audio", "audio": {"link": "https://cdn.example.com/welcome.mp3", "caption": "Welcome!"}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "audio", "audio": {"link": "https://cdn.example.com/welcome.mp3"}}
    ```

    **Fix**
    Unsafe (``--fix --unsafe-fixes``): a ``caption`` where the type takes none is removed.
    The message is then accepted, but its text is gone — send it as a text message if it
    matters. ``filename`` and ``voice`` are not fixed.
    """

    code = "WA405"
    name = "media-field-misplaced"
    api_error = 100
    fixable = "unsafe"
    message_types = MEDIA_TYPES | {"interactive"}

    def check(self, payload, ctx):
        kind = ctx.message.kind
        for path, media_kind, media in media_objects(payload, kind):
            if given(media.get("caption")):
                fix = Fix.delete((*path.split("."), "caption"), "remove the caption", safe=False)
                if kind == "interactive":
                    yield Problem(f"{path}.caption", "caption is not allowed on interactive header "
                                                     "media; put the text in the body", fix=fix)
                elif media_kind not in CAPTIONED:
                    yield Problem(f"{path}.caption", f"caption is not allowed on {media_kind} "
                                                     "messages (only image, video and document)",
                                  fix=fix)
            if given(media.get("filename")) and media_kind != "document":
                yield Problem(f"{path}.filename", f"filename is only for documents, not {media_kind}")
            if given(media.get("voice")) and media_kind != "audio":
                yield Problem(f"{path}.voice", f"voice is only for audio, not {media_kind}")


class CaptionLength(Rule):
    """A media caption must be a string of at most 1024 characters.

    **What it does**
    Checks ``caption`` on image, video and document messages: a string, no longer than
    1024 characters (Python ``len()``: code points). The ``max_length`` option lowers the
    limit for teams that want captions short; it cannot exceed 1024.

    **Why is this bad?**
    Meta's media pages cap captions at 1024 characters; a longer caption is an invalid
    parameter (100), error code 100 being also "ensure your parameter is under any length
    restriction". Long text belongs in a text message of its own (4096).

    **Example**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/order.jpg", "caption": 1042}}
    ```

    **Use instead**
    ```jsonl
    {"messaging_product": "whatsapp", "to": "+447911123456", "type": "image", "image": {"link": "https://cdn.example.com/order.jpg", "caption": "Order 1042"}}
    ```
    """

    code = "WA406"
    name = "caption-length"
    api_error = 100
    message_types = CAPTIONED

    class Options(RuleOptions):
        max_length: int = Field(CAPTION_LIMIT, ge=1, le=CAPTION_LIMIT)

    def check(self, payload, ctx):
        kind = ctx.message.kind
        media = obj(payload.get(kind))
        caption = media.get("caption") if media else None
        if caption is None:
            return
        if not isinstance(caption, str):
            yield Problem(f"{kind}.caption", f"{kind}.caption must be a string, got {type_name(caption)}")
        elif len(caption) > self.options.max_length:
            yield Problem(f"{kind}.caption", f"{kind}.caption is {len(caption)} characters; "
                                             f"the limit is {self.options.max_length}")
