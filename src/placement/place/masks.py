"""Vectorized eligibility and constraint masks, and strategy keys, over an inventory's state.

Shared by the batch placer, the per-copy loop, `rank` and the explanations; the reference
placer in `reference.py` computes the same things one instance at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

from ..inventory import Inventory
from . import reasons as R
from .draws import random_keys
from .rules import Binpack, Constraint, DistinctInstance, MemberOf, Random, Spread, Strategy
from .task import TaskSpec

__all__ = [
    "reason_masks", "first_reasons", "member_of", "spread_zones", "StrategyKeys",
    "lexicographic_min", "zone_totals", "strategy_values", "one_copy",
]  # fmt: skip

Bools = npt.NDArray[np.bool_]


def member_of(constraints: Sequence[Constraint], task: TaskSpec) -> list[MemberOf]:
    """All `memberOf` constraints in force: the task definition's, then the caller's."""
    items = [*task.constraints, *constraints]
    return [c for c in items if isinstance(c, MemberOf)]


def reason_masks(
    inv: Inventory, task: TaskSpec, constraints: Sequence[Constraint]
) -> dict[str, Bools]:
    """For each ECS reason, the instances it excludes (an instance may fail several)."""
    n = len(inv)
    active = inv.status.codes == inv.status.index.get("ACTIVE", -3)
    masks: dict[str, Bools] = {R.AGENT: ~(active & inv.agent_connected)}
    missing = np.zeros(n, dtype=bool)
    for name in task.requires_attributes:
        column = inv.attributes.get(name)
        missing |= np.ones(n, dtype=bool) if column is None else column.codes == -1
    masks[R.ATTRIBUTE] = missing
    masks[R.CPU] = inv.cpu < task.cpu
    masks[R.MEMORY] = inv.memory < task.memory
    masks[R.PORTS] = inv.ports.any_of(task.ports, n) | inv.udp_ports.any_of(task.udp_ports, n)
    masks[R.GPU] = inv.gpus < task.gpus
    rejected = np.zeros(n, dtype=bool)
    for rule in member_of(constraints, task):
        rejected |= ~rule.expression.evaluate(inv)
    masks[R.MEMBER_OF] = rejected
    if any(isinstance(c, DistinctInstance) for c in constraints):
        masks[R.DISTINCT_INSTANCE] = inv.group_counts(task.group) > 0
    else:
        masks[R.DISTINCT_INSTANCE] = np.zeros(n, dtype=bool)
    return masks


def first_reasons(masks: dict[str, Bools], n: int) -> tuple[Bools, dict[str, int]]:
    """The eligible mask, and per reason how many instances fail it first (ECS's order)."""
    taken = np.zeros(n, dtype=bool)
    counts: dict[str, int] = {}
    for reason in R.ORDER:
        fresh = masks[reason] & ~taken
        count = int(fresh.sum())
        if count:
            counts[reason] = count
        taken |= fresh
    return ~taken, counts


def spread_zones(inv: Inventory, attribute: str) -> tuple[npt.NDArray[np.int64], int]:
    """Per instance, its zone for `spread(attribute:NAME)`, and the zone of those lacking it.

    The zone is the value's code, or `k` (the number of values) for instances lacking a value
    (absent or name-only), which rank after all others.
    """
    def compute() -> tuple[npt.NDArray[np.int64], int]:
        column = inv.attributes.get(attribute)
        if column is None:
            return np.zeros(len(inv), dtype=np.int64), 0
        k = len(column.values)
        codes = column.codes.astype(np.int64)
        zones = np.where(codes >= 0, codes, k)
        zones.flags.writeable = False
        return zones, k

    return inv.memo(("zones", attribute), compute)  # type: ignore[no-any-return]


class StrategyKeys:
    """The strategy chain's ranking values over a (mutable) copy of the inventory's state.

    The per-copy loop reads it every copy, then commits. Lower is better; instances lacking a
    spread attribute get +inf.
    """

    def __init__(self, inventory: Inventory, task: TaskSpec, strategy: Sequence[Strategy]):
        self.cpu = inventory.cpu.copy()
        self.memory = inventory.memory.copy()
        self.group = inventory.group_counts(task.group).copy()  # commit changes it
        # Per attribute spread: each instance's zone, and the zone's tasks of the group
        # (cluster-wide, ineligible instances included).
        self.zones: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
        for rule in strategy:
            if isinstance(rule, Spread) and rule.attribute is not None:
                zones, _ = spread_zones(inventory, rule.attribute)
                totals = zone_totals(inventory, task.group, rule.attribute).copy()
                self.zones[rule.attribute] = (zones, totals)

    def values(
        self, rule: Strategy, rows: npt.NDArray[np.intp], draw: npt.NDArray[np.generic] | None
    ) -> npt.NDArray[np.generic]:
        """The values `rule` ranks `rows` by (`draw`: each instance's random key, for `random`)."""
        if isinstance(rule, Binpack):
            return (self.cpu if rule.field == "cpu" else self.memory)[rows]
        if isinstance(rule, Random):
            assert draw is not None
            return draw[rows]
        if rule.attribute is None:
            return self.group[rows]
        zones, totals = self.zones[rule.attribute]
        return totals[zones[rows]]

    def commit(self, row: int, task: TaskSpec) -> None:
        """Instance `row` takes one copy of `task`."""
        self.cpu[row] -= task.cpu
        self.memory[row] -= task.memory
        self.group[row] += 1
        for zones, totals in self.zones.values():
            totals[zones[row]] += 1


def lexicographic_min(
    rows: npt.NDArray[np.int64], values: Sequence[npt.NDArray[np.generic]]
) -> int | None:
    """The row with the smallest values (first strategy first), ties to the lowest row.

    One min and one filter per strategy: no sort. `rows` is ascending, so the first survivor
    is the lowest row.
    """
    if not len(rows):
        return None
    keep: npt.NDArray[np.intp] | None = None
    last = len(values) - 1
    for k, value in enumerate(values):
        if keep is not None:
            value = value[keep]
        if k == last:
            # argmin returns the first of equal minima: the lowest row among them.
            best = int(np.argmin(value))
            return int(rows[best if keep is None else keep[best]])
        hits = np.flatnonzero(value == value.min())
        if len(hits) == 1:
            return int(rows[hits[0] if keep is None else keep[hits[0]]])
        keep = hits if keep is None else keep[hits]
    return int(rows[0] if keep is None else rows[keep[0]])


def zone_totals(inventory: Inventory, group: str, attribute: str) -> npt.NDArray[np.float64]:
    """Per zone of `attribute`, the tasks of `group` on it; +inf for instances lacking it."""

    def compute() -> npt.NDArray[np.float64]:
        zones, missing = spread_zones(inventory, attribute)
        counts = inventory.group_counts(group)
        totals = np.bincount(zones, weights=counts, minlength=missing + 1).astype(float)
        totals[missing] = np.inf
        return totals

    return inventory.memo(("zone totals", group, attribute), compute)  # type: ignore[no-any-return]


def strategy_values(
    inventory: Inventory,
    task: TaskSpec,
    chain: Sequence[Strategy],
    rows: npt.NDArray[np.intp],
    draws: Iterator[npt.NDArray[np.generic]],
) -> list[npt.NDArray[np.generic]]:
    """Each strategy's values over `rows` (lower is better), read without copying the columns."""
    out: list[npt.NDArray[np.generic]] = []
    group: npt.NDArray[np.int64] | None = None
    for rule in chain:
        if isinstance(rule, Binpack):
            out.append((inventory.cpu if rule.field == "cpu" else inventory.memory)[rows])
        elif isinstance(rule, Random):
            out.append(next(draws)[rows])
        else:
            assert isinstance(rule, Spread)
            if group is None:
                group = inventory.group_counts(task.group)
            if rule.attribute is None:
                out.append(group[rows])
            else:
                zones, _ = spread_zones(inventory, rule.attribute)
                out.append(zone_totals(inventory, task.group, rule.attribute)[zones[rows]])
    return out


def one_copy(
    inventory: Inventory,
    task: TaskSpec,
    constraints: Sequence[Constraint],
    chain: Sequence[Strategy],
    seed: int | None,
) -> tuple[dict[str, Bools], npt.NDArray[np.int64], list[npt.NDArray[np.generic]]]:
    """What one copy is decided on: masks, eligible rows (ascending), strategy values.

    `rank` orders the rows by the values; `place(count=1)` takes their `lexicographic_min`.
    Each `random` rule offers every instance its first key (t = 0).
    """
    masks = reason_masks(inventory, task, constraints)
    taken = np.zeros(len(inventory), dtype=bool)
    for mask in masks.values():
        taken |= mask
    rows = np.flatnonzero(~taken).astype(np.int64, copy=False)
    draws = []
    for keys in random_keys(chain, seed):
        first = np.zeros(len(inventory), dtype=np.int64)  # read at `rows` only
        first[rows] = keys.first(rows)
        draws.append(first)
    return masks, rows, strategy_values(inventory, task, chain, rows, iter(draws))
