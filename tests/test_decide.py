"""One decision near the cost of its masks (issue 11).

`place(count=1)` takes `rank().best` and commits it without the batch placer's ordering, and a
commit that changes a few instances splices their slices of the sparse columns instead of
re-sorting every entry. Both shortcuts must give exactly what the general paths give: the same
placements, failures and inventories, and the same raw arrays (so pickles and equality agree).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Inventory, TaskSpec, place, rank
from placement import columns as columns_module
from placement import inventory as inventory_module
from placement.columns import GroupCounts, SparseSets, StringColumn
from placement.errors import PlacementInputError
from placement.place import batch
from placement.rules import constraints_from, strategy_from
from placement.testing import TASK_GROUPS, inventories, placement_problems, tasks


@contextmanager
def _general_paths() -> Iterator[None]:
    """Every commit through the sort-everything paths (no few-row splices)."""
    with (
        mock.patch.object(columns_module, "FEW_ROWS", -1),
        mock.patch.object(inventory_module, "FEW_ROWS", -1),
    ):
        yield


def _raw(value: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every array and plain value a column holds, named by where it sits."""
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _raw(value[key], f"{where}.{key}")
    elif isinstance(value, tuple) and all(isinstance(v, np.ndarray) for v in value):
        for k, part in enumerate(value):
            yield from _raw(part, f"{where}[{k}]")
    elif isinstance(value, GroupCounts):
        yield f"{where}.names", value.names
        for name in ("indptr", "codes", "counts", "rows"):
            yield from _raw(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, SparseSets):
        for name in ("indptr", "items", "rows"):
            yield from _raw(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, StringColumn):
        yield f"{where}.values", value.values
        yield from _raw(value.codes, f"{where}.codes")
    elif isinstance(value, np.ndarray):
        yield f"{where}.dtype", value.dtype
        yield f"{where}.shape", value.shape
        yield f"{where}.data", value.tolist()
        yield f"{where}.writeable", value.flags.writeable
    else:
        yield where, value


def _assert_same_arrays(a: Inventory, b: Inventory) -> None:
    assert a == b
    for mine, theirs in ((a.columns(), b.columns()), (a.tasks.columns(), b.tasks.columns())):
        assert list(_raw(mine)) == list(_raw(theirs))
    assert pickle.dumps(a) == pickle.dumps(b)
    assert a.next_task_serial() == b.next_task_serial()


def _sorted_copy(inv: Inventory) -> Inventory:
    """`inv` after one commit through the general path: its sparse columns sorted by row then
    by code/item (the loaders may keep a row's groups in first-seen order)."""
    if not len(inv):
        return inv
    with _general_paths():
        return inv.with_placements(np.arange(len(inv)), TaskSpec(group=TASK_GROUPS[0]))


# -- one copy: rank's choice, committed -----------------------------------------------------------


@settings(max_examples=examples(2))
@given(problem=placement_problems(allow_random=True), data=st.data())
def test_one_copy_is_rank_best_and_the_general_path(problem: dict[str, Any], data: Any) -> None:
    problem["count"] = 1
    if data.draw(st.booleans(), label="sorted"):
        problem["inventory"] = _sorted_copy(problem["inventory"])
    got = place(**problem)
    best = rank(
        problem["inventory"], problem["task"], constraints=problem["constraints"],
        strategy=problem["strategy"], seed=problem["seed"],
    ).best  # fmt: skip
    assert got.placements == (() if best is None else (best,))
    general = batch._place_ordered(
        problem["inventory"], problem["task"], 1, constraints_from(problem["constraints"]),
        strategy_from(problem["strategy"]), problem["seed"],
    )  # fmt: skip
    assert got == general
    assert got.failures == general.failures
    _assert_same_arrays(got.inventory, general.inventory)
    assert got == place(**problem, method="reference")


