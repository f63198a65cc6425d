"""Run walint and the hand-written baseline on the same campaign; print the comparison.

    python benchmarks/run.py                 # 1,000,000 messages (generated once, cached)
    python benchmarks/run.py --messages 200000 --jobs 1

Prints messages/second for both, the ratio, walint's peak memory (max RSS of the process)
and the start-up time of ``walint check`` on a one-message file (median of 10). Both run
in the same invocation, on the same file, so the ratio holds on a noisy shared machine even
when the absolute numbers move.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def timed(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--campaign", help="use this file instead of generating one")
    parser.add_argument("--jobs", type=int, default=None, help="walint --jobs (default: its own)")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    campaign = Path(args.campaign or Path(tempfile.gettempdir()) / f"walint-bench-{args.messages}.jsonl")
    if not campaign.exists():
        print(f"generating {args.messages:,} messages into {campaign} ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(args.messages), str(campaign)],
                       check=True)
    size_mb = campaign.stat().st_size / 1e6
    print(f"campaign: {campaign} ({args.messages:,} messages, {size_mb:.0f} MB)")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    command = [sys.executable, "-m", "validator", "check", "--offline", "--format", "json",
               str(campaign)]
    if args.jobs is not None:
        command[4:4] = ["--jobs", str(args.jobs)]
    seconds, peak_mb, code = timed(command)
    rate = args.messages / seconds
    print(f"walint:   {seconds:6.2f} s  {rate:10,.0f} msg/s  peak {peak_mb:6.0f} MB  (exit {code})")

    if not args.skip_baseline:
        base_seconds, base_mb, _ = timed([sys.executable, str(HERE / "baseline.py"), str(campaign)])
        base_rate = args.messages / base_seconds
        print(f"baseline: {base_seconds:6.2f} s  {base_rate:10,.0f} msg/s  peak {base_mb:6.0f} MB")
        print(f"ratio:    walint is {rate / base_rate:.1f}x the baseline's speed")

    with tempfile.TemporaryDirectory() as folder:
        one = Path(folder) / "one.jsonl"
        one.write_text(campaign.open(encoding="utf-8").readline(), encoding="utf-8")
        startups = [timed([sys.executable, "-m", "validator", "check", "--offline", str(one)])[0]
                    for _ in range(10)]
    print(f"start-up: {statistics.median(startups):.3f} s median for a one-message file")


if __name__ == "__main__":
    main()
