"""`Inventory.from_nomad` builds its columns from checked node fields, without `Instance`s.

The inventory must be the one `Inventory.from_instances` builds from the same nodes and
tasks, and a field `Instance` refuses must be refused with `Instance`'s message.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_nomad import node

from placement import Inventory
from placement.errors import InventoryError
from placement.instance import Instance


@st.composite
def cluster(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    names = [f"n{k}" for k in range(draw(st.integers(1, 4)))]
    nodes = []
    for name in names:
        over: dict[str, Any] = {}
        if draw(st.booleans()):
            over["Attributes"] = draw(st.dictionaries(
                st.sampled_from(["kernel.name", "driver.docker", "cpu.arch", "unique.x"]),
                st.sampled_from(["linux", "1", "", "amd64"]), max_size=4))  # fmt: skip
        if draw(st.booleans()):
            over["Meta"] = draw(st.dictionaries(
                st.sampled_from(["rack", "zone"]), st.sampled_from(["r1", "a", ""]), max_size=2))
        over["Status"] = draw(st.sampled_from(["ready", "down", "initializing"]))
        over["SchedulingEligibility"] = draw(st.sampled_from(["eligible", "ineligible"]))
        over["Drain"] = draw(st.booleans())
        if draw(st.booleans()):
            over["ReservedResources"] = {"Cpu": {"CpuShares": draw(st.integers(0, 5000))},
                                         "Networks": {"ReservedHostPorts": draw(st.sampled_from(
                                             ["", "22", "22,8000-8002"]))}}  # fmt: skip
        nodes.append(node(name, **over))
    allocations = [{
        "ID": f"a{k}", "NodeID": draw(st.sampled_from([*(f"{n}-id" for n in names), "gone"])),
        "JobID": draw(st.sampled_from(["web", "db"])), "TaskGroup": "fe",
        "ClientStatus": draw(st.sampled_from(["running", "pending", "complete"])),
        "DesiredStatus": "run",
        "AllocatedResources": {"Tasks": {"t": {"Cpu": {"CpuShares": draw(st.integers(0, 900))},
                                               "Memory": {"MemoryMB": 64}}}},
    } for k in range(draw(st.integers(0, 8)))]  # fmt: skip
    return nodes, allocations


@settings(max_examples=examples(0.5), deadline=None)
@given(cluster())
def test_columns_are_those_of_the_instances(case: tuple[Any, Any]) -> None:
    nodes, allocations = case
    inv = Inventory.from_nomad(nodes, allocations)
    again = Inventory.from_instances(list(inv), list(inv.tasks))
    assert inv == again
    assert list(inv) == list(again)
    assert list(inv.tasks) == list(again.tasks)


@pytest.mark.parametrize(("over", "fields"), [
    ({"Attributes": {"kernel.name": "x" * (2**20 + 1)}},
     {"attributes": {"attr.kernel.name": "x" * (2**20 + 1)}}),
    ({"NodeResources": {"Cpu": {"CpuShares": 2**60}, "Memory": {"MemoryMB": 1}}},
     {"cpu": 2**60 - 100}),
])  # fmt: skip
def test_a_field_instance_refuses_is_refused_alike(
    over: dict[str, Any], fields: dict[str, Any]
) -> None:
    with pytest.raises(InventoryError) as refused:
        Inventory.from_nomad([node("a", **over)])
    with pytest.raises(InventoryError) as direct:
        Instance(arn="a", **fields)
    assert str(refused.value) == str(direct.value)
