"""`spread(instanceId|host|attribute:NAME)`: the fewest tasks of the group first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..syntax.ast import ATTRIBUTE_NAME
from ..text import shorten
from .base import Ints, StopView, Strategy, TaskLike
from .read import register_strategy, shown

if TYPE_CHECKING:
    from ..instance import Instance, Task
    from .view import View

__all__ = ["Spread"]


def _spread_field(value: str) -> str:
    if isinstance(value, str) and (
        value in ("instanceId", "host")
        or (
            value.startswith("attribute:")
            and ATTRIBUTE_NAME.fullmatch(value[len("attribute:") :]) is not None
        )
    ):
        return value
    raise PlacementInputError(
        f"spread takes instanceId, host or attribute:NAME, not {shown(value)}"
    )


@register_strategy("spread")
@attrs.frozen
class Spread(Strategy):
    """Prefer the instance (or attribute value) with the fewest tasks of the group."""

    field: str = attrs.field(converter=_spread_field)

    @property
    def attribute(self) -> str | None:
        """The attribute spread over, None for `instanceId`/`host`."""
        return self.field[len("attribute:") :] if self.field.startswith("attribute:") else None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Spread:
        """`{"type": "spread", "field": FIELD}`."""
        return cls(item.get("field"))  # type: ignore[arg-type]

    @classmethod
    def from_text(cls, argument: str | None) -> Spread:
        """`spread(FIELD)`."""
        return cls((argument or "").strip() or None)  # type: ignore[arg-type]

    def values(
        self, view: View, task: TaskLike, rows: npt.NDArray[np.intp], draw: Ints | None
    ) -> npt.NDArray[np.generic]:
        """The group's tasks on the row, or on all rows sharing its value (+inf: lacking it)."""
        if self.attribute is None:
            return view.group_count(task.group)[rows]
        zones, _ = view.zones(self.attribute)
        return view.zone_totals(task.group, self.attribute)[zones[rows]]

    def column(self, view: View, task: TaskLike, keys: Any) -> Any:
        """Increasing by one per copy (instanceId), or zones taking turns (attribute)."""
        from ..place.order import INC, ZONE, Column

        counts = view.group_count(task.group)
        if self.attribute is None:
            return Column(INC, counts, 1)
        zones, missing = view.zones(self.attribute)
        levels = np.bincount(zones, weights=counts, minlength=missing + 1)
        return Column(ZONE, zones, levels=levels.astype(np.int64), missing=missing)

    def reference_key(
        self, instances: Sequence[Instance], i: int, task: TaskLike, draw: int | None,
        zone_totals: Mapping[str, Mapping[str, int]],
    ) -> Any:  # fmt: skip
        """Instance `i`'s tasks of the group, or its value's (lacking it: after all others)."""
        inst = instances[i]
        if self.attribute is None:
            return inst.task_groups.get(task.group, 0)
        value = inst.attributes.get(self.attribute)
        if value is None:  # lacking the attribute: after every instance that has it
            return (1, 0)
        return (0, zone_totals[self.attribute][value])

    @property
    def zone_attribute(self) -> str | None:
        """The attribute spread over (None for `instanceId`/`host`)."""
        return self.attribute

    def stop_values(
        self, state: StopView, tasks: npt.NDArray[np.intp], draw: npt.NDArray[Any] | None
    ) -> npt.NDArray[Any]:
        """The most tasks of the group first, on the instance or its value (+inf: lacking)."""
        rows = state.on[tasks]
        if self.attribute is None:
            return -state.group[rows]
        zones, totals = state.zones[self.attribute]
        return -totals[zones[rows]]

    def reference_stop_key(
        self, instances: Sequence[Instance], inst: Instance, task: Task, group: str,
        draw: float | None,
    ) -> Any:  # fmt: skip
        """The most tasks of the group first (on the instance, or its value; lacking it: first)."""
        if self.attribute is None:
            return -inst.task_groups.get(group, 0)
        value = inst.attributes.get(self.attribute)
        if value is None:  # lacking the attribute: cleared first
            return (0, 0)
        total = sum(
            other.task_groups.get(group, 0)
            for other in instances
            if other.attributes.get(self.attribute) == value
        )
        return (1, -total)

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "spread", "field": ...}`."""
        return {"type": "spread", "field": self.field}

    def __str__(self) -> str:
        return f"spread({self.field})"

    def __repr__(self) -> str:
        return f"<Spread {shorten(self.field, 180)}>"
