"""A parallel run (``--jobs``) reports exactly what a single-process run reports.

The campaign below is cut into many small chunks so that everything that could go wrong at a
chunk boundary happens: duplicates and pair-rate bursts whose messages sit in different
chunks, a messaging limit crossed in a later chunk, malformed and blank lines, CRLF endings,
a line over the size cap, links shared by messages of every chunk, and the findings cap. The
two reports are compared as the JSON reporter writes them, whole.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from validator import parallel
from validator.engine import Engine
from validator.errors import InputError
from validator.linter import Validator
from validator.loader import read_campaign
from validator.registry import load_registry
from validator.rule import Gathering, Problem, Rule, Scope
from validator.settings import Settings
from validator.skeleton import Skeletons

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "templates_registry.yaml"
NUMBERS = ["+4915123456789", "+447911123456", "+12015550123", "+5511961234567",
           "+919876543210", "+61412345678", "+33612345678", "+34612345678"]


def _campaign(path: Path, messages: int = 1500, seed: int = 11) -> Path:
    rng = random.Random(seed)
    lines = []
    for number in range(messages):
        to = rng.choice(NUMBERS) if number % 7 == 0 else f"+4915{number:09d}"
        order = f"A-{rng.randrange(10**5)}"
        template = {"name": "order_update", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "image", "image": {
                "link": f"https://cdn.example.com/{number % 3}.jpg"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": rng.choice(["Ana", "Bo\nB", ""])},
                                            {"type": "text", "text": order},
                                            {"type": "text", "text": "May 3"}]},
            {"type": "button", "sub_type": "url", "index": "0",
             "parameters": [{"type": "text", "text": order}]}]}
        if number % 11 == 0:
            template = {"name": "hello_world", "language": {"code": rng.choice(["en_US", "en"])}}
        payload = {"messaging_product": "whatsapp", "to": to, "type": "template", "template": template}
        line = json.dumps(payload, ensure_ascii=False)
        if number % 97 == 5:
            line = line[:-3]  # malformed
        if number % 89 == 0:
            lines.append("")
        lines.append(line + ("\r" if number % 5 == 0 else ""))
    lines.insert(700, json.dumps({"to": "+4915123456789", "type": "text",
                                  "text": {"body": "x" * 3000}}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _report(path: Path, jobs: int, **settings) -> tuple[str, int]:
    validator = Validator(str(REGISTRY), plugins=False,
                          settings=Settings.build(offline=True, jobs=jobs, **settings))
    validator.parallel_min_bytes = 0
    merges = []
    original = parallel._merge

    def counting(*args):
        merges.append(args[2])
        original(*args)

    parallel._merge = counting
    try:
        report = validator.check_files([str(path)])
    finally:
        parallel._merge = original
    return _json(report), len(merges)


def _json(report) -> str:
    return json.dumps({"summary": report.summary.model_dump(),
                       "findings": [f.model_dump() for f in report.findings],
                       "files": report.file_messages}, sort_keys=True)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 20_000)


@pytest.mark.parametrize("settings", [
    {},
    {"options": {"WA603": {"max_burst": 2}}, "severity": {"WA601": "error"}},
])
def test_parallel_report_is_the_single_process_report(tmp_path, small_chunks, settings):
    campaign = _campaign(tmp_path / "campaign.jsonl")
    single, merged = _report(campaign, 1, **settings)
    assert merged == 0
    double, merged = _report(campaign, 2, **settings)
    assert merged > 10  # really checked in chunks
    assert double == single
    summary = json.loads(single)["summary"]
    assert summary["messages"] == 1501 and 0 < summary["failed"] < 1501


def test_several_files_checked_in_chunks_are_one_campaign(tmp_path, small_chunks):
    """Recipients repeated across files, each file checked in chunks: each chunk's ledger
    entries name their chunk by its number in the run, unique over the files."""
    first = _campaign(tmp_path / "first.jsonl", messages=700, seed=5)
    second = _campaign(tmp_path / "second.jsonl", messages=700, seed=6)
    reports = []
    for jobs in (1, 2):
        validator = Validator(str(REGISTRY), plugins=False, settings=Settings.build(offline=True, jobs=jobs))
        validator.parallel_min_bytes = 0
        reports.append(_json(validator.check_files([str(first), str(second)])))
    assert reports[0] == reports[1]
    findings = json.loads(reports[0])["findings"]
    assert any(f["rule"] == "WA601" and f["file"].endswith("second.jsonl") and "first.jsonl" in f["message"]
               for f in findings)


def test_line_numbers_survive_a_runaway_line_and_a_last_line_without_newline(tmp_path, small_chunks):
    """Each chunk counts its lines from the blocks it reads: a line longer than the message
    cap (held as its size, over several blocks), blank lines and a last line without a
    newline leave every later line number as a single process counts it."""
    from validator.loader import DEFAULT_MAX_MESSAGE_BYTES

    campaign = _campaign(tmp_path / "campaign.jsonl", messages=900)
    lines = campaign.read_text(encoding="utf-8").split("\n")
    lines.insert(300, "x" * (DEFAULT_MAX_MESSAGE_BYTES + (2 << 20)))
    lines.insert(600, "")
    campaign.write_text("\n".join(lines).rstrip("\n"), encoding="utf-8")
    single, _ = _report(campaign, 1)
    double, merged = _report(campaign, 2)
    assert merged > 10 and double == single
    assert any(finding["line"] == 301 for finding in json.loads(single)["findings"])  # the runaway


def test_messaging_limit_and_findings_cap_across_chunks(tmp_path, small_chunks):
    campaign = _campaign(tmp_path / "campaign.jsonl", seed=3)
    settings = {"messaging_limit": 1000, "max_findings_per_message": 1,
                "per_file_ignores": {"*.jsonl": ["WA208"]}}
    single, _ = _report(campaign, 1, **settings)
    double, merged = _report(campaign, 3, **settings)
    assert merged > 10 and double == single
    assert {"WA605"} <= {f["rule"] for f in json.loads(single)["findings"]}


def test_a_broken_setting_read_in_a_worker_is_the_same_error(tmp_path, small_chunks):
    campaign = _campaign(tmp_path / "campaign.jsonl")
    optouts = tmp_path / "optouts.txt"
    optouts.write_text("+49 151 not a number\n", encoding="utf-8")
    errors = []
    for jobs in (1, 2):
        validator = Validator(str(REGISTRY), plugins=False, settings=Settings.build(
            offline=True, jobs=jobs, suppression_list=str(optouts)))
        validator.parallel_min_bytes = 0
        with pytest.raises(InputError) as caught:
            validator.check_files([str(campaign)])
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and "optouts.txt" in errors[0]


def test_a_campaign_of_endlessly_varied_messages_names_them_by_recipient(tmp_path, small_chunks,
                                                                         monkeypatch):
    """Past a few thousand descriptions of messages (a name on every line), chunks send the
    description of such a recipient's first message with it: the report is still the
    single-process one, which names each duplicate's template."""
    import rules.campaign

    monkeypatch.setattr(rules.campaign, "_WHAT_LIMIT", len(rules.campaign._WHATS) + 5)
    lines = []
    for number in range(2400):
        to = NUMBERS[number % 3] if number % 4 == 0 else f"+4915{number:09d}"
        lines.append(json.dumps({"messaging_product": "whatsapp", "to": to, "type": "template",
                                 "template": {"name": f"promo_{number % 40}", "language": {"code": "en"}}}))
    campaign = tmp_path / "campaign.jsonl"
    campaign.write_text("\n".join(lines) + "\n", encoding="utf-8")
    single, _ = _report(campaign, 1)
    double, merged = _report(campaign, 2)
    assert merged > 10 and double == single
    assert {"WA601", "WA602"} <= {f["rule"] for f in json.loads(single)["findings"]}


