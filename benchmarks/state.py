"""ClusterState benchmark: decisions per second, events per second, scale-in.

    python benchmarks/state.py            # 1k, 5k and 50k instances
    python benchmarks/state.py --quick    # 1k and 5k, fewer steps

(1) Rank-then-commit, one copy at a time, with memberOf(attribute:ecs.os-type == linux) +
    [spread(attribute:ecs.availability-zone), binpack(memory)]: for one task kind, and for ten
    kinds in turn (different memory, one group each). The baseline is the same loop written with
    the immutable API: `rank(inventory, ...)` then `inventory.with_placements(...)`. Both loops
    are checked to make the same decisions.
(2) Task events applied per second (`ECS Task State Change` dicts, each a new RUNNING task, a
    stop, or a duplicate).
(3) Scale-in of 10,000 tasks: `scale_in` against the per-task reference (timed on a prefix and
    scaled linearly; both checked to agree on the prefix).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np
from common import print_header
from scale_in import CHAIN as SWEEP_CHAIN
from scale_in import scale_in_row

from placement import ClusterState, Instance, Inventory, MemberOf, TaskSpec, rank, scale_in
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print_header()
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
