"""How many more copies each instance takes: the counting behind headroom and the count check.

Each copy changes only its own instance for every rule that says its capacity, so each instance
takes a fixed number of copies whatever the order: resources, host ports, then every rule that
reads placements, asked for its capacity (`Constraint.capacity`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..inventory import Inventory
from ..rules.base import Constraint
from ..rules.view import View
from .masks import constraint_rules, first_reasons, reason_masks
from .task import TaskSpec

__all__ = [
    "UNLIMITED", "MAX_PLACED", "capacities", "counted_capacities", "check_placeable",
    "resource_limit", "rule_capacity",
]  # fmt: skip

Ints = npt.NDArray[np.int64]

UNLIMITED = np.iinfo(np.int64).max
"""The capacity of an instance that takes copies for ever (a task that reserves nothing)."""

MAX_PLACED = 20_000_000
"""The most copies one call may place: the placer's working memory grows with the copies it
places, about 30 to 100 bytes each (`benchmarks/memory.py`), so 20 million copies take at most
about 2 GB. A larger `count` is accepted when the inventory takes at most this many copies (the
rest fail, which costs nothing per copy) and refused up front otherwise."""


def capacities(inventory: Inventory, task: TaskSpec, constraints: Sequence[Constraint]) -> Ints:
    """Per instance, how many more copies of `task` it takes (`UNLIMITED`: for ever).

    `constraints` are typed (`constraints_from`); the task definition's own are added here.
    A rule that reads placements but cannot say its capacity (a user's rule) is left out, so
    the answer is then an upper bound; `counted_capacities` says whether it is exact.
    """
    return counted_capacities(inventory, task, constraints)[0]


def resource_limit(inventory: Inventory, task: TaskSpec, k: Ints) -> Ints:
    """`k` lowered, in place, to the copies each instance's resources hold (ports bind once)."""
    for have, need in ((inventory.cpu, task.cpu), (inventory.memory, task.memory),
                       (inventory.gpus, task.gpus)):  # fmt: skip
        if need:
            np.minimum(k, have // need, out=k)
    if task.ports or task.udp_ports:
        np.minimum(k, 1, out=k)  # host ports bind once
    return k


def rule_capacity(
    rule: Constraint, inventory: Inventory, alive: Ints, task: TaskSpec, count: int
) -> Ints | None:
    """`rule.capacity` at the rows `alive`: over a selection of them when they are few.

    Selecting costs a pass over every column, so most rows alive means asking over all rows
    (a rule's capacity on other rows is simply not read).
    """
    if 2 * len(alive) >= len(inventory):
        cap = rule.capacity(View(inventory), task, count)
        return None if cap is None else np.asarray(cap, dtype=np.int64)[alive]
    cap = rule.capacity(View(inventory.select(alive)), task, count)
    return None if cap is None else np.asarray(cap, dtype=np.int64)


def counted_capacities(
    inventory: Inventory, task: TaskSpec, constraints: Sequence[Constraint]
) -> tuple[Ints, bool]:
    """`capacities`, and whether every rule said its capacity (else they are upper bounds).

    Each copy changes only its own instance for every rule that says a capacity, so each
    instance takes a fixed number of copies whatever the order.
    """
    n = len(inventory)
    eligible, _ = first_reasons(reason_masks(inventory, task, constraints), n)
    k = resource_limit(inventory, task, np.where(eligible, UNLIMITED, 0).astype(np.int64))
    exact = True
    for rule in constraint_rules(constraints, task):
        if not rule.reads_placements:
            continue
        # Asked even when no instance takes two copies (as the batch placer asks): a rule that
        # cannot say its capacity couples instances (a zone's cap), and one copy on each of
        # them may already break it.
        alive = np.flatnonzero(k > 1)
        cap = rule_capacity(rule, inventory, alive, task, UNLIMITED)
        if cap is None:
            exact = False
        else:
            k[alive] = np.minimum(k[alive], cap)
    return k, exact


def check_placeable(
    inventory: Inventory, task: TaskSpec, count: int, rules: Sequence[Constraint]
) -> None:
    """Refuse a `count` whose placed copies would pass `MAX_PLACED` (checked rules).

    Only a count above `MAX_PLACED` is looked at: then the instances' capacities (what
    `headroom` reads, one pass over the columns) say how many copies would place.
    """
    if count <= MAX_PLACED:
        return
    would = int(np.minimum(capacities(inventory, task, rules), count).sum())
    if would > MAX_PLACED:
        raise PlacementInputError(
            f"count {count:,} would place {min(would, count):,} copies; at most MAX_PLACED "
            f"({MAX_PLACED:,}) copies are placed in one call"
        )
