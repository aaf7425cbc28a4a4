"""Every public value copies and serialises: pickle and deepcopy give an equal value, inventories
stay read-only after unpickling, and results turn into plain JSON (issue 7, item 6)."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import (
    Failure,
    Instance,
    Inventory,
    InventoryError,
    PlacementError,
    PlacementInputError,
    TaskSpec,
    place,
)
from placement.instance import Task
from placement.testing import instances, inventories, placement_problems

READ_ONLY = ("ids", "cpu", "memory", "gpus", "running_tasks_count", "registered_at")


def _round_trips(value: Any) -> None:
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value
    assert copy.copy(value) == value


@settings(max_examples=examples(0.5))
@given(instances())
def test_instances_pickle_and_copy(inst: Instance) -> None:
    _round_trips(inst)
    assert hash(pickle.loads(pickle.dumps(inst))) == hash(inst)


@settings(max_examples=examples(0.5))
@given(inventories())
def test_inventories_pickle_and_copy_and_stay_read_only(inv: Inventory) -> None:
    for back in (pickle.loads(pickle.dumps(inv)), copy.deepcopy(inv)):
        assert back == inv
        assert list(back.tasks) == list(inv.tasks)
        for name in READ_ONLY:
            assert not getattr(back, name).flags.writeable, name
        for column in back.attributes.values():
            assert not column.codes.flags.writeable
        assert not back.tasks.cpu.flags.writeable
        if len(back):
            with pytest.raises(ValueError, match="read-only"):
                back.cpu[0] = 1


@settings(max_examples=examples(0.5))
@given(placement_problems())
def test_results_pickle_copy_and_become_json(problem: dict[str, Any]) -> None:
    result = place(
        problem["inventory"], problem["task"], problem["count"],
        constraints=problem["constraints"], strategy=problem["strategy"], seed=problem["seed"],
    )  # fmt: skip
    _round_trips(result)
    for failure in result.failures:
        _round_trips(failure)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["placed"] == result.placed
    assert data["requested"] == problem["count"]
    assert [p["instance"] for p in data["placements"]] == list(result.placements)
    assert [p["task"] for p in data["placements"]] == list(result.task_arns)
    assert [{k: d[k] for k in ("index", "count", "reasons")} for d in data["failures"]] == [
        {"index": f.index, "count": f.count, "reasons": dict(f.reasons)} for f in result.failures
    ]
    # The missing attributes and taken ports ride along only where there are some (issue 16).
    assert [d.get("details") for d in data["failures"]] == [
        json.loads(json.dumps(f.to_dict()["details"])) if f.details else None
        for f in result.failures
    ]
    assert data["task"]["group"] == problem["task"].group


def test_tasks_pickle_and_copy() -> None:
    task = Task("arn:t/1", "arn:i/1", "service:web", cpu=256, memory=512, ports={80},
                started_at="2024-01-02T03:04:05.123456Z")  # fmt: skip
    _round_trips(task)
    assert task.started_at is not None and task.started_at.micros % 1_000_000 == 123456


def test_failures_for_ten_million_copies_are_one_record() -> None:
    inv = Inventory.from_instances([Instance("a", cpu=1024, memory=1024)])
    result = place(inv, TaskSpec(cpu=512, memory=512), 10_000_000)
    assert result.placed == 2
    assert result.failures == (Failure(2, {"RESOURCE:CPU": 1}, count=9_999_998),)
    assert result.failed == 9_999_998


# -- Instance(...) and Task(...) check every field (issue 7, item 3) --------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cpu": "x"}, "cpu"),
        ({"cpu": -1}, "cpu"),
        ({"cpu": 2**70}, "cpu"),
        ({"cpu": 1.5}, "cpu"),
        ({"cpu": True}, "cpu"),
        ({"memory": float("nan")}, "memory"),
        ({"agent_connected": "false"}, "agent_connected"),
        ({"agent_connected": 1}, "agent_connected"),
        ({"registered_at": "yesterday"}, "registered_at"),
        ({"registered_at": 1e303}, "registered_at"),
        ({"registered_at": float("inf")}, "registered_at"),
        ({"agent_version": "1." + "9" * 5000}, "agent_version"),
        ({"agent_version": 1}, "agent_version"),
        ({"ports": "80"}, "ports"),
        ({"ports": [70000]}, "ports"),
        ({"ports": [True]}, "ports"),
        ({"attributes": [("a", "b")]}, "attributes"),
        ({"attributes": {"a": 1}}, "attributes"),
        ({"attributes": {1: "a"}}, "attributes"),
        ({"task_groups": {"g": -1}}, "task_groups"),
        ({"task_groups": {None: 1}}, "task_groups"),
        ({"status": 5}, "status"),
        ({"ec2_instance_id": ["i-1"]}, "ec2_instance_id"),
        ({"running_tasks_count": -3}, "running_tasks_count"),
    ],
)
def test_instance_checks_every_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InventoryError, match=f"field '{field}"):
        Instance("arn:i", **kwargs)


def test_instance_needs_an_arn() -> None:
    for arn in (None, "", 5, b"x"):
        with pytest.raises(InventoryError, match="field 'arn'"):
            Instance(arn)  # type: ignore[arg-type]


def test_instance_accepts_every_timestamp_form() -> None:
    import datetime as dt

    forms = ["2018-01-01", "2018-01-01T00:00:00Z", "2018-01-01T00:00:00+00:00", 1514764800,
             1514764800.0, dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc)]  # fmt: skip
    stamps = {Instance("a", registered_at=form).registered_at for form in forms}
    assert len(stamps) == 1


def test_null_means_absent() -> None:
    assert Instance("a", status=None, cpu=None, attributes=None) == Instance("a")


@pytest.mark.parametrize(
    "kwargs",
    [{"cpu": "1"}, {"instance": None}, {"group": 3}, {"ports": [-1]}, {"started_at": "soon"}],
)
def test_task_checks_every_field(kwargs: dict[str, Any]) -> None:
    base: dict[str, Any] = {"arn": "arn:t", "instance": "arn:i"}
    with pytest.raises(InventoryError):
        Task(**{**base, **kwargs})


def test_from_instances_with_tasks_must_agree() -> None:
    inst = Instance("a", task_groups={"g": 1}, running_tasks_count=1)
    with pytest.raises(InventoryError, match="does not count its tasks"):
        Inventory.from_instances([inst], [])
    with pytest.raises(InventoryError, match="no instance b"):
        Inventory.from_instances([inst], [Task("t", "b", "g")])
    inv = Inventory.from_instances([inst], [Task("t", "a", "g", cpu=5)])
    assert inv.tasks[0].cpu == 5
    # Without tasks, the counts become placeholder tasks that hold nothing.
    counted = Inventory.from_instances([inst])
    assert [t.arn for t in counted.tasks] == ["a#g#0"]
    assert Inventory.from_ecs(*counted.to_ecs()) == counted


def test_with_placements_refuses_what_does_not_fit() -> None:
    inv = Inventory.from_instances([Instance("a", cpu=100, memory=100, ports={22})])
    before = list(inv)
    with pytest.raises(PlacementInputError, match="too little CPU"):
        inv.with_placements([0, 0], TaskSpec(cpu=60))
    with pytest.raises(PlacementInputError, match="host ports"):
        inv.with_placements([0], TaskSpec(ports={22}))
    with pytest.raises(PlacementInputError, match="out of range"):
        inv.with_placements([1], TaskSpec())
    with pytest.raises(PlacementInputError, match="not a new task ARN"):
        inv.with_placements([0], TaskSpec(), task_arns=[""])
    assert list(inv) == before
    with pytest.raises(PlacementError, match="no running task"):
        inv.without_tasks(["nope"])


def test_select_and_filter_keep_their_tasks() -> None:
    inv = Inventory.from_instances(
        [Instance("a", attributes={"z": "1"}, task_groups={"g": 2}, running_tasks_count=2),
         Instance("b", attributes={"z": "2"}, task_groups={"h": 1}, running_tasks_count=1)]
    )  # fmt: skip
    only_b = inv.filter("attribute:z == 2")
    assert [i.arn for i in only_b] == ["b"]
    assert [(t.arn, t.instance) for t in only_b.tasks] == [("b#h#0", "b")]
    assert inv.select(np.array([1, 0])).ids.tolist() == ["b", "a"]
    with pytest.raises(PlacementInputError):
        inv.select([0, 0])
    with pytest.raises(PlacementInputError):
        inv.filter(5)  # type: ignore[arg-type]


@settings(max_examples=examples(0.3))
@given(inventories(), st.data())
def test_without_tasks_is_the_inverse_of_placing(inv: Inventory, data: st.DataObject) -> None:
    fits = [i for i, inst in enumerate(inv) if inst.cpu >= 1 and inst.memory >= 1]
    rows = data.draw(st.lists(st.sampled_from(fits), max_size=5)) if fits else []
    task = TaskSpec(cpu=1, memory=1, group="service:x")
    try:
        after = inv.with_placements(rows, task)
    except PlacementInputError:
        return  # more copies than an instance can hold: refused, nothing changed
    new = [str(a) for a in after.tasks.arns[len(inv.tasks):]]
    assert after.without_tasks(new) == inv


@settings(max_examples=examples(0.3))
@given(inventories(), inventories())
def test_appending_is_building_from_both(a: Inventory, b: Inventory) -> None:
    # Rename b's instances and tasks so the two never clash, then compare with one load.
    docs, tasks = b.to_ecs()
    for doc in docs["containerInstances"]:
        doc["containerInstanceArn"] += "/b"
    for task in tasks["tasks"]:
        task["taskArn"] += "/b"
        task["containerInstanceArn"] += "/b"
    b = Inventory.from_ecs(docs, tasks)
    joined = a.appending(b)
    da, ta = a.to_ecs()
    expected = Inventory.from_ecs(
        da["containerInstances"] + docs["containerInstances"], ta["tasks"] + tasks["tasks"]
    )
    assert joined == expected
    assert not joined.cpu.flags.writeable
    if len(a):
        with pytest.raises(InventoryError, match="appears twice"):
            a.appending(a)
