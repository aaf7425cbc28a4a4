"""Task labels and pod topology spread (DoNotSchedule), from the Kubernetes documentation.

"Pod Topology Spread Constraints": skew = matching pods in the domain + (1 if the pod matches
its own selector) - the least count over the domains (0 while fewer than minDomains); nodes
without the topologyKey are refused and are no domain; the domains are the nodes that have
every DoNotSchedule topologyKey and pass the pod's nodeSelector / required node affinity
(`nodeAffinityPolicy: Honor`, the default; `Ignore`: every node) and, with `nodeTaintsPolicy:
Honor`, carry no NoSchedule/NoExecute taint the pod does not tolerate (`Ignore`, the default:
taints play no part); only pods of the pod's own namespace count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import examples
from engines import assert_engines_agree
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Inventory, TaskSpec, headroom, place
from placement.errors import PlacementError
from placement.k8s import NAMESPACE, SPREAD_UNSATISFIED, PodTopologySpread, selector
from placement.k8s.spread import TERMINATING
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
     {"minDomains": 0}, {"nodeTaintsPolicy": "honor"}, {"nodeAffinityPolicy": "Never"},
     {"labelSelector": {"matchLabels": {"app": "-x"}}}, {"matchLabelKeys": "app"},
     {"matchLabelKeys": ["app"]}, {"matchLabelKeys": ["-bad"]},
     {"labelSelector": None, "matchLabelKeys": ["version"]}],
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
    for item in pods:  # now and then one being deleted: spread does not count it
        if draw(st.integers(0, 3)) == 0:
            item["metadata"]["deletionTimestamp"] = "2024-01-02T03:04:05Z"
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


def every_engine(nodes: list[dict[str, Any]], pods: list[dict[str, Any]], dep: dict[str, Any],
                 count: int) -> tuple[Any, TaskSpec]:  # fmt: skip
    """The batch placement, asserted equal to the loop's and the reference's (which counts
    the running pods by selector one task row at a time), and the task."""
    inv = Inventory.from_k8s(nodes, pods)
    task = TaskSpec.from_k8s(dep)
    got = place(inv, task, count, method="batch")
    assert got == place(inv, task, count, method="loop")
    assert got == place(inv, task, count, method="reference")
    return got, task


@settings(max_examples=examples(0.5), deadline=None)
@given(spread_problem(), st.integers(1, 12))
def test_random_clusters_agree_with_the_documentation(
    problem: tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]], count: int
) -> None:
    nodes, pods, dep = problem
    got, task = every_engine(nodes, pods, dep, count)
    # And again from the result, whose placed copies are the group's unlabelled task rows.
    more = [place(got.inventory, task, 3, method=m) for m in ("batch", "loop", "reference")]
    assert more[0] == more[1] == more[2]
    selector_labels = dep["spec"]["template"]["spec"]["topologySpreadConstraints"][0][
        "labelSelector"]["matchLabels"]  # fmt: skip
    counts = {n["metadata"]["name"]: 0 for n in nodes}
    for p in pods:
        if p["metadata"]["namespace"] == "default" and "deletionTimestamp" not in p[
            "metadata"] and all(
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


# -- node inclusion policies and several constraints, against a per-copy reference -------------

_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]


@st.composite
def policy_problem(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    n = draw(st.integers(1, 7))
    nodes = []
    for k in range(n):
        item = node(f"n{k}", draw(st.sampled_from(["A", "B", "C", None])),
                    pool=draw(st.sampled_from(["x", "y"])))  # fmt: skip
        if draw(st.booleans()):  # a rack label that a second constraint may need
            item["metadata"]["labels"]["rack"] = draw(st.sampled_from(["r1", "r2"]))
        taint = draw(st.sampled_from([None, *_EFFECTS]))
        if taint:
            item["spec"] = {"taints": [{"key": "t", "value": "v", "effect": taint}]}
        nodes.append(item)
    pods = [pod(f"p{j}", f"n{draw(st.integers(0, n - 1))}",
                app=draw(st.sampled_from(["web", "db"]))) for j in range(draw(st.integers(0, 8)))]
    spreads = [zone_spread(
        draw(st.integers(1, 2)), {"app": draw(st.sampled_from(["web", "db"]))},
        minDomains=draw(st.integers(1, 3)),
        nodeAffinityPolicy=draw(st.sampled_from(["Honor", "Ignore"])),
        nodeTaintsPolicy=draw(st.sampled_from(["Honor", "Ignore"])),
    )]  # fmt: skip
    if draw(st.booleans()):
        spreads.append({"maxSkew": draw(st.integers(1, 3)), "topologyKey": "rack",
                        "whenUnsatisfiable": draw(st.sampled_from(["DoNotSchedule",
                                                                   "ScheduleAnyway"])),
                        "labelSelector": {"matchLabels": {"app": "web"}}})  # fmt: skip
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        extra["nodeSelector"] = {"pool": "x"}
    toleration = draw(st.sampled_from([None, "NoSchedule", "NoExecute", ""]))
    if toleration is not None:
        extra["tolerations"] = [{"key": "t", "operator": "Exists", "effect": toleration}]
    return nodes, pods, deployment(spreads, {"app": draw(st.sampled_from(["web", "db"]))},
                                   **extra)  # fmt: skip


def _untolerated(item: dict[str, Any], spec: dict[str, Any]) -> bool:
    """A NoSchedule/NoExecute taint on the node that no toleration of the pod tolerates."""
    for taint in item.get("spec", {}).get("taints", []):
        if taint["effect"] == "PreferNoSchedule":
            continue
        if not any(t["key"] == taint["key"] and t["effect"] in ("", taint["effect"])
                   for t in spec.get("tolerations", [])):  # fmt: skip
            return True
    return False


def policy_allowed(nodes: list[dict[str, Any]], counts: dict[str, dict[str, int]],
                   dep: dict[str, Any], name: str) -> bool:  # fmt: skip
    """The documentation's filters for one node, from plain dicts: node selection, taints and
    each DoNotSchedule constraint with its inclusion policies (counts: per constraint key)."""
    template = dep["spec"]["template"]
    spec = template["spec"]
    want = spec.get("nodeSelector", {})
    by_name = {n["metadata"]["name"]: n for n in nodes}

    def selected(item: dict[str, Any]) -> bool:
        labels = item["metadata"]["labels"]
        return all(labels.get(k) == v for k, v in want.items())

    me = by_name[name]
    if not selected(me) or _untolerated(me, spec):
        return False
    hard = [c for c in spec["topologySpreadConstraints"]
            if c["whenUnsatisfiable"] == "DoNotSchedule"]  # fmt: skip
    for c in hard:
        key = c["topologyKey"]
        domains: dict[str, int] = {}
        for item in nodes:
            labels = item["metadata"]["labels"]
            if not all(h["topologyKey"] in labels for h in hard):
                continue  # bypassed: lacks one of the pod's topology keys
            if c.get("nodeAffinityPolicy", "Honor") == "Honor" and not selected(item):
                continue
            if c.get("nodeTaintsPolicy", "Ignore") == "Honor" and _untolerated(item, spec):
                continue
            value = labels[key]
            domains[value] = domains.get(value, 0) + counts[key][item["metadata"]["name"]]
        mine = me["metadata"]["labels"].get(key)
        if mine is None:
            return False
        low = min(domains.values()) if len(domains) >= c.get("minDomains", 1) else 0
        own = all(template["metadata"]["labels"].get(k) == v
                  for k, v in c["labelSelector"]["matchLabels"].items())  # fmt: skip
        if domains.get(mine, 0) + int(own) - low > c["maxSkew"]:
            return False
    return True


@settings(max_examples=examples(0.5), deadline=None)
@given(policy_problem(), st.integers(1, 10))
def test_inclusion_policies_agree_with_the_documentation(
    problem: tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]], count: int
) -> None:
    nodes, pods, dep = problem
    got, _ = every_engine(nodes, pods, dep, count)
    spec = dep["spec"]["template"]
    keys = [c["topologyKey"] for c in spec["spec"]["topologySpreadConstraints"]]
    counts: dict[str, dict[str, int]] = {}
    own: dict[str, bool] = {}
    for c in spec["spec"]["topologySpreadConstraints"]:
        chosen = c["labelSelector"]["matchLabels"]
        counts[c["topologyKey"]] = {n["metadata"]["name"]: 0 for n in nodes}
        for p in pods:
            if all(p["metadata"]["labels"].get(k) == v for k, v in chosen.items()):
                counts[c["topologyKey"]][p["spec"]["nodeName"]] += 1
        own[c["topologyKey"]] = all(spec["metadata"]["labels"].get(k) == v
                                    for k, v in chosen.items())  # fmt: skip
    for name in got.placements:  # in the order the copies were placed
        assert policy_allowed(nodes, counts, dep, name), (name, counts)
        for key in keys:
            counts[key][name] += int(own[key])
    if len(got.placements) < count:  # a copy failed: no node was allowed any more
        assert not any(policy_allowed(nodes, counts, dep, n["metadata"]["name"]) for n in nodes)


def test_policies_keep_the_batch_path(monkeypatch: Any) -> None:
    def refuse(*_args: Any, **_kw: Any) -> None:
        raise AssertionError("place_batch fell back to place_loop")

    nodes = [node(f"n{k}", f"z{k % 4}", pool="x" if k % 3 else "y") for k in range(24)]
    for item in nodes[::5]:
        item["spec"] = {"taints": [{"key": "t", "value": "v", "effect": "NoSchedule"}]}
    inv = Inventory.from_k8s(nodes, [pod(f"p{k}", f"n{k % 9}", app="web") for k in range(20)])
    for policies in ({"nodeAffinityPolicy": "Ignore"}, {"nodeTaintsPolicy": "Honor"}):
        task = TaskSpec.from_k8s(deployment([zone_spread(1, **policies)],
                                            nodeSelector={"pool": "x"}))  # fmt: skip
        monkeypatch.setattr(batch, "place_loop", refuse)
        got = place(inv, task, 200, method="batch")
        monkeypatch.undo()
        assert got == place(inv, task, 200, method="loop")
        assert got.placements


def test_taints_policy_honor_leaves_untolerated_nodes_out_of_the_domains() -> None:
    # Zone C holds only a tainted node. Ignore (default): C is a domain with 0 pods, so the
    # global minimum is 0 and A and B (1 pod each) are closed at maxSkew 1, while C's node is
    # refused by its taint: nothing fits. Honor: C is no domain; A and B are open.
    nodes = [node("a", "A"), node("b", "B"), node("c", "C")]
    nodes[2]["spec"] = {"taints": [{"key": "t", "value": "v", "effect": "NoSchedule"}]}
    inv = Inventory.from_k8s(nodes, [pod("p", "a", app="web"), pod("q", "b", app="web")])
    ignore = TaskSpec.from_k8s(deployment([zone_spread(1)]))
    honor = TaskSpec.from_k8s(deployment([zone_spread(1, nodeTaintsPolicy="Honor")]))
    assert placed_on(inv, ignore, 1) == []
    assert placed_on(inv, honor, 1) == ["a"]


def test_affinity_policy_ignore_counts_nodes_outside_the_selector() -> None:
    # Zone C's node is outside the nodeSelector. Honor: C is no domain, A and B (1 pod each)
    # are open. Ignore: C (0 pods) is a domain, so A and B are closed at maxSkew 1, and C's
    # node fails the nodeSelector: nothing fits.
    nodes = [node("a", "A", pool="x"), node("b", "B", pool="x"), node("c", "C", pool="y")]
    inv = Inventory.from_k8s(nodes, [pod("p", "a", app="web"), pod("q", "b", app="web")])
    honor = TaskSpec.from_k8s(deployment([zone_spread(1)], nodeSelector={"pool": "x"}))
    ignore = TaskSpec.from_k8s(deployment([zone_spread(1, nodeAffinityPolicy="Ignore")],
                                          nodeSelector={"pool": "x"}))  # fmt: skip
    assert placed_on(inv, honor, 1) == ["a"]
    assert placed_on(inv, ignore, 1) == []


def test_a_node_missing_another_constraints_key_is_bypassed() -> None:
    # The docs: only nodes with every topologyKey count. Node c (zone A, no rack) holds two
    # pods; bypassed, zone A counts 0 like B, so both take a copy at maxSkew 1.
    nodes = [node("a", "A", rack="r1"), node("b", "B", rack="r1"), node("c", "A")]
    inv = Inventory.from_k8s(nodes, [pod("p", "c", app="web"), pod("q", "c", app="web")])
    rack = {"maxSkew": 5, "topologyKey": "rack", "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "web"}}}  # fmt: skip
    alone = TaskSpec.from_k8s(deployment([zone_spread(1)]))
    both = TaskSpec.from_k8s(deployment([zone_spread(1), rack]))
    assert placed_on(inv, alone, 1) == ["b"]  # zone A counts c's two pods
    assert placed_on(inv, both, 2) == ["a", "b"]
    soft = TaskSpec.from_k8s(deployment([zone_spread(1), {**rack, "whenUnsatisfiable":
                                                          "ScheduleAnyway"}]))  # fmt: skip
    assert placed_on(inv, soft, 1) == ["b"]  # a ScheduleAnyway key bypasses nothing


def test_match_label_keys_join_the_selector() -> None:
    # The docs' rolling-update example: only pods of the incoming pod's revision count.
    nodes = [node("a", "A"), node("b", "B")]
    old = [pod(f"o{k}", "a", app="web", **{"pod-template-hash": "old"}) for k in range(3)]
    inv = Inventory.from_k8s(nodes, old)
    labels = {"app": "web", "pod-template-hash": "new"}
    plain = TaskSpec.from_k8s(deployment([zone_spread(1)], labels))
    keyed = TaskSpec.from_k8s(deployment([zone_spread(1, matchLabelKeys=["pod-template-hash"])],
                                         labels))  # fmt: skip
    assert placed_on(inv, plain, 2) == ["b", "b"]
    assert placed_on(inv, keyed, 2) == ["a", "b"]
    # A key the pod lacks is ignored; one in matchExpressions (as the API server merges it)
    # is accepted with the same meaning.
    absent = TaskSpec.from_k8s(deployment([zone_spread(1, matchLabelKeys=["missing"])], labels))
    assert placed_on(inv, absent, 2) == ["b", "b"]
    merged = zone_spread(1, matchLabelKeys=["pod-template-hash"])
    merged["labelSelector"]["matchExpressions"] = [
        {"key": "pod-template-hash", "operator": "In", "values": ["new"]}]
    assert placed_on(inv, TaskSpec.from_k8s(deployment([merged], labels)), 2) == ["a", "b"]


def test_duplicate_key_and_when_pairs_are_refused() -> None:
    with pytest.raises(PlacementError, match=r"topologySpreadConstraints\[1\].*once"):
        TaskSpec.from_k8s(deployment([zone_spread(1), zone_spread(2)]))
    soft = zone_spread(2, whenUnsatisfiable="ScheduleAnyway")
    TaskSpec.from_k8s(deployment([zone_spread(1), soft]))  # a different pair: fine


def test_schedule_anyway_items_are_checked_though_they_never_filter() -> None:
    soft = zone_spread(1, whenUnsatisfiable="ScheduleAnyway")
    assert not [c for c in TaskSpec.from_k8s(deployment([soft])).constraints
                if isinstance(c, PodTopologySpread)]  # fmt: skip
    for bad in ({"labelSelector": {"matchLabels": {"app": "-x"}}}, {"maxSkew": 0},
                {"nodeTaintsPolicy": "x"}, {"matchLabelKeys": ["app"]}):  # fmt: skip
        with pytest.raises(PlacementError, match=r"topologySpreadConstraints\[0\]"):
            TaskSpec.from_k8s(deployment([{**soft, **bad}]))


# -- terminating pods ------------------------------------------------------------------------
# The PodTopologySpread plugin skips a pod whose deletionTimestamp is set ("Bypass terminating
# Pod", kubernetes#87621, in countPodsMatchSelector); the node still holds it (NodeResourcesFit
# counts every pod of the NodeInfo, its requests and its slot).


def terminating(name: str, on: str, **labels: str) -> dict[str, Any]:
    out = pod(name, on, **labels)
    out["metadata"]["deletionTimestamp"] = "2024-01-02T03:04:05Z"
    return out


def test_a_terminating_pod_is_not_counted_by_topology_spread() -> None:
    nodes = [node("a1", "a"), node("b1", "b")]
    # Zone a holds one running and two terminating app=web pods: only the running one counts.
    pods = [pod("r", "a1", app="web"), terminating("t1", "a1", app="web"),
            terminating("t2", "a1", app="web")]  # fmt: skip
    inv = Inventory.from_k8s(nodes, pods)
    task = TaskSpec.from_k8s(deployment([zone_spread()]))
    for method in ("batch", "loop", "reference"):
        # a: 1, b: 0, so b first; then 1 and 1: either; counting the terminating pods (3 and 0)
        # b would take three copies before a took any.
        got = place(inv, task, 3, method=method).placements
        assert sorted(got).count("b1") == 2, method
    assert dict(inv.tasks[1].labels) == {"app": "web", NAMESPACE: "default",
                                         TERMINATING: "true"}  # fmt: skip
    assert TERMINATING not in dict(inv.tasks[0].labels)


def test_a_terminating_pod_still_holds_its_resources_and_slot() -> None:
    small = {"metadata": {"name": "n", "labels": {"zone": "a"}},
             "status": {"allocatable": {"cpu": "2", "memory": "1Gi", "pods": "1"}}}  # fmt: skip
    gone = terminating("t", "n", app="web")
    gone["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "1"}}
    inv = Inventory.from_k8s([small], [gone])
    (only,) = list(inv)
    assert only.cpu == 1000 and only.running_tasks_count == 1
    got = place(inv, TaskSpec.from_k8s(deployment([zone_spread()])), 1)
    assert got.placed == 0
    assert "Too many pods" in str(got.failures)


def test_a_terminating_pod_counts_for_inter_pod_affinity() -> None:
    """The InterPodAffinity filter counts every pod of the NodeInfo: no deletion check."""
    nodes = [node("a1", "a"), node("b1", "b")]
    pods = [terminating("t", "a1", app="db")]
    term = {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "zone"}
    near = deployment([], affinity={"podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [term]}})  # fmt: skip
    away = deployment([], affinity={"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [term]}})  # fmt: skip
    inv = Inventory.from_k8s(nodes, pods)
    for method in ("batch", "loop", "reference"):
        assert set(place(inv, TaskSpec.from_k8s(near), 2, method=method).placements) == {"a1"}
        assert set(place(inv, TaskSpec.from_k8s(away), 2, method=method).placements) == {"b1"}


def test_a_terminating_pods_anti_affinity_still_holds() -> None:
    nodes = [node("a1", "a"), node("b1", "b")]
    holder = terminating("t", "a1", app="db")
    holder["spec"]["affinity"] = {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "zone"}]}}
    inv = Inventory.from_k8s(nodes, [holder])
    for method in ("batch", "loop", "reference"):
        task = TaskSpec.from_k8s(deployment([]))
        assert set(place(inv, task, 2, method=method).placements) == {"b1"}


# -- pod slots: status.allocatable.pods ---------------------------------------------------------
# NodeResourcesFit sets AllowedPodNumber from `pods` alone (framework.Resource.Add) and refuses
# a node where len(pods) + 1 > AllowedPodNumber ("Too many pods"): a node whose allocatable has
# no `pods` takes no pod. A count of 2**62 or more is past any number of pods: no limit.


def bare_pod() -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c"}]}}  # fmt: skip


def slots_node(name: str, pods: Any = None, *, zone: str = "a") -> dict[str, Any]:
    allocatable: dict[str, Any] = {"cpu": "64", "memory": "64Gi"}
    if pods is not None:
        allocatable["pods"] = pods
    return {"metadata": {"name": name, "labels": {"zone": zone}},
            "status": {"allocatable": allocatable}}  # fmt: skip


@pytest.mark.parametrize("absent", [{}, {"pods": None}])
def test_a_node_without_allocatable_pods_takes_no_pod(absent: dict[str, Any]) -> None:
    bare = slots_node("bare")
    bare["status"]["allocatable"].update(absent)
    inv = Inventory.from_k8s([bare, slots_node("roomy", "2")])
    task = TaskSpec.from_k8s(bare_pod())
    for method in ("batch", "loop", "reference"):
        got = place(inv, task, 3, method=method)
        assert got.placements == ("roomy", "roomy"), method
        assert dict(got.failures[0].reasons) == {"Too many pods": 2}
    assert headroom(inv, task).copies == 2
    assert headroom(Inventory.from_k8s([bare]), task).copies == 0


@pytest.mark.parametrize("pods", [str(2**62), "5e18", str(2**63), "9" * 40])
def test_a_pod_count_past_any_number_of_pods_is_no_limit(pods: str) -> None:
    inv = Inventory.from_k8s([slots_node("n", pods)])
    task = TaskSpec.from_k8s(bare_pod())
    room = headroom(inv, task)
    assert room.unbounded and room.copies is None
    assert place(inv, task, 5).placed == 5


def test_a_pod_count_just_below_the_bound_is_a_count() -> None:
    inv = Inventory.from_k8s([slots_node("n", str(2**62 - 1))])
    assert headroom(inv, TaskSpec.from_k8s(bare_pod())).copies == 2**62 - 1


@settings(max_examples=examples(0.3), deadline=None)
@given(st.lists(st.sampled_from([None, "0", "1", "3", str(2**62), "1e19"]), min_size=1,
                max_size=4),
       st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=6), st.integers(1, 8))
def test_pod_slots_agree_on_every_engine(
    counts: list[str | None], running: list[tuple[int, bool]], count: int
) -> None:
    nodes = [slots_node(f"n{k}", pods, zone="ab"[k % 2]) for k, pods in enumerate(counts)]
    pods = [pod(f"r{j}", f"n{k % len(nodes)}", app="web") for j, (k, _) in enumerate(running)]
    for item, (_, gone) in zip(pods, running, strict=True):
        if gone:  # being deleted: it still holds its slot
            item["metadata"]["deletionTimestamp"] = "2024-01-02T03:04:05Z"
    inv = Inventory.from_k8s(nodes, pods)
    task = TaskSpec.from_k8s(bare_pod())
    assert_engines_agree(inv, task, count)
    held = {f"n{k}": 0 for k in range(len(nodes))}
    for item in pods:
        held[item["spec"]["nodeName"]] += 1
    limits = [0 if c is None else (None if float(c) >= 2**62 else int(c)) for c in counts]
    room = headroom(inv, task)
    if any(limit is None for limit in limits):
        assert room.unbounded
    else:
        assert room.copies == sum(max(limit - held[f"n{k}"], 0)
                                  for k, limit in enumerate(limits) if limit is not None)
