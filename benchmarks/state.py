"""ClusterState benchmark: decisions per second, events per second, scale-in.

    python benchmarks/state.py            # 1k, 5k and 50k instances
    python benchmarks/state.py --quick    # 1k and 5k, fewer steps
    python benchmarks/state.py --bounds   # only (4) and (5): long streams, size sweeps

(1) Rank-then-commit, one copy at a time, with memberOf(attribute:ecs.os-type == linux) +
    [spread(attribute:ecs.availability-zone), binpack(memory)]: for one task kind, and for ten
    kinds in turn (different memory, one group each). The baseline is the same loop written with
    the immutable API: `rank(inventory, ...)` then `inventory.with_placements(...)`. Both loops
    are checked to make the same decisions.
(2) Task events applied per second (`ECS Task State Change` dicts, each a new RUNNING task, a
    stop, or a duplicate).
(3) Scale-in of 10,000 tasks: `scale_in` against the per-task reference (timed on a prefix and
    scaled linearly; both checked to agree on the prefix).
(4) 1,000,000 events (task starts, duplicates and stops; instance events without
    `registeredResources`) on 10,000 instances while 100,000 tasks of unregistered instances are
    held, against the same stream with nothing held; the process's resident memory after each
    quarter shows it flat (removed versions and held tasks are bounded).
(5) Size sweep: `ClusterState(inventory)` and 40 jobs of `state.place(task, 10)` at 10k, 100k
    and 300k instances (two tasks each), with the slope (log time / log size) between sizes; the
    baseline is `placement.place` on the state's snapshot, the immutable API's cost.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import pickle
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from common import print_header
from scale_in import CHAIN as SWEEP_CHAIN
from scale_in import scale_in_row

from placement import ClusterState, Instance, Inventory, MemberOf, TaskSpec, place, rank, scale_in
from placement.ecs_json import paused_gc
from placement.ops.reference import scale_in_reference
from placement.rules import strategy_from

CHAIN = ["spread(attribute:ecs.availability-zone)", "binpack(memory)"]
LINUX = [MemberOf("attribute:ecs.os-type == linux")]


def inventory(n: int, *, seed: int = 1, tasks_per_instance: int = 0) -> Inventory:
    """`n` instances in 3 zones, 95% linux; optionally that many service:web tasks each."""
    rng = np.random.default_rng(seed)
    zone = rng.integers(0, 3, n)
    linux = rng.random(n) < 0.95
    cpu = rng.choice([2048, 4096, 8192], n)
    out = []
    for i in range(n):
        groups = {"service:web": tasks_per_instance} if tasks_per_instance else {}
        out.append(
            Instance(
                arn=f"arn:aws:ecs:us-east-1:123456789012:container-instance/c/{i:08x}",
                ec2_instance_id=f"i-{i:017x}",
                attributes={
                    "ecs.availability-zone": f"us-east-1{'abc'[zone[i]]}",
                    "ecs.os-type": "linux" if linux[i] else "windows",
                },
                cpu=int(cpu[i]),
                memory=int(cpu[i]) * 4,
                registered_cpu=int(cpu[i]),
                registered_memory=int(cpu[i]) * 4,
                running_tasks_count=tasks_per_instance,
                task_groups=groups,
            )
        )
    return Inventory.from_instances(out)


def kinds(k: int) -> list[TaskSpec]:
    return [TaskSpec(cpu=16, memory=32 + 16 * j, group=f"service:s{j}") for j in range(k)]


def state_loop(inv: Inventory, tasks: list[TaskSpec], steps: int) -> tuple[float, list[str]]:
    state = ClusterState(inv)
    for task in tasks:  # warm: the first ranking of a kind builds its masks
        state.rank(task, constraints=LINUX, strategy=CHAIN)
    chosen = []
    start = time.perf_counter()
    for step in range(steps):
        task = tasks[step % len(tasks)]
        best = state.rank(task, constraints=LINUX, strategy=CHAIN).best
        assert best is not None
        state.commit(best, task)
        chosen.append(best)
    return time.perf_counter() - start, chosen


def baseline_loop(inv: Inventory, tasks: list[TaskSpec], steps: int) -> tuple[float, list[str]]:
    chosen = []
    start = time.perf_counter()
    for step in range(steps):
        task = tasks[step % len(tasks)]
        ranking = rank(inv, task, constraints=LINUX, strategy=CHAIN)
        assert ranking.best is not None
        inv = inv.with_placements([inv.index_of(ranking.best)], task)
        chosen.append(ranking.best)
    return time.perf_counter() - start, chosen


def task_events(inv: Inventory, count: int) -> list[dict[str, Any]]:
    """New RUNNING tasks, stops of them, and duplicates, as EventBridge delivers them."""
    ids = inv.ids.tolist()
    rng = np.random.default_rng(7)
    out = []
    for k in range(count):
        arn = f"arn:aws:ecs:us-east-1:123456789012:task/c/{k // 3:032x}"
        kind = k % 3
        detail = {
            "taskArn": arn,
            "containerInstanceArn": ids[int(rng.integers(0, len(ids)))] if kind == 0 else
            out[-1]["detail"]["containerInstanceArn"],
            "group": "service:events",
            "desiredStatus": "STOPPED" if kind == 2 else "RUNNING",
            "lastStatus": "RUNNING",
            "cpu": "128",
            "memory": "256",
            "containers": [],
            "version": 1 if kind < 2 else 2,  # kind 1 repeats kind 0: a duplicate
        }  # fmt: skip
        out.append({"detail-type": "ECS Task State Change", "source": "aws.ecs",
                    "id": f"e{k}", "detail": detail})  # fmt: skip
    return out


def records_inventory(n: int, tasks_per_instance: int = 2) -> Inventory:
    """`n` instances in 3 zones with that many service:web tasks each, built from records.

    `Instance` objects cost too much at 300,000 instances; the records are what the ECS
    readers produce.
    """
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    with paused_gc():
        records = [
            (f"arn:aws:ecs:us-east-1:123456789012:container-instance/c/{i:08x}", f"i-{i:017x}",
             "ACTIVE", True, None, None, {"ecs.availability-zone": zones[i % 3]}, 8192, 32768,
             0, frozenset(), frozenset(), 8192, 32768, tasks_per_instance)
            for i in range(n)
        ]  # fmt: skip
        tasks = [
            (f"arn:aws:ecs:us-east-1:123456789012:task/c/{i:08x}{k}", records[i][0],
             "service:web", 16, 32, 0, frozenset(), frozenset(), None)
            for i in range(n) for k in range(tasks_per_instance)
        ]  # fmt: skip
        return Inventory._build(records, tasks)


def resident_mib() -> float:
    """The process's resident memory now (Linux /proc; elsewhere 0)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def long_stream(ids: list[str], count: int, chunk: int) -> Iterator[list[dict[str, Any]]]:
    """`count` events in chunks: per 5, a task start, its duplicate, its stop, and two
    remaining-only instance events (no `registeredResources`)."""
    rng = np.random.default_rng(11)
    versions = dict.fromkeys(ids, 0)
    out: list[dict[str, Any]] = []
    for k in range(count):
        kind = k % 5
        if kind < 3:
            serial = k // 5
            if kind == 0:
                where = ids[int(rng.integers(0, len(ids)))]
            detail: dict[str, Any] = {
                "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/c/e{serial:012x}",
                "containerInstanceArn": where, "group": "service:events",
                "desiredStatus": "STOPPED" if kind == 2 else "RUNNING", "lastStatus": "RUNNING",
                "cpu": "128", "memory": "256", "containers": [], "version": 2 if kind == 2 else 1,
            }  # fmt: skip
            out.append({"detail-type": "ECS Task State Change", "id": f"e{k}", "detail": detail})
        else:
            arn = ids[int(rng.integers(0, len(ids)))]
            versions[arn] += 1
            detail = {
                "containerInstanceArn": arn, "status": "ACTIVE", "agentConnected": True,
                "attributes": [{"name": "ecs.availability-zone", "value": "us-east-1a"}],
                "remainingResources": [
                    {"name": "CPU", "type": "INTEGER", "integerValue": 4096 - versions[arn] % 7},
                    {"name": "MEMORY", "type": "INTEGER", "integerValue": 16384},
                ],
                "version": versions[arn],
            }  # fmt: skip
            out.append({"detail-type": "ECS Container Instance State Change", "id": f"e{k}",
                        "detail": detail})  # fmt: skip
        if len(out) == chunk:
            yield out
            out = []
    if out:
        yield out


