"""Text output on a terminal: colour (and NO_COLOR), --statistics, the progress line."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
import threading
import time

import pytest

from validator.progress import Progress

from .conftest import BAD, GOOD, REGISTRY, WARNED, clean_env, many, walint, write_jsonl

ANSI = b"\x1b["


def run_on_tty(args, *, tty: str, cwd, env=None, timeout=120, feed=None):
    """Run walint with stdout or stderr on a pseudo-terminal; return (code, stdout, stderr).

    ``feed(pipe)``, when given, writes standard input (from a thread)."""
    master, slave = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, tty: slave}
    process = subprocess.Popen([sys.executable, "-m", "validator", *args], cwd=cwd,
                               env=env or clean_env(TERM="xterm"),
                               stdin=subprocess.PIPE if feed else subprocess.DEVNULL, **streams)
    os.close(slave)
    writer = None
    if feed is not None:
        pipe, process.stdin = process.stdin, None  # communicate() must leave it to the thread

        def feeding() -> None:
            try:
                feed(pipe)
            finally:
                pipe.close()
        writer = threading.Thread(target=feeding, daemon=True)
        writer.start()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other side closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    out, err = process.communicate(timeout=timeout)
    reader.join(timeout=10)
    if writer is not None:
        writer.join(timeout=10)
    os.close(master)
    captured = b"".join(chunks)
    if tty == "stdout":
        out = captured
    else:
        err = captured
    assert b"Traceback" not in err
    return process.returncode, out, err


@pytest.fixture
def campaign(tmp_path):
    write_jsonl(tmp_path / "c.jsonl", many(BAD, 1) + many(WARNED, 1) + many(GOOD, 1))
    return tmp_path


def test_colour_on_a_terminal(campaign):
    code, out, _ = run_on_tty(["check", "--registry", str(REGISTRY), "c.jsonl"], tty="stdout",
                              cwd=campaign)
    assert code == 1 and ANSI in out


def test_no_colour_when_piped_or_with_no_color(campaign):
    piped = walint("check", "--registry", str(REGISTRY), "c.jsonl", cwd=campaign)
    assert ANSI not in piped.stdout
    _, out, _ = run_on_tty(["check", "--registry", str(REGISTRY), "c.jsonl"], tty="stdout",
                           cwd=campaign, env=clean_env(TERM="xterm", NO_COLOR="1"))
    assert ANSI not in out and b"WA201" in out


def test_colour_can_be_forced_or_refused(campaign):
    forced = walint("check", "--registry", str(REGISTRY), "--color", "always", "c.jsonl", cwd=campaign)
    assert ANSI in forced.stdout
    _, out, _ = run_on_tty(["check", "--registry", str(REGISTRY), "--color", "never", "c.jsonl"],
                           tty="stdout", cwd=campaign)
    assert ANSI not in out
    machine = walint("check", "--registry", str(REGISTRY), "--color", "always", "--format", "json",
                     "c.jsonl", cwd=campaign)
    assert ANSI not in machine.stdout and json.loads(machine.stdout)


def test_statistics_follow_the_text_report(campaign):
    result = walint("check", "--registry", str(REGISTRY), "--statistics", "c.jsonl", cwd=campaign)
    text = result.stdout.decode()
    _, stats = text.split("(1 error, 1 warning)\n", 1)
    assert stats.splitlines() == ["", "findings per rule:", "  1  WA201  template-unknown",
                                  "  1  WA302  recipient-not-e164", "findings per Meta API error:",
                                  "  1  132001  Template does not exist"]


def test_statistics_go_to_stderr_in_machine_formats(campaign):
    result = walint("check", "--registry", str(REGISTRY), "--statistics", "--format", "json",
                    "c.jsonl", cwd=campaign)
    assert json.loads(result.stdout)["summary"]["errors"] == 1  # stdout stays parseable
    assert b"findings per rule:" in result.stderr


def test_statistics_from_the_config_file(campaign):
    (campaign / "walint.toml").write_text(f'statistics = true\nregistry = "{REGISTRY}"\n')
    assert b"findings per rule:" in walint("check", "c.jsonl", cwd=campaign).stdout


# -- progress ------------------------------------------------------------------------------
LINES = [json.dumps(p).encode() + b"\n" for p in many(GOOD, 3000)]


def slow_stdin(pipe) -> None:
    """Half the campaign, a pause longer than the progress delay, the rest: the run lasts
    long enough for a progress line however fast walint gets."""
    pipe.write(b"".join(LINES[:1500]))
    pipe.flush()
    time.sleep(1.2)
    pipe.write(b"".join(LINES[1500:]))


def test_progress_on_a_terminal_for_text(tmp_path):
    code, out, err = run_on_tty(["check", "--registry", str(REGISTRY), "-"], tty="stderr",
                                cwd=tmp_path, feed=slow_stdin)
    assert code == 0
    assert b"walint: [1/1] <stdin>" in err and b"messages" in err
    assert err.endswith(b"\r\x1b[2K")  # erased before the report
    assert out.endswith(b"3000 passed, 0 failed (0 errors, 0 warnings)\n")


@pytest.mark.parametrize("args", [["--format", "json"], ["--no-progress"], ["--format", "sarif"]])
def test_no_progress_in_machine_formats_or_when_refused(tmp_path, args):
    code, _, err = run_on_tty(["check", "--registry", str(REGISTRY), *args, "-"], tty="stderr",
                              cwd=tmp_path, feed=slow_stdin)
    assert code == 0 and b"walint:" not in err


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path):
    result = subprocess.run([sys.executable, "-m", "validator", "check", "--registry",
                             str(REGISTRY), "-"], cwd=tmp_path, env=clean_env(TERM="xterm"),
                            input=b"".join(LINES), capture_output=True, timeout=120, check=False)
    assert result.returncode == 0 and result.stderr == b""


def test_progress_is_rate_limited_and_erased():
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(stream, clock=lambda: now[0])
    progress.start_file("a.jsonl", 1, 2)
    progress.advance(1000)
    assert stream.getvalue() == ""  # nothing in the first half second
    now[0] = 1.0
    progress.advance(1000)
    now[0] = 1.05
    progress.advance(1000)  # too soon to redraw
    assert stream.getvalue().count("\r") == 1 and "2,000 messages" in stream.getvalue()
    now[0] = 2.0
    progress.finishing()
    progress.done()
    assert stream.getvalue().endswith("\r\x1b[2K")
    assert "3,000 messages read" in stream.getvalue()
