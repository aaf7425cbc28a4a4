"""Pod affinity terms' `namespaceSelector`, with the namespaces' labels loaded.

The API reference (PodAffinityTerm): "namespaceSelector: A label query over the set of
namespaces that the term applies to. The term is applied to the union of the namespaces
selected by this field and the ones listed in the namespaces field. null selector and null or
empty namespaces list means 'this pod's namespace'. An empty selector ({}) matches all
namespaces." The labels come from `kubectl get namespaces -o json`
(`Inventory.from_k8s(..., namespaces=...)`, `--k8s-namespaces FILE`); every namespace carries
`kubernetes.io/metadata.name` (its name), which is what a namespace not listed is taken to have.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import SRC
from conftest import examples
from engines import assert_engines_agree
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Inventory, TaskSpec, place, rank
from placement.errors import InventoryError, PlacementError, PlacementInputError
from placement.k8s.affinity import ANTI_AFFINITY_UNSATISFIED, EXISTING_ANTI_AFFINITY

METHODS = ("batch", "loop", "reference")


def node(name: str, zone: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {"zone": zone}},
            "status": {"allocatable": {"cpu": "64", "memory": "64Gi", "pods": "500"}}}  # fmt: skip


def pod(name: str, on: str, namespace: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"nodeName": on, "containers": [{"name": "c"}]},
            "status": {"phase": "Running"}}  # fmt: skip


def namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def term(chooser: dict[str, Any] | None, names: list[str] | None = None,
         app: str = "db") -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": "zone"}
    if chooser is not None:
        out["namespaceSelector"] = chooser
    if names is not None:
        out["namespaces"] = names
    return out


def workload(kind: str, *terms: dict[str, Any], namespace: str = "default",
             app: str = "web") -> dict[str, Any]:  # fmt: skip
    spec = {"containers": [{"name": "c"}],
            "affinity": {kind: {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}}
    return {"kind": "Deployment", "metadata": {"name": "w", "namespace": namespace},
            "spec": {"template": {"metadata": {"labels": {"app": app}}, "spec": spec}}}


NODES = [node("a1", "a"), node("b1", "b"), node("c1", "c")]
PODS = [pod("x", "a1", "team-a", app="db"), pod("y", "b1", "team-b", app="db"),
        pod("z", "c1", "other", app="db")]  # fmt: skip
SPACES = {"apiVersion": "v1", "kind": "List", "items": [
    namespace("team-a", team="a", tier="prod"), namespace("team-b", team="b", tier="prod"),
    namespace("other"), namespace("default")]}  # fmt: skip


def _allowed(inv: Inventory, task: TaskSpec) -> set[str]:
    """The nodes one copy may go to (`rank` ranks only those)."""
    return set(rank(inv, task).ids)


def test_anti_affinity_counts_the_pods_of_namespaces_whose_labels_match() -> None:
    inv = Inventory.from_k8s(NODES, PODS, namespaces=SPACES)
    task = TaskSpec.from_k8s(workload("podAntiAffinity", term({"matchLabels": {"team": "a"}})))
    assert _allowed(inv, task) == {"b1", "c1"}  # only team-a's db pod (zone a) counts
    task = TaskSpec.from_k8s(workload("podAntiAffinity", term({"matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["prod"]}]})))  # fmt: skip
    assert _allowed(inv, task) == {"c1"}
    for method in METHODS:
        got = place(inv, task, 2, method=method)
        assert got.placements == ("c1", "c1")


def test_affinity_with_a_namespace_selector() -> None:
    inv = Inventory.from_k8s(NODES, PODS, namespaces=SPACES)
    task = TaskSpec.from_k8s(workload("podAffinity", term({"matchLabels": {"team": "b"}})))
    assert _allowed(inv, task) == {"b1"}
    assert_engines_agree(inv, task, 3)


def test_the_selector_and_the_listed_namespaces_are_a_union() -> None:
    inv = Inventory.from_k8s(NODES, PODS, namespaces=SPACES)
    task = TaskSpec.from_k8s(workload("podAntiAffinity",
                                      term({"matchLabels": {"team": "a"}}, ["other"])))
    assert _allowed(inv, task) == {"b1"}  # team-a (by label) and other (listed)


def test_an_empty_selector_is_every_namespace_and_null_the_pods_own() -> None:
    inv = Inventory.from_k8s(NODES, PODS, namespaces=SPACES)
    every = TaskSpec.from_k8s(workload("podAntiAffinity", term({})))
    assert _allowed(inv, every) == set()
    own = TaskSpec.from_k8s(workload("podAntiAffinity", term(None), namespace="team-b"))
    assert _allowed(inv, own) == {"a1", "c1"}


def test_without_the_namespaces_loaded_the_term_is_refused_clearly() -> None:
    task = TaskSpec.from_k8s(workload("podAntiAffinity", term({"matchLabels": {"team": "a"}})))
    inv = Inventory.from_k8s(NODES, PODS)
    for method in METHODS:
        with pytest.raises(PlacementInputError, match="namespaces' labels are not loaded"):
            place(inv, task, 1, method=method)


def test_a_namespace_not_listed_has_its_name_label_alone() -> None:
    # `other` is not among the namespaces loaded: it has kubernetes.io/metadata.name only.
    spaces = [namespace("team-a", team="a")]
    inv = Inventory.from_k8s(NODES, PODS, namespaces=spaces)
    by_name = term({"matchLabels": {"kubernetes.io/metadata.name": "other"}})
    assert _allowed(inv, TaskSpec.from_k8s(workload("podAntiAffinity", by_name))) == {"a1", "b1"}
    # and the incoming pod's own namespace, for whether it matches its own term
    mine = term({"matchLabels": {"kubernetes.io/metadata.name": "fresh"}}, app="web")
    task = TaskSpec.from_k8s(workload("podAffinity", mine, namespace="fresh"))
    assert _allowed(inv, task) == {"a1", "b1", "c1"}  # the first pod of a self-affine group
    for method in METHODS:  # then its copies follow the first
        assert len(set(place(inv, task, 3, method=method).placements)) == 1


def test_running_pods_anti_affinity_reads_its_namespace_selector_when_loaded() -> None:
    holder = pod("h", "a1", "team-a", app="cache")
    holder["spec"]["affinity"] = {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            term({"matchLabels": {"tier": "prod"}}, app="web")]}}  # fmt: skip
    incoming = {"kind": "Pod", "metadata": {"name": "in", "namespace": "team-b",
                                            "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c"}]}}  # fmt: skip
    loaded = Inventory.from_k8s(NODES, [holder], namespaces=SPACES)
    task = TaskSpec.from_k8s(incoming)
    assert _allowed(loaded, task) == {"b1", "c1"}
    alone = Inventory.from_k8s(NODES[:1], [holder], namespaces=SPACES)
    for method in METHODS:
        got = place(alone, task, 1, method=method)
        assert dict(got.failures[0].reasons) == {EXISTING_ANTI_AFFINITY: 1}, method
    # in a namespace outside the selector, the running pod's term does not apply
    elsewhere = TaskSpec.from_k8s({**incoming, "metadata": {**incoming["metadata"],
                                                            "namespace": "other"}})  # fmt: skip
    assert _allowed(loaded, elsewhere) == {"a1", "b1", "c1"}
    # without the namespaces' labels, the running pod's term is left out (not refused)
    assert _allowed(Inventory.from_k8s(NODES, [holder]), task) == {"a1", "b1", "c1"}


def test_the_namespaces_stay_with_a_placements_inventory() -> None:
    inv = Inventory.from_k8s(NODES, PODS, namespaces=SPACES)
    task = TaskSpec.from_k8s(workload("podAntiAffinity", term({"matchLabels": {"team": "a"}})))
    got = place(inv, task, 1)
    for method in METHODS:
        again = place(got.inventory, task, 1, method=method)
        assert again.placements and again.placements[0] in {"b1", "c1"}, method
        every = workload("podAntiAffinity", term({"matchLabels": {"tier": "prod"}}, ["other"]))
        refused = place(got.inventory, TaskSpec.from_k8s(every), 1, method=method)
        assert dict(refused.failures[0].reasons) == {ANTI_AFFINITY_UNSATISFIED: 3}, method


@pytest.mark.parametrize("spaces", [
    SPACES, SPACES["items"], json.dumps(SPACES), json.dumps(SPACES).encode(),
])  # fmt: skip
def test_namespaces_read_as_a_list_or_list_as_text_or_bytes(spaces: Any) -> None:
    inv = Inventory.from_k8s(NODES, PODS, namespaces=spaces)
    task = TaskSpec.from_k8s(workload("podAntiAffinity", term({"matchLabels": {"team": "a"}})))
    assert _allowed(inv, task) == {"b1", "c1"}


@pytest.mark.parametrize(("spaces", "words"), [
    ([{"metadata": {}}], "namespaces[0]: metadata.name is missing"),
    ([namespace("a"), namespace("a")], "namespaces[1]: namespace 'a' is listed twice"),
    ([{"metadata": {"name": "a", "labels": {"k": 3}}}], "namespaces[0].metadata.labels['k']"),
    ([{"metadata": {"name": "a", "labels": ["k"]}}], "namespaces[0]"),
    ("[", "namespaces"), (3, "namespaces"),
])  # fmt: skip
def test_bad_namespaces_are_refused_naming_the_object(spaces: Any, words: str) -> None:
    with pytest.raises(InventoryError) as caught:
        Inventory.from_k8s(NODES, PODS, namespaces=spaces)
    assert words in str(caught.value)


def test_a_bad_namespace_selector_is_refused_on_reading_the_pod() -> None:
    bad = term({"matchExpressions": [{"key": "team", "operator": "Gt", "values": ["1"]}]})
    with pytest.raises(PlacementError, match="namespaceSelector"):
        TaskSpec.from_k8s(workload("podAntiAffinity", bad))


# -- random clusters: the engines agree with the documentation -------------------------------

NAMES = ("ns-a", "ns-b", "ns-c", "default")


@st.composite
def problem(draw: Any) -> tuple[Inventory, TaskSpec, set[str]]:
    """A cluster, a pod with one namespace-selecting term, and the nodes the docs allow."""
    nodes = [node(f"n{k}", draw(st.sampled_from("abc"))) for k in range(draw(st.integers(1, 5)))]
    team = {name: draw(st.sampled_from(["x", "y", None])) for name in NAMES}
    listed = [namespace(name, **({"team": team[name]} if team[name] else {}))
              for name in NAMES if draw(st.integers(0, 4))]  # fmt: skip
    known = {n["metadata"]["name"] for n in listed}
    pods = [pod(f"p{j}", f"n{draw(st.integers(0, len(nodes) - 1))}",
                draw(st.sampled_from(NAMES)), app=draw(st.sampled_from(["db", "web"])))
            for j in range(draw(st.integers(0, 8)))]  # fmt: skip
    chooser = {"matchLabels": {"team": draw(st.sampled_from(["x", "y"]))}}
    names = draw(st.sampled_from([None, ["ns-a"], ["ns-c", "default"]]))
    kind = draw(st.sampled_from(["podAffinity", "podAntiAffinity"]))
    mine = draw(st.sampled_from(NAMES))
    app = draw(st.sampled_from(["db", "web"]))
    inv = Inventory.from_k8s(nodes, pods, namespaces=listed)
    task = TaskSpec.from_k8s(workload(kind, term(chooser, names, app=app), namespace=mine))

    def chosen(space: str) -> bool:  # the union of the selected and the listed namespaces
        labels = {"team": team[space]} if space in known and team[space] else {}
        wanted = chooser["matchLabels"]["team"]
        return labels.get("team") == wanted or space in (names or [])

    zone = {n["metadata"]["name"]: n["metadata"]["labels"]["zone"] for n in nodes}
    counted: dict[str, int] = {}
    for p in pods:
        if p["metadata"]["labels"]["app"] == app and chosen(p["metadata"]["namespace"]):
            z = zone[p["spec"]["nodeName"]]
            counted[z] = counted.get(z, 0) + 1
    if kind == "podAntiAffinity":
        allowed = {name for name, z in zone.items() if not counted.get(z)}
    elif counted:
        allowed = {name for name, z in zone.items() if counted.get(z)}
    elif app == "web" and chosen(mine):  # the first pod of a group with affinity to itself
        allowed = set(zone)
    else:
        allowed = set()
    return inv, task, allowed


@settings(max_examples=examples(0.3), deadline=None)
@given(problem(), st.integers(1, 4))
def test_random_clusters_agree_with_the_documentation(
    case: tuple[Inventory, TaskSpec, set[str]], count: int
) -> None:
    inv, task, allowed = case
    assert _allowed(inv, task) == allowed
    assert_engines_agree(inv, task, count)


# -- the command line ------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "placement", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)  # fmt: skip


def test_the_command_line_reads_k8s_namespaces(tmp_path: Path) -> None:
    files = {}
    task = workload("podAntiAffinity", term({"matchLabels": {"team": "a"}}))
    for name, doc in (("nodes", NODES), ("pods", PODS), ("spaces", SPACES), ("pod", task)):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(doc))
    common = ["place", "--k8s-nodes", str(files["nodes"]), "--k8s-pods", str(files["pods"]),
              "--pod", str(files["pod"]), "--count", "2", "--output", "json"]  # fmt: skip
    got = run(*common, "--k8s-namespaces", str(files["spaces"]))
    assert got.returncode == 0, got.stderr
    want = place(Inventory.from_k8s(NODES, PODS, namespaces=SPACES), TaskSpec.from_k8s(task), 2)
    assert [p["instance"] for p in json.loads(got.stdout)["placements"]] == list(want.placements)
    refused = run(*common)
    assert refused.returncode != 0 and "namespaces' labels are not loaded" in refused.stderr
    beside = run("place", "--nomad-nodes", str(files["nodes"]), "--k8s-namespaces",
                 str(files["spaces"]), "--task-group", str(files["pod"]))  # fmt: skip
    assert beside.returncode == 2, beside.stderr
    assert "--k8s-namespaces goes with --k8s-nodes, not --nomad-nodes" in beside.stderr
