"""Repair benchmark: `repair` of a failing placement against that failing `place` itself.

    python benchmarks/repair.py            # 10,000 instances, 1,000 copies
    python benchmarks/repair.py --quick    # 10x smaller, for a smoke run

Each row times the failing `place` (median of --runs) and, in the same run, `repair` of it
without templates and with one template (the issue's bar for both: under 50x). With a template,
`add-instances` counts the new instances by headroom arithmetic (each instance's capacity, no
grown inventory built per guess), then builds the one grown inventory and verifies it by one
`place`. The problems:
  expression   a memberOf with a generation threshold and a zone list, a host port most
               instances have taken, a few DRAINING instances, a template to add from;
  cpu          the same cluster, a task too large for most instances (the fix: shrink it);
  count        `runningTasksCount < 1` in one zone: a threshold on the state the copies change.
The script checks every fix by placing it (repair already does; this keeps the row honest).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from common import median_time, print_header

from placement import SERVICE_DEFAULT, Instance, Inventory, TaskSpec, place, repair

ARN = "arn:aws:ecs:us-east-1:123456789012:container-instance/c/"
TEMPLATE = Instance(
    arn=f"{ARN}template", cpu=8192, memory=32768,
    attributes={"generation": "6", "ecs.availability-zone": "us-east-1a"},
)  # fmt: skip


def _inventory(n: int, seed: int) -> Inventory:
    rng = np.random.default_rng(seed)
    cpu = rng.choice([2048, 4096, 8192], n)
    used = rng.integers(0, 4, n)
    port = rng.random(n) < 0.7
    draining = rng.random(n) < 0.02
    generation = rng.integers(1, 7, n)
    return Inventory.from_instances(
        Instance(
            arn=f"{ARN}{i:08x}",
            ec2_instance_id=f"i-{i:017x}",
            status="DRAINING" if draining[i] else "ACTIVE",
            attributes={
                "ecs.availability-zone": f"us-east-1{'abc'[i % 3]}",
                "generation": str(int(generation[i])),
            },
            cpu=int(cpu[i]) - 256 * int(used[i]),
            memory=int(cpu[i]) * 4 - 512 * int(used[i]),
            ports=frozenset({8080}) if port[i] else frozenset(),
            registered_cpu=int(cpu[i]),
            registered_memory=int(cpu[i]) * 4,
            running_tasks_count=int(used[i]),
            task_groups={"service:other": int(used[i])} if used[i] else {},
        )
        for i in range(n)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller")
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    args = parser.parse_args()
    scale, runs = (10 if args.quick else 1), args.runs
    print_header()
    inv = _inventory(10_000 // scale, seed=1)
    count = 1_000 // scale
    problems = [
        ("expression", TaskSpec(cpu=512, memory=1024, ports={8080}, group="service:web"),
         ["memberOf(attribute:generation >= 5 and "
          "attribute:ecs.availability-zone in [us-east-1a])"]),
        ("cpu", TaskSpec(cpu=8000, memory=1024, group="service:web"), []),
        ("count", TaskSpec(cpu=256, memory=256, group="service:web"),
         ["memberOf(runningTasksCount < 1 and attribute:ecs.availability-zone == us-east-1a)"]),
    ]  # fmt: skip
    rows = []
    for name, task, constraints in problems:
        kwargs = {"constraints": constraints, "strategy": SERVICE_DEFAULT, "seed": 7}
        t_place, failing = median_time(lambda: place(inv, task, count, **kwargs), runs)  # noqa: B023
        assert failing.failed, name
        t_repair, answer = median_time(lambda: repair(inv, task, count, **kwargs), runs)  # noqa: B023
        t_grow, grown = median_time(
            lambda: repair(inv, task, count, templates=[TEMPLATE], **kwargs), runs  # noqa: B023
        )
        for fix in grown.fixes:
            again = place(fix.inventory, fix.task, count, constraints=fix.constraints,
                          strategy=fix.strategy, seed=7)  # fmt: skip
            assert again.placed == fix.placed_after, fix
        kinds = ", ".join(sorted({f.kind for f in grown.fixes if f.complete}))
        rows.append((name, f"{answer.placed} of {count}", len(answer.fixes), kinds, t_place,
                     t_repair, t_grow))  # fmt: skip

    print()
    print(f"{len(inv):,} instances, {count:,} copies, strategy spread(zone), spread(instanceId)")
    print()
    print("| problem | placed | fixes | complete kinds (with template) | failing place s "
          "| repair s | ratio | repair + template s | ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name, placed, fixes, kinds, tb, t, tg in rows:
        print(f"| {name} | {placed} | {fixes} | {kinds} | {tb:.3f} | {t:.3f} | {t / tb:.1f}x "
              f"| {tg:.3f} | {tg / tb:.1f}x |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
