"""The relaxations of a `memberOf` expression (SEMANTICS.md §10), for `MemberOf.relaxations`.

Only comparisons that stand at a positive position are relaxed (not under a `not`): making
such a comparison true on more instances can only make the expression true on more of them,
so each family is monotone, as repair's bisection needs. Three kinds:

* `relax-threshold`: an ordering (`>`, `>=`, `<`, `<=`) on an attribute, `agentVersion`,
  `registeredAt` or `runningTasksCount` moves its threshold away from where it was, one value
  at a time: values present in the inventory (whole seconds for timestamps), every integer for
  `runningTasksCount`. The relaxed comparison is the non-strict one (`> 5` becomes `>= 5`,
  then `>= 4`, ...), so each step admits exactly the instances at the next value.
* `add-values`: an `in` list on an attribute or `ec2InstanceId` gains values present in the
  inventory, chosen by repair (the fewest that suffice).
* `drop-operand`: one operand of an `and` goes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import numpy as np

from ..evaluate.scalar import compare_one, order_strings
from ..rules.relaxation import Relaxation, Step, Steps
from ..syntax.ast import ORDERINGS, And, Comparison, Expression, Not, Op, Or, SubjectKind
from ..syntax.literals import MAX_COUNT, Timestamp, Version, parse_version

if TYPE_CHECKING:
    from ..rules.view import View

__all__ = ["member_of_relaxations", "replace_at"]

Path = tuple[int, ...]
_SECOND = 1_000_000
_THRESHOLD_SUBJECTS = (
    SubjectKind.ATTRIBUTE, SubjectKind.AGENT_VERSION, SubjectKind.REGISTERED_AT,
    SubjectKind.RUNNING_TASKS_COUNT,
)  # fmt: skip


def replace_at(expr: Expression, path: Path, new: Expression | None) -> Expression:
    """`expr` with the node at `path` replaced by `new` (None: dropped from its `and`/`or`).

    A dropped operand of a two-operand node leaves the other operand in the node's place.
    """
    if not path:
        assert new is not None
        return new
    assert isinstance(expr, (And, Or, Not))
    head, rest = path[0], path[1:]
    if isinstance(expr, Not):
        inner = replace_at(expr.operand, rest, new)
        return Not(inner)
    operands = list(expr.operands)
    if rest or new is not None:
        operands[head] = replace_at(operands[head], rest, new)
    else:
        del operands[head]
    if len(operands) == 1:
        return operands[0]
    return attrs.evolve(expr, operands=tuple(operands))


def _positive(expr: Expression) -> Iterator[tuple[Path, Expression]]:
    """Every node outside any `not`, with its path (iterative: trees nest up to 100 deep)."""
    stack: list[tuple[Path, Expression]] = [((), expr)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, (And, Or)):
            children = list(enumerate(node.operands))
            stack.extend(((*path, i), child) for i, child in reversed(children))


class _OverExpression(Protocol):
    """A rule over one expression, built from it (`MemberOf`; not imported: it imports us)."""

    @property
    def expression(self) -> Expression:
        """The rule's expression."""
        ...

    def __init__(self, expression: Expression) -> None: ...


def member_of_relaxations(rule: _OverExpression, view: View, count: int) -> list[Relaxation]:
    """Every relaxation §10 allows inside `rule`'s expression (see the module docstring)."""
    expr = rule.expression

    def step(path: Path, new: Expression | None, was: str, now: str, kind: str) -> Step:
        relaxed = type(rule)(replace_at(expr, path, new))
        change = {"from": str(rule), "to": str(relaxed), "comparison": {"from": was, "to": now}}
        if kind == "drop-operand":
            words = f"Drop `{was}` from {rule}"
        else:
            words = f"Change `{was}` to `{now}` in {rule}"
        return Step(relaxed, change, words + ".")

    out: list[Relaxation] = []
    for path, node in _positive(expr):
        if isinstance(node, And):
            for i, operand in enumerate(node.operands):
                dropped = step((*path, i), None, str(operand), "", "drop-operand")
                out.append(Relaxation("drop-operand", steps=[dropped]))
        elif isinstance(node, Comparison):
            family = _threshold(node, view, count) or _in_list(node, view)
            if family is not None:
                out.append(family(functools.partial(_leaf_step, step, path, node)))
    return out


def _leaf_step(step: Callable[..., Step], path: Path, node: Comparison, new: Comparison) -> Step:
    return step(path, new, str(node), str(new), "")


Family = Callable[[Callable[[Comparison], Step]], Relaxation]


