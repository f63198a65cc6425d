"""Apply the rules' fixes to a stream of messages, before the engine checks them.

``Fixer.stream`` sits between the loader and the engine. For each message it runs only the
per-message rules that declare ``fixable`` (a handful, so a campaign with nothing to fix
costs little), applies the fixes it may apply — safe ones, and unsafe ones with
``unsafe_fixes`` — and runs those rules again on the repaired payload, until nothing more
changes (at most ``MAX_ROUNDS`` times: one fix may reveal the next, such as a template name
whose case is fixed first and whose language code can then be matched with the registry).
The engine then checks the repaired payload like any other, so the report holds exactly
what remains — campaign rules included — and a fixed finding is never reported as an error.

Each applied fix is kept as the ``Finding`` it repaired (``Report.fixed_findings``) and, for
messages read from files, as the edits a rewrite needs (``validator.rewrite``): the paths
changed, the value each had, and the new one. Nothing is written here.

Not fixed, so that what is written back is exactly what was checked:

* an entry that could not be decoded, or a payload that is not an object;
* a message whose JSON has duplicated keys or integers beyond 64 bits (WA003: which value
  the API would read is unknown, so no value is rewritten);
* in a CSV campaign, an edit that has no cell to go to (a CSV row cannot hold a caption):
  the CSV column convention of ``validator.csv_campaign`` decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import WalintError
from .findings import Finding
from .fix import DELETE, Fix, Path, apply_edits, value_at
from .message import Message
from .redact import redact
from .rule import DEFAULT, Context, Problem, Rule

__all__ = ["MAX_ROUNDS", "FileChanges", "Fixer", "MessageChanges"]

#: Rounds of fixing per message; ruff allows 100, but walint's fixes settle in two or three.
MAX_ROUNDS = 10

#: CSV columns whose value the CSV reader trims (``validator.csv_campaign``).
CSV_TRIMMED = frozenset({"to", "template", "language"})


@dataclass
class MessageChanges:
    """What changed in one message: ``edits`` as (path, value before, value after), each
    path once, in the order first changed; ``cells`` the same for a CSV row, keyed by
    column (``("to",)``, ``("body", 1)``, ``("body", "first_name")``, ``("button", 0)``)."""

    index: int
    line: int | None
    span: tuple[int, int] | None
    edits: list[tuple[Path, Any, Any]] = field(default_factory=list)
    cells: list[tuple[tuple, Any, Any]] = field(default_factory=list)


@dataclass
class FileChanges:
    """The changes of one campaign file, in message order. ``name`` is the file as
    findings name it, ``source`` the file to read again when rewriting (None when there is
    none: standard input not kept)."""

    name: str
    source: str | None
    csv: bool
    messages: list[MessageChanges] = field(default_factory=list)
    fixes: int = 0


class Fixer:
    """Fixes messages with the rules of ``engine`` (its rules, registry, settings, severities
    and per-file ignores)."""

    def __init__(self, engine: Any, *, unsafe: bool = False, record: bool = False) -> None:
        self.engine = engine
        self.unsafe = unsafe
        self.record = record
        self.ctx = Context(engine.registry, offline=engine.offline, settings=engine.settings)
        self.applied: list[Finding] = []
        self.files: dict[str, FileChanges] = {}
        self._rules: dict[str, tuple[Rule, ...]] = {}

    def rules_for(self, kind: str) -> tuple[Rule, ...]:
        try:
            return self._rules[kind]
        except KeyError:
            found = self._rules[kind] = tuple(r for r in self.engine.rules_for(kind)
                                              if getattr(r, "fixable", None))
            return found

    def stream(self, name: str, messages: Iterable[Message], *, source: str | None = None,
               payloads: list[Any] | None = None) -> Iterator[Message]:
        """``messages`` with their fixes applied. ``source`` is the file to rewrite later
        (None for messages held in memory); ``payloads``, when given, receives every
        payload, fixed or not, in order."""
        csv = source is not None and name.lower().endswith(".csv")
        changes = None
        if self.record and source is not None:
            changes = self.files.setdefault(name, FileChanges(name, source, csv))
        for message in messages:
            fixed = self.fix(message, changes, csv, writable=source is not None)
            if payloads is not None:
                payloads.append(fixed.payload)
            yield fixed

    def fix(self, message: Message, changes: FileChanges | None = None, csv: bool = False,
            *, writable: bool = False) -> Message:
        """The message with its fixes applied (the same object when nothing applies)."""
        payload = message.payload
        if message.problem is not None or not isinstance(payload, dict) or message.ambiguities:
            return message
        rules = self.rules_for(message.kind)
        if not rules:
            return message
        ignored = self._ignored(message.file)
        if writable and not csv and message.raw is None and message.span is None:
            return message  # nowhere to write a change back
        original = payload
        applied: list[tuple[Rule, Problem]] = []
        current = message
        for _ in range(MAX_ROUNDS):
            chosen = self._round(current, rules, ignored, csv, original)
            if not chosen:
                break
            for rule, problem in chosen:
                try:
                    payload = apply_edits(payload, problem.fix.edits)
                except LookupError:
                    continue
                applied.append((rule, problem))
            current = _with_payload(message, payload)
        if not applied:
            return message
        for rule, problem in applied:
            self.applied.append(self._finding(rule, problem, message))
        if changes is not None:
            changes.fixes += len(applied)
            changes.messages.append(_changes(message, original, payload, applied, csv))
        return current

    def _round(self, message: Message, rules: tuple[Rule, ...], ignored: Any, csv: bool,
               original: dict) -> list[tuple[Rule, Problem]]:
        """The fixes to apply to ``message`` now: applicable, effective, and touching no
        path another chosen fix touches."""
        ctx = self.ctx
        ctx.message = message
        payload = message.payload
        chosen: list[tuple[Rule, Problem]] = []
        touched: list[Path] = []
        try:
            for rule in rules:
                if rule.code in ignored:
                    continue
                try:
                    problems = list(rule.check(payload, ctx))
                except WalintError:
                    raise
                except Exception:  # noqa: BLE001, S112 - the engine reports the crash
                    continue
                for problem in problems:
                    fix = problem.fix
                    if not isinstance(fix, Fix) or not fix.edits:
                        continue
                    if not fix.safe and not self.unsafe:
                        continue
                    if not _changes_something(payload, fix):
                        continue
                    paths = [edit.path for edit in fix.edits]
                    if any(_overlap(p, q) for p in paths for q in touched):
                        continue  # next round
                    if csv and any(csv_column(original, p) is None for p in paths):
                        continue  # a CSV row has no cell for it
                    chosen.append((rule, problem))
                    touched.extend(paths)
        finally:
            ctx.message = None
        return chosen

    def _ignored(self, file: str) -> Any:
        ignored_for = getattr(self.engine, "ignored_for", None)
        return ignored_for(file) if ignored_for is not None else ()

    def _finding(self, rule: Rule, problem: Problem, message: Message) -> Finding:
        api_error = rule.api_error if problem.api_error is DEFAULT else problem.api_error
        return Finding.of(message.file, message.line, message.index, rule.code, rule.name,
                          self.engine.severities[rule.code], api_error, problem.path,
                          redact(problem.message), redact(problem.fix.description),
                          problem.fix.applicability)


def _with_payload(message: Message, payload: Any) -> Message:
    # raw no longer matches the payload: whoever needs the bytes reads the rewritten file.
    return Message(message.file, message.index, message.line, payload, raw=None,
                   ambiguities=message.ambiguities, span=message.span)


def _changes_something(payload: Any, fix: Fix) -> bool:
    for edit in fix.edits:
        try:
            current = value_at(payload, edit.path)
        except LookupError:
            return False
        if edit.value is DELETE or current != edit.value or type(current) is not type(edit.value):
            return True
    return False


def _overlap(a: Path, b: Path) -> bool:
    """One path is the other or lies inside it."""
    return a[:len(b)] == b or b[:len(a)] == a


def _changes(message: Message, original: dict, fixed: Any,
             applied: list[tuple[Rule, Problem]], csv: bool) -> MessageChanges:
    """The edits from ``original`` to ``fixed``: every path a fix touched, once, with the
    value it had and the value it has now (``DELETE`` when removed)."""
    out = MessageChanges(message.index, message.line, message.span)
    seen: set[Path] = set()
    for _, problem in applied:
        for edit in problem.fix.edits:
            if edit.path in seen:
                continue
            seen.add(edit.path)
            before = value_at(original, edit.path)
            try:
                after = value_at(fixed, edit.path)
            except LookupError:
                after = DELETE
            if csv:
                out.cells.append((csv_column(original, edit.path), before, after))
            else:
                out.edits.append((edit.path, before, after))
    return out


def csv_column(payload: dict, path: Path) -> tuple | None:
    """The CSV column a payload value came from (``validator.csv_campaign``'s convention),
    or None when the value has no cell of its own."""
    if path == ("to",):
        return ("to",)
    if path == ("template", "name"):
        return ("template",)
    if path == ("template", "language", "code"):
        return ("language",)
    if (len(path) == 6 and path[:2] == ("template", "components") and path[3] == "parameters"
            and path[5] == "text"):
        try:
            component = value_at(payload, path[:3])
            param = value_at(payload, path[:5])
        except LookupError:
            return None
        kind = component.get("type") if isinstance(component, dict) else None
        number = path[4]
        if kind == "header" and number == 0:
            return ("header",)
        if kind == "body" and isinstance(param, dict):
            name = param.get("parameter_name")
            return ("body", name) if isinstance(name, str) else ("body", number + 1)
        if kind == "button" and number == 0:
            index = component.get("index")
            if isinstance(index, str) and index.isdigit():
                return ("button", int(index))
    return None
