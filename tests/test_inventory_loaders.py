"""Inventory.from_ecs on real-shaped JSON: accepted shapes, and errors that name what is wrong."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import importlib.metadata
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings

from placement import Instance, InventoryError, ecs_json, parse
from placement.ecs import Unusual, iter_container_instances, iter_tasks, read_instance, read_task
from placement.ecs import fast as ecs_fast
from placement.instance import Task
from placement.inventory import ABSENT, NAME_ONLY, Inventory
from placement.model import MAX_TEXT
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


# -- from_ecs_json, and the defects of issue 7 ------------------------------------------------


def outcome(load: Any) -> tuple[str, Any]:
    """("ok", inventory) or ("error", message); anything but an InventoryError escapes."""
    try:
        return "ok", load()
    except InventoryError as exc:
        return "error", str(exc)


def checked_only(instances: Any, tasks: Any = ()) -> Inventory:
    """`from_ecs` with the fast paths bypassed: the checked readers read every element."""
    records = [
        tuple(read_instance(doc, k)) for k, doc in enumerate(iter_container_instances(instances))
    ]
    rows = [read_task(doc, k) for k, doc in enumerate(iter_tasks(tasks))]
    return Inventory._build(records, [tuple(row) for row in rows if row is not None])


def same_everywhere(instances: Any, tasks: Any = ()) -> tuple[str, Any]:
    """The outcome of `from_ecs`, checked equal to the checked readers' and, through JSON text,
    to `from_ecs_json`'s (typed decode and plain way alike)."""
    expected = outcome(lambda: Inventory.from_ecs(instances, tasks))
    assert outcome(lambda: checked_only(instances, tasks)) == expected
    try:
        text = json.dumps(instances), json.dumps(tasks)
    except (TypeError, ValueError, RecursionError):
        return expected  # not JSON (datetimes, sets): from_ecs only
    via_text = outcome(lambda: Inventory.from_ecs(json.loads(text[0]), json.loads(text[1])))
    data = text[0].encode(), text[1].encode()
    assert outcome(lambda: Inventory.from_ecs_json(*data)) == via_text
    with plain_json():
        assert outcome(lambda: Inventory.from_ecs_json(*data)) == via_text
    if all(t.startswith(("{", "[")) for t in text):  # other text is a path
        assert outcome(lambda: Inventory.from_ecs_json(*text)) == via_text
    return expected


@contextlib.contextmanager
def plain_json() -> Iterator[None]:
    """from_ecs_json with the typed decode refusing everything: every input is read the plain
    way (json.loads and the checked readers), as unusual input is."""

    def refuse(*_: Any) -> Any:
        raise Unusual

    saved = ecs_fast._typed
    ecs_fast._typed = refuse
    try:
        yield
    finally:
        ecs_fast._typed = saved


def error_of(instances: Any, tasks: Any = ()) -> str:
    kind, message = same_everywhere(instances, tasks)
    assert kind == "error", message
    assert len(message) < 400  # a 10 MB value never makes a 10 MB message
    return str(message)


def test_msgspec_is_a_core_dependency() -> None:
    # `pip install placement` alone gives from_ecs_json (and the CLI) the typed decode.
    required = importlib.metadata.requires("placement") or []
    assert any(r.startswith("msgspec") and "extra" not in r for r in required), required
    assert ecs_json.HAVE_MSGSPEC


def test_registered_at_far_out_of_range() -> None:
    for stamp in [1e303, -1e303, 2**70, 1e16, 253402300800, float("inf"), float("nan")]:
        msg = error_of([cli_instance(0, registeredAt=stamp)])
        assert msg.startswith(f"container instance #0 ({ARN.format(0)}): field 'registeredAt'")


def test_resource_type_that_is_not_a_string() -> None:
    doc = cli_instance(0, remainingResources=[{"name": "CPU", "type": ["INTEGER"],
                                               "integerValue": 1}])  # fmt: skip
    assert "field 'remainingResources[0].type': expected a string" in error_of([doc])


def test_agent_version_with_thousands_of_digits() -> None:
    doc = cli_instance(0, versionInfo={"agentVersion": "1." + "9" * 5000})
    assert "field 'versionInfo.agentVersion': a version component longer than 18" in error_of(
        [doc]
    )
    # 18 digits load (the version column holds them).
    (inst,) = Inventory.from_ecs([cli_instance(0, versionInfo={"agentVersion": "1." + "9" * 18})])
    assert inst.agent_version == "1." + "9" * 18


