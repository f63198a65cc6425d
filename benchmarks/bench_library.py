"""Benchmark the library call for one message: a sender that validates each message inline.

    python benchmarks/bench_library.py [--payloads 20000] [--rounds 5] [--seed 7]

Builds ``validator.linter.Validator("templates_registry.yaml")`` once (its one-time cost is
printed: importing walint, then constructing the Validator), then times
``validator.validate([payload])`` — one call per payload — for ``--payloads`` payloads of a
campaign from ``generate.py`` (distinct recipients, about 3 % defects), split into
``--rounds`` rounds. Every payload is different, so no call is served by a cache an earlier
call filled with the same recipient, as a sender's stream of distinct customers would not be;
the calls do share the skeletons the Validator learns (templates written alike), as a
sender's do, so the first rounds, which learn most of them, are the slowest.
Prints microseconds per call: the median and best round, and the very first call apart (lazy
set-up). For comparison, as many other payloads of the campaign in one
``validate(payloads)`` call, per message: the difference is the per-call overhead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run from a checkout without installing walint.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=20_000, help="single-payload calls in all")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--registry", default=str(ROOT / "templates_registry.yaml"))
    args = parser.parse_args()

    started = time.perf_counter()
    from validator.linter import Validator
    imported = time.perf_counter() - started

    started = time.perf_counter()
    validator = Validator(args.registry)
    constructed = time.perf_counter() - started
    started = time.perf_counter()
    Validator(args.registry)
    again = time.perf_counter() - started
    print(f"import validator.linter: {imported * 1000:7.1f} ms")
    print(f"Validator(registry):     {constructed * 1000:7.1f} ms once "
          f"(a second one in the same process: {again * 1000:.1f} ms)")

    from generate import campaign

    started = time.perf_counter()
    payloads = list(campaign(2 * args.payloads + 1, seed=args.seed))
    others = payloads[args.payloads:-1]  # for the one batched call
    payloads = payloads[:args.payloads] + payloads[-1:]
    size = -(-args.payloads // args.rounds)
    print(f"{2 * args.payloads + 1:,} payloads generated in {time.perf_counter() - started:.1f} s "
          f"({args.rounds} rounds of {size:,} single-payload calls, then one batch)")

    started = time.perf_counter()
    validator.validate([payloads.pop()])
    first = time.perf_counter() - started

    per_call: list[float] = []
    failed = 0
    validate = validator.validate
    for round_ in range(args.rounds):
        batch = payloads[round_ * size:(round_ + 1) * size]
        if not batch:
            break
        started = time.perf_counter()
        for payload in batch:
            report = validate([payload])
            failed += report.summary.failed
        per_call.append((time.perf_counter() - started) / len(batch) * 1e6)

    started = time.perf_counter()
    batch_failed = validator.validate(others).summary.failed
    batched = (time.perf_counter() - started) / len(others) * 1e6

    median = statistics.median(per_call)
    print(f"first call:              {first * 1e6:7.0f} µs (includes lazy set-up)")
    print(f"validate([payload]):     {median:7.1f} µs per call, median of {len(per_call)} rounds "
          f"(best {min(per_call):.1f}; rounds {'  '.join(f'{t:.1f}' for t in per_call)}) "
          f"= {1e6 / median:,.0f} calls/s")
    print(f"validate(payloads):      {batched:7.1f} µs per message in one call of {len(others):,} "
          f"other payloads ({batch_failed / len(others):.1%} failed)")
    print(f"single calls that failed: {failed:,} of {len(payloads):,} ({failed / len(payloads):.1%})")


if __name__ == "__main__":
    main()