def _threshold(leaf: Comparison, view: View, count: int) -> Family | None:
    """Moving an ordering's threshold one value further at a time, nearest first."""
    kind = leaf.subject.kind
    if leaf.op not in ORDERINGS or kind not in _THRESHOLD_SUBJECTS:
        return None
    lowering = leaf.op in (Op.GT, Op.GE)
    op = Op.GE if lowering else Op.LE
    if kind is SubjectKind.RUNNING_TASKS_COUNT:
        t = leaf.argument
        assert isinstance(t, int)
        if lowering:
            first = t if leaf.op is Op.GT else t - 1
            length = first + 1  # down to 0
            value_at: Callable[[int], Any] = lambda i: first - i  # noqa: E731
        else:
            first = t if leaf.op is Op.LT else t + 1
            counts = view.running_tasks_count
            top = min((int(counts.max()) if len(counts) else 0) + count + 1, MAX_COUNT)
            length = max(top - first + 1, 0)
            value_at = lambda i: first + i  # noqa: E731
        if length <= 0:
            return None
        return lambda make: Relaxation(
            "relax-threshold",
            steps=Steps(length, lambda i: make(Comparison(leaf.subject, op, value_at(i)))),
        )
    values = sorted(_failing_values(leaf, view), key=_order_key(kind), reverse=lowering)
    if not values:
        return None
    def family(make: Callable[[Comparison], Step]) -> Relaxation:
        steps = Steps(len(values), lambda i: make(_comparison(leaf, op, values[i])))
        return Relaxation("relax-threshold", steps=steps)

    return family


def _comparison(leaf: Comparison, op: Op, value: Any) -> Comparison:
    """`leaf`'s subject `op` `value`, timestamps rounded outwards to whole seconds."""
    if isinstance(value, Timestamp):
        micros = value.micros
        if op is Op.GE:
            micros -= micros % _SECOND
        else:
            micros += -micros % _SECOND
        value = Timestamp(micros)
    return Comparison(leaf.subject, op, value)


def _order_key(kind: SubjectKind) -> Callable[[Any], Any]:
    if kind is SubjectKind.ATTRIBUTE:
        return functools.cmp_to_key(order_strings)
    if kind is SubjectKind.AGENT_VERSION:
        return functools.cmp_to_key(lambda a, b: a.compare(b))
    return lambda value: value.micros


def _failing_values(leaf: Comparison, view: View) -> list[Any]:
    """The distinct values present in the inventory that `leaf` refuses."""
    inventory = view.inventory
    kind = leaf.subject.kind
    present: list[Any]
    if kind is SubjectKind.ATTRIBUTE:
        assert leaf.subject.name is not None
        column = inventory.attributes.get(leaf.subject.name)
        if column is None:
            return []
        used = np.unique(column.codes[column.codes >= 0])
        present = [column.values[c] for c in used.tolist()]
    elif kind is SubjectKind.AGENT_VERSION:
        column = inventory.agent_versions
        used = np.unique(column.codes[column.codes >= 0])
        parsed = (parse_version(column.values[c]) for c in used.tolist())
        present = list({v for v in parsed if isinstance(v, Version)})
    else:
        stamps = np.unique(inventory.registered_at[inventory.has_registered_at])
        present = [Timestamp(int(m)) for m in stamps.tolist()]
    return [v for v in present if not compare_one(leaf, v)]


def _in_list(leaf: Comparison, view: View) -> Family | None:
    """Adding values present in the inventory to an `in` list (repair picks the fewest)."""
    kind = leaf.subject.kind
    if leaf.op is not Op.IN or kind not in (SubjectKind.ATTRIBUTE, SubjectKind.EC2_INSTANCE_ID):
        return None
    assert isinstance(leaf.argument, tuple)
    if kind is SubjectKind.ATTRIBUTE:
        assert leaf.subject.name is not None
        raw = view.attribute(leaf.subject.name)
    else:
        raw = view.ec2_instance_ids
    have = set(leaf.argument)
    values = raw.tolist()
    addable = np.array([isinstance(v, str) and v not in have for v in values], dtype=bool)
    option_of_row = np.full(len(values), -1, dtype=np.int64)
    if not addable.any():
        return None
    options, codes = np.unique(np.array(values, dtype=object)[addable].astype(str),
                               return_inverse=True)  # fmt: skip
    option_of_row[addable] = codes
    names: list[str] = [str(v) for v in options.tolist()]

    def family(make: Callable[[Comparison], Step]) -> Relaxation:
        def build(chosen: Sequence[str]) -> Step:
            argument = tuple(leaf.argument) + tuple(chosen)  # type: ignore[arg-type]
            return make(Comparison(leaf.subject, Op.IN, argument))

        return Relaxation("add-values", options=names, option_of_row=option_of_row, build=build)

    return family
