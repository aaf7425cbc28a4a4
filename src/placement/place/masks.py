"""Vectorized eligibility and constraint masks, and strategy keys, over an inventory's state.

Shared by the batch placer, the per-copy loop, `rank` and the explanations; the reference
placer in `reference.py` computes the same things one instance at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..inventory import Inventory
from ..rules.base import Constraint, Strategy, in_force
from ..rules.member_of import MemberOf
from ..rules.view import View, spread_zones, zone_totals
from . import reasons as R
from .draws import random_keys
from .task import TaskSpec

__all__ = [
    "reason_masks", "eligibility_masks", "constraint_masks", "constraint_rules", "rule_mask",
    "add_mask", "first_reasons", "member_of", "spread_zones", "lexicographic_min",
    "zone_totals", "strategy_values", "one_copy",
]  # fmt: skip

Bools = npt.NDArray[np.bool_]


def constraint_rules(constraints: Sequence[Constraint], task: TaskSpec) -> list[Constraint]:
    """Every constraint in force, in reason order: the task definition's, then the caller's.

    Built-in rules stand in ECS's order, users' own after them in the order given (the sort
    is stable), each bound among the others (`Constraint.among`).
    """
    return in_force([*task.constraints, *constraints])


def member_of(constraints: Sequence[Constraint], task: TaskSpec) -> list[MemberOf]:
    """All `memberOf` constraints in force: the task definition's, then the caller's."""
    return [c for c in [*task.constraints, *constraints] if isinstance(c, MemberOf)]


def eligibility_masks(inv: Inventory, task: TaskSpec) -> dict[str, Bools]:
    """§3 step 1: for each eligibility reason (agent, attributes, resources), what it excludes."""
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
    return masks


def rule_mask(rule: Constraint, view: View, task: TaskSpec) -> Bools:
    """`rule.excluded(view, task)`, checked: one bool per row (a user's rule may get it wrong)."""
    mask = np.asarray(rule.excluded(view, task))
    if mask.shape != (len(view),):
        raise PlacementInputError(
            f"constraint {type(rule).__name__}: excluded() must give one bool per instance "
            f"({len(view)}), got shape {mask.shape}"
        )
    return mask.astype(bool, copy=False)


def add_mask(masks: dict[str, Bools], reason: str, mask: Bools) -> None:
    """OR `mask` into `masks[reason]` (a new reason goes last, keeping the reason order)."""
    have = masks.get(reason)
    masks[reason] = mask.copy() if have is None else have | mask


def constraint_masks(
    view: View, task: TaskSpec, rules: Sequence[Constraint], masks: dict[str, Bools]
) -> None:
    """Add every constraint's refusals to `masks` under its reason (built-in reasons always)."""
    n = len(view)
    for reason in R.CONSTRAINTS:
        masks.setdefault(reason, np.zeros(n, dtype=bool))
    for rule in rules:
        add_mask(masks, rule.reason, rule_mask(rule, view, task))


def reason_masks(
    inv: Inventory, task: TaskSpec, constraints: Sequence[Constraint]
) -> dict[str, Bools]:
    """For each reason, the instances it excludes (an instance may fail several).

    Eligibility reasons first, then every constraint's, in reason order.
    """
    masks = eligibility_masks(inv, task)
    constraint_masks(View(inv), task, constraint_rules(constraints, task), masks)
    return masks


def first_reasons(masks: dict[str, Bools], n: int) -> tuple[Bools, dict[str, int]]:
    """The eligible mask, and per reason how many instances fail it first (reason order)."""
    taken = np.zeros(n, dtype=bool)
    counts: dict[str, int] = {}
    for reason, mask in masks.items():
        fresh = mask & ~taken
        count = int(fresh.sum())
        if count:
            counts[reason] = count
        taken |= fresh
    return ~taken, counts


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


def strategy_values(
    view: View,
    task: TaskSpec,
    chain: Sequence[Strategy],
    rows: npt.NDArray[np.intp],
    draws: Iterator[npt.NDArray[np.generic]],
) -> list[npt.NDArray[np.generic]]:
    """Each strategy's values over `rows` (lower is better), read without copying the columns."""
    return [
        rule.values(view, task, rows, next(draws) if rule.random else None)  # type: ignore[arg-type]
        for rule in chain
    ]


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
    return masks, rows, strategy_values(View(inventory), task, chain, rows, iter(draws))
