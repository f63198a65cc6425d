"""walint's engine: load campaigns, run rules, report.

    >>> from validator import validate
    >>> report = validate([payload], registry="templates_registry.yaml")
    >>> report.ok, report.failed_indexes()
"""

from .errors import ConfigError, InputError, RegistryError, RulePackError, WalintError
from .findings import Finding, Report, Severity, Summary
from .linter import Validator, validate
from .message import Message
from .registry import Registry, TemplatePlan, load_registry
from .rule import Context, MessageRef, Problem, Rule, RuleOptions, Scope

__all__ = [
    "ConfigError",
    "Context",
    "Finding",
    "InputError",
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
    "Severity",
    "Summary",
    "TemplatePlan",
    "Validator",
    "WalintError",
    "load_registry",
    "validate",
]