def held_events(count: int, instances: int) -> list[dict[str, Any]]:
    """`count` RUNNING tasks on `instances` container instances that never register."""
    return [
        {"detail-type": "ECS Task State Change", "id": f"h{k}", "detail": {
            "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/c/h{k:012x}",
            "containerInstanceArn": f"arn:aws:ecs:us-east-1:123456789012:"
                                    f"container-instance/c/gone{k % instances:08x}",
            "group": "service:held", "desiredStatus": "RUNNING", "lastStatus": "RUNNING",
            "cpu": "128", "memory": "256", "containers": [], "version": 1}}
        for k in range(count)
    ]  # fmt: skip


def stream_rate(
    held: int, count: int
) -> tuple[float, list[tuple[float, float]], ClusterState]:
    """Events per second over `count` events with `held` tasks held; per quarter, the
    process's resident MiB and the state's pickled MiB (what it holds, without the
    allocator's slack)."""
    inv = records_inventory(10_000, 0)
    # Instance documents the way ECS writes them, so the first event per instance is a
    # resource-only change.
    state = ClusterState(inv, hold=max(held, 1), remember=100_000)
    state.apply_all(held_events(held, 10_000))
    assert len(state.held) == held
    elapsed, memory = 0.0, []
    quarter = count // 4
    done = 0
    for events in long_stream(inv.ids.tolist(), count, 10_000):
        start = time.perf_counter()
        state.apply_all(events)
        elapsed += time.perf_counter() - start
        done += len(events)
        if done % quarter == 0:
            gc.collect()
            memory.append((resident_mib(), len(pickle.dumps(state)) / 2**20))
    len(state)  # the pending changes applied: the stream is fully taken in
    return count / elapsed, memory, state


