"""Translation of a placement rule between ECS, Kubernetes and Nomad (`placement.translate`).

A translation reads the rule into the one expression tree with its own dialect's meaning
(ECS text through `placement.parse`, Kubernetes selectors and node selectors through
`placement.k8s`, Nomad constraint blocks through `placement.nomad`), then writes that tree in
the target's form. Every shift of meaning on the way is a note; a bridge that keeps meaning
(`not(attribute:k in [...])` for `notin`, an anchored regexp for `in`) keeps `exact`, one that
does not clears it, and what the target cannot say at all is refused with a
`TranslationError` naming the part. See docs/translate.md.

    >>> import placement
    >>> t = placement.translate("attribute:env in [prod, qa] and attribute:gpu exists", to="k8s")
    >>> t.rule, t.exact
    ('env in (prod,qa),gpu', True)
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any

import attrs

from ..errors import PlacementError, PlacementSyntaxError
from ..k8s.labels import (
    EVERYTHING,
    INT_PATTERN,
    NODE_NAME,
    NOTHING,
    node_affinity,
    node_selector_map,
    selector,
)
from ..syntax.ast import NOMAD_ORDERINGS, And, Comparison, Expression, Not, Op, Or
from ..syntax.parser import parse
from ..text import shown
from .k8s_form import MAX_TERMS, to_k8s
from .nomad_form import to_nomad
from .normal import TranslationError
from .notes import ECS_OPERATORS, Notes, group

__all__ = ["translate", "read", "Translation", "TranslationError", "TARGETS", "MAX_TERMS"]

TARGETS = ("ecs", "k8s", "nomad")
"""The systems a rule is read from and written for."""

ECS_LIMIT = 2000
"""ECS refuses placement constraint expressions longer than this (filters take more)."""

Rule = str | dict[str, Any] | list[dict[str, Any]]


@attrs.frozen
class Translation:
    """A rule in another system's form.

    `rule`: ECS text (`to="ecs"`), a Kubernetes label selector string or `NodeSelector` object
    (`to="k8s"`), or a list of Nomad constraint blocks (`to="nomad"`). `exact`: the two select
    the same instances on every inventory. `notes`: each meaning shift and how it was bridged.
    `source` is the dialect the rule was read in and `expression` what it means there.
    """

    rule: Rule
    exact: bool
    notes: tuple[str, ...]
    to: str
    source: str
    expression: Expression = attrs.field(eq=False)

    def text(self) -> str:
        """The rule as text: ECS text or selector text as is, objects as JSON."""
        if isinstance(self.rule, str):
            return self.rule
        return json.dumps(self.rule, indent=2)


def translate(rule: Any, to: str, *, source: str | None = None) -> Translation:
    """`rule` in the form of system `to` ("ecs", "k8s" or "nomad").

    `rule` is an `Expression`, ECS text, a Kubernetes label selector (text with
    `source="k8s"`, or a `LabelSelector` object), a `NodeSelector` object, a pod's
    `nodeSelector` map (with `source="k8s"`), or a Nomad constraint block or list of blocks.
    `source` names the dialect when the rule's shape does not. Raises `TranslationError` (a
    `PlacementInputError`) naming the part the target cannot say.
    """
    if to not in TARGETS:
        raise TranslationError(f"translate() targets ecs, k8s or nomad, got {shown(to)}")
    expr, dialect = read(rule, source)
    notes = Notes()
    out: Rule
    if to == "ecs":
        out = _to_ecs(expr, dialect, notes)
    elif to == "k8s":
        out = to_k8s(expr, notes)
    else:
        out = to_nomad(expr, notes)
    return Translation(out, notes.exact, notes.items(), to, dialect, expr)


def read(rule: Any, source: str | None = None) -> tuple[Expression, str]:
    """The expression `rule` means in its dialect, and that dialect's name."""
    if source is not None and source not in TARGETS:
        raise TranslationError(f"source is ecs, k8s or nomad, got {shown(source)}")
    if isinstance(rule, Expression):
        return rule, source or "ecs"
    if isinstance(rule, str):
        if source == "k8s":
            return selector(rule), "k8s"
        if source == "nomad":
            raise TranslationError("a Nomad rule is a constraint block (an object), not text")
        return _ecs_text(rule), "ecs"
    if isinstance(rule, Mapping):
        if source == "nomad" or (source is None and _nomad_block(rule)):
            return _nomad([rule]), "nomad"
        if source == "ecs":
            raise TranslationError("an ECS rule is text or an Expression, not an object")
        if "nodeSelectorTerms" in rule:
            return node_affinity(rule), "k8s"
        if "matchLabels" in rule or "matchExpressions" in rule or not rule:
            return selector(rule), "k8s"
        if source == "k8s" or all(isinstance(v, str) for v in rule.values()):
            return node_selector_map(rule), "k8s"
    if isinstance(rule, Sequence) and source in (None, "nomad"):
        return _nomad(list(rule)), "nomad"
    raise TranslationError(
        f"cannot read {shown(rule)} as a rule: ECS text, an Expression, a Kubernetes selector, "
        "NodeSelector or nodeSelector map, or Nomad constraint blocks"
    )


