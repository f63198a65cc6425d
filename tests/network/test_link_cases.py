"""The YAML cases of the network and media-file rules (tests/rules/cases/WA50x, WA51x).

They follow the format of tests/rules/test_rule_cases.py, which runs every other rule's
cases offline, plus what these rules need:

* network rules: ``"{server}"`` in a payload is the base URL of the real HTTP server the
  tests start on 127.0.0.1 (``link_server``). The run is online with the SSRF guard lifted
  (``allow_private_urls``), no cache, and a 2 s request timeout; a case's ``settings``
  override that (``allow_private_urls: false`` to see the guard).
* media-file rules: ``media`` lists file descriptions (tests/media/files.py), made in a
  temporary directory and checked with ``check_media_files`` — ``as`` is the ``--as`` kind.
"""

from __future__ import annotations

import json

import pytest

from validator import Validator
from validator.media import check_media_files
from validator.settings import Settings

from ..media.files import make_media_file
from ..rules.test_rule_cases import REGISTRY, _load_cases

NETWORK_DEFAULTS = {"offline": False, "allow_private_urls": True, "no_cache": True, "url_timeout": 2.0}


def _network_findings(rule, case, server):
    text = json.dumps(case["payloads"] if "payloads" in case else [case["payload"]])
    payloads = json.loads(text.replace("{server}", server.base))
    settings = Settings.build(**{**NETWORK_DEFAULTS, **(case.get("settings") or {})})
    options = {rule: case["options"]} if "options" in case else None
    report = Validator(REGISTRY, settings=settings, options=options, plugins=False).validate(payloads)
    return [f for f in report.findings if f.rule == rule]


def _media_findings(rule, case, tmp_path):
    paths = [make_media_file(tmp_path, description) for description in case["media"]]
    report = check_media_files(paths, case.get("as"), settings=Settings.build(), plugins=False)
    return [f for f in report.findings if f.rule == rule]


@pytest.mark.parametrize(("rule", "case"), list(_load_cases(elsewhere=True)))
def test_link_and_media_case(rule, case, tmp_path, link_server):
    if "media" in case:
        found = _media_findings(rule, case, tmp_path)
    else:
        found = _network_findings(rule, case, link_server)
    expected = case.get("expect") or []
    assert len(found) == len(expected), (
        f"expected {len(expected)} finding(s) of {rule}, got: {[f.message for f in found]}")
    for finding, want in zip(found, expected):
        for key in ("api_error", "path", "severity", "index", "line"):
            if key in want:
                assert getattr(finding, key) == want[key], f"{key}: {finding}"
        if "message" in want:
            assert want["message"] in finding.message, finding.message
