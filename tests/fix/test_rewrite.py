"""Writing fixes back: only fixed values change; lines, endings, encodings and quoting stay."""

from __future__ import annotations

import json
import os

import pytest

from validator import InputError
from validator.loader import read_campaign
from validator.rewrite import splice, unified_diff

from .helpers import audio, notice, template, text, validator


def fix_file(path, *, unsafe: bool = False, write: bool = True, **settings):
    report = validator(**settings).check_files([str(path)], fix=True, unsafe_fixes=unsafe)
    if write:
        for rewrite in report.rewrites:
            rewrite.write()
    return report


def line(payload: dict, **dump) -> bytes:
    return json.dumps(payload, **dump).encode("utf-8")


# -- JSON text surgery ----------------------------------------------------------------------


def test_splice_replaces_values_in_place_and_keeps_everything_else():
    text_ = '{"to" :  "+1 650-555-1234" ,"text":{"body":"caf\\u00e9"}}'
    out = splice(text_, 0, [(("to",), "+1 650-555-1234", "+16505551234")])
    assert out == '{"to" :  "+16505551234" ,"text":{"body":"caf\\u00e9"}}'


@pytest.mark.parametrize("before, after", [
    ('{"link": "x", "caption": "y"}', '{"link": "x"}'),
    ('{"caption": "y", "link": "x"}', '{"link": "x"}'),
    ('{"a": 1, "caption": "y", "b": 2}', '{"a": 1, "b": 2}'),
    ('{ "caption" : "y" }', "{}"),
    ('{\n  "link": "x",\n  "caption": "y"\n}', '{\n  "link": "x"\n}'),
    ('{\n  "caption": "y",\n  "link": "x"\n}', '{\n  "link": "x"\n}'),
])
def test_splice_removes_a_key_with_one_comma(before, after):
    from validator.fix import DELETE

    assert splice(before, 0, [(("caption",), "y", DELETE)]) == after
    assert json.loads(after) == {k: v for k, v in json.loads(before).items() if k != "caption"}


def test_splice_refuses_a_value_that_is_not_the_one_checked():
    with pytest.raises(ValueError):
        splice('{"to": "+2"}', 0, [(("to",), "+1", "+3")])


def test_unified_diff_marks_a_missing_final_newline():
    diff = unified_diff(b"a\nb", b"a\nc", "f.jsonl")
    assert diff.splitlines() == ["--- f.jsonl", "+++ f.jsonl", "@@ -1,2 +1,2 @@", " a", "-b",
                                 "\\ No newline at end of file", "+c",
                                 "\\ No newline at end of file"]


# -- JSONL ----------------------------------------------------------------------------------


def test_jsonl_mixed_file_changes_only_the_fixed_values(tmp_path):
    lines = [
        line(text("+1 650-555-1234", "héllo"), ensure_ascii=False),   # fixable (safe)
        line(template("no_such_template")),                           # unfixable
        b"{not json",                                                 # malformed
        b"",                                                          # blank
        b'  {"messaging_product":"whatsapp","to":"+44 7911 123456","type":"text","text":{"body":"x"}}  ',
        line(audio()),                                                # unsafe: kept
        line(text("+447911123459", "\\u00e9 stays escaped")),
    ]
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = fix_file(path)
    after = path.read_bytes().split(b"\n")
    assert after[0] == line(text("+16505551234", "héllo"), ensure_ascii=False)
    assert after[4] == b'  {"messaging_product":"whatsapp","to":"+447911123456","type":"text","text":{"body":"x"}}  '
    for number in (1, 2, 3, 5, 6, 7):
        assert after[number] == (lines + [b""])[number]
    assert report.summary.fixed == 2
    remaining = {(f.line, f.rule) for f in report.findings}
    assert {(2, "WA201"), (3, "WA001"), (6, "WA405")} <= remaining
    assert not {(1, "WA302"), (5, "WA302")} & remaining


