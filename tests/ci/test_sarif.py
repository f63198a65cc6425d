"""SARIF 2.1.0: schema-valid, relative URIs, documented stable rule ids, line-independent
fingerprints.

The schema is the OASIS one, shipped beside this file: ``sarif-schema-2.1.0.json`` copied
unchanged from https://github.com/oasis-tcs/sarif-spec (``Schemata/sarif-schema-2.1.0.json``,
commit 85971b3e048f61a6d643b95fc6233d073302f5b8). Upstream misplaces one ``anyOf`` inside
``region.properties``, so the schema itself fails ``check_schema``; validation of documents is
unaffected (it only declares a ``region`` property named ``anyOf``), so it is used as is.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from validator.catalog import all_rule_classes

from .conftest import BAD, GOOD, HERE, REGISTRY, WARNED, walint, write_jsonl

SCHEMA = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def sarif(tmp_path, *paths, cwd=None):
    result = walint("check", "--registry", str(REGISTRY), "--format", "sarif", *paths,
                    cwd=cwd or tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def assert_valid(document):
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]


def test_output_validates_against_the_sarif_schema(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [GOOD, BAD, WARNED])
    (tmp_path / "b.jsonl").write_text('{"messaging_product": "whatsapp",}\n')
    document = sarif(tmp_path, "a.jsonl", "b.jsonl")
    assert_valid(document)
    assert document["version"] == "2.1.0"
    results = document["runs"][0]["results"]
    assert {(r["ruleId"], r["level"]) for r in results} >= {("WA201", "error"), ("WA302", "warning"),
                                                            ("WA001", "error")}


def test_the_tool_is_named_with_the_installed_version(tmp_path):
    """The version is written in one place (``validator.__version__``, which the package's
    metadata reads): what SARIF and ``--version`` say is what pip installed."""
    from importlib.metadata import version

    write_jsonl(tmp_path / "a.jsonl", [GOOD])
    driver = sarif(tmp_path, "a.jsonl")["runs"][0]["tool"]["driver"]
    assert driver["version"] == driver["semanticVersion"] == version("walint")
    shown = walint("--version", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.decode().split()[-1] == version("walint")


def test_a_clean_run_is_valid_too(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [GOOD])
    document = sarif(tmp_path, "a.jsonl")
    assert_valid(document)
    assert document["runs"][0]["results"] == []


def test_artifact_uris_are_relative_even_for_absolute_arguments(tmp_path):
    (tmp_path / "camp aigns").mkdir()
    path = write_jsonl(tmp_path / "camp aigns" / "spring#1.jsonl", [BAD])
    document = sarif(tmp_path, str(path))
    (result,) = document["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "camp%20aigns/spring%231.jsonl",
                                            "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 1}


def test_rules_have_stable_ids_and_their_manual_as_help(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [BAD])
    document = sarif(tmp_path, "a.jsonl")
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.code for c in all_rule_classes()]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "**Use instead**" in rule["help"]["markdown"]
        assert rule["help"]["text"].startswith(f"{rule['id']} {rule['name']}")
    (result,) = document["runs"][0]["results"]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "WA201"


def fingerprint_of(document, rule):
    return [(r["partialFingerprints"]["walintMessageHash/v1"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in document["runs"][0]["results"] if r["ruleId"] == rule]


def test_fingerprints_follow_the_message_not_the_line(tmp_path):
    other = dict(BAD, to="+4915123456789")
    write_jsonl(tmp_path / "c.jsonl", [BAD, other])
    before = fingerprint_of(sarif(tmp_path, "c.jsonl"), "WA201")
    write_jsonl(tmp_path / "c.jsonl", [GOOD, GOOD, other, GOOD, BAD])
    after = fingerprint_of(sarif(tmp_path, "c.jsonl"), "WA201")
    assert [line for _, line in before] == [1, 2] and [line for _, line in after] == [3, 5]
    assert {fp for fp, _ in before} == {fp for fp, _ in after}
    assert before[0][0] == after[1][0] and before[1][0] == after[0][0]


def test_identical_messages_get_distinct_fingerprints(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [BAD, BAD, BAD])
    prints = [fp for fp, _ in fingerprint_of(sarif(tmp_path, "c.jsonl"), "WA201")]
    assert len(set(prints)) == 3


def test_fingerprints_do_not_depend_on_how_the_file_was_named(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [BAD])
    relative = fingerprint_of(sarif(tmp_path, "c.jsonl"), "WA201")
    absolute = fingerprint_of(sarif(tmp_path, str(path)), "WA201")
    assert relative == absolute


@pytest.mark.parametrize("shape", ["array", "messages"])
def test_json_documents_are_fingerprinted_by_payload(tmp_path, shape):
    payloads = [GOOD, BAD]
    document = payloads if shape == "array" else {"messages": payloads}
    (tmp_path / "c.json").write_text(json.dumps(document, indent=2))
    first = fingerprint_of(sarif(tmp_path, "c.json"), "WA201")
    payloads.insert(0, GOOD)
    document = payloads if shape == "array" else {"messages": payloads}
    (tmp_path / "c.json").write_text(json.dumps(document, indent=2))
    second = fingerprint_of(sarif(tmp_path, "c.json"), "WA201")
    assert first[0][0] == second[0][0] and first[0][1] != second[0][1]
