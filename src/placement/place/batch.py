"""The batch placer: all `count` copies at once, without rescanning the inventory per copy.

Placing a copy changes the state of one instance only (its resources, its tasks) plus the task
group's count in that instance's spread zones. So:

* the copies each instance can take, `k_i`, follow from its resources, and for `memberOf`
  expressions that read `runningTasksCount` or `task:group`, from re-evaluating them at the
  few counts where their comparisons can change (`_capacity`);
* the order in which instances receive copies is a handful of sorts over slots
  (instance, t), with a priority queue over zone cells for chains with two or more
  `spread(attribute:...)` (`order.py`).

`place_loop`, the per-copy vectorized loop, handles everything one copy at a time; it is kept
as an oracle for the tests and as the benchmarks' baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from ..inventory import Inventory
from ..rules.base import Constraint, Strategy, ZoneCaps, ZoneGate
from ..rules.view import View
from . import reasons as R
from .capacity import resource_limit, rule_capacity
from .draws import RandomKeys, random_keys
from .gated import gated_order
from .masks import (
    constraint_rules,
    eligibility_masks,
    first_reasons,
    lexicographic_min,
    one_copy,
    reason_masks,
    rule_mask,
)
from .order import Column, _within, advanced, capped_runs
from .result import Failure, PlacementResult
from .task import TaskSpec
from .working import Working

__all__ = ["place_batch", "place_loop", "loop_rows"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def _result(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    chosen: Sequence[int] | npt.NDArray[np.intp],
    masks: dict[str, Bools] | None = None,
) -> PlacementResult:
    """The chosen instances (in order) and the copies that did not fit.

    The result commits the chosen instances when its inventory is first read. `masks`: the
    inventory's reason masks, when the caller has them and places nothing.
    """
    rows = np.asarray(chosen, dtype=np.int64)
    failures: tuple[Failure, ...] = ()
    final = None
    if len(rows) < count:
        # Nothing changes once a copy fails, so every later copy fails the same way: one record.
        if masks is None or len(rows):
            final = inventory.with_placements(rows, task)
            masks = reason_masks(final, task, constraints)
        _, first = first_reasons(masks, len(inventory))
        failures = (Failure(len(rows), first, count - len(rows)),)
    return PlacementResult.committing(inventory, rows, task, constraints, failures, final)


def _capacity(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    rules: Sequence[Constraint],
) -> tuple[Ints, list[ZoneCaps], ZoneGate | None] | None:
    """Copies each instance can take, one after the other (at most `count`), zone caps, gate.

    Eligibility now, resources, host ports, then every constraint that reads placements: a
    rule that caps the copies per zone says its `zone_caps` (honoured by `_capped_order`), one
    that gates zones by skew its `zone_gate` (one at most: the event loop keeps one); any
    other is asked its capacity over the instances that could take more than one copy. None
    when a rule can say none of these (its answer on one instance depends on copies placed
    on others).
    """
    view = View(inventory)
    refused = np.logical_or.reduce(list(eligibility_masks(inventory, task).values()))
    zoned: list[ZoneCaps] = []
    gate: ZoneGate | None = None
    capped: list[Constraint] = []
    for rule in rules:
        if rule.reads_placements:
            caps = rule.zone_caps(view, task)
            if caps is not None:
                zoned.append(caps)
            elif gate is None and (gated := rule.zone_gate(view, task)) is not None:
                # A closed zone opens again as others fill: only what the gate refuses for
                # good is refused now; the event loop holds the rest.
                gate = gated
                refused = refused | gate.never
                continue
            else:
                capped.append(rule)
        refused = refused | rule_mask(rule, view, task)
    k = resource_limit(inventory, task, np.where(refused, 0, count).astype(np.int64))
    for rule in capped:
        # Asked even when no instance takes two copies: a rule that cannot say its capacity
        # couples instances, and one copy on each may already break it.
        alive = np.flatnonzero(k > 1)
        cap = rule_capacity(rule, inventory, alive, task, count)
        if cap is None:
            return None
        k[alive] = np.minimum(k[alive], cap)
    return k, zoned, gate


def _capped_order(
    k: Ints, columns: Sequence[Column], count: int, zoned: Sequence[ZoneCaps],
    gate: ZoneGate | None,
) -> Ints:  # fmt: skip
    """`order` under caps per zone: the order without them, up to the first zone they fill.

    The unconstrained greedy order agrees with the capped one up to the first copy that would
    pass a zone's cap: every choice before it was allowed, and the best of more candidates
    that is allowed is the best of the allowed ones (the keys depend only on the state, which
    is the same). From that copy on the zone is full for good. So that prefix stands, and the
    rest is the capped order from the state it leaves (`advanced`: the chain's keys after
    those copies, capacities and rooms less them, the zone's rows closed), found the same
    way. Each step settles one zone and orders only the copies still to place; a zone
    strategy leading the chain fills the zones together, so after the first step few copies
    are left. A gate changes none of this: it too depends only on the state (its counts move
    on with the copies).
    """
    if not zoned:
        return gated_order(k, columns, count, gate)
    if gate is None and len(zoned) == 1:
        runs = capped_runs(k, columns, count, zoned[0].zones, zoned[0].room)
        if runs is not None:
            return runs
    k = k.copy()
    # A user's rule may give a zone already past its cap a room below zero: it is simply full.
    rooms = [np.maximum(caps.room, 0) for caps in zoned]
    done: list[Ints] = []
    left = count
    while left:
        for caps, room in zip(zoned, rooms, strict=True):
            k[room[caps.zones] <= 0] = 0
        chosen = gated_order(k, columns, left, gate)
        first = len(chosen)
        for caps, room in zip(zoned, rooms, strict=True):
            first = min(first, _first_over(caps.zones[chosen], room))
        if first == len(chosen):
            done.append(chosen)
            break
        chosen = chosen[:first]
        done.append(chosen)
        left -= first
        if first:
            for caps, room in zip(zoned, rooms, strict=True):
                room -= np.bincount(caps.zones[chosen], minlength=len(room))
            k -= np.bincount(chosen, minlength=len(k))
            columns = advanced(columns, chosen, len(k))
            if gate is not None:
                placed = np.bincount(gate.zones[chosen], minlength=len(gate.counts))
                gate = attrs.evolve(gate, counts=gate.counts + placed)
    out: Ints = np.concatenate(done) if len(done) > 1 else done[0]
    return out


# Up to this many zones past their room, `_first_over` looks for each one's first copy too
# many directly; past it, one sort of the copies by zone.
_FEW_OVER = 8


def _first_over(zone: Ints, room: Ints) -> int:
    """The first copy that passes its zone's room (`zone`: each copy's), or len(zone) if none.

    Most orders pass few zones' rooms, or none (the last run): counting copies per zone
    settles that without sorting the copies, and a zone past its room is found by its copies.
    """
    passed = np.flatnonzero(np.bincount(zone, minlength=len(room)) > room)
    if not len(passed):
        return len(zone)
    if len(passed) <= _FEW_OVER:
        return min(int(np.flatnonzero(zone == z)[max(int(room[z]), 0)]) for z in passed)
    over = np.flatnonzero(_within(zone) >= room[zone])
    return int(over[0])


def _columns(
    inventory: Inventory, task: TaskSpec, strategy: Sequence[Strategy], keys: list[RandomKeys]
) -> list[Column]:
    """The chain as `order` reads it."""
    view = View(inventory)
    draws = iter(keys)
    return [rule.column(view, task, next(draws) if rule.random else None) for rule in strategy]


def place_batch(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    strategy: Sequence[Strategy],
    seed: int | None,
) -> PlacementResult:
    """Place `count` copies at once; identical to the reference placer's answer."""
    if not count or not len(inventory):
        return _result(inventory, task, count, constraints, [])
    if count == 1:
        return _place_one(inventory, task, constraints, strategy, seed)
    return _place_ordered(inventory, task, count, constraints, strategy, seed)


