"""Scale-in and rolling deployments: a size sweep, time against tasks, with the slope.

    python benchmarks/scale_in.py            # 2k, 20k and 200k tasks (stop half of them)
    python benchmarks/scale_in.py --quick    # 2k and 20k

Tasks of service:web, 4 per instance over 3 zones, with different CPU, memory and start times.
Scale-in stops half of them with [spread(attribute:ecs.availability-zone), binpack(memory)];
the deployment rolls all of them to a new task (100%/200%, the same strategy). The baseline is
the previous implementation (`scale_in.py` and `deploy.py` as of BASELINE, loaded with
`git show`) on the same data in the same run, at the sizes it finishes in reasonable time;
both are checked to give the same answer there. The slope is log(time ratio) / log(size
ratio) between consecutive sizes: 1 is linear, 2 quadratic.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from common import median_time, print_header

from placement import Instance, Inventory, TaskSpec, deploy, scale_in
from placement.instance import Task
from placement.syntax import Timestamp

CHAIN = ["spread(attribute:ecs.availability-zone)", "binpack(memory)"]
GROUP = "service:web"
BASELINE = "86d874c"  # the last commit with the per-stop vectorized scale-in
ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def inventory(tasks: int, *, seed: int = 1, per_instance: int = 4) -> Inventory:
    """`tasks` tasks of service:web, `per_instance` on each instance, in 3 zones."""
    rng = np.random.default_rng(seed)
    n = tasks // per_instance
    zone = rng.integers(0, 3, n)
    cpu = rng.choice([128, 256, 512], tasks).tolist()
    started = rng.integers(0, 10**6, tasks).tolist()
    instances, rows = [], []
    for i in range(n):
        arn = f"arn:aws:ecs:us-east-1:123456789012:container-instance/c/{i:08x}"
        instances.append(Instance(
            arn=arn, ec2_instance_id=f"i-{i:017x}",
            attributes={"ecs.availability-zone": f"us-east-1{'abc'[zone[i]]}"},
            cpu=8192, memory=32768, registered_cpu=8192, registered_memory=32768,
            running_tasks_count=per_instance, task_groups={GROUP: per_instance},
        ))  # fmt: skip
        for k in range(i * per_instance, (i + 1) * per_instance):
            when = Timestamp(started[k] * 10**6)
            rows.append(Task(arn=f"{arn}/t{k}", instance=arn, group=GROUP, cpu=cpu[k],
                             memory=2 * cpu[k], started_at=when))  # fmt: skip
    return Inventory.from_instances(instances, rows)


def previous() -> tuple[ModuleType, ModuleType] | None:
    """The BASELINE `scale_in` and `deploy` modules, or None where git cannot show them."""
    package = Path(tempfile.mkdtemp()) / "placement_previous"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("scale_in", "deploy"):
        shown = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{BASELINE}:src/placement/ops/{name}.py"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if shown.returncode:
            return None
        (package / f"{name}.py").write_text(shown.stdout.replace("from ..", "from placement."))
    sys.path.insert(0, str(package.parent))
    return (importlib.import_module("placement_previous.scale_in"),
            importlib.import_module("placement_previous.deploy"))  # fmt: skip


def scale_in_row(tasks: int, old: ModuleType | None = None) -> tuple[int, float, float | None]:
    """(stops, seconds) to stop half of `tasks` tasks; the baseline's seconds with `old`."""
    inv = inventory(tasks)
    t_new, result = median_time(lambda: scale_in(inv, GROUP, tasks // 2, strategy=CHAIN), 1)
    if old is None:
        return tasks // 2, t_new, None
    t_old, before = median_time(lambda: old.scale_in(inv, GROUP, tasks // 2, strategy=CHAIN), 1)
    assert before.stops == result.stops, "scale_in and the baseline disagree"
    return tasks // 2, t_new, t_old


def deploy_row(tasks: int, old: ModuleType | None = None) -> tuple[int, float, float | None]:
    """(stops, seconds) to roll `tasks` tasks to a new task; the baseline's seconds with `old`."""
    inv = inventory(tasks)
    new_task = TaskSpec(cpu=256, memory=512)
    kwargs: dict[str, Any] = {"desired_count": tasks, "strategy": CHAIN, "seed": 7}
    t_new, result = median_time(lambda: deploy(inv, GROUP, new_task, **kwargs), 1)
    assert result.completed
    stops = sum(len(r.stopped) for r in result.rounds)
    if old is None:
        return stops, t_new, None
    t_old, before = median_time(lambda: old.deploy(inv, GROUP, new_task, **kwargs), 1)
    assert before.to_dict() == result.to_dict(), "deploy and the baseline disagree"
    return stops, t_new, t_old


def _table(title: str, row: Any, sizes: list[int], baseline_sizes: int,
           old: ModuleType | None) -> None:  # fmt: skip
    print(f"\n{title}\n")
    print("| tasks | stops | seconds | slope | baseline s | baseline slope | speed-up |")
    print("|---|---|---|---|---|---|---|")
    last: tuple[int, float, float | None] | None = None
    for k, tasks in enumerate(sizes):
        stops, t_new, t_old = row(tasks, old if k < baseline_sizes else None)
        slope = old_slope = "-"
        if last is not None:
            scale = math.log(tasks / last[0])
            slope = f"{math.log(t_new / last[1]) / scale:.2f}"
            if t_old is not None and last[2] is not None:
                old_slope = f"{math.log(t_old / last[2]) / scale:.2f}"
        base = f"{t_old:.2f}" if t_old is not None else "-"
        ratio = f"{t_old / t_new:,.1f}x" if t_old is not None else "-"
        print(f"| {tasks:,} | {stops:,} | {t_new:.2f} | {slope} | {base} | {old_slope} "
              f"| {ratio} |")  # fmt: skip
        last = (tasks, t_new, t_old)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print_header()
    sizes = [2_000, 20_000] if args.quick else [2_000, 20_000, 200_000]
    modules = previous()
    if modules is None:
        print(f"(no baseline: git cannot show {BASELINE})")
    start = time.perf_counter()
    _table(f"scale-in of half the tasks, {CHAIN}", scale_in_row, sizes, 2,
           modules[0] if modules else None)  # fmt: skip
    _table("rolling deployment of every task, 100%/200%, the same strategy", deploy_row, sizes, 2,
           modules[1] if modules else None)  # fmt: skip
    print(f"\n(total {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
