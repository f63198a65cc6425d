"""``--format text``: one line per finding an editor can jump to, then a summary.

``file:line: CODE [api_error] message`` — the API error in brackets is the code Meta would
have answered; warnings say so before their message. Colour only when asked for: the command
line turns it on for a terminal (``--color auto``) unless ``NO_COLOR`` is set.
"""

from __future__ import annotations

from ..findings import Finding, Report, Severity
from .base import Reporter


def _location(finding: Finding) -> str:
    if finding.line is not None:
        return f"{finding.file}:{finding.line}"
    if finding.index is not None:
        return f"{finding.file}[{finding.index}]"
    return finding.file or "<run>"


def _plain(text: str, **_style: object) -> str:
    return text


def _ansi(text: str, *, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    codes = [str(_COLOURS[fg])] if fg else []
    codes += ["1"] if bold else []
    codes += ["2"] if dim else []
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes else text


_COLOURS = {"red": 31, "yellow": 33, "cyan": 36}


def format_finding(finding: Finding, *, color: bool = False) -> str:
    style = _ansi if color else _plain
    warning = finding.severity is Severity.WARNING
    parts = [style(f"{_location(finding)}:", bold=True),
             style(finding.rule, fg="yellow" if warning else "red", bold=True)]
    if finding.api_error is not None:
        parts.append(style(f"[{finding.api_error}]", fg="cyan"))
    if warning:
        parts.append(style("warning:", fg="yellow"))
    parts.append(_printable(finding.message) if color else finding.message)
    return " ".join(parts)


def _printable(text: str) -> str:
    """Payload text cannot send escape sequences to a terminal."""
    return "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in text)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def format_summary(report: Report) -> str:
    s = report.summary
    counts = f"({_plural(s.errors, 'error')}, {_plural(s.warnings, 'warning')})"
    if report.media_files:
        failed = len({f.file for f in report.findings if f.severity is Severity.ERROR})
        return f"{_plural(s.files, 'media file')}: {s.files - failed} passed, {failed} failed {counts}"
    line = (f"{_plural(s.messages, 'message')} in {_plural(s.files, 'file')}: "
            f"{s.passed} passed, {s.failed} failed {counts}")
    if s.links_checked:
        line += f"; {_plural(s.links_checked, 'link')} checked"
    if s.links_skipped:
        line += f"; {_plural(s.links_skipped, 'link')} not checked (offline)"
    if s.fixed is not None:
        line += f"; fixed {_plural(s.fixed, 'finding')}, {len(report.findings)} remaining"
    return line


def format_statistics(report: Report) -> str:
    """Counts per rule, then per Meta API error code, most frequent first."""
    by_rule: dict[tuple[str, str], int] = {}
    by_api: dict[int, int] = {}
    for finding in report.findings:
        key = (finding.rule, finding.name)
        by_rule[key] = by_rule.get(key, 0) + 1
        if finding.api_error is not None:
            by_api[finding.api_error] = by_api.get(finding.api_error, 0) + 1
    if not by_rule:
        return "no findings"
    width = len(str(max(by_rule.values())))
    lines = ["findings per rule:"]
    for (code, name), count in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {count:>{width}}  {code}  {name}")
    if by_api:
        from ..api_errors import lookup

        lines.append("findings per Meta API error:")
        width = len(str(max(by_api.values())))
        for code, count in sorted(by_api.items(), key=lambda kv: (-kv[1], kv[0])):
            known = lookup(code)
            lines.append(f"  {count:>{width}}  {code}" + (f"  {known.title}" if known else ""))
    return "\n".join(lines)


def format_fixable(report: Report) -> str | None:
    """After the findings of a run that does not fix: what ``--fix`` could fix, e.g.
    ``2 findings can be fixed with --fix (1 more with --fix --unsafe-fixes)``; None when
    nothing can (or the run fixed: the summary line says what it did)."""
    if report.summary.fixed is not None:
        return None
    safe = sum(1 for f in report.findings if f.fixable == "safe")
    unsafe = sum(1 for f in report.findings if f.fixable == "unsafe")
    if not safe and not unsafe:
        return None
    if not safe:
        return f"{_plural(unsafe, 'finding')} can be fixed with --fix --unsafe-fixes"
    line = f"{_plural(safe, 'finding')} can be fixed with --fix"
    return line + (f" ({unsafe} more with --fix --unsafe-fixes)" if unsafe else "")


class TextReporter(Reporter):
    def write(self, report: Report) -> None:
        for finding in report.findings:
            self.stream.write(format_finding(finding, color=self.color) + "\n")
        fixable = format_fixable(report)
        if fixable is not None:
            self.stream.write(fixable + "\n")
        if report.findings:
            self.stream.write("\n")
        self.stream.write(format_summary(report) + "\n")
