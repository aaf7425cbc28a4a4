"""Required pod affinity and anti-affinity, as the Kubernetes documentation reads.

A term counts the pods matching its labelSelector (in its namespaces) on nodes with its
topologyKey, per key value. Affinity: the node's value must count one (a pod matching all its
own terms may go first when none matches anywhere); anti-affinity: it must count none (a node
without the key passes).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Inventory, TaskSpec, place
from placement.errors import PlacementError
from placement.k8s import AFFINITY_UNSATISFIED, ANTI_AFFINITY_UNSATISFIED
from placement.place import batch


def node(name: str, zone: str | None = None) -> dict[str, Any]:
    labels = {"kubernetes.io/hostname": name, **({"zone": zone} if zone else {})}
    return {"metadata": {"name": name, "labels": labels},
            "status": {"allocatable": {"cpu": "64", "memory": "64Gi", "pods": "500"}}}  # fmt: skip


def pod(name: str, on: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"nodeName": on, "containers": [{"name": "c"}]},
            "status": {"phase": "Running"}}  # fmt: skip


def term(key: str, **labels: Any) -> dict[str, Any]:
    extra = {k: labels.pop(k) for k in ("namespaces", "namespaceSelector") if k in labels}
    return {"topologyKey": key, "labelSelector": {"matchLabels": labels}, **extra}


def workload(kind: str, terms: list[dict[str, Any]], app: str = "web") -> dict[str, Any]:
    affinity = {kind: {"requiredDuringSchedulingIgnoredDuringExecution": terms}}
    return {"kind": "Deployment", "metadata": {"name": app, "namespace": "default"},
            "spec": {"template": {"metadata": {"labels": {"app": app}},
                                  "spec": {"containers": [{"name": "c"}],
                                           "affinity": affinity}}}}  # fmt: skip


HOST = "kubernetes.io/hostname"


def test_one_replica_per_node_on_the_batch_path(monkeypatch: Any) -> None:
    def refuse(*_args: Any, **_kw: Any) -> None:
        raise AssertionError("fell back to place_loop")

    inv = Inventory.from_k8s([node("a"), node("b"), node("c")], [pod("old", "b", app="web")])
    task = TaskSpec.from_k8s(workload("podAntiAffinity", [term(HOST, app="web")]))
    monkeypatch.setattr(batch, "place_loop", refuse)
    got = place(inv, task, 4, method="batch")
    monkeypatch.undo()
    assert got == place(inv, task, 4, method="loop")
    assert sorted(got.placements) == ["a", "c"]
    assert dict(got.failures[0].reasons) == {ANTI_AFFINITY_UNSATISFIED: 3}


def test_anti_affinity_by_zone_and_nodes_without_the_key() -> None:
    inv = Inventory.from_k8s([node("a1", "A"), node("a2", "A"), node("b1", "B"), node("x")],
                             [pod("db", "a1", app="db")])  # fmt: skip
    task = TaskSpec.from_k8s(workload("podAntiAffinity", [term("zone", app="db")]))
    # Zone A holds a db pod; x has no zone and passes; the pod is not app=db: B stays open.
    got = place(inv, task, 6)
    assert len(got.placements) == 6 and set(got.placements) <= {"b1", "x"}
    assert got == place(inv, task, 6, method="loop")


def test_affinity_goes_where_the_matching_pods_are() -> None:
    inv = Inventory.from_k8s([node("a1", "A"), node("b1", "B"), node("b2", "B"), node("x")],
                             [pod("cache", "b2", app="cache")])  # fmt: skip
    task = TaskSpec.from_k8s(workload("podAffinity", [term("zone", app="cache")]))
    got = place(inv, task, 4)
    assert set(got.placements) <= {"b1", "b2"} and len(got.placements) == 4
    assert got == place(inv, task, 4, method="loop")


def test_affinity_terms_must_be_met_by_one_pod() -> None:
    # The filter counts a pod for a pod's affinity only when it matches every term
    # (kubernetes#68173, #130784): a cache pod and a tier=x pod side by side are not enough.
    apart = [pod("cache", "a1", app="cache"), pod("front", "a1", tier="x")]
    both = [*apart, pod("one", "b1", app="cache", tier="x")]
    task = TaskSpec.from_k8s(workload("podAffinity", [term("zone", app="cache"),
                                                      term("zone", tier="x")]))  # fmt: skip
    nodes = [node("a1", "A"), node("a2", "A"), node("b1", "B")]
    for method in ("batch", "loop", "reference"):
        got = place(Inventory.from_k8s(nodes, apart), task, 2, method=method)
        assert not got.placements, method
        assert dict(got.failures[0].reasons) == {AFFINITY_UNSATISFIED: 3}, method
        assert place(Inventory.from_k8s(nodes, both), task, 2, method=method).placements == (
            "b1", "b1"), method  # fmt: skip


def test_affinity_nowhere_satisfied_refuses_every_node() -> None:
    inv = Inventory.from_k8s([node("a1", "A"), node("b1", "B")], [])
    task = TaskSpec.from_k8s(workload("podAffinity", [term("zone", app="cache")]))
    got = place(inv, task, 1)
    assert not got.placements and dict(got.failures[0].reasons) == {AFFINITY_UNSATISFIED: 2}


def test_the_first_pod_of_a_self_affine_group_may_go_anywhere_then_the_rest_follow() -> None:
    inv = Inventory.from_k8s([node("a1", "A"), node("a2", "A"), node("b1", "B"), node("x")], [])
    task = TaskSpec.from_k8s(workload("podAffinity", [term("zone", app="web")]))
    for method in ("batch", "loop", "reference"):
        got = place(inv, task, 5, method=method)
        zones = {"a1": "A", "a2": "A", "b1": "B"}
        assert len(got.placements) == 5, method
        assert len({zones[n] for n in got.placements}) == 1, method  # x lacks the key


def test_namespaces_of_a_term() -> None:
    inv = Inventory.from_k8s([node("a"), node("b")], [pod("o", "a", "other", app="web")])
    own = TaskSpec.from_k8s(workload("podAntiAffinity", [term(HOST, app="web")]))
    assert sorted(place(inv, own, 2).placements) == ["a", "b"]  # "other" is not looked in
    listed = TaskSpec.from_k8s(workload("podAntiAffinity",
                                        [term(HOST, app="web", namespaces=["other"])]))  # fmt: skip
    assert sorted(place(inv, listed, 2).placements) == ["b", "b"]  # the pod is not in "other"
    every = TaskSpec.from_k8s(workload("podAntiAffinity",
                                       [term(HOST, app="web", namespaceSelector={})]))  # fmt: skip
    assert sorted(place(inv, every, 2).placements) == ["b"]
    # A non-empty selector reads the namespaces' labels: without them, placing refuses it
    # (tests/test_k8s_namespaces.py places with them).
    chooser = TaskSpec.from_k8s(workload("podAntiAffinity", [
        term(HOST, app="web", namespaceSelector={"matchLabels": {"team": "x"}})]))  # fmt: skip
    with pytest.raises(PlacementError, match="namespaceSelector: namespaces' labels are not"):
        place(inv, chooser, 1)


@pytest.mark.parametrize("bad", [{"topologyKey": ""}, {"topologyKey": "-x"},
                                 {"labelSelector": {"matchLabels": {"a": "-"}}},
                                 {"namespaces": "default"}])  # fmt: skip
def test_bad_terms_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(PlacementError, match="requiredDuringScheduling"):
        TaskSpec.from_k8s(workload("podAffinity", [{**term(HOST, app="web"), **bad}]))


# -- random clusters -------------------------------------------------------------------------


@st.composite
def problem(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    n = draw(st.integers(1, 6))
    nodes = [node(f"n{k}", draw(st.sampled_from(["A", "B", "C", None]))) for k in range(n)]
    pods = [pod(f"p{j}", f"n{draw(st.integers(0, n - 1))}",
                app=draw(st.sampled_from(["web", "db"]))) for j in range(draw(st.integers(0, 4)))]
    kind = draw(st.sampled_from(["podAffinity", "podAntiAffinity"]))
    key = draw(st.sampled_from(["zone", HOST]))
    return nodes, pods, workload(kind, [term(key, app=draw(st.sampled_from(["web", "db"])))],
                                 draw(st.sampled_from(["web", "db"])))  # fmt: skip


def allowed(nodes: list[dict[str, Any]], pods: list[tuple[str, str]], dep: dict[str, Any],
            name: str) -> bool:  # fmt: skip
    """The documentation's filter for one term, from plain dicts: `pods` (node, app) pairs."""
    kind, block = next(iter(dep["spec"]["template"]["spec"]["affinity"].items()))
    t = block["requiredDuringSchedulingIgnoredDuringExecution"][0]
    key, want = t["topologyKey"], t["labelSelector"]["matchLabels"]["app"]
    labels = {n["metadata"]["name"]: n["metadata"]["labels"] for n in nodes}
    value = labels[name].get(key)
    same = [app for on, app in pods if key in labels[on] and labels[on][key] == value]
    anywhere = [app for on, app in pods if key in labels[on] and app == want]
    if kind == "podAntiAffinity":
        return value is None or want not in same
    if value is None:
        return False
    own = dep["spec"]["template"]["metadata"]["labels"]["app"] == want
    return want in same or (not anywhere and own)


