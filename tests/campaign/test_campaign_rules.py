"""Campaign rules beyond what one YAML case says: real tiers, several files, reuse, memory."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rules.campaign
from rules.campaign import Ledger, _LineRecord, _Sightings
from validator import Validator
from validator.loader import read_campaign
from validator.message import Message
from validator.rule import MessageRef
from validator.settings import Settings
from validator.skeleton import KnownLines, Skeletons

from ..conftest import RULE_REGISTRY, write_jsonl


def _template(n: int) -> dict:
    return {"messaging_product": "whatsapp", "to": f"+4915123{n:06d}", "type": "template",
            "template": {"name": "hello_world", "language": {"code": "en_US"}}}


def _limit_findings(count: int, limit: str = "250"):
    validator = Validator(RULE_REGISTRY, plugins=False,
                          settings=Settings.build(offline=True, messaging_limit=limit,
                                                  select=["WA604", "WA605"]))
    report = validator.validate([_template(n) for n in range(count)])
    return [(f.rule, f.index) for f in report.findings]


@pytest.mark.parametrize(("count", "expected"), [
    (199, []),                      # 79.6 % of 250
    (200, [("WA604", 199)]),        # exactly 80 %: the 200th recipient
    (250, [("WA604", 199)]),        # exactly the limit: still a warning
    (251, [("WA605", 250)]),        # one more: the 251st recipient, an error
])
def test_the_250_tier_boundaries(count, expected):
    assert _limit_findings(count) == expected


def test_the_2k_tier_by_name():
    assert _limit_findings(1600, "2K") == [("WA604", 1599)]


def test_duplicates_across_files_name_the_other_file(tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", [{"messaging_product": "whatsapp",
                                                "to": "+4915123456789", "text": {"body": "a"}}])
    second = write_jsonl(tmp_path / "b.jsonl", [{"messaging_product": "whatsapp",
                                                 "to": "+49 151 23456789", "text": {"body": "b"}}])
    report = Validator(RULE_REGISTRY, plugins=False).check_files([str(first), str(second)])
    (finding,) = [f for f in report.findings if f.rule == "WA601"]
    assert finding.file == str(second) and finding.line == 1
    assert f"at {first}:1" in finding.message


def test_a_validator_reused_for_several_batches_starts_each_afresh():
    validator = Validator(RULE_REGISTRY, plugins=False)
    batch = [{"messaging_product": "whatsapp", "to": "+4915123456789", "text": {"body": "a"}}]
    for _ in range(3):
        report = validator.validate(batch)
        assert [f.rule for f in report.findings if f.rule.startswith("WA6")] == []


def test_the_ledger_keeps_integers_not_payloads():
    ledger = Ledger()
    payload = {"messaging_product": "whatsapp", "to": "+4915123456789", "text": {"body": "x" * 1000}}
    def see(message: Message):
        return ledger.see(message.ref, ledger.record(message), None)

    for index in range(3):
        see(Message("c.jsonl", index, index + 1, dict(payload)))
    assert list(ledger.entries) == [4915123456789]
    assert all(isinstance(v, int) for v in [*ledger.entries.values(), *ledger.copies.values()])
    assert all(isinstance(k, int) for k in ledger.copies)
    seen = see(Message("c.jsonl", 3, 9, dict(payload, text={"body": "y"})))
    assert (seen.count, ledger.ref(seen.first).line, seen.copy_of) == (4, 1, None)
    # One entry a recipient, of five 30-bit digits (48 bytes): a campaign of a million
    # recipients holds no more than that per recipient, the count only for repeats.
    assert all(value.bit_length() <= 150 for value in ledger.entries.values())
    assert ledger.counts == {4915123456789: 4}


def _order_update(to: str, name: str, language: str = "en_US") -> dict:
    return {"messaging_product": "whatsapp", "to": to, "type": "template", "template": {
        "name": "order_update", "language": {"code": language}, "components": [
            {"type": "header", "parameters": [
                {"type": "image", "image": {"link": "https://shop.example.com/a.jpg"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": name},
                                            {"type": "text", "text": "A-1"},
                                            {"type": "text", "text": "May 3"}]},
            {"type": "button", "sub_type": "url", "index": "0",
             "parameters": [{"type": "text", "text": "A-1"}]}]}}


@pytest.mark.parametrize("named", [True, False])
def test_a_worker_takes_lines_into_the_ledger_as_their_records_would_go(tmp_path, monkeypatch, named):
    """A worker's ``_Sightings`` makes the entry of a line read through a skeleton from the
    line itself (``add_line``): the chunk's part is what ``add`` makes of the line's record —
    first sightings, repeats with the same and with other content, an invalid number (no
    record), and descriptions past the numbered ones (``named=False``: sent by recipient)."""
    if not named:  # no description gets a number
        for name, value in (("_WHATS", []), ("_WHAT_IDS", {}), ("_WHAT_LIMIT", 0)):
            monkeypatch.setattr(rules.campaign, name, value)
    payloads = []
    for n in range(40):
        to = f"+49151{23450000 + n % 31:08d}"  # recipients 0-8 get a second message, another
        payloads.append(_order_update(to, ["Mia", "Noa", "Lea"][n % 3], ["en_US", "es"][n % 2]))
    payloads += payloads[10:13]  # and 10-12 the same one again
    payloads.append(_order_update("+49151234", "Mia"))  # too short: no record
    campaign = write_jsonl(tmp_path / "c.jsonl", payloads)
    validator = Validator(RULE_REGISTRY, plugins=False, settings=Settings.build(offline=True, jobs=1))
    book = Skeletons()
    for _ in range(2):  # learnt, and how their lines are checked worked out
        validator.engine.run([("c.jsonl", read_campaign(str(campaign), skeletons=book))])
    lines = [line for block in read_campaign(str(campaign), skeletons=book)
             if type(block) is KnownLines for line in block]
    assert len(lines) == len(payloads)  # every line read through a skeleton

    by_line, by_record = _Sightings(3), _Sightings(3)
    for known, raw, index, number in lines:
        (extract,) = [extract for _, extract in known.quick if type(extract) is _LineRecord]
        to = raw[known.to].decode()
        by_line.add_line(extract, "c.jsonl", raw, to, index, number)
        record = extract(raw, to)
        if record is not None:
            by_record.add(("c.jsonl", index, number), record)
    part = by_line.result()
    assert part == by_record.result()
    assert (len(part.firsts), len(part.repeats)) == (31 - 12, 12)
    assert sorted(map(len, part.repeats.values())) == [2] * 12
    assert len(part.unnamed) == (0 if named else 31 - 12)


def test_the_ledger_refuses_what_it_cannot_hold():
    ledger = Ledger()
    assert ledger.ref(ledger._pack(MessageRef("c.jsonl", 2**32 - 1, 2**32 - 2))) == (
        "c.jsonl", 2**32 - 1, 2**32 - 2)
    with pytest.raises(OverflowError, match="c.jsonl"):
        ledger._pack(MessageRef("c.jsonl", 2**32, 1))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["+4915123456789", "+49 151 23456789", "template", "text", "group"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["to", "type", "template", "text", "recipient_type",
                                       "name", "language", "code", "body", "x"]),
                      children, max_size=4),
    max_leaves=12)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payloads=st.lists(json_values, max_size=8))
def test_campaign_rules_never_crash_on_odd_payloads(tmp_path_factory, payloads):
    folder = tmp_path_factory.mktemp("audience")
    (folder / "optouts.txt").write_text("+4915123456789\n", encoding="utf-8")
    (folder / "contacts.csv").write_text("phone,last_inbound_at\n+4915123456789,"
                                         "2025-05-01T09:00:00Z\n", encoding="utf-8")
    validator = Validator(RULE_REGISTRY, plugins=False, settings=Settings.build(
        offline=True, select=["WA6"], messaging_limit=1, options={"WA605": {"report_all": True}},
        suppression_list=str(folder / "optouts.txt"), contacts=str(folder / "contacts.csv"),
        send_at="2025-05-02T09:00:00Z", sender_number="+4915123456780",
        test_sender_allow_list=["+4915123456781"]))
    report = validator.validate(payloads)
    assert not [f for f in report.findings if "internal error" in f.message]
