"""Regressions for issue 14's leftovers from the edges work.

1. `explain_placement` checks its arguments and keys instances as `explain` does (numpy
   integers included); 2. `attribute:` ordering compares numbers exactly above 2**53, in both
   evaluators; 3. a huge pattern is refused without RE2 printing to stderr.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from placement import (
    Instance,
    Inventory,
    MemberOf,
    PlacementInputError,
    PlacementSyntaxError,
    TaskSpec,
    explain,
    explain_placement,
    parse,
)
from placement.explain import InstanceNotFoundError, RowOutOfRangeError, RowTypeError
from placement.syntax.literals import MAX_PATTERN_LENGTH, as_number, compare_numbers
from placement.testing import expressions, inventories

# ---------------------------------------------------------------------------------------------
# 1. explain_placement: argument checks and instance keys.

INV = Inventory.from_instances(
    [
        Instance(arn="arn:a", cpu=100, memory=100, attributes={"stack": "prod"}),
        Instance(arn="arn:b", cpu=1, memory=100, attributes={"stack": "prod"}),
        Instance(arn="arn:c", cpu=100, memory=100, attributes={"stack": "dev"}),
    ]
)
TASK = TaskSpec(cpu=10)
PROD = [MemberOf("attribute:stack == prod")]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("x", TASK), "inventory"),
        ((None, TASK), "inventory"),
        ((INV, "x"), "task"),
        ((INV, {"cpu": 10}), "task"),
        ((INV, TASK, 5), "constraints"),
        ((INV, TASK, ["memberOf(attribute:stack ==)"]), "constraint"),
    ],
)
def test_explain_placement_bad_arguments_name_the_argument(
    args: tuple[object, ...], named: str
) -> None:
    with pytest.raises(PlacementInputError, match=named):
        explain_placement(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [1, -2, np.int64(1), np.int32(-2), np.uint8(1), "arn:b"])
def test_explain_placement_keys_rows_as_explain_does(key: object) -> None:
    explanation = explain_placement(INV, TASK, PROD)
    assert explanation.reasons(key) == ("RESOURCE:CPU",)  # type: ignore[arg-type]
    # The expression explanation takes the same keys for the same instance.
    assert explain("attribute:stack == dev", INV).reasons(key)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "error", "builtin"),
    [
        ("arn:nope", InstanceNotFoundError, KeyError),
        (3, RowOutOfRangeError, IndexError),
        (np.int64(-4), RowOutOfRangeError, IndexError),
        (1.0, RowTypeError, TypeError),
        (True, RowTypeError, TypeError),
        (np.bool_(True), RowTypeError, TypeError),
        (None, RowTypeError, TypeError),
    ],
)
def test_bad_keys_raise_the_same_errors_in_both_explanations(
    key: object, error: type[Exception], builtin: type[Exception]
) -> None:
    for explanation in (explain_placement(INV, TASK, PROD), explain("attribute:stack == dev", INV)):
        with pytest.raises(error) as caught:
            explanation.reasons(key)  # type: ignore[arg-type]
        assert isinstance(caught.value, builtin)
        assert isinstance(caught.value, PlacementInputError)


def test_both_explanations_name_examples_the_same_way() -> None:
    many = Inventory.from_instances(
        [Instance(arn=f"arn:{i}", cpu=1, memory=100, attributes={"s": "x"}) for i in range(5)]
    )
    line = "(e.g. arn:0, arn:1, arn:2, +2 more)"
    assert line in str(explain_placement(many, TASK))
    assert line in str(explain("attribute:s == y", many))


def test_explain_names_are_importable_from_their_old_paths() -> None:
    from placement.explain import ClauseExplanation, Explanation
    from placement.place.explain import PlacementExplanation
    from placement.place.explain import explain_placement as old

    assert old is explain_placement is placement.explain_placement
    assert PlacementExplanation is placement.PlacementExplanation
    assert (Explanation, ClauseExplanation) == (placement.Explanation, placement.ClauseExplanation)
    assert placement.Task.__name__ == "Task" and "Task" in placement.__all__


# ---------------------------------------------------------------------------------------------
# 2. Attribute ordering is exact above 2**53, in both evaluators.

BIG = [
    "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740993.0",
    "9007199254740992.5", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "18446744073709551616", "1e308", "1e400", "1e500", "-1e400",
    "0.1", "0.10000000000000001", "1e-400", "0", "-0", "1e99999999999999999999",
    "-2e-99999999999999999999", "1" + "0" * 5000, "1e" + "9" * 4500,
    "1e-" + "9" * 4500,
]  # fmt: skip


def _exact(text: str) -> Fraction | None:
    """The literal's value as a fraction (None past what Fraction builds in reasonable time)."""
    if len(text) > 4000:  # int() and so Fraction() refuse over 4,300 digits
        return None
    if "e" in text and len(text.split("e")[1].lstrip("+-")) > 4:
        return None
    return Fraction(text)


def _ordering_holds(value: str, op: str, argument: str) -> bool:
    instance = Instance(arn="arn:x", attributes={"n": value})
    expr = parse(f"attribute:n {op} {argument}", max_length=None)
    scalar = expr.matches(instance)
    (vector,) = expr.evaluate(Inventory.from_instances([instance])).tolist()
    assert scalar == vector
    return scalar


