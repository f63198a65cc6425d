"""``Validator.validate`` reads template payloads through skeletons, as a JSONL file's lines.

Each dict is read as the JSON line it is sent as (``validator.loader.sent_payloads``): the
payloads of a batch, and of one call after another (a sender validating inline), are checked
as the lines of a campaign file are. The reports must be exactly those of a run without
skeletons — over every rule's cases and Meta's corpus, batched and one call at a time, from
several threads at once — and the caller's objects must never change. A payload the JSON
round trip would change is checked as given.
"""

from __future__ import annotations

import copy
import datetime
import enum
import functools
import json
import sys
import threading
from collections import OrderedDict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.engine import _Run
from validator.linter import Validator
from validator.settings import Settings

from .test_skeleton import (
    _GROUPS,
    _HEX_GROUPS,
    CASE_REGISTRY,
    TEXTS,
    _case_payloads,
    _rotate,
    _variants,
)

HERE = Path(__file__).parent
META_REGISTRY = HERE / "data" / "meta-examples-registry.yaml"
ROOT_REGISTRY = HERE.parent / "templates_registry.yaml"

#: The first message of the example campaign: valid against the shipped registry.
TEMPLATE = json.loads((HERE.parent / "examples" / "campaign.jsonl").read_text(encoding="utf-8")
                      .splitlines()[0])
BODY = ("template", "components", 1, "parameters")


def _at(node, *path):
    for step in path:
        node = node[step]
    return node


def _validator(registry: Path, use_skeletons: bool) -> Validator:
    validator = Validator(str(registry), plugins=False, settings=Settings.build(offline=True, jobs=1))
    validator.skeletons = use_skeletons
    return validator


def _dumped(report) -> str:
    return json.dumps({"summary": report.summary.model_dump(),
                       "findings": [f.model_dump() for f in report.findings]}, indent=1)


