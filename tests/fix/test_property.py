"""Fixing never loses, adds or reorders a message, and leaves every unfixed line as it was.

Campaigns are generated from lines that are clean, fixable (safe and unsafe), unfixable,
malformed, not objects, or blank, with LF or CRLF endings, with or without a byte-order mark
and a final newline. Each message carries a marker (``biz_opaque_callback_data``, or its
text for a broken line), so the order can be compared after the file is rewritten."""

from __future__ import annotations

import json
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.loader import read_campaign

from .helpers import audio, notice, template, text, validator

FIXABLE = {
    "separators": lambda: text("+1 650-555-1234"),
    "no plus": lambda: text("16505551234"),
    "caption": audio,
    "newline": lambda: notice("a\nb"),
    "name": lambda: template("Hello_World", "en-US"),
}
UNFIXABLE = {
    "clean": lambda: text("+447911123456"),
    "unknown template": lambda: template("no_such_template"),
    "letters": lambda: text("+44 7911 CALLME"),
    "hyphenated name": lambda: template("Hello-World"),
}
KINDS = [*FIXABLE, *UNFIXABLE, "malformed", "not an object", "blank", "compact"]


def render(kind: str, marker: str) -> bytes:
    if kind == "malformed":
        return f'{{"broken": "{marker}",'.encode()
    if kind == "not an object":
        return json.dumps([marker, 1]).encode()
    if kind == "blank":
        return b"   "
    if kind == "compact":
        payload = {**text("+49 151 2345-6789"), "biz_opaque_callback_data": marker}
        return b"  " + json.dumps(payload, separators=(",", ":")).encode() + b"\t"
    payload = {**(FIXABLE.get(kind) or UNFIXABLE[kind])(), "biz_opaque_callback_data": marker}
    return json.dumps(payload, ensure_ascii=False).encode()


def marker_of(message) -> str | None:
    if message.problem is not None:
        return message.raw.decode() if message.raw else None
    if isinstance(message.payload, dict):
        return message.payload.get("biz_opaque_callback_data")
    return json.dumps(message.payload)


campaigns = st.tuples(
    st.lists(st.sampled_from(KINDS), min_size=1, max_size=14),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),   # byte-order mark
    st.booleans(),   # final newline
    st.booleans(),   # unsafe fixes
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns)
def test_fixing_keeps_every_message_in_order(campaign):
    kinds, ending, bom, final_newline, unsafe = campaign
    lines = [render(kind, f"m{number}") for number, kind in enumerate(kinds)]
    data = (b"\xef\xbb\xbf" if bom else b"") + ending.join(lines) + (ending if final_newline else b"")
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "c.jsonl")
        with open(path, "wb") as handle:
            handle.write(data)
        before = list(read_campaign(path))
        report = validator().check_files([path], fix=True, unsafe_fixes=unsafe)
        for rewrite in report.rewrites:
            rewrite.write()
        with open(path, "rb") as handle:
            after_data = handle.read()
        after = list(read_campaign(path))
        again = validator().check_files([path], fix=True, unsafe_fixes=unsafe)

    assert len(after) == len(before) == report.summary.messages
    assert [m.line for m in after] == [m.line for m in before]
    assert [marker_of(m) for m in after] == [marker_of(m) for m in before]
    fixed = {f.index for f in report.fixed_findings}
    old_lines = data.split(b"\n")
    new_lines = after_data.split(b"\n")
    assert len(new_lines) == len(old_lines)
    changed_lines = {m.line for m in before if m.index in fixed}
    for number, (old, new) in enumerate(zip(old_lines, new_lines), 1):
        if number not in changed_lines:
            assert new == old, f"line {number} changed but was not fixed"
    if bom:
        assert after_data.startswith(b"\xef\xbb\xbf")
    assert after_data.endswith(ending) == final_newline
    assert again.summary.fixed == 0 and not again.rewrites  # nothing left to fix
