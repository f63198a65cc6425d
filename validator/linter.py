"""The library entry point: configure once, validate batches or files many times.

A sender validating inline builds one ``Validator`` (registry compiled, rules created and
dispatch computed once) and calls ``validate`` per message or per batch; ``validate()`` is
the one-shot convenience. Nothing here touches the network unless ``offline=False``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .cachedir import stop_process_caches
from .catalog import (
    _matches,
    all_rule_classes,
    instantiate,
    parse_severities,
    select_rules,
)
from .engine import Engine
from .errors import ConfigError
from .findings import Report
from .loader import messages_from_payloads, read_campaign, sent_payloads
from .message import Message
from .per_file import PerFileIgnores
from .registry import Registry, load_registry
from .rule import Rule
from .settings import Settings
from .skeleton import KnownLines, Skeletons

__all__ = ["Validator", "validate"]


class Validator:
    """A configured linter.

    ``registry`` is a ``Registry``, a path to a registry file, or None (rules that need the
    registry are then skipped; ``skipped_rules`` lists them). ``select``/``ignore`` take
    codes, code prefixes (``"WA2"``) or names; ``severity`` overrides default severities;
    ``options`` maps a rule code or name to its options.

    ``settings`` is a ``Settings`` (what the command line builds from flags and the
    configuration file); keyword arguments given explicitly override it. Rules see it as
    ``ctx.settings``. Without ``settings`` the library stays offline unless ``offline=False``;
    with it, ``settings.offline`` decides.
    """

    def __init__(self, registry: Registry | str | Path | None = None, *,
                 select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                 severity: Mapping[str, str] | None = None,
                 options: Mapping[str, Mapping[str, Any]] | None = None,
                 offline: bool | None = None, plugins: bool = True,
                 settings: Settings | None = None) -> None:
        overrides = {key: value for key, value in {
            "select": list(select) if select is not None else None,
            "ignore": list(ignore) if ignore is not None else None,
            "severity": dict(severity) if severity is not None else None,
            "options": {k: dict(v) for k, v in options.items()} if options is not None else None,
            "offline": offline,
        }.items() if value is not None}
        if settings is None:
            # The library stays offline unless asked (offline=False overrides this default).
            settings = Settings.build(**{"offline": True, **overrides})
        elif overrides:
            settings = settings.replace(**overrides)
        self.settings = settings
        if settings.no_cache:
            stop_process_caches()
        if registry is None:
            registry = settings.registry
        if isinstance(registry, (str, Path)):
            registry = load_registry(registry, cache=not settings.no_cache)
        self.registry = registry
        known = all_rule_classes(plugins=plugins)
        _check_selectors(known, settings)
        chosen = select_rules(known, settings.selected(), settings.ignore)
        rules = _attributed(settings, "options", instantiate, chosen, settings.options)
        severities = _attributed(settings, "severity", parse_severities, settings.severity, known)
        self.per_file_ignores = PerFileIgnores({
            pattern: _codes(known, selectors) for pattern, selectors in settings.per_file_ignores.items()})
        ignored_for = self.per_file_ignores.ignored_codes if self.per_file_ignores else None
        self.engine = Engine(rules, registry, offline=settings.offline, severities=severities,
                             settings=settings, ignored_for=ignored_for,
                             max_findings_per_message=settings.max_findings_per_message)

    @property
    def skipped_rules(self) -> list[str]:
        """Codes of selected rules that will not run (no registry, or offline)."""
        return [rule.code for rule in self.engine.skipped]

    def validate(self, payloads: Iterable[Any], *, file: str = "<memory>", fix: bool = False,
                 unsafe_fixes: bool | None = None) -> Report:
        """Check payload dicts held in memory; findings carry their 0-based ``index``.

        Without fixes, each payload is checked as the JSON it is sent as
        (``validator.loader.sent_payloads``), template payloads through the skeletons this
        Validator keeps from call to call, per thread: a call costs little once a payload
        written alike has been checked.

        With ``fix=True`` the fixes rules offer are applied first (safe ones; unsafe ones
        too with ``unsafe_fixes``, default ``settings.unsafe_fixes``): the report holds what
        remains, ``report.fixed_findings`` what was fixed and ``report.fixed_payloads``
        every payload in order, repaired or as given. The given objects are never changed."""
        if not fix:
            skeletons = self._memory_skeletons() if self.skeletons else None
            return self.engine.run([(file, sent_payloads(payloads, file, skeletons))])
        fixer = self._fixer(unsafe_fixes, record=False)
        fixed: list[Any] = []
        messages = fixer.stream(file, messages_from_payloads(payloads, file), payloads=fixed)
        return _with_fixes(self.engine.run([(file, messages)]), fixer, fixed)

    def check_files(self, paths: Iterable[str], *, progress: Any = None, fix: bool = False,
                    unsafe_fixes: bool | None = None,
                    sources: Mapping[str, str] | None = None) -> Report:
        """Check campaign files (``-`` is standard input), streaming each one.

        ``progress`` (optional) is told about files and messages as they stream past — see
        ``validator.progress.Progress``; it costs nothing when None.

        With ``fix=True`` (see ``validate``) the messages are checked as fixed and
        ``report.rewrites`` holds a ``validator.rewrite.Rewrite`` per file with fixes —
        nothing is written until its ``write()``. Standard input is fixed in the report
        only, unless ``sources`` maps ``"<stdin>"`` to a copy of it to rewrite from."""
        paths = list(paths)
        jobs = 1 if fix else self.settings.jobs or (os.cpu_count() or 1)
        # Fixes rewrite payloads, which must then be each line's own (skeleton.py reuses them).
        source = self._source(jobs, Skeletons() if self.skeletons and not fix else None)
        if progress is not None:
            files = _tracked(paths, progress, source)
        else:
            files = (("<stdin>" if p == "-" else p, source(p)) for p in paths)
        if not fix:
            return self.engine.run(files)
        fixer = self._fixer(unsafe_fixes, record=True)
        sources = dict(sources or {})
        files = ((name, fixer.stream(name, messages, source=sources.get(
                      name, None if name == "<stdin>" else name)))
                 for name, messages in files)
        return _with_fixes(self.engine.run(files), fixer)

    #: Files smaller than this are checked in one process whatever ``jobs`` says: starting
    #: worker processes costs more than they save (tests lower it).
    parallel_min_bytes = 8 << 20
    #: Whether template lines are read through their skeletons (``validator.skeleton``);
    #: the differential tests turn it off for the reference run.
    skeletons = True

    #: At most this many skeletons of ``validate`` a thread (about 8 KB each): they live as
    #: long as the Validator, where a file's are let go with its run.
    memory_skeleton_limit = 2_000

    def _memory_skeletons(self) -> Skeletons:
        """The skeletons of payloads validated in memory, kept from call to call (a sender
        validating inline sends the same few templates all day): one set per thread, as each
        ``validate`` writes into those it reads through."""
        per_thread = self.__dict__.get("_per_thread")
        if per_thread is None:
            per_thread = self.__dict__.setdefault("_per_thread", threading.local())
        skeletons = getattr(per_thread, "skeletons", None)
        if skeletons is None:
            skeletons = per_thread.skeletons = Skeletons(limit=self.memory_skeleton_limit)
        return skeletons

    def __getstate__(self) -> dict[str, Any]:
        """What a copy takes: all but the skeletons of ``validate``, a cache (per thread)."""
        state = self.__dict__.copy()
        state.pop("_per_thread", None)
        return state

    def _source(self, jobs: int, skeletons: Skeletons | None) -> Any:
        """How to read a campaign file: in chunks by ``jobs`` worker processes when that
        pays (``validator.parallel``), else as a stream of messages in this one."""
        def source(path: str) -> Any:
            if jobs > 1 and path != "-" and _size(path) >= self.parallel_min_bytes:
                from .parallel import chunked

                plan = chunked(path, jobs, self.engine, min_bytes=self.parallel_min_bytes,
                               skeletons=skeletons is not None)
                if plan is not None:
                    return plan
            return read_campaign(path, registry=self.registry, skeletons=skeletons)
        return source

    def _fixer(self, unsafe_fixes: bool | None, *, record: bool) -> Any:
        from .fixer import Fixer

        if unsafe_fixes is None:
            unsafe_fixes = bool(getattr(self.settings, "unsafe_fixes", False))
        return Fixer(self.engine, unsafe=unsafe_fixes, record=record)


def _with_fixes(report: Report, fixer: Any, payloads: list[Any] | None = None) -> Report:
    """The report of a fixing run: what was fixed, the fixed payloads, the rewrites."""
    from .rewrite import Rewrite

    report.summary.fixed = len(fixer.applied)
    report.fixed_findings = list(fixer.applied)
    report.fixed_payloads = payloads
    report.rewrites = [Rewrite(changes) for changes in fixer.files.values() if changes.messages]
    return report


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # the reader reports it


class _ProgressedChunks:
    """A chunked source (``validator.parallel.Chunked``) that reports each merged chunk."""

    def __init__(self, source: Any, progress: Any) -> None:
        self.source, self.progress = source, progress

    def feed(self, run: Any, name: str) -> Iterator[int]:
        for count in self.source.feed(run, name):
            self.progress.advance(count)
            yield count


def _tracked(paths: list[str], progress: Any, source: Any,
             ) -> Iterator[tuple[str, Iterable[Message]]]:
    """The engine's (name, messages) stream, reporting to ``progress`` every N messages."""
    every = progress.every

    def counted(messages: Iterable[Message]) -> Iterator[Message]:
        count = told = 0
        for message in messages:
            yield message
            count += len(message) if type(message) is KnownLines else 1
            if count - told >= every:
                progress.advance(count - told)
                told = count
        progress.advance(count - told)

    for number, path in enumerate(paths, 1):
        name = "<stdin>" if path == "-" else path
        progress.start_file(name, number, len(paths))
        messages = source(path)
        if hasattr(messages, "feed"):
            yield name, _ProgressedChunks(messages, progress)
        else:
            yield name, counted(messages)
    progress.finishing()