def test_null_in_every_field_means_absent() -> None:
    nulls = dict.fromkeys(cli_instance(0))
    nulls["containerInstanceArn"] = "arn:x"
    kind, inv = same_everywhere([nulls])
    assert kind == "ok"
    assert list(inv) == [Instance("arn:x")]
    nested = {"containerInstanceArn": "arn:x", "versionInfo": {"agentVersion": None},
              "attributes": [{"name": "cap", "value": None}],
              "remainingResources": [{"name": "CPU", "type": "INTEGER", "integerValue": None},
                                     {"name": "PORTS", "type": "STRINGSET",
                                      "stringSetValue": None}]}  # fmt: skip
    kind, inv = same_everywhere([nested])
    assert kind == "ok"
    assert inv[0] == Instance("arn:x", attributes={"cap": None})
    a_task = dict.fromkeys(["group", "cpu", "memory", "startedAt", "containers"])
    a_task |= {"taskArn": "arn:t", "containerInstanceArn": "arn:x", "desiredStatus": "RUNNING"}
    kind, inv = same_everywhere([nested], [a_task])
    assert kind == "ok"
    assert inv.tasks[0] == Task("arn:t", "arn:x")
    # A null page of elements is an empty page.
    assert same_everywhere({"containerInstances": None})[1] == Inventory.from_ecs([])


@pytest.mark.parametrize("number", [2**70, -1, 1e20, 2.5, float("nan"), float("inf"), True])
def test_numbers_out_of_range(number: Any) -> None:
    resources = [{"name": "CPU", "type": "INTEGER", "integerValue": number}]
    msg = error_of([cli_instance(0, remainingResources=resources)])
    assert "field 'remainingResources[0]" in msg, msg
    msg = error_of([cli_instance(0, runningTasksCount=number)])
    assert "field 'runningTasksCount'" in msg
    bad_task = task(0, 0, "g") | {"cpu": number}
    assert "task #0 (arn:aws:ecs:us-east-1:123456789012:task/prod/0): field 'cpu'" in error_of(
        [cli_instance(0)], [bad_task]
    )


def test_huge_strings_are_refused_cleanly() -> None:
    huge = "a" * (10 * 2**20)
    msg = error_of([cli_instance(0, containerInstanceArn=huge)])
    assert msg == (f"container instance #0: field 'containerInstanceArn': longer than "
                   f"{MAX_TEXT} characters")  # fmt: skip
    assert "field 'ec2InstanceId': longer than" in error_of([cli_instance(0, ec2InstanceId=huge)])
    msg = error_of([cli_instance(0, attributes=[{"name": "stack", "value": huge}])])
    assert "attributes[" in msg and "stack" in msg and "longer than" in msg  # the value's field
    assert "field 'taskArn': longer than" in error_of([cli_instance(0)], [task(0, 0, "g") | {
        "taskArn": huge}])  # fmt: skip
    # Exactly MAX_TEXT loads.
    (inst,) = Inventory.from_ecs([cli_instance(0, ec2InstanceId="i" * MAX_TEXT)])
    assert len(inst.ec2_instance_id or "") == MAX_TEXT


def test_values_whose_repr_fails() -> None:
    # A 5,000-digit integer has no repr; a deeply nested list's repr recurses too deep.
    assert "field 'ec2InstanceId': expected a string, got an integer of" in error_of(
        [cli_instance(0, ec2InstanceId=10**5000)]
    )
    deep: list[Any] = []
    for _ in range(20_000):
        deep = [deep]
    for over in [{"ec2InstanceId": deep}, {"attributes": [{"name": "a", "value": deep}]},
                 {"remainingResources": [{"name": "CPU", "type": "INTEGER",
                                          "integerValue": deep}]},
                 {"remainingResources": [{"name": "PORTS", "type": "STRINGSET",
                                          "stringSetValue": [deep]}]}]:  # fmt: skip
        with pytest.raises(InventoryError, match="container instance #0"):
            Inventory.from_ecs([cli_instance(0, **over)])


def test_unicode_digits_are_not_ports() -> None:
    for port in ["²", "٣", "8\u0660"]:
        resources = [{"name": "PORTS", "type": "STRINGSET", "stringSetValue": [port]}]
        msg = error_of([cli_instance(0, remainingResources=resources)])
        assert "field 'remainingResources[0].stringSetValue': not a port" in msg


