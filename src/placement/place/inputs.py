"""Checking what callers hand the placing entry points, once, before anything is placed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ..errors import PlacementInputError
from ..inventory import Inventory
from ..rules import (
    MAX_CONSTRAINTS,
    MAX_SEED,
    Constraint,
    Strategy,
    constraints_from,
    shown,
    strategy_from,
)
from .names import warn_unknown_attributes
from .task import TaskSpec

__all__ = ["check_inputs", "check_seed", "MAX_COUNT", "MAX_PLACED"]


MAX_COUNT = 2**31 - 1
"""The most copies one call asks for (ECS places at most 10 per RunTask)."""

MAX_PLACED = 20_000_000
"""The most copies one call may place: the placer's working memory grows with the copies it
places, about 30 to 100 bytes each (`benchmarks/memory.py`), so 20 million copies take at most
about 2 GB. A larger `count` is accepted when the inventory takes at most this many copies (the
rest fail, which costs nothing per copy) and refused up front otherwise."""


def check_inputs(
    inventory: Any, task: Any, count: Any, constraints: Any, strategy: Any, seed: Any = None,
    *, known: Collection[str] = (),
) -> tuple[tuple[Constraint, ...], tuple[Strategy, ...]]:
    """Check every argument of `place`/`rank` and read the rules; nothing is trusted yet.

    `known`: attribute names that exist besides the inventory's (templates' attributes): a
    rule naming one is not warned about (`names.warn_unknown_attributes`).
    """
    if not isinstance(inventory, Inventory):
        raise PlacementInputError(f"inventory must be an Inventory, got {shown(inventory)}")
    if not isinstance(task, TaskSpec):
        raise PlacementInputError(f"task must be a TaskSpec, got {shown(task)}")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
        raise PlacementInputError(
            f"count must be an int from 0 to MAX_COUNT (2**31 - 1), got {shown(count)}"
        )
    check_seed(seed)
    rules = constraints_from(constraints)
    if len(rules) + len(task.constraints) > MAX_CONSTRAINTS:
        raise PlacementInputError(
            f"at most {MAX_CONSTRAINTS} constraints, task definition's included; got "
            f"{len(rules) + len(task.constraints)}"
        )
    chain = strategy_from(strategy)
    warn_unknown_attributes(inventory, (*task.constraints, *rules, *chain), known)
    return rules, chain


def check_seed(seed: Any) -> None:
    """A seed is None or an int from 0 to 2**128 - 1 (placing, ranking, scale-in, the state)."""
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED
    ):
        raise PlacementInputError(f"seed must be an int from 0 to 2**128 - 1, got {shown(seed)}")
