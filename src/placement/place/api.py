"""The placing entry points: `place` and `rank`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..inventory import Inventory
from . import reasons as R
from .batch import place_batch, place_loop
from .draws import random_generators
from .masks import StrategyKeys, reason_masks
from .reference import place_reference
from .result import PlacementResult
from .rules import (
    MAX_CONSTRAINTS,
    MAX_SEED,
    Constraint,
    Random,
    Strategy,
    constraints_from,
    shown,
    strategy_from,
)
from .task import TaskSpec

__all__ = ["place", "rank", "Ranking", "MAX_COUNT"]

Method = Literal["batch", "loop", "reference"]


MAX_COUNT = 2**31 - 1
"""The most copies one call places (ECS places at most 10 per RunTask; this bounds the arrays)."""


def _inputs(
    inventory: Any, task: Any, count: Any, constraints: Any, strategy: Any, seed: Any = None
) -> tuple[tuple[Constraint, ...], tuple[Strategy, ...]]:
    """Check every argument of `place`/`rank` and read the rules; nothing is trusted yet."""
    if not isinstance(inventory, Inventory):
        raise PlacementInputError(f"inventory must be an Inventory, got {shown(inventory)}")
    if not isinstance(task, TaskSpec):
        raise PlacementInputError(f"task must be a TaskSpec, got {shown(task)}")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
        raise PlacementInputError(
            f"count must be an int from 0 to MAX_COUNT (2**31 - 1), got {shown(count)}"
        )
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED
    ):
        raise PlacementInputError(f"seed must be an int from 0 to 2**128 - 1, got {shown(seed)}")
    rules = constraints_from(constraints)
    if len(rules) + len(task.constraints) > MAX_CONSTRAINTS:
        raise PlacementInputError(
            f"at most {MAX_CONSTRAINTS} constraints, task definition's included; got "
            f"{len(rules) + len(task.constraints)}"
        )
    return rules, strategy_from(strategy)


def place(
    inventory: Inventory,
    task: TaskSpec,
    count: int = 1,
    *,
    constraints: Iterable[Any] = (),
    strategy: Iterable[Any] = (),
    seed: int | None = None,
    method: Method = "batch",
) -> PlacementResult:
    """Place `count` copies of `task`, as ECS would (SEMANTICS.md §3).

    `constraints` and `strategy` take ECS JSON dicts, typed objects (`MemberOf`,
    `DistinctInstance`, `Binpack`, `Spread`, `Random`) or their text (`spread(attribute:X)`).
    Invalid input raises `PlacementError` before anything is placed; the caller's inventory is
    never changed. `method` picks the placer: `batch` (default), `loop` (per copy, vectorized)
    or `reference` (per copy and instance, for checking); all give the same answer.
    """
    rules, chain = _inputs(inventory, task, count, constraints, strategy, seed)
    runners = {"batch": place_batch, "loop": place_loop, "reference": place_reference}
    runner = runners.get(method) if isinstance(method, str) else None  # a list is unhashable
    if runner is None:
        raise PlacementInputError(f"method must be batch, loop or reference, not {shown(method)}")
    return runner(inventory, task, count, rules, chain, seed)


@attrs.frozen(eq=False)
class Ranking:
    """Candidates for one copy, best first, and why every other instance is excluded."""

    order: npt.NDArray[np.int64]
    ids: tuple[str, ...]
    excluded: dict[str, str]
    masks: dict[str, npt.NDArray[np.bool_]]

    @property
    def best(self) -> str | None:
        """The instance one copy would go to (None if there is none)."""
        return self.ids[0] if self.ids else None

    def __repr__(self) -> str:
        from ..render import shorten

        best = "" if self.best is None else f", best {shorten(self.best, 100)!r}"
        return f"<Ranking {len(self.ids)} candidates{best}, {len(self.excluded)} excluded>"


def rank(
    inventory: Inventory,
    task: TaskSpec,
    *,
    constraints: Iterable[Any] = (),
    strategy: Iterable[Any] = (),
    seed: int | None = None,
) -> Ranking:
    """The eligible instances in preference order for one copy, vectorized.

    `excluded` maps every other instance's ARN to the first reason it fails; `masks` holds
    every reason's mask. `rank(...).best` is where `place(..., count=1)` puts the copy.
    """
    rules, chain = _inputs(inventory, task, 1, constraints, strategy, seed)
    masks = reason_masks(inventory, task, rules)
    n = len(inventory)
    excluded: dict[str, str] = {}
    taken = np.zeros(n, dtype=bool)
    for reason in R.ORDER:
        for row in np.flatnonzero(masks[reason] & ~taken):
            excluded[str(inventory.ids[row])] = reason
        taken |= masks[reason]
    rows = np.flatnonzero(~taken)
    state = StrategyKeys(inventory, task, chain)
    draws = iter([g.random(n) for g in random_generators(chain, seed)])
    keys = [
        state.values(rule, rows, next(draws) if isinstance(rule, Random) else None)
        for rule in chain
    ]
    order = rows[np.lexsort((rows, *reversed(keys)))] if len(rows) else rows
    ids = tuple(str(inventory.ids[i]) for i in order)
    return Ranking(order.astype(np.int64), ids, excluded, masks)
