"""What placing returns: where each copy went, why others could not go anywhere, the new state."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from ..inventory import Inventory

if TYPE_CHECKING:
    from .explain import PlacementExplanation

__all__ = ["Failure", "PlacementResult"]


def _frozen(value: Mapping[str, int]) -> Mapping[str, int]:
    # Every copy after the first failure fails the same way: they share one read-only mapping.
    if isinstance(value, MappingProxyType):
        return value
    return MappingProxyType(dict(value))


@attrs.frozen
class Failure:
    """Copy number `index` fitted nowhere.

    `reasons` counts the instances each ECS reason excluded, each instance under the first
    reason it fails (ECS's order: AGENT, ATTRIBUTE, RESOURCE:CPU, RESOURCE:MEMORY,
    RESOURCE:PORTS, RESOURCE:GPU, MemberOf, DistinctInstance), so the counts add up to the
    inventory's size. `explain()` on the result gives every reason.
    """

    index: int
    reasons: Mapping[str, int] = attrs.field(converter=_frozen)


@attrs.frozen(eq=False)
class PlacementResult:
    """Where the copies went, which did not fit, and the state afterwards.

    `placements[k]` is the container instance ARN of the k-th placed copy, in order;
    `failures` lists the copies that fitted nowhere; `inventory` is the state afterwards (the
    caller's inventory is never changed). The task and constraints ride along for `explain`.
    """

    placements: tuple[str, ...]
    failures: tuple[Failure, ...]
    inventory: Inventory
    task: Any = attrs.field(repr=False)
    constraints: tuple[Any, ...] = attrs.field(repr=False)

    @property
    def placed(self) -> int:
        """How many copies were placed."""
        return len(self.placements)

    def explain(self) -> PlacementExplanation:
        """Every reason each instance of the final state rejects one more copy."""
        from .explain import explain_placement

        return explain_placement(self.inventory, self.task, self.constraints)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlacementResult):
            return NotImplemented
        return (
            self.placements == other.placements
            and self.failures == other.failures
            and self.inventory == other.inventory
        )

    __hash__ = None  # type: ignore[assignment]
