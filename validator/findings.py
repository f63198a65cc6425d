"""Findings and the report: the stable output contract of walint.

Field names here are a public contract (JSON report, library users): add fields, never
rename. ``Report.model_dump()`` is exactly what ``--format json`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_serializer

__all__ = ["Finding", "Report", "Severity", "Summary", "dumped"]

# Start-up: the models below are built (their pydantic schema compiled) on first validation
# or serialization, not at import — a text report of a plain run never needs either. The
# engine creates findings with ``model_construct``; ``Summary`` and ``Report`` take their
# everyday arguments — values of exactly the declared types, which validation would return
# unchanged — without compiling a schema (``_trusted``), and anything else through pydantic.
_DEFERRED = ConfigDict(defer_build=True)
Model = TypeVar("Model", bound=BaseModel)


class _BuiltSignature:
    """``inspect.signature`` of a deferred model: the fields, as pydantic gives them once the
    model is built (built on this first use; pydantic then replaces this descriptor)."""

    def __get__(self, instance: Any, owner: type[BaseModel]) -> Any:
        if instance is not None:
            raise AttributeError(f"'__signature__' attribute of {owner.__name__!r} is class-only")
        if not owner.__pydantic_complete__:
            owner.model_rebuild(raise_errors=False)
        signature = owner.__dict__.get("__signature__")
        if signature is None or signature is self:  # could not be built (forward references)
            import inspect

            parameters = list(inspect.signature(owner.__init__).parameters.values())[1:]
            return inspect.Signature(parameters, return_annotation=None)
        return owner.__signature__


def deferred_signature(cls: type[BaseModel]) -> None:
    """Give a model built on first use (``defer_build``) the signature it has once built."""
    if not cls.__pydantic_complete__:
        cls.__signature__ = _BuiltSignature()  # type: ignore[assignment]


_new_model = object.__new__
_set_attribute = object.__setattr__


def constructed(cls: type[Model], data: Mapping[str, Any]) -> Model:
    """``cls.model_construct(_fields_set=set(data), **data)`` — the model validation would
    make of ``data`` already of the declared types, with the fields set that validation
    records (the keys given) — at a fraction of its cost (``_filled``)."""
    model = _new_model(cls)
    if _filled(model, data):
        return model
    return cls.model_construct(_fields_set=set(data), **data)


def _filled(model: BaseModel, data: Mapping[str, Any]) -> bool:
    """Set ``model``'s state as ``model_construct`` would from ``data``, with the defaults of
    its fields read once per class (``_plain_fields``): a run makes a report, its summary,
    its settings and a registry's templates this way, and pydantic's own reads the field
    definitions, and a default factory's signature, every time. False, with nothing set,
    for a class that needs pydantic's own."""
    cls = type(model)
    fields = _PLAIN_FIELDS.get(cls)
    if fields is None:
        fields = _PLAIN_FIELDS[cls] = _plain_fields(cls)
    if not fields:
        return False
    values = {}
    for name, default, factory in fields:
        if name in data:
            values[name] = data[name]
        elif factory is not None:
            values[name] = factory()
        elif default is not _REQUIRED:
            values[name] = default
    _install(model, values, set(data))
    return True


def _install(model: BaseModel, values: dict[str, Any], fields_set: set[str]) -> None:
    """Give ``model`` the state ``model_construct`` gives it: its fields' values, the fields
    set, no extra and no private attributes."""
    _set_attribute(model, "__dict__", values)
    _set_attribute(model, "__pydantic_fields_set__", fields_set)
    _set_attribute(model, "__pydantic_extra__", None)
    _set_attribute(model, "__pydantic_private__", None)


_REQUIRED = object()
#: Per model class: each field's name, default (``_REQUIRED`` for none) and default factory
#: (``list``, ``dict`` or ``set``) — or an empty tuple when ``model_construct`` does more
#: than fill them in (aliases, extra fields kept, a post-init, a default to copy).
_PLAIN_FIELDS: dict[type, tuple[tuple[str, Any, Any], ...]] = {}
_IMMUTABLE = (type(None), bool, int, float, str, bytes, Enum)


