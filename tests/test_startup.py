"""Start-up: ``walint check`` on one message imports and builds only what the run needs.

The time itself is measured by ``benchmarks/run.py`` (a timed test would be flaky on a
shared machine). These tests pin down *why* it is fast, in a fresh interpreter: modules a
plain offline check must not import, and pydantic models it must not build (a model's
schema is compiled on its first validation or serialization; building any model also makes
pydantic scan every installed distribution for its plugins). They also check that the
short cuts taken instead give exactly what pydantic would.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field

from validator.findings import Finding, Report, Severity, Summary, constructed
from validator.registry import Template, _plain_template
from validator.rule import Rule, RuleOptions
from validator.settings import Settings, _validate

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent('''
    import json, sys
    sys.argv = ["walint", "check", "--offline", *sys.argv[1:]]
    from validator.cli import main
    try:
        main()
    except SystemExit as exit:
        code = exit.code
    from validator.findings import Finding, Report, Summary
    from validator.registry import Template
    from validator.rule import RuleOptions
    from validator.settings import Settings
    built = [m.__name__ for m in (Finding, Report, Summary, Template, RuleOptions, Settings)
             if m.__pydantic_complete__]
    print(json.dumps({"code": code, "modules": sorted(sys.modules), "built": built}))
''')

#: Imported by some runs, never by a plain offline check printing text.
NOT_NEEDED = [
    "httpx",  # the URL prober: network rules only
    "validator.net.probe",
    "importlib.metadata",  # plugin discovery looks for walint.rules first (validator.catalog)
    "pydantic.plugin._loader",  # imported when pydantic builds a model
    "validator.reporters.json", "validator.reporters.jsonl", "validator.reporters.sarif",
    "validator.reporters.github", "validator.reporters.gitlab", "validator.reporters.junit",
    "validator.reporters._identity",
    "validator.api_errors", "validator.docs", "validator.media", "validator.progress",
    "validator.autofix", "validator.fixer", "validator.rewrite", "validator.split",
    "validator.schema", "validator.registry_sync", "validator.csv_campaign",
]


def probe(tmp_path: Path, *args: str, to: str | None = None) -> dict:
    """A check of one message (the example campaign's first, sent to ``to`` if given) in a
    fresh interpreter, with a cache of the test's own (empty before its first probe)."""
    campaign = tmp_path / "one.jsonl"
    first = (ROOT / "examples" / "campaign.jsonl").read_text(encoding="utf-8").splitlines()[0]
    if to is not None:
        first = json.dumps({**json.loads(first), "to": to})
    campaign.write_text(first + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", PROBE, *args, str(campaign)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_plain_check_imports_only_what_it_needs(tmp_path):
    run = probe(tmp_path)
    assert run["code"] == 0  # the message was checked (against the registry) and passed
    assert "validator.registry" in run["modules"] and "yaml" in run["modules"]
    assert "validator.reporters.text" in run["modules"]
    assert [name for name in NOT_NEEDED if name in run["modules"]] == []
    assert "phonenumbers" in run["modules"]  # the recipient's regex is built from its metadata
    # The registry's parse was kept (validator.registry_cache): the next run needs no YAML
    # parser; and the recipient's regex (rules.phone_cache): it needs no phonenumbers.
    again = probe(tmp_path)
    assert again["code"] == 0 and "validator.registry" in again["modules"]
    assert "yaml" not in again["modules"]
    assert "phonenumbers" not in again["modules"]
    assert [name for name in NOT_NEEDED if name in again["modules"]] == []


@pytest.mark.parametrize("to", ["+44 7911 123456", "447911123456"])
def test_a_number_written_otherwise_needs_no_phonenumbers_once_its_regex_is_kept(tmp_path, to):
    """With spaces, or without "+" (a warning each): the reading asks the regex of "+" and the
    digits before phonenumbers' metadata, so a kept regex answers for it too."""
    assert "phonenumbers" in probe(tmp_path, to=to)["modules"]
    again = probe(tmp_path, to=to)
    assert again["code"] == 0 and "phonenumbers" not in again["modules"]


def test_no_cache_neither_reads_nor_writes_the_kept_phone_regexes(tmp_path):
    cold = probe(tmp_path, "--no-cache")
    assert cold["code"] == 0 and "phonenumbers" in cold["modules"]
    assert not (tmp_path / "cache").exists()
    probe(tmp_path)  # keeps them
    kept = list((tmp_path / "cache" / "walint" / "phone").iterdir())
    assert len(kept) == 1
    before = kept[0].read_bytes(), kept[0].stat().st_mtime_ns
    warm = probe(tmp_path, "--no-cache")
    assert warm["code"] == 0 and "phonenumbers" in warm["modules"]
    assert (kept[0].read_bytes(), kept[0].stat().st_mtime_ns) == before


def test_plain_check_builds_no_pydantic_model(tmp_path):
    assert probe(tmp_path)["built"] == []


def test_a_json_report_imports_its_reporter_only(tmp_path):
    run = probe(tmp_path, "--format", "json")
    assert "validator.reporters.json" in run["modules"]
    assert "validator.reporters.sarif" not in run["modules"]
    assert run["built"] == []  # the summary and the findings are written by orjson


@pytest.mark.parametrize("report", ["json", "sarif", "text"])
def test_a_report_written_to_a_file_builds_no_pydantic_model(tmp_path, report):
    """What a CI step runs: its settings (a report file) and its report need no schema."""
    run = probe(tmp_path, "--format", report, "--output", str(tmp_path / "report.out"))
    assert run["code"] == 0 and run["built"] == []
    assert "importlib.metadata" not in run["modules"]  # nor asks it the version (SARIF)
    assert (tmp_path / "report.out").stat().st_size > 0


# -- the short cuts give what validation gives -----------------------------------------------
def _state(model):
    return (type(model), model.__dict__, list(model.__dict__), model.model_fields_set,
            model.__pydantic_extra__, model.__pydantic_private__)


def test_summary_and_report_are_what_validation_makes():
    finding = Finding.model_construct(file="a.jsonl", line=1, index=0, rule="WA101",
                                      name="messaging-product", severity=Severity.ERROR,
                                      api_error=131008, path="messaging_product", message="m")
    counts = {"files": 1, "messages": 1, "passed": 0, "failed": 1, "errors": 1, "warnings": 0}
    summary = Summary(**counts)
    assert _state(summary) == _state(Summary.model_validate(counts))
    data = {"summary": summary, "findings": [finding], "file_messages": {"a.jsonl": 1}}
    report, validated = Report(**data), Report.model_validate(data)
    assert _state(report) == _state(validated)
    assert report.findings is not data["findings"] and report.findings[0] is finding
    assert report.file_messages is not data["file_messages"]
    assert report.model_dump() == validated.model_dump()
    with pytest.raises(ValueError, match="findings"):
        Report(summary=summary)
    with pytest.raises(ValueError, match="valid integer"):
        Summary(files="many")


def test_a_finding_of_the_engine_is_what_model_construct_makes():
    values = dict(file="a.jsonl", line=3, index=2, rule="WA203", name="template-param-count",
                  severity=Severity.ERROR, api_error=132000, path="template.components[1]",
                  message="body expects 3 parameters, got 2", fix=None, fixable=None)
    made, constructed = Finding.of(**values), Finding.model_construct(**values)
    assert _state(made) == _state(constructed)
    assert made.model_dump() == constructed.model_dump() and made == constructed
    fixed = dict(values, fix="write +4915123456789", fixable="safe")
    assert _state(Finding.of(**fixed)) == _state(Finding.model_construct(**fixed))


def test_findings_share_one_set_of_fields_set_and_none_can_change_it():
    """``Finding.of`` gives every finding the same set of fields set (half a finding's
    memory otherwise): assigning to a finding is refused before it is touched, and a copy
    with changes gets a set of its own."""
    values = dict(file="a.jsonl", line=3, index=2, rule="WA203", name="template-param-count",
                  severity=Severity.ERROR, api_error=132000, path="template.components[1]",
                  message="body expects 3 parameters, got 2")
    first, second = Finding.of(**values), Finding.of(**dict(values, line=4))
    every = set(Finding.model_fields)
    with pytest.raises(ValueError, match="frozen"):
        first.message = "changed"
    changed = first.model_copy(update={"message": "changed"})
    assert changed.message == "changed" and first.message == values["message"]
    changed.model_fields_set.discard("fix")  # a copy's own set
    assert first.model_fields_set == second.model_fields_set == every
    assert second.model_dump(exclude_unset=True) == second.model_dump()


@pytest.mark.parametrize("data", [
    {}, {"offline": True}, {"format": "json", "color": "never", "progress": False},
    # what a CI step passes: a report file, a registry, a number of processes
    {"format": "sarif", "output": "out/walint.sarif", "registry": "registry.yaml", "jobs": 2},
    {"suppression_list": "/abs/opt-outs.txt", "contacts": "contacts.csv", "jobs": 0},
    # what only pydantic takes, or refuses: it must see them
    {"output": ""}, {"output": Path("report.json")}, {"jobs": True}, {"jobs": "3"},
])
def test_settings_are_what_validation_makes(data):
    assert _state(_validate(data)) == _state(Settings.model_validate(data))


@pytest.mark.parametrize("data, message", [
    ({"format": "xml"}, "unknown format"), ({"jobs": -1}, "greater than or equal to 0"),
    ({"output": 3}, "path"), ({"registry": None, "jobs": 1.5}, "integer"),
])
def test_settings_validation_refuses_what_pydantic_refuses(data, message):
    with pytest.raises(ValueError, match=message):
        _validate(data)


@pytest.mark.parametrize("path", ["templates_registry.yaml", "tests/rules/registry.yaml",
                                  "tests/data/meta-examples-registry.yaml"])
def test_registry_entries_are_what_validation_makes(path):
    data = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    entries = data["templates"] if isinstance(data, dict) else data
    for entry in entries:
        fast = _plain_template(entry)
        assert fast is not None, entry
        assert fast == Template.model_validate(entry)
        assert fast.model_fields_set == Template.model_validate(entry).model_fields_set
    odd = {"name": "x", "language": "en", "status": "APPROVED", "parameter_format": "other"}
    assert _plain_template(odd) is None  # left to pydantic, for its error message


def test_default_rule_options_are_what_validation_makes():
    class ExampleOptions(RuleOptions):
        limit: int = 3
        names: list[str] = Field(default_factory=list)
        label: str = "x"

    class Example(Rule):
        """An example."""

        code = "XMP001"
        name = "example"
        Options = ExampleOptions

    assert _state(Example().options) == _state(ExampleOptions())


class _Plain(BaseModel):
    name: str
    count: int = 3
    tags: list[str] = Field(default_factory=list)
    severity: Severity = Severity.WARNING


class _Aliased(BaseModel):
    name: str = Field("x", alias="Name")


class _MutableDefault(BaseModel):
    tags: list[str] = ["a"]


class _Extra(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = "x"


@pytest.mark.parametrize(("model", "data"), [
    (_Plain, {"name": "n"}), (_Plain, {"name": "n", "count": 5, "tags": ["t"]}), (_Plain, {}),
    (_Aliased, {"Name": "y"}), (_Aliased, {}), (_MutableDefault, {}),
    (_Extra, {"name": "y", "other": 1}),
])
def test_constructed_is_what_model_construct_makes(model, data):
    made = constructed(model, data)
    assert _state(made) == _state(model.model_construct(_fields_set=set(data), **data))
    if model is _MutableDefault:  # pydantic copies such a default: each model its own list
        assert made.tags is not constructed(model, data).tags


def test_deferred_models_keep_their_signatures():
    assert "file: str" in str(inspect.signature(Finding))
    assert "files: int = 0" in str(inspect.signature(Summary))
    assert "summary: validator.findings.Summary" in str(inspect.signature(Report))