@settings(max_examples=examples(0.5), deadline=None)
@given(problem(), st.integers(1, 8))
def test_random_clusters_agree_with_the_documentation(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]], count: int
) -> None:
    nodes, pods, dep = case
    placed = [(p["spec"]["nodeName"], p["metadata"]["labels"]["app"]) for p in pods]
    app = dep["spec"]["template"]["metadata"]["labels"]["app"]
    replay(nodes, pods, dep, count, placed, lambda name: (name, app), allowed)


def replay(nodes: list[dict[str, Any]], pods: list[dict[str, Any]], dep: dict[str, Any],
           count: int, placed: list[Any], copy: Any, allowed_here: Any) -> None:  # fmt: skip
    """Every engine places the same copies, each allowed (by `allowed_here`) when placed, and
    when fewer than `count` were placed no node is allowed any more. `placed` holds the
    running pods as `allowed_here` reads them; `copy(node)` is a placed copy in that form."""
    inv = Inventory.from_k8s(nodes, pods)
    task = TaskSpec.from_k8s(dep)
    got = place(inv, task, count, method="batch")
    assert got == place(inv, task, count, method="loop") == place(inv, task, count,
                                                                  method="reference")
    for name in got.placements:  # in the order the copies were placed
        assert allowed_here(nodes, placed, dep, name), (name, placed)
        placed.append(copy(name))
    if len(got.placements) < count:
        assert not any(allowed_here(nodes, placed, dep, n["metadata"]["name"]) for n in nodes)


