"""``walint check --fix / --diff / --unsafe-fixes`` and ``walint rules`` as a user runs them."""

from __future__ import annotations

import json

from validator.catalog import all_rule_classes

from ..conftest import RULE_REGISTRY, run_walint
from .helpers import audio, template, text


def check(*args, **kwargs):
    result = run_walint("check", "--offline", "--registry", str(RULE_REGISTRY), *args, **kwargs)
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result


def jsonl(*payloads) -> bytes:
    return b"".join(json.dumps(p, ensure_ascii=False).encode() + b"\n" for p in payloads)


def to(payload: dict, number: str) -> dict:
    return {**payload, "to": number}


# Each to its own recipient, so campaign rules (duplicates) stay out of the counts.
MIXED = (text("+1 650-555-1234"), to(template("no_such_template"), "+447911123401"),
         to(audio(), "+447911123402"), to(template("Hello_World", "en-US"), "+447911123403"))


def test_fix_rewrites_and_reports_what_remains(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl(*MIXED))
    result = check("--fix", str(path))
    assert result.returncode == 1  # WA201 and WA405 remain
    out = result.stdout.decode()
    assert "WA302" not in out and "WA216" not in out and "WA217" not in out
    assert "WA201" in out and "WA405" in out
    assert "fixed 3 findings, 2 remaining" in out.strip().splitlines()[-1]
    assert path.read_bytes() == jsonl(text("+16505551234"), *MIXED[1:3],
                                      to(template("hello_world", "en_US"), "+447911123403"))


def test_rerun_after_fix_finds_nothing_left_to_fix(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl(*MIXED))
    check("--fix", "--unsafe-fixes", str(path))
    fixed = path.read_bytes()
    again = check("--diff", "--unsafe-fixes", str(path))
    assert again.returncode == 0 and again.stdout == b""
    assert b"would fix 0 findings in 0 files" in again.stderr
    rerun = check("--fix", "--unsafe-fixes", "--format", "json", str(path))
    assert json.loads(rerun.stdout)["summary"]["fixed"] == 0
    assert path.read_bytes() == fixed


def test_fix_exits_0_when_everything_is_fixed(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl(template("Hello_World", "en-US")))
    result = check("--fix", "--format", "json", str(path))
    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert report["summary"]["fixed"] == 2 and report["summary"]["errors"] == 0
    assert report["findings"] == []


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path):
    path = tmp_path / "c.jsonl"
    original = jsonl(text("+447911123456"), text("+1 650-555-1234"), text("+447911123457"))
    path.write_bytes(original)
    result = check("--diff", str(path))
    assert result.returncode == 1
    name = str(path)
    assert result.stdout.decode() == (
        f"--- {name}\n+++ {name}\n@@ -1,3 +1,3 @@\n"
        f" {json.dumps(text('+447911123456'))}\n"
        f"-{json.dumps(text('+1 650-555-1234'))}\n"
        f"+{json.dumps(text('+16505551234'))}\n"
        f" {json.dumps(text('+447911123457'))}\n")
    assert b"would fix 1 finding in 1 file" in result.stderr
    assert path.read_bytes() == original


def test_unsafe_fixes_need_the_flag(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl(audio()))
    plain = check("--fix", str(path))
    assert path.read_bytes() == jsonl(audio()) and b"WA405" in plain.stdout
    assert b"fixed 0 findings, 1 remaining" in plain.stdout
    check("--fix", "--unsafe-fixes", str(path))
    assert path.read_bytes() == jsonl(audio(None))


def test_without_fix_the_text_report_says_what_could_be_fixed(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl(*MIXED))
    out = check(str(path)).stdout.decode()
    assert "3 findings can be fixed with --fix (1 more with --fix --unsafe-fixes)" in out
    assert path.read_bytes() == jsonl(*MIXED)
    report = json.loads(check("--format", "json", str(path)).stdout)
    assert {f["rule"]: f.get("fixable") for f in report["findings"]}["WA405"] == "unsafe"
    assert "fixed" not in report["summary"]


def test_crlf_and_bom_survive_the_command(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + jsonl(text("+447911123456"), text("+1 650-555-1234"))
                     .replace(b"\n", b"\r\n"))
    check("--fix", str(path))
    assert path.read_bytes() == b"\xef\xbb\xbf" + jsonl(
        text("+447911123456"), text("+16505551234")).replace(b"\n", b"\r\n")


def test_csv_campaign_fix(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"to,template,language\r\n+1 650-555-1234,Hello_World,en-US\r\n"
                     b"+447911123456,hello_world,en_US\r\n")
    result = check("--fix", str(path))
    assert result.returncode == 0, result.stdout.decode()
    assert path.read_bytes() == (b"to,template,language\r\n+16505551234,hello_world,en_US\r\n"
                                 b"+447911123456,hello_world,en_US\r\n")


def test_sender_country_fix_from_the_command_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl(text("(631) 555-1234"), text("1 (631) 555-1234")))
    result = check("--sender-country", "IN", "--fix", str(path))
    out = result.stdout.decode()
    assert result.returncode == 1
    assert "would be sent to +9116315551234" in out and "probably meant +1 631-555-1234" in out
    assert path.read_bytes() == jsonl(text("+916315551234"), text("1 (631) 555-1234"))


def test_fix_from_the_configuration_file(tmp_path):
    (tmp_path / "walint.toml").write_text("fix = true\nunsafe-fixes = true\noffline = true\n")
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl(audio()))
    result = run_walint("check", "--registry", str(RULE_REGISTRY), "c.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert path.read_bytes() == jsonl(audio(None))


def test_stdin_cannot_be_fixed_in_place_but_can_be_diffed():
    refused = check("--fix", "-", stdin=jsonl(text("+1 650-555-1234")))
    assert refused.returncode == 2 and b"cannot rewrite standard input" in refused.stderr
    diff = check("--diff", "-", stdin=jsonl(text("+1 650-555-1234")))
    assert diff.returncode == 1
    assert diff.stdout.decode().startswith("--- <stdin>\n+++ <stdin>\n")
    assert f"+{json.dumps(text('+16505551234'))}" in diff.stdout.decode()


def test_diff_with_split_output_is_refused(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl(text()))
    result = check("--diff", "--write-passed", str(tmp_path / "p.jsonl"), str(path))
    assert result.returncode == 2 and b"--diff writes nothing" in result.stderr


def test_fix_then_split_writes_the_fixed_messages(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(jsonl(text("+1 650-555-1234"), template("no_such_template")))
    passed = tmp_path / "passed.jsonl"
    result = check("--fix", "--write-passed", str(passed), str(path))
    assert result.returncode == 1
    assert [json.loads(x) for x in passed.read_bytes().splitlines()] == [text("+16505551234")]


def test_rules_command_has_a_fix_column():
    out = run_walint("rules").stdout.decode().splitlines()
    assert out[0].split()[:6] == ["CODE", "NAME", "SEVERITY", "API", "SCOPE", "FIX"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    for cls in all_rule_classes(plugins=False):
        assert rows[cls.code][5] == (cls.fixable or "-")
    assert rows["WA302"][5] == "safe" and rows["WA405"][5] == "unsafe"
