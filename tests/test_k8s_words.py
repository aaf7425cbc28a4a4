"""The library names a task's reasons in its dialect: Kubernetes' or Nomad's words for theirs.

Each entry point is asked twice on the same inventory with the same task, once as read by
`TaskSpec.from_k8s` (dialect `k8s`) and once with the dialect set back to `ecs`: the engine's
decision is the same, the words differ (and ECS's stay its codes).
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import attrs
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import (
    ClusterState,
    Inventory,
    TaskSpec,
    deploy,
    explain_placement,
    headroom,
    instances_needed,
    place,
    rank,
)
from placement import k8s as K
from placement.errors import PlacementInputError
from placement.k8s.messages import NODE_AFFINITY, UNSCHEDULABLE
from placement.place import reasons as R

CPU, TAINTED = "Insufficient cpu", "node(s) had untolerated taint {dedicated: gpu}"
CORDONED, AFFINITY = UNSCHEDULABLE, NODE_AFFINITY
TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


def node(name: str, zone: str | None = "a", *, cpu: str = "4", memory: str = "16Gi",
         taints: tuple[Any, ...] = (), cordoned: bool = False, ready: bool = True,
         labels: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """A Kubernetes node (no `zone` label when `zone` is None)."""
    own = ({"zone": zone} if zone is not None else {}) | (labels or {})
    return {"metadata": {"name": name, "labels": own},
            "spec": {"taints": list(taints), "unschedulable": cordoned},
            "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
                       "conditions": [{"type": "Ready", "status": str(ready)}]}}  # fmt: skip


def pod(cpu: str = "1", memory: str = "1Gi", name: str = "web", **spec: Any) -> dict[str, Any]:
    requests = {"cpu": cpu, "memory": memory}
    return {"kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
            "spec": {"template": {"metadata": {"labels": {"app": name}}, "spec": {
                "containers": [{"name": "c", "resources": {"requests": requests}}],
                **spec}}}}  # fmt: skip


def cluster() -> Inventory:
    """roomy (2 copies), small (no room), tainted, far (zone b), cordoned."""
    return Inventory.from_k8s([
        node("roomy", cpu="2"), node("small", cpu="500m"), node("tainted", taints=(TAINT,)),
        node("far", "b"), node("cordoned", cordoned=True)])  # fmt: skip


def both() -> tuple[TaskSpec, TaskSpec]:
    k8s = TaskSpec.from_k8s(pod(nodeSelector={"zone": "a"}))
    return k8s, attrs.evolve(k8s, dialect="ecs")


FIRST = {CORDONED: 1, TAINTED: 1, AFFINITY: 1, CPU: 2}
"""Each node under its first failing plugin once roomy holds its two copies."""
CODES = {R.AGENT: 1, R.CPU: 2, R.MEMBER_OF: 1, "node(s) had untolerated taint": 1}
"""The same failure in ECS's codes, each instance under its first code."""


def test_task_spec_carries_its_dialect() -> None:
    k8s, ecs = both()
    assert (k8s.dialect, ecs.dialect, TaskSpec().dialect) == ("k8s", "ecs", "ecs")
    assert k8s != ecs and hash(attrs.evolve(ecs, dialect="k8s")) == hash(k8s)
    assert repr(k8s).endswith("dialect=k8s>") and "dialect" not in repr(ecs)
    assert pickle.loads(pickle.dumps(k8s)) == k8s
    with pytest.raises(PlacementInputError, match="dialect must be one of ecs, k8s, nomad"):
        TaskSpec(dialect="swarm")


