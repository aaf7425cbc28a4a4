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

import numpy as np
import numpy.typing as npt

from ..inventory import Inventory
from ..syntax.ast import SubjectKind
from . import reasons as R
from .draws import RandomKeys, random_keys
from .masks import (
    StrategyKeys,
    first_reasons,
    lexicographic_min,
    member_of,
    one_copy,
    reason_masks,
    spread_zones,
)
from .order import CONST, DEC, INC, RND, ZONE, Column, order
from .result import Failure, PlacementResult
from .rules import Binpack, Constraint, DistinctInstance, MemberOf, Random, Strategy
from .task import TaskSpec

__all__ = ["place_batch", "place_loop"]

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


def _dynamic_rules(constraints: Sequence[Constraint], task: TaskSpec) -> list[MemberOf]:
    return [rule for rule in member_of(constraints, task) if rule.expression.reads_state]


def _thresholds(rules: Sequence[MemberOf]) -> list[int]:
    """The runningTasksCount arguments of the rules' comparisons."""
    out: list[int] = []
    for rule in rules:
        for leaf in rule.expression.leaves():
            if leaf.subject.kind is SubjectKind.RUNNING_TASKS_COUNT:
                # The parser checks these are non-negative ints (one value; lists are kept
                # for safety).
                argument = leaf.argument
                items = argument if isinstance(argument, (list, tuple, frozenset)) else [argument]
                out.extend(v for v in items if isinstance(v, int))
    return out


