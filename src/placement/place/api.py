"""The placing entry points: `place` and `rank`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..inventory import Inventory
from ..rules import shown
from . import reasons as R
from .batch import place_batch, place_loop
from .capacity import MAX_PLACED, check_placeable
from .inputs import MAX_COUNT, check_inputs
from .masks import lexicographic_min, one_copy
from .reasons import worded
from .reference import place_reference
from .result import PlacementResult
from .task import TaskSpec

__all__ = ["place", "rank", "Ranking", "MAX_COUNT", "MAX_PLACED", "check_placeable"]

Method = Literal["batch", "loop", "reference"]


def place(
    inventory: Inventory,
    task: TaskSpec,
    count: int = 1,
    *,
    constraints: Iterable[Any] = (),
    strategy: Iterable[Any] = (),
    seed: int | None = None,
    method: Method = "batch",
    capacity_provider_strategy: Iterable[Any] | None = None,
) -> PlacementResult:
    """Place `count` copies of `task`, as ECS would (SEMANTICS.md §3).

    `constraints` and `strategy` take ECS JSON dicts, typed objects (`MemberOf`,
    `DistinctInstance`, `Binpack`, `Spread`, `Random`) or their text (`spread(attribute:X)`).
    Invalid input raises `PlacementError` before anything is placed; the caller's inventory is
    never changed. `method` picks the placer: `batch` (default), `loop` (per copy, vectorized)
    or `reference` (per copy and instance, for checking); all give the same answer. A count
    that would place more than `MAX_PLACED` copies is refused up front (`PlacementInputError`).

    `capacity_provider_strategy` (`[{"capacityProvider": P, "base": B, "weight": W}, ...]`)
    assigns each copy to a provider and places it among that provider's instances only
    (SEMANTICS.md §9); copies that fit none of theirs fail naming the provider.
    """
    rules, chain = check_inputs(inventory, task, count, constraints, strategy, seed)
    runners = {"batch": place_batch, "loop": place_loop, "reference": place_reference}
    runner = runners.get(method) if isinstance(method, str) else None  # a list is unhashable
    if runner is None:
        raise PlacementInputError(f"method must be batch, loop or reference, not {shown(method)}")
    if capacity_provider_strategy is not None:
        from .providers import place_providers, provider_strategy

        items = provider_strategy(capacity_provider_strategy)
        check_placeable(inventory, task, count, rules)
        return place_providers(inventory, task, count, rules, chain, seed, items, runner)
    check_placeable(inventory, task, count, rules)
    return runner(inventory, task, count, rules, chain, seed)


class Ranking:
    """Candidates for one copy, best first, and why every other instance is excluded.

    `best` is where one copy goes (None when nothing is eligible): an argmin over the eligible
    instances, without sorting them. The full order (`order`: rows, `ids`: ARNs) and the
    first reason of every excluded instance (`excluded`) are built when first read. `masks`
    maps every ECS reason to the instances it excludes. A ranking is a value: later changes to
    the state it was read from (a `ClusterState` commit) do not change it.
    """

    __slots__ = ("masks", "_ids", "_rows", "_values", "_best", "_order", "_excluded", "_worded")

    def __init__(
        self,
        ids: npt.NDArray[np.object_],
        rows: npt.NDArray[np.intp],
        values: Sequence[npt.NDArray[np.generic]],
        masks: dict[str, npt.NDArray[np.bool_]],
        best: int | None = -1,
        worded: R.Worded | Callable[[], R.Worded | None] | None = None,
    ) -> None:
        """A ranking from rows, values and masks (called by `rank` and `ClusterState.rank`).

        `ids`: the inventory's ARNs; `rows`: the eligible rows, ascending; `values`: each
        strategy's values over those rows (lower is better, chain order); `masks`: per reason,
        the instances it excludes; `best`: the best row when the caller already knows it.
        Called by `rank` and `ClusterState.rank`; the arrays become the ranking's own.
        `worded`: the masks in the task's dialect (`reasons.worded`), which `excluded` speaks,
        or a function giving them, asked when `excluded` is first read (`best` never needs them).
        """
        self._ids = ids
        self._rows = _frozen(rows)
        self._values = tuple(_frozen(v) for v in values)
        self.masks = {reason: _frozen(mask) for reason, mask in masks.items()}
        self._best = best
        self._order: npt.NDArray[np.int64] | None = None
        self._excluded: dict[str, str] | None = None
        self._worded = worded

    @property
    def best(self) -> str | None:
        """The instance one copy would go to (None if there is none): one pass per strategy."""
        if self._best == -1:
            self._best = lexicographic_min(self._rows, self._values)
        return None if self._best is None else str(self._ids[self._best])

    @property
    def best_row(self) -> int | None:
        """The inventory row of `best` (None if there is none)."""
        self.best  # noqa: B018 - computes the cached row
        return self._best

    @property
    def order(self) -> npt.NDArray[np.int64]:
        """The eligible rows, best first (ties: inventory order)."""
        if self._order is None:
            rows = self._rows
            order = np.lexsort((rows, *reversed(self._values))) if len(rows) else rows
            self._order = _frozen(rows[order].astype(np.int64))
        return self._order

    @property
    def ids(self) -> tuple[str, ...]:
        """The eligible instances' ARNs, best first."""
        return tuple(str(a) for a in self._ids[self.order])

    @property
    def excluded(self) -> dict[str, str]:
        """Every other instance's ARN -> the first reason it fails (ECS's order).

        In the task's dialect: a Kubernetes node's first reason in the scheduler's plugin order
        and words (`masks` keeps the ECS codes).
        """
        if self._excluded is None:
            excluded: dict[str, str] = {}
            taken = np.zeros(len(self._ids), dtype=bool)
            words = self._words()
            reasons = self.masks.items() if words is None else (
                (word, mask) for word, _, mask in words)  # fmt: skip
            for reason, mask in reasons:  # built in reason order
                for row in np.flatnonzero(mask & ~taken):
                    excluded[str(self._ids[row])] = reason
                taken |= mask
            self._excluded = excluded
        return dict(self._excluded)

    def _words(self) -> R.Worded | None:
        if callable(self._worded):
            self._worded = self._worded()
        return self._worded

    def __len__(self) -> int:
        return len(self._rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ranking):
            return NotImplemented
        return (
            self.ids == other.ids
            and self.excluded == other.excluded
            and self.masks.keys() == other.masks.keys()
            and all(np.array_equal(m, other.masks[k]) for k, m in self.masks.items())
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            Ranking,
            (np.array(self._ids), np.array(self._rows), [np.array(v) for v in self._values],
             {k: np.array(m) for k, m in self.masks.items()}, self.best_row, self._words()),
        )  # fmt: skip

    def __repr__(self) -> str:
        from ..text import shorten

        # The ARN's last part names the instance (a full ARN alone is over 90 characters).
        best = "" if self.best is None else f", best {shorten(self.best.rsplit('/', 1)[-1], 60)!r}"
        excluded = len(self._ids) - len(self._rows)
        return f"<Ranking {len(self)} candidates{best}, {excluded} excluded>"

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: the candidates best first, the reasons of the rest."""
        from ..render import ranking_html

        return ranking_html(self)


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


def rank(
    inventory: Inventory,
    task: TaskSpec,
    *,
    constraints: Iterable[Any] = (),
    strategy: Iterable[Any] = (),
    seed: int | None = None,
    capacity_provider_strategy: Iterable[Any] | None = None,
) -> Ranking:
    """The eligible instances in preference order for one copy, vectorized.

    `best` is where `place(..., count=1)` puts the copy and costs one pass per strategy;
    `order`/`ids` (the full order) and `excluded` (every other instance's ARN -> its first
    reason) are built when read; `masks` holds every reason's mask. With a
    `capacity_provider_strategy`, only the instances of the provider the next copy goes to
    are candidates (a `MemberOf` on `ecs.capacity-provider` excludes the others).
    """
    rules, chain = check_inputs(inventory, task, 1, constraints, strategy, seed)
    if capacity_provider_strategy is not None:
        from .providers import next_provider, only_provider, provider_strategy

        items = provider_strategy(capacity_provider_strategy)
        rules = (*rules, only_provider(next_provider(inventory, task.group, items)))
    masks, rows, values = one_copy(inventory, task, rules, chain, seed)
    return Ranking(inventory.ids, rows, values, masks,
                   worded=lambda: worded(task, inventory, rules, masks))  # fmt: skip
