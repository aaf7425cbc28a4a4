"""Conformance with the Kubernetes documentation, rule by rule (each test cites its page).

Pages: "Labels and Selectors" (kubernetes.io/docs/concepts/overview/working-with-objects/
labels), "Assigning Pods to Nodes" (.../scheduling-eviction/assign-pod-node), "Taints and
Tolerations" (.../scheduling-eviction/taint-and-toleration), and the API reference of
NodeSelectorTerm, PodAffinityTerm and Toleration, whose validation the API server applies at
admission. Each rule is checked end to end: a Pod read by `TaskSpec.from_k8s`, nodes by
`Inventory.from_k8s`, and whether `place` puts a copy on a node.
"""

from __future__ import annotations

from typing import Any

import pytest

from placement import Instance, Inventory, TaskSpec, explain_placement
from placement.errors import PlacementInputError
from placement.k8s import selector

# -- helpers -----------------------------------------------------------------------------------


def node(name: str, labels: dict[str, str] | None = None,
         taints: list[dict[str, str]] | None = None) -> dict[str, Any]:  # fmt: skip
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                  **(labels or {})}},
            "spec": {"taints": taints or []},
            "status": {"allocatable": {"cpu": "8", "memory": "8Gi", "pods": "100"}}}  # fmt: skip


def running(name: str, on: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"nodeName": on, "containers": [{"name": "c"}]},
            "status": {"phase": "Running"}}  # fmt: skip


def pod(labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {"name": "p", "namespace": "default",
                                        "labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": "c"}], **spec}}  # fmt: skip


def fits(nodes: list[dict[str, Any]], the_pod: dict[str, Any],
         pods: list[dict[str, Any]] | None = None) -> list[str]:  # fmt: skip
    """The nodes that may take one copy of `the_pod` (no reason refuses them)."""
    found = explain_placement(Inventory.from_k8s(nodes, pods or []), TaskSpec.from_k8s(the_pod))
    return sorted(n["metadata"]["name"] for n in nodes
                  if not found.reasons(n["metadata"]["name"]))  # fmt: skip


def matches(text_or_object: Any, labels: dict[str, str]) -> bool:
    return bool(selector(text_or_object).matches(Instance(arn="n", attributes=labels)))


