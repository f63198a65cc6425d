"""validator.sniff: real files, their prefixes, and the containers libmagic is vague about."""

from __future__ import annotations

import io
import random
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.errors import WalintError
from validator.sniff import (
    SNIFF_PREFIX_BYTES,
    UNKNOWN_MIME,
    LibmagicMissingError,
    Sniffed,
    normalize_mime,
    sniff_bytes,
    sniff_file,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "media"

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# fixture -> (mime, codec, channels, animated): what the bytes really are
EXPECTED = {
    "audio.aac": ("audio/aac", None, None, None),
    "audio.amr": ("audio/amr", None, None, None),
    "audio.m4a": ("audio/mp4", None, None, None),
    "audio.mp3": ("audio/mpeg", None, None, None),
    "audio_opus_mono.ogg": ("audio/ogg; codecs=opus", "opus", 1, None),
    "audio_opus_stereo.ogg": ("audio/ogg; codecs=opus", "opus", 2, None),
    "audio_vorbis.ogg": ("audio/ogg", "vorbis", 2, None),
    "document.docx": (DOCX, None, None, None),
    "document.pdf": ("application/pdf", None, None, None),
    "document.pptx": (PPTX, None, None, None),
    "document.txt": ("text/plain", None, None, None),
    "document.xlsx": (XLSX, None, None, None),
    "image.gif": ("image/gif", None, None, None),
    "image.jpg": ("image/jpeg", None, None, None),
    "image.png": ("image/png", None, None, None),
    "legacy.xls": ("application/vnd.ms-excel", None, None, None),
    "sticker_animated.webp": ("image/webp", None, None, True),
    "sticker_static.webp": ("image/webp", None, None, False),
    "video.3gp": ("video/3gpp", None, None, None),
    "video.mp4": ("video/mp4", None, None, None),
}


def _expected(name: str) -> Sniffed:
    mime, codec, channels, animated = EXPECTED[name]
    return Sniffed(mime, codec=codec, channels=channels, animated=animated)


def test_every_fixture_is_listed_and_small() -> None:
    files = [p for p in FIXTURES.iterdir() if p.is_file() and p.suffix not in {".py", ".md"}]
    assert {p.name for p in files} == set(EXPECTED)
    assert {p.name: p.stat().st_size for p in files if p.stat().st_size >= 50 * 1024} == {}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_whole_file(name: str) -> None:
    assert sniff_file(FIXTURES / name) == _expected(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_whole_file_as_bytes(name: str) -> None:
    assert sniff_bytes((FIXTURES / name).read_bytes()) == _expected(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_prefix_of_a_ranged_get(name: str) -> None:
    """The first 4 KB, as a ranged GET returns them; and, so that small fixtures are truly
    cut too, their first half."""
    data = (FIXTURES / name).read_bytes()
    assert sniff_bytes(data[:SNIFF_PREFIX_BYTES]) == _expected(name)
    half = data[: min(SNIFF_PREFIX_BYTES, len(data) // 2)]
    assert len(half) < len(data)
    assert sniff_bytes(half) == _expected(name)


def test_prefix_of_legacy_office_lacks_its_directory() -> None:
    """The 4 KB prefix must be answered without the directory: the test is only meaningful
    if libmagic alone cannot name it and the directory really lies past the prefix."""
    data = (FIXTURES / "legacy.xls").read_bytes()
    first_dir_sector = int.from_bytes(data[0x30:0x34], "little")
    assert (first_dir_sector + 1) * 512 >= SNIFF_PREFIX_BYTES
    assert sniff_bytes(data[:SNIFF_PREFIX_BYTES]).mime == "application/vnd.ms-excel"


# --- Office Open XML ------------------------------------------------------------------------


def _rezip(
    source: bytes,
    order: list[str] | None = None,
    replace: dict[str, bytes] | None = None,
    streamed: bool = False,
) -> bytes:
    """Rewrite an OOXML zip: entries in another order, members replaced, or written to a
    non-seekable stream (which makes zipfile use data descriptors, sizes after the data)."""
    replace = replace or {}
    with zipfile.ZipFile(io.BytesIO(source)) as original:
        names = original.namelist()
        members = {n: replace.get(n, original.read(n)) for n in names}
    ordered = (order or []) + [n for n in names if n not in (order or [])]

    class NoSeek(io.RawIOBase):
        def __init__(self) -> None:
            self.buffer = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:  # type: ignore[no-untyped-def]
            self.buffer += b
            return len(b)

    target = NoSeek() if streamed else io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:  # type: ignore[arg-type]
        for name in ordered:
            out.writestr(name, members[name])
    return bytes(target.buffer) if isinstance(target, NoSeek) else target.getvalue()


def _content_types_last(fixture: str) -> bytes:
    data = (FIXTURES / fixture).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    order = (
        [n for n in names if n.startswith("docProps/")]
        + [n for n in names if n != "[Content_Types].xml" and not n.startswith("docProps/")]
        + ["[Content_Types].xml"]
    )
    return _rezip(data, order=order)


@pytest.mark.parametrize(
    ("fixture", "mime"), [("document.docx", DOCX), ("document.xlsx", XLSX), ("document.pptx", PPTX)]
)
def test_ooxml_with_content_types_last(fixture: str, mime: str, tmp_path: Path) -> None:
    data = _content_types_last(fixture)
    path = tmp_path / "renamed.bin"
    path.write_bytes(data)
    assert sniff_file(path).mime == mime  # exact: central directory + [Content_Types].xml
    assert sniff_bytes(data).mime == mime
    assert sniff_bytes(data[:SNIFF_PREFIX_BYTES]).mime == mime


@pytest.mark.parametrize(
    ("fixture", "folder", "mime"),
    [
        ("document.docx", "word/", DOCX),
        ("document.xlsx", "xl/", XLSX),
        ("document.pptx", "ppt/", PPTX),
    ],
)
def test_ooxml_prefix_named_by_its_part_folders(fixture: str, folder: str, mime: str) -> None:
    """A prefix that ends just after the first main-part entry's name, long before
    [Content_Types].xml: the folder is all there is to go on (best effort)."""
    data = _content_types_last(fixture)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        first = next(i for i in archive.infolist() if i.filename.startswith(folder))
        content_types = archive.getinfo("[Content_Types].xml").header_offset
    cut = first.header_offset + 30 + len(first.filename) + 8
    assert cut < content_types
    assert sniff_bytes(data[:cut]).mime == mime


@pytest.mark.parametrize(("fixture", "mime"), [("document.docx", DOCX), ("document.pptx", PPTX)])
def test_ooxml_prefix_from_a_streamed_zip(fixture: str, mime: str) -> None:
    """Streamed zips put sizes after the data (flag bit 3); the prefix reader must still walk."""
    data = _rezip((FIXTURES / fixture).read_bytes(), streamed=True)
    assert int.from_bytes(data[6:8], "little") & 0x08
    assert sniff_bytes(data[:1024]).mime == mime


def test_macro_enabled_word_is_named_by_its_content_types() -> None:
    """A .docm is not a .docx; only [Content_Types].xml says so, and it is read exactly."""
    data = (FIXTURES / "document.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    docm_types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    assert docm_types != types
    docm = _rezip(data, replace={"[Content_Types].xml": docm_types})
    assert sniff_bytes(docm).mime == "application/vnd.ms-word.document.macroenabled.12"
    assert (
        sniff_bytes(docm[:SNIFF_PREFIX_BYTES]).mime
        == "application/vnd.ms-word.document.macroenabled.12"
    )


def test_a_plain_zip_stays_a_zip() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photos/readme.txt", "not an office file " * 50)
        archive.writestr("photos/list.csv", "a,b\n1,2\n")
    assert sniff_bytes(buffer.getvalue()).mime == "application/zip"
    assert sniff_bytes(buffer.getvalue()[:200]).mime == "application/zip"


# --- Legacy Office (OLE2 compound files) ----------------------------------------------------


def _rename_stream(data: bytes, old: str, new: str) -> bytes:
    """Rename a directory entry in a compound file (names sit in 128-byte entries)."""
    out = bytearray(data)
    pattern = re.compile(re.escape((old + "\0").encode("utf-16-le")))
    for match in pattern.finditer(data):
        if match.start() % 128 == 0:
            encoded = (new + "\0").encode("utf-16-le")
            out[match.start() : match.start() + 64] = encoded.ljust(64, b"\0")
            out[match.start() + 64 : match.start() + 66] = len(encoded).to_bytes(2, "little")
            return bytes(out)
    raise AssertionError(f"no directory entry named {old}")


@pytest.mark.parametrize(
    ("stream", "mime"),
    [
        ("WordDocument", "application/msword"),
        ("PowerPoint Document", "application/vnd.ms-powerpoint"),
        ("Book", "application/vnd.ms-excel"),
    ],
)
def test_compound_file_named_by_its_top_level_stream(
    stream: str, mime: str, tmp_path: Path
) -> None:
    """The summary stream still says "Microsoft Excel"; the directory is what is exact."""
    data = _rename_stream((FIXTURES / "legacy.xls").read_bytes(), "Workbook", stream)
    path = tmp_path / "legacy.bin"
    path.write_bytes(data)
    assert sniff_file(path).mime == mime
    assert sniff_bytes(data).mime == mime


def test_compound_file_without_office_streams_keeps_libmagic_answer() -> None:
    data = _rename_stream((FIXTURES / "legacy.xls").read_bytes(), "Workbook", "Contents")
    assert sniff_bytes(data).mime not in {
        "application/msword",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-excel",
    }


def _with_directory(*entries: tuple[str, int, int, int, int]) -> bytes:
    """legacy.xls with its directory entries 1.. replaced: (name, type, left, right, child).

    The root (entry 0) keeps entry 1 as its child; type 1 is a storage, 2 a stream."""
    data = bytearray((FIXTURES / "legacy.xls").read_bytes())
    directory = (int.from_bytes(data[0x30:0x34], "little") + 1) * 512
    assert data[directory : directory + 20] == "Root Entry".encode("utf-16-le")
    assert len(entries) <= 3  # the fixture's directory sector has room for four entries
    for index, (name, kind, left, right, child) in enumerate(entries, start=1):
        encoded = (name + "\0").encode("utf-16-le")
        entry = encoded.ljust(64, b"\0") + struct.pack(
            "<HBBIII", len(encoded), kind, 1, left, right, child
        )
        at = directory + index * 128
        data[at : at + 128] = entry.ljust(128, b"\0")
    return bytes(data)


NONE = 0xFFFFFFFF


def test_compound_file_stream_found_among_siblings() -> None:
    """Top-level entries form a tree of siblings under the root; all of them are read."""
    data = _with_directory(("Data", 2, NONE, 2, NONE), ("PowerPoint Document", 2, NONE, NONE, NONE))
    assert sniff_bytes(data).mime == "application/vnd.ms-powerpoint"


def test_compound_file_embedded_object_does_not_count() -> None:
    """A presentation embedding a Word document has a WordDocument stream one storage down."""
    data = _with_directory(
        ("PowerPoint Document", 2, NONE, 2, NONE),
        ("MBD0001", 1, NONE, NONE, 3),
        ("WordDocument", 2, NONE, NONE, NONE),
    )
    assert sniff_bytes(data).mime == "application/vnd.ms-powerpoint"


def test_word_prefix_recognised_from_the_stream_start() -> None:
    data = bytearray((FIXTURES / "legacy.xls").read_bytes()[:SNIFF_PREFIX_BYTES])
    assert data[512:514] == b"\x09\x08"  # the Workbook stream's BOF record starts sector 0
    data[512:520] = b"\xec\xa5\xc1\x00\x00\x00\x00\x00"  # a Word FIB instead
    assert sniff_bytes(bytes(data)).mime == "application/msword"


def test_compound_file_prefix_holding_part_of_the_directory() -> None:
    """A prefix that ends inside the directory sector: the FAT chain cannot be followed, but
    the entries it does hold are 128-byte aligned and name the document."""
    data = _rename_stream((FIXTURES / "legacy.xls").read_bytes(), "Workbook", "PowerPoint Document")
    directory = (int.from_bytes(data[0x30:0x34], "little") + 1) * 512
    prefix = data[: directory + 256]  # the root entry and entry 1, not the whole sector
    assert sniff_bytes(prefix).mime == "application/vnd.ms-powerpoint"


def test_compound_file_prefix_with_nothing_recognisable_stays_vague() -> None:
    data = bytearray((FIXTURES / "legacy.xls").read_bytes()[:SNIFF_PREFIX_BYTES])
    data[512:520] = bytes(8)
    assert sniff_bytes(bytes(data)).mime in {"application/x-ole-storage", "application/cdfv2"}


# --- Ogg and WebP ---------------------------------------------------------------------------


def _ogg_page(payload: bytes, serial: int) -> bytes:
    """A beginning-of-stream Ogg page (the CRC is not checked by sniffing)."""
    assert len(payload) < 255
    return (
        b"OggS"
        + bytes([0, 0x02])
        + bytes(8)
        + serial.to_bytes(4, "little")
        + bytes(4)
        + bytes(4)
        + bytes([1, len(payload)])
        + payload
    )


def test_ogg_codec_found_behind_a_skeleton_stream() -> None:
    skeleton = _ogg_page(b"fishead\x00" + bytes(56), serial=7)
    opus = (FIXTURES / "audio_opus_mono.ogg").read_bytes()
    assert sniff_bytes(skeleton + opus[:SNIFF_PREFIX_BYTES]) == _expected("audio_opus_mono.ogg")


def test_ogg_video_stream_makes_it_video() -> None:
    theora = _ogg_page(b"\x80theora" + bytes(34), serial=1)
    vorbis = (FIXTURES / "audio_vorbis.ogg").read_bytes()
    found = sniff_bytes(theora + vorbis[:2048])
    assert (found.mime, found.codec) == ("video/ogg", "theora")


def test_ogg_video_stream_announced_after_the_audio_one() -> None:
    vorbis = (FIXTURES / "audio_vorbis.ogg").read_bytes()
    first_page_end = 27 + vorbis[26] + sum(vorbis[27 : 27 + vorbis[26]])
    theora = _ogg_page(b"\x80theora" + bytes(34), serial=1)
    found = sniff_bytes(vorbis[:first_page_end] + theora + vorbis[first_page_end:2048])
    assert (found.mime, found.codec) == ("video/ogg", "theora")


def test_simple_lossy_webp_is_static() -> None:
    """The "VP8 " form (no VP8X header) cannot animate."""
    frame = b"\x9d\x01\x2a" + (16).to_bytes(2, "little") + (16).to_bytes(2, "little")
    chunk = b"VP8 " + (10 + len(frame)).to_bytes(4, "little") + bytes(3) + frame
    data = b"RIFF" + (4 + len(chunk)).to_bytes(4, "little") + b"WEBP" + chunk
    assert sniff_bytes(data) == Sniffed("image/webp", animated=False)


def test_webp_animation_flag_is_what_decides() -> None:
    static = bytearray((FIXTURES / "sticker_static.webp").read_bytes())
    assert static[12:16] == b"VP8X" and not static[20] & 0x02
    static[20] |= 0x02
    assert sniff_bytes(bytes(static)).animated is True


# --- Garbage, emptiness, robustness ---------------------------------------------------------


def test_garbage_is_octet_stream() -> None:
    garbage = random.Random(1).randbytes(4096)
    assert sniff_bytes(garbage) == Sniffed(UNKNOWN_MIME)


def test_empty_bytes_and_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert sniff_bytes(b"") == Sniffed("application/x-empty")
    assert sniff_file(empty) == Sniffed("application/x-empty")


def test_utf8_text_cut_mid_character_is_still_text() -> None:
    """A ranged GET cuts where it likes, often inside a multi-byte character."""
    text = "Promoção de verão — até 50% de desconto. ".encode() * 200
    cut = next(i for i in range(SNIFF_PREFIX_BYTES - 64, len(text)) if text[i] & 0xC0 == 0x80)
    assert sniff_bytes(text[:cut]).mime == "text/plain"


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        sniff_file(tmp_path / "nope.jpg")


_SIGNATURES = [
    b"OggS",
    b"RIFF\x00\x00\x00\x00WEBPVP8X",
    b"PK\x03\x04",
    bytes.fromhex("d0cf11e0a1b11ae1"),
    b"\xff\xd8\xff",
    b"%PDF-",
    b"",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_SIGNATURES), st.binary(max_size=3000))
def test_never_raises_on_bytes_after_a_signature(signature: bytes, tail: bytes) -> None:
    found = sniff_bytes(signature + tail)
    assert isinstance(found, Sniffed) and "/" in found.mime


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_never_raises_on_any_short_prefix(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    for length in list(range(0, 80)) + list(range(80, min(len(data), 2048), 37)):
        assert "/" in sniff_bytes(data[:length]).mime


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.binary(min_size=1, max_size=8))
def test_never_raises_on_corrupted_fixtures(position: int, junk: bytes) -> None:
    for name in ("legacy.xls", "document.xlsx", "audio_opus_mono.ogg", "sticker_animated.webp"):
        data = bytearray((FIXTURES / name).read_bytes())
        at = position % len(data)
        data[at : at + len(junk)] = junk
        assert "/" in sniff_bytes(bytes(data)).mime


# --- Names and the library ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("image/JPG", "image/jpeg"),
        ("audio/x-m4a", "audio/mp4"),
        ("audio/x-hx-aac-adts", "audio/aac"),
        ('Audio/OGG; Codecs="opus"', "audio/ogg; codecs=opus"),
        ("audio/ogg;codecs=opus", "audio/ogg; codecs=opus"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("  application/PDF ", "application/pdf"),
        ("audio/opus", "audio/opus"),
        ("", ""),
    ],
)
def test_normalize_mime(raw: str, canonical: str) -> None:
    assert normalize_mime(raw) == canonical


def test_essence_drops_parameters() -> None:
    assert Sniffed("audio/ogg; codecs=opus", codec="opus").essence == "audio/ogg"
    assert Sniffed("image/png").essence == "image/png"


def test_importing_does_not_load_libmagic() -> None:
    root = Path(__file__).resolve().parents[2]
    code = "import sys, validator.sniff, rules.media_kinds; print('magic' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_missing_libmagic_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "magic", None)  # makes `import magic` raise ImportError
    with pytest.raises(LibmagicMissingError) as caught:
        sniff_bytes(b"\xff\xd8\xff\xe0")
    assert isinstance(caught.value, WalintError)
    assert "apt-get install libmagic1" in str(caught.value)
    assert "brew install libmagic" in str(caught.value)


def test_wrong_magic_module_is_the_same_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unrelated file-magic package installs a `magic` module without from_buffer."""
    monkeypatch.setitem(sys.modules, "magic", type(sys)("magic"))
    with pytest.raises(LibmagicMissingError, match="not python-magic"):
        sniff_bytes(b"\xff\xd8\xff\xe0")
