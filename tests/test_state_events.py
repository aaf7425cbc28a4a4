"""ClusterState and ECS EventBridge events: versions, duplicates, late arrivals (§6)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import ClusterState, Instance, Inventory, PlacementError, TaskSpec
from placement.testing import events

ARN = "arn:aws:ecs:us-east-1:1:container-instance/{}"
TASK = "arn:aws:ecs:us-east-1:1:task/{}"


@settings(max_examples=examples(2))
@given(events(), st.data())
def test_any_delivery_order_gives_the_end_point(
    stream: dict[str, Any], data: st.DataObject
) -> None:
    expected = Inventory.from_ecs(*stream["end"])
    for order in (stream["events"], data.draw(st.permutations(stream["events"]))):
        state = ClusterState(stream["inventory"])
        # Dicts and JSON text, one at a time and in batches.
        split = data.draw(st.integers(0, len(order)))
        for event in order[:split]:
            state.apply(json.dumps(event) if data.draw(st.booleans()) else event)
        state.apply_all(order[split:])
        assert state.inventory == expected
        assert state.inventory.tasks.arns.tolist() == expected.tasks.arns.tolist()


@settings(max_examples=examples(0.5))
@given(events(), st.data())
def test_rankings_stay_current_under_events(stream: dict[str, Any], data: st.DataObject) -> None:
    """Cached masks are refreshed by events as by commits."""
    from placement import rank

    state = ClusterState(stream["inventory"])
    task = TaskSpec(cpu=64, memory=64, group="service:web", ports={80})
    kw: dict[str, Any] = {"constraints": ["distinctInstance", "memberOf(runningTasksCount < 3)"],
                          "strategy": ["spread(attribute:ecs.availability-zone)", "binpack(cpu)"]}
    state.rank(task, **kw)
    for event in stream["events"]:
        state.apply(event)
        assert state.rank(task, **kw) == rank(state.inventory, task, **kw)
        best = state.rank(task, **kw).best
        if best is not None and data.draw(st.booleans()):
            state.commit(best, task)


def _instance_event(arn: str, version: int, **fields: Any) -> dict[str, Any]:
    doc = Instance(arn=arn, cpu=1024, memory=2048, attributes={"ecs.availability-zone": "a"},
                   **fields).to_ecs()  # fmt: skip
    doc["version"] = version
    return {"detail-type": "ECS Container Instance State Change", "id": f"i{version}",
            "detail": doc}  # fmt: skip


def _task_event(arn: str, instance: str, version: int, desired: str = "RUNNING") -> dict[str, Any]:
    return {
        "detail-type": "ECS Task State Change", "id": f"t{version}",
        "detail": {"taskArn": arn, "containerInstanceArn": instance, "group": "service:web",
                   "desiredStatus": desired, "lastStatus": "RUNNING", "cpu": "256",
                   "memory": "512", "version": version},
    }  # fmt: skip


def test_versions_duplicates_and_late_events() -> None:
    state = ClusterState(Inventory.from_instances([]))
    one = ARN.format(1)
    # A task before its instance: held, then placed when the instance arrives.
    assert state.apply(_task_event(TASK.format("a"), one, 1))
    assert state.held == (TASK.format("a"),) and len(state) == 0
    assert state.apply(_instance_event(one, 1))
    assert state.held == () and state.inventory[0].task_groups == {"service:web": 1}
    # Its remaining resources come from the instance event, not from the task.
    assert state.inventory[0].cpu == 1024
    # A duplicate and an older event change nothing.
    before = state.inventory
    assert not state.apply(_task_event(TASK.format("a"), one, 1))
    assert not state.apply(_instance_event(one, 0, status="DRAINING"))
    assert state.inventory == before
    # The task stops; the late RUNNING event (older version) cannot bring it back.
    assert state.apply(_task_event(TASK.format("a"), one, 3, "STOPPED"))
    assert not state.apply(_task_event(TASK.format("a"), one, 2))
    assert len(state.inventory.tasks) == 0
    # Deregistration removes the instance; an older event cannot bring it back.
    assert state.apply(_instance_event(one, 5, status="INACTIVE"))
    assert not state.apply(_instance_event(one, 4))
    assert len(state) == 0


def test_resource_events_update_one_row_and_count_tasks() -> None:
    inv = Inventory.from_instances([Instance(arn=ARN.format(k), cpu=4096, memory=8192,
                                             running_tasks_count=0) for k in range(3)])  # fmt: skip
    state = ClusterState(inv)
    task = TaskSpec(cpu=256, memory=512, group="service:web")
    state.rank(task)
    doc = _instance_event(ARN.format(1), 1)
    del doc["detail"]["runningTasksCount"]  # counted from the tasks from now on
    doc["detail"]["attributes"] = [{"name": "ecs.availability-zone", "value": "a"}]
    state.apply(doc)
    assert state.inventory[1].cpu == 1024 and state.inventory[1].running_tasks_count == 0
    state.apply(_task_event(TASK.format("b"), ARN.format(1), 1))
    assert state.inventory[1].running_tasks_count == 1
    # The other instances keep their given counts; the ranking saw the new resources.
    assert [i.running_tasks_count for i in state.inventory] == [0, 1, 0]
    assert state.rank(task, strategy=["binpack(cpu)"]).best == ARN.format(1)


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"detail-type": "ECS Task State Change"}, "detail"),
        ({"detail-type": "Something Else", "detail": {}}, "detail-type"),
        ({"detail-type": "ECS Task State Change", "detail": {"taskArn": "t"}}, "detail.version"),
        ({"detail-type": "ECS Task State Change",
          "detail": {"taskArn": "t", "version": True}}, "detail.version"),
        ({"detail-type": "ECS Task State Change", "detail": {"version": 1}}, "detail.taskArn"),
        ({"detail-type": "ECS Task State Change",
          "detail": {"taskArn": "t", "version": 1, "desiredStatus": "RUNNING",
                     "containerInstanceArn": "c", "cpu": "lots"}}, "cpu"),
        ({"detail-type": "ECS Container Instance State Change",
          "detail": {"containerInstanceArn": "c", "version": 1,
                     "remainingResources": "x"}}, "remainingResources"),
        ({"detail-type": "ECS Container Instance State Change",
          "detail": {"version": 1}}, "detail.containerInstanceArn"),
        ("{not json", "not JSON"),
        ("[" * 100_000 + "]" * 100_000, "event #"),
        (b"\xff\xfe", "UTF-8"),
        (42, "expected an object"),
    ],
)  # fmt: skip
def test_malformed_events_name_the_field_and_change_nothing(event: Any, field: str) -> None:
    state = ClusterState(Inventory.from_instances([Instance(arn=ARN.format(0))]))
    before = state.inventory
    good = _instance_event(ARN.format(9), 1)
    with pytest.raises(PlacementError, match="event #1") as info:
        state.apply_all([good, event])
    assert field in str(info.value)
    assert state.inventory == before  # the good event before it was not applied either