def slope(sizes: list[int], times: list[float]) -> str:
    """log(time ratio) / log(size ratio) between consecutive sizes."""
    return ", ".join(
        f"{math.log(times[k + 1] / times[k]) / math.log(sizes[k + 1] / sizes[k]):.2f}"
        for k in range(len(sizes) - 1)
    )


def bounds(quick: bool) -> None:
    count = 200_000 if quick else 1_000_000
    held = 20_000 if quick else 100_000
    print(f"\n(4) {count:,} events on 10,000 instances, {held:,} tasks held\n")
    print("| held tasks | events/s | resident MiB after each quarter | state pickle MiB | held | "
          "removed ARNs remembered |")
    print("|---|---|---|---|---|---|")
    rates = {}
    for h in (0, held):
        rate, memory, state = stream_rate(h, count)
        rates[h] = rate
        quarters = " / ".join(f"{m:,.0f}" for m, _ in memory)
        pickled = " / ".join(f"{p:,.1f}" for _, p in memory)
        print(f"| {h:,} | {rate:,.0f} | {quarters} | {pickled} | {len(state.held):,} | "
              f"{len(state._gone_tasks):,} |")  # fmt: skip
        del state
        gc.collect()
    print(f"\nwith {held:,} held / with none: {rates[held] / rates[0]:.2f}x the events/s")
    sizes = [10_000, 30_000, 100_000] if quick else [10_000, 100_000, 300_000]
    jobs = 40
    task = TaskSpec(cpu=16, memory=32, group="service:jobs")
    print(f"\n(5) size sweep: ClusterState(inventory) and {jobs} jobs of state.place(task, 10)\n")
    print("| instances | tasks | construct s | state.place ms/job, first 10 | last 10 | "
          "placement.place ms/job, first 10 | last 10 | state / place |")
    print("|---|---|---|---|---|---|---|---|")
    built, first, baseline = [], [], []
    for n in sizes:
        inv = records_inventory(n)
        start = time.perf_counter()
        state = ClusterState(inv)
        built.append(time.perf_counter() - start)
        times = []
        for _ in range(jobs):
            start = time.perf_counter()
            state.place(task, 10, strategy=["binpack(cpu)"])
            times.append(time.perf_counter() - start)
        # The same jobs with the immutable API: each places on the inventory the last returned.
        base, current = [], inv
        for _ in range(jobs):
            start = time.perf_counter()
            current = place(current, task, 10, strategy=["binpack(cpu)"]).inventory
            base.append(time.perf_counter() - start)
        assert current == state.inventory, "state.place and placement.place disagree"
        early, late = statistics.median(times[:10]), statistics.median(times[-10:])
        first.append(early)
        baseline.append(statistics.median(base[:10]))
        print(f"| {n:,} | {len(inv.tasks):,} | {built[-1]:.2f} | {early * 1000:.1f} | "
              f"{late * 1000:.1f} | {baseline[-1] * 1000:.1f} | "
              f"{statistics.median(base[-10:]) * 1000:.1f} | "
              f"{statistics.median(times) / statistics.median(base):.2f}x |")  # fmt: skip
        del state, inv, current
        gc.collect()
    print(f"\nslopes between sizes: construction {slope(sizes, built)}; "
          f"state.place {slope(sizes, first)}; placement.place {slope(sizes, baseline)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--bounds", action="store_true", help="only (4) and (5)")
    args = parser.parse_args()
    print_header()
    if args.bounds:
        bounds(args.quick)
        return 0
    sizes = [1_000, 5_000] if args.quick else [1_000, 5_000, 50_000]
    steps = 1_000 if args.quick else 3_000
    print("\n(1) rank-then-commit decisions per second\n")
    print("| instances | kinds | ClusterState dec/s | baseline dec/s | speed-up |")
    print("|---|---|---|---|---|")
    for n in sizes:
        inv = inventory(n)
        for k in (1, 10):
            tasks = kinds(k)
            t_state, chosen = state_loop(inv, tasks, steps)
            base_steps = max(50, min(steps, 200_000 // n))
            t_base, base_chosen = baseline_loop(inv, tasks, base_steps)
            assert chosen[:base_steps] == base_chosen, "state and baseline disagree"
            rate, base_rate = steps / t_state, base_steps / t_base
            print(f"| {n:,} | {k} | {rate:,.0f} | {base_rate:,.0f} | {rate / base_rate:,.1f}x |")
    print("\n(2) task events applied per second\n")
    inv = inventory(5_000)
    events = task_events(inv, 60_000 if not args.quick else 15_000)
    state = ClusterState(inv)
    start = time.perf_counter()
    changed = state.apply_all(events)
    elapsed = time.perf_counter() - start
    print(f"{len(events):,} task events on 5,000 instances ({changed:,} changed the state): "
          f"{len(events) / elapsed:,.0f} events/s")  # fmt: skip
    print("\n(2b) instance events (a status change) each followed by a rank\n")
    for n in sizes:
        inv = inventory(n)
        state = ClusterState(inv)
        documents = inv.to_ecs()[0]["containerInstances"]
        draining = [
            {"detail-type": "ECS Container Instance State Change", "source": "aws.ecs",
             "id": f"i{k}", "detail": {**documents[k], "status": "DRAINING", "version": 2}}
            for k in range(20)
        ]  # fmt: skip
        task = kinds(1)[0]
        start = time.perf_counter()
        for event in draining:
            state.apply(event)
            state.rank(task, constraints=LINUX, strategy=CHAIN).best  # noqa: B018
        each = (time.perf_counter() - start) / len(draining)
        print(f"{n:,} instances: {each * 1000:.1f} ms per instance event and rank")
    print("\n(3) scale-in of 10,000 tasks\n")
    inv = inventory(5_000, tasks_per_instance=4)
    start = time.perf_counter()
    result = scale_in(inv, "service:web", 10_000, strategy=CHAIN)
    t_fast = time.perf_counter() - start
    prefix = 5 if not args.quick else 2
    start = time.perf_counter()
    ref = scale_in_reference(inv, "service:web", prefix, strategy_from(CHAIN), None)
    t_ref = (time.perf_counter() - start) / prefix * 10_000
    assert ref == result.stops[:prefix], "scale_in and the reference disagree"
    print(f"20,000 tasks on 5,000 instances, stop 10,000 with {CHAIN}: scale_in {t_fast:.2f} s; "
          f"per-task reference {t_ref:,.0f} s (scaled from {prefix} stops), "
          f"{t_ref / t_fast:,.0f}x")  # fmt: skip
    print("\n(4) scale-in of 100,000 tasks (benchmarks/scale_in.py has the size sweep)\n")
    tasks = 20_000 if args.quick else 200_000
    stops, t_heaps, _ = scale_in_row(tasks)
    print(f"{tasks:,} tasks on {tasks // 4:,} instances, stop {stops:,} with "
          f"{SWEEP_CHAIN}: scale_in {t_heaps:.2f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
