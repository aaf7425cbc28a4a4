"""Kubernetes front end, properties: compiled selectors agree with Kubernetes' own matching.

Random nodes with random labels, random requirements: the compiled ECS expression's scalar
answer (`matches`), its vectorized answer (`evaluate`) and a direct restatement of
`Requirement.Matches` agree on every node; the text and object forms compile to the same tree,
which prints back. Taints: the vectorized rule, the per-instance rule and `ToleratesTaint`
restated agree.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from conftest import examples
from engines import assert_engines_agree
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Instance, Inventory, TaskSpec, parse
from placement.k8s import NODE_NAME, TAINTS, Taints, node_affinity, selector
from placement.rules import View

KEYS = ["a", "b", "example.com/c"]
# Label values, integers in many spellings among them (Gt/Lt read them as Go's ParseInt).
VALUES = ["", "x", "y", "in", "0", "5", "007", "6", "10", "-3", "+6", "1.5", "v2",
          "9223372036854775807", "9223372036854775808"]  # fmt: skip
# Values a selector may name: label values (no sign) only.
ARGUMENTS = ["", "x", "y", "in", "0", "5", "007", "6", "10", "9223372036854775807"]
BOUNDS = ["0", "5", "007", "6", "9223372036854775807"]
OPS = ["exists", "!", "=", "==", "!=", "in", "notin", ">", "<"]

labels_st = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)


@st.composite
def requirement_st(draw: Any) -> tuple[str, str, list[str]]:
    key = draw(st.sampled_from(KEYS))
    op = draw(st.sampled_from(OPS))
    if op in ("exists", "!"):
        return key, op, []
    if op in (">", "<"):
        return key, op, [draw(st.sampled_from(BOUNDS))]
    if op in ("in", "notin"):
        # Distinct values: Go's list parser refuses some runs of empty items, as `(a, , )`.
        values = st.lists(st.sampled_from(ARGUMENTS), min_size=1, max_size=3, unique=True)
        return key, op, draw(values)
    return key, op, [draw(st.sampled_from(ARGUMENTS))]


def parse_int(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 10, 64), restated."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def k8s_matches(key: str, op: str, values: list[str], labels: dict[str, str]) -> bool:
    """Requirement.Matches, restated from the Kubernetes documentation."""
    present = key in labels
    if op == "exists":
        return present
    if op == "!":
        return not present
    if op in ("=", "==", "in"):
        return present and labels[key] in values
    if op in ("!=", "notin"):
        return not present or labels[key] not in values
    number = parse_int(labels[key]) if present else None
    if number is None:
        return False
    bound = int(values[0])
    return number > bound if op == ">" else number < bound


def text_of(key: str, op: str, values: list[str]) -> str:
    if op == "exists":
        return key
    if op == "!":
        return "!" + key
    if op in ("in", "notin"):
        return f"{key} {op} ({', '.join(values)})"
    return f"{key}{op}{values[0]}"


def inventory_of(nodes: list[dict[str, str]]) -> tuple[list[Instance], Inventory]:
    instances = [
        Instance(arn=f"node-{i}", attributes={**labels, NODE_NAME: f"node-{i}"})
        for i, labels in enumerate(nodes)
    ]
    return instances, Inventory.from_instances(instances)


@settings(max_examples=examples())
@given(st.lists(requirement_st(), max_size=4), st.lists(labels_st, min_size=1, max_size=12))
def test_selector_text_agrees_with_kubernetes(
    requirements: list[tuple[str, str, list[str]]], nodes: list[dict[str, str]]
) -> None:
    expr = selector(",".join(text_of(*r) for r in requirements))
    assert parse(str(expr), max_length=None) == expr
    instances, inv = inventory_of(nodes)
    want = [all(k8s_matches(*r, labels) for r in requirements) for labels in nodes]
    assert [expr.matches(inst) for inst in instances] == want
    assert expr.evaluate(inv).tolist() == want


_API = {"in": "In", "notin": "NotIn", "exists": "Exists", "!": "DoesNotExist", ">": "Gt",
        "<": "Lt"}  # fmt: skip


@settings(max_examples=examples())
@given(
    st.lists(st.lists(requirement_st(), max_size=3), max_size=3),
    st.lists(labels_st, min_size=1, max_size=12),
)
def test_node_affinity_agrees_with_kubernetes(
    terms: list[list[tuple[str, str, list[str]]]], nodes: list[dict[str, str]]
) -> None:
    # Terms OR, expressions AND, an empty term matches nothing; `=`/`!=` have no API form.
    api_terms = [
        [(k, op, v) for k, op, v in term if op in _API] for term in terms
    ]
    doc = {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": k, "operator": _API[op], "values": v} for k, op, v in term]}
        for term in api_terms
    ]}  # fmt: skip
    expr = node_affinity(doc)
    assert parse(str(expr), max_length=None) == expr
    instances, inv = inventory_of(nodes)
    want = [
        any(term and all(k8s_matches(*r, labels) for r in term) for term in api_terms)
        for labels in nodes
    ]
    assert [expr.matches(inst) for inst in instances] == want
    assert expr.evaluate(inv).tolist() == want
    # A LabelSelector object of one term's set-based expressions is the same selector text.
    if api_terms and all(op not in (">", "<") for _, op, _ in api_terms[0]):
        items = [{"key": k, "operator": _API[op], "values": v} for k, op, v in api_terms[0]]
        assert selector({"matchExpressions": items}) == selector(
            ",".join(text_of(*r) for r in api_terms[0])
        )


TAINT_KEYS = ["a", "b", "example.com/c"]
EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
taint_st = st.tuples(st.sampled_from(TAINT_KEYS), st.sampled_from(["", "x", "y"]),
                     st.sampled_from(EFFECTS))  # fmt: skip


@st.composite
def toleration_st(draw: Any) -> dict[str, str]:
    exists = draw(st.booleans())
    key = draw(st.sampled_from(["", *TAINT_KEYS])) if exists else draw(st.sampled_from(TAINT_KEYS))
    out = {"key": key, "operator": "Exists" if exists else "Equal",
           "effect": draw(st.sampled_from(["", *EFFECTS]))}  # fmt: skip
    if not exists:
        out["value"] = draw(st.sampled_from(["", "x", "y"]))
    return out


def tolerates(toleration: dict[str, str], taint: tuple[str, str, str]) -> bool:
    """ToleratesTaint, restated."""
    key, value, effect = taint
    if toleration["effect"] and toleration["effect"] != effect:
        return False
    if toleration["key"] and toleration["key"] != key:
        return False
    return toleration["operator"] == "Exists" or toleration.get("value", "") == value


@settings(max_examples=examples())
@given(st.lists(st.lists(taint_st, max_size=3), min_size=1, max_size=10),
       st.lists(toleration_st(), max_size=3))  # fmt: skip
def test_taints_agree_with_kubernetes(
    nodes: list[list[tuple[str, str, str]]], tolerations: list[dict[str, str]]
) -> None:
    instances = [
        Instance(arn=f"n{i}", attributes={TAINTS: ",".join(f"{k}={v}:{e}" for k, v, e in taints)}
                 if taints else {})
        for i, taints in enumerate(nodes)
    ]  # fmt: skip
    rule = Taints(tolerations)
    want = [
        any(e != "PreferNoSchedule" and not any(tolerates(t, (k, v, e)) for t in tolerations)
            for k, v, e in taints)
        for taints in nodes
    ]  # fmt: skip
    view = View(Inventory.from_instances(instances))
    assert np.asarray(rule.excluded(view, TaskSpec())).tolist() == want
    assert rule.reference_excluded(instances, TaskSpec()) == want


@st.composite
def k8s_problem(draw: Any) -> tuple[Inventory, TaskSpec, int]:
    """A random cluster as kubectl shows it, and a random pod to place on it."""
    nodes, pods = [], []
    for i in range(draw(st.integers(1, 6))):
        name = f"node-{i}"
        allocatable = {"cpu": draw(st.sampled_from(["500m", "1", "2", "3500m"])),
                       "memory": draw(st.sampled_from(["1Gi", "4Gi", "1500Mi"]))}  # fmt: skip
        if draw(st.booleans()):
            allocatable["pods"] = str(draw(st.integers(0, 4)))
        taints = draw(st.lists(taint_st, max_size=2, unique_by=lambda t: (t[0], t[2])))
        nodes.append({
            "metadata": {"name": name, "labels": draw(labels_st)},
            "spec": {"taints": [{"key": k, "value": v, "effect": e} for k, v, e in taints],
                     "unschedulable": draw(st.booleans()) and draw(st.booleans())},
            "status": {"allocatable": allocatable},
        })  # fmt: skip
        for j in range(draw(st.integers(0, 3))):
            pods.append({
                "metadata": {"name": f"p{i}-{j}", "labels": {"app": draw(st.sampled_from("xy"))}},
                "spec": {"nodeName": name, "containers": [{"resources": {"requests": {
                    "cpu": draw(st.sampled_from(["100m", "250m", "1"])), "memory": "256Mi"}}}]},
                "status": {"phase": draw(st.sampled_from(["Running", "Pending", "Succeeded"]))},
            })  # fmt: skip
    spec: dict[str, Any] = {
        "containers": [{"resources": {"requests": {
            "cpu": draw(st.sampled_from(["100m", "300m", "1"])), "memory": "128Mi"}}}],
        "tolerations": draw(st.lists(toleration_st(), max_size=2)),
    }  # fmt: skip
    requirements = draw(st.lists(requirement_st(), max_size=2))
    if requirements:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [
                {"key": k, "operator": _API[op], "values": v}
                for k, op, v in requirements if op in _API]}]}}}  # fmt: skip
    pod = {"kind": "Pod", "metadata": {"name": "new", "labels": {"app": "x"}}, "spec": spec}
    return Inventory.from_k8s(nodes, pods), TaskSpec.from_k8s(pod), draw(st.integers(1, 8))


@settings(max_examples=examples(0.5))
@given(k8s_problem())
def test_engines_agree_on_k8s_clusters(problem: tuple[Inventory, TaskSpec, int]) -> None:
    assert_engines_agree(*problem)


_NAME_ST = st.from_regex(r"\A[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\Z")
_PREFIX_ST = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]{1,10}){0,3}\Z")
_KEY_ST = st.one_of(_NAME_ST, st.builds(lambda p, n: f"{p}/{n}", _PREFIX_ST, _NAME_ST)).filter(
    lambda key: len(key) <= 128
)
_VALUE_ST = st.one_of(st.just(""), st.sampled_from(["in", "and", "not", "exists", "or"]), _NAME_ST)


@settings(max_examples=examples())
@given(_KEY_ST, st.lists(_VALUE_ST, min_size=1, max_size=3, unique=True))
def test_every_valid_label_prints_back(key: str, values: list[str]) -> None:
    # Keys, and values spelled like keywords or empty, print as text the parser reads back.
    for op in ("In", "NotIn", "Exists", "DoesNotExist"):
        item = {"key": key, "operator": op}
        if op in ("In", "NotIn"):
            item["values"] = values  # type: ignore[assignment]
        expr = selector({"matchExpressions": [item]})
        assert parse(str(expr), max_length=None) == expr
    for value in values:
        expr = selector({"matchLabels": {key: value}})
        assert parse(str(expr), max_length=None) == expr
        inst = Instance(arn="n", attributes={key: value})
        assert expr.matches(inst)
        assert not selector(f"{key}!={value}").matches(inst)
