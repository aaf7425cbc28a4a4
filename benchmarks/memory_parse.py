"""Memory of parsing large filters: what one parse holds, and what the parse cache keeps.

Run: python benchmarks/memory_parse.py [--size-mb 10] [--count 8] [--tracemalloc]

Parses `count` distinct filters of about `size-mb` MB each, in turn, through `placement.parse`
(cached, `max_length=None`), dropping each tree before the next as a caller that only wants a
mask would. After each parse it prints the process's peak RSS so far (`ru_maxrss`), how much
that peak grew with this parse, and the current RSS. With `--tracemalloc` it also prints the
Python heap the tree itself holds (measured while it is alive) and the heap's peak during the
parse (tracemalloc slows parsing about threefold).

The target: the eighth parse adds under 50 MB to the peak, i.e. the cache does not pile large
trees up and one parse's transient memory does not grow with the number already done.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import resource
import sys
import time
import tracemalloc

import placement
from placement.syntax import parse

_CLAUSES = (
    "attribute:ecs.instance-type == {v}",
    "attribute:stack != prod{n}",
    "ec2InstanceId in [i-{n}, i-{m}]",
    "runningTasksCount < {n}",
    "task:group == service:web{m}",
    "not(attribute:rack exists)",
    "agentVersion >= 1.{n}.{m}",
    "attribute:ecs.availability-zone =~ 'us-east-1[ab]'",
)
_MB = 1024 * 1024


def make_filter(size: int, seed: int) -> str:
    """A filter of about `size` characters: random clauses joined by `or`/`and` (flat)."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        clause = rng.choice(_CLAUSES).format(
            v=rng.choice(["t2.small", "m5.large", "c5.xlarge"]),
            n=rng.randrange(1000),
            m=rng.randrange(1000),
        )
        joiner = " or " if rng.random() < 0.3 else " and "
        parts.append(clause)
        total += len(clause) + len(joiner)
    # One `or` of `and`s: the parser's flat lists, depth 2 or 3.
    return "".join(p + (" or " if i % 3 == 2 else " and ") for i, p in enumerate(parts[:-1])) + (
        parts[-1]
    )


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / _MB


def _peak_mb() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--size-mb", type=float, default=10.0)
    args.add_argument("--count", type=int, default=8)
    args.add_argument("--tracemalloc", action="store_true")
    opts = args.parse_args()

    print("command:", " ".join([os.path.basename(sys.executable), *sys.argv]))
    print("python:", platform.python_version(), "| machine:", platform.machine())
    print(f"placement {placement.__version__}")
    size = int(opts.size_mb * _MB)
    texts = [make_filter(size, seed) for seed in range(opts.count)]
    gc.collect()
    print(f"{opts.count} filters of {len(texts[0]) / _MB:.1f} MB built; RSS {_rss_mb():.0f} MB")
    header = "parse  seconds  peak RSS MB  peak grew MB  RSS after MB"
    if opts.tracemalloc:
        header += "  tree holds MB  heap peak MB"
        tracemalloc.start()
    print(header)
    for k, text in enumerate(texts, 1):
        before = _peak_mb()
        if opts.tracemalloc:
            gc.collect()
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        tree = parse(text, max_length=None)
        seconds = time.perf_counter() - start
        row = f"{k:5d}  {seconds:7.2f}  {_peak_mb():11.0f}  {_peak_mb() - before:12.0f}"
        if opts.tracemalloc:
            current, peak = tracemalloc.get_traced_memory()
            held, heap_peak = (current - base) / _MB, (peak - base) / _MB
        del tree
        gc.collect()
        row += f"  {_rss_mb():12.0f}"
        if opts.tracemalloc:
            row += f"  {held:13.0f}  {heap_peak:12.0f}"
        print(row)


if __name__ == "__main__":
    main()
