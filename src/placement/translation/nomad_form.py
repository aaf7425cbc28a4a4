"""An expression as a list of Nomad constraint blocks (`attribute`, `operator`, `value`).

Nomad ANDs its constraint blocks and has no OR, no NOT around a block and no negated regexp.
So the expression's `not`s are pushed onto its comparisons (`normal.nnf`), an OR of equalities,
`in`s and `=~`s on one attribute becomes one anchored `regexp` (exact), and any other OR is
refused, naming it.

Attribute names: placement.nomad reads `${attr.K}` as `attribute:attr.K`, `${meta.K}` as
`attribute:meta.K` and `${node.datacenter}` (`node.class`, `node.unique.name`,
`node.unique.id`, `node.pool`) as the attribute of that name, so those names map back to
their target unchanged (exact). Any other ECS attribute `K` becomes client metadata
`${meta.K}` (Nomad's place for user labels), with a note; it is a different attribute on the
same inventory, so such a translation is not exact.

Per comparison (`k` an attribute, `p` a pattern):

| ECS | Nomad | exact |
|---|---|---|
| `k exists` / `k !exists` | `is_set` / `is_not_set` | yes |
| `k == v` / `not(k == v)` | `=` / `!=` (Nomad's `!=` holds where `k` is absent) | yes |
| `k in [a, b]` | `regexp`: the escaped values, alternated and anchored | yes |
| `not(k in [a, b])` | `!=` a, `!=` b | yes |
| `k =~ p` | `regexp` `^(?:p)$` (Nomad's regexp is unanchored) | yes |
| `k != v`, `k !in [...]` | `is_set` and `!=` each | no: name-only `k` |
| `k > n` (and `>=`, `<`, `<=`) | the same operator | no: numbers parse differently |
| `not(k != v)`, `not(k =~ p)`, `k !~ p`, `not(k > n)` | refused: each needs an OR | |
"""

from __future__ import annotations

import string
from typing import Any

from ..syntax.ast import NOMAD_OPS, NOMAD_ORDERINGS, Comparison, Expression, Op, SubjectKind
from .normal import Junction, Literal, Node, TranslationError, conjuncts, nnf
from .notes import ECS_OPERATORS, Notes, group, refuse_subject

__all__ = ["to_nomad", "target", "NODE_TARGETS", "escape"]

NODE_TARGETS = frozenset(
    {"node.datacenter", "node.class", "node.unique.name", "node.unique.id", "node.pool"}
)
"""Nomad's node targets, read by placement.nomad as the attributes of the same names."""

_PUNCTUATION = frozenset(string.punctuation)

NAME_ONLY = (
    "ECS `{lit}` fails where {key} is set with no value (a name-only attribute); Nomad "
    "attributes always carry a value, so the translation (is_set and !=) also selects such an "
    "instance: the two agree wherever {key} has a value"
)
ORDERING = (
    "ECS `{lit}` compares decimal numbers exactly and anything else as text; Nomad's `{op}` "
    "parses both sides Go's way (an integer, else a float, which also takes 'inf', 'nan' and "
    "'1e3'), else compares text: they agree on int64 integers and on text that is no number"
)


_NOMAD_WORDS = {
    Op.VERSION: "version", Op.SEMVER: "semver", Op.REGEXP: "regexp",
    Op.SET_CONTAINS_ALL: "set_contains_all", Op.SET_CONTAINS_ANY: "set_contains_any",
    **NOMAD_ORDERINGS,
}  # fmt: skip
"""The Nomad operator each of placement's Nomad operators came from: they translate back as is."""


def escape(value: str) -> str:
    """`value` as an RE2 pattern matching exactly that text (every ASCII punctuation escaped)."""
    return "".join("\\" + c if c in _PUNCTUATION else c for c in value)


def target(name: str, notes: Notes) -> str:
    """The Nomad target for ECS `attribute:NAME` (a renamed one is noted, inexact)."""
    if (name.startswith(("attr.", "meta.")) and len(name) > 5) or name in NODE_TARGETS:
        return "${" + name + "}"
    notes.add(
        f"ECS attribute {name} has no Nomad target of that name: written as client metadata "
        f"${{meta.{name}}}, which placement.nomad reads as attribute:meta.{name} (name Nomad "
        "attributes attr.*, meta.* or node.* in ECS to keep a translation exact)",
        exact=False,
    )
    return "${meta." + name + "}"


def to_nomad(expr: Expression, notes: Notes) -> list[dict[str, Any]]:
    """`expr` as Nomad constraint blocks (ANDed); shifts are recorded in `notes`."""
    out: list[dict[str, Any]] = []
    for node in conjuncts(_merge(nnf(expr), notes)):
        if _always(node):
            # No block says "true"; Nomad's way is to write none (the empty selector, an
            # empty constraint list and `k exists or k !exists` land here).
            notes.add(f"`{node}` holds on every node: Nomad needs no constraint block for it")
            continue
        if isinstance(node, Junction):
            raise TranslationError(
                f"`{node}` cannot be translated to Nomad: Nomad ANDs its constraint blocks and "
                "has no `or` (only an `or` of ==, in and =~ on one attribute becomes one regexp)"
            )
        out.extend(_literal(node, notes))
    return [dict(block) for block in dict.fromkeys(tuple(b.items()) for b in out)]


def _always(node: Node) -> bool:
    """Whether `node` holds on every instance: an OR holding a comparison and its negation."""
    if isinstance(node, Literal):
        return False
    if node.kind == "and":
        return all(_always(item) for item in node.items)
    seen = {_truth(item) for item in node.items if isinstance(item, Literal)}
    return any((leaf, not p) in seen for leaf, p in seen) or any(map(_always, node.items))


