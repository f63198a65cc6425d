"""``--format json``: exactly ``Report.model_dump()``, the contract in DESIGN.md."""

from __future__ import annotations

from ..findings import Report
from .base import Reporter


class JsonReporter(Reporter):
    def write(self, report: Report) -> None:
        self.stream.write(report.model_dump_json(indent=2))
        self.stream.write("\n")