def _ecs_text(text: str) -> Expression:
    try:
        return parse(text, max_length=None)
    except PlacementSyntaxError as exc:
        if not text.strip():  # empty text is no rule: never suggest the match-all selector
            raise
        try:
            selector(text)
        except PlacementError:
            raise exc from None
        raise TranslationError(
            f"{text!r} is not ECS text but reads as a Kubernetes label selector: say "
            "source='k8s' (--from k8s)"
        ) from None


_NOMAD_KEYS = frozenset({
    "attribute", "LTarget", "operator", "Operand", "value", "RTarget",
    # HCL's shorthand: `regexp = "..."` stands for `operator = "regexp"` and its value
    "version", "semver", "regexp", "set_contains", "distinct_hosts", "distinct_property",
})  # fmt: skip


def _nomad_block(rule: Mapping[Any, Any]) -> bool:
    return bool(rule) and set(map(str, rule)) <= _NOMAD_KEYS and any(
        key in rule
        for key in ("operator", "Operand", "attribute", "LTarget", "distinct_hosts",
                    "distinct_property")
    )  # fmt: skip


def _nomad(blocks: list[Any]) -> Expression:
    try:
        nomad = importlib.import_module("placement.nomad")
    except ModuleNotFoundError as exc:
        if exc.name not in ("placement.nomad", "placement"):
            raise
        raise TranslationError(
            "reading Nomad constraints needs placement.nomad, which this installation lacks"
        ) from None
    parts: list[Expression] = []
    for position, block in enumerate(blocks):
        expr = nomad.constraint(block)
        if expr is None:  # `distinct_hosts = false`: Nomad drops the block, so do we
            continue
        if not isinstance(expr, Expression):
            why = (
                "it compares two node attributes with each other, which no ECS expression or "
                "Kubernetes selector can say"
                if type(expr).__name__ == "NomadPair"
                else "distinct_hosts and distinct_property are rules of their own"
            )
            raise TranslationError(
                f"constraint {position} ({shown(block)}) is a placement rule "
                f"({type(expr).__name__}), not an expression: translate() covers constraints "
                f"that filter nodes by their own values ({why})"
            )
        parts.append(expr)
    if not parts:
        return EVERYTHING
    out: Expression = reduce(lambda a, b: a & b, parts)
    return out


