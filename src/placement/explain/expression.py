"""Explanations: which clauses of an expression decided its value on each instance.

`explain(expr, inventory)` evaluates every node of `expr` over the whole inventory with the
vectorized evaluator, then walks the tree top-down with masks to find, per instance, the leaf
clauses whose value *decided* the result:

* the root is decisive for every instance;
* a child of an `And` with value `v` is decisive where the parent is and `v | ~child` holds (a
  false `And` was decided by its false children only; a true one by all of them);
* a child of an `Or` is decisive where the parent is and `~v | child` holds;
* the operand of a `Not` is decisive where the `Not` is.

A clause *rejected* an instance when it is decisive there and the whole expression is false.
Every instance that does not match is rejected by at least one clause, and no matching instance
is rejected by any. No per-instance Python runs: each node is one numpy operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..evaluate.vector import leaf_mask
from ..inventory import Inventory
from ..syntax.ast import And, Comparison, Expression, Not, Or
from ..syntax.parser import parse
from ..text import shorten, shown
from .keys import InstanceNotFoundError, RowOutOfRangeError, RowTypeError, examples, row_of

__all__ = [
    "explain",
    "Explanation",
    "ClauseExplanation",
    "InstanceNotFoundError",
    "RowOutOfRangeError",
    "RowTypeError",
]

Bools = npt.NDArray[np.bool_]

def _frozen(array: Bools) -> Bools:
    array.flags.writeable = False
    return array


@attrs.frozen(eq=False)
class ClauseExplanation:
    """One leaf clause of an explained expression, over every instance.

    `clause` is the comparison and `text` its source text (or canonical text when it was built
    in code). `value` is the clause's own value per instance and `rejected` where it decided
    that the whole expression is false; `rejected_count` counts those. `negated` is True when
    the clause sits under an odd number of `not`s: such a clause rejects where it *holds*.
    """

    clause: Comparison
    text: str
    value: Bools = attrs.field(repr=False)
    rejected: Bools = attrs.field(repr=False)
    rejected_count: int
    negated: bool = False

    def __repr__(self) -> str:
        under = " (under not)" if self.negated else ""
        text = shorten(self.text, 120)
        return f"<ClauseExplanation {text!r}{under} rejected {self.rejected_count}>"


@attrs.frozen(eq=False)
class Explanation:
    """Why each instance of an inventory matches an expression or not.

    `matched` holds the expression's value per instance (`expr.evaluate(inventory)`);
    `clauses` one `ClauseExplanation` per leaf, left to right (a clause written twice appears
    twice). `reasons(i)` lists the clauses that rejected instance `i` (a row or an ARN), and
    `str()` renders a report naming a few rejected instances per clause.
    """

    expression: Expression
    matched: Bools = attrs.field(repr=False)
    clauses: tuple[ClauseExplanation, ...]
    ids: npt.NDArray[np.object_] = attrs.field(repr=False)

    @property
    def matches_count(self) -> int:
        """How many instances match the expression."""
        return int(np.count_nonzero(self.matched))

    def __len__(self) -> int:
        return len(self.matched)

    def _find(self, arn: str) -> int | None:
        rows = np.flatnonzero(self.ids == arn)
        return int(rows[0]) if len(rows) else None

    def reasons(self, instance: int | np.integer[Any] | str) -> tuple[ClauseExplanation, ...]:
        """List the clauses that rejected `instance` (a row, negative from the end, or an ARN).

        Empty when the instance matches. Raises `RowOutOfRangeError` (an IndexError) for a row
        out of range, `InstanceNotFoundError` (a KeyError) for an unknown ARN and `RowTypeError`
        (a TypeError) for anything else; all are `PlacementInputError`s.
        """
        row = row_of(instance, len(self.matched), self._find)
        return tuple(c for c in self.clauses if c.rejected[row])

    def __str__(self) -> str:
        n = len(self.matched)
        noun = "instance" if n == 1 else "instances"
        lines = [f"{self.expression}: {self.matches_count} of {n} {noun} match"]
        for clause in self.clauses:
            clause_text = f"`{clause.text}`" + (" (holds, under not)" if clause.negated else "")
            if not clause.rejected_count:
                lines.append(f"  rejected none by {clause_text}")
                continue
            named = examples(self.ids, clause.rejected)
            lines.append(f"  rejected {clause.rejected_count} by {clause_text} (e.g. {named})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<Explanation {shorten(str(self.expression), 100)!r}: {self.matches_count} of "
                f"{len(self)} match, {len(self.clauses)} clauses>")  # fmt: skip

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: each clause and the instances it rejected."""
        from ..render import explanation_html

        return explanation_html(self)


