"""Count the CPU instructions a worker spends on a slice of a campaign: an A/B measure for
changes too small for the wall clock of a shared machine.

    python benchmarks/count_instructions.py CAMPAIGN.jsonl            # runs itself under valgrind
    python benchmarks/count_instructions.py CAMPAIGN.jsonl --repo ../other-worktree

The worker path of a parallel run (``validator.parallel._check_chunk``) checks the first
``--warm`` chunks of one MB of the campaign (learning skeletons, as a worker does at its
start) and then ``--chunks`` more, in this one process, under ``valgrind --tool=callgrind``
with ``PYTHONHASHSEED=0``: the count is the same to a few dozen instructions from run to run,
whatever the rest of the machine does (wall-clock runs here move by 20 %). Run it once per
worktree and compare the totals; a change that saves 1 % shows. Instructions are not time —
memory stalls and the cost of each instruction are not in them —: confirm a real gain with
``benchmarks/run.py``.

Both checkouts are compiled to bytecode first (``compileall``), so that the count is the
checking, not the compiling. ``CAMPAIGN`` is typically the file ``benchmarks/run.py`` generates (it prints its path).
Needs valgrind (``apt-get install valgrind``); about a minute for the defaults.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check_chunks(repo: Path, campaign: str, warm: int, chunks: int) -> None:
    """Under valgrind: check the chunks with the worker's own function."""
    sys.path.insert(0, str(repo))
    os.chdir(repo)
    from validator import parallel
    from validator.linter import Validator

    validator = Validator("templates_registry.yaml")
    plan = parallel.chunked(campaign, 2, validator.engine, chunk_bytes=1 << 20)
    if plan is None:
        raise SystemExit(f"{campaign}: not a JSONL file walint would check in chunks")
    parallel._ENGINE = validator.engine
    for number, (start, end) in enumerate(plan.chunks[:warm + chunks]):
        parallel._check_chunk((campaign, campaign, start, end, True, number))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("campaign")
    parser.add_argument("--repo", default=str(ROOT), help="the walint checkout to measure")
    parser.add_argument("--warm", type=int, default=40, help="chunks checked first (learning)")
    parser.add_argument("--chunks", type=int, default=6, help="chunks checked then")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    repo, campaign = Path(args.repo).resolve(), str(Path(args.campaign).resolve())
    if args.inside:
        _check_chunks(repo, campaign, args.warm, args.chunks)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed (apt-get install valgrind)")
    # Bytecode first, as an installed package has it: else the count includes compiling the
    # modules (with PYTHONDONTWRITEBYTECODE set, at every run), which differs between trees.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(repo / "validator"),
                    str(repo / "rules")], check=True)
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
               __file__, campaign, "--repo", str(repo), "--warm", str(args.warm),
               "--chunks", str(args.chunks), "--inside"]
    done = subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": "0"},
                          capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(done.stderr[-2000:])
    print(f"{repo}: {int(found[1]):,} instructions ({args.warm} + {args.chunks} chunks of 1 MB)")


if __name__ == "__main__":
    main()
