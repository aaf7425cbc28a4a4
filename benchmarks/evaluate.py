"""Benchmark: vectorized evaluation, against a hand-written numpy floor, the scalar reference,
cel-python, and the JSON loader.

    python benchmarks/evaluate.py            # 10k, 100k and 1M instances
    python benchmarks/evaluate.py --sizes 10000 100000 --runs 7

Synthetic inventories are built directly as encoded columns (50 instance types, 3-6 zones per
region, a few agent versions, registration times spread over 3 years, a name-only capability
on half the instances, task groups on a third). Every timing is the median of `--runs` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from placement import parse
from placement.evaluate.vector import compile_plan
from placement.columns import GroupCounts, SparseSets, StringColumn
from placement.inventory import Inventory, TaskTable
from placement.syntax.literals import fullmatch, parse_timestamp, parse_version

EXPRESSION = (
    "attribute:ecs.instance-type =~ m5.* "
    "and attribute:ecs.availability-zone in [us-east-1a, us-east-1b, eu-west-1a] "
    "and agentVersion >= 1.20.0 "
    "and registeredAt < 2021-06-01 "
    "and attribute:ecs.capability.privileged-container exists "
    "and not(task:group == service:web)"
)
FAMILIES = ["t2", "t3", "m5", "c5", "r5", "m6i", "c6g", "r6g", "g4dn", "p3"]
SIZES = ["micro", "small", "large", "xlarge", "2xlarge"]
TYPES = [f"{f}.{s}" for f in FAMILIES for s in SIZES]  # 50 instance types
ZONES = [f"{r}{z}" for r, zs in [("us-east-1", "abcdef"), ("us-west-2", "abcd"),
                                   ("eu-west-1", "abc")] for z in zs]  # fmt: skip
VERSIONS = ["1.14.5", "1.20.0", "1.29.1", "1.51.0", "1.70.2", "1.9.0"]
GROUPS = ["service:web", "service:api", "service:worker", "family:batch", "databases"]
START = 1_514_764_800  # 2018-01-01
SPAN = 3 * 365 * 86_400
CAPABILITY = "ecs.capability.privileged-container"


def columns(n: int, seed: int = 0) -> dict[str, Any]:
    """The raw synthetic data, as plain arrays of codes."""
    rng = np.random.default_rng(seed)
    has_group = rng.random(n) < 0.33
    return {
        "type": rng.integers(0, len(TYPES), n).astype(np.int32),
        "zone": rng.integers(0, len(ZONES), n).astype(np.int32),
        "version": rng.integers(0, len(VERSIONS), n).astype(np.int32),
        "registered": (START + rng.integers(0, SPAN, n)) * 1_000_000,
        "capability": np.where(rng.random(n) < 0.5, -2, -1).astype(np.int32),
        "group_rows": np.flatnonzero(has_group),
        "group_codes": rng.integers(0, len(GROUPS), int(has_group.sum())).astype(np.int32),
    }


def build_inventory(data: dict[str, Any]) -> Inventory:
    n = len(data["type"])
    counts_per_row = np.zeros(n, dtype=np.int64)
    counts_per_row[data["group_rows"]] = 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts_per_row, out=indptr[1:])
    no_ports = SparseSets(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32))
    zeros = np.zeros(n, dtype=np.int64)
    # Columns by field name (model.INSTANCE_FIELDS); the benchmark needs no task rows.
    return Inventory(
        {
            "arn": np.array(
                [f"arn:aws:ecs:us-east-1:1:container-instance/c/{i:08x}" for i in range(n)],
                dtype=object,
            ),
            "ec2_instance_id": StringColumn(np.full(n, -1, dtype=np.int32), ()),
            "status": StringColumn(np.zeros(n, dtype=np.int32), ("ACTIVE",)),
            "agent_connected": np.ones(n, dtype=bool),
            "agent_version": StringColumn(data["version"].copy(), tuple(VERSIONS)),
            "registered_at": (data["registered"].copy(), np.ones(n, dtype=bool)),
            "attributes": {
                "ecs.instance-type": StringColumn(data["type"].copy(), tuple(TYPES)),
                "ecs.availability-zone": StringColumn(data["zone"].copy(), tuple(ZONES)),
                CAPABILITY: StringColumn(data["capability"].copy(), ()),
            },
            "cpu": np.full(n, 4096, dtype=np.int64),
            "memory": np.full(n, 8192, dtype=np.int64),
            "gpus": zeros.copy(),
            "ports": no_ports,
            "udp_ports": no_ports,
            "registered_cpu": np.full(n, 4096, dtype=np.int64),
            "registered_memory": np.full(n, 8192, dtype=np.int64),
            "running_tasks_count": counts_per_row.copy(),
            "task_groups": GroupCounts(tuple(GROUPS), indptr, data["group_codes"].copy(),
                                       np.ones(len(data["group_codes"]), dtype=np.int64)),
        },
        TaskTable.empty_columns(),
    )  # fmt: skip


def floor(inv: Inventory) -> np.ndarray:
    """The hand-written numpy answer: lookup tables over distinct values, gathered by code."""
    n = len(inv)
    itype = inv.attributes["ecs.instance-type"]
    lut = np.zeros(len(itype.values) + 2, dtype=bool)
    pattern = parse("attribute:x =~ m5.*").pattern  # type: ignore[attr-defined]
    lut[: len(itype.values)] = [fullmatch(pattern, v) for v in itype.values]
    out = lut[itype.codes]
    zone = inv.attributes["ecs.availability-zone"]
    lut = np.zeros(len(zone.values) + 2, dtype=bool)
    lut[: len(zone.values)] = np.isin(zone.values, ["us-east-1a", "us-east-1b", "eu-west-1a"])
    out &= lut[zone.codes]
    versions = inv.agent_versions
    wanted = parse_version("1.20.0")
    lut = np.zeros(len(versions.values) + 2, dtype=bool)
    lut[: len(versions.values)] = [
        (v := parse_version(s)) is not None and v.compare(wanted) >= 0  # type: ignore[union-attr]
        for s in versions.values
    ]
    out &= lut[versions.codes]
    stamp = parse_timestamp("2021-06-01")
    assert stamp is not None
    out &= inv.registered_at < stamp.micros
    out &= inv.has_registered_at
    out &= inv.attributes[CAPABILITY].codes != -1
    on_web = np.zeros(n, dtype=bool)
    groups = inv.groups
    on_web[groups.rows[groups.codes == groups.index["service:web"]]] = True
    out &= ~on_web
    return out


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cel_rate(inv: Inventory, sample: int, runs: int) -> float | None:
    """Seconds per instance for cel-python on the same data, or None if unavailable."""
    try:
        import celpy  # type: ignore[import-not-found]
    except Exception:
        return None
    try:
        env = celpy.Environment()
        program = env.program(env.compile(
            "type.matches('^m5\\\\..*$') && zone in ['us-east-1a', 'us-east-1b', 'eu-west-1a']"
            " && version >= 1020000 && registered < 1622505600 && capability"
            " && !('service:web' in groups)"
        ))  # fmt: skip

        def version_number(text: str) -> int:
            parts = [int(p) for p in text.split(".")] + [0, 0, 0]
            return parts[0] * 1_000_000 + parts[1] * 1_000 + parts[2]

        activations = []
        for i in range(min(sample, len(inv))):
            inst = inv[i]
            activations.append({
                "type": celpy.celtypes.StringType(inst.attributes["ecs.instance-type"]),
                "zone": celpy.celtypes.StringType(inst.attributes["ecs.availability-zone"]),
                "version": celpy.celtypes.IntType(version_number(inst.agent_version or "0")),
                "registered": celpy.celtypes.IntType(inst.registered_at.micros // 1_000_000),  # type: ignore[union-attr]
                "capability": celpy.celtypes.BoolType(CAPABILITY in inst.attributes),
                "groups": celpy.celtypes.ListType(
                    [celpy.celtypes.StringType(g) for g in inst.task_groups]),
            })  # fmt: skip
        expr = parse(EXPRESSION)
        got = [bool(program.evaluate(a)) for a in activations]
        want = [expr.matches(inv[i]) for i in range(len(activations))]
        if got != want:
            wrong = sum(g != w for g, w in zip(got, want, strict=True))
            print(f"  (cel-python disagrees on {wrong} of {len(got)}; timing anyway)")
        t = median_time(lambda: [program.evaluate(a) for a in activations], max(1, runs // 2))
        return t / len(activations)
    except Exception as exc:
        print(f"  (cel-python skipped: {type(exc).__name__}: {exc})")
        return None


def ecs_text(n: int) -> str:
    data = columns(n, seed=1)
    docs = []
    for i in range(n):
        attributes: list[dict[str, str]] = [
            {"name": "ecs.instance-type", "value": TYPES[data["type"][i]]},
            {"name": "ecs.availability-zone", "value": ZONES[data["zone"][i]]},
            {"name": "ecs.os-type", "value": "linux"},
        ]
        if data["capability"][i] == -2:
            attributes.append({"name": CAPABILITY})
        docs.append({
            "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{i:08x}",
            "ec2InstanceId": f"i-{i:017x}", "status": "ACTIVE", "agentConnected": True,
            "versionInfo": {"agentVersion": VERSIONS[data["version"][i]]},
            "registeredAt": int(data["registered"][i]) / 1e6, "runningTasksCount": 0,
            "attributes": attributes,
            "remainingResources": [
                {"name": "CPU", "type": "INTEGER", "integerValue": 4096},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 8192},
                {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22", "51678"]},
                {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []},
            ],
            "registeredResources": [
                {"name": "CPU", "type": "INTEGER", "integerValue": 4096},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 8192},
            ],
        })  # fmt: skip
    return json.dumps({"containerInstances": docs, "failures": []})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scalar-sample", type=int, default=2_000)
    parser.add_argument("--cel-sample", type=int, default=300)
    parser.add_argument("--loader-size", type=int, default=100_000)
    args = parser.parse_args(argv)
    print("$ python " + " ".join([sys.argv[0], *sys.argv[1:]]))
    print(f"expression: {EXPRESSION}")
    print(f"median of {args.runs} runs; numpy {np.__version__}, Python {sys.version.split()[0]}\n")
    expr = parse(EXPRESSION)
    plan = compile_plan(expr)
    header = (f"{'n':>9} | {'evaluate':>10} | {'floor':>10} | {'eval/floor':>10} | "
              f"{'scalar*':>10} | {'scalar/eval':>11} | {'cel*':>10} | {'cel/eval':>9} | "
              f"{'bytes/inst':>10}")  # fmt: skip
    print(header)
    print("-" * len(header))
    cel_per_instance: float | None = None
    for position, n in enumerate(args.sizes):
        inv = build_inventory(columns(n))
        assert (plan(inv) == floor(inv)).all()
        t_eval = median_time(lambda inv=inv: plan(inv), args.runs)
        t_floor = median_time(lambda inv=inv: floor(inv), args.runs)
        sample = [inv[i] for i in range(min(args.scalar_sample, n))]
        assert [expr.matches(i) for i in sample] == plan(inv)[: len(sample)].tolist()
        t_scalar = median_time(lambda s=sample: [expr.matches(i) for i in s], 3) / len(sample) * n
        if position == 0:  # cel-python is slow: measure once on a sample, scale to each n
            cel_per_instance = cel_rate(inv, args.cel_sample, args.runs)
        if cel_per_instance is not None:
            t_cel = cel_per_instance * n
            cel_text = f"{t_cel:>9.2f}s | {t_cel / t_eval:>8.0f}x"
        else:
            cel_text = f"{'n/a':>10} | {'':>9}"
        print(f"{n:>9,} | {t_eval * 1e3:>8.2f}ms | {t_floor * 1e3:>8.2f}ms | "
              f"{t_eval / t_floor:>9.2f}x | {t_scalar:>9.2f}s | {t_scalar / t_eval:>10.0f}x | "
              f"{cel_text} | {inv.nbytes / n:>10.1f}")  # fmt: skip
    print("\n* scalar: `expr.matches` on a sample of "
          f"{args.scalar_sample:,} instances, scaled to n; cel: cel-python on a sample of "
          f"{args.cel_sample}, scaled to n")  # fmt: skip

    n = args.loader_size
    text = ecs_text(n)
    t_json = median_time(lambda: json.loads(text), 5)
    t_load = median_time(lambda: Inventory.from_ecs(json.loads(text)), 5)
    inv = Inventory.from_ecs(json.loads(text))
    print(f"\nloader, {n:,} instances ({len(text) / 1e6:.0f} MB of JSON), median of 5:")
    print(f"  json.loads alone:               {t_json:7.2f}s")
    print(f"  Inventory.from_ecs(json.loads): {t_load:7.2f}s  ({t_load / t_json:.2f}x json.loads)")
    print(f"  memory: {inv.nbytes / n:.0f} bytes per instance (inv.nbytes / len(inv))")


if __name__ == "__main__":
    main()
