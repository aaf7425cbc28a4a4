"""The public extension point: users' own constraints, honoured by every engine.

Three kinds of user rule: one that reads only static fields, one that reads placements and
says its capacity row by row, and one that reads placements across rows (a per-zone cap) and
says nothing more, so the engines must ask it again after every copy. Every engine must agree
with the per-copy reference on them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from placement import (
    ClusterState,
    Inventory,
    PlacementInputError,
    TaskSpec,
    deploy,
    explain_placement,
    headroom,
    place,
    place_daemon,
    rank,
)
from placement.rules import Constraint, View
from placement.testing import placement_problems


class NotOnIds(Constraint):
    """Static: refuse instances whose EC2 id is in a set (the docs' NotRetiring)."""

    reason = "NotRetiring"

    def __init__(self, ids: frozenset[str]) -> None:
        self.ids = ids

    def excluded(self, view: View, task: Any) -> Any:
        return np.isin(view.ec2_instance_ids, list(self.ids))


class FewerRunning(Constraint):
    """Reads placements, row-local, and says its capacity: fewer than `n` running tasks."""

    reason = "FewerRunning"
    reads_placements: ClassVar[bool] = True

    def __init__(self, n: int) -> None:
        self.n = n

    def excluded(self, view: View, task: Any) -> Any:
        return view.running_tasks_count >= self.n

    def capacity(self, view: View, task: Any, count: int) -> Any:
        return np.clip(self.n - view.running_tasks_count, 0, count)

    def affected(self, view: View, task: Any, row: int) -> Any:
        return np.array([row])


class PerZoneCap(Constraint):
    """Reads placements across rows: at most `n` tasks of the group per zone (no capacity)."""

    reason = "PerZoneCap"
    reads_placements: ClassVar[bool] = True

    def __init__(self, n: int, attribute: str = "ecs.availability-zone") -> None:
        self.n = n
        self.attribute = attribute

    def excluded(self, view: View, task: Any) -> Any:
        zones = view.attribute(self.attribute)
        counts = view.group_count(task.group)
        out = np.ones(len(view), dtype=bool)  # lacking the attribute: refused
        for value in {z for z in zones.tolist() if z is not None}:
            here = zones == value
            out[here] = counts[here].sum() >= self.n
        return out


def _user_rules(inv: Inventory) -> st.SearchStrategy[list[Constraint]]:
    ids = [i.ec2_instance_id for i in inv if i.ec2_instance_id]
    static = st.sets(st.sampled_from(ids), max_size=3).map(frozenset).map(NotOnIds) if ids else (
        st.just(NotOnIds(frozenset()))
    )
    return st.lists(
        st.one_of(static, st.integers(0, 6).map(FewerRunning), st.integers(0, 5).map(PerZoneCap)),
        min_size=1,
        max_size=3,
    )


@st.composite
def problems(draw: st.DrawFn, allow_random: bool = False) -> dict[str, Any]:
    problem = draw(placement_problems(allow_random=allow_random))
    user = draw(_user_rules(problem["inventory"]))
    problem["constraints"] = [*problem.get("constraints", ()), *user][:10]
    return problem


def _agree(problem: dict[str, Any]) -> Any:
    results = {m: place(**problem, method=m) for m in ("batch", "loop", "reference")}
    ref = results["reference"]
    for method in ("batch", "loop"):
        got = results[method]
        assert got.placements == ref.placements, method
        assert got.failures == ref.failures, method
        assert got.inventory == ref.inventory, method
    return ref


@settings(max_examples=examples(1))
@given(problems())
def test_batch_loop_and_reference_agree_on_user_rules(problem: dict[str, Any]) -> None:
    _agree(problem)


@settings(max_examples=examples(0.5))
@given(problems(allow_random=True))
def test_they_agree_with_random_too(problem: dict[str, Any]) -> None:
    _agree(problem)


@settings(max_examples=examples(0.5))
@given(problems())
def test_rank_and_the_live_state_follow_place(problem: dict[str, Any]) -> None:
    inv, task = problem["inventory"], problem["task"]
    rules, chain = problem.get("constraints", ()), problem.get("strategy", ())
    one = place(inv, task, 1, constraints=rules, strategy=chain)
    best = rank(inv, task, constraints=rules, strategy=chain).best
    assert one.placements == (() if best is None else (best,))
    # count rank-and-commit steps on the live state give place(count).
    state = ClusterState(inv)
    expected = place(inv, task, problem["count"], constraints=rules, strategy=chain)
    placed = []
    for _ in range(problem["count"]):
        choice = state.rank(task, constraints=rules, strategy=chain).best
        if choice is None:
            break
        state.commit(choice, task)
        placed.append(choice)
    assert tuple(placed) == expected.placements
    assert ClusterState(inv).place(
        task, problem["count"], constraints=rules, strategy=chain
    ).placements == expected.placements


@settings(max_examples=examples(0.5))
@given(problems())
def test_headroom_is_what_place_places(problem: dict[str, Any]) -> None:
    inv, task = problem["inventory"], problem["task"]
    rules = problem.get("constraints", ())
    room = headroom(inv, task, constraints=rules)
    if room.unbounded:
        return
    assert room.copies is not None
    result = place(inv, task, room.copies + 3, constraints=rules)
    assert result.placed == room.copies
    assert dict(result.failures[0].reasons) == dict(room.reasons)


def _zoned(n: int = 6) -> Inventory:
    instances = [
        placement.Instance(
            arn=f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}",
            ec2_instance_id=f"i-{i}",
            attributes={"ecs.availability-zone": "us-east-1" + "ab"[i % 2]},
            cpu=4096,
            memory=8192,
        )
        for i in range(n)
    ]
    return Inventory.from_instances(instances)


