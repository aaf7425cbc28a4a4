"""Capacity provider strategies (SEMANTICS.md §9), held to per-copy references written from §9."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Instance, Inventory, MemberOf, PlacementInputError, TaskSpec, place, rank
from placement.place.providers import ProviderFailure, assign, provider_strategy
from placement.syntax.builders import attribute

NAMES = ("od", "spot", "spot2", "none")


def reference_split(counts: list[int], items: list[dict[str, Any]], n: int) -> list[int]:
    """§9 copy by copy: the base item below its base, else min (c - B + 1) / W, ties earlier."""
    c = list(counts)
    out = []
    for _ in range(n):
        based = [k for k, it in enumerate(items) if it["base"] > c[k]]
        if based:
            k = based[0]
        else:
            keys = [(Fraction(c[k] - it["base"] + 1, it["weight"]), k)
                    for k, it in enumerate(items) if it["weight"] > 0]  # fmt: skip
            k = min(keys)[1]
        out.append(k)
        c[k] += 1
    return out


@st.composite
def strategies(draw: Any, names: tuple[str, ...] = NAMES[:3]) -> list[dict[str, Any]]:
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    weights = [draw(st.integers(0, 6)) for _ in chosen]
    if not any(weights):
        weights[draw(st.integers(0, len(chosen) - 1))] = draw(st.integers(1, 1000))
    based = draw(st.none() | st.integers(0, len(chosen) - 1))
    items = []
    for k, name in enumerate(chosen):
        base = draw(st.integers(1, 12)) if based == k else 0
        items.append({"capacityProvider": name, "base": base, "weight": weights[k]})
    return items


@settings(max_examples=examples(3))
@given(items=strategies(), n=st.integers(0, 60), data=st.data())
def test_split_equals_per_copy_reference(items: list[dict[str, Any]], n: int, data: Any) -> None:
    counts = data.draw(st.lists(st.integers(0, 20), min_size=len(items), max_size=len(items)))
    got = assign(counts, provider_strategy(items), n).tolist()
    assert got == reference_split(counts, items, n)


def test_split_exact_with_huge_counts() -> None:
    items = [{"capacityProvider": "a", "base": 0, "weight": 999},
             {"capacityProvider": "b", "base": 0, "weight": 1000}]
    counts = [2**45, 2**45]
    assert assign(counts, provider_strategy(items), 40).tolist() == reference_split(
        counts, items, 40
    )


@st.composite
def clusters(draw: Any) -> Inventory:
    n = draw(st.integers(1, 8))
    out = []
    for i in range(n):
        provider = draw(st.sampled_from(NAMES))
        out.append(Instance(
            arn=f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}",
            cpu=draw(st.integers(0, 4)) * 256, memory=draw(st.integers(0, 4)) * 512,
            capacity_provider=None if provider == "none" else provider,
            attributes={"ecs.availability-zone": draw(st.sampled_from(["a", "b"]))},
            task_groups={"service:web": draw(st.integers(0, 2))},
        ))  # fmt: skip
    return Inventory.from_instances(out)


CHAINS = [
    [],
    ["binpack(memory)"],
    ["spread(instanceId)"],
    ["spread(attribute:ecs.availability-zone)", "spread(instanceId)"],
    ["spread(attribute:ecs.capacity-provider)", "binpack(cpu)"],
]


def reference_place(
    inv: Inventory, task: TaskSpec, count: int, constraints: list[Any], chain: list[str],
    items: list[dict[str, Any]],
) -> tuple[list[str | None], list[int], Inventory]:
    """§9 copy by copy: assign the copy by the counts, then place one copy (§3) on P's only.

    c_P counts the group's tasks on P's instances and P's copies that fitted nowhere so far.
    """
    state = inv
    out: list[str | None] = []
    assigned: list[int] = []
    unplaced = [0] * len(items)
    for _ in range(count):
        counts = [
            unplaced[k] + sum(state[i].task_groups.get(task.group, 0) for i in range(len(state))
                              if state[i].capacity_provider == it["capacityProvider"])
            for k, it in enumerate(items)
        ]  # fmt: skip
        k = reference_split(counts, items, 1)[0]
        assigned.append(k)
        only = MemberOf(attribute("ecs.capacity-provider") == items[k]["capacityProvider"])
        one = place(state, task, 1, constraints=[*constraints, only], strategy=chain,
                    method="reference")  # fmt: skip
        out.append(one.placements[0] if one.placements else None)
        unplaced[k] += 0 if one.placements else 1
        state = one.inventory
    return out, assigned, state


@settings(max_examples=examples(1))
@given(inv=clusters(), items=strategies(), count=st.integers(0, 14),
       chain=st.sampled_from(CHAINS), distinct=st.booleans(),
       method=st.sampled_from(["batch", "loop", "reference"]))  # fmt: skip
def test_place_equals_per_copy_reference(
    inv: Inventory, items: list[dict[str, Any]], count: int, chain: list[str], distinct: bool,
    method: Any,
) -> None:
    task = TaskSpec(cpu=256, memory=512, group="service:web")
    constraints = ["distinctInstance"] if distinct else []
    want, assigned, final = reference_place(inv, task, count, constraints, chain, items)
    got = place(inv, task, count, constraints=constraints, strategy=chain, method=method,
                capacity_provider_strategy=items)  # fmt: skip
    assert list(got.placements) == [arn for arn in want if arn is not None]
    assert got.inventory == final
    failed = {}
    for k, arn in zip(assigned, want, strict=True):
        if arn is None:
            failed[items[k]["capacityProvider"]] = failed.get(items[k]["capacityProvider"], 0) + 1
    assert {f.provider: f.count for f in got.failures if isinstance(f, ProviderFailure)} == failed
    for f in got.failures:
        assert isinstance(f, ProviderFailure)
        own = sum(1 for i in range(len(inv)) if inv[i].capacity_provider == f.provider)
        assert sum(f.reasons.values()) == own  # reasons count the provider's instances only


def test_none_is_todays_placement() -> None:
    inv = Inventory.from_instances([
        Instance(arn=f"i/{i}", cpu=1024, memory=1024, capacity_provider="spot" if i % 2 else None)
        for i in range(4)
    ])  # fmt: skip
    task = TaskSpec(cpu=256, memory=256, group="g")
    assert place(inv, task, 9) == place(inv, task, 9, capacity_provider_strategy=None)


def test_provider_is_an_attribute_and_round_trips() -> None:
    inst = Instance(arn="i/1", cpu=1, memory=1, capacity_provider="spot")
    inv = Inventory.from_instances([inst, Instance(arn="i/2", cpu=1, memory=1)])
    assert len(inv.filter("attribute:ecs.capacity-provider == spot")) == 1
    doc = inv[0].to_ecs()
    assert doc["capacityProviderName"] == "spot"
    back = Inventory.from_ecs({"containerInstances": [doc, inv[1].to_ecs()]})
    assert back == inv and back[0] == inst


def test_failure_names_provider_and_never_spills() -> None:
    inv = Inventory.from_instances([
        Instance(arn="od/1", cpu=512, memory=512, capacity_provider="od"),
        Instance(arn="spot/1", cpu=4096, memory=4096, capacity_provider="spot"),
    ])  # fmt: skip
    task = TaskSpec(cpu=256, memory=256, group="g")
    strategy = [{"capacityProvider": "od", "base": 4, "weight": 0},
                {"capacityProvider": "spot", "weight": 1}]  # fmt: skip
    got = place(inv, task, 6, capacity_provider_strategy=strategy)
    assert got.placements == ("od/1", "od/1", "spot/1", "spot/1")
    (failure,) = got.failures
    assert (failure.provider, failure.index, failure.count) == ("od", 2, 2)
    assert "od" in repr(failure) and got.to_dict()["failures"][0]["capacityProvider"] == "od"
    assert rank(inv, task, capacity_provider_strategy=strategy).best == "od/1"
    # The next copy still goes to on-demand (2 of its base of 4), whose instance is full.
    assert rank(got.inventory, task, capacity_provider_strategy=strategy).best is None
    weighted = [{"capacityProvider": "od", "base": 2, "weight": 0},
                {"capacityProvider": "spot", "weight": 1}]  # fmt: skip
    assert rank(got.inventory, task, capacity_provider_strategy=weighted).best == "spot/1"


@pytest.mark.parametrize(
    "bad",
    [
        [],
        [{"capacityProvider": "a", "weight": 0}],
        [{"capacityProvider": "a", "base": 1, "weight": 1}, {"capacityProvider": "b", "base": 1}],
        [{"capacityProvider": "a", "weight": 1001}],
        [{"capacityProvider": "a", "base": 100_001, "weight": 1}],
        [{"capacityProvider": "", "weight": 1}],
        [{"capacityProvider": "a", "weight": 1}, {"capacityProvider": "a", "weight": 1}],
        [{"capacityProvider": f"p{i}", "weight": 1} for i in range(21)],
        [{"capacityProvider": "a", "weight": True}],
        "a",
        [3],
    ],
)
def test_bad_strategies_are_refused(bad: Any) -> None:
    inv = Inventory.from_instances([Instance(arn="i/1", cpu=1, memory=1)])
    with pytest.raises(PlacementInputError):
        place(inv, TaskSpec(cpu=1, memory=1), 1, capacity_provider_strategy=bad)
