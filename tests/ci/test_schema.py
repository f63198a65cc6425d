"""``walint schema``: a draft 2020-12 JSON Schema with each approved template's exact parameters."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from validator import Validator
from validator.catalog import all_rule_classes
from validator.docs import parse_docs

from .conftest import REGISTRY, ROOT, walint

ORDER = {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template",
         "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [
             {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x.test/a.jpg"}}]},
             {"type": "body", "parameters": [{"type": "text", "text": "Ana"},
                                             {"type": "text", "text": "A-1042"},
                                             {"type": "text", "text": "May 3"}]},
             {"type": "button", "sub_type": "url", "index": "0",
              "parameters": [{"type": "text", "text": "A-1042"}]}]}}
NAMED = {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template",
         "template": {"name": "appointment_reminder", "language": {"code": "en_US"}, "components": [
             {"type": "body", "parameters": [
                 {"type": "text", "parameter_name": "first_name", "text": "Sam"},
                 {"type": "text", "parameter_name": "date", "text": "May 3"},
                 {"type": "text", "parameter_name": "time", "text": "10:30"}]}]}}


@pytest.fixture(scope="module")
def schema():
    result = walint("schema", "--registry", str(REGISTRY))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return jsonschema.Draft202012Validator(document)


def changed(payload, edit):
    payload = copy.deepcopy(payload)
    edit(payload["template"])
    return payload


def test_good_payloads_validate(schema):
    for payload in (ORDER, NAMED):
        assert not list(schema.iter_errors(payload))
    assert not list(schema.iter_errors([ORDER, NAMED]))
    assert not list(schema.iter_errors({"messages": [ORDER]}))
    upper = changed(ORDER, lambda t: t["components"][1].update(type="BODY"))
    assert not list(schema.iter_errors(upper))  # the API takes either case


@pytest.mark.parametrize("edit", [
    pytest.param(lambda t: t["components"][1]["parameters"].pop(), id="body-count"),
    pytest.param(lambda t: t["components"][0]["parameters"][0].update(type="video"), id="header-type"),
    pytest.param(lambda t: t["components"].pop(0), id="media-header-missing"),
    pytest.param(lambda t: t["components"].pop(2), id="dynamic-url-button-missing"),
    pytest.param(lambda t: t["components"][2].update(index="5"), id="button-index"),
    pytest.param(lambda t: t["components"][2]["parameters"].append({"type": "text", "text": "x"}),
                 id="url-button-count"),
    pytest.param(lambda t: t["language"].update(code="en"), id="language"),
    pytest.param(lambda t: t.update(name="spring_sale"), id="not-approved"),
    pytest.param(lambda t: t.update(name="order_updte"), id="unknown-name"),
    pytest.param(lambda t: t["components"][1]["parameters"][0].update(parameter_name="first_name"),
                 id="positional-with-name"),
])
def test_wrong_payloads_are_rejected(schema, edit):
    assert list(schema.iter_errors(changed(ORDER, edit)))


@pytest.mark.parametrize("edit", [
    pytest.param(lambda t: t["components"][0]["parameters"][0].pop("parameter_name"), id="unnamed"),
    pytest.param(lambda t: t["components"][0]["parameters"][0].update(parameter_name="name"), id="wrong-name"),
    pytest.param(lambda t: t["components"][0]["parameters"][1].update(parameter_name="first_name"), id="twice"),
    pytest.param(lambda t: t["components"][0]["parameters"].pop(), id="count"),
])
def test_named_parameters_are_exact(schema, edit):
    assert list(schema.iter_errors(changed(NAMED, edit)))


def test_template_messages_need_a_template(schema):
    assert list(schema.iter_errors({"messaging_product": "whatsapp", "to": "+447911123456",
                                    "type": "template"}))
    assert not list(schema.iter_errors({"messaging_product": "whatsapp", "to": "+447911123456",
                                        "type": "text", "text": {"body": "hi"}}))


def test_never_rejects_a_template_message_walint_passes(schema):
    """Every template payload of the rule manuals and the example campaign that walint lets
    through validates against the schema: the editor never flags what the API accepts."""
    validator = Validator(str(REGISTRY))
    payloads = []
    for cls in all_rule_classes():
        docs = parse_docs(cls)
        for block in (docs.example, docs.fix):
            payloads += [line for line in (block or "").splitlines() if line.strip()]
    payloads += (ROOT / "examples" / "campaign.jsonl").read_text().splitlines()
    checked = 0
    for line in payloads:
        try:
            payload = json.loads(line)
        except ValueError:
            continue
        if not isinstance(payload, dict) or payload.get("type") != "template":
            continue
        if validator.validate([payload]).ok:
            errors = list(schema.iter_errors(payload))
            assert not errors, (line, jsonschema.exceptions.best_match(errors).message)
            checked += 1
    assert checked >= 10


def test_a_registry_without_approved_templates_accepts_no_template(tmp_path):
    registry = tmp_path / "r.yaml"
    registry.write_text("templates:\n  - {name: a, language: en_US, status: PAUSED, "
                        "components: [{type: BODY, text: hi}]}\n")
    document = json.loads(walint("schema", "--registry", str(registry)).stdout)
    validator = jsonschema.Draft202012Validator(document)
    payload = {"messaging_product": "whatsapp", "to": "+447911123456", "type": "template",
               "template": {"name": "a", "language": {"code": "en_US"}}}
    assert list(validator.iter_errors(payload))


def test_text_header_parameters(tmp_path):
    registry = tmp_path / "r.yaml"
    registry.write_text(
        "templates:\n  - name: greet\n    language: de\n    status: APPROVED\n"
        "    components:\n      - {type: HEADER, format: TEXT, text: 'Hallo {{1}}'}\n"
        "      - {type: BODY, text: 'Dein Code: {{1}}'}\n")
    validator = jsonschema.Draft202012Validator(
        json.loads(walint("schema", "--registry", str(registry)).stdout))
    good = {"messaging_product": "whatsapp", "to": "+4915123456789", "type": "template",
            "template": {"name": "greet", "language": {"code": "de"}, "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "Jonas"}]},
                {"type": "body", "parameters": [{"type": "text", "text": "123"}]}]}}
    assert not list(validator.iter_errors(good))
    no_header = changed(good, lambda t: t["components"].pop(0))
    assert list(validator.iter_errors(no_header))


def test_output_file_and_errors(tmp_path):
    result = walint("schema", "--registry", str(REGISTRY), "-o", "walint.schema.json", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == b""
    assert json.loads((tmp_path / "walint.schema.json").read_text())["$defs"]["message"]
    missing = walint("schema", cwd=tmp_path)
    assert missing.returncode == 2 and b"no registry" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("templates: [\n")
    assert walint("schema", "--registry", str(broken), cwd=tmp_path).returncode == 2
