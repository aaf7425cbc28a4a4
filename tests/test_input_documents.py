"""Input documents: recognised by shape, task definitions without memory, loose reserved ports.

Issue 16's frictions: a document in the wrong place is refused with what it looks like and
where it belongs (library: the library's error; CLI: exit 1, one stderr line); a task
definition that reserves no memory anywhere is refused as ECS refuses it for EC2; reserved
ports that no loaded task holds load with a warning naming them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from placement import Inventory, Service, TaskSpec
from placement.ecs.reserved import UnaccountedPortsWarning
from placement.ecs.shapes import kind_of
from placement.errors import InventoryError, PlacementInputError

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "placement" / "examples"


def _example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


INSTANCES = _example("container-instances.json")
TASKS = _example("tasks.json")
DEFINITION = _example("task-definition.json")
SERVICES = _example("service.json")

# Each kind of document in each of its usual forms: a response, a list of pages, the elements.
FORMS: dict[str, list[Any]] = {
    "instances": [INSTANCES, [INSTANCES], INSTANCES["containerInstances"]],
    "tasks": [TASKS, [TASKS], TASKS["tasks"]],
    "task definition": [DEFINITION, {"taskDefinition": DEFINITION}],
    "services": [SERVICES, SERVICES["services"][0]],
}
LOOKS = {"instances": "DescribeContainerInstances", "tasks": "DescribeTasks",
         "task definition": "a task definition", "services": "DescribeServices"}  # fmt: skip
BELONGS = {"instances": "--inventory", "tasks": "--tasks",
           "task definition": "--task-definition", "services": "--service-file"}  # fmt: skip


def _wrong(expected: str) -> list[tuple[str, Any]]:
    return [(kind, form) for kind, forms in FORMS.items() if kind != expected for form in forms]


def _refused(error: pytest.ExceptionInfo[Exception], kind: str) -> None:
    message = str(error.value)
    assert f"looks like {'' if kind == 'task definition' else 'a '}{LOOKS[kind]}" in message
    assert BELONGS[kind] in message


@pytest.mark.parametrize("kind", list(FORMS))
def test_each_form_is_recognised(kind: str) -> None:
    for form in FORMS[kind]:
        assert kind_of(form) == kind
    assert kind_of({"unknown": 1}) is None and kind_of([]) is None and kind_of("x") is None


@pytest.mark.parametrize(("kind", "document"), _wrong("instances"))
def test_the_inventory_loaders_refuse_other_documents(kind: str, document: Any) -> None:
    with pytest.raises(InventoryError) as error:
        Inventory.from_ecs(document)
    _refused(error, kind)
    with pytest.raises(InventoryError) as error:
        Inventory.from_ecs_json(json.dumps(document).encode())
    _refused(error, kind)


@pytest.mark.parametrize(("kind", "document"), _wrong("tasks"))
def test_tasks_of_another_kind_are_refused_not_read_as_none(kind: str, document: Any) -> None:
    # Read as tasks, none of these would hold a RUNNING task: they loaded silently before.
    with pytest.raises(InventoryError) as error:
        Inventory.from_ecs(INSTANCES, document)
    _refused(error, kind)
    with pytest.raises(InventoryError) as error:
        Inventory.from_ecs_json(json.dumps(INSTANCES), json.dumps(document))
    _refused(error, kind)


@pytest.mark.parametrize(("kind", "document"), _wrong("task definition"))
def test_task_definitions_of_another_kind_are_refused(kind: str, document: Any) -> None:
    with pytest.raises(PlacementInputError) as error:
        TaskSpec.from_ecs(document)
    _refused(error, kind)


@pytest.mark.parametrize(("kind", "document"), _wrong("services"))
def test_services_of_another_kind_are_refused(kind: str, document: Any) -> None:
    with pytest.raises(InventoryError) as error:
        Service.from_ecs(document)
    _refused(error, kind)


def test_the_right_documents_still_load() -> None:
    for instances in FORMS["instances"]:
        for tasks in FORMS["tasks"]:
            assert len(Inventory.from_ecs(instances, tasks).tasks) == 7
            text = json.dumps(instances), json.dumps(tasks)
            assert len(Inventory.from_ecs_json(*text).tasks) == 7
    assert TaskSpec.from_ecs({"taskDefinition": DEFINITION}) == TaskSpec.from_ecs(DEFINITION)
    assert Service.from_ecs(SERVICES["services"][0]).name == "web"


# -- task definitions that reserve no memory ------------------------------------------------


@pytest.mark.parametrize(
    "containers",
    [[{"name": "web"}], [{"name": "a", "cpu": 256}, {"name": "b", "memory": None}]],
)
def test_no_memory_anywhere_is_refused_as_ecs_does(containers: list[dict[str, Any]]) -> None:
    with pytest.raises(PlacementInputError, match="containerDefinitions\\[0\\]") as error:
        TaskSpec.from_ecs({"family": "web", "containerDefinitions": containers})
    assert "task-level memory value or a container-level memory value" in str(error.value)


@pytest.mark.parametrize(
    ("document", "memory"),
    [
        ({"memory": "512", "containerDefinitions": [{"name": "a"}]}, 512),
        ({"containerDefinitions": [{"name": "a", "memoryReservation": 128}]}, 128),
        ({"containerDefinitions": [{"name": "a", "memory": 64}, {"name": "b"}]}, 64),
        ({"containerDefinitions": []}, 0),  # nothing to run: the constraints-only form
    ],
)
def test_memory_at_either_level_is_enough(document: dict[str, Any], memory: int) -> None:
    assert TaskSpec.from_ecs(document).memory == memory


# -- reserved ports no running task accounts for -----------------------------------------------


def _instance(name: str, reserved: list[str], udp: tuple[str, ...] = ()) -> dict[str, Any]:
    agent = ["22", "2375", "2376", "51678", "51679"]
    return {
        "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{name}",
        "ec2InstanceId": name, "status": "ACTIVE", "agentConnected": True,
        "remainingResources": [
            {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024},
            {"name": "PORTS", "type": "STRINGSET", "stringSetValue": agent + reserved},
            {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": list(udp)},
        ],
    }  # fmt: skip


def _task(name: str, instance: str, ports: list[int]) -> dict[str, Any]:
    return {
        "taskArn": f"arn:aws:ecs:us-east-1:1:task/c/{name}",
        "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{instance}",
        "desiredStatus": "RUNNING", "group": "service:web",
        "containers": [{"name": "w", "networkBindings": [
            {"hostPort": p, "containerPort": p, "protocol": "tcp"} for p in ports]}],
    }  # fmt: skip


CLUSTER = {"containerInstances": [_instance("i-1", ["80", "443"], ("53",)),
                                  _instance("i-2", ["8080"])]}  # fmt: skip


def _load(tasks: Any) -> list[str]:
    """The warnings both loaders give (which must agree)."""
    messages = []
    for json_path in (False, True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if json_path:
                Inventory.from_ecs_json(json.dumps(CLUSTER), json.dumps(tasks))
            else:
                Inventory.from_ecs(CLUSTER, tasks)
        messages.append([str(w.message) for w in caught if w.category is UnaccountedPortsWarning])
    assert messages[0] == messages[1]
    return messages[0]


def test_loose_reserved_ports_are_named() -> None:
    # i-1 holds 80 for its task; 443/tcp and 53/udp nobody holds; i-2's 8080 is held elsewhere.
    [message] = _load({"tasks": [_task("a", "i-1", [80]), _task("b", "i-1", [8080])]})
    assert message.startswith("3 reserved ports on 2 instances held by no running task: ")
    assert "i-1 443/tcp, 53/udp; i-2 8080/tcp" in message
    for agent in ("22/", "2375/", "51678/"):
        assert agent not in message


def test_no_warning_when_every_port_is_held_or_no_tasks_are_given() -> None:
    held = {"tasks": [_task("a", "i-1", [80, 443]), _task("b", "i-2", [8080])]}
    udp = _task("c", "i-1", [])
    udp["containers"][0]["networkBindings"] = [{"hostPort": 53, "protocol": "udp"}]
    held["tasks"].append(udp)
    assert _load(held) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Inventory.from_ecs(CLUSTER)  # no tasks given: nothing to account for
        Inventory.from_ecs_json(json.dumps(CLUSTER))
        Inventory.from_ecs(INSTANCES, TASKS)  # the bundled example holds its ports


# -- the CLI: exit 1 and one stderr line; the warning as one line ------------------------------


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "placement", *argv],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("documents")
    out = {"instances": str(EXAMPLES / "container-instances.json"),
           "tasks": str(EXAMPLES / "tasks.json"),
           "definition": str(EXAMPLES / "task-definition.json"),
           "services": str(EXAMPLES / "service.json")}  # fmt: skip
    loose = folder / "loose-tasks.json"
    loose.write_text(json.dumps({"tasks": [_task("a", "i-1", [80])]}))
    cluster = folder / "cluster.json"
    cluster.write_text(json.dumps(CLUSTER))
    no_memory = folder / "no-memory.json"
    no_memory.write_text(json.dumps({"family": "web", "containerDefinitions": [{"name": "w"}]}))
    return {**out, "loose": str(loose), "cluster": str(cluster), "no memory": str(no_memory)}


@pytest.mark.parametrize(
    ("swap", "looks"),
    [
        ({"instances": "tasks"}, "a DescribeTasks response"),
        ({"tasks": "instances"}, "a DescribeContainerInstances response"),
        ({"definition": "services"}, "a DescribeServices response"),
        ({"definition": "tasks"}, "a DescribeTasks response"),
        ({"instances": "definition"}, "a task definition"),
        ({"definition": "no memory"}, "no container gives memory or memoryReservation"),
    ],
)
def test_cli_refuses_a_document_in_the_wrong_place(
    files: dict[str, str], swap: dict[str, str], looks: str
) -> None:
    given = {**files, **{k: files[v] for k, v in swap.items()}}
    done = _cli("place", "--inventory", given["instances"], "--tasks", given["tasks"],
                "--task-definition", given["definition"], "--count", "2")  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("placement: ") and looks in line


def test_cli_warns_of_loose_ports_in_one_line(files: dict[str, str]) -> None:
    done = _cli("headroom", "--inventory", files["cluster"], "--tasks", files["loose"],
                "--task-definition", files["definition"])  # fmt: skip
    assert done.returncode == 0, done.stderr
    [line] = [x for x in done.stderr.splitlines() if "reserved port" in x]
    assert line.startswith("placement: warning: 3 reserved ports on 2 instances")
    assert "i-1 443/tcp, 53/udp; i-2 8080/tcp" in line
    clean = _cli("headroom", "--inventory", files["instances"], "--tasks", files["tasks"],
                 "--task-definition", files["definition"])  # fmt: skip
    assert clean.returncode == 0 and "warning" not in clean.stderr


def test_filter_json_keeps_the_tasks_of_the_instances_it_keeps(files: dict[str, str]) -> None:
    first = _cli("filter", "attribute:stack == prod", "--inventory", files["instances"],
                 "--tasks", files["tasks"], "-o", "json")  # fmt: skip
    assert first.returncode == 0, first.stderr
    kept = json.loads(first.stdout)
    arns = {i["containerInstanceArn"] for i in kept["containerInstances"]}
    running = [t for t in TASKS["tasks"] if t["desiredStatus"] == "RUNNING"]
    assert {t["taskArn"] for t in kept["tasks"]} == {
        t["taskArn"] for t in running if t["containerInstanceArn"] in arns
    }
    # Fed back as --inventory alone (a pipeline), its tasks come with it, then filtered again.
    second = subprocess.run(
        [sys.executable, "-m", "placement", "filter", "attribute:ecs.availability-zone == "
         "us-east-1a", "--inventory", "-", "-o", "json"],
        input=first.stdout, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    arns = {i["containerInstanceArn"] for i in again["containerInstances"]}
    assert 0 < len(arns) < len(kept["containerInstances"])
    assert {t["taskArn"] for t in again["tasks"]} == {
        t["taskArn"] for t in kept["tasks"] if t["containerInstanceArn"] in arns
    } != set()
