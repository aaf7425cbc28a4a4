"""`Inventory.from_k8s`'s typed reading (pods decoded into msgspec Structs) against the careful one.

Random clusters, odd pods included (init containers and sidecars, overhead, host ports, host
network, anti-affinity, terminal phases, missing fields, nulls, values of unexpected types), are
loaded from JSON bytes, from JSON text and from decoded documents through the typed reading,
and through the checked readers alone: the inventories are equal, or the errors say the same.
"""

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
from placement.k8s.spread import NAMESPACE, TERMINATING

QUANTITY = st.sampled_from(["100m", "0.5", "1", "250m", "64Mi", "1Gi", "1.5Gi", "3", "0.001",
                            "10n", "lots", None, 2, ""])  # fmt: skip
ODD = st.sampled_from([None, 3, "x", [], {}, True])  # a value of a type the readers may refuse


def maybe(draw: Any, value: Any, odd: float = 0.05) -> Any:
    """`value`, or now and then (in a cluster that has odd values) something else."""
    return draw(ODD) if draw(ODDS) and draw(st.floats(0, 1)) < odd else value


ODDS = st.shared(st.booleans(), key="odd values")  # one draw per cluster


@st.composite
def resources(draw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in ("requests", "limits"):
        if draw(st.booleans()):
            out[part] = {name: draw(QUANTITY) for name in draw(st.sets(st.sampled_from(
                ["cpu", "memory", "nvidia.com/gpu", "ephemeral-storage"])))}  # fmt: skip
    return out


@st.composite
def container(draw: Any, init: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": "c", "image": "nginx"}
    if draw(st.integers(0, 4)):
        out["resources"] = maybe(draw, draw(resources()))
    if draw(st.integers(0, 3)) == 0:
        out["ports"] = [maybe(draw, {
            "containerPort": draw(st.sampled_from([80, 443, 70000])),
            **({"hostPort": draw(st.sampled_from([0, 8080, 9090, None]))}
               if draw(st.booleans()) else {}),
            **({"protocol": draw(st.sampled_from(["TCP", "UDP", "SCTP"]))}
               if draw(st.booleans()) else {}),
        }) for _ in range(draw(st.integers(1, 2)))]  # fmt: skip
    if init and draw(st.booleans()):
        out["restartPolicy"] = "Always"  # a sidecar
    return out


ANTI = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "zone"}]}}  # fmt: skip


@st.composite
def pod(draw: Any, j: int, names: list[str]) -> Any:
    spec: dict[str, Any] = {
        "nodeName": draw(st.sampled_from([*names, "gone", None, ""])),
        "containers": draw(st.lists(container(), min_size=0, max_size=2)),
        "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
    }  # fmt: skip
    for name, value in (("initContainers", st.lists(container(init=True), max_size=2)),
                        ("overhead", st.builds(dict, cpu=QUANTITY)),
                        ("hostNetwork", st.sampled_from([True, False, None])),
                        ("affinity", st.sampled_from([ANTI, {}, None])),
                        ("containers", st.sampled_from([None, [None]])),
                        ("nodeName", st.sampled_from([maybe(draw, None), None]))):  # fmt: skip
        if draw(st.integers(0, 7)) == 0:
            spec[name] = draw(value)
    labels = draw(st.dictionaries(
        st.sampled_from(["app", "tier", "k8s-app", "app.kubernetes.io/name", NAMESPACE,
                         TERMINATING, "", "x"]),
        st.sampled_from(["web", "db", ""]), max_size=3,
    ))  # fmt: skip
    metadata: dict[str, Any] = {
        "name": maybe(draw, f"p{j}", 0.02), "uid": f"u{j}",
        "namespace": draw(st.sampled_from([None, "a", "b", ""])),
        "labels": maybe(draw, labels),
        "annotations": {"note": "\u00e9t\u00e9"},  # not ASCII, skipped
    }  # fmt: skip
    if draw(st.integers(0, 3)) == 0:  # being deleted (a timestamp; now and then an odd value)
        metadata["deletionTimestamp"] = maybe(draw, draw(st.sampled_from(
            ["2024-01-02T03:04:05Z", None])))  # fmt: skip
    if draw(st.booleans()):
        metadata["ownerReferences"] = draw(st.sampled_from([
            [{"kind": "ReplicaSet", "name": "web-1", "controller": True}],
            [{"kind": "Node", "name": "n0"}], [], None, ["x"],
        ]))  # fmt: skip
    status = {
        "phase": maybe(draw, draw(st.sampled_from(["Running", "Pending", "Succeeded", "Failed",
                                                   None]))),
        "startTime": draw(st.sampled_from([None, "2024-01-02T03:04:05Z", "0001-01-01T00:00:00Z",
                                           "2024-01-02T03:04:05.5Z", "2024-02-30T00:00:00Z",
                                           "2024-01-02T03:04:05+01:00", "yesterday",
                                           "0000-01-01T00:00:00Z", "2024-01-02T23:59:60Z",
                                           "9999-12-31T23:59:59Z", "2024-01-02 03:04:05Z"])),
        "conditions": [{"type": "Ready", "status": "True"}],
    }  # fmt: skip
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                           "spec": spec, "status": status}  # fmt: skip
    for part in ("metadata", "spec", "status"):
        if draw(st.integers(0, 30)) == 0:
            doc[part] = maybe(draw, None, 0.5)
        elif draw(st.integers(0, 30)) == 0:
            del doc[part]
    return maybe(draw, doc, 0.02)


