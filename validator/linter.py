"""The library entry point: configure once, validate batches or files many times.

A sender validating inline builds one ``Validator`` (registry compiled, rules created and
dispatch computed once) and calls ``validate`` per message or per batch; ``validate()`` is
the one-shot convenience. Nothing here touches the network unless ``offline=False``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .catalog import all_rule_classes, instantiate, parse_severities, select_rules
from .engine import Engine
from .findings import Report
from .loader import messages_from_payloads, read_campaign
from .registry import Registry, load_registry

__all__ = ["Validator", "validate"]


class Validator:
    """A configured linter.

    ``registry`` is a ``Registry``, a path to a registry file, or None (rules that need the
    registry are then skipped; ``skipped_rules`` lists them). ``select``/``ignore`` take
    codes, code prefixes (``"WA2"``) or names; ``severity`` overrides default severities;
    ``options`` maps a rule code or name to its options.
    """

    def __init__(self, registry: Registry | str | Path | None = None, *,
                 select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                 severity: Mapping[str, str] | None = None,
                 options: Mapping[str, Mapping[str, Any]] | None = None,
                 offline: bool = True, plugins: bool = True, settings: Any = None) -> None:
        if isinstance(registry, (str, Path)):
            registry = load_registry(registry)
        self.registry = registry
        known = all_rule_classes(plugins=plugins)
        chosen = select_rules(known, select, ignore)
        self.engine = Engine(instantiate(chosen, options), registry, offline=offline,
                             severities=parse_severities(severity, known), settings=settings)

    @property
    def skipped_rules(self) -> list[str]:
        """Codes of selected rules that will not run (no registry, or offline)."""
        return [rule.code for rule in self.engine.skipped]

    def validate(self, payloads: Iterable[Any], *, file: str = "<memory>") -> Report:
        """Check payload dicts held in memory; findings carry their 0-based ``index``."""
        return self.engine.run([(file, messages_from_payloads(payloads, file))])

    def check_files(self, paths: Iterable[str]) -> Report:
        """Check campaign files (``-`` is standard input), streaming each one."""
        return self.engine.run(("<stdin>" if p == "-" else p, read_campaign(p)) for p in paths)


def validate(payloads: Iterable[Any], registry: Registry | str | Path | None = None,
             **settings: Any) -> Report:
    """Validate a batch of payloads in one call (see ``Validator`` for the settings)."""
    return Validator(registry, **settings).validate(payloads)
