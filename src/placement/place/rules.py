"""Placement constraints and strategies: typed objects, ECS JSON, text, limits and presets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..errors import PlacementError, PlacementInputError
from ..syntax.ast import ATTRIBUTE_NAME, Expression
from ..syntax.parser import parse

__all__ = [
    "MemberOf", "DistinctInstance", "Binpack", "Spread", "Random", "Constraint", "Strategy",
    "constraint_from_ecs", "strategy_from_ecs", "constraints_from", "strategy_from",
    "SERVICE_DEFAULT", "RUN_TASK_DEFAULT", "MAX_CONSTRAINTS", "MAX_STRATEGIES",
]  # fmt: skip

MAX_CONSTRAINTS = 10
MAX_STRATEGIES = 5


def _expression(value: Expression | str) -> Expression:
    if isinstance(value, Expression):
        return value
    if isinstance(value, str):
        return parse(value)
    raise PlacementInputError(f"memberOf takes an expression or its text, got {value!r}")


@attrs.frozen
class MemberOf:
    """Only instances that satisfy `expression` are candidates."""

    expression: Expression = attrs.field(converter=_expression)

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "memberOf", "expression": ...}`."""
        return {"type": "memberOf", "expression": str(self.expression)}

    def __str__(self) -> str:
        return f"memberOf({self.expression})"

    def __repr__(self) -> str:
        from ..render import shorten

        return f"<MemberOf {shorten(str(self.expression), 180)}>"


@attrs.frozen
class DistinctInstance:
    """No two tasks of the group on one instance (RUNNING tasks already there count)."""

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "distinctInstance"}`."""
        return {"type": "distinctInstance"}

    def __str__(self) -> str:
        return "distinctInstance"

    def __repr__(self) -> str:
        return "<DistinctInstance>"


def _binpack_field(value: str) -> str:
    if value not in ("cpu", "memory"):
        raise PlacementInputError(f"binpack takes cpu or memory, not {value!r}")
    return value


@attrs.frozen
class Binpack:
    """Prefer the instance with the least remaining `cpu` or `memory`."""

    field: str = attrs.field(converter=_binpack_field)

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "binpack", "field": ...}`."""
        return {"type": "binpack", "field": self.field}

    def __str__(self) -> str:
        return f"binpack({self.field})"

    def __repr__(self) -> str:
        return f"<Binpack {self.field}>"


def _spread_field(value: str) -> str:
    if value in ("instanceId", "host"):
        return value
    if (
        isinstance(value, str)
        and value.startswith("attribute:")
        and ATTRIBUTE_NAME.fullmatch(value[len("attribute:") :])
    ):
        return value
    raise PlacementInputError(
        f"spread takes instanceId, host or attribute:NAME, not {value!r}"
    )


@attrs.frozen
class Spread:
    """Prefer the instance (or attribute value) with the fewest tasks of the group."""

    field: str = attrs.field(converter=_spread_field)

    @property
    def attribute(self) -> str | None:
        """The attribute spread over, None for `instanceId`/`host`."""
        return self.field[len("attribute:") :] if self.field.startswith("attribute:") else None

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "spread", "field": ...}`."""
        return {"type": "spread", "field": self.field}

    def __str__(self) -> str:
        return f"spread({self.field})"

    def __repr__(self) -> str:
        from ..render import shorten

        return f"<Spread {shorten(self.field, 180)}>"


def _seed(value: Any) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise PlacementInputError(f"random takes a non-negative int seed, got {value!r}")


@attrs.frozen
class Random:
    """A random order, drawn from `seed` (or from `place(..., seed=)` when None)."""

    seed: int | None = attrs.field(default=None, converter=_seed)

    def to_ecs(self) -> dict[str, str]:
        """`{"type": "random"}` (ECS has no seed)."""
        return {"type": "random"}

    def __str__(self) -> str:
        return "random" if self.seed is None else f"random({self.seed})"

    def __repr__(self) -> str:
        from ..render import short_repr

        return short_repr("<Random>" if self.seed is None else f"<Random seed={self.seed}>")


Constraint = MemberOf | DistinctInstance
Strategy = Binpack | Spread | Random

