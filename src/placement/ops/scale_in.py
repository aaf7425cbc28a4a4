"""Scale-in: which RUNNING tasks of a group to stop, as ECS chooses them (SEMANTICS.md §4).

Stopping a task changes one instance (its resources, its tasks of the group) and one zone's
count, so each stop re-reads only arrays that are updated in place: one vectorized pass over
the group's tasks per stop, never a rebuild of the inventory. The new inventory is built once,
at the end, by `Inventory.without_tasks`. `ops/reference.py` holds the per-task reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..inventory import Inventory
from ..place.api import _check_seed
from ..place.draws import stop_generators
from ..place.masks import spread_zones, zone_totals
from ..rules import Binpack, Random, Spread, Strategy, strategy_from

__all__ = ["scale_in", "ScaleInResult", "choose_stops", "check_inputs"]

_MOST_RECENT = np.iinfo(np.int64).max  # a task not yet started counts as the most recent


@attrs.frozen(eq=False, repr=False)
class ScaleInResult:
    """The tasks to stop, in order, and the inventory after they stop."""

    stops: tuple[str, ...]
    inventory: Inventory
    group: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the group, how many tasks stop, and their ARNs in order."""
        return {"group": self.group, "stopped": len(self.stops), "stops": list(self.stops)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScaleInResult):
            return NotImplemented
        return (self.stops, self.group) == (other.stops, other.group) and (
            self.inventory == other.inventory
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ScaleInResult {len(self.stops)} tasks of {self.group!r:.80}, {self.inventory!r}>"


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
    """
    chain = check_inputs(inventory, group, count, strategy, seed)
    stops = choose_stops(inventory, group, count, chain, stop_generators(chain, seed))
    return ScaleInResult(stops, inventory.without_tasks(stops), group)


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
    stops old tasks only; the counts the chain reads include every task of the group. Each
    stop draws `rng.random(len(inventory.tasks))` from every generator, in chain order: one
    value per task row.
    """
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
    if not count:
        return ()
    on = table.instances[mine]
    recent = np.where(table.has_started_at[mine], table.started_at[mine], _MOST_RECENT)
    state = _StopState(inventory, group, chain, mine)
    alive = np.ones(len(mine), dtype=bool)
    stops: list[str] = []
    for _ in range(count):
        draws = iter([g.random(len(table)) for g in generators])
        candidates = np.flatnonzero(alive)
        for rule in chain:
            draw = next(draws) if isinstance(rule, Random) else None
            if len(candidates) > 1:
                values = state.values(rule, candidates, draw)
                candidates = candidates[values == values.min()]
        if len(candidates) > 1:
            # Ties: the instance last in inventory order, then the most recently started
            # task; `candidates` ascend in task order, so the last survivor is the last task.
            last = on[candidates]
            candidates = candidates[last == last.max()]
            started = recent[candidates]
            candidates = candidates[started == started.max()]
        chosen = int(candidates[-1])
        alive[chosen] = False
        state.stop(chosen)
        stops.append(str(table.arns[mine[chosen]]))
    return tuple(stops)


class _StopState:
    """Per-instance and per-zone values the chain reads, updated one stop at a time."""

    def __init__(
        self, inventory: Inventory, group: str, chain: Sequence[Strategy], mine: npt.NDArray[Any]
    ) -> None:
        table = inventory.tasks
        self.on = table.instances[mine]
        self.task_cpu = table.cpu[mine]
        self.task_memory = table.memory[mine]
        self.mine = mine
        self.cpu = inventory.cpu.copy()
        self.memory = inventory.memory.copy()
        self.group = inventory.group_counts(group).copy()
        self.zones: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
        for rule in chain:
            if isinstance(rule, Spread) and rule.attribute is not None:
                zones, _ = spread_zones(inventory, rule.attribute)
                # +inf for instances lacking the attribute: negated, they stop first.
                totals = zone_totals(inventory, group, rule.attribute).copy()
                self.zones[rule.attribute] = (zones, totals)

    def values(
        self, rule: Strategy, candidates: npt.NDArray[np.intp], draw: npt.NDArray[Any] | None
    ) -> npt.NDArray[Any]:
        """What `rule` ranks the candidate tasks by (lower stops first)."""
        rows = self.on[candidates]
        out: npt.NDArray[Any]
        if isinstance(rule, Binpack):
            if rule.field == "cpu":
                out = -(self.cpu[rows] + self.task_cpu[candidates])
            else:
                out = -(self.memory[rows] + self.task_memory[candidates])
        elif isinstance(rule, Random):
            assert draw is not None
            out = draw[self.mine[candidates]]
        elif not isinstance(rule, Spread) or rule.attribute is None:
            out = -self.group[rows]
        else:
            zones, totals = self.zones[rule.attribute]
            out = -totals[zones[rows]]
        return out

    def stop(self, chosen: int) -> None:
        """The task at `chosen` stops: its instance regains its resources, counts one fewer."""
        row = self.on[chosen]
        self.cpu[row] += self.task_cpu[chosen]
        self.memory[row] += self.task_memory[chosen]
        self.group[row] -= 1
        for zones, totals in self.zones.values():
            totals[zones[row]] -= 1
