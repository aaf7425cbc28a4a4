"""Hostile review of capacity provider strategies (ECS's documented rules, SEMANTICS.md §9)."""

from __future__ import annotations

from typing import Any

import pytest

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