# -- running pods' anti-affinity (the symmetric check) -----------------------------------------


def guarded(name: str, on: str, key: str, namespace: str = "default",
            **term: Any) -> dict[str, Any]:  # fmt: skip
    """A running `app=db` pod that keeps pods matching `term` off its `key` domain."""
    out = pod(name, on, namespace, app="db")
    out["spec"]["affinity"] = {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{**term_of(key, term)}]}}
    return out


def term_of(key: str, term: dict[str, Any]) -> dict[str, Any]:
    extra = {k: term.pop(k) for k in ("namespaces", "namespaceSelector") if k in term}
    return {"topologyKey": key, "labelSelector": {"matchLabels": term}, **extra}


def test_running_pods_anti_affinity_keeps_matching_pods_away() -> None:
    from placement.k8s import EXISTING_ANTI_AFFINITY

    inv = Inventory.from_k8s([node("a1", "A"), node("a2", "A"), node("b1", "B")],
                             [guarded("db", "a1", "zone", app="web")])  # fmt: skip
    web = TaskSpec.from_k8s(workload("podAffinity", [], "web"))  # no rule of its own
    got = place(inv, web, 3)
    assert sorted(got.placements) == ["b1", "b1", "b1"]
    assert got == place(inv, web, 3, method="loop") == place(inv, web, 3, method="reference")
    from placement import k8s

    assert k8s.explain(inv, web).reasons("a2") == (EXISTING_ANTI_AFFINITY,)
    other = TaskSpec.from_k8s(workload("podAffinity", [], "api"))  # does not match the term
    assert "a1" in place(inv, other, 3).placements


