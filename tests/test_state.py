"""ClusterState: rank-and-commit equals place, commit and release, snapshots, inputs (§6)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import (
    ClusterState,
    Instance,
    Inventory,
    MemberOf,
    PlacementError,
    PlacementInputError,
    Ranking,
    TaskSpec,
    place,
    rank,
)
from placement.testing import placement_problems, tasks

CHAINS = [
    [],
    ["binpack(cpu)"],
    ["binpack(memory)", "spread(instanceId)"],
    ["spread(attribute:ecs.availability-zone)", "binpack(memory)"],
    ["spread(attribute:ecs.availability-zone)", "spread(instanceId)"],
    ["spread(attribute:rack)", "spread(attribute:ecs.availability-zone)", "binpack(cpu)"],
    ["random"],
    ["spread(attribute:ecs.availability-zone)", "random"],
    ["binpack(cpu)", "random(7)", "random"],
]


def _step(state: ClusterState, problem: dict[str, Any]) -> list[str]:
    chosen = []
    for _ in range(problem["count"]):
        ranking = state.rank(
            problem["task"], constraints=problem["constraints"], strategy=problem["strategy"]
        )
        if ranking.best is None:
            break
        state.commit(ranking.best, problem["task"])
        chosen.append(ranking.best)
    return chosen


@settings(max_examples=examples(1.5))
@given(placement_problems(allow_random=True))
def test_rank_and_commit_equals_place(problem: dict[str, Any]) -> None:
    expected = place(**problem)
    state = ClusterState(problem["inventory"], seed=problem["seed"])
    assert _step(state, problem) == list(expected.placements)
    assert state.inventory == expected.inventory
    assert state.inventory.tasks.arns.tolist() == expected.inventory.tasks.arns.tolist()


@settings(max_examples=examples(0.5))
@given(placement_problems(max_count=6), st.sampled_from(CHAINS), st.integers(0, 2**32 - 1))
def test_every_chain_equals_place(problem: dict[str, Any], chain: list[str], seed: int) -> None:
    problem = {**problem, "strategy": chain, "seed": seed}
    expected = place(**problem)
    state = ClusterState(problem["inventory"], seed=seed)
    assert _step(state, problem) == list(expected.placements)
    assert state.inventory == expected.inventory


@settings(max_examples=examples(1))
@given(placement_problems(allow_random=True))
def test_state_place_equals_place(problem: dict[str, Any]) -> None:
    expected = place(**problem)
    state = ClusterState(problem["inventory"], seed=problem["seed"])
    got = state.place(
        problem["task"], problem["count"],
        constraints=problem["constraints"], strategy=problem["strategy"],
    )  # fmt: skip
    assert got == expected
    assert got.task_arns == expected.task_arns
    assert state.inventory == expected.inventory


@settings(max_examples=examples(1))
@given(placement_problems(), st.data())
def test_rankings_follow_the_state(problem: dict[str, Any], data: st.DataObject) -> None:
    """After commits, the state's ranking is the immutable `rank` of its snapshot."""
    state = ClusterState(problem["inventory"])
    kw = {"constraints": problem["constraints"], "strategy": problem["strategy"]}
    other = data.draw(tasks())
    state.rank(other, **kw)  # a second cached plan, kept current by the same commits
    for _ in range(problem["count"]):
        got = state.rank(problem["task"], **kw)
        assert got == rank(state.inventory, problem["task"], **kw)
        assert state.rank(other, **kw) == rank(state.inventory, other, **kw)
        if got.best is None:
            break
        state.commit(got.best, problem["task"])


@settings(max_examples=examples(1))
@given(placement_problems(), st.data())
def test_commit_then_release_restores_the_state(
    problem: dict[str, Any], data: st.DataObject
) -> None:
    state = ClusterState(problem["inventory"])
    task, kw = problem["task"], {"constraints": problem["constraints"],
                                 "strategy": problem["strategy"]}  # fmt: skip
    before = state.inventory
    ranking_before = state.rank(task, **kw)
    arns = []
    for _ in range(problem["count"]):
        best = state.rank(task, **kw).best
        if best is None:
            break
        arns.append(state.commit(best, task))
    for arn in data.draw(st.permutations(arns)):
        state.release(arn)
    assert state.inventory == before
    assert state.rank(task, **kw) == ranking_before
    # Releasing a task the inventory started with is without_tasks.
    if len(before.tasks):
        arn = str(before.tasks.arns[0])
        state.release(arn)
        assert state.inventory == before.without_tasks([arn])


def _cluster() -> Inventory:
    zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a"]
    return Inventory.from_instances(
        Instance(
            arn=f"arn:aws:ecs:us-east-1:1:container-instance/{k}",
            attributes={"ecs.availability-zone": zone, "ecs.os-type": "linux"},
            cpu=1024, memory=2048, ports={22},
        )
        for k, zone in enumerate(zones)
    )  # fmt: skip


