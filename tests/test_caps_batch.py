"""Caps on the batch path: `maxPer` in front of any chain, `topologySpread` with any skew.

`maxPer`: the order without the cap stands up to the first copy a zone has no room for; the
rest is ordered from the state that prefix leaves (`order.advanced`), never again from the
start. `topologySpread` with maxSkew > 1: levels instead of the event loop (`place/gated.py`).
Each must give what the per-copy loop gives, copy for copy.
"""

from __future__ import annotations

import importlib
import itertools
from typing import Any

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_caps_gate import AZ, CHAINS, FIELDS, _agree, _zones, refusing, zoned_inventories

from placement import MaxPer, TaskSpec, TopologySpread, place
from placement.place.draws import random_keys

batch_module = importlib.import_module("placement.place.batch")
order_module = importlib.import_module("placement.place.order")


def _problem(draw: st.DrawFn, rules: list[Any], most: int) -> dict[str, Any]:
    """The rules, in any order, in front of a drawn chain on a drawn zoned inventory."""
    return {
        "inventory": draw(zoned_inventories()),
        "task": TaskSpec(
            cpu=draw(st.integers(0, 20)), memory=draw(st.integers(0, 20)), group="service:web"
        ),
        "count": draw(st.integers(2, most)),
        "constraints": draw(st.permutations(rules)),
        "strategy": draw(CHAINS),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@st.composite
def capped_problems(draw: st.DrawFn) -> dict[str, Any]:
    """One or two maxPer rules (maybe a topologySpread too) in front of any drawn chain."""
    rules: list[Any] = [MaxPer(draw(st.sampled_from([*FIELDS, "host"])), draw(st.integers(1, 8)))]
    if draw(st.booleans()):
        rules.append(MaxPer(draw(st.sampled_from(FIELDS)), draw(st.integers(1, 8))))
    if draw(st.booleans()):
        rules.append(TopologySpread(draw(st.sampled_from(FIELDS)), draw(st.integers(1, 3)),
                                    draw(st.integers(1, 3))))  # fmt: skip
    return _problem(draw, rules, 60)


@settings(max_examples=examples(2))
@given(capped_problems())
def test_max_per_in_front_of_any_chain_agrees_with_the_loop(problem: dict[str, Any]) -> None:
    _agree(problem)


@pytest.mark.parametrize(
    "strategy",
    [[f"spread({AZ})", "binpack(memory)"], ["random"], ["random", f"spread({AZ})"],
     [f"spread({AZ})", "spread(attribute:stack)"], [f"spread({AZ})", "spread(instanceId)"]],
)  # fmt: skip
def test_max_per_orders_only_the_copies_left(
    strategy: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inv = _zones(30)
    task = TaskSpec(cpu=100, memory=10, group="service:web")
    rule = f"maxPer({AZ}, 25)"
    loop = place(inv, task, 200, constraints=[rule], strategy=strategy, seed=5, method="loop")
    asked: list[int] = []
    real = batch_module.gated_order

    def counting(k: Any, cols: Any, count: int, gate: Any) -> Any:
        asked.append(count)
        return real(k, cols, count, gate)

    monkeypatch.setattr(batch_module, "gated_order", counting)
    batch = place(inv, task, 200, constraints=[rule], strategy=strategy, seed=5)
    assert batch.placements == loop.placements
    assert batch.placed == loop.placed == 3 * (25 - 5)  # each zone runs 5 of the group already
    # The first pass orders every copy; each later one only those still to place (a rerun
    # from the start would ask for all 200 again).
    assert asked[0] == 200 and len(asked) > 1
    assert all(later < before for before, later in itertools.pairwise(asked))


@st.composite
def skewed_problems(draw: st.DrawFn) -> dict[str, Any]:
    """A topologySpread with maxSkew > 1 (maybe a maxPer too) in front of any drawn chain."""
    rules: list[Any] = [TopologySpread(draw(st.sampled_from(FIELDS)), draw(st.integers(2, 5)),
                                       draw(st.integers(1, 3)))]  # fmt: skip
    if draw(st.booleans()):
        rules.append(MaxPer(draw(st.sampled_from(FIELDS)), draw(st.integers(1, 8))))
    return _problem(draw, rules, 80)


@settings(max_examples=examples(2))
@given(skewed_problems())
def test_max_skew_above_1_agrees_with_the_loop(problem: dict[str, Any]) -> None:
    _agree(problem)


@settings(max_examples=examples(1))
@given(zoned_inventories(), CHAINS, st.integers(0, 2**32 - 1), st.integers(2, 60), st.data())
def test_order_goes_on_from_any_prefix(
    inv: Any, strategy: list[Any], seed: int, count: int, data: st.DataObject
) -> None:
    """What `_capped_order` rests on: the order from the state a prefix leaves is the rest."""
    task = TaskSpec(cpu=5, memory=5, group="service:web")
    capacity = batch_module._capacity(inv, task, count, [])
    assert capacity is not None
    k = capacity[0]
    cols = batch_module._columns(inv, task, strategy, random_keys(strategy, seed))
    full = order_module.order(k, cols, count)
    cut = sorted(data.draw(st.lists(st.integers(0, len(full)), min_size=2, max_size=2)))
    left, at = k, cols
    for start, end in itertools.pairwise([0, *cut]):
        step = full[start:end]
        left = left - np.bincount(step, minlength=len(k))
        at = order_module.advanced(at, step, len(k))
        rest = order_module.order(left, at, count - end)
        assert rest.tolist() == full[end:].tolist()
        # The next copy's `random` keys, read the loop's way, are the ones the order merged.
        for col in at:
            if col.keys is not None and len(full) > end:
                row = np.array([full[end]])
                taken = int(np.count_nonzero(full[:end] == row[0]))
                assert col.keys.first(row)[0] == col.keys.runs(row, np.array([1]))[0]
                assert taken == int(getattr(col.keys, "taken", np.zeros(len(k)))[row[0]])


gated_module = importlib.import_module("placement.place.gated")


@settings(max_examples=examples(1))
@given(skewed_problems())
def test_the_level_check_refuses_every_other_order(problem: dict[str, Any]) -> None:
    """`_greedy` passes the gated order and nothing else: swapping two neighbouring copies of
    different zones, or leaving the last copy out, is refused."""
    real = gated_module._greedy
    passed: list[int] = []

    def checked(perm: Any, owner: Any, *args: Any) -> bool:
        ok = bool(real(perm, owner, *args))
        if ok:
            passed.append(len(perm))
            zone = owner[perm]
            for i in np.flatnonzero(zone[1:] != zone[:-1])[:8].tolist():
                swapped = perm.copy()
                swapped[[i, i + 1]] = swapped[[i + 1, i]]
                assert not real(swapped, owner, *args)
            if len(perm):
                assert not real(perm[:-1], owner, *args)
        return ok

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gated_module, "_greedy", checked)
        _agree(problem)


@settings(max_examples=examples(1))
@given(zoned_inventories(), CHAINS, st.integers(0, 2**32 - 1), st.integers(1, 80))
def test_sequence_hands_back_the_keys_it_merged(
    inv: Any, strategy: list[Any], seed: int, count: int
) -> None:
    """The keys `_sequence` hands back (`random` ones: made once) are the chain's keys."""
    task = TaskSpec(cpu=3, memory=3, group="service:web")
    capacity = batch_module._capacity(inv, task, count, [])
    assert capacity is not None
    k = capacity[0]
    cols = [c for c in batch_module._columns(inv, task, strategy, random_keys(strategy, seed))
            if c.kind != order_module.ZONE]  # fmt: skip
    rows = np.flatnonzero(k > 0).astype(np.int64)
    keys: list[Any] = []
    inst, t, _ = order_module._sequence(rows, k[rows], np.zeros(len(rows), dtype=np.int64),
                                        np.array([count]), cols, keys)  # fmt: skip
    assert inst.tolist() == order_module.order(k, cols, count).tolist()
    if keys:
        assert len(keys) == len(cols)
        for col, got in zip(cols, keys, strict=True):
            assert got.tolist() == order_module._values(col, inst, t).tolist()


def _runs_inventory(n: int) -> Any:
    """Three zones, instances with room for 4 to 32 copies each: binpack's long runs."""
    from placement import Instance, Inventory

    return Inventory.from_instances([
        Instance(
            arn=f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}", ec2_instance_id=f"i-{i}",
            attributes={"ecs.availability-zone": f"us-east-1{'abc'[(i * 7) % 3]}"},
            cpu=1024 * (1 + i % 8), memory=4096 * (1 + i % 8) - 512 * (i % 3),
        )
        for i in range(n)
    ])  # fmt: skip


