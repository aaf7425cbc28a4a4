"""The reference evaluator: one expression, one instance, the semantics of SEMANTICS.md §1.

Written to be read, not to be fast: it is the oracle the vectorized evaluator is tested against.
"""

from __future__ import annotations

from collections.abc import Callable

from ..instance import Instance
from ..syntax.ast import NOMAD_OPS, And, Comparison, Expression, Not, Op, Or, SubjectKind, Value
from ..syntax.literals import (
    Timestamp,
    Version,
    as_number,
    compare_numbers,
    fullmatch,
    parse_version,
)
from ..syntax.nomad_ops import holds

__all__ = ["matches", "compare_one", "order_strings"]


def matches(expr: Expression, instance: Instance) -> bool:
    """Whether `instance` satisfies `expr`."""
    if isinstance(expr, And):
        return all(matches(e, instance) for e in expr.operands)
    if isinstance(expr, Or):
        return any(matches(e, instance) for e in expr.operands)
    if isinstance(expr, Not):
        return not matches(expr.operand, instance)
    assert isinstance(expr, Comparison)
    return _comparison(expr, instance)


def order_strings(left: str, right: str) -> int:
    """Attribute ordering: numeric when both sides are decimal numbers, else by code point.

    Numbers compare exactly, at any size (`9007199254740993 > 9007199254740992`, which floats
    would call equal).
    """
    a, b = as_number(left), as_number(right)
    if a is not None and b is not None:
        return compare_numbers(a, b)
    return (left > right) - (left < right)


_ORDER_TEST: dict[Op, Callable[[int], bool]] = {
    Op.GT: lambda c: c > 0,
    Op.GE: lambda c: c >= 0,
    Op.LT: lambda c: c < 0,
    Op.LE: lambda c: c <= 0,
    Op.EQ: lambda c: c == 0,
    Op.NE: lambda c: c != 0,
}


def compare_one(leaf: Comparison, value: object) -> bool:
    """Whether one present value satisfies `leaf` (any operator but exists/!exists).

    `value` is the instance's value, typed as the subject has it: str for attributes, ids and
    groups; bool; Version; Timestamp; int.
    """
    op, argument = leaf.op, leaf.argument
    if op in NOMAD_OPS:  # attributes only: value and argument are str
        assert isinstance(value, str) and isinstance(argument, str)
        return holds(op, leaf.pattern, argument, value)
    if op is Op.MATCHES or op is Op.NOT_MATCHES:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return fullmatch(leaf.pattern, text) == (op is Op.MATCHES)
    if op is Op.IN or op is Op.NOT_IN:
        assert isinstance(argument, tuple)
        return (value in argument) == (op is Op.IN)
    assert argument is not None and not isinstance(argument, tuple)
    kind = leaf.subject.kind
    if kind is SubjectKind.ATTRIBUTE and op not in (Op.EQ, Op.NE):
        assert isinstance(value, str) and isinstance(argument, str)
        return _ORDER_TEST[op](order_strings(value, argument))
    if isinstance(value, Version):
        assert isinstance(argument, Version)
        return _ORDER_TEST[op](value.compare(argument))
    if isinstance(value, Timestamp) and isinstance(argument, Timestamp):
        return _ORDER_TEST[op](_sign(value.micros - argument.micros))
    if isinstance(value, int) and not isinstance(value, bool):
        assert isinstance(argument, int)
        return _ORDER_TEST[op](_sign(value - argument))
    # Strings and booleans: equality only.
    return _ORDER_TEST[op](0 if value == argument else 1)


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def _comparison(leaf: Comparison, instance: Instance) -> bool:
    kind, op = leaf.subject.kind, leaf.op
    if kind is SubjectKind.TASK_GROUP:
        groups = [g for g, n in instance.task_groups.items() if n > 0]
        if op is Op.EXISTS:
            return bool(groups)
        if op is Op.NOT_EXISTS:
            return not groups
        # Existential: some RUNNING task's group satisfies the comparison.
        return any(compare_one(leaf, g) for g in groups)
    if kind is SubjectKind.ATTRIBUTE:
        assert leaf.subject.name is not None
        present = leaf.subject.name in instance.attributes
        if op is Op.EXISTS:
            return present
        if op is Op.NOT_EXISTS:
            return not present
        value = instance.attributes.get(leaf.subject.name)
        # Absent and name-only attributes fail every comparison (`!=` and `!in` included).
        return value is not None and compare_one(leaf, value)
    actual: Value | None
    if kind is SubjectKind.AGENT_CONNECTED:
        actual = instance.agent_connected
    elif kind is SubjectKind.AGENT_VERSION:
        actual = parse_version(instance.agent_version) if instance.agent_version else None
    elif kind is SubjectKind.EC2_INSTANCE_ID:
        actual = instance.ec2_instance_id
    elif kind is SubjectKind.REGISTERED_AT:
        actual = instance.registered_at
    else:
        actual = instance.running_tasks_count
    return actual is not None and compare_one(leaf, actual)