def test_one_copy_does_not_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The count-of-one path is taken: the batch ordering is never reached."""

    def refuse(*args: Any) -> Any:
        raise AssertionError("the batch order was built for one copy")

    # Every batch placement orders through `_capped_order` (plain, capped or gated).
    monkeypatch.setattr(batch, "_capped_order", refuse)
    inv = Inventory.from_ecs(
        {"containerInstances": [
            {"containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}",
             "status": "ACTIVE", "agentConnected": True,
             "remainingResources": [{"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                                    {"name": "MEMORY", "type": "INTEGER", "integerValue": 512 * i}]}
            for i in range(1, 4)
        ]}
    )  # fmt: skip
    result = place(inv, TaskSpec(cpu=10, memory=100), 1, strategy=["binpack(memory)"])
    assert result.placements == ("arn:aws:ecs:us-east-1:1:container-instance/c/1",)
    assert result.task_arns == ("placement:task/1",)
    assert result.inventory.tasks.arns.tolist() == ["placement:task/1"]
    nothing = place(inv, TaskSpec(cpu=4096), 1)
    assert nothing.placements == ()
    assert nothing.failures[0].reasons == {"RESOURCE:CPU": 3}
    assert nothing.inventory is inv


# -- a commit of a few rows: spliced, identical to the sort-everything commit ----------------------


@st.composite
def _commits(draw: st.DrawFn) -> tuple[Inventory, TaskSpec, list[int]]:
    inv = draw(inventories(1, 8))
    if draw(st.booleans(), label="sorted"):
        inv = _sorted_copy(inv)
    task = draw(tasks())
    rows = draw(st.lists(st.integers(0, len(inv) - 1), min_size=1, max_size=6))
    return inv, task, rows


@settings(max_examples=examples(2))
@given(commit=_commits(), stop=st.data())
def test_few_row_commit_equals_the_general_commit(
    commit: tuple[Inventory, TaskSpec, list[int]], stop: Any
) -> None:
    inv, task, rows = commit
    with _general_paths():
        try:
            general = inv.with_placements(rows, task)
        except PlacementInputError as error:
            refusal = str(error)
        else:
            refusal = None
    if refusal is not None:  # both paths refuse the same copies with the same message
        with pytest.raises(PlacementInputError) as refused:
            inv.with_placements(rows, task)
        assert str(refused.value) == refusal
        return
    fast = inv.with_placements(rows, task)
    _assert_same_arrays(fast, general)
    # And back: stopping some of the tasks (counts fall; a group whose last task stops leaves).
    arns = stop.draw(st.lists(st.sampled_from(fast.tasks.arns.tolist()), unique=True))
    with _general_paths():
        general_back = general.without_tasks(arns)
    _assert_same_arrays(fast.without_tasks(arns), general_back)


@st.composite
def _group_counts(draw: st.DrawFn) -> tuple[GroupCounts, list[int], str, list[int]]:
    n = draw(st.integers(1, 8))
    per_row = draw(
        st.lists(st.dictionaries(st.sampled_from(TASK_GROUPS), st.integers(1, 3)),
                 min_size=n, max_size=n)
    )  # fmt: skip
    counts = GroupCounts.build(per_row)
    if draw(st.booleans(), label="sorted"):
        counts = GroupCounts.build(per_row).adding(np.arange(n), TASK_GROUPS[0], np.zeros(n, int))
    rows = sorted(draw(st.sets(st.integers(0, n - 1), max_size=n)))
    group = draw(st.sampled_from([*TASK_GROUPS, "service:new"]))
    deltas = draw(st.lists(st.integers(-4, 4), min_size=len(rows), max_size=len(rows)))
    return counts, rows, group, deltas


@settings(max_examples=examples(2))
@given(case=_group_counts())
def test_group_counts_splice_equals_the_sort(
    case: tuple[GroupCounts, list[int], str, list[int]],
) -> None:
    counts, rows, group, deltas = case
    spliced = counts.adding(np.array(rows, dtype=np.int64), group, np.array(deltas, np.int64))
    with _general_paths():
        resorted = counts.adding(np.array(rows, dtype=np.int64), group, np.array(deltas, np.int64))
    assert list(_raw(spliced)) == list(_raw(resorted))
    assert spliced._is_sorted()
    assert np.array_equal(spliced.rows, np.repeat(np.arange(len(counts)), np.diff(spliced.indptr)))


@settings(max_examples=examples(2))
@given(
    sets=st.lists(st.frozensets(st.integers(0, 20), max_size=4), min_size=1, max_size=8),
    extra=st.frozensets(st.integers(0, 20), max_size=3),
    data=st.data(),
)
def test_sparse_sets_splice_equals_the_sort(
    sets: list[frozenset[int]], extra: frozenset[int], data: Any
) -> None:
    column = SparseSets.build(sets)
    rows = np.array(sorted(data.draw(st.sets(st.integers(0, len(sets) - 1)))), dtype=np.int64)
    spliced = column.adding(rows, extra)
    with _general_paths():
        resorted = column.adding(rows, extra)
    assert list(_raw(spliced)) == list(_raw(resorted))
    assert [spliced.row(i) for i in range(len(sets))] == [
        s | extra if i in rows else s for i, s in enumerate(sets)
    ]


def test_splice_shares_the_structure_when_only_counts_change() -> None:
    """A copy of a group the instance already runs changes one count: nothing is re-sorted
    and the row structure (indptr, codes, rows) is shared, not rebuilt."""
    counts = GroupCounts.build([{"a": 1}, {"a": 2, "b": 1}, {}])
    assert counts._is_sorted()
    out = counts.adding(np.array([1]), "b", np.array([3]))
    assert out.indptr is counts.indptr and out.codes is counts.codes and out.rows is counts.rows
    assert out.row(1) == {"a": 2, "b": 4}
    grown = counts.adding(np.array([0, 2]), "c", np.array([1, 2]))
    assert [dict(grown.row(i)) for i in range(3)] == [{"a": 1, "c": 1}, {"a": 2, "b": 1},
                                                       {"c": 2}]  # fmt: skip
    gone = grown.adding(np.array([0]), "a", np.array([-1]))
    assert [dict(gone.row(i)) for i in range(3)] == [{"c": 1}, {"a": 2, "b": 1}, {"c": 2}]


def test_unsorted_counts_take_the_general_path() -> None:
    """`build` keeps a row's groups in first-seen order; then the sort-everything path runs,
    so the arrays match it (its re-sort of every row included)."""
    counts = GroupCounts.build([{"a": 1}, {"b": 1, "a": 3}])
    assert counts.codes.tolist() == [0, 1, 0]
    assert not counts._is_sorted()
    out = counts.adding(np.array([0]), "a", np.array([1]))
    assert out.codes.tolist() == [0, 0, 1]  # row 1 re-sorted by code: a, then b
    assert out.counts.tolist() == [2, 3, 1]
    assert out._is_sorted()
