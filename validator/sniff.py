"""What a file really is, judged from its bytes rather than its name or its server's word.

A media link says ``photo.jpg`` and its server says ``image/jpeg``; the bytes may still be a
WebP, a PNG, or an HTML error page. libmagic is the best generic judge of bytes, but it stops
at the container where the answers that matter begin:

* Office Open XML files are zip archives. libmagic names docx/xlsx/pptx only when the
  archive's first entries are in the order Word writes them; openpyxl, for one, writes
  ``[Content_Types].xml`` last, and a short prefix of any of them reads as ``application/zip``.
  The archive's ``[Content_Types].xml`` names the main part exactly; failing that, the part
  folders (``word/``, ``xl/``, ``ppt/``) say which family it is.
* Legacy Office files are OLE2 compound files (CDF). libmagic names them from the summary
  stream, which a prefix rarely contains, and then answers ``application/x-ole-storage``.
  The top-level stream names (``WordDocument``, ``Workbook``, ``PowerPoint Document``) are
  exact; from a prefix, the first bytes of those streams are a fair guess.
* Ogg is a container: libmagic says ``audio/ogg`` for Opus and Vorbis alike. The first page
  of each logical stream starts with the codec's identification header (``OpusHead``,
  ``\\x01vorbis`` …), which also carries the channel count. Opus is reported as
  ``audio/ogg; codecs=opus`` (RFC 7845 §9), the form media-type lists use to single it out.
* WebP can be animated; only the ``VP8X`` header's animation flag (or an ``ANIM`` chunk)
  says so.

Every answer here must come from a prefix (the first few KB of a ranged GET,
``SNIFF_PREFIX_BYTES``) as well as from a whole file: signatures and headers sit at the start,
and where a full file allows an exact answer (a zip's central directory, a compound file's
directory) and a prefix does not, the prefix gets a best-effort one. Nothing here raises on
bad bytes: what cannot be identified is ``application/octet-stream``.

This module knows no messaging rules; ``rules.media_kinds`` judges what a sniffed type may be
sent as. python-magic is imported on first use, so importing this module costs nothing and a
machine without libmagic fails only when it sniffs, with ``LibmagicMissingError``.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from dataclasses import dataclass
from typing import IO, Any

from .errors import WalintError

__all__ = [
    "SNIFF_PREFIX_BYTES",
    "UNKNOWN_MIME",
    "LibmagicMissingError",
    "Sniffed",
    "normalize_mime",
    "sniff_bytes",
    "sniff_file",
]

#: How many leading bytes a caller should fetch (e.g. ``Range: bytes=0-4095``) to sniff a
#: remote file: enough for every signature and codec header this module reads.
SNIFF_PREFIX_BYTES = 4096

#: The answer for bytes nobody can identify.
UNKNOWN_MIME = "application/octet-stream"

# libmagic reads at most about this much of a file anyway; sniff_file hands it no more.
_FILE_HEAD_BYTES = 1024 * 1024
# Never inflate more than this from a zip member we only want to read a few names from.
_MAX_INFLATE = 1024 * 1024


class LibmagicMissingError(WalintError):
    """python-magic cannot run because the libmagic C library (or python-magic) is missing.

    One class, with the install command in its message, because the raw ImportError from
    python-magic ("failed to find libmagic") does not tell a user what to do.
    """

    def __init__(self, detail: str = "") -> None:
        message = (
            "walint needs libmagic to identify media files but could not load it"
            + (f" ({detail})" if detail else "")
            + ". Install it with `apt-get install libmagic1` (Debian/Ubuntu), "
            "`brew install libmagic` (macOS) or `pip install python-magic-bin` (Windows), "
            "and make sure the `python-magic` package is installed."
        )
        super().__init__(message)


@dataclass(frozen=True)
class Sniffed:
    """The verdict on some bytes.

    ``mime`` is a canonical MIME type (lower case, IANA names rather than libmagic's ``x-``
    aliases); its only parameter is ``codecs=opus`` for Ogg Opus, because "Ogg" alone does
    not say whether a player or an API will take it. The other fields are ``None`` when they
    do not apply or could not be read: ``codec`` (the Ogg codec: ``opus``, ``vorbis``,
    ``flac``, ``speex``, ``theora``, ``vp8``), ``channels`` (Ogg Opus and Vorbis) and
    ``animated`` (WebP).
    """

    mime: str
    codec: str | None = None
    channels: int | None = None
    animated: bool | None = None

    @property
    def essence(self) -> str:
        """The MIME type without parameters (``audio/ogg`` for ``audio/ogg; codecs=opus``)."""
        return self.mime.split(";", 1)[0].strip()


# ---------------------------------------------------------------------------------------------
# MIME names

# libmagic's and browsers' private or legacy names -> the registered name. Generic knowledge,
# no messaging rule: a JPEG is image/jpeg whoever calls it image/jpg.
_ALIASES = {
    "application/x-pdf": "application/pdf",
    "audio/aacp": "audio/aac",
    "audio/m4a": "audio/mp4",
    "audio/mp3": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "audio/x-aac": "audio/aac",
    "audio/x-amr": "audio/amr",
    "audio/x-hx-aac-adts": "audio/aac",
    "audio/x-m4a": "audio/mp4",
    "audio/x-mp3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "audio/x-mpeg-3": "audio/mpeg",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "video/3gp": "video/3gpp",
}

_PARAM = re.compile(r';\s*([^=;\s]+)\s*=\s*("[^"]*"|[^;]*)')


def normalize_mime(value: str) -> str:
    """Canonical form of a MIME type from any source: libmagic, a Content-Type header, a payload.

    Lower-cases it, maps aliases to registered names (``image/jpg`` -> ``image/jpeg``,
    ``audio/x-m4a`` -> ``audio/mp4``) and drops every parameter except ``codecs`` (a charset
    or boundary says nothing about what the bytes are). ``Audio/OGG; codecs="opus"`` and
    ``audio/ogg;codecs=opus`` both become ``audio/ogg; codecs=opus``.
    """
    text = (value or "").strip()
    essence = text.split(";", 1)[0].strip().lower()
    essence = _ALIASES.get(essence, essence)
    for key, raw in _PARAM.findall(text):
        if key.lower() == "codecs":
            codecs = raw.strip().strip('"').strip().lower()
            if codecs:
                return f"{essence}; codecs={codecs}"
    return essence


# ---------------------------------------------------------------------------------------------
# Public entry points


def sniff_bytes(data: bytes) -> Sniffed:
    """Identify ``data``: a whole file, or its first bytes (``SNIFF_PREFIX_BYTES`` suffice).

    Never raises on the content; raises ``LibmagicMissingError`` if libmagic cannot be
    loaded. Empty input is ``application/x-empty``, libmagic's name for it.
    """
    data = bytes(data)
    return _sniff(_libmagic(data), data, _BytesSource(data))


def sniff_file(path: str | os.PathLike[str]) -> Sniffed:
    """Identify the file at ``path``, reading only what the verdict needs.

    A whole file allows exact answers a prefix does not (an Office zip's central directory,
    a compound file's directory). Raises ``OSError`` if the file cannot be read, and
    ``LibmagicMissingError`` if libmagic cannot be loaded; never raises on the content.
    """
    with open(path, "rb") as handle:
        head = handle.read(_FILE_HEAD_BYTES)
        return _sniff(_libmagic(head), head, _FileSource(handle))


# ---------------------------------------------------------------------------------------------
# libmagic


def _load_magic() -> Any:
    """Import python-magic on first use; turn its failures into one actionable error."""
    try:
        import magic
    except ImportError as exc:  # python-magic missing, or present without libmagic
        raise LibmagicMissingError(str(exc)) from exc
    if not hasattr(magic, "from_buffer"):
        # The unrelated "file-magic" package installs a module of the same name.
        raise LibmagicMissingError("the installed 'magic' module is not python-magic")
    return magic


def _libmagic(data: bytes) -> str:
    magic = _load_magic()
    try:
        found = magic.from_buffer(data, mime=True)
    except Exception:  # libmagic refusing hostile bytes must not stop a batch
        return UNKNOWN_MIME
    return normalize_mime(found) if found else UNKNOWN_MIME


# ---------------------------------------------------------------------------------------------
# Where bytes come from: a buffer (maybe a prefix) or an open file (always whole)


class _Missing(Exception):
    """The bytes needed lie beyond what the source holds (a prefix, or a corrupt offset)."""


class _BytesSource:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read_at(self, offset: int, size: int) -> bytes:
        return self.data[offset : offset + size]

    def zip_target(self) -> IO[bytes]:
        return io.BytesIO(self.data)


class _FileSource:
    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    def read_at(self, offset: int, size: int) -> bytes:
        self.handle.seek(offset)
        return self.handle.read(size)

    def zip_target(self) -> IO[bytes]:
        return self.handle


_Source = _BytesSource | _FileSource

# Answers that mean "a container, contents unknown": only these are replaced by a guess.
_VAGUE = {
    UNKNOWN_MIME,
    "application/zip",
    "application/x-zip-compressed",
    "application/x-ole-storage",
    "application/cdfv2",
    "application/cdfv2-corrupt",
}

_ZIP_SIG = b"PK\x03\x04"
_CFB_SIG = bytes.fromhex("d0cf11e0a1b11ae1")


def _sniff(base: str, head: bytes, source: _Source) -> Sniffed:
    if head.startswith(b"OggS"):
        refine = _refine_ogg
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        refine = _refine_webp
    elif head.startswith(_ZIP_SIG):
        refine = _refine_zip
    elif head.startswith(_CFB_SIG):
        refine = _refine_cfb
    else:
        return Sniffed(base)
    try:
        return refine(base, head, source)
    except Exception:  # a malformed container keeps libmagic's word; sniffing never raises
        return Sniffed(base)


# ---------------------------------------------------------------------------------------------
# Ogg (RFC 3533): the codec is named by the first packet of each logical stream

_OGG_CODECS = {  # identification-header prefix -> (codec, is_video)
    b"OpusHead": ("opus", False),
    b"\x01vorbis": ("vorbis", False),
    b"\x7fFLAC": ("flac", False),
    b"Speex   ": ("speex", False),
    b"\x80theora": ("theora", True),
    b"OVP80": ("vp8", True),
}


def _refine_ogg(base: str, head: bytes, source: _Source) -> Sniffed:
    streams: list[tuple[str, bool, bytes]] = []
    pos = 0
    # All beginning-of-stream pages precede any other page (RFC 3533 §4), so reading them
    # in turn finds every stream's codec, skipping a Skeleton or Kate stream that comes first.
    while head[pos : pos + 4] == b"OggS" and pos + 27 <= len(head) and len(streams) < 16:
        if not head[pos + 5] & 0x02:  # not a BOS page: all streams have been announced
            break
        segments = head[pos + 26]
        table = head[pos + 27 : pos + 27 + segments]
        body = pos + 27 + segments
        packet = head[body : body + sum(table)]
        for magic_prefix, (codec, video) in _OGG_CODECS.items():
            if packet.startswith(magic_prefix):
                streams.append((codec, video, packet))
        pos = body + sum(table)
    if not streams:
        return Sniffed(base)
    video = next((s for s in streams if s[1]), None)
    if video is not None:
        return Sniffed("video/ogg", codec=video[0])
    codec, _, packet = streams[0]
    if codec == "opus":
        # OpusHead: magic(8) version(1) channel count(1) — RFC 7845 §5.1
        channels = packet[9] if len(packet) > 9 else None
        return Sniffed("audio/ogg; codecs=opus", codec="opus", channels=channels)
    if codec == "vorbis":
        # Vorbis identification header: type(1) "vorbis"(6) version(4) channels(1)
        channels = packet[11] if len(packet) > 11 else None
        return Sniffed("audio/ogg", codec="vorbis", channels=channels)
    return Sniffed("audio/ogg", codec=codec)


# ---------------------------------------------------------------------------------------------
# WebP (RIFF): static "VP8 "/"VP8L" files, or "VP8X" with feature flags


def _refine_webp(base: str, head: bytes, source: _Source) -> Sniffed:
    first = head[12:16]
    if first in (b"VP8 ", b"VP8L"):  # the simple formats hold exactly one frame
        return Sniffed("image/webp", animated=False)
    if first != b"VP8X" or len(head) < 21:
        return Sniffed("image/webp")
    if head[20] & 0x02:  # VP8X flags byte: bit 1 is the animation flag
        return Sniffed("image/webp", animated=True)
    # A writer that forgot the flag still needs an ANIM chunk to animate; look for one.
    pos = 12
    while pos + 8 <= len(head):
        tag = head[pos : pos + 4]
        if tag in (b"ANIM", b"ANMF"):
            return Sniffed("image/webp", animated=True)
        if tag in (b"VP8 ", b"VP8L"):  # image data reached without animation chunks
            break
        (size,) = struct.unpack_from("<I", head, pos + 4)
        pos += 8 + size + (size & 1)
    return Sniffed("image/webp", animated=False)


# ---------------------------------------------------------------------------------------------
# Office Open XML (ECMA-376 Part 2): a zip whose [Content_Types].xml names the main part

_OXML = "application/vnd.openxmlformats-officedocument."
_MS = "application/vnd.ms-"
# main part's content type (lower case) -> the file's type, as Office registers them
_OOXML_MAIN_PARTS = {
    _OXML + "wordprocessingml.document.main+xml": _OXML + "wordprocessingml.document",
    _OXML + "wordprocessingml.template.main+xml": _OXML + "wordprocessingml.template",
    _MS + "word.document.macroenabled.main+xml": _MS + "word.document.macroenabled.12",
    _MS + "word.template.macroenabledtemplate.main+xml": _MS + "word.template.macroenabled.12",
    _OXML + "spreadsheetml.sheet.main+xml": _OXML + "spreadsheetml.sheet",
    _OXML + "spreadsheetml.template.main+xml": _OXML + "spreadsheetml.template",
    _MS + "excel.sheet.macroenabled.main+xml": _MS + "excel.sheet.macroenabled.12",
    _MS + "excel.template.macroenabled.main+xml": _MS + "excel.template.macroenabled.12",
    _MS + "excel.sheet.binary.macroenabled.main": _MS + "excel.sheet.binary.macroenabled.12",
    _OXML + "presentationml.presentation.main+xml": _OXML + "presentationml.presentation",
    _OXML + "presentationml.slideshow.main+xml": _OXML + "presentationml.slideshow",
    _OXML + "presentationml.template.main+xml": _OXML + "presentationml.template",
    _MS + "powerpoint.presentation.macroenabled.main+xml": _MS
    + "powerpoint.presentation.macroenabled.12",
    _MS + "powerpoint.slideshow.macroenabled.main+xml": _MS
    + "powerpoint.slideshow.macroenabled.12",
    _MS + "powerpoint.template.macroenabled.main+xml": _MS + "powerpoint.template.macroenabled.12",
}
# the main part's folder -> the family's ordinary (non-macro) type
_OOXML_FOLDERS = {
    "word/": _OXML + "wordprocessingml.document",
    "xl/": _OXML + "spreadsheetml.sheet",
    "ppt/": _OXML + "presentationml.presentation",
}
_CONTENT_TYPE_ATTR = re.compile(rb'ContentType\s*=\s*"([^"]+)"', re.IGNORECASE)
_CONTENT_TYPES_PART = "[content_types].xml"


def _refine_zip(base: str, head: bytes, source: _Source) -> Sniffed:
    listing = _zip_central_listing(source) or _zip_local_listing(head)
    names, content_types = listing
    for declared in _CONTENT_TYPE_ATTR.findall(content_types):
        exact = _OOXML_MAIN_PARTS.get(declared.decode("ascii", "replace").lower())
        if exact:
            return Sniffed(exact)
    if base in _VAGUE:
        families = {
            mime
            for name in names
            for folder, mime in _OOXML_FOLDERS.items()
            if name.lower().startswith(folder)
        }
        if len(families) == 1:
            return Sniffed(families.pop())
    return Sniffed(base)


def _zip_central_listing(source: _Source) -> tuple[list[str], bytes] | None:
    """Names and [Content_Types].xml from the central directory: exact, whole files only."""
    import zipfile  # here, not at import: a check with no Office file to sniff never needs it

    try:
        with zipfile.ZipFile(source.zip_target()) as archive:
            infos = archive.infolist()
            content_types = b""
            for info in infos:
                if info.filename.lower() == _CONTENT_TYPES_PART:
                    with archive.open(info) as member:
                        content_types = member.read(_MAX_INFLATE)
                    break
            return [info.filename for info in infos], content_types
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
    ):
        return None  # a prefix has no central directory; a broken zip is read like a prefix


def _zip_local_listing(head: bytes) -> tuple[list[str], bytes]:
    """Names and [Content_Types].xml from the local headers a prefix holds: best effort."""
    names: list[str] = []
    content_types = b""
    pos = 0
    while head[pos : pos + 4] == _ZIP_SIG and pos + 30 <= len(head) and len(names) < 256:
        flags, method = struct.unpack_from("<HH", head, pos + 6)
        (packed_size,) = struct.unpack_from("<I", head, pos + 18)
        name_len, extra_len = struct.unpack_from("<HH", head, pos + 26)
        raw_name = head[pos + 30 : pos + 30 + name_len]
        name = raw_name.decode("utf-8" if flags & 0x0800 else "cp437", "replace")
        names.append(name)
        start = pos + 30 + name_len + extra_len
        sized = not flags & 0x0008  # bit 3: sizes follow the data, so the header says 0
        end = start + packed_size if sized else len(head)
        if name.lower() == _CONTENT_TYPES_PART:
            content_types = _inflate_partial(head[start:end], method)
        if sized:
            pos = end
        else:
            following = head.find(_ZIP_SIG, start)
            if following < 0:
                break
            pos = following
    return names, content_types


def _inflate_partial(raw: bytes, method: int) -> bytes:
    """As much of a member as the bytes at hand decode to (a prefix may cut it short)."""
    if method == 0:
        return raw[:_MAX_INFLATE]
    if method != 8:
        return b""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        return inflater.decompress(raw, _MAX_INFLATE)
    except zlib.error:
        return b""


# ---------------------------------------------------------------------------------------------
# Legacy Office: OLE2 compound files ([MS-CFB]) holding a Word, Excel or PowerPoint stream

_CFB_STREAMS = {  # top-level stream name, case-folded -> file type
    "worddocument": "application/msword",
    "workbook": "application/vnd.ms-excel",
    "book": "application/vnd.ms-excel",  # Excel 5/95
    "powerpoint document": "application/vnd.ms-powerpoint",
}
# First bytes of those streams, for a prefix that stops before the directory:
_CFB_STREAM_STARTS = (
    # BIFF5/8 BOF record of the workbook globals
    (re.compile(rb"\x09\x08[\x08\x10]\x00\x00[\x05\x06]\x05\x00"), "application/vnd.ms-excel"),
    # Word's FibBase: wIdent 0xA5EC, nFib 0x00C1
    (re.compile(rb"\xec\xa5\xc1\x00"), "application/msword"),
    # PowerPoint's DocumentContainer record header
    (re.compile(rb"\x0f\x00\xe8\x03"), "application/vnd.ms-powerpoint"),
)
_MAXREGSECT = 0xFFFFFFFA
_NOSTREAM = 0xFFFFFFFF


def _refine_cfb(base: str, head: bytes, source: _Source) -> Sniffed:
    try:
        names = _cfb_top_level_names(source)
    except (_Missing, struct.error, UnicodeDecodeError):
        names = None
    if names is not None:
        families = {_CFB_STREAMS[n.lower()] for n in names if n.lower() in _CFB_STREAMS}
        return Sniffed(families.pop() if len(families) == 1 else base)
    if base not in _VAGUE:
        return Sniffed(base)
    guess = _unique(
        {_CFB_STREAMS[n.lower()] for n in _cfb_scan_entries(head) if n.lower() in _CFB_STREAMS}
    )
    return Sniffed(guess or _cfb_stream_start_guess(head) or base)


def _unique(found: set[str]) -> str | None:
    return next(iter(found)) if len(found) == 1 else None


def _cfb_top_level_names(source: _Source) -> list[str]:
    """Names of the root storage's children, read through the FAT as [MS-CFB] §2 lays out.

    Only top-level names count: an Excel sheet embedding a Word document holds a
    ``WordDocument`` stream too, one storage down. Raises ``_Missing`` when a needed sector
    is not in ``source`` (a prefix).
    """
    header = source.read_at(0, 512)
    if len(header) < 512:
        raise _Missing
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        raise _Missing
    sector_size = 1 << shift
    fat_count, first_dir = struct.unpack_from("<II", header, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", header, 0x44)
    per_sector = sector_size // 4

    def sector(number: int) -> bytes:
        if number > _MAXREGSECT:
            raise _Missing
        block = source.read_at((number + 1) * sector_size, sector_size)
        if len(block) < sector_size:
            raise _Missing
        return block

    fat = [s for s in struct.unpack_from("<109I", header, 0x4C) if s <= _MAXREGSECT]
    next_difat = first_difat
    for _ in range(min(difat_count, 1 << 16)):
        if len(fat) >= fat_count or next_difat > _MAXREGSECT:
            break
        entries = struct.unpack(f"<{per_sector}I", sector(next_difat))
        fat += [s for s in entries[:-1] if s <= _MAXREGSECT]
        next_difat = entries[-1]

    def follow(number: int) -> int:
        index, slot = divmod(number, per_sector)
        if index >= len(fat):
            raise _Missing
        return struct.unpack_from("<I", sector(fat[index]), slot * 4)[0]

    directory = bytearray()
    current, seen = first_dir, set()
    while current <= _MAXREGSECT and current not in seen and len(seen) < 1 << 16:
        seen.add(current)
        directory += sector(current)
        current = follow(current)
    entries = [bytes(directory[i : i + 128]) for i in range(0, len(directory) - 127, 128)]
    if not entries or entries[0][66] != 5:  # entry 0 must be the root storage
        raise _Missing
    names: list[str] = []
    stack = [struct.unpack_from("<I", entries[0], 76)[0]]  # the root's child: top of a tree
    visited: set[int] = set()
    while stack:
        index = stack.pop()
        if index == _NOSTREAM or index >= len(entries) or index in visited:
            continue
        visited.add(index)
        entry = entries[index]
        name = _cfb_entry_name(entry)
        if name is not None:
            names.append(name)
        left, right = struct.unpack_from("<II", entry, 68)  # siblings share the parent
        stack += [left, right]
    return names


def _cfb_entry_name(entry: bytes) -> str | None:
    """The name of a 128-byte directory entry, or None if it does not look like one."""
    if len(entry) < 128:
        return None
    (length,) = struct.unpack_from("<H", entry, 64)
    if length < 2 or length > 64 or length % 2 or entry[66] not in (1, 2, 5) or entry[67] > 1:
        return None
    if entry[length - 2 : length] != b"\x00\x00":
        return None
    try:
        return entry[: length - 2].decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def _cfb_scan_entries(head: bytes) -> list[str]:
    """Directory entries found anywhere in a prefix: every sector, so every entry, is
    128-byte aligned, even when the FAT that would say which sectors they are is missing."""
    found = []
    for offset in range(512, len(head) - 127, 128):
        name = _cfb_entry_name(head[offset : offset + 128])
        if name:
            found.append(name)
    return found


def _cfb_stream_start_guess(head: bytes) -> str | None:
    """Which Office stream begins in a prefix: streams start on a sector (512-byte) or, when
    small, a mini-sector (64-byte) boundary, so only those offsets are tried."""
    found = set()
    for offset in range(512, len(head) - 7, 64):
        window = head[offset : offset + 8]
        for pattern, mime in _CFB_STREAM_STARTS:
            if pattern.match(window):
                found.add(mime)
    return _unique(found)
