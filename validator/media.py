"""Check local media files before they are uploaded: ``walint media`` and ``check_media_files``.

A media file is not a campaign message, so it does not go through the engine: each file is
read once (its size, and its real type sniffed from the bytes by ``validator.sniff``) into a
:class:`MediaFile`, and handed to the rules of ``Scope.FILE`` — which know the media kinds;
this module knows none. Selection, severities and options come from the same settings as
``walint check``.

The report has the usual shape: one finding per problem with ``file`` set and ``index`` /
``line`` null (a finding about a whole file); ``summary.files`` counts the files checked and
``summary.messages`` is 0. ``report.ok`` is False when any file has an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import InputError
from .findings import Finding, Report, Severity, Summary
from .redact import redact
from .rule import DEFAULT, Context, Rule, Scope
from .sniff import Sniffed, sniff_file

if TYPE_CHECKING:
    from .settings import Settings

__all__ = ["MediaFile", "check_media_files"]


@dataclass(frozen=True)
class MediaFile:
    """One local file as the ``Scope.FILE`` rules see it.

    ``path`` as given, ``name`` its base name, ``size`` in bytes, ``sniffed`` its real type,
    ``kind`` the media kind it is to be sent as (``--as``), or None to let the rules choose
    from the content."""

    path: str
    name: str
    size: int
    sniffed: Sniffed
    kind: str | None = None


def read_media_file(path: str, kind: str | None = None) -> MediaFile:
    """Stat and sniff ``path``; an unreadable file is an ``InputError`` naming it."""
    try:
        if os.path.isdir(path):
            raise InputError("is a directory, not a media file", file=path)
        size = os.path.getsize(path)
        sniffed = sniff_file(path)
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None
    return MediaFile(path=path, name=os.path.basename(path), size=size, sniffed=sniffed, kind=kind)


def check_media_files(paths: Iterable[str | os.PathLike[str]], kind: str | None = None, *,
                      settings: Settings | None = None, plugins: bool = True) -> Report:
    """Check local media files as WhatsApp would judge them when sent as ``kind``.

    ``kind`` is ``image``, ``video``, ``audio``, ``document`` or ``sticker``, or None to
    judge each file as the kind its content fits. Raises ``InputError`` for a file that
    cannot be read (and ``LibmagicMissingError`` without libmagic) before any is checked.
    """
    from .catalog import all_rule_classes, instantiate, parse_severities, select_rules
    from .settings import Settings

    settings = settings if settings is not None else Settings.build()
    known = all_rule_classes(plugins=plugins)
    chosen = select_rules(known, settings.selected(), settings.ignore)
    rules = [rule for rule in instantiate(chosen, settings.options) if rule.scope is Scope.FILE]
    severities = parse_severities(settings.severity, known)
    files = [read_media_file(os.fspath(path), kind) for path in paths]
    ctx = Context(None, offline=True, settings=settings)
    findings: list[Finding] = []
    for media in files:
        for rule in rules:
            findings.extend(_run(rule, media, ctx, severities.get(rule.code, rule.severity)))
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    summary = Summary(files=len(files), errors=errors, warnings=len(findings) - errors)
    return Report(summary=summary, findings=findings, media_files=True,
                  file_messages={media.path: 0 for media in files})


def _run(rule: Rule, media: MediaFile, ctx: Context, severity: Severity) -> list[Finding]:
    def finding(path: str, message: str, api_error: int | None, level: Severity) -> Finding:
        return Finding(file=media.path, line=None, index=None, rule=rule.code, name=rule.name,
                       severity=level, api_error=api_error, path=path, message=redact(message))

    try:
        return [finding(problem.path, problem.message,
                        rule.api_error if problem.api_error is DEFAULT else problem.api_error,
                        severity)
                for problem in rule.check(media, ctx)]
    except Exception as exc:  # noqa: BLE001 - a buggy rule must not lose the other files
        detail = f"{type(exc).__name__}: {exc}"[:300]
        return [finding("", f"internal error in {rule.code}: {detail}", None, Severity.ERROR)]

