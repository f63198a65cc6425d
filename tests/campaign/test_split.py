"""Splitting a campaign into passed and failed messages loses nothing.

For any mix of good, bad and undecodable lines, every message read lands in exactly one of
the two files; passed lines are the input bytes; failed records carry their findings.
"""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator import Validator
from validator.split import write_split

from ..conftest import RULE_REGISTRY

VALIDATOR = Validator(RULE_REGISTRY, plugins=False)  # offline by default
NUMBERS = ["+4915123456789", "+49 151 23456789", "+4915123456780", "+447911123456",
           "+44 07911 123456"]

good = st.builds(
    lambda to, body: {"messaging_product": "whatsapp", "to": to, "type": "text",
                      "text": {"body": body}},
    st.sampled_from(NUMBERS), st.sampled_from(["Hi", "Hello", "Your order shipped"]))
bad = st.sampled_from([
    {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "text"},
    {"messaging_product": "sms", "to": "+4915123456780", "text": {"body": "x"}},
    {"to": "+447911123456", "type": "template", "template": {"name": "nope"}},
    ["not", "an", "object"],
])
payload_line = st.one_of(good, bad).map(lambda p: json.dumps(p, ensure_ascii=False))
malformed_line = st.one_of(
    st.sampled_from(['{"to": "+4915123456789",}', "{bad", "NaN", '{"a": 1', "[1, 2"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters="\r\n"),
            min_size=1, max_size=20).filter(lambda t: t.strip() and not _is_json(t)),
)
blank_line = st.sampled_from(["", "   "])
lines = st.lists(st.one_of(payload_line, payload_line, malformed_line, blank_line), max_size=30)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _read_jsonl(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines() if path.exists() else []


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=lines, binary=st.lists(st.binary(min_size=1, max_size=8), max_size=2))
def test_split_accounts_for_every_message(tmp_path, lines, binary):
    campaign = tmp_path / "campaign.jsonl"
    body = b"".join(line.encode("utf-8") + b"\n" for line in lines)
    # Undecodable bytes as whole lines (never a line break inside them).
    body += b"".join(b"\xff" + chunk.replace(b"\n", b"").replace(b"\r", b"") + b"\n"
                     for chunk in binary)
    campaign.write_bytes(body)
    report = VALIDATOR.check_files([str(campaign)])
    passed, failed = tmp_path / "passed.jsonl", tmp_path / "failed.jsonl"
    counts = write_split(report, [str(campaign)], passed=passed, failed=failed,
                         registry=VALIDATOR.registry)

    passed_lines = _read_jsonl(passed)
    failed_records = [orjson.loads(line) for line in _read_jsonl(failed)]
    assert len(passed_lines) + len(failed_records) == report.summary.messages
    assert (counts.passed, counts.failed) == (len(passed_lines), len(failed_records))
    assert counts.passed == report.summary.passed
    # Passed lines are the input lines, byte for byte, in order.
    inputs = [line.strip() for line in body.splitlines() if line.strip()]
    assert all(line in inputs for line in passed_lines)
    # Every index appears once, and every failed record says why.
    failed_indexes = [r["index"] for r in failed_records]
    assert len(set(failed_indexes)) == len(failed_indexes)
    assert sorted(failed_indexes) == sorted(report.failed_indexes(str(campaign)))
    for record in failed_records:
        assert any(f["severity"] == "error" for f in record["findings"])
        assert ("payload" in record) != ("raw" in record or "raw_base64" in record)


def test_split_of_a_json_array_reserialises_passed_elements(tmp_path):
    campaign = tmp_path / "campaign.json"
    campaign.write_text(json.dumps([
        {"messaging_product": "whatsapp", "to": "+4915123456789", "text": {"body": "a"}},
        {"messaging_product": "whatsapp", "to": "+4915123456780"},
    ], indent=2), encoding="utf-8")
    report = VALIDATOR.check_files([str(campaign)])
    passed, failed = tmp_path / "p.jsonl", tmp_path / "f.jsonl"
    write_split(report, [str(campaign)], passed=passed, failed=failed)
    assert [orjson.loads(x) for x in _read_jsonl(passed)] == [
        {"messaging_product": "whatsapp", "to": "+4915123456789", "text": {"body": "a"}}]
    (record,) = [orjson.loads(x) for x in _read_jsonl(failed)]
    assert (record["index"], record["line"]) == (1, 9)
    assert record["payload"] == {"messaging_product": "whatsapp", "to": "+4915123456780"}


def test_campaign_findings_send_the_second_copy_to_failed(tmp_path):
    campaign = tmp_path / "c.jsonl"
    line = '{"messaging_product": "whatsapp", "to": "+4915123456789", "text": {"body": "Hi"}}'
    campaign.write_text(f"{line}\n{line}\n", encoding="utf-8")
    report = VALIDATOR.check_files([str(campaign)])
    passed, failed = tmp_path / "p.jsonl", tmp_path / "f.jsonl"
    write_split(report, [str(campaign)], passed=passed, failed=failed)
    assert passed.read_bytes() == line.encode() + b"\n"
    (record,) = [orjson.loads(x) for x in _read_jsonl(failed)]
    assert record["line"] == 2 and [f["rule"] for f in record["findings"]] == ["WA602"]


def test_undecodable_line_is_kept_as_base64(tmp_path):
    campaign = tmp_path / "c.jsonl"
    campaign.write_bytes(b'{"a": "\xff"}\n')
    report = VALIDATOR.check_files([str(campaign)])
    failed = tmp_path / "f.jsonl"
    write_split(report, [str(campaign)], failed=failed)
    (record,) = [orjson.loads(x) for x in _read_jsonl(failed)]
    assert base64.b64decode(record["raw_base64"]) == b'{"a": "\xff"}'


def test_a_failed_split_leaves_no_partial_file(tmp_path, monkeypatch):
    campaign = tmp_path / "c.jsonl"
    campaign.write_text('{"messaging_product": "whatsapp", "to": "+4915123456789", '
                        '"text": {"body": "Hi"}}\n', encoding="utf-8")
    report = VALIDATOR.check_files([str(campaign)])
    passed = tmp_path / "p.jsonl"
    passed.write_text("old\n", encoding="utf-8")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("validator.split.read_campaign", broken)
    with contextlib.suppress(OSError):
        write_split(report, [str(campaign)], passed=passed)
    assert passed.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


csv_row = st.one_of(
    st.tuples(st.sampled_from(NUMBERS + [""]), st.sampled_from(["Hi", "", "a,b", "two\nlines"]))
    .map(lambda r: f'{r[0]},"{r[1]}"'),
    st.just("+4915123456789,Hi,extra cell"),   # more cells than the header: malformed
    st.just(""),                               # a blank line is not a message
)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(csv_row, max_size=25))
def test_split_of_a_csv_campaign_accounts_for_every_row(tmp_path, rows):
    campaign = tmp_path / "campaign.csv"
    campaign.write_text("to,text\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
    report = VALIDATOR.check_files([str(campaign)])
    passed, failed = tmp_path / "passed.jsonl", tmp_path / "failed.jsonl"
    counts = write_split(report, [str(campaign)], passed=passed, failed=failed,
                         registry=VALIDATOR.registry)
    # A row whose cells are all empty is a blank line in a spreadsheet, not a message.
    assert report.summary.messages == sum(1 for row in rows if row not in ("", ',""'))
    assert counts.passed + counts.failed == report.summary.messages
    assert len(_read_jsonl(passed)) == counts.passed
    assert len(_read_jsonl(failed)) == counts.failed
    for line in _read_jsonl(passed):
        assert orjson.loads(line)["type"] == "text"
