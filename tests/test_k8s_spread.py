"""Task labels and pod topology spread (DoNotSchedule), from the Kubernetes documentation.

"Pod Topology Spread Constraints": skew = matching pods in the domain + (1 if the pod matches
its own selector) - the least count over the domains (0 while fewer than minDomains); nodes
without the topologyKey are refused and are no domain; the domains are the nodes that pass
the pod's nodeSelector / required node affinity (taints ignored); only pods of the pod's own
namespace count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Inventory, TaskSpec, place
from placement.errors import PlacementError
from placement.k8s import NAMESPACE, SPREAD_UNSATISFIED, PodTopologySpread, selector
from placement.place import batch
from placement.rules.view import View


def node(name: str, zone: str | None = None, **labels: str) -> dict[str, Any]:
    if zone is not None:
        labels["zone"] = zone
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}},
            "status": {"allocatable": {"cpu": "64", "memory": "64Gi", "pods": "5000"}}}  # fmt: skip


def pod(name: str, on: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"nodeName": on, "containers": [{"name": "c"}]},
            "status": {"phase": "Running"}}  # fmt: skip


def deployment(
    spread: list[dict[str, Any]], labels: dict[str, str] | None = None, **spec: Any
) -> dict[str, Any]:
    pod_spec = {"containers": [{"name": "c"}], "topologySpreadConstraints": spread, **spec}
    return {"kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"template": {"metadata": {"labels": labels or {"app": "web"}},
                                  "spec": pod_spec}}}  # fmt: skip


def zone_spread(skew: int = 1, selector_labels: dict[str, str] | None = None,
                **extra: Any) -> dict[str, Any]:  # fmt: skip
    chosen = {"matchLabels": selector_labels or {"app": "web"}}
    return {"maxSkew": skew, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": chosen, **extra}  # fmt: skip


def placed_on(inv: Inventory, task: TaskSpec, count: int, method: str = "batch") -> list[str]:
    return sorted(place(inv, task, count, method=method).placements)


# -- labels on task rows ----------------------------------------------------------------------


def test_pods_keep_their_labels_and_namespace() -> None:
    inv = Inventory.from_k8s([node("a", "z1")], [pod("p", "a", "shop", app="web", tier="x")])
    assert dict(inv.tasks[0].labels) == {"app": "web", "tier": "x", NAMESPACE: "shop"}


def test_ecs_tasks_have_no_labels() -> None:
    from placement import Instance

    inv = Inventory.from_instances([Instance(arn="i", task_groups={"service:a": 2})])
    assert [dict(t.labels) for t in inv.tasks] == [{}, {}]


def test_matching_count_counts_task_rows_per_node() -> None:
    inv = Inventory.from_k8s(
        [node("a"), node("b"), node("c")],
        [pod("p1", "a", app="web"), pod("p2", "a", app="web"), pod("p3", "b", app="db"),
         pod("p4", "c", app="web", track="canary")],
    )  # fmt: skip
    view = View(inv)
    assert view.matching_count(selector("app=web")).tolist() == [2, 0, 1]
    assert view.matching_count(selector("app=web, !track")).tolist() == [2, 0, 0]
    assert view.matching_count(selector("app notin (web)")).tolist() == [0, 1, 0]


# -- the constraint as the documentation reads --------------------------------------------


def test_docs_example_goes_to_the_emptier_zone() -> None:
    # Four nodes in two zones, three foo=bar pods (two in zoneA): the fourth goes to zoneB.
    nodes = [node("n1", "A"), node("n2", "A"), node("n3", "B"), node("n4", "B")]
    pods = [pod("p1", "n1", foo="bar"), pod("p2", "n2", foo="bar"), pod("p3", "n3", foo="bar")]
    inv = Inventory.from_k8s(nodes, pods)
    task = TaskSpec.from_k8s(deployment([zone_spread(1, {"foo": "bar"})], {"foo": "bar"}))
    assert all(n in ("n3", "n4") for n in placed_on(inv, task, 1))
    result = place(inv, task, 1, method="batch")
    assert placed_on(inv, task, 3) == sorted(placed_on(inv, task, 3, "loop"))
    assert len(result.placements) == 1
    # The reference counts the running pods too: zone B first (A holds two), then A, then B.
    got = place(inv, task, 3, method="reference")
    assert got == place(inv, task, 3, method="batch") == place(inv, task, 3, method="loop")
    zones = {"n1": "A", "n2": "A", "n3": "B", "n4": "B"}
    assert [zones[n] for n in got.placements] == ["B", "A", "B"]


def test_pod_not_matching_its_own_selector_adds_nothing() -> None:
    # zone A has 2 matching pods, B none: skew without the pod itself is 2 - 0 > 1 for A only.
    inv = Inventory.from_k8s([node("a", "A"), node("b", "B")],
                             [pod("p1", "a", app="db"), pod("p2", "a", app="db")])  # fmt: skip
    task = TaskSpec.from_k8s(deployment([zone_spread(1, {"app": "db"})]))  # pod is app=web
    rule = next(c for c in task.constraints if isinstance(c, PodTopologySpread))
    assert not rule.self_match
    # Every copy goes to B (A stays refused), and B never closes: the copies are not counted.
    assert placed_on(inv, task, 5) == ["b"] * 5
    assert placed_on(inv, task, 5, "loop") == ["b"] * 5
    # With maxSkew 2, A passes: 2 + 0 - 0 <= 2 (a matching pod would make it 3).
    task2 = TaskSpec.from_k8s(deployment([zone_spread(2, {"app": "db"})]))
    assert "a" in placed_on(inv, task2, 6)


def test_min_domains_makes_the_global_minimum_zero() -> None:
    # Two domains, minDomains 3: globalMin is 0, so each zone takes maxSkew matching pods.
    inv = Inventory.from_k8s([node("a", "A"), node("b", "B")], [])
    task = TaskSpec.from_k8s(deployment([zone_spread(1, minDomains=3)]))
    result = place(inv, task, 5, method="batch")
    assert sorted(result.placements) == ["a", "b"]
    assert dict(result.failures[0].reasons) == {SPREAD_UNSATISFIED: 2}
    no_min = TaskSpec.from_k8s(deployment([zone_spread(1)]))
    assert len(place(inv, no_min, 5).placements) == 5


def test_nodes_without_the_key_are_refused_and_no_domain() -> None:
    inv = Inventory.from_k8s([node("a", "A"), node("x")], [pod("p", "a", app="web")])
    task = TaskSpec.from_k8s(deployment([zone_spread(1)]))
    assert placed_on(inv, task, 3) == ["a", "a", "a"]  # x refused; A is the only domain


def test_domains_come_from_nodes_passing_the_node_selector_taints_ignored() -> None:
    # B is outside the nodeSelector: no domain, so A's pods do not pile up against B's zero.
    nodes = [node("a", "A", pool="x"), node("b", "B", pool="y"),
             {**node("c", "C", pool="x"), "spec": {"taints": [
                 {"key": "k", "value": "v", "effect": "NoSchedule"}]}}]  # fmt: skip
    inv = Inventory.from_k8s(nodes, [pod("p", "c", app="web")])
    task = TaskSpec.from_k8s(deployment([zone_spread(1)], nodeSelector={"pool": "x"}))
    # C is tainted (refused) but still a domain with one pod: A may take up to 2.
    assert placed_on(inv, task, 3) == ["a", "a"]


def test_only_the_pods_namespace_counts() -> None:
    inv = Inventory.from_k8s([node("a", "A"), node("b", "B")],
                             [pod(f"o{k}", "a", "other", app="web") for k in range(4)])  # fmt: skip
    task = TaskSpec.from_k8s(deployment([zone_spread(1)]))
    assert placed_on(inv, task, 2) == ["a", "b"]


def test_few_open_nodes_still_see_the_pods_on_the_others() -> None:
    # a1, a2 are tainted (refused, still domain A with one db pod); c holds two db pods. The
    # pod is not app=db: c passes (2 + 0 - 1 <= 1, two domains) for every copy. The batch
    # placer asks capacities over the open rows alone; that must not hide zone A's pod.
    taint = {"taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]}
    nodes = [{**node("a1", "A"), "spec": taint}, {**node("a2", "A"), "spec": taint},
             node("c", "C")]  # fmt: skip
    pods = [pod("d1", "a1", app="db"), pod("d2", "c", app="db"), pod("d3", "c", app="db")]
    inv = Inventory.from_k8s(nodes, pods)
    task = TaskSpec.from_k8s(deployment([zone_spread(1, {"app": "db"}, minDomains=2)]))
    for method in ("batch", "loop", "reference"):
        assert place(inv, task, 2, method=method).placements == ("c", "c"), method


def test_schedule_anyway_and_missing_selector() -> None:
    inv = Inventory.from_k8s([node("a", "A"), node("b", "B")],
                             [pod(f"p{k}", "a", app="web") for k in range(3)])  # fmt: skip
    anyway = TaskSpec.from_k8s(deployment([zone_spread(1, whenUnsatisfiable="ScheduleAnyway")]))
    assert not any(isinstance(c, PodTopologySpread) for c in anyway.constraints)
    nil = zone_spread(1)
    del nil["labelSelector"]  # a nil selector matches no pod, the pod itself included
    rule = next(c for c in TaskSpec.from_k8s(deployment([nil])).constraints
                if isinstance(c, PodTopologySpread))  # fmt: skip
    assert not rule.self_match
    assert "a" in placed_on(inv, TaskSpec.from_k8s(deployment([nil])), 4)


@pytest.mark.parametrize(
    "bad",
    [{"maxSkew": 0}, {"maxSkew": "1"}, {"topologyKey": "-bad"}, {"whenUnsatisfiable": "Never"},
     {"minDomains": 0}, {"nodeTaintsPolicy": "Honor"},
     {"labelSelector": {"matchLabels": {"app": "-x"}}}],
)  # fmt: skip
def test_bad_constraints_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(PlacementError, match="topologySpreadConstraints\\[0\\]"):
        TaskSpec.from_k8s(deployment([zone_spread(1, **bad)]))


# -- the batch path --------------------------------------------------------------------------


def test_a_deployment_of_1000_replicas_runs_on_the_batch_path(monkeypatch: Any) -> None:
    def refuse(*_args: Any, **_kw: Any) -> None:
        raise AssertionError("place_batch fell back to place_loop")

    nodes = [node(f"n{k}", f"z{k % 5}") for k in range(40)]
    pods = [pod(f"p{k}", f"n{k % 7}", app="web") for k in range(60)]
    inv = Inventory.from_k8s(nodes, pods)
    task = TaskSpec.from_k8s(deployment([zone_spread(1)]))
    monkeypatch.setattr(batch, "place_loop", refuse)
    got = place(inv, task, 1000, method="batch")
    monkeypatch.undo()
    assert got == place(inv, task, 1000, method="loop")
    zones = {n["metadata"]["name"]: n["metadata"]["labels"]["zone"] for n in nodes}
    per_zone = dict.fromkeys(zones.values(), 0)
    for p in pods:
        per_zone[zones[p["spec"]["nodeName"]]] += 1
    for name in got.placements:
        per_zone[zones[name]] += 1
    assert len(got.placements) == 1000
    assert max(per_zone.values()) - min(per_zone.values()) <= 1


# -- random clusters: engines agree, and every copy was allowed when it was placed ---------------


@st.composite
def spread_problem(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    n = draw(st.integers(1, 7))
    nodes = [node(f"n{k}", draw(st.sampled_from(["A", "B", "C", None])),
                  pool=draw(st.sampled_from(["x", "y"]))) for k in range(n)]  # fmt: skip
    pods = [pod(f"p{j}", f"n{draw(st.integers(0, n - 1))}",
                draw(st.sampled_from(["default", "other"])),
                app=draw(st.sampled_from(["web", "db"]))) for j in range(draw(st.integers(0, 8)))]
    spread = zone_spread(draw(st.integers(1, 3)), {"app": draw(st.sampled_from(["web", "db"]))},
                         minDomains=draw(st.integers(1, 4)))  # fmt: skip
    extra = {"nodeSelector": {"pool": "x"}} if draw(st.booleans()) else {}
    return nodes, pods, deployment([spread], {"app": draw(st.sampled_from(["web", "db"]))}, **extra)


def allowed(nodes: list[dict[str, Any]], counts: dict[str, int], dep: dict[str, Any],
            name: str) -> bool:  # fmt: skip
    """The documentation's filter, one node at a time, from plain dicts."""
    template = dep["spec"]["template"]
    spread = template["spec"]["topologySpreadConstraints"][0]
    want = template["spec"].get("nodeSelector", {})
    labels = {n["metadata"]["name"]: n["metadata"]["labels"] for n in nodes}
    domains: dict[str, int] = {}
    for node_name, mine in labels.items():
        if "zone" in mine and all(mine.get(k) == v for k, v in want.items()):
            domains[mine["zone"]] = domains.get(mine["zone"], 0) + counts[node_name]
    zone = labels[name].get("zone")
    if zone is None or not all(labels[name].get(k) == v for k, v in want.items()):
        return False
    low = min(domains.values()) if len(domains) >= spread["minDomains"] else 0
    own = all(template["metadata"]["labels"].get(k) == v
              for k, v in spread["labelSelector"]["matchLabels"].items())  # fmt: skip
    return domains.get(zone, 0) + int(own) - low <= spread["maxSkew"]


