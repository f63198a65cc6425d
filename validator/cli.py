"""The ``walint`` command: a thin click layer that parses options and hands them on.

Exit codes (DESIGN.md): 0 — no error findings; 1 — at least one; 2 — walint could not do
its job (bad arguments, unreadable file, broken registry or configuration). A user mistake
is one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import WalintError
from .reporters import REPORTERS

DEFAULT_REGISTRY = "templates_registry.yaml"
EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILURE = 0, 1, 2


def _fail(error: WalintError | str) -> None:
    click.echo(f"walint: error: {error}", err=True)
    sys.exit(EXIT_FAILURE)


def _split(values: tuple[str, ...]) -> list[str]:
    """``--select WA2,WA301 --select WA1`` → ``["WA2", "WA301", "WA1"]``."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="walint")
def main() -> None:
    """walint — lint WhatsApp Cloud API campaigns before you send them."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=True))
@click.option("--registry", "registry_path", type=click.Path(dir_okay=False),
              help=f"Template registry file (default: ./{DEFAULT_REGISTRY}).")
@click.option("--select", multiple=True, help="Only these rules: codes, prefixes (WA2) or names; comma-separated.")
@click.option("--ignore", multiple=True, help="Skip these rules: codes, prefixes or names; comma-separated.")
@click.option("--format", "output_format", type=click.Choice(sorted(REPORTERS)), default="text",
              show_default=True, help="Report format.")
@click.option("--offline", is_flag=True, help="Skip rules that need the network.")
def check(files, registry_path, select, ignore, output_format, offline) -> None:
    """Check campaign FILES (JSONL, JSON; '-' for stdin)."""
    from .linter import Validator

    registry = registry_path
    if registry is None and Path(DEFAULT_REGISTRY).is_file():
        registry = DEFAULT_REGISTRY
    try:
        validator = Validator(registry, select=_split(select) or None, ignore=_split(ignore),
                              offline=offline)
        report = validator.check_files(files)
    except WalintError as error:
        _fail(error)
    if registry is None and validator.skipped_rules:
        click.echo(f"walint: note: no {DEFAULT_REGISTRY} here and no --registry: "
                   f"template checks against the registry were skipped", err=True)
    REPORTERS[output_format](sys.stdout).write(report)
    sys.exit(EXIT_CLEAN if report.ok else EXIT_FINDINGS)


@main.command("rules")
def list_rules() -> None:
    """List every rule: code, name, severity, the API error it prevents, summary."""
    from .catalog import all_rule_classes

    try:
        classes = all_rule_classes()
    except WalintError as error:
        _fail(error)
    rows = [(c.code, c.name, c.severity.value, str(c.api_error or "-"), c.scope.value, c.summary())
            for c in classes]
    header = ("CODE", "NAME", "SEVERITY", "API", "SCOPE", "SUMMARY")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5])


@main.command()
@click.argument("subject")
def explain(subject: str) -> None:
    """Explain a rule (WA203, template-param-count) or a Meta API error code (132000)."""
    from .catalog import all_rule_classes
    from .docs import rule_manual

    try:
        classes = all_rule_classes()
    except WalintError as error:
        _fail(error)
    if subject.isdigit():
        from .api_errors import format_explanation, lookup

        error = lookup(int(subject))
        if error is None:
            _fail(f"{subject} is not a WhatsApp Cloud API error code walint knows")
        preventing = [(c.code, c.name) for c in classes if c.api_error == error.code]
        click.echo(format_explanation(error, preventing))
        return
    for cls in classes:
        if subject.upper() == cls.code or subject == cls.name:
            click.echo(rule_manual(cls))
            return
    _fail(f"unknown rule or error code {subject!r} (see 'walint rules')")