@pytest.mark.parametrize("strategy", [["binpack(memory)"], ["random"],
                                      ["binpack(cpu)", f"spread({AZ})"]])  # fmt: skip
def test_max_skew_3_on_long_runs_orders_by_levels(
    strategy: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The benchmark's shape (instances taking many copies in a row): levels, checked, decide
    it; neither the event loop nor the order without the gate runs. Binpack's runs tie deep
    under maxSkew = 3: one pass and the merge of its ties decide, not pass after pass."""
    inv = _runs_inventory(40)
    task = TaskSpec(cpu=256, memory=512, group="service:web")
    rule = f"topologySpread({AZ}, maxSkew=3)"
    loop = place(inv, task, 500, constraints=[rule], strategy=strategy, seed=2, method="loop")

    refuse = refusing("the event loop or the ungated order ran")
    monkeypatch.setattr(order_module, "order_events", refuse)
    monkeypatch.setattr(gated_module, "order", refuse)
    monkeypatch.setattr(gated_module, "_PASSES", 1)
    batch = place(inv, task, 500, constraints=[rule], strategy=strategy, seed=2)
    assert batch.placements == loop.placements
    assert batch.placed == loop.placed > 100


@settings(max_examples=examples(2))
@given(skewed_problems())
def test_the_merge_gives_the_order_the_passes_give(problem: dict[str, Any]) -> None:
    """Merging ties (`_order` after one pass; `_when` once its ties are small) gives the
    order that splitting them pass after pass gives, wherever they decide; and the
    placement still agrees with the loop."""
    real = gated_module._order

    def by_when(*args: Any) -> list[int] | None:
        when = gated_module._when(*args)
        if when is None:
            return None
        held = np.flatnonzero(when >= 0)
        out: list[int] = held[np.argsort(when[held], kind="stable")].tolist()
        return out

    def checked(rank: Any, owner: Any, level: Any, counts: Any, domains: Any, skew: int) -> Any:
        got = real(rank, owner, level, counts, domains, skew)
        args = (rank, owner, level, counts, domains, skew, len(counts))
        merged = by_when(*args)
        with pytest.MonkeyPatch.context() as passes:
            passes.setattr(gated_module, "_SIM_PART", 0)  # no tie small enough to merge
            split = by_when(*args)
        for order in (got if got is None else got.tolist(), merged):
            if order is not None and split is not None:
                assert order == split
        return got

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gated_module, "_order", checked)
        _agree(problem)
