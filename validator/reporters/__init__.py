"""Report formats: a name → class table that the command line reads its choices from."""

from __future__ import annotations

from .base import Reporter
from .json import JsonReporter
from .text import TextReporter

REPORTERS: dict[str, type[Reporter]] = {
    "json": JsonReporter,
    "text": TextReporter,
}

__all__ = ["REPORTERS", "Reporter"]