def test_crlf_line_endings_are_kept(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(line(text("+1 650-555-1234")) + b"\r\n" + line(text("+447911123456")) + b"\r\n")
    fix_file(path)
    assert path.read_bytes() == (line(text("+16505551234")) + b"\r\n"
                                 + line(text("+447911123456")) + b"\r\n")


def test_utf8_byte_order_mark_is_kept(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line(text("+1 650-555-1234")) + b"\n")
    fix_file(path)
    assert path.read_bytes() == b"\xef\xbb\xbf" + line(text("+16505551234")) + b"\n"


def test_utf16_file_stays_utf16(tmp_path):
    path = tmp_path / "c.jsonl"
    content = json.dumps(text("+1 650-555-1234", "ñ"), ensure_ascii=False) + "\r\n"
    path.write_bytes(content.encode("utf-16"))
    fix_file(path)
    data = path.read_bytes()
    assert data[:2] == "\ufeff".encode("utf-16")[:2]
    assert data.decode("utf-16") == content.replace("+1 650-555-1234", "+16505551234")


def test_no_final_newline_stays_without_one(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(line(text("+447911123456")) + b"\n" + line(text("+1 650-555-1234")))
    fix_file(path)
    assert path.read_bytes().endswith(line(text("+16505551234")))


def test_unsafe_fixes_are_written_only_when_asked(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(line(audio()) + b"\n" + line(notice("a\nb")) + b"\n")
    original = path.read_bytes()
    report = fix_file(path)
    assert path.read_bytes() == original and report.rewrites == []
    fix_file(path, unsafe=True)
    assert path.read_bytes() == line(audio(None)) + b"\n" + line(notice("a b")) + b"\n"


def test_permissions_are_kept(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(line(text("+1 650-555-1234")) + b"\n")
    os.chmod(path, 0o640)
    fix_file(path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["c.jsonl"]  # no temporary file left


def test_a_file_changed_since_the_check_is_not_written(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(line(text("+1 650-555-1234")) + b"\n")
    report = fix_file(path, write=False)
    path.write_bytes(line(text("+1 650-555-9999")) + b"\n")
    with pytest.raises(InputError, match="changed since it was checked"):
        report.rewrites[0].write()
    assert path.read_bytes() == line(text("+1 650-555-9999")) + b"\n"


def test_duplicate_keys_are_not_fixed(tmp_path):
    path = tmp_path / "c.jsonl"
    raw = b'{"messaging_product":"whatsapp","to":"+1 650-555-1234","to":"+1 650-555-1234","text":{"body":"x"}}\n'
    path.write_bytes(raw)
    report = fix_file(path)
    assert path.read_bytes() == raw and report.summary.fixed == 0
    assert "WA003" in {f.rule for f in report.findings}


def test_diff_does_not_write(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(line(text("+1 650-555-1234")) + b"\n")
    report = fix_file(path, write=False)
    diff = report.rewrites[0].diff()
    assert path.read_bytes() == line(text("+1 650-555-1234")) + b"\n"
    assert f"-{line(text('+1 650-555-1234')).decode()}" in diff
    assert f"+{line(text('+16505551234')).decode()}" in diff


# -- JSON documents -------------------------------------------------------------------------


def test_json_document_keeps_its_layout_crlf_and_bom(tmp_path):
    payloads = [text("+1 650-555-1234"), template("no_such_template"), audio(), text("+447911123456")]
    document = json.dumps({"campaign": "spring", "messages": payloads}, indent=2)
    path = tmp_path / "c.json"
    path.write_bytes(b"\xef\xbb\xbf" + document.replace("\n", "\r\n").encode())
    report = fix_file(path, unsafe=True)
    expected = json.dumps({"campaign": "spring", "messages": [
        text("+16505551234"), template("no_such_template"), audio(None), text("+447911123456")]},
        indent=2)
    assert path.read_bytes() == b"\xef\xbb\xbf" + expected.replace("\n", "\r\n").encode()
    assert report.summary.fixed == 2
    assert [m.payload for m in read_campaign(str(path))][2] == audio(None)


def test_json_array_compact(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps([template("Hello_World", "en-US"), text("+447911123456")]))
    fix_file(path)
    assert json.loads(path.read_text()) == [template("hello_world", "en_US"), text("+447911123456")]


# -- CSV campaigns --------------------------------------------------------------------------


def test_csv_cells_rewritten_others_kept(tmp_path):
    path = tmp_path / "c.csv"
    rows = ('to;template;language;body.1;_note\r\n'
            '"+1 650-555-1234";Hello_World;en-US;;"a;b"\r\n'
            '+447911123456;body_only_notice;en_US;"INV-7\r\nDue May 3";x\r\n'
            '  +44 7911 123457 ;body_only_notice;en_US;fine;"quoted ""note"""\r\n')
    path.write_bytes(rows.encode())
    report = fix_file(path, unsafe=True)
    assert path.read_bytes().decode() == (
        'to;template;language;body.1;_note\r\n'
        '"+16505551234";hello_world;en_US;;"a;b"\r\n'
        '+447911123456;body_only_notice;en_US;"INV-7 Due May 3";x\r\n'
        '+447911123457;body_only_notice;en_US;fine;"quoted ""note"""\r\n')
    assert sorted(f.rule for f in report.fixed_findings) == ["WA208", "WA216", "WA217",
                                                             "WA302", "WA302"]
    again = fix_file(path, unsafe=True)
    assert again.summary.fixed == 0


def test_csv_named_body_column_and_bom(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"\xef\xbb\xbfTo,Template,Language,Body.first_name,body.date,body.time\n"
                     b"+447911123456,appointment_reminder,en_US,\"Ana\nMaria\",May 3,9am\n")
    fix_file(path, unsafe=True)
    assert path.read_bytes() == (b"\xef\xbb\xbfTo,Template,Language,Body.first_name,body.date,"
                                 b"body.time\n+447911123456,appointment_reminder,en_US,"
                                 b"\"Ana Maria\",May 3,9am\n")


def test_per_file_ignores_keep_their_rules_from_fixing(tmp_path):
    legacy, fresh = tmp_path / "legacy.jsonl", tmp_path / "new.jsonl"
    for path in (legacy, fresh):
        path.write_bytes(line(text("+1 650-555-1234")) + b"\n")
    report = validator(per_file_ignores={"legacy.jsonl": ["WA302"]}).check_files(
        [str(legacy), str(fresh)], fix=True)
    for rewrite in report.rewrites:
        rewrite.write()
    assert legacy.read_bytes() == line(text("+1 650-555-1234")) + b"\n"
    assert fresh.read_bytes() == line(text("+16505551234")) + b"\n"
    assert [r.name for r in report.rewrites] == [str(fresh)]