def _capacity(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    eligible: Bools,
) -> Ints:
    """Copies each instance can take, one after the other (at most `count`)."""
    k = np.where(eligible, count, 0).astype(np.int64)
    for have, need in ((inventory.cpu, task.cpu), (inventory.memory, task.memory),
                       (inventory.gpus, task.gpus)):  # fmt: skip
        if need:
            np.minimum(k, have // need, out=k)
    if task.ports or task.udp_ports or any(isinstance(c, DistinctInstance) for c in constraints):
        np.minimum(k, 1, out=k)
    dynamic = _dynamic_rules(constraints, task)
    if dynamic and (k > 1).any():
        _cap_dynamic(inventory, task, dynamic, k)
    return k


def _cap_dynamic(inventory: Inventory, task: TaskSpec, rules: Sequence[MemberOf], k: Ints) -> None:
    """Lower `k` where a state-reading expression turns false as the instance fills up.

    After one copy the group is on the instance for good, so from then on only
    runningTasksCount moves, one per copy, and a comparison `runningTasksCount OP x` can only
    change its value when the count reaches x or x + 1. So the expressions are evaluated at
    the count after the first copy and at each of those change points past it: one vectorized
    evaluation per change point, however far away it is.
    """
    alive = np.flatnonzero(k > 1)
    after = inventory.select(alive).with_placements(
        np.arange(len(alive)), TaskSpec(group=task.group)
    )
    counts = inventory.running_tasks_count[alive] + 1  # the count after the first copy
    # Points past every count the instances can reach change nothing (and may not fit int64).
    reach = int(counts.max()) + int(k[alive].max())
    points = sorted({x + d for x in _thresholds(rules) for d in (0, 1) if x + d <= reach})
    columns, task_columns = after.columns(), after.tasks.columns()
    limit = k[alive].copy()
    # Candidate counts per instance: its count after one copy, then each later change point.
    candidates = [counts] + [np.full(len(alive), p, dtype=np.int64) for p in points]
    for value in candidates:
        at = np.maximum(value, counts)
        t = at - counts + 1  # copies taken when the count is `at`
        open_ = (t < limit) & (value >= counts)
        if not open_.any():
            continue
        columns["running_tasks_count"] = at
        state = Inventory(columns, task_columns)
        holds = np.ones(len(alive), dtype=bool)
        for rule in rules:
            holds &= rule.expression.evaluate(state)
        # False at count `at`: the instance takes t copies at most (the t-th copy made it so).
        limit = np.where(open_ & ~holds, np.minimum(limit, t), limit)
    k[alive] = limit


def _columns(
    inventory: Inventory, task: TaskSpec, strategy: Sequence[Strategy], keys: list[RandomKeys]
) -> list[Column]:
    """The chain as `order` reads it."""
    group_counts = inventory.group_counts(task.group)
    draws = iter(keys)
    out: list[Column] = []
    for rule in strategy:
        if isinstance(rule, Binpack):
            have = inventory.cpu if rule.field == "cpu" else inventory.memory
            demand = task.cpu if rule.field == "cpu" else task.memory
            out.append(Column(DEC if demand else CONST, have, -demand))
        elif isinstance(rule, Random):
            out.append(Column(RND, group_counts, keys=next(draws)))
        elif rule.attribute is None:
            out.append(Column(INC, group_counts, 1))
        else:
            zones, missing = spread_zones(inventory, rule.attribute)
            levels = np.bincount(zones, weights=group_counts, minlength=missing + 1)
            out.append(Column(ZONE, zones, levels=levels.astype(np.int64), missing=missing))
    return out


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
    """The general path: capacities, then the greedy order of every copy (`order.py`)."""
    if not count or not len(inventory):
        return _result(inventory, task, count, constraints, [])
    eligible, _ = first_reasons(reason_masks(inventory, task, constraints), len(inventory))
    k = _capacity(inventory, task, count, constraints, eligible)
    columns = _columns(inventory, task, strategy, random_keys(strategy, seed))
    return _result(inventory, task, count, constraints, order(k, columns, count))


def place_loop(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    strategy: Sequence[Strategy],
    seed: int | None,
) -> PlacementResult:
    """Per copy: score every instance with numpy, take the best, update the state.

    Handles every chain and constraint; the tests' oracle beside the reference, and the
    benchmarks' baseline. Agrees with the reference placer, `random` included (same draws).
    """
    n = len(inventory)
    masks = reason_masks(inventory, task, constraints)
    static = ~(masks[R.AGENT] | masks[R.ATTRIBUTE] | masks[R.PORTS])
    member = ~masks[R.MEMBER_OF]
    dynamic = _dynamic_rules(constraints, task)
    distinct = any(isinstance(c, DistinctInstance) for c in constraints)
    has_ports = bool(task.ports or task.udp_ports)
    keys = StrategyKeys(inventory, task, strategy)
    gpus = inventory.gpus.copy()
    added = np.zeros(n, dtype=np.int64)
    # Per `random` rule, each instance's key for its next copy (draws.py).
    draws = random_keys(strategy, seed)
    current = [rule_keys.first(np.arange(n)) for rule_keys in draws]
    chosen: list[int] = []
    for _copy in range(count):
        heads = iter(current)
        ok = static & member & (keys.cpu >= task.cpu) & (keys.memory >= task.memory)
        ok &= gpus >= task.gpus
        if has_ports:
            ok &= added == 0
        if distinct:
            ok &= keys.group == 0
        candidates = np.flatnonzero(ok)
        if not len(candidates):
            break
        for rule in strategy:
            draw = next(heads) if isinstance(rule, Random) else None
            if len(candidates) > 1:
                values = keys.values(rule, candidates, draw)
                candidates = candidates[values == values.min()]
        best = int(candidates[0])
        chosen.append(best)
        keys.commit(best, task)
        gpus[best] -= task.gpus
        added[best] += 1
        for rule_keys, head in zip(draws, current, strict=True):
            head[best] += int(rule_keys.steps([best], [added[best]])[0])
        if dynamic:
            # Re-check the state-reading expressions on the one instance that changed, through
            # the shared state update.
            here = inventory.select([best]).with_placements([0] * int(added[best]), task)
            member[best] = all(bool(rule.expression.evaluate(here)[0]) for rule in dynamic)
    return _result(inventory, task, count, constraints, chosen)
