"""rules.media_kinds: Meta's media table and the verdict on real files.

The limits are written out here in bytes, independently of the module's table, so a wrong
number in the table fails a test instead of being copied into it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.media_kinds import (
    KINDS,
    MEDIA_API_ERROR,
    MediaIssue,
    assess_media,
    extensions_for,
    guess_kind,
)
from validator.sniff import Sniffed, sniff_bytes, sniff_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "media"

MIB = 1024 * 1024
KIB = 1024


def _codes(issues: list[MediaIssue]) -> list[str]:
    return [issue.code for issue in issues]


def _assess_fixture(kind: str, fixture: str, **kwargs) -> list[MediaIssue]:  # type: ignore[no-untyped-def]
    path = FIXTURES / fixture
    kwargs.setdefault("name", fixture)
    return assess_media(kind, sniff_file(path), path.stat().st_size, **kwargs)


# --- every fixture as the kind it belongs to ------------------------------------------------

# fixture -> (kind it would be sent as, issue codes expected)
VERDICTS = {
    "audio.aac": ("audio", []),
    "audio.amr": ("audio", []),
    "audio.m4a": ("audio", []),
    "audio.mp3": ("audio", []),
    "audio_opus_mono.ogg": ("audio", []),
    "audio_opus_stereo.ogg": ("audio", ["type"]),  # Meta: Opus, mono only
    "audio_vorbis.ogg": ("audio", ["type"]),  # base audio/ogg is not supported
    "document.docx": ("document", []),
    "document.pdf": ("document", []),
    "document.pptx": ("document", []),
    "document.txt": ("document", []),
    "document.xlsx": ("document", []),
    "image.gif": ("image", ["type"]),
    "image.jpg": ("image", []),
    "image.png": ("image", []),
    "legacy.xls": ("document", []),
    "sticker_animated.webp": ("sticker", []),
    "sticker_static.webp": ("sticker", []),
    "video.3gp": ("video", []),
    "video.mp4": ("video", []),
}


@pytest.mark.parametrize("fixture", sorted(VERDICTS))
def test_fixture_as_its_kind(fixture: str) -> None:
    kind, codes = VERDICTS[fixture]
    assert _codes(_assess_fixture(kind, fixture)) == codes


@pytest.mark.parametrize("fixture", sorted(VERDICTS))
def test_fixture_judged_from_its_prefix_like_from_the_whole(fixture: str) -> None:
    kind, codes = VERDICTS[fixture]
    path = FIXTURES / fixture
    sniffed = sniff_bytes(path.read_bytes()[:4096])
    assert _codes(assess_media(kind, sniffed, path.stat().st_size, fixture)) == codes


# --- size boundaries ------------------------------------------------------------------------

LIMITS = [
    ("image", Sniffed("image/jpeg"), 5 * MIB),
    ("audio", Sniffed("audio/mpeg"), 16 * MIB),
    ("audio", Sniffed("audio/ogg; codecs=opus", codec="opus", channels=1), 16 * MIB),
    ("video", Sniffed("video/mp4"), 16 * MIB),
    ("document", Sniffed("application/pdf"), 100 * MIB),
    ("sticker", Sniffed("image/webp", animated=False), 100 * KIB),
    ("sticker", Sniffed("image/webp", animated=True), 500 * KIB),
    ("sticker", Sniffed("image/webp"), 100 * KIB),  # animation unknown: the static limit
]


@pytest.mark.parametrize(("kind", "sniffed", "limit"), LIMITS)
def test_exactly_at_the_limit_passes(kind: str, sniffed: Sniffed, limit: int) -> None:
    assert assess_media(kind, sniffed, limit, None) == []


@pytest.mark.parametrize(("kind", "sniffed", "limit"), LIMITS)
def test_one_byte_over_the_limit_fails(kind: str, sniffed: Sniffed, limit: int) -> None:
    issues = assess_media(kind, sniffed, limit + 1, None)
    assert _codes(issues) == ["size"]
    assert f"{limit + 1:,} bytes" in issues[0].message
    assert f"({limit:,} bytes)" in issues[0].message


def test_unknown_size_is_not_judged() -> None:
    assert assess_media("image", Sniffed("image/jpeg"), None, None) == []


def _padded(fixture: str, size: int, tmp_path: Path) -> Path:
    """A real file grown to ``size`` bytes with trailing zeros, which decoders ignore."""
    data = (FIXTURES / fixture).read_bytes()
    assert len(data) <= size
    path = tmp_path / f"{size}-{fixture}"
    path.write_bytes(data + bytes(size - len(data)))
    return path


@pytest.mark.parametrize(
    ("kind", "fixture", "limit"),
    [
        ("image", "image.jpg", 5 * MIB),
        ("sticker", "sticker_static.webp", 100 * KIB),
        ("sticker", "sticker_animated.webp", 500 * KIB),
    ],
)
def test_real_files_padded_to_the_limit(
    kind: str, fixture: str, limit: int, tmp_path: Path
) -> None:
    at_limit = _padded(fixture, limit, tmp_path)
    over = _padded(fixture, limit + 1, tmp_path)
    assert assess_media(kind, sniff_file(at_limit), at_limit.stat().st_size, fixture) == []
    assert _codes(assess_media(kind, sniff_file(over), over.stat().st_size, fixture)) == ["size"]


def test_animated_sticker_size_that_a_static_one_may_not_have(tmp_path: Path) -> None:
    size = 300 * KIB
    animated = _padded("sticker_animated.webp", size, tmp_path)
    static = _padded("sticker_static.webp", size, tmp_path)
    assert assess_media("sticker", sniff_file(animated), size, "a.webp") == []
    issues = assess_media("sticker", sniff_file(static), size, "s.webp")
    assert _codes(issues) == ["size"]
    assert "static stickers" in issues[0].message


# --- type -----------------------------------------------------------------------------------


def test_webp_as_image_fails_and_points_to_stickers() -> None:
    issues = _assess_fixture("image", "sticker_static.webp")
    assert _codes(issues) == ["type"]
    assert issues[0].message == (
        "image/webp is not accepted for image messages (allowed: image/jpeg, image/png); "
        "send it as a sticker"
    )


def test_webp_as_sticker_passes() -> None:
    assert _assess_fixture("sticker", "sticker_static.webp") == []
    assert _assess_fixture("sticker", "sticker_animated.webp") == []


def test_vorbis_as_audio_fails_and_says_why() -> None:
    issues = _assess_fixture("audio", "audio_vorbis.ogg")
    assert _codes(issues) == ["type"]
    assert issues[0].message.startswith("audio/ogg (vorbis) is not accepted for audio messages")
    assert "Opus" in issues[0].message


def test_stereo_opus_fails_mono_passes() -> None:
    assert _assess_fixture("audio", "audio_opus_mono.ogg") == []
    issues = _assess_fixture("audio", "audio_opus_stereo.ogg")
    assert _codes(issues) == ["type"]
    assert "2 channels" in issues[0].message


def test_voice_note_must_be_opus() -> None:
    assert _assess_fixture("audio", "audio_opus_mono.ogg", voice=True) == []
    issues = _assess_fixture("audio", "audio.mp3", voice=True)
    assert _codes(issues) == ["type"]
    assert "voice note" in issues[0].message
    assert _assess_fixture("audio", "audio.mp3") == []


def test_documents_pass_as_documents() -> None:
    for fixture in (
        "document.pdf",
        "document.docx",
        "document.xlsx",
        "document.pptx",
        "legacy.xls",
        "document.txt",
    ):
        assert _assess_fixture("document", fixture) == [], fixture


def test_template_document_header_takes_pdf_only() -> None:
    assert _assess_fixture("document", "document.pdf", template_header=True) == []
    issues = _assess_fixture("document", "document.docx", template_header=True)
    assert _codes(issues) == ["type"]
    assert "(allowed: application/pdf)" in issues[0].message
    # other kinds keep their message table in headers
    assert _assess_fixture("image", "image.png", template_header=True) == []


def test_text_of_any_flavour_is_a_plain_text_document() -> None:
    """libmagic guesses a language for text (text/x-c …); WhatsApp sees text/plain."""
    assert assess_media("document", Sniffed("text/x-c"), 300, "notes.txt") == []
    assert _codes(assess_media("image", Sniffed("text/html"), 300, None)) == ["type"]


def test_text_or_video_is_not_an_image() -> None:
    assert _codes(_assess_fixture("image", "document.txt", name=None)) == ["type"]
    issues = _assess_fixture("audio", "video.mp4", name=None)
    assert _codes(issues) == ["type"]
    assert issues[0].message.endswith("send it as a video")


def test_unidentifiable_and_empty_content() -> None:
    garbage = assess_media("image", Sniffed("application/octet-stream"), 10, "photo.jpg")
    assert _codes(garbage) == ["type"]  # no extension complaint about bytes nobody can name
    empty = assess_media("document", Sniffed("application/x-empty"), 0, "file.pdf")
    assert _codes(empty) == ["type"]
    assert "empty" in empty[0].message


# --- extension ------------------------------------------------------------------------------


def test_png_named_jpg_fails() -> None:
    issues = _assess_fixture("image", "image.png", name="photo.jpg")
    assert _codes(issues) == ["extension"]
    assert (
        issues[0].message
        == "the name 'photo.jpg' says image/jpeg (.jpg) but the content is image/png"
    )


@pytest.mark.parametrize(
    "name",
    [
        "photo.png",
        "PHOTO.PNG",
        "https://cdn.example.com/a/photo.png?v=3",
        "photo",
        "photo.unknownext",
        "dir.v2/photo.png",
    ],
)
def test_names_that_agree_or_say_nothing(name: str) -> None:
    assert _assess_fixture("image", "image.png", name=name) == []


def test_extension_checked_in_urls_and_against_other_accepted_types() -> None:
    assert _codes(_assess_fixture("image", "image.jpg", name="https://x.example/p.png?x=.jpg")) == [
        "extension"
    ]
    assert _codes(_assess_fixture("document", "document.pdf", name="report.docx")) == ["extension"]
    assert _codes(_assess_fixture("video", "video.mp4", name="clip.3gp")) == []  # both ISO media
    assert _codes(_assess_fixture("audio", "audio_opus_mono.ogg", name="voice.opus")) == []
    assert _codes(_assess_fixture("sticker", "sticker_static.webp", name="s.gif")) == ["extension"]


def test_each_accepted_type_has_extensions() -> None:
    for kind in KINDS.values():
        for mime in kind.types:
            assert extensions_for(mime), mime
    assert extensions_for("image/jpeg") == (".jpg", ".jpeg", ".jpe")
    assert extensions_for("audio/ogg; codecs=opus")[0] == ".ogg"


# --- declared type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fixture", "declared"),
    [
        ("image", "image.jpg", "image/jpeg"),
        ("image", "image.png", "IMAGE/PNG"),
        ("audio", "audio_opus_mono.ogg", "audio/ogg; codecs=opus"),
        ("audio", "audio_opus_mono.ogg", "audio/ogg"),  # what servers send for .ogg
        ("document", "document.txt", "text/plain; charset=utf-8"),
        (
            "document",
            "document.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_declared_type_that_agrees(kind: str, fixture: str, declared: str) -> None:
    assert _assess_fixture(kind, fixture, declared_type=declared) == []


def test_declared_type_that_disagrees_with_the_content() -> None:
    issues = _assess_fixture("image", "image.png", declared_type="image/jpeg")
    assert _codes(issues) == ["declared-type"]
    assert issues[0].message == (
        "declared type 'image/jpeg' disagrees with the content, which is image/png; "
        "declare it as 'image/png'"
    )
    octet = _assess_fixture("image", "image.jpg", declared_type="application/octet-stream")
    assert _codes(octet) == ["declared-type"]


def test_declared_type_fix_names_the_type_to_declare() -> None:
    """Text that libmagic calls text/x-c still goes out as text/plain."""
    issues = assess_media("document", Sniffed("text/x-c"), 300, "notes.txt", "application/pdf")
    assert _codes(issues) == ["declared-type"]
    assert issues[0].message.endswith("declare it as 'text/plain'")


def test_declared_type_in_a_template_header() -> None:
    issues = _assess_fixture(
        "document", "document.pdf", template_header=True, declared_type="application/msword"
    )
    assert _codes(issues) == ["declared-type"]
    pdf = Sniffed("application/pdf")
    unknown = assess_media(
        "document",
        Sniffed("application/octet-stream"),
        10,
        None,
        "application/msword",
        template_header=True,
    )
    assert unknown[1].message == (
        "declared type 'application/msword' is not accepted for "
        "template document headers (allowed: application/pdf)"
    )
    assert assess_media("document", pdf, 10, "a.pdf", "application/pdf", template_header=True) == []


def test_opus_served_as_audio_opus_fails() -> None:
    """chatwoot/chatwoot#12713: the API refused audio/opus for an Opus voice note."""
    issues = _assess_fixture("audio", "audio_opus_mono.ogg", declared_type="audio/opus")
    assert _codes(issues) == ["declared-type"]
    assert "'audio/ogg; codecs=opus'" in issues[0].message


