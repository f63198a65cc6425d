"""The reporter interface."""

from __future__ import annotations

from typing import TextIO

from ..findings import Report


class Reporter:
    """Writes a report to a stream. Reporters format; they never decide what failed."""

    def __init__(self, stream: TextIO, *, color: bool = False) -> None:
        self.stream = stream
        self.color = color

    def write(self, report: Report) -> None:
        raise NotImplementedError
