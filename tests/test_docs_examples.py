"""Every rule's manual is complete and its examples are true.

The ``Example`` of each rule must draw at least one finding of that rule and the ``Use
instead`` must draw no finding at all, run through the real loader and engine against the
project's default registry — the registry the manual's readers have.

A rule that is silent without some configuration (an opt-out list, a messaging limit, an
option) declares what its examples assume: ``example_settings`` (settings by field name, as
its manual states them in prose) and ``example_files`` (file name → text; a setting whose
value names one of these files reads it).

Two kinds of rule cannot run offline on a JSONL campaign, and are run as honestly as the test
can without the internet:

* network rules (WA50x link checks) declare ``example_links``: what each link of their manual
  serves (a status, a real file of some type and size, a redirect). The examples then run
  online, with the link prober's transport replaced by ``httpx.MockTransport`` answering
  from that table with real fixture files — the rule, the prober (guard, redirects, ranged
  GET) and the sniffer all run for real; only the internet is simulated. Every link of both
  examples must be in the table.
* media-file rules (WA51x, ``walint media``) have examples that describe files (``name``,
  real ``content``, ``size``, the ``as`` kind); the files are made from the real fixtures
  (tests/media/files.py) and checked with ``check_media_files``.
"""

from __future__ import annotations

import json

import httpx
import pytest

import rules._links
from validator import Validator, check_media_files
from validator.catalog import all_rule_classes
from validator.docs import REQUIRED_SECTIONS, parse_docs
from validator.net import UrlProber
from validator.rule import Scope
from validator.settings import Settings

from .conftest import ROOT
from .media.files import CONTENT, FIXTURES, make_media_file

RULES = all_rule_classes(plugins=False)
VALIDATOR = Validator(ROOT / "templates_registry.yaml", plugins=False)


def _run(text: str, tmp_path, validator=VALIDATOR):
    path = tmp_path / "example.jsonl"
    path.write_text(text, encoding="utf-8")
    return validator.check_files([str(path)])


def _validator(cls, tmp_path):
    """The default validator, or one with the settings the rule's examples assume."""
    values = dict(getattr(cls, "example_settings", None) or {})
    if not values:
        return VALIDATOR
    files = dict(getattr(cls, "example_files", None) or {})
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    values = {key: str(tmp_path / value) if isinstance(value, str) and value in files else value
              for key, value in values.items()}
    return Validator(ROOT / "templates_registry.yaml", plugins=False,
                     settings=Settings.build(offline=True, **values))


@pytest.mark.parametrize("cls", RULES, ids=lambda c: c.code)
def test_manual_has_every_section(cls):
    docs = parse_docs(cls)
    assert docs.summary and docs.summary.endswith("."), cls.code
    for section in REQUIRED_SECTIONS:
        assert docs.sections.get(section), f"{cls.code} lacks **{section}**"
    assert docs.example and docs.fix, f"{cls.code} needs ```jsonl examples"


def _serve_example_links(cls, monkeypatch) -> None:
    """Answer the prober's requests from the rule's ``example_links`` (see module docs)."""
    links = cls.example_links

    def respond(request: httpx.Request) -> httpx.Response:
        url = f"{request.url.scheme}://{request.headers['host']}{request.url.raw_path.decode()}"
        assert url in links, f"{cls.code}: its manual's link {url} is not in example_links"
        story = links[url]
        headers = {"Location": story["location"]} if "location" in story else {}
        if "content" not in story:
            return httpx.Response(story.get("status", 200), headers=headers, content=b"")
        body = (FIXTURES / CONTENT[story["content"]]).read_bytes()
        size = story.get("size", len(body))
        head = body.ljust(4096, b"\0")[:min(4096, size)]
        headers.update({"Content-Type": story.get("type", story["content"]),
                        "Content-Range": f"bytes 0-{len(head) - 1}/{size}"})
        return httpx.Response(story.get("status", 206), headers=headers, content=head)

    def prober(settings):
        return UrlProber(transport=httpx.MockTransport(respond), retries=0,
                         resolver=lambda host: ["93.184.216.34"])

    monkeypatch.setattr(rules._links, "make_prober", prober)


def _network_validator(cls, monkeypatch):
    _serve_example_links(cls, monkeypatch)
    return Validator(ROOT / "templates_registry.yaml", plugins=False,
                     settings=Settings.build(offline=False, no_cache=True))


def _run_media(text: str, tmp_path):
    """Findings for the files a media-file rule's example describes, one per line."""
    findings = []
    for number, line in enumerate(text.splitlines()):
        description = json.loads(line)
        folder = tmp_path / str(number)
        folder.mkdir(parents=True, exist_ok=True)
        path = make_media_file(folder, description)
        findings += check_media_files([path], description.get("as"), plugins=False).findings
    return findings


@pytest.mark.parametrize("cls", [c for c in RULES if c.scope is Scope.FILE], ids=lambda c: c.code)
def test_media_file_example_fails_and_fix_passes(cls, tmp_path):
    docs = parse_docs(cls)
    failing = _run_media(docs.example, tmp_path / "example")
    assert any(f.rule == cls.code for f in failing), \
        f"{cls.code}'s Example draws no {cls.code} finding: {failing}"
    fixed = _run_media(docs.fix, tmp_path / "fix")
    assert fixed == [], f"{cls.code}'s Use instead is not clean: {fixed}"


@pytest.mark.parametrize("cls", [c for c in RULES if c.scope is not Scope.FILE], ids=lambda c: c.code)
def test_example_fails_and_fix_passes(cls, tmp_path, monkeypatch):
    docs = parse_docs(cls)
    if cls.scope is Scope.NETWORK:
        validator = _network_validator(cls, monkeypatch)
    else:
        validator = _validator(cls, tmp_path)
    failing = _run(docs.example, tmp_path, validator)
    assert any(f.rule == cls.code for f in failing.findings), \
        f"{cls.code}'s Example draws no {cls.code} finding: {failing.findings}"
    fixed = _run(docs.fix, tmp_path, validator)
    assert fixed.findings == [], f"{cls.code}'s Use instead is not clean: {fixed.findings}"