def test_declared_alias_is_not_on_metas_list() -> None:
    issues = _assess_fixture("image", "image.jpg", declared_type="image/jpg")
    assert _codes(issues) == ["declared-type"]
    assert issues[0].message.endswith("use 'image/jpeg'")


def test_declared_vorbis_codec_on_opus_bytes_disagrees() -> None:
    issues = _assess_fixture(
        "audio", "audio_opus_mono.ogg", declared_type="audio/ogg; codecs=vorbis"
    )
    assert _codes(issues) == ["declared-type"]


def test_declared_codec_must_be_opus_even_when_it_matches_the_bytes() -> None:
    issues = _assess_fixture("audio", "audio_vorbis.ogg", declared_type="audio/ogg; codecs=vorbis")
    assert _codes(issues) == ["type", "declared-type"]
    assert "is not accepted for audio messages" in issues[1].message


def test_declared_type_judged_even_when_the_content_is_unknown() -> None:
    unknown = Sniffed("application/octet-stream")
    assert _codes(assess_media("image", unknown, 10, None, "image/png")) == ["type"]
    assert _codes(assess_media("image", unknown, 10, None, "image/gif")) == [
        "type",
        "declared-type",
    ]


def test_all_problems_reported_together() -> None:
    sniffed = sniff_file(FIXTURES / "sticker_animated.webp")
    issues = assess_media("image", sniffed, 6 * MIB, "anim.jpg", "image/jpeg")
    assert _codes(issues) == ["type", "size", "extension", "declared-type"]
    assert {issue.api_error for issue in issues} == {MEDIA_API_ERROR} == {131053}