def required(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": list(terms)}}}  # fmt: skip


def expr(key: str, operator: str, *values: str) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        out["values"] = list(values)
    return out


# -- Labels and Selectors: syntax --------------------------------------------------------------
# "Valid label keys have two segments: an optional prefix and name, separated by a slash. The
# name segment is required and must be 63 characters or less, beginning and ending with an
# alphanumeric character with dashes, underscores, dots, and alphanumerics between. The prefix
# is optional. If specified, the prefix must be a DNS subdomain ... not longer than 253
# characters." "Valid label value: must be 63 characters or less (can be empty), unless empty,
# must begin and end with an alphanumeric character ..."


@pytest.mark.parametrize(
    "key",
    ["app", "a", "A_b.c-D", "x" * 63, "example.com/app", "kubernetes.io/hostname",
     "a-b.c-d/e", "9/9", f"{'a' * 63}.{'b' * 60}/x"],
)  # fmt: skip
def test_valid_keys(key: str) -> None:
    assert matches(f"{key}=v", {key: "v"})
    assert matches({"matchLabels": {key: "v"}}, {key: "v"})


@pytest.mark.parametrize(
    "key",
    ["", "-app", "app-", "_app", "app.", "x" * 64, "Example.com/app", "/app", "example.com/",
     "a/b/c", "exa_mple.com/app", "-example.com/app", "example..com/app", "ex mple",
     "app\u00e9"],
)  # fmt: skip
def test_invalid_keys_are_refused_naming_the_key(key: str) -> None:
    with pytest.raises(PlacementInputError, match="key"):
        selector({"matchLabels": {key: "v"}})


@pytest.mark.parametrize("value", ["", "v", "V1", "a_b.c-d", "1", "x" * 63, "01", "1.0"])
def test_valid_values(value: str) -> None:
    assert matches({"matchLabels": {"k": value}}, {"k": value})


@pytest.mark.parametrize("value", ["-v", "v-", ".v", "x" * 64, "a b", "a/b", " 1", "+1", "-1"])
def test_invalid_values_are_refused(value: str) -> None:
    with pytest.raises(PlacementInputError, match="value"):
        selector({"matchLabels": {"k": value}})
    with pytest.raises(PlacementInputError):
        selector({"matchExpressions": [expr("k", "In", value)]})


def test_inequality_and_notin_hold_where_the_label_is_absent() -> None:
    # "environment!=production: all resources with the key not equal to production ... plus all
    # resources without a label with the environment key"; likewise `notin`.
    assert matches("environment!=production", {})
    assert matches("environment notin (production, qa)", {"tier": "web"})
    assert not matches("environment in (production, qa)", {})
    assert not matches("environment=production", {})
    assert matches({"matchExpressions": [expr("environment", "NotIn", "production")]}, {})
    assert not matches("environment notin (production)", {"environment": "production"})


def test_exists_and_does_not_exist() -> None:
    # "partition: all resources including a label with key partition; no values are checked";
    # "!partition: all resources without a label with key partition".
    assert matches("partition", {"partition": ""})
    assert not matches("partition", {})
    assert matches("!partition", {})
    assert not matches("!partition", {"partition": "a"})


def test_empty_selectors_select_everything() -> None:
    # An empty LabelSelector `{}` and the empty selector text select every object.
    for empty in ("", "   ", {}, {"matchLabels": {}, "matchExpressions": []}):
        assert matches(empty, {})
        assert matches(empty, {"a": "b"})


def test_comma_is_and_and_whitespace_is_free() -> None:
    # "The comma separator acts as a logical AND (&&) operator"; spaces around tokens are free.
    text = " environment in ( production , qa ) ,tier != frontend , ! legacy "
    assert matches(text, {"environment": "qa", "tier": "web"})
    assert not matches(text, {"environment": "qa", "tier": "frontend"})
    assert not matches(text, {"environment": "qa", "legacy": "y"})
    assert matches("environment==production", {"environment": "production"})


@pytest.mark.parametrize(
    "text",
    ["env in prod", "env in (prod", "env=(prod)", "=prod", "env,", ",env", "env notin",
     "env in (a b)", "env!", "env>1.5", "env<x"],
)  # fmt: skip
def test_malformed_selector_text_is_refused(text: str) -> None:
    with pytest.raises(PlacementInputError, match="label selector"):
        selector(text)


def test_go_parser_quirks_are_kept() -> None:
    # labels.Parse reads `k=` and `k==` as the value "" (present and empty), `k in ()` as {""}.
    for text in ("env=", "env==", "env in ()"):
        assert matches(text, {"env": ""})
        assert not matches(text, {"env": "x"})
        assert not matches(text, {})


def test_set_operators_need_values_and_exists_takes_none() -> None:
    # LabelSelectorRequirement: "If the operator is In or NotIn, the values array must be
    # non-empty. If the operator is Exists or DoesNotExist, the values array must be empty."
    for bad in (expr("k", "In"), expr("k", "NotIn"), expr("k", "Exists", "v"),
                expr("k", "DoesNotExist", "v"), expr("k", "Gt", "1"), expr("k", "in", "v")):
        with pytest.raises(PlacementInputError, match=r"matchExpressions\[0\]"):
            selector({"matchExpressions": [bad]})


# -- Assigning Pods to Nodes: nodeSelector and node affinity -----------------------------------

ZONED = [node("a", {"zone": "A", "disk": "ssd", "cores": "8"}),
         node("b", {"zone": "B", "disk": "hdd", "cores": "16"}),
         node("c", {"zone": "C", "cores": "01"}),
         node("d", {"cores": "1.5"})]  # fmt: skip


def test_terms_are_ored_and_expressions_anded() -> None:
    # "If you specify multiple terms in nodeSelectorTerms ... the Pod can be scheduled onto a
    # node if one of the specified terms can be satisfied (terms are ORed). If you specify
    # multiple expressions in a single matchExpressions field ... the Pod can be scheduled onto
    # a node only if all the expressions are satisfied (expressions are ANDed)."
    ored = pod(affinity=required({"matchExpressions": [expr("zone", "In", "A")]},
                                 {"matchExpressions": [expr("disk", "In", "hdd")]}))
    anded = pod(affinity=required({"matchExpressions": [expr("zone", "In", "A", "B"),
                                                        expr("disk", "In", "hdd")]}))
    assert fits(ZONED, ored) == ["a", "b"]
    assert fits(ZONED, anded) == ["b"]


def test_node_selector_and_affinity_must_both_hold() -> None:
    # "If you specify both nodeSelector and nodeAffinity, both must be satisfied."
    both = pod(nodeSelector={"disk": "ssd"},
               affinity=required({"matchExpressions": [expr("zone", "In", "B")]}))
    assert fits(ZONED, both) == []
    assert fits(ZONED, pod(nodeSelector={"disk": "ssd"})) == ["a"]


def test_not_in_and_does_not_exist_give_anti_affinity() -> None:
    # "You can use NotIn and DoesNotExist to achieve node anti-affinity behavior."
    not_in = pod(affinity=required({"matchExpressions": [expr("zone", "NotIn", "A")]}))
    absent = pod(affinity=required({"matchExpressions": [expr("disk", "DoesNotExist")]}))
    assert fits(ZONED, not_in) == ["b", "c", "d"]  # d has no zone: NotIn holds
    assert fits(ZONED, absent) == ["c", "d"]


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [("Gt", "8", ["b"]), ("Gt", "0", ["a", "b", "c"]), ("Lt", "9", ["a", "c"]),
     ("Gt", "01", ["a", "b"]),  # the value "01" reads as 1; label "01" too (and is not > 1)
     ("Lt", "9223372036854775807", ["a", "b", "c"])],
)  # fmt: skip
def test_gt_lt_read_both_sides_as_int64(operator: str, value: str, expected: list[str]) -> None:
    # "Gt: the field value will be parsed as an integer, and that integer is less than the
    # integer that results from parsing the value of a label named by this selector"; a label
    # that is not an integer ("1.5") never matches.
    the_pod = pod(affinity=required({"matchExpressions": [expr("cores", operator, value)]}))
    assert fits(ZONED, the_pod) == expected


