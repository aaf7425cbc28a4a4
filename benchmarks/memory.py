"""Peak memory of the operations whose memory must stay bounded (issue 7, item 8).

Each case runs in a fresh process (so one case's peak cannot hide another's): it builds its
inputs, records the process's peak resident size (`ru_maxrss`), runs the operation, and
reports how far the peak rose above that baseline, with the wall time. Targets:

* (a) 5,000 instances x 5,000 copies with a leading `spread(attribute:...)`: the batch placer's
  rise within 2x of the per-copy loop's rise (measured in the same run);
* (b) 10 million copies of a task on a full cluster: under 100 MB above the baseline, under 2 s;
* (c) eight distinct 10 MB filters parsed in turn (`max_length=None`): the eighth adds < 50 MB;
* (d) 10 million copies of a task that reserves nothing, placed on 1,000 instances (issue 14:
  1.9 GB before results held copies in columns): under 500 MB, and the bytes per placed copy;
  then the result's inventory read (built then), the rise after it.

Usage: python benchmarks/memory.py [--case a|b|c|d]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any


def _peak_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cluster(n: int, zones: int, cpu: int) -> Any:
    from placement import Instance, Inventory

    return Inventory.from_instances(
        Instance(
            f"arn:aws:ecs:us-east-1:1:container-instance/c/{i:06d}",
            ec2_instance_id=f"i-{i:08x}",
            attributes={"ecs.availability-zone": f"zone-{i % zones}"},
            cpu=cpu,
            memory=1 << 20,
            registered_cpu=cpu,
            registered_memory=1 << 20,
        )
        for i in range(n)
    )


def case_a(method: str) -> dict[str, Any]:
    """5,000 hosts x 5,000 copies, spread over 5,000 zones (a value per host) then binpack."""
    from placement import TaskSpec, place

    inv = _cluster(5_000, 5_000, 1 << 20)
    task = TaskSpec(cpu=1, memory=1, group="service:web")
    strategy = ["spread(attribute:ecs.availability-zone)", "binpack(memory)"]
    base = _peak_mb()
    start = time.perf_counter()
    result = place(inv, task, 5_000, strategy=strategy, method=method)  # type: ignore[arg-type]
    return {"seconds": time.perf_counter() - start, "rise_mb": _peak_mb() - base,
            "placed": result.placed}  # fmt: skip


def case_b(_method: str) -> dict[str, Any]:
    """10 million copies on a cluster with no room left."""
    from placement import TaskSpec, place

    inv = _cluster(1_000, 3, 0)
    task = TaskSpec(cpu=256, memory=256, group="service:web")
    base = _peak_mb()
    start = time.perf_counter()
    result = place(inv, task, 10_000_000)
    return {"seconds": time.perf_counter() - start, "rise_mb": _peak_mb() - base,
            "placed": result.placed, "failed": result.failed}  # fmt: skip


def case_c(_method: str) -> dict[str, Any]:
    """Eight distinct 10 MB filters, parsed in turn; the rise of the eighth."""
    from placement import parse

    clause = "attribute:ecs.instance-type =~ t2.* or "
    rises = []
    start = time.perf_counter()
    for k in range(8):
        text = (clause * (10_000_000 // len(clause))) + f"runningTasksCount == {k}"
        before = _peak_mb()
        parse(text, max_length=None)
        del text
        rises.append(_peak_mb() - before)
    return {"seconds": time.perf_counter() - start, "rise_mb": rises[-1],
            "rises_mb": [round(r, 1) for r in rises]}  # fmt: skip


def case_d(_method: str) -> dict[str, Any]:
    """10 million copies of a task that reserves nothing: the result in columns, then read."""
    from placement import TaskSpec, place

    inv = _cluster(1_000, 3, 1024)
    base = _peak_mb()
    start = time.perf_counter()
    result = place(inv, TaskSpec(group="service:web"), 10_000_000)
    seconds, rise = time.perf_counter() - start, _peak_mb() - base
    start = time.perf_counter()
    tasks = len(result.inventory.tasks)
    return {"seconds": seconds, "rise_mb": rise, "placed": result.placed,
            "read_seconds": time.perf_counter() - start, "read_rise_mb": _peak_mb() - base,
            "tasks": tasks}  # fmt: skip


CASES = {"a": case_a, "b": case_b, "c": case_c, "d": case_d}


def _child(case: str, method: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", case, "--method", method],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--child", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--method", default="batch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CASES[args.child](args.method)))
        return
    cases = args.case or sorted(CASES)
    print(f"command: python benchmarks/memory.py; python {sys.version.split()[0]}")
    print("| case | peak rise | time | target | met |")
    print("|---|---|---|---|---|")
    if "a" in cases:
        batch, loop = _child("a", "batch"), _child("a", "loop")
        ratio = batch["rise_mb"] / max(loop["rise_mb"], 1.0)
        print(f"| (a) 5,000 x 5,000, leading spread(attribute), batch | {batch['rise_mb']:.1f} MB "
              f"| {batch['seconds']:.2f} s | within 2x of the loop | {ratio <= 2} ({ratio:.2f}x) |")
        print(f"| (a) same, per-copy loop (baseline) | {loop['rise_mb']:.1f} MB "
              f"| {loop['seconds']:.2f} s | | |")
    if "b" in cases:
        b = _child("b", "batch")
        met = b["rise_mb"] < 100 and b["seconds"] < 2
        print(f"| (b) 10,000,000 copies on a full cluster | {b['rise_mb']:.1f} MB "
              f"| {b['seconds']:.2f} s | < 100 MB, < 2 s | {met} |")
    if "d" in cases:
        d = _child("d", "batch")
        per_copy = d["rise_mb"] * 2**20 / d["placed"]
        print(f"| (d) 10,000,000 copies of a task that reserves nothing, placed | "
              f"{d['rise_mb']:.1f} MB ({per_copy:.0f} bytes per placed copy) | "
              f"{d['seconds']:.2f} s | < 500 MB | {d['rise_mb'] < 500} |")
        print(f"| (d) same, then `result.inventory` read ({d['tasks']:,} tasks) | "
              f"{d['read_rise_mb']:.1f} MB in all | {d['read_seconds']:.2f} s | | |")
    if "c" in cases:
        c = _child("c", "batch")
        print(f"| (c) eighth distinct 10 MB filter parsed | {c['rise_mb']:.1f} MB "
              f"| {c['seconds']:.1f} s (all 8) | < 50 MB | {c['rise_mb'] < 50} |")
        print(f"\n(c) rise per parse, MB: {c['rises_mb']}")


if __name__ == "__main__":
    main()
