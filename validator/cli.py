"""The ``walint`` command: a thin click layer — parse options, build ``Settings``, run, report.

Exit codes (DESIGN.md): 0 — no error findings; 1 — at least one; 2 — walint could not do
its job (bad arguments, unreadable file, broken registry or configuration). A user mistake
is one line on stderr, never a traceback.

Every option of ``check`` is also a configuration key of the same name (see
``validator.settings``); a flag given here replaces the file's value. Imports are lazy so that
``walint check`` on one message starts fast.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import WalintError
from .reporters import MACHINE_FORMATS, REPORTERS

DEFAULT_REGISTRY = "templates_registry.yaml"
EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILURE = 0, 1, 2


def _fail(error: WalintError | str) -> None:
    click.echo(f"walint: error: {error}", err=True)
    sys.exit(EXIT_FAILURE)


def _split(values: tuple[str, ...]) -> list[str] | None:
    """``--select WA2,WA301 --select WA1`` → ``["WA2", "WA301", "WA1"]``; None when not given."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _config_options(command: Any) -> Any:
    command = click.option("--isolated", is_flag=True,
                           help="Ignore configuration files (walint.toml, pyproject.toml).")(command)
    return click.option("--config", "config_file", type=click.Path(dir_okay=False),
                        help="Read this configuration file instead of searching for one.")(command)


def _load(cli: dict[str, Any], config_file: str | None, isolated: bool):
    from .settings import load_settings

    return load_settings(cli, config=config_file, isolated=isolated)


def _default_registry(settings: Any) -> str | None:
    """``--registry``/``registry``, else templates_registry.yaml here or beside the config."""
    if settings.registry is not None:
        return str(settings.registry)
    candidates = [Path(DEFAULT_REGISTRY)]
    if settings.config_file is not None:
        candidates.append(settings.config_file.parent / DEFAULT_REGISTRY)
    for candidate in candidates:
        if candidate.is_file():
            return os.path.relpath(candidate) if candidate.is_absolute() else str(candidate)
    return None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, package_name="walint")
