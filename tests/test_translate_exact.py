"""Differential review of `placement.translate`: every `exact` claim, in every direction.

Each dialect is evaluated in its own meaning, by a reference written here from that system's
documentation and independent of the readers under test (placement.k8s, placement.nomad):

* ECS: placement's own evaluator (`parse(text).evaluate`), the language's meaning.
* Kubernetes: label selectors and `NodeSelector`s (`In`, `NotIn`, `Exists`, `DoesNotExist`,
  `Gt`, `Lt`, `matchFields` on `metadata.name`) as apimachinery's `Requirement.Matches` reads
  a node's labels: `!=`/`NotIn` hold where the label is absent, `Gt`/`Lt` read the label with
  `strconv.ParseInt(v, 10, 64)` and fail on anything else, terms OR, an empty term matches no
  node.
* Nomad: constraint blocks as Nomad's `checkConstraint` reads them: an absent attribute passes
  only `!=`/`not`/`is_not_set`; `regexp` is an unanchored RE2 search; orderings compare as int64
  when both sides parse, else float64, else bytes (the Go parses are spelled out per value in
  `GO_NUMBERS`); `set_contains*` split on commas and trim.

Inventories hold hostile values: absent keys, name-only attributes (`None`: present, equal to
nothing and no number, as the readers treat it), empty values, numbers in disguise (`01`,
`-0`, `1e3`, ` 1`, `1_000`, `0x10`, `inf`), versions, comma lists, newlines and unicode.
For every pair of dialects and every round trip a -> b -> a: where `exact` is claimed, source
and result select the same instances; where it is not, the notes say why. Refusals are
`TranslationError`s quoting the part. Scale with PLACEMENT_FUZZ_EXAMPLES.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
import re2
from conftest import examples
from hypothesis import given, settings
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
    Subject,
    SubjectKind,
    TranslationError,
    parse,
    testing,
    translate,
)
from placement.k8s import NODE_NAME

Labels = Mapping[str, str | None]

# -- values, and what Go's strconv makes of each --------------------------------------------

GO_NUMBERS: dict[str, tuple[int | None, float | None]] = {
    # value: (strconv.ParseInt(v, 10, 64), strconv.ParseFloat(v, 64)); None where Go errs
    "": (None, None),
    "0": (0, 0.0),
    "01": (1, 1.0),
    "007": (7, 7.0),
    "-0": (0, -0.0),
    "+5": (5, 5.0),
    "5": (5, 5.0),
    "10": (10, 10.0),
    "1e3": (None, 1000.0),
    " 1": (None, None),  # neither parse skips spaces
    "1.5": (None, 1.5),
    "9223372036854775807": (2**63 - 1, 9.223372036854775807e18),
    "9223372036854775808": (None, 9.223372036854775808e18),  # past int64: a float only
    "inf": (None, math.inf),
    "NaN": (None, math.nan),
    "0x10": (None, None),  # a hex float needs a p exponent; base 10 ints take no prefix
    "1_000": (None, 1000.0),  # ParseFloat takes '_' between digits, ParseInt(s, 10) does not
    "abc": (None, None),
    "prod": (None, None),
    "Prod": (None, None),
    "a.b": (None, None),
    "1.2.3": (None, None),
    "v1.2.3-beta": (None, None),
    "a,b": (None, None),
    "a, b": (None, None),
    "a|b": (None, None),
    "a\nb": (None, None),
    "ü": (None, None),
}
VALUES = list(GO_NUMBERS)
# The values a Kubernetes label may hold (IsValidLabelValue): the rest are refused by name.
LABEL_VALUES = [
    v for v in VALUES if re.fullmatch(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", v)
]
INT_BOUNDS = ["0", "5", "10", "007", "9223372036854775807"]
PATTERNS = [
    "\\Qa)",
    "a.*",
    "[0-9]+",
    "x|1",
    "",
    "(?i)PROD",
    "a$",
    "^a",
    "b",
    "\\.",
    "(?s).*\n.*",
    "ü",
]

# Keys every dialect can name: Nomad targets `${attr.a}`, `${meta.b}`, `${node.class}` read
# the attributes `attr.a`, `meta.b`, `node.class`, which are also Kubernetes label keys; `env`
# and `example.com/zone` have no Nomad target of that name.
NOMAD_NAMES = ["attr.a", "meta.b", "node.class"]
KEYS = [*NOMAD_NAMES, "env", "example.com/zone"]
NODE_NAMES = ["n0", "n1"]


Fleet = tuple[Inventory, list[dict[str, str | None]]]  # the inventory and each node's labels


@st.composite
def inventories(draw: Any) -> Fleet:
    nodes = []
    for i in range(draw(st.integers(1, 8))):
        attributes: dict[str, str | None] = draw(
            st.dictionaries(
                st.sampled_from(KEYS), st.none() | st.sampled_from(VALUES), max_size=len(KEYS)
            )
        )
        if draw(st.booleans()):
            attributes[NODE_NAME] = NODE_NAMES[i % 2]
        nodes.append(Instance(arn=f"node-{i}", attributes=attributes))
    return Inventory.from_instances(nodes), [dict(node.attributes) for node in nodes]


# -- Kubernetes, as apimachinery reads it ---------------------------------------------------

Req = tuple[str, str, tuple[str, ...]]  # (key, operator, values), the API's operator names


def go_int(value: str | None) -> int | None:
    """strconv.ParseInt(value, 10, 64)."""
    if value is None or not re.fullmatch(r"[-+]?[0-9]+", value, re.ASCII) or len(value) > 40:
        return None
    number = int(value)
    return number if -(2**63) <= number < 2**63 else None


def k8s_requirement(req: Req, labels: Labels) -> bool:
    key, op, values = req
    if key == "metadata.name":  # matchFields
        held = labels.get(NODE_NAME)
        return (held in values) == (op == "In")
    present = key in labels
    value = labels.get(key)
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    member = present and value is not None and value in values
    if op == "In":
        return member
    if op == "NotIn":
        return not member
    number, bound = go_int(value), int(values[0])
    if number is None:
        return False
    return number > bound if op == "Gt" else number < bound


def k8s_select(rule: str | dict[str, Any], labels: Labels) -> bool:
    if isinstance(rule, str):
        return all(k8s_requirement(req, labels) for req in parse_selector_text(rule))
    if "nodeSelectorTerms" in rule:
        return any(
            bool(reqs) and all(k8s_requirement(r, labels) for r in reqs)
            for reqs in (_term_reqs(term) for term in rule["nodeSelectorTerms"])
        )
    reqs = [(k, "In", (v,)) for k, v in rule.get("matchLabels", {}).items()]
    reqs += [_req(item) for item in rule.get("matchExpressions", [])]
    return all(k8s_requirement(r, labels) for r in reqs)


def _req(item: Mapping[str, Any]) -> Req:
    return item["key"], item["operator"], tuple(item.get("values", ()))


def _term_reqs(term: Mapping[str, Any]) -> list[Req]:
    return [_req(i) for i in term.get("matchExpressions", [])] + [
        _req(i) for i in term.get("matchFields", [])
    ]


def parse_selector_text(text: str) -> list[Req]:
    """Selector text of the shapes this suite and the translator write (labels.Parse's)."""
    out: list[Req] = []
    for part in re.findall(r"[^,(]+(?:\([^)]*\))?", text):
        part = part.strip()
        if m := re.fullmatch(r"(\S+) (in|notin) \((.*)\)", part):
            out.append((m[1], "In" if m[2] == "in" else "NotIn", tuple(m[3].split(","))))
        elif m := re.fullmatch(r"([^!=<>]+)(!=|==|=|>|<)(.*)", part):
            op = {"=": "In", "==": "In", "!=": "NotIn", ">": "Gt", "<": "Lt"}[m[2]]
            out.append((m[1], op, (m[3],)))
        elif part.startswith("!"):
            out.append((part[1:], "DoesNotExist", ()))
        else:
            out.append((part, "Exists", ()))
    return out


def req_text(req: Req) -> str:
    key, op, values = req
    if op == "Exists":
        return key
    if op == "DoesNotExist":
        return "!" + key
    if op in ("Gt", "Lt"):
        return f"{key}{'>' if op == 'Gt' else '<'}{values[0]}"
    if len(values) == 1 and "" not in values:
        return f"{key}{'=' if op == 'In' else '!='}{values[0]}"
    return f"{key} {'in' if op == 'In' else 'notin'} ({','.join(values)})"


@st.composite
def k8s_reqs(draw: Any, orderings: bool) -> Req:
    key = draw(st.sampled_from(KEYS))
    ops = ["In", "NotIn", "Exists", "DoesNotExist"] + (["Gt", "Lt"] if orderings else [])
    op = draw(st.sampled_from(ops))
    if op in ("Exists", "DoesNotExist"):
        return key, op, ()
    if op in ("Gt", "Lt"):
        return key, op, (draw(st.sampled_from(INT_BOUNDS)),)
    values = draw(st.lists(st.sampled_from(LABEL_VALUES), min_size=1, max_size=3, unique=True))
    return key, op, tuple(sorted(values))


def _expression(req: Req) -> dict[str, Any]:
    out: dict[str, Any] = {"key": req[0], "operator": req[1]}
    if req[2]:
        out["values"] = list(req[2])
    return out


@st.composite
def k8s_rules(draw: Any) -> str | dict[str, Any]:
    """A label selector (text or object) or a NodeSelector."""
    shape = draw(st.sampled_from(["text", "label", "node"]))
    if shape == "text":
        return ",".join(req_text(r) for r in draw(st.lists(k8s_reqs(True), max_size=4)))
    if shape == "label":
        reqs = draw(st.lists(k8s_reqs(False), max_size=3))
        labels = draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(LABEL_VALUES)))
        return {"matchLabels": labels, "matchExpressions": [_expression(r) for r in reqs]}
    terms = []
    for _ in range(draw(st.integers(0, 3))):
        term: dict[str, Any] = {
            "matchExpressions": [_expression(r) for r in draw(st.lists(k8s_reqs(True), max_size=3))]
        }
        if draw(st.integers(0, 3)) == 0:
            field = ("metadata.name", draw(st.sampled_from(["In", "NotIn"])), ("n0",))
            term["matchFields"] = [_expression(field)]
        terms.append(term)
    return {"nodeSelectorTerms": terms}