SERVICE_DEFAULT: tuple[Strategy, ...] = (
    Spread("attribute:ecs.availability-zone"),
    Spread("instanceId"),
)
"""ECS's placement for a replica service with no strategy: spread over zones, then instances."""
RUN_TASK_DEFAULT: tuple[Strategy, ...] = (Random(),)
"""ECS's placement for RunTask with no strategy."""

_CALL = re.compile(r"\s*([A-Za-z]+)\s*(?:\((.*)\))?\s*", re.DOTALL)


def constraint_from_ecs(item: Any, *, in_task_definition: bool = False) -> Constraint:
    """Read a constraint: ECS JSON, a typed object, or text.

    Text is `memberOf(EXPR)` or `distinctInstance`.
    """
    kind: Any
    expression: Any
    if isinstance(item, MemberOf):
        return item
    if isinstance(item, DistinctInstance):
        kind, expression = "distinctInstance", None
    elif isinstance(item, str):
        m = _CALL.fullmatch(item)
        if not m:
            raise PlacementInputError(f"not a constraint: {item!r}")
        kind, expression = m.group(1), m.group(2)
    elif isinstance(item, Mapping):
        kind, expression = item.get("type"), item.get("expression")
    else:
        raise PlacementInputError(f"not a constraint: {item!r}")
    if kind == "distinctInstance":
        if in_task_definition:
            raise PlacementInputError(
                "constraint.type 'distinctInstance' is not supported in a task definition"
            )
        if expression is not None:
            raise PlacementInputError("distinctInstance expression should not be specified")
        return DistinctInstance()
    if kind == "memberOf":
        if not isinstance(expression, (str, Expression)) or (
            isinstance(expression, str) and not expression.strip()
        ):
            raise PlacementInputError("memberOf needs an expression")
        try:
            return MemberOf(expression)
        except PlacementError as exc:
            raise PlacementInputError(f"memberOf expression: {exc}") from exc
    raise PlacementInputError(
        f"constraint type must be memberOf or distinctInstance, not {kind!r}"
    )


def strategy_from_ecs(item: Any) -> Strategy:
    """Read a strategy: ECS JSON, a typed object, or text.

    Text is `spread(FIELD)`, `binpack(FIELD)`, `random` or `random(SEED)`.
    """
    kind: Any
    field: Any
    if isinstance(item, (Binpack, Spread, Random)):
        return item
    if isinstance(item, str):
        m = _CALL.fullmatch(item)
        if not m:
            raise PlacementInputError(f"not a strategy: {item!r}")
        kind, field = m.group(1), (m.group(2) or "").strip() or None
    elif isinstance(item, Mapping):
        kind, field = item.get("type"), item.get("field")
    else:
        raise PlacementInputError(f"not a strategy: {item!r}")
    if kind == "binpack":
        return Binpack(field.lower() if isinstance(field, str) else field)
    if kind == "spread":
        return Spread(field)
    if kind == "random":
        if isinstance(item, str) and field is not None:
            if not field.isdigit():
                raise PlacementInputError(f"random takes an integer seed, not {field!r}")
            return Random(int(field))
        return Random()
    raise PlacementInputError(f"strategy type must be binpack, spread or random, not {kind!r}")


def constraints_from(items: Iterable[Any]) -> tuple[Constraint, ...]:
    """Constraints from any mix of forms, checked against ECS's limit of 10."""
    if isinstance(items, (str, Mapping)):
        items = [items]
    out = tuple(constraint_from_ecs(item) for item in items)
    if len(out) > MAX_CONSTRAINTS:
        raise PlacementInputError(f"at most {MAX_CONSTRAINTS} constraints, got {len(out)}")
    return out


def strategy_from(items: Iterable[Any]) -> tuple[Strategy, ...]:
    """A strategy chain from any mix of forms, checked against ECS's limit of 5."""
    if isinstance(items, (str, Mapping)):
        items = [items]
    out = tuple(strategy_from_ecs(item) for item in items)
    if len(out) > MAX_STRATEGIES:
        raise PlacementInputError(f"at most {MAX_STRATEGIES} strategies, got {len(out)}")
    return out
