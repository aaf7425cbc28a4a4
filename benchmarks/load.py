"""Benchmark: loading ECS JSON - json.loads alone, from_ecs(json.loads(...)), from_ecs_json.

    python benchmarks/load.py                      # 10k and 100k instances
    python benchmarks/load.py --sizes 10000 100000 1000000 --runs 3

The documents are the evaluate benchmark's synthetic instances (3-4 attributes, 4 remaining
and 2 registered resources each) and one RUNNING task per third of them (a container with a
host port). Every measurement runs in its own process, so one's garbage and peak memory do
not touch another's: time is the fastest of --runs runs (CPU time of the process, less
disturbed by a busy machine than wall time), peak memory the most that Python's allocators
(numpy's and msgspec's included) held at once during one more run, under tracemalloc, over
the bytes already read. Ratios are against json.loads of the same
bytes in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from evaluate import ecs_text

MODES = ("json.loads", "from_ecs(json.loads)", "from_ecs_json")


def tasks_text(n: int) -> str:
    tasks = []
    for i in range(0, n, 3):
        tasks.append({
            "taskArn": f"arn:aws:ecs:us-east-1:1:task/c/{i:08x}",
            "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{i:08x}",
            "group": "service:web", "desiredStatus": "RUNNING", "lastStatus": "RUNNING",
            "cpu": "256", "memory": "512", "startedAt": 1_700_000_000.5,
            "containers": [{"name": "web", "networkBindings": [
                {"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]}],
        })  # fmt: skip
    return json.dumps({"tasks": tasks, "failures": []})


def child(mode: str, folder: str, runs: int) -> None:
    """One measurement, in this process: prints `seconds peak_MiB`."""
    from placement.inventory import Inventory

    instances = Path(folder, "instances.json").read_bytes()
    tasks = Path(folder, "tasks.json").read_bytes()
    actions = {
        "json.loads": lambda: (json.loads(instances), json.loads(tasks)),
        "from_ecs(json.loads)": lambda: Inventory.from_ecs(json.loads(instances),
                                                           json.loads(tasks)),
        "from_ecs_json": lambda: Inventory.from_ecs_json(instances, tasks),
    }  # fmt: skip
    action = actions[mode]
    tracemalloc.start()  # numpy and msgspec allocate through Python's tracked allocators
    result = action()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    del result
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        action()
        best = min(best, time.process_time() - start)
    print(f"{best} {peak}")


def measure(mode: str, folder: str, runs: int) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, folder, "--runs", str(runs)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds, peak = out.stdout.split()
    return float(seconds), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.runs)
        return
    from placement import ecs_json

    print(f"msgspec: {'yes' if ecs_json.HAVE_MSGSPEC else 'no (from_ecs_json uses json.loads)'}")
    print(f"{'instances':>10} {'MB':>6}  {'mode':<22} {'time':>8} {'x json':>7} "
          f"{'peak MiB':>9} {'x json':>7}")  # fmt: skip
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "instances.json").write_text(ecs_text(n))
            Path(folder, "tasks.json").write_text(tasks_text(n))
            size = sum(os.path.getsize(Path(folder, f)) for f in ("instances.json", "tasks.json"))
            base_time = base_peak = 0.0
            for mode in MODES:
                seconds, peak = measure(mode, folder, args.runs)
                if mode == "json.loads":
                    base_time, base_peak = seconds, peak
                ratios = f"{seconds / base_time:>6.2f}x {peak:>9.1f} {peak / base_peak:>6.2f}x"
                print(f"{n:>10,} {size / 1e6:>6.1f}  {mode:<22} {seconds:>7.3f}s {ratios}")


if __name__ == "__main__":
    main()
