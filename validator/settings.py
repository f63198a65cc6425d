"""Settings: everything a run can be configured with, and where each value came from.

One pydantic model, ``Settings``, holds every choice of a run. Its keys are the long options
of ``walint check`` (``--extend-select`` is ``extend-select``), so the configuration file, the
command line and the library use one vocabulary. Several settings are declared before the
rules that read them exist (messaging limit, suppression list, sender, URL checks): rules read
them from ``ctx.settings``.

Where values come from, highest precedence first:

1. command-line flags — a flag replaces the key of the same name (``--select`` replaces the
   file's ``select``; ``--extend-select`` replaces the file's ``extend-select``);
2. ``WALINT_FORMAT`` — the output format only (flag > environment > file > default);
3. the configuration file: ``walint.toml`` / ``.walint.toml`` (top-level keys) or
   ``pyproject.toml`` with a ``[tool.walint]`` table, searched upward from the working
   directory. The nearest directory that has one wins; within one directory ``walint.toml``
   wins over ``.walint.toml`` over ``pyproject.toml``. A ``pyproject.toml`` without
   ``[tool.walint]`` is passed over. Files are never merged;
4. the defaults below.

Relative paths in a configuration file (``registry``, ``suppression-list``, ``contacts``,
``output`` and the ``per-file-ignores`` patterns that contain a ``/``) are read against the
directory of that file, so a check run from a subdirectory reads the same files. Relative
paths given on the command line are read against the working directory.

A mistake — an unknown key, a bad value, broken TOML — is one ``ConfigError`` naming the file
and the key (exit code 2 on the command line).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from .errors import ConfigError
from .findings import constructed

__all__ = ["CONFIG_FILES", "FORMAT_ENV", "Settings", "find_config", "load_settings"]

FORMAT_ENV = "WALINT_FORMAT"
#: Configuration file names looked for in each directory, in this order of preference.
CONFIG_FILES = ("walint.toml", ".walint.toml", "pyproject.toml")

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
#: Messaging-limit tiers as Meta names them (facts file §7; TIER_1K is the pre-2025 name).
_TIERS = {"250": 250, "1K": 1000, "2K": 2000, "10K": 10_000, "100K": 100_000}
_UNLIMITED = {"UNLIMITED", "TIER_UNLIMITED"}
#: Keys holding paths: read against the configuration file's directory.
_PATH_KEYS = ("registry", "suppression_list", "contacts", "output")


def _kebab(name: str) -> str:
    return name.replace("_", "-")


def _comma_list(value: Any) -> Any:
    """``"WA2, WA301"`` → ``["WA2", "WA301"]``; lists are split too (``["WA2,WA3"]``)."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if not isinstance(item, str):
                return value  # let the type check name the culprit
            out.extend(part.strip() for part in item.split(",") if part.strip())
        return out
    return value


def _phone(value: str) -> str:
    number = _PHONE_PUNCTUATION.sub("", value)
    if not _E164.match(number):
        raise ValueError(f"{value!r} is not a phone number in E.164 form (+ and 7-15 digits)")
    return number


