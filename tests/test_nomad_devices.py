"""A Nomad node's GPUs, from its device groups less what live allocations hold.

Conformance tests quote Nomad's API documentation: the node object's
`NodeResources.Devices` ("Devices: []NodeDeviceResource": `Vendor`, `Type`, `Name`,
`Instances`, each instance a `NodeDevice` with `ID`, `Healthy`, `HealthDescription`), and the
allocation's `AllocatedResources.Tasks.<task>.Devices` ("[]AllocatedDeviceResource": `Vendor`,
`Type`, `Name`, `DeviceIDs`).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import examples
from engines import assert_engines_agree
from hypothesis import given, settings
from hypothesis import strategies as st
from test_nomad import node

from placement import Inventory, TaskSpec, explain_placement, place
from placement.errors import InventoryError

NO_DEVICES = "devices: no devices match request"


def group(vendor: str, name: str, *instances: tuple[str, Any], kind: str = "gpu") -> dict[str, Any]:
    """A `NodeDeviceResource`: one device group and its instances (ID, Healthy)."""
    return {
        "Vendor": vendor, "Type": kind, "Name": name,
        "Instances": [{"ID": i, "Healthy": h, "HealthDescription": ""} for i, h in instances],
    }  # fmt: skip


def gpu_node(name: str, *groups: dict[str, Any]) -> dict[str, Any]:
    resources = {"Cpu": {"CpuShares": 4000}, "Memory": {"MemoryMB": 8192}, "Devices": list(groups)}
    return node(name, NodeResources=resources)


def alloc(node_id: str, *devices: dict[str, Any], client: str = "running", at: str = "a") -> Any:
    task = {"Cpu": {"CpuShares": 10}, "Memory": {"MemoryMB": 10}, "Devices": list(devices)}
    return {
        "ID": f"alloc-{at}", "NodeID": node_id, "JobID": "j", "TaskGroup": "g",
        "ClientStatus": client, "DesiredStatus": "run",
        "AllocatedResources": {"Tasks": {"t": task}},
    }  # fmt: skip


def held(vendor: str, name: str, *ids: str, kind: str = "gpu") -> dict[str, Any]:
    """An `AllocatedDeviceResource`."""
    return {"Vendor": vendor, "Type": kind, "Name": name, "DeviceIDs": list(ids)}


def gpu_task(count: int = 1, name: str = "nvidia/gpu") -> TaskSpec:
    resources = {"CPU": 100, "MemoryMB": 100, "Devices": [{"Name": name, "Count": count}]}
    return TaskSpec.from_nomad({"Name": "g", "Tasks": [
        {"Name": "t", "Driver": "docker", "Resources": resources}]})  # fmt: skip


def gpus(inv: Inventory) -> list[int]:
    return [instance.gpus for instance in inv]


# -- conformance: the node API ---------------------------------------------------------------------


def test_healthy_instances_of_gpu_groups_are_the_nodes_gpus() -> None:
    """`NodeDevice.Healthy`: "whether the device is healthy"; only healthy instances are
    assigned. A group's `Type` (`gpu`, `fpga`, ...) says what its instances are."""
    nodes = [
        gpu_node("a", group("nvidia", "1080ti", ("g0", True), ("g1", True), ("g2", False))),
        gpu_node("b", group("nvidia", "1080ti", ("g0", True)), group("amd", "mi100", ("m0", True))),
        gpu_node("c", group("xilinx", "u250", ("f0", True), kind="fpga")),
        gpu_node("d"),  # a node without devices
        node("e"),  # no Devices key at all
    ]
    assert gpus(Inventory.from_nomad(nodes)) == [2, 2, 0, 0, 0]


def test_an_instance_without_health_or_id_is_not_assignable() -> None:
    """Go's zero values: an absent `Healthy` is false; an instance without an `ID` cannot be
    named by an allocation's `DeviceIDs`, so it is never assigned."""
    instances = [{"ID": "g0"}, {"Healthy": True}, {"ID": "g1", "Healthy": True},
                 {"ID": "g1", "Healthy": True}]  # fmt: skip
    one = gpu_node("a", {"Vendor": "nvidia", "Type": "gpu", "Name": "t4", "Instances": instances})
    assert gpus(Inventory.from_nomad([one])) == [1]


@pytest.mark.parametrize(("devices", "part"), [
    ("x", "nodes[0].NodeResources.Devices: expected a list, got 'x'"),
    ([3], "nodes[0].NodeResources.Devices[0]: expected an object, got 3"),
    ([{"Type": 1}], "nodes[0].NodeResources.Devices[0].Type: expected a string, got 1"),
    ([{"Type": "gpu", "Instances": {}}],
     "nodes[0].NodeResources.Devices[0].Instances: expected a list, got {}"),
    ([{"Type": "gpu", "Instances": [{"ID": "g", "Healthy": "yes"}]}],
     "nodes[0].NodeResources.Devices[0].Instances[0].Healthy: expected true or false, got 'yes'"),
    ([{"Type": "gpu", "Instances": [{"ID": 7, "Healthy": True}]}],
     "nodes[0].NodeResources.Devices[0].Instances[0].ID: expected a string, got 7"),
])  # fmt: skip
def test_a_malformed_device_group_is_refused_naming_the_part(devices: Any, part: str) -> None:
    resources = {"Cpu": {"CpuShares": 1}, "Memory": {"MemoryMB": 1}, "Devices": devices}
    with pytest.raises(InventoryError) as refused:
        Inventory.from_nomad([node("a", NodeResources=resources)])
    assert part in str(refused.value)