@settings(max_examples=examples(0.5), deadline=None)
@given(spread_problem(), st.integers(1, 12))
def test_random_clusters_agree_with_the_documentation(
    problem: tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]], count: int
) -> None:
    nodes, pods, dep = problem
    inv = Inventory.from_k8s(nodes, pods)
    task = TaskSpec.from_k8s(dep)
    got = place(inv, task, count, method="batch")
    assert got == place(inv, task, count, method="loop")
    # The reference counts the running pods by selector one task row at a time; and again
    # from the result, whose placed copies are the group's unlabelled task rows.
    assert got == place(inv, task, count, method="reference")
    more = [place(got.inventory, task, 3, method=m) for m in ("batch", "loop", "reference")]
    assert more[0] == more[1] == more[2]
    selector_labels = dep["spec"]["template"]["spec"]["topologySpreadConstraints"][0][
        "labelSelector"]["matchLabels"]  # fmt: skip
    counts = {n["metadata"]["name"]: 0 for n in nodes}
    for p in pods:
        if p["metadata"]["namespace"] == "default" and all(
            p["metadata"]["labels"].get(k) == v for k, v in selector_labels.items()
        ):
            counts[p["spec"]["nodeName"]] += 1
    own = all(dep["spec"]["template"]["metadata"]["labels"].get(k) == v
              for k, v in selector_labels.items())  # fmt: skip
    for name in got.placements:  # in the order the copies were placed
        assert allowed(nodes, counts, dep, name), (name, counts)
        counts[name] += int(own)
    if len(got.placements) < count:  # a copy failed: no node was allowed any more
        assert not any(allowed(nodes, counts, dep, n["metadata"]["name"]) for n in nodes)


def test_counts_ignore_other_namespaces_in_the_view() -> None:
    inv = Inventory.from_k8s([node("a", "A")], [pod("p", "a", "other", app="web")])
    chosen = next(c for c in TaskSpec.from_k8s(deployment([zone_spread(1)])).constraints
                  if isinstance(c, PodTopologySpread)).pods  # fmt: skip
    assert np.array_equal(View(inv).matching_count(chosen), [0])