class Settings(BaseModel):
    """Everything a run can be configured with (see the module docs for the sources).

    Python code uses the field names (``extend_select``); configuration files and the
    command line use the kebab-case keys (``extend-select``).
    """

    model_config = ConfigDict(extra="forbid", alias_generator=_kebab, populate_by_name=True,
                              defer_build=True)

    # -- what to check -------------------------------------------------------------------
    registry: Path | None = Field(None, description="Template registry file.")
    select: list[str] | None = Field(None, description="Only these rules (codes, prefixes, names).")
    ignore: list[str] = Field(default_factory=list, description="Skip these rules.")
    extend_select: list[str] = Field(default_factory=list,
                                     description="Rules added to those selected.")
    per_file_ignores: dict[str, list[str]] = Field(
        default_factory=dict, description="File glob → rules not reported for matching files.")
    severity: dict[str, str] = Field(
        default_factory=dict, description="Rule selector → severity override (error, warning).")
    options: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Rule code or name → that rule's options.")
    offline: bool = Field(False, description="Skip the rules that need the network.")

    # -- how to report -------------------------------------------------------------------
    format: str = Field("text", description="Report format (see 'walint check --help').")
    output: Path | None = Field(None, description="Write the report to this file, not stdout.")
    statistics: bool = Field(False, description="Counts per rule and per API error code.")
    color: Literal["auto", "always", "never"] = Field(
        "auto", description="Colour in text output: auto = on a terminal, unless NO_COLOR.")
    progress: bool = Field(True, description="Progress on stderr (text format on a terminal).")

    # -- fixing (validator.fixer) --------------------------------------------------------
    fix: bool = Field(False, description="Rewrite campaign files with the safe fixes.")
    unsafe_fixes: bool = Field(False, description="Apply unsafe fixes too (with fix or --diff).")

    # -- campaign context (read by campaign rules) ---------------------------------------
    messaging_limit: PositiveInt | None = Field(
        None, description="Unique users reachable outside a service window per 24 h "
                          "(250, 2K, 10K, 100K, unlimited, or a number).")
    suppression_list: Path | None = Field(None, description="Opt-out list (one number a line).")
    contacts: Path | None = Field(None, description="Contacts file (last inbound message per user).")
    send_at: datetime | None = Field(None, description="When the campaign will be sent (with offset).")
    sender_number: str | None = Field(
        None, description="The sending business number, E.164; its country code is the one "
                          "the API prepends to a 'to' without '+'.")
    sender_country: str | None = Field(
        None, description="ISO 3166 country of the sender (when sender-number is not given): "
                          "'to' without '+' is read as the API reads it.")
    test_sender_allow_list: list[str] = Field(
        default_factory=list, description="The sender is a test number that may only send to these.")

    # -- network checks ------------------------------------------------------------------
    url_timeout: PositiveFloat = Field(5.0, description="Seconds per URL request.")
    url_concurrency: PositiveInt = Field(64, description="URLs checked at once.")
    url_cache_ttl: float = Field(3600.0, ge=0, description="Seconds a URL check result is reused.")
    no_cache: bool = Field(False, description="Do not read or write walint's caches (URL checks, "
                                              "parsed registries, phone number regexes).")
    allow_private_urls: bool = Field(False, description="Allow URLs on private/loopback addresses.")

    # -- limits --------------------------------------------------------------------------
    max_message_size: PositiveInt | None = Field(None, description="Largest payload, in bytes.")
    jobs: int = Field(0, ge=0, description="Processes that check a large JSONL file together "
                                          "(0: one per core; 1: no worker processes).")
    max_findings_per_message: PositiveInt | None = Field(
        100, description="Findings reported per message at most (0: no limit); the verdict "
                         "counts them all.")

    _origins: dict[str, str] = PrivateAttr(default_factory=dict)
    _config_file: Path | None = PrivateAttr(None)

    # -- normalisation -------------------------------------------------------------------
    @field_validator("select", "ignore", "extend_select", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return _comma_list(value)

    @field_validator("per_file_ignores", mode="before")
    @classmethod
    def _split_per_file(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {pattern: _comma_list(codes) for pattern, codes in value.items()}
        return value

    @field_validator("severity", mode="before")
    @classmethod
    def _lower_severity(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: v.lower() if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        from .reporters import REPORTERS

        if value not in REPORTERS:
            raise ValueError(f"unknown format {value!r} (choose from {', '.join(sorted(REPORTERS))})")
        return value

    @field_validator("messaging_limit", mode="before")
    @classmethod
    def _tier(cls, value: Any) -> Any:
        if isinstance(value, str):
            name = value.strip().upper()
            if name in _UNLIMITED:
                return None
            name = name.removeprefix("TIER_")
            if name in _TIERS:
                return _TIERS[name]
            if name.isdigit():
                return int(name)
            raise ValueError(f"{value!r} is not a messaging limit (250, 2K, 10K, 100K, unlimited "
                             "or a number)")
        if isinstance(value, bool):
            raise ValueError("must be a number or a tier name, not true/false")  # noqa: TRY004 - pydantic reports ValueError
        return value

    @field_validator("max_findings_per_message", mode="before")
    @classmethod
    def _no_cap(cls, value: Any) -> Any:
        return None if value == 0 and not isinstance(value, bool) else value

    @field_validator("send_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("needs a UTC offset, e.g. 2025-05-03T09:00:00+02:00")
        return value

    @field_validator("sender_number")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return _phone(value) if value is not None else None

    @field_validator("test_sender_allow_list", mode="before")
    @classmethod
    def _allow_list(cls, value: Any) -> Any:
        value = _comma_list(value)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [_phone(v) for v in value]
        return value

    @field_validator("sender_country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(f"{value!r} is not a two-letter ISO 3166 country code")
        return code

    # -- building ------------------------------------------------------------------------
    @classmethod
    def build(cls, **values: Any) -> Settings:
        """Validate ``values`` (field names); a bad one is a ConfigError naming the key."""
        try:
            return _validate(values)
        except ValidationError as exc:
            key, message = _first_error(exc)
            raise ConfigError(f"{key}: {message}") from None

    def replace(self, **values: Any) -> Settings:
        """A copy with ``values`` changed (validated); they lose their recorded origin."""
        merged = {name: getattr(self, name) for name in self.model_fields_set}
        settings = Settings.build(**{**merged, **values})
        settings._origins = {k: v for k, v in self._origins.items() if k not in values}
        settings._config_file = self._config_file
        return settings

    # -- provenance ----------------------------------------------------------------------
    @property
    def config_file(self) -> Path | None:
        """The configuration file these settings were read from, if any."""
        return self._config_file

    def origin(self, field: str) -> str:
        """Where a field's value came from, for error messages: ``pyproject.toml: key
        'select'``, ``--select``, ``WALINT_FORMAT`` — or ``''`` for a default or library value."""
        return self._origins.get(field, "")

    def selected(self) -> list[str] | None:
        """The rule selection in effect: ``select`` (all rules when unset) plus ``extend-select``."""
        if self.select is None:
            return None
        return [*self.select, *self.extend_select]

    def config_dict(self) -> dict[str, Any]:
        """The settings as configuration keys and JSON values (``walint config``)."""
        return json.loads(self.model_dump_json(by_alias=True))


#: Settings whose value, when of exactly this type, validation keeps as it is.
_BOOLEANS = frozenset(name for name, info in Settings.model_fields.items() if info.annotation is bool)
#: Settings naming a file, of which validation makes a ``Path`` (``--output``, ``--registry``).
_PATHS = frozenset(name for name, info in Settings.model_fields.items() if info.annotation == Path | None)
_COLORS = ("auto", "always", "never")


def _validate(data: Mapping[str, Any]) -> Settings:
    """``Settings.model_validate(data)``. The model is built on first validation
    (``defer_build``: building it, the first schema of a run, is 8 % of the instructions of a
    one-message check), so the everyday case — a few flags, a known format, a file to write
    the report to, a number of processes — is taken as validation would take it, and the
    rest goes through pydantic."""
    values = {}
    for key, value in data.items():
        if key in _BOOLEANS:
            plain = type(value) is bool
        elif key in _PATHS:
            plain = type(value) is str and value != ""
            value = Path(value) if plain else value
        elif key == "format":
            from .reporters import REPORTERS

            plain = type(value) is str and value in REPORTERS
        elif key == "color":
            plain = type(value) is str and value in _COLORS
        elif key == "jobs":
            plain = type(value) is int and value >= 0
        else:
            plain = False
        if not plain:
            return Settings.model_validate(data)
        values[key] = value
    return constructed(Settings, values)


# -- discovery ------------------------------------------------------------------------------
def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file at or above ``start`` and its walint table."""
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            path = directory / name
            if not path.is_file():
                continue
            data = _read_toml(path)
            if name == "pyproject.toml":
                table = data.get("tool", {}).get("walint") if isinstance(data.get("tool"), dict) else None
                if table is None:
                    continue
                if not isinstance(table, dict):
                    raise ConfigError("[tool.walint] must be a table", file=_show(path))
                return path, table
            return path, data
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=_show(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read configuration: {exc.strerror}", file=_show(path)) from None


def _show(path: Path, base: Path | None = None) -> str:
    """A path as a user would type it: relative to the working directory when close to it."""
    try:
        relative = os.path.relpath(path, base if base is not None else os.getcwd())
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith(os.path.join("..", "..")) else relative


# -- merging --------------------------------------------------------------------------------
def load_settings(cli: Mapping[str, Any] | None = None, *, cwd: Path | None = None,
                  env: Mapping[str, str] | None = None, config: str | Path | None = None,
                  isolated: bool = False) -> Settings:
    """Build the settings of a run: defaults < configuration file < environment < ``cli``.

    ``cli`` maps field names to the values given on the command line (leave out what was not
    given). ``config`` names a configuration file explicitly (no search); ``isolated``
    ignores configuration files altogether.
    """
    cwd = Path.cwd() if cwd is None else cwd
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    origins: dict[str, str] = {}
    found: tuple[Path, dict[str, Any]] | None = None
    if config is not None:
        found = _explicit_config(Path(config) if Path(config).is_absolute() else cwd / config)
    elif not isolated:
        found = find_config(cwd)
    if found is not None:
        path, table = found
        label = _show(path, cwd) + (" [tool.walint]" if path.name == "pyproject.toml" else "")
        file_values = _validate_file(table, label)
        for key in file_values:
            origins[key] = f"{label}: key '{_kebab(key)}'"
        data.update(_anchor_paths(file_values, path.parent))
    if env.get(FORMAT_ENV):
        data["format"] = env[FORMAT_ENV]
        origins["format"] = FORMAT_ENV
    for key, value in (cli or {}).items():
        if value is None:
            continue
        data[key] = value
        origins[key] = f"--{_kebab(key)}"
    try:
        settings = _validate(data)
    except ValidationError as exc:
        key, message = _first_error(exc)
        where = origins.get(key.replace("-", "_"), f"key '{key}'")
        raise ConfigError(f"{where}: {message}") from None
    settings._origins = origins
    settings._config_file = found[0] if found else None
    return settings


def _explicit_config(path: Path) -> tuple[Path, dict[str, Any]]:
    if not path.is_file():
        raise ConfigError("configuration file not found", file=_show(path))
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("walint") if isinstance(data.get("tool"), dict) else None
        if not isinstance(table, dict):
            raise ConfigError("no [tool.walint] table", file=_show(path))
        return path, table
    return path, data


def _validate_file(table: Mapping[str, Any], label: str) -> dict[str, Any]:
    """Check a configuration table key by key, so an error names the key; return the values
    by field name."""
    fields = Settings.model_fields
    by_key = {_kebab(name): name for name in fields}
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = by_key.get(key)
        if name is None:
            import difflib  # here: only a mistyped key needs it

            hint = difflib.get_close_matches(key.replace("_", "-"), list(by_key), n=1, cutoff=0.6)
            tip = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(f"{label}: unknown key '{key}'{tip}")
        values[name] = value
    try:
        _validate(values)
    except ValidationError as exc:
        key, message = _first_error(exc)
        raise ConfigError(f"{label}: key '{key}': {message}") from None
    return values


def _first_error(exc: ValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    key = _kebab(loc[0]) if loc else "?"
    message = first["msg"].removeprefix("Value error, ")
    if len(loc) > 1:
        message = f"{'.'.join(loc[1:])}: {message}"
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return key, message


def _anchor_paths(values: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative paths of a configuration file are relative to its directory."""
    out = dict(values)
    for key in _PATH_KEYS:
        value = out.get(key)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            out[key] = _nice(base / value)
    patterns = out.get("per_file_ignores")
    if isinstance(patterns, Mapping):
        out["per_file_ignores"] = {
            (_nice(base / p) if isinstance(p, str) and "/" in p and not Path(p).is_absolute() else p): v
            for p, v in patterns.items()}
    return out


def _nice(path: Path) -> str:
    """An anchored path, shown relative to the working directory when it lies below it."""
    absolute = os.path.normpath(path.absolute())
    try:
        relative = os.path.relpath(absolute)
    except ValueError:
        return absolute
    return absolute if relative.startswith("..") else relative


def parse_assignments(values: Iterable[str], flag: str, separator: str = "=") -> dict[str, str]:
    """``["WA302=error"]`` → ``{"WA302": "error"}``; a malformed item names the flag."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.rpartition(separator) if separator == ":" else item.partition(separator)
        if not sep or not key.strip() or not value.strip():
            example = "PATTERN:CODES" if separator == ":" else "KEY=VALUE"
            raise ConfigError(f"{flag}: expected {example}, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def parse_rule_options(values: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``["WA203.strict=true"]`` → ``{"WA203": {"strict": True}}`` (values read as JSON,
    else kept as text)."""
    out: dict[str, dict[str, Any]] = {}
    for key, raw in parse_assignments(values, "--option").items():
        rule, dot, option = key.partition(".")
        if not dot or not rule or not option:
            raise ConfigError(f"--option: expected RULE.OPTION=VALUE, got {key}={raw}")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        out.setdefault(rule, {})[option] = value
    return out
