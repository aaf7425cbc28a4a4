"""`distinctInstance`: no two tasks of the group on one instance, i.e. `maxPer(instanceId, 1)`.

One rule, two spellings (SEMANTICS.md §8): the answers are `MaxPer`'s; only the reason, the
JSON and the text are ECS's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..errors import PlacementInputError
from .max_per import MaxPer
from .read import register_constraint

__all__ = ["DistinctInstance", "DISTINCT_INSTANCE"]

DISTINCT_INSTANCE = "DistinctInstance placement constraint unsatisfied."


@register_constraint("distinctInstance")
class DistinctInstance(MaxPer):
    """No two tasks of the group on one instance (RUNNING tasks already there count)."""

    __slots__ = ()

    reason: ClassVar[str] = DISTINCT_INSTANCE
    rank: ClassVar[int] = 70

    def __init__(self) -> None:
        super().__init__("instanceId", 1)

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

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "distinctInstance"}`."""
        return {"type": "distinctInstance"}

    def __str__(self) -> str:
        return "distinctInstance"

    def __repr__(self) -> str:
        return "<DistinctInstance>"
