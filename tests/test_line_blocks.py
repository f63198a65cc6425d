"""The block reader of JSONL files yields exactly the lines the line-by-line reader yields.

``validator.loader._line_blocks`` reads the body of a JSONL file in blocks and cuts them in
C; ``_lines`` reads one line at a time. For any bytes, any cap and any block size, the two
must agree line for line: the same text (with its newline) for a line within the cap, the
same size for a longer one — lines that straddle blocks, ``\\r\\n`` endings and a last line
without a newline included.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from validator.loader import _line_blocks, _lines
from validator.skeleton import classes

PIECES = st.lists(st.sampled_from([b"\n", b"\r\n", b"a", b"{}", b"xyz" * 5, b"\n\n", b"Q7"]),
                  max_size=40).map(b"".join)


def _reference(data: bytes, cap: int) -> list[bytes | int]:
    return list(_lines(io.BytesIO(data), cap))


def _blocks(data: bytes, cap: int, size: int) -> list[bytes | int]:
    return [line for block, _ in _line_blocks(io.BytesIO(data), cap, size) for line in block]


@settings(max_examples=400, deadline=None)
@given(data=PIECES, cap=st.integers(1, 20), size=st.integers(1, 16))
def test_blocks_match_line_by_line(data: bytes, cap: int, size: int) -> None:
    assert _blocks(data, cap, size) == _reference(data, cap)


@settings(max_examples=300, deadline=None)
@given(data=PIECES, cap=st.integers(1, 20), size=st.integers(1, 16))
def test_each_line_comes_with_its_classes(data: bytes, cap: int, size: int) -> None:
    for lines, line_shapes in _line_blocks(io.BytesIO(data), cap, size, shaped=True):
        assert len(line_shapes) == len(lines)
        for line, line_shape in zip(lines, line_shapes):
            if isinstance(line, bytes):  # a runaway line (its size) has no shape
                text = line[:-1] if line.endswith(b"\n") else line
                assert line_shape == classes(text) + b"\n"  # the form skeletons are found by


def test_a_runaway_line_is_measured_not_kept() -> None:
    data = b'{"a": 1}\n' + b"x" * 5000 + b"\r\n" + b'{"b": 2}'
    assert _blocks(data, 100, 64) == [b'{"a": 1}\n', 5000, b'{"b": 2}']


def test_exactly_at_the_cap_is_a_line_one_past_is_a_size() -> None:
    data = b"x" * 10 + b"\n" + b"y" * 11 + b"\n"
    assert _blocks(data, 10, 4) == [b"x" * 10 + b"\n", 11]
