"""Check one large JSONL file with several processes, and report as one process would.

The file is cut into chunks at line starts. Worker processes — forked, so they start with
the configured engine, registry and rules — read their chunks and run everything that looks
at one message: the per-message rules, and the ``extract`` half of each campaign and network
rule (``validator.rule.Rule.extract``), whose records each rule gathers, as they are made,
into what the main process needs of the chunk (``Rule.gathering``: by default the records
themselves; one entry per recipient for the ledger of recipients). The main process takes
the chunks' results in file order: it renumbers messages and lines, records each problem
through the path a single-process run uses (severities, per-file ignores, the findings cap,
redaction), and hands each rule what it gathered (``Rule.absorb``), chunk after chunk,
which records it as ``collect`` would have, record after record. So the report is the
single-process report; ``tests/test_parallel.py`` compares the two.

A file is checked in one process when workers would not pay off or cannot be used: a small
file, standard input, CSV or JSON-document files, a byte-order mark (the file is re-encoded
first), fixing or splitting (they need every message in the main process), a rule that
observes with an ``observe`` of its own (a plugin), or a platform without ``fork``.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import stat
from collections.abc import Callable, Iterator
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, NamedTuple

from .engine import Engine, _Run
from .errors import WalintError
from .loader import DEFAULT_MAX_MESSAGE_BYTES, _is_jsonl, _line_blocks, _read_jsonl
from .rule import Gathering, MessageRef, Problem, Records, Rule, Shift
from .skeleton import Skeletons

if TYPE_CHECKING:
    from .findings import Severity

__all__ = ["Chunked", "chunked", "resolve_jobs"]

#: Bytes per chunk: small enough that a worker holds little, big enough that the cost of
#: a task (pickling its results) is spread over thousands of messages.
CHUNK_BYTES = 4 << 20
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

#: The engine the workers use: set just before the pool forks, so workers inherit it.
_ENGINE: Engine | None = None
#: A worker's skeletons, learnt over all its chunks.
_SKELETONS: Skeletons | None = None


def resolve_jobs(jobs: int) -> int:
    """``--jobs``: 0 means one process per core."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)


class Chunked(NamedTuple):
    """A JSONL file to be checked in chunks (``chunked``): its path, the (start, end) offset
    of each chunk and the number of processes. The engine hands it the run (``feed``)
    instead of iterating it for messages."""

    path: str
    chunks: list[tuple[int, int]]
    jobs: int
    #: Whether workers read template lines through skeletons (``validator.skeleton``).
    skeletons: bool = True

    def feed(self, run: _Run, name: str) -> Iterator[int]:
        """Check the file in worker processes, merging into ``run`` in file order; yields
        the number of messages of each chunk as it is merged. The cyclic garbage collector
        is paused meanwhile, as in the workers (``_check_chunk``): what the chunks bring (an
        entry per recipient, findings) holds no cycles, and would be walked again and again."""
        global _ENGINE
        first = run.chunks
        run.chunks += len(self.chunks)
        tasks = [(self.path, name, start, end, self.skeletons, first + number)
                 for number, (start, end) in enumerate(self.chunks)]
        _ENGINE = run.engine
        collecting = gc.isenabled()
        gc.disable()
        try:
            context = multiprocessing.get_context("fork")
            with context.Pool(min(self.jobs, len(tasks)), initializer=gc.freeze) as pool:
                base_index = base_line = 0
                for chunk, result in enumerate(pool.imap(_check_chunk, tasks), first):
                    _merge(run, result, Shift(name, base_index, base_line, chunk))
                    base_index += result.messages
                    base_line += result.lines
                    yield result.messages
        finally:
            _ENGINE = None
            if collecting:
                gc.enable()


