"""One decision near the cost of its masks (issue 11): `rank().best` and `place(count=1)`.

    python benchmarks/decide.py           # 1k, 10k, 100k instances
    python benchmarks/decide.py --quick   # 1k, 10k

For each size: the memberOf expression evaluated alone (`expression.evaluate(inventory)`), all
reason masks (`reason_masks`), `rank(...).best`, and `place(..., count=1)`, each the median of
several runs, with memberOf(attribute:ecs.os-type == linux) + [spread(attribute:ecs.
availability-zone), binpack(memory)]. Target at 100k: `rank().best` and `place(count=1)`
within 10x of evaluating the memberOf expression.
"""

from __future__ import annotations

import argparse
import sys

from common import median_time, print_header
from state import CHAIN, LINUX, inventory

from placement import TaskSpec, place, rank
from placement.place.masks import reason_masks

TASK = TaskSpec(cpu=256, memory=512, group="service:web")


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
