"""`Inventory.from_nomad` builds its columns from checked node fields, without `Instance`s.

The inventory must be the one `Inventory.from_instances` builds from the same nodes and
tasks, and a field `Instance` refuses must be refused with `Instance`'s message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_nomad import node
from test_review_k8s_nomad import ALLOCATION, NOMAD_NODE, mutations

from placement import Inventory
from placement.errors import InventoryError, PlacementError
from placement.instance import Instance
from placement.nomad.objects import _typed_inventory, _typed_nodes


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


# -- JSON bytes and text: the typed reading answers as the documents' ---------------------------


def _devices(draw: Any) -> list[dict[str, Any]]:
    instances = [{"ID": f"g{k}", "Healthy": draw(st.sampled_from([True, False, None]))}
                 for k in range(draw(st.integers(0, 3)))]  # fmt: skip
    kind = draw(st.sampled_from(["gpu", "fpga", None]))
    return [{"Vendor": "nvidia", "Type": kind, "Name": "t4", "Instances": instances}]


@settings(max_examples=examples(0.5), deadline=None)
@given(cluster(), st.data())
def test_json_bytes_and_text_read_as_the_documents(case: tuple[Any, Any], data: Any) -> None:
    nodes, allocations = case
    for doc in nodes:
        if data.draw(st.booleans()):
            doc["NodeResources"]["Devices"] = _devices(data.draw)
            doc["Drivers"] = {"docker": {"Detected": True, "Healthy": data.draw(st.booleans())}}
    for allocation in allocations:
        task = allocation["AllocatedResources"]["Tasks"]["t"]
        task["Devices"] = [{"Vendor": "nvidia", "Type": "gpu", "Name": "t4",
                            "DeviceIDs": data.draw(st.lists(st.sampled_from(["g0", "g1", "g2"])))}]
    expected = Inventory.from_nomad(nodes, allocations)
    # The typed reading itself answers (not the documents' reading it falls back to).
    typed = _typed_nodes(json.dumps(nodes).encode())
    assert typed is not None
    direct = _typed_inventory(typed, allocations)
    assert direct == expected
    assert _attribute_columns(direct) == _attribute_columns(expected)  # built a run at a time
    for encode in (lambda v: json.dumps(v).encode(), json.dumps):
        again = Inventory.from_nomad(encode(nodes), encode(allocations))
        assert again == expected
        assert _attribute_columns(again) == _attribute_columns(expected)
        assert list(again) == list(expected)
        assert list(again.tasks) == list(expected.tasks)


def _attribute_columns(inv: Inventory) -> list[tuple[str, list[int], tuple[str, ...]]]:
    """The attribute columns as built: names in order, each one's codes and values."""
    return [(name, column.codes.tolist(), column.values)
            for name, column in inv.attributes.items()]  # fmt: skip


_HOSTILE: list[tuple[str, Any]] = [
    ("NodeResources.Cpu.CpuShares", -1), ("NodeResources.Cpu.CpuShares", True),
    ("NodeResources.Cpu.CpuShares", 1.5), ("NodeResources.Cpu.CpuShares", 2**70),
    ("NodeResources.Cpu.CpuShares", 2**60), ("Name", "n" * (2**20 + 1)),
    ("NodeResources.Memory", "x"), ("NodeResources", None), ("Resources", {"CPU": 1}),
    ("ReservedResources.Networks.ReservedHostPorts", "99999"),
    ("ReservedResources.Cpu.CpuShares", -5), ("Name", ""), ("Name", 5), ("ID", 7),
    ("Attributes", {"kernel.name": 1}), ("Attributes", []), ("Meta", {"rack": None}),
    ("Attributes", {"x": "y" * (2**20 + 1)}), ("Datacenter", 3), ("Status", False),
    ("Drivers", {"docker": 3}), ("Drivers", {"docker": {"Detected": "yes"}}), ("Drain", "no"),
    ("DrainStrategy", {"Deadline": 1}), ("NodeResources.Devices", "x"),
    ("NodeResources.Devices", [{"Type": "gpu", "Instances": [{"ID": "g", "Healthy": "yes"}]}]),
    ("NodeResources.Devices", [{"Type": "fpga", "Vendor": 3}]), ("Unread", {"deep": [[[1]]]}),
]  # fmt: skip


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[last] = value


def _answer(nodes: Any) -> tuple[str, Any]:
    try:
        inv = Inventory.from_nomad(nodes)
    except InventoryError as exc:
        return "refused", str(exc)
    return "read", (list(inv), inv)


@pytest.mark.parametrize(("path", "value"), _HOSTILE)
def test_a_hostile_part_is_answered_alike_from_bytes(path: str, value: Any) -> None:
    nodes = [node("a"), node("b")]
    _set(nodes[1], path, value)
    expected = _answer(nodes)
    assert _answer(json.dumps(nodes).encode()) == expected
    assert _answer(json.dumps(nodes)) == expected


@pytest.mark.parametrize("data", [
    b'[{"Name": "a", "NodeResources": {"Cpu": {"CpuShares": 1}, "Memory": {"MemoryMB": 1}},'
    b' "Unread": "\xff"}]',  # bad UTF-8 where the typed reading would not look
    b'{"Nodes": []}', b"[1]", b"[", b"", "not json", b'\xef\xbb\xbf[]', "\ufeff[]",
    '[{"Name": "\ud800"}]', b"[]",
])  # fmt: skip
def test_odd_json_is_answered_as_the_documents(data: Any) -> None:
    from placement.documents import decode_json

    try:
        documents: Any = decode_json(data, "nodes")
    except InventoryError as exc:
        expected: tuple[str, Any] = ("refused", str(exc))
    else:
        expected = _answer(documents)
    assert _answer(data) == expected


_GPU_GROUP = {"Vendor": "nvidia", "Type": "gpu", "Name": "t4",
              "Instances": [{"ID": "g0", "Healthy": True}, {"ID": "g1", "Healthy": True}]}
_GPU_NODE = {**NOMAD_NODE,
             "NodeResources": {**NOMAD_NODE["NodeResources"], "Devices": [_GPU_GROUP]}}
_HELD = {"Vendor": "nvidia", "Type": "gpu", "Name": "t4", "DeviceIDs": ["g0"]}
_GPU_ALLOCATION = {**ALLOCATION, "AllocatedResources": {"Tasks": {"t": {
    **ALLOCATION["AllocatedResources"]["Tasks"]["t"], "Devices": [_HELD]}}}}


def _answer_of(nodes: Any, allocations: Any) -> tuple[str, Any]:
    try:
        inv = Inventory.from_nomad(nodes, allocations)
    except PlacementError as exc:
        return "refused", (type(exc), str(exc))
    return "read", (list(inv), list(inv.tasks), inv)


@settings(max_examples=examples(), deadline=None)
@given(mutations([_GPU_NODE], [_GPU_ALLOCATION]))
def test_json_with_a_hostile_part_is_answered_as_its_documents(docs: tuple[Any, ...]) -> None:
    """The typed reading of JSON answers exactly as the documents JSON decodes to."""
    try:
        data = [json.dumps(doc).encode() for doc in docs]
    except (ValueError, RecursionError):
        return  # not JSON
    try:
        decoded = [json.loads(item) for item in data]
    except (ValueError, RecursionError):
        return  # e.g. a 5,000-digit integer: json.loads refuses what json.dumps wrote
    assert _answer_of(*data) == _answer_of(*decoded)
