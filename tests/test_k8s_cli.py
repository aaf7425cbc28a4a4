"""`placement place/headroom/filter/explain` on Kubernetes inputs, as processes."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import SRC

from placement import Inventory, TaskSpec, headroom, place


def node(name: str, zone: str, cpu: str = "4", taints: tuple[Any, ...] = ()) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {"zone": zone}}, "spec": {"taints": list(taints)},
            "status": {"allocatable": {"cpu": cpu, "memory": "16Gi", "pods": "110"}}}  # fmt: skip


NODES = {"kind": "List", "items": [
    node("n1", "a", cpu="1"),
    node("n2", "a", taints=({"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},)),
    node("n3", "b"), node("n4", "c"),
]}  # fmt: skip
PODS = {"kind": "List", "items": [
    {"metadata": {"name": "w0", "namespace": "default", "labels": {"app": "web"}},
     "spec": {"nodeName": "n3", "containers": [{"name": "c"}]}, "status": {"phase": "Running"}},
]}  # fmt: skip
WEB = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
       "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {
           "containers": [{"name": "c", "resources": {"requests": {"cpu": "2"}}}],
           "topologySpreadConstraints": [{
               "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "web"}}}]}}}}  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, doc in (("nodes", NODES), ("pods", PODS), ("pod", WEB)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        out[name] = str(path)
    return out


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "placement", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)  # fmt: skip


def test_place_reads_nodes_pods_and_a_deployment(files: dict[str, str]) -> None:
    got = run("place", "--k8s-nodes", files["nodes"], "--k8s-pods", files["pods"],
              "--pod", files["pod"], "--count", "3", "--output", "json")  # fmt: skip
    assert got.returncode == 3, got.stderr  # copies that fit nowhere
    want = place(Inventory.from_k8s(NODES, PODS), TaskSpec.from_k8s(WEB), 3)
    doc = json.loads(got.stdout)
    assert [p["instance"] for p in doc["placements"]] == list(want.placements)
    assert doc["failures"][0]["reasons"] == dict(want.failures[0].reasons)
    assert "node(s) didn't match pod topology spread constraints" in doc["failures"][0]["reasons"]


def test_headroom_filter_and_explain(files: dict[str, str]) -> None:
    inv = Inventory.from_k8s(NODES, PODS)
    room = run("headroom", "--k8s-nodes", files["nodes"], "--k8s-pods", files["pods"],
               "--pod", files["pod"])  # fmt: skip
    assert room.returncode == 0, room.stderr
    assert room.stdout.startswith(f"{headroom(inv, TaskSpec.from_k8s(WEB)).copies} more copy")
    chosen = run("filter", "attribute:zone == a", "--k8s-nodes", files["nodes"])
    assert chosen.returncode == 0 and chosen.stdout.startswith("2 of 4 instances match")
    why = run("explain", "attribute:zone in [a, b]", "--k8s-nodes", files["nodes"])
    assert why.returncode == 0 and "n4" in why.stdout


def test_bad_inputs_fail_cleanly(files: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"items": [{"metadata": {"name": 3}}]}))
    got = run("filter", "attribute:zone == a", "--k8s-nodes", str(bad))
    assert got.returncode == 1 and got.stderr.startswith("placement: ") and "nodes[0]" in got.stderr
    both = run("place", "--k8s-nodes", files["nodes"], "--pod", files["pod"],
               "--task-definition", files["pod"])  # fmt: skip
    assert both.returncode == 1 and "--pod and --task-definition" in both.stderr
    tasks = run("filter", "attribute:zone == a", "--k8s-nodes", files["nodes"], "--tasks",
                files["pods"])  # fmt: skip
    assert tasks.returncode == 1 and "--k8s-pods" in tasks.stderr


@pytest.mark.skipif(importlib.util.find_spec("yaml") is None, reason="PyYAML is not installed")
def test_yaml_inputs(tmp_path: Path) -> None:
    import yaml

    paths = {}
    for name, doc in (("nodes", NODES), ("pod", WEB)):
        paths[name] = tmp_path / f"{name}.yaml"
        paths[name].write_text(yaml.safe_dump(doc))
    got = run("headroom", "--k8s-nodes", str(paths["nodes"]), "--pod", str(paths["pod"]))
    assert got.returncode == 0, got.stderr


def test_yaml_without_pyyaml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nodes.yaml"
    path.write_text("kind: List\nitems: []\n")
    got = run("filter", "attribute:zone == a", "--k8s-nodes", str(path))
    if importlib.util.find_spec("yaml") is None:
        assert got.returncode == 1 and "PyYAML" in got.stderr
    else:
        assert got.returncode == 0 and got.stdout.startswith("0 of 0 instances")


def test_tables_speak_kubernetes(files: dict[str, str], tmp_path: Path) -> None:
    # The engine's reason codes in the scheduler's words, the pod's requests in Kubernetes'
    # units (millicores, bytes), and zones from the well-known label.
    got = run("place", "--k8s-nodes", files["nodes"], "--k8s-pods", files["pods"],
              "--pod", files["pod"], "--count", "3")  # fmt: skip
    assert got.returncode == 3, got.stderr
    assert "(cpu 2000m, memory 0 bytes)" in got.stdout.splitlines()[0]
    reasons = got.stdout.split("REASON", 1)[1]
    assert "Insufficient cpu" in reasons and "RESOURCE:CPU" not in reasons
    labelled = {"kind": "List", "items": [
        {**n, "metadata": {**n["metadata"], "labels": {"topology.kubernetes.io/zone": "z1"}}}
        for n in NODES["items"]
    ]}  # fmt: skip
    path = tmp_path / "zoned.json"
    path.write_text(json.dumps(labelled))
    shown = run("filter", "attribute:topology.kubernetes.io/zone == z1", "--k8s-nodes", str(path))
    assert shown.returncode == 0, shown.stderr
    assert "z1" in shown.stdout and "(no zone)" not in shown.stdout
