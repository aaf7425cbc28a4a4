"""Why instances cannot take a task: every reason per instance, and memberOf clause detail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..inventory import Inventory
from ..place import reasons as R
from ..place.details import reason_details
from ..place.masks import member_of, reason_masks
from ..place.task import TaskSpec
from ..rules import Constraint
from ..text import reason_counts, short_repr
from .expression import Explanation, explain
from .keys import examples, row_of

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

    def worded(self) -> R.Worded | None:
        """The reason masks in the task's dialect: `(words, group, mask)` in its order.

        None for an ECS task, whose words the codes are (`masks`). For a Kubernetes task the
        filter plugins' words (`Insufficient cpu`, `node(s) had untolerated taint {k: v}`),
        grouped by plugin, in the scheduler's order.
        """
        return R.worded(self.task, self.inventory, self.constraints, self.masks)

    def counts(self) -> dict[str, int]:
        """Per reason, how many instances it excludes (an instance counts under each reason).

        In the task's dialect (see `reasons`); `code_counts` keeps ECS's codes.
        """
        worded = self.worded()
        if worded is None:
            return self.code_counts()
        return {word: int(mask.sum()) for word, _, mask in worded}

    def code_counts(self) -> dict[str, int]:
        """`counts` by ECS reason code, whatever the task's dialect."""
        return {r: int(mask.sum()) for r, mask in self.masks.items() if mask.any()}

    def first_reasons(self) -> dict[str, int]:
        """Each excluded instance counted once, under its first reason, as a failure counts.

        ECS: the first code in ECS's order (the counts add up to the excluded instances).
        Kubernetes: every reason of the node's first failing filter plugin, as the scheduler's
        `0/N nodes are available: ...` counts (NodeResourcesFit gives all of its reasons).
        """
        worded = self.worded()
        if worded is None:
            from ..place.masks import first_reasons

            return first_reasons(dict(self.masks), len(self.inventory))[1]
        return R.first_counts(worded, len(self.inventory))

    def summary(self) -> str | None:
        """The dialect's one-line summary (`0/3 nodes are available: ...`); None for ECS."""
        if not R.speaks(self.task):
            return None
        return R.summary(self.task, int(self.eligible.sum()), len(self.inventory),
                         self.first_reasons())  # fmt: skip

    def reasons(self, instance: int | np.integer[Any] | str) -> tuple[str, ...]:
        """Every reason one instance is excluded, in the task's dialect and order.

        ECS's codes in ECS's order for an ECS task; a Kubernetes task's in the filter plugins'
        words and order (`codes` keeps the ECS codes). `instance` is keyed as
        `Explanation.reasons` keys it: a row (numpy integers included, negative from the end)
        or an ARN; `InstanceNotFoundError`, `RowOutOfRangeError` and `RowTypeError` (all
        `PlacementInputError`s) for anything else.
        """
        worded = self.worded()
        if worded is None:
            return self.codes(instance)
        row = row_of(instance, len(self.inventory), self._find)
        return tuple(word for word, _, mask in worded if mask[row])

    def codes(self, instance: int | np.integer[Any] | str) -> tuple[str, ...]:
        """Every ECS reason code one instance is excluded for, in ECS's order (any dialect)."""
        row = row_of(instance, len(self.inventory), self._find)
        return tuple(r for r, mask in self.masks.items() if mask[row])

    def details(
        self, instance: int | np.integer[Any] | str | None = None
    ) -> dict[str, tuple[str, ...]]:
        """What `ATTRIBUTE` and `RESOURCE:PORTS` stand for: the missing attributes, taken ports.

        Over every instance each reason excludes, or over one `instance` (keyed as `reasons`
        keys it). `{"ATTRIBUTE": ("a",), "RESOURCE:PORTS": ("80", "53/udp")}`; a reason with
        nothing to name is left out.
        """
        masks: Mapping[str, npt.NDArray[np.bool_]] = self.masks
        if instance is not None:
            row = row_of(instance, len(self.inventory), self._find)
            one = np.zeros(len(self.inventory), dtype=bool)
            one[row] = True
            masks = {reason: mask & one for reason, mask in masks.items()}
        return reason_details(self.inventory, self.task, masks)

    def _find(self, arn: str) -> int | None:
        try:
            return self.inventory.index_of(arn)
        except KeyError:
            return None

    def member_of_details(self) -> list[Explanation]:
        """`placement.explain` of each memberOf expression: which clause rejected whom."""
        return [explain(rule.expression, self.inventory)
                for rule in member_of(self.constraints, self.task)]  # fmt: skip

    def __str__(self) -> str:
        worded = self.worded()
        n = len(self.inventory)
        head = f"{int(self.eligible.sum())} of {n} instances can take the task"
        if worded is not None:
            # The dialect's summary; Nomad's says only what refused, so none when all fit.
            lines = [self.summary() or head]
            for word, _, mask in worded:
                named = examples(self.inventory.ids, mask)
                lines.append(f"  {word}: {int(mask.sum())} (e.g. {named})")
        else:
            lines = [head]
            details = self.details()
            for reason, count in self.counts().items():
                named = examples(self.inventory.ids, self.masks[reason])
                lines.append(f"  {R.labelled(reason, details)}: {count} (e.g. {named})")
        if self.masks[R.MEMBER_OF].any():
            # Which clause of which memberOf expression did the rejecting.
            for detail in self.member_of_details():
                lines.extend("    " + line for line in str(detail).splitlines())
        return "\n".join(lines)

    def __repr__(self) -> str:
        said = self.summary()  # a dialect's own line (Kubernetes: `0/3 nodes are available: ...`)
        if said:  # Nomad's is empty when nothing refused: then the counts, as ECS's
            return short_repr(f"<PlacementExplanation {'; '.join(said.splitlines())}>")
        n, eligible = len(self.inventory), int(self.eligible.sum())
        counts = reason_counts(self.counts())
        tail = f"; {counts}>" if counts else ">"
        return short_repr(f"<PlacementExplanation {eligible} of {n} eligible{tail}")

    def _repr_html_(self) -> str:
        """An HTML report for notebooks: each reason's count and each instance's reasons."""
        from ..render import placement_explanation_html

        return placement_explanation_html(self)


def explain_placement(
    inventory: Inventory, task: TaskSpec, constraints: Sequence[Any] = ()
) -> PlacementExplanation:
    """Every reason each instance cannot take one copy of `task`, vectorized.

    `constraints` takes what `place` takes (ECS JSON, typed objects or text). The arguments are
    checked as `place` checks them: a bad one raises `PlacementInputError` naming it.
    """
    # place's own argument check (count 0, no strategy): one set of rules and messages.
    from ..place.inputs import check_inputs as _inputs

    rules, _ = _inputs(inventory, task, 0, constraints, ())
    return PlacementExplanation(inventory, task, rules, reason_masks(inventory, task, rules))
