"""What a repair answers: `Repair`, its `Fix`es, ordered by how little they change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..inventory import Inventory
from ..model import FrozenMap
from ..place.task import TaskSpec

__all__ = ["Fix", "Repair", "TIERS"]

TIERS: Mapping[str, int] = {
    # A parameter of the problem first, then a piece of a rule, a whole rule, then instances.
    "relax-threshold": 0, "add-values": 0, "shrink-cpu": 0, "shrink-memory": 0,
    "dynamic-port": 0, "minimum-healthy-percent": 0, "maximum-percent": 0,
    "raise-max-per": 0, "raise-max-skew": 0, "lower-min-domains": 0,
    "drop-operand": 1, "drop-constraint": 2,
    "return-instances": 3, "add-instances": 3, "add-instances-lower-minimum": 3,
}  # fmt: skip
"""How much each kind changes, coarsely: fixes sort by (complete first, tier, size)."""


def _json(value: Any) -> Any:
    """Mappings (FrozenMap included) and tuples as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


@attrs.frozen(eq=False)
class Fix:
    """One verified change that makes the question succeed (or succeed further).

    `kind` (SEMANTICS.md §10), `summary` (one sentence), `change` (JSON-ready), the copies
    placed before and after (for deployments: new copies running at the end; for daemons:
    instances that run it), and the changed problem itself: `inventory`, `task`,
    `constraints` (the caller's, typed) and `strategy`, so re-running the question on them
    gives `placed_after`. Deployment fixes also carry `minimum_healthy_percent`,
    `maximum_percent` and `rounds` (to completion, or until stuck); daemon fixes carry
    `instances`, the ARNs that could run the daemon after the change and could not before.
    """

    kind: str
    summary: str
    change: Mapping[str, Any] = attrs.field(converter=FrozenMap)
    placed_before: int
    placed_after: int
    requested: int
    inventory: Inventory = attrs.field(repr=False)
    task: TaskSpec = attrs.field(repr=False)
    constraints: tuple[Any, ...] = attrs.field(repr=False, default=())
    strategy: tuple[Any, ...] = attrs.field(repr=False, default=())
    minimum_healthy_percent: int | None = None
    maximum_percent: int | None = None
    rounds: int | None = None
    instances: tuple[str, ...] = attrs.field(repr=False, default=())
    size: int = attrs.field(default=0, repr=False)
    """How big the change is within its tier (instances added, values added): for ordering."""

    @property
    def complete(self) -> bool:
        """Whether the question fully succeeds after the change (every copy placed)."""
        return self.placed_after >= self.requested

    def sort_key(self) -> tuple[int, int, int]:
        """Complete fixes first, then by how little they change (tier, then size)."""
        return (not self.complete, TIERS.get(self.kind, 0), self.size)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the changed inventory and task are left out)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "summary": self.summary,
            "change": _json(self.change),
            "placed_before": self.placed_before,
            "placed_after": self.placed_after,
            "complete": self.complete,
        }
        if self.minimum_healthy_percent is not None:
            out["minimum_healthy_percent"] = self.minimum_healthy_percent
            out["maximum_percent"] = self.maximum_percent
            out["rounds"] = self.rounds
        if self.instances:
            out["instances"] = list(self.instances)
        return out

    def __repr__(self) -> str:
        from ..render import short_repr

        return short_repr(
            f"<Fix {self.kind}: {self.placed_before} -> {self.placed_after} of {self.requested}: "
            f"{self.summary}>"
        )


@attrs.frozen(eq=False)
class Repair:
    """A failing question and the fixes that would make it succeed, smallest change first.

    `question` is `place`, `deploy` or `daemon`; `requested` the copies asked for (the
    desired count; for daemons, the instances that need the daemon); `placed` how many the
    question gets as it stands; `fixes` the verified changes, complete ones first.
    """

    question: str
    requested: int
    placed: int
    fixes: tuple[Fix, ...]

    @property
    def ok(self) -> bool:
        """Whether the question succeeds as it stands (then there is nothing to fix)."""
        return self.placed >= self.requested

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "question": self.question,
            "requested": self.requested,
            "placed": self.placed,
            "fixes": [f.to_dict() for f in self.fixes],
        }

    def __repr__(self) -> str:
        complete = sum(f.complete for f in self.fixes)
        return (
            f"<Repair {self.question}: {self.placed} of {self.requested}, "
            f"{len(self.fixes)} fixes ({complete} complete)>"
        )

    def __str__(self) -> str:
        lines = [f"{self.question}: {self.placed} of {self.requested}"]
        lines += [
            f"  {'complete' if f.complete else 'partial '} {f.kind}: {f.summary} "
            f"({f.placed_before} -> {f.placed_after})"
            for f in self.fixes
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: one row per fix."""
        from ..render import repair_html

        return repair_html(self)
