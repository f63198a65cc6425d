"""Fuzzing the whole pipeline: near-valid payloads and arbitrary bytes.

Near-valid payloads are Meta's own examples with one mutation (a key deleted, a value
replaced by arbitrary JSON, a key inserted). Properties: no exception escapes, no rule
crashes (a crash would surface as an "internal error" finding), and the accounting holds —
every message counted once, passed + failed = messages.

CI runs the ``ci`` profile (a few hundred examples, about a minute); a nightly job runs
``WALINT_FUZZ_PROFILE=nightly pytest tests/hostile/test_fuzz.py`` for a long search.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator import Severity, Validator

from ..conftest import TESTS

settings.register_profile("ci", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=20_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("WALINT_FUZZ_PROFILE", "ci"))

CORPUS = [json.loads(line)["payload"]
          for line in (TESTS / "data" / "meta-examples.jsonl").read_text().splitlines()]
VALIDATOR = Validator(TESTS / "data" / "meta-examples-registry.yaml", plugins=False)

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)


def _places(node, places):
    """Every (container, key) in a payload, so a mutation can hit any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            places.append((node, key))
            _places(value, places)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            places.append((node, index))
            _places(value, places)
    return places


@st.composite
def near_valid(draw):
    payload = copy.deepcopy(draw(st.sampled_from(CORPUS)))
    places = _places(payload, [])
    container, key = draw(st.sampled_from(places))
    action = draw(st.sampled_from(["delete", "replace", "insert"]))
    if action == "delete":
        del container[key]
    elif action == "replace":
        container[key] = draw(json_values)
    elif isinstance(container, dict):
        container[draw(st.text(max_size=12))] = draw(json_values)
    else:
        container.insert(key, draw(json_values))
    return payload


def _no_crash(report):
    crashes = [f for f in report.findings if f.message.startswith("internal error in")]
    assert not crashes, crashes[0]


def _accounting_holds(report, expected_messages):
    s = report.summary
    assert s.messages == expected_messages
    assert s.passed + s.failed == s.messages
    failing = {(f.file, f.index) for f in report.findings if f.severity is Severity.ERROR}
    assert s.failed == len(failing)


@given(st.lists(near_valid(), min_size=1, max_size=8))
def test_near_valid_payloads_in_memory(payloads):
    report = VALIDATOR.validate(payloads)
    _no_crash(report)
    _accounting_holds(report, len(payloads))


line_kinds = st.one_of(
    near_valid().map(lambda p: json.dumps(p).encode()),
    st.sampled_from(CORPUS).map(lambda p: json.dumps(p).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")),
    st.just(b""),
)


@given(st.sampled_from(CORPUS), st.lists(line_kinds, max_size=12))
def test_mixed_campaign_files_count_every_line(first, lines):
    # The first line is a payload, so the file is JSONL and every non-blank line is a
    # message: good, mutated, garbage or not an object, each is counted exactly once.
    lines = [json.dumps(first).encode(), *lines]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "campaign.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        report = VALIDATOR.check_files([str(path)])
    _no_crash(report)
    _accounting_holds(report, sum(1 for line in lines if line.strip()))


@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "campaign.json"
        path.write_bytes(data)
        report = VALIDATOR.check_files([str(path)])
    _no_crash(report)
    assert report.summary.passed + report.summary.failed == report.summary.messages