@pytest.mark.parametrize("value", ["1.0", "abc", "9223372036854775808", "0x10", "1e3"])
def test_a_gt_value_that_is_no_int64_makes_its_term_match_nothing(value: str) -> None:
    # The API server admits any label value; the scheduler fails to parse the term, which then
    # matches no node, while the other terms still count.
    bad = {"matchExpressions": [expr("cores", "Gt", value)]}
    assert fits(ZONED, pod(affinity=required(bad))) == []
    other = {"matchExpressions": [expr("zone", "In", "C")]}
    assert fits(ZONED, pod(affinity=required(bad, other))) == ["c"]


@pytest.mark.parametrize("values", [[], ["1", "2"], ["-1"], ["+1"], [" 1"], ["1 "]])
def test_gt_values_the_api_server_refuses(values: list[str]) -> None:
    # Gt/Lt need exactly one value, and a value must be a label value ("-1", "+1", " 1" are
    # not: they do not begin and end with an alphanumeric character).
    the_pod = pod(affinity=required({"matchExpressions": [expr("cores", "Gt", *values)]}))
    with pytest.raises(PlacementInputError, match=r"nodeSelectorTerms\[0\]\.matchExpressions"):
        TaskSpec.from_k8s(the_pod)


def test_empty_terms() -> None:
    # NodeSelectorTerm: "A null or empty node selector term matches no objects"; NodeSelector:
    # the API server requires at least one term.
    assert fits(ZONED, pod(affinity=required({}))) == []
    assert fits(ZONED, pod(affinity=required({"matchExpressions": []}, {"matchFields": []}))) == []
    empty_and_one = required({}, {"matchExpressions": [expr("zone", "In", "B")]})
    assert fits(ZONED, pod(affinity=empty_and_one)) == ["b"]
    with pytest.raises(PlacementInputError, match="at least one node selector term"):
        TaskSpec.from_k8s(pod(affinity=required()))


def test_match_fields_reads_metadata_name_only() -> None:
    by_name = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["c"]}]}
    assert fits(ZONED, pod(affinity=required(by_name))) == ["c"]
    not_name = {"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["c"]}]}
    assert fits(ZONED, pod(affinity=required(not_name))) == ["a", "b", "d"]
    for bad in ({"key": "metadata.labels", "operator": "In", "values": ["c"]},
                {"key": "metadata.name", "operator": "Exists"},
                {"key": "metadata.name", "operator": "In", "values": ["a", "b"]}):  # fmt: skip
        with pytest.raises(PlacementInputError, match=r"matchFields\[0\]"):
            TaskSpec.from_k8s(pod(affinity=required({"matchFields": [bad]})))


def test_preferred_node_affinity_never_filters_but_is_checked() -> None:
    # "preferredDuringSchedulingIgnoredDuringExecution: The scheduler tries to find a node that
    # meets the rule. If a matching node is not available, the scheduler still schedules the
    # Pod." Weights are 1..100; the preference is a NodeSelectorTerm.
    def preferred(*items: dict[str, Any]) -> dict[str, Any]:
        return {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": list(items)}}

    good = {"weight": 1, "preference": {"matchExpressions": [expr("zone", "In", "Z")]}}
    assert fits(ZONED, pod(affinity=preferred(good))) == ["a", "b", "c", "d"]
    for bad in ({**good, "weight": 0}, {**good, "weight": 101}, {**good, "weight": "5"},
                {"weight": 5}, {**good, "preference": {"matchExpressions": [expr("-z", "In")]}},
                {**good, "preference": {"matchExpressions": [expr("z", "In")]}}):  # fmt: skip
        with pytest.raises(PlacementInputError, match=r"preferredDuring.*\[0\]"):
            TaskSpec.from_k8s(pod(affinity=preferred(bad)))
