"""Scale-in (SEMANTICS.md §4): the vectorized choice against the per-task reference and by hand."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import ClusterState, Instance, Inventory, PlacementError, scale_in
from placement.instance import Task
from placement.ops.reference import scale_in_reference
from placement.rules import strategy_from
from placement.syntax import Timestamp
from placement.testing import TASK_GROUPS, inventories

RULES = ["binpack(cpu)", "binpack(memory)", "spread(instanceId)", "spread(host)",
         "spread(attribute:ecs.availability-zone)", "spread(attribute:rack)", "random",
         "random(5)"]  # fmt: skip


@st.composite
def clusters(draw: st.DrawFn) -> Inventory:
    """Inventories whose tasks hold resources and started at different (or no) times."""
    inv = draw(inventories(0, 8))
    tasks = []
    for inst in inv:
        for group, count in inst.task_groups.items():
            for k in range(count):
                started = draw(st.none() | st.integers(0, 5).map(lambda s: Timestamp(s * 10**6)))
                tasks.append(Task(arn=f"{inst.arn}/{group}/{k}", instance=inst.arn, group=group,
                                  cpu=draw(st.integers(0, 300)), memory=draw(st.integers(0, 300)),
                                  started_at=started))  # fmt: skip
    draw(st.randoms()).shuffle(tasks)  # task order is not instance order
    return Inventory.from_instances(list(inv), tasks)


@settings(max_examples=examples(2))
@given(clusters(), st.sampled_from(TASK_GROUPS), st.lists(st.sampled_from(RULES), max_size=3),
       st.integers(0, 2**32 - 1), st.data())  # fmt: skip
def test_scale_in_matches_the_reference(
    inv: Inventory, group: str, chain: list[str], seed: int, data: st.DataObject
) -> None:
    available = sum(1 for t in inv.tasks if t.group == group)
    count = data.draw(st.integers(0, available))
    result = scale_in(inv, group, count, strategy=chain, seed=seed)
    assert result.stops == scale_in_reference(inv, group, count, strategy_from(chain), seed)
    assert result.inventory == inv.without_tasks(result.stops)
    # The state applies the same stops.
    state = ClusterState(inv, seed=seed)
    assert state.scale_in(group, count, strategy=chain) == result
    assert state.inventory == result.inventory


def _zones(counts: list[int]) -> Inventory:
    instances, tasks = [], []
    for k, (zone, count) in enumerate(zip("abc", counts, strict=True)):
        arn = f"arn:aws:ecs:us-east-1:1:container-instance/{zone}"
        instances.append(Instance(arn=arn, attributes={"ecs.availability-zone": zone},
                                  task_groups={"service:web": count} if count else {},
                                  running_tasks_count=count))  # fmt: skip
        for j in range(count):
            tasks.append(Task(arn=f"{zone}{j}", instance=arn, group="service:web",
                              started_at=Timestamp((k * 10 + j) * 10**6)))  # fmt: skip
    return Inventory.from_instances(instances, tasks)


def test_spread_over_three_zones_from_3_2_1() -> None:
    # Zone a has 3 tasks, b 2, c 1. Each stop takes from the zone with the most; ties go to
    # the instance last in inventory order (a, b, c); on one instance the latest started.
    result = scale_in(_zones([3, 2, 1]), "service:web", 6,
                      strategy=["spread(attribute:ecs.availability-zone)"])  # fmt: skip
    assert result.stops == ("a2", "b1", "a1", "c0", "b0", "a0")
    assert result.to_dict() == {"group": "service:web", "stopped": 6, "stops": list(result.stops)}
    json.dumps(result.to_dict())


def test_binpack_frees_the_emptiest_instance_first() -> None:
    # Remaining memory after the stop: i0 1000 + 512, i1 3000 + 512, i2 200 + 512.
    instances = [
        Instance(arn="i0", memory=1000, task_groups={"g": 1}, running_tasks_count=1),
        Instance(arn="i1", memory=3000, task_groups={"g": 1}, running_tasks_count=1),
        Instance(arn="i2", memory=200, task_groups={"g": 2}, running_tasks_count=2),
    ]
    tasks = [
        Task(arn="t0", instance="i0", group="g", memory=512),
        Task(arn="t1", instance="i1", group="g", memory=512),
        Task(arn="t2-old", instance="i2", group="g", memory=512, started_at=Timestamp(0)),
        Task(arn="t2-new", instance="i2", group="g", memory=512),  # not started: most recent
    ]
    inv = Inventory.from_instances(instances, tasks)
    result = scale_in(inv, "g", 4, strategy=["binpack(memory)"])
    assert result.stops == ("t1", "t0", "t2-new", "t2-old")
    assert [i.memory for i in result.inventory] == [1512, 3512, 1224]


def test_without_a_strategy_the_tie_rule_decides() -> None:
    result = scale_in(_zones([1, 2, 1]), "service:web", 4)
    assert result.stops == ("c0", "b1", "b0", "a0")


def test_scale_in_inputs() -> None:
    inv = _zones([1, 0, 0])
    with pytest.raises(PlacementError, match="runs 1"):
        scale_in(inv, "service:web", 2)
    for bad in [{"group": 5}, {"count": -1}, {"count": True}, {"strategy": 5},
                {"strategy": ["binpack(disk)"]}, {"seed": -1}]:  # fmt: skip
        kw: dict[str, Any] = {"group": "service:web", "count": 1, **bad}
        with pytest.raises(PlacementError):
            scale_in(inv, kw.pop("group"), kw.pop("count"), **kw)
    with pytest.raises(PlacementError, match="inventory"):
        scale_in(None, "g", 0)  # type: ignore[arg-type]
    result = scale_in(inv, "service:web", 1)
    assert pickle.loads(pickle.dumps(result)) == result == copy.deepcopy(result)
