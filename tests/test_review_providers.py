"""Hostile review of capacity provider strategies (ECS's documented rules, SEMANTICS.md §9)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from conftest import examples
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from placement import (
    ClusterState,
    Instance,
    Inventory,
    PlacementInputError,
    TaskSpec,
    deploy,
    headroom,
    instances_needed,
    place,
)

TASK = TaskSpec(cpu=10, memory=10, group="g")


def _inventory() -> Inventory:
    return Inventory.from_instances([
        Instance(arn=f"i{k}", cpu=1024, memory=2048, capacity_provider="AB"[k % 2])
        for k in range(4)
    ])  # fmt: skip


def _every_entry_point(strategy: Any) -> list[Any]:
    inv = _inventory()
    template = Instance(arn="t", cpu=1024, memory=2048, capacity_provider="A")
    return [
        lambda: place(inv, TASK, 3, capacity_provider_strategy=strategy),
        lambda: headroom(inv, TASK, capacity_provider_strategy=strategy),
        lambda: instances_needed(inv, TASK, 3, [template], capacity_provider_strategy=strategy),
        lambda: deploy(inv, "g", TASK, desired_count=2, capacity_provider_strategy=strategy),
        lambda: ClusterState(inv).place(TASK, 2, capacity_provider_strategy=strategy),
    ]


@pytest.mark.parametrize(
    ("strategy", "words"),
    [
        # A misspelt field read as absent made B's weight 0: every copy went to A, silently.
        ([{"capacityProvider": "A", "weight": 1}, {"capacityProvider": "B", "wieght": 3}],
         "unknown field 'wieght'"),
        ([{"capacityProvider": "A", "Weight": 1}], "unknown field 'Weight'"),
        ([{"capacityProvider": "A", "weight": -1}], "weight must be an int from 0 to 1000"),
        ([{"capacityProvider": "A"}, {"capacityProvider": "B"}], "needs a weight"),
        ([{"capacityProvider": "A", "weight": 1}, {"capacityProvider": "A", "weight": 2}],
         "appears twice"),
        ([{"capacityProvider": "A", "weight": 1, "base": 1},
          {"capacityProvider": "B", "weight": 1, "base": 2}], "at most one"),
    ],
)  # fmt: skip
def test_malformed_strategies_are_refused_everywhere(strategy: Any, words: str) -> None:
    for call in _every_entry_point(strategy):
        with pytest.raises(PlacementInputError, match=words):
            call()


def test_a_base_on_a_weightless_provider_then_the_weighted_one() -> None:
    strategy = [{"capacityProvider": "A", "base": 2, "weight": 0},
                {"capacityProvider": "B", "weight": 1}]  # fmt: skip
    assert place(_inventory(), TASK, 6, capacity_provider_strategy=strategy).placed == 6
    # A takes its base only (weight 0); B's 2 instances take 102 copies each, then one fails.
    assert headroom(_inventory(), TASK, capacity_provider_strategy=strategy).copies == 2 + 204


def _oracle(items: list[dict[str, Any]], count: int, running: dict[str, int]) -> dict[str, int]:
    """SEMANTICS.md §9, copy by copy: the base first, then the least (c - B + 1) / W."""
    c = {item["capacityProvider"]: running[item["capacityProvider"]] for item in items}
    for _ in range(count):
        based = [i for i in items if i.get("base", 0) > c[i["capacityProvider"]]]
        if based:
            name = based[0]["capacityProvider"]
        else:
            weighted = [i for i in items if i.get("weight", 0) > 0]
            name = min(weighted, key=lambda i: Fraction(
                c[i["capacityProvider"]] - i.get("base", 0) + 1, i["weight"]
            ))["capacityProvider"]  # fmt: skip  (min keeps the earliest of equal keys)
        c[name] += 1
    return {name: c[name] - running[name] for name in c}


@st.composite
def strategies(draw: Any) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from("ABCD"), min_size=1, max_size=4, unique=True))
    weights = draw(st.lists(st.integers(0, 5), min_size=len(names), max_size=len(names)))
    assume(any(weights))
    items: list[dict[str, Any]] = [
        {"capacityProvider": n, "weight": w} for n, w in zip(names, weights, strict=True)
    ]
    based = draw(st.integers(-1, len(items) - 1))
    if based >= 0:
        items[based]["base"] = draw(st.integers(0, 6))
    return items


@settings(max_examples=examples(1.0))
@given(strategies(), st.integers(0, 40), st.lists(st.integers(0, 4), min_size=4, max_size=4))
def test_copies_go_to_providers_as_ecs_assigns_them(
    items: list[dict[str, Any]], count: int, tasks: list[int]
) -> None:
    # c_P counts the group's running tasks on P's instances too (one instance of each holds them).
    running = dict(zip("ABCD", tasks, strict=True))
    inv = Inventory.from_instances([
        Instance(arn=f"{p}{k}", cpu=10**6, memory=10**6, capacity_provider=p,
                 task_groups={TASK.group: running[p]} if k == 0 and running[p] else {})
        for p in "ABCD" for k in range(2)
    ])  # fmt: skip
    result = place(inv, TASK, count, capacity_provider_strategy=items)
    assert result.placed == count
    got = {item["capacityProvider"]: 0 for item in items}
    for arn in result.placements:
        got[str(arn)[0]] += 1
    assert got == _oracle(items, count, running)


@settings(max_examples=examples(0.5))
@given(strategies(), st.lists(st.integers(0, 3), min_size=4, max_size=4))
def test_headroom_is_where_the_first_copy_fails(items: list[dict[str, Any]],
                                                sizes: list[int]) -> None:  # fmt: skip
    # Instances of 0 to 3 copies each per provider: headroom h places h copies, not h + 1.
    inv = Inventory.from_instances([
        Instance(arn=f"{p}{k}", cpu=10 * size, memory=10 * size, capacity_provider=p)
        for p, size in zip("ABCD", sizes, strict=True) for k in range(2)
    ])  # fmt: skip
    h = headroom(inv, TASK, capacity_provider_strategy=items).copies
    assert h is not None
    assert place(inv, TASK, h, capacity_provider_strategy=items).placed == h
    assert place(inv, TASK, h + 1, capacity_provider_strategy=items).placed == h
