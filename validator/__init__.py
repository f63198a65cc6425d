"""walint's engine: load campaigns, run rules, report.

    >>> from validator import validate
    >>> report = validate([payload], registry="templates_registry.yaml")
    >>> report.ok, report.failed_indexes()
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, InputError, RegistryError, RulePackError, WalintError

#: The version of the distribution: ``pyproject.toml`` reads it from here (so there is one
#: place to change), and a report names it without asking ``importlib.metadata``, whose
#: import alone costs a SARIF report of one message 8 % of its instructions.
__version__ = "0.1.0"

if TYPE_CHECKING:
    from .findings import Finding, Report, Severity, Summary
    from .fix import DELETE, Edit, Fix
    from .linter import Validator, validate
    from .media import MediaFile, check_media_files
    from .message import Message
    from .registry import Registry, TemplatePlan, load_registry
    from .rule import Context, MessageRef, Problem, Rule, RuleOptions, Scope
    from .settings import Settings, load_settings

#: Where each public name lives. They are imported on first use (PEP 562), so that
#: ``python -m validator`` and ``walint`` import only what the command they run needs.
_LAZY = {
    **dict.fromkeys(("Finding", "Report", "Severity", "Summary"), ".findings"),
    **dict.fromkeys(("DELETE", "Edit", "Fix"), ".fix"),
    **dict.fromkeys(("Validator", "validate"), ".linter"),
    **dict.fromkeys(("MediaFile", "check_media_files"), ".media"),
    "Message": ".message",
    **dict.fromkeys(("Registry", "TemplatePlan", "load_registry"), ".registry"),
    **dict.fromkeys(("Context", "MessageRef", "Problem", "Rule", "RuleOptions", "Scope"), ".rule"),
    **dict.fromkeys(("Settings", "load_settings"), ".settings"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(import_module(module, __name__), name)
        globals()[name] = value
        return value
    if not name.startswith("__"):  # a submodule (``validator.settings``), loaded when named
        try:
            return import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "DELETE",
    "ConfigError",
    "Context",
    "Edit",
    "Finding",
    "Fix",
    "InputError",
    "MediaFile",
    "Message",
    "MessageRef",
    "Problem",
    "Registry",
    "RegistryError",
    "Report",
    "Rule",
    "RuleOptions",
    "RulePackError",
    "Scope",
    "Settings",
    "Severity",
    "Summary",
    "TemplatePlan",
    "Validator",
    "WalintError",
    "check_media_files",
    "load_registry",
    "load_settings",
    "validate",
]