# --- guess_kind and the table ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("mime", "kind"),
    [
        ("image/jpeg", "image"),
        ("image/jpg", "image"),
        ("image/png", "image"),
        ("image/webp", "sticker"),
        ("audio/ogg; codecs=opus", "audio"),
        ("audio/x-m4a", "audio"),
        ("audio/mpeg", "audio"),
        ("video/mp4", "video"),
        ("video/3gpp", "video"),
        ("application/pdf", "document"),
        ("text/plain; charset=utf-8", "document"),
        ("application/msword", "document"),
        ("audio/ogg", None),
        ("image/gif", None),
        ("application/zip", None),
        ("", None),
    ],
)
def test_guess_kind(mime: str, kind: str | None) -> None:
    assert guess_kind(mime) == kind


def test_each_accepted_type_belongs_to_one_kind() -> None:
    seen: dict[str, str] = {}
    for kind in KINDS.values():
        for mime in kind.types:
            assert mime not in seen, f"{mime} in {seen.get(mime)} and {kind.name}"
            seen[mime] = kind.name
    assert set(KINDS) == {"audio", "document", "image", "sticker", "video"}


def test_unknown_kind_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="unknown media kind 'gif'"):
        assess_media("gif", Sniffed("image/gif"), 10, None)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    mime=st.sampled_from(
        [
            "image/jpeg",
            "image/webp",
            "audio/ogg",
            "audio/ogg; codecs=opus",
            "application/octet-stream",
            "application/x-empty",
            "text/x-c",
            "video/mp4",
        ]
    ),
    channels=st.none() | st.integers(min_value=0, max_value=255),
    animated=st.none() | st.booleans(),
    size=st.none() | st.integers(min_value=0, max_value=200 * MIB),
    name=st.none() | st.text(max_size=40),
    declared=st.none() | st.text(max_size=40),
)
def test_never_raises_and_codes_are_known(
    kind, mime, channels, animated, size, name, declared
) -> None:  # type: ignore[no-untyped-def]
    codec = "opus" if "opus" in mime else None
    issues = assess_media(
        kind, Sniffed(mime, codec=codec, channels=channels, animated=animated), size, name, declared
    )
    assert set(_codes(issues)) <= {"type", "size", "extension", "declared-type"}
    assert len(_codes(issues)) == len(set(_codes(issues)))
    assert all(issue.message for issue in issues)