def _truth(lit: Literal) -> tuple[Comparison, bool]:
    """`lit` as (comparison, positive), `k !exists` read as `not(k exists)`."""
    if lit.leaf.op is Op.NOT_EXISTS:
        return Comparison(lit.leaf.subject, Op.EXISTS), not lit.positive
    return lit.leaf, lit.positive


def _merge(node: Node, notes: Notes) -> Node:
    """`node` with each OR of positive ==, in, =~ on one attribute made one `=~` literal."""
    if isinstance(node, Literal):
        return node
    items = tuple(_merge(item, notes) for item in node.items)
    if node.kind == "or" and all(_alternation(item) for item in items):
        leaves = [item.leaf for item in items if isinstance(item, Literal)]
        if len({leaf.subject for leaf in leaves}) == 1:
            pattern = "|".join(_alternatives(leaf) for leaf in leaves)
            merged = Comparison(leaves[0].subject, Op.MATCHES, pattern)
            notes.add(f"`{node}` is one Nomad regexp (Nomad has no `or`): `{merged}`")
            return Literal(merged)
    return Junction(node.kind, items, node.origin, node.positive)


def _alternation(node: Node) -> bool:
    return (
        isinstance(node, Literal)
        and node.positive
        and node.leaf.subject.kind is SubjectKind.ATTRIBUTE
        and node.leaf.op in (Op.EQ, Op.IN, Op.MATCHES)
    )


def _alternatives(leaf: Comparison) -> str:
    if leaf.op is Op.MATCHES:
        return group(str(leaf.argument), str(leaf))
    raw = leaf.argument if isinstance(leaf.argument, tuple) else (leaf.argument,)
    return "|".join(escape(str(v)) for v in sorted({str(v) for v in raw}))


def _block(attribute: str, operator: str, value: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"attribute": attribute, "operator": operator}
    if value is not None:
        if value.startswith("${"):
            # Nomad reads a value that starts with `${` as another target, not as text.
            raise TranslationError(
                f"the value {value!r} cannot be written for Nomad: a constraint value that "
                "starts with '${' names a target (Nomad interpolates it)"
            )
        if value == "" and operator != "regexp":
            if operator == "=":
                # Nomad requires a value for `=`; an anchored empty regexp says the same
                # (present, and empty), exactly.
                return {"attribute": attribute, "operator": "regexp", "value": "^$"}
            raise TranslationError(
                f"`{attribute} {operator} ''` cannot be translated to Nomad: Nomad's "
                f"{operator!r} requires a value, and this one is empty"
            )
        out["value"] = value
    return out


def _literal(lit: Literal, notes: Notes) -> list[dict[str, Any]]:
    leaf, p = lit.leaf, lit.positive
    if leaf.subject.kind is not SubjectKind.ATTRIBUTE:
        raise refuse_subject(lit, "Nomad", "Nomad constraints read node attributes only")
    name = leaf.subject.name
    assert name is not None
    op = leaf.op
    if op in NOMAD_OPS:
        if not p:
            raise TranslationError(
                f"`{lit}` cannot be translated to Nomad: Nomad's {_NOMAD_WORDS[op]!r} cannot be "
                "negated (the negation also holds where the attribute is absent, an `or`)"
            )
        return [_block(target(name, notes), _NOMAD_WORDS[op], str(leaf.argument))]
    if op.value not in ECS_OPERATORS:
        raise TranslationError(
            f"`{lit}` cannot be translated to Nomad: placement's `{op.value}` operator has no "
            "translation yet"
        )
    raw = leaf.argument if isinstance(leaf.argument, tuple) else (leaf.argument,)
    values = sorted({str(v) for v in raw})
    if op in (Op.EXISTS, Op.NOT_EXISTS):
        return [_block(target(name, notes), "is_set" if p == (op is Op.EXISTS) else "is_not_set")]
    if op in (Op.EQ, Op.IN) and p:
        attr = target(name, notes)
        if len(values) == 1:
            return [_block(attr, "=", values[0])]
        pattern = "|".join(escape(v) for v in values)
        notes.add(f"`{lit}` is a Nomad regexp over the escaped values: `^(?:{pattern})$`")
        return [_block(attr, "regexp", f"^(?:{pattern})$")]
    if op in (Op.EQ, Op.IN):  # not(k in [...]): absent or none of them, as Nomad's != says
        attr = target(name, notes)
        return [_block(attr, "!=", v) for v in values]
    if op in (Op.NE, Op.NOT_IN) and p:
        attr = target(name, notes)
        notes.add(NAME_ONLY.format(lit=lit, key=name), exact=False)
        return [_block(attr, "is_set")] + [_block(attr, "!=", v) for v in values]
    if op is Op.MATCHES and p:
        return [_block(target(name, notes), "regexp", f"^{group(str(leaf.argument), str(lit))}$")]
    if op in (Op.GT, Op.GE, Op.LT, Op.LE) and p:
        notes.add(ORDERING.format(lit=lit, op=op.value), exact=False)
        return [_block(target(name, notes), op.value, values[0])]
    if op in (Op.MATCHES, Op.NOT_MATCHES):
        raise TranslationError(
            f"`{lit}` cannot be translated to Nomad: Nomad's regexp cannot be negated"
        )
    raise TranslationError(
        f"`{lit}` cannot be translated to Nomad: it also holds where {name} is absent, which "
        "needs an `or` of constraint blocks, and Nomad has none"
    )
