"""Reading the ``template`` object of a payload defensively, shared by the template rules.

Component ``type`` and button ``sub_type`` are compared case-insensitively: Meta's docs
write lowercase, pywa sends uppercase and Meta's own catalog example sends ``"CATALOG"``,
so the API evidently accepts both (facts file §4.1).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from validator.registry import TemplatePlan
from validator.rule import Context


def template_object(payload: dict) -> dict | None:
    template = payload.get("template")
    return template if isinstance(template, dict) else None


def template_key(template: dict) -> tuple[str, str] | None:
    """(name, language code), or None when either is missing (WA200 reports that)."""
    name = template.get("name")
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if isinstance(name, str) and isinstance(code, str):
        return name, code
    return None


def template_plan(payload: dict, ctx: Context) -> tuple[dict, TemplatePlan] | None:
    """The template object and its registry plan, when both exist."""
    template = template_object(payload)
    if template is None or ctx.registry is None:
        return None
    key = template_key(template)
    plan = ctx.registry.get(*key) if key else None
    return (template, plan) if plan is not None else None


def components(template: dict) -> Iterator[tuple[int, str, dict]]:
    """(position, lowercased type, component) for each well-formed component."""
    items = template.get("components")
    if not isinstance(items, list):
        return
    for position, component in enumerate(items):
        if isinstance(component, dict) and isinstance(component.get("type"), str):
            yield position, component["type"].lower(), component


def parameters(component: dict) -> list[Any]:
    params = component.get("parameters")
    return params if isinstance(params, list) else []


def first_component(template: dict, kind: str) -> tuple[int, dict] | None:
    for position, ctype, component in components(template):
        if ctype == kind:
            return position, component
    return None


def button_index(component: dict) -> int | None:
    """The button ``index`` as an int (the API takes ``0`` and ``"0"``), or None if invalid."""
    index = component.get("index")
    if isinstance(index, bool):
        return None
    if isinstance(index, int):
        return index
    if isinstance(index, str) and index.strip().isdigit():
        return int(index)
    return None


def param_type(param: Any) -> str | None:
    if isinstance(param, dict) and isinstance(param.get("type"), str):
        return param["type"].lower()
    return None


def label(plan: TemplatePlan) -> str:
    return f"{plan.name}/{plan.language}"
