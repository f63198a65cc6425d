"""Run walint and the hand-written baseline on the same campaign; print the comparison.

    python benchmarks/run.py                 # 1,000,000 messages (generated once, cached)
    python benchmarks/run.py --messages 200000 --jobs 1 --repeat 3
    python benchmarks/run.py --repeats 0.06 --skip-baseline   # a campaign with many findings

Prints the machine (CPU model, cores, Python, load average), then for walint and for the
baseline (``baseline.py``) the wall time and messages/second of each run, the ratio, walint's
peak memory — the peak of the summed PSS of walint's whole process tree (sampled every 200 ms:
pages the worker processes share with the main one, copy-on-write after fork, counted once),
with the summed RSS (which counts such pages once per process) and ru_maxrss (the largest
single process) beside it —, the findings walint reported per rule, the
start-up time of ``walint check`` on a one-message file (median of 10; walint's modules are
compiled to bytecode first, as an installed package has them), and whether each
target of the performance issue is met. Beside them: the CPU time of each run (user +
system, walint's workers included), and how fast this machine runs the baseline against the
30,000 messages/second the issue assumes — where the 4 s target and the 8x ratio are the
same demand; on a machine half as fast, 4 s is 16x the baseline. Both programs run in the
same invocation, on the same file, alternately (``--repeat``), so the ratio holds on a noisy
shared machine even when the absolute numbers move. Exits 0 whatever the numbers: the
verdicts are information.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

# The targets of the performance issue (for 1,000,000 messages on a 2-core machine).
TARGET_RATE = 250_000  # messages/second: 1,000,000 in under 4 s
TARGET_RATIO = 8.0  # times the baseline's rate
TARGET_PEAK_MB = 250.0  # whole process tree
TARGET_STARTUP = 0.25  # seconds, one-message file
#: What the issue says the hand-written baseline does on one core (messages/second).
ISSUE_BASELINE_RATE = 30_000

#: The rules the generator's defects are meant to trigger (see generate.py): wrong parameter
#: count, unknown template or language, newline in a parameter, invalid number.
EXPECTED_RULES = {"WA201", "WA203", "WA208", "WA301"}

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.050  # memory grows over seconds; sampling more often only takes CPU from walint
#: Without /proc/<pid>/task/<tid>/children (a kernel option), descendants are found by
#: scanning /proc for parent ids (about 1 ms): done every this many samples, not every one.
SCAN_EVERY = 5
#: With --pss, the proportional set size (shared pages divided among the processes sharing
#: them) is read from /proc/<pid>/smaps_rollup every this many samples: reading it walks the
#: process's page tables (about 2 ms for 150 MB), too costly for every sample.
PSS_EVERY = 4


# --------------------------------------------------------------------------------------------
# Memory of a process tree


def _children_file_works() -> bool:
    return any(Path("/proc/self/task").glob("*/children"))


def _parents() -> dict[int, int]:
    """Every process's parent id, from /proc/<pid>/stat."""
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        parents[int(entry.name)] = int(text[text.rindex(b")") + 2:].split(None, 2)[1])
    return parents


def _descendants_by_scan(root: int) -> list[int]:
    children = collections.defaultdict(list)
    for pid, parent in _parents().items():
        children[parent].append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _descendants_by_children_files(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.scandir(f"/proc/{pid}/task"):
                with open(f"{task.path}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except OSError:
            continue
    return found


def _rss(pid: int) -> int:
    """Resident set size in bytes (what VmRSS in /proc/<pid>/status shows), 0 if gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    """Proportional set size in bytes, 0 if gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants every 50 ms until
    stopped; ``peak`` is the largest sum seen, ``processes`` the most processes at once.

    RSS counts pages shared between processes (a forked worker's copy-on-write pages) once
    per process, so the sum is an upper bound of the memory the tree really holds; with
    ``pss``, ``pss_peak`` is the peak of the summed PSS (sampled every 200 ms), which counts
    each shared page once in all."""

    def __init__(self, root: int, pss: bool = False) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.pss = pss
        self.peak = 0
        self.pss_peak = 0
        self.processes = 0
        self.samples = 0
        self.cpu_seconds = 0.0  # what the sampling itself cost this process
        self._done = threading.Event()

    def run(self) -> None:
        started = time.thread_time()
        cheap = _children_file_works()
        pids = [self.root]
        while True:
            if cheap:
                pids = _descendants_by_children_files(self.root)
            elif self.samples % SCAN_EVERY == 0:
                pids = _descendants_by_scan(self.root)
            sizes = [size for size in map(_rss, pids) if size]
            self.samples += 1
            self.peak = max(self.peak, sum(sizes))
            self.processes = max(self.processes, len(sizes))
            if self.pss and self.samples % PSS_EVERY == 1:
                self.pss_peak = max(self.pss_peak, sum(map(_pss, pids)))
            if self._done.wait(SAMPLE_SECONDS):
                break
        self.cpu_seconds = time.thread_time() - started

    def stop(self) -> None:
        self._done.set()
        self.join()


# --------------------------------------------------------------------------------------------
# Running


class Result(NamedTuple):
    seconds: float
    tree_peak_mb: float  # peak of the summed RSS of the process tree
    maxrss_mb: float  # ru_maxrss: the largest single process of the tree
    pss_peak_mb: float | None  # peak of the summed PSS (when sampled)
    processes: int
    code: int
    sampler_cpu: float
    #: user + system CPU time of the process and of the descendants it waited for (a pool's
    #: workers). On a shared machine it moves too (busy neighbours slow every instruction):
    #: compare it between runs of one invocation.
    cpu_seconds: float


def timed(command: list[str], *, stdout=subprocess.DEVNULL, stderr=None, sample: bool = True,
          pss: bool = False) -> Result:
    """Wall time, memory and exit code of a child process (and its descendants)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr)
    sampler = TreeSampler(process.pid, pss) if sample else None
    if sampler:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
    if sampler:
        sampler.stop()
    return Result(elapsed, sampler.peak / 2**20 if sampler else 0.0, usage.ru_maxrss / 1024,
                  sampler.pss_peak / 2**20 if sampler and pss else None,
                  sampler.processes if sampler else 1, process.returncode,
                  sampler.cpu_seconds if sampler else 0.0, usage.ru_utime + usage.ru_stime)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "Processor", "cpu model") and value.strip():
                model = value.strip()
                break
    except OSError:
        model = platform.processor() or model
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"machine: {model}, {os.cpu_count()} cores ({usable} usable), "
            f"Python {sys.version.split()[0]} ({platform.python_implementation()}), "
            f"load average {load} (1/5/15 min)")


