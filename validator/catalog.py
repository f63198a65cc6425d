"""Which rules exist and which of them run.

Built-in rules come from the explicit list in ``rules.BUILTIN_RULES``; third-party packs
come through the ``walint.rules`` entry-point group — the same door for both, as in
flake8. An entry point may name a Rule subclass, an iterable of them, or a module with a
``RULES`` list. A pack that fails to load or declares an unsound rule is reported by name.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, RulePackError
from .findings import Severity
from .rule import Rule, RuleOptions

if TYPE_CHECKING:
    from importlib import metadata

__all__ = ["ENTRY_POINT_GROUP", "all_rule_classes", "instantiate", "parse_severities", "select_rules"]

ENTRY_POINT_GROUP = "walint.rules"


def all_rule_classes(*, plugins: bool = True) -> list[type[Rule]]:
    """Built-in rules followed by those of installed packs, sorted by code."""
    from rules import BUILTIN_RULES

    classes: list[type[Rule]] = list(BUILTIN_RULES)
    if plugins and _group_declared(ENTRY_POINT_GROUP):
        from importlib import metadata

        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            classes.extend(_load_pack(entry_point))
    seen: dict[str, str] = {}
    for cls in classes:
        problems = cls.declaration_errors()
        if problems:
            raise RulePackError(f"rule {cls.__module__}.{cls.__qualname__}: {problems[0]}")
        for key in (cls.code, cls.name):
            if key in seen:
                raise RulePackError(f"rule {key} is declared twice ({seen[key]} and "
                                    f"{cls.__module__}.{cls.__qualname__})")
            seen[key] = f"{cls.__module__}.{cls.__qualname__}"
    return sorted(classes, key=lambda c: c.code)


def _group_declared(group: str) -> bool:
    """Whether an installed distribution may declare entry points in ``group``: False only
    when no ``entry_points.txt`` on the import path names it. ``importlib.metadata`` is much
    slower to import and to scan every distribution with than this look, and without packs
    there is nothing for it to find. Anything this look cannot see through (a zip or a
    non-path entry on ``sys.path``, another finder that lists distributions) counts as yes."""
    if any(getattr(finder, "find_distributions", None) is not None and finder is not PathFinder
           for finder in sys.meta_path):
        return True
    needle = group.encode()
    for entry in sys.path:
        if not isinstance(entry, str):
            return True
        root = entry or "."
        try:
            with os.scandir(root) as children:
                names = [child.name for child in children]
        except NotADirectoryError:  # a zip file: importlib.metadata reads inside it
            return True
        except OSError:
            continue
        egg = os.path.basename(root).lower().endswith(".egg")
        for name in names:
            low = name.lower()
            if low.endswith((".dist-info", ".egg-info")) or (egg and low == "egg-info"):
                try:
                    with open(os.path.join(root, name, "entry_points.txt"), "rb") as handle:
                        if needle in handle.read():
                            return True
                except OSError:
                    continue
    return False


def _load_pack(entry_point: metadata.EntryPoint) -> list[type[Rule]]:
    label = f"rule pack {entry_point.name!r} ({entry_point.value})"
    try:
        loaded: Any = entry_point.load()
    except Exception as exc:  # a broken pack must not take walint down with a traceback
        raise RulePackError(f"{label} failed to load: {type(exc).__name__}: {exc}") from None
    if isinstance(loaded, type):
        candidates: Iterable[Any] = [loaded]
    elif hasattr(loaded, "RULES"):
        candidates = loaded.RULES
    elif isinstance(loaded, Iterable):
        candidates = loaded
    else:
        raise RulePackError(f"{label} is neither a Rule class, a list of them nor a module with RULES")
    rules = list(candidates)
    for candidate in rules:
        if not (isinstance(candidate, type) and issubclass(candidate, Rule)):
            raise RulePackError(f"{label} provides {candidate!r}, which is not a Rule subclass")
        options = getattr(candidate, "Options", None)
        if (isinstance(options, type) and issubclass(options, RuleOptions)
                and not options.__pydantic_complete__):
            # Options are built on first use (validator.rule); a pack's are built now, so
            # that a broken one fails here, by name, as it did when it was built on import.
            try:
                options.model_rebuild(raise_errors=False, _parent_namespace_depth=0)
            except Exception as exc:  # noqa: BLE001 - reported like a pack that fails to import
                raise RulePackError(f"{label} failed to load: {type(exc).__name__}: {exc}") from None
    return rules


def _matches(cls: type[Rule], selector: str) -> bool:
    return selector == cls.name or cls.code.startswith(selector.upper())


def select_rules(classes: list[type[Rule]], select: Iterable[str] | None = None,
                 ignore: Iterable[str] | None = None) -> list[type[Rule]]:
    """Rules chosen by code, code prefix (``WA2``) or name; unknown selectors are an error."""
    select = list(select) if select else None
    ignore = list(ignore or ())
    for selector in (select or []) + ignore:
        if not any(_matches(cls, selector) for cls in classes):
            raise ConfigError(f"unknown rule {selector!r} (see 'walint rules')")
    chosen = [c for c in classes if select is None or any(_matches(c, s) for s in select)]
    return [c for c in chosen if not any(_matches(c, s) for s in ignore)]


def _lookup(classes: list[type[Rule]], key: str) -> type[Rule]:
    for cls in classes:
        if key in (cls.code, cls.name):
            return cls
    raise ConfigError(f"unknown rule {key!r} (see 'walint rules')")


def instantiate(classes: list[type[Rule]], options: Mapping[str, Mapping[str, Any]] | None = None,
                ) -> list[Rule]:
    """Create rule objects, validating each rule's options against what it declares."""
    options = dict(options or {})
    by_class: dict[type[Rule], Mapping[str, Any]] = {}
    for key, values in options.items():
        by_class[_lookup(classes, key)] = values
    from pydantic import ValidationError

    rules = []
    for cls in classes:
        values = by_class.get(cls)
        try:
            opts = cls.Options.model_validate(dict(values)) if values is not None else None
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"option {cls.code}.{field}: {first['msg']}") from None
        rules.append(cls(opts))
    return rules


def parse_severities(overrides: Mapping[str, str] | None, classes: list[type[Rule]],
                     ) -> dict[str, Severity]:
    """Map ``{"WA302": "error"}`` (codes, prefixes or names) to per-code severities."""
    result: dict[str, Severity] = {}
    for selector, value in (overrides or {}).items():
        try:
            severity = Severity(str(value).lower())
        except ValueError:
            raise ConfigError(f"severity for {selector!r} must be 'error' or 'warning', not {value!r}") from None
        matched = [c for c in classes if _matches(c, selector)]
        if not matched:
            raise ConfigError(f"unknown rule {selector!r} (see 'walint rules')")
        for cls in matched:
            result[cls.code] = severity
    return result
