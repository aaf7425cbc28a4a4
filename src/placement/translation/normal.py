"""Negation normal form and disjunctive normal form of an expression, for the emitters.

Kubernetes says OR only between `nodeSelectorTerms` and AND only inside one; Nomad ANDs its
constraint blocks and has no OR at all. Both emitters first push every `not` down to the
comparisons (`Literal`: a comparison and whether it is negated), then take the OR of ANDs.
De Morgan keeps meaning exactly, so these steps never change what an expression selects.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Union

import attrs

from ..errors import PlacementInputError
from ..syntax.ast import And, Comparison, Expression, Not, Or

__all__ = ["Literal", "Junction", "Node", "TranslationError", "nnf", "dnf", "conjuncts"]


class TranslationError(PlacementInputError):
    """A rule the target cannot say; the message names the part at fault."""


@attrs.frozen
class Literal:
    """One comparison, as it is (`positive`) or negated (`not(...)`)."""

    leaf: Comparison
    positive: bool = True

    def negated(self) -> Literal:
        """The opposite literal."""
        return Literal(self.leaf, not self.positive)

    def __str__(self) -> str:
        return str(self.leaf) if self.positive else f"not({self.leaf})"


@attrs.frozen
class Junction:
    """An AND (`kind == "and"`) or OR of two or more nodes, with the expression it came from.

    `origin` and `positive` name the part of the input it stands for, in refusals.
    """

    kind: str
    items: tuple[Node, ...]
    origin: Expression = attrs.field(eq=False)
    positive: bool = attrs.field(default=True, eq=False)

    def __str__(self) -> str:
        return str(self.origin) if self.positive else f"not({self.origin})"


Node = Union[Literal, Junction]  # noqa: UP007 (a runtime alias: attrs reads it)


def nnf(expr: Expression, positive: bool = True) -> Node:
    """`expr` (negated when not `positive`) with every `not` pushed onto a comparison."""
    while isinstance(expr, Not):
        expr, positive = expr.operand, not positive
    if isinstance(expr, Comparison):
        return Literal(expr, positive)
    assert isinstance(expr, (And, Or))
    kind = "and" if isinstance(expr, And) == positive else "or"
    items: list[Node] = []
    for child in expr.operands:
        node = nnf(child, positive)
        if isinstance(node, Junction) and node.kind == kind:
            items.extend(node.items)  # (a and b) and c: one AND of three
        else:
            items.append(node)
    return Junction(kind, tuple(items), expr, positive)


def conjuncts(node: Node) -> Iterator[Node]:
    """The parts of a top-level AND (the node itself when it is not one)."""
    if isinstance(node, Junction) and node.kind == "and":
        yield from node.items
    else:
        yield node


Term = tuple[Literal, ...]


def dnf(node: Node, limit: int) -> list[Term]:
    """The OR of ANDs of literals equal to `node`, at most `limit` terms.

    Repeated literals are dropped from a term, and a term holding a literal and its negation
    (false on every instance) is dropped from the OR; both keep meaning exactly. A rule whose
    form would exceed `limit` terms is refused rather than built.
    """
    if isinstance(node, Literal):
        return [(node,)]
    parts = [dnf(item, limit) for item in node.items]
    if node.kind == "or":
        out = [term for part in parts for term in part]
    else:
        size = 1
        for part in parts:
            size *= len(part)
            if size > limit:
                break
        if size > limit:
            raise TranslationError(
                f"`{_cut(str(node))}` expands to more than {limit} alternatives (an OR of ANDs), "
                "over the limit: write it with fewer ORs under ANDs"
            )
        out = [tuple(lit for term in combo for lit in term) for combo in product(*parts)]
    terms = _tidy(out)
    if len(terms) > limit:
        raise TranslationError(
            f"`{_cut(str(node))}` expands to {len(terms)} alternatives (an OR of ANDs), over the "
            f"limit of {limit}"
        )
    return terms


def _tidy(terms: list[Term]) -> list[Term]:
    seen: set[frozenset[Literal]] = set()
    out: list[Term] = []
    for term in terms:
        unique = tuple(dict.fromkeys(term))
        members = frozenset(unique)
        if members in seen or any(lit.negated() in members for lit in unique):
            continue
        seen.add(members)
        out.append(unique)
    return out


def _cut(text: str, size: int = 200) -> str:
    return text if len(text) <= size else text[: size - 3] + "..."