def test_few_open_nodes_still_see_the_pods_on_the_others() -> None:
    # Zone A is kept off by a running pod's anti-affinity, b1 by another's (per host): only b2
    # is open, and the db pods that satisfy the affinity run on the refused nodes. The batch
    # placer asks capacities over the open rows alone; that must not hide those pods.
    nodes = [node("a1", "A"), node("a2", "A"), node("a3", "A"), node("b1", "B"), node("b2", "B")]
    pods = [guarded("g0", "a1", "zone", app="web"), guarded("g1", "b1", HOST, app="web")]
    task = TaskSpec.from_k8s(workload("podAffinity", [term("zone", app="db")]))
    inv = Inventory.from_k8s(nodes, pods)
    for method in ("batch", "loop", "reference"):
        assert place(inv, task, 3, method=method).placements == ("b2",) * 3, method


def test_running_pods_terms_look_in_their_own_namespace_by_default() -> None:
    inv = Inventory.from_k8s([node("a1", "A"), node("b1", "B")],
                             [guarded("db", "a1", HOST, "shop", app="web")])  # fmt: skip
    web = TaskSpec.from_k8s(workload("podAffinity", [], "web"))  # in "default"
    assert "a1" in place(inv, web, 2).placements
    listed = Inventory.from_k8s([node("a1", "A"), node("b1", "B")], [
        guarded("db", "a1", HOST, "shop", app="web", namespaces=["default"])])
    assert sorted(place(listed, web, 2).placements) == ["b1", "b1"]


def test_running_pods_bad_terms_are_named() -> None:
    bad = guarded("db", "a1", "-bad", app="web")
    with pytest.raises(PlacementError, match=r"pods\[0\].*podAntiAffinity"):
        Inventory.from_k8s([node("a1", "A")], [bad])


# -- engines agree on random clusters with running pods that match --------------------------------


