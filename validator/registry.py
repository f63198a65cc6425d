"""The template registry: approved templates in the shape the Graph API returns them.

``templates_registry.yaml`` holds ``{"templates": [...]}`` (or the raw
``GET /<WABA_ID>/message_templates`` response, ``{"data": [...]}``), so a registry pulled
from the API and one written by hand are the same file. Nobody writes a parameter count by
hand: the expected parameters are derived here, once, from the ``{{1}}`` / ``{{name}}``
placeholders, and each (name, language) is compiled into a ``TemplatePlan`` so that rules do
a dictionary lookup per message instead of parsing template text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .errors import RegistryError
from .findings import constructed, deferred_signature

if TYPE_CHECKING:
    import yaml

__all__ = [
    "ButtonPlan",
    "Registry",
    "Template",
    "TemplatePlan",
    "load_registry",
    "placeholders",
    "text_shape",
]

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
# A registry is a few thousand nodes; anything far beyond that is an alias bomb.
_MAX_YAML_NODES = 2_000_000


def placeholders(text: str | None) -> tuple[str, ...]:
    """Distinct placeholder names in order of first appearance: ``("1", "2")`` or ``("name",)``."""
    if not text:
        return ()
    return tuple(dict.fromkeys(_PLACEHOLDER.findall(text)))


def text_shape(text: str | None) -> tuple[int, dict[str, int]]:
    """The length of ``text`` without its placeholders, and how often each placeholder occurs.

    The length of the text once filled in is then ``fixed + sum(uses[n] * len(value[n]))``:
    computed once per template here, so that checking a message costs no parsing."""
    if not text:
        return 0, {}
    fixed = len(text)
    uses: dict[str, int] = {}
    for match in _PLACEHOLDER.finditer(text):
        fixed -= match.end() - match.start()
        uses[match.group(1)] = uses.get(match.group(1), 0) + 1
    return fixed, uses


class _Lenient(BaseModel):
    # The API returns many fields walint does not need (id, quality_score, example, ...).
    # Built on first validation, not at import: a registry of well-formed entries is read
    # without it (``_plain_template``).
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)


class Button(_Lenient):
    type: str
    text: str | None = None
    url: str | None = None

    @field_validator("type")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class Component(_Lenient):
    type: str
    format: str | None = None
    text: str | None = None
    buttons: list[Button] | None = None

    @field_validator("type", "format")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if isinstance(value, str) else value


class Template(_Lenient):
    name: str
    language: str
    status: str
    category: str | None = None
    parameter_format: str | None = None
    components: list[Component] = []

    @field_validator("status", "category", "parameter_format")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if isinstance(value, str) else value

    @field_validator("parameter_format")
    @classmethod
    def _known_format(cls, value: str | None) -> str | None:
        if value is not None and value not in ("POSITIONAL", "NAMED"):
            raise ValueError(f"must be POSITIONAL or NAMED, not {value!r}")
        return value


for _model in (_Lenient, Button, Component, Template):
    deferred_signature(_model)


def _plain_keys(entry: Any) -> bool:
    return type(entry) is dict and all(type(k) is str and not k.startswith("_") for k in entry)


def _optional_upper(values: dict[str, Any], key: str) -> bool:
    """Upper-case ``values[key]`` as the models' validators do; False when it is neither a
    string nor None."""
    value = values.get(key)
    if type(value) is str:
        values[key] = value.upper()
        return True
    return value is None


def _plain_button(entry: Any) -> Button | None:
    if not _plain_keys(entry) or type(entry.get("type")) is not str:
        return None
    values = dict(entry)
    values["type"] = entry["type"].upper()
    if not all(type(values.get(key)) in (str, type(None)) for key in ("text", "url")):
        return None
    return constructed(Button, values)


def _plain_component(entry: Any) -> Component | None:
    if not _plain_keys(entry) or type(entry.get("type")) is not str:
        return None
    values = dict(entry)
    values["type"] = entry["type"].upper()
    if not _optional_upper(values, "format") or type(values.get("text")) not in (str, type(None)):
        return None
    buttons = values.get("buttons")
    if buttons is not None:
        if type(buttons) is not list:
            return None
        values["buttons"] = [_plain_button(b) for b in buttons]
        if any(button is None for button in values["buttons"]):
            return None
    return constructed(Component, values)


def _plain_template(entry: Any) -> Template | None:
    """``Template.model_validate(entry)`` for an entry made of exactly the types the model
    declares — the usual case, read from YAML or JSON — without building the models'
    schemas; None for anything else, which goes through pydantic (and its error messages)."""
    if not _plain_keys(entry) or not all(type(entry.get(key)) is str
                                         for key in ("name", "language", "status")):
        return None
    values = dict(entry)
    values["status"] = entry["status"].upper()
    if not (_optional_upper(values, "category") and _optional_upper(values, "parameter_format")
            and values.get("parameter_format") in (None, "POSITIONAL", "NAMED")):
        return None
    if "components" in entry:
        if type(entry["components"]) is not list:
            return None
        values["components"] = [_plain_component(c) for c in entry["components"]]
        if any(component is None for component in values["components"]):
            return None
    return constructed(Template, values)


@dataclass(frozen=True, slots=True)
class ButtonPlan:
    """One button of the template's BUTTONS component, by its zero-based ``index``."""

    index: int
    type: str
    text: str | None
    url: str | None
    params: tuple[str, ...]
    #: Length of ``url`` without its placeholder (the URL a send-time suffix is appended to).
    url_fixed_length: int = 0

    @property
    def dynamic(self) -> bool:
        """A URL button whose URL has a placeholder needs a send-time ``url`` parameter."""
        return bool(self.params)


