"""One decision near the cost of its masks (issue 11): `rank().best` and `place(count=1)`.

    python benchmarks/decide.py           # 1k, 10k, 100k instances
    python benchmarks/decide.py --quick   # 1k, 10k

For each size: the memberOf expression evaluated alone (`expression.evaluate(inventory)`), all
reason masks (`reason_masks`), `rank(...).best`, and `place(..., count=1)`, each the median of
several runs, with memberOf(attribute:ecs.os-type == linux) + [spread(attribute:ecs.
availability-zone), binpack(memory)]. Target at 100k: `rank().best` and `place(count=1)`
within 10x of evaluating the memberOf expression.

Fresh inventories (issue 14): 100,000 instances (10,000 with --quick) running about 120,000
tasks of three groups, loaded with `Inventory.from_ecs` (so each instance's groups are in
first-seen order), a 3-clause memberOf: `place(count=1)` with its result's inventory read (the
commit included) on the inventory as loaded, against the same on that inventory after one
commit; and `place(count=1)` (result not read) against the memberOf expression. Targets: the
fresh inventory no slower than the committed one, `place(count=1)` within 10x of the memberOf.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from common import median_time, print_header
from state import CHAIN, LINUX, inventory

from placement import Inventory, MemberOf, TaskSpec, place, rank
from placement.place.masks import reason_masks

TASK = TaskSpec(cpu=256, memory=512, group="service:web")


THREE = [MemberOf("attribute:ecs.os-type == linux and runningTasksCount < 50 and "
                  "not(task:group == service:batch)")]  # fmt: skip
GROUPS = ["service:web", "service:db", "service:cache"]


def loaded_inventory(n: int) -> Inventory:
    """`n` instances, about 1.2 tasks each of three groups in random order, from `from_ecs`."""
    rng = np.random.default_rng(3)
    plain = inventory(n)
    per = rng.choice([0, 1, 2, 3], n, p=[0.3, 0.35, 0.2, 0.15])
    instances, _ = plain.to_ecs()
    listed = []
    for i, doc in enumerate(instances["containerInstances"]):
        for k, g in enumerate(rng.permutation(3)[: per[i]]):
            listed.append({"taskArn": f"arn:aws:ecs:us-east-1:1:task/c/{i}-{k}",
                           "containerInstanceArn": doc["containerInstanceArn"],
                           "group": GROUPS[g], "desiredStatus": "RUNNING",
                           "lastStatus": "RUNNING", "cpu": "16", "memory": "32"})  # fmt: skip
        doc["runningTasksCount"] = int(per[i])
    return Inventory.from_ecs(instances, {"tasks": listed})


def fresh_rows(n: int) -> None:
    """The fresh-inventory table."""
    inv = loaded_inventory(n)
    committed = inv.with_placements([0], TaskSpec(group="service:other"))
    expression = THREE[0].expression
    runs = 9

    def placed_and_read(inv: Inventory) -> None:
        place(inv, TASK, 1, constraints=THREE, strategy=CHAIN).inventory  # noqa: B018

    for warm in (inv, committed):  # memoized columns (zones, group counts) of each
        placed_and_read(warm)
    t_fresh, _ = median_time(lambda: placed_and_read(inv), runs)
    t_committed, _ = median_time(lambda: placed_and_read(committed), runs)
    t_member, _ = median_time(lambda: expression.evaluate(inv), runs)
    t_place, _ = median_time(lambda: place(inv, TASK, 1, constraints=THREE, strategy=CHAIN), runs)
    print("| instances | tasks | place + read, as loaded ms | place + read, after a commit ms "
          "| loaded / committed | 3-clause memberOf ms | place(count=1) ms "
          "| place / memberOf |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    cells = [f"{n:,}", f"{len(inv.tasks):,}", f"{t_fresh * 1e3:.2f}", f"{t_committed * 1e3:.2f}",
             f"{t_fresh / t_committed:.2f}x", f"{t_member * 1e3:.2f}", f"{t_place * 1e3:.2f}",
             f"{t_place / t_member:.1f}x"]  # fmt: skip
    print("| " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print_header()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    print()
    print("| instances | memberOf ms | all masks ms | rank().best ms | place(count=1) ms "
          "| rank / memberOf | place / memberOf |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    expression = LINUX[0].expression
    for n in sizes:
        inv = inventory(n, tasks_per_instance=2)
        runs = 21 if n <= 10_000 else 9
        t_member, _ = median_time(lambda inv=inv: expression.evaluate(inv), runs)
        t_masks, _ = median_time(lambda inv=inv: reason_masks(inv, TASK, LINUX), runs)
        t_rank, _ = median_time(
            lambda inv=inv: rank(inv, TASK, constraints=LINUX, strategy=CHAIN).best, runs
        )
        t_place, _ = median_time(
            lambda inv=inv: place(inv, TASK, 1, constraints=LINUX, strategy=CHAIN), runs
        )
        best = rank(inv, TASK, constraints=LINUX, strategy=CHAIN).best
        assert place(inv, TASK, 1, constraints=LINUX, strategy=CHAIN).placements == (best,)
        cells = [f"{n:,}", *(f"{t * 1e3:.3f}" for t in (t_member, t_masks, t_rank, t_place)),
                 f"{t_rank / t_member:.1f}x", f"{t_place / t_member:.1f}x"]  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    print()
    fresh_rows(10_000 if args.quick else 100_000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
