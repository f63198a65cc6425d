"""The registry: Graph API shape in, compiled plans out, clear errors for broken files."""

from __future__ import annotations

import pytest

from validator import RegistryError, load_registry
from validator.registry import Registry, placeholders

ORDER = {
    "name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
    "components": [
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships on {{3}}. Thanks {{1}}!"},
        {"type": "BUTTONS", "buttons": [
            {"type": "URL", "text": "Track", "url": "https://shop.example.com/track/{{1}}"},
            {"type": "QUICK_REPLY", "text": "Stop"},
        ]},
    ],
}


def test_placeholders_are_distinct_and_ordered():
    assert placeholders("{{2}} {{1}} {{2}} {{ 3 }}") == ("2", "1", "3")
    assert placeholders("Hi {{first_name}}, {{date}}") == ("first_name", "date")
    assert placeholders(None) == ()


def test_plan_derives_expected_parameters():
    plan = Registry.from_templates([ORDER]).get("order_update", "en_US")
    assert plan.header_format == "IMAGE" and plan.header_params == ()
    assert plan.body_params == ("1", "2", "3")
    assert [(b.index, b.type, b.dynamic) for b in plan.buttons] == [(0, "URL", True), (1, "QUICK_REPLY", False)]
    assert plan.parameter_format == "POSITIONAL"


def test_key_is_name_and_language():
    spanish = dict(ORDER, language="es")
    registry = Registry.from_templates([ORDER, spanish])
    assert registry.get("order_update", "es") is not None
    assert registry.get("order_update", "en") is None
    assert sorted(registry.languages("order_update")) == ["en_US", "es"]


def test_named_format_is_inferred_when_absent_and_checked_when_given():
    named = {"name": "n", "language": "en_US", "status": "APPROVED",
             "components": [{"type": "BODY", "text": "Hi {{first_name}}"}]}
    assert Registry.from_templates([named]).get("n", "en_US").named
    with pytest.raises(RegistryError, match="POSITIONAL but has the named placeholder"):
        Registry.from_templates([dict(named, parameter_format="POSITIONAL")])


def test_lowercase_api_values_are_normalised():
    entry = {"name": "x", "language": "en_US", "status": "approved",
             "components": [{"type": "header", "format": "image"}]}
    plan = Registry.from_templates([entry]).get("x", "en_US")
    assert (plan.status, plan.header_format) == ("APPROVED", "IMAGE")


def test_raw_api_response_is_accepted(tmp_path):
    path = tmp_path / "raw.json"
    path.write_text('{"data": [{"name": "a", "language": "en_US", "status": "APPROVED", '
                    '"id": "1", "components": []}], "paging": {"cursors": {"before": "x"}}}')
    assert load_registry(path).get("a", "en_US") is not None


def test_error_names_file_line_and_entry(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("templates:\n  - {name: a, language: en_US, status: APPROVED}\n"
                    "  - name: b\n    language: en_US\n    status: APPROVED\n"
                    "    components: [{format: TEXT}]\n")
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert str(info.value).startswith(f"{path}:3: template #2 (b/en_US): components.0.type")


def test_two_header_variables_are_refused():
    entry = {"name": "x", "language": "en_US", "status": "APPROVED",
             "components": [{"type": "HEADER", "format": "TEXT", "text": "{{1}} {{2}}"}]}
    with pytest.raises(RegistryError, match="HEADER text has 2 variables"):
        Registry.from_templates([entry])


def test_conflicting_duplicates_are_refused_identical_ones_merged():
    assert len(Registry.from_templates([ORDER, dict(ORDER)])) == 1
    with pytest.raises(RegistryError, match="listed twice with different content"):
        Registry.from_templates([ORDER, dict(ORDER, status="PAUSED")])


@pytest.mark.parametrize("text", ["just a string\n", "templates: 5\n", "- 1\n- 2\n"])
def test_wrong_shapes_are_one_clear_error(tmp_path, text):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(RegistryError):
        load_registry(path)


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 9):
        refs = ",".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("templates: *a8")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RegistryError, match="alias bomb"):
        load_registry(path)


def test_similar_names():
    registry = Registry.from_templates([ORDER])
    assert registry.similar_names("order_updat") == ["order_update"]
    assert registry.similar_names("ORDER_UPDATE") == ["order_update"]
    assert registry.similar_names("zzz") == []
