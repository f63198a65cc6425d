"""Broken campaign files: every one gets findings or one clear line, the right exit code,
and no traceback; every message that can be located is counted."""

from __future__ import annotations

import json
import os

import pytest

from ..conftest import ROOT, run_walint

GOOD = json.dumps({"messaging_product": "whatsapp", "to": "+447911123456", "text": {"body": "hi"}})
# Another recipient: the same message twice to one person is a duplicate send (WA602).
OTHER = json.dumps({"messaging_product": "whatsapp", "to": "+447911123457", "text": {"body": "hi"}})
REGISTRY = str(ROOT / "templates_registry.yaml")


def check(path, *args):
    result = run_walint("check", "--registry", REGISTRY, "--format", "json", *args, str(path))
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    report = json.loads(result.stdout) if result.stdout else None
    return result, report


def write(tmp_path, data: bytes, name="c.jsonl"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def only(report, rule):
    return [(f["line"], f["message"]) for f in report["findings"] if f["rule"] == rule]


def test_invalid_utf8_line(tmp_path):
    result, report = check(write(tmp_path, f"{GOOD}\n".encode() + b'{"to": "\xff\xfe"}\n' + f"{OTHER}\n".encode()))
    assert result.returncode == 1
    assert report["summary"]["messages"] == 3 and report["summary"]["failed"] == 1
    assert only(report, "WA001") == [(2, "not valid UTF-8 (byte 9)")]


def test_utf8_bom(tmp_path):
    result, report = check(write(tmp_path, b"\xef\xbb\xbf" + GOOD.encode() + b"\n"))
    assert result.returncode == 0 and report["summary"]["passed"] == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_byte_order_mark(tmp_path, encoding):
    text = f"{GOOD}\n{{oops\n"
    data = text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode(encoding)
    result, report = check(write(tmp_path, data))
    assert result.returncode == 1
    assert report["summary"]["messages"] == 2 and only(report, "WA001")[0][0] == 2


def test_utf16_without_byte_order_mark_names_the_likely_cause(tmp_path):
    result, report = check(write(tmp_path, f"{GOOD}\n".encode("utf-16-le")))
    assert result.returncode == 1
    assert any("NUL bytes" in message for _, message in only(report, "WA001"))


def test_nul_byte_inside_a_line(tmp_path):
    result, report = check(write(tmp_path, b'{"a": "x\x00y"}\n'))
    assert result.returncode == 1 and only(report, "WA001")[0][0] == 1


def test_empty_file(tmp_path):
    result, report = check(write(tmp_path, b""))
    assert result.returncode == 0 and report["summary"]["messages"] == 0


def test_directory(tmp_path):
    result, _ = check(tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode().strip() == f"walint: error: {tmp_path}: is a directory, not a campaign file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, GOOD.encode())
    path.chmod(0)
    result, _ = check(path)
    assert result.returncode == 2 and b"permission denied" in result.stderr


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc")
def test_file_that_fails_while_reading():
    result, _ = check("/proc/self/mem")
    assert result.returncode == 2
    assert b"/proc/self/mem: cannot read" in result.stderr


def test_truncated_last_line(tmp_path):
    result, report = check(write(tmp_path, f"{GOOD}\n{GOOD[:40]}".encode()))
    assert result.returncode == 1
    assert report["summary"]["messages"] == 2 and only(report, "WA001")[0][0] == 2


def test_hundred_megabyte_single_line_is_reported_not_loaded(tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(GOOD.encode() + b"\n")
        out.write(b'{"text": {"body": "' + b"a" * (100 * 1024 * 1024) + b'"}}\n')
        out.write(OTHER.encode() + b"\n")
    result, report = check(path)
    assert result.returncode == 1
    assert report["summary"]["messages"] == 3 and report["summary"]["passed"] == 2
    ((line, message),) = only(report, "WA001")
    assert line == 2 and "message is 104,857,622 bytes; the limit is 1,048,576" in message


@pytest.mark.parametrize("name", ["deep.jsonl", "deep.json"])
def test_json_nested_100000_levels(tmp_path, name):
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    data = GOOD.encode() + b"\n" + deep + b"\n" if name.endswith("l") else b"[" + deep + b"]"
    result, report = check(write(tmp_path, data, name))
    assert result.returncode == 1
    assert any("nested too deeply" in message for _, message in only(report, "WA001"))


def test_huge_integer_and_duplicate_key(tmp_path):
    lines = [b'{"messaging_product": "whatsapp", "to": "+447911123456", "location": '
             b'{"latitude": 1234567890123456789012, "longitude": 1}}',
             b'{"messaging_product": "whatsapp", "to": "+447911123456", "to": "+447911123457", '
             b'"text": {"body": "x"}}']
    result, report = check(write(tmp_path, b"\n".join(lines) + b"\n"))
    assert result.returncode == 1
    assert [line for line, _ in only(report, "WA003")] == [1, 2]


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity(tmp_path, literal):
    result, report = check(write(tmp_path, b'{"location": {"latitude": ' + literal + b"}}\n"))
    assert result.returncode == 1
    assert only(report, "WA001") == [(1, f"invalid JSON: {literal.decode()} is not valid JSON")]


@pytest.mark.parametrize(("line", "kind"), [(b"42", "int"), (b"[1, 2]", "list"), (b"null", "null"),
                                            (b'"text"', "str")])
def test_non_object_lines(tmp_path, line, kind):
    result, report = check(write(tmp_path, GOOD.encode() + b"\n" + line + b"\n"))
    assert result.returncode == 1
    assert only(report, "WA002") == [(2, f"expected a JSON object, got {kind}")]
