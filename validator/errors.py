"""The exceptions walint raises when it cannot do its job (exit code 2).

Problems *in* a campaign are findings, never exceptions. These classes are for the other
kind of failure: a campaign file that cannot be opened, a registry or configuration that is
broken, a rule pack that will not load. Each carries the file and, where there is one, the
line, so the command line can print one clear line instead of a traceback.
"""

from __future__ import annotations

__all__ = ["ConfigError", "InputError", "RegistryError", "RulePackError", "WalintError"]


class WalintError(Exception):
    """Base class: walint could not do what it was asked."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __reduce__(self) -> tuple:
        # Raised in a worker process (``--jobs``), re-raised in the main one: keep file and line.
        return (_rebuild, (type(self), self.message, self.file, self.line))

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class InputError(WalintError):
    """A campaign file could not be read at all (missing, a directory, unreadable)."""


class RegistryError(WalintError):
    """The template registry is missing, malformed or contradicts itself."""


class ConfigError(WalintError):
    """A command-line option or configuration value is invalid."""


class RulePackError(WalintError):
    """A third-party rule pack failed to load or declares an invalid rule."""


def _rebuild(cls: type[WalintError], message: str, file: str | None, line: int | None) -> WalintError:
    return cls(message, file=file, line=line)