def test_place_failure_speaks_the_task_dialect() -> None:
    k8s, ecs = both()
    spoken, coded = place(cluster(), k8s, 5), place(cluster(), ecs, 5)
    assert spoken.placements == coded.placements == ("roomy", "roomy")
    (failure,), (plain,) = spoken.failures, coded.failures
    assert dict(failure.reasons) == FIRST
    assert dict(failure.codes) == dict(plain.reasons) == dict(plain.codes) == CODES
    assert failure.message == K.explain(spoken.inventory, k8s).message() == (
        "0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        f"1 {TAINTED}, 1 {CORDONED}, 2 {CPU}.")  # fmt: skip
    assert failure.to_dict()["reasons"] == FIRST
    assert failure.to_dict()["message"] == failure.message
    assert plain.message == "" and "message" not in plain.to_dict()
    assert "nodes are available" in repr(failure) and "AGENT 1" in repr(plain)
    json.dumps(spoken.to_dict())
    assert spoken.to_dict()["task"]["dialect"] == "k8s" and "dialect" not in coded.to_dict()["task"]
    # The decision is the engine's: equality reads the counts it made, not their words.
    assert spoken == place(cluster(), k8s, 5)


def test_explain_placement_speaks_the_task_dialect() -> None:
    k8s, ecs = both()
    spoken, coded = explain_placement(cluster(), k8s), explain_placement(cluster(), ecs)
    assert spoken.reasons("tainted") == (TAINTED,) and spoken.reasons("cordoned") == (CORDONED,)
    assert spoken.reasons("small") == (CPU,) and spoken.reasons("roomy") == ()
    assert coded.reasons("small") == (R.CPU,) and coded.reasons("cordoned") == (R.AGENT,)
    for name in cluster().ids:
        assert spoken.codes(name) == coded.reasons(name) == coded.codes(name)
    assert spoken.counts() == {CORDONED: 1, TAINTED: 1, AFFINITY: 1, CPU: 1}
    assert spoken.code_counts() == coded.counts() == coded.code_counts()
    assert spoken.first_reasons() == {CORDONED: 1, TAINTED: 1, AFFINITY: 1, CPU: 1}
    assert spoken.summary() == K.explain(cluster(), k8s).message() and coded.summary() is None
    assert str(spoken).startswith("1/5 nodes are available: ") and TAINTED in str(spoken)
    assert str(coded).startswith("1 of 5 instances can take the task")
    assert TAINTED in spoken._repr_html_() and R.CPU in coded._repr_html_()
    assert "nodes are available" in repr(spoken) and "CPU 1" in repr(coded)


def test_rank_speaks_the_task_dialect() -> None:
    k8s, ecs = both()
    spoken, coded = rank(cluster(), k8s), rank(cluster(), ecs)
    assert spoken.ids == coded.ids == ("roomy",)
    assert spoken.excluded == {"small": CPU, "tainted": TAINTED, "far": AFFINITY,
                               "cordoned": CORDONED}  # fmt: skip
    assert coded.excluded["tainted"] == "node(s) had untolerated taint"
    assert coded.excluded["cordoned"] == R.AGENT
    assert spoken.masks.keys() == coded.masks.keys()  # the masks keep the codes
    assert pickle.loads(pickle.dumps(spoken)).excluded == spoken.excluded


def test_headroom_speaks_the_task_dialect() -> None:
    k8s, ecs = both()
    spoken, coded = headroom(cluster(), k8s), headroom(cluster(), ecs)
    assert spoken.copies == coded.copies == 2
    assert dict(spoken.reasons) == FIRST and dict(coded.reasons) == CODES


def test_short_reprs_keep_kubernetes_reasons_whole() -> None:
    """A repr shortens ECS's codes to a word; `Insufficient cpu` would lose its meaning."""
    k8s, ecs = both()
    spoken, coded = repr(headroom(cluster(), k8s)), repr(headroom(cluster(), ecs))
    assert "node(s) were unschedulable 1" in spoken and "node(s) 1" not in spoken
    assert "AGENT 1, CPU 2, MemberOf 1" in coded


def test_instances_needed_speaks_the_task_dialect() -> None:
    k8s, ecs = both()
    inv = cluster()
    spoken = instances_needed(inv, k8s, 100, [inv[0]], limit=1)  # roomy's clones: 2 copies
    coded = instances_needed(inv, ecs, 100, [inv[0]], limit=1)
    assert spoken.instances is None and coded.instances is None
    assert dict(spoken.reasons) == {CPU: 1} and dict(coded.reasons) == {R.CPU: 1}


def test_an_unusable_template_is_refused_in_the_task_dialect() -> None:
    k8s, ecs = both()
    inv = cluster()
    with pytest.raises(PlacementInputError, match=r"templates\[0\] \(small\): Insufficient cpu$"):
        instances_needed(inv, k8s, 100, [inv[1]], limit=3)
    with pytest.raises(PlacementInputError, match=r"templates\[0\] \(small\): RESOURCE:CPU \("):
        instances_needed(inv, ecs, 100, [inv[1]], limit=3)


def test_cluster_state_speaks_the_task_dialect() -> None:
    k8s, ecs = both()
    spoken, coded = ClusterState(cluster()), ClusterState(cluster())
    assert spoken.rank(k8s).excluded["tainted"] == TAINTED
    assert coded.rank(ecs).excluded["tainted"] == "node(s) had untolerated taint"
    (failure,) = spoken.place(k8s, 5).failures
    (plain,) = coded.place(ecs, 5).failures
    assert dict(failure.reasons) == FIRST and dict(plain.reasons) == CODES
    assert dict(failure.codes) == CODES  # worded once: the codes are still the engine's


def test_deploy_stuck_reasons_speak_the_task_dialect() -> None:
    running = [{"metadata": {"name": f"old{k}", "namespace": "default", "labels": {"app": "web"}},
                "spec": {"nodeName": "roomy", "containers": [
                    {"name": "c", "resources": {"requests": {"cpu": "1"}}}]},
                "status": {"phase": "Running"}} for k in range(2)]  # fmt: skip
    inv = Inventory.from_k8s([node("roomy", cpu="2"), node("tainted", taints=(TAINT,))], running)
    k8s = TaskSpec.from_k8s(pod(cpu="1", name="web"))
    group = k8s.group
    spoken = deploy(inv, group, k8s, desired_count=2)
    coded = deploy(inv, group, attrs.evolve(k8s, dialect="ecs"), desired_count=2)
    assert not spoken.completed and not coded.completed
    assert dict(spoken.pending_reasons) == {TAINTED: 1, CPU: 1}
    assert dict(coded.pending_reasons) == {"node(s) had untolerated taint": 1, R.CPU: 1}


def _parsed(message: str) -> dict[str, int]:
    """`0/N nodes are available: 1 a, 2 b.` as {a: 1, b: 2} (no reason holds ', ')."""
    _, _, parts = message.rstrip(".").partition(": ")
    out: dict[str, int] = {}
    for part in filter(None, parts.split(", ")):
        count, _, reason = part.partition(" ")
        out[reason] = int(count)
    return out


_nodes = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["500m", "1", "2", "3"]),
              st.sampled_from(["1Gi", "4Gi"]), st.booleans(), st.booleans(), st.booleans()),
    min_size=1, max_size=8,
)  # fmt: skip