def chunked(path: str, jobs: int, engine: Engine, *, chunk_bytes: int | None = None,
            min_bytes: int = 0, skeletons: bool = True) -> Chunked | None:
    """How to check ``path`` with ``jobs`` processes, or None when it should be checked in
    one (see the module docs)."""
    if jobs < 2 or path == "-" or path.lower().endswith(".csv") or engine._whole:
        return None
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size < min_bytes:
            return None
        with open(path, "rb") as stream:
            head = stream.read(4)
            stream.seek(0)
            if head.startswith(_BOMS):
                return None
            for line in stream:
                if line.strip():
                    if not _is_jsonl(line.strip()):
                        return None
                    break
            return Chunked(path, _boundaries(stream, info.st_size, chunk_bytes), jobs, skeletons)
    except OSError:
        return None  # the single-process reader reports it


def _boundaries(stream: io.BufferedReader, size: int, chunk_bytes: int) -> list[tuple[int, int]]:
    """(start, end) of each chunk: every start is 0 or just after a newline."""
    starts = [0]
    position = chunk_bytes
    while position < size:
        stream.seek(position)
        stream.readline()  # to the end of the line the cut fell into
        position = stream.tell()
        if position >= size:
            break
        if position > starts[-1]:
            starts.append(position)
        position += chunk_bytes
    return list(zip(starts, starts[1:] + [size]))


class ChunkResult(NamedTuple):
    """What a worker sends back for one chunk; positions are counted within the chunk."""

    lines: int
    messages: int
    #: (index, line, rule position in engine.rules, problem, severity or None)
    problems: list[tuple[int, int | None, int, Problem, Any]]
    #: For each extract group, for each of its collectors: what its ``Rule.gathering`` made
    #: of the group's records.
    gathered: list[tuple[Any, ...]]


def _merge(run: _Run, result: ChunkResult, shift: Shift) -> None:
    rules = run.engine.rules
    for index, line, position, problem, severity in result.problems:
        ref = None if index is None else shift.ref((shift.file, index, line))
        run.record(rules[position], problem, ref, severity)
    for (_, collectors), gathered in zip(run.engine._groups, result.gathered):
        for rule, part in zip(collectors, gathered):
            if part is None:
                continue  # its gathering crashed in the worker, which reported it
            if type(part) is Records:
                # Collected one by one, a crash being that message's finding and the others
                # still collected, as in one process.
                for ref, record in part:
                    run.collect((rule,), shift.ref(ref), record)
                continue
            try:
                rule.absorb(part, shift, run.ctx)
            except WalintError:
                raise
            except Exception as exc:  # noqa: BLE001 - as in _Run.collect
                run.record_crash(rule, exc, None)
    run.messages += result.messages


