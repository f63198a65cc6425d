"""Skeletons (``validator.skeleton``) never change a report.

A line read through a known skeleton skips the cacheable rules and is not decoded; the run
must nevertheless report, line for line, what a run without skeletons reports. The lines
compared are every payload of every rule's cases and of Meta's corpus, each followed by
lines with the same skeleton but other letters and digits in its texts (each class of
character rotated within itself: digits among digits, lowercase letters among lowercase
letters — ``a``-``f`` among ``a``-``f`` in a line with a ``%`` …) and other recipients, so
that a skeleton learnt from one line is used for lines that differ from it. Hypothesis adds
template lines with arbitrary texts (whitespace runs, ``%`` escapes, non-ASCII, URLs,
placeholders) and their rotations.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from validator.engine import _Run
from validator.linter import Validator
from validator.loader import DEFAULT_MAX_MESSAGE_BYTES, _classes_of, _JsonlReader
from validator.settings import Settings
from validator.skeleton import (
    _SAFE_LEADS,
    Known,
    KnownLine,
    KnownLines,
    Pending,
    Skeletons,
    classes,
    shape,
)

from .rules.test_rule_cases import CASES, CaseLoader

HERE = Path(__file__).parent
ROOT = HERE.parent
CASE_REGISTRY = HERE / "rules" / "registry.yaml"


_HEX_GROUPS = (string.digits, "abcdef", "ghijklmnopqrstuvwxyz", "ABCDEF", "GHIJKLMNOPQRSTUVWXYZ")
_GROUPS = (string.digits, string.ascii_lowercase, string.ascii_uppercase,
           "àáâãäåæçèéêëìíîïñòóôõöøùúûüýþÿ", "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝÞ")


def _rotate(text: str, steps: int, groups=_HEX_GROUPS) -> str:
    """The same classes of characters (see validator.skeleton), other characters."""
    table = {}
    for group in groups:
        for position, char in enumerate(group):
            table[ord(char)] = group[(position + steps) % len(group)]
    return text.translate(table)


def _with_texts(node, steps: int, groups=_HEX_GROUPS):
    if isinstance(node, dict):
        return {key: _rotate(value, steps, groups) if key == "text" and isinstance(value, str)
                else _with_texts(value, steps, groups) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_texts(item, steps, groups) for item in node]
    return node


def _variants(payload) -> list:
    """The payload, rotations of its texts (across all letters when it has no ``%``), the
    payload to a recipient whose number is written alike (its digits rotated: valid or
    not) and to another recipient."""
    out = [payload, _with_texts(payload, 1), _with_texts(payload, 7)]
    if "%" not in json.dumps(payload):
        out.append(_with_texts(payload, 11, _GROUPS))
    if isinstance(payload, dict) and isinstance(payload.get("to"), str):
        out.append(dict(_with_texts(payload, 3), to=_rotate(payload["to"], 3)))
        out.append(dict(payload, to="+4915123456789"))
    return out


def _report(path: Path, registry: Path, use_skeletons: bool) -> str:
    validator = Validator(str(registry), plugins=False, settings=Settings.build(offline=True, jobs=1))
    validator.skeletons = use_skeletons
    report = validator.check_files([str(path)])
    return json.dumps({"summary": report.summary.model_dump(),
                       "findings": [f.model_dump() for f in report.findings]}, indent=1)


def _compare(lines: list[str], tmp_path: Path, registry: Path, monkeypatch) -> int:
    """Assert both runs report the same; return how many lines went through a skeleton."""
    path = tmp_path / "campaign.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hits = []
    through = _Run.through_skeletons

    def counted(self, file, lines):
        hits.extend(lines)
        return through(self, file, lines)

    with monkeypatch.context() as patch:
        patch.setattr(_Run, "through_skeletons", counted)
        through_skeletons = _report(path, registry, True)
    assert through_skeletons == _report(path, registry, False)
    return len(hits)


def _case_payloads() -> list:
    payloads = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.load(path.read_text(encoding="utf-8"), Loader=CaseLoader)["cases"]:
            payloads += case.get("payloads") or ([case["payload"]] if "payload" in case else [])
    return payloads


def test_every_rule_case_reports_the_same_through_skeletons(tmp_path, monkeypatch):
    lines = [json.dumps(variant, ensure_ascii=False)
             for payload in _case_payloads() for variant in _variants(payload)]
    lines.sort(key=lambda line: not line.startswith("{"))  # JSONL: the first line an object
    assert len(lines) > 1000
    assert _compare(lines, tmp_path, CASE_REGISTRY, monkeypatch) > 300


def test_meta_corpus_reports_the_same_through_skeletons(tmp_path, monkeypatch):
    corpus = HERE / "data" / "meta-examples.jsonl"
    payloads = [json.loads(line)["payload"] if "payload" in json.loads(line) else json.loads(line)
                for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [json.dumps(variant) for payload in payloads for variant in _variants(payload)]
    assert _compare(lines, tmp_path, HERE / "data" / "meta-examples-registry.yaml", monkeypatch) > 20


def _read(book: Skeletons, line: str):
    data = line.encode()
    return book.read(data, shape(data))


def test_the_skeleton_is_really_used():
    line = json.dumps({"messaging_product": "whatsapp", "to": "+447911123456", "type": "template",
                       "template": {"name": "spring_sale", "language": {"code": "en_US"},
                                    "components": [{"type": "body", "parameters": [
                                        {"type": "text", "text": "20% off"}]}]}})
    book = Skeletons()
    first = _read(book, line)
    assert isinstance(first, Pending)
    book.learn(first, line.encode(), orjson.loads(line))
    other = line.replace("+447911123456", "+4915123456789").replace("20% off", "35% odd")
    assert isinstance(_read(book, other), Pending)  # another length of "to": another shape
    other = line.replace("+447911123456", "+447911654321").replace("20% off", "35% odd")
    known = _read(book, other)
    assert isinstance(known, Known)
    message = KnownLine(known, other.encode(), 7, 8).message("campaign.jsonl")
    assert (message.index, message.line, message.skeleton) == (7, 8, known)
    assert message.payload["to"] == "+447911654321"  # written in for the message
    known.fill(other.encode())
    assert message.payload == orjson.loads(other)  # the texts written in on demand
    assert _read(book, line.replace("20% off", "20%  off")) is not known  # other spacing
    assert _read(book, line.replace("spring_sale", "spring_salf")) is not known  # same shape


def test_a_shape_holds_several_skeletons_alike_but_for_their_letters():
    book = Skeletons(per_shape=2)
    lines = [json.dumps({"to": "+447911123456", "type": "template", "template": {
        "name": f"promo_{number}", "language": {"code": "en_US"}}}) for number in (1, 2, 3)]
    for line in lines:
        book.learn(_read(book, line), line.encode(), orjson.loads(line))
    assert [type(_read(book, line)) for line in lines] == [Known, Known, Pending]


_CHARACTERS = st.text(alphabet=st.sampled_from(list("aZ9 %\t{}fgé€😀😁\u00a0\u00a1\u200bجก")), max_size=8)


@settings(max_examples=300, deadline=None)
@given(first=_CHARACTERS, second=_CHARACTERS)
@example(first="€", second="\u200b")  # the same classes (E2 80 80)
@example(first="%f", second="%g")  # the same classes, one a hexadecimal digit
def test_a_line_is_read_through_a_skeleton_of_its_own_shape_only(first, second):
    """Lines are looked up by their classes (one translation of a block); a line with a "%"
    or another non-ASCII character has a shape of its own, which its classes never find
    another's skeleton by, and by which its own skeleton is found."""
    def line(text: str) -> bytes:
        return json.dumps({"to": "+447911123456", "type": "template", "template": {
            "name": "t", "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}]}},
            ensure_ascii=False).encode()

    book = Skeletons()
    learnt, other = line(first), line(second)
    known = book.learn(book.read(learnt, classes(learnt)), learnt, orjson.loads(learnt))
    assert known is not None
    assert book.read(learnt, classes(learnt)) is known
    if book.read(other, classes(other)) is known:
        assert shape(other) == shape(learnt)
    own = any(char == "%" or ord(char) > 0x7F and char.encode()[0] not in _SAFE_LEADS for char in second)
    assert isinstance(shape(other), tuple) == own
    if not own:
        assert shape(other) == classes(other)


TEXTS = st.lists(st.sampled_from(list("aZ9 f%2F0g\t\n{}/:.-_é€😀\"\\") + ["http://", "{{1}}", "     "]),
                 max_size=12).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=TEXTS, order=TEXTS, date=TEXTS, suffix=TEXTS, steps=st.integers(1, 25))
def test_generated_texts_report_the_same_through_skeletons(tmp_path, monkeypatch, name, order, date,
                                                          suffix, steps):
    def line(rotation: int, to: str = "+447911123456", groups=_HEX_GROUPS) -> str:
        texts = [_rotate(value, rotation, groups) for value in (name, order, date, suffix)]
        return json.dumps({"messaging_product": "whatsapp", "to": to, "type": "template", "template": {
            "name": "order_update", "language": {"code": "en_US"}, "components": [
                {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/a.jpg"}}]},
                {"type": "body", "parameters": [{"type": "text", "text": t} for t in texts[:3]]},
                {"type": "button", "sub_type": "url", "index": "0",
                 "parameters": [{"type": "text", "text": texts[3]}]}]}}, ensure_ascii=False)
    lines = [line(0), line(steps), line(0, "+4915123456789"), line(steps * 2),
             line(steps, groups=_GROUPS)]
    _compare(lines, tmp_path, ROOT / "templates_registry.yaml", monkeypatch)


def test_characters_of_a_safe_lead_byte_are_all_printable_and_not_whitespace():
    """What lets a shape make them one class (validator.skeleton._SAFE_LEADS), checked
    against this Python's Unicode data."""
    for lead in _SAFE_LEADS:
        if lead < 0xE0:
            first, last = (lead & 0x1F) << 6, ((lead & 0x1F) << 6) | 0x3F
        else:
            first, last = (lead & 0x0F) << 12, ((lead & 0x0F) << 12) | 0xFFF
        assert first >= 0x80 and not first <= 0xD800 <= last  # no overlong form, no surrogate
        for code in range(first, last + 1):
            char = chr(code)
            assert char.encode()[0] == lead
            assert char.isprintable() and not char.isspace(), hex(code)


def test_non_ascii_letters_are_classes_other_characters_are_kept():
    def line(name: str) -> bytes:
        return json.dumps({"to": "+447911123456", "type": "template", "template": {
            "name": "t", "components": [{"type": "body", "parameters": [{"type": "text", "text": name}]}]}},
            ensure_ascii=False).encode()

    assert shape(line("José")) == shape(line("Joañ")) == shape(line("Zoeü"))
    assert shape(line("Jos\u00e9")) != shape(line("Jos\u00a0"))  # a non-breaking space is whitespace
    assert shape(line("Jos\u00e9 \u20ac")) != shape(line("Jos\u00f1 \u20ac"))  # beside €, kept exactly
    assert shape(line("Влад")) == shape(line("Иван"))
    assert shape(line("王伟")) == shape(line("玉佳"))  # lead bytes are kept: E7 E4 both
    assert shape(line("王伟")) != shape(line("李娜"))  # E6 E5


def test_letters_are_one_class_unless_a_percent_makes_hexadecimal_ones_matter():
    def line(name: str, suffix: str = "A-1") -> bytes:
        return json.dumps({"to": "+447911123456", "type": "template", "template": {
            "name": "t", "components": [{"type": "body", "parameters": [{"type": "text", "text": name}]},
                                        {"type": "button", "parameters": [{"type": "text", "text": suffix}]}]}}).encode()

    assert shape(line("Maria")) == shape(line("Mario")) != shape(line("maria"))
    assert shape(line("Maria", "%2F")) != shape(line("Maria", "%2G"))  # a valid, an invalid escape
    assert shape(line("Maria", "%2F")) == shape(line("Mbrib", "%3A"))


@pytest.mark.parametrize("line", [
    b'{"to": "+1", "to": "+2", "type": "template", "template": {"name": "a"}}',
    b'{"type": "template", "template": {"name": "a"}, "x": {"to": "+1"}}',
    b'{"to": "\\u002b1", "type": "template", "template": {"name": "a"}}',
])
def test_lines_without_a_single_plain_recipient_teach_no_skeleton(line):
    book = Skeletons()
    pending = book.read(line, shape(line))
    assert isinstance(pending, Pending)
    assert book.learn(pending, line, orjson.loads(line)) is None
    assert book.known == {}  # no empty list of skeletons left for the reader to look into


def test_a_line_whose_skeleton_could_not_be_learnt_is_checked_again(tmp_path):
    line = ('{"messaging_product": "whatsapp", "to": "\\u002b4915123456789", "type": "template", '
            '"template": {"name": "order_update", "language": {"code": "en_US"}}}')
    path = tmp_path / "c.jsonl"
    path.write_text(f"{line}\n{line}\n")
    report = _report(path, CASE_REGISTRY, use_skeletons=True)
    assert report == _report(path, CASE_REGISTRY, use_skeletons=False)
    assert json.loads(report)["summary"]["messages"] == 2


def test_texts_with_escapes_are_read_through_a_skeleton_whose_escapes_stay():
    line = b'{"to": "+1", "type": "template", "template": {"a\\"text": "caf\xc3\xa9", "text": "caf\\u00e9\\n"}}'
    book = Skeletons()
    known = book.learn(book.read(line, shape(line)), line, orjson.loads(line))
    assert known is not None and known.escaped == [True]
    other = line.replace(b"caf\\u00e9", b"tip\\u00e9")
    assert book.read(other, shape(other)) is known
    known.fill(other)
    assert known.payload["template"] == {'a"text': "café", "text": "tipé\n"}  # the key a"text: no text
    assert known.values([0])(other) == ("tipé\n".encode(),)
    changed = line.replace(b"\\u00e9", b"\\u00a0")  # the same shape, another character: kept exact
    assert isinstance(book.read(changed, shape(changed)), Pending)


def test_lines_that_are_not_templates_have_no_skeleton():
    line = b'{"messaging_product": "whatsapp", "type": "text", "text": {"body": "hi"}}'
    assert Skeletons().read(line, shape(line)) is None


def test_a_broken_cache_by_only_makes_its_rule_run(tmp_path):
    """A plugin's template rule cached by the recipient, whose cache_by breaks on some
    numbers: the rule then simply runs, and reports what it reports without skeletons."""
    from validator.engine import Engine
    from validator.loader import read_campaign
    from validator.registry import load_registry
    from validator.rule import Problem, Rule

    def flaky(payload, ctx):
        def value(to):
            if to.endswith("7"):
                raise RuntimeError("cannot say")
            return to[-1]
        return value

    class Fussy(Rule):
        """Flags recipients ending in 3 (an example)."""

        code = "XMP301"
        name = "fussy"
        message_types = frozenset({"template"})
        cache_by = flaky

        def check(self, payload, ctx):
            if payload.get("to", "").endswith("3"):
                yield Problem("to", "ends in 3")

    lines = [json.dumps({"messaging_product": "whatsapp", "to": f"+4479111234{n:02d}", "type": "template",
                         "template": {"name": "hello_world", "language": {"code": "en_US"}}})
             for n in range(40)]
    path = tmp_path / "campaign.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    registry = load_registry(ROOT / "templates_registry.yaml")

    def findings(skeletons):
        engine = Engine([Fussy()], registry)
        report = engine.run([(str(path), read_campaign(str(path), skeletons=skeletons))])
        return [(f.index, f.message) for f in report.findings]

    expected = [(n, "ends in 3") for n in range(40) if n % 10 == 3]
    assert findings(None) == expected
    assert findings(Skeletons()) == expected


def test_problems_that_are_the_skeletons_are_recorded_without_running_the_rule(tmp_path, monkeypatch):
    """A template missing from the registry (WA201, whose problems name only the template):
    the rule runs for the first line of a skeleton, and its problem is recorded for each
    later line read through it — the report is still the one without skeletons."""
    from rules.template import TemplateUnknown

    assert TemplateUnknown.skeleton_problems and TemplateUnknown.cacheable
    lines = [json.dumps({"messaging_product": "whatsapp", "to": f"+4479111234{n:02d}", "type": "template",
                         "template": {"name": "order_updte", "language": {"code": "en_US"}}})
             for n in range(40)]
    runs = []
    check = TemplateUnknown.check

    def counted(self, payload, ctx):
        runs.append(payload["to"])
        return check(self, payload, ctx)

    monkeypatch.setattr(TemplateUnknown, "check", counted)
    _compare(lines, tmp_path, ROOT / "templates_registry.yaml", monkeypatch)
    runs.clear()
    report = json.loads(_report(tmp_path / "campaign.jsonl", ROOT / "templates_registry.yaml", True))
    assert [f["rule"] for f in report["findings"]].count("WA201") == 40
    # The line that teaches the skeleton, and the first read through it (which works out how
    # the others are checked); not the 38 others.
    assert runs == ["+447911123400", "+447911123401"]


def test_a_block_is_read_as_its_lines_are_one_by_one():
    """``Skeletons.first_fits`` lets the reader take runs of lines whole: what it yields for a
    block is what reading the same lines one by one yields, whatever stands between the runs,
    with CRLF line endings too."""
    line = (b'{"messaging_product": "whatsapp", "to": "+4915123456789", "type": "template", '
            b'"template": {"name": "order_update", "language": {"code": "en_US"}, "components": '
            b'[{"type": "body", "parameters": [{"type": "text", "text": "Maria"}]}]}}')
    other_name = line.replace(b"order_update", b"order_aqdate")  # same classes, another skeleton
    book = Skeletons()
    for taught in (line, other_name):  # looked up by their classes and "\n", as the reader does
        assert book.learn(book.read(taught, _classes_of(taught)), taught, orjson.loads(taught)) is not None
    lines = [line, line.replace(b"Maria", b"Mario"), other_name, b"", b"  " + line + b"\r", 5_000_000,
             line.replace(b"order", b"ordex"), b'{"type": "text", "text": {"body": "hi"}}',
             line.replace(b"+4915123456789", b"+4915123456780"), line.replace(b"Maria", b"Ma\\u00e9a")]

    def read(how: str, lines: list[bytes | int]) -> list[tuple]:
        line_classes = [_classes_of(raw) if isinstance(raw, bytes) else b"0" * 64 for raw in lines]
        reader = _JsonlReader("c.jsonl", DEFAULT_MAX_MESSAGE_BYTES, book)
        items = list(getattr(reader, how)(lines, line_classes)) + [reader.through]
        out = []
        for item in items:
            if isinstance(item, KnownLines):
                # (a line read in a run keeps its "\n", one read alone is stripped)
                out += [("through", known, raw.rstrip(b"\n"), index, number)
                        for known, raw, index, number in item]
            else:
                out.append(("message", item.index, item.line, item.raw, item.problem, type(item.skeleton)))
        return out + [(reader.index, reader.lineno)]

    block = read("shaped", lines)
    assert block == read("lines", lines)
    assert [entry[0] for entry in block[:3]] == ["through"] * 3  # a run, then another skeleton
    assert block[3] == ("through", book.first[_classes_of(line)], line, 3, 5)  # whitespace around it
    assert block[-1] == (9, 10)  # nine messages (one line is blank), ten lines
    for end in (b"\n", b"\r\n", b"\r"):  # as blocks hold them; CRLF blocks have no runaway
        ended = [raw + end if isinstance(raw, bytes) else raw
                 for raw in lines if isinstance(raw, bytes) or end == b"\n"]
        assert read("shaped", ended) == read("lines", ended)
        assert read("shaped", ended)[:3] == block[:3]