def main() -> None:
    """walint — lint WhatsApp Cloud API campaigns before you send them."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=True))
@_config_options
@click.option("--registry", type=click.Path(dir_okay=False),
              help=f"Template registry file (default: ./{DEFAULT_REGISTRY}).")
@click.option("--select", multiple=True, help="Only these rules: codes, prefixes (WA2) or names; comma-separated.")
@click.option("--extend-select", multiple=True, help="Rules added to the selection.")
@click.option("--ignore", multiple=True, help="Skip these rules: codes, prefixes or names; comma-separated.")
@click.option("--per-file-ignores", multiple=True, metavar="GLOB:RULES",
              help="Do not report RULES for files matching GLOB (e.g. 'legacy/*.jsonl:WA302').")
@click.option("--severity", multiple=True, metavar="RULE=LEVEL",
              help="Override a rule's severity: error or warning (e.g. WA302=error).")
@click.option("--option", "rule_options", multiple=True, metavar="RULE.OPTION=VALUE",
              help="Set a rule option (VALUE read as JSON, else text).")
@click.option("--format", "output_format", type=click.Choice(sorted(REPORTERS)),
              help="Report format (default: text; also WALINT_FORMAT).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--offline/--online", default=None, help="Skip (or run) the rules that need the network.")
@click.option("--statistics/--no-statistics", default=None,
              help="Counts per rule and per API error code after the report.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]),
              help="Colour in text output (default auto: on a terminal, unless NO_COLOR).")
@click.option("--no-progress", "no_progress", is_flag=True, default=None,
              help="No progress line on stderr.")
@click.option("--messaging-limit", metavar="LIMIT",
              help="Messaging limit: 250, 2K, 10K, 100K, unlimited or a number.")
@click.option("--suppression-list", type=click.Path(dir_okay=False), help="Opt-out list file.")
@click.option("--contacts", type=click.Path(dir_okay=False), help="Contacts file.")
@click.option("--send-at", metavar="DATETIME", help="When the campaign is sent (ISO 8601 with offset).")
@click.option("--sender-number", metavar="E164", help="The sending business number.")
@click.option("--sender-country", metavar="CC", help="The sender's ISO 3166 country code.")
@click.option("--test-sender-allow-list", multiple=True, metavar="NUMBERS",
              help="The sender is a test number allowed to send only to NUMBERS.")
@click.option("--url-timeout", type=float, help="Seconds per URL check request.")
@click.option("--url-concurrency", type=int, help="URLs checked at once.")
@click.option("--url-cache-ttl", type=float, help="Seconds a URL check result is reused.")
@click.option("--no-cache", is_flag=True, default=None,
              help="Do not use walint's caches (URL checks, parsed registries, phone "
                   "number regexes).")
@click.option("--allow-private-urls", is_flag=True, default=None,
              help="Allow URLs on private or loopback addresses.")
@click.option("--max-message-size", type=int, help="Largest payload, in bytes.")
@click.option("--jobs", "-j", type=click.IntRange(min=0),
              help="Processes that check a large JSONL file together (default 0: one per core).")
@click.option("--max-findings-per-message", type=int, help="Findings reported per message at most.")
@click.option("--write-passed", type=click.Path(dir_okay=False),
              help="Write the messages that passed to FILE, one payload a line, as read.")
@click.option("--write-failed", type=click.Path(dir_okay=False),
              help="Write the messages that failed to FILE, each with its findings (JSONL).")
@click.option("--fix/--no-fix", default=None,
              help="Rewrite the campaign files with the safe fixes (in place, atomically) "
                   "and report what remains.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None,
              help="With --fix or --diff, apply the unsafe fixes too.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the fixes as a unified diff instead of writing them; "
                   "exit 1 when there is something to fix.")
def check(files: tuple[str, ...], config_file: str | None, isolated: bool, **given: Any) -> None:
    """Check campaign FILES (JSONL, JSON, CSV; '-' for stdin)."""
    split_to = {"passed": given.pop("write_passed"), "failed": given.pop("write_failed")}
    show_diff = given.pop("show_diff")
    # Start-up allocates the modules, models, rules and registry of the run: objects that
    # live as long as it does. The cyclic garbage collector is paused while they are made,
    # then told to leave them alone (gc.freeze) rather than walk them again and again —
    # during the run and once more at exit.
    collecting = gc.isenabled()
    gc.disable()
    try:
        from .linter import Validator
        from .settings import parse_assignments, parse_rule_options

        cli = dict(given)
        for key in ("select", "extend_select", "ignore", "test_sender_allow_list"):
            cli[key] = _split(cli[key])
        cli["per_file_ignores"] = (_per_file(parse_assignments(given["per_file_ignores"],
                                                               "--per-file-ignores", ":"))
                                   if given["per_file_ignores"] else None)
        cli["severity"] = parse_assignments(given["severity"], "--severity") or None
        cli["options"] = parse_rule_options(cli.pop("rule_options")) or None
        cli["format"] = cli.pop("output_format")
        cli["progress"] = False if cli.pop("no_progress") else None
        settings = _load(cli, config_file, isolated)
        registry = _default_registry(settings)
        validator = Validator(registry, settings=settings)
    except WalintError as error:
        _fail(error)
    finally:
        if collecting:
            gc.freeze()
            gc.enable()
    fixing = show_diff or settings.fix
    if show_diff and any(split_to.values()):
        _fail("--diff writes nothing, so it cannot be combined with --write-passed/--write-failed")
    progress = _progress(settings)
    try:
        if fixing:
            report = _check_and_fix(validator, files, progress, show_diff, split_to)
        elif any(split_to.values()):
            report = _check_and_split(validator, files, progress, split_to)
        else:
            report = validator.check_files(files, progress=progress)
    except WalintError as error:
        _fail(error)
    finally:
        if progress is not None:
            progress.done()
    if registry is None and validator.skipped_rules:
        click.echo(f"walint: note: no {DEFAULT_REGISTRY} here and no --registry: "
                   f"template checks against the registry were skipped", err=True)
    _report(report, settings)
    sys.exit(EXIT_CLEAN if report.ok else EXIT_FINDINGS)


def _check_and_fix(validator: Any, files: tuple[str, ...], progress: Any, show_diff: bool,
                   split_to: dict[str, str | None]) -> Any:
    """``--fix``: check with fixes, rewrite the files, then split them if asked; ``--diff``:
    print the diffs and exit (1 when something would change). See ``validator.autofix``."""
    from .autofix import check_with_fixes

    run = check_with_fixes(validator, files, diff=show_diff, progress=progress)
    if show_diff:
        if progress is not None:
            progress.done()
        for text in run.diffs:
            sys.stdout.buffer.write(text.encode("utf-8", errors="surrogateescape"))
        sys.stdout.flush()
        count = f"{run.fixed} finding{'s' if run.fixed != 1 else ''}"
        where = f"{len(run.files_changed)} file{'s' if len(run.files_changed) != 1 else ''}"
        click.echo(f"walint: would fix {count} in {where}" + (" (run with --fix to apply)"
                                                                if run.files_changed else ""),
                   err=True)
        sys.exit(EXIT_FINDINGS if run.files_changed else EXIT_CLEAN)
    if any(split_to.values()):
        from .split import write_split

        counts = write_split(run.report, files, passed=split_to["passed"],
                             failed=split_to["failed"], registry=validator.registry)
        written = [f"{counts.passed} passed to {split_to['passed']}" if split_to["passed"] else "",
                   f"{counts.failed} failed to {split_to['failed']}" if split_to["failed"] else ""]
        click.echo(f"walint: wrote {' and '.join(w for w in written if w)}", err=True)
    return run.report


def _check_and_split(validator: Any, files: tuple[str, ...], progress: Any,
                     split_to: dict[str, str | None]) -> Any:
    """Check, then read the input again to write passed and failed messages apart
    (standard input is kept in a temporary file for the second reading)."""
    from .split import replayable_stdin, write_split

    with replayable_stdin(list(files)) as spooled:
        report = validator.check_files(files, progress=progress)
        counts = write_split(report, files, passed=split_to["passed"], failed=split_to["failed"],
                             registry=validator.registry, spooled=spooled)
    written = [f"{counts.passed} passed to {split_to['passed']}" if split_to["passed"] else "",
               f"{counts.failed} failed to {split_to['failed']}" if split_to["failed"] else ""]
    click.echo(f"walint: wrote {' and '.join(w for w in written if w)}", err=True)
    return report


def _per_file(table: dict[str, str]) -> dict[str, list[str]]:
    return {pattern: _split((codes,)) or [] for pattern, codes in table.items()}


def _progress(settings: Any) -> Any:
    if not settings.progress or settings.format != "text":
        return None
    if not sys.stderr.isatty():
        return None
    from .progress import Progress

    return Progress(sys.stderr)


def _wants_color(settings: Any, stream: Any) -> bool:
    if settings.format != "text" or settings.color == "never":
        return False
    if settings.color == "always":
        return True
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _report(report: Any, settings: Any) -> None:
    """Write the report where it goes; statistics after it (text) or on stderr (machine)."""
    from .reporters.text import format_statistics

    with contextlib.ExitStack() as stack:
        stream = sys.stdout
        if settings.output is not None:
            try:
                stream = stack.enter_context(open(settings.output, "w", encoding="utf-8", newline=""))
            except OSError as exc:
                _fail(f"{settings.output}: cannot write the report: {exc.strerror}")
        REPORTERS[settings.format](stream, color=_wants_color(settings, stream)).write(report)
        if settings.statistics:
            machine = settings.format in MACHINE_FORMATS
            out = sys.stderr if machine else stream
            out.write(("\n" if not machine else "") + format_statistics(report) + "\n")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_config_options
@click.option("--as", "kind", type=click.Choice(["image", "video", "audio", "document", "sticker"]),
              help="Check the files as this media kind (default: the kind each file's content fits).")
@click.option("--format", "output_format", type=click.Choice(sorted(REPORTERS)),
              help="Report format (default: text; also WALINT_FORMAT).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]),
              help="Colour in text output (default auto: on a terminal, unless NO_COLOR).")
def media(paths: tuple[str, ...], config_file: str | None, isolated: bool, kind: str | None,
          output_format: str | None, output: str | None, color: str | None) -> None:
    """Check local media files before uploading them: real type (sniffed), size, extension."""
    from .media import check_media_files

    try:
        settings = _load({"format": output_format, "output": output, "color": color},
                         config_file, isolated)
        report = check_media_files(paths, kind, settings=settings)
    except WalintError as error:
        _fail(error)
    _report(report, settings)
    sys.exit(EXIT_CLEAN if report.ok else EXIT_FINDINGS)


@main.command("rules")
def list_rules() -> None:
    """List every rule: code, name, severity, the API error it prevents, scope, whether
    --fix can repair it (safe, or unsafe: needs --unsafe-fixes), summary."""
    from .catalog import all_rule_classes

    try:
        classes = all_rule_classes()
    except WalintError as error:
        _fail(error)
    rows = [(c.code, c.name, c.severity.value, str(c.api_error or "-"), c.scope.value,
             getattr(c, "fixable", None) or "-", c.summary()) for c in classes]
    header = ("CODE", "NAME", "SEVERITY", "API", "SCOPE", "FIX", "SUMMARY")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(6)]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:6])) + "  " + row[6])


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


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@_config_options
@click.option("--registry", type=click.Path(dir_okay=False),
              help=f"Template registry file (default: ./{DEFAULT_REGISTRY}).")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the JSONL to FILE (default: standard output).")
def render(file: str, config_file: str | None, isolated: bool, registry: str | None,
           output: str | None) -> None:
    """Expand a CSV campaign FILE into the JSONL payloads to POST, one a line.

    The registry decides header formats and button types (see README, "Campaign checks,
    audience files and CSV"). Rows that cannot become a payload are named on stderr and
    left out; the exit code is then 1. Render does not check the payloads: run
    'walint check' on the CSV or on the output."""
    import contextlib

    from .loader import read_campaign
    from .registry import load_registry
    from .atomic import atomic_writer

    if not file.lower().endswith(".csv"):
        _fail(f"{file}: render expands CSV campaigns (a .csv file)")
    bad = 0
    try:
        settings = _load({"registry": registry}, config_file, isolated)
        path = _default_registry(settings)
        plans = load_registry(path, cache=not settings.no_cache) if path is not None else None
        if plans is None:
            click.echo(f"walint: note: no {DEFAULT_REGISTRY} here and no --registry: headers "
                       "are rendered as text unless header_type says otherwise, buttons as url",
                       err=True)
        with contextlib.ExitStack() as stack:
            out = (stack.enter_context(atomic_writer(output)) if output
                   else sys.stdout.buffer)
            for message in read_campaign(file, registry=plans):
                if message.problem is not None:
                    bad += 1
                    click.echo(f"{file}:{message.line}: {message.problem}", err=True)
                    continue
                out.write(message.raw)
                out.write(b"\n")
            if out is sys.stdout.buffer:
                out.flush()
    except WalintError as error:
        _fail(error)
    sys.exit(EXIT_FINDINGS if bad else EXIT_CLEAN)


@main.command()
@_config_options
def config(config_file: str | None, isolated: bool) -> None:
    """Show which configuration file is used and the settings in effect."""
    import json

    try:
        settings = _load({}, config_file, isolated)
    except WalintError as error:
        _fail(error)
    where = settings.config_file
    click.echo(f"# configuration file: {os.path.relpath(where) if where else 'none'}")
    click.echo(json.dumps(settings.config_dict(), indent=2, sort_keys=True))


@main.command()
@_config_options
@click.option("--registry", type=click.Path(dir_okay=False),
              help=f"Template registry file (default: ./{DEFAULT_REGISTRY}).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the schema to FILE.")
def schema(config_file: str | None, isolated: bool, registry: str | None, output: str | None) -> None:
    """Print a JSON Schema of campaign messages whose templates come from the registry.

    Each APPROVED template is described with its exact parameters; point VS Code's JSON or
    YAML extension at the file to check campaigns while writing them."""
    import json

    from .registry import load_registry
    from .schema import build_schema

    try:
        settings = _load({"registry": registry}, config_file, isolated)
        path = _default_registry(settings)
        if path is None:
            _fail(f"no registry: no {DEFAULT_REGISTRY} here and no --registry")
        document = build_schema(load_registry(path, cache=not settings.no_cache), source=path)
    except WalintError as error:
        _fail(error)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    from .registry_sync import write_atomic

    try:
        write_atomic(output, text, what="the schema")
    except WalintError as error:
        _fail(error)


@main.group()
def registry() -> None:
    """Keep the template registry in step with WhatsApp Manager."""


@registry.command("pull")
@_config_options
@click.option("--waba-id", required=True, help="WhatsApp Business Account ID.")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help=f"Registry file to write (default: the configured registry, else ./{DEFAULT_REGISTRY}).")
@click.option("--api-base", default=None, help="Graph API base URL (default https://graph.facebook.com).")
@click.option("--api-version", default=None, help="Graph API version (default v23.0).")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
def pull(config_file: str | None, isolated: bool, waba_id: str, output: str | None,
         api_base: str | None, api_version: str | None, timeout: float) -> None:
    """Fetch every template of a WABA (token from $WHATSAPP_TOKEN) into the registry file."""
    from .registry import Registry
    from .registry_sync import (
        DEFAULT_API_BASE,
        DEFAULT_API_VERSION,
        TOKEN_ENV,
        SyncError,
        pull_templates,
        render_registry,
        write_registry,
    )

    token = os.environ.get(TOKEN_ENV, "")
    try:
        if output is None:
            settings = _load({}, config_file, isolated)
            output = str(settings.registry) if settings.registry is not None else DEFAULT_REGISTRY
        version = api_version or DEFAULT_API_VERSION
        result = pull_templates(waba_id, token, api_base=api_base or DEFAULT_API_BASE,
                                api_version=version, timeout=timeout)
        try:
            Registry.from_templates(result.templates, source="the pulled templates")
        except WalintError as error:
            raise SyncError(f"the API returned templates walint cannot read ({error}); "
                            f"{output} was left unchanged") from None
        header = (f"# walint template registry: the templates of WABA {waba_id} as "
                  f"GET /{version}/<WABA_ID>/message_templates returns them.\n"
                  f"# Written by 'walint registry pull --waba-id {waba_id}'; pull again rather "
                  f"than editing by hand.\n")
        write_registry(output, render_registry(result.templates, header=header))
    except WalintError as error:
        message = str(error).replace(token, "***") if token else str(error)
        _fail(message)
    approved = sum(1 for t in result.templates if str(t.get("status", "")).upper() == "APPROVED")
    click.echo(f"walint: wrote {len(result.templates)} templates ({approved} approved) from "
               f"{result.pages} page{'s' if result.pages != 1 else ''} to {output}", err=True)
