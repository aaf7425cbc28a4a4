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
from placement.place.reference import commit, instance_reasons
from placement.place.rules import constraints_from
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
        assert instance_reasons(state[arn], task, rules) == [], arn
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
