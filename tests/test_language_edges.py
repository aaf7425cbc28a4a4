"""Trust at the edges of the language: whatever a caller hands the parser, the builders, the node
constructors, `matches`, `evaluate` or `explain`, only a `PlacementError` comes out, and every
tree that can be built prints to text that parses back to it.

One regression test per defect of issues 7 and 8, then the properties (round trips of built
trees, pickling, reprs) and the junk property test.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from conftest import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

import placement
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
    PlacementInputError,
    PlacementSyntaxError,
    Subject,
    SubjectKind,
    Timestamp,
    Version,
)
from placement.errors import ExpressionError
from placement.syntax import MAX_DEPTH, parse_uncached
from placement.syntax.ast import REPR_LENGTH
from placement.syntax.literals import MAX_VERSION_DIGITS, parse_version
from placement.syntax.parser import CACHE_LONG_TEXT
from placement.testing import comparisons, expressions

LEAF = "attribute:a exists"
INSTANCE = Instance(
    arn="arn:1",
    agent_version="1.14.5",
    registered_at=dt.datetime(2018, 6, 18, 22, 28, 28, 500_000, tzinfo=dt.timezone.utc),
    attributes={"a": "x", "stack": "prod"},
    running_tasks_count=2,
    task_groups={"service:web": 2},
)
INVENTORY = Inventory.from_instances([INSTANCE, Instance(arn="arn:2")])


def depth_of(expr: Expression) -> int:
    """Tree depth counted independently of the cached `depth` (a comparison alone is 1)."""
    deepest = 0
    stack = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.children())
    return deepest


def round_trips(expr: Expression) -> None:
    text = str(expr)
    again = placement.parse(text, max_length=None)
    assert again == expr
    assert hash(again) == hash(expr)
    assert str(again) == text


# ---------------------------------------------------------------------------------------------
# 1. The printer never writes text the parser refuses.


def test_sub_second_timestamps_are_refused_with_a_hint() -> None:
    now = dt.datetime(2024, 5, 1, 12, 0, 0, 431_590, tzinfo=dt.timezone.utc)
    with pytest.raises(ExpressionError, match=r"replace\(microsecond=0\)"):
        placement.registered_at < now  # noqa: B015
    with pytest.raises(ExpressionError, match="whole seconds"):
        Comparison(Subject(SubjectKind.REGISTERED_AT), Op.EQ, Timestamp(1))
    with pytest.raises(ExpressionError):
        placement.registered_at.in_([now.replace(microsecond=0), now])
    built = placement.registered_at < now.replace(microsecond=0)
    assert str(built) == "registeredAt < 2024-05-01T12:00:00Z"
    round_trips(built)


def test_instances_keep_sub_second_timestamps() -> None:
    # Only expression arguments are whole seconds; an instance's registeredAt keeps its fraction.
    assert INSTANCE.registered_at is not None
    assert INSTANCE.registered_at.micros % 1_000_000 == 500_000
    assert placement.parse("registeredAt > 2018-06-18T22:28:28Z").matches(INSTANCE)
    assert not placement.parse("registeredAt == 2018-06-18T22:28:28Z").matches(INSTANCE)


def _not_chain(levels: int) -> Expression:
    expr: Expression = placement.attribute("a").exists()
    for _ in range(levels - 1):
        expr = ~expr
    return expr


def test_depth_limit_is_the_parsers_exactly() -> None:
    deepest = _not_chain(MAX_DEPTH)
    assert deepest.depth == depth_of(deepest) == MAX_DEPTH
    assert placement.parse("not " * (MAX_DEPTH - 1) + LEAF) == deepest
    round_trips(deepest)
    with pytest.raises(ExpressionError, match=f"nesting deeper than {MAX_DEPTH} levels"):
        ~deepest  # noqa: B018
    with pytest.raises(ExpressionError, match=f"deeper than {MAX_DEPTH}"):
        Not(deepest)
    with pytest.raises(PlacementSyntaxError, match=f"nesting deeper than {MAX_DEPTH}"):
        placement.parse(f"not({deepest})", max_length=None)
    other = placement.attribute("b").exists()
    with pytest.raises(ExpressionError, match=f"deeper than {MAX_DEPTH}"):
        deepest & other
    with pytest.raises(ExpressionError, match=f"deeper than {MAX_DEPTH}"):
        other | deepest
    with pytest.raises(ExpressionError, match=f"deeper than {MAX_DEPTH}"):
        And((other, deepest))
    with pytest.raises(ExpressionError, match=f"deeper than {MAX_DEPTH}"):
        Or((deepest, other))
    # Flattening keeps `&` of an And at the same depth: it is still accepted.
    flat = And((_not_chain(MAX_DEPTH - 1), other))
    assert (flat & other).depth == MAX_DEPTH


def test_alternating_chain_refused_where_the_parser_refuses() -> None:
    a, b = placement.attribute("a").exists(), placement.attribute("b").exists()
    expr: Expression = a
    built = 1
    while True:
        try:
            expr = (expr & b) if built % 2 else (expr | b)
        except ExpressionError:
            break
        built += 1
    assert built == MAX_DEPTH and depth_of(expr) == MAX_DEPTH
    round_trips(expr)
    deeper = f"({expr}) and attribute:b exists" if isinstance(expr, Or) else f"({expr}) or b == c"
    with pytest.raises(PlacementSyntaxError, match="nesting deeper"):
        placement.parse(deeper.replace("b == c", "attribute:b exists"), max_length=None)


def test_nesting_error_points_at_the_deepest_comparison() -> None:
    text = "not " * MAX_DEPTH + LEAF
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse(text)
    assert info.value.position == text.index(LEAF)


# Builder programs: a leaf, then `&`, `|` or `~` steps with fresh leaves, on either side.
_STEPS = st.lists(st.sampled_from(["~", "&", "&<", "|", "|<"]), max_size=260)


def _apply(expr: Expression, step: str, leaf: Expression) -> Expression:
    if step == "~":
        return ~expr
    if step == "&":
        return expr & leaf
    if step == "&<":
        return leaf & expr
    if step == "|":
        return expr | leaf
    return leaf | expr


@settings(max_examples=examples(0.5))
@given(comparisons(nomad=True), comparisons(nomad=True), _STEPS)
@example(placement.attribute("a").exists(), placement.attribute("b").exists(), ["~"] * 200)
@example(placement.attribute("a").exists(), placement.attribute("b").exists(), ["&", "|"] * 90)
def test_built_chains_round_trip_or_raise(
    first: Comparison, leaf: Comparison, steps: list[str]
) -> None:
    expr: Expression = first
    for step in steps:
        try:
            bigger = _apply(expr, step, leaf)
        except ExpressionError:
            # Refused only at the limit: every step adds at most one level.
            assert depth_of(expr) == MAX_DEPTH
            continue
        assert bigger.depth == depth_of(bigger) <= MAX_DEPTH
        expr = bigger
    round_trips(expr)


@given(expressions(max_leaves=12, nomad=True))
def test_every_built_tree_round_trips(expr: Expression) -> None:
    assert expr.depth == depth_of(expr)
    round_trips(expr)


_ANY_VALUE = st.one_of(
    st.text(max_size=20),
    st.booleans(),
    st.integers(min_value=-5, max_value=2**64),
    st.sampled_from([0, 7, 2**63 - 1, 2**63, 10**30]),
    st.datetimes(timezones=st.just(dt.timezone.utc)),
    st.datetimes(),
    st.builds(Version, st.lists(st.integers(0, 10**18 - 1), min_size=1, max_size=4)),
    st.sampled_from(["1.14.5", "1." + "9" * 18, "1." + "9" * 19, "2018-06-18", "x y", "and"]),
)
_FIELDS = st.one_of(
    st.sampled_from(
        [
            placement.agent_connected,
            placement.agent_version,
            placement.ec2_instance_id,
            placement.registered_at,
            placement.running_tasks_count,
            placement.task_group,
        ]
    ),
    st.sampled_from(["a", "stack", "ecs.os-type"]).map(placement.attribute),
)
_BUILD: dict[str, Callable[[Any, Any], Expression]] = {
    "==": lambda f, v: f == v,
    "!=": lambda f, v: f != v,
    "<": lambda f, v: f < v,
    "<=": lambda f, v: f <= v,
    ">": lambda f, v: f > v,
    ">=": lambda f, v: f >= v,
    "in": lambda f, v: f.in_([v, v]),
    "!in": lambda f, v: f.not_in([v]),
    "=~": lambda f, v: f.matches(v),
    "!~": lambda f, v: f.not_matches(v),
}


@given(_FIELDS, st.sampled_from(sorted(_BUILD)), _ANY_VALUE)
def test_any_accepted_builder_value_round_trips(field: Any, op: str, value: Any) -> None:
    try:
        built = _BUILD[op](field, value)
    except PlacementError:
        return
    round_trips(built)


# ---------------------------------------------------------------------------------------------
# 2. Arguments checked.


@pytest.mark.parametrize("junk", [None, "arn:1", {"arn": "x"}, INVENTORY, 5])
def test_matches_checks_its_argument(junk: object) -> None:
    with pytest.raises(PlacementInputError, match="`instance`"):
        placement.parse(LEAF).matches(junk)  # type: ignore[arg-type]


@pytest.mark.parametrize("junk", [None, [INSTANCE], INSTANCE, "inv", 5])
def test_evaluate_checks_its_argument(junk: object) -> None:
    with pytest.raises(PlacementInputError, match="`inventory`"):
        placement.parse(LEAF).evaluate(junk)  # type: ignore[arg-type]


def test_explain_takes_text_and_checks_its_arguments() -> None:
    text = "attribute:a == x and runningTasksCount < 3"
    explained = placement.explain(text, INVENTORY)
    assert explained.expression == placement.parse(text)
    assert explained.matched.tolist() == [True, False]
    with pytest.raises(PlacementInputError, match="`inventory`"):
        placement.explain(text, [INSTANCE])  # type: ignore[arg-type]
    with pytest.raises(PlacementInputError, match="`expr`"):
        placement.explain(None, INVENTORY)  # type: ignore[arg-type]
    with pytest.raises(PlacementSyntaxError):
        placement.explain("attribute:a ==", INVENTORY)


JUNK_VALUES = [
    None, [], ["prod"], ("prod",), {"a": 1}, True, False, 1.5, math.nan, math.inf, -math.inf,
    10**5000, -(10**5000), 2**63, -1, b"prod", object(), dt.date(2018, 1, 1),
    "9" * 5000, "x" * 100_000,
]  # fmt: skip


@pytest.mark.parametrize("op", sorted(_BUILD))
@pytest.mark.parametrize(
    "field",
    [
        placement.agent_connected, placement.agent_version, placement.ec2_instance_id,
        placement.registered_at, placement.running_tasks_count, placement.task_group,
        placement.attribute("a"),
    ],
    ids=str,
)  # fmt: skip
def test_builders_refuse_junk_with_placement_errors(field: Any, op: str) -> None:
    for value in JUNK_VALUES:
        message = ""
        try:
            built = _BUILD[op](field, value)
        except PlacementError as exc:
            message = str(exc)
        else:
            round_trips(built)
        assert len(message) < 1000  # a 100,000-character value is not quoted whole


def test_specific_builder_refusals() -> None:
    with pytest.raises(ExpressionError, match="bits"):
        placement.running_tasks_count < 10**5000  # noqa: B015
    with pytest.raises(ExpressionError):
        placement.running_tasks_count == True  # noqa: B015, E712
    with pytest.raises(ExpressionError):
        placement.running_tasks_count == 2**63  # noqa: B015
    largest = placement.running_tasks_count <= 2**63 - 1
    assert str(largest) == "runningTasksCount <= 9223372036854775807"
    with pytest.raises(ExpressionError):
        placement.attribute("a") == math.nan  # noqa: B015
    with pytest.raises(ExpressionError):
        placement.attribute("a").in_("prod")  # a str is not a list of values
    with pytest.raises(ExpressionError):
        placement.attribute("a").in_(None)  # type: ignore[arg-type]
    with pytest.raises(ExpressionError):
        placement.attribute(None)  # type: ignore[arg-type]
    with pytest.raises(ExpressionError):
        placement.attribute("x" * 10_000)
    with pytest.raises(ExpressionError):
        placement.agent_connected == 1  # noqa: B015


def test_combining_with_non_expressions() -> None:
    a = placement.parse(LEAF)
    combinations: list[Callable[[Any], object]] = [
        lambda junk: a & junk, lambda junk: junk & a, lambda junk: a | junk, lambda junk: junk | a,
    ]  # fmt: skip
    for junk in (True, "attribute:b exists", None, 5):
        for combine in combinations:
            with pytest.raises(ExpressionError) as info:
                combine(junk)
            assert isinstance(info.value, TypeError)  # as Python's own operators would be


# ---------------------------------------------------------------------------------------------
# 3. Versions.


def test_version_component_digit_limit() -> None:
    assert MAX_VERSION_DIGITS == 18
    ok = "1." + "9" * 18
    assert parse_version(ok) == Version((1, 10**18 - 1))
    assert placement.parse(f"agentVersion >= {ok}").argument == Version((1, 10**18 - 1))  # type: ignore[attr-defined]
    for bad in ("1." + "9" * 19, "1." + "0" * 19, "9" * 5000, "1." + "9" * 5000):
        assert parse_version(bad) is None
        text = f"agentVersion >= {bad}"
        with pytest.raises(PlacementSyntaxError, match="more than 18 digits") as info:
            placement.parse(text, max_length=None)
        assert info.value.position == len("agentVersion >= ")
        with pytest.raises(ExpressionError, match="more than 18 digits"):
            placement.agent_version >= bad  # noqa: B015
    with pytest.raises(ExpressionError):
        Version((10**18,))
    with pytest.raises(ExpressionError):
        Version((10**5000,))
    for junk in (None, 5, b"1.2", ["1"], "1.x"):
        assert parse_version(junk) is None


def test_instances_with_huge_versions_are_refused_at_load_time() -> None:
    # Before: int() raised ValueError on a 5000-digit component while evaluating. SEMANTICS.md
    # §2: a number the columns cannot hold is an input error at load time, never later.
    with pytest.raises(placement.InventoryError, match="agent_version"):
        Instance(arn="arn:h", agent_version="1." + "9" * 5000)
    # Text that is not a version loads and fails every comparison, quietly, in both evaluators.
    odd = Instance(arn="arn:h", agent_version="1.x")
    expr = placement.parse("agentVersion >= 1.0")
    assert not expr.matches(odd)
    assert expr.evaluate(Inventory.from_instances([odd, INSTANCE])).tolist() == [False, True]


_VERSIONS = st.builds(Version, st.lists(st.integers(0, 10**18 - 1), min_size=1, max_size=6))


@given(_VERSIONS, _VERSIONS)
def test_version_comparison_never_raises_and_is_consistent(a: Version, b: Version) -> None:
    c = a.compare(b)
    assert c in (-1, 0, 1)
    assert b.compare(a) == -c
    assert parse_version(str(a)) == a


# ---------------------------------------------------------------------------------------------
# 4. The parse cache is bounded by text size.


def test_long_texts_are_not_cached() -> None:
    clause = "attribute:stack == prod and "
    long_text = clause * (CACHE_LONG_TEXT // len(clause) + 1) + LEAF
    assert len(long_text) > CACHE_LONG_TEXT
    first = placement.parse(long_text, max_length=None)
    assert placement.parse(long_text, max_length=None) is not first
    assert placement.parse(long_text, max_length=None) == first
    medium = clause * 200 + LEAF  # over ECS's 2000 but cached
    assert placement.parse(medium, max_length=None) is placement.parse(medium, max_length=None)
    assert placement.parse(LEAF) is placement.parse(LEAF)


def test_parsed_comparisons_know_their_source() -> None:
    text = "  attribute:a==b and\n (task:group exists)"
    leaves = list(parse_uncached(text).leaves())
    assert [leaf.source for leaf in leaves] == ["attribute:a==b", "task:group exists"]
    assert [leaf.span for leaf in leaves] == [(2, 16), (23, 40)]


def test_evolving_a_parsed_comparison_gives_a_built_one() -> None:
    import attrs

    leaf = parse_uncached("attribute:a == b and attribute:c exists").children()[0]
    assert isinstance(leaf, Comparison)
    changed = attrs.evolve(leaf, argument="z")
    assert changed == (placement.attribute("a") == "z")
    assert changed.source is None and changed.span is None
    assert attrs.evolve(leaf) == leaf


def test_max_length_checked() -> None:
    for junk in ("10", 1.5, True):
        with pytest.raises(PlacementError, match="max_length"):
            placement.parse(LEAF, max_length=junk)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# 5. RE2 says nothing on stderr.


def test_invalid_pattern_prints_nothing_to_stderr() -> None:
    program = (
        "import placement\n"
        "try:\n"
        "    placement.parse(\"attribute:a =~ '('\")\n"
        "except placement.PlacementSyntaxError:\n"
        "    print('refused')\n"
        "try:\n"
        "    placement.attribute('a').matches('(?P<x')\n"
        "except placement.PlacementError:\n"
        "    print('refused')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["refused", "refused"]
    assert done.stderr == ""


# ---------------------------------------------------------------------------------------------
# 6. Pickle and deepcopy.


@given(expressions(max_leaves=10, nomad=True))
def test_expressions_pickle_and_deepcopy(expr: Expression) -> None:
    for again in (pickle.loads(pickle.dumps(expr)), copy.deepcopy(expr), copy.copy(expr)):
        assert again == expr
        assert hash(again) == hash(expr)
        assert again.depth == expr.depth
        assert INSTANCE.arn and again.matches(INSTANCE) == expr.matches(INSTANCE)


def test_parsed_nodes_pickle_with_source_and_pattern() -> None:
    text = "attribute:a =~ 'x|y' or agentVersion > 1.2 or registeredAt < 2020-01-01"
    tree = parse_uncached(text)
    again = pickle.loads(pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == tree
    assert [leaf.source for leaf in again.leaves()] == [leaf.source for leaf in tree.leaves()]
    assert [leaf.span for leaf in again.leaves()] == [leaf.span for leaf in tree.leaves()]
    assert next(again.leaves()).pattern is not None
    assert again.matches(INSTANCE)


@given(
    _VERSIONS,
    st.integers(-62_135_596_800_000_000, 253_402_300_799_999_999).map(Timestamp),
    st.sampled_from(list(SubjectKind)),
)
def test_literals_pickle_and_deepcopy(
    version: Version, stamp: Timestamp, kind: SubjectKind
) -> None:
    subject = Subject(kind, "a" if kind is SubjectKind.ATTRIBUTE else None)
    for value in (version, stamp, subject):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.deepcopy(value) == value


# ---------------------------------------------------------------------------------------------
# 7. Short reprs.


def test_reprs() -> None:
    assert repr(placement.parse("attribute:a == b")) == "<Comparison 'attribute:a == b'>"
    either = placement.parse("attribute:a == b or not(attribute:c exists)")
    assert repr(either) == "<Or 'attribute:a == b or not(attribute:c exists)'>"
    assert repr(placement.parse("not attribute:a exists")) == "<Not 'not(attribute:a exists)'>"
    assert repr(Version((1, 14, 0))) == "<Version 1.14.0>"
    assert repr(Timestamp(0)) == "<Timestamp 1970-01-01T00:00:00Z>"
    assert repr(Timestamp(1_529_360_908_000_001)) == "<Timestamp 2018-06-18T22:28:28.000001Z>"
    assert repr(Subject(SubjectKind.ATTRIBUTE, "a")) == "<Subject attribute:a>"


def test_repr_of_a_huge_tree_is_short() -> None:
    text = " or ".join(f"attribute:a == '\\x{k}\u2028'" for k in range(50_000))
    tree = placement.parse(text, max_length=None)
    shown = repr(tree)
    assert len(shown) < REPR_LENGTH
    assert shown.startswith('<Or "attribute:a == ') and shown.endswith('...>')


@given(
    expressions(max_leaves=20, nomad=True, attribute_values=["\x00\u2028" * 30, "x" * 300, "a b"])
)
def test_reprs_are_short(expr: Expression) -> None:
    shown = repr(expr)
    assert len(shown) < REPR_LENGTH
    assert shown.startswith(f"<{type(expr).__name__} ")
    text = str(expr)
    if len(repr(text)) < REPR_LENGTH - 20:
        assert shown == f"<{type(expr).__name__} {text!r}>"


# ---------------------------------------------------------------------------------------------
# 8. Junk: only PlacementError escapes.

_FRAGMENTS = [
    "not ", "!", "(", ")", " and ", " or ", "&&", "||", "attribute:a", "agentVersion",
    "runningTasksCount", "registeredAt", "task:group", " == ", " =~ ", " in ", "[", "]", ",",
    "'", '"', "\\", "exists", "9" * 30, "1.2", "2018-06-18T22:28:28Z", "\u2028", "\x00",
]  # fmt: skip
_TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=60).map("".join),
    st.builds(
        lambda parts, times: "".join(parts) * times,
        st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=4),
        st.integers(1, 30_000),
    ),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(0, 200_000)),
)
_JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([-(10**400), 2**63, 2**64]),
        # Built by `map`: hypothesis cannot repr an int of over 4300 digits in sampled_from.
        st.integers(0, 3).map(lambda k: 10 ** (4400 + k * 300)),
        st.floats(allow_nan=True, allow_infinity=True),
        _TEXTS,
        st.binary(max_size=20),
        st.datetimes(),
        st.dates(),
        st.sampled_from([Version((1,)), Timestamp(0), INSTANCE, INVENTORY, object(), Op.EQ]),
        st.sampled_from(list(SubjectKind)),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(
        st.text(max_size=3), inner, max_size=2
    ),
    max_leaves=6,
)
_TARGETS = st.sampled_from(
    [
        "parse", "parse_long", "parse_max", "field", "attribute", "combine", "matches",
        "evaluate", "explain_expr", "explain_inventory", "comparison", "and", "not", "subject",
        "version", "timestamp", "from_datetime",
    ]
)  # fmt: skip
_ASK = ["==", "!=", "<", "<=", ">", ">=", "in", "!in", "=~", "!~"]


def _drive(target: str, junk: Any, field: Any, op: str) -> None:
    expr = placement.parse("attribute:a == x or runningTasksCount < 3")
    if target == "parse":
        result = placement.parse(junk)
    elif target == "parse_long":
        result = placement.parse(junk, max_length=None)
    elif target == "parse_max":
        result = placement.parse("attribute:a exists", max_length=junk)
    elif target == "field":
        result = _BUILD[op](field, junk)
    elif target == "attribute":
        result = placement.attribute(junk).exists()
    elif target == "combine":
        result = expr & junk if op < "=" else junk | expr
    elif target == "matches":
        result = expr.matches(junk)
    elif target == "evaluate":
        result = expr.evaluate(junk)
    elif target == "explain_expr":
        result = placement.explain(junk, INVENTORY)
    elif target == "explain_inventory":
        result = placement.explain(expr, junk)
    elif target == "comparison":
        result = Comparison(junk, junk, junk)
    elif target == "and":
        result = And(junk)
    elif target == "not":
        result = Not(junk)
    elif target == "subject":
        result = Subject(junk, junk)
    elif target == "version":
        result = Version(junk)
    elif target == "timestamp":
        result = Timestamp(junk)
    else:
        result = Timestamp.from_datetime(junk)
    # Whatever was accepted is usable: expressions evaluate, explain and print back.
    if isinstance(result, Expression):
        assert len(repr(result)) < REPR_LENGTH
        round_trips(result)
        assert result.evaluate(INVENTORY).tolist() == [result.matches(i) for i in INVENTORY]
        placement.explain(result, INVENTORY)


@settings(max_examples=examples(2))
@given(_TARGETS, _JUNK, _FIELDS, st.sampled_from(_ASK))
@example("parse", "attribute:a == b and " * 1000 + LEAF, placement.task_group, "==")
@example("parse_long", "not " * 5000 + LEAF, placement.task_group, "==")
@example("parse_long", "agentVersion == 1." + "9" * 5000, placement.task_group, "==")
@example("parse_long", "runningTasksCount == " + "9" * 5000, placement.task_group, "==")
@example("field", 10**5000, placement.running_tasks_count, "<")
@example("field", dt.datetime(2020, 1, 1, 0, 0, 0, 1), placement.registered_at, "<")
@example("field", math.nan, placement.attribute("a"), "==")
def test_only_placement_errors_escape(target: str, junk: Any, field: Any, op: str) -> None:
    message = ""
    try:
        _drive(target, junk, field, op)
    except PlacementError as exc:
        message = str(exc)
    # Messages stay readable whatever the junk (a 10 MB value is not quoted whole).
    assert len(message) < 2000