@st.composite
def cluster(draw: Any) -> tuple[Any, Any]:
    names = [f"n{k}" for k in range(draw(st.integers(1, 4)))]
    nodes = [{"metadata": {"name": name, "labels": {"zone": "abc"[k % 3]}},
              "status": {"allocatable": {"cpu": draw(st.sampled_from(["64", "7910m"])),
                                         "memory": "256Gi", "pods": "110",
                                         "nvidia.com/gpu": "8"}}}
             for k, name in enumerate(names)]  # fmt: skip
    pods = [draw(pod(j, names)) for j in range(draw(st.integers(0, 12)))]
    shape = draw(st.sampled_from(["List", "list", "null items"]))
    if shape == "List":
        return nodes, {"apiVersion": "v1", "kind": "List", "items": pods}
    if shape == "null items":
        return nodes, {"kind": "List", "items": None}
    return nodes, pods


def load(nodes: Any, pods: Any) -> Inventory | str:
    try:
        return Inventory.from_k8s(nodes, pods)
    except InventoryError as exc:
        return f"InventoryError: {exc}"


def careful(nodes: Any, pods: Any) -> Inventory | str:
    """The checked readers alone (no typed decoding, no quick reading)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(objects._Pods, "_quick", lambda self, pod: False)
        patch.setattr(objects, "_typed_pods", lambda pods: (None, None, objects._no_source))
        return load(nodes, pods)


def same(got: Inventory | str, want: Inventory | str) -> None:
    if isinstance(want, str) or isinstance(got, str):
        assert got == want
        return
    assert got == want
    assert list(got) == list(want)
    assert [(t.arn, t.instance, t.group, t.cpu, t.memory, t.gpus, t.ports, t.udp_ports,
             t.started_at, dict(t.labels)) for t in got.tasks] == [
        (t.arn, t.instance, t.group, t.cpu, t.memory, t.gpus, t.ports, t.udp_ports,
         t.started_at, dict(t.labels)) for t in want.tasks]  # fmt: skip


@settings(max_examples=examples(0.5), deadline=None)
@given(cluster())
def test_typed_reading_agrees_with_the_checked_readers(case: tuple[Any, Any]) -> None:
    nodes, pods = case
    want = careful(nodes, pods)
    text = json.dumps(pods)
    for given_pods in (pods, text, text.encode()):
        same(load(nodes, given_pods), want)


def test_the_typed_reading_reads_odd_pods_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pods the typed reading leaves to the checked readers do not send the rest there too."""
    pods = [running(metadata={"name": f"p{k}"}) for k in range(4)]
    pods[1]["spec"]["initContainers"] = [{"resources": {"requests": {"cpu": "2"}}}]
    pods[2]["spec"]["containers"][0]["ports"] = [{"hostPort": 80}]
    pods[3]["status"]["startTime"] = "2024-01-02T03:04:05+01:00"
    read: list[str] = []
    checked = objects._Pods._careful
    monkeypatch.setattr(objects._Pods, "_careful",
                        lambda self, pod, where: (read.append(where), checked(self, pod, where)))
    for given_pods in (pods, json.dumps(pods).encode()):
        read.clear()
        got = load(NODES, given_pods)
        assert read == ["pods[1]", "pods[2]", "pods[3]"]
        same(got, careful(NODES, pods))


@st.composite
def labelled(draw: Any) -> list[dict[str, Any]]:
    """Running pods on `n0` with labels of many key sets, repeated keys in any order."""
    keys = st.sampled_from(["app", "tier", "x", "y", "z", NAMESPACE])
    return [{"metadata": {"name": f"p{j}", "namespace": draw(st.sampled_from([None, "a", "b"])),
                          "labels": draw(st.dictionaries(keys, st.sampled_from(["1", "2", ""]),
                                                         max_size=4))},
             "spec": {"nodeName": "n0", "containers": []}, "status": {"phase": "Running"}}
            for j in range(draw(st.integers(0, 30)))]  # fmt: skip


@settings(max_examples=examples(0.5), deadline=None)
@given(labelled())
def test_each_row_keeps_its_pods_labels_and_namespace(pods: list[dict[str, Any]]) -> None:
    got = load(NODES, json.dumps(pods).encode())
    assert not isinstance(got, str)
    assert [dict(task.labels) for task in got.tasks] == [
        {**{k: v for k, v in pod["metadata"]["labels"].items() if k != NAMESPACE},
         NAMESPACE: pod["metadata"]["namespace"] or "default"} for pod in pods]  # fmt: skip
    same(got, careful(NODES, pods))


NODES = [{"metadata": {"name": "n0"}, "status": {"allocatable": {"cpu": "4", "memory": "8Gi"}}}]


