"""`distinctInstance`: no two tasks of the group on one instance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import numpy as np

from ..errors import PlacementInputError
from .base import Bools, Constraint, Ints, TaskLike
from .read import register_constraint

if TYPE_CHECKING:
    from ..instance import Instance
    from .view import View

__all__ = ["DistinctInstance", "DISTINCT_INSTANCE"]

DISTINCT_INSTANCE = "DistinctInstance placement constraint unsatisfied."


@register_constraint("distinctInstance")
@attrs.frozen
class DistinctInstance(Constraint):
    """No two tasks of the group on one instance (RUNNING tasks already there count)."""

    reason: ClassVar[str] = DISTINCT_INSTANCE
    reads_placements: ClassVar[bool] = True
    rank: ClassVar[int] = 70

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> DistinctInstance:
        """`{"type": "distinctInstance"}` (an expression is refused, as ECS does)."""
        if item.get("expression") is not None:
            raise PlacementInputError("distinctInstance expression should not be specified")
        return cls()

    @classmethod
    def from_text(cls, argument: str | None) -> DistinctInstance:
        """`distinctInstance` (or `distinctInstance()`)."""
        if argument is not None and argument.strip():
            raise PlacementInputError("distinctInstance expression should not be specified")
        return cls()

    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows that already run a task of the group."""
        refused: Bools = view.group_count(task.group) > 0
        return refused

    def affected(self, view: View, task: TaskLike, row: int) -> Ints:
        """Only the row itself: the rule reads nothing of other rows."""
        return np.array([row], dtype=np.int64)

    def refreshed(self, view: View, task: TaskLike, rows: Ints) -> Bools:
        """The changed rows' group counts."""
        refused: Bools = view.group_count(task.group)[rows] > 0
        return refused

    def capacity(self, view: View, task: TaskLike, count: int) -> Ints:
        """One copy per row."""
        return np.ones(len(view), dtype=np.int64)

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """Per instance, whether it runs a task of the group."""
        return [inst.task_groups.get(task.group, 0) > 0 for inst in instances]

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "distinctInstance"}`."""
        return {"type": "distinctInstance"}

    def __str__(self) -> str:
        return "distinctInstance"

    def __repr__(self) -> str:
        return "<DistinctInstance>"
