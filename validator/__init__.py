"""walint's engine: load campaigns, run rules, report.

    >>> from validator import validate
    >>> report = validate([payload], registry="templates_registry.yaml")
    >>> report.ok, report.failed_indexes()
"""

from .errors import ConfigError, InputError, RegistryError, RulePackError, WalintError
from .findings import Finding, Report, Severity, Summary
from .fix import DELETE, Edit, Fix
from .linter import Validator, validate
from .media import MediaFile, check_media_files
from .message import Message
from .registry import Registry, TemplatePlan, load_registry
from .rule import Context, MessageRef, Problem, Rule, RuleOptions, Scope
from .settings import Settings, load_settings

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
