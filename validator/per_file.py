"""``per-file-ignores``: rules not reported for files matching a glob.

Applied where the engine records a finding (``Engine(ignored_for=...)``): the rules still run —
a campaign rule may need every message — but a finding about a matching file is dropped before
it is recorded, so it neither fails its message nor counts towards the per-message cap, and
``passed``/``failed`` always agree with the findings that are reported.

Patterns: ``*`` and ``?`` stay within one path segment, ``**`` spans segments, ``[...]`` is a
character class. A pattern without ``/`` matches the file name in any directory
(``*.csv``); one with ``/`` matches the path relative to the working directory, or the
absolute path when the pattern is absolute (configuration files anchor their patterns to
their own directory; see ``validator.settings``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

__all__ = ["PerFileIgnores", "glob_to_regex"]


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a path glob (``**`` across directories, ``*``/``?`` within one)."""
    out = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "*":
            if pattern.startswith("**", i):
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and pattern.find("]", i + 2) != -1:
            end = pattern.find("]", i + 2)
            body = pattern[i + 1:end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


class PerFileIgnores:
    """Compiled ``{glob: [rule codes]}``; ``codes`` are already resolved from selectors."""

    def __init__(self, table: Mapping[str, Iterable[str]]) -> None:
        self._entries = [(pattern, glob_to_regex(pattern.replace("\\", "/")), frozenset(codes))
                         for pattern, codes in table.items()]
        self.ignored_codes = lru_cache(maxsize=4096)(self._ignored_codes)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def _ignored_codes(self, file: str) -> frozenset[str]:
        """The rule codes not reported for ``file`` (a name as findings carry it)."""
        if not file or file.startswith("<"):
            return frozenset()
        absolute = os.path.abspath(file).replace("\\", "/")
        relative = os.path.normpath(file).replace("\\", "/")
        if os.path.isabs(file):
            try:
                relative = os.path.relpath(file).replace("\\", "/")
            except ValueError:
                pass
        basename = relative.rsplit("/", 1)[-1]
        codes: set[str] = set()
        for pattern, regex, rule_codes in self._entries:
            if "/" not in pattern.replace("\\", "/"):
                target = basename
            elif os.path.isabs(pattern):
                target = absolute
            else:
                target = relative
            if regex.match(target):
                codes |= rule_codes
        return frozenset(codes)