def _plain_fields(cls: type[BaseModel]) -> tuple[tuple[str, Any, Any], ...]:
    if (cls.model_config.get("extra") == "allow" or cls.__pydantic_root_model__
            or cls.__pydantic_post_init__):
        return ()
    fields = []
    for name, field in cls.model_fields.items():
        if field.alias is not None or field.validation_alias is not None:
            return ()
        if field.default_factory is not None:
            if field.default_factory not in (list, dict, set):
                return ()
            fields.append((name, None, field.default_factory))
        elif field.is_required():
            fields.append((name, _REQUIRED, None))
        elif isinstance(field.default, _IMMUTABLE):  # pydantic would copy any other
            fields.append((name, field.default, None))
        else:
            return ()
    return tuple(fields)


def _trusted(model: BaseModel, data: dict[str, Any]) -> None:
    """Initialise ``model`` from ``data`` already of the declared types, as validation
    would: containers copied, fields set as given, defaults for the others."""
    if not _filled(model, data):
        built = type(model).model_construct(_fields_set=set(data), **data)
        model.__setstate__(built.__getstate__())


class Severity(str, Enum):
    """How much a finding matters. Only errors fail a message and set exit code 1."""

    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


class Finding(BaseModel):
    """One problem, located in the campaign and tied to the rule and the Meta error it predicts."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    file: str
    line: int | None
    index: int | None
    rule: str
    name: str
    severity: Severity
    api_error: int | None
    path: str
    message: str
    #: What ``--fix`` would do (or did) about it, and whether that fix is "safe" or
    #: "unsafe" (needs ``--unsafe-fixes``). Both are left out of dumps when there is no fix,
    #: so a report without fixes reads exactly as before they existed.
    fix: str | None = None
    fixable: Literal["safe", "unsafe"] | None = None

    @classmethod
    def of(cls, file: str, line: int | None, index: int | None, rule: str, name: str,
           severity: Severity, api_error: int | None, path: str, message: str,
           fix: str | None = None, fixable: str | None = None) -> Finding:
        """A finding from values of the declared types (the engine's), made as
        ``model_construct`` with every field would make it, at a third of its cost: a
        campaign can have a finding for every message. Its set of fields set (every field)
        is one set shared by all findings made so — half a finding's memory if each had its
        own: a finding is frozen, so nothing adds to it (``model_copy`` copies it first)."""
        finding = _new_model(cls)
        values = {"file": file, "line": line, "index": index, "rule": rule, "name": name,
                  "severity": severity, "api_error": api_error, "path": path,
                  "message": message, "fix": fix, "fixable": fixable}
        _install(finding, values, _EVERY_FINDING_FIELD)
        return finding

    @model_serializer(mode="wrap")
    def _without_absent_fix(self, handler: Any) -> Any:
        return _without_absent(handler(self), *_LEFT_OUT_UNLESS_FIXING[Finding])


_EVERY_FINDING_FIELD = set(Finding.model_fields)


class Summary(BaseModel):
    """Totals. Every input message is counted exactly once, as passed or failed."""

    model_config = _DEFERRED

    files: int = 0
    messages: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    warnings: int = 0
    #: Distinct links (media URLs) the network rules checked, and those left unchecked
    #: because the run was offline (``--offline``; the library's default).
    links_checked: int = 0
    links_skipped: int = 0
    #: Findings repaired by ``--fix`` (or ``--diff``): not counted in ``errors`` and
    #: ``warnings``, which are what remains. Present only in a run that fixes.
    fixed: int | None = None

    def __init__(self, /, **data: Any) -> None:
        if type(self) is Summary and data.keys() <= _SUMMARY_COUNTS and all(
                type(value) is int or (value is None and key == "fixed")
                for key, value in data.items()):
            _trusted(self, data)
        else:
            super().__init__(**data)

    @model_serializer(mode="wrap")
    def _without_absent_fixed(self, handler: Any) -> Any:
        return _without_absent(handler(self), *_LEFT_OUT_UNLESS_FIXING[Summary])


_SUMMARY_COUNTS = frozenset(Summary.model_fields)
deferred_signature(Finding)
deferred_signature(Summary)


class Report(BaseModel):
    """What a run found. A message passes when it has no error-severity finding."""

    model_config = _DEFERRED

    summary: Summary
    findings: list[Finding]
    #: Messages read per file, in reading order. Reporters use it (a JUnit case per file, SARIF
    #: artifacts); it is not part of the JSON contract, so dumps leave it out.
    file_messages: dict[str, int] = Field(default_factory=dict, exclude=True, repr=False)
    #: True for a report on local media files (``walint media``): its units are files, counted
    #: in ``summary.files`` (``messages``, ``passed`` and ``failed`` stay 0). Not in dumps.
    media_files: bool = Field(False, exclude=True, repr=False)
    #: In a run that fixes (``fix=True``): the findings the fixes repaired, each with its
    #: ``fix``; for ``Validator.validate``, every payload in input order — the fixed ones
    #: repaired, the others the very objects given; for ``Validator.check_files``, one
    #: ``validator.rewrite.Rewrite`` per file with something to fix (nothing is written
    #: until its ``write()``). Not in dumps.
    fixed_findings: list[Finding] = Field(default_factory=list, exclude=True, repr=False)
    fixed_payloads: list[Any] | None = Field(None, exclude=True, repr=False)
    rewrites: list[Any] = Field(default_factory=list, exclude=True, repr=False)

    def __init__(self, /, **data: Any) -> None:
        if type(self) is Report and _plain_report(data):
            for key in ("findings", "fixed_findings", "rewrites", "fixed_payloads"):
                if data.get(key) is not None:
                    data[key] = list(data[key])
            if "file_messages" in data:
                data["file_messages"] = dict(data["file_messages"])
            _trusted(self, data)
        else:
            super().__init__(**data)

    def dump(self) -> dict[str, Any]:
        """Exactly ``model_dump()``, made faster: a finding's fields are read as they are
        (pydantic would call the finding's serializer once for each, a tenth of a second
        for a campaign's 30,000 findings)."""
        if type(self) is not Report:
            return self.model_dump()
        return {"summary": dumped(self.summary),
                "findings": [dumped(finding) for finding in self.findings]}

    @property
    def ok(self) -> bool:
        """True when nothing would fail at the API (warnings allowed)."""
        return self.summary.errors == 0

    def failed_indexes(self, file: str | None = None) -> set[int]:
        """Indexes of the messages that failed, in ``file`` (or in the only file of the run).

        A sender validating a batch in memory sends every message whose index is not here.
        """
        return {
            f.index
            for f in self.findings
            if f.severity is Severity.ERROR
            and f.index is not None
            and (file is None or f.file == file)
        }


def dumped(model: Finding | Summary) -> dict[str, Any]:
    """``model.model_dump()`` of a finding or a summary whose fields hold the declared types
    (the fields read as they are: pydantic's serializer is built on first use, 8 % of the
    instructions of a one-message check, and runs once for each finding of a report)."""
    left_out = _LEFT_OUT_UNLESS_FIXING.get(type(model))
    if left_out is None:  # a plugin's subclass: pydantic knows its fields
        return model.model_dump()
    return _without_absent(model.__dict__.copy(), *left_out)


#: What the dumps of a finding and of a summary leave out when a field is None — what only a
#: run that fixes has: (that field, the fields left out).
_LEFT_OUT_UNLESS_FIXING = {Finding: ("fix", ("fix", "fixable")), Summary: ("fixed", ("fixed",))}


def _without_absent(data: Any, field: str, left_out: tuple[str, ...]) -> Any:
    if isinstance(data, dict) and data.get(field) is None:
        for name in left_out:
            data.pop(name, None)
    return data


def _plain_report(data: dict[str, Any]) -> bool:
    """Whether validating ``data`` as a Report would only copy its containers."""
    if (not data.keys() <= _REPORT_FIELDS or type(data.get("summary")) is not Summary
            or "findings" not in data):
        return False
    for key in ("findings", "fixed_findings"):
        value = data.get(key, [])
        if type(value) is not list or not all(type(f) is Finding for f in value):
            return False
    for key in ("rewrites", "fixed_payloads"):
        value = data.get(key, [])
        if type(value) is not list and not (key == "fixed_payloads" and value is None):
            return False
    counts = data.get("file_messages", {})
    if type(counts) is not dict or not all(type(k) is str and type(v) is int
                                          for k, v in counts.items()):
        return False
    return type(data.get("media_files", False)) is bool


_REPORT_FIELDS = frozenset(Report.model_fields)
deferred_signature(Report)
