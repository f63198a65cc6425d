"""Benchmark reading recipient numbers: phonenumbers alone, the previous read_number, and now.

    python benchmarks/bench_phone.py [--numbers 100000] [--rounds 3] [--seed 7]

The numbers are distinct valid mobile numbers from the 30 countries of ``generate.py``'s
``number_pool`` (what a campaign's ``to`` column looks like), so no first reading is ever served
from a cache. All readers run in this one process on the same lists, interleaved chunk by chunk
(2,000 numbers), so that a shared, noisy machine slows them alike: compare the *ratios* (the
median of the per-chunk ratios), and each reader's best round.

* ``phonenumbers``: ``rules.phone._read(text, fast=False)``, i.e. phonenumbers.parse +
  is_valid_number alone;
* ``previous``: what ``read_number`` was before its regex and its latest reading: ``_read(text,
  fast=True)`` behind ``functools.lru_cache(maxsize=65536)`` (which, with more distinct numbers
  than that, only ever misses and evicts);
* ``read_number``: the public function as it is now;
* ``uncached``: ``read_number.__wrapped__``, without the latest reading and the cache.

Caches are cleared before each round, not between chunks, so that ``previous`` fills its LRU
and then evicts, as over a large campaign. Each number is first read once ("cold": µs per
number). The rules of one message read the same ``to`` two or three times in a row, so a second
list of as many other distinct numbers is read three times per number, and ``repeat`` is what
each of the two later calls costs (timed around those two calls; the timer's own cost
is measured and taken off).

Every reader gets its own fresh copies of a chunk's strings, made just before it runs: a ``to``
is a string just decoded from JSON, in the CPU caches and with no hash computed yet, and one
shared list would give later readers strings warmed and hashed by the earlier ones.

The fast paths compile their patterns on first use: read_number's first pass over the whole list
includes that one-time cost and is reported apart ("first pass"); the check of the readings that
follows it does the same for the other readers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from functools import lru_cache
from pathlib import Path

# Run from a checkout without installing walint.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import number_pool

from rules.phone import _read, read_number

CHUNK = 2_000


def _fresh(numbers: list[str]) -> list[str]:
    """New string objects equal to ``numbers``: not hashed yet, just written to memory."""
    return [text[:1] + text[1:] for text in numbers]


def _time_once(read, numbers: list[str]) -> float:
    numbers = _fresh(numbers)
    start = time.perf_counter()
    for text in numbers:
        read(text)
    return time.perf_counter() - start


def _time_repeats(read, numbers: list[str]) -> float:
    """The time of the second and third of three reads in a row of each number, less the
    timer's own cost (measured in the same loop without the reads)."""
    numbers = _fresh(numbers)
    clock = time.perf_counter
    spent = 0.0
    for text in numbers:
        read(text)
        start = clock()
        read(text)
        read(text)
        spent += clock() - start
    idle = 0.0
    for text in numbers:
        start = clock()
        idle += clock() - start
    return spent - idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    pool = number_pool(2 * args.numbers, random.Random(args.seed))
    random.Random(args.seed).shuffle(pool)  # interleave countries as a campaign would
    numbers, repeated = pool[:args.numbers], pool[args.numbers:]
    print(f"{len(numbers):,} distinct valid numbers from 30 countries, and {len(repeated):,} "
          f"others read three times each (built in {time.perf_counter() - started:.1f} s)")

    def slow(text: str):
        return _read(text, False)

    previous = lru_cache(maxsize=65536)(lambda text: _read(text, True))
    uncached = read_number.__wrapped__

    first = _time_once(read_number, numbers) / len(numbers) * 1e6
    # Same readings (the differential test checks far more; this guards the benchmark itself).
    for text in numbers[::50] + repeated[::50]:
        assert read_number(text) == uncached(text) == previous(text) == slow(text), text

    readers = {"phonenumbers": slow, "previous": previous, "read_number": read_number,
               "uncached": uncached}
    names = list(readers)
    thrice = ("previous", "read_number")  # the two with a cache
    chunks = [(numbers[i:i + CHUNK], repeated[i:i + CHUNK]) for i in range(0, len(numbers), CHUNK)]
    # Chunk by chunk, each reader in turn on the same chunk, so that the machine's load at a
    # given moment weighs on all of them alike; per round, each reader's total over all chunks.
    cold: dict[str, list[float]] = {name: [] for name in readers}
    three: dict[str, list[float]] = {name: [] for name in thrice}
    ratios: dict[str, list[float]] = {"phonenumbers": [], "previous": [], "repeat": []}
    for _ in range(args.rounds):
        previous.cache_clear()
        read_number.cache_clear()
        totals = dict.fromkeys(readers, 0.0)
        totals3 = dict.fromkeys(thrice, 0.0)
        for index, (once, again) in enumerate(chunks):
            # Each reader in turn first: one run right after phonenumbers finds the CPU caches
            # full of its data, and would otherwise always be the same one.
            order = names[index % len(names):] + names[:index % len(names)]
            spent = {name: _time_once(readers[name], once) for name in order}
            spent3 = {name: _time_repeats(readers[name], again) for name in thrice}
            for name in readers:
                totals[name] += spent[name]
            for name in thrice:
                totals3[name] += spent3[name]
            ratios["phonenumbers"].append(spent["phonenumbers"] / spent["read_number"])
            ratios["previous"].append(spent["previous"] / spent["read_number"])
            ratios["repeat"].append(spent3["previous"] / spent3["read_number"])
        for name in readers:
            cold[name].append(totals[name] / len(numbers) * 1e6)
        for name in thrice:
            three[name].append(totals3[name] / (2 * len(repeated)) * 1e6)
    previous.cache_clear()
    read_number.cache_clear()

    best = {name: min(times) for name, times in cold.items()}
    print(f"{'cold':<14}{'best µs/number':>16}   rounds (µs/number)")
    for name, times in cold.items():
        print(f"{name:<14}{best[name]:>16.2f}   {'  '.join(f'{t:.2f}' for t in times)}")
    print(f"{'first pass':<14}{first:>16.2f}   read_number, includes compiling the patterns")
    print(f"{'repeat':<14}{'best µs/call':>16}   rounds (µs per later call of three in a row)")
    for name, repeats in three.items():
        print(f"{name:<14}{min(repeats):>16.3f}   {'  '.join(f'{t:.3f}' for t in repeats)}")
    median = {name: statistics.median(values) for name, values in ratios.items()}
    print(f"read_number is {median['previous']:.1f}x as fast as previous and "
          f"{median['phonenumbers']:.1f}x as fast as phonenumbers on a cold call "
          f"(median over {len(ratios['previous'])} chunks of {CHUNK:,}; best rounds: "
          f"{best['previous'] / best['read_number']:.1f}x and "
          f"{best['phonenumbers'] / best['read_number']:.1f}x); a repeat call "
          f"{median['repeat']:.1f}x as fast as previous's")


if __name__ == "__main__":
    main()