@st.composite
def busy_cluster(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Nodes in zones, running pods (some guarding their zone or node), a pod with 0-2 terms
    of affinity and of anti-affinity, and perhaps a topology spread constraint."""
    n = draw(st.integers(1, 6))
    nodes = [node(f"n{k}", draw(st.sampled_from(["A", "B", "C", None]))) for k in range(n)]
    apps, tiers = st.sampled_from(["web", "db"]), st.sampled_from(["x", "y"])
    pods = []
    for j in range(draw(st.integers(0, 6))):
        on = f"n{draw(st.integers(0, n - 1))}"
        space = draw(st.sampled_from(["default", "default", "other"]))
        if draw(st.integers(0, 3)) == 0:  # a running pod with anti-affinity of its own
            guard = {"app": draw(apps)}
            if draw(st.booleans()):
                guard["namespaces"] = [draw(st.sampled_from(["default", "other"]))]
            pods.append(guarded(f"g{j}", on, draw(st.sampled_from(["zone", HOST])), space,
                                **guard))  # fmt: skip
        else:
            pods.append(pod(f"p{j}", on, space, app=draw(apps), tier=draw(tiers)))
    affinity: dict[str, Any] = {}
    for kind in ("podAffinity", "podAntiAffinity"):
        terms = []
        for _ in range(draw(st.integers(0, 2))):
            chosen = {"app": draw(apps)} if draw(st.booleans()) else {"tier": draw(tiers)}
            terms.append(term(draw(st.sampled_from(["zone", HOST])), **chosen))
        if terms:
            affinity[kind] = {"requiredDuringSchedulingIgnoredDuringExecution": terms}
    labels = {"app": draw(apps), "tier": draw(tiers)}
    spec: dict[str, Any] = {"containers": [{"name": "c"}], "affinity": affinity}
    if draw(st.booleans()):  # with a topology spread constraint beside the terms
        spec["topologySpreadConstraints"] = [{
            "maxSkew": draw(st.integers(1, 2)), "topologyKey": "zone",
            "whenUnsatisfiable": "DoNotSchedule", "minDomains": draw(st.integers(1, 3)),
            "labelSelector": {"matchLabels": {"app": draw(apps)}}}]  # fmt: skip
    template = {"metadata": {"labels": labels}, "spec": spec}
    dep = {"kind": "Deployment", "metadata": {"name": "w", "namespace": "default"},
           "spec": {"template": template}}  # fmt: skip
    return nodes, pods, dep


@settings(max_examples=examples(0.5), deadline=None)
@given(busy_cluster(), st.integers(1, 8))
def test_batch_loop_and_reference_agree_with_running_pods(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]], count: int
) -> None:
    nodes, pods, dep = case
    inv = Inventory.from_k8s(nodes, pods)
    task = TaskSpec.from_k8s(dep)
    results = [place(inv, task, count, method=m) for m in ("batch", "loop", "reference")]
    assert results[0] == results[1] == results[2]
    # Again from the result: the copies placed are now the group's (unlabelled) task rows.
    again = [place(results[0].inventory, task, 2, method=m) for m in ("batch", "loop",
                                                                      "reference")]  # fmt: skip
    assert again[0] == again[1] == again[2]


# -- matchLabelKeys / mismatchLabelKeys, against a per-copy reference ----------------------------


@st.composite
def keyed_problem(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    n = draw(st.integers(1, 6))
    nodes = [node(f"n{k}", draw(st.sampled_from(["A", "B", "C", None]))) for k in range(n)]
    pods = [pod(f"p{j}", f"n{draw(st.integers(0, n - 1))}",
                app=draw(st.sampled_from(["web", "db"])), rev=draw(st.sampled_from(["r1", "r2"])))
            for j in range(draw(st.integers(0, 5)))]  # fmt: skip
    kind = draw(st.sampled_from(["podAffinity", "podAntiAffinity"]))
    which = draw(st.sampled_from(["matchLabelKeys", "mismatchLabelKeys"]))
    the_term = {**term(draw(st.sampled_from(["zone", HOST])),
                       app=draw(st.sampled_from(["web", "db"]))), which: ["rev"]}
    dep = workload(kind, [the_term], draw(st.sampled_from(["web", "db"])))
    dep["spec"]["template"]["metadata"]["labels"]["rev"] = draw(st.sampled_from(["r1", "r2"]))
    return nodes, pods, dep


def keyed_allowed(nodes: list[dict[str, Any]], pods: list[tuple[str, str, str]],
                  dep: dict[str, Any], name: str) -> bool:  # fmt: skip
    """The documented filter for one term with match/mismatchLabelKeys: `pods` are
    (node, app, rev); the term counts pods with its app and the same (match) or another
    (mismatch) rev than the incoming pod's."""
    template = dep["spec"]["template"]
    kind, block = next(iter(template["spec"]["affinity"].items()))
    t = block["requiredDuringSchedulingIgnoredDuringExecution"][0]
    key, want = t["topologyKey"], t["labelSelector"]["matchLabels"]["app"]
    mine = template["metadata"]["labels"]
    same_rev = "matchLabelKeys" in t

    def chosen(app: str, rev: str) -> bool:
        return app == want and (rev == mine["rev"]) is same_rev

    labels = {n["metadata"]["name"]: n["metadata"]["labels"] for n in nodes}
    value = labels[name].get(key)
    here = [p for p in pods if chosen(p[1], p[2]) and labels[p[0]].get(key, None) is not None
            and labels[p[0]][key] == value]  # fmt: skip
    if kind == "podAntiAffinity":
        return value is None or not here
    if value is None:
        return False
    anywhere = [p for p in pods if chosen(p[1], p[2]) and key in labels[p[0]]]
    return bool(here) or (not anywhere and chosen(mine["app"], mine["rev"]))


@settings(max_examples=examples(0.5), deadline=None)
@given(keyed_problem(), st.integers(1, 6))
def test_label_keys_agree_with_the_documentation(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]], count: int
) -> None:
    nodes, pods, dep = case
    placed = [(p["spec"]["nodeName"], p["metadata"]["labels"]["app"],
               p["metadata"]["labels"]["rev"]) for p in pods]  # fmt: skip
    mine = dep["spec"]["template"]["metadata"]["labels"]
    replay(nodes, pods, dep, count, placed, lambda name: (name, mine["app"], mine["rev"]),
           keyed_allowed)  # fmt: skip
