"""`instances_needed` and `placement needs` refuse a template that cannot take the task (issue 16).

Before, a DRAINING, too small or constraint-failing template was cloned in turn with the good
ones, each clone taking no copy, and the count reported included them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import INSTANCES, TASK_DEFINITION, TASKS
from test_cli_subprocess import run

import placement
from placement import Instance, Inventory, PlacementInputError, TaskSpec, instances_needed

ARN = "arn:aws:ecs:us-east-1:1:container-instance/"


def _instance(i: int, **fields: Any) -> Instance:
    defaults: dict[str, Any] = {"arn": f"{ARN}{i}", "ec2_instance_id": f"i-{i}", "cpu": 1024,
                                "memory": 2048, "attributes": {"stack": "prod"}}  # fmt: skip
    return Instance(**{**defaults, **fields})


INV = Inventory.from_instances([_instance(0)])
TASK = TaskSpec(cpu=512, memory=512, group="service:web")


def test_a_draining_template_is_refused_with_its_reason() -> None:
    good, draining = _instance(90), _instance(91, status="DRAINING")
    with pytest.raises(PlacementInputError) as caught:
        instances_needed(INV, TASK, 10, [good, draining])
    message = str(caught.value)
    assert "templates[1] (i-91): AGENT (status DRAINING)" in message
    assert "templates[0]" not in message
    # The good template alone answers: 2 copies on the inventory, 2 per new instance.
    assert instances_needed(INV, TASK, 10, [good]).instances == 4


@pytest.mark.parametrize(
    ("template", "words"),
    [
        (_instance(9, cpu=256), "RESOURCE:CPU (256 CPU units left, the task reserves 512)"),
        (_instance(9, memory=100), "RESOURCE:MEMORY (100 MiB left, the task reserves 512)"),
        (_instance(9, agent_connected=False), "AGENT (status ACTIVE, agent disconnected)"),
        (_instance(9, ports=frozenset({80})), "RESOURCE:PORTS (taken: 80)"),
        (_instance(9, attributes={}), "ATTRIBUTE (missing: gpu-ready)"),
        (_instance(9, attributes={"stack": "dev", "gpu-ready": None}),
         "MemberOf placement constraint unsatisfied."),
    ],
)  # fmt: skip
def test_each_reason_is_named(template: Instance, words: str) -> None:
    task = TaskSpec(cpu=512, memory=512, ports={80}, requires_attributes={"gpu-ready"},
                    constraints=["memberOf(attribute:stack == prod)"])  # fmt: skip
    inv = Inventory.from_instances([_instance(0, ports=frozenset({80}))])
    with pytest.raises(PlacementInputError, match="cannot take one copy") as caught:
        instances_needed(inv, task, 3, [template])
    assert words in str(caught.value)


def test_templates_are_not_judged_when_the_inventory_suffices() -> None:
    answer = instances_needed(INV, TASK, 2, [_instance(9, status="DRAINING")])
    assert answer.instances == 0


def test_a_rule_telling_new_instances_apart_only_judges_eligibility() -> None:
    # The sample's ids are not the later instances' ids: a memberOf on ec2InstanceId is left
    # to the search, while a DRAINING template is still refused.
    rules = ["memberOf(ec2InstanceId != i-new-1)"]
    answer = instances_needed(INV, TASK, 3, [_instance(9)], constraints=rules)
    assert answer.instances is not None and answer.instances >= 2
    with pytest.raises(PlacementInputError, match="AGENT"):
        instances_needed(INV, TASK, 3, [_instance(9, status="INACTIVE")], constraints=rules)


def test_cli_refuses_in_one_line_with_exit_1(tmp_path: Path) -> None:
    elements = json.loads(INSTANCES.read_text())["containerInstances"]
    draining = next(e for e in elements if e["status"] == "DRAINING")
    path = tmp_path / "templates.json"
    path.write_text(json.dumps([elements[0], draining]))
    got = run("needs", "--inventory", str(INSTANCES), "--tasks", str(TASKS),
              "--task-definition", str(TASK_DEFINITION), "--template", str(path),
              "--count", "200")  # fmt: skip
    assert got.returncode == 1 and got.stdout == ""
    (line,) = got.stderr.splitlines()
    assert line.startswith("placement: a template that cannot take one copy of the task")
    assert "templates[1]" in line and "AGENT (status DRAINING)" in line
    # Without the DRAINING one, an answer.
    path.write_text(json.dumps([elements[0]]))
    fine = run("needs", "--inventory", str(INSTANCES), "--tasks", str(TASKS),
               "--task-definition", str(TASK_DEFINITION), "--template", str(path),
               "--count", "200", "-o", "json")  # fmt: skip
    assert fine.returncode == 0, fine.stderr
    expected = instances_needed(placement.Inventory.from_ecs(
        json.loads(INSTANCES.read_text()), json.loads(TASKS.read_text())),
        TaskSpec.from_ecs(json.loads(TASK_DEFINITION.read_text())), 200, [elements[0]])
    assert json.loads(fine.stdout)["instances"] == expected.instances