def _meta_payloads() -> list:
    lines = (HERE / "data" / "meta-examples.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return [record.get("payload", record) for record in records]


@pytest.fixture
def through(monkeypatch) -> list:
    """The payloads the runs read through known skeletons: the skeletons' lines, as
    ``(skeleton, line, index, None)``."""
    hits: list = []
    for name in ("through_skeletons", "first_sight"):
        original = getattr(_Run, name)

        def counted(self, file, lines, original=original):
            hits.extend(lines)
            return original(self, file, lines)

        monkeypatch.setattr(_Run, name, counted)
    return hits


@pytest.mark.parametrize(("payloads", "registry", "least"), [
    pytest.param(_case_payloads, CASE_REGISTRY, 300, id="rule-cases"),
    pytest.param(_meta_payloads, META_REGISTRY, 20, id="meta-corpus"),
])
def test_a_batch_reports_the_same_through_skeletons(payloads, registry, least, through):
    batch = [variant for payload in payloads() for variant in _variants(payload)]
    given = copy.deepcopy(batch)
    fast = _dumped(_validator(registry, True).validate(batch))
    assert len(through) >= least  # the skeletons were really used
    assert fast == _dumped(_validator(registry, False).validate(batch))
    assert batch == given  # the caller's objects are untouched


def test_one_call_at_a_time_reports_what_a_run_without_skeletons_reports(through):
    payloads = [variant for payload in _case_payloads() for variant in _variants(payload)]
    given = copy.deepcopy(payloads)
    fast, reference = _validator(CASE_REGISTRY, True), _validator(CASE_REGISTRY, False)
    for payload in payloads:
        assert _dumped(fast.validate([payload])) == _dumped(reference.validate([payload])), payload
    # Calls share the skeletons: a payload written like an earlier one is not decoded again.
    assert len(through) > 300
    assert payloads == given


@functools.cache
def _lasting(use_skeletons: bool) -> Validator:
    """One validator for all the examples below, as a sender keeps one."""
    return _validator(ROOT_REGISTRY, use_skeletons)


@settings(max_examples=80, deadline=None)
@given(name=TEXTS, order=TEXTS, date=TEXTS, suffix=TEXTS, steps=st.integers(1, 25),
       to=st.sampled_from(["+447911123456", "+447911654321", "+4915123456789", "+44 7911 123456"]))
def test_generated_texts_report_the_same_call_after_call(name, order, date, suffix, steps, to):
    def payload(rotation: int, to: str = to, groups=_HEX_GROUPS) -> dict:
        name_, order_, date_, suffix_ = (_rotate(value, rotation, groups)
                                         for value in (name, order, date, suffix))
        message = copy.deepcopy(TEMPLATE)
        message["to"] = to
        for parameter, text in zip(_at(message, *BODY), (name_, order_, date_)):
            parameter["text"] = text
        _at(message, "template", "components", 2, "parameters")[0]["text"] = suffix_
        return message

    payloads = [payload(0), payload(steps), payload(0, "+4915123456789"), payload(steps * 2),
                payload(steps, groups=_GROUPS)]
    fast, reference = _lasting(True), _lasting(False)
    for one in payloads:
        assert _dumped(fast.validate([one])) == _dumped(reference.validate([one])), one
    assert _dumped(fast.validate(payloads)) == _dumped(reference.validate(payloads))


def test_a_later_call_reads_a_payload_through_the_skeleton_an_earlier_one_taught(through):
    validator = _validator(ROOT_REGISTRY, True)
    assert validator.validate([TEMPLATE]).ok and not through
    again = copy.deepcopy(TEMPLATE)
    again["to"] = "+447400123456"
    _at(again, *BODY)[0]["text"] = "Eva"  # as long as "Ana": the same skeleton
    assert validator.validate([again]).ok
    assert [line[2:] for line in through] == [(0, None)]  # index 0, no line number
    # What varies is still checked for each payload: an invalid number ...
    invalid = dict(again, to="+447911654321")  # no such number
    assert [f.rule for f in validator.validate([invalid]).findings] == ["WA301"]
    # ... and a newline in a parameter (another skeleton: the escape is in its shape).
    broken = copy.deepcopy(again)
    _at(broken, *BODY)[2]["text"] = "May\n3"
    found = validator.validate([broken]).findings
    assert [(f.rule, f.api_error, f.index, f.line) for f in found] == [("WA208", 132018, 0, None)]


def test_a_copy_of_a_validator_learns_skeletons_of_its_own(through):
    validator = _validator(ROOT_REGISTRY, True)
    validator.validate([TEMPLATE])
    copied = copy.deepcopy(validator)
    assert copied.validate([TEMPLATE]).ok and not through  # learnt afresh
    assert validator.validate([TEMPLATE]).ok and len(through) == 1


def test_a_validator_keeps_at_most_its_limit_of_skeletons_and_still_reports_the_same():
    fast, reference = _validator(ROOT_REGISTRY, True), _validator(ROOT_REGISTRY, False)
    fast.memory_skeleton_limit = 3
    payloads = []
    for name in ("Al", "Ana", "Anna", "Maria", "Jonas", "Lucia", "Marianne"):  # other lengths
        payload = copy.deepcopy(TEMPLATE)
        _at(payload, *BODY)[0]["text"] = name
        payloads.append(payload)
    for payload in payloads * 2:
        assert _dumped(fast.validate([payload])) == _dumped(reference.validate([payload]))
    assert fast._memory_skeletons().count == 3


class _Name(str, enum.Enum):
    ORDER_UPDATF = "order_updatf"


class _Text(str):
    pass


@pytest.mark.parametrize("change", [
    pytest.param(lambda p: p["template"].__setitem__("components", tuple(p["template"]["components"])),
                 id="tuple"),
    pytest.param(lambda p: p.__setitem__("biz_opaque_callback_data", float("nan")), id="nan"),
    pytest.param(lambda p: p.__setitem__("biz_opaque_callback_data", 2 ** 70), id="big-integer"),
    pytest.param(lambda p: p.__setitem__("biz_opaque_callback_data", datetime.date(2026, 12, 7)),
                 id="date"),
    pytest.param(lambda p: p.__setitem__(7, "seven"), id="key-not-a-string"),
    pytest.param(lambda p: p.__setitem__("to", _Text(p["to"])), id="str-subclass"),
    pytest.param(lambda p: p["template"].__setitem__("language", OrderedDict(code="en_US")),
                 id="dict-subclass"),
    pytest.param(lambda p: p.__setitem__("biz_opaque_callback_data", "\ud800"), id="lone-surrogate"),
])
def test_a_payload_the_json_round_trip_would_change_is_checked_as_given(change, through):
    payload = copy.deepcopy(TEMPLATE)
    change(payload)
    fast, reference = _validator(ROOT_REGISTRY, True), _validator(ROOT_REGISTRY, False)
    fast.validate([TEMPLATE])  # a skeleton the payload would fit, were it read as a line
    report = fast.validate([payload, payload])
    assert not through
    assert _dumped(report) == _dumped(reference.validate([payload, payload]))


def test_enum_members_are_checked_as_the_values_the_api_receives():
    named = copy.deepcopy(TEMPLATE)
    named["template"]["name"] = _Name.ORDER_UPDATF  # no such template
    plain = copy.deepcopy(TEMPLATE)
    plain["template"]["name"] = "order_updatf"
    for use_skeletons in (True, False):
        validator = _validator(ROOT_REGISTRY, use_skeletons)
        report = validator.validate([named])
        assert _dumped(report) == _dumped(validator.validate([plain]))
        assert "order_updatf" in report.findings[0].message
    assert named["template"]["name"] is _Name.ORDER_UPDATF


def test_threads_validating_at_once_each_get_their_own_reports():
    """Each thread reads through skeletons of its own: a known skeleton's payload is written
    into for each payload checked through it. Two threads validate payloads of one skeleton,
    one to a valid number and one to an invalid one, switching as often as they can."""
    valid = copy.deepcopy(TEMPLATE)
    invalid = dict(valid, to="+447911654321")  # the same skeleton, no such number
    shared = _validator(ROOT_REGISTRY, True)
    verdicts: dict[str, set] = {"valid": set(), "invalid": set()}

    def work(name: str, payload: dict) -> None:
        for _ in range(1500):
            verdicts[name].add(tuple(f.rule for f in shared.validate([payload]).findings))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=("valid", valid)),
                   threading.Thread(target=work, args=("invalid", invalid))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert verdicts == {"valid": {()}, "invalid": {("WA301",)}}
