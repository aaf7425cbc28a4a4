"""Hostile review of wave 3 (issue 17): Kubernetes namespaces and terminating pods, Nomad GPUs,
the typed loaders and the CLI's `load_fast`.

Each known failure found has a test; the differential properties mutate valid documents in
several places at once (nulls, wrong types, unicode, huge numbers, an added key such as
`deletionTimestamp`, `Healthy` or `DeviceIDs`) and require the typed reading of JSON bytes and
text to answer exactly as the careful reading of the decoded documents does.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_review_k8s_nomad import ALLOCATION, NOMAD_NODE

from placement import Inventory, TaskSpec, place
from placement.errors import PlacementError
from placement.k8s import objects
from placement.k8s.spread import TERMINATING

# -- known failures --------------------------------------------------------------------------------

_NODE = {"metadata": {"name": "n1", "labels": {"zone": "a"}},
         "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}}}  # fmt: skip


@pytest.mark.parametrize("owners", [5, True, 1.5])
def test_owner_references_that_are_no_list_are_no_owners(owners: Any) -> None:
    """A pod whose `ownerReferences` is not a list escaped `from_k8s` and `TaskSpec.from_k8s`
    as a TypeError (`for owner in 5`); it is read as a pod without a controller, as a text or
    an object there already were."""
    pod = {"metadata": {"name": "p", "namespace": "a", "ownerReferences": owners},
           "spec": {"nodeName": "n1", "containers": []}}  # fmt: skip
    for pods in ([pod], json.dumps([pod]).encode()):
        inventory = Inventory.from_k8s([_NODE], pods)
        assert [task.group for task in inventory.tasks] == ["a/p"]
    assert TaskSpec.from_k8s(pod).group == "a/p"


_ZONES = [{"metadata": {"name": name, "labels": {"zone": zone}},
           "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}}}
          for name, zone in (("n1", "a"), ("n2", "b"))]  # fmt: skip
_DB = [{"metadata": {"name": "d0", "namespace": "shop", "labels": {"app": "db"}},
        "spec": {"nodeName": "n1", "containers": []}}]  # fmt: skip
_AWAY_FROM_SHOP_DB = {
    "metadata": {"name": "p", "namespace": "default", "labels": {"app": "web"}},
    "spec": {"containers": [], "affinity": {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "zone",
            "namespaceSelector": {"matchExpressions": [{
                "key": "kubernetes.io/metadata.name", "operator": "In", "values": ["shop"]}]},
        }]}}},
}  # fmt: skip


@pytest.mark.parametrize("listed", [
    [],  # not listed: taken to have its name label alone (already so)
    [{"metadata": {"name": "shop"}}],  # listed without labels
    [{"metadata": {"name": "shop", "labels": {"team": "x"}}}],
    [{"metadata": {"name": "shop", "labels": {"kubernetes.io/metadata.name": "other"}}}],
])  # fmt: skip
def test_a_listed_namespace_has_its_name_label(listed: list[Any]) -> None:
    """The control plane sets the immutable label `kubernetes.io/metadata.name` (the name) on
    every namespace. A namespace missing from `namespaces` was taken to have it, but one listed
    without it had no such label, so a `namespaceSelector` on the name skipped its pods."""
    inventory = Inventory.from_k8s(_ZONES, _DB, namespaces=listed)
    result = place(inventory, TaskSpec.from_k8s(_AWAY_FROM_SHOP_DB), 1)
    assert list(result.placements) == ["n2"]


# -- typed == careful, several parts mutated at once ----------------------------------------------

_VALUES = st.sampled_from([
    None, True, False, 0, -1, 1.5, 2**62, 2**63, 2**64, 10**30, "", "x", "\u00e9", "\U0001f600",
    "2024-01-01T00:00:00Z", "-1", "1e3", [], [None], ["a", "a"], {}, {"a": None}, {"": ""},
    {"kubernetes.io/metadata.name": "a"}, "a", "b", "default", "Running", "Succeeded", "n1",
    "gpu", "g0",
])  # fmt: skip
_ADDED = st.sampled_from(["deletionTimestamp", "namespace", "ID", "Healthy", "pods", TERMINATING,
                          "labels", "DeviceIDs", "namespaces", "namespaceSelector"])  # fmt: skip


def _places(doc: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items: Any = ()
    if isinstance(doc, dict):
        items = doc.items()
    elif isinstance(doc, list):
        items = enumerate(doc)
    for key, value in items:
        out.append((*at, key))
        out.extend(_places(value, (*at, key)))
    return out


@st.composite
def _mutated(draw: Any, docs: list[Any]) -> list[Any]:
    docs = copy.deepcopy(docs)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(docs) - 1))
        places = _places(docs[index])
        path = draw(st.sampled_from(places))
        parent = docs[index]
        for step in path[:-1]:
            parent = parent[step]
        key = draw(_ADDED) if isinstance(parent, dict) and draw(st.booleans()) else path[-1]
        parent[key] = copy.deepcopy(draw(_VALUES))  # a copy: later steps may write into it
    return docs


def _answer(read: Any, *args: Any, **named: Any) -> Any:
    try:
        inventory = read(*args, **named)
    except PlacementError as exc:  # anything else escaping fails the test
        return "refused", type(exc).__name__, str(exc)
    columns = [(name, column.codes.tolist(), column.values)
               for name, column in inventory.attributes.items()]  # fmt: skip
    labels = [(t.arn, dict(t.labels)) for t in inventory.tasks]
    return "read", list(inventory), list(inventory.tasks), inventory, columns, labels


def _encodings(docs: list[Any]) -> list[list[Any]]:
    try:
        raw = [json.dumps(doc).encode() for doc in docs]
    except ValueError:
        return []
    return [raw, [data.decode() for data in raw]]


_K8S_PODS = [
    {"metadata": {"name": "w0", "namespace": "a", "labels": {"app": "web"},
                  "deletionTimestamp": "2024-01-01T00:00:00Z"},
     "spec": {"nodeName": "n1", "containers": [
         {"name": "c", "resources": {"requests": {"cpu": "100m"}}}]},
     "status": {"phase": "Running", "startTime": "2024-01-01T00:00:00Z"}},
    {"metadata": {"name": "w1", "namespace": "b", "labels": {"app": "db"}},
     "spec": {"nodeName": "n2", "containers": [
         {"name": "c", "resources": {"limits": {"memory": "1Gi"}}}],
         "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
             {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "zone",
              "namespaceSelector": {"matchLabels": {"team": "x"}}, "namespaces": ["a"]}]}}},
     "status": {"phase": "Pending"}},
]  # fmt: skip
_K8S_NAMESPACES = {"items": [
    {"metadata": {"name": "a", "labels": {"team": "x", "kubernetes.io/metadata.name": "a"}}},
    {"metadata": {"name": "b"}},
]}  # fmt: skip


def _careful_k8s(nodes: Any, pods: Any, spaces: Any) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(objects._Pods, "_quick", lambda self, pod: False)
        patch.setattr(objects, "_typed_pods", lambda pods: (None, None, objects._no_source))
        return _answer(Inventory.from_k8s, nodes, pods, namespaces=spaces)


@settings(max_examples=examples(), deadline=None)
@given(_mutated([_ZONES, _K8S_PODS, _K8S_NAMESPACES]))
def test_k8s_typed_reading_answers_as_the_careful_one(docs: list[Any]) -> None:
    nodes, pods, spaces = docs
    expected = _careful_k8s(nodes, pods, spaces)
    assert _answer(Inventory.from_k8s, nodes, pods, namespaces=spaces) == expected
    for given_nodes, given_pods, given_spaces in _encodings(docs):
        got = _answer(Inventory.from_k8s, given_nodes, given_pods, namespaces=given_spaces)
        assert got == expected


_GPU_NODE = copy.deepcopy(NOMAD_NODE)
_GPU_NODE["NodeResources"]["Devices"] = [
    {"Vendor": "nvidia", "Type": "gpu", "Name": "t4", "Instances": [
        {"ID": "g0", "Healthy": True}, {"ID": "g1", "Healthy": True},
        {"ID": "g2", "Healthy": False}]},
    {"Vendor": "xilinx", "Type": "fpga", "Name": "f", "Instances": [{"ID": "f0", "Healthy": True}]},
]  # fmt: skip
_GPU_ALLOCATION = copy.deepcopy(ALLOCATION)
_GPU_ALLOCATION["AllocatedResources"]["Tasks"]["t"]["Devices"] = [
    {"Vendor": "nvidia", "Type": "gpu", "Name": "t4", "DeviceIDs": ["g0", "g2"]}]


@settings(max_examples=examples(), deadline=None)
@given(_mutated([[_GPU_NODE], [_GPU_ALLOCATION]]))
def test_nomad_typed_reading_answers_as_the_documents(docs: list[Any]) -> None:
    nodes, allocations = docs
    expected = _answer(Inventory.from_nomad, nodes, allocations)
    for given_nodes, given_allocations in _encodings(docs):
        assert _answer(Inventory.from_nomad, given_nodes, given_allocations) == expected


# -- the CLI's load_fast ---------------------------------------------------------------------------


def test_a_json_integer_past_the_digit_limit_is_refused_naming_the_file(tmp_path: Any) -> None:
    """`json.loads` raises a plain ValueError for an integer of more than 4,300 digits; the
    CLI's reading let it escape, and `load_fast` reaches that reading whenever the typed load
    fails (the Nomad loader refuses such JSON), so `--nomad-allocations` crashed."""
    from placement.cli.inputs import load_fast, read_json

    nodes = tmp_path / "nodes.json"
    nodes.write_text(json.dumps([NOMAD_NODE]))
    allocations = tmp_path / "allocations.json"
    allocations.write_bytes(b'[{"ID": 1' + b"0" * 5000 + b"}]")
    with pytest.raises(PlacementError, match=r"allocations\.json"):
        load_fast(Inventory.from_nomad, [(str(nodes), "Nomad nodes"),
                                         (str(allocations), "Nomad allocations")], yaml=False)
    with pytest.raises(PlacementError, match=r"allocations\.json"):
        read_json(str(allocations), "Nomad allocations")


_HUGE = b"1" + b"0" * 5000  # valid JSON; past `json.loads`'s 4,300-digit limit for integers


def _careful_bytes(read: Any, *args: Any) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(objects._Pods, "_quick", lambda self, pod: False)
        patch.setattr(objects, "_typed_pods", lambda pods: (None, None, objects._no_source))
        from placement.nomad import objects as nomad_objects

        patch.setattr(nomad_objects, "_typed_nodes", lambda nodes: None)
        return _answer(read, *args)


@pytest.mark.xfail(strict=True, reason=(
    "the typed readings skip a field they do not read without converting it, so JSON with a "
    "5,001-digit integer in such a field loads; the careful reading of the same bytes decodes "
    "every value (msgspec refuses the integer, json.loads too: digit limit) and refuses it. "
    "Not small: making them agree means choosing a policy for such integers in decode_json/"
    "parse_json (refuse on both paths, or read unread huge integers on the careful one)"))
def test_an_unread_huge_integer_is_answered_alike_typed_and_careful() -> None:
    pods = (b'[{"metadata": {"name": "w0", "x": ' + _HUGE
            + b'}, "spec": {"nodeName": "n1", "containers": []}}]')  # read typed: no fallback
    nomad = json.dumps([NOMAD_NODE]).encode()[:-2] + b', "Unread": ' + _HUGE + b"}]"
    assert _answer(Inventory.from_nomad, nomad) == _careful_bytes(Inventory.from_nomad, nomad)
    assert _answer(Inventory.from_k8s, [_NODE], pods) == _careful_bytes(
        Inventory.from_k8s, [_NODE], pods)
