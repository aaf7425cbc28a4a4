"""Pod slots: a node takes at most `status.allocatable.pods` pods (NodeResourcesFit's count).

The node's allocatable pod count is the reserved attribute `_k8s/pods` (decimal digits),
written by `placement.k8s.inventory`; a node without it (or with text that is not a count) has
no pod limit. The pods counted are the node's running tasks: the pods bound to it that are not
Succeeded or Failed, plus the copies placed so far in the same call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import attrs
import numpy as np

from ..rules.base import Bools, Constraint, Ints, TaskLike

if TYPE_CHECKING:
    from ..instance import Instance
    from ..rules.view import View

__all__ = ["PodSlots", "PODS", "TOO_MANY_PODS"]

PODS = "_k8s/pods"
"""The reserved attribute holding a node's allocatable pod count."""

TOO_MANY_PODS = "Too many pods"
"""The failure reason, as the NodeResourcesFit plugin words it."""

_UNLIMITED = 1 << 62  # more pods than any count reaches


def _slots_of(text: str | None) -> int:
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 18:
        return _UNLIMITED
    return int(text)


@attrs.frozen
class PodSlots(Constraint):
    """Refuses a node whose pods already fill its allocatable pod count (`_k8s/pods`)."""

    reason: ClassVar[str] = TOO_MANY_PODS
    reads_placements: ClassVar[bool] = True
    in_task_definition: ClassVar[bool] = True  # a pod carries it, as memberOf in ECS

    def _slots(self, view: View) -> Ints:
        def compute() -> Ints:
            column = view.inventory.attributes.get(PODS)
            if column is None:
                return np.full(len(view), _UNLIMITED, dtype=np.int64)
            per_value = [_slots_of(text) for text in column.values]
            slots: Ints = np.array([*per_value, _UNLIMITED, _UNLIMITED], dtype=np.int64)
            out: Ints = slots[column.codes]
            out.flags.writeable = False
            return out

        found: Ints = view.inventory.memo(("k8s pod slots",), compute)
        return found

    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows whose pods (placed copies included) fill their slots."""
        full: Bools = view.running_tasks_count >= self._slots(view)
        return full

    def capacity(self, view: View, task: TaskLike, count: int) -> Ints:
        """The free slots of each row, at most `count`."""
        free: Ints = np.clip(self._slots(view) - view.running_tasks_count, 0, count)
        return free

    def affected(self, view: View, task: TaskLike, row: int) -> Ints:
        """Only the row itself: a commit fills one of its own slots."""
        return np.array([row], dtype=np.int64)

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """One instance at a time."""
        return [
            inst.running_tasks_count >= _slots_of(inst.attributes.get(PODS)) for inst in instances
        ]

    def __str__(self) -> str:
        return "podSlots"
