"""Reasons in Kubernetes' words (`placement.k8s.explain`), the core's ECS words unchanged."""

from __future__ import annotations

from typing import Any

from placement import Inventory, explain_placement
from placement import k8s as K
from placement.place import reasons as R


def node(name: str, zone: str = "a", *, cpu: str = "4", taints: tuple[Any, ...] = (),
         cordoned: bool = False, ready: bool = True, pods: str = "110",
         gpus: str = "0") -> dict[str, Any]:  # fmt: skip
    return {"metadata": {"name": name, "labels": {"zone": zone, "kubernetes.io/hostname": name}},
            "spec": {"taints": list(taints), "unschedulable": cordoned},
            "status": {"allocatable": {"cpu": cpu, "memory": "16Gi", "pods": pods,
                                       "nvidia.com/gpu": gpus},
                       "conditions": [{"type": "Ready", "status": str(ready)}]}}  # fmt: skip


def running(name: str, on: str, port: int | None = None, **labels: str) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c"}
    if port:
        container["ports"] = [{"containerPort": port, "hostPort": port}]
    return {"metadata": {"name": name, "namespace": "default", "labels": labels},
            "spec": {"nodeName": on, "containers": [container]},
            "status": {"phase": "Running"}}  # fmt: skip


def pod(cpu: str = "1", memory: str = "1Gi", **spec: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c", "resources": {"requests": {"cpu": cpu,
                                                                      "memory": memory}}}
    if "port" in spec:
        container["ports"] = [{"containerPort": 80, "hostPort": spec.pop("port")}]
    if "gpus" in spec:
        container["resources"]["requests"]["nvidia.com/gpu"] = spec.pop("gpus")
    return {"metadata": {"name": "p", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"containers": [container], **spec}}  # fmt: skip


TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


def test_every_reason_in_kubernetes_words() -> None:
    inv = Inventory.from_k8s(
        [node("small", cpu="500m"), node("tainted", taints=(TAINT,)), node("far", "b"),
         node("cordoned", cordoned=True), node("down", ready=False),
         node("ported"), node("full", pods="1"), node("both", "b", cpu="100m")],
        [running("web0", "ported", port=8080), running("x", "full")],
    )  # fmt: skip
    why = K.explain(inv, pod(cpu="1", port=8080, nodeSelector={"zone": "a"}))
    assert why.reasons("small") == ("Insufficient cpu",)
    assert why.reasons("tainted") == ("node(s) had untolerated taint {dedicated: gpu}",)
    assert why.reasons("far") == ("node(s) didn't match Pod's node affinity/selector",)
    assert why.reasons("cordoned") == ("node(s) were unschedulable",)
    assert why.reasons("down") == (K.NOT_READY,)
    assert K.NOT_READY == "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"
    assert why.reasons("ported") == (
        "node(s) didn't have free ports for the requested pod ports",)  # fmt: skip
    assert why.reasons("full") == ("Too many pods",)
    # Every reason, in plugin order: NodeAffinity before NodeResourcesFit.
    assert why.reasons("both") == ("node(s) didn't match Pod's node affinity/selector",
                                   "Insufficient cpu")  # fmt: skip
    # The event counts each node under its first failing plugin, parts sorted as text.
    assert why.message() == (
        "0/8 nodes are available: 1 Insufficient cpu, 1 Too many pods, "
        "1 node(s) didn't have free ports for the requested pod ports, "
        "1 node(s) had untolerated taint {dedicated: gpu}, "
        "1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, "
        "1 node(s) were unschedulable, "
        "2 node(s) didn't match Pod's node affinity/selector."  # "both" counted here only
    )
    # The library speaks the task's dialect; the ECS codes stay reachable for programs.
    core = explain_placement(inv, why.explanation.task)
    assert core.reasons("small") == ("Insufficient cpu",)
    assert core.codes("small") == (R.CPU,)


def test_resource_fit_reports_each_insufficient_resource() -> None:
    inv = Inventory.from_k8s([node("tiny", cpu="100m")])
    why = K.explain(inv, pod(cpu="1", memory="64Gi", gpus="1"))
    assert why.reasons("tiny") == ("Insufficient cpu", "Insufficient memory",
                                   "Insufficient nvidia.com/gpu")  # fmt: skip
    assert why.message() == ("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient "
                             "memory, 1 Insufficient nvidia.com/gpu.")  # fmt: skip


def test_spread_and_affinity_reasons() -> None:
    inv = Inventory.from_k8s([node("a1", "a"), node("b1", "b"), node("nokey", "a")],
                             [running("w", "a1", app="web")])  # fmt: skip
    inv_spread = K.explain(inv, pod(topologySpreadConstraints=[{
        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
        "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": "web"}}}]))
    assert inv_spread.reasons("a1") == (K.SPREAD_UNSATISFIED,)
    anti = K.explain(inv, pod(affinity={"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "web"}}}]}}))
    assert anti.reasons("a1") == anti.reasons("nokey") == (K.ANTI_AFFINITY_UNSATISFIED,)
    assert anti.reasons("b1") == ()
    near = K.explain(inv, pod(affinity={"podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "zone", "labelSelector": {"matchLabels": {"app": "db"}}}]}}))
    assert near.message() == "0/3 nodes are available: 3 node(s) didn't match pod affinity rules."
    assert "b1: fits" in str(anti)


def test_spread_names_a_missing_topology_key() -> None:
    """PodTopologySpread's ErrReasonNodeLabelNotMatch: a node without the pod's topologyKey is
    `... (missing required label)`; a node refused for skew keeps the plain reason."""
    keyed = [{"metadata": {"name": n, "labels": labels},
              "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}}
             for n, labels in (("a", {"zone": "z1"}), ("b", {}), ("c", {"zone": "z2"}))
             ]  # fmt: skip
    pods = [{"metadata": {"name": f"p{i}", "namespace": "default", "labels": {"app": "web"}},
             "spec": {"nodeName": "a", "containers": [{"name": "c"}]},
             "status": {"phase": "Running"}} for i in range(3)]  # fmt: skip
    inv = Inventory.from_k8s(keyed, pods)
    spread = {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
              "labelSelector": {"matchLabels": {"app": "web"}}}  # fmt: skip
    web = {"metadata": {"name": "web", "labels": {"app": "web"}},
           "spec": {"containers": [{"name": "c"}], "topologySpreadConstraints": [spread]}}
    said = K.explain(inv, web)
    assert said.reasons("a") == (K.SPREAD_UNSATISFIED,)
    assert said.reasons("b") == (f"{K.SPREAD_UNSATISFIED} (missing required label)",)
    assert said.reasons("c") == ()
    assert "1 node(s) didn't match pod topology spread constraints (missing required label)" in (
        said.message()
    )