def _place_one(
    inventory: Inventory,
    task: TaskSpec,
    constraints: Sequence[Constraint],
    strategy: Sequence[Strategy],
    seed: int | None,
) -> PlacementResult:
    """One copy: the masks once, then the lexicographic minimum `rank().best` takes.

    The general path's sorts and capacities are for many copies; for one, its answer is the
    eligible instance with the least keys (ties to the lowest row), each `random` rule's key
    being the first one, key(i, 0). So this is `rank`'s choice, committed.
    """
    masks, rows, values = one_copy(inventory, task, constraints, strategy, seed)
    best = lexicographic_min(rows, values)
    return _result(inventory, task, 1, constraints, [] if best is None else [best], masks)


def _place_ordered(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    strategy: Sequence[Strategy],
    seed: int | None,
) -> PlacementResult:
    """The general path: capacities, then the greedy order of every copy (`order.py`).

    A constraint that reads placements but cannot give its capacity (a user's rule) is
    honoured copy by copy instead: the per-copy loop is never wrong, only slower.
    """
    if not count or not len(inventory):
        return _result(inventory, task, count, constraints, [])
    capacity = _capacity(inventory, task, count, constraint_rules(constraints, task))
    if capacity is None:
        return place_loop(inventory, task, count, constraints, strategy, seed)
    k, zoned, gate = capacity
    columns = _columns(inventory, task, strategy, random_keys(strategy, seed))
    chosen = _capped_order(k, columns, count, zoned, gate)
    return _result(inventory, task, count, constraints, chosen)