def running(**parts: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"metadata": {"name": "p", "labels": {"app": "web"}},
                           "spec": {"nodeName": "n0", "containers": [
                               {"resources": {"requests": {"cpu": "1"}}}]},
                           "status": {"phase": "Running"}}  # fmt: skip
    for part, value in parts.items():
        doc[part] = {**doc[part], **value}
    return doc


@pytest.mark.parametrize("raw", [
    # bad UTF-8 in a field the typed decoding skips: refused as before
    b'[{"metadata": {"name": "p", "annotations": {"a": "\xff"}}, "spec": {"nodeName": "n0"}}]',
    # what msgspec refuses and json.loads reads (NaN, a number past a double) reads as before
    b'[{"metadata": {"name": "p", "x": NaN}, "spec": {"nodeName": "n0", "containers": []}}]',
    b'[{"metadata": {"name": "p", "x": 1e999}, "spec": {"nodeName": "n0", "containers": []}}]',
    # a repeated key: the last wins, in either reading
    b'[{"spec": {"nodeName": "zz", "nodeName": "n0", "containers": []}, "metadata": {}}]',
    # a single pod, not a list
    b'{"metadata": {"name": "p"}, "spec": {"nodeName": "n0", "containers": []}}',
    b'{"kind": "List", "items": null}',
    b'"pods"', b'[3]', b'{"items": {}}', b"[{]",
])  # fmt: skip
def test_odd_json_reads_as_the_checked_readers_read_it(raw: bytes) -> None:
    same(load(NODES, raw), careful(NODES, raw))


@pytest.mark.parametrize("pod", [
    running(metadata={"labels": {"app": 3}}),
    running(spec={"containers": [{"resources": {"requests": {"cpu": "lots"}}}]}),
    running(spec={"containers": [{"ports": [{"hostPort": "x"}]}]}),
    running(spec={"containers": [{"ports": [{"hostPort": 2**70}]}]}),
    running(spec={"hostNetwork": "yes"}),
    running(status={"startTime": "yesterday"}),
    running(spec={"overhead": {"cpu": "x"}}),
])  # fmt: skip
def test_a_bad_pod_is_named_as_the_checked_readers_name_it(pod: dict[str, Any]) -> None:
    want = careful(NODES, [pod])
    assert isinstance(want, str) and want.startswith("InventoryError: pods[0]")
    for given_pods in ([pod], json.dumps([pod]), json.dumps([pod]).encode()):
        assert load(NODES, given_pods) == want


def test_requests_that_round_are_summed_before_rounding() -> None:
    # 0.5m three times is 1.5 millicores, 2 rounded up; each rounded alone would make 3
    pods = [running(metadata={"name": f"p{k}"}, spec={"containers": [
        {"resources": {"requests": {"cpu": "0.5m", "memory": "1.5"}}}]}) for k in range(3)]
    got = load(NODES, json.dumps(pods).encode())
    assert not isinstance(got, str)
    node = next(iter(got))
    assert (node.cpu, node.memory) == (4000 - 2, 8 * 2**30 - 5)
    same(got, careful(NODES, pods))


TIMES = ["2024-01-02T03:04:05Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
         "1969-12-31T23:59:59Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z",
         "0000-01-01T00:00:00Z", "2024-01-02T24:00:00Z", "2024-01-02T23:59:60Z",
         "2024-01-02 03:04:05Z", "2024-01-02T03:04:05.5Z", "2024-01-02T03:04:05+00:00",
         "2024-1-02T03:04:05Z", "+2024-01-02T03:04:05Z", "2024-01-02T03:04:05z", "NaT", "",
         "2024-01-02T03:04:0\u0665Z", "yesterday"]  # fmt: skip


@settings(max_examples=examples(0.5), deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(TIMES)), max_size=12))
def test_start_times_read_at_once_as_each_alone(texts: list[str | None]) -> None:
    want = [None if t is None else objects._utc_micros(t) for t in texts]
    got = objects._start_micros(texts)
    assert got == [objects._UNREAD if t is not None and w is None else w
                   for t, w in zip(texts, want, strict=True)]  # fmt: skip


def test_a_lone_surrogate_in_decoded_documents_is_read_the_careful_way() -> None:
    """msgspec cannot convert text with a lone surrogate: the checked readers name the pod."""
    pod = running(spec={"containers": [{"ports": "\ud800"}]})
    got = load(NODES, [pod])
    assert got == careful(NODES, [pod])
    assert isinstance(got, str) and got.startswith("InventoryError: pods[0].spec.containers[0]")


def test_a_terminating_pod_is_marked_on_every_path() -> None:
    pods = [running(metadata={"name": "gone", "deletionTimestamp": "2024-01-02T03:04:05Z"}),
            running(metadata={"name": "here", "labels": {"app": "web", TERMINATING: "x"}})]
    want = careful(NODES, pods)
    assert not isinstance(want, str)
    assert [dict(task.labels).get(TERMINATING) for task in want.tasks] == ["true", None]
    for given_pods in (pods, json.dumps(pods), json.dumps(pods).encode()):
        same(load(NODES, given_pods), want)
