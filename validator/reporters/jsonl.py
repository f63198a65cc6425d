"""``--format jsonl``: one finding per line, each exactly a finding of the JSON report.

Nothing else is printed — no summary line — so every line parses as a finding and a clean run
prints nothing. Streams well into ``jq``, log shippers and ``grep``.
"""

from __future__ import annotations

import orjson

from ..findings import Report, dumped
from .base import Reporter


class JsonlReporter(Reporter):
    def write(self, report: Report) -> None:
        write = self.stream.write
        plain = type(report) is Report
        for finding in report.findings:
            try:  # as the JSON reporter: orjson, or pydantic for a value orjson does not know
                write(orjson.dumps(dumped(finding) if plain else finding.model_dump()).decode())
            except TypeError:
                write(finding.model_dump_json())
            write("\n")
