"""Properties every placement keeps, whatever the method, plus `rank` and the explanations."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import (
    Instance,
    Inventory,
    MemberOf,
    TaskSpec,
    explain_placement,
    place,
    rank,
)
from placement.place import reasons as R
from placement.place.reference import cluster_reasons
from placement.rules import constraints_from
from placement.testing import placement_problems

METHODS = ("batch", "loop", "reference")


@settings(max_examples=examples(1))
@given(placement_problems(allow_random=True), st.sampled_from(METHODS))
def test_result_invariants(problem: dict[str, Any], method: str) -> None:
    inv: Inventory = problem["inventory"]
    before = list(inv)
    cpu_before = inv.cpu.copy()
    result = place(**problem, method=method)
    # The caller's inventory is untouched, and its arrays cannot be written.
    assert list(inv) == before
    assert np.array_equal(inv.cpu, cpu_before)
    for array in (inv.cpu, inv.memory, inv.gpus, inv.running_tasks_count):
        assert not array.flags.writeable
    # Every copy is either placed or failed, once.
    count = problem["count"]
    assert result.placed + result.failed == count
    # The copies after the first failure are one record with a count, never one per copy.
    assert len(result.failures) <= 1
    assert [(f.index, f.count) for f in result.failures] == (
        [(result.placed, count - result.placed)] if result.placed < count else []
    )
    for failure in result.failures:
        assert sum(failure.reasons.values()) == len(inv)
        assert list(failure.reasons) == [r for r in R.ORDER if r in failure.reasons]
        assert all(v > 0 for v in failure.reasons.values())
        # After the first failure nothing changes: every later copy fails the same way.
        assert failure.reasons == result.failures[0].reasons
    # The final state: resources and counts moved by exactly the placed copies.
    task = problem["task"]
    taken = Counter(result.placements)
    for old, new in zip(inv, result.inventory, strict=True):
        k = taken[old.arn]
        assert new.cpu == old.cpu - k * task.cpu
        assert new.memory == old.memory - k * task.memory
        assert new.gpus == old.gpus - k * task.gpus
        assert new.running_tasks_count == old.running_tasks_count + k
        assert new.task_groups.get(task.group, 0) == old.task_groups.get(task.group, 0) + k
        assert new.cpu >= 0 and new.memory >= 0 and new.gpus >= 0
        if k:
            assert new.ports == old.ports | task.ports
        if task.ports or task.udp_ports:
            assert k <= 1
    # The failure's reasons are those of the final state.
    if result.failures:
        explanation = result.explain()
        assert not explanation.eligible.any()
        rules = constraints_from(problem["constraints"])
        # Each instance in its cluster: caps and spreads read the other instances too.
        final = list(result.inventory)
        firsts = Counter(found[0] for found in cluster_reasons(final, task, rules))
        assert dict(result.failures[0].reasons) == dict(firsts)


@settings(max_examples=examples(1))
@given(placement_problems(allow_random=True))
def test_rank_agrees_with_place_and_explain(problem: dict[str, Any]) -> None:
    problem = {**problem, "count": 1}
    ranking = rank(
        problem["inventory"],
        problem["task"],
        constraints=problem["constraints"],
        strategy=problem["strategy"],
        seed=problem["seed"],
    )
    result = place(**problem)
    if result.placements:
        assert ranking.best == result.placements[0]
    else:
        assert ranking.best is None and ranking.ids == ()
    inv, task = problem["inventory"], problem["task"]
    explanation = explain_placement(inv, task, problem["constraints"])
    rules = constraints_from(problem["constraints"])
    for (row, instance), every in zip(enumerate(inv), cluster_reasons(list(inv), task, rules),
                                      strict=True):  # fmt: skip
        assert explanation.reasons(row) == tuple(every)
        assert explanation.reasons(instance.arn) == tuple(every)
        if every:
            assert ranking.excluded[instance.arn] == every[0]
        else:
            assert instance.arn in ranking.ids
    assert len(ranking.ids) + len(ranking.excluded) == len(inv)
    assert ranking.order.tolist() == [inv.index_of(a) for a in ranking.ids]
    assert explanation.eligible.tolist() == [a in set(ranking.ids) for a in inv.ids]
    # The ranking is the order successive single placements would take if nothing changed:
    # its head is the reference's choice for the first copy.
    ref = place(**problem, method="reference")
    assert ranking.best == (ref.placements[0] if ref.placements else None)


@settings(max_examples=examples(1))
@given(placement_problems(allow_random=True), st.randoms(use_true_random=False))
def test_placed_count_is_permutation_invariant(problem: dict[str, Any], rnd: Any) -> None:
    """Each instance's capacity depends on it alone, so how many copies fit does not depend on
    the inventory's order (nor on the strategy); when some copy fails, every instance is full
    and the multiset of placements is the same too. (Which tied instance gets a copy does
    depend on the order: ties go to the first in the inventory.)"""
    inv: Inventory = problem["inventory"]
    shuffled = list(inv)
    rnd.shuffle(shuffled)
    a = place(**problem)
    b = place(**{**problem, "inventory": Inventory.from_instances(shuffled)})
    assert a.placed == b.placed
    if a.failures:
        assert Counter(a.placements) == Counter(b.placements)
        assert a.failures == b.failures
    plain = place(**{**problem, "strategy": []})
    assert plain.placed == a.placed


def test_rank_empty_inventory() -> None:
    empty = Inventory.from_instances([])
    ranking = rank(empty, TaskSpec(), strategy=["binpack(cpu)", "spread(instanceId)"])
    assert ranking.best is None and ranking.excluded == {}


# Regression: rank() raised OverflowError here (an int64 bincount of no rows took np.inf).
def test_rank_empty_inventory_spread_attribute() -> None:
    empty = Inventory.from_instances([])
    ranking = rank(empty, TaskSpec(), strategy=["spread(attribute:ecs.availability-zone)"])
    assert ranking.best is None and ranking.ids == ()


def test_ties_depend_on_inventory_order() -> None:
    one = Instance(arn="arn:one", cpu=1000, memory=1000)
    two = Instance(arn="arn:two", cpu=1000, memory=1000)
    task = TaskSpec(cpu=100, group="g")
    forward = place(Inventory.from_instances([one, two]), task, 1, strategy=["binpack(memory)"])
    backward = place(Inventory.from_instances([two, one]), task, 1, strategy=["binpack(memory)"])
    assert forward.placements == ("arn:one",)
    assert backward.placements == ("arn:two",)


# -- explanations --------------------------------------------------------------------------------


def _explain_inventory() -> Inventory:
    return Inventory.from_instances(
        [
            Instance(arn="arn:both", cpu=100, memory=100, attributes={"stack": "prod"}),
            Instance(arn="arn:fits", cpu=4096, memory=8192, attributes={"stack": "prod"}),
            Instance(
                arn="arn:dev",
                cpu=4096,
                memory=100,
                attributes={"stack": "dev"},
                agent_connected=False,
            ),
        ]
    )


def test_explain_lists_every_reason() -> None:
    inv = _explain_inventory()
    task = TaskSpec(cpu=512, memory=512, group="g")
    explanation = explain_placement(inv, task, [MemberOf("attribute:stack == prod")])
    assert explanation.reasons("arn:both") == ("RESOURCE:CPU", "RESOURCE:MEMORY")
    assert explanation.reasons(1) == ()
    assert explanation.reasons("arn:dev") == (
        "AGENT",
        "RESOURCE:MEMORY",
        "MemberOf placement constraint unsatisfied.",
    )
    assert explanation.eligible.tolist() == [False, True, False]
    # counts() counts an instance under each reason it fails.
    assert explanation.counts() == {
        "AGENT": 1,
        "RESOURCE:CPU": 1,
        "RESOURCE:MEMORY": 2,
        "MemberOf placement constraint unsatisfied.": 1,
    }
    text = str(explanation)
    assert text.splitlines()[0] == "1 of 3 instances can take the task"
    assert "RESOURCE:MEMORY: 2 (e.g. arn:both, arn:dev)" in text
    assert "AGENT: 1 (e.g. arn:dev)" in text
    details = explanation.member_of_details()
    assert len(details) == 1
    with pytest.raises(KeyError):
        explanation.reasons("arn:nope")


def test_result_explain_uses_final_state() -> None:
    inv = _explain_inventory()
    task = TaskSpec(cpu=2048, memory=4096, group="g")
    result = place(inv, task, 3, constraints=["memberOf(attribute:stack == prod)"])
    assert result.placements == ("arn:fits", "arn:fits")
    assert result.failures[0].reasons == {"AGENT": 1, "RESOURCE:CPU": 2}
    explanation = result.explain()
    assert explanation.reasons("arn:fits") == ("RESOURCE:CPU", "RESOURCE:MEMORY")
    assert "0 of 3 instances can take the task" in str(explanation)
    assert "arn:fits" in str(explanation)


def test_explanation_text_breaks_member_of_down_by_clause() -> None:
    inv = Inventory.from_instances(
        [
            Instance(arn="arn:linux", cpu=100, memory=100, attributes={"os": "linux"}),
            Instance(arn="arn:windows", cpu=100, memory=100, attributes={"os": "windows"}),
        ]
    )
    explanation = explain_placement(
        inv, TaskSpec(cpu=10), constraints=["memberOf(attribute:os == linux)"]
    )
    text = str(explanation)
    assert "MemberOf placement constraint unsatisfied.: 1 (e.g. arn:windows)" in text
    assert "rejected 1 by `attribute:os == linux` (e.g. arn:windows)" in text
