"""The Inventory model: read-only columns, reading back, round trips, new states."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Instance, InventoryError, TaskSpec
from placement.inventory import ABSENT, NAME_ONLY, Inventory
from placement.testing import instances, inventories

ITEMS = [
    Instance("arn:0", attributes={"stack": "prod", "cap": None}, cpu=100, memory=200,
             ports={22}, task_groups={"web": 2}, running_tasks_count=2),
    Instance("arn:1", attributes={"stack": "dev"}, cpu=300, ec2_instance_id="i-1"),
    Instance("arn:2", attributes={"cap": None}, gpus=2, udp_ports={53}),
]  # fmt: skip


@pytest.fixture
def inv() -> Inventory:
    return Inventory.from_instances(ITEMS)


def test_reading_back(inv: Inventory) -> None:
    assert len(inv) == 3
    assert inv[0] == ITEMS[0]
    assert inv[-1] == ITEMS[2]
    assert inv[-3] == ITEMS[0]
    assert list(inv) == ITEMS
    assert inv[1:] == ITEMS[1:]
    assert inv.ids.tolist() == ["arn:0", "arn:1", "arn:2"]
    assert inv.index_of("arn:2") == 2
    with pytest.raises(IndexError):
        inv[3]
    with pytest.raises(IndexError):
        inv[-4]
    with pytest.raises(KeyError):
        inv.index_of("arn:9")
    assert len(Inventory.from_instances([])) == 0
    assert list(Inventory.from_instances([])) == []


def test_codes(inv: Inventory) -> None:
    stack, cap = inv.attributes["stack"], inv.attributes["cap"]
    assert stack.values == ("prod", "dev")
    assert stack.codes.tolist() == [0, 1, ABSENT]
    assert cap.codes.tolist() == [NAME_ONLY, ABSENT, NAME_ONLY]
    assert cap.values == ()
    assert inv.ec2_instance_ids.codes.tolist() == [ABSENT, 0, ABSENT]
    assert inv.group_counts("web").tolist() == [2, 0, 0]
    assert inv.group_counts("nope").tolist() == [0, 0, 0]


def test_columns_are_read_only(inv: Inventory) -> None:
    arrays: list[Any] = [
        inv.cpu, inv.memory, inv.gpus, inv.ids, inv.agent_connected, inv.registered_at,
        inv.has_registered_at, inv.running_tasks_count, inv.registered_cpu,
        inv.registered_memory, inv.attributes["stack"].codes, inv.status.codes,
        inv.groups.counts, inv.groups.indptr, inv.ports.items,
    ]  # fmt: skip
    for array in arrays:
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[0]
    with pytest.raises(ValueError, match="read-only"):
        inv.cpu[0] = 1
    assert inv.cpu.tolist() == [100, 300, 0]


def test_nbytes(inv: Inventory) -> None:
    assert inv.nbytes > 0
    assert Inventory.from_instances([]).nbytes >= 0


def test_from_instances_rejects_non_instances() -> None:
    with pytest.raises(InventoryError, match="item #1: expected an Instance, got dict"):
        Inventory.from_instances([ITEMS[0], {"arn": "x"}])  # type: ignore[list-item]
    with pytest.raises(InventoryError, match="appears twice"):
        Inventory.from_instances([ITEMS[0], ITEMS[0]])


@settings(max_examples=examples(0.5))
@given(instances())
def test_instance_to_ecs_round_trip(inst: Instance) -> None:
    assert Instance.from_ecs(inst.to_ecs()) == Instance.from_ecs(inst.to_ecs(), [])
    back = Instance.from_ecs(inst.to_ecs())
    # The JSON carries runningTasksCount but not the groups (those come from DescribeTasks).
    assert back == inst.__class__(**{**_fields(inst), "task_groups": {}})


def _fields(inst: Instance) -> dict[str, Any]:
    import attrs

    return attrs.asdict(inst, recurse=False)


@settings(max_examples=examples(0.5))
@given(inventories())
def test_inventory_to_ecs_round_trip(inv: Inventory) -> None:
    # Tasks are rows of the inventory: the round trip keeps them, and everything else.
    back = Inventory.from_ecs(*inv.to_ecs())
    assert back == inv
    assert list(back.tasks) == list(inv.tasks)
    assert [_fields(i) for i in inv] == [_fields(i) for i in back]


@settings(max_examples=examples(0.5))
@given(inventories(), st.data())
def test_with_placements(inv: Inventory, data: st.DataObject) -> None:
    n = len(inv)
    group = data.draw(st.sampled_from(["service:web", "family:new", "databases"]))
    ports = data.draw(st.frozensets(st.sampled_from([80, 8080]), max_size=2))
    task = TaskSpec(cpu=10, memory=20, gpus=1, ports=ports, udp_ports={53}, group=group)
    # Only copies the instances can hold: one per instance with free ports, within resources.
    fits = [
        min(i.cpu // 10, i.memory // 20, i.gpus, 3)
        if not (i.ports & ports or 53 in i.udp_ports) else 0
        for i in inv
    ]
    counts = np.array([data.draw(st.integers(0, min(f, 1))) for f in fits], np.int64)
    rows = data.draw(st.permutations(np.repeat(np.arange(n), counts).tolist()))
    before = list(inv)
    snapshot = {k: getattr(inv, k).copy() for k in ("cpu", "memory", "gpus", "running_tasks_count")}
    after = inv.with_placements(rows, task)
    # The original is untouched.
    assert list(inv) == before
    for key, array in snapshot.items():
        assert getattr(inv, key).tolist() == array.tolist()
    # The same change done on Instances.
    expected = []
    for inst, c in zip(before, counts.tolist(), strict=True):
        if c:
            groups = dict(inst.task_groups)
            groups[group] = groups.get(group, 0) + c
            inst = Instance(**{
                **_fields(inst), "cpu": inst.cpu - 10 * c, "memory": inst.memory - 20 * c,
                "gpus": inst.gpus - c, "ports": inst.ports | ports,
                "udp_ports": inst.udp_ports | {53},
                "running_tasks_count": inst.running_tasks_count + c, "task_groups": groups,
            })  # fmt: skip
        expected.append(inst)
    assert list(after) == expected
    new_tasks = list(after.tasks)[len(inv.tasks):]
    assert [t.instance for t in new_tasks] == [before[r].arn for r in rows]
    assert all((t.cpu, t.memory, t.gpus, t.group) == (10, 20, 1, group) for t in new_tasks)
    assert after == Inventory.from_instances(expected, list(after.tasks))
    # Stopping the new tasks is the exact inverse.
    assert after.without_tasks([t.arn for t in new_tasks]) == inv
    with pytest.raises(ValueError, match="read-only"):
        after.cpu[:1] = 0
