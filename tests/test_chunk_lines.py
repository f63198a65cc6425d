"""A worker's chunk can find any of its lines again (``validator.rule.ChunkLines``).

Workers leave the content digest out of the ledger's entries for lines read through
skeletons (``rules.campaign.Ledger.defers``); when a recipient comes again, the digest is
worked out from the line, read again from the file — in the worker, or in the main process.
Nothing is noted per line: the reader notes where each block's lines end, and a block's lines
are found by reading it again. For any bytes, cap and block size, each line read again must
be the line the reader read (stripped as it strips it) — CRLF endings, blank lines, a line
over the cap, a last line without a newline and a chunk that does not start the file included —
and so after the ``ChunkLines`` crossed to the main process (pickled).
"""

from __future__ import annotations

import json
import pickle
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rules.campaign as campaign
from validator.loader import _line_blocks
from validator.parallel import _ChunkReader, _CountedBlocks
from validator.rule import ChunkLines, Context, Records

PIECES = st.lists(st.sampled_from([b"\n", b"\r\n", b"a", b'{"x": 1}', b"xyz" * 5, b"\n\n", b" Q7 "]),
                  max_size=40).map(b"".join)


def _read(path: Path, start: int, cap: int, size: int) -> tuple[list[bytes | int], ChunkLines]:
    """The lines a worker reads from ``start`` to the end of ``path``, and where they are."""
    with open(path, "rb") as stream:
        stream.seek(start)
        reader = _ChunkReader(stream, path.stat().st_size - start)
        lines = ChunkLines(str(path), start)
        blocks = _CountedBlocks(_line_blocks(reader, cap, size), reader, lines)
        read = [line for parts, _ in blocks for line in parts]
    assert blocks.lines == len(read)
    return read, lines


@settings(max_examples=300, deadline=None)
@given(head=st.sampled_from([b"", b"skipped\n", b"\r\n\n"]), data=PIECES,
       cap=st.integers(1, 20), size=st.integers(1, 20))
def test_each_line_is_found_again(head: bytes, data: bytes, cap: int, size: int) -> None:
    size = min(size, cap)  # as in a worker: blocks are no longer than the cap
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "chunk.jsonl"
        path.write_bytes(head + data)
        read, lines = _read(path, len(head), cap, size)
        crossed = pickle.loads(pickle.dumps(lines))
        for number, line in enumerate(read, 1):
            if isinstance(line, bytes):  # a line over the cap (its size) is never asked for
                assert lines.line(number) == line.strip()
                assert crossed.line(number) == line.strip()


def test_a_line_over_the_cap_is_a_stretch_of_its_own_never_read_whole(tmp_path) -> None:
    path = tmp_path / "chunk.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b"x" * 5000 + b"\r\n" + b'{"b": 2}\r\n{"c": 3}')
    read, lines = _read(path, 0, 100, 64)
    assert read[1] == 5000
    assert {2, 3} <= set(lines.numbers)  # line 2 alone: reading line 1 or 3 never reads it
    assert [lines.line(number) for number in (1, 3, 4)] == [b'{"a": 1}', b'{"b": 2}', b'{"c": 3}']


def test_a_stretch_is_read_again_once(tmp_path, monkeypatch) -> None:
    path = tmp_path / "chunk.jsonl"
    path.write_bytes(b"".join(b'{"n": %d}\n' % number for number in range(300)))
    _, lines = _read(path, 0, 1 << 20, 1 << 20)
    assert lines.numbers == [1, 301]
    reads = []
    original = ChunkLines._read_starts
    monkeypatch.setattr(ChunkLines, "_read_starts",
                        lambda self, *args: reads.append(args[1]) or original(self, *args))
    assert [lines.line(number) for number in (7, 300, 1)] == [b'{"n": 6}', b'{"n": 299}', b'{"n": 0}']
    assert reads == [0]


def _entry(line: int) -> int:
    """A chunk's entry for a message on ``line`` whose digest the worker left out."""
    return (campaign._CHUNK | 3) << campaign._PART_SHIFT | line + 1


def test_a_digest_read_again_is_the_digest_of_the_payload(tmp_path) -> None:
    payloads = [{"to": "+4915123456789", "type": "text", "text": {"body": "Hi \u00e9"}},
                {"to": "+4915123456780", "type": "text", "text": {"body": "Hi \u00e9"}},
                {"to": "+4915123456789", "type": "text", "text": {"body": "Bye"}}]
    path = tmp_path / "chunk.jsonl"
    path.write_text("".join(f"{json.dumps(p)}\r\n" for p in payloads), encoding="utf-8")
    _, lines = _read(path, 0, 1 << 20, 1 << 20)
    digests = [campaign._digest(_entry(number), lines) for number in (1, 2, 3)]
    assert digests == [campaign.content_digest(p) for p in payloads]
    assert digests[0] == digests[1] != digests[2]  # the envelope is not the content


def test_a_line_that_cannot_be_read_again_matches_no_other(tmp_path) -> None:
    """The file gone (or changed) under the run: each such message gets a digest of its own,
    so no two are taken for copies (WA602)."""
    path = tmp_path / "chunk.jsonl"
    path.write_bytes(b'{"to": "+4915123456789", "type": "text", "text": {"body": "Hi"}}\n' * 2)
    _, lines = _read(path, 0, 1 << 20, 1 << 20)
    path.unlink()
    assert campaign._digest(_entry(1), lines) != campaign._digest(_entry(2), lines)
    path.write_bytes(b"{}\n")  # shorter than it was
    assert campaign._digest(_entry(1), lines) != campaign._digest(_entry(2), lines)


@pytest.mark.parametrize("on", ["", "every"])
def test_a_worker_leaves_digests_out_only_for_sightings_it_gathers_by_recipient(tmp_path, on) -> None:
    """With a rule told of every sighting in order (the messaging limit), records go to the
    main process one by one, digests in; past the chunks an entry can name, they go one by
    one too, their digests worked out in the worker (``_Digesting``)."""
    ledger, ctx = campaign.Ledger(), Context()
    if on:
        ledger.on[on].append(object())
    assert not ledger.defers(ctx)
    ctx.chunk, ctx.lines = 4, ChunkLines(str(tmp_path / "chunk.jsonl"), 0)
    assert ledger.defers(ctx) is not bool(on)
    assert type(ledger.gathering(ctx)) is (Records if on else campaign._Sightings)
    ctx.chunk = campaign._CHUNK
    gathering = ledger.gathering(ctx)
    if not on:
        record = (491512345678, b'{"text": "Hi"}', True, "template x/en", 1 << 7, lambda line: 42)
        gathering.add(("f", 0, 1), record)
        assert type(gathering.result()) is Records
        assert gathering.result() == [(("f", 0, 1), (491512345678, 42, True, "template x/en",
                                                     1 << 7 | 42 << campaign._DIGEST_SHIFT))]
