"""THE placement invariant: the batch placer, the per-copy loop and the reference agree.

For generated problems (`placement.testing.placement_problems`, with and without `random`, and
with small tasks and large counts so instances take many copies each) the three methods give the
same placements, the same failures and the same final inventory. Random placements are
reproducible from the seed and feasible when replayed through the reference functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from conftest import examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from placement import (
    Binpack,
    DistinctInstance,
    Instance,
    Inventory,
    MemberOf,
    Random,
    Spread,
    TaskSpec,
    place,
)
from placement.place import batch, order
from placement.place.draws import RandomKeys, random_keys
from placement.place.reference import cluster_reasons, commit
from placement.rules import constraints_from
from placement.testing import TASK_GROUPS, inventories, placement_problems

METHODS = ("batch", "loop", "reference")


def _all_agree(problem: dict[str, Any]) -> Any:
    results = {m: place(**problem, method=m) for m in METHODS}
    ref = results["reference"]
    for method in ("batch", "loop"):
        got = results[method]
        assert got.placements == ref.placements, method
        assert got.failures == ref.failures, method
        assert got.inventory == ref.inventory, method
        assert got == ref
    return ref


def _replay(problem: dict[str, Any], placements: tuple[str, ...]) -> None:
    """Every placed copy had room and met the constraints, in the state it was placed into."""
    inv = problem["inventory"]
    task = problem["task"]
    rules = constraints_from(problem.get("constraints", ()))
    state = {inst.arn: inst for inst in inv}
    for arn in placements:
        # Judged in its cluster: caps and topology spread read the other instances too.
        instances = list(state.values())
        reasons = cluster_reasons(instances, task, rules, tuple(inv.tasks))
        assert reasons[list(state).index(arn)] == [], arn
        state[arn] = commit(state[arn], task)
    assert [state[i.arn] for i in inv] == list(place(**problem, method="reference").inventory)


# -- generated problems -----------------------------------------------------------------------


@settings(max_examples=examples(1.5))
@given(placement_problems())
def test_methods_agree(problem: dict[str, Any]) -> None:
    result = _all_agree(problem)
    _replay(problem, result.placements)


@settings(max_examples=examples(1))
@given(placement_problems(allow_random=True))
def test_methods_agree_with_random(problem: dict[str, Any]) -> None:
    result = _all_agree(problem)
    _replay(problem, result.placements)
    again = place(**problem, method="batch")
    assert again == result


_RULES = st.one_of(
    st.sampled_from(["cpu", "memory"]).map(Binpack),
    st.sampled_from(
        [
            "instanceId",
            "host",
            "attribute:ecs.availability-zone",
            "attribute:rack",
            "attribute:stack",
        ]
    ).map(Spread),
)

_CONSTRAINTS = st.one_of(
    st.just(DistinctInstance()),
    st.sampled_from(
        [
            "runningTasksCount < 3",
            "runningTasksCount < 70",
            "runningTasksCount != 45 and runningTasksCount <= 200",
            "runningTasksCount <= 7",
            "runningTasksCount != 4",
            "runningTasksCount > 1",
            "not(task:group == service:web)",
            "task:group == service:web",
            "task:group exists",
            "not(task:group exists) or runningTasksCount < 5",
            "attribute:ecs.availability-zone != us-east-1c",
            "attribute:cap exists",
            "attribute:ecs.instance-type =~ t2.*",
        ]
    ).map(MemberOf),
)


@st.composite
def heavy_problems(draw: st.DrawFn, allow_random: bool = False) -> dict[str, Any]:
    """Small demands, large counts: instances take many copies; chains of up to 5."""
    rules = _RULES
    if allow_random:
        rules = st.one_of(_RULES, st.integers(0, 2**32 - 1).map(Random))
    task = TaskSpec(
        cpu=draw(st.sampled_from([0, 0, 1, 64, 128, 500])),
        memory=draw(st.sampled_from([0, 0, 1, 100, 256, 1000])),
        ports=draw(st.just(frozenset()) | st.sampled_from([frozenset({80}), frozenset({9000})])),
        udp_ports=draw(st.just(frozenset()) | st.just(frozenset({53}))),
        gpus=draw(st.sampled_from([0, 0, 0, 1])),
        group=draw(st.sampled_from(TASK_GROUPS)),
        requires_attributes=draw(st.just(frozenset()) | st.just(frozenset({"cap"}))),
    )
    return {
        "inventory": draw(inventories(0, 8)),
        "task": task,
        "count": draw(st.integers(0, 80)),
        "constraints": draw(st.lists(_CONSTRAINTS, max_size=3)),
        "strategy": draw(st.lists(rules, max_size=5)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=examples(1), suppress_health_check=[HealthCheck.too_slow])
@given(heavy_problems())
def test_methods_agree_many_copies(problem: dict[str, Any]) -> None:
    result = _all_agree(problem)
    _replay(problem, result.placements)


@settings(max_examples=examples(0.3))
@given(heavy_problems(allow_random=True))
def test_methods_agree_many_copies_random(problem: dict[str, Any]) -> None:
    result = _all_agree(problem)
    _replay(problem, result.placements)


# -- targeted cases -----------------------------------------------------------------------------


def _inst(name: str, **kw: Any) -> Instance:
    kw.setdefault("cpu", 4096)
    kw.setdefault("memory", 8192)
    return Instance(arn=f"arn:aws:ecs:us-east-1:1:container-instance/{name}", **kw)


def _zones(*zones: str | None, **kw: Any) -> Inventory:
    out = []
    for k, zone in enumerate(zones):
        attrs = {} if zone is None else {"ecs.availability-zone": zone}
        out.append(_inst(f"i{k}", attributes=attrs, **kw))
    return Inventory.from_instances(out)


TIES = _zones("a", "b", "a", "b", "c", "c")
LACKING = _zones("a", None, "b", None, "a")
WEB = TaskSpec(cpu=256, memory=512, group="service:web")

CASES: list[dict[str, Any]] = [
    # ties everywhere
    {
        "inventory": TIES,
        "task": WEB,
        "count": 20,
        "strategy": ["spread(attribute:ecs.availability-zone)"],
    },
    {
        "inventory": TIES,
        "task": WEB,
        "count": 20,
        "strategy": ["binpack(memory)", "spread(instanceId)"],
    },
    {
        "inventory": TIES,
        "task": WEB,
        "count": 20,
        "strategy": ["spread(instanceId)", "binpack(cpu)"],
    },
    # instances lacking the spread attribute
    {
        "inventory": LACKING,
        "task": WEB,
        "count": 40,
        "strategy": ["spread(attribute:ecs.availability-zone)"],
    },
    {
        "inventory": LACKING,
        "task": WEB,
        "count": 40,
        "strategy": ["spread(attribute:ecs.availability-zone)", "spread(instanceId)"],
    },
    {
        "inventory": LACKING,
        "task": WEB,
        "count": 12,
        "strategy": ["spread(instanceId)", "spread(attribute:ecs.availability-zone)"],
    },
    # host ports: one copy per instance
    {
        "inventory": TIES,
        "task": TaskSpec(cpu=1, memory=1, ports=frozenset({80})),
        "count": 10,
        "strategy": ["binpack(cpu)"],
    },
    {"inventory": TIES, "task": TaskSpec(udp_ports=frozenset({53}), group="g"), "count": 10},
    # GPUs
    {
        "inventory": _zones("a", "b", "c", gpus=3),
        "task": TaskSpec(gpus=2, group="g"),
        "count": 5,
        "strategy": ["spread(attribute:ecs.availability-zone)"],
    },
    # memberOf reading the state
    {
        "inventory": TIES,
        "task": WEB,
        "count": 30,
        "constraints": ["memberOf(runningTasksCount < 3)"],
        "strategy": ["binpack(memory)"],
    },
    {
        "inventory": TIES,
        "task": WEB,
        "count": 30,
        "constraints": ["memberOf(not(task:group == service:web))"],
        "strategy": ["binpack(cpu)"],
    },
    {
        "inventory": TIES,
        "task": WEB,
        "count": 30,
        "constraints": ["memberOf(runningTasksCount < 100)"],
        "strategy": ["binpack(memory)"],
    },
    # count far larger than capacity; zero-demand tasks
    {
        "inventory": TIES,
        "task": TaskSpec(cpu=2000, memory=10, group="g"),
        "count": 50,
        "strategy": ["spread(attribute:ecs.availability-zone)", "binpack(memory)"],
    },
    {"inventory": TIES, "task": TaskSpec(group="g"), "count": 50, "strategy": ["binpack(memory)"]},
    {
        "inventory": TIES,
        "task": TaskSpec(group="g"),
        "count": 50,
        "strategy": ["spread(instanceId)"],
    },
    {
        "inventory": TIES,
        "task": TaskSpec(group="g"),
        "count": 50,
        "constraints": ["distinctInstance"],
    },
    # chain of 5
    {
        "inventory": LACKING,
        "task": WEB,
        "count": 45,
        "strategy": [
            "spread(attribute:ecs.availability-zone)",
            "binpack(cpu)",
            "binpack(memory)",
            "spread(host)",
            "spread(instanceId)",
        ],
    },
    # disconnected / DRAINING
    {
        "inventory": Inventory.from_instances(
            [_inst("d", status="DRAINING"), _inst("x", agent_connected=False), _inst("ok")]
        ),
        "task": WEB,
        "count": 40,
        "strategy": ["binpack(memory)"],
    },
]


def test_targeted_cases_agree() -> None:
    for problem in CASES:
        result = _all_agree(problem)
        _replay(problem, result.placements)


def test_large_inventory_agrees() -> None:
    rng = np.random.default_rng(7)
    instances = [
        _inst(
            f"n{k}",
            cpu=int(rng.integers(0, 4096)),
            memory=int(rng.integers(0, 8192)),
            attributes={"ecs.availability-zone": str(rng.choice(["a", "b", "c"]))},
            task_groups={"service:web": int(rng.integers(0, 3))} if rng.random() < 0.3 else {},
        )
        for k in range(60)
    ]
    inv = Inventory.from_instances(instances)
    for strategy in (
        ["spread(attribute:ecs.availability-zone)", "binpack(memory)"],
        ["spread(attribute:ecs.availability-zone)", "spread(instanceId)"],
        ["spread(instanceId)", "binpack(memory)"],
        ["binpack(cpu)"],
    ):
        problem = {"inventory": inv, "task": WEB, "count": 150, "strategy": strategy}
        _all_agree(problem)


@example(seed=0)
@settings(max_examples=20)
@given(st.integers(0, 2**32 - 1))
def test_random_same_seed_same_answer(seed: int) -> None:
    problem = {"inventory": TIES, "task": WEB, "count": 25, "strategy": ["random"], "seed": seed}
    first = place(**problem)
    assert place(**problem) == first
    assert place(**problem, method="reference") == first
    _replay(problem, first.placements)


# -- every chain shape on the batch path ------------------------------------------------------

AZ = "spread(attribute:ecs.availability-zone)"
CHAIN_SHAPES: list[list[str]] = [
    [],
    ["random"],
    ["random", "binpack(memory)"],
    ["binpack(memory)", "random"],
    ["spread(instanceId)", "random", "binpack(cpu)"],
    ["random", AZ],
    [AZ, "random"],
    [AZ, "binpack(memory)"],
    ["binpack(cpu)", AZ],
    ["spread(instanceId)", AZ],
    ["binpack(memory)", "spread(instanceId)", AZ, "binpack(cpu)"],
    [AZ, "spread(attribute:stack)"],
    ["spread(attribute:stack)", AZ, "spread(instanceId)"],
    ["binpack(cpu)", AZ, "spread(attribute:rack)"],
    ["random", AZ, "spread(attribute:stack)"],
    [AZ, "spread(attribute:stack)", "spread(attribute:rack)", "random"],
]

TINY = st.builds(
    TaskSpec,
    cpu=st.sampled_from([0, 0, 1, 50]),
    memory=st.sampled_from([0, 0, 1, 100]),
    group=st.sampled_from(TASK_GROUPS),
)


@st.composite
def shaped_problems(draw: st.DrawFn) -> dict[str, Any]:
    """Every chain shape, small or zero demands (zero: unbounded per instance), big counts."""
    return {
        "inventory": draw(inventories(0, 8)),
        "task": draw(TINY),
        "count": draw(st.integers(0, 120)),
        "constraints": draw(st.lists(_CONSTRAINTS, max_size=2)),
        "strategy": draw(st.sampled_from(CHAIN_SHAPES)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=examples(1), suppress_health_check=[HealthCheck.too_slow])
@given(shaped_problems())
def test_every_chain_shape_agrees(problem: dict[str, Any]) -> None:
    result = _all_agree(problem)
    _replay(problem, result.placements)


@settings(max_examples=examples(0.5), suppress_health_check=[HealthCheck.too_slow])
@given(shaped_problems())
def test_many_zone_cells_heap_agrees(problem: dict[str, Any]) -> None:
    # Chains with two attribute spreads scan a few zone cells and heap many: force the heap.
    old = order._SCAN_CELLS
    order._SCAN_CELLS = 0
    try:
        _all_agree(problem)
    finally:
        order._SCAN_CELLS = old


def test_no_chain_runs_the_per_copy_loop(monkeypatch: Any) -> None:
    # Regression: random, an attribute spread after another strategy, two attribute spreads,
    # far memberOf thresholds and zero-demand tasks used to fall back to the per-copy loop.
    def refuse(*_args: Any, **_kw: Any) -> None:
        raise AssertionError("place_batch fell back to place_loop")

    monkeypatch.setattr(batch, "place_loop", refuse)
    inv = _zones("a", "b", None, "a", "c", "b", "a")
    for strategy in CHAIN_SHAPES:
        for task in (WEB, TaskSpec(group="service:web")):
            for constraints in ([], ["memberOf(runningTasksCount < 500)"]):
                problem = {"inventory": inv, "task": task, "count": 300,
                           "constraints": constraints, "strategy": strategy, "seed": 3}  # fmt: skip
                got = place(**problem)
                monkeypatch.undo()
                assert got == place(**problem, method="loop"), strategy
                monkeypatch.setattr(batch, "place_loop", refuse)


def test_far_thresholds_agree() -> None:
    # memberOf thresholds hundreds of copies away, zero-demand and small tasks.
    inv = Inventory.from_instances(
        [_inst(f"f{k}", running_tasks_count=k * 37, cpu=100_000, memory=100_000)
         for k in range(6)]
    )  # fmt: skip
    for expression in (
        "runningTasksCount < 250",
        "runningTasksCount != 120 and runningTasksCount <= 400",
        "not(task:group exists) or runningTasksCount < 90",
        "runningTasksCount > 40",
    ):
        for task in (TaskSpec(group="g"), TaskSpec(cpu=1, memory=1, group="g")):
            problem = {"inventory": inv, "task": task, "count": 700,
                       "constraints": [f"memberOf({expression})"],
                       "strategy": ["spread(instanceId)"]}  # fmt: skip
            result = _all_agree(problem)
            _replay(problem, result.placements)


def test_zero_demand_memory_is_bounded() -> None:
    # Regression: a task that reserves nothing could take `count` copies on every instance,
    # and a leading attribute spread gave every zone `count` slots (zones x copies). Here one
    # zone per instance, 3,000 x 3,000: those slots alone were 9 million (hundreds of MB).
    import tracemalloc

    inv = Inventory.from_instances(
        [_inst(f"z{k}", attributes={"host": f"h{k}"}) for k in range(3_000)]
    )
    task = TaskSpec(group="g")
    for strategy in (
        ["spread(attribute:host)", "binpack(memory)"],
        ["spread(instanceId)"],
        ["random"],
        [AZ, "spread(attribute:host)"],
    ):
        tracemalloc.start()
        result = place(inv, task, 3_000, strategy=strategy, seed=1)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert result.placed == 3_000
        assert peak < 40 * 2**20, (strategy, peak)


# -- the random draws ---------------------------------------------------------------------------


def test_random_keys_are_running_sums_of_positive_steps() -> None:
    keys = RandomKeys(11, 0)
    rows = np.array([4, 0, 9])
    lengths = np.array([3, 0, 5])
    flat = keys.runs(rows, lengths)
    expected = []
    for row, length in zip(rows, lengths, strict=True):
        steps = keys.steps([row] * length, range(length))
        assert (steps >= 1).all()
        expected.extend(np.cumsum(steps).tolist())
    assert flat.tolist() == expected
    assert keys.first(rows).tolist() == [flat[0], keys.steps([0], [0])[0], flat[3]]
    assert RandomKeys(11, 1).first(rows).tolist() != keys.first(rows).tolist()
    assert RandomKeys(12, 0).first(rows).tolist() != keys.first(rows).tolist()
    # Seeds of any size are folded in, not truncated.
    assert RandomKeys(2**64 + 11, 0).first(rows).tolist() != keys.first(rows).tolist()


def test_random_spreads_copies_uniformly() -> None:
    # With `random` first each copy goes to a uniformly random candidate (an exponential
    # race): 20,000 zero-demand copies over 10 identical instances land about 2,000 on each,
    # and the first copy's instance is uniform over seeds.
    inv = Inventory.from_instances([_inst(f"u{k}") for k in range(10)])
    result = place(inv, TaskSpec(group="g"), 20_000, strategy=["random"], seed=1)
    counts = np.unique(np.asarray(result.placements), return_counts=True)[1]
    assert len(counts) == 10
    assert counts.min() > 1_800 and counts.max() < 2_200
    firsts = [place(inv, TaskSpec(group="g"), 1, strategy=["random"], seed=s).placements[0]
              for s in range(2_000)]  # fmt: skip
    first_counts = np.unique(np.asarray(firsts), return_counts=True)[1]
    assert len(first_counts) == 10 and first_counts.min() > 140 and first_counts.max() < 260


def test_random_keys_follow_rule_seed_then_place_seed() -> None:
    assert random_keys([Random(5)], 9)[0].first([0, 1]).tolist() == RandomKeys(5, 0).first(
        [0, 1]
    ).tolist()
    assert random_keys([Binpack("cpu"), Random()], 9)[0].first([0, 1]).tolist() == RandomKeys(
        9, 1
    ).first([0, 1]).tolist()
