"""placement.translate: rules between ECS, Kubernetes and Nomad.

Differential: random expressions over what each target can say, random inventories with random
labels (name-only attributes included); wherever a translation claims `exact`, the rule read
back in the target's own dialect (placement.k8s for selectors and NodeSelectors, the ECS parser
for ECS text, placement.nomad for constraint blocks when it is installed) selects the same
instances as the original. Inexact translations agree where their notes say they do. Round
trips ecs -> k8s -> ecs and k8s -> ecs -> k8s. Refusals name the part.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest
import re2
from conftest import examples
from hypothesis import assume, given, settings
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
    Subject,
    SubjectKind,
    Translation,
    TranslationError,
    parse,
    testing,
    translate,
)
from placement.k8s import EVERYTHING, NODE_NAME, NOTHING, node_affinity, selector
from placement.translation import MAX_TERMS
from placement.translation.nomad_form import NODE_TARGETS, escape

KEYS = ["env", "tier", "ecs.os-type", "example.com/zone"]
# Values a label selector may name (label values) and values instances may hold (any text).
LABEL_VALUES = ["", "prod", "dev", "1", "5", "10", "007"]
HELD_VALUES = [*LABEL_VALUES, "x", "1.5", "abc", "-3", "+6", "9223372036854775808", "a b"]
INTEGERS = ["0", "1", "5", "10", "007", "+6", "-3", "9223372036854775807"]
BOUNDS = ["0", "1", "5", "10", "007"]
NAMES = ["n0", "n1", "n2"]


def comparison(key: str, op: Op, argument: Any = None) -> Comparison:
    return Comparison(Subject(SubjectKind.ATTRIBUTE, key), op, argument)


@st.composite
def k8s_leaves(draw: Any, orderings: bool = True) -> Comparison:
    """Comparisons Kubernetes can say (orderings with integer bounds, node names)."""
    if draw(st.integers(0, 9)) == 0:
        op = draw(st.sampled_from([Op.EQ, Op.IN]))
        names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True))
        return comparison(NODE_NAME, op, names[0] if op is Op.EQ else tuple(names))
    key = draw(st.sampled_from(KEYS))
    ops = [Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.EXISTS, Op.NOT_EXISTS]
    if orderings:
        ops += [Op.GT, Op.GE, Op.LT, Op.LE]
    op = draw(st.sampled_from(ops))
    if op.arity == "none":
        return comparison(key, op)
    if op in (Op.GT, Op.GE, Op.LT, Op.LE):
        return comparison(key, op, draw(st.sampled_from(BOUNDS)))
    if op.arity == "list":
        values = draw(st.lists(st.sampled_from(LABEL_VALUES), min_size=1, max_size=3))
        return comparison(key, op, tuple(values))
    return comparison(key, op, draw(st.sampled_from(LABEL_VALUES)))


def trees(leaves: st.SearchStrategy[Comparison], max_leaves: int = 6) -> Any:
    def extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
        operands = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(operands.map(And), operands.map(Or), children.map(Not))

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def inventories(values: list[str], name_only: bool, keys: list[str] = KEYS) -> Any:
    held = st.sampled_from(values)
    labels = st.dictionaries(
        st.sampled_from(keys), st.one_of(st.none(), held) if name_only else held, max_size=4
    )

    @st.composite
    def draw(data: Any) -> Inventory:
        count = data(st.integers(1, 8))
        nodes = []
        for i in range(count):
            attributes: dict[str, str | None] = dict(data(labels))
            if data(st.integers(0, 3)):  # a few instances without a node name
                attributes[NODE_NAME] = NAMES[i % len(NAMES)]
            nodes.append(Instance(arn=f"node-{i}", attributes=attributes))
        return Inventory.from_instances(nodes)

    return draw()


def k8s_back(rule: Any) -> Expression:
    """A Kubernetes rule, read back by placement.k8s."""
    return selector(rule) if isinstance(rule, str) else node_affinity(rule)


def same(a: Expression, b: Expression, inv: Inventory) -> bool:
    return bool(np.array_equal(a.evaluate(inv), b.evaluate(inv)))


def to_k8s(expr: Expression) -> Translation:
    try:
        return translate(expr, to="k8s")
    except TranslationError as exc:
        refusal = str(exc)
    # Only sizes and bounds Kubernetes cannot hold are refused in this vocabulary.
    assert "over the limit" in refusal or "from 0 to 2**63-1" in refusal, refusal
    assume(False)
    raise AssertionError("unreachable")


# -- ECS -> Kubernetes -----------------------------------------------------------------------


@settings(max_examples=examples(1.0))
@given(trees(k8s_leaves()), inventories(HELD_VALUES, name_only=True))
def test_exact_k8s_translations_select_the_same_nodes(expr: Expression, inv: Inventory) -> None:
    t = to_k8s(expr)
    back = k8s_back(t.rule)
    if t.exact:
        assert same(expr, back, inv), (str(expr), t.rule)
    else:
        assert t.notes  # an inexact translation always says why


@settings(max_examples=examples(1.0))
@given(trees(k8s_leaves(orderings=False)), inventories(HELD_VALUES, name_only=False))
def test_k8s_translations_agree_wherever_labels_have_values(
    expr: Expression, inv: Inventory
) -> None:
    # Without orderings, the only shift is name-only attributes: on nodes whose labels all
    # carry a value (every Kubernetes node), every translation agrees.
    t = to_k8s(expr)
    assert same(expr, k8s_back(t.rule), inv), (str(expr), t.rule)


@settings(max_examples=examples(1.0))
@given(trees(k8s_leaves()), inventories(INTEGERS, name_only=False))
def test_k8s_orderings_agree_on_integer_labels(expr: Expression, inv: Inventory) -> None:
    t = to_k8s(expr)
    assert same(expr, k8s_back(t.rule), inv), (str(expr), t.rule)


@settings(max_examples=examples(1.0))
@given(trees(k8s_leaves()), inventories(HELD_VALUES, name_only=True))
def test_round_trip_ecs_k8s_ecs(expr: Expression, inv: Inventory) -> None:
    there = to_k8s(expr)
    back = translate(there.rule, to="ecs", source="k8s")
    assert back.exact and back.source == "k8s"
    text = parse(back.text(), max_length=None)
    assert same(text, k8s_back(there.rule), inv)
    if there.exact:
        assert same(text, expr, inv), (str(expr), there.rule, back.rule)


# Kubernetes requirements as text, each as the apimachinery parser reads it.
REQUIREMENTS = st.one_of(
    st.sampled_from(KEYS).map(lambda k: k),
    st.sampled_from(KEYS).map(lambda k: f"!{k}"),
    st.tuples(
        st.sampled_from(KEYS), st.sampled_from(["=", "!="]), st.sampled_from(LABEL_VALUES)
    ).map("".join),
    st.tuples(
        st.sampled_from(KEYS),
        st.sampled_from([" in ", " notin "]),
        st.lists(st.sampled_from(LABEL_VALUES[1:]), min_size=1, max_size=3, unique=True),
    ).map(lambda p: f"{p[0]}{p[1]}({','.join(p[2])})"),
    st.tuples(st.sampled_from(KEYS), st.sampled_from([">", "<"]), st.sampled_from(BOUNDS)).map(
        "".join
    ),
)


@st.composite
def node_selectors(draw: Any) -> dict[str, Any]:
    terms = []
    for _ in range(draw(st.integers(0, 3))):
        items = draw(st.lists(REQUIREMENTS, min_size=0, max_size=3))
        expressions = []
        for item in items:
            # Reuse the text parser's reading to build the object form of the same requirement.
            compiled = selector(item)
            expressions.append(_object_of(item, compiled))
        term: dict[str, Any] = {"matchExpressions": expressions}
        if draw(st.integers(0, 4)) == 0:
            op = draw(st.sampled_from(["In", "NotIn"]))
            term["matchFields"] = [
                {"key": "metadata.name", "operator": op, "values": [draw(st.sampled_from(NAMES))]}
            ]
        terms.append(term)
    return {"nodeSelectorTerms": terms}


def _object_of(text: str, _compiled: Expression) -> dict[str, Any]:
    for symbol, op in ((" notin ", "NotIn"), (" in ", "In"), ("!=", "NotIn"), ("=", "In"),
                       (">", "Gt"), ("<", "Lt")):  # fmt: skip
        if symbol in text:
            key, rest = text.split(symbol, 1)
            values = rest.strip("()").split(",")
            return {"key": key, "operator": op, "values": values}
    if text.startswith("!"):
        return {"key": text[1:], "operator": "DoesNotExist"}
    return {"key": text, "operator": "Exists"}


@settings(max_examples=examples(1.0))
@given(
    st.one_of(st.lists(REQUIREMENTS, max_size=4).map(",".join), node_selectors()),
    inventories(HELD_VALUES, name_only=True),
)
def test_round_trip_k8s_ecs_k8s_is_exact(rule: Any, inv: Inventory) -> None:
    meaning = k8s_back(rule)
    ecs = translate(rule, to="ecs", source="k8s")
    assert ecs.exact
    assert same(parse(ecs.text(), max_length=None), meaning, inv)
    again = translate(ecs.rule, to="k8s")
    assert again.exact, (rule, ecs.rule, again.notes)
    assert same(k8s_back(again.rule), meaning, inv), (rule, again.rule)


@settings(max_examples=examples(0.5))
@given(trees(k8s_leaves()), inventories(HELD_VALUES, name_only=True))
def test_ecs_to_ecs_is_the_canonical_text(expr: Expression, inv: Inventory) -> None:
    t = translate(str(expr), to="ecs")
    assert t.exact and t.notes == () and t.rule == str(expr)
    assert same(parse(t.rule, max_length=None), expr, inv)


def test_selector_text_where_a_label_selector_can_say_it() -> None:
    t = translate("attribute:env in [prod, qa] and attribute:gpu exists", to="k8s")
    assert t == Translation("env in (prod,qa),gpu", True, (), "k8s", "ecs", t.expression)
    assert translate("not(attribute:env == dev) and attribute:x !exists", to="k8s").rule == (
        "env!=dev,!x"
    )
    assert translate("attribute:env == '' and attribute:t in ['', a]", to="k8s").rule == (
        "env=,t in (,a)"
    )


def test_or_and_gt_need_a_node_selector() -> None:
    t = translate("attribute:a == x or attribute:b exists", to="k8s")
    assert t.exact
    assert t.rule == {
        "nodeSelectorTerms": [
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x"]}]},
            {"matchExpressions": [{"key": "b", "operator": "Exists"}]},
        ]
    }
    gt = translate("attribute:cores >= 4", to="k8s")
    assert gt.rule == {
        "nodeSelectorTerms": [
            {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["3"]}]}
        ]
    }
    assert not gt.exact and "integer" in gt.notes[0]


def test_notin_bridge_is_exact_and_noted() -> None:
    t = translate("env notin (dev)", to="ecs", source="k8s")
    assert t.rule == "not(attribute:env in [dev])" and t.exact
    assert "also matches nodes without the label" in t.notes[0]
    bare = Instance(arn="n", attributes={})
    assert parse(t.rule).matches(bare)
    assert not parse("attribute:env !in [dev]").matches(bare)


def test_name_only_attributes_make_negative_comparisons_inexact() -> None:
    t = translate("attribute:env != dev", to="k8s")
    assert t.rule == "env,env!=dev" and not t.exact
    assert "name-only" in t.notes[0]
    named = Inventory.from_instances([Instance(arn="n", attributes={"env": None})])
    assert selector(t.rule).evaluate(named).tolist() == [True]
    assert parse("attribute:env != dev").evaluate(named).tolist() == [False]


def test_empty_and_impossible_selectors() -> None:
    assert translate(EVERYTHING, to="k8s").rule == ""
    assert translate(NOTHING, to="k8s").rule == {"nodeSelectorTerms": []}
    assert translate("", to="ecs", source="k8s").rule == str(EVERYTHING)
    t = translate("attribute:a == x and not(attribute:a == x)", to="k8s")
    assert t.rule == {"nodeSelectorTerms": []} and t.exact and "no node" in t.notes[0]


def test_dnf_size_is_limited() -> None:
    parts = [f"(attribute:a{i} == x or attribute:b{i} == y)" for i in range(7)]
    with pytest.raises(TranslationError, match=f"more than {MAX_TERMS}"):
        translate(" and ".join(parts), to="k8s")
    rule = translate(" and ".join(parts[:6]), to="k8s").rule
    assert isinstance(rule, dict) and len(rule["nodeSelectorTerms"]) == MAX_TERMS


@pytest.mark.parametrize(
    ("rule", "to", "part"),
    [
        ("task:group == web", "k8s", "`task:group == web`"),
        ("attribute:a == b and runningTasksCount > 2", "k8s", "`runningTasksCount > 2`"),
        ("attribute:a =~ 'x.*'", "k8s", "regular expressions"),
        ("attribute:a > 1.5", "k8s", "'1.5' is not one"),
        ("attribute:a >= 0", "k8s", "`Gt -1`"),
        ("attribute:a == 'a b'", "k8s", "`attribute:a == 'a b'`"),
        ("attribute:_bad == x", "k8s", "label key '_bad'"),
        ("attribute:_k8s/name exists", "k8s", "metadata.name"),
        ("ec2InstanceId == i-1", "nomad", "`ec2InstanceId == i-1`"),
        ("attribute:a == x or attribute:b == y", "nomad", "`attribute:a == x or attribute:b == y`"),
        ("attribute:a !~ x", "nomad", "negated"),
        ("not(attribute:a =~ x)", "nomad", "`not(attribute:a =~ x)`"),
        ("not(attribute:a != x)", "nomad", "absent"),
        ("not(attribute:a > 3)", "nomad", "`not(attribute:a > 3)`"),
        ("attribute:meta.a == '${attr.x}'", "nomad", "'${attr.x}'"),
    ],
)
def test_refusals_name_the_part(rule: str, to: str, part: str) -> None:
    with pytest.raises(TranslationError) as caught:
        translate(rule, to=to)
    assert part in str(caught.value)
    assert isinstance(caught.value, placement.PlacementError)


def test_operators_beyond_ecs_are_refused_by_name() -> None:
    # placement.nomad's operators (version, semver, sets, orderings) have no ECS or Kubernetes
    # form: refused with the operator named, never read as another one.
    expr = placement.parse("attribute:attr.os.version version '>= 1.2'")
    with pytest.raises(TranslationError, match="`version` is a placement extension"):
        translate(expr, to="ecs")
    with pytest.raises(TranslationError, match="`version` operator"):
        translate(expr, to="k8s")


def test_bad_arguments() -> None:
    with pytest.raises(TranslationError, match="targets ecs, k8s or nomad"):
        translate("attribute:a == b", to="swarm")
    with pytest.raises(TranslationError, match="source='k8s'"):
        translate("env=prod", to="ecs")
    with pytest.raises(placement.PlacementSyntaxError):
        translate("attribute:a ==", to="k8s")
    with pytest.raises(TranslationError, match="cannot read 42"):
        translate(42, to="ecs")


def test_kubernetes_object_forms() -> None:
    label_selector = {"matchLabels": {"tier": "web"},
                      "matchExpressions": [{"key": "gpu", "operator": "Exists"}]}  # fmt: skip
    assert translate(label_selector, to="ecs").rule == (
        "attribute:gpu exists and attribute:tier == web"
    )
    assert translate({"disk": "ssd"}, to="k8s").rule == "disk=ssd"  # a nodeSelector map
    assert translate({"disk": "ssd"}, to="ecs", source="k8s").source == "k8s"
    fields = {"nodeSelectorTerms": [{"matchFields": [
        {"key": "metadata.name", "operator": "NotIn", "values": ["n1"]}]}]}  # fmt: skip
    t = translate(fields, to="ecs")
    assert t.rule == f"not(attribute:{NODE_NAME} == n1)" and "metadata.name" in t.notes[0]
    assert translate(t.rule, to="k8s").rule == fields


# -- ECS -> Nomad -----------------------------------------------------------------------------

NOMAD_KEYS = ["attr.kernel.name", "meta.rack", "node.class", "rack"]
NOMAD_OPERATORS = {"=", "!=", "<", "<=", ">", ">=", "regexp", "is_set", "is_not_set"}


@st.composite
def nomad_leaves(draw: Any) -> Comparison:
    key = draw(st.sampled_from(NOMAD_KEYS))
    op = draw(st.sampled_from([o for o in Op if o.value in {
        "==", "!=", "in", "!in", "exists", "!exists", "=~", ">", "<"}]))  # fmt: skip
    if op.arity == "none":
        return comparison(key, op)
    if op is Op.MATCHES:
        return comparison(key, op, draw(st.sampled_from(["l.*", "a|b", "[0-9]+", "a.b"])))
    if op.arity == "list":
        return comparison(key, op, tuple(draw(st.lists(st.sampled_from(HELD_VALUES),
                                                        min_size=1, max_size=3))))  # fmt: skip
    return comparison(key, op, draw(st.sampled_from(HELD_VALUES)))


@settings(max_examples=examples(1.0))
@given(trees(nomad_leaves(), max_leaves=4))
def test_nomad_blocks_are_well_formed(expr: Expression) -> None:
    refusal = ""
    try:
        t = translate(expr, to="nomad")
    except TranslationError as exc:
        refusal = str(exc)
    if refusal:
        assert "cannot be translated to Nomad" in refusal
        return
    assert isinstance(t.rule, list)
    assert t.rule or any("every node" in note for note in t.notes)  # a tautology: no block
    renamed = any(leaf.subject.name == "rack" for leaf in expr.leaves())
    # a renamed attribute is never exact (unless the rule holds everywhere: no block at all)
    assert not (renamed and t.exact and t.rule)
    for block in t.rule:
        attribute = block["attribute"]
        inner = attribute[2:-1]
        assert attribute.startswith("${") and attribute.endswith("}")
        assert inner.startswith(("attr.", "meta.")) or inner in NODE_TARGETS
        assert block["operator"] in NOMAD_OPERATORS
        assert ("value" in block) == (block["operator"] not in ("is_set", "is_not_set"))
        if block["operator"] == "regexp":
            re2.compile(block["value"])


@pytest.mark.parametrize("value", ["a.b", "a|b", "(x)", "1+1", "a b", "x\\y", "^$", "", "é[]"])
def test_escaped_values_match_only_themselves(value: str) -> None:
    pattern = re2.compile(f"^(?:{escape(value)})$")
    assert pattern.search(value)
    for other in ("ab", "a", "b", "x", value + "x", "1111"):
        if other != value:
            assert not pattern.search(other)


def test_nomad_forms() -> None:
    t = translate(
        "attribute:attr.kernel.name == linux and attribute:meta.rack in [r1, r2] and "
        "not(attribute:node.class == batch) and attribute:attr.driver.docker exists",
        to="nomad",
    )
    assert t.exact
    assert t.rule == [
        {"attribute": "${attr.kernel.name}", "operator": "=", "value": "linux"},
        {"attribute": "${meta.rack}", "operator": "regexp", "value": "^(?:r1|r2)$"},
        {"attribute": "${node.class}", "operator": "!=", "value": "batch"},
        {"attribute": "${attr.driver.docker}", "operator": "is_set"},
    ]
    merged = translate("attribute:meta.az == a or attribute:meta.az =~ 'b.*'", to="nomad")
    assert merged.rule == [{"attribute": "${meta.az}", "operator": "regexp",
                            "value": "^(?:a|(?:b.*))$"}]  # fmt: skip
    assert merged.exact
    renamed = translate("attribute:rack == r1", to="nomad")
    assert renamed.rule == [{"attribute": "${meta.rack}", "operator": "=", "value": "r1"}]
    assert not renamed.exact and "meta.rack" in renamed.notes[0]


def _nomad_installed() -> bool:
    return importlib.util.find_spec("placement.nomad") is not None


def test_reading_nomad_needs_placement_nomad() -> None:
    block = {"attribute": "${attr.kernel.name}", "operator": "=", "value": "linux"}
    if _nomad_installed():
        t = translate(block, to="ecs")
        assert t.source == "nomad" and t.exact
    else:
        with pytest.raises(TranslationError, match=r"placement\.nomad"):
            translate(block, to="ecs")


@settings(max_examples=examples(1.0))
@given(
    trees(nomad_leaves(), max_leaves=4),
    inventories(HELD_VALUES, name_only=True, keys=NOMAD_KEYS),
)
def test_exact_nomad_translations_read_back_the_same(expr: Expression, inv: Inventory) -> None:
    nomad = pytest.importorskip("placement.nomad")
    try:
        t = translate(expr, to="nomad")
    except TranslationError:
        assume(False)
        raise
    assert isinstance(t.rule, list)
    back: Expression = EVERYTHING  # no block: every node
    for block in t.rule:
        back = back & nomad.constraint(block)
    if t.exact:
        assert same(expr, back, inv), (str(expr), t.rule)
    again = translate(t.rule, to="ecs")
    assert again.source == "nomad"


# -- any expression ---------------------------------------------------------------------------


@settings(max_examples=examples(1.0))
@given(testing.expressions(max_leaves=5), testing.inventories(max_size=8))
def test_any_expression_translates_exactly_or_is_refused_by_name(
    expr: Expression, inv: Inventory
) -> None:
    # placement.testing's whole vocabulary: every subject and operator, values with spaces
    # and quotes. Each target either writes the rule (holding to `exact`) or refuses it with
    # a TranslationError quoting the part; nothing else escapes.
    assert translate(expr, to="ecs").rule == str(expr)
    for target in ("k8s", "nomad"):
        refusal = ""
        try:
            t = translate(expr, to=target)
        except TranslationError as exc:
            refusal = str(exc)
        if refusal:
            assert "`" in refusal or "the value" in refusal, refusal
            continue
        if target == "k8s" and t.exact:
            assert same(expr, k8s_back(t.rule), inv), (str(expr), t.rule)
        if not t.exact:
            assert t.notes


# -- placement's Nomad operators ----------------------------------------------------------------

NOMAD_PATTERNS = ["a", "^a", "b$", "^$", "x|1", "[0-9]+", "(?i)ABC", "\\.", " ", ".*"]


@settings(max_examples=examples(1.0))
@given(
    st.sampled_from(NOMAD_KEYS[:3]),
    st.sampled_from(NOMAD_PATTERNS),
    inventories([*HELD_VALUES, "a\nb", "xa", "ab\n"], name_only=True, keys=NOMAD_KEYS),
)
def test_a_nomad_regexp_reaches_ecs_exactly(key: str, pattern: str, inv: Inventory) -> None:
    # Nomad's regexp searches (unanchored); ECS's =~ matches the whole value: the padded
    # pattern selects the same instances, newlines in values included.
    nomad = pytest.importorskip("placement.nomad")
    block = {"attribute": "${" + key + "}", "operator": "regexp", "value": pattern}
    t = translate(block, to="ecs")
    assert t.exact and any("searches anywhere" in n for n in t.notes)
    assert same(nomad.constraint(block), placement.parse(t.rule), inv), (block, t.rule)


@pytest.mark.parametrize(
    "block",
    [
        {"attribute": "${attr.os.version}", "operator": "version", "value": ">= 1.2, < 2"},
        {"attribute": "${attr.os.version}", "operator": "semver", "value": ">= 1.2.0, < 2.0.0"},
        {"attribute": "${meta.tags}", "operator": "set_contains_all", "value": "a,b"},
        {"attribute": "${meta.tags}", "operator": "set_contains_any", "value": "a, b"},
        {"attribute": "${attr.cpu.numcores}", "operator": ">=", "value": "4"},
        {"attribute": "${node.class}", "operator": "regexp", "value": "gpu"},
        {"attribute": "${attr.cpu.numcores}", "operator": "<", "value": "1e3"},
    ],
)  # fmt: skip
def test_nomad_operators_go_back_to_nomad_as_they_came(block: dict[str, str]) -> None:
    pytest.importorskip("placement.nomad")
    t = translate(block, to="nomad")
    assert t.exact and t.rule == [block]
    with pytest.raises(TranslationError, match="cannot be translated to Kubernetes"):
        translate(block, to="k8s")
    if block["operator"] in ("<", ">="):  # ECS orders too, not exactly as Nomad does
        back = translate(block, to="ecs")
        assert not back.exact and any("int64, else float64" in n for n in back.notes)
    elif block["operator"] != "regexp":
        with pytest.raises(TranslationError, match="cannot be translated to ECS"):
            translate(block, to="ecs")


def test_a_negated_nomad_operator_is_refused_for_nomad() -> None:
    pytest.importorskip("placement.nomad")
    expr = placement.parse("not(attribute:attr.os.version version '>= 1.2')")
    with pytest.raises(TranslationError, match="cannot be negated"):
        translate(expr, to="nomad")


def test_attribute_pair_block_is_refused_naming_why() -> None:
    """A Nomad block comparing two attributes has no ECS or Kubernetes form: the refusal says so."""
    block = {"LTarget": "${attr.a}", "RTarget": "${attr.b}", "Operand": "="}
    for to in ("ecs", "k8s"):
        with pytest.raises(TranslationError, match="compares two node attributes") as caught:
            translate([block], to=to)
        assert "constraint 0" in str(caught.value)