def _check_chunk(task: tuple[str, str, int, int, bool, int]) -> ChunkResult:
    """In a worker: read and check one chunk.

    The cyclic garbage collector is paused for the chunk: its records (a few objects per
    message, kept until the chunk is sent) would otherwise be walked again and again, and
    what the rules throw away is freed by reference counting. Workers inherit the main
    process's objects frozen (``gc.freeze`` on start), so that no collection walks those."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check(task)
    finally:
        if collecting:
            gc.enable()


def _check(task: tuple[str, str, int, int, bool, int]) -> ChunkResult:
    global _SKELETONS
    path, name, start, end, skeletons, number = task
    if skeletons and _SKELETONS is None:
        _SKELETONS = Skeletons()  # one per worker, for all its chunks
    engine = _ENGINE
    assert engine is not None, "workers are forked from check_chunked"
    run = _ChunkRun(engine, number)
    with open(path, "rb") as stream:
        stream.seek(start)
        blocks = _CountedBlocks(_line_blocks(_ChunkReader(stream, end - start),
                                             DEFAULT_MAX_MESSAGE_BYTES, shaped=skeletons))
        run.consume(name, _read_jsonl([], blocks, name, DEFAULT_MAX_MESSAGE_BYTES,
                                      _SKELETONS if skeletons else None))
    return ChunkResult(blocks.lines, run.messages, run.problems, run.gathered())


class _ChunkReader:
    """One chunk of a file, read a block at a time as ``_line_blocks`` asks: a worker never
    holds the whole chunk."""

    def __init__(self, stream: io.BufferedReader, size: int) -> None:
        self.stream = stream
        self.left = size

    def read(self, size: int) -> bytes:
        block = self.stream.read(min(size, self.left))
        self.left -= len(block)
        return block


class _CountedBlocks:
    """``_line_blocks`` of a chunk, counting its lines (every line, blank or not, ends in one
    block: its parts count them)."""

    def __init__(self, blocks: Iterator[tuple[list[Any], Any]]) -> None:
        self.blocks = blocks
        self.lines = 0

    def __iter__(self) -> Iterator[tuple[list[Any], Any]]:
        for parts, line_classes in self.blocks:
            self.lines += len(parts)
            yield parts, line_classes


def _ignore(*line: Any) -> None:
    """What takes the lines of a collector whose gathering could not be started."""


class _ChunkRun(_Run):
    """A worker's run over one chunk: problems and records are kept for the main process
    instead of being recorded here."""

    def __init__(self, engine: Engine, chunk: int) -> None:
        super().__init__(engine)
        self.ctx.chunk = chunk
        self.positions = {id(rule): n for n, rule in enumerate(engine.rules)}
        self.problems: list[tuple[int, int | None, int, Problem, Any]] = []
        #: For each extract group, (collector, its ``Rule.gathering``) of each collector;
        #: None for a collector whose gathering could not be started (reported).
        self.gatherings: list[list[tuple[Rule, Gathering | None]]] = [
            [(rule, self._start(rule)) for rule in collectors] for _, collectors in engine._groups]

    def _start(self, rule: Rule) -> Gathering | None:
        try:
            return rule.gathering(self.ctx)
        except WalintError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported; the rest of the run goes on
            self.record_crash(rule, exc, None)
            return None

    def record(self, rule: Rule, problem: Problem, message: Any,
               severity: Severity | None = None) -> None:
        if message is None:
            index = line = None
        elif isinstance(message, tuple):  # a MessageRef, or its fields (``_Run.keep``)
            _, index, line = message
        else:
            index, line = message.index, message.line
        self.problems.append((index, line, self.positions[id(rule)], problem, severity))

    @cached_property
    def adders(self) -> list[Callable[..., None]]:
        """``_Run.adders``: a group with one collector (its extracting rule, which crashes
        there are blamed on) hands each line to its gathering's ``add_line``, not through
        ``keep``."""
        adders = super().adders
        for group, gatherings in enumerate(self.gatherings):
            if len(gatherings) == 1:
                gathering = gatherings[0][1]
                if gathering is None:
                    adders[group] = _ignore
                else:  # a plugin's gathering may have only ``add`` and ``result``
                    adders[group] = (getattr(gathering, "add_line", None)
                                     or partial(Gathering.add_line, gathering))
        return adders

    def keep(self, group: int, ref: MessageRef, record: Any) -> None:
        """The ``extract`` half of observing: the record goes to the group's gatherings, for
        the main process."""
        for rule, gathering in self.gatherings[group]:
            if gathering is not None:
                try:
                    gathering.add(ref, record)
                except WalintError:
                    raise
                except Exception as exc:  # noqa: BLE001 - as in _Run.collect
                    self.record_crash(rule, exc, ref)

    def gathered(self) -> list[tuple[Any, ...]]:
        """What each collector's gathering made of the chunk (None where it crashed)."""
        gathered = []
        for gatherings in self.gatherings:
            parts = []
            for rule, gathering in gatherings:
                part = None
                if gathering is not None:
                    try:
                        part = gathering.result()
                    except WalintError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - reported; the rest of the run goes on
                        self.record_crash(rule, exc, None)
                parts.append(part)
            gathered.append(tuple(parts))
        return gathered
