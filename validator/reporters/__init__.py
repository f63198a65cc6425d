"""Report formats: a name → class table that the command line reads its choices from.

The table names each reporter's module and class and imports it on first use, so listing the
choices (``--format``) costs nothing and a run imports only the reporter it prints with.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Reporter

#: Formats whose output is meant for a program: no progress bar, statistics go to stderr.
MACHINE_FORMATS = frozenset({"json", "jsonl", "sarif", "github", "junit", "gitlab"})


class _ReporterTable(Mapping[str, "type[Reporter]"]):
    """``REPORTERS["sarif"]`` is the SARIF reporter class, imported when first asked for."""

    def __init__(self, entries: dict[str, str]) -> None:
        self._entries = entries
        self._loaded: dict[str, type[Reporter]] = {}

    def __getitem__(self, name: str) -> type[Reporter]:
        if name not in self._loaded:
            module, _, attr = self._entries[name].partition(":")
            self._loaded[name] = getattr(import_module(module, __name__), attr)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries


REPORTERS: Mapping[str, type[Reporter]] = _ReporterTable({
    "github": ".github:GithubReporter",
    "gitlab": ".gitlab:GitlabReporter",
    "json": ".json:JsonReporter",
    "jsonl": ".jsonl:JsonlReporter",
    "junit": ".junit:JunitReporter",
    "sarif": ".sarif:SarifReporter",
    "text": ".text:TextReporter",
})


def __getattr__(name: str) -> object:
    if name == "Reporter":
        from .base import Reporter

        return Reporter
    raise AttributeError(name)


__all__ = ["MACHINE_FORMATS", "REPORTERS", "Reporter"]
