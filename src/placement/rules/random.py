"""`random`: a random order drawn from a seed (`place/draws.py` defines the keys)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..text import short_repr
from .base import Ints, StopView, Strategy, TaskLike
from .read import MAX_SEED, register_strategy, seed_text, shown

if TYPE_CHECKING:
    from ..instance import Instance, Task
    from .view import View

__all__ = ["Random"]


def _seed(value: Any) -> int | None:
    if value is None or (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEED
    ):
        return value
    raise PlacementInputError(
        f"random takes an int seed from 0 to 2**128 - 1 (or None), got {shown(value)}"
    )


@register_strategy("random")
@attrs.frozen
class Random(Strategy):
    """A random order, drawn from `seed` (or from `place(..., seed=)` when None)."""

    random: ClassVar[bool] = True

    seed: int | None = attrs.field(default=None, converter=_seed)

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Random:
        """`{"type": "random"}` (ECS has no seed; a `field` is ignored, as ECS does)."""
        return cls()

    @classmethod
    def from_text(cls, argument: str | None) -> Random:
        """`random` or `random(SEED)`."""
        text = (argument or "").strip()
        return cls(seed_text(text)) if text else cls()

    def values(
        self, view: View, task: TaskLike, rows: npt.NDArray[np.intp], draw: Ints | None
    ) -> npt.NDArray[np.generic]:
        """Each row's current key."""
        if draw is None:
            raise PlacementInputError("random needs its draws")
        return draw[rows]

    def column(self, view: View, task: TaskLike, keys: Any) -> Any:
        """Keys increasing with each copy (the draws' runs)."""
        from ..place.order import RND, Column

        return Column(RND, view.group_count(task.group), keys=keys)

    def reference_key(
        self, instances: Sequence[Instance], i: int, task: TaskLike, draw: int | None,
        zone_totals: Mapping[str, Mapping[str, int]],
    ) -> Any:  # fmt: skip
        """Instance `i`'s current key."""
        return draw

    def stop_values(
        self, state: StopView, tasks: npt.NDArray[np.intp], draw: npt.NDArray[Any] | None
    ) -> npt.NDArray[Any]:
        """Each task's draw for this stop."""
        if draw is None:
            raise PlacementInputError("random needs its draws")
        return draw[state.mine[tasks]]

    def reference_stop_key(
        self, instances: Sequence[Instance], inst: Instance, task: Task, group: str,
        draw: float | None,
    ) -> Any:  # fmt: skip
        """The task's draw."""
        return draw

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "random"}` (ECS has no seed)."""
        return {"type": "random"}

    def __str__(self) -> str:
        return "random" if self.seed is None else f"random({self.seed})"

    def __repr__(self) -> str:
        return short_repr("<Random>" if self.seed is None else f"<Random seed={self.seed}>")
