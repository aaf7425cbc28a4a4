"""The vectorized evaluator: one expression over a whole inventory, as numpy operations.

Each leaf is answered once per *distinct* value of the column it reads (with the reference
evaluator's own comparison, so the two cannot drift apart), then gathered to every instance by
code. Compiling an expression to its plan happens once; the plan runs on any inventory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from ..inventory import ABSENT, Inventory, StringColumn
from ..syntax.ast import And, Comparison, Expression, Not, Op, Or, SubjectKind
from ..syntax.literals import Timestamp, parse_version
from .scalar import compare_one

__all__ = ["evaluate", "compile_plan", "leaf_mask", "Plan"]

Bools = npt.NDArray[np.bool_]
Plan = Callable[[Inventory], Bools]


def evaluate(expr: Expression, inventory: Inventory) -> Bools:
    """One bool per instance: `[expr.matches(i) for i in inventory]`, vectorized."""
    return compile_plan(expr)(inventory)


@functools.lru_cache(maxsize=1024)
def compile_plan(expr: Expression) -> Plan:
    """The plan for `expr`: a function from an inventory to its mask (cached per expression)."""
    if isinstance(expr, Comparison):
        return functools.partial(leaf_mask, expr)
    if isinstance(expr, Not):
        inner = compile_plan(expr.operand)
        return lambda inv: np.logical_not(inner(inv))
    assert isinstance(expr, (And, Or))
    parts = [compile_plan(e) for e in expr.operands]
    combine = np.logical_and if isinstance(expr, And) else np.logical_or

    def run(inv: Inventory) -> Bools:
        out = parts[0](inv).copy()
        for part in parts[1:]:
            combine(out, part(inv), out=out)
        return out

    return run


def _table(leaf: Comparison, values: Sequence[object]) -> Bools:
    """The leaf's answer for each distinct present value (equality and sets by index lookups)."""
    return np.fromiter((compare_one(leaf, v) for v in values), dtype=bool, count=len(values))


def _column_answers(leaf: Comparison, column: StringColumn) -> Bools:
    """Answers for each code of `column`, plus the name-only (-2) and absent (-1) slots."""
    k = len(column.values)
    lut = np.zeros(k + 2, dtype=bool)  # name-only and absent: every comparison is false
    op, argument = leaf.op, leaf.argument
    if op is Op.EQ or op is Op.NE:
        code = column.index.get(argument)  # type: ignore[arg-type]
        if op is Op.NE:
            lut[:k] = True
        if code is not None:
            lut[code] = op is Op.EQ
    elif op is Op.IN or op is Op.NOT_IN:
        assert isinstance(argument, tuple)
        codes = [c for c in (column.index.get(v) for v in argument) if c is not None]  # type: ignore[arg-type]
        if op is Op.NOT_IN:
            lut[:k] = True
        lut[codes] = op is Op.IN
    else:
        lut[:k] = _table(leaf, column.values)
    return lut


def _string_leaf(leaf: Comparison, column: StringColumn | None, n: int) -> Bools:
    op = leaf.op
    if column is None:  # no instance has the attribute
        return np.full(n, op is Op.NOT_EXISTS, dtype=bool)
    out: Bools
    if op is Op.EXISTS:
        out = column.codes != ABSENT
    elif op is Op.NOT_EXISTS:
        out = column.codes == ABSENT
    else:
        out = _column_answers(leaf, column)[column.codes]
    return out


def _version_leaf(leaf: Comparison, column: StringColumn) -> Bools:
    versions = [parse_version(v) for v in column.values]
    lut = np.zeros(len(versions) + 2, dtype=bool)
    lut[: len(versions)] = [v is not None and compare_one(leaf, v) for v in versions]
    out: Bools = lut[column.codes]
    return out


_NUMERIC = {
    Op.EQ: np.equal, Op.NE: np.not_equal, Op.GT: np.greater, Op.GE: np.greater_equal,
    Op.LT: np.less, Op.LE: np.less_equal,
}  # fmt: skip


def _group_leaf(leaf: Comparison, inv: Inventory) -> Bools:
    groups, n = inv.groups, len(inv)
    op = leaf.op
    if op is Op.EXISTS or op is Op.NOT_EXISTS:
        has_tasks: Bools = np.diff(groups.indptr) > 0
        return has_tasks if op is Op.EXISTS else ~has_tasks
    # Existential: true where some group with RUNNING tasks satisfies the comparison.
    lut = np.empty(len(groups.names), dtype=bool)
    if op is Op.EQ or op is Op.IN:
        wanted = (leaf.argument,) if op is Op.EQ else leaf.argument
        assert isinstance(wanted, tuple)
        lut[:] = False
        lut[[c for c in (groups.index.get(v) for v in wanted) if c is not None]] = True  # type: ignore[arg-type]
    else:
        lut[:] = _table(leaf, groups.names)
    hit = lut[groups.codes] if len(groups.codes) else np.zeros(0, dtype=bool)
    out = np.zeros(n, dtype=bool)
    out[groups.rows[hit]] = True
    return out


def leaf_mask(leaf: Comparison, inv: Inventory) -> Bools:
    """The mask of one comparison over `inv`."""
    kind, op, n = leaf.subject.kind, leaf.op, len(inv)
    if kind is SubjectKind.ATTRIBUTE:
        assert leaf.subject.name is not None
        return _string_leaf(leaf, inv.attributes.get(leaf.subject.name), n)
    if kind is SubjectKind.EC2_INSTANCE_ID:
        return _string_leaf(leaf, inv.ec2_instance_ids, n)
    if kind is SubjectKind.TASK_GROUP:
        return _group_leaf(leaf, inv)
    if kind is SubjectKind.AGENT_VERSION:
        return _version_leaf(leaf, inv.agent_versions)
    if kind is SubjectKind.AGENT_CONNECTED:
        # Two possible values: answer both, then gather.
        lut = np.array([compare_one(leaf, False), compare_one(leaf, True)])
        return lut[inv.agent_connected.view(np.int8)]
    if kind is SubjectKind.REGISTERED_AT:
        argument = leaf.argument
        assert isinstance(argument, Timestamp)
        stamped: Bools = _NUMERIC[op](inv.registered_at, argument.micros) & inv.has_registered_at
        return stamped
    assert kind is SubjectKind.RUNNING_TASKS_COUNT
    count = leaf.argument
    assert isinstance(count, int)
    counted: Bools = _NUMERIC[op](inv.running_tasks_count, count)
    return counted
