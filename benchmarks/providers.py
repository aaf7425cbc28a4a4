"""Capacity provider benchmark: `place` with a 2-provider strategy against the same `place` without.

    python benchmarks/providers.py              # 10,000 instances x 20,000 copies
    python benchmarks/providers.py --quick      # 10x smaller, for a smoke run

10,000 instances in 3 zones, 30% in provider `od` and 70% in `spot`, each with room for four
copies; 20,000 copies with the strategy `base 2 on od, weight 1:3 od:spot` (SEMANTICS.md §9),
against the same placement without a strategy, both measured in the same run (medians of
--runs). One row per chain: `binpack(memory)` (each provider's copies placed in one batch call)
and `spread(AZ), binpack(memory)` (a spread over an attribute couples the providers, so the copies
are placed in runs of consecutive copies of one provider). The ratio is with / without.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from common import median_time, print_header

from placement import Instance, Inventory, TaskSpec, place

STRATEGY = [{"capacityProvider": "od", "base": 2, "weight": 1},
            {"capacityProvider": "spot", "base": 0, "weight": 3}]  # fmt: skip
CHAINS = {
    "binpack(memory)": ["binpack(memory)"],
    "spread(AZ), binpack(memory)": ["spread(attribute:ecs.availability-zone)", "binpack(memory)"],
}


def inventory(n: int, seed: int = 7) -> Inventory:
    """`n` instances over 3 zones, 30% od and 70% spot, room for 4 copies each (1 GiB tasks)."""
    rng = np.random.default_rng(seed)
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    return Inventory.from_instances([
        Instance(arn=f"arn:aws:ecs:us-east-1:1:container-instance/prod/{i}",
                 cpu=4096, memory=int(rng.integers(4096, 4608)),
                 capacity_provider="od" if rng.random() < 0.3 else "spot",
                 attributes={"ecs.availability-zone": zones[i % 3]})
        for i in range(n)
    ])  # fmt: skip


def rows(n: int, copies: int, runs: int) -> list[tuple[str, float, float, int, int]]:
    """Per chain: without and with the strategy (seconds), and the copies each placed."""
    inv = inventory(n)
    task = TaskSpec(cpu=256, memory=1024, group="service:web")
    out = []
    place(inv, task, copies, capacity_provider_strategy=STRATEGY)  # imports and caches warm
    for name, chain in CHAINS.items():
        plain, without = median_time(lambda c=chain: place(inv, task, copies, strategy=c), runs)
        kw: dict[str, Any] = {"strategy": chain, "capacity_provider_strategy": STRATEGY}
        timed, with_cp = median_time(lambda kw=kw: place(inv, task, copies, **kw), runs)
        out.append((name, plain, timed, without.placed, with_cp.placed))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller")
    parser.add_argument("--runs", type=int, default=3, help="runs per row (median)")
    args = parser.parse_args()
    n, copies = (1_000, 2_000) if args.quick else (10_000, 20_000)
    print_header()
    print(f"{n:,} instances (30% od, 70% spot), {copies:,} copies, strategy: base 2 on od, "
          f"weight 1:3 od:spot; median of {args.runs} runs")  # fmt: skip
    print(f"{'chain':<30} {'without s':>10} {'with s':>10} {'ratio':>7} {'placed w/o':>11} "
          f"{'placed with':>12}")  # fmt: skip
    for name, plain, timed, placed, placed_cp in rows(n, copies, args.runs):
        print(f"{name:<30} {plain:>10.3f} {timed:>10.3f} {timed / plain:>6.2f}x {placed:>11,} "
              f"{placed_cp:>12,}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
