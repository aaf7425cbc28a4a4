"""Inventory.from_ecs on real-shaped JSON: accepted shapes, and errors that name what is wrong."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings

from placement import Instance, InventoryError, parse
from placement.inventory import ABSENT, NAME_ONLY, Inventory
from placement.testing import ecs_documents

ARN = "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/{}"


def cli_instance(n: int, **over: Any) -> dict[str, Any]:
    """One element as `aws ecs describe-container-instances` prints it (zeroed numeric fields)."""
    def res(name: str, value: int) -> dict[str, Any]:
        return {"name": name, "type": "INTEGER", "doubleValue": 0.0, "longValue": 0,
                "integerValue": value}  # fmt: skip

    def ports(name: str, items: list[str]) -> dict[str, Any]:
        return {"name": name, "type": "STRINGSET", "doubleValue": 0.0, "longValue": 0,
                "integerValue": 0, "stringSetValue": items}  # fmt: skip

    doc: dict[str, Any] = {
        "containerInstanceArn": ARN.format(n),
        "ec2InstanceId": f"i-{n:04d}",
        "version": 7,
        "versionInfo": {"agentVersion": "1.70.2", "agentHash": "b197edd",
                        "dockerVersion": "DockerVersion: 20.10"},
        "remainingResources": [res("CPU", 1024 - n), res("MEMORY", 995),
                               ports("PORTS", ["22", "2376", "2375", "51678"]),
                               ports("PORTS_UDP", [])],
        "registeredResources": [res("CPU", 2048), res("MEMORY", 3955),
                                ports("PORTS", ["22"]), ports("PORTS_UDP", [])],
        "status": "ACTIVE",
        "agentConnected": True,
        "runningTasksCount": 0,
        "pendingTasksCount": 0,
        "attributes": [
            {"name": "ecs.instance-type", "value": "t2.small"},
            {"name": "ecs.availability-zone", "value": "us-east-1a"},
            {"name": "com.amazonaws.ecs.capability.privileged-container"},
        ],
        "registeredAt": 1_529_360_908.5,
        "attachments": [],
        "tags": [],
    }
    doc.update(over)
    return doc


def task(n: int, instance: int | None, group: str, desired: str = "RUNNING") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/prod/{n}",
        "group": group, "desiredStatus": desired, "lastStatus": "RUNNING",
    }  # fmt: skip
    if instance is not None:
        doc["containerInstanceArn"] = ARN.format(instance)
    return doc


def test_cli_shaped_instance() -> None:
    inv = Inventory.from_ecs({"containerInstances": [cli_instance(1)], "failures": []})
    (inst,) = inv
    assert inst.arn == ARN.format(1)
    assert inst.ec2_instance_id == "i-0001"
    assert inst.cpu == 1023
    assert inst.memory == 995
    assert inst.registered_cpu == 2048
    assert inst.registered_memory == 3955
    assert inst.ports == frozenset({22, 2375, 2376, 51678})
    assert inst.udp_ports == frozenset()
    assert inst.agent_version == "1.70.2"
    assert inst.registered_at is not None
    assert inst.registered_at.micros == 1_529_360_908_500_000
    # The capability attribute has no `value`: present, name-only.
    cap = "com.amazonaws.ecs.capability.privileged-container"
    assert inst.attributes[cap] is None
    assert inv.attributes[cap].codes.tolist() == [NAME_ONLY]
    assert parse(f"attribute:{cap} exists").evaluate(inv).tolist() == [True]
    assert parse(f"attribute:{cap} != x").evaluate(inv).tolist() == [False]


def test_three_shapes_give_the_same_inventory() -> None:
    docs = [cli_instance(i) for i in range(5)]
    one = Inventory.from_ecs({"containerInstances": docs})
    pages = Inventory.from_ecs(
        [{"containerInstances": docs[:2]}, {"containerInstances": docs[2:4]},
         {"containerInstances": docs[4:], "failures": []}]
    )  # fmt: skip
    plain = Inventory.from_ecs(docs)
    assert one == pages == plain
    assert one.ids.tolist() == [ARN.format(i) for i in range(5)]
    tasks = [task(0, 1, "service:web"), task(1, 1, "service:web"), task(2, 3, "databases")]
    a = Inventory.from_ecs(docs, {"tasks": tasks})
    b = Inventory.from_ecs(docs, [{"tasks": tasks[:1]}, {"tasks": tasks[1:]}])
    c = Inventory.from_ecs(docs, tasks)
    assert a == b == c
    assert dict(a[1].task_groups) == {"service:web": 2}
    assert dict(a[3].task_groups) == {"databases": 1}


def test_task_filtering_and_running_count() -> None:
    docs = [cli_instance(i) for i in range(3)]
    for doc in docs:
        del doc["runningTasksCount"]  # derived from the RUNNING tasks
    tasks = [
        task(0, 0, "service:web"),
        task(1, 0, "service:web", desired="STOPPED"),  # stopped: never counts
        task(2, None, "service:fargate"),  # Fargate: no container instance, skipped
        task(3, 2, "family:batch"),
        task(4, 9, "service:elsewhere"),  # on an instance not in the inventory
        task(5, 2, "family:batch", desired="PENDING"),
    ]
    inv = Inventory.from_ecs(docs, tasks)
    assert [dict(i.task_groups) for i in inv] == [{"service:web": 1}, {}, {"family:batch": 1}]
    assert inv.running_tasks_count.tolist() == [1, 0, 1]
    assert parse("task:group == service:fargate").evaluate(inv).tolist() == [False] * 3
    # An explicit runningTasksCount is ECS's own count and is kept.
    kept = Inventory.from_ecs([cli_instance(0, runningTasksCount=4)], tasks)
    assert kept.running_tasks_count.tolist() == [4]


@pytest.mark.parametrize(
    ("stamp", "micros"),
    [
        (1_529_360_908, 1_529_360_908_000_000),
        (1_529_360_908.25, 1_529_360_908_250_000),
        ("2018-06-18T22:28:28+00:00", 1_529_360_908_000_000),
        ("2018-06-18T22:28:28Z", 1_529_360_908_000_000),
        ("2018-06-18T22:28:28.123000-05:00", 1_529_378_908_123_000),
        ("2018-06-18T22:28:28.5+02:00", 1_529_353_708_500_000),
        ("2018-06-18", 1_529_280_000_000_000),
        (dt.datetime(2018, 6, 18, 22, 28, 28, tzinfo=dt.timezone.utc), 1_529_360_908_000_000),
        (dt.datetime(2018, 6, 18, 22, 28, 28), 1_529_360_908_000_000),  # naive: UTC
        (
            dt.datetime(2018, 6, 18, 17, 28, 28, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            1_529_360_908_000_001,
        ),
    ],
)
def test_registered_at_forms(stamp: Any, micros: int) -> None:
    inv = Inventory.from_ecs([cli_instance(0, registeredAt=stamp)])
    assert inv.registered_at.tolist() == [micros]
    assert inv.has_registered_at.tolist() == [True]
    assert Instance.from_ecs(cli_instance(0, registeredAt=stamp)).registered_at.micros == micros  # type: ignore[union-attr]


def test_missing_registered_at_and_optional_fields() -> None:
    inv = Inventory.from_ecs([{"containerInstanceArn": "arn:x"}])
    (inst,) = inv
    assert inst == Instance("arn:x")
    assert inv.has_registered_at.tolist() == [False]
    assert inv.ec2_instance_ids.codes.tolist() == [ABSENT]
    assert parse("registeredAt < 2100-01-01").evaluate(inv).tolist() == [False]


def test_gpu_stringset_and_other_resource_types() -> None:
    doc = cli_instance(
        0,
        remainingResources=[
            {"name": "CPU", "type": "DOUBLE", "doubleValue": 512.0, "longValue": 0,
             "integerValue": 0},
            {"name": "MEMORY", "type": "LONG", "longValue": 2048, "doubleValue": 0.0,
             "integerValue": 0},
            {"name": "GPU", "type": "STRINGSET", "stringSetValue": ["GPU-a1", "GPU-b2", "GPU-c3"]},
            {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["80", "80", "443"]},
            {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": ["53"]},
        ],
    )  # fmt: skip
    (inst,) = Inventory.from_ecs([doc])
    assert (inst.cpu, inst.memory, inst.gpus) == (512, 2048, 3)
    assert inst.ports == frozenset({80, 443})
    assert inst.udp_ports == frozenset({53})
    # Only registered resources: everything is free.
    only_registered = cli_instance(1)
    del only_registered["remainingResources"]
    (free,) = Inventory.from_ecs([only_registered])
    assert (free.cpu, free.memory, free.ports) == (2048, 3955, frozenset({22}))


def _error(docs: Any, tasks: Any = ()) -> str:
    with pytest.raises(InventoryError) as info:
        Inventory.from_ecs(docs, tasks)
    return str(info.value)


def test_errors_name_instance_and_field() -> None:
    good = [cli_instance(0), cli_instance(1)]
    arn2 = ARN.format(2)

    def with_bad(**over: Any) -> list[dict[str, Any]]:
        return [*copy.deepcopy(good), cli_instance(2, **over)]

    msg = _error([*good, "not an object"])
    assert "container instance #2" in msg
    assert "expected an object, got str" in msg

    no_arn = cli_instance(2)
    del no_arn["containerInstanceArn"]
    msg = _error([*good, no_arn])
    assert msg.startswith("container instance #2: field 'containerInstanceArn'")

    msg = _error(with_bad(containerInstanceArn=""))
    assert "container instance #2" in msg
    assert "'containerInstanceArn'" in msg
    assert "non-empty" in msg

    msg = _error([*good, cli_instance(1)])
    assert f"container instance #2 ({ARN.format(1)})" in msg
    assert "appears twice" in msg

    for stamp in ["yesterday", "2018-13-45", True, [1], float("nan"), 1e20]:
        msg = _error(with_bad(registeredAt=stamp))
        assert f"container instance #2 ({arn2}): field 'registeredAt'" in msg, msg

    msg = _error(with_bad(attributes=[{"name": "stack", "value": 7}]))
    assert f"({arn2}): field 'attributes[0].value': expected a string" in msg
    msg = _error(with_bad(attributes=[{"value": "x"}]))
    assert "field 'attributes[0]'" in msg
    assert arn2 in msg

    for bad_ports in [["http"], ["70000"], [True], [8.5], "22"]:
        msg = _error(
            with_bad(remainingResources=[{"name": "PORTS", "type": "STRINGSET",
                                          "stringSetValue": bad_ports}])
        )
        assert f"({arn2}): field 'remainingResources[0].stringSetValue'" in msg, msg

    for count in [-1, "3", 1.5, True, 2**70]:
        msg = _error(with_bad(runningTasksCount=count))
        assert f"({arn2}): field 'runningTasksCount'" in msg, msg

    msg = _error(with_bad(remainingResources=[{"name": "CPU", "type": "INTEGER",
                                               "integerValue": "lots"}]))  # fmt: skip
    assert "'remainingResources[0].integerValue': expected a number" in msg
    msg = _error(with_bad(agentConnected="yes"))
    assert "'agentConnected'" in msg
    msg = _error(with_bad(versionInfo={"agentVersion": 1}))
    assert "'versionInfo.agentVersion'" in msg

    assert "task #1" in _error(good, [task(0, 0, "g"), task(1, 0, 5)])  # type: ignore[arg-type]
    assert "'containerInstances' must be a list" in _error({"containerInstances": "x"})
    assert "expected a response object or a list" in _error("oops")


def test_nothing_loads_after_an_error() -> None:
    docs = [cli_instance(0), cli_instance(1, registeredAt="never")]
    with pytest.raises(InventoryError):
        Inventory.from_ecs(docs)
    # The documents are not modified by a failed (or a successful) load.
    before = copy.deepcopy(docs)
    with pytest.raises(InventoryError):
        Inventory.from_ecs(docs)
    assert docs == before


@settings(max_examples=examples(0.5))
@given(ecs_documents())
def test_from_ecs_agrees_with_instance_from_ecs(docs: tuple) -> None:  # type: ignore[type-arg]
    instances_json, tasks_json = docs
    inv = Inventory.from_ecs(instances_json, tasks_json)
    tasks = tasks_json["tasks"]
    expected = [
        Instance.from_ecs(ci, [t for t in tasks if t["containerInstanceArn"] == ci[
            "containerInstanceArn"]])
        for ci in instances_json["containerInstances"]
    ]
    assert list(inv) == expected
    assert Inventory.from_instances(expected, list(inv.tasks)) == inv
