"""Vectorized eligibility and constraint masks, and strategy keys, over an inventory's state.

Shared by the batch placer, the per-copy loop, `rank` and the explanations; the reference
placer in `reference.py` computes the same things one instance at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..inventory import Inventory
from . import reasons as R
from .rules import Binpack, Constraint, DistinctInstance, MemberOf, Random, Spread, Strategy
from .task import TaskSpec

__all__ = ["reason_masks", "first_reasons", "member_of", "spread_zones", "StrategyKeys"]

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

    Shared by `rank` (once) and the per-copy loop (every copy, then `commit`), so both read
    the chain the same way. Lower is better; instances lacking a spread attribute get +inf.
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
                zones, missing = spread_zones(inventory, rule.attribute)
                counted = np.bincount(zones, weights=self.group, minlength=missing + 1)
                totals = counted.astype(np.float64)  # bincount of nothing is int64
                totals[missing] = np.inf
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
