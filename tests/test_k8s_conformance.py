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


# -- Taints and Tolerations --------------------------------------------------------------------


def tainted(name: str, *taints: tuple[str, str, str]) -> dict[str, Any]:
    return node(name, taints=[{"key": k, "value": v, "effect": e} for k, v, e in taints])


TAINTED = [tainted("plain"), tainted("ns", ("key1", "value1", "NoSchedule")),
           tainted("ne", ("key1", "value1", "NoExecute")),
           tainted("pref", ("key1", "value1", "PreferNoSchedule")),
           tainted("other", ("key2", "", "NoSchedule")),
           tainted("two", ("key1", "value1", "NoSchedule"), ("key2", "", "NoExecute"))]  # fmt: skip


@pytest.mark.parametrize(
    ("toleration", "expected"),
    [  # "A toleration 'matches' a taint if the keys are the same and the effects are the same,
       # and: the operator is Exists (no value should be specified), or the operator is Equal
       # and the values should be equal." PreferNoSchedule "tries to avoid": never refuses.
        (None, ["plain", "pref"]),
        ({"key": "key1", "operator": "Equal", "value": "value1", "effect": "NoSchedule"},
         ["ns", "plain", "pref"]),
        # "The default value for operator is Equal."
        ({"key": "key1", "value": "value1", "effect": "NoSchedule"}, ["ns", "plain", "pref"]),
        ({"key": "key1", "value": "other", "effect": "NoSchedule"}, ["plain", "pref"]),
        ({"key": "key1", "operator": "Exists", "effect": "NoSchedule"}, ["ns", "plain", "pref"]),
        # "An empty effect matches all effects with key key1."
        ({"key": "key1", "operator": "Exists"}, ["ne", "ns", "plain", "pref"]),
        # "An empty key with operator Exists matches all keys, values and effects".
        ({"operator": "Exists"}, ["ne", "ns", "other", "plain", "pref", "two"]),
        ({"operator": "Exists", "effect": "NoSchedule"}, ["ns", "other", "plain", "pref"]),
        # The key2 taint's value is empty: Equal with no value matches it.
        ({"key": "key2", "effect": "NoSchedule"}, ["other", "plain", "pref"]),
        # tolerationSeconds only bounds eviction: scheduling tolerates as without it.
        ({"key": "key1", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60},
         ["ne", "plain", "pref"]),
    ],
)  # fmt: skip
def test_tolerations_match_taints(toleration: dict[str, Any] | None, expected: list[str]) -> None:
    spec = {} if toleration is None else {"tolerations": [toleration]}
    assert fits(TAINTED, pod(**spec)) == expected


def test_every_untolerated_taint_must_be_tolerated() -> None:
    # "if there is at least one un-ignored taint with effect NoSchedule then Kubernetes will not
    # schedule the Pod onto that node".
    one = {"key": "key1", "operator": "Exists"}
    both = [one, {"key": "key2", "operator": "Exists"}]
    assert "two" not in fits(TAINTED, pod(tolerations=[one]))
    assert "two" in fits(TAINTED, pod(tolerations=both))


