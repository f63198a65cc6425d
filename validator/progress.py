"""A progress line on stderr for long runs.

Shown only when stderr is a terminal and the report format is ``text`` (never in a machine
format, never in a pipe or a CI log), and kept cheap: the engine's message stream reports
every ``every`` messages, and the line is redrawn at most a few times a second.

    walint: [2/5] campaigns/big.jsonl — 120,000 messages (48,213/s)

It is erased before the report is printed, so the report reads as if it had never been there.
"""

from __future__ import annotations

import shutil
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    #: How many messages pass between two updates (a counter and a modulo per message).
    every = 1000
    #: Seconds between two redraws at most.
    interval = 0.2
    #: Nothing is drawn before this many seconds: a quick run shows no flicker at all.
    delay = 0.5

    def __init__(self, stream: TextIO, *, clock=time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.last_draw = 0.0
        self.name = ""
        self.number = self.total = 0
        self.messages = 0
        self.drawn = False
        self.width = max(shutil.get_terminal_size((80, 24)).columns - 1, 20)

    def start_file(self, name: str, number: int, total: int) -> None:
        self.name, self.number, self.total = name, number, total
        self._draw(force=True)

    def advance(self, count: int) -> None:
        self.messages += count
        self._draw()

    def finishing(self) -> None:
        """The stream is read; campaign-wide and network checks run now."""
        if self.clock() - self.started < self.delay:
            return
        self._write(f"walint: {self.messages:,} messages read — running campaign and network checks…")

    def done(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.drawn = False

    def _draw(self, force: bool = False) -> None:
        now = self.clock()
        if now - self.started < self.delay:
            return
        if not force and now - self.last_draw < self.interval:
            return
        self.last_draw = now
        elapsed = max(now - self.started, 1e-9)
        rate = f" ({self.messages / elapsed:,.0f}/s)" if self.messages and elapsed > 0.5 else ""
        self._write(f"walint: [{self.number}/{self.total}] {self.name} — "
                    f"{self.messages:,} messages{rate}")

    def _write(self, text: str) -> None:
        self.stream.write("\r\x1b[2K" + text[:self.width])
        self.stream.flush()
        self.drawn = True
