"""`memberOf(EXPR)`: only instances that satisfy a cluster-query-language expression."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import numpy as np

from ..errors import PlacementError, PlacementInputError
from ..syntax.ast import Expression, SubjectKind
from ..syntax.parser import MAX_LENGTH, parse
from ..text import shorten
from .base import Bools, Constraint, Ints, TaskLike
from .read import register_constraint, shown

if TYPE_CHECKING:
    from ..instance import Instance
    from .relaxation import Relaxation
    from .view import View

__all__ = ["MemberOf", "MEMBER_OF"]

MEMBER_OF = "MemberOf placement constraint unsatisfied."


def _expression(value: Expression | str) -> Expression:
    if isinstance(value, Expression):
        return value
    if isinstance(value, str):
        if len(value) > MAX_LENGTH:  # measured here so the error is an input error, not syntax
            raise PlacementInputError(
                f"memberOf: text of {len(value)} characters, over ECS's limit of {MAX_LENGTH} "
                "for an expression"
            )
        return parse(value)
    raise PlacementInputError(f"memberOf takes an expression or its text, got {shown(value)}")


@attrs.frozen
class _Marker:
    """A copy that reserves nothing: puts the group on an instance and counts one task."""

    group: str
    cpu: int = 0
    memory: int = 0
    gpus: int = 0
    ports: frozenset[int] = frozenset()
    udp_ports: frozenset[int] = frozenset()


@register_constraint("memberOf")
@attrs.frozen
class MemberOf(Constraint):
    """Only instances that satisfy `expression` are candidates."""

    reason: ClassVar[str] = MEMBER_OF
    rank: ClassVar[int] = 60
    in_task_definition: ClassVar[bool] = True

    expression: Expression = attrs.field(converter=_expression)

    @property
    def reads_placements(self) -> bool:  # type: ignore[override]
        """True when the expression reads `runningTasksCount` or `task:group`."""
        return self.expression.reads_state

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> MemberOf:
        """`{"type": "memberOf", "expression": EXPR}`."""
        return cls._read(item.get("expression"))

    @classmethod
    def from_text(cls, argument: str | None) -> MemberOf:
        """`memberOf(EXPR)` (spaces around EXPR are not part of it)."""
        return cls._read(argument.strip() if argument is not None else None)

    @classmethod
    def _read(cls, expression: Any) -> MemberOf:
        if isinstance(expression, str) and not expression.strip():
            raise PlacementInputError("memberOf needs an expression, got an empty one")
        if not isinstance(expression, (str, Expression)):
            raise PlacementInputError(f"memberOf needs an expression, got {shown(expression)}")
        try:
            return cls(expression)
        except PlacementError as exc:
            raise PlacementInputError(f"memberOf expression: {exc}") from exc

    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows where the expression is false (on the current state when it reads it)."""
        state = view.current() if self.expression.reads_state else view.inventory
        refused: Bools = ~self.expression.evaluate(state)
        return refused

    def affected(self, view: View, task: TaskLike, row: int) -> Ints:
        """Only the row itself: the rule reads nothing of other rows."""
        return np.array([row], dtype=np.int64)

    def refreshed(self, view: View, task: TaskLike, rows: Ints) -> Bools:
        """The changed rows again, one instance at a time (only state-reading ones change)."""
        return np.array(
            [not self.expression.matches(view.instance(int(row))) for row in rows], dtype=bool
        )

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """The reference semantics, instance by instance."""
        return [not self.expression.matches(inst) for inst in instances]

    def capacity(self, view: View, task: TaskLike, count: int) -> Ints | None:
        """Copies each row can take before the expression turns false as the row fills up.

        After one copy the group is on the instance for good, so from then on only
        runningTasksCount moves, one per copy, and a comparison `runningTasksCount OP x` can
        only change its value when the count reaches x or x + 1. So the expression is evaluated
        at the count after the first copy and at each of those change points past it: one
        vectorized evaluation per change point, however far away it is.
        """
        if not self.expression.reads_state:
            return None
        inventory = view.inventory
        n = len(inventory)
        after = inventory.with_placements(np.arange(n), _Marker(task.group))
        counts = inventory.running_tasks_count + 1  # the count after the first copy
        if not n:
            return np.zeros(0, dtype=np.int64)
        # Points past every count the rows can reach change nothing (and may not fit int64).
        reach = min(int(counts.max()) + count, 1 << 62)
        points = sorted({x + d for x in self._thresholds() for d in (0, 1) if x + d <= reach})
        columns, task_columns = after.columns(), after.tasks.columns()
        limit = np.full(n, count, dtype=np.int64)
        from ..inventory import Inventory  # the one cycle: expressions evaluate inventories

        # Candidate counts per row: its count after one copy, then each later change point.
        for value in [counts] + [np.full(n, p, dtype=np.int64) for p in points]:
            at = np.maximum(value, counts)
            t = at - counts + 1  # copies taken when the count is `at`
            open_ = (t < limit) & (value >= counts)
            if not open_.any():
                continue
            columns["running_tasks_count"] = at
            holds = self.expression.evaluate(Inventory(columns, task_columns))
            # False at count `at`: the row takes t copies at most (the t-th copy made it so).
            limit = np.where(open_ & ~holds, np.minimum(limit, t), limit)
        return limit

    def _thresholds(self) -> list[int]:
        """The runningTasksCount arguments of the expression's comparisons."""
        out: list[int] = []
        for leaf in self.expression.leaves():
            if leaf.subject.kind is SubjectKind.RUNNING_TASKS_COUNT:
                argument = leaf.argument
                items = argument if isinstance(argument, (list, tuple, frozenset)) else [argument]
                out.extend(v for v in items if isinstance(v, int))
        return out

    def relaxations(self, view: View, task: TaskLike, count: int) -> Iterable[Relaxation]:
        """§10's relaxations of one comparison: a threshold, an `in` list, an `and` operand."""
        from ..repairs.memberof import member_of_relaxations

        return member_of_relaxations(self, view, count)

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "memberOf", "expression": ...}`."""
        return {"type": "memberOf", "expression": str(self.expression)}

    def __str__(self) -> str:
        return f"memberOf({self.expression})"

    def __repr__(self) -> str:
        return f"<MemberOf {shorten(str(self.expression), 180)}>"