def verdict(ok: bool) -> str:
    return "MET    " if ok else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--campaign", help="use this file instead of generating one")
    parser.add_argument("--jobs", type=int, default=None, help="walint --jobs (default: its own)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run walint and the baseline alternately this many times")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--repeats", type=float, default=0.0,
                        help="generate a campaign with this share of messages to earlier "
                             "recipients (generate.py --repeats)")
    args = parser.parse_args()

    print(machine(), flush=True)
    if args.campaign:
        campaign = Path(args.campaign)
        with campaign.open("rb") as lines:
            messages = sum(1 for _ in lines)
    else:
        # The generator's own hash in the name: a changed generator makes a new file.
        version = hashlib.sha1((HERE / "generate.py").read_bytes()).hexdigest()[:8]
        repeats = f"-repeats{args.repeats:g}" if args.repeats else ""
        campaign = Path(tempfile.gettempdir()) / f"walint-bench-{args.messages}-{version}{repeats}.jsonl"
        messages = args.messages
        if not campaign.exists():
            print(f"generating {messages:,} messages into {campaign} ...", flush=True)
            started = time.perf_counter()
            partial = campaign.with_suffix(".partial")
            subprocess.run([sys.executable, str(HERE / "generate.py"), str(messages), str(partial),
                            "--repeats", str(args.repeats)], check=True)
            partial.rename(campaign)
            print(f"generated in {time.perf_counter() - started:.1f} s")
    size_mb = campaign.stat().st_size / 1e6
    print(f"campaign: {campaign} ({messages:,} messages, {size_mb:.0f} MB)")
    # walint's modules compiled to bytecode, as ``pip install`` leaves them: a checkout run
    # where PYTHONDONTWRITEBYTECODE is set would otherwise compile them at every start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "validator"),
                    str(ROOT / "rules")], check=True)

    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        errors = Path(folder) / "stderr.txt"
        command = [sys.executable, "-m", "validator", "check", "--offline", "--no-progress",
                   "--format", "json", "--output", str(report)]
        if args.jobs is not None:
            command += ["--jobs", str(args.jobs)]
        command.append(str(campaign))
        print(f"command:  python {' '.join(command[1:])}")
        baseline_command = [sys.executable, str(HERE / "baseline.py"), str(campaign)]

        walint_runs: list[Result] = []
        baseline_runs: list[Result] = []
        baseline_said = ""
        for round_ in range(1, args.repeat + 1):
            with errors.open("wb") as stderr:
                result = timed(command, stderr=stderr, pss=True)
            walint_runs.append(result)
            print(f"  run {round_}: walint   {result.seconds:7.2f} s {messages / result.seconds:10,.0f} msg/s"
                  f"  tree peak {result.tree_peak_mb:5.0f} MB over {result.processes} process(es)"
                  f"  ru_maxrss {result.maxrss_mb:5.0f} MB  PSS peak {result.pss_peak_mb:5.0f} MB"
                  f"  CPU {result.cpu_seconds:5.1f} s  exit {result.code}", flush=True)
            if result.code not in (0, 1):  # 1: findings; anything else went wrong
                print("  walint failed:\n" + errors.read_text(errors="replace")[-3000:])
                return
            if not args.skip_baseline:
                said = Path(folder) / "baseline.txt"
                with said.open("wb") as out:
                    base = timed(baseline_command, stdout=out)
                baseline_said = said.read_text().strip()
                baseline_runs.append(base)
                print(f"  run {round_}: baseline {base.seconds:7.2f} s {messages / base.seconds:10,.0f} msg/s"
                      f"  tree peak {base.tree_peak_mb:5.0f} MB  ru_maxrss {base.maxrss_mb:5.0f} MB"
                      f"  CPU {base.cpu_seconds:5.1f} s"
                      f"  ({baseline_said})", flush=True)
        sampler_cpu = max(run.sampler_cpu for run in walint_runs)
        # Read after the timing: parsing the report is not walint's time.
        findings = json.loads(report.read_text(encoding="utf-8"))

    def summary(name: str, runs: list[Result]) -> tuple[float, float]:
        seconds = [run.seconds for run in runs]
        best, median = min(seconds), statistics.median(seconds)
        print(f"{name:<9} best {best:7.2f} s {messages / best:10,.0f} msg/s   "
              f"median {median:7.2f} s {messages / median:10,.0f} msg/s   ({len(runs)} run(s))")
        return messages / best, messages / median

    print()
    best_rate, median_rate = summary("walint:", walint_runs)
    peak = max(run.pss_peak_mb for run in walint_runs)
    rss = max(run.tree_peak_mb for run in walint_runs)
    maxrss = max(run.maxrss_mb for run in walint_runs)
    print(f"memory:   walint peak {peak:.0f} MB (summed PSS of its process tree, worst run; "
          f"summed RSS {rss:.0f} MB; largest single process {maxrss:.0f} MB); "
          f"sampler cost {sampler_cpu * 1000:.0f} ms CPU")
    ratio = best_ratio = None
    if baseline_runs:
        base_best, base_median = summary("baseline:", baseline_runs)
        ratio, best_ratio = median_rate / base_median, best_rate / base_best
        print(f"ratio:    walint is {ratio:.1f}x the baseline's speed (medians; best runs: {best_ratio:.1f}x)")
        # The issue puts the baseline at about 30,000 msg/s on one core, where its two speed
        # targets agree (8 x 30,000 is about 250,000 msg/s); on a slower machine 4 s asks more.
        print(f"machine:  the baseline ran at {base_median:,.0f} msg/s here, "
              f"{base_median / ISSUE_BASELINE_RATE:.0%} of the {ISSUE_BASELINE_RATE:,} msg/s the "
              f"issue assumes; 1M in 4 s would be {TARGET_RATE / base_median:.1f}x it on this machine")
    cpu = statistics.median(run.cpu_seconds for run in walint_runs)
    print(f"cpu:      walint used {cpu:.1f} s of CPU (median; user + system, its whole process tree): "
          f"{cpu / messages * 1e6:.1f} us a message")

    counted = findings.get("summary", {})
    number = lambda key: f"{counted[key]:,}" if isinstance(counted.get(key), int) else "?"  # noqa: E731
    print(f"findings: {number('messages')} messages, {number('passed')} passed, {number('failed')} failed; "
          f"{number('errors')} errors, {number('warnings')} warnings")
    by_rule = collections.Counter((f["rule"], f.get("name", ""), f.get("severity", ""))
                                  for f in findings.get("findings", []))
    for (rule, name, severity), count in sorted(by_rule.items()):
        print(f"  {rule} {name:<32} {severity:<8} {count:10,}  ({count / messages:.2%} of messages)")
    expected = EXPECTED_RULES | ({"WA601", "WA602"} if args.repeats else set())
    unexpected = sorted({rule for rule, _, _ in by_rule} - expected)
    if unexpected and not args.campaign:
        print(f"  note: {', '.join(unexpected)} fired, though the generator makes no such defect")
    if counted.get("messages") not in (None, messages):
        print(f"  note: walint counted {counted['messages']:,} messages, the file has {messages:,}")

    with tempfile.TemporaryDirectory() as folder:
        one = Path(folder) / "one.jsonl"
        one.write_text(campaign.open(encoding="utf-8").readline(), encoding="utf-8")
        startups = [timed([sys.executable, "-m", "validator", "check", "--offline", str(one)],
                          sample=False).seconds for _ in range(10)]
    startup = statistics.median(startups)
    print(f"start-up: {startup:.3f} s median for a one-message file "
          f"(min {min(startups):.3f}, max {max(startups):.3f}, 10 runs)")

    print()
    print(f"targets (judged on the median walint run; the issue's figures are for 1,000,000 messages"
          f"{'' if messages == 1_000_000 else f', this run has {messages:,}'}):")
    print(f"  {verdict(median_rate >= TARGET_RATE)}  rate >= {TARGET_RATE:,} msg/s (1M in < 4 s): "
          f"{median_rate:,.0f} msg/s, i.e. {1_000_000 / median_rate:.1f} s for 1M")
    if ratio is not None:
        print(f"  {verdict(ratio >= TARGET_RATIO)}  ratio >= {TARGET_RATIO:.0f}x the baseline: {ratio:.1f}x")
    else:
        print("  (ratio not measured: --skip-baseline)")
    print(f"  {verdict(peak < TARGET_PEAK_MB)}  peak memory < {TARGET_PEAK_MB:.0f} MB (process tree, PSS): {peak:.0f} MB")
    print(f"  {verdict(startup < TARGET_STARTUP)}  start-up < {TARGET_STARTUP} s: {startup:.3f} s")


if __name__ == "__main__":
    main()
