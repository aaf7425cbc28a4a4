"""Reading rules from what callers hand in: ECS JSON, typed objects or text, through a registry.

Everything here is an edge: callers hand in text, ECS JSON or typed objects, and every reader
refuses junk with a `PlacementInputError` that names what it read, in time linear in the input
(text is measured against a length limit before it is scanned).

The registry maps each ECS JSON `type` (and text name) to a rule class, which reads its own
arguments (`from_json(item)` and `from_text(argument)`): a new rule registers one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from ..errors import PlacementError, PlacementInputError
from ..syntax.parser import MAX_LENGTH
from ..text import shown
from .base import Constraint, Strategy

__all__ = [
    "shown", "register_constraint", "register_strategy", "constraint_from_ecs",
    "strategy_from_ecs", "constraints_from", "strategy_from", "task_constraints_from",
    "seed_text", "MAX_CONSTRAINTS", "MAX_STRATEGIES", "MAX_SEED", "MAX_CONSTRAINT_TEXT",
    "MAX_STRATEGY_TEXT",
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


_CONSTRAINTS: dict[str, Any] = {}
_STRATEGIES: dict[str, Any] = {}


def register_constraint(name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: ECS JSON `{"type": name, ...}` and text `name(...)` read as this class."""

    def register(cls: type[T]) -> type[T]:
        _CONSTRAINTS[name] = cls
        return cls

    return register


def register_strategy(name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: ECS JSON `{"type": name, ...}` and text `name(...)` read as this class."""

    def register(cls: type[T]) -> type[T]:
        _STRATEGIES[name] = cls
        return cls

    return register


def _names(registry: Mapping[str, Any]) -> str:
    names = list(registry)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


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
    """Read a constraint: ECS JSON, a typed object (any `Constraint`, users' own included), or text.

    Text is `NAME` or `NAME(ARGUMENTS)` for a registered name (`memberOf(EXPR)`,
    `distinctInstance`, ...). With `in_task_definition`, only rules a task definition may hold
    are accepted (ECS: `memberOf`).
    """
    if isinstance(item, Constraint):
        rule = item
    elif isinstance(item, str):
        kind, argument = _call(item, "constraint", MAX_CONSTRAINT_TEXT)
        rule = _reader(_CONSTRAINTS, "constraint", kind).from_text(argument)
    elif isinstance(item, Mapping):
        # JSON null reads as absent (SEMANTICS.md §2), which is what .get gives for a missing key.
        rule = _reader(_CONSTRAINTS, "constraint", item.get("type")).from_json(item)
    else:
        raise PlacementInputError(f"not a constraint: {shown(item)}")
    if in_task_definition and not getattr(rule, "in_task_definition", False):
        name = rule.to_ecs().get("type") if hasattr(rule, "to_ecs") else rule
        raise PlacementInputError(
            f"constraint.type {shown(name)} is not supported in a task definition"
        )
    return rule


def _reader(registry: Mapping[str, Any], what: str, kind: Any) -> Any:
    cls = registry.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise PlacementInputError(f"{what} type must be {_names(registry)}, not {shown(kind)}")
    return cls


def strategy_from_ecs(item: Any) -> Strategy:
    """Read a strategy: ECS JSON, a typed object, or text.

    Text is `spread(FIELD)`, `binpack(FIELD)`, `random` or `random(SEED)`.
    """
    if isinstance(item, Strategy):
        return item
    if isinstance(item, str):
        kind, argument = _call(item, "strategy", MAX_STRATEGY_TEXT)
        rule: Strategy = _reader(_STRATEGIES, "strategy", kind).from_text(argument)
        return rule
    if isinstance(item, Mapping):
        read: Strategy = _reader(_STRATEGIES, "strategy", item.get("type")).from_json(item)
        return read
    raise PlacementInputError(f"not a strategy: {shown(item)}")


def seed_text(text: str) -> int:
    """A seed written as text: ASCII digits, at most 2**128 - 1."""
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


_CONSTRAINT_FORMS = (str, Mapping, Constraint)
_STRATEGY_FORMS = (str, Mapping, Strategy)


def constraints_from(items: Iterable[Any]) -> tuple[Constraint, ...]:
    """Constraints from any mix of forms, checked against ECS's limit of 10.

    A single constraint (text, JSON object or typed object) counts as a list of one.
    """
    return _read_all(items, "constraints", _CONSTRAINT_FORMS, MAX_CONSTRAINTS, constraint_from_ecs)


def task_constraints_from(items: Iterable[Any], what: str = "constraints") -> tuple[Any, ...]:
    """A task definition's constraints: `memberOf` only (as ECS), at most 10."""
    return _read_all(items, what, _CONSTRAINT_FORMS, MAX_CONSTRAINTS, _task_constraint)


def _task_constraint(item: Any) -> Constraint:
    return constraint_from_ecs(item, in_task_definition=True)


def strategy_from(items: Iterable[Any]) -> tuple[Strategy, ...]:
    """A strategy chain from any mix of forms, checked against ECS's limit of 5.

    A single strategy (text, JSON object or typed object) counts as a chain of one.
    """
    return _read_all(items, "strategy", _STRATEGY_FORMS, MAX_STRATEGIES, strategy_from_ecs)
