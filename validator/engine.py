"""Run rules over a stream of messages and collect a report.

The engine knows no WhatsApp rule by name. It dispatches each message to the per-message
rules subscribed to its kind (computed once, so a template rule costs nothing on a text
message), lets campaign and network rules observe the stream, finishes them afterwards, and
stamps every problem with its location, the rule's identity and the configured severity.
A rule that raises becomes a finding against that rule, never a lost batch — except a
``WalintError`` (a rule's input named in the settings, such as an audience file, is broken),
which stops the run: walint cannot do its job (exit code 2).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping
from functools import cached_property, partial
from typing import Any, NamedTuple

from .errors import WalintError
from .findings import Finding, Report, Severity, Summary
from .message import MALFORMED, NOT_AN_OBJECT, Message, _new_ref
from .redact import redact
from .registry import Registry
from .rule import DEFAULT, NO_RECORDS, Context, MessageRef, Problem, Rule, Scope
from .skeleton import FirstSight, Known, KnownLine, KnownLines, Pending

__all__ = ["Engine"]


class Engine:
    """A configured run: the rules, the registry and the severities, reusable across batches."""

    def __init__(self, rules: Iterable[Rule], registry: Registry | None = None, *,
                 offline: bool = True, severities: Mapping[str, Severity] | None = None,
                 settings: Any = None, max_findings_per_message: int | None = 100,
                 ignored_for: Callable[[str], Collection[str]] | None = None) -> None:
        rules = list(rules)
        self.max_findings_per_message = max_findings_per_message
        #: file name → rule codes not reported for it (per-file-ignores): such a finding is
        #: dropped before it can fail its message or count towards the cap.
        self.ignored_for = ignored_for
        self.registry = registry
        self.offline = offline
        self.skipped: list[Rule] = [r for r in rules if r.needs_registry and registry is None]
        active = [r for r in rules if r not in self.skipped]
        # Network rules observe even offline (recording is cheap and needs no network), so the
        # summary can count the links they check — or skip; only their finish() is skipped.
        self._network = [r for r in active if r.scope is Scope.NETWORK]
        if offline:
            self.skipped += self._network
            active = [r for r in active if r.scope is not Scope.NETWORK]
        # A rule whose settings are all unset (no suppression list, no messaging limit) has
        # nothing to do: not calling it saves a call per message.
        probe = Context(settings=settings)
        self.idle = [r for r in active if r.needs_settings
                     and not any(probe.setting(name) for name in r.needs_settings)]
        active = [r for r in active if r not in self.idle]
        self.rules = active
        self.severities = {r.code: (severities or {}).get(r.code, r.severity) for r in rules}
        self.settings = settings
        self._per_message = [r for r in active if r.scope is Scope.MESSAGE]
        # Scope.FILE rules judge local media files (validator.media), never campaign messages.
        self._finishers = [r for r in active if r.scope in (Scope.CAMPAIGN, Scope.NETWORK)]
        self._watchers = watchers = [r for r in self._finishers + (self._network if offline else [])
                                     if r.observation() is not None]
        #: Rules that watch the stream through an ``observe`` of their own (plugins may).
        self._whole = [r for r in watchers if r.observation() == "whole"]
        #: (rule whose ``extract`` to call, rules whose ``collect`` takes the record) for
        #: each distinct ``extract`` of the rules that observe in parts.
        self._groups = _extract_groups([r for r in watchers if r.observation() == "parts"])
        self._for_all_objects = tuple(r for r in self._per_message if r.message_types is None)
        self._dispatch: dict[str, tuple[Rule, ...]] = {}
        for kind in {k for r in self._per_message for k in (r.message_types or ())}:
            self._dispatch[kind] = tuple(
                r for r in self._per_message if r.message_types is None or kind in r.message_types)
        # Entries that are not JSON objects reach only the rules that ask for them by kind.
        for kind in (MALFORMED, NOT_AN_OBJECT):
            self._dispatch[kind] = tuple(
                r for r in self._per_message if r.message_types and kind in r.message_types)
        #: The ``Rule.cache_by`` functions of the template rules, each once.
        self._cache_by = tuple(dict.fromkeys(
            type(rule).cache_by for rule in self.rules_for("template")
            if not rule.cacheable and rule.cache_by is not None))

    def rules_for(self, kind: str) -> tuple[Rule, ...]:
        """The per-message rules that read messages of this kind."""
        return self._dispatch.get(kind, self._for_all_objects)

    def lane(self, skeleton: Known, message: Message, ctx: Context) -> _Lane:
        """How lines read through ``skeleton`` are checked (``message`` is one of them),
        worked out once and kept with the skeleton."""
        lane = skeleton.lane
        if lane is None:
            lane = skeleton.lane = _Lane.compile(self, skeleton, message, ctx)
            skeleton.quick = lane.extracts if lane.quick else None
        return lane

    def key_function(self, payload: Any, ctx: Context) -> Callable[[str], Hashable] | None:
        """``Known.key`` of the skeleton of ``payload``: the ``Rule.cache_by`` values of a
        line from its ``to`` — one value, or a tuple of several — or None when they could not
        be worked out (the rules cached by them then run for every line)."""
        try:
            functions = [function for function in (by(payload, ctx) for by in self._cache_by)
                         if function is not None]
        except Exception:  # noqa: BLE001 - a broken cache_by only costs speed: the rules run
            return None
        if not functions:
            return _no_key
        if len(functions) == 1:
            return functions[0]
        return lambda to: tuple([function(to) for function in functions])

    def run(self, files: Iterable[tuple[str, Iterable[Message]]]) -> Report:
        """Check every message of every (name, messages) pair; return the report."""
        run = _Run(self)
        for name, messages in files:
            run.files += 1
            run.consume(name, messages)
        return run.finish()


def _no_key(to: str) -> None:
    """The key of a skeleton whose rules depend on nothing that varies."""


class _Lane(NamedTuple):
    """How lines read through a known skeleton are checked, worked out once for it."""

    #: The rules to run: ``rules[True]`` when the skeleton passed the rules cached by a value
    #: under the line's (``Known.key``), ``rules[False]`` otherwise. In the order of
    #: ``rules_for``: the order findings are recorded in, which the findings cap sees.
    rules: tuple[tuple[Rule, ...], tuple[Rule, ...]]
    #: For each extract group: ``Rule.skeleton_extract``'s function of (line, to), None where
    #: the group's ``extract`` reads the message, or ``NO_RECORDS``.
    extractors: tuple[Any, ...]
    #: Whether the line's texts must be written into the payload before the campaign rules
    #: see it (an ``extract``, or an ``observe`` of a plugin's, reads the message itself).
    fill: bool
    #: Whether a line whose key the skeleton passed needs nothing but these functions, as
    #: (group number, function): ``_Run.through_skeletons`` does it without a ``Message``.
    quick: bool
    extracts: tuple[tuple[int, Callable[[bytes, str], Any]], ...]

    @classmethod
    def compile(cls, engine: Engine, skeleton: Known, message: Message, ctx: Context) -> _Lane:
        def needed(rule: Rule, key_passed: bool) -> bool:
            if rule.cacheable:
                return rule in skeleton.rerun
            return rule.cache_by is None or not key_passed

        template = engine.rules_for("template")
        rules = (tuple(r for r in template if needed(r, False)),
                 tuple(r for r in template if needed(r, True)))
        extractors = []
        for extractor, _ in engine._groups:
            try:
                extractors.append(extractor.skeleton_extract(message, ctx))
            except Exception:  # noqa: BLE001 - its extract runs instead, and says what is wrong
                extractors.append(None)
        fill = bool(engine._whole) or None in extractors
        replayed = {rule for rule, _ in skeleton.problems}
        quick = not fill and skeleton.key is not None and all(rule in replayed for rule in rules[True])
        extracts = tuple((group, function) for group, function in enumerate(extractors)
                         if function is not NO_RECORDS)
        return cls(rules, tuple(extractors), fill, quick, extracts)


def _extract_groups(rules: list[Rule]) -> list[tuple[Rule, tuple[Rule, ...]]]:
    """Rules sharing one ``extract`` get one record per message; of rules that also share
    the state ``collect`` fills (``Rule.shared_observe``), the first collects for all."""
    groups: dict[Any, list[Rule]] = {}
    for rule in rules:
        groups.setdefault(type(rule).extract, []).append(rule)
    return [(members[0], (members[0],) if members[0].shared_observe else tuple(members))
            for members in groups.values()]


class _Run:
    """The mutable state of one ``Engine.run``: counts, failures and findings."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ctx = Context(engine.registry, offline=engine.offline, settings=engine.settings)
        self.files = 0
        self.messages = 0
        #: Chunks handed to worker processes so far (``validator.parallel``): their numbers.
        self.chunks = 0
        self.file_order: dict[str, int] = {}
        self.file_messages: dict[str, int] = {}
        self.failed: set[tuple[str, int]] = set()
        #: Findings, as the arguments of ``Finding.of`` until the run ends: a tuple holds a
        #: finding in a tenth of the memory, while the campaign rules hold theirs.
        self.findings: list[tuple] = []
        # Per-message cap: how many findings each message has, and where the last kept one is.
        self.per_message: dict[tuple[str, int | None], int] = {}
        self.capped: dict[tuple[str, int | None], int] = {}
        for rule in engine._watchers:
            rule.start(self.ctx)

    def consume(self, name: str, messages: Iterable[Message]) -> None:
        self.file_order.setdefault(name, len(self.file_order))
        before = self.messages
        feed = getattr(messages, "feed", None)
        if feed is not None:  # a source that is checked in worker processes (validator.parallel)
            for _ in feed(self, name):
                pass
        else:
            check, observe = self.check, self.observe
            for message in messages:
                if type(message) is KnownLines:
                    self.messages += len(message)
                    self.through_skeletons(name, message)
                    continue
                if type(message) is FirstSight:
                    self.messages += len(message)
                    self.first_sight(name, message)
                    continue
                self.messages += 1
                check(message)
                observe(message)
            self.ctx.message = None
        self.file_messages[name] = self.file_messages.get(name, 0) + self.messages - before

    def through_skeletons(self, file: str, lines: KnownLines) -> None:
        """Lines read through known skeletons, in order. One whose skeleton answers for
        every rule under its ``Rule.cache_by`` values (recording again the problems that are
        the skeleton's, ``Known.problems``), and whose records the campaign rules take from
        the line (``Rule.skeleton_extract``), is done here without a ``Message``: what
        ``check`` and ``observe`` would do, at a fraction of the cost. The others are checked
        as messages."""
        adders = self.adders
        for line in lines:
            known, raw, index, number = line
            extracts = known.quick
            if extracts is not None:
                to = raw[known.to].decode()
                try:
                    passed = known.key(to) in known.passed
                except Exception:  # noqa: BLE001 - a broken cache_by: the rules say what is wrong
                    passed = False
                if passed:
                    for rule, problem in known.problems:
                        self.record(rule, problem, (file, index, number))
                    for group, extract in extracts:
                        try:
                            adders[group](extract, file, raw, to, index, number)
                        except WalintError:
                            raise
                        except Exception as exc:  # noqa: BLE001 - a buggy rule must not lose the batch
                            self.record_crash(self.engine._groups[group][0], exc, (file, index, number))
                    continue
            message = KnownLine.message(line, file)
            self.check(message)
            self.observe(message)

    def first_sight(self, file: str, lines: FirstSight) -> None:
        """Lines each the first of this run read through a skeleton learnt in an earlier
        run: checked as messages, the records the skeleton's first line stands for made."""
        for line in lines:
            message = KnownLine.message(line, file)
            self.check(message)
            self.observe(message, first_sight=True)

    def check(self, message: Message) -> None:
        """Run the per-message rules on one message."""
        ctx = self.ctx
        ctx.message = message
        skeleton = message.skeleton
        if type(skeleton) is Known:
            self.check_known(message, skeleton)
            return
        kind = message.kind
        payload = message.payload
        # A template line teaches its skeleton which cacheable rules it fails (they run again
        # for every line read through it) and whether the rules cached by a value passed.
        learning = type(skeleton) is Pending and kind == "template" and not message.ambiguities
        failed: set[Rule] = set()
        crashed: set[Rule] = set()
        problems: list[tuple[Rule, Problem]] = []
        for rule in self.engine.rules_for(kind):
            try:
                for problem in rule.check(payload, ctx):
                    failed.add(rule)
                    if learning:
                        problems.append((rule, problem))
                    self.record(rule, problem, message)
            except WalintError:
                raise  # walint cannot do its job (a broken audience file): exit 2
            except Exception as exc:  # noqa: BLE001 - a buggy rule must not lose the batch
                failed.add(rule)
                crashed.add(rule)
                self.record_crash(rule, exc, message)
        if learning:
            known = skeleton.book.learn(skeleton, message.raw, payload)
            if known is not None:
                known.rerun = frozenset(rule for rule in failed if rule.cacheable)
                self._learn_problems(known, problems, crashed)
                key = known.key = self.engine.key_function(payload, ctx)
                if key is not None and not any(rule.cache_by is not None for rule in failed):
                    try:
                        known.passed.add(key(payload["to"]))
                    except Exception:  # noqa: BLE001 - a broken cache_by: nothing is learnt
                        known.key = None

    @staticmethod
    def _learn_problems(known: Known, problems: list[tuple[Rule, Problem]], crashed: set[Rule]) -> None:
        """The failed rules whose problems are the skeleton's (``Rule.skeleton_problems``),
        and those problems: recorded again for each later line, the rules not run. A rule
        that crashed, or pointed a problem at another message, is run for each line."""
        replayed = {rule for rule in known.rerun if rule.skeleton_problems and rule not in crashed}
        replayed -= {rule for rule, problem in problems if problem.at is not None}
        known.problems = tuple((rule, problem) for rule, problem in problems if rule in replayed)

    def check_known(self, message: Message, skeleton: Known) -> None:
        """A template line read through a known skeleton: only the rules the skeleton does
        not answer for run — the cacheable rules it failed, the rules cached by a value
        under which it has not passed them, the rules that cache nothing."""
        ctx = self.ctx
        key, value = skeleton.key, None
        if key is not None:
            try:
                value = key(message.payload["to"])
            except Exception:  # noqa: BLE001 - a broken cache_by: its rules run, and learn nothing
                key = None
        passed = key is not None and value in skeleton.passed
        rules = self.engine.lane(skeleton, message, ctx).rules[passed]
        if not rules:
            return
        skeleton.fill(message.raw)
        payload = message.payload
        learn = key is not None and not passed
        for rule in rules:
            try:
                for problem in rule.check(payload, ctx):
                    if rule.cache_by is not None:
                        learn = False
                    self.record(rule, problem, message)
            except WalintError:
                raise
            except Exception as exc:  # noqa: BLE001
                if rule.cache_by is not None:
                    learn = False
                self.record_crash(rule, exc, message)
        if learn:
            skeleton.passed.add(value)

    def records(self, message: Message,
                first_sight: bool = False) -> Iterator[tuple[int, Rule, Any]]:
        """(group number, extracting rule, record) of each extract group that has a record
        of ``message``; a crash of an extract is recorded as the rule's finding. With
        ``first_sight`` (``FirstSight``), the groups whose records of a line read through a
        skeleton are its first line's (``NO_RECORDS``) extract this one."""
        ctx = self.ctx
        skeleton = message.skeleton
        extractors = None
        if type(skeleton) is Known:
            lane = self.engine.lane(skeleton, message, ctx)
            if lane.fill or first_sight:
                skeleton.fill(message.raw)
            extractors, raw, to = lane.extractors, message.raw, message.payload["to"]
        for number, (extractor, _) in enumerate(self.engine._groups):
            function = None if extractors is None else extractors[number]
            if function is NO_RECORDS and not first_sight:
                continue
            try:
                if function is None or function is NO_RECORDS:
                    record = extractor.extract(message, ctx)
                else:
                    record = function(raw, to)
            except WalintError:
                raise
            except Exception as exc:  # noqa: BLE001 - a buggy rule must not lose the batch
                self.record_crash(extractor, exc, message)
                continue
            if record is not None:
                yield number, extractor, record

    def observe(self, message: Message, first_sight: bool = False) -> None:
        """Show one message to the campaign and network rules (``first_sight``: see
        ``records``)."""
        ref = None
        keep = self.keep
        for number, _, record in self.records(message, first_sight):
            ref = ref or message.ref
            keep(number, ref, record)
        ctx = self.ctx
        for rule in self.engine._whole:
            try:
                rule.observe(message, ctx)
            except WalintError:
                raise
            except Exception as exc:  # noqa: BLE001
                self.record_crash(rule, exc, message)

    @cached_property
    def adders(self) -> list[Callable[[Callable[[bytes, str], Any], str, bytes, str, int, int], None]]:
        """For each extract group, what takes a line read through a skeleton
        (``through_skeletons``) with the group's ``Rule.skeleton_extract`` function of it:
        ``(extract, file, line, to, index, line number)``. Here the record is made and kept
        (``keep``); a worker hands the line to the group's ``Gathering.add_line``. A crash
        there is the crash of the group's extracting rule."""
        return [partial(self._keep_line, group) for group in range(len(self.engine._groups))]

    def _keep_line(self, group: int, extract: Callable[[bytes, str], Any], file: str,
                   line: bytes, to: str, index: int, number: int) -> None:
        record = extract(line, to)
        if record is not None:
            self.keep(group, (file, index, number), record)  # a MessageRef's fields (see keep)

    def keep(self, group: int, ref: MessageRef | tuple, record: Any) -> None:
        """Hand the record of extract group number ``group`` to its collectors. ``ref`` may be
        a ``MessageRef``'s fields as a plain tuple (lines read through skeletons: a worker's
        ``Gathering`` takes it so, a collector gets a ``MessageRef``)."""
        if type(ref) is not MessageRef:
            ref = _new_ref(MessageRef, ref)
        self.collect(self.engine._groups[group][1], ref, record)

    def collect(self, collectors: tuple[Rule, ...], ref: MessageRef, record: Any) -> None:
        for rule in collectors:
            try:
                rule.collect(ref, record, self.ctx)
            except WalintError:
                raise
            except Exception as exc:  # noqa: BLE001
                self.record_crash(rule, exc, ref)

    def finish(self) -> Report:
        ctx = self.ctx
        for rule in self.engine._finishers:
            try:
                for problem in rule.finish(ctx):
                    self.record(rule, problem, None)
            except WalintError:
                raise
            except Exception as exc:  # noqa: BLE001
                self.record_crash(rule, exc, None)
        self.note_caps()
        order = self.file_order
        # (file, line, index, rule, ...): in file order, by index, then rule code.
        self.findings.sort(key=lambda f: (order.get(f[0], len(order)), -1 if f[2] is None else f[2], f[3]))
        errors = sum(1 for f in self.findings if f[5] is Severity.ERROR)
        failed = len(self.failed)
        links = self.count_links()
        summary = Summary(files=self.files, messages=self.messages, passed=self.messages - failed,
                          failed=failed, errors=errors, warnings=len(self.findings) - errors,
                          links_checked=0 if self.engine.offline else links,
                          links_skipped=links if self.engine.offline else 0)
        # What the campaign rules kept for the run (one entry per recipient) is let go before
        # the findings are made: the two need not be in memory together.
        ctx.shared.clear()
        findings = [Finding.of(*finding) for finding in self.findings]
        self.findings = []
        return Report(summary=summary, findings=findings, file_messages=self.file_messages)

    def count_links(self) -> int:
        """Distinct URLs the network rules recorded (``Rule.urls``); a collection shared by
        several rules (the same object) is counted once."""
        collections: dict[int, Any] = {}
        for rule in self.engine._network:
            try:
                urls = rule.urls(self.ctx)
            except Exception:  # noqa: BLE001 - a count is not worth a lost report
                continue
            if urls:
                collections[id(urls)] = urls
        if len(collections) <= 1:
            return sum(len(urls) for urls in collections.values())
        return len(set().union(*collections.values()))

    def record(self, rule: Rule, problem: Problem, message: Message | MessageRef | None,
               severity: Severity | None = None) -> None:
        if problem.at is not None:
            at = problem.at
        elif isinstance(message, Message):
            at = message.ref
        else:
            at = message
        severity = severity or self.engine.severities[rule.code]
        api_error = rule.api_error if problem.api_error is DEFAULT else problem.api_error
        if at is None:  # a finding about the whole run
            file, index, line = "", None, None
        else:
            file, index, line = at
        ignored_for = self.engine.ignored_for
        if ignored_for is not None and rule.code in ignored_for(file):
            return
        if severity is Severity.ERROR and index is not None:
            self.failed.add((file, index))
        cap = self.engine.max_findings_per_message
        if cap is not None and index is not None:
            key = (file, index)
            count = self.per_message[key] = self.per_message.get(key, 0) + 1
            if count > cap:
                return  # counted in note_caps(); the verdict above is already recorded
            if count == cap:
                self.capped[key] = len(self.findings)
        fix = problem.fix
        self.findings.append((
            file, line, index, rule.code, rule.name, severity, api_error, problem.path,
            redact(problem.message), redact(fix.description) if fix is not None else None,
            fix.applicability if fix is not None else None))

    def note_caps(self) -> None:
        """A message that hit the findings cap says so on its last finding shown."""
        for key, position in self.capped.items():
            hidden = self.per_message[key] - self.engine.max_findings_per_message
            if hidden > 0:
                last = self.findings[position]
                message = (f"{last[8]} [and {hidden} more finding{'s' if hidden != 1 else ''} "
                           "for this message, not shown: max-findings-per-message]")
                self.findings[position] = (*last[:8], message, *last[9:])

    def record_crash(self, rule: Rule, exc: Exception, message: Message | MessageRef | None) -> None:
        """A crash is an error whatever the rule's severity: the message was not checked."""
        detail = f"{type(exc).__name__}: {exc}"[:300]
        self.record(rule, Problem("", f"internal error in {rule.code}: {detail}", None), message,
                    Severity.ERROR)