@dataclass(frozen=True, slots=True)
class TemplatePlan:
    """Everything a rule needs to know about one (name, language), precomputed."""

    name: str
    language: str
    status: str
    category: str | None
    parameter_format: str
    header_format: str | None
    header_text: str | None
    header_params: tuple[str, ...]
    body_text: str | None
    body_params: tuple[str, ...]
    buttons: tuple[ButtonPlan, ...]
    component_types: frozenset[str]
    line: int | None
    source: Template
    #: Length of the header / body text without placeholders, and the number of times each
    #: placeholder occurs in it (see ``text_shape``): the filled-in length is cheap to compute.
    header_fixed_length: int = 0
    header_param_uses: Mapping[str, int] = field(default_factory=dict)
    body_fixed_length: int = 0
    body_param_uses: Mapping[str, int] = field(default_factory=dict)
    #: Number of cards of a CAROUSEL component (0 when the template has none).
    card_count: int = 0

    @property
    def named(self) -> bool:
        return self.parameter_format == "NAMED"


def compile_plan(template: Template, line: int | None = None) -> TemplatePlan:
    """Turn one registry entry into a plan; raises ValueError for a self-contradicting entry."""
    by_type: dict[str, Component] = {}
    for component in template.components:
        if component.type in by_type and component.type in ("HEADER", "BODY", "FOOTER", "BUTTONS"):
            raise ValueError(f"has two {component.type} components")
        by_type.setdefault(component.type, component)
    header = by_type.get("HEADER")
    body = by_type.get("BODY")
    header_format = (header.format or "TEXT") if header else None
    header_params = placeholders(header.text) if header and header_format == "TEXT" else ()
    body_params = placeholders(body.text) if body else ()
    buttons = tuple(
        ButtonPlan(i, b.type, b.text, b.url, placeholders(b.url) if b.type == "URL" else (),
                   text_shape(b.url)[0])
        for i, b in enumerate((by_type["BUTTONS"].buttons or []) if "BUTTONS" in by_type else [])
    )
    header_fixed, header_uses = (text_shape(header.text) if header and header_format == "TEXT"
                                 else (0, {}))
    body_fixed, body_uses = text_shape(body.text) if body else (0, {})
    carousel = by_type.get("CAROUSEL")
    cards = getattr(carousel, "cards", None) if carousel else None
    if len(header_params) > 1:
        raise ValueError(f"HEADER text has {len(header_params)} variables; Meta allows one")
    names = header_params + body_params
    fmt = template.parameter_format
    if fmt is None:
        # POSITIONAL is the API's default; a registry written before `parameter_format` was
        # returned may still hold named placeholders, so infer rather than misjudge them.
        fmt = "NAMED" if names and not any(n.isdigit() for n in names) else "POSITIONAL"
    for name in names:
        if fmt == "POSITIONAL" and not name.isdigit():
            raise ValueError(f"is POSITIONAL but has the named placeholder {{{{{name}}}}}")
        if fmt == "NAMED" and name.isdigit():
            raise ValueError(f"is NAMED but has the positional placeholder {{{{{name}}}}}")
    return TemplatePlan(
        name=template.name,
        language=template.language,
        status=template.status,
        category=template.category,
        parameter_format=fmt,
        header_format=header_format,
        header_text=header.text if header else None,
        header_params=header_params,
        body_text=body.text if body else None,
        body_params=body_params,
        buttons=buttons,
        component_types=frozenset(by_type),
        line=line,
        source=template,
        header_fixed_length=header_fixed,
        header_param_uses=header_uses,
        body_fixed_length=body_fixed,
        body_param_uses=body_uses,
        card_count=len(cards) if isinstance(cards, list) else 0,
    )


