"""Results hold placed copies in columns; counts and limits the library cannot serve are
refused up front; `instances_needed` finds the true smallest k when new instances differ by id
(issue 14)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import (
    ClusterState,
    Instance,
    Inventory,
    MemberOf,
    PlacementInputError,
    TaskSpec,
    instances_needed,
    place,
)
from placement.inventory import LOCAL_TASK_PREFIX
from placement.ops.whatif import MAX_LIMIT
from placement.place.api import MAX_PLACED
from placement.place.result import PlacementResult
from placement.testing import placement_problems

ARN = "arn:aws:ecs:us-east-1:1:container-instance/c/"


def _host(i: int, **fields: Any) -> Instance:
    defaults: dict[str, Any] = {"arn": f"{ARN}{i}", "ec2_instance_id": f"i-{i}", "cpu": 1024,
                                "memory": 2048}  # fmt: skip
    return Instance(**{**defaults, **fields})


def _eager(result: PlacementResult) -> PlacementResult:
    """The same result built from its public fields (every field read)."""
    return PlacementResult(result.placements, result.failures, result.inventory, result.task,
                           result.constraints, result.task_arns)  # fmt: skip


@settings(max_examples=examples(0.5))
@given(placement_problems(), st.sampled_from(["inventory", "placements", "task_arns", "pickle"]))
def test_a_result_read_in_any_order_equals_the_committed_state(
    problem: dict[str, Any], first: str
) -> None:
    inv = problem["inventory"]
    kwargs = {"constraints": problem["constraints"], "strategy": problem["strategy"],
              "seed": problem["seed"]}  # fmt: skip
    result = place(inv, problem["task"], problem["count"], **kwargs)
    if first == "pickle":
        result = pickle.loads(pickle.dumps(result))
    else:
        getattr(result, first)
    rows = [inv.index_of(arn) for arn in result.placements]
    start = inv.next_task_serial()
    assert result.task_arns == tuple(f"{LOCAL_TASK_PREFIX}{start + k}" for k in range(len(rows)))
    committed = inv.with_placements(rows, problem["task"])
    assert result.inventory == committed
    assert [t.arn for t in result.inventory.tasks][len(inv.tasks) :] == list(result.task_arns)
    assert result.placed == len(result.placements) == len(rows)
    assert _eager(result) == result
    assert pickle.loads(pickle.dumps(result)) == result
    assert repr(_eager(result)) == repr(result)
    assert _eager(result).to_dict() == result.to_dict()


def test_a_result_is_frozen() -> None:
    result = place(Inventory.from_instances([_host(0)]), TaskSpec(cpu=1), 2)
    with pytest.raises(AttributeError):
        result.failures = ()  # type: ignore[misc]


def test_many_copies_of_a_task_that_reserves_nothing_hold_no_string_per_copy() -> None:
    inv = Inventory.from_instances([_host(i) for i in range(3)])
    result = place(inv, TaskSpec(group="g"), 100_000, strategy=["spread(instanceId)"])
    assert result.placed == 100_000
    assert result.task_arns[-1] == f"{LOCAL_TASK_PREFIX}100000"
    tasks = result.inventory.tasks
    assert len(tasks) == 100_000
    assert tasks[99_999].arn == f"{LOCAL_TASK_PREFIX}100000"
    assert result.inventory.running_tasks_count.tolist() == [33_334, 33_333, 33_333]


def test_a_count_that_would_place_too_many_copies_is_refused_up_front() -> None:
    inv = Inventory.from_instances([_host(i) for i in range(3)])
    for count in (MAX_PLACED + 1, 2**31 - 1):
        with pytest.raises(PlacementInputError, match="MAX_PLACED"):
            place(inv, TaskSpec(group="g"), count)
        with pytest.raises(PlacementInputError, match="MAX_PLACED"):
            ClusterState(inv).place(TaskSpec(group="g"), count)
        with pytest.raises(PlacementInputError, match="MAX_PLACED"):
            ClusterState(inv).place(TaskSpec(group="g"), count, strategy=["random"])
        with pytest.raises(PlacementInputError, match="MAX_PLACED"):
            instances_needed(inv, TaskSpec(cpu=1), count, [_host(9)])
    # A count the inventory cannot take: the copies past its capacity simply fail.
    full = place(inv, TaskSpec(cpu=512), 2**31 - 1)
    assert full.placed == 6 and full.failed == 2**31 - 7


def test_a_limit_past_the_ceiling_is_refused() -> None:
    inv = Inventory.from_instances([_host(0)])
    with pytest.raises(PlacementInputError, match="MAX_LIMIT"):
        instances_needed(inv, TaskSpec(cpu=1), 1, [_host(9)], limit=MAX_LIMIT + 1)
    assert instances_needed(inv, TaskSpec(cpu=1), 1, [_host(9)], limit=MAX_LIMIT).instances == 0


def test_instances_needed_looks_past_new_instances_a_constraint_excludes() -> None:
    inv = Inventory.from_instances([_host(0, cpu=0)])
    task = TaskSpec(cpu=1024, group="g")
    # The first round of new instances (one template: i-new-1) is excluded; i-new-2 suffices.
    answer = instances_needed(
        inv, task, 1, [_host(9)], constraints=[MemberOf("ec2InstanceId != i-new-1")]
    )
    assert answer.instances == 2
    assert answer.placements is not None and answer.placements.placed == 1
    assert answer.placements.placements == (f"{ARN}new-2",)


@settings(max_examples=examples(0.3))
@given(
    st.integers(1, 3),  # templates
    st.integers(0, 12),  # copies
    st.sets(st.integers(1, 12), max_size=8),  # new instances excluded by id
    st.integers(0, 10),  # limit
)
def test_instances_needed_is_the_true_smallest_k_when_ids_are_excluded(
    templates: int, count: int, excluded: set[int], limit: int
) -> None:
    inv = Inventory.from_instances([_host(0, cpu=1024)])
    task = TaskSpec(cpu=512, group="g")
    shapes = [_host(90 + j, cpu=512 * (1 + j % 2)) for j in range(templates)]
    ids = ", ".join(f"'i-new-{j}'" for j in sorted(excluded)) or "'i-none'"
    rules = [MemberOf(f"not(ec2InstanceId in [{ids}])")]
    answer = instances_needed(inv, task, count, shapes, constraints=rules, limit=limit)

    def caps(k: int) -> int:  # copies the inventory plus k new instances take
        return 2 + sum(1 + (j % templates) % 2 for j in range(k) if j + 1 not in excluded)

    smallest = next((k for k in range(limit + 1) if caps(k) >= count), None)
    assert answer.instances == smallest
    if smallest is not None:
        assert answer.placements is not None and answer.placements.failed == 0
        assert len(answer.placements.inventory) == 1 + smallest


def test_a_loaded_inventory_commits_one_copy_as_a_committed_one_does() -> None:
    # Group counts as loaded keep first-seen order; a commit sorts them once and then splices.
    groups = [{"b": 1, "a": 2}, {"a": 1}, {"c": 3, "b": 1}]
    inv = Inventory.from_instances([_host(i, task_groups=g) for i, g in enumerate(groups)])
    task = TaskSpec(cpu=1, group="a")
    for row, expected in ((2, {"a": 1, "b": 1, "c": 3}), (0, {"a": 3, "b": 1})):
        after = inv.with_placements([row], task).groups
        assert after.row(row) == expected
        assert [after.row(i) for i in range(3) if i != row] == [
            inv.groups.row(i) for i in range(3) if i != row
        ]
        codes, rows = after.codes, after.rows
        assert ((codes[1:] > codes[:-1]) | (rows[1:] != rows[:-1])).all()  # sorted in each row
    assert inv.groups.row(0) == {"b": 1, "a": 2}
