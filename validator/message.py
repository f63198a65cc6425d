"""One campaign message as the loader hands it to the rules.

The payload stays the plain object that would be POSTed: rules read it defensively, so a
payload that is not even a JSON object still travels through the engine and gets a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .rule import MessageRef

__all__ = ["MALFORMED", "NOT_AN_OBJECT", "STATUS_UPDATE", "Message"]

# Kinds for messages that have no usable `type`: rules subscribe to them like to a type.
MALFORMED = "<malformed>"
NOT_AN_OBJECT = "<not-an-object>"
# A read receipt / typing indicator (`{"status": "read", "message_id": ...}`) is POSTed to the
# same endpoint but is not a message: it has neither `type` nor a recipient.
STATUS_UPDATE = "<status-update>"


# tuple.__new__ rather than MessageRef(...): half the cost, paid for most messages.
_new_ref = tuple.__new__


@dataclass(slots=True)
class Message:
    """A payload with the place it came from.

    ``index`` is the 0-based position in its file and ``line`` the 1-based line where it
    starts (None for messages handed over in memory). ``problem`` is set, and ``payload`` is
    None, when the loader could not decode this entry: the message still counts, and fails.
    ``raw`` keeps the exact bytes read, when the loader has them, so that split output can
    write a passing message back byte for byte. ``ambiguities`` lists what the loader
    noticed while decoding (see ``validator.jsonscan``).
    """

    file: str
    index: int
    line: int | None
    payload: Any
    problem: str | None = None
    raw: bytes | None = None
    #: Valid JSON the API may read differently from what the author meant: duplicated
    #: keys and integers no 64-bit parser holds, as (path, description) pairs.
    ambiguities: tuple[tuple[str, str], ...] = ()
    #: For an element of a JSON document (array or ``{"messages": [...]}``): where its text
    #: starts and ends, as character offsets in the decoded document (byte-order mark left
    #: out). ``--fix`` rewrites exactly that text; None for JSONL lines and CSV rows.
    span: tuple[int, int] | None = None
    #: For a template line of a JSONL file: the ``validator.skeleton.Known`` skeleton it was
    #: read through (the rules it answers for are skipped), else where to learn its skeleton
    #: (``skeleton.Pending``); None for everything else.
    skeleton: Any = None
    _kind: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def ref(self) -> MessageRef:
        """A small handle on this message for rules that report after the stream ends."""
        return _new_ref(MessageRef, (self.file, self.index, self.line))

    @property
    def kind(self) -> str:
        """The message type rules dispatch on (`text` when `type` is absent, as the API
        assumes); worked out once, as every rule and the engine ask."""
        kind = self._kind
        if kind is None:
            kind = self._kind = self._read_kind()
        return kind

    def _read_kind(self) -> str:
        if self.problem is not None:
            return MALFORMED
        payload = self.payload
        if not isinstance(payload, dict):
            return NOT_AN_OBJECT
        kind = payload.get("type")
        if kind is None:
            return STATUS_UPDATE if "status" in payload and "to" not in payload else "text"
        return kind if isinstance(kind, str) else repr(kind)
