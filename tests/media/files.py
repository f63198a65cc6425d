"""Real media files made from a description, for the media-file rules' cases and manuals.

A description is what ``walint media`` sees of a file: its ``name``, what its ``content``
really is (a MIME type, served by the matching real fixture in tests/fixtures/media, or a
``fixture`` named outright) and, when it matters, its ``size`` in bytes (the fixture padded
with zeros, which no sniffer reads past the header). ``as`` is the kind it is checked as.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "media"

#: Real content → the fixture that holds it.
CONTENT = {
    "image/jpeg": "image.jpg",
    "image/png": "image.png",
    "image/gif": "image.gif",
    "image/webp": "sticker_static.webp",
    "application/pdf": "document.pdf",
    "text/plain": "document.txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document.docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "document.xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "document.pptx",
    "application/vnd.ms-excel": "legacy.xls",
    "audio/ogg; codecs=opus": "audio_opus_mono.ogg",
    "audio/ogg": "audio_vorbis.ogg",
    "audio/mpeg": "audio.mp3",
    "audio/mp4": "audio.m4a",
    "audio/aac": "audio.aac",
    "audio/amr": "audio.amr",
    "video/mp4": "video.mp4",
    "video/3gpp": "video.3gp",
}


def make_media_file(directory: Path, description: dict[str, Any]) -> Path:
    """Write the file a description names into ``directory``; return its path."""
    fixture = description.get("fixture") or CONTENT[description["content"]]
    data = (FIXTURES / fixture).read_bytes()
    size = description.get("size")
    if size is not None:
        if size < len(data):
            raise ValueError(f"{fixture} is {len(data)} bytes, more than the {size} asked for")
        data = data.ljust(size, b"\0")
    path = directory / description.get("name", fixture)
    path.write_bytes(data)
    return path