def place_loop(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    strategy: Sequence[Strategy],
    seed: int | None,
) -> PlacementResult:
    """Per copy: score every instance with numpy, take the best, commit it to a working state.

    Handles every chain and constraint; the tests' oracle beside the reference, the
    benchmarks' baseline, and the batch placer's path for users' rules that read placements.
    Agrees with the reference placer, `random` included (same draws).
    """
    chosen = loop_rows(inventory, task, count, constraints, strategy, seed)
    return _result(inventory, task, count, constraints, chosen)


def loop_rows(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    strategy: Sequence[Strategy],
    seed: int | None,
    allowed: Sequence[Bools] | None = None,
) -> list[int]:
    """`place_loop`'s chosen rows, in order; it stops at the first copy that fits nowhere.

    With `allowed`, copy j may go only to the rows where `allowed[j]` is True, and a copy
    that fits on none of them is -1 while later copies go on (a capacity provider's copies,
    SEMANTICS.md §9, whose providers share spread counts).
    """
    n = len(inventory)
    masks = eligibility_masks(inventory, task)
    # Reasons that no commit changes, fixed now; resources kept current in the working state;
    # rules that read placements asked again after each commit where they say it may matter.
    static = ~(masks[R.AGENT] | masks[R.ATTRIBUTE] | masks[R.PORTS])
    view = View(inventory)
    moving: list[Constraint] = []
    per_rule: list[Bools] = []
    for rule in constraint_rules(constraints, task):
        mask = rule_mask(rule, view, task)
        if rule.reads_placements:
            moving.append(rule)
            per_rule.append(mask)
        else:
            static &= ~mask
    refused = np.logical_or.reduce(per_rule) if per_rule else np.zeros(n, dtype=bool)
    has_ports = bool(task.ports or task.udp_ports)
    state = Working(inventory)
    # Per `random` rule, each instance's key for its next copy (draws.py).
    draws = random_keys(strategy, seed)
    current = [rule_keys.first(np.arange(n)) for rule_keys in draws]
    chosen: list[int] = []
    for copy in range(count):
        ok = static & ~refused & (state.cpu >= task.cpu) & (state.memory >= task.memory)
        ok &= state.gpus >= task.gpus
        if allowed is not None:
            ok &= allowed[copy]
        candidates = np.flatnonzero(ok)
        if not len(candidates):
            if allowed is None:
                break
            chosen.append(-1)
            continue
        heads = iter(current)
        for strategy_rule in strategy:
            draw = next(heads) if strategy_rule.random else None
            if len(candidates) > 1:
                values = strategy_rule.values(state, task, candidates, draw)
                candidates = candidates[values == values.min()]
        best = int(candidates[0])
        chosen.append(best)
        state.commit(best, task)
        taken = state.taken(best)
        for rule_keys, head in zip(draws, current, strict=True):
            head[best] += int(rule_keys.steps([best], [taken])[0])
        if has_ports:
            static[best] = False  # its host ports are bound now
        if moving:
            _refresh(moving, per_rule, refused, state, task, best)
    return chosen


def _refresh(
    rules: Sequence[Constraint],
    masks: list[Bools],
    refused: Bools,
    state: Working,
    task: TaskSpec,
    row: int,
) -> None:
    """After a commit on `row`: each rule's answer again where it may have changed."""
    everywhere = False
    touched: list[Ints] = []
    for rule, mask in zip(rules, masks, strict=True):
        rows = rule.affected(state, task, row)
        if rows is None:
            mask[:] = rule_mask(rule, state, task)
            everywhere = True
        else:
            rows = np.asarray(rows, dtype=np.int64)
            mask[rows] = rule.refreshed(state, task, rows)
            touched.append(rows)
    if everywhere:
        refused[:] = np.logical_or.reduce(masks)
        return
    for rows in touched:
        refused[rows] = np.logical_or.reduce([mask[rows] for mask in masks])
