"""Scale-in: which RUNNING tasks of a group to stop, as ECS chooses them (SEMANTICS.md §4).

Each strategy's `stop_values` says what it ranks a task by; two choosers read it. Without `random`
in the chain, the order of the tasks on one instance never changes, so a heap per cell of
instances sharing their zones, and a heap over the cells, give each stop in O(log tasks):
O((tasks + stops) log tasks) in all (`_by_heaps`). With `random`, every stop draws afresh for
every task row (that is what a seed means), so each stop is one vectorized pass over the
candidates (`_draw_by_draw`). The new inventory is built once, at the end, by
`Inventory.without_tasks`. `ops/reference.py` holds the per-task reference.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..inventory import Inventory
from ..model import FrozenMap
from ..place.draws import stop_generators
from ..place.inputs import check_seed as _check_seed
from ..place.masks import spread_zones, zone_totals
from ..rules import Strategy, strategy_from

__all__ = [
    "scale_in", "ScaleInResult", "choose_stops", "stop_rows", "StopState",
    "check_inputs", "PROTECTED",
]  # fmt: skip

PROTECTED = "PROTECTED"
"""Why a task asked for was not stopped: scale-in protection (SEMANTICS.md §9)."""

_MOST_RECENT = np.iinfo(np.int64).max  # a task not yet started counts as the most recent


@attrs.frozen(eq=False, repr=False)
class ScaleInResult:
    """The tasks to stop, in order, and the inventory after they stop.

    `unstopped` counts the tasks asked for that could not be stopped, `reasons` why (per
    reason, how many): `{"PROTECTED": n}` when only protected tasks of the group were left
    (SEMANTICS.md §9).
    """

    stops: tuple[str, ...]
    inventory: Inventory
    group: str
    unstopped: int = 0
    reasons: Mapping[str, int] = attrs.field(factory=FrozenMap, converter=FrozenMap)

    @classmethod
    def of(
        cls, stops: tuple[str, ...], inventory: Inventory, group: str, count: int
    ) -> ScaleInResult:
        """The result of asking for `count` stops and making `stops`: the rest were protected."""
        unstopped = count - len(stops)
        return cls(stops, inventory, group, unstopped, {PROTECTED: unstopped} if unstopped else {})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the group, the stops (how many, their ARNs in order).

        When some tasks asked for could not stop: how many (`unstopped`), and why (`reasons`).
        """
        out: dict[str, Any] = {"group": self.group, "stopped": len(self.stops),
                               "stops": list(self.stops)}  # fmt: skip
        if self.unstopped:
            out["unstopped"] = self.unstopped
            out["reasons"] = dict(self.reasons)
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScaleInResult):
            return NotImplemented
        return (self.stops, self.group, self.unstopped, self.reasons) == (
            other.stops, other.group, other.unstopped, other.reasons
        ) and (self.inventory == other.inventory)  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        from ..text import shorten

        kept = f", {self.unstopped} unstopped" if self.unstopped else ""
        return (f"<ScaleInResult {len(self.stops)} tasks of {shorten(self.group, 40)!r} to stop"
                f"{kept}; {len(self.inventory)} instances after>")  # fmt: skip

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: the tasks to stop, in order."""
        from ..render import scale_in_html

        return scale_in_html(self)


def check_inputs(
    inventory: Any, group: Any, count: Any, strategy: Any, seed: Any
) -> tuple[Strategy, ...]:
    """The checked strategy chain; every other argument checked too (PlacementInputError)."""
    if not isinstance(inventory, Inventory):
        raise PlacementInputError(f"inventory must be an Inventory, got {type(inventory).__name__}")
    if not isinstance(group, str):
        raise PlacementInputError(f"group must be a string, got {type(group).__name__}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise PlacementInputError(f"count must be a non-negative int, got {count!r:.80}")
    _check_seed(seed)
    return checked_chain(strategy)


def checked_chain(strategy: Any) -> tuple[Strategy, ...]:
    """The strategy chain, anything that is not a list of strategies refused."""
    if not isinstance(strategy, (str, Mapping, Iterable)):
        raise PlacementInputError(f"strategy must be a list, got {type(strategy).__name__}")
    try:
        return strategy_from(strategy)
    except (TypeError, OverflowError, RecursionError) as exc:
        raise PlacementInputError(f"strategy: {type(exc).__name__}") from None


def scale_in(
    inventory: Inventory,
    group: str,
    count: int,
    *,
    strategy: Iterable[Any] = (),
    seed: int | None = None,
) -> ScaleInResult:
    """Choose `count` RUNNING tasks of `group` to stop, as ECS's scale-in would (§4).

    Each stop ranks every remaining task of the group by the strategy chain applied to its
    instance: `binpack(R)` the most R remaining after the stop first, `spread(instanceId)`
    the instance with the most tasks of the group first, `spread(attribute:X)` tasks on
    instances lacking X first, then the value with the most tasks of the group; `random` a
    seeded draw per task. Ties: the instance last in inventory order, then the most recently
    started task (not started counts as most recent), then the last in task order.
    Asking for more tasks than the group runs is a `PlacementInputError`.

    Protected tasks (`Task.protected`, SEMANTICS.md §9) are never stopped, though they count
    in the group's per-instance and per-zone totals: asking for more than the unprotected
    tasks stops them all, and the result's `unstopped` and `reasons` (`{"PROTECTED": n}`)
    say how many could not be.
    """
    chain = check_inputs(inventory, group, count, strategy, seed)
    stops = choose_stops(inventory, group, count, chain, stop_generators(chain, seed))
    return ScaleInResult.of(stops, inventory.without_tasks(stops), group, count)


def choose_stops(
    inventory: Inventory,
    group: str,
    count: int,
    chain: Sequence[Strategy],
    generators: Sequence[np.random.Generator],
    candidates: npt.NDArray[np.int64] | None = None,
) -> tuple[str, ...]:
    """The ARNs of the `count` tasks to stop, in order (inputs already checked).

    `candidates` (task rows of the group, ascending) restricts the choice, as a deployment
    stops old tasks only; the counts the chain reads include every task of the group. Protected
    tasks are never chosen: fewer than `count` come back when too few are unprotected. Each
    stop draws `rng.random(len(inventory.tasks))` from every generator, in chain order: one
    value per task row.
    """
    rows = stop_rows(inventory, group, count, chain, generators, candidates)
    arns = inventory.tasks.arns[rows]
    return tuple(str(a) for a in arns)


def stop_rows(
    inventory: Inventory,
    group: str,
    count: int,
    chain: Sequence[Strategy],
    generators: Sequence[np.random.Generator],
    candidates: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.int64]:
    """`choose_stops` as task rows of `inventory`, in stop order."""
    table = inventory.tasks
    code = table.groups.index.get(group)
    if candidates is not None:
        mine = np.sort(np.asarray(candidates, dtype=np.int64))
    elif code is not None:
        mine = np.flatnonzero(table.groups.codes == code)
    else:
        mine = np.zeros(0, dtype=np.int64)
    if count > len(mine):
        raise PlacementInputError(
            f"count: cannot stop {count} tasks of group {group!r:.200}: it runs {len(mine)}"
        )
    # Protected tasks are no candidates (§9); the draws stay one per task row all the same.
    mine = mine[~table.protected[mine]]
    count = min(count, len(mine))
    if not count:
        return np.zeros(0, dtype=np.int64)
    state = StopState(inventory, group, chain, mine)
    if any(rule.random for rule in chain):
        chosen = _draw_by_draw(state, count, chain, generators, len(table))
    else:
        chosen = _by_heaps(state, count, chain)
    return mine[np.asarray(chosen, dtype=np.int64)]


class StopState:
    """What the chain reads while tasks stop, updated in place by `stop`.

    Each instance's remaining CPU and memory and tasks of the group, each zone's total, and
    the candidate tasks' own columns. Tasks are numbered by their position in `mine` (the
    candidate task rows, ascending).
    """

    def __init__(
        self, inventory: Inventory, group: str, chain: Sequence[Strategy], mine: npt.NDArray[Any]
    ) -> None:
        table = inventory.tasks
        self.on = table.instances[mine]
        self.task_cpu = table.cpu[mine]
        self.task_memory = table.memory[mine]
        # A task not yet started counts as the most recent.
        self.recent = np.where(table.has_started_at[mine], table.started_at[mine], _MOST_RECENT)
        self.mine = mine
        self.cpu = inventory.cpu.copy()
        self.memory = inventory.memory.copy()
        self.group = inventory.group_counts(group).copy()
        self.zones: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
        for rule in chain:
            attribute = rule.zone_attribute
            if attribute is not None:
                zones, _ = spread_zones(inventory, attribute)
                # +inf for instances lacking the attribute: negated, they stop first.
                totals = zone_totals(inventory, group, attribute).copy()
                self.zones[attribute] = (zones, totals)

    def stop(self, chosen: int) -> None:
        """The task at `chosen` stops: its instance regains its resources, counts one fewer."""
        row = self.on[chosen]
        self.cpu[row] += self.task_cpu[chosen]
        self.memory[row] += self.task_memory[chosen]
        self.group[row] -= 1
        for zones, totals in self.zones.values():
            totals[zones[row]] -= 1


def _draw_by_draw(
    state: StopState,
    count: int,
    chain: Sequence[Strategy],
    generators: Sequence[np.random.Generator],
    rows: int,
) -> list[int]:
    """Stops for a chain with `random`: each stop draws afresh for every task row (§4).

    The draws (one value per task row and generator, per stop) are what seeds mean, so this
    costs O(task rows) per stop however few candidates remain; it filters the candidates rule
    by rule, one vectorized pass each.
    """
    alive = np.ones(len(state.mine), dtype=bool)
    stops: list[int] = []
    for _ in range(count):
        draws = iter([g.random(rows) for g in generators])
        candidates = np.flatnonzero(alive)
        for rule in chain:
            draw = next(draws) if rule.random else None
            if len(candidates) > 1:
                values = rule.stop_values(state, candidates, draw)
                candidates = candidates[values == values.min()]
        if len(candidates) > 1:
            # Ties: the instance last in inventory order, then the most recently started
            # task; `candidates` ascend in task order, so the last survivor is the last task.
            last = state.on[candidates]
            candidates = candidates[last == last.max()]
            started = state.recent[candidates]
            candidates = candidates[started == started.max()]
        chosen = int(candidates[-1])
        alive[chosen] = False
        state.stop(chosen)
        stops.append(chosen)
    return stops


def _by_heaps(state: StopState, count: int, chain: Sequence[Strategy]) -> list[int]:
    """Stops for a chain without `random`, in O((tasks + stops) log tasks).

    Why it is exact: every value but `binpack`'s depends on the task's instance alone, and
    `binpack`'s is the instance's remaining plus the task's own amount. So on one instance
    the tasks keep one order for good (the larger amounts first, then the tie rules): only
    its first task can be next, and the chain ranks instances by their first task. A stop
    changes its own instance's values (it is taken out and put back) and, through
    `spread(attribute)`, the totals of its zones. Instances sharing every zone of the chain
    (a cell) compare by their own values alone, in one heap per cell; the cells compare by
    their best instance's full key in a top heap. Zone totals only fall, so another cell's
    key only gets worse: a stale top entry is re-keyed when it surfaces (lazy), which is
    exact because a stored key is never worse than the true one.
    """
    n = len(state.mine)
    index = np.arange(n, dtype=np.int64)
    # On each instance: by the chain's values now (tasks on one instance differ only by their
    # own amounts, which stops do not change), then the latest started, then the last in
    # task order. np.lexsort's last key is the primary.
    values = [rule.stop_values(state, index, None) for rule in chain]
    order = np.lexsort((-index, -state.recent, *reversed(values), state.on))
    on_sorted = state.on[order]
    instances, starts, sizes = np.unique(on_sorted, return_index=True, return_counts=True)
    attributes = [r.zone_attribute for r in chain if r.zone_attribute is not None]
    local_rules = [r for r in chain if r.zone_attribute is None]
    if attributes:
        # A cell: the instances sharing every zone the chain spreads over.
        codes = np.stack([state.zones[name][0][instances] for name in attributes])
        uniques, cell_of = np.unique(codes, axis=1, return_inverse=True)
        cell_of = cell_of.reshape(-1)
        cell_zones: list[list[int]] = uniques.T.tolist()
    else:
        cell_of = np.zeros(len(instances), dtype=np.int64)
        cell_zones = [[]] if len(instances) else []
    # When each zone's total last fell, and when each cell's top entry was keyed (in stops):
    # an entry keyed after every change of its zones is exact, others are re-keyed.
    changed = [[-1] * len(state.zones[name][1]) for name in attributes]
    keyed = [0] * len(cell_zones)

    def keys(rules: Sequence[Strategy], heads: npt.NDArray[np.int64]) -> list[tuple[Any, ...]]:
        # Each rule's values for these first tasks, then minus the instance row (last first).
        columns = [rule.stop_values(state, heads, None).tolist() for rule in rules]
        columns.append((-state.on[heads]).tolist())
        return list(zip(*columns, strict=True))

    heads = order[starts]
    local = keys(local_rules, heads)
    cells: list[list[tuple[Any, ...]]] = [[] for _ in cell_zones]
    # Each cell heap holds (local key, slot): slot numbers the instance in `instances`.
    for slot, (key, cell) in enumerate(zip(local, cell_of.tolist(), strict=True)):
        cells[cell].append((key, slot))
    for heap in cells:
        heapq.heapify(heap)
    order_list, start_list, size_list = order.tolist(), starts.tolist(), sizes.tolist()
    taken = [0] * len(instances)

    def head(slot: int) -> int:
        return int(order_list[start_list[slot] + taken[slot]])

    zone_rules = [r for r in chain if r not in local_rules]
    is_zone = [r in zone_rules for r in chain]

    def full_key(cell: int) -> tuple[Any, ...]:
        # The cell's best instance's own values (its heap key) merged, in chain order, with
        # the values of its zones.
        local, slot = cells[cell][0]
        at = np.array([head(slot)], dtype=np.int64)
        zone = iter([rule.stop_values(state, at, None).item() for rule in zone_rules])
        own = iter(local)
        return (*[next(zone) if z else next(own) for z in is_zone], *own)

    top = [(full_key(cell), cell) for cell in range(len(cells))]
    heapq.heapify(top)
    stops: list[int] = []
    for step in range(count):
        while True:
            cell = top[0][1]
            slot = cells[cell][0][1]
            since = keyed[cell]
            if all(changed[a][z] < since for a, z in enumerate(cell_zones[cell])):
                break
            keyed[cell] = step
            heapq.heapreplace(top, (full_key(cell), cell))
        chosen = head(slot)
        state.stop(chosen)
        stops.append(chosen)
        for a, z in enumerate(cell_zones[cell]):
            changed[a][z] = step
        taken[slot] += 1
        heap = cells[cell]
        if taken[slot] < size_list[slot]:
            nxt = np.array([head(slot)], dtype=np.int64)
            heapq.heapreplace(heap, (keys(local_rules, nxt)[0], slot))
        else:
            heapq.heappop(heap)
        if heap:
            keyed[cell] = step + 1
            heapq.heapreplace(top, (full_key(cell), cell))
        else:
            heapq.heappop(top)
    return stops