@attrs.frozen
class _Node:
    expr: Expression
    value: Bools
    children: tuple[_Node, ...]


def _evaluate_tree(expr: Expression, inventory: Inventory, cache: dict[Comparison, Bools]) -> _Node:
    """Every node's mask, bottom-up (equal leaves computed once)."""
    if isinstance(expr, Comparison):
        mask = cache.get(expr)
        if mask is None:
            mask = cache[expr] = _frozen(np.asarray(leaf_mask(expr, inventory), dtype=bool))
        return _Node(expr, mask, ())
    children = tuple(_evaluate_tree(c, inventory, cache) for c in expr.children())
    if isinstance(expr, Not):
        value = np.logical_not(children[0].value)
    else:
        assert isinstance(expr, (And, Or))
        combine = np.logical_and if isinstance(expr, And) else np.logical_or
        value = combine(children[0].value, children[1].value)
        for child in children[2:]:
            combine(value, child.value, out=value)
    return _Node(expr, _frozen(value), children)


def _decisive_leaves(
    node: _Node, decisive: Bools, negated: bool
) -> Iterator[tuple[_Node, Bools, bool]]:
    """(leaf, where it is decisive, under an odd number of nots), left to right."""
    if not node.children:
        yield node, decisive, negated
        return
    if isinstance(node.expr, Not):
        yield from _decisive_leaves(node.children[0], decisive, not negated)
        return
    is_and = isinstance(node.expr, And)
    for child in node.children:
        if is_and:  # a false And: its false children decided; a true one: all of them
            child_decisive = decisive & (node.value | ~child.value)
        else:  # a true Or: its true children decided; a false one: all of them
            child_decisive = decisive & (~node.value | child.value)
        yield from _decisive_leaves(child, child_decisive, negated)


def explain(expr: Expression | str, inventory: Inventory) -> Explanation:
    """Which clauses of `expr` rejected which instances of `inventory` (vectorized).

    `expr` is an expression or its text (parsed with `parse`, so within ECS's 2000-character
    limit; parse longer filters with `max_length=None` and pass the tree). Anything else, or an
    `inventory` that is not an `Inventory`, raises `PlacementInputError`.

    >>> print(explain(parse("attribute:stack == prod and runningTasksCount < 3"), inv))
    ... # doctest: +SKIP
    attribute:stack == prod and runningTasksCount < 3: 1 of 3 instances match
      rejected 2 by `attribute:stack == prod` (e.g. arn:...:container-instance/b, ...)
      rejected none by `runningTasksCount < 3`
    """
    if isinstance(expr, str):
        expr = parse(expr)
    elif not isinstance(expr, Expression):
        raise PlacementInputError(
            f"explain() takes an Expression or its text as `expr`, got {shown(expr)}"
        )
    if not isinstance(inventory, Inventory):
        raise PlacementInputError(
            f"explain() takes an Inventory as `inventory`, got {shown(inventory)}"
        )
    root = _evaluate_tree(expr, inventory, {})
    failed = ~root.value
    everywhere = np.ones(len(inventory), dtype=bool)
    clauses = []
    for leaf, decisive, negated in _decisive_leaves(root, everywhere, False):
        assert isinstance(leaf.expr, Comparison)
        rejected = _frozen(decisive & failed)
        clauses.append(
            ClauseExplanation(
                clause=leaf.expr,
                text=leaf.expr.source or str(leaf.expr),
                value=leaf.value,
                rejected=rejected,
                rejected_count=int(np.count_nonzero(rejected)),
                negated=negated,
            )
        )
    return Explanation(
        expression=expr, matched=root.value, clauses=tuple(clauses), ids=inventory.ids
    )
