"""Benchmark: a Deployment with a topology spread constraint, batch path against the per-copy loop.

    python benchmarks/k8s_place.py              # 5,000 nodes, 100,000 pods, 1,000 replicas
    python benchmarks/k8s_place.py --nodes 1000 --pods 20000 --replicas 1000 --runs 3

A second table times a scheduler's step, `ClusterState.rank` then `commit`, for the pod as read
(its reasons in Kubernetes' words) against the same task with `dialect="ecs"` (ECS's codes),
on the same state: the words should cost little next to the step itself.

The cluster is `load.py`'s Kubernetes one (nodes in three zones, pods of 50 apps in five
namespaces); the Deployment's pods are `app=app7` in `ns2`, so the pods already running count,
with `maxSkew: 1` over `topology.kubernetes.io/zone`. Both methods place the same copies (the
script checks it); the table gives each one's median wall time and the ratio to the loop.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import attrs
from common import median_time, print_header
from load import k8s_texts

from placement import ClusterState, Inventory, TaskSpec, place


def deployment() -> dict[str, Any]:
    """`app=app7` in `ns2`, spread over zones with maxSkew 1 (the pods match their selector)."""
    spread = {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
              "whenUnsatisfiable": "DoNotSchedule",
              "labelSelector": {"matchLabels": {"app": "app7"}}}  # fmt: skip
    return {"kind": "Deployment", "metadata": {"name": "app7", "namespace": "ns2"},
            "spec": {"template": {"metadata": {"labels": {"app": "app7"}}, "spec": {
                "containers": [{"name": "c", "resources": {"requests": {"cpu": "10m"}}}],
                "topologySpreadConstraints": [spread]}}}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=100_000)
    parser.add_argument("--replicas", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    nodes, pods = k8s_texts(args.nodes, args.pods)
    inv = Inventory.from_k8s(json.loads(nodes), json.loads(pods))
    task = TaskSpec.from_k8s(deployment())
    print_header()
    print(f"{args.nodes:,} nodes, {args.pods:,} pods, {args.replicas:,} replicas, maxSkew 1 "
          "over zones")  # fmt: skip
    times, results = {}, {}
    for method in ("loop", "batch"):
        times[method], results[method] = median_time(
            lambda m=method: place(inv, task, args.replicas, method=m), args.runs
        )
    assert results["batch"] == results["loop"], "batch and loop disagree"
    print(f"{'method':<8} {'placed':>7} {'median':>9} {'x loop':>7}")
    for method, seconds in times.items():
        placed = len(results[method].placements)
        print(f"{method:<8} {placed:>7,} {seconds:>8.3f}s {seconds / times['loop']:>6.3f}x")
    steps = min(args.replicas, 500)
    step = {dialect: _step_ms(inv, attrs.evolve(task, dialect=dialect), steps)
            for dialect in ("ecs", "k8s", "ecs", "k8s")}  # fmt: skip (second round: warm)
    print(f"\nClusterState.rank + commit, {steps} steps, median ms per step")
    print(f"{'dialect':<8} {'ms':>7} {'x ecs':>6}")
    for dialect, ms in step.items():
        print(f"{dialect:<8} {ms:>7.3f} {ms / step['ecs']:>5.2f}x")


def _step_ms(inv: Inventory, task: TaskSpec, steps: int) -> float:
    """Median ms of one `rank` + `commit` of `task`, over `steps` steps on a fresh state."""
    state = ClusterState(inv)
    state.rank(task)  # the plan for the task is built once, outside the timing
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        best = state.rank(task).best
        if best is None:
            break
        state.commit(best, task)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


if __name__ == "__main__":
    main()
