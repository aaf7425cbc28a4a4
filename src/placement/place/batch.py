"""The batch placer: all `count` copies at once, without rescanning the inventory per copy.

Why it can: placing a copy changes the state of one instance only (its resources, its tasks)
plus the task group's count in that instance's spread zone. So the order in which any one
instance receives copies, and the key it offers each time, can be worked out in advance:

* the copies an instance can take, `k_i`, follow from its resources (and, for `memberOf`
  expressions that read `runningTasksCount` or `task:group`, from re-evaluating them on the
  instance as it fills up);
* its t-th copy (t = 0, 1, ...) offers the local key `binpack -> remaining - t * demand`,
  `spread(instanceId) -> tasks_of_group + t`;
* inside one zone (one value of the chain's leading `spread(attribute:X)`, or the whole
  inventory) the greedy choice either keeps filling the chosen instance (when the first key
  that changes with t decreases, or none changes: *runs*), or interleaves instances as a k-way
  merge (when it increases: *merge*). Either way the zone's sequence of slots is a sort;
* zones take turns by level (tasks of the group already in the zone + slots used), ties broken
  by the head slot's key: one global sort of (level, key, index).

So placing is a handful of sorts over at most `count` slots per zone. Chains this does not
cover (a `spread(attribute:...)` after another strategy, two attribute spreads, `random`) and
state-reading `memberOf` expressions whose thresholds are far away run `place_loop`, the
per-copy vectorized loop, which handles everything and is also the benchmarks' baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..inventory import Inventory
from ..syntax.ast import SubjectKind
from . import reasons as R
from .draws import random_generators
from .masks import StrategyKeys, first_reasons, member_of, reason_masks, spread_zones
from .result import Failure, PlacementResult
from .rules import Binpack, Constraint, DistinctInstance, MemberOf, Random, Spread, Strategy
from .task import TaskSpec

__all__ = ["place_batch", "place_loop", "fast_path_applies"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# A state-reading memberOf is followed copy by copy up to this many copies per instance; past
# that the per-copy loop is used.
_MAX_DYNAMIC_STEPS = 64
# Slots the merge order may sort at once (memory: a few int64 arrays of this length).
_MAX_SLOTS = 20_000_000


class _TooManySlotsError(Exception):
    """The merge order would need more slots than `_MAX_SLOTS`: use the per-copy loop."""


def _result(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    chosen: Sequence[int] | npt.NDArray[np.intp],
) -> PlacementResult:
    """Commit the chosen instances (in order) and report the copies that did not fit."""
    chosen = np.asarray(chosen, dtype=np.int64)
    final = inventory.with_placements(chosen, task)
    failures: tuple[Failure, ...] = ()
    if len(chosen) < count:
        # Nothing changes once a copy fails, so every later copy fails the same way: one record.
        _, first = first_reasons(reason_masks(final, task, constraints), len(final))
        failures = (Failure(len(chosen), first, count - len(chosen)),)
    placed = len(chosen)
    return PlacementResult(
        tuple(inventory.ids[chosen].tolist()),
        failures,
        final,
        task,
        tuple(constraints),
        tuple(final.tasks.arns[len(final.tasks) - placed :].tolist()) if placed else (),
    )


def _dynamic_rules(constraints: Sequence[Constraint], task: TaskSpec) -> list[MemberOf]:
    return [rule for rule in member_of(constraints, task) if rule.expression.reads_state]


def fast_path_applies(strategy: Sequence[Strategy]) -> bool:
    """Whether the chain has the shape the sort-based placer covers."""
    if any(isinstance(rule, Random) for rule in strategy):
        return False
    attribute_spreads = [
        k for k, rule in enumerate(strategy) if isinstance(rule, Spread) and rule.attribute
    ]
    return not attribute_spreads or attribute_spreads == [0]


def _capacity(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    eligible: Bools,
) -> Ints | None:
    """Copies each instance can take in a row (None: the per-copy loop must decide)."""
    k = np.where(eligible, count, 0).astype(np.int64)
    for have, need in ((inventory.cpu, task.cpu), (inventory.memory, task.memory),
                       (inventory.gpus, task.gpus)):  # fmt: skip
        if need:
            np.minimum(k, have // need, out=k)
    if task.ports or task.udp_ports or any(isinstance(c, DistinctInstance) for c in constraints):
        np.minimum(k, 1, out=k)
    dynamic = _dynamic_rules(constraints, task)
    if not dynamic or not (k > 1).any():
        return k
    # Re-check the state-reading expressions as the instances fill up. After the first copy
    # the group is present, so only runningTasksCount still moves; past its largest threshold
    # nothing changes any more.
    thresholds = [
        int(leaf.argument)  # type: ignore[arg-type]
        for rule in dynamic
        for leaf in rule.expression.leaves()
        if leaf.subject.kind is SubjectKind.RUNNING_TASKS_COUNT
    ]
    alive = np.flatnonzero(k > 1)
    lowest = int(inventory.running_tasks_count[alive].min())
    steps = 1 + max(0, max(thresholds, default=0) + 1 - lowest)
    if steps > _MAX_DYNAMIC_STEPS:
        return None
    for t in range(1, min(steps, count) + 1):
        alive = alive[k[alive] > t]
        if not len(alive):
            break
        # The alive instances as they would be after t copies (only the counts matter here).
        later = inventory.select(alive).with_placements(
            np.repeat(np.arange(len(alive)), t), TaskSpec(group=task.group)
        )
        holds = np.ones(len(alive), dtype=bool)
        for rule in dynamic:
            holds &= rule.expression.evaluate(later)
        k[alive[~holds]] = t
    # Past the last threshold the expressions no longer change: what is still alive keeps k.
    return k


def _lex_order(keys: Sequence[npt.NDArray[np.integer]]) -> npt.NDArray[np.intp]:
    """`np.lexsort(keys)` (last key primary), faster when the keys pack into one int64.

    np.lexsort makes one stable pass per key (measured 84 ms for 150,000 slots and five keys);
    offsetting each key to start at zero and packing them mixed-radix into one integer leaves a
    single argsort (about 8 ms).
    """
    keys = [np.asarray(k, dtype=np.int64) for k in keys]
    if not keys or not len(keys[0]):
        return np.arange(len(keys[0]) if keys else 0, dtype=np.intp)
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    span = 1
    for key in keys:  # least significant first, as lexsort reads them
        low = int(key.min())
        width = int(key.max()) - low + 1
        if span * width >= 1 << 62:
            return np.lexsort(keys)
        packed += (key - low) * span
        span *= width
    return np.argsort(packed, kind="stable")


def _local_keys(
    inventory: Inventory, task: TaskSpec, local: Sequence[Strategy]
) -> list[tuple[Ints, int]]:
    """Per local strategy, (value at t = 0, change per copy)."""
    group_counts = inventory.group_counts(task.group)
    out: list[tuple[Ints, int]] = []
    for rule in local:
        if isinstance(rule, Binpack):
            if rule.field == "cpu":
                out.append((inventory.cpu, -task.cpu))
            else:
                out.append((inventory.memory, -task.memory))
        else:
            assert isinstance(rule, Spread) and rule.attribute is None
            out.append((group_counts, 1))
    return out


def _zone_sequences(
    zones: Ints,
    k: Ints,
    keys: list[tuple[Ints, int]],
    count: int,
) -> tuple[Ints, Ints, Ints]:
    """Each zone's slots in greedy order, at most `count` per zone: (instance, t, position)."""
    n = len(k)
    index = np.arange(n, dtype=np.int64)
    direction = next((np.sign(step) for _, step in keys if step), 0)
    has = k > 0
    if direction <= 0:
        # Runs: each instance, once chosen, takes all its copies; instances by their key at t=0.
        rows = index[has]
        order = _lex_order((rows, *[base[rows] for base, _ in reversed(keys)], zones[rows]))
        rows = rows[order]
        sizes = k[rows]
        zone_of = zones[rows]
        ends = np.cumsum(sizes)
        zone_start = np.zeros(len(rows), dtype=bool)
        if len(rows):
            zone_start[0] = True
            zone_start[1:] = zone_of[1:] != zone_of[:-1]
        # Slots used in the zone before this instance's run.
        before = ends - sizes
        base_of_zone = np.maximum.accumulate(np.where(zone_start, before, 0))
        before -= base_of_zone
        sizes = np.clip(count - before, 0, sizes)
        instance = np.repeat(rows, sizes)
        starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
        t = np.arange(len(instance), dtype=np.int64) - starts
        position = np.repeat(before, sizes) + t
        return instance, t, position
    # Merge: all slots sorted by (zone, key at t, index, t). Only the first `count` per zone
    # can be used; when the leading key moves by one per copy, find the level that covers them.
    limit = np.minimum(k, count)
    lead_base, lead_step = keys[0]
    if lead_step == 1:
        limit = _cap_levels(zones, lead_base, limit, count)
    if int(limit.sum()) > _MAX_SLOTS:
        raise _TooManySlotsError
    instance = np.repeat(index, limit)
    starts = np.repeat(np.cumsum(limit) - limit, limit)
    t = np.arange(len(instance), dtype=np.int64) - starts
    columns = [base[instance] + step * t for base, step in keys]
    order = _lex_order((t, instance, *reversed(columns), zones[instance]))
    instance, t = instance[order], t[order]
    zone_of = zones[instance]
    first = np.ones(len(instance), dtype=bool)
    first[1:] = zone_of[1:] != zone_of[:-1]
    start_of_zone = np.maximum.accumulate(np.where(first, np.arange(len(instance)), 0))
    position = np.arange(len(instance), dtype=np.int64) - start_of_zone
    keep = position < count
    return instance[keep], t[keep], position[keep]