@pytest.mark.parametrize(
    ("bad", "part"),
    [({"operator": "Equal", "value": "v"}, "Exists when key is empty"),
     ({"value": "v"}, "Exists when key is empty"),
     ({"key": "k", "operator": "Exists", "value": "v"}, "value must be empty"),
     ({"key": "k", "operator": "In"}, "operator"),
     ({"key": "-k", "operator": "Exists"}, "key"),
     ({"key": "k", "value": "-v"}, "value"),
     ({"key": "k", "effect": "Never"}, "effect"),
     ({"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5}, "NoExecute"),
     ({"key": "k", "effect": "NoExecute", "tolerationSeconds": "5"}, "tolerationSeconds")],
)  # fmt: skip
def test_tolerations_the_api_server_refuses(bad: dict[str, Any], part: str) -> None:
    with pytest.raises(PlacementInputError, match=part):
        TaskSpec.from_k8s(pod(tolerations=[bad]))


# -- Inter-pod affinity and anti-affinity ------------------------------------------------------

HOSTS = [node("a1", {"zone": "A"}), node("a2", {"zone": "A"}), node("b1", {"zone": "B"}),
         node("x")]  # fmt: skip


def pod_term(key: str, labels: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    chosen = None if labels is None else {"matchLabels": labels}
    return {"topologyKey": key, "labelSelector": chosen, **extra}


def with_terms(kind: str, *terms: dict[str, Any], labels: dict[str, str] | None = None,
               preferred: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    block: dict[str, Any] = {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}
    if preferred is not None:
        block["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    return pod(labels, affinity={kind: block})


def test_affinity_and_anti_affinity_by_topology_value() -> None:
    # Affinity: "only if the node is in the same zone as one or more existing Pods"; a node
    # without the key cannot satisfy it. Anti-affinity: not in the same zone; a node without
    # the key passes.
    cache = [running("c", "a2", app="cache")]
    assert fits(HOSTS, with_terms("podAffinity", pod_term("zone", {"app": "cache"})),
                cache) == ["a1", "a2"]  # fmt: skip
    assert fits(HOSTS, with_terms("podAntiAffinity", pod_term("zone", {"app": "cache"})),
                cache) == ["b1", "x"]  # fmt: skip


def test_a_null_label_selector_matches_no_pod() -> None:
    # PodAffinityTerm.labelSelector: "If it's null, this PodAffinityTerm matches with no Pods."
    cache = [running("c", "a2", app="cache")]
    assert fits(HOSTS, with_terms("podAntiAffinity", pod_term("zone", None)), cache) == [
        "a1", "a2", "b1", "x"]  # fmt: skip


def test_the_first_pod_of_a_self_affine_group() -> None:
    # A pod whose affinity term matches itself may go first when no pod matches anywhere.
    alone = with_terms("podAffinity", pod_term("zone", {"app": "web"}))
    assert fits(HOSTS, alone) == ["a1", "a2", "b1"]  # every node with the key
    other = with_terms("podAffinity", pod_term("zone", {"app": "db"}))
    assert fits(HOSTS, other) == []


def test_namespaces() -> None:
    # "If you omit the namespaces list and namespaceSelector, the term applies to the namespace
    # of the Pod"; an empty namespaceSelector ({}) matches every namespace; the term applies to
    # the union of namespaces listed and selected.
    elsewhere = [running("c", "a2", "team", app="cache")]
    term = pod_term("zone", {"app": "cache"})
    assert fits(HOSTS, with_terms("podAntiAffinity", term), elsewhere) == ["a1", "a2", "b1", "x"]
    listed = {**term, "namespaces": ["team"]}
    assert fits(HOSTS, with_terms("podAntiAffinity", listed), elsewhere) == ["b1", "x"]
    every = {**term, "namespaceSelector": {}}
    assert fits(HOSTS, with_terms("podAntiAffinity", every), elsewhere) == ["b1", "x"]
    with pytest.raises(PlacementInputError, match="namespaces"):
        TaskSpec.from_k8s(with_terms("podAntiAffinity", {**term, "namespaces": ["Team_1"]}))


def test_match_label_keys_on_affinity() -> None:
    # "matchLabelKeys: the keys are used to look up values from the incoming pod labels, those
    # key-value labels are merged with labelSelector as `key in (value)`"; keys the pod lacks
    # are ignored. The docs' rolling-update example: affinity with the same revision only.
    old_and_new = [running("o", "a1", app="db", **{"pod-template-hash": "old"}),
                   running("n", "b1", app="db", **{"pod-template-hash": "new"})]  # fmt: skip
    term = pod_term("zone", {"app": "db"}, matchLabelKeys=["pod-template-hash"])
    new = {"app": "web", "pod-template-hash": "new"}
    assert fits(HOSTS, with_terms("podAffinity", term, labels=new), old_and_new) == ["b1"]
    plain = pod_term("zone", {"app": "db"})
    assert fits(HOSTS, with_terms("podAffinity", plain, labels=new), old_and_new) == [
        "a1", "a2", "b1"]  # fmt: skip
    assert fits(HOSTS, with_terms("podAffinity", term, labels={"app": "web"}), old_and_new) == [
        "a1", "a2", "b1"]  # the pod lacks the key: ignored  # fmt: skip


def test_mismatch_label_keys_isolate_tenants() -> None:
    # "mismatchLabelKeys ... merged with labelSelector as `key notin (value)`": the docs'
    # example keeps a tenant's pods off topology domains used by other tenants.
    pods = [running("t1", "a1", tenant="one"), running("t2", "b1", tenant="two")]
    term = {"topologyKey": "zone", "mismatchLabelKeys": ["tenant"],
            "labelSelector": {"matchExpressions": [expr("tenant", "Exists")]}}  # fmt: skip
    mine = with_terms("podAntiAffinity", term, labels={"tenant": "one"})
    assert fits(HOSTS, mine, pods) == ["a1", "a2", "x"]


@pytest.mark.parametrize(
    ("extra", "part"),
    [({"labelSelector": None, "matchLabelKeys": ["app"]}, "labelSelector is not set"),
     ({"matchLabelKeys": ["t"], "mismatchLabelKeys": ["t"]}, "both"),
     ({"matchLabelKeys": ["app"]}, "matchLabels"),
     ({"mismatchLabelKeys": ["-t"]}, "mismatchLabelKeys"),
     ({"matchLabelKeys": "t"}, "matchLabelKeys"),
     ({"topologyKey": ""}, "topologyKey")],
)  # fmt: skip
def test_affinity_terms_the_api_server_refuses(extra: dict[str, Any], part: str) -> None:
    term = {**pod_term("zone", {"app": "db"}), **extra}
    for kind in ("podAffinity", "podAntiAffinity"):
        with pytest.raises(PlacementInputError, match=part):
            TaskSpec.from_k8s(with_terms(kind, term))


def test_preferred_pod_affinity_never_filters_but_is_checked() -> None:
    cache = [running("c", "a2", app="cache")]
    good = {"weight": 100, "podAffinityTerm": pod_term("zone", {"app": "cache"})}
    assert fits(HOSTS, with_terms("podAntiAffinity", preferred=[good]), cache) == [
        "a1", "a2", "b1", "x"]  # fmt: skip
    for bad in ({**good, "weight": 0}, {"weight": 1},
                {**good, "podAffinityTerm": pod_term("", {"app": "cache"})}):  # fmt: skip
        with pytest.raises(PlacementInputError, match=r"preferredDuring.*\[0\]"):
            TaskSpec.from_k8s(with_terms("podAffinity", preferred=[bad]))


# -- Pod Topology Spread Constraints -----------------------------------------------------------


def spread(**extra: Any) -> dict[str, Any]:
    return {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"foo": "bar"}}, **extra}  # fmt: skip


FOUR = [node("node1", {"zone": "zoneA"}), node("node2", {"zoneX": "", "zone": "zoneA"}),
        node("node3", {"zone": "zoneB"}), node("node4", {"zone": "zoneB"}), node("bare")]
THREE = [running("p1", "node1", foo="bar"), running("p2", "node2", foo="bar"),
         running("p3", "node3", foo="bar")]  # fmt: skip


def test_the_documented_example_goes_to_zone_b() -> None:
    # "If the incoming Pod were placed in zoneA the skew would be 3 - 1 = 2, violating maxSkew
    # of 1 ... the incoming Pod can only be placed onto a node in zoneB". A node without the
    # topologyKey ("bare") is never a candidate.
    assert fits(FOUR, pod({"foo": "bar"}, topologySpreadConstraints=[spread()]), THREE) == [
        "node3", "node4"]  # fmt: skip
    assert fits(FOUR, pod({"foo": "bar"}, topologySpreadConstraints=[spread(maxSkew=2)]),
                THREE) == ["node1", "node2", "node3", "node4"]  # fmt: skip


def test_a_pod_outside_its_own_selector_adds_nothing() -> None:
    # The skew is "matching pods in the domain + (1 if the incoming pod matches) - minimum":
    # a pod with other labels may go to zone A (2 + 0 - 1 = 1).
    assert fits(FOUR, pod({"foo": "baz"}, topologySpreadConstraints=[spread()]), THREE) == [
        "node1", "node2", "node3", "node4"]  # fmt: skip


def test_min_domains_makes_the_global_minimum_zero() -> None:
    # "When the number of eligible domains ... is less than minDomains, ... the global minimum
    # is treated as 0": two zones < minDomains 3, so zone B (1 pod) takes a copy only while
    # 1 + 1 - 0 <= maxSkew.
    the_pod = pod({"foo": "bar"}, topologySpreadConstraints=[spread(minDomains=3, maxSkew=2)])
    assert fits(FOUR, the_pod, THREE) == ["node3", "node4"]
    with pytest.raises(PlacementInputError, match="minDomains"):
        TaskSpec.from_k8s(pod(topologySpreadConstraints=[
            spread(minDomains=2, whenUnsatisfiable="ScheduleAnyway")]))  # fmt: skip


def test_max_skew_and_min_domains_take_any_positive_int32() -> None:
    # The API takes both as int32 values greater than zero.
    big = pod({"foo": "bar"}, topologySpreadConstraints=[spread(maxSkew=2**31 - 1)])
    assert fits(FOUR, big, THREE) == ["node1", "node2", "node3", "node4"]
    many = pod({"foo": "bar"}, topologySpreadConstraints=[spread(maxSkew=1, minDomains=2**31 - 1)])
    assert fits(FOUR, many, THREE) == []  # the global minimum is 0: every zone holds a pod
    for bad in (0, -1, 2**31, True, 1.0):
        with pytest.raises(PlacementInputError, match="maxSkew"):
            TaskSpec.from_k8s(pod(topologySpreadConstraints=[spread(maxSkew=bad)]))


def test_running_pods_anti_affinity_uses_their_own_match_label_keys() -> None:
    # The symmetric check: a running pod's required anti-affinity term, with its own values of
    # matchLabelKeys merged in, refuses the incoming pod only where that term matches it.
    guard = running("g", "a1", tenant="one")
    guard["spec"]["affinity"] = {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{
            "topologyKey": "zone", "matchLabelKeys": ["tenant"],
            "labelSelector": {"matchExpressions": [expr("tenant", "Exists")]}}]}}  # fmt: skip
    same, other = pod({"tenant": "one"}), pod({"tenant": "two"})
    assert fits(HOSTS, same, [guard]) == ["b1", "x"]
    assert fits(HOSTS, other, [guard]) == ["a1", "a2", "b1", "x"]


@pytest.mark.parametrize(
    ("spec", "field"),
    [({"topologySpreadConstraints": [spread(minDomain=2)]}, "minDomain"),
     ({"tolerations": [{"key": "k", "operator": "Exists", "efect": "NoSchedule"}]}, "efect"),
     ({"affinity": required({"matchExpression": [expr("zone", "In", "A")]})}, "matchExpression"),
     ({"affinity": required({"matchExpressions": [{**expr("zone", "In", "A"), "value": "A"}]})},
      "value"),
     ({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         {**pod_term("zone", {"app": "x"}), "namespace": "default"}]}}}, "namespace"),
     ({"affinity": {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
         {"weight": 1, "term": pod_term("zone", {"app": "x"})}]}}}, "term")],
)  # fmt: skip
def test_unknown_fields_are_refused_not_dropped(spec: dict[str, Any], field: str) -> None:
    # kubectl asks for strict field validation by default: a misspelt field is an error, not a
    # silently dropped rule.
    with pytest.raises(PlacementInputError, match=f"unknown field '{field}'"):
        TaskSpec.from_k8s(pod(**spec))


@pytest.mark.parametrize(
    "affinity",
    [{"nodeAfinity": {}},
     {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecutions": {}}},
     {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
         "nodeSelectorTerm": [{"matchExpressions": [expr("zone", "In", "A")]}]}}},
     {"podAntiAffinity": {"requiredDuringSchedulingRequiredDuringExecution": []}}],
)  # fmt: skip
def test_a_misspelt_affinity_block_is_refused(affinity: dict[str, Any]) -> None:
    with pytest.raises(PlacementInputError, match="unknown field"):
        TaskSpec.from_k8s(pod(affinity=affinity))


def test_a_label_selector_is_an_object_not_text() -> None:
    # The API's labelSelector fields are LabelSelector objects; selector text is for kubectl.
    with pytest.raises(PlacementInputError, match="LabelSelector object"):
        TaskSpec.from_k8s(pod(topologySpreadConstraints=[spread(labelSelector="foo=bar")]))
    with pytest.raises(PlacementInputError, match="LabelSelector object"):
        TaskSpec.from_k8s(with_terms("podAntiAffinity", {"topologyKey": "zone",
                                                         "labelSelector": "app=x"}))
