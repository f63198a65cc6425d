"""The loader: shapes, line numbers, and malformed entries that still count."""

from __future__ import annotations

import json

import pytest

from validator import InputError
from validator.loader import read_campaign


def load(tmp_path, content: bytes, name="c.jsonl"):
    path = tmp_path / name
    path.write_bytes(content)
    return list(read_campaign(str(path)))


def test_jsonl_lines_indexes_and_blank_lines(tmp_path):
    messages = load(tmp_path, b'{"a": 1}\n\n\n{"b": 2}\r\n{"c": 3}')
    assert [(m.index, m.line, m.payload) for m in messages] == [
        (0, 1, {"a": 1}), (1, 4, {"b": 2}), (2, 5, {"c": 3})]


def test_raw_bytes_are_kept_for_jsonl(tmp_path):
    (message,) = load(tmp_path, b'{"a":  1}\n')
    assert message.raw == b'{"a":  1}'


def test_utf8_bom_is_ignored(tmp_path):
    (message,) = load(tmp_path, b'\xef\xbb\xbf{"a": 1}\n')
    assert message.payload == {"a": 1} and message.problem is None


@pytest.mark.parametrize(("line", "problem"), [
    (b'{"a": 1,}', "invalid JSON"),
    (b'{"a": Infinity}', "Infinity is not valid JSON"),
    (b'{"a": "\xff"}', "not valid UTF-8"),
    (b'{"a": 1', "invalid JSON"),
])
def test_malformed_lines_are_counted_with_a_reason(tmp_path, line, problem):
    messages = load(tmp_path, b'{"ok": 1}\n' + line + b'\n{"ok": 2}\n')
    assert len(messages) == 3
    assert messages[1].problem and problem in messages[1].problem and messages[1].line == 2
    assert messages[2].payload == {"ok": 2}


def test_content_decides_the_shape_not_the_extension(tmp_path):
    messages = load(tmp_path, json.dumps([{"a": 1}, {"b": 2}], indent=2).encode(), name="c.jsonl")
    assert [(m.index, m.line) for m in messages] == [(0, 2), (1, 5)]
    messages = load(tmp_path, b'{"a": 1}\n{"b": 2}\n', name="c.json")
    assert [m.line for m in messages] == [1, 2]


def test_messages_object_with_other_keys(tmp_path):
    doc = {"name": "spring", "messages": [{"a": 1}, {"b": 2}], "after": [1, {"x": "]"}]}
    messages = load(tmp_path, json.dumps(doc, indent=2).encode(), name="c.json")
    assert [(m.index, m.line, m.payload) for m in messages] == [(0, 4, {"a": 1}), (1, 7, {"b": 2})]


def test_empty_array_and_whitespace_only_file(tmp_path):
    assert load(tmp_path, b"[ ]\n", name="a.json") == []
    assert load(tmp_path, b"\n  \n", name="b.json") == []


def test_extra_data_after_a_document_is_reported(tmp_path):
    messages = load(tmp_path, b'[{"a": 1}]\n]\n', name="c.json")
    assert messages[0].payload == {"a": 1}
    assert "extra data" in messages[1].problem and messages[1].line == 2


def test_missing_file_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_campaign(str(tmp_path / "missing.jsonl")))


def test_single_line_messages_document_is_a_document(tmp_path):
    messages = load(tmp_path, json.dumps({"messages": [{"a": 1}, {"b": 2}]}).encode())
    assert [m.payload for m in messages] == [{"a": 1}, {"b": 2}]


def test_broken_first_line_does_not_turn_jsonl_into_a_document(tmp_path):
    messages = load(tmp_path, b'{"a": 1,}\n{"b": 2}\n')
    assert messages[0].problem and messages[1].payload == {"b": 2}


def test_size_cap_counts_content_not_line_ending(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"a": "' + b"x" * 10 + b'"}\r\n' + b'{"a": "' + b"x" * 11 + b'"}\r\n')
    first, second = read_campaign(str(path), max_message_bytes=19)
    assert first.payload == {"a": "x" * 10}
    assert second.problem == "message is 20 bytes; the limit is 19 (max-message-bytes)"
