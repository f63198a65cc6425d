"""Fixes are data: what a rule proposes to change in a payload, and how sure it is.

A rule that knows the one correct repair for what it found attaches a ``Fix`` to its
``Problem``. A fix is a tuple of ``Edit`` — set the value at a path of the payload, or
``DELETE`` the key there — plus a one-line description (``write +16505551234``) and whether
it is *safe*: a safe fix cannot change what the message means or where the API delivers it
(``+1 650-555-1234`` → ``+16505551234``); an unsafe fix is a repair a person should review
(collapsing a line break in a parameter changes the text the customer reads) and is applied
only with ``--unsafe-fixes``.

Fixes never mutate the payload they were computed from: ``apply_edits`` copies the dicts
and lists along each edited path and shares everything else, so a sender's own objects stay
as they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

__all__ = ["DELETE", "Edit", "Fix", "FixApplicability", "Path", "apply_edits", "parse_path", "value_at"]

#: A location inside a payload: keys of objects and indexes of lists, outermost first.
Path = tuple["str | int", ...]
FixApplicability = Literal["safe", "unsafe"]


class _Delete:
    """Marker value of an ``Edit`` that removes the key at its path."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()


class Edit(NamedTuple):
    """Set ``value`` at ``path`` (the key or index must exist), or remove the key when
    ``value`` is ``DELETE``."""

    path: Path
    value: Any


class Fix(NamedTuple):
    """A repair a rule proposes for one finding."""

    edits: tuple[Edit, ...]
    safe: bool
    description: str

    @property
    def applicability(self) -> FixApplicability:
        return "safe" if self.safe else "unsafe"

    @classmethod
    def replace(cls, path: Path, value: Any, description: str, *, safe: bool = True) -> Fix:
        """The common case: one value replaced."""
        return cls((Edit(tuple(path), value),), safe, description)

    @classmethod
    def delete(cls, path: Path, description: str, *, safe: bool = True) -> Fix:
        return cls((Edit(tuple(path), DELETE),), safe, description)


_MISSING: Any = object()


def value_at(payload: Any, path: Path) -> Any:
    """The value at ``path``, or raise ``LookupError`` when the path does not exist."""
    node = payload
    for step in path:
        in_object = isinstance(node, dict) and isinstance(step, str) and step in node
        in_list = (isinstance(node, list) and isinstance(step, int)
                   and not isinstance(step, bool) and 0 <= step < len(node))
        if not (in_object or in_list):
            raise LookupError(path)
        node = node[step]
    return node


def apply_edits(payload: Any, edits: Iterable[Edit]) -> Any:
    """A copy of ``payload`` with ``edits`` applied (copy-on-write along each path).

    Raises ``LookupError`` when a path does not exist (the fix was computed for another
    payload); nothing is changed then."""
    root = payload
    copied: set[int] = set()  # containers already copied by this call: edit them in place
    for edit in edits:
        if not edit.path:
            raise LookupError(edit.path)
        value_at(root, edit.path)  # the whole path exists
        if id(root) not in copied:
            root = _copy(root)
            copied.add(id(root))
        node = root
        for step in edit.path[:-1]:
            child = node[step]
            if id(child) not in copied:
                child = _copy(child)
                copied.add(id(child))
                node[step] = child
            node = child
        last = edit.path[-1]
        if edit.value is DELETE:
            if not isinstance(node, dict):
                raise LookupError(edit.path)  # only keys of objects can be removed
            del node[last]
        else:
            node[last] = edit.value
    return root


def _copy(container: Any) -> Any:
    return dict(container) if isinstance(container, dict) else list(container)


def parse_path(text: str) -> Path:
    """``template.components[1].parameters[0].text`` → ``("template", "components", 1,
    "parameters", 0, "text")`` — the path format of findings, for rules that build fixes
    from a finding's path."""
    out: list[str | int] = []
    for part in text.split("."):
        name, _, rest = part.partition("[")
        if name:
            out.append(name)
        while rest:
            number, _, rest = rest.partition("]")
            out.append(int(number))
            rest = rest.removeprefix("[")
    return tuple(out)
