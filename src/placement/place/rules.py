"""Placement constraints and strategies: typed objects, ECS JSON, text, limits and presets.

Everything here is an edge: callers hand in text, ECS JSON or typed objects, and every reader
refuses junk with a `PlacementInputError` that names what it read, in time linear in the input
(text is measured against a length limit before it is scanned).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from ..errors import PlacementError, PlacementInputError
from ..syntax.ast import ATTRIBUTE_NAME, Expression
from ..syntax.parser import MAX_LENGTH, parse
from ..text import shown

__all__ = [
    "MemberOf", "DistinctInstance", "Binpack", "Spread", "Random", "Constraint", "Strategy",
    "constraint_from_ecs", "strategy_from_ecs", "constraints_from", "strategy_from",
    "task_constraints_from", "shown",
    "SERVICE_DEFAULT", "RUN_TASK_DEFAULT", "MAX_CONSTRAINTS", "MAX_STRATEGIES", "MAX_SEED",
    "MAX_CONSTRAINT_TEXT", "MAX_STRATEGY_TEXT",
]  # fmt: skip

MAX_CONSTRAINTS = 10
MAX_STRATEGIES = 5
MAX_SEED = 2**128 - 1
"""Seeds above this are refused: they would print as thousands of digits (or not at all)."""
MAX_CONSTRAINT_TEXT = MAX_LENGTH + 64
"""`memberOf(EXPR)` text: ECS's 2000-character expression plus the wrapper and some spaces."""
MAX_STRATEGY_TEXT = 256
"""The longest strategy text, `spread(attribute:NAME)` with a 128-character name, fits easily."""

