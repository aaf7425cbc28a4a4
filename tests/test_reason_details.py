"""`ATTRIBUTE` names the missing attributes and `RESOURCE:PORTS` the taken ports (issue 16).

In failures' `details`, in `explain_placement`, in `to_dict`, in HTML and in the CLI (run as a
process); the reason codes themselves stay ECS's.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
from cli_helpers import INSTANCES, TASK_DEFINITION, TASKS
from conftest import examples
from hypothesis import given, settings
from test_cli_subprocess import run

import placement
from placement import Instance, Inventory, TaskSpec
from placement.place import reasons as R
from placement.testing import placement_problems

NEW_API = "com.amazonaws.ecs.capability.docker-remote-api.1.30"


def _inventory() -> Inventory:
    return Inventory.from_instances([
        Instance(arn="a", cpu=100, memory=100, attributes={"x": "1"}, ports={80}),
        Instance(arn="b", cpu=100, memory=100, attributes={"x": "1", "y": None}),
        Instance(arn="c", cpu=100, memory=100, attributes={}, udp_ports={53}),
        Instance(arn="d", cpu=100, memory=100, status="DRAINING", attributes={}),
    ])  # fmt: skip


def test_failure_details_name_missing_attributes_and_taken_ports() -> None:
    task = TaskSpec(cpu=1, memory=1, ports={80, 443}, requires_attributes={"x", "y"})
    result = placement.place(_inventory(), task, 3)
    (failure,) = result.failures
    assert dict(failure.reasons) == {R.AGENT: 1, R.ATTRIBUTE: 2, R.PORTS: 1}
    # a lacks y, c lacks both (d is DRAINING: counted under AGENT, not here); b took the copy,
    # so it holds 80 and 443 itself.
    assert failure.details == {R.ATTRIBUTE: ("x", "y"), R.PORTS: ("80", "443")}
    assert failure.label(R.ATTRIBUTE) == "ATTRIBUTE (missing: x, y)"
    assert failure.label(R.PORTS) == "RESOURCE:PORTS (taken: 80, 443)"
    assert failure.label(R.AGENT) == "AGENT"
    document = result.to_dict()["failures"][0]
    assert document["reasons"] == {"AGENT": 1, "ATTRIBUTE": 2, "RESOURCE:PORTS": 1}
    assert document["details"] == {"ATTRIBUTE": {"missing": ["x", "y"]},
                                   "RESOURCE:PORTS": {"taken": ["80", "443"]}}  # fmt: skip
    html = result._repr_html_()
    assert "ATTRIBUTE (missing: x, y)" in html and "RESOURCE:PORTS (taken: 80, 443)" in html


def test_details_only_name_what_the_counted_instances_lack() -> None:
    inv = _inventory()
    # Only c lacks x. Port 53/udp is taken on c, which fails ATTRIBUTE first; a and b take a
    # copy each and then fail CPU first, before their ports are looked at.
    task = TaskSpec(cpu=60, memory=1, udp_ports={53}, requires_attributes={"x"})
    (failure,) = placement.place(inv, task, 3).failures
    assert dict(failure.reasons) == {R.AGENT: 1, R.ATTRIBUTE: 1, R.CPU: 2}
    assert failure.details == {R.ATTRIBUTE: ("x",)}
    why = placement.explain_placement(inv, task)
    # Every reason of every instance: c fails both, so 53/udp is named here.
    assert why.details() == {R.ATTRIBUTE: ("x",), R.PORTS: ("53/udp",)}
    assert why.details("a") == {}
    assert why.details(2) == {R.ATTRIBUTE: ("x",), R.PORTS: ("53/udp",)}
    text = str(why)
    assert "ATTRIBUTE (missing: x): 2" in text and "RESOURCE:PORTS (taken: 53/udp): 1" in text
    udp = placement.place(inv, TaskSpec(udp_ports={53}), 3).failures[0]
    assert udp.details == {R.PORTS: ("53/udp",)}  # a and b hold it now, c held it before


def test_details_stay_out_of_equality_and_survive_pickling() -> None:
    task = TaskSpec(cpu=1, memory=1, ports={80}, requires_attributes={"x"})
    result = placement.place(_inventory(), task, 4)
    bare = placement.Failure(result.failures[0].index, result.failures[0].reasons,
                             result.failures[0].count)  # fmt: skip
    assert result.failures == (bare,)
    again = pickle.loads(pickle.dumps(result))
    assert again == result
    assert again.failures[0].details == result.failures[0].details == {
        R.ATTRIBUTE: ("x",), R.PORTS: ("80",)}


def test_a_placement_without_those_reasons_has_no_details() -> None:
    result = placement.place(_inventory(), TaskSpec(cpu=60), 5)
    assert result.failures and not result.failures[0].details
    assert "details" not in result.to_dict()["failures"][0]


def _task_definition(tmp_path: Path, **changes: object) -> Path:
    document = json.loads(TASK_DEFINITION.read_text())
    document.update(changes)
    path = tmp_path / "task.json"
    path.write_text(json.dumps(document))
    return path


def test_cli_names_the_missing_attribute(tmp_path: Path) -> None:
    task = _task_definition(tmp_path, requiresAttributes=[{"name": NEW_API}])
    got = run("place", "--inventory", str(INSTANCES), "--tasks", str(TASKS),
              "--task-definition", str(task), "--explain")  # fmt: skip
    assert got.returncode == 3, got.stderr
    assert f"ATTRIBUTE (missing: {NEW_API})" in got.stdout
    as_json = run("place", "--inventory", str(INSTANCES), "--tasks", str(TASKS),
                  "--task-definition", str(task), "--explain", "-o", "json")  # fmt: skip
    document = json.loads(as_json.stdout)
    assert document["failures"][0]["details"] == {"ATTRIBUTE": {"missing": [NEW_API]}}
    assert document["explain"]["details"]["ATTRIBUTE"] == {"missing": [NEW_API]}


def test_cli_names_the_taken_ports(tmp_path: Path) -> None:
    document = json.loads(TASK_DEFINITION.read_text())
    web = document["containerDefinitions"][0]
    web["portMappings"] = [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"},
                           {"containerPort": 443, "hostPort": 443, "protocol": "tcp"}]  # fmt: skip
    task = _task_definition(tmp_path, containerDefinitions=document["containerDefinitions"])
    got = run("place", "--inventory", str(INSTANCES), "--tasks", str(TASKS),
              "--task-definition", str(task), "--count", "20")  # fmt: skip
    assert got.returncode == 3, got.stderr
    assert "RESOURCE:PORTS (taken: 80, 443)" in got.stdout


@settings(max_examples=examples(0.5))
@given(problem=placement_problems(max_instances=8, max_count=10))
def test_failure_details_match_the_final_states_first_reasons(problem: dict[str, Any]) -> None:
    """Details worked out from the copies (never building the state after) match the ones read
    off that state: each instance under its first reason, as `Failure.reasons` counts it."""
    result = placement.place(**problem)
    if not result.failures:
        return
    (failure,) = result.failures
    why = result.explain()
    taken = np.zeros(len(result.inventory), dtype=bool)
    first = {}
    for reason, mask in why.masks.items():
        first[reason] = mask & ~taken
        taken |= mask
    assert {r: int(m.sum()) for r, m in first.items() if m.any()} == dict(failure.reasons)
    expected = {}
    for reason in (R.ATTRIBUTE, R.PORTS):
        where = first[reason]
        one = why.details  # per instance, then the union in the task's order
        names = {n for row in np.flatnonzero(where) for n in one(int(row)).get(reason, ())}
        if names:
            expected[reason] = names
    assert {r: set(v) for r, v in failure.details.items()} == expected


def test_each_capacity_providers_failure_names_its_own_instances_details() -> None:
    inv = Inventory.from_instances([
        Instance(arn="i/0", cpu=100, memory=100, capacity_provider="spot", ports={80}),
        Instance(arn="i/1", cpu=100, memory=100, capacity_provider="od", attributes={"x": "1"}),
    ])  # fmt: skip
    task = TaskSpec(cpu=1, memory=1, ports={80}, requires_attributes={"x"})
    items = [{"capacityProvider": "spot", "weight": 1}, {"capacityProvider": "od", "weight": 1}]
    spot, od = placement.place(inv, task, 4, capacity_provider_strategy=items).failures
    # spot's one instance lacks x (its port 80 comes after); od's took a copy and holds 80.
    assert (spot.provider, dict(spot.details)) == ("spot", {R.ATTRIBUTE: ("x",)})
    assert (od.provider, dict(od.details)) == ("od", {R.PORTS: ("80",)})
    assert od.to_dict()["details"] == {"RESOURCE:PORTS": {"taken": ["80"]}}
