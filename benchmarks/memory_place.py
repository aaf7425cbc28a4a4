"""Peak memory of the batch placer, one case per process.

    python benchmarks/memory_place.py --case zones-batch   # (a) batch: 5,000 x 5,000, spread
    python benchmarks/memory_place.py --case zones-loop    # (a) the per-copy loop, same problem
    python benchmarks/memory_place.py --case full-cluster  # (b) 10 million copies, nothing fits
    python benchmarks/memory_place.py --case all           # each of them in its own process

(a) 5,000 instances, each its own value of `attribute:host`, a task needing 1 CPU unit and 1 MiB
(thousands of copies fit on each instance), 5,000 copies with
`spread(attribute:host), binpack(memory)`: a leading attribute spread with one zone per instance.
Target: batch's peak within 2x of the loop's.
(b) 10,000 instances with no CPU left, 10 million copies: every copy fails. Target: under 100 MB
above the baseline and under 2 s.

Each case prints the peak of traced allocations during the `place` call (tracemalloc counts numpy
buffers too; the call is timed in a separate untraced run) and the growth of the process's peak
RSS (resource.getrusage) over the baseline taken just before the first call. The `case_*`
functions return the figures, for benchmarks/memory.py.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from placement import Instance, Inventory, TaskSpec, place

AZ = "spread(attribute:ecs.availability-zone)"


def _hosts(n: int, *, cpu: int) -> Inventory:
    return Inventory.from_instances(
        [
            Instance(
                arn=f"arn:aws:ecs:us-east-1:123456789012:container-instance/c/{i:08x}",
                ec2_instance_id=f"i-{i:017x}",
                attributes={"host": f"h{i}", "ecs.availability-zone": f"us-east-1{'abc'[i % 3]}"},
                cpu=cpu,
                memory=16384,
            )
            for i in range(n)
        ]
    )


def _measure(call: Callable[[], Any]) -> dict[str, float]:
    """Wall time (untraced), traced peak, and peak-RSS growth of one call."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "traced_peak_mb": peak / 2**20,
        "rss_growth_mb": (rss_after - rss_before) / 1024,  # ru_maxrss is KiB on Linux
    }


def case_zones(method: str) -> dict[str, float]:
    """(a) 5,000 x 5,000 with a leading spread over 5,000 zones, by `method`."""
    inv = _hosts(5_000, cpu=8192)
    task = TaskSpec(cpu=1, memory=1, group="service:web")
    chain = ["spread(attribute:host)", "binpack(memory)"]
    return _measure(lambda: place(inv, task, 5_000, strategy=chain, method=method))  # type: ignore[arg-type]


def case_full_cluster() -> dict[str, float]:
    """(b) 10 million copies on 10,000 instances with no CPU left: all fail, one record."""
    inv = _hosts(10_000, cpu=0)
    task = TaskSpec(cpu=256, memory=512, group="service:web")
    return _measure(lambda: place(inv, task, 10_000_000, strategy=[AZ, "binpack(memory)"]))


CASES: dict[str, Callable[[], dict[str, float]]] = {
    "zones-batch": lambda: case_zones("batch"),
    "zones-loop": lambda: case_zones("loop"),
    "full-cluster": case_full_cluster,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=[*CASES, "all"], required=True)
    args = parser.parse_args()
    if args.case == "all":
        for name in CASES:  # each in a fresh process: peaks do not mix
            subprocess.run([sys.executable, __file__, "--case", name], check=True)
        return 0
    figures = CASES[args.case]()
    print(
        f"{args.case}: {figures['seconds']:.3f} s, traced peak {figures['traced_peak_mb']:.1f} MB,"
        f" peak RSS growth {figures['rss_growth_mb']:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