def _count(record: str) -> int:
    if record.endswith("7"):
        raise ValueError(f"cannot count {record}")
    return 1


class _Fragile(Rule):
    """Counts recipients; breaks on those ending in 7 (an example)."""

    code = "XMP601"
    name = "fragile"
    scope = Scope.CAMPAIGN

    def extract(self, message, ctx):
        return message.payload.get("to") if isinstance(message.payload, dict) else None

    def collect(self, ref, record, ctx):
        ctx.shared[self] = ctx.shared.get(self, 0) + _count(record)

    def finish(self, ctx):
        yield Problem("", f"{ctx.shared.get(self, 0)} recipients counted")


class _DuckTally:
    """A gathering with only ``add`` and ``result`` (no ``Gathering`` base class)."""

    def __init__(self):
        self.total = 0

    def add(self, ref, record):
        self.total += _count(record)

    def result(self):
        return self.total


class _Tally(_DuckTally, Gathering):
    """``_DuckTally``, as a ``Gathering``."""


class _FragileTally(_Fragile):
    """``_Fragile``, taking its records straight from lines read through skeletons and
    counting them in the worker."""

    code = "XMP602"
    name = "fragile-tally"

    def skeleton_extract(self, message, ctx):
        return lambda line, to: to

    def gathering(self, ctx):
        return _Tally()

    def absorb(self, gathered, shift, ctx):
        ctx.shared[self] = ctx.shared.get(self, 0) + gathered


class _FragileDuckTally(_FragileTally):
    """``_FragileTally``, its gathering an object of its own."""

    code = "XMP603"
    name = "fragile-duck-tally"

    def gathering(self, ctx):
        return _DuckTally()


def _findings_of(rule: Rule, campaign: Path, jobs: int) -> list[tuple[int | None, str]]:
    engine = Engine([rule], load_registry(REGISTRY))
    source = (parallel.chunked(str(campaign), jobs, engine, chunk_bytes=20_000) if jobs > 1
              else read_campaign(str(campaign), skeletons=Skeletons()))
    assert source is not None and (jobs == 1 or hasattr(source, "feed"))
    return [(f.index, f.message) for f in engine.run([(str(campaign), source)]).findings]


@pytest.mark.parametrize("rule", [_Fragile, _FragileTally, _FragileDuckTally])
def test_a_campaign_rule_that_crashes_on_some_records_is_reported_alike_in_chunks(tmp_path, small_chunks,
                                                                                    rule):
    """A plugin's campaign rule whose ``collect`` breaks on some records — keeping the
    default gathering (records sent as they are), or taking them from lines read through
    skeletons and counting them in the worker, where ``add`` breaks alike: each crash is
    that message's finding in a parallel run as in a single process, and the other records
    are still counted."""
    campaign = _campaign(tmp_path / "campaign.jsonl", messages=900)
    single = _findings_of(rule(), campaign, 1)
    assert sum("cannot count" in message for _, message in single) > 20
    assert _findings_of(rule(), campaign, 2) == single