def test_deep_nesting_in_json_text() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for text in [deep, '{"containerInstances": [{"containerInstanceArn": "a", "attributes": '
                 + deep + "}]}"]:  # fmt: skip
        with pytest.raises(InventoryError, match="container instances: not valid JSON"):
            Inventory.from_ecs_json(text)
    nested = '{"containerInstanceArn": "a", "attributes": [{"name": "n", "value": ' + \
        "[" * 50 + "]" * 50 + "}]}"  # fmt: skip
    with pytest.raises(InventoryError, match=r"field 'attributes\[0\].value'"):
        Inventory.from_ecs_json("[" + nested + "]")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"cpu": "lots"}, "cpu"),
        ({"cpu": -5}, "cpu"),
        ({"memory": [1]}, "memory"),
        ({"memory": "99999999999999999999"}, "memory"),
        ({"startedAt": "soon"}, "startedAt"),
        ({"startedAt": 1e303}, "startedAt"),
        ({"containers": [{"networkBindings": [{"hostPort": 70000}]}]},
         "containers[0].networkBindings[0].hostPort"),
        ({"containers": [{"networkBindings": [{"hostPort": 80, "protocol": "sctp"}]}]},
         "containers[0].networkBindings[0].protocol"),
        ({"containers": [{"networkBindings": "80"}]}, "containers[0].networkBindings"),
        ({"containers": [{"gpuIds": "GPU-1"}]}, "containers[0].gpuIds"),
        ({"containers": [{"cpu": 2**52}, {"cpu": 2**52 + 1}]}, "containers"),
        ({"containers": {"cpu": 1}}, "containers"),
        ({"group": 5}, "group"),
        ({"desiredStatus": 1}, "desiredStatus"),
    ],
)
def test_bad_task_fields(over: dict[str, Any], field: str) -> None:
    bad = task(3, 0, "g") | over
    msg = error_of([cli_instance(0)], [task(0, 0, "g"), bad])
    assert msg.startswith(f"task #1 (arn:aws:ecs:us-east-1:123456789012:task/prod/3): "
                          f"field {field!r}"), msg  # fmt: skip


def test_task_fields_that_load() -> None:
    busy = task(1, 0, "service:web") | {
        "cpu": "256", "memory": 512, "startedAt": "2024-06-01T00:00:00Z",
        "containers": [{"cpu": 999, "memoryReservation": "64", "gpuIds": ["GPU-a", "GPU-b"],
                        "networkBindings": [{"hostPort": 80, "protocol": "tcp"},
                                            {"hostPort": 53, "protocol": "udp"},
                                            {"containerPort": 9}]}],
    }  # fmt: skip
    kind, inv = same_everywhere([cli_instance(0)], [busy])
    assert kind == "ok"
    (row,) = inv.tasks
    assert (row.cpu, row.memory, row.gpus) == (256, 512, 2)  # task-level amounts win
    assert (row.ports, row.udp_ports) == (frozenset({80}), frozenset({53}))
    assert row.started_at is not None and str(row.started_at) == "2024-06-01"


def test_from_ecs_json_sources(tmp_path: Path) -> None:
    docs = {"containerInstances": [cli_instance(i) for i in range(3)]}
    tasks = {"tasks": [task(0, 1, "service:web")]}
    expected = Inventory.from_ecs(docs, tasks)
    text, task_text = json.dumps(docs), json.dumps(tasks)
    (tmp_path / "ci.json").write_text(text)
    (tmp_path / "t.json").write_text(task_text)
    assert Inventory.from_ecs_json(text, task_text) == expected
    assert Inventory.from_ecs_json(text.encode(), bytearray(task_text.encode())) == expected
    assert Inventory.from_ecs_json(tmp_path / "ci.json", str(tmp_path / "t.json")) == expected
    assert Inventory.from_ecs_json(" \n\t" + text, task_text) == expected  # JSON text
    assert Inventory.from_ecs_json(text) == Inventory.from_ecs(docs)  # tasks=None: none
    pages = json.dumps([{"containerInstances": docs["containerInstances"][:1]},
                        {"containerInstances": docs["containerInstances"][1:]}])  # fmt: skip
    assert Inventory.from_ecs_json(pages, json.dumps(tasks["tasks"])) == expected
    with pytest.raises(InventoryError, match=r"container instances: cannot read 'no-such\.json'"):
        Inventory.from_ecs_json("no-such.json")
    with pytest.raises(InventoryError, match="tasks: cannot read"):
        Inventory.from_ecs_json(text, str(tmp_path))  # a folder
    with pytest.raises(InventoryError, match="container instances: cannot read"):
        Inventory.from_ecs_json("a\0b")
    with pytest.raises(InventoryError, match="expected JSON bytes, JSON text or a path, got"):
        Inventory.from_ecs_json(5)
    with pytest.raises(InventoryError, match="tasks: expected JSON bytes"):
        Inventory.from_ecs_json(text, {"tasks": []})
    for broken in ["{", "[1,]", b"\xff\xfe{", "[" + "1" * 5000 + "]"]:
        with pytest.raises(InventoryError, match="container instances: not valid JSON"):
            Inventory.from_ecs_json(broken)
    assert "expected a response object or a list" in error_of("oops")