@settings(max_examples=examples(0.5), deadline=None)
@given(_nodes, st.sampled_from(["1", "1500m"]), st.sampled_from(["1Gi", "2Gi"]),
       st.booleans(), st.booleans(), st.integers(1, 12))  # fmt: skip
def test_failure_counts_are_the_scheduler_message(
    shapes: list[tuple[str, str, str, bool, bool, bool]],
    cpu: str,
    memory: str,
    select: bool,
    tolerate: bool,
    count: int,
) -> None:
    nodes = [node(f"n{i}", zone, cpu=c, memory=m, taints=(TAINT,) if tainted else (),
                  cordoned=cordoned, ready=ready)
             for i, (zone, c, m, tainted, cordoned, ready) in enumerate(shapes)]  # fmt: skip
    spec: dict[str, Any] = {"nodeSelector": {"zone": "a"}} if select else {}
    if tolerate:
        spec["tolerations"] = [{"key": "dedicated", "operator": "Exists"}]
    inv = Inventory.from_k8s(nodes)
    task = TaskSpec.from_k8s(pod(cpu, memory, **spec))
    result = place(inv, task, count)
    if not result.failures:
        return
    (failure,) = result.failures
    message = K.explain(result.inventory, task).message()
    assert failure.message == message
    assert dict(failure.reasons) == _parsed(message)
    # The engine's own counts (ECS: each instance once) cover every node; the scheduler's
    # count each node at least once, and more only where its first plugin gives several
    # reasons: NodeResourcesFit (cpu and memory), TaintToleration (not ready and a taint).
    assert sum(failure.codes.values()) == len(inv)
    assert sum(failure.reasons.values()) >= len(inv)
    several = sum(n for r, n in failure.reasons.items()
                  if r in (CPU, "Insufficient memory") or r.startswith(K.UNTOLERATED))  # fmt: skip
    assert sum(failure.reasons.values()) - len(inv) <= several // 2
    # An ECS task on the same inputs keeps the engine's counts, byte for byte.
    (plain,) = place(inv, attrs.evolve(task, dialect="ecs"), count).failures
    assert dict(plain.reasons) == dict(failure.codes)


# -- Nomad ---------------------------------------------------------------------------------------


def nomad_node(name: str, kernel: str = "linux", cpu: int = 2000, status: str = "ready",
               eligible: bool = True) -> dict[str, Any]:  # fmt: skip
    return {"ID": f"{name}-id", "Name": name, "Datacenter": "dc1", "NodeClass": "",
            "Attributes": {"kernel.name": kernel, "driver.exec": "1"}, "Meta": {},
            "NodeResources": {"Cpu": {"CpuShares": cpu}, "Memory": {"MemoryMB": 4096}},
            "Status": status, "SchedulingEligibility": "eligible" if eligible else "ineligible",
            "Drain": False}  # fmt: skip


