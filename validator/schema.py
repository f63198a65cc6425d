"""``walint schema``: a JSON Schema (draft 2020-12) of campaign messages, from the registry.

Meta's OpenAPI description can only say "a template has a name, a language and components".
This schema knows *your* templates: ``template`` is a ``oneOf`` over every APPROVED
(name, language) of the registry, each with its exact parameters — how many per component,
the names of named parameters, the header's media type, which button indexes take a value.
Point VS Code's JSON or YAML extension at it and a missing ``{{3}}`` is underlined while
the campaign is being written.

The document root accepts what ``walint check`` reads as JSON: one message, an array of
messages, or ``{"messages": [...]}``. Only the template part is exact; the rest of the
envelope is described loosely (``walint check`` has the rules for it), and unknown keys are
left alone so the schema never rejects what the API accepts. Component ``type`` and button
``sub_type`` are accepted in lower or upper case, as the API accepts both.
"""

from __future__ import annotations

import re
from typing import Any

from .registry import Registry, TemplatePlan

__all__ = ["build_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
MEDIA_HEADERS = {"IMAGE": "image", "VIDEO": "video", "DOCUMENT": "document", "GIF": "gif",
                 "LOCATION": "location", "PRODUCT": "product"}


def _either_case(word: str) -> dict[str, Any]:
    return {"enum": [word.lower(), word.upper()]}


def _media_object() -> dict[str, Any]:
    return {"type": "object",
            "properties": {"link": {"type": "string", "format": "uri"}, "id": {"type": "string"}},
            "oneOf": [{"required": ["link"]}, {"required": ["id"]}]}


def _text_parameter(name: str | None = None, names: tuple[str, ...] = ()) -> dict[str, Any]:
    """A body or header value: text, currency or date_time (header: text only)."""
    text: dict[str, Any] = {"type": "object", "required": ["type", "text"],
                            "properties": {"type": {"const": "text"},
                                           "text": {"type": "string", "minLength": 1}}}
    if name == "header":
        variants = [text]
    else:
        variants = [
            text,
            {"type": "object", "required": ["type", "currency"],
             "properties": {"type": {"const": "currency"}, "currency": {
                 "type": "object", "required": ["fallback_value", "code", "amount_1000"],
                 "properties": {"fallback_value": {"type": "string"},
                                "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                                "amount_1000": {"type": "integer"}}}}},
            {"type": "object", "required": ["type", "date_time"],
             "properties": {"type": {"const": "date_time"}, "date_time": {
                 "type": "object", "required": ["fallback_value"],
                 "properties": {"fallback_value": {"type": "string"}}}}},
        ]
    schema: dict[str, Any] = {"oneOf": variants}
    if names:
        schema = {"allOf": [schema, {"required": ["parameter_name"],
                                     "properties": {"parameter_name": {"enum": list(names)}}}]}
    else:
        schema = {"allOf": [schema, {"not": {"required": ["parameter_name"]}}]}
    return schema


def _parameters(plan: TemplatePlan, kind: str, params: tuple[str, ...]) -> dict[str, Any]:
    count = len(params)
    schema: dict[str, Any] = {"type": "array", "minItems": count, "maxItems": count,
                              "items": _text_parameter(kind, params if plan.named else ())}
    if plan.named and params:
        schema["allOf"] = [{"contains": {"properties": {"parameter_name": {"const": p}},
                                         "required": ["parameter_name"]}} for p in params]
    return schema


def _header(plan: TemplatePlan) -> dict[str, Any] | None:
    if plan.header_format is None:
        return None
    component: dict[str, Any] = {"type": "object", "required": ["type"],
                                 "properties": {"type": _either_case("header")}}
    media = MEDIA_HEADERS.get(plan.header_format)
    if media is not None:
        parameter: dict[str, Any] = {"type": "object", "required": ["type", media],
                                     "properties": {"type": {"const": media}}}
        if media in ("image", "video", "document", "gif"):
            parameter["properties"][media] = _media_object()
        elif media == "location":
            parameter["properties"][media] = {"type": "object",
                                              "required": ["latitude", "longitude"]}
        component["required"].append("parameters")
        component["properties"]["parameters"] = {"type": "array", "minItems": 1, "maxItems": 1,
                                                 "items": parameter}
        component["description"] = f"{plan.header_format} header"
    else:
        component["properties"]["parameters"] = _parameters(plan, "header", plan.header_params)
        if plan.header_params:
            component["required"].append("parameters")
        component["description"] = f"Header: {plan.header_text or ''}"
    return component


def _body(plan: TemplatePlan) -> dict[str, Any]:
    component = {"type": "object", "required": ["type"],
                 "properties": {"type": _either_case("body"),
                                "parameters": _parameters(plan, "body", plan.body_params)},
                 "description": f"Body: {plan.body_text or ''}"}
    if plan.body_params:
        component["required"].append("parameters")
    return component


_SUB_TYPES = {"QUICK_REPLY": ("quick_reply",), "URL": ("url",), "COPY_CODE": ("copy_code",),
              "OTP": ("url", "copy_code"), "FLOW": ("flow",), "CATALOG": ("catalog",),
              "MPM": ("mpm",), "SPM": ("spm",), "VOICE_CALL": ("voice_call",),
              "PHONE_NUMBER": ("phone_number",), "ORDER_DETAILS": ("order_details",)}


def _button(plan: TemplatePlan, index: int) -> tuple[dict[str, Any], bool]:
    """The component addressing button ``index``, and whether it must be sent."""
    button = plan.buttons[index]
    sub_types = _SUB_TYPES.get(button.type, (button.type.lower(),))
    component: dict[str, Any] = {
        "type": "object", "required": ["type", "sub_type", "index"],
        "properties": {"type": _either_case("button"),
                       "sub_type": {"enum": sorted({s for t in sub_types for s in (t, t.upper())})},
                       "index": {"enum": [index, str(index)]}},
        "description": f"Button {index}: {button.type} {button.text or ''}".strip(),
    }
    required = False
    if button.type == "URL":
        count = 1 if button.dynamic else 0
        component["properties"]["parameters"] = {
            "type": "array", "minItems": count, "maxItems": count,
            "items": {"type": "object", "required": ["type", "text"],
                      "properties": {"type": {"const": "text"}, "text": {"type": "string",
                                                                          "minLength": 1}}}}
        required = button.dynamic
        if button.dynamic:
            component["required"].append("parameters")
    elif button.type == "QUICK_REPLY":
        component["properties"]["parameters"] = {
            "type": "array", "maxItems": 1,
            "items": {"type": "object", "required": ["type", "payload"],
                      "properties": {"type": {"const": "payload"},
                                     "payload": {"type": "string"}}}}
    elif button.type in ("OTP", "FLOW"):
        required = True
    return component, required


def _other_components(plan: TemplatePlan) -> list[tuple[dict[str, Any], bool]]:
    """Components walint does not model in detail (carousel, limited-time offer …): their
    ``type`` is known, the rest is left open so the schema never rejects a valid payload."""
    out = []
    for kind in sorted(plan.component_types - {"HEADER", "BODY", "FOOTER", "BUTTONS"}):
        component: dict[str, Any] = {"type": "object", "required": ["type"],
                                     "properties": {"type": _either_case(kind.lower())},
                                     "description": f"{kind} component"}
        required = False
        if kind == "CAROUSEL":
            cards = getattr(plan, "card_count", 0)
            component["required"].append("cards")
            component["properties"]["cards"] = {
                "type": "array", "items": {"type": "object", "required": ["card_index"]},
                **({"minItems": cards, "maxItems": cards} if cards else {})}
            required = True
        out.append((component, required))
    return out


def _template(plan: TemplatePlan) -> dict[str, Any]:
    kinds: list[tuple[dict[str, Any], bool]] = []
    header = _header(plan)
    if header is not None:
        needs = bool(plan.header_params) or plan.header_format in MEDIA_HEADERS
        kinds.append((header, needs))
    if plan.body_text is not None or plan.body_params:
        kinds.append((_body(plan), bool(plan.body_params)))
    kinds += [_button(plan, i) for i in range(len(plan.buttons))]
    kinds += _other_components(plan)
    components: dict[str, Any] = {"type": "array",
                                  "items": {"oneOf": [schema for schema, _ in kinds]} if kinds else False}
    rules = []
    for schema, required in kinds:
        marker = {"type": "object", "properties": {k: schema["properties"][k]
                                                   for k in ("type", "sub_type", "index")
                                                   if k in schema["properties"]},
                  "required": [k for k in ("type", "sub_type", "index") if k in schema["properties"]]}
        rule: dict[str, Any] = {"contains": marker, "maxContains": 1}
        rule["minContains"] = 1 if required else 0
        rules.append(rule)
    if rules:
        components["allOf"] = rules
    needed = any(required for _, required in kinds)
    language = {"type": "object", "required": ["code"],
                "properties": {"code": {"const": plan.language},
                               "policy": {"const": "deterministic"}}}
    schema: dict[str, Any] = {
        "title": f"{plan.name} ({plan.language})",
        "description": _describe(plan),
        "type": "object",
        "required": ["name", "language"] + (["components"] if needed else []),
        "properties": {"name": {"const": plan.name}, "language": language,
                       "components": components},
    }
    return schema


def _describe(plan: TemplatePlan) -> str:
    parts = [f"{plan.category or 'template'} template, {plan.parameter_format.lower()} parameters"]
    if plan.header_format:
        parts.append(f"header {plan.header_format}")
    if plan.body_text:
        parts.append(f"body: {plan.body_text}")
    return "; ".join(parts)


def _def_name(plan: TemplatePlan) -> str:
    return "template__" + re.sub(r"[^A-Za-z0-9_.-]", "_", f"{plan.name}__{plan.language}")


def build_schema(registry: Registry, *, source: str | None = None) -> dict[str, Any]:
    """The JSON Schema of a campaign document whose templates come from ``registry``."""
    approved = sorted((plan for plan in registry if plan.status == "APPROVED"),
                      key=lambda p: (p.name, p.language))
    defs: dict[str, Any] = {}
    for plan in approved:
        defs[_def_name(plan)] = _template(plan)
    template: dict[str, Any]
    if approved:
        template = {"oneOf": [{"$ref": f"#/$defs/{name}"} for name in defs],
                    "description": "One of the APPROVED templates of the registry."}
    else:
        template = {"not": {}, "description": "The registry has no APPROVED template."}
    defs["message"] = {
        "title": "WhatsApp Cloud API message",
        "type": "object",
        "required": ["messaging_product", "to"],
        "properties": {
            "messaging_product": {"const": "whatsapp"},
            "recipient_type": {"enum": ["individual", "group"]},
            "to": {"type": "string", "minLength": 1,
                   "description": "Recipient phone number in E.164 form, e.g. +447911123456"},
            "type": {"type": "string"},
            "template": template,
        },
        "allOf": [{"if": {"required": ["type"], "properties": {"type": {"const": "template"}}},
                   "then": {"required": ["template"]}}],
    }
    ref = {"$ref": "#/$defs/message"}
    count = f"{len(approved)} approved template{'s' if len(approved) != 1 else ''}"
    return {
        "$schema": DIALECT,
        "$id": "urn:walint:campaign",
        "title": "walint campaign",
        "description": f"WhatsApp Cloud API messages checked against {source or 'the registry'} "
                       f"({count}). Generated by 'walint schema'.",
        "anyOf": [ref, {"type": "array", "items": ref},
                  {"type": "object", "required": ["messages"],
                   "properties": {"messages": {"type": "array", "items": ref}}}],
        "$defs": defs,
    }
