"""Why instances cannot take a task: every reason per instance, and memberOf clause detail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from ..inventory import Inventory
from . import reasons as R
from .masks import member_of, reason_masks
from .rules import Constraint
from .task import TaskSpec

__all__ = ["PlacementExplanation", "explain_placement"]


@attrs.frozen(eq=False)
class PlacementExplanation:
    """For one more copy of `task` on `inventory`: each reason's mask of excluded instances."""

    inventory: Inventory
    task: TaskSpec
    constraints: tuple[Constraint, ...]
    masks: Mapping[str, npt.NDArray[np.bool_]]

    @property
    def eligible(self) -> npt.NDArray[np.bool_]:
        """Instances that could take the copy."""
        out = np.ones(len(self.inventory), dtype=bool)
        for mask in self.masks.values():
            out &= ~mask
        return out

    def counts(self) -> dict[str, int]:
        """Per reason, how many instances it excludes (an instance counts under each reason)."""
        return {r: int(self.masks[r].sum()) for r in R.ORDER if self.masks[r].any()}

    def reasons(self, instance: int | str) -> tuple[str, ...]:
        """Every reason one instance (row or ARN) is excluded, in ECS's order."""
        row = instance if isinstance(instance, int) else self.inventory.index_of(instance)
        return tuple(r for r in R.ORDER if self.masks[r][row])

    def member_of_details(self) -> list[object]:
        """`placement.explain` of each memberOf expression: which clause rejected whom."""
        from ..explain import explain

        return [explain(rule.expression, self.inventory)
                for rule in member_of(self.constraints, self.task)]  # fmt: skip

    def __str__(self) -> str:
        n = len(self.inventory)
        lines = [f"{int(self.eligible.sum())} of {n} instances can take the task"]
        for reason, count in self.counts().items():
            rows = np.flatnonzero(self.masks[reason])[:3]
            names = ", ".join(str(self.inventory.ids[i]) for i in rows)
            more = ", ..." if count > len(rows) else ""
            lines.append(f"  {reason}: {count} (e.g. {names}{more})")
        if self.masks[R.MEMBER_OF].any():
            # Which clause of which memberOf expression did the rejecting.
            for detail in self.member_of_details():
                lines.extend("    " + line for line in str(detail).splitlines())
        return "\n".join(lines)

    def __repr__(self) -> str:
        from ..render import reason_counts, short_repr

        n, eligible = len(self.inventory), int(self.eligible.sum())
        counts = reason_counts(self.counts())
        tail = f"; {counts}>" if counts else ">"
        return short_repr(f"<PlacementExplanation {eligible} of {n} eligible{tail}")

    def _repr_html_(self) -> str:
        """An HTML report for notebooks: each reason's count and each instance's reasons."""
        from ..render import placement_explanation_html

        return placement_explanation_html(self)


def explain_placement(
    inventory: Inventory, task: TaskSpec, constraints: Sequence[Constraint] = ()
) -> PlacementExplanation:
    """Every reason each instance cannot take one copy of `task`, vectorized."""
    from .rules import constraints_from

    rules = constraints_from(constraints)
    return PlacementExplanation(inventory, task, rules, reason_masks(inventory, task, rules))
