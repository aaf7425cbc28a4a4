"""Placement benchmark: the batch placer against the per-copy loop and the reference.

    python benchmarks/place.py            # both tables (a few minutes)
    python benchmarks/place.py --quick    # smaller scenarios, for a smoke run
    python benchmarks/place.py --only chains [--large] [--copies N]   # one row per chain
    python benchmarks/place.py --only regression    # against commit 975ceda (issue 14)
    python benchmarks/place.py --only caps    # each chain with maxPer / topologySpread in front

Regression (issue 14): 10,000 instances x 20,000 copies, `binpack(memory)` and
`spread(AZ), binpack(memory)`, the current code against commit 975ceda measured in the same
run: that commit's `src` and `grammar` come from `git archive` into a temporary folder, and a
child process with PYTHONPATH=<folder>/src times it on the same inventory (it needs only numpy,
lark, attrs and re2). Without the git history the comparison is skipped, and says so. Target:
the current code at least as fast. The chain table below checks every chain's batch time is
within 5x of the fastest chain's.

Chains: one row per chain shape, 10,000 instances x 10,000 copies (--large: 100,000 x 100,000;
--copies: another count, the loop then timed on 500 copies and scaled),
batch against the per-copy loop in the same run, with the ratio, and each chain's batch time
against the fastest chain's (target: all within 5x):
  binpack(memory) | spread(AZ), binpack(memory) | random | binpack(cpu), spread(AZ) |
  spread(AZ), spread(attribute:stack) | random, spread(AZ) (random first) |
  zero demand (a task that reserves nothing) with spread(AZ), spread(instanceId).

Caps (`--only caps`): 10,000 instances x 100,000 copies, each chain above alone, with
`maxPer(attribute:ecs.availability-zone, 30000)` in front (binding: 90,000 place) and with
`topologySpread(attribute:ecs.availability-zone, maxSkew=1)` and with `maxSkew=3` in front, the
ratios against the chain alone measured in the same run (the target is 5x at most).

Scenarios:
  (a) 10k instances in 3 zones, 50k copies, [spread(attribute:ecs.availability-zone),
      binpack(memory)] with memberOf(attribute:ecs.os-type == linux) (true on 95%);
  (b) 100k instances, 100k copies, distinctInstance with spread(instanceId) (2% of the
      instances already run the group, so 2k copies fail: intended);
  (c) 5k instances, 20k copies, binpack(cpu) with host port 80 (one copy per instance, so 5k
      are placed and 15k fail: intended).

`batch` is timed on the full count (median of >= 3 runs). `loop` and `reference` are timed on a
prefix of the copies and scaled linearly: the loop stops at the first failure, so its prefix
time is scaled to min(count, placed + 1) copies; the reference keeps trying every copy, so it
is scaled to the full count. The script checks that batch and loop agree on the prefix.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from common import median_time, print_header

from placement import DistinctInstance, Instance, Inventory, MemberOf, TaskSpec, place


def _inventory(
    n: int, *, seed: int, zones: int = 3, group_share: float = 0.0, linux_share: float = 1.0,
    stacks: int = 0,
) -> Inventory:  # fmt: skip
    rng = np.random.default_rng(seed)
    zone_names = [f"us-east-1{'abcdefgh'[z]}" for z in range(zones)]
    zone = rng.integers(0, zones, n)
    linux = rng.random(n) < linux_share
    cpu = rng.choice([2048, 4096, 8192], n)
    used = rng.integers(0, 4, n)  # tasks of other services already there
    has_group = rng.random(n) < group_share
    stack = rng.integers(0, max(stacks, 1), n)
    out = []
    for i in range(n):
        groups = {"service:other": int(used[i])} if used[i] else {}
        if has_group[i]:
            groups["service:web"] = 1
        out.append(
            Instance(
                arn=f"arn:aws:ecs:us-east-1:123456789012:container-instance/c/{i:08x}",
                ec2_instance_id=f"i-{i:017x}",
                attributes={
                    "ecs.availability-zone": zone_names[zone[i]],
                    "ecs.os-type": "linux" if linux[i] else "windows",
                    "ecs.instance-type": "m5.xlarge",
                    **({"stack": f"s{stack[i]}"} if stacks else {}),
                },
                cpu=int(cpu[i]) - 256 * int(used[i]),
                memory=int(cpu[i]) * 4 - 512 * int(used[i]),
                registered_cpu=int(cpu[i]),
                registered_memory=int(cpu[i]) * 4,
                running_tasks_count=sum(groups.values()),
                task_groups=groups,
            )
        )
    return Inventory.from_instances(out)


def scenarios(quick: bool) -> list[dict[str, Any]]:
    scale = 10 if quick else 1
    web = TaskSpec(cpu=256, memory=512, group="service:web")
    return [
        {
            "name": "(a) spread AZ + binpack memory, memberOf",
            "inventory": _inventory(10_000 // scale, seed=1, linux_share=0.95),
            "task": web,
            "count": 50_000 // scale,
            "constraints": [MemberOf("attribute:ecs.os-type == linux")],
            "strategy": ["spread(attribute:ecs.availability-zone)", "binpack(memory)"],
            "loop_prefix": 1_000,
            "reference_prefix": 3,
        },
        {
            "name": "(b) distinctInstance + spread instanceId",
            "inventory": _inventory(100_000 // scale, seed=2, group_share=0.02),
            "task": web,
            "count": 100_000 // scale,
            "constraints": [DistinctInstance()],
            "strategy": ["spread(instanceId)"],
            "loop_prefix": 500,
            "reference_prefix": 3,
        },
        {
            "name": "(c) binpack cpu + host port 80",
            "inventory": _inventory(5_000 // scale, seed=3),
            "task": TaskSpec(cpu=256, memory=512, ports=frozenset({80}), group="service:web"),
            "count": 20_000 // scale,
            "constraints": [],
            "strategy": ["binpack(cpu)"],
            "loop_prefix": 1_000,
            "reference_prefix": 20,
        },
    ]


AZ = "spread(attribute:ecs.availability-zone)"
WEB = TaskSpec(cpu=256, memory=512, group="service:web")
CHAINS: list[tuple[str, list[str], TaskSpec]] = [
    ("binpack(memory)", ["binpack(memory)"], WEB),
    ("spread(AZ), binpack(memory)", [AZ, "binpack(memory)"], WEB),
    ("random", ["random"], WEB),
    ("binpack(cpu), spread(AZ)", ["binpack(cpu)", AZ], WEB),
    ("spread(AZ), spread(attribute:stack)", [AZ, "spread(attribute:stack)"], WEB),
    ("random, spread(AZ)", ["random", AZ], WEB),
    ("zero demand: spread(AZ), spread(instanceId)", [AZ, "spread(instanceId)"],
     TaskSpec(group="service:web")),
]  # fmt: skip


def chain_rows(
    large: bool, runs: int, copies: int | None = None
) -> list[tuple[str, int, int, int, float, int, float]]:
    """Per chain: (name, instances, copies, placed, batch s, loop prefix, loop s scaled)."""
    n = 100_000 if large else 10_000
    count = copies or n
    inv = _inventory(n, seed=4, stacks=4)
    # The loop costs O(instances) per copy: all copies at 10k, a prefix scaled at 100k.
    prefix = 500 if large or count > n else n
    rows = []
    for name, strategy, task in CHAINS:
        t_batch, full = median_time(
            lambda strategy=strategy, task=task: place(inv, task, count, strategy=strategy, seed=1),
            max(3, runs),
        )
        t_loop, loop = median_time(
            lambda strategy=strategy, task=task: place(
                inv, task, prefix, strategy=strategy, seed=1, method="loop"
            ),
            1,
        )
        batch_prefix = place(inv, task, prefix, strategy=strategy, seed=1)
        assert loop == batch_prefix, f"{name}: batch and loop disagree on {prefix} copies"
        assert full.placements[:prefix] == loop.placements, f"{name}: prefix differs"
        loop_copies = min(count, full.placed + 1)
        rows.append((name, n, count, full.placed, t_batch, prefix,
                     t_loop / min(prefix, loop.placed + 1) * loop_copies))  # fmt: skip
    return rows


def print_chains(rows: list[tuple[str, int, int, int, float, int, float]]) -> None:
    """The chain table: batch and loop per chain, and each batch time over the fastest."""
    best = min(r[4] for r in rows)
    header = ("chain", "instances", "copies", "placed", "batch s", "batch pl/s",
              "loop s", "loop pl/s", "batch vs loop", "batch / fastest chain")  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, n, count, placed, tb, prefix, tl in rows:
        loop = f"{tl:.2f}" if prefix >= count else f"{tl:.1f} (from {prefix:,})"
        cells = (name, f"{n:,}", f"{count:,}", f"{placed:,}", f"{tb:.3f}",
                 f"{placed / tb:,.0f}", loop, f"{placed / tl:,.0f}", f"{tl / tb:,.0f}x",
                 f"{tb / best:.1f}x")  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    print()
    print("batch: median of runs on the full count, whole `place` call (the result's "
          "inventory is built when first read, and is not read here); loop: on the copies "
          "shown, scaled linearly; batch and loop agreed on them.")  # fmt: skip
    slowest = max(rows, key=lambda r: r[4])
    print(f"every chain within 5x of the fastest: {slowest[4] / best <= 5} (slowest: "
          f"{slowest[0]}, {slowest[4] / best:.1f}x)")




REGRESSION_COMMIT = "975ceda"
REGRESSION_CHAINS: list[tuple[str, list[str]]] = [
    ("binpack(memory)", ["binpack(memory)"]),
    ("spread(AZ), binpack(memory)", [AZ, "binpack(memory)"]),
]
REGRESSION_SIZE = (10_000, 20_000)  # instances, copies


def regression_times(runs: int) -> dict[str, tuple[float, int]]:
    """Per regression chain: (median seconds, copies placed) of the code importable here."""
    n, count = REGRESSION_SIZE
    inv = _inventory(n, seed=4, stacks=4)
    out = {}
    for name, strategy in REGRESSION_CHAINS:
        place(inv, WEB, count, strategy=strategy, seed=1)  # warm: the inventory's memo
        seconds, result = median_time(
            lambda strategy=strategy: place(inv, WEB, count, strategy=strategy, seed=1), runs
        )
        out[name] = (seconds, result.placed)
    return out


def _old_times(runs: int) -> dict[str, tuple[float, int]] | str:
    """`regression_times` of commit REGRESSION_COMMIT, or why it could not be measured."""
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", REGRESSION_COMMIT, "src", "grammar"],
            capture_output=True,
        )  # fmt: skip
        if archive.returncode:
            return f"git archive {REGRESSION_COMMIT} failed: {archive.stderr.decode().strip()}"
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        env = {**os.environ, "PYTHONPATH": str(Path(folder) / "src")}
        child = subprocess.run(
            [sys.executable, __file__, "--child-regression", "--runs", str(runs)],
            capture_output=True, text=True, env=env,
        )  # fmt: skip
        if child.returncode:
            return f"commit {REGRESSION_COMMIT} did not run: {child.stderr.strip()[-300:]}"
        answer = json.loads(child.stdout.strip().splitlines()[-1])
        if not answer.pop("_from", "").startswith(folder):
            return f"commit {REGRESSION_COMMIT}'s code was not the one imported"
        return {name: (float(t), int(p)) for name, (t, p) in answer.items()}


def _median_rounds(rounds: list[dict[str, tuple[float, int]]]) -> dict[str, tuple[float, int]]:
    return {name: (float(np.median([r[name][0] for r in rounds])), rounds[0][name][1])
            for name in rounds[0]}  # fmt: skip


def print_regression(runs: int) -> None:
    """Current code against commit REGRESSION_COMMIT, same run, same inventory."""
    n, count = REGRESSION_SIZE
    # Rounds alternate the two codes, so a change in the machine's load hits both alike: each
    # time is the median of the rounds' medians.
    olds, news = [], []
    for _round in range(3):
        olds.append(_old_times(runs))
        news.append(regression_times(runs))
    new = _median_rounds(news)
    skipped = next((o for o in olds if isinstance(o, str)), None)
    old = skipped if skipped is not None else _median_rounds(olds)  # type: ignore[arg-type]
    print(f"| chain ({n:,} instances x {count:,} copies) | placed | current s | current pl/s "
          f"| {REGRESSION_COMMIT} s | {REGRESSION_COMMIT} pl/s | current / {REGRESSION_COMMIT} "
          "speed | at least as fast |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, _ in REGRESSION_CHAINS:
        t_new, placed = new[name]
        if isinstance(old, str):
            cells = ["skipped"] * 4
        else:
            t_old, placed_old = old[name]
            assert placed_old == placed, f"{name}: {placed_old} placed then, {placed} now"
            cells = [f"{t_old:.4f}", f"{placed / t_old:,.0f}", f"{t_old / t_new:.2f}x",
                     str(t_new <= t_old)]  # fmt: skip
        print(f"| {name} | {placed:,} | {t_new:.4f} | {placed / t_new:,.0f} | "
              + " | ".join(cells) + " |")
    print()
    if isinstance(old, str):
        print(f"comparison with {REGRESSION_COMMIT} skipped: {old}")
    print(f"3 alternating rounds of {runs} runs each, median of the rounds' medians; whole "
          f"`place` call (nothing read from the result); {REGRESSION_COMMIT} timed in a child "
          "process on the same machine in this run.")


# -- caps: maxPer and topologySpread in front of each chain ----------------------------------

CAP_RULES: list[tuple[str, str]] = [
    ("maxPer(AZ, 30000)", "maxPer(attribute:ecs.availability-zone, 30000)"),
    ("topologySpread(AZ, maxSkew=1)", "topologySpread(attribute:ecs.availability-zone, maxSkew=1)"),
    ("topologySpread(AZ, maxSkew=3)", "topologySpread(attribute:ecs.availability-zone, maxSkew=3)"),
]


def cap_rows(runs: int) -> list[tuple[str, int, list[tuple[int, float]]]]:
    """Per chain: (name, placed alone, [(placed, batch s)] alone then with each cap rule).

    Each constrained placement is checked against the per-copy loop on a prefix.
    """
    n, count, prefix = 10_000, 100_000, 300
    inv = _inventory(n, seed=4, stacks=4)
    rows = []
    for name, strategy, task in CHAINS:
        timings = []
        for constraints in ([], *[[rule] for _, rule in CAP_RULES]):
            t, full = median_time(
                lambda strategy=strategy, task=task, constraints=constraints: place(
                    inv, task, count, constraints=constraints, strategy=strategy, seed=1
                ),
                max(3, runs),
            )
            loop = place(inv, task, prefix, constraints=constraints, strategy=strategy, seed=1,
                         method="loop")  # fmt: skip
            assert full.placements[:prefix] == loop.placements, f"{name} {constraints}: differs"
            timings.append((full.placed, t))
        rows.append((name, count, timings))
    return rows


def print_caps(rows: list[tuple[str, int, list[tuple[int, float]]]]) -> None:
    """The caps table: each chain alone and with each rule in front, with the ratios."""
    header = ["chain", "copies", "alone s"]
    for label, _ in CAP_RULES:
        header += [f"{label} s (placed)", "ratio"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, count, timings in rows:
        base = timings[0][1]
        cells = [name, f"{count:,}", f"{base:.3f}"]
        for placed, t in timings[1:]:
            cells += [f"{t:.3f} ({placed:,})", f"{t / base:.1f}x"]
        print("| " + " | ".join(cells) + " |")
    print()
    print("10,000 instances; batch medians of runs on the full count, whole `place` call; "
          "each constrained placement agreed with the per-copy loop on its first 300 copies.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="scenarios 10x smaller")
    parser.add_argument("--runs", type=int, default=3, help="batch runs (median)")
    parser.add_argument("--only", choices=["scenarios", "chains", "regression", "caps"],
                        help="one table only")  # fmt: skip
    parser.add_argument("--large", action="store_true", help="chains at 100,000 x 100,000")
    parser.add_argument("--copies", type=int, help="chains: copies (default: the instances)")
    parser.add_argument("--child-regression", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_regression:
        import placement

        times = regression_times(args.runs)
        print(json.dumps({"_from": placement.__file__, **times}))
        return 0
    print_header()
    if args.only == "caps":
        print()
        print_caps(cap_rows(args.runs))
        return 0
    if args.only in (None, "regression"):
        print()
        print_regression(max(11, args.runs))
    if args.only in (None, "chains"):
        print()
        print_chains(chain_rows(args.large, args.runs, args.copies))
    if args.only in ("chains", "regression"):
        return 0
    rows = []
    for sc in scenarios(args.quick):
        inv, task, count = sc["inventory"], sc["task"], sc["count"]
        kw = {"constraints": sc["constraints"], "strategy": sc["strategy"]}
        t_batch, full = median_time(
            lambda inv=inv, task=task, count=count, kw=kw: place(
                inv, task, count, method="batch", **kw
            ),
            max(3, args.runs),
        )
        prefix = min(sc["loop_prefix"], count)
        t_loop_p, loop = median_time(
            lambda inv=inv, task=task, prefix=prefix, kw=kw: place(
                inv, task, prefix, method="loop", **kw
            ),
            1,
        )
        batch_p = place(inv, task, prefix, method="batch", **kw)
        assert loop == batch_p, f"{sc['name']}: batch and loop disagree on {prefix} copies"
        assert full.placements[:prefix] == loop.placements, f"{sc['name']}: prefix differs"
        ref_prefix = min(sc["reference_prefix"], count)
        if ref_prefix and (args.quick or not sc.get("reference_quick_only")):
            t_ref_p, ref = median_time(
                lambda inv=inv, task=task, n=ref_prefix, kw=kw: place(
                    inv, task, n, method="reference", **kw
                ),
                1,
            )
            assert ref.placements == full.placements[:ref_prefix], f"{sc['name']}: ref differs"
            t_ref = t_ref_p / ref_prefix * count
        else:
            ref_prefix, t_ref = 0, float("nan")
        # The loop stops at its first failure: per copy it iterated, then scaled to the copies
        # the full loop would iterate.
        loop_copies = min(count, full.placed + 1)
        t_loop = t_loop_p / min(prefix, loop.placed + 1) * loop_copies
        rows.append(
            (
                sc["name"],
                len(inv),
                count,
                full.placed,
                full.failed,
                t_batch,
                prefix,
                t_loop,
                ref_prefix,
                t_ref,
            )
        )
    print()
    header = (
        "scenario",
        "instances",
        "copies",
        "placed",
        "failed",
        "batch s",
        "batch pl/s",
        "loop s (scaled)",
        "loop pl/s",
        "reference s (scaled)",
        "ref pl/s",
        "batch vs loop",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, n, count, placed, failed, tb, lp, tl, rp, tr in rows:
        # Placements per second: copies placed divided by the (scaled) time.
        cells = (
            name,
            f"{n:,}",
            f"{count:,}",
            f"{placed:,}",
            f"{failed:,}",
            f"{tb:.3f}",
            f"{placed / tb:,.0f}",
            f"{tl:.1f} (from {lp:,})",
            f"{placed / tl:,.0f}",
            f"{tr:,.0f} (from {rp})" if rp else "skipped",
            f"{placed / tr:,.1f}" if rp else "-",
            f"{tl / tb:,.0f}x",
        )
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        "batch: median of runs on the full count; loop and reference: timed on the first "
        "N copies ('from N'), scaled linearly (loop to min(count, placed + 1) copies, since it "
        "stops at the first failure; reference to every copy). Batch, loop and reference "
        "agreed on every timed prefix."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