# -- conformance: allocations ------------------------------------------------------------------


def test_live_allocations_hold_their_device_ids() -> None:
    """`AllocatedDeviceResource.DeviceIDs`: the instances of the group (`Vendor`, `Type`,
    `Name`) the allocation was assigned; a terminal allocation holds nothing."""
    a = gpu_node("a", group("nvidia", "t4", ("g0", True), ("g1", True), ("g2", True)))
    b = gpu_node("b", group("nvidia", "t4", ("g0", True), ("g1", True)))
    allocations = [
        alloc("a-id", held("nvidia", "t4", "g0"), at="1"),
        alloc("a-id", held("nvidia", "t4", "g0", "g1"), at="2"),  # g0 again: counted once
        alloc("b-id", held("nvidia", "t4", "g0", "g1"), client="complete", at="3"),
        alloc("b-id", held("amd", "t4", "g0"), at="4"),  # another group's ID: not b's
        alloc("b-id", held("nvidia", "t4", "g1", kind="fpga"), at="5"),  # not a GPU
    ]
    inv = Inventory.from_nomad([a, b], allocations)
    assert gpus(inv) == [1, 2]
    assert {task.arn: task.gpus for task in inv.tasks} == {
        "alloc-1": 1, "alloc-2": 2, "alloc-4": 1, "alloc-5": 0,
    }


def test_a_held_unhealthy_instance_takes_nothing_more() -> None:
    a = gpu_node("a", group("nvidia", "t4", ("g0", False), ("g1", True)))
    assert gpus(Inventory.from_nomad([a], [alloc("a-id", held("nvidia", "t4", "g0"))])) == [1]


@pytest.mark.parametrize(("devices", "part"), [
    ({}, "allocations[0].AllocatedResources.Tasks.t.Devices: expected a list, got {}"),
    ([{"Type": "gpu", "DeviceIDs": "g0"}],
     "allocations[0].AllocatedResources.Tasks.t.Devices[0].DeviceIDs: expected a list, got 'g0'"),
    ([{"Type": "gpu", "DeviceIDs": [1]}],
     "allocations[0].AllocatedResources.Tasks.t.Devices[0].DeviceIDs[0]: expected a string"),
])  # fmt: skip
def test_a_malformed_allocated_device_is_refused_naming_the_part(devices: Any, part: str) -> None:
    allocation = alloc("a-id")
    allocation["AllocatedResources"]["Tasks"]["t"]["Devices"] = devices
    with pytest.raises(InventoryError) as refused:
        Inventory.from_nomad([gpu_node("a")], [allocation])
    assert part in str(refused.value)


# -- end to end --------------------------------------------------------------------------------


def test_a_gpu_task_places_where_gpus_are_free_and_is_refused_elsewhere() -> None:
    nodes = [
        gpu_node("busy", group("nvidia", "t4", ("g0", True))),
        gpu_node("free", group("nvidia", "t4", ("g0", True), ("g1", True))),
        node("plain"),
    ]
    inv = Inventory.from_nomad(nodes, [alloc("busy-id", held("nvidia", "t4", "g0"))])
    task = gpu_task(2)
    result = place(inv, task, 2)
    assert result.placements == ("free",)
    assert 'Dimension "devices: no devices match request" exhausted on 3 nodes' in str(
        result.failures[0]
    )
    why = explain_placement(inv, task)
    assert why.reasons("free") == ()
    assert why.reasons("busy") == (NO_DEVICES,)
    assert why.reasons("plain") == (NO_DEVICES,)


@st.composite
def cluster(draw: Any) -> tuple[Inventory, TaskSpec, int]:
    names = [f"n{k}" for k in range(draw(st.integers(1, 5)))]
    nodes, allocations = [], []
    for name in names:
        instances = [(f"g{k}", draw(st.booleans())) for k in range(draw(st.integers(0, 4)))]
        nodes.append(gpu_node(name, group("nvidia", "t4", *instances)))
        if instances and draw(st.booleans()):
            ids = draw(st.lists(st.sampled_from([i for i, _ in instances]), max_size=3))
            allocations.append(alloc(f"{name}-id", held("nvidia", "t4", *ids), at=name))
    task = gpu_task(draw(st.integers(0, 3)))
    return Inventory.from_nomad(nodes, allocations), task, draw(st.integers(1, 6))


@settings(max_examples=examples(0.5), deadline=None)
@given(cluster())
def test_engines_agree_on_gpu_tasks(case: tuple[Inventory, TaskSpec, int]) -> None:
    inv, task, count = case
    assert_engines_agree(inv, task, count)
    placed = place(inv, task, count).placements
    if task.gpus:
        for name in set(placed):  # never more copies on a node than its free GPUs allow
            free = next(instance.gpus for instance in inv if instance.arn == name)
            assert placed.count(name) * task.gpus <= free
