"""Check one large JSONL file with several processes, and report as one process would.

The file is cut into chunks at line starts. Worker processes — forked, so they start with
the configured engine, registry and rules — read their chunks and run everything that looks
at one message: the per-message rules, and the ``extract`` half of each campaign and network
rule (``validator.rule.Rule.extract``). The main process takes the chunks' results in file
order: it renumbers messages and lines, records each problem through the path a
single-process run uses (severities, per-file ignores, the findings cap, redaction), and
hands each record to ``collect``, in input order. So the campaign rules see exactly the
sequence they would have seen, and the report is the single-process report;
``tests/test_parallel.py`` compares the two.

A file is checked in one process when workers would not pay off or cannot be used: a small
file, standard input, CSV or JSON-document files, a byte-order mark (the file is re-encoded
first), fixing or splitting (they need every message in the main process), a rule that
observes with an ``observe`` of its own (a plugin), or a platform without ``fork``.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from .engine import Engine, _Run
from .errors import WalintError
from .loader import DEFAULT_MAX_MESSAGE_BYTES, _is_jsonl, _line_blocks, _read_jsonl
from .rule import MessageRef, Problem, Rule
from .skeleton import Skeletons

if TYPE_CHECKING:
    from .findings import Severity
    from .message import Message

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
        the number of messages of each chunk as it is merged."""
        global _ENGINE
        tasks = [(self.path, name, start, end, self.skeletons) for start, end in self.chunks]
        _ENGINE = run.engine
        try:
            context = multiprocessing.get_context("fork")
            with context.Pool(min(self.jobs, len(tasks))) as pool:
                base_index = base_line = 0
                for result in pool.imap(_check_chunk, tasks):
                    _merge(run, name, result, base_index, base_line)
                    base_index += result.messages
                    base_line += result.lines
                    yield result.messages
        finally:
            _ENGINE = None


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
    #: (index, line, one record per extract group, None where the group had nothing)
    records: list[tuple[int, int | None, tuple[Any, ...]]]


def _merge(run: _Run, name: str, result: ChunkResult, base_index: int, base_line: int) -> None:
    rules = run.engine.rules
    for index, line, position, problem, severity in result.problems:
        ref = MessageRef(name, base_index + index, None if line is None else base_line + line)
        run.record(rules[position], problem, ref, severity)
    groups = run.engine._groups
    for index, line, records in result.records:
        ref = MessageRef(name, base_index + index, None if line is None else base_line + line)
        for (_, collectors), record in zip(groups, records):
            if record is not None:
                run.collect(collectors, ref, record)
    run.messages += result.messages


def _check_chunk(task: tuple[str, str, int, int, bool]) -> ChunkResult:
    """In a worker: read and check one chunk."""
    global _SKELETONS
    path, name, start, end, skeletons = task
    if skeletons and _SKELETONS is None:
        _SKELETONS = Skeletons()  # one per worker, for all its chunks
    engine = _ENGINE
    assert engine is not None, "workers are forked from check_chunked"
    with open(path, "rb") as stream:
        stream.seek(start)
        data = stream.read(end - start)
    run = _ChunkRun(engine)
    count = 0
    blocks = _line_blocks(io.BytesIO(data), DEFAULT_MAX_MESSAGE_BYTES)
    for message in _read_jsonl([], blocks, name, DEFAULT_MAX_MESSAGE_BYTES,
                               _SKELETONS if skeletons else None):
        count += 1
        run.check(message)
        run.extract(message)
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return ChunkResult(lines, count, run.problems, run.records)


class _ChunkRun(_Run):
    """A worker's run over one chunk: problems and records are kept for the main process
    instead of being recorded here."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.positions = {id(rule): n for n, rule in enumerate(engine.rules)}
        self.problems: list[tuple[int, int | None, int, Problem, Any]] = []
        self.records: list[tuple[int, int | None, tuple[Any, ...]]] = []

    def record(self, rule: Rule, problem: Problem, message: Any,
               severity: Severity | None = None) -> None:
        self.problems.append((message.index, message.line, self.positions[id(rule)],
                              problem, severity))

    def extract(self, message: Message) -> None:
        """The ``extract`` half of ``_Run.observe``: one record per group, kept."""
        ctx = self.ctx
        records = []
        for extractor, _ in self.engine._groups:
            try:
                records.append(extractor.extract(message, ctx))
            except WalintError:
                raise
            except Exception as exc:  # noqa: BLE001 - as in _Run.observe
                self.record_crash(extractor, exc, message)
                records.append(None)
        if any(record is not None for record in records):
            self.records.append((message.index, message.line, tuple(records)))