T = TypeVar("T")


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
    if not isinstance(value, str) or value not in ("cpu", "memory"):
        raise PlacementInputError(f"binpack takes cpu or memory, not {shown(value)}")
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
    if isinstance(value, str) and (
        value in ("instanceId", "host")
        or (
            value.startswith("attribute:")
            and ATTRIBUTE_NAME.fullmatch(value[len("attribute:") :]) is not None
        )
    ):
        return value
    raise PlacementInputError(
        f"spread takes instanceId, host or attribute:NAME, not {shown(value)}"
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
    if value is None or (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEED
    ):
        return value
    raise PlacementInputError(
        f"random takes an int seed from 0 to 2**128 - 1 (or None), got {shown(value)}"
    )


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

_NAME = re.compile(r"[A-Za-z]+")  # one character class, matched at the start: linear


def _call(text: str, what: str, limit: int) -> tuple[str, str | None]:
    """Split `name` or `name(argument)` text, in one pass over text no longer than `limit`.

    The length is checked first so junk is refused at once; the scan itself never backtracks.
    """
    if len(text) > limit:
        raise PlacementInputError(
            f"{what} text is {len(text)} characters long, over the limit of {limit}"
        )
    body = text.strip()
    name = _NAME.match(body)
    rest = body[name.end() :].lstrip() if name else body
    if name is None or (rest and (rest[0] != "(" or rest[-1] != ")")):
        raise PlacementInputError(f"not a {what}: {shown(text)}")
    return name.group(), (rest[1:-1] if rest else None)


def constraint_from_ecs(item: Any, *, in_task_definition: bool = False) -> Constraint:
    """Read a constraint: ECS JSON, a typed object, or text.

    Text is `memberOf(EXPR)` or `distinctInstance`. With `in_task_definition`, only `memberOf`
    is accepted (ECS refuses `distinctInstance` there).
    """
    kind: Any
    expression: Any
    if isinstance(item, MemberOf):
        return item
    if isinstance(item, DistinctInstance):
        kind, expression = "distinctInstance", None
    elif isinstance(item, str):
        kind, expression = _call(item, "constraint", MAX_CONSTRAINT_TEXT)
        expression = expression and expression.strip()  # `memberOf( x )`: spaces are not in x
    elif isinstance(item, Mapping):
        # JSON null reads as absent (SEMANTICS.md §2), which is what .get gives for a missing key.
        kind, expression = item.get("type"), item.get("expression")
    else:
        raise PlacementInputError(f"not a constraint: {shown(item)}")
    if kind == "distinctInstance":
        if in_task_definition:
            raise PlacementInputError(
                "constraint.type 'distinctInstance' is not supported in a task definition"
            )
        if expression is not None:
            raise PlacementInputError("distinctInstance expression should not be specified")
        return DistinctInstance()
    if kind == "memberOf":
        return _member_of(expression)
    raise PlacementInputError(
        f"constraint type must be memberOf or distinctInstance, not {shown(kind)}"
    )


def _member_of(expression: Any) -> MemberOf:
    if isinstance(expression, str) and not expression.strip():
        raise PlacementInputError("memberOf needs an expression, got an empty one")
    if not isinstance(expression, (str, Expression)):
        raise PlacementInputError(f"memberOf needs an expression, got {shown(expression)}")
    try:
        return MemberOf(expression)
    except PlacementError as exc:
        raise PlacementInputError(f"memberOf expression: {exc}") from exc


def strategy_from_ecs(item: Any) -> Strategy:
    """Read a strategy: ECS JSON, a typed object, or text.

    Text is `spread(FIELD)`, `binpack(FIELD)`, `random` or `random(SEED)`.
    """
    kind: Any
    field: Any
    if isinstance(item, (Binpack, Spread, Random)):
        return item
    if isinstance(item, str):
        kind, argument = _call(item, "strategy", MAX_STRATEGY_TEXT)
        field = (argument or "").strip() or None
    elif isinstance(item, Mapping):
        kind, field = item.get("type"), item.get("field")
    else:
        raise PlacementInputError(f"not a strategy: {shown(item)}")
    if kind == "binpack":
        # ECS's own examples write the field in either case; only short text is worth lowering.
        short = isinstance(field, str) and len(field) <= len("memory")
        return Binpack(field.lower() if short else field)
    if kind == "spread":
        return Spread(field)
    if kind == "random":
        if isinstance(item, str) and field is not None:
            return Random(_seed_text(field))
        return Random()
    raise PlacementInputError(f"strategy type must be binpack, spread or random, not {shown(kind)}")


def _seed_text(text: str) -> int:
    # str.isdigit() accepts '²' and other digits int() refuses: check ASCII digits explicitly.
    if not text or len(text) > len(str(MAX_SEED)) or not all(c in "0123456789" for c in text):
        raise PlacementInputError(f"random takes an integer seed, not {shown(text)}")
    return int(text)


def _read_all(
    items: Any, what: str, single: tuple[type, ...], limit: int, read: Callable[[Any], T]
) -> tuple[T, ...]:
    """Read a list of rules, naming the position of a bad one; stops past `limit` items.

    One item of a `single` type stands for a list of one. Iteration stops as soon as the limit
    is passed, so an endless generator is refused rather than consumed.
    """
    if isinstance(items, single):
        items = (items,)
    if items is None or isinstance(items, (bytes, bytearray, memoryview)):
        raise PlacementInputError(f"{what} must be a list, got {shown(items)}")
    try:
        iterator = iter(items)
    except TypeError:
        raise PlacementInputError(f"{what} must be a list, got {shown(items)}") from None
    out: list[T] = []
    for position, item in enumerate(iterator):
        if position == limit:
            raise PlacementInputError(f"{what}: at most {limit} allowed, got more")
        try:
            out.append(read(item))
        except PlacementError as exc:
            raise PlacementInputError(f"{what}[{position}]: {exc}") from exc
    return tuple(out)


_CONSTRAINT_FORMS = (str, Mapping, MemberOf, DistinctInstance)
_STRATEGY_FORMS = (str, Mapping, Binpack, Spread, Random)


def constraints_from(items: Iterable[Any]) -> tuple[Constraint, ...]:
    """Constraints from any mix of forms, checked against ECS's limit of 10.

    A single constraint (text, JSON object or typed object) counts as a list of one.
    """
    return _read_all(items, "constraints", _CONSTRAINT_FORMS, MAX_CONSTRAINTS, constraint_from_ecs)


def task_constraints_from(items: Iterable[Any], what: str = "constraints") -> tuple[MemberOf, ...]:
    """A task definition's constraints: `memberOf` only (as ECS), at most 10."""
    return _read_all(items, what, _CONSTRAINT_FORMS, MAX_CONSTRAINTS, _task_constraint)


def _task_constraint(item: Any) -> MemberOf:
    rule = constraint_from_ecs(item, in_task_definition=True)
    if not isinstance(rule, MemberOf):  # pragma: no cover - in_task_definition refuses the rest
        raise PlacementInputError(f"not a memberOf constraint: {rule}")
    return rule


def strategy_from(items: Iterable[Any]) -> tuple[Strategy, ...]:
    """A strategy chain from any mix of forms, checked against ECS's limit of 5.

    A single strategy (text, JSON object or typed object) counts as a chain of one.
    """
    return _read_all(items, "strategy", _STRATEGY_FORMS, MAX_STRATEGIES, strategy_from_ecs)
