"""Benchmark: Nomad inputs and the Nomad operators, against baselines measured in the same run.

    python benchmarks/nomad.py                 # 10,000 nodes
    python benchmarks/nomad.py --nodes 50000 --runs 5

Rows: `Inventory.from_nomad` of node objects (decoded by `json.loads`, and the JSON bytes
themselves, read typed) against `json.loads` of the same bytes; then one
vectorized evaluation per Nomad operator against ECS's `==` on the same attribute (each leaf
is answered once per distinct value and gathered by code, so the operators' Go semantics cost
per distinct value, not per node). Every timing is the median of `--runs` runs.
"""

from __future__ import annotations

import argparse
import json
import random
from typing import Any

from common import median_time, print_header

from placement import Inventory, parse

KERNELS = ["linux", "windows", "darwin"]
DOCKER = ["19.03.15", "20.10.7", "20.10.24", "23.0.1", "24.0.7", "25.0.0-rc.1", "26.1.4"]
CLASSES = ["", "gpu", "batch", "web"]


def nodes(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` node objects as `GET /v1/node/:id` returns them, 24 attributes and 3 meta keys each."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        attributes = {f"unique.extra.{k}": str(rng.randrange(1000)) for k in range(16)}
        attributes.update({
            "kernel.name": rng.choice(KERNELS), "driver.docker": "1",
            "driver.docker.version": rng.choice(DOCKER),
            "cpu.numcores": str(rng.choice([2, 4, 8, 16])),
            "unique.hostname": f"host-{i}", "os.name": "ubuntu", "cpu.arch": "amd64",
            "nomad.version": "1.7.5",
        })  # fmt: skip
        out.append({
            "ID": f"{i:08x}-0000-0000-0000-000000000000", "Name": f"node-{i}",
            "Datacenter": f"dc{rng.randrange(3)}", "NodeClass": rng.choice(CLASSES),
            "NodePool": "default", "Attributes": attributes,
            "Meta": {"rack": f"r{rng.randrange(40)}", "tags": rng.choice(["ssd", "ssd,gpu", "hdd"]),
                     "team": rng.choice(["a", "b"])},
            "NodeResources": {"Cpu": {"CpuShares": 4000}, "Memory": {"MemoryMB": 16384}},
            "ReservedResources": {"Cpu": {"CpuShares": 100}, "Memory": {"MemoryMB": 256}},
            "Status": "ready", "SchedulingEligibility": "eligible", "Drain": False,
        })  # fmt: skip
    return out


EXPRESSIONS = [
    ("== (ECS, baseline)", "attribute:attr.driver.docker.version == 20.10.7"),
    ("=~ (ECS)", "attribute:attr.driver.docker.version =~ '2[0-9].*'"),
    ("version", "attribute:attr.driver.docker.version version '>= 20.10, < 25'"),
    ("semver", "attribute:attr.driver.docker.version semver '>= 20.10.0-a'"),
    ("regexp", "attribute:attr.driver.docker.version regexp '^2[0-9]'"),
    ("set_contains_any", "attribute:meta.tags set_contains_any 'gpu, nvme'"),
    ("nomad_ge", "attribute:attr.cpu.numcores nomad_ge 8"),
    (">= (ECS)", "attribute:attr.cpu.numcores >= 8"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print_header()
    data = json.dumps(nodes(args.nodes)).encode()
    base, _ = median_time(lambda: json.loads(data), args.runs)
    load, inv = median_time(lambda: Inventory.from_nomad(json.loads(data)), args.runs)
    raw, again = median_time(lambda: Inventory.from_nomad(data), args.runs)
    assert again == inv  # the bytes read as the documents
    print(f"\n{args.nodes:,} nodes, {len(data) / 1e6:.1f} MB of JSON")
    print(f"{'row':<34} {'median':>10} {'ratio':>7}")
    print(f"{'json.loads (baseline)':<34} {base * 1000:>8.1f}ms {1:>6.2f}x")
    print(f"{'Inventory.from_nomad(json.loads)':<34} {load * 1000:>8.1f}ms {load / base:>6.2f}x")
    print(f"{'Inventory.from_nomad(bytes)':<34} {raw * 1000:>8.1f}ms {raw / base:>6.2f}x")
    print(f"\nvectorized evaluation over {len(inv):,} nodes")
    baseline = None
    for label, text in EXPRESSIONS:
        expr = parse(text)
        expr.evaluate(inv)  # compile the plan once, as every later call reuses it
        took, mask = median_time(lambda expr=expr: expr.evaluate(inv), args.runs * 4)
        baseline = baseline or took
        matched = int(mask.sum())
        print(f"{label:<34} {took * 1e6:>8.0f}us {took / baseline:>6.2f}x  ({matched:,} match)")


if __name__ == "__main__":
    main()
