"""ClusterState over a long life: derived counts, another cluster's events, bounded memory (§6).

The model for event streams is `placement.testing.events()`: the end-point documents, loaded
with `Inventory.from_ecs`, are what any delivery order must give.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import ClusterState, Instance, Inventory, PlacementError, TaskSpec, place
from placement.testing import events

CLUSTER = "arn:aws:ecs:us-east-1:1:cluster/prod"
OTHER = "arn:aws:ecs:us-east-1:1:cluster/staging"
ARN = "arn:aws:ecs:us-east-1:1:container-instance/{}"
TASK = "arn:aws:ecs:us-east-1:1:task/{}"


def _task_event(arn: str, instance: str, version: int, desired: str = "RUNNING",
                **detail: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "detail-type": "ECS Task State Change", "id": f"t{version}",
        "detail": {"taskArn": arn, "containerInstanceArn": instance, "group": "service:web",
                   "desiredStatus": desired, "lastStatus": "RUNNING", "cpu": "256",
                   "memory": "512", "version": version, **detail},
    }  # fmt: skip


def _instance_event(arn: str, version: int, **fields: Any) -> dict[str, Any]:
    given = {"cpu": 1024, "memory": 2048, "registered_cpu": 4096, "registered_memory": 8192}
    doc = Instance(arn=arn, **{**given, **fields}).to_ecs()
    doc["version"] = version
    return {"detail-type": "ECS Container Instance State Change", "id": f"i{version}",
            "detail": doc}  # fmt: skip


def _without_counts(
    stream: dict[str, Any], strip: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], tuple[Any, Any]]:
    """The stream's start and end documents, `strip`'s instances without runningTasksCount.

    An instance no event touches keeps its start document at the end point, so it loses the
    count there too (the end point then derives it from the tasks, as the state must).
    """
    start_instances, start_tasks = stream["inventory"].to_ecs()
    touched = {e["detail"]["containerInstanceArn"] for e in stream["events"]
               if e["detail-type"] == "ECS Container Instance State Change"}  # fmt: skip
    instances = copy.deepcopy(start_instances["containerInstances"])
    end_instances, end_tasks = copy.deepcopy(stream["end"])
    for docs in (instances, end_instances["containerInstances"]):
        for doc in docs:
            arn = doc["containerInstanceArn"]
            if arn in strip and arn not in touched:
                doc.pop("runningTasksCount", None)
    return instances, start_tasks["tasks"], (end_instances, end_tasks)


@settings(max_examples=examples(1))
@given(events(), st.data())
def test_derived_counts_follow_the_tasks_in_any_order(
    stream: dict[str, Any], data: st.DataObject
) -> None:
    ids = stream["inventory"].ids.tolist()
    strip = set(data.draw(st.lists(st.sampled_from(ids), unique=True))) if ids else set()
    instances, tasks, end = _without_counts(stream, strip)
    expected = Inventory.from_ecs(*end)
    order = data.draw(st.permutations(stream["events"]))
    state = ClusterState.from_ecs(instances, tasks)
    assert state.inventory == Inventory.from_ecs(instances, tasks)
    for event in order:
        state.apply(event)
    assert state.inventory == expected
    assert state.inventory.tasks.arns.tolist() == expected.tasks.arns.tolist()


def test_a_derived_count_is_not_frozen() -> None:
    docs = [Instance(arn=ARN.format(k), cpu=4096, memory=8192).to_ecs() for k in range(2)]
    for doc in docs:
        del doc["runningTasksCount"]
    state = ClusterState.from_ecs(docs)
    state.apply(_task_event(TASK.format("a"), ARN.format(0), 1))
    state.apply(_task_event(TASK.format("b"), ARN.format(0), 1))
    assert [i.running_tasks_count for i in state.inventory] == [2, 0]
    state.apply(_task_event(TASK.format("a"), ARN.format(0), 2, "STOPPED"))
    assert [i.running_tasks_count for i in state.inventory] == [1, 0]
    # Given counts are ECS's own: task events leave them; derived_counts=True derives all.
    given = Inventory.from_instances([Instance(arn=ARN.format(0), running_tasks_count=5)])
    for derived, count in ((False, 5), (True, 6)):
        state = ClusterState(given, derived_counts=derived)
        state.apply(_task_event(TASK.format("a"), ARN.format(0), 1))
        assert state.inventory[0].running_tasks_count == count


def test_derived_counts_names_instances_of_the_inventory() -> None:
    inv = Inventory.from_instances([Instance(arn=ARN.format(0))])
    with pytest.raises(PlacementError, match="derived_counts"):
        ClusterState(inv, derived_counts=[ARN.format(1)])
    with pytest.raises(PlacementError, match="derived_counts"):
        ClusterState(inv, derived_counts=ARN.format(0))  # type: ignore[arg-type]


# -- another cluster's events -----------------------------------------------------------------


def _in_cluster(event: dict[str, Any], cluster: str) -> dict[str, Any]:
    return {**event, "detail": {**event["detail"], "clusterArn": cluster}}


@settings(max_examples=examples(1))
@given(events(), st.data())
def test_events_of_another_cluster_change_nothing(
    stream: dict[str, Any], data: st.DataObject
) -> None:
    ours = [_in_cluster(e, CLUSTER) for e in stream["events"]]
    # Another cluster's events for the same ARNs, newer: applied, they would win.
    theirs = []
    for event in data.draw(st.lists(st.sampled_from(stream["events"]), max_size=8)
                           if stream["events"] else st.just([])):  # fmt: skip
        foreign = _in_cluster(event, OTHER)
        foreign["detail"] = {**foreign["detail"], "version": foreign["detail"]["version"] + 50}
        if "desiredStatus" in foreign["detail"]:
            foreign["detail"]["desiredStatus"] = "STOPPED"
        else:
            foreign["detail"]["status"] = "INACTIVE"
        theirs.append(foreign)
    order = data.draw(st.permutations(ours + theirs))
    state = ClusterState(stream["inventory"], cluster=data.draw(st.sampled_from([CLUSTER,
                                                                                 "prod"])))
    state.apply_all(order)
    expected = Inventory.from_ecs(*stream["end"])
    assert state.inventory == expected
    assert state.foreign_events == len(theirs)


def test_the_cluster_is_learnt_from_the_inventory_or_the_first_event() -> None:
    long_arn = "arn:aws:ecs:us-east-1:1:container-instance/prod/{}"
    inv = Inventory.from_instances([Instance(arn=long_arn.format(k)) for k in range(3)])
    assert ClusterState(inv).cluster == CLUSTER
    assert ClusterState(inv, cluster="other").cluster == "other"
    # Old-format ARNs name no cluster: the first event that names one decides.
    state = ClusterState(Inventory.from_instances([Instance(arn=ARN.format(0))]))
    assert state.cluster is None
    assert state.apply(_in_cluster(_task_event(TASK.format("a"), ARN.format(0), 1), CLUSTER))
    assert state.cluster == CLUSTER
    assert not state.apply(_in_cluster(_task_event(TASK.format("b"), ARN.format(0), 1), OTHER))
    assert state.held == () and len(state.inventory.tasks) == 1 and state.foreign_events == 1
    # An event without clusterArn cannot be told apart: it applies.
    assert state.apply(_task_event(TASK.format("c"), ARN.format(0), 1))
    # An inventory of several clusters refuses no event.
    mixed = Inventory.from_instances([Instance(arn=long_arn.format(0)),
                                      Instance(arn=long_arn.replace("prod", "dev").format(1))])
    state = ClusterState(mixed)
    assert state.cluster is None
    for k, cluster in enumerate((OTHER, CLUSTER)):
        event = _in_cluster(_task_event(TASK.format(k), long_arn.format(0), 1), cluster)
        assert state.apply(event)
    assert state.cluster is None and state.foreign_events == 0


def test_a_malformed_cluster_arn_refuses_the_batch() -> None:
    state = ClusterState(Inventory.from_instances([Instance(arn=ARN.format(0))]))
    good = _in_cluster(_task_event(TASK.format("a"), ARN.format(0), 1), CLUSTER)
    bad = _in_cluster(_task_event(TASK.format("b"), ARN.format(0), 1), 42)  # type: ignore[arg-type]
    with pytest.raises(PlacementError, match=r"event #1 \(t1\).*detail.clusterArn"):
        state.apply_all([good, bad])
    # Nothing applied, nothing learnt.
    assert len(state.inventory.tasks) == 0 and state.cluster is None


# -- bounded memory -----------------------------------------------------------------------------


def test_a_late_event_within_the_bound_is_refused_and_beyond_it_applies() -> None:
    state = ClusterState(Inventory.from_instances([Instance(arn=ARN.format(0))]), remember=3)
    for k in range(4):
        state.apply(_task_event(TASK.format(k), ARN.format(0), 1))
        state.apply(_task_event(TASK.format(k), ARN.format(0), 2, "STOPPED"))
    # Tasks 1-3 are the three most recently removed: their late RUNNING events change nothing.
    for k in (1, 2, 3):
        assert not state.apply(_task_event(TASK.format(k), ARN.format(0), 1))
    # Task 0 is forgotten: its late event brings it back (the documented cost of the bound).
    assert state.apply(_task_event(TASK.format(0), ARN.format(0), 1))
    assert state.inventory.tasks.arns.tolist() == [TASK.format(0)]


def test_removed_instances_are_remembered_within_the_bound() -> None:
    state = ClusterState(Inventory.from_instances([]), remember=2)
    for k in range(3):
        state.apply(_instance_event(ARN.format(k), 1))
        state.apply(_instance_event(ARN.format(k), 2, status="INACTIVE"))
    assert not state.apply(_instance_event(ARN.format(2), 1))
    assert not state.apply(_instance_event(ARN.format(1), 1))
    assert state.apply(_instance_event(ARN.format(0), 1))
    assert state.inventory.ids.tolist() == [ARN.format(0)]


def _churn(state: ClusterState, start: int, count: int) -> None:
    """`count` tasks that start on an unknown instance, on a known one, and stop."""
    for k in range(start, start + count):
        state.apply_all([
            _task_event(TASK.format(f"{k:06d}"), ARN.format(0), 1),
            _task_event(TASK.format(f"h{k:06d}"), ARN.format(f"gone-{k:06d}"), 1),
            _task_event(TASK.format(f"{k:06d}"), ARN.format(0), 2, "STOPPED"),
        ])  # fmt: skip


def test_memory_stays_flat_over_a_long_stream() -> None:
    state = ClusterState(Inventory.from_instances([Instance(arn=ARN.format(0))]), remember=200,
                         hold=100)  # fmt: skip
    _churn(state, 0, 400)
    size = len(pickle.dumps(state))
    assert len(state.held) == 100
    _churn(state, 400, 1_200)
    assert len(state.held) == 100
    # The same number of ARNs of the same length are remembered and held: the same size
    # (give or take pickle's framing), where without bounds it would have grown fourfold.
    assert len(pickle.dumps(state)) <= size * 1.02
    # The newest held tasks are kept; the oldest were forgotten whole, so their instance's
    # late registration finds nothing, and a redelivered event holds the task again.
    assert state.held[-1] == TASK.format("h001599") and TASK.format("h000000") not in state.held
    assert state.apply(_task_event(TASK.format("h000000"), ARN.format("gone-000000"), 1))


def test_a_registration_takes_its_held_tasks_only() -> None:
    state = ClusterState(Inventory.from_instances([]))
    for k in range(50):
        state.apply(_task_event(TASK.format(k), ARN.format(k % 5), 1))
    state.apply(_instance_event(ARN.format(3), 1))
    assert sorted(state.inventory.tasks.arns.tolist()) == sorted(
        TASK.format(k) for k in range(3, 50, 5)
    )
    assert len(state.held) == 40 and all(int(arn.rsplit("/", 1)[1]) % 5 != 3
                                          for arn in state.held)  # fmt: skip


def test_hold_and_remember_are_checked() -> None:
    inv = Inventory.from_instances([])
    for bad in ({"remember": -1}, {"hold": 1.5}, {"hold": True}, {"cluster": ""}):
        with pytest.raises(PlacementError):
            ClusterState(inv, **bad)


# -- instance events without registeredResources ------------------------------------------------


def test_remaining_only_instance_events_update_one_row() -> None:
    inv = Inventory.from_instances([Instance(arn=ARN.format(k), cpu=4096, memory=8192,
                                             registered_cpu=4096, registered_memory=8192)
                                    for k in range(3)])  # fmt: skip
    state = ClusterState(inv)
    base = state._base
    docs = []
    for version in (1, 2, 3):
        event = _instance_event(ARN.format(1), version, cpu=1024 * version)
        del event["detail"]["registeredResources"]
        state.apply(event)
        docs.append(event["detail"])
        # The static columns were not rebuilt; the row reads as `from_ecs` reads the document.
        assert state._base is base
        loaded = Inventory.from_ecs([{k: v for k, v in docs[-1].items() if k != "version"}])[0]
        assert state.inventory[1].registered_cpu == loaded.registered_cpu == 1024 * version
        assert state.inventory[1] == loaded


# -- place(count) keeps the task table ----------------------------------------------------------


@settings(max_examples=examples(0.5))
@given(events(), st.data())
def test_place_between_events_equals_place_on_the_snapshot(
    stream: dict[str, Any], data: st.DataObject
) -> None:
    state = ClusterState(stream["inventory"])
    task = TaskSpec(cpu=32, memory=32, group="service:batch")
    strategy = data.draw(st.sampled_from([[], ["binpack(cpu)"], ["spread(instanceId)"]]))
    for event in [None, *stream["events"]]:
        if event is not None:
            state.apply(event)
        if data.draw(st.booleans()):
            before = state.inventory
            count = data.draw(st.integers(1, 4))
            expected = place(before, task, count, strategy=strategy)
            got = state.place(task, count, strategy=strategy)
            assert got.placements == expected.placements
            assert got.inventory == state.inventory
            # The task table kept across commits is the one a full rebuild gives (a copy
            # through pickle starts without it).
            rebuilt = pickle.loads(pickle.dumps(state)).inventory
            assert got.inventory == rebuilt
            assert got.inventory.tasks.arns.tolist() == rebuilt.tasks.arns.tolist()
            ours = before.with_placements(
                [before.index_of(arn) for arn in got.placements], task, task_arns=got.task_arns
            )
            assert sorted(got.inventory.tasks.arns.tolist()) == sorted(ours.tasks.arns.tolist())