def _attributed(settings: Settings, key: str, function: Any, *args: Any) -> Any:
    """Run ``function``; a ConfigError names where the faulty setting came from."""
    try:
        return function(*args)
    except ConfigError as exc:
        where = settings.origin(key)
        if not where:
            raise
        raise ConfigError(f"{where}: {exc.message}") from None


def _codes(known: list[type[Rule]], selectors: Iterable[str]) -> set[str]:
    return {cls.code for cls in known if any(_matches(cls, s) for s in selectors)}


def _check_selectors(known: list[type[Rule]], settings: Settings) -> None:
    """Every rule named in the settings exists; the error names the key it came from."""
    groups: list[tuple[str, Iterable[str]]] = [
        ("select", settings.select or ()), ("extend_select", settings.extend_select),
        ("ignore", settings.ignore)]
    groups += [("per_file_ignores", codes) for codes in settings.per_file_ignores.values()]
    for key, selectors in groups:
        for selector in selectors:
            if not any(_matches(cls, selector) for cls in known):
                where = settings.origin(key)
                prefix = f"{where}: " if where else ""
                raise ConfigError(f"{prefix}unknown rule {selector!r} (see 'walint rules')")


def validate(payloads: Iterable[Any], registry: Registry | str | Path | None = None, *,
             fix: bool = False, unsafe_fixes: bool | None = None, **settings: Any) -> Report:
    """Validate a batch of payloads in one call (see ``Validator`` for the settings; with
    ``fix=True``, ``report.fixed_payloads`` holds the payloads repaired — see
    ``Validator.validate``)."""
    return Validator(registry, **settings).validate(payloads, fix=fix, unsafe_fixes=unsafe_fixes)
