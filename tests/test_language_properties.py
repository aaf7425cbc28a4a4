"""Properties of the language (hypothesis, over `placement.testing` strategies) and builders."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from placement import And, Comparison, Expression, Instance, Not, Op, Or, Subject, SubjectKind
from placement.syntax import Timestamp, parse_uncached
from placement.testing import (
    ATTRIBUTE_NAMES,
    ATTRIBUTE_VALUES,
    TASK_GROUPS,
    comparisons,
    expressions,
    instances,
)

# Drawing instances is the slow part; the properties that need one run half the profile's
# examples (PLACEMENT_FUZZ_EXAMPLES scales them all).
HALF = settings(max_examples=max(10, settings.default.max_examples // 2))


@given(expressions(nomad=True))
def test_round_trip(expr: Expression) -> None:
    text = str(expr)
    assert parse_uncached(text) == expr
    assert placement.parse(text) == expr


@given(expressions(nomad=True))
def test_printing_is_idempotent(expr: Expression) -> None:
    text = str(expr)
    assert str(placement.parse(text)) == text


@given(expressions(nomad=True))
def test_equal_trees_hash_equal(expr: Expression) -> None:
    again = parse_uncached(str(expr))
    assert hash(again) == hash(expr)
    assert len({expr, again}) == 1


@HALF
@given(expressions(max_leaves=4, nomad=True), expressions(max_leaves=4, nomad=True), instances())
def test_de_morgan(a: Expression, b: Expression, instance: Instance) -> None:
    assert (~(a & b)).matches(instance) == (~a | ~b).matches(instance)
    assert (~(a | b)).matches(instance) == (~a & ~b).matches(instance)
    # and the same through text
    left = placement.parse(f"not(({a}) and ({b}))")
    right = placement.parse(f"not({a}) or not({b})")
    assert left.matches(instance) == right.matches(instance)


@HALF
@given(expressions(nomad=True), instances())
def test_double_negation(expr: Expression, instance: Instance) -> None:
    assert Not(Not(expr)).matches(instance) == expr.matches(instance)
    assert Not(expr).matches(instance) != expr.matches(instance)
    assert placement.parse(f"!!({expr})").matches(instance) == expr.matches(instance)


@HALF
@given(expressions(max_leaves=4, nomad=True), expressions(max_leaves=4, nomad=True), instances())
def test_and_or_mean_all_and_any(a: Expression, b: Expression, instance: Instance) -> None:
    assert (a & b).matches(instance) == (a.matches(instance) and b.matches(instance))
    assert (a | b).matches(instance) == (a.matches(instance) or b.matches(instance))


@st.composite
def set_subject_values(draw: st.DrawFn) -> tuple[Subject, st.SearchStrategy[object]]:
    """A subject that takes ==, != and in, with a strategy for its values."""
    kind = draw(
        st.sampled_from(
            [
                SubjectKind.ATTRIBUTE,
                SubjectKind.EC2_INSTANCE_ID,
                SubjectKind.TASK_GROUP,
                SubjectKind.AGENT_CONNECTED,
            ]
        )
    )
    if kind is SubjectKind.ATTRIBUTE:
        subject = Subject(kind, draw(st.sampled_from(ATTRIBUTE_NAMES)))
        return subject, st.sampled_from(ATTRIBUTE_VALUES)
    values: dict[SubjectKind, st.SearchStrategy[object]] = {
        SubjectKind.EC2_INSTANCE_ID: st.sampled_from(["i-0", "i-1", "i-2", "i-3"]),
        SubjectKind.TASK_GROUP: st.sampled_from(TASK_GROUPS),
        SubjectKind.AGENT_CONNECTED: st.booleans(),
    }
    return Subject(kind), values[kind]


@HALF
@given(set_subject_values(), st.data(), instances())
def test_in_singleton_is_equality(
    subject_values: tuple[Subject, st.SearchStrategy[object]],
    data: st.DataObject,
    instance: Instance,
) -> None:
    subject, values = subject_values
    value = data.draw(values)
    for eq, listed_op in ((Op.EQ, Op.IN), (Op.NE, Op.NOT_IN)):
        leaf = Comparison(subject, eq, value)  # type: ignore[arg-type]
        listed = Comparison(subject, listed_op, (value,))  # type: ignore[arg-type]
        assert listed.matches(instance) == leaf.matches(instance)
        assert placement.parse(str(listed)).matches(instance) == leaf.matches(instance)


@HALF
@given(set_subject_values(), st.data(), instances())
def test_in_is_a_disjunction_of_equalities(
    subject_values: tuple[Subject, st.SearchStrategy[object]],
    data: st.DataObject,
    instance: Instance,
) -> None:
    subject, values = subject_values
    items = tuple(data.draw(st.lists(values, min_size=1, max_size=4)))
    listed = Comparison(subject, Op.IN, items)  # type: ignore[arg-type]
    alternatives = [Comparison(subject, Op.EQ, v) for v in items]  # type: ignore[arg-type]
    assert listed.matches(instance) == any(e.matches(instance) for e in alternatives)


@HALF
@given(st.sampled_from(["attribute:stack", "attribute:cap", "task:group"]), instances())
def test_not_exists_is_not_exists(subject: str, instance: Instance) -> None:
    negated = placement.parse(f"{subject} !exists")
    assert negated.matches(instance) == placement.parse(f"not({subject} exists)").matches(instance)
    assert negated.matches(instance) == placement.parse(f"{subject} not_exists").matches(instance)


@HALF
@given(comparisons(nomad=True), instances())
def test_absent_attribute_fails_every_comparison(leaf: Comparison, instance: Instance) -> None:
    if leaf.subject.kind is not SubjectKind.ATTRIBUTE or leaf.op in (Op.EXISTS, Op.NOT_EXISTS):
        return
    assert leaf.subject.name is not None
    if instance.attributes.get(leaf.subject.name) is None:  # absent or name-only
        assert not leaf.matches(instance)


@given(st.from_type(Expression))
def test_from_type_expression(expr: Expression) -> None:
    assert isinstance(expr, Expression)
    assert placement.parse(str(expr)) == expr


@HALF
@given(st.from_type(Comparison), st.from_type(Instance))
def test_from_type_comparison_and_instance(leaf: Comparison, instance: Instance) -> None:
    assert isinstance(leaf, Comparison)
    assert isinstance(instance, Instance)
    assert isinstance(leaf.matches(instance), bool)


@given(
    st.integers(
        Timestamp.from_datetime(dt.datetime(1000, 1, 1)).micros // 1_000_000,
        Timestamp.from_datetime(dt.datetime(9999, 12, 31, 23, 59, 59)).micros // 1_000_000,
    ),
    st.sampled_from(["==", "<", ">="]),
)
def test_timestamps_print_back(seconds: int, op: str) -> None:
    expr = Comparison(Subject(SubjectKind.REGISTERED_AT), Op(op), Timestamp(seconds * 1_000_000))
    assert placement.parse(str(expr)) == expr


# Years below 1000 print zero-padded (strftime's %Y does not pad them on glibc).
@pytest.mark.parametrize(
    "text", ["registeredAt < 0001-01-01", "registeredAt == 0999-06-18T22:28:28Z"]
)
def test_early_years_round_trip(text: str) -> None:
    expr = placement.parse(text)
    assert str(expr) == text
    assert placement.parse(str(expr)) == expr


# ---------------------------------------------------------------------------------------------
# Builders make the same trees as parsing.

BUILT = [
    (lambda: placement.attribute("stack") == "prod", "attribute:stack == prod"),
    (lambda: placement.attribute("stack") != "prod", "attribute:stack != prod"),
    (lambda: placement.attribute("n") > "9", "attribute:n > 9"),
    (lambda: placement.attribute("n") <= "9", "attribute:n <= 9"),
    (lambda: placement.attribute("cap").exists(), "attribute:cap exists"),
    (lambda: placement.attribute("cap").not_exists(), "attribute:cap !exists"),
    (lambda: placement.attribute("a b".replace(" ", "")) == "a b", "attribute:ab == 'a b'"),
    (
        lambda: placement.attribute("ecs.instance-type").matches("t2.*"),
        "attribute:ecs.instance-type =~ t2.*",
    ),
    (
        lambda: placement.attribute("ecs.instance-type").not_matches("t2.*"),
        "attribute:ecs.instance-type !~ t2.*",
    ),
    (
        lambda: placement.attribute("ecs.availability-zone").in_(["us-east-1a", "us-east-1b"]),
        "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
    ),
    (lambda: placement.task_group.not_in(["a", "b"]), "task:group !in [a, b]"),
    (lambda: placement.task_group == "service:production", "task:group == service:production"),
    (lambda: ~(placement.task_group == "database"), "not(task:group == database)"),
    (lambda: placement.task_group.exists(), "task:group exists"),
    (lambda: placement.agent_version < "1.14.5", "agentVersion < 1.14.5"),
    (lambda: placement.agent_version >= "1.14", "agentVersion >= 1.14"),
    (lambda: placement.agent_connected == True, "agentConnected == true"),  # noqa: E712
    (lambda: placement.agent_connected.in_([False]), "agentConnected in [false]"),
    (lambda: placement.running_tasks_count == 1, "runningTasksCount == 1"),
    (lambda: placement.running_tasks_count > 3, "runningTasksCount > 3"),
    (lambda: placement.registered_at < "2018-02-13", "registeredAt < 2018-02-13"),
    (
        lambda: placement.registered_at < dt.datetime(2018, 2, 13, tzinfo=dt.timezone.utc),
        "registeredAt < 2018-02-13",
    ),
    (
        lambda: (
            placement.registered_at
            == dt.datetime(2018, 6, 19, 0, 28, 28, tzinfo=dt.timezone(dt.timedelta(hours=2)))
        ),
        "registeredAt == 2018-06-18T22:28:28Z",
    ),
    (
        lambda: placement.ec2_instance_id.in_(["i-abcd1234", "i-wxyx7890"]),
        "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']",
    ),
    (
        lambda: (
            (placement.attribute("ecs.instance-type").matches("g2.*"))
            & (placement.attribute("ecs.availability-zone") != "us-east-1d")
        ),
        "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
    ),
    (
        lambda: (
            (placement.attribute("a") == "1")
            | (placement.attribute("b") == "2")
            | (placement.attribute("c") == "3")
        ),
        "attribute:a == 1 or attribute:b == 2 or attribute:c == 3",
    ),
    (
        lambda: (
            ((placement.attribute("a") == "1") & (placement.attribute("b") == "2"))
            & (placement.attribute("c") == "3")
        ),
        "attribute:a == 1 and attribute:b == 2 and attribute:c == 3",
    ),
    (
        lambda: (
            ((placement.attribute("a") == "1") | (placement.attribute("b") == "2"))
            & (placement.attribute("c") == "3")
        ),
        "(attribute:a == 1 or attribute:b == 2) and attribute:c == 3",
    ),
    (
        lambda: (
            (placement.attribute("a") == "1")
            | (placement.attribute("b") == "2") & (placement.attribute("c") == "3")
        ),
        "attribute:a == 1 or attribute:b == 2 and attribute:c == 3",
    ),
    (lambda: ~~placement.attribute("a").exists(), "not not attribute:a exists"),
]


@pytest.mark.parametrize(("build", "text"), BUILT, ids=[t for _, t in BUILT])
def test_builders_match_parsing(build: object, text: str) -> None:
    built = build()  # type: ignore[operator]
    parsed = placement.parse(text)
    assert built == parsed
    assert hash(built) == hash(parsed)
    assert placement.parse(str(built)) == built


def test_builder_errors() -> None:
    with pytest.raises(placement.PlacementError):
        placement.agent_version < "1.x"  # noqa: B015
    with pytest.raises(placement.PlacementError):
        placement.registered_at < "yesterday"  # noqa: B015
    with pytest.raises(placement.PlacementError):
        placement.running_tasks_count == -1  # noqa: B015
    with pytest.raises(placement.PlacementError):
        placement.agent_version.matches("1.*")
    with pytest.raises(placement.PlacementError):
        placement.attribute("bad name")
    with pytest.raises(placement.PlacementError):
        placement.attribute("x").matches("(a)\\1")
    with pytest.raises(placement.PlacementError):
        placement.attribute("x").in_([])
    with pytest.raises(TypeError):
        hash(placement.attribute("x"))


def test_operators_reject_non_expressions() -> None:
    a = placement.parse("attribute:a exists")
    with pytest.raises(TypeError):
        a & True  # type: ignore[operator]
    with pytest.raises(TypeError):
        a | "attribute:b exists"  # type: ignore[operator]


# ---------------------------------------------------------------------------------------------
# Nodes: immutable, hashable, equal regardless of source spans.


def test_nodes_equal_regardless_of_spans() -> None:
    texts = [
        "attribute:a==b",
        "attribute:a == b",
        "  attribute:a   equals   'b'  ",
        '(attribute:a == "b")',
    ]
    trees = [parse_uncached(t) for t in texts]
    assert len({id(t) for t in trees}) == len(trees)
    assert all(t == trees[0] for t in trees)
    assert len(set(trees)) == 1
    assert {t.span for t in trees if isinstance(t, Comparison)} != {trees[0].span}  # type: ignore[union-attr]
    bare = Comparison(Subject(SubjectKind.ATTRIBUTE, "a"), Op.EQ, "b")
    assert bare.span is None and bare.source is None
    assert bare == trees[0]
    assert hash(bare) == hash(trees[0])
    as_keys = {trees[0]: "x"}
    assert as_keys[bare] == "x"


def test_compound_nodes_hashable() -> None:
    a = placement.parse("(attribute:a exists and task:group == x) or not(runningTasksCount > 1)")
    b = placement.parse("attribute:a exists && task:group == x || !runningTasksCount > 1")
    assert a == b
    assert hash(a) == hash(b)
    assert isinstance(a, Or)
    assert isinstance(a.operands[0], And)
    assert isinstance(a.operands[1], Not)
    assert {a, b} == {a}


def test_nodes_are_immutable() -> None:
    leaf = placement.parse("attribute:a == b")
    assert isinstance(leaf, Comparison)
    with pytest.raises(AttributeError):
        leaf.argument = "c"  # type: ignore[misc]
    node = placement.parse("attribute:a exists and attribute:b exists")
    with pytest.raises(AttributeError):
        node.operands = ()  # type: ignore[misc,attr-defined]