# -- Nomad, as checkConstraint reads it -----------------------------------------------------

NOMAD_OPERATORS = ["=", "==", "is", "!=", "not", "<", "<=", ">", ">=", "regexp", "is_set",
                   "is_not_set", "set_contains", "set_contains_all",
                   "set_contains_any"]  # fmt: skip


def _order(op: str, left: str, right: str) -> bool:
    test: Callable[[Any, Any], bool] = {
        "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    }[op]  # fmt: skip
    (li, lf), (ri, rf) = GO_NUMBERS[left], GO_NUMBERS[right]
    if li is not None and ri is not None:
        return test(li, ri)
    if lf is not None and rf is not None:
        return test(lf, rf)
    return test(left.encode(), right.encode())


def _items(text: str) -> set[str]:
    return {item.strip() for item in text.split(",")}


def nomad_block(block: Mapping[str, str], labels: Labels) -> bool:
    target, op, right = block["attribute"], block["operator"], block.get("value", "")
    name = target[2:-1]
    present = name in labels
    left = labels.get(name)
    if op in ("!=", "not"):
        return not (present and left == right)
    if op == "is_not_set":
        return not present
    if op == "is_set":
        return present
    if not present or left is None:  # an absent (or name-only) attribute passes nothing else
        return False
    if op in ("=", "==", "is"):
        return left == right
    if op == "regexp":
        return re2.search(right, left) is not None
    if op in ("set_contains", "set_contains_all"):
        return _items(right) <= _items(left)
    if op == "set_contains_any":
        return bool(_items(right) & _items(left))
    return _order(op, left, right)


def nomad_select(blocks: Sequence[Mapping[str, str]], labels: Labels) -> bool:
    return all(nomad_block(b, labels) for b in blocks)


@st.composite
def nomad_blocks(draw: Any) -> dict[str, str]:
    name = draw(st.sampled_from(NOMAD_NAMES))
    op = draw(st.sampled_from(NOMAD_OPERATORS))
    block = {"attribute": "${" + name + "}", "operator": op}
    if op == "regexp":
        block["value"] = draw(st.sampled_from([p for p in PATTERNS if p]))
    elif op not in ("is_set", "is_not_set"):
        block["value"] = draw(st.sampled_from([v for v in VALUES if v]))
    return block


# -- ECS ---------------------------------------------------------------------------------------


@st.composite
def ecs_leaves(draw: Any) -> Comparison:
    key = draw(st.sampled_from(KEYS))
    op = draw(st.sampled_from([o for o in Op if o.value in ECS_OPS]))
    subject = Subject(SubjectKind.ATTRIBUTE, key)
    if op.arity == "none":
        return Comparison(subject, op)
    if op in (Op.MATCHES, Op.NOT_MATCHES):
        return Comparison(subject, op, draw(st.sampled_from(PATTERNS)))
    # Label values half the time, so that Kubernetes is not refused for the value alone.
    pool = st.sampled_from(LABEL_VALUES) | st.sampled_from(VALUES)
    if op.arity == "list":
        return Comparison(subject, op, tuple(draw(st.lists(pool, min_size=1, max_size=3))))
    return Comparison(subject, op, draw(pool))


ECS_OPS = {"==", "!=", ">", ">=", "<", "<=", "exists", "!exists", "in", "!in", "=~", "!~"}


def _trees(leaves: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    def extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
        operands = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(operands.map(And), operands.map(Or), children.map(Not))

    return st.recursive(leaves, extend, max_leaves=5)


ECS_RULES = st.one_of(
    _trees(ecs_leaves()),
    testing.expressions(attribute_names=KEYS, attribute_values=VALUES, max_leaves=4),
)


# -- one meaning per dialect --------------------------------------------------------------------


def meaning(rule: Any, dialect: str, fleet: Fleet) -> list[bool]:
    """What `rule` selects on `fleet`, read in `dialect`'s own meaning."""
    inv, rows = fleet
    if dialect == "ecs":
        expr = rule if isinstance(rule, Expression) else parse(rule, max_length=None)
        return [bool(x) for x in expr.evaluate(inv)]
    if dialect == "k8s":
        return [k8s_select(rule, labels) for labels in rows]
    blocks = [rule] if isinstance(rule, Mapping) else rule
    return [nomad_select(blocks, labels) for labels in rows]


def attempt(rule: Any, to: str, source: str) -> Any:
    """The translation, or None where it was refused (a TranslationError quoting the part)."""
    try:
        return translate(rule, to=to, source=source)
    except TranslationError as refused:
        text = str(refused)
    # A refusal names what it refuses: a quoted comparison, value, field or the limit.
    assert "`" in text or "'" in text or "over the limit" in text, text
    return None


def check(rule: Any, source: str, to: str, inv: Fleet) -> None:
    t = attempt(rule, to, source)
    if t is None:
        return
    if not t.exact:
        assert t.notes, (rule, t.rule)
        return
    assert meaning(rule, source, inv) == meaning(t.rule, to, inv), (rule, t.rule, t.notes)
    back = attempt(t.rule, source, to)
    if back is not None and back.exact:
        assert meaning(back.rule, source, inv) == meaning(rule, source, inv), (
            rule, t.rule, back.rule,
        )  # fmt: skip


SOURCES: dict[str, st.SearchStrategy[Any]] = {
    "ecs": ECS_RULES,
    "k8s": k8s_rules(),
    "nomad": st.lists(nomad_blocks(), min_size=1, max_size=3),
}
PAIRS = [(a, b) for a in SOURCES for b in SOURCES if a != b] + [(a, a) for a in SOURCES]


@pytest.mark.parametrize(("source", "to"), PAIRS)
def test_exact_claims_hold_in_each_dialects_own_meaning(source: str, to: str) -> None:
    @settings(max_examples=examples(0.4))  # nine pairs: ~20 s together at the default
    @given(SOURCES[source], inventories())
    def run(rule: Any, inv: Fleet) -> None:
        check(rule, source, to, inv)

    run()


# -- the readers agree with the references (else the claims above test the wrong meaning) ----


@settings(max_examples=examples(1.0))
@given(k8s_rules(), inventories())
def test_placement_k8s_reads_selectors_as_apimachinery(rule: Any, inv: Fleet) -> None:
    from placement.k8s import node_affinity, selector

    expr = (
        node_affinity(rule)
        if isinstance(rule, dict) and "nodeSelectorTerms" in rule
        else (selector(rule))
    )
    assert [bool(x) for x in expr.evaluate(inv[0])] == meaning(rule, "k8s", inv), rule


@settings(max_examples=examples(1.0))
@given(st.lists(nomad_blocks(), min_size=1, max_size=3), inventories())
def test_placement_nomad_reads_blocks_as_nomad(blocks: Any, inv: Fleet) -> None:
    nomad = pytest.importorskip("placement.nomad")
    expr: Expression = nomad.constraint(blocks[0])
    for block in blocks[1:]:
        expr = expr & nomad.constraint(block)
    assert [bool(x) for x in expr.evaluate(inv[0])] == meaning(blocks, "nomad", inv), blocks


def test_reference_sanity() -> None:
    # The references themselves, on hand-checked cases (so the differential tests can fail).
    assert k8s_select("env notin (a)", {}) and not k8s_select("env in (a)", {})
    assert k8s_select("env>5", {"env": "007"}) and not k8s_select("env>5", {"env": "1e3"})
    assert not k8s_select({"nodeSelectorTerms": [{}]}, {})
    assert nomad_block({"attribute": "${attr.a}", "operator": "!=", "value": "x"}, {})
    assert nomad_block({"attribute": "${attr.a}", "operator": "regexp", "value": "b"},
                       {"attr.a": "abc"})  # fmt: skip
    # Go reads 1_000 as the float 1000: not below 1e3, though it sorts before it as text.
    assert not nomad_block({"attribute": "${attr.a}", "operator": "<", "value": "1e3"},
                           {"attr.a": "1_000"})  # fmt: skip


# -- regressions and notes, each on a concrete inventory ---------------------------------------


def fleet(*nodes: dict[str, str | None]) -> Fleet:
    instances = [Instance(arn=f"node-{i}", attributes=a) for i, a in enumerate(nodes)]
    return Inventory.from_instances(instances), [dict(n) for n in nodes]


ANY = fleet({}, {"attr.a": "x"}, {"attr.a": None}, {"meta.b": ""})


@pytest.mark.parametrize(
    ("rule", "source"),
    [([], "nomad"), ("", "k8s"), ({}, "k8s"),
     ("attribute:attr.a exists or attribute:attr.a !exists", "ecs")],
)  # fmt: skip
def test_a_rule_true_everywhere_is_no_nomad_block(rule: Any, source: str) -> None:
    # Before the fix: refused as "Nomad ANDs its constraint blocks and has no `or`".
    t = translate(rule, to="nomad", source=source)
    assert t.rule == [] and t.exact and "every node" in t.notes[-1]
    assert meaning(t.rule, "nomad", ANY) == meaning(rule, source, ANY) == [True] * 4


def test_a_tautology_inside_an_and_drops_only_itself() -> None:
    t = translate("(attribute:attr.a exists or not(attribute:attr.a exists)) and "
                  "attribute:meta.b == ''", to="nomad")  # fmt: skip
    assert t.rule == [{"attribute": "${meta.b}", "operator": "regexp", "value": "^$"}]
    assert t.exact


UNTERMINATED = fleet({"attr.a": "a)"}, {"attr.a": "xa)y"}, {"attr.a": "a"}, {"attr.a": "a)\\E"})


@pytest.mark.parametrize("pattern", ["\\Qa)", "x|\\Qa)", "\\Q", "\\Qa\\E\\Q)"])
def test_an_unterminated_quote_in_a_nomad_regexp_reaches_ecs_exactly(pattern: str) -> None:
    # Before the fix: `(?s:.*)(?:\\Qa))(?s:.*)` swallowed its own `)` (RE2 reads the rest of
    # the text after \\Q literally): an ExpressionError, not a translation.
    block = {"attribute": "${attr.a}", "operator": "regexp", "value": pattern}
    t = translate(block, to="ecs")
    assert t.exact
    assert meaning(t.rule, "ecs", UNTERMINATED) == meaning([block], "nomad", UNTERMINATED)


def test_an_unterminated_quote_in_an_ecs_pattern_is_a_valid_nomad_regexp() -> None:
    # Before the fix: `^(?:\\Qa))$`, a regexp Nomad refuses at job submission, claimed exact.
    for rule in (
        "attribute:attr.a =~ '\\\\Qa)'",
        "attribute:attr.a =~ '\\\\Qa)' or attribute:attr.a == b",
    ):
        t = translate(rule, to="nomad")
        assert t.exact
        for block in t.rule:
            re2.compile(block["value"])
        assert meaning(t.rule, "nomad", UNTERMINATED) == meaning(rule, "ecs", UNTERMINATED)


def test_shorthand_nomad_blocks_are_read_as_nomad() -> None:
    # Before the fix: read as a Kubernetes nodeSelector map ("values[0] '${attr.x}' is
    # invalid"), and `distinct_hosts = false` refused as "a placement rule (NoneType)".
    t = translate({"attribute": "${attr.a}", "regexp": "a"}, to="nomad")
    assert t.rule == [{"attribute": "${attr.a}", "operator": "regexp", "value": "a"}]
    assert translate({"attribute": "${attr.a}", "set_contains": "a,b"}, to="nomad").exact
    off = translate([{"distinct_hosts": False}, {"attribute": "${attr.a}", "value": "x"}],
                    to="nomad")  # fmt: skip
    assert off.rule == [{"attribute": "${attr.a}", "operator": "=", "value": "x"}]


# Each note names a shift that is real: the two sides differ on the inventory shown.


def _differ(rule: Any, source: str, to: str, nodes: Fleet, phrase: str) -> None:
    t = translate(rule, to=to, source=source)
    assert not t.exact and any(phrase in note for note in t.notes), t.notes
    assert meaning(rule, source, nodes) != meaning(t.rule, to, nodes), (rule, t.rule)


def test_each_inexact_note_names_a_real_shift() -> None:
    _differ("attribute:attr.a >= 4", "ecs", "k8s", fleet({"attr.a": "4.5"}), "int64")
    _differ("attribute:attr.a != x", "ecs", "k8s", fleet({"attr.a": None}), "name-only")
    _differ("attribute:attr.a != x", "ecs", "nomad", fleet({"attr.a": None}), "name-only")
    _differ("attribute:env == x", "ecs", "nomad", fleet({"env": "x"}), "meta.env")
    _differ("attribute:attr.a >= 1e3", "ecs", "nomad", fleet({"attr.a": "1_000"}), "Go's way")
    block = {"attribute": "${attr.a}", "operator": ">=", "value": "1e3"}
    _differ(block, "nomad", "ecs", fleet({"attr.a": "1_000"}), "int64, else float64")


def test_exact_bridges_are_needed() -> None:
    # The exact bridges change the text because the plain reading would differ.
    bare = fleet({})
    notin = translate("env notin (a)", to="ecs", source="k8s")
    assert "!exists" in notin.notes[0] or "without the label" in notin.notes[0]
    assert (
        meaning(notin.rule, "ecs", bare) == [True] != meaning("attribute:env !in [a]", "ecs", bare)
    )
    block = {"attribute": "${attr.a}", "operator": "regexp", "value": "a"}
    inside = fleet({"attr.a": "xay"})
    search = translate(block, to="ecs")
    assert any("searches anywhere" in note for note in search.notes)
    assert (
        meaning(search.rule, "ecs", inside)
        == [True]
        != meaning("attribute:attr.a =~ a", "ecs", inside)
    )