ZERO = "arn:aws:ecs:us-east-1:1:container-instance/0"
WEB = TaskSpec(cpu=256, memory=512, group="service:web", ports={80})


def test_snapshots_do_not_change_later() -> None:
    state = ClusterState(_cluster())
    first = state.inventory
    ranking = state.rank(WEB, strategy=["binpack(cpu)"])
    best = ranking.best
    arn = state.commit(best, WEB)
    assert arn == "placement:task/1"
    assert len(first.tasks) == 0 and first[0].cpu == 1024
    assert ranking.best == best and ranking.ids[0] == best
    assert not ranking.masks["RESOURCE:PORTS"].any()
    # The port is now taken there: the next ranking excludes it.
    assert state.rank(WEB).excluded == {best: "RESOURCE:PORTS"}
    assert state.inventory.tasks[0].instance == best


def test_commit_refuses_what_the_instance_cannot_take() -> None:
    state = ClusterState(_cluster())
    target = "arn:aws:ecs:us-east-1:1:container-instance/0"
    state.commit(target, WEB, task_arn="arn:task/a")
    before = state.inventory
    with pytest.raises(PlacementInputError, match="RESOURCE:PORTS"):
        state.commit(target, WEB)
    with pytest.raises(PlacementInputError, match="RESOURCE:MEMORY"):
        state.commit(target, TaskSpec(memory=10**6))
    with pytest.raises(PlacementInputError, match="already running"):
        state.commit("arn:aws:ecs:us-east-1:1:container-instance/1", WEB, task_arn="arn:task/a")
    with pytest.raises(PlacementInputError, match="instance_arn"):
        state.commit("nope", WEB)
    with pytest.raises(PlacementInputError, match="task_arn"):
        state.release("arn:task/unknown")
    assert state.inventory == before


def test_local_task_names_count_on() -> None:
    state = ClusterState(_cluster())
    target = "arn:aws:ecs:us-east-1:1:container-instance/1"
    first = state.commit(target, TaskSpec(cpu=1))
    state.release(first)
    # The counter is monotonic: a released name is not reused.
    assert state.commit(target, TaskSpec(cpu=1)) == "placement:task/2"


@pytest.mark.parametrize(
    "bad",
    [None, 5, "x", [1, 2], {"a": 1}, "a" * 10_000_000, float("nan"), 2**100],
)
def test_junk_arguments_are_placement_errors(bad: Any) -> None:
    state = ClusterState(_cluster())
    calls = [
        lambda: ClusterState(bad),
        lambda: ClusterState(_cluster(), seed=bad),
        lambda: state.rank(bad),
        lambda: state.rank(WEB, constraints=bad),
        lambda: state.rank(WEB, strategy=bad),
        lambda: state.commit(bad, WEB),
        lambda: state.commit(ZERO, bad),
        lambda: state.commit(ZERO, WEB, task_arn=bad if bad is not None else 7),
        lambda: state.release(bad),
        lambda: state.place(WEB, bad),
        lambda: state.scale_in(bad, 1),
        lambda: state.scale_in("service:web", bad),
        lambda: state.place_daemon(bad),
        lambda: state.apply(bad),
        lambda: state.apply_all(bad),
    ]
    for call in calls:
        before = state.inventory
        try:
            call()
        except PlacementError:
            assert state.inventory == before  # a refused call changes nothing


def test_values_pickle_and_copy() -> None:
    state = ClusterState(_cluster(), seed=3)
    state.commit("arn:aws:ecs:us-east-1:1:container-instance/2", WEB)
    ranking = state.rank(WEB, strategy=["spread(attribute:ecs.availability-zone)", "random"])
    for value in (state.inventory, ranking, state.place(TaskSpec(cpu=1), 2)):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.deepcopy(value) == value
    again = pickle.loads(pickle.dumps(state))
    assert again.inventory == state.inventory
    # The generators travel too: the copy makes the same next random decision.
    chain = ["random"]
    assert again.rank(WEB, strategy=chain).best == state.rank(WEB, strategy=chain).best
    assert isinstance(ranking, Ranking) and ranking.best_row is not None


def test_ranking_is_lazy_and_complete() -> None:
    inv = _cluster()
    not_b = MemberOf("attribute:ecs.availability-zone != us-east-1b")
    zones = ["spread(attribute:ecs.availability-zone)"]
    ranking = rank(inv, WEB, constraints=[not_b], strategy=zones)
    assert ranking.best == str(inv.ids[0])
    assert ranking.order.tolist() == [0, 2, 3]
    assert ranking.ids == tuple(str(inv.ids[i]) for i in (0, 2, 3))
    assert ranking.excluded == {str(inv.ids[1]): "MemberOf placement constraint unsatisfied."}
    assert len(ranking) == 3
    assert np.array_equal(ranking.masks["MemberOf placement constraint unsatisfied."],
                          [False, True, False, False])  # fmt: skip
