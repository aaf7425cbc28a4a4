"""`binpack(cpu|memory)`: the instance with the least of the resource left first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from .base import Ints, StopView, Strategy, TaskLike
from .read import register_strategy, shown

if TYPE_CHECKING:
    from ..instance import Instance, Task
    from .view import View

__all__ = ["Binpack"]


def _binpack_field(value: str) -> str:
    if not isinstance(value, str) or value not in ("cpu", "memory"):
        raise PlacementInputError(f"binpack takes cpu or memory, not {shown(value)}")
    return value


@register_strategy("binpack")
@attrs.frozen
class Binpack(Strategy):
    """Prefer the instance with the least remaining `cpu` or `memory`."""

    field: str = attrs.field(converter=_binpack_field)

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Binpack:
        """`{"type": "binpack", "field": "cpu"|"memory"}` (either case, as ECS's examples)."""
        return cls._read(item.get("field"))

    @classmethod
    def from_text(cls, argument: str | None) -> Binpack:
        """`binpack(cpu)` or `binpack(memory)`."""
        return cls._read((argument or "").strip() or None)

    @classmethod
    def _read(cls, field: Any) -> Binpack:
        # ECS's own examples write the field in either case; only short text is worth lowering.
        short = isinstance(field, str) and len(field) <= len("memory")
        return cls(field.lower() if short else field)

    def _demand(self, task: TaskLike) -> int:
        return task.cpu if self.field == "cpu" else task.memory

    def values(
        self, view: View, task: TaskLike, rows: npt.NDArray[np.intp], draw: Ints | None
    ) -> npt.NDArray[np.generic]:
        """The resource left on each row."""
        return view.remaining(self.field)[rows]

    def column(self, view: View, task: TaskLike, keys: Any) -> Any:
        """Decreasing by the task's demand per copy (constant without one)."""
        from ..place.order import CONST, DEC, Column

        demand = self._demand(task)
        return Column(DEC if demand else CONST, view.remaining(self.field), -demand)

    def reference_key(
        self, instances: Sequence[Instance], i: int, task: TaskLike, draw: int | None,
        zone_totals: Mapping[str, Mapping[str, int]],
    ) -> Any:  # fmt: skip
        """The resource left on instance `i`."""
        inst = instances[i]
        return inst.cpu if self.field == "cpu" else inst.memory

    def stop_values(
        self, state: StopView, tasks: npt.NDArray[np.intp], draw: npt.NDArray[Any] | None
    ) -> npt.NDArray[Any]:
        """The most remaining after the stop first."""
        rows = state.on[tasks]
        if self.field == "cpu":
            return -(state.cpu[rows] + state.task_cpu[tasks])
        return -(state.memory[rows] + state.task_memory[tasks])

    def reference_stop_key(
        self, instances: Sequence[Instance], inst: Instance, task: Task, group: str,
        draw: float | None,
    ) -> Any:  # fmt: skip
        """The most remaining after the stop first."""
        after = inst.cpu + task.cpu if self.field == "cpu" else inst.memory + task.memory
        return -after

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "binpack", "field": ...}`."""
        return {"type": "binpack", "field": self.field}

    def __str__(self) -> str:
        return f"binpack({self.field})"

    def __repr__(self) -> str:
        return f"<Binpack {self.field}>"