class Registry:
    """Compiled templates keyed by (name, language)."""

    def __init__(self, plans: Iterable[TemplatePlan] = (), *, source: str = "<memory>") -> None:
        self.source = source
        self._plans: dict[tuple[str, str], TemplatePlan] = {}
        self._languages: dict[str, list[str]] = {}
        #: ``similar_names`` answers: a campaign repeats the same unknown name on many lines.
        self._similar: dict[tuple[str, int], tuple[str, ...]] = {}
        for plan in plans:
            key = (plan.name, plan.language)
            earlier = self._plans.get(key)
            if earlier is not None:
                if earlier.source != plan.source:
                    where = f" (line {earlier.line})" if earlier.line else ""
                    raise RegistryError(
                        f"template {plan.name}/{plan.language} is listed twice with different "
                        f"content{where}",
                        file=source, line=plan.line,
                    )
                continue
            self._plans[key] = plan
            self._languages.setdefault(plan.name, []).append(plan.language)

    @classmethod
    def from_templates(cls, templates: Iterable[dict | Template], *, source: str = "<memory>",
                       lines: list[int | None] | None = None) -> Registry:
        """Build from template dicts (the API's shape); errors name the entry."""
        plans = []
        for position, entry in enumerate(templates):
            line = lines[position] if lines and position < len(lines) else None
            label = _entry_label(position, entry)
            try:
                template = entry if isinstance(entry, Template) else _plain_template(entry)
                if template is None:
                    template = Template.model_validate(entry)
                plans.append(compile_plan(template, line))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "entry"
                raise RegistryError(f"{label}: {where}: {first['msg']}", file=source,
                                    line=line) from None
            except ValueError as exc:
                raise RegistryError(f"{label} {exc}", file=source, line=line) from None
        return cls(plans, source=source)

    def __len__(self) -> int:
        return len(self._plans)

    def __iter__(self):
        return iter(self._plans.values())

    def get(self, name: str, language: str) -> TemplatePlan | None:
        return self._plans.get((name, language))

    def languages(self, name: str) -> list[str]:
        """Languages in which ``name`` exists."""
        return list(self._languages.get(name, ()))

    def similar_names(self, name: str, limit: int = 3) -> list[str]:
        """Names close to ``name``, for "did you mean" (case and typos)."""
        similar = self._similar.get((name, limit))
        if similar is None:
            similar = tuple(self._find_similar(name, limit))
            if len(self._similar) < 4096:  # endlessly varied names are not worth keeping
                self._similar[(name, limit)] = similar
        return list(similar)

    def _find_similar(self, name: str, limit: int) -> list[str]:
        lowered = {n.lower(): n for n in self._languages}
        if name.lower() in lowered and lowered[name.lower()] != name:
            return [lowered[name.lower()]]
        import difflib

        return difflib.get_close_matches(name, list(self._languages), n=limit, cutoff=0.75)


def _entry_label(position: int, entry: Any) -> str:
    label = f"template #{position + 1}"
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        label += f" ({entry['name']}/{entry.get('language', '?')})"
    return label


def load_registry(path: str | Path, *, cache: bool = True) -> Registry:
    """Read and compile a registry file (YAML, or the API's JSON response). With ``cache``,
    the parse of a text read before is taken from the cache (``validator.registry_cache``)."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RegistryError("registry file not found", file=source) from None
    except IsADirectoryError:
        raise RegistryError("registry path is a directory, not a file", file=source) from None
    except UnicodeDecodeError as exc:
        raise RegistryError(f"registry is not UTF-8 text ({exc.reason})", file=source) from None
    except OSError as exc:
        raise RegistryError(f"cannot read registry: {exc.strerror}", file=source) from None
    if cache:
        from .registry_cache import cached_parse

        data, lines = cached_parse(text, lambda: _parse_yaml(text, source))
    else:
        data, lines = _parse_yaml(text, source)
    if isinstance(data, dict) and ("templates" in data or "data" in data):
        entries = data.get("templates", data.get("data"))
    elif isinstance(data, list):
        entries = data
    else:
        raise RegistryError(
            "registry must be a mapping with a 'templates' list (or the API's 'data' list)",
            file=source,
        )
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise RegistryError("'templates' must be a list of templates", file=source)
    return Registry.from_templates(entries, source=source, lines=lines)


def _parse_yaml(text: str, source: str) -> tuple[Any, list[int | None]]:
    """Parse YAML, keeping the line where each template entry starts, and refusing
    documents whose aliases would expand into an enormous tree (billion laughs). What it
    returns is kept on disk (``validator.registry_cache``): when that changes, so must
    ``registry_cache.FORMAT``."""
    import yaml  # here, not at import: a run without a registry file never needs it

    # libyaml's parser (CSafeLoader) when PyYAML was built with it, else the pure-Python one.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        _refuse_alias_bombs(node, source)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RegistryError(f"invalid YAML: {exc.problem or exc}", file=source, line=line) from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"invalid YAML: {exc}", file=source) from None
    finally:
        loader.dispose()
    return data, _entry_lines(node)


def _entry_lines(node: yaml.Node) -> list[int | None]:
    import yaml

    entries = node
    if isinstance(node, yaml.MappingNode):
        entries = next((v for k, v in node.value if getattr(k, "value", None) in ("templates", "data")), None)
    if isinstance(entries, yaml.SequenceNode):
        return [item.start_mark.line + 1 for item in entries.value]
    return []


def _refuse_alias_bombs(root: yaml.Node, source: str) -> None:
    import yaml

    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # cycles count once
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        if total > _MAX_YAML_NODES:
            raise RegistryError("registry expands to too many nodes (YAML alias bomb?)", file=source)
        sizes[key] = total
        return total

    size(root)