@pytest.mark.parametrize(
    ("value", "op", "argument", "holds"),
    [
        ("9007199254740993", ">", "9007199254740992", True),
        ("9007199254740992", "<", "9007199254740993", True),
        ("9007199254740993", "<=", "9007199254740992", False),
        ("9007199254740993", ">=", "9007199254740993.0", True),
        ("9007199254740993", ">", "9007199254740992.9", True),
        ("9223372036854775808", ">", "9223372036854775807", True),
        ("-9223372036854775809", "<", "-9223372036854775808", True),
        ("18446744073709551617", ">", "18446744073709551616", True),
        ("1e500", ">", "1e400", True),
        ("-1e500", "<", "-1e400", True),
        ("0.10000000000000001", ">", "0.1", True),
        ("1" + "0" * 5000, ">", "9" * 4999, True),
        ("1e" + "9" * 4500, ">", "1e" + "9" * 4499, True),
        ("1e99999999999999999999", ">", "1e999999999999999999", True),
        ("2e99999999999999999999", ">", "1.5e99999999999999999999", True),
        ("1e-99999999999999999999", "<", "1e-999999999999999999", True),
        ("1e-99999999999999999999", ">", "0", True),
        ("-1e" + "9" * 4500, "<", "1e-" + "9" * 4500, True),
    ],
)
def test_big_number_orderings(value: str, op: str, argument: str, holds: bool) -> None:
    assert _ordering_holds(value, op, argument) is holds


@pytest.mark.parametrize("left", BIG)
def test_number_order_is_mathematical(left: str) -> None:
    a = as_number(left)
    assert a is not None
    for right in BIG:
        b = as_number(right)
        assert b is not None
        exact_left, exact_right = _exact(left), _exact(right)
        if exact_left is not None and exact_right is not None:
            want = (exact_left > exact_right) - (exact_left < exact_right)
            assert compare_numbers(a, b) == want, (left[:30], right[:30])
        assert compare_numbers(a, b) == -compare_numbers(b, a)


_DIGITS = st.text("0123456789", min_size=1, max_size=30)


@st.composite
def _decimals(draw: st.DrawFn) -> str:
    sign = draw(st.sampled_from(["", "+", "-"]))
    whole = draw(_DIGITS)
    form = draw(st.sampled_from(["int", "point", "fraction", "leading-dot"]))
    body = {"int": whole, "point": whole + ".", "fraction": whole + "." + draw(_DIGITS),
            "leading-dot": "." + draw(_DIGITS)}[form]  # fmt: skip
    if draw(st.booleans()):
        body += draw(st.sampled_from("eE")) + draw(st.sampled_from(["", "+", "-"]))
        body += str(draw(st.integers(0, 400)))
    return sign + body


@settings(max_examples=examples(2))
@given(_decimals(), _decimals())
def test_number_order_matches_fractions(left: str, right: str) -> None:
    a, b = as_number(left), as_number(right)
    assert a is not None and b is not None
    x, y = Fraction(left), Fraction(right)
    assert compare_numbers(a, b) == (x > y) - (x < y)


_NUMERIC = (*BIG[:-3], "1", "2", "10", "1.5", "abc", "9x", "")


@settings(max_examples=examples())
@given(
    st.lists(expressions(attribute_values=_NUMERIC), min_size=1, max_size=4),
    inventories(attribute_values=_NUMERIC),
)
def test_scalar_equals_vector_on_big_numbers(exprs: list[object], inv: Inventory) -> None:
    for expr in exprs:
        assert expr.evaluate(inv).tolist() == [expr.matches(i) for i in inv]  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# 3. A huge pattern: a clean syntax error, and nothing on stderr.


def test_huge_pattern_refused_quietly() -> None:
    program = (
        "import placement\n"
        "for unit in ('(a)', '.', 'x*', '[a-z]'):\n"
        "    pattern = unit * (2_400_000 // len(unit))\n"
        "    try:\n"
        "        placement.parse('attribute:x =~ \"' + pattern + '\"', max_length=None)\n"
        "    except placement.PlacementSyntaxError as exc:\n"
        "        print('refused' if 'pattern too large' in str(exc) else exc)\n"
        "try:\n"
        "    placement.attribute('x').matches('.' * 2_400_000)\n"
        "except placement.PlacementError as exc:\n"
        "    print('refused' if 'pattern too large' in str(exc) else exc)\n"
        # Just under the limit, in the shape with the most parse-tree nodes per character.
        "try:\n"
        f"    placement.attribute('x').matches('.' * {MAX_PATTERN_LENGTH})\n"
        "except placement.PlacementError as exc:\n"
        "    print('refused' if 'pattern too large' in str(exc) else exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.split() == ["refused"] * 6
    assert done.stderr == ""


def test_pattern_at_the_limit_is_checked_like_any_other() -> None:
    # Not refused for its length: RE2 answers (here: a program too large for its memory).
    with pytest.raises(PlacementSyntaxError, match="pattern too large") as caught:
        parse(f'attribute:x =~ "{"." * MAX_PATTERN_LENGTH}"', max_length=None)
    assert "at most" not in str(caught.value).splitlines()[0]
    # A long pattern RE2 can compile still works.
    expr = parse(f'attribute:x =~ "{"[a-z]" * 1000}"', max_length=None)
    assert expr.matches(Instance(arn="arn:x", attributes={"x": "q" * 1000}))
