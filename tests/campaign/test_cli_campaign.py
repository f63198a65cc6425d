"""The command line: render, split output and audience settings, as a real process."""

from __future__ import annotations

import json

import orjson

from ..conftest import ROOT, run_walint

REGISTRY = str(ROOT / "templates_registry.yaml")
GOOD = '{"messaging_product": "whatsapp", "to": "+4915123456789", "text": {"body": "Hi"}}'
OTHER = '{"messaging_product":"whatsapp","to":"+4915123456780","text":{"body":"Hi"}}'
CSV = ("to,template,language,header,body.1,body.2,body.3,button.0\n"
       "+4915123456789,order_update,en_US,https://shop.example.com/a.jpg,Ana,A-1042,May 3,A-1042\n"
       "+4915123456780,hello_world,en_US,,,,,\n")


def _lines(path):
    return path.read_bytes().splitlines()


def test_render_writes_the_expanded_jsonl(tmp_path):
    campaign = tmp_path / "campaign.csv"
    campaign.write_text(CSV, encoding="utf-8")
    result = run_walint("render", str(campaign), "--registry", REGISTRY, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert first["template"]["components"][0]["parameters"][0]["type"] == "image"
    assert second["template"] == {"name": "hello_world", "language": {"code": "en_US"}}
    out = tmp_path / "out.jsonl"
    result = run_walint("render", str(campaign), "--registry", REGISTRY, "-o", str(out),
                        cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == b""
    assert _lines(out) == result_lines(tmp_path, campaign)
    # The rendered file checks clean, exactly like the CSV it came from.
    check = run_walint("check", str(out), "--registry", REGISTRY, "--offline", cwd=tmp_path)
    assert check.returncode == 0, check.stdout.decode()


def result_lines(tmp_path, campaign):
    return run_walint("render", str(campaign), "--registry", REGISTRY,
                      cwd=tmp_path).stdout.splitlines()


def test_render_names_bad_rows_and_fails(tmp_path):
    campaign = tmp_path / "campaign.csv"
    campaign.write_text("to,text\n+4915123456789,Hi\n+4915123456780,Hi,extra\n", encoding="utf-8")
    result = run_walint("render", str(campaign), cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 1
    assert f"{campaign}:3: CSV row: has 3 cells" in result.stderr.decode()


def test_render_refuses_other_files(tmp_path):
    path = tmp_path / "campaign.jsonl"
    path.write_text(GOOD + "\n", encoding="utf-8")
    result = run_walint("render", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert "render expands CSV campaigns" in result.stderr.decode()
    assert b"Traceback" not in result.stderr


def test_split_files(tmp_path):
    campaign = tmp_path / "campaign.jsonl"
    campaign.write_text(f"{GOOD}\n{{broken\n\n{GOOD}\n{OTHER}\n", encoding="utf-8")
    passed, failed = tmp_path / "passed.jsonl", tmp_path / "failed.jsonl"
    result = run_walint("check", str(campaign), "--registry", REGISTRY, "--offline",
                        "--format", "json", "--write-passed", str(passed),
                        "--write-failed", str(failed), cwd=tmp_path)
    assert result.returncode == 1
    summary = json.loads(result.stdout)["summary"]
    assert summary["messages"] == 4 and summary["failed"] == 2
    assert _lines(passed) == [GOOD.encode(), OTHER.encode()]
    records = [orjson.loads(line) for line in _lines(failed)]
    assert [(r["line"], r["index"]) for r in records] == [(2, 1), (4, 2)]
    assert records[0]["raw"] == "{broken" and "payload" not in records[0]
    assert records[1]["findings"][0]["rule"] == "WA602"
    assert "wrote 2 passed to" in result.stderr.decode()


def test_split_from_stdin(tmp_path):
    passed, failed = tmp_path / "passed.jsonl", tmp_path / "failed.jsonl"
    result = run_walint("check", "-", "--offline", "--write-passed", str(passed),
                        "--write-failed", str(failed), stdin=f"{GOOD}\nnot json\n", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert _lines(passed) == [GOOD.encode()]
    (record,) = [orjson.loads(line) for line in _lines(failed)]
    assert (record["file"], record["line"], record["raw"]) == ("<stdin>", 2, "not json")


def test_split_of_a_csv_campaign_writes_payloads(tmp_path):
    campaign = tmp_path / "campaign.csv"
    campaign.write_text(CSV + "+4915123456781,hello_world,en_US,,oops,,,\n", encoding="utf-8")
    passed, failed = tmp_path / "passed.jsonl", tmp_path / "failed.jsonl"
    result = run_walint("check", str(campaign), "--registry", REGISTRY, "--offline",
                        "--write-passed", str(passed), "--write-failed", str(failed), cwd=tmp_path)
    assert result.returncode == 1
    assert [json.loads(line)["to"] for line in _lines(passed)] == ["+4915123456789",
                                                                   "+4915123456780"]
    (record,) = [orjson.loads(line) for line in _lines(failed)]
    assert record["line"] == 4 and record["payload"]["to"] == "+4915123456781"


def test_audience_settings_on_the_command_line(tmp_path):
    campaign = tmp_path / "campaign.jsonl"
    campaign.write_text(f"{GOOD}\n{OTHER}\n", encoding="utf-8")
    optouts = tmp_path / "optouts.txt"
    optouts.write_text("+49 151 2345 6789 # STOP\n", encoding="utf-8")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("phone,last_inbound_at\n+4915123456780,2025-05-01T09:00:00+02:00\n",
                        encoding="utf-8")
    result = run_walint("check", str(campaign), "--offline", "--format", "json",
                        "--suppression-list", str(optouts), "--contacts", str(contacts),
                        "--send-at", "2025-05-02T09:00:00+02:00", cwd=tmp_path)
    found = {(f["rule"], f["index"]) for f in json.loads(result.stdout)["findings"]}
    assert ("WA606", 0) in found and ("WA607", 0) in found   # opted out; never wrote in
    assert ("WA607", 1) not in found                          # exactly 24 h: still open
    assert result.returncode == 1


def test_audience_settings_in_the_configuration_file(tmp_path):
    campaign = tmp_path / "campaign.jsonl"
    campaign.write_text(f"{GOOD}\n", encoding="utf-8")
    (tmp_path / "optouts.txt").write_text("+4915123456789\n", encoding="utf-8")
    (tmp_path / "walint.toml").write_text('suppression-list = "optouts.txt"\n'
                                          'sender-number = "+4915123456789"\n'
                                          'offline = true\n', encoding="utf-8")
    result = run_walint("check", "campaign.jsonl", "--format", "json", cwd=tmp_path)
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert {"WA606", "WA609"} <= rules


def test_a_broken_audience_file_is_exit_2_with_one_line_and_no_output(tmp_path):
    campaign = tmp_path / "campaign.jsonl"
    campaign.write_text(f"{GOOD}\n", encoding="utf-8")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("phone,last_inbound_at\n+4915123456789,2025-05-01T09:00:00\n",
                        encoding="utf-8")
    passed = tmp_path / "passed.jsonl"
    result = run_walint("check", str(campaign), "--offline", "--contacts", str(contacts),
                        "--write-passed", str(passed), cwd=tmp_path)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert f"{contacts}:2: last_inbound_at '2025-05-01T09:00:00' has no time zone" in stderr
    assert not passed.exists()
    assert [p.name for p in tmp_path.iterdir()] and not any(
        p.name.endswith(".tmp") for p in tmp_path.iterdir())
