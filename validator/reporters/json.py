"""``--format json``: exactly ``Report.model_dump()``, the contract in DESIGN.md, written as
``model_dump_json(indent=2)`` writes it."""

from __future__ import annotations

import orjson

from ..findings import Report
from .base import Reporter


class JsonReporter(Reporter):
    def write(self, report: Report) -> None:
        try:
            # orjson writes what pydantic writes, in a fraction of the time (a campaign may
            # have a finding for every message); a value it does not know (in a plugin's
            # subclass of Finding, say) is left to pydantic.
            text = orjson.dumps(report.dump(), option=orjson.OPT_INDENT_2).decode()
        except TypeError:
            text = report.model_dump_json(indent=2)
        self.stream.write(text)
        self.stream.write("\n")