def _nomad_leaves_for_ecs(expr: Expression, notes: Notes) -> Expression:
    """Nomad's `regexp` leaves as ECS's `=~` (exactly), its orderings as ECS's (noted).

    A search for `re` anywhere in the value is a whole-value match of `(?s:.*)(?:re)(?s:.*)`
    (RE2 both; `(?s)` lets the padding cross newlines, and `^`/`$` inside `re` still mean the
    ends of the text).
    """
    if isinstance(expr, Comparison):
        if expr.op in NOMAD_ORDERINGS:
            ecs = Op(NOMAD_ORDERINGS[expr.op])
            notes.add(
                f"`{expr}` orders as Nomad does (int64, else float64, else text); ECS's "
                f"`{ecs.value}` orders exact decimals, else text: they differ on values such as "
                "`1_000`, `0x10`, `inf`, `NaN` and beyond float64's precision",
                exact=False,
            )
            return Comparison(expr.subject, ecs, expr.argument)
        if expr.op is not Op.REGEXP:
            return expr
        pattern = f"(?s:.*){group(str(expr.argument), str(expr))}(?s:.*)"
        notes.add(
            f"`{expr}` searches anywhere in the value (Nomad's regexp); ECS's `=~` matches the "
            f"whole value, so the pattern is padded: `{pattern}`"
        )
        return Comparison(expr.subject, Op.MATCHES, pattern)
    if isinstance(expr, Not):
        return Not(_nomad_leaves_for_ecs(expr.operand, notes))
    if isinstance(expr, And):
        return And(tuple(_nomad_leaves_for_ecs(e, notes) for e in expr.operands))
    if isinstance(expr, Or):
        return Or(tuple(_nomad_leaves_for_ecs(e, notes) for e in expr.operands))
    return expr


def _to_ecs(expr: Expression, dialect: str, notes: Notes) -> str:
    expr = _nomad_leaves_for_ecs(expr, notes)
    for leaf in expr.leaves():
        if leaf.op.value not in ECS_OPERATORS:
            raise TranslationError(
                f"`{leaf}` cannot be translated to ECS: `{leaf.op.value}` is a placement "
                "extension that Amazon ECS's language does not have"
            )
    text = str(expr)
    if dialect == "k8s":
        _k8s_notes(expr, notes)
    if dialect == "nomad":
        names = sorted({str(leaf.subject) for leaf in expr.leaves()})
        if names:
            notes.add(
                "Nomad targets are read as attributes of the same name (${attr.K} is "
                "attribute:attr.K, ${meta.K} attribute:meta.K, ${node.class} "
                f"attribute:node.class); this rule reads {', '.join(names)}"
            )
    if len(text) > ECS_LIMIT:
        notes.add(
            f"the ECS text is {len(text)} characters: ECS takes at most {ECS_LIMIT} in a "
            "placement constraint (ListContainerInstances filters take more)"
        )
    return text


def _k8s_notes(expr: Expression, notes: Notes) -> None:
    """Name each Kubernetes meaning the ECS text had to spell out."""
    if expr == EVERYTHING:
        notes.add(
            "the empty selector matches every node; ECS has no `true`, so it is written "
            f"`{expr}` (a node's name is always either set or not)"
        )
        return
    if expr == NOTHING:
        notes.add(f"an empty nodeSelectorTerms list matches no node: written `{expr}`")
        return
    stack: list[Expression] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Not) and isinstance(node.operand, Comparison):
            leaf = node.operand
            if leaf.op in (Op.EQ, Op.IN) and leaf.subject.name != NODE_NAME:
                k8s = "!=" if leaf.op is Op.EQ else "notin"
                ecs = "!=" if leaf.op is Op.EQ else "!in"
                notes.add(
                    f"Kubernetes `{k8s}` also matches nodes without the label; ECS `{ecs}` "
                    f"does not, so the translation writes `{node}`, which holds where "
                    f"{leaf.subject.name} is absent"
                )
        if isinstance(node, Comparison):
            if node.op is Op.MATCHES and node.argument == INT_PATTERN:
                notes.add(
                    "Kubernetes Gt/Lt compare the label as an int64 and fail on anything else; "
                    f"ECS orders numbers and text alike, so `{node}` and an int64 bound "
                    "keep the integers only"
                )
            if node.subject.name == NODE_NAME:
                notes.add(
                    f"matchFields on metadata.name reads the node's name, which placement.k8s "
                    f"keeps in attribute:{NODE_NAME}"
                )
        stack.extend(reversed(node.children()))  # left to right, as the text reads
