"""`Inventory.from_k8s`'s quick reading of usual pods gives what the checked readers give."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Inventory
from placement.errors import InventoryError
from placement.k8s import objects

QUANTITIES = st.sampled_from(["100m", "0.5", "1", "250m", "64Mi", "1Gi", "1e3", "2k", "1.5Gi",
                              "3", "0.001", "10n"])  # fmt: skip


@st.composite
def container(draw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": "c"}
    resources: dict[str, Any] = {}
    for part in ("requests", "limits"):
        if draw(st.booleans()):
            resources[part] = {k: draw(st.one_of(st.none(), QUANTITIES))
                               for k in draw(st.sets(st.sampled_from(
                                   ["cpu", "memory", "nvidia.com/gpu"])))}  # fmt: skip
    if resources or draw(st.booleans()):
        out["resources"] = resources
    if draw(st.booleans()):
        out["ports"] = [{"containerPort": 80,
                         **({"hostPort": draw(st.sampled_from([0, 8080, 9090]))}
                            if draw(st.booleans()) else {})}]  # fmt: skip
    return out


@st.composite
def cluster(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    nodes = [{"metadata": {"name": f"n{k}", "labels": {"zone": "abc"[k % 3]}},
              "status": {"allocatable": {"cpu": "64", "memory": "256Gi", "pods": "110",
                                         "nvidia.com/gpu": "8"}}}
             for k in range(draw(st.integers(1, 4)))]  # fmt: skip
    pods = []
    for j in range(draw(st.integers(0, 10))):
        spec: dict[str, Any] = {
            "nodeName": draw(st.sampled_from([*(n["metadata"]["name"] for n in nodes), "gone",
                                              None])),
            "containers": draw(st.lists(container(), min_size=1, max_size=2)),
        }  # fmt: skip
        if draw(st.integers(0, 5)) == 0:
            spec["initContainers"] = [draw(container())]
        if draw(st.integers(0, 5)) == 0:
            spec["hostNetwork"] = draw(st.booleans())
        labels = draw(st.dictionaries(st.sampled_from(["app", "tier", "k8s-app", "_k8s/namespace"]),
                                      st.sampled_from(["web", "db", ""]), max_size=2))  # fmt: skip
        pods.append({
            "metadata": {"name": f"p{j}", "namespace": draw(st.sampled_from([None, "a", "b"])),
                         "labels": labels},
            "spec": spec,
            "status": {"phase": draw(st.sampled_from(["Running", "Pending", "Succeeded", None])),
                       "startTime": draw(st.sampled_from([None, "2024-01-02T03:04:05Z",
                                                          "0001-01-01T00:00:00Z",
                                                          "9999-12-31T23:59:59Z",
                                                          "2024-01-02T03:04:05.5Z",
                                                          "2024-01-02T03:04:05+01:00"]))},
        })  # fmt: skip
    return nodes, pods


def careful(nodes: Any, pods: Any, monkeypatch: pytest.MonkeyPatch) -> Inventory:
    with monkeypatch.context() as patch:
        patch.setattr(objects._Pods, "_quick", lambda self, pod: False)
        patch.setattr(objects, "_typed_pods", lambda pods: (None, None, objects._no_source))
        return Inventory.from_k8s(nodes, pods)


def same(a: Inventory, b: Inventory) -> None:
    assert list(a) == list(b)
    assert list(a.tasks) == list(b.tasks)


@settings(max_examples=examples(0.5), deadline=None)
@given(cluster())
def test_quick_reading_agrees_with_the_checked_readers(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    nodes, pods = case
    with pytest.MonkeyPatch.context() as patch:
        same(Inventory.from_k8s(nodes, pods), careful(nodes, pods, patch))


@pytest.mark.parametrize("bad", [
    {"metadata": {"name": "p", "labels": {"app": 3}}},
    {"spec": {"nodeName": "n0", "containers": [{"resources": {"requests": {"cpu": "lots"}}}]}},
    {"status": {"phase": "Running", "startTime": "yesterday"}},
    {"spec": {"nodeName": "n0", "containers": [{"ports": [{"hostPort": "x"}]}]}},
    {"spec": {"nodeName": "n0", "hostNetwork": "yes", "containers": []}},
])  # fmt: skip
def test_bad_pods_are_named_by_the_checked_readers(bad: dict[str, Any]) -> None:
    pod: dict[str, Any] = {"metadata": {"name": "p"}, "spec": {"nodeName": "n0", "containers": []},
                           "status": {"phase": "Running"}}  # fmt: skip
    for part, value in bad.items():
        pod[part] = {**pod[part], **value}
    nodes = [{"metadata": {"name": "n0"}, "status": {"allocatable": {"cpu": "1"}}}]
    with pytest.raises(InventoryError) as quick:
        Inventory.from_k8s(nodes, [pod])
    with pytest.MonkeyPatch.context() as patch, pytest.raises(InventoryError) as slow:
        careful(nodes, [pod], patch)
    assert str(quick.value) == str(slow.value)
    assert str(quick.value).startswith("pods[0]")


def test_json_bytes_and_text_load_as_the_decoded_documents() -> None:
    nodes = {"kind": "List", "items": [{"metadata": {"name": "n1", "labels": {"zone": "a"}},
             "status": {"allocatable": {"cpu": "2", "memory": "1Gi", "pods": "10"}}}]}  # fmt: skip
    pods = {"kind": "List", "items": [{"metadata": {"name": "p", "namespace": "d"},
            "spec": {"nodeName": "n1", "containers": [{"name": "c", "resources": {
                "requests": {"cpu": "500m"}}}]}, "status": {"phase": "Running"}}]}  # fmt: skip
    want = Inventory.from_k8s(nodes, pods)
    for convert in (json.dumps, lambda d: json.dumps(d).encode()):
        got = Inventory.from_k8s(convert(nodes), convert(pods))
        assert got == want
    with pytest.raises(InventoryError, match="nodes: not valid JSON"):
        Inventory.from_k8s(b'{"items": [}')
    with pytest.raises(InventoryError, match=r"nested too deeply|not valid JSON"):
        Inventory.from_k8s("[" * 100_000 + "]" * 100_000)