def _cap_levels(zones: Ints, base: Ints, limit: Ints, count: int) -> Ints:
    """Trim per-instance slots to those at or below the level that gives each zone `count`."""
    out = limit.copy()
    for zone in np.unique(zones[limit > 0]):
        rows = np.flatnonzero((zones == zone) & (limit > 0))
        lo, hi = int(base[rows].min()), int((base[rows] + limit[rows]).max())
        # Smallest level L with at least `count` slots whose level base + t <= L.
        while lo < hi:
            mid = (lo + hi) // 2
            if np.clip(mid - base[rows] + 1, 0, limit[rows]).sum() >= count:
                hi = mid
            else:
                lo = mid + 1
        out[rows] = np.clip(lo - base[rows] + 1, 0, limit[rows])
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
    if not count or not len(inventory) or not fast_path_applies(strategy):
        return place_loop(inventory, task, count, constraints, strategy, seed)
    eligible, _ = first_reasons(reason_masks(inventory, task, constraints), len(inventory))
    k = _capacity(inventory, task, count, constraints, eligible)
    if k is None:
        return place_loop(inventory, task, count, constraints, strategy, seed)
    leading = strategy[0] if strategy else None
    zoned = isinstance(leading, Spread) and leading.attribute is not None
    local = strategy[1:] if zoned else strategy
    keys = _local_keys(inventory, task, local)
    if zoned:
        assert isinstance(leading, Spread) and leading.attribute is not None
        zones, missing_zone = spread_zones(inventory, leading.attribute)
    else:
        zones, missing_zone = np.zeros(len(inventory), dtype=np.int64), -1
    try:
        instance, t, position = _zone_sequences(zones, k, keys, count)
    except _TooManySlotsError:
        return place_loop(inventory, task, count, constraints, strategy, seed)
    zone_of = zones[instance]
    if zoned:
        # Level: tasks of the group in the zone, cluster-wide, plus the zone's slots used.
        in_zone = np.bincount(zones, weights=inventory.group_counts(task.group),
                              minlength=missing_zone + 1).astype(np.int64)  # fmt: skip
        level = in_zone[zone_of] + position
        lacking = zone_of == missing_zone
        # Instances lacking the attribute come after every zone; among themselves, their order.
        level = np.where(lacking, position, level)
        columns = [base[instance] + step * t for base, step in keys]
        # Equal levels come from different zones, so (instance) settles every tie; t is not
        # needed.
        order = _lex_order((instance, *reversed(columns), level, lacking))
    else:
        order = np.argsort(position, kind="stable")
    return _result(inventory, task, count, constraints, instance[order][:count])


def place_loop(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    strategy: Sequence[Strategy],
    seed: int | None,
) -> PlacementResult:
    """Per copy: score every instance with numpy, take the best, update the state.

    Handles every chain and constraint; the batch placer's fallback and the benchmarks'
    baseline. Agrees with the reference placer, `random` included (same draws).
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
    generators = random_generators(strategy, seed)
    chosen: list[int] = []
    for _copy in range(count):
        draws = iter([g.random(n) for g in generators])
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
            draw = next(draws) if isinstance(rule, Random) else None
            if len(candidates) > 1:
                values = keys.values(rule, candidates, draw)
                candidates = candidates[values == values.min()]
        best = int(candidates[0])
        chosen.append(best)
        keys.commit(best, task)
        gpus[best] -= task.gpus
        added[best] += 1
        if dynamic:
            # Re-check the state-reading expressions on the one instance that changed, through
            # the shared state update.
            here = inventory.select([best]).with_placements([0] * int(added[best]), task)
            member[best] = all(bool(rule.expression.evaluate(here)[0]) for rule in dynamic)
    return _result(inventory, task, count, constraints, chosen)