def test_a_static_rule_names_its_reason_in_failures_and_explanations() -> None:
    inv = _zoned(4)
    rule = NotOnIds(frozenset({"i-0", "i-1", "i-2", "i-3"}))
    result = place(inv, TaskSpec(cpu=1, group="service:web"), 2, constraints=[rule])
    assert result.placed == 0
    assert dict(result.failures[0].reasons) == {"NotRetiring": 4}
    explanation = explain_placement(inv, TaskSpec(cpu=1), [rule])
    assert explanation.counts() == {"NotRetiring": 4}
    assert explanation.reasons(0) == ("NotRetiring",)
    ranking = rank(inv, TaskSpec(cpu=1), constraints=[rule])
    assert ranking.best is None
    assert set(ranking.excluded.values()) == {"NotRetiring"}


def test_user_reasons_come_after_the_built_in_ones_in_the_order_given() -> None:
    inv = _zoned(2)
    rules = [PerZoneCap(0), NotOnIds(frozenset({"i-0", "i-1"})), "distinctInstance"]
    explanation = explain_placement(inv, TaskSpec(cpu=1), rules)
    assert list(explanation.masks)[-2:] == ["PerZoneCap", "NotRetiring"]
    assert explanation.reasons(1) == ("PerZoneCap", "NotRetiring")


def test_a_zone_cap_is_honoured_copy_by_copy_on_the_batch_path() -> None:
    inv = _zoned(6)
    task = TaskSpec(cpu=10, group="service:web")
    result = place(inv, task, 10, constraints=[PerZoneCap(2)], strategy=["binpack(cpu)"])
    assert result.placed == 4
    zones = [inv[inv.index_of(a)].attributes["ecs.availability-zone"] for a in result.placements]
    assert sorted(zones) == ["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1b"]
    assert dict(result.failures[0].reasons) == {"PerZoneCap": 6}
    assert headroom(inv, task, constraints=[PerZoneCap(2)]).copies == 4


def test_deploy_and_daemon_take_user_rules() -> None:
    inv = _zoned(4)
    retiring = NotOnIds(frozenset({"i-0"}))
    daemon = place_daemon(inv, TaskSpec(cpu=1, group="daemon:agent"), constraints=[retiring])
    assert len(daemon.placements) == 3
    assert daemon.failures == {inv.ids[0]: ("NotRetiring",)}
    start = place(inv, TaskSpec(cpu=1, group="service:web"), 4, strategy=["spread(instanceId)"])
    done = deploy(start.inventory, "service:web", TaskSpec(cpu=2, group="service:web"),
                  desired_count=4, constraints=[PerZoneCap(4)])  # fmt: skip
    assert done.completed
    # At two per zone the old tasks already fill the cap: the deployment is stuck on it.
    stuck = deploy(start.inventory, "service:web", TaskSpec(cpu=2, group="service:web"),
                   desired_count=4, constraints=[PerZoneCap(2)])  # fmt: skip
    assert not stuck.completed
    assert dict(stuck.pending_reasons) == {"PerZoneCap": 4}


def test_a_rule_that_answers_the_wrong_shape_is_an_input_error() -> None:
    class Broken(Constraint):
        reason = "Broken"

        def excluded(self, view: View, task: Any) -> Any:
            return np.zeros(len(view) + 1, dtype=bool)

    with pytest.raises(PlacementInputError, match="one bool per instance"):
        place(_zoned(2), TaskSpec(cpu=1), 1, constraints=[Broken()])


def test_the_view_offers_what_the_interface_promises() -> None:
    inv = _zoned(3)
    seen: dict[str, Any] = {}

    class Spy(Constraint):
        reason = "Spy"
        reads_placements: ClassVar[bool] = True

        def excluded(self, view: View, task: Any) -> Any:
            seen["arns"] = list(view.arns)
            seen["ids"] = list(view.ec2_instance_ids)
            seen["zone"] = list(view.attribute("ecs.availability-zone"))
            seen["missing"] = list(view.attribute("nope"))
            seen["cpu"] = list(view.remaining("cpu"))
            seen.setdefault("running", []).append(list(view.running_tasks_count))
            seen.setdefault("counts", []).append(list(view.group_count(task.group)))
            return np.zeros(len(view), dtype=bool)

    place(inv, TaskSpec(cpu=100, group="g"), 2, constraints=[Spy()], strategy=["binpack(cpu)"])
    assert seen["arns"] == list(inv.ids)
    assert seen["ids"] == ["i-0", "i-1", "i-2"]
    assert seen["zone"] == ["us-east-1a", "us-east-1b", "us-east-1a"]
    assert seen["missing"] == [None, None, None]
    # Asked again after each commit: the copies placed so far are in the counts.
    assert seen["counts"][0] == [0, 0, 0]
    assert [1, 0, 0] in seen["counts"]
    assert seen["running"][0] == [0, 0, 0]
    assert [1, 0, 0] in seen["running"]
