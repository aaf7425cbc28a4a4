"""What placing returns: where each copy went, why others could not go anywhere, the new state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import PlacementInputError
from ..inventory import Inventory
from ..model import FrozenMap

if TYPE_CHECKING:
    from ..explain.placement import PlacementExplanation

__all__ = ["Failure", "PlacementResult"]


def _frozen(value: Mapping[str, int]) -> Mapping[str, int]:
    return value if isinstance(value, FrozenMap) else FrozenMap(value)


def _positive(_instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PlacementInputError(f"{attribute.name} must be a positive int, got {value!r}")


@attrs.frozen
class Failure:
    """Copies `index` to `index + count - 1` fitted nowhere.

    A copy that fits nowhere changes nothing, so every later copy fails the same way: a
    placement has at most one failure record, however many copies were asked for (memory grows
    with the copies placed, not with the copies asked for).

    `reasons` counts the instances each ECS reason excluded, each instance under the first
    reason it fails (ECS's order: AGENT, ATTRIBUTE, RESOURCE:CPU, RESOURCE:MEMORY,
    RESOURCE:PORTS, RESOURCE:GPU, MemberOf, DistinctInstance), so the counts add up to the
    inventory's size. `explain()` on the result gives every reason of every instance.
    """

    index: int
    reasons: Mapping[str, int] = attrs.field(converter=_frozen)
    count: int = attrs.field(default=1, validator=_positive)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: `index`, `count` and `reasons` (first reason per instance)."""
        return {"index": self.index, "count": self.count, "reasons": dict(self.reasons)}

    def __repr__(self) -> str:
        from ..text import reason_counts, short_repr

        last = self.index + self.count - 1
        span = f"copy {self.index}" if self.count == 1 else f"copies {self.index}-{last}"
        return short_repr(f"<Failure {span}: {reason_counts(self.reasons) or 'no instances'}>")


def _task_dict(task: Any) -> dict[str, Any]:
    """A `TaskSpec` as plain data (sets become sorted lists, constraints their text)."""
    return {
        "cpu": task.cpu,
        "memory": task.memory,
        "gpus": task.gpus,
        "ports": sorted(task.ports),
        "udp_ports": sorted(task.udp_ports),
        "group": task.group,
        "requires_attributes": sorted(task.requires_attributes),
        "constraints": [str(c) for c in task.constraints],
    }


@attrs.frozen(eq=False, repr=False)
class PlacementResult:
    """Where the copies went, which did not fit, and the state afterwards.

    `placements[k]` is the container instance ARN of the k-th placed copy, in order, and
    `task_arns[k]` the ARN the new task was given in `inventory`; `failures` holds at most one
    record, for the copies that fitted nowhere; `inventory` is the state afterwards (the
    caller's inventory is never changed). The task and constraints ride along for `explain`.
    """

    placements: tuple[str, ...]
    failures: tuple[Failure, ...]
    inventory: Inventory
    task: Any
    constraints: tuple[Any, ...]
    task_arns: tuple[str, ...] = ()

    @property
    def placed(self) -> int:
        """How many copies were placed."""
        return len(self.placements)

    @property
    def failed(self) -> int:
        """How many copies fitted nowhere."""
        return sum(f.count for f in self.failures)

    @property
    def requested(self) -> int:
        """How many copies were asked for."""
        return self.placed + self.failed

    def explain(self) -> PlacementExplanation:
        """Every reason each instance of the final state rejects one more copy."""
        from ..explain.placement import explain_placement

        return explain_placement(self.inventory, self.task, self.constraints)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the task, the placements, the failures with reason counts.

        `json.dumps(result.to_dict())` works; placements are full container instance ARNs.
        """
        return {
            "requested": self.requested,
            "placed": self.placed,
            "failed": self.failed,
            "placements": [
                {"instance": arn, "task": task}
                for arn, task in zip(self.placements, self.task_arns, strict=True)
            ],
            "failures": [f.to_dict() for f in self.failures],
            "task": _task_dict(self.task),
            "constraints": [str(c) for c in self.constraints],
        }

    def __repr__(self) -> str:
        return (
            f"<PlacementResult placed {self.placed} of {self.requested}"
            + (f", {self.failed} failed" if self.failed else "")
            + f", {self.inventory!r}>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlacementResult):
            return NotImplemented
        return (
            self.placements == other.placements
            and self.failures == other.failures
            and self.inventory == other.inventory
        )

    __hash__ = None  # type: ignore[assignment]

    def _repr_html_(self) -> str:
        """An HTML report for notebooks: copies per instance, the failure, the state after."""
        from ..render import result_html

        return result_html(self)
