"""Benchmark reading recipient numbers: phonenumbers alone vs walint's fast path.

    python benchmarks/bench_phone.py [--numbers 100000] [--rounds 3] [--seed 7]

The numbers are distinct valid mobile numbers from the 30 countries of ``generate.py``'s
``number_pool`` (what a campaign's ``to`` column looks like), so no reading is ever served from
a cache. All readers run in this one process on the same list, interleaved chunk by chunk (2,000
numbers), so that a shared, noisy machine slows them alike: compare the *ratio* (the median of
the per-chunk ratios), and each reader's best round.

* ``slow``: ``rules.phone._read(text, fast=False)``, i.e. phonenumbers.parse + is_valid_number
  (what ``read_number`` did before the fast path);
* ``fast``: ``_read(text, fast=True)``, what ``read_number`` does now, without its cache;
* ``read_number``: the public, cached function with its cache cleared before the round.

The fast path compiles its per-region patterns on first use; a first fast pass over the whole
list includes that one-time cost and is reported separately ("cold"). The interleaved rounds
run each fast chunk right after phonenumbers has filled the CPU caches with its own work, so
they are a conservative figure for the fast path; a fast pass on its own is usually quicker.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

# Run from a checkout without installing walint.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import number_pool

from rules.phone import _read, read_number

CHUNK = 2_000


def _time(read, numbers: list[str]) -> float:
    start = time.perf_counter()
    for text in numbers:
        read(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    numbers = number_pool(args.numbers, random.Random(args.seed))
    random.Random(args.seed).shuffle(numbers)  # interleave countries as a campaign would
    print(f"{len(numbers):,} distinct valid numbers from 30 countries "
          f"(built in {time.perf_counter() - started:.1f} s)")

    def slow(text: str):
        return _read(text, False)

    def fast(text: str):
        return _read(text, True)

    cold = _time(fast, numbers) / len(numbers) * 1e6
    # Same readings (the differential test checks far more; this guards the benchmark itself).
    assert all(fast(text) == slow(text) for text in numbers[::50])

    readers = {"slow": slow, "fast": fast, "read_number": read_number}
    chunks = [numbers[i:i + CHUNK] for i in range(0, len(numbers), CHUNK)]
    # Chunk by chunk, each reader in turn on the same chunk, so that the machine's load at a
    # given moment weighs on all of them alike; per round, each reader's total over all chunks.
    rounds: dict[str, list[float]] = {name: [] for name in readers}
    chunk_ratios: list[float] = []
    for _ in range(args.rounds):
        read_number.cache_clear()
        totals = dict.fromkeys(readers, 0.0)
        for chunk in chunks:
            spent = {name: _time(read, chunk) for name, read in readers.items()}
            for name in readers:
                totals[name] += spent[name]
            chunk_ratios.append(spent["slow"] / spent["fast"])
        for name in readers:
            rounds[name].append(totals[name] / len(numbers) * 1e6)
    read_number.cache_clear()

    best = {name: min(times) for name, times in rounds.items()}
    print(f"{'reader':<14}{'best µs/number':>16}   rounds (µs/number)")
    for name, times in rounds.items():
        print(f"{name:<14}{best[name]:>16.2f}   {'  '.join(f'{t:.2f}' for t in times)}")
    print(f"{'fast (cold)':<14}{cold:>16.2f}   first pass, includes compiling the patterns")
    print(f"speed-up fast vs slow: {statistics.median(chunk_ratios):.1f}x median over "
          f"{len(chunk_ratios)} chunks of {CHUNK:,} (best rounds: {best['slow'] / best['fast']:.1f}x; "
          f"read_number with its cache: {best['slow'] / best['read_number']:.1f}x)")

if __name__ == "__main__":
    main()
