"""``walint media`` and ``check_media_files`` on the real fixture files.

The per-rule verdicts are data (tests/rules/cases/WA51x.yaml); this file checks the command:
exit codes, the report's shape for files, kind guessing and ``--as``, and the fixtures the
issue names (WebP as an image, a PNG named .jpg, PDF and DOCX documents, Vorbis and Opus
audio, a JPEG one byte over 5 MiB).
"""

from __future__ import annotations

import json
import shutil

import pytest

from validator import check_media_files

from ..conftest import run_walint
from .files import FIXTURES, make_media_file


def media(*args: str):
    return run_walint("media", *args)


def rules_of(result) -> list[str]:
    return [f["rule"] for f in json.loads(result.stdout)["findings"]]


def test_webp_as_an_image_fails():
    result = media("--as", "image", "--format", "json", str(FIXTURES / "sticker_static.webp"))
    assert result.returncode == 1
    assert rules_of(result) == ["WA510"]


def test_webp_without_as_is_a_sticker_and_passes():
    assert media(str(FIXTURES / "sticker_static.webp")).returncode == 0


def test_a_png_named_jpg_fails_on_its_extension(tmp_path):
    path = tmp_path / "photo.jpg"
    shutil.copy(FIXTURES / "image.png", path)
    result = media("--format", "json", str(path))
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "WA512" and finding["api_error"] == 131053
    assert finding["file"] == str(path) and finding["index"] is None and finding["line"] is None
    assert "says image/jpeg (.jpg) but the content is image/png" in finding["message"]


@pytest.mark.parametrize(("name", "kind"), [
    ("document.pdf", "document"), ("document.docx", None), ("document.xlsx", None),
    ("legacy.xls", "document"), ("audio_opus_mono.ogg", "audio"), ("audio.mp3", None),
    ("video.mp4", "video"), ("image.jpg", "image"),
])
def test_accepted_files_pass(name, kind):
    args = ["--as", kind] if kind else []
    result = media(*args, str(FIXTURES / name))
    assert result.returncode == 0, result.stdout.decode()
    assert result.stdout.decode().strip() == "1 media file: 1 passed, 0 failed (0 errors, 0 warnings)"


@pytest.mark.parametrize("name", ["audio_vorbis.ogg", "audio_opus_stereo.ogg"])
def test_vorbis_and_stereo_opus_as_audio_fail(name):
    result = media("--as", "audio", "--format", "json", str(FIXTURES / name))
    assert result.returncode == 1 and rules_of(result) == ["WA510"]


def test_a_jpeg_one_byte_over_5_mib_fails_and_exactly_5_mib_passes(tmp_path):
    over = make_media_file(tmp_path, {"name": "over.jpg", "content": "image/jpeg", "size": 5 * 1024 * 1024 + 1})
    limit = make_media_file(tmp_path, {"name": "limit.jpg", "content": "image/jpeg", "size": 5 * 1024 * 1024})
    result = media("--format", "json", str(over), str(limit))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [(f["file"], f["rule"]) for f in report["findings"]] == [(str(over), "WA511")]
    assert report["summary"]["files"] == 2 and report["summary"]["messages"] == 0


def test_text_output_names_each_file_and_counts_files(tmp_path):
    path = tmp_path / "banner.webp"
    shutil.copy(FIXTURES / "sticker_static.webp", path)
    result = media("--as", "image", str(path), str(FIXTURES / "image.jpg"))
    lines = result.stdout.decode().splitlines()
    assert lines[0].startswith(f"{path}: WA510 [131053] image/webp is not accepted for image messages")
    assert lines[-1] == "2 media files: 1 passed, 1 failed (1 error, 0 warnings)"


@pytest.mark.parametrize("target", ["missing.jpg", "."])
def test_a_missing_file_or_a_directory_is_exit_2_in_one_line(target, tmp_path):
    result = run_walint("media", target, cwd=tmp_path)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.count("\n") == 1 and "Traceback" not in err and target in err


def test_unknown_kind_is_a_usage_error():
    assert media("--as", "gif", str(FIXTURES / "image.gif")).returncode == 2


def test_library_call_returns_a_report_for_files(tmp_path):
    report = check_media_files([FIXTURES / "image.gif", FIXTURES / "document.pdf"], plugins=False)
    assert not report.ok and report.summary.files == 2
    (finding,) = report.findings
    assert finding.rule == "WA510" and finding.file.endswith("image.gif")
    assert "convert it to MP4" in finding.message
    assert check_media_files([FIXTURES / "document.pdf"], "document", plugins=False).ok


def test_media_rules_are_listed_with_their_scope():
    out = run_walint("rules").stdout.decode()
    for code, name in (("WA510", "media-file-type"), ("WA511", "media-file-size"),
                       ("WA512", "media-file-extension")):
        line = next(line for line in out.splitlines() if line.startswith(code))
        assert name in line and "131053" in line and " file " in line


def test_configured_ignore_and_severity_apply(tmp_path):
    (tmp_path / "walint.toml").write_text('ignore = ["WA512"]\nseverity = {WA510 = "warning"}\n')
    shutil.copy(FIXTURES / "image.png", tmp_path / "photo.jpg")
    shutil.copy(FIXTURES / "image.gif", tmp_path / "anim.gif")
    result = run_walint("media", "--format", "json", "photo.jpg", "anim.gif", cwd=tmp_path)
    assert result.returncode == 0
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["severity"]) for f in findings] == [("WA510", "warning")]
