"""What-if benchmark: headroom, instances needed, a deployment and a sweep, each against `place`.

    python benchmarks/whatif.py            # the full table
    python benchmarks/whatif.py --quick    # 10x smaller, for a smoke run

Each row times one operation (median of --runs) and, in the same run, one plain `place` of the
same size on the same inventory, and prints the ratio:
  headroom     100,000 instances; the baseline places as many copies as the headroom says fit;
  needed       10,000 copies on 1,000 busy instances, two templates; the baseline places the
               10,000 copies on the inventory grown by the answer;
  deploy       100 tasks of a service on 1,000 instances rolled to a new task (100%/200%); the
               baseline places 100 copies;
  sweep        200 cases (place 100 copies of one of 200 task sizes on 1,000 instances) in
               process and on a 2-worker process pool; the baseline is the 200 `place` calls
               in a plain loop (the pool's row shows what two workers buy on this machine).
The script checks each answer against `place` (headroom = placed; needed: k fits, k-1 does not).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import pickle
import sys

import attrs
import numpy as np
from common import median_time, print_header

from placement import (
    SERVICE_DEFAULT,
    Instance,
    Inventory,
    MemberOf,
    TaskSpec,
    deploy,
    headroom,
    instances_needed,
    place,
    sweep,
)

ARN = "arn:aws:ecs:us-east-1:123456789012:container-instance/c/"


def _inventory(n: int, seed: int) -> Inventory:
    rng = np.random.default_rng(seed)
    cpu = rng.choice([2048, 4096, 8192], n)
    used = rng.integers(0, 4, n)
    linux = rng.random(n) < 0.95
    return Inventory.from_instances(
        Instance(
            arn=f"{ARN}{i:08x}",
            ec2_instance_id=f"i-{i:017x}",
            attributes={
                "ecs.availability-zone": f"us-east-1{'abc'[i % 3]}",
                "ecs.os-type": "linux" if linux[i] else "windows",
            },
            cpu=int(cpu[i]) - 256 * int(used[i]),
            memory=int(cpu[i]) * 4 - 512 * int(used[i]),
            registered_cpu=int(cpu[i]),
            registered_memory=int(cpu[i]) * 4,
            running_tasks_count=int(used[i]),
            task_groups={"service:other": int(used[i])} if used[i] else {},
        )
        for i in range(n)
    )




def sweep_case(inventory: Inventory, memory: int) -> int:
    """One sweep case: how many of 100 copies of a task of `memory` MiB place."""
    task = TaskSpec(cpu=256, memory=memory, group="service:web")
    return place(inventory, task, 100, strategy=SERVICE_DEFAULT).placed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller")
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    args = parser.parse_args()
    scale, runs = (10 if args.quick else 1), args.runs
    print_header()
    rows: list[tuple[str, str, float, str, float]] = []
    web = TaskSpec(cpu=1024, memory=2048, group="service:web")
    linux = [MemberOf("attribute:ecs.os-type == linux")]

    # headroom at 100,000 instances
    big = _inventory(100_000 // scale, seed=1)
    t_room, room = median_time(
        lambda: headroom(big, web, constraints=linux, strategy=SERVICE_DEFAULT), runs
    )
    t_place, _ = median_time(
        lambda: place(big, web, room.copies, constraints=linux, strategy=SERVICE_DEFAULT), runs
    )
    check = place(big, web, room.copies + 1, constraints=linux, strategy=SERVICE_DEFAULT)
    assert check.placed == room.copies and check.failures[0].reasons == room.reasons
    rows.append(
        (
            f"headroom, {len(big):,} instances",
            f"{room.copies:,} copies fit",
            t_room,
            f"place {room.copies:,}",
            t_place,
        )
    )
    size = len(pickle.dumps(big))

    # instances_needed for 10,000 copies
    busy = _inventory(1_000 // scale, seed=2)
    count = 10_000 // scale
    templates = [
        Instance(
            arn=f"{ARN}template-large", cpu=8192, memory=32768, attributes={"ecs.os-type": "linux"}
        ),
        Instance(
            arn=f"{ARN}template-small", cpu=2048, memory=8192, attributes={"ecs.os-type": "linux"}
        ),
    ]
    t_need, need = median_time(
        lambda: instances_needed(
            busy, web, count, templates, constraints=linux, strategy=SERVICE_DEFAULT
        ),
        runs,
    )
    new = [attrs.evolve(templates[j % 2], arn=f"{ARN}new-{j}") for j in range(need.instances)]
    grown = Inventory.from_instances([*busy, *new], list(busy.tasks))
    t_place, _ = median_time(
        lambda: place(grown, web, count, constraints=linux, strategy=SERVICE_DEFAULT), runs
    )
    rows.append(
        (
            f"instances_needed, {count:,} copies",
            f"{need.instances:,} new instances",
            t_need,
            f"place {count:,}",
            t_place,
        )
    )

    # a 100-task deployment on 1,000 instances
    cluster = _inventory(1_000 // scale, seed=3)
    old = place(cluster, web, 100 // max(1, scale // 5), strategy=SERVICE_DEFAULT).inventory
    new_task = TaskSpec(cpu=512, memory=1024, group="service:web")
    desired = 100 // max(1, scale // 5)
    t_deploy, rolled = median_time(
        lambda: deploy(
            old, "service:web", new_task, desired_count=desired, strategy=SERVICE_DEFAULT
        ),
        runs,
    )
    assert rolled.completed
    t_place, _ = median_time(lambda: place(old, new_task, desired, strategy=SERVICE_DEFAULT), runs)
    rows.append(
        (
            f"deploy {desired} tasks, {len(old):,} instances",
            f"{len(rolled.rounds)} rounds, completed",
            t_deploy,
            f"place {desired}",
            t_place,
        )
    )

    # a 200-case sweep, in process and on a 2-worker process pool
    cases = [256 + 8 * k for k in range(200)]
    fn = functools.partial(sweep_case, cluster)
    t_plain, plain = median_time(lambda: [fn(case) for case in cases], runs)
    t_in, local = median_time(lambda: sweep(fn, cases), runs)
    assert local == plain
    rows.append(("sweep 200 cases, in process", "", t_in, "200 x place 100, a loop", t_plain))
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        sweep(fn, cases[:4], executor=pool)  # start the workers before timing
        t_pool, remote = median_time(lambda: sweep(fn, cases, executor=pool), runs)
    assert remote == local
    rows.append(("sweep 200 cases, 2-worker pool", "", t_pool, "200 x place 100, a loop", t_plain))

    print()
    print("| operation | answer | s | baseline | baseline s | ratio |")
    print("|---|---|---|---|---|---|")
    for name, answer, t, base, tb in rows:
        print(f"| {name} | {answer} | {t:.3f} | {base} | {tb:.3f} | {t / tb:.2f}x |")
    print()
    print(
        f"pickle.dumps of the {len(big):,}-instance inventory: {size:,} bytes "
        f"({size / len(big):.0f} per instance)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
