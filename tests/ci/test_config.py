"""Configuration: discovery, precedence, path anchoring, errors, and Settings in the library."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from validator import Validator
from validator.engine import Engine
from validator.errors import ConfigError
from validator.loader import messages_from_payloads
from validator.rule import Problem, Rule
from validator.settings import Settings, load_settings

from .conftest import (
    BAD,
    GOOD,
    REGISTRY,
    WARNED,
    clean_env,
    findings,
    walint,
    write_jsonl,
)


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def config_file_used(cwd: Path, *args: str) -> str:
    result = walint("config", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode().splitlines()[0]


# -- discovery -------------------------------------------------------------------------------
def test_pyproject_tool_walint_is_found_from_a_subdirectory(tmp_path):
    root = project(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n\n[tool.walint]\n'
                                                'format = "json"\n'
                                                f'registry = "{REGISTRY}"\n',
                              "campaigns/spring/c.jsonl": json.dumps(BAD) + "\n"})
    result = walint("check", "c.jsonl", cwd=root / "campaigns" / "spring")
    assert result.returncode == 1
    assert [f["rule"] for f in findings(result)] == ["WA201"]


def test_nearest_configuration_wins(tmp_path):
    root = project(tmp_path, {"pyproject.toml": '[tool.walint]\nformat = "json"\n',
                              "sub/walint.toml": 'format = "jsonl"\n'})
    assert config_file_used(root / "sub") == "# configuration file: walint.toml"
    assert config_file_used(root) == "# configuration file: pyproject.toml"


def test_walint_toml_beats_pyproject_in_the_same_directory(tmp_path):
    root = project(tmp_path, {"pyproject.toml": '[tool.walint]\nformat = "json"\n',
                              "walint.toml": 'format = "jsonl"\n'})
    assert config_file_used(root) == "# configuration file: walint.toml"


def test_pyproject_without_a_walint_table_is_passed_over(tmp_path):
    root = project(tmp_path, {"walint.toml": 'statistics = true\n',
                              "pkg/pyproject.toml": '[project]\nname = "pkg"\n'})
    assert config_file_used(root / "pkg") == "# configuration file: ../walint.toml"


def test_isolated_and_explicit_config(tmp_path):
    root = project(tmp_path, {"walint.toml": 'format = "json"\n',
                              "other.toml": 'format = "jsonl"\n'})
    assert config_file_used(root, "--isolated") == "# configuration file: none"
    assert config_file_used(root, "--config", "other.toml") == "# configuration file: other.toml"
    missing = walint("config", "--config", "nope.toml", cwd=root)
    assert missing.returncode == 2 and b"nope.toml: configuration file not found" in missing.stderr


# -- paths -----------------------------------------------------------------------------------
def test_relative_paths_resolve_against_the_config_files_directory(tmp_path):
    root = project(tmp_path, {
        "walint.toml": 'registry = "regs/mine.yaml"\nformat = "json"\n',
        "regs/mine.yaml": "templates:\n  - {name: only_mine, language: en_US, status: APPROVED}\n",
        "deep/down/c.jsonl": json.dumps(GOOD) + "\n"})
    result = walint("check", "c.jsonl", cwd=root / "deep" / "down")
    assert result.returncode == 1
    (finding,) = findings(result)
    assert finding["rule"] == "WA201" and "only_mine" not in finding["message"]
    assert "hello_world does not exist" in finding["message"]


def test_default_registry_is_found_beside_the_config_file(tmp_path):
    root = project(tmp_path, {"walint.toml": 'format = "json"\n',
                              "templates_registry.yaml": REGISTRY.read_text(),
                              "campaigns/c.jsonl": json.dumps(BAD) + "\n"})
    result = walint("check", "c.jsonl", cwd=root / "campaigns")
    assert [f["rule"] for f in findings(result)] == ["WA201"]


# -- precedence ------------------------------------------------------------------------------
def test_format_precedence_flag_over_env_over_file_over_default(tmp_path):
    root = project(tmp_path, {"walint.toml": f'format = "json"\nregistry = "{REGISTRY}"\n'})
    write_jsonl(root / "c.jsonl", [BAD])
    from_file = walint("check", "c.jsonl", cwd=root)
    assert json.loads(from_file.stdout)["summary"]["failed"] == 1
    from_env = walint("check", "c.jsonl", cwd=root, env=clean_env(WALINT_FORMAT="jsonl"))
    assert [json.loads(line)["rule"] for line in from_env.stdout.splitlines()] == ["WA201"]
    from_flag = walint("check", "--format", "text", "c.jsonl", cwd=root,
                       env=clean_env(WALINT_FORMAT="jsonl"))
    assert b"1 message in 1 file: 0 passed, 1 failed" in from_flag.stdout
    default = walint("check", "--isolated", "--registry", str(REGISTRY), "c.jsonl", cwd=root)
    assert default.stdout.startswith(b"c.jsonl:1: WA201")


def test_bad_walint_format_is_one_error_naming_the_variable(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", [GOOD])
    result = walint("check", "c.jsonl", cwd=tmp_path, env=clean_env(WALINT_FORMAT="xml"))
    assert result.returncode == 2
    assert result.stderr.decode().strip().startswith("walint: error: WALINT_FORMAT: unknown format 'xml'")


def test_flags_replace_the_files_values(tmp_path):
    root = project(tmp_path, {"walint.toml": f'registry = "{REGISTRY}"\nformat = "json"\n'
                                             'select = ["WA3"]\nseverity = {WA302 = "error"}\n'})
    write_jsonl(root / "c.jsonl", [dict(BAD, to="+44 7911 123456")])
    from_file = findings(walint("check", "c.jsonl", cwd=root))
    assert [(f["rule"], f["severity"]) for f in from_file] == [("WA302", "error")]
    flagged = findings(walint("check", "--select", "WA2", "--severity", "WA302=warning",
                              "--extend-select", "WA302", "c.jsonl", cwd=root))
    assert [(f["rule"], f["severity"]) for f in flagged] == [("WA201", "error"), ("WA302", "warning")]


def test_offline_from_the_file_can_be_turned_off_by_a_flag(tmp_path):
    root = project(tmp_path, {"walint.toml": "offline = true\n"})
    assert json.loads(walint("config", cwd=root).stdout.decode().split("\n", 1)[1])["offline"] is True
    settings = load_settings({"offline": False}, cwd=root)
    assert settings.offline is False and settings.origin("offline") == "--offline"


# -- errors: one line naming the file and the key --------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ('selct = ["WA2"]\n', "walint.toml: unknown key 'selct' (did you mean 'select'?)"),
    ('messaging-limit = "lots"\n', "walint.toml: key 'messaging-limit': 'lots' is not a messaging limit"),
    ('severity = {WA302 = "fatal"}\n',
     "walint.toml: key 'severity': severity for 'WA302' must be 'error' or 'warning', not 'fatal'"),
    ('url-timeout = -1\n', "walint.toml: key 'url-timeout':"),
    ('send-at = 2025-05-03T09:00:00\n', "walint.toml: key 'send-at': needs a UTC offset"),
    ('sender-number = "0044 7911"\n', "walint.toml: key 'sender-number': '0044 7911' is not a phone number"),
    ('select = ["WA999"]\n', "walint.toml: key 'select': unknown rule 'WA999'"),
    ('per-file-ignores = {"*.jsonl" = ["nope"]}\n', "walint.toml: key 'per-file-ignores': unknown rule 'nope'"),
    ('format = "xml"\n', "walint.toml: key 'format': unknown format 'xml'"),
    ('offline = true\nregistry = [1]\n', "walint.toml: key 'registry':"),
    ('select = ["WA2"\n', "walint.toml: invalid TOML:"),
])
def test_config_mistakes_are_one_line_naming_file_and_key(tmp_path, text, expected):
    (tmp_path / "walint.toml").write_text(text)
    write_jsonl(tmp_path / "c.jsonl", [GOOD])
    result = walint("check", "c.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"walint: error: {expected}"), lines[0]
    assert result.stdout == b""


def test_pyproject_errors_name_the_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.walint]\nignore = 3\n')
    write_jsonl(tmp_path / "c.jsonl", [GOOD])
    result = walint("check", "c.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert "pyproject.toml [tool.walint]: key 'ignore':" in result.stderr.decode()


@pytest.mark.parametrize(("args", "expected"), [
    (["--severity", "WA302"], "--severity: expected KEY=VALUE"),
    (["--messaging-limit", "0"], "--messaging-limit:"),
    (["--per-file-ignores", "nocolon"], "--per-file-ignores: expected PATTERN:CODES"),
    (["--option", "WA203=1"], "--option: expected RULE.OPTION=VALUE"),
    (["--select", "WA999"], "--select: unknown rule 'WA999'"),
])
def test_flag_mistakes_name_the_flag(tmp_path, args, expected):
    write_jsonl(tmp_path / "c.jsonl", [GOOD])
    result = walint("check", "--isolated", *args, "c.jsonl", cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr.decode(), result.stderr


# -- values ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [
    ("250", 250), ("2K", 2000), ("TIER_10K", 10_000), ("tier_100k", 100_000), (5000, 5000),
    ("unlimited", None), ("TIER_UNLIMITED", None), ("1K", 1000)])
def test_messaging_limit_tiers(value, expected):
    assert Settings.build(messaging_limit=value).messaging_limit == expected


def test_every_declared_key_is_accepted_from_a_file(tmp_path):
    (tmp_path / "walint.toml").write_text(
        'registry = "r.yaml"\nselect = "WA1,WA2"\nignore = ["WA203"]\nextend-select = ["WA3"]\n'
        'per-file-ignores = {"legacy/*.jsonl" = "WA302"}\nseverity = {WA302 = "ERROR"}\n'
        'options = {}\noffline = true\nformat = "sarif"\noutput = "out/walint.sarif"\n'
        'statistics = true\ncolor = "never"\nprogress = false\nmessaging-limit = "2K"\n'
        'suppression-list = "optouts.txt"\ncontacts = "contacts.csv"\n'
        'send-at = 2025-05-03T09:00:00+02:00\nsender-number = "+44 7911 123456"\n'
        'sender-country = "gb"\ntest-sender-allow-list = ["+447911123456", "+4915123456789"]\n'
        'url-timeout = 2.5\nurl-concurrency = 8\nurl-cache-ttl = 0\nno-cache = true\n'
        'allow-private-urls = true\nmax-message-size = 65536\nmax-findings-per-message = 5\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    settings = load_settings({}, cwd=sub, env={})
    assert settings.select == ["WA1", "WA2"] and settings.severity == {"WA302": "error"}
    assert settings.registry == Path("../r.yaml") or settings.registry.resolve() == (tmp_path / "r.yaml").resolve()
    assert (sub / settings.suppression_list).resolve() == (tmp_path / "optouts.txt").resolve()
    (pattern,) = settings.per_file_ignores
    assert Path(pattern).is_absolute() or (sub / pattern).resolve() == (tmp_path / "legacy/*.jsonl").resolve()
    assert settings.messaging_limit == 2000 and settings.sender_number == "+447911123456"
    assert settings.sender_country == "GB" and settings.url_cache_ttl == 0
    assert settings.send_at == datetime(2025, 5, 3, 7, 0, tzinfo=timezone.utc)
    assert settings.config_file == tmp_path / "walint.toml"
    assert settings.origin("select") == "../walint.toml: key 'select'"


# -- the library -----------------------------------------------------------------------------
class SeesSettings(Rule):
    """Reports the messaging limit it was given (a test rule).

    **What it does**
    Nothing useful.
    """

    code = "XX901"
    name = "sees-settings"

    def check(self, payload, ctx):
        yield Problem("", f"limit {ctx.settings.messaging_limit}")


def test_rules_see_the_settings_as_ctx_settings():
    settings = Settings.build(messaging_limit="10K")
    report = Engine([SeesSettings()], settings=settings).run(
        [("<memory>", messages_from_payloads([GOOD]))])
    assert [f.message for f in report.findings] == ["limit 10000"]
    validator = Validator(str(REGISTRY), settings=settings)
    assert validator.engine.settings is validator.settings
    assert validator.settings.messaging_limit == 10_000


def test_validator_keyword_api_still_works_and_overrides_settings():
    assert Validator(str(REGISTRY)).settings.offline is True  # the library stays offline
    report = Validator(str(REGISTRY), select=["WA3"]).validate([dict(BAD, to="+44 7911 123456")])
    assert [f.rule for f in report.findings] == ["WA302"]
    settings = Settings.build(select=["WA2"], offline=False)
    validator = Validator(str(REGISTRY), settings=settings, select=["WA3"], offline=True)
    assert validator.settings.select == ["WA3"] and validator.settings.offline is True
    assert [f.rule for f in validator.validate([WARNED]).findings] == ["WA302"]
    with pytest.raises(ConfigError, match="severity"):
        Validator(str(REGISTRY), severity={"WA302": "fatal"})
    with pytest.raises(ConfigError, match="unknown rule 'WA999'"):
        Validator(str(REGISTRY), select=["WA999"])


def test_settings_registry_is_used_when_no_registry_argument(tmp_path):
    report = Validator(settings=Settings.build(registry=REGISTRY)).validate([BAD])
    assert [f.rule for f in report.findings] == ["WA201"]
