"""Hostile review of `placement.translate`: `exact` is never claimed where the rules differ.

The vocabulary is wider than test_translate.py's: every ECS operator, values no label may hold
(regex metacharacters, commas, spaces, unicode, decimals, signs, int64 edges), and inventories
with name-only attributes and empty values. Every translation either is refused with a
`PlacementError`, or, where it claims `exact`, selects the same instances once read back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import examples
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from placement import (
    And,
    Comparison,
    Expression,
    Instance,
    Inventory,
    Not,
    Op,
    Or,
    PlacementError,
    PlacementSyntaxError,
    Subject,
    SubjectKind,
    TranslationError,
    parse,
    translate,
)
from placement.k8s import node_affinity, selector
from placement.syntax.ast import NOMAD_OPS, NOMAD_ORDERINGS

KEYS = ["k", "j", "ecs.os-type"]
VALUES = [
    "", "4", "04", "+5", "-1", "1.5", "1e3", "9223372036854775807", "9223372036854775808",
    "prod", "Prod", "a,b", "a.*", "^x$", "(x)", "x y", "ü", "a|b",
]  # fmt: skip
ORDERED = ["0", "3", "4", "04", "1.5", "-1", "abc", "9223372036854775807"]


@st.composite
def leaves(draw: Any) -> Comparison:
    key = draw(st.sampled_from(KEYS))
    op = draw(st.sampled_from(list(Op)))
    subject = Subject(SubjectKind.ATTRIBUTE, key)
    if op.arity == "none":
        argument: Any = None
    elif op.arity == "list":
        argument = tuple(draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3)))
    elif op in (Op.GT, Op.GE, Op.LT, Op.LE):
        argument = draw(st.sampled_from(ORDERED))
    elif op in (Op.MATCHES, Op.NOT_MATCHES):
        argument = draw(st.sampled_from(["a.*", "[-+]?[0-9]+", "x|y", "4"]))
    else:
        argument = draw(st.sampled_from(VALUES))
    try:
        return Comparison(subject, op, argument)
    except PlacementError:
        assume(False)
        raise AssertionError("unreachable") from None


def trees() -> Any:
    def extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
        operands = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(operands.map(And), operands.map(Or), children.map(Not))

    return st.recursive(leaves(), extend, max_leaves=5)


@st.composite
def inventories(draw: Any) -> Inventory:
    held = st.one_of(st.none(), st.sampled_from(VALUES + ORDERED))
    nodes = [
        Instance(arn=f"i-{n}", attributes=draw(st.dictionaries(st.sampled_from(KEYS), held)))
        for n in range(draw(st.integers(0, 6)))
    ]
    return Inventory.from_instances(nodes)


def same(a: Expression, b: Expression, inv: Inventory) -> bool:
    return bool(np.array_equal(a.evaluate(inv), b.evaluate(inv)))


@settings(max_examples=examples(2.0))
@given(trees(), inventories())
def test_exact_k8s_claims_hold_on_hostile_values(expr: Expression, inv: Inventory) -> None:
    refusal = ""
    try:
        t = translate(expr, to="k8s")
    except TranslationError as refused:
        refusal = str(refused)
    if refusal:
        # Most hostile trees hold something a selector cannot say: the refusal quotes it.
        assert "cannot be translated to Kubernetes" in refusal or "`" in refusal, refusal
        return
    back = selector(t.rule) if isinstance(t.rule, str) else node_affinity(t.rule)
    if t.exact:
        assert same(expr, back, inv), (str(expr), t.rule)
    else:
        assert t.notes


@settings(max_examples=examples(1.0))
@given(trees(), inventories())
def test_ecs_text_round_trip_is_exact(expr: Expression, inv: Inventory) -> None:
    beyond = {leaf.op for leaf in expr.leaves()} & NOMAD_OPS
    if beyond - {Op.REGEXP} - NOMAD_ORDERINGS.keys():
        # version, semver and the sets: ECS cannot say them, refused by name
        with pytest.raises(TranslationError, match="placement extension"):
            translate(str(expr), to="ecs")
        return
    t = translate(str(expr), to="ecs")
    # Nomad's regexp reaches ECS padded, exactly; its orderings as ECS's, noted as inexact.
    assert t.exact == (not beyond & NOMAD_ORDERINGS.keys())
    if t.exact:
        assert same(parse(t.rule, max_length=None), expr, inv)


HUGE = "1" * 5000


def _gt(operator: str, value: str) -> dict[str, Any]:
    expression = {"key": "a", "operator": operator, "values": [value]}
    return {"nodeSelectorTerms": [{"matchExpressions": [expression]}]}


@pytest.mark.parametrize("rule", [_gt("Gt", HUGE), _gt("Lt", "-" + HUGE)])
def test_huge_gt_bounds_are_refused_cleanly(rule: dict[str, Any]) -> None:
    # Before the fix: int() of 5000 digits raised a bare ValueError from the interpreter.
    with pytest.raises(PlacementError, match="needs an integer value"):
        translate(rule, to="ecs")
    with pytest.raises(PlacementError, match="needs an integer value"):
        node_affinity(rule)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_ecs_text_is_a_syntax_error_not_a_hint_to_match_everything(text: str) -> None:
    # Before the fix: "'' is not ECS text but reads as a Kubernetes label selector: say
    # source='k8s'", steering an empty rule (an unset shell variable) to the match-all selector.
    with pytest.raises(PlacementSyntaxError, match="unexpected end of expression"):
        translate(text, to="k8s")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.sampled_from(["", "a", "In", "NotIn", "Gt", "Exists", "metadata.name", "1" * 50, "k=v",
                       "attribute:a == b", "a in (x)", "${attr.x}", "=", "regexp"])
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(["nodeSelectorTerms", "matchExpressions", "matchFields", "matchLabels",
                         "key", "operator", "values", "attribute", "value", "x"]),
        inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=examples(2.0))
@given(JSON, st.sampled_from(["ecs", "k8s", "nomad"]), st.sampled_from([None, "ecs", "k8s"]))
def test_any_json_shape_translates_or_raises_a_placement_error(
    rule: Any, to: str, source: str | None
) -> None:
    try:
        t = translate(rule, to=to, source=source)
    except PlacementError:
        return
    assert t.to == to and isinstance(t.exact, bool)