def nomad_group(cpu: int = 1000, memory: int = 512) -> dict[str, Any]:
    return {"ID": "web", "Constraints": [
                {"LTarget": "${attr.kernel.name}", "Operand": "=", "RTarget": "linux"}],
            "TaskGroups": [{"Name": "fe", "Tasks": [{"Name": "t", "Driver": "exec",
                            "Resources": {"CPU": cpu, "MemoryMB": memory}}]}]}  # fmt: skip


def test_nomad_task_speaks_nomad() -> None:
    inv = Inventory.from_nomad([nomad_node("roomy"), nomad_node("win", "windows"),
                                nomad_node("small", cpu=500), nomad_node("down", status="down"),
                                nomad_node("off", eligible=False)])  # fmt: skip
    task = TaskSpec.from_nomad(nomad_group(), "fe")
    ecs = attrs.evolve(task, dialect="ecs")
    assert task.dialect == "nomad"
    spoken, coded = place(inv, task, 5), place(inv, ecs, 5)
    assert spoken.placements == coded.placements == ("roomy", "roomy")
    (failure,), (plain,) = spoken.failures, coded.failures
    assert dict(failure.reasons) == {"node not ready": 1, "node ineligible or draining": 1,
                                     "${attr.kernel.name} = linux": 1, "cpu": 2}  # fmt: skip
    assert dict(failure.codes) == dict(plain.reasons)
    assert failure.message.splitlines() == [
        '* Constraint "${attr.kernel.name} = linux": 1 nodes excluded by filter',
        "* Resources exhausted on 2 nodes",
        '* Dimension "cpu" exhausted on 2 nodes',
    ]
    why = explain_placement(inv, task)
    assert why.reasons("small") == ("cpu",) and why.codes("small") == (R.CPU,)
    assert rank(inv, task).excluded["win"] == "${attr.kernel.name} = linux"
    assert dict(headroom(inv, task).reasons) == dict(failure.reasons)
    assert explain_placement(inv, ecs).reasons("small") == (R.CPU,)


def test_nomad_devices_and_ports_are_dimensions() -> None:
    job = nomad_group()
    job["TaskGroups"][0]["Tasks"][0]["Resources"]["Devices"] = [{"Name": "nvidia/gpu"}]
    job["TaskGroups"][0]["Networks"] = [{"ReservedPorts": [{"Label": "http", "Value": 8080}]}]
    task = TaskSpec.from_nomad(job, "fe")
    assert task.gpus == 1 and task.ports == {8080}
    inv = Inventory.from_nomad([nomad_node("plain")])
    (failure,) = place(inv, task, 1).failures
    assert dict(failure.codes) == {R.GPU: 1}
    assert dict(failure.reasons) == {"devices: no devices match request": 1}
    assert failure.message.splitlines()[-1] == (
        '* Dimension "devices: no devices match request" exhausted on 1 nodes')
    busy = place(inv, attrs.evolve(task, gpus=0), 1).inventory  # takes 8080
    assert explain_placement(busy, attrs.evolve(task, gpus=0)).reasons("plain") == (
        "network: reserved port collision",)


@settings(max_examples=examples(0.5), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["linux", "windows"]), st.sampled_from([500, 1500, 3000]),
                          st.booleans(), st.booleans()), min_size=1, max_size=8),
       st.integers(1, 8))  # fmt: skip
def test_nomad_counts_each_node_once(
    shapes: list[tuple[str, int, bool, bool]], count: int
) -> None:
    nodes = [nomad_node(f"n{i}", kernel, cpu, "ready" if ready else "down", eligible)
             for i, (kernel, cpu, ready, eligible) in enumerate(shapes)]  # fmt: skip
    inv = Inventory.from_nomad(nodes)
    task = TaskSpec.from_nomad(nomad_group(), "fe")
    result = place(inv, task, count)
    if not result.failures:
        return
    (failure,) = result.failures
    assert sum(failure.reasons.values()) == sum(failure.codes.values()) == len(inv)
    (plain,) = place(inv, attrs.evolve(task, dialect="ecs"), count).failures
    assert dict(plain.reasons) == dict(failure.codes)
    # The summary counts every evaluated node once: filtered, or exhausted.
    lines = failure.message.splitlines()
    shown = [int(line.split(": ")[-1].split()[0]) for line in lines if "excluded by" in line]
    shown += [int(line.split()[-2]) for line in lines if line.startswith("* Resources")]
    unevaluated = failure.reasons.get("node not ready", 0) + failure.reasons.get(
        "node ineligible or draining", 0)  # fmt: skip
    assert sum(shown) == len(inv) - unevaluated
    assert ("* No nodes were eligible for evaluation" in lines) == (unevaluated == len(inv))
