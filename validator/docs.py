"""A rule's docstring is its manual; this module reads it.

The shape is fixed (ruff/sqlfluff style): a summary line, then **What it does**, **Why is
this bad?**, **Example** and **Use instead**, the last two as fenced ``jsonl`` blocks — one
payload per line — so that a test can run both and the manual can never go stale.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from .rule import Rule

__all__ = ["RuleDocs", "parse_docs", "rule_manual"]

_SECTION = re.compile(r"^\*\*(.+?)\*\*\s*$", re.MULTILINE)
_FENCE = re.compile(r"```jsonl\n(.*?)```", re.DOTALL)
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


@dataclass(frozen=True)
class RuleDocs:
    summary: str
    sections: dict[str, str]
    example: str | None
    fix: str | None


def parse_docs(cls: type[Rule]) -> RuleDocs:
    text = inspect.cleandoc(cls.__doc__ or "")
    summary, _, rest = text.partition("\n")
    sections: dict[str, str] = {}
    matches = list(_SECTION.finditer(rest))
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(rest)
        sections[match.group(1)] = rest[match.end():end].strip()

    def block(section: str) -> str | None:
        found = _FENCE.search(sections.get(section, ""))
        return found.group(1) if found else None

    return RuleDocs(summary.strip(), sections, block("Example"), block("Use instead"))


def rule_manual(cls: type[Rule]) -> str:
    """The text ``walint explain`` prints for a rule."""
    api = f", prevents API error {cls.api_error}" if cls.api_error else ""
    heading = f"{cls.code} {cls.name} ({cls.severity.value}, {cls.scope.value} rule{api})"
    return f"{heading}\n\n{inspect.cleandoc(cls.__doc__ or '')}\n"
