"""explain(): which clauses rejected which instances."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Instance, PlacementInputError, PlacementSyntaxError, parse
from placement.explain import ClauseExplanation, Explanation, explain
from placement.inventory import Inventory
from placement.syntax.ast import Comparison, Expression, Not
from placement.testing import expressions, inventories

INV = Inventory.from_instances(
    [
        Instance("arn:a", attributes={"type": "t2.small", "zone": "a"}, running_tasks_count=0),
        Instance("arn:b", attributes={"type": "m5.large", "zone": "a"}, running_tasks_count=1,
                 task_groups={"web": 1}),
        Instance("arn:c", attributes={"type": "t2.micro", "zone": "b"}, running_tasks_count=5),
        Instance("arn:d", attributes={"type": "m5.large"}, running_tasks_count=9,
                 task_groups={"web": 2}),
        Instance("arn:e", attributes={"type": "t2.small", "zone": "c"}, running_tasks_count=2,
                 task_groups={"db": 1}),
    ]
)  # fmt: skip


def rejected(clause: ClauseExplanation) -> list[str]:
    return [str(a) for a in INV.ids[clause.rejected]]


def test_three_clause_and() -> None:
    e = explain(
        parse("attribute:type =~ t2.* and attribute:zone in [a, b] and runningTasksCount < 3"),
        INV,
    )
    assert e.matched.tolist() == [True, False, False, False, False]
    assert e.matches_count == 1
    assert [c.text for c in e.clauses] == [
        "attribute:type =~ t2.*", "attribute:zone in [a, b]", "runningTasksCount < 3",
    ]  # fmt: skip
    assert [rejected(c) for c in e.clauses] == [
        ["arn:b", "arn:d"], ["arn:d", "arn:e"], ["arn:c", "arn:d"],
    ]  # fmt: skip
    assert [c.rejected_count for c in e.clauses] == [2, 2, 2]
    assert [c.text for c in e.reasons("arn:d")] == [c.text for c in e.clauses]
    assert [c.text for c in e.reasons(2)] == ["runningTasksCount < 3"]
    assert [c.text for c in e.reasons(-1)] == ["attribute:zone in [a, b]"]
    assert e.reasons(0) == ()
    assert e.reasons("arn:a") == ()
    assert str(e) == (
        "attribute:type =~ t2.* and attribute:zone in [a, b] and runningTasksCount < 3: "
        "1 of 5 instances match\n"
        "  rejected 2 by `attribute:type =~ t2.*` (e.g. arn:b, arn:d)\n"
        "  rejected 2 by `attribute:zone in [a, b]` (e.g. arn:d, arn:e)\n"
        "  rejected 2 by `runningTasksCount < 3` (e.g. arn:c, arn:d)"
    )


def test_or() -> None:
    e = explain(parse("attribute:zone == a or runningTasksCount >= 5"), INV)
    assert e.matched.tolist() == [True, True, True, True, False]
    # A false Or: every operand decided.
    assert [rejected(c) for c in e.clauses] == [["arn:e"], ["arn:e"]]
    assert len(e.reasons("arn:e")) == 2
    assert e.reasons("arn:c") == ()


def test_not() -> None:
    e = explain(parse("not(task:group == web) and attribute:type == m5.large"), INV)
    assert e.matched.tolist() == [False, False, False, False, False]
    group, kind = e.clauses
    assert group.negated
    assert not kind.negated
    # The negated clause rejects where it holds.
    assert rejected(group) == ["arn:b", "arn:d"]
    assert group.value.tolist() == [False, True, False, True, False]
    assert rejected(kind) == ["arn:a", "arn:c", "arn:e"]  # arn:d is an m5.large
    assert "rejected 2 by `task:group == web` (holds, under not)" in str(e)
    # not(a or b): a true operand of the inner Or decided.
    e = explain(parse("not(attribute:zone == a or attribute:zone == c)"), INV)
    assert e.matched.tolist() == [False, False, True, True, False]
    assert [rejected(c) for c in e.clauses] == [["arn:a", "arn:b"], ["arn:e"]]


def test_repeated_clause_stays_separate() -> None:
    e = explain(parse("runningTasksCount < 3 and (runningTasksCount < 3 or attribute:zone == c)"),
                INV)  # fmt: skip
    assert [c.text for c in e.clauses] == [
        "runningTasksCount < 3", "runningTasksCount < 3", "attribute:zone == c",
    ]  # fmt: skip
    assert rejected(e.clauses[0]) == ["arn:c", "arn:d"]
    assert rejected(e.clauses[1]) == ["arn:c", "arn:d"]
    assert rejected(e.clauses[2]) == ["arn:c", "arn:d"]
    assert e.clauses[0].clause == e.clauses[1].clause


def test_report_caps_examples_and_lists_zero_rejections() -> None:
    e = explain(parse("attribute:type exists and attribute:zone == nowhere"), INV)
    text = str(e)
    assert text.splitlines() == [
        "attribute:type exists and attribute:zone == nowhere: 0 of 5 instances match",
        "  rejected none by `attribute:type exists`",
        "  rejected 5 by `attribute:zone == nowhere` (e.g. arn:a, arn:b, arn:c, +2 more)",
    ]


def test_built_in_code_uses_canonical_text_and_empty_inventory() -> None:
    leaf = parse("attribute:zone == a")
    assert isinstance(leaf, Comparison)
    built = Comparison(leaf.subject, leaf.op, leaf.argument)
    e = explain(Not(built), Inventory.from_instances([]))
    assert e.clauses[0].text == "attribute:zone == a"
    assert e.matches_count == 0
    assert len(e) == 0
    assert str(e) == "not(attribute:zone == a): 0 of 0 instances match\n" \
        "  rejected none by `attribute:zone == a` (holds, under not)"


def test_errors_and_immutability() -> None:
    e = explain(parse("attribute:zone == a"), INV)
    with pytest.raises(IndexError):
        e.reasons(5)
    with pytest.raises(KeyError):
        e.reasons("arn:zzz")
    with pytest.raises(ValueError, match="read-only"):
        e.matched[0] = False
    with pytest.raises(ValueError, match="read-only"):
        e.clauses[0].rejected[0] = True
    with pytest.raises(PlacementInputError, match="`expr`"):
        explain(5, INV)  # type: ignore[arg-type]
    with pytest.raises(PlacementInputError, match="`inventory`"):
        explain(parse("attribute:zone == a"), [])  # type: ignore[arg-type]
    assert isinstance(e, Explanation)


def test_reasons_errors_are_placement_errors_and_builtin_kinds() -> None:
    e = explain(parse("attribute:zone == a"), INV)
    for bad, kind in ((5, IndexError), (-99, IndexError), ("arn:zzz", KeyError), (1.5, TypeError)):
        with pytest.raises(PlacementInputError) as info:
            e.reasons(bad)  # type: ignore[arg-type]
        assert isinstance(info.value, kind)


def test_explain_accepts_text() -> None:
    text = "attribute:zone == a and not(attribute:cap exists)"
    by_text, by_tree = explain(text, INV), explain(parse(text), INV)
    assert by_text.expression == by_tree.expression
    assert by_text.matched.tolist() == by_tree.matched.tolist()
    assert [c.text for c in by_text.clauses] == ["attribute:zone == a", "attribute:cap exists"]
    with pytest.raises(PlacementSyntaxError):
        explain("attribute:zone ==", INV)


def _parity_of_nots(expr: Expression) -> list[bool]:
    """Per leaf, left to right: under an odd number of nots."""
    out: list[bool] = []

    def walk(node: Expression, negated: bool) -> None:
        if isinstance(node, Comparison):
            out.append(negated)
        for child in node.children():
            walk(child, not negated if isinstance(node, Not) else negated)

    walk(expr, False)
    return out


@settings(max_examples=examples(2))
@given(st.lists(expressions(nomad=True), min_size=1, max_size=4), inventories())
def test_explanation_properties(exprs: list[Expression], inv: Inventory) -> None:
    rows = list(inv)
    for expr in exprs:
        e = explain(expr, inv)
        matched = [expr.matches(i) for i in rows]
        assert e.matched.tolist() == matched
        assert e.matches_count == sum(matched)
        assert [c.clause for c in e.clauses] == list(expr.leaves())
        assert [c.negated for c in e.clauses] == _parity_of_nots(expr)
        any_rejected = np.zeros(len(inv), dtype=bool)
        for clause in e.clauses:
            assert clause.rejected_count == int(clause.rejected.sum())
            assert not (clause.rejected & e.matched).any()
            any_rejected |= clause.rejected
            assert clause.value.tolist() == [clause.clause.matches(i) for i in rows]
            for i in np.flatnonzero(clause.rejected):
                # A decisive clause under an even number of nots rejects by being false;
                # under an odd number, by being true.
                assert clause.clause.matches(rows[i]) is clause.negated
        # Rejected by at least one clause iff it does not match.
        assert any_rejected.tolist() == [not m for m in matched]
        for i, inst in enumerate(rows):
            reasons = e.reasons(inst.arn)
            assert (reasons == ()) is matched[i]
            assert reasons == e.reasons(i)
