"""Pod slots: a node takes at most `status.allocatable.pods` pods (NodeResourcesFit's count).

The node's allocatable pod count is the reserved attribute `_k8s/pods` (decimal digits),
written by `placement.k8s.inventory`: `0` for a node whose `status.allocatable` has no `pods`,
as the scheduler reads it (NodeResourcesFit's `AllowedPodNumber` is set from `pods` alone, and
`len(pods) + 1 > AllowedPodNumber` is "Too many pods"). A node without the attribute (an
inventory not read from Kubernetes, or text that is not a count) has no pod limit, and neither
has a count of 2**62 or more (past any number of pods): its capacity is the copies asked for,
so `headroom` reports it unbounded rather than a 19-digit count. The pods counted are the
node's running tasks: the pods bound to it that are not Succeeded or Failed (those being
deleted included), plus the copies placed so far in the same call.
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
    """The pod count `text` allows; `_UNLIMITED` for none, or one of 2**62 or more."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 19:
        return _UNLIMITED  # (19 digits hold every count below 2**62)
    return min(int(text), _UNLIMITED)


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
        """The free slots of each row, at most `count` (`count` where no count bounds them)."""
        slots = self._slots(view)
        free: Ints = np.where(slots >= _UNLIMITED, count,
                              np.clip(slots - view.running_tasks_count, 0, count))  # fmt: skip
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
