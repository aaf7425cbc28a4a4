"""Kubernetes front end: conformance cases from the Kubernetes docs and test tables.

Selector syntax and matching (apimachinery `labels` tests), key/value validity, node affinity,
taints and tolerations, quantities, pod requests, and the loaders feeding the engines.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

import placement
from placement import (
    ClusterState,
    Instance,
    Inventory,
    PlacementInputError,
    TaskSpec,
    explain_placement,
    headroom,
    parse,
    place,
    rank,
)
from placement.errors import InventoryError
from placement.k8s import (
    NODE_NAME,
    PODS,
    TAINTS,
    TOO_MANY_PODS,
    UNTOLERATED,
    PodSlots,
    Taints,
    Toleration,
    millicores,
    node_affinity,
    pod_requests,
    selector,
    whole,
)


def node(labels: dict[str, str] | None = None, name: str = "n") -> Instance:
    """An instance with these labels, as `from_k8s` stores them."""
    return Instance(arn=name, attributes={**(labels or {}), NODE_NAME: name})


def matches(expr: placement.Expression, labels: dict[str, str], name: str = "n") -> bool:
    """Scalar and vectorized answers, checked equal, for one node."""
    inst = node(labels, name)
    scalar = expr.matches(inst)
    assert bool(expr.evaluate(Inventory.from_instances([inst]))[0]) == scalar
    assert parse(str(expr), max_length=None) == expr  # every compiled tree prints back
    return scalar


# -- selector strings: TestSelectorParse, TestSetSelectorParser --


@pytest.mark.parametrize(
    "text",
    ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "!x", "x>1", "x>1,z<5",
     "x in (abc,)", "x in ()", "x notin (abc,,def),bar,z in (),w",
     "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "foo  in\t (abc)",
     "x notin\n (abc)", "this-is-a-dns.domain.com/key-with-dash in (so,what)",
     "a in (x,y,notin, z,in)", "notin=in", "x==a", "  x  ", "x in (a,,b)"],
)  # fmt: skip
def test_valid_selectors(text: str) -> None:
    assert isinstance(selector(text), placement.Expression)


@pytest.mark.parametrize(
    "text",
    ["x=a||y=b", "x==a==b", "!x=a", "x<a", "x,,y", ",x,y", "x nott in (y)", "a in (xyz),",
     "a in (xyz)b notin ()", "a in (xyz abc)", "a notin(", "a (", "(", "x=a b", "x>-1",
     "x in (a b)", "x=(", "!", "x!", "x=a,", "x>", "x>1.5", "x<9223372036854775808"],
)  # fmt: skip
def test_invalid_selectors(text: str) -> None:
    with pytest.raises(PlacementInputError):
        selector(text)


@pytest.mark.parametrize(
    ("text", "labels", "want"),
    [
        ("x=y", {"x": "y"}, True),
        ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
        ("notin=in", {"notin": "in"}, True),
        ("!x", {"y": "z"}, True),
        ("x>1", {"x": "2"}, True),
        ("x<1", {"x": "0"}, True),
        ("x=z", {}, False),
        ("x>1", {"x": "0"}, False),
        ("z>1", {"z": "v2"}, False),
        ("x notin (),y", {"y": ""}, True),  # TestRequirementSelectorMatching: {y:""}
        ("x in (abc,)", {"x": ""}, True),  # the trailing comma adds ""
        ("x in ()", {"x": "a"}, False),  # () is the set {""}
        ("x=", {"x": ""}, True),
        ("x=", {}, False),
        ("x!=a", {}, True),  # != holds where the label is absent
        ("x notin (a,b)", {}, True),  # notin too
        ("x notin (a,b)", {"x": "a"}, False),
        ("x in (a,b)", {}, False),
        ("x", {"x": ""}, True),
        ("", {}, True),  # the empty selector selects everything
        ("a in (x,y,notin, z,in)", {"a": "in"}, True),
        ("x>1", {}, False),
        ("x==a", {"x": "a"}, True),
    ],
)
def test_selector_matches(text: str, labels: dict[str, str], want: bool) -> None:
    assert matches(selector(text), labels) is want


def test_compiled_forms() -> None:
    # The compilation is exact and the printed form is the ECS language's.
    assert str(selector("k!=v")) == "not(attribute:k == v)"
    assert str(selector("k notin (b,a)")) == "not(attribute:k in [a, b])"
    assert str(selector("!k")) == "attribute:k !exists"
    assert str(selector("k")) == "attribute:k exists"
    assert str(selector("k==v")) == "attribute:k == v"
    assert str(selector("k in (and, or)")) == "attribute:k in ['and', 'or']"
    # Requirements are sorted by key, as Kubernetes sorts them.
    assert selector("x=a,a=x") == selector("a=x,x=a")


def test_nul_ends_the_text_where_a_token_would_start() -> None:
    # Go's lexer reads a NUL byte as the end of the input where a token would begin.
    assert selector("x=a,\0junk") is not None
    assert matches(selector("x=a,y=b\0"), {"x": "a", "y": "b"})


def test_long_selector_refused_before_scanning() -> None:
    with pytest.raises(PlacementInputError, match="over the limit"):
        selector("x," * 40_000)


# -- keys and values: kube_test.go --


@pytest.mark.parametrize(
    "key",
    ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple",
     "now-with-dashes/simple", "now-with-dashes/now-with-dashes", "now.with.dots/simple",
     "now-with.dashes-and.dots/simple", "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678",
     "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123", "a" * 63],
)  # fmt: skip
def test_valid_keys(key: str) -> None:
    assert matches(selector(key), {key: "v"})


@pytest.mark.parametrize(
    "key",
    ["nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash",
     "Example.com/abc", "example_com/abc", "example.com/", "/simple", "a" * 64,
     "a" * 254 + "/abc", "ünicode", "example.com/-dash"],
)  # fmt: skip
def test_invalid_keys(key: str) -> None:
    with pytest.raises(PlacementInputError, match="key"):
        selector({"matchExpressions": [{"key": key, "operator": "Exists"}]})


def test_keys_longer_than_ecs_attribute_names_are_refused_with_the_reason() -> None:
    key = "a" * 100 + ".example.com/" + "b" * 30  # valid in Kubernetes: 143 characters
    with pytest.raises(PlacementInputError, match="at most 128"):
        selector(key)
    assert matches(selector("a" * 60 + ".io/" + "b" * 63), {"a" * 60 + ".io/" + "b" * 63: ""})


@pytest.mark.parametrize(
    "value",
    ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63,
     "Uppercase_Is_OK_123", ""],
)  # fmt: skip
def test_valid_values(value: str) -> None:
    assert matches(selector({"matchLabels": {"k": value}}), {"k": value})


@pytest.mark.parametrize(
    "value",
    ["nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad",
     "-starts-with-dash", "ends-with-dash-", ".starts.with.dot", "ends.with.dot.", "a" * 64,
     "a b"],
)  # fmt: skip
def test_invalid_values(value: str) -> None:
    with pytest.raises(PlacementInputError, match="value"):
        selector({"matchLabels": {"k": value}})


# -- LabelSelector objects --


def test_label_selector_object() -> None:
    sel = selector({
        "matchLabels": {"tier": "web"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "qa"]},
            {"key": "legacy", "operator": "DoesNotExist"},
            {"key": "team", "operator": "NotIn", "values": ["x"]},
            {"key": "zone", "operator": "Exists"},
        ],
    })  # fmt: skip
    assert matches(sel, {"tier": "web", "env": "qa", "zone": "a"})
    assert not matches(sel, {"tier": "web", "env": "qa", "zone": "a", "legacy": ""})
    assert not matches(sel, {"tier": "web", "env": "qa", "zone": "a", "team": "x"})
    assert not matches(sel, {"tier": "web", "env": "dev", "zone": "a"})
    assert not matches(sel, {"env": "qa", "zone": "a"})
    assert matches(selector({}), {})  # empty object: everything
    assert selector({"matchLabels": {"a": "b"}}) == selector("a=b")


@pytest.mark.parametrize(
    ("item", "fault"),
    [
        ({"key": "k", "operator": "In", "values": []}, "at least one value"),
        ({"key": "k", "operator": "NotIn"}, "at least one value"),
        ({"key": "k", "operator": "Exists", "values": ["v"]}, "takes no values"),
        ({"key": "k", "operator": "DoesNotExist", "values": ["v"]}, "takes no values"),
        ({"key": "k", "operator": "Gt", "values": ["1"]}, "operator"),  # not in a LabelSelector
        ({"key": "k", "operator": "unsupportedOp"}, "operator"),
        ({"key": "k", "operator": "In", "values": "v"}, "list"),
        ({"key": "a b", "operator": "Exists"}, "key"),
    ],
)
def test_label_selector_object_errors(item: dict[str, Any], fault: str) -> None:
    with pytest.raises(PlacementInputError, match=fault) as info:
        selector({"matchExpressions": [item]})
    assert "matchExpressions[0]" in str(info.value)  # the part at fault is named


def test_selector_refuses_other_types() -> None:
    for bad in (None, 3, ["x"], {"matchLabel": {}}):
        with pytest.raises(PlacementInputError):
            selector(bad)


# -- node affinity --


def term(*expressions: dict[str, Any], fields: list[dict[str, Any]] | None = None) -> Any:
    out: dict[str, Any] = {"matchExpressions": list(expressions)}
    if fields is not None:
        out["matchFields"] = fields
    return out


def req(key: str, op: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": op, "values": list(values)}


def test_node_affinity_terms_or_and_expressions_and() -> None:
    affinity = node_affinity({"nodeSelectorTerms": [
        term(req("zone", "In", "a"), req("disk", "In", "ssd")),
        term(req("gpu", "Exists")),
    ]})  # fmt: skip
    assert matches(affinity, {"zone": "a", "disk": "ssd"})
    assert not matches(affinity, {"zone": "a", "disk": "hdd"})
    assert matches(affinity, {"gpu": "1"})
    assert not matches(affinity, {})


def test_empty_terms_match_nothing() -> None:
    assert not matches(node_affinity({"nodeSelectorTerms": []}), {"a": "b"})
    assert not matches(node_affinity({}), {})
    assert not matches(node_affinity({"nodeSelectorTerms": [{}]}), {"a": "b"})
    # An empty term adds nothing to the OR of the others.
    either = node_affinity({"nodeSelectorTerms": [{}, term(req("a", "Exists"))]})
    assert matches(either, {"a": "b"})
    assert not matches(either, {"c": "d"})


@pytest.mark.parametrize(
    ("label", "gt5", "lt5"),
    [
        ("6", True, False), ("5", False, False), ("4", False, True), ("007", True, False),
        ("+6", True, False), ("-3", False, True), ("0", False, True), ("1e3", False, False),
        ("6.0", False, False), ("", False, False), ("v2", False, False), ("0x10", False, False),
        ("9223372036854775807", True, False), ("9223372036854775808", False, False),
        ("-9223372036854775808", False, True), ("-9223372036854775809", False, False),
        ("99999999999999999999999", False, False), (" 6", False, False), ("٦", False, False),
    ],
)  # fmt: skip
def test_gt_lt_compare_as_int64(label: str, gt5: bool, lt5: bool) -> None:
    gt = node_affinity({"nodeSelectorTerms": [term(req("n", "Gt", "5"))]})
    lt = node_affinity({"nodeSelectorTerms": [term(req("n", "Lt", "5"))]})
    assert matches(gt, {"n": label}) is gt5
    assert matches(lt, {"n": label}) is lt5
    assert not matches(gt, {})  # an absent label matches neither
    assert not matches(lt, {})


@pytest.mark.parametrize(
    "values", [[], ["1", "2"], ["-1"], ["+1"], [" 1"]]  # "a", "1.5": test_k8s_conformance.py
)
def test_gt_lt_need_one_integer(values: list[str]) -> None:
    with pytest.raises(PlacementInputError, match=r"nodeSelectorTerms\[0\]\.matchExpressions\[0\]"):
        node_affinity({"nodeSelectorTerms": [term(req("n", "Gt", *values))]})


def test_match_fields_on_the_node_name() -> None:
    by_name = node_affinity({"nodeSelectorTerms": [
        term(fields=[{"key": "metadata.name", "operator": "In", "values": ["node-1"]}])
    ]})  # fmt: skip
    assert matches(by_name, {}, name="node-1")
    assert not matches(by_name, {}, name="node-2")
    not_name = node_affinity({"nodeSelectorTerms": [
        term(req("a", "Exists"),
             fields=[{"key": "metadata.name", "operator": "NotIn", "values": ["node-1"]}])
    ]})  # fmt: skip
    assert matches(not_name, {"a": ""}, name="node-2")
    assert not matches(not_name, {"a": ""}, name="node-1")
    for bad in ({"key": "metadata.uid", "operator": "In", "values": ["x"]},
                {"key": "metadata.name", "operator": "In", "values": ["a", "b"]},
                {"key": "metadata.name", "operator": "Exists"}):  # fmt: skip
        with pytest.raises(PlacementInputError, match="matchFields"):
            node_affinity({"nodeSelectorTerms": [term(fields=[bad])]})


# -- taints and tolerations --


def tainted(*taints: tuple[str, str, str], name: str = "n") -> Instance:
    text = ",".join(f"{k}={v}:{e}" for k, v, e in taints)
    return Instance(arn=name, attributes={TAINTS: text} if taints else {})


def refused(rule: Taints, inst: Instance) -> bool:
    view = placement.rules.View(Inventory.from_instances([inst]))
    vector = bool(rule.excluded(view, TaskSpec())[0])
    assert rule.reference_excluded([inst], TaskSpec()) == [vector]
    return vector


@pytest.mark.parametrize(
    ("tolerations", "taint", "want_refused"),
    [
        ([], ("foo", "bar", "NoSchedule"), True),
        ([], ("foo", "bar", "NoExecute"), True),
        ([], ("foo", "bar", "PreferNoSchedule"), False),  # only scores
        ([{"key": "foo", "value": "bar", "effect": "NoSchedule"}],
         ("foo", "bar", "NoSchedule"), False),
        ([{"key": "foo", "value": "bar", "operator": "Equal", "effect": "NoSchedule"}],
         ("foo", "baz", "NoSchedule"), True),
        ([{"key": "foo", "value": "bar", "effect": "PreferNoSchedule"}],
         ("foo", "bar", "NoSchedule"), True),  # effect differs: untolerated
        ([{"key": "foo", "value": "bar"}], ("foo", "bar", "NoSchedule"), False),  # empty effect
        ([{"key": "foo", "value": "bar"}], ("foo", "bar", "NoExecute"), False),
        ([{"key": "foo", "operator": "Exists"}], ("foo", "anything", "NoSchedule"), False),
        ([{"key": "foo", "operator": "Exists", "effect": "NoExecute"}],
         ("foo", "x", "NoSchedule"), True),
        ([{"operator": "Exists"}], ("any.key/x", "v", "NoExecute"), False),  # empty key
        ([{"operator": "Exists", "effect": "NoSchedule"}], ("k", "v", "NoExecute"), True),
        ([{"key": "other", "operator": "Exists"}], ("foo", "", "NoSchedule"), True),
        ([{"key": "foo"}], ("foo", "", "NoSchedule"), False),  # Equal, both values empty
    ],
)  # fmt: skip
def test_tolerations(
    tolerations: list[Any], taint: tuple[str, str, str], want_refused: bool
) -> None:
    assert refused(Taints(tolerations), tainted(taint)) is want_refused


def test_every_filtering_taint_must_be_tolerated() -> None:
    inst = tainted(
        ("a", "1", "NoSchedule"), ("b", "2", "NoExecute"), ("c", "3", "PreferNoSchedule")
    )
    assert refused(Taints([{"key": "a", "value": "1"}]), inst)
    both = [{"key": "a", "value": "1"}, {"key": "b", "operator": "Exists"}]
    assert not refused(Taints(both), inst)
    assert not refused(Taints(), tainted())
    assert not refused(Taints(), Instance(arn="n"))


def test_untolerated_names_the_taint_as_kubernetes_does() -> None:
    rule = Taints([{"key": "foo", "value": "bar", "effect": "PreferNoSchedule"}])
    assert rule.untolerated(tainted(("foo", "bar", "NoSchedule"))) == "{foo: bar}"
    assert rule.untolerated(tainted(("foo", "bar", "PreferNoSchedule"))) is None
    assert Taints.reason == UNTOLERATED == "node(s) had untolerated taint"


def test_unreadable_taint_text_refuses_the_node() -> None:
    junk = Instance(arn="n", attributes={TAINTS: "junk"})
    assert refused(Taints([{"key": "junk", "operator": "Exists"}]), junk)
    assert not refused(Taints([{"operator": "Exists"}]), junk)  # tolerates every taint


@pytest.mark.parametrize(
    ("item", "fault"),
    [
        ({"key": "", "operator": "Equal", "value": "x"}, "Exists when key is empty"),
        ({"key": "k", "operator": "Exists", "value": "x"}, "must be empty"),
        ({"key": "k", "operator": "Lte"}, "operator"),
        ({"key": "k", "effect": "Sometimes"}, "effect"),
        ({"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5}, "NoExecute"),
        ({"key": "Bad.com/k"}, "key"),
        ({"key": "k", "value": "-x"}, "value"),
        ("k", "object"),
    ],
)
def test_toleration_validation(item: Any, fault: str) -> None:
    with pytest.raises(PlacementInputError, match=fault):
        Taints([item])


def test_toleration_objects() -> None:
    typed = Taints([Toleration(key="a", operator="Exists")])
    assert typed == Taints([{"key": "a", "operator": "Exists"}])


# -- quantities and requests --


@pytest.mark.parametrize(
    ("text", "milli"),
    [("100m", 100), ("1", 1000), ("1.5", 1500), ("0.1", 100), (".5", 500), ("1.", 1000),
     ("1e3", 1_000_000), ("1E-3", 1), ("250u", 1), ("0.0001", 1), ("2k", 2_000_000), (0.5, 500),
     (2, 2000), ("0", 0), ("+1", 1000), ("1000000n", 1)],
)  # fmt: skip
def test_cpu_quantities(text: Any, milli: int) -> None:
    assert millicores(text, "cpu") == milli


@pytest.mark.parametrize(
    ("text", "size"),
    [("128Mi", 128 * 2**20), ("1Gi", 2**30), ("500M", 500 * 10**6), ("1e3", 1000),
     ("1Ki", 1024), ("1.5", 2), ("1.5Gi", 3 * 2**29), ("1E", 10**18), ("1Ei", 2**60),
     ("12e+2", 1200)],
)  # fmt: skip
def test_memory_quantities(text: str, size: int) -> None:
    assert whole(text, "memory") == size


@pytest.mark.parametrize(
    "text", ["", "1 Gi", "1GB", "1gi", "abc", "1e", "1Ki5", "-1", "1e999", None, True]
)
def test_bad_quantities(text: Any) -> None:
    with pytest.raises(PlacementInputError):
        whole(text, "memory")


def container(cpu: str | None = None, memory: str | None = None, **extra: Any) -> dict[str, Any]:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"name": "c", "resources": {"requests": requests}, **extra}


def test_pod_requests_sum_containers_and_max_with_init() -> None:
    spec = {"containers": [container("100m", "1Gi"), container("200m", "1Gi")],
            "initContainers": [container("500m", "100Mi"), container("50m", "3Gi")]}  # fmt: skip
    got = pod_requests(spec)
    assert got == {"cpu": Fraction(1, 2), "memory": 3 * 2**30}


def test_pod_requests_sidecars_and_overhead_and_limits() -> None:
    spec = {
        "containers": [container("100m"),
                       {"resources": {"limits": {"cpu": "300m", "memory": "1Gi"}}}],
        "initContainers": [container("200m", restartPolicy="Always"), container("250m")],
        "overhead": {"cpu": "10m"},
    }  # fmt: skip
    got = pod_requests(spec)
    # containers 100m + 300m (the limit, defaulted as the request) + the sidecar 200m = 600m;
    # the plain init container needs 250m + the sidecar 200m = 450m < 600m; + 10m overhead.
    assert got == {"cpu": Fraction(61, 100), "memory": 2**30}


# -- nodes and pods as an inventory --


def k8s_node(name: str, labels: dict[str, str] | None = None, cpu: str = "4", memory: str = "8Gi",
             taints: list[dict[str, str]] | None = None, unschedulable: bool = False,
             ready: str = "True") -> dict[str, Any]:  # fmt: skip
    return {
        "kind": "Node",
        "metadata": {"name": name, "labels": labels or {},
                     "creationTimestamp": "2024-05-01T12:00:00Z"},
        "spec": {"taints": taints or [], "unschedulable": unschedulable},
        "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
                   "conditions": [{"type": "Ready", "status": ready}]},
    }  # fmt: skip


def k8s_pod(name: str, node_name: str | None, cpu: str, memory: str, phase: str = "Running",
            app: str = "web", namespace: str = "shop", **spec: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": app}},
        "spec": {"nodeName": node_name, "containers": [container(cpu, memory)], **spec},
        "status": {"phase": phase},
    }


NODES = {"apiVersion": "v1", "kind": "List", "items": [
    k8s_node("node-a", {"topology.kubernetes.io/zone": "a", "disk": "ssd"}),
    k8s_node("node-b", {"topology.kubernetes.io/zone": "b", "disk": "ssd"},
             taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
    k8s_node("node-c", {"topology.kubernetes.io/zone": "c"}, unschedulable=True),
    k8s_node("node-d", {"topology.kubernetes.io/zone": "a", "disk": "ssd"}, ready="False"),
]}  # fmt: skip
POD_LIST = {"kind": "List", "items": [
    k8s_pod("web-1", "node-a", "1500m", "2Gi",
            containers=[container("1500m", "2Gi",
                                  ports=[{"containerPort": 80, "hostPort": 8080}])]),
    k8s_pod("web-2", "node-b", "1", "1Gi"),
    k8s_pod("done", "node-a", "2", "4Gi", phase="Succeeded"),
    k8s_pod("failed", "node-a", "2", "4Gi", phase="Failed"),
    k8s_pod("pending", None, "2", "4Gi", phase="Pending"),
    k8s_pod("elsewhere", "node-z", "2", "4Gi"),
    k8s_pod("db-1", "node-a", "500m", "1Gi", app="db"),
]}  # fmt: skip


def test_inventory_from_k8s() -> None:
    inv = Inventory.from_k8s(NODES, POD_LIST)
    assert list(inv.ids) == ["node-a", "node-b", "node-c", "node-d"]
    a, b, c, d = (inv[i] for i in range(4))
    assert (a.cpu, a.memory) == (4000 - 1500 - 500, 8 * 2**30 - 3 * 2**30)
    assert (a.registered_cpu, a.registered_memory) == (4000, 8 * 2**30)
    assert a.ports == frozenset({8080})
    assert dict(a.task_groups) == {"shop/web": 1, "shop/db": 1} and a.running_tasks_count == 2
    assert a.attributes["disk"] == "ssd" and a.attributes[NODE_NAME] == "node-a"
    assert b.attributes[TAINTS] == "dedicated=gpu:NoSchedule"
    assert (c.status, c.agent_connected) == ("DRAINING", True)
    assert (d.status, d.agent_connected) == ("ACTIVE", False)
    assert sorted(inv.tasks.arns) == ["shop/db-1", "shop/web-1", "shop/web-2"]
    assert Inventory.from_k8s(NODES["items"]).running_tasks_count.tolist() == [0, 0, 0, 0]


def test_inventory_errors_name_the_object() -> None:
    with pytest.raises(InventoryError, match=r"nodes\[0\]\.status\.allocatable\.cpu"):
        Inventory.from_k8s([k8s_node("n", cpu="lots")])
    with pytest.raises(InventoryError, match=r"nodes\[0\]\.spec\.taints\[0\]\.effect"):
        Inventory.from_k8s([k8s_node("n", taints=[{"key": "k", "effect": "Never"}])])
    with pytest.raises(InventoryError, match=r"pods\[0\]"):
        Inventory.from_k8s([k8s_node("n")], [k8s_pod("p", "n", "x", "1")])
    with pytest.raises(InventoryError):
        Inventory.from_k8s("nodes")


DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"replicas": 3, "template": {
        "metadata": {"labels": {"app": "web"}},
        "spec": {
            "nodeSelector": {"disk": "ssd"},
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [term(req("topology.kubernetes.io/zone", "In", "a", "b"))]}}},
            "containers": [container("1", "1Gi", ports=[{"containerPort": 80, "hostPort": 9090},
                                                         {"containerPort": 53, "hostPort": 53,
                                                          "protocol": "UDP"}])],
        },
    }},
}  # fmt: skip


def test_task_spec_from_k8s() -> None:
    task = TaskSpec.from_k8s(DEPLOYMENT)
    assert (task.cpu, task.memory, task.group) == (1000, 2**30, "shop/web")
    assert (task.ports, task.udp_ports) == (frozenset({9090}), frozenset({53}))
    member, slots, taints, existing = task.constraints
    assert isinstance(slots, PodSlots)
    assert isinstance(existing, placement.k8s.ExistingAntiAffinity)
    assert str(member) == ("memberOf(attribute:disk == ssd and "
                           "attribute:topology.kubernetes.io/zone in [a, b])")  # fmt: skip
    assert isinstance(taints, Taints) and taints.tolerations == ()
    pod = TaskSpec.from_k8s(POD_LIST["items"][0])
    assert (pod.cpu, pod.group, pod.ports) == (1500, "shop/web", frozenset({8080}))
    assert len(pod.constraints) == 3  # no selector: pod slots, taints, running pods' anti-affinity
    assert TaskSpec.from_k8s(DEPLOYMENT, group="mine").group == "mine"


def test_task_spec_errors_name_the_field() -> None:
    bad = {"kind": "Pod", "spec": {"containers": [], "tolerations": [{"operator": "Equal"}]}}
    with pytest.raises(PlacementInputError, match=r"pod\.spec\.tolerations\[0\]"):
        TaskSpec.from_k8s(bad)
    with pytest.raises(PlacementInputError, match="kind"):
        TaskSpec.from_k8s({"kind": "Service", "spec": {}})
    bad_selector = {"spec": {"nodeSelector": {"Bad Key": "x"}, "containers": []}}
    with pytest.raises(PlacementInputError, match="nodeSelector"):
        TaskSpec.from_k8s(bad_selector)


def test_engines_on_a_k8s_inventory() -> None:
    inv = Inventory.from_k8s(NODES, POD_LIST)
    task = TaskSpec.from_k8s(DEPLOYMENT)
    # node-a only: b is tainted, c cordoned and in zone c, d NotReady; and the host port
    # 9090 takes one copy per node.
    result = place(inv, task, 3)
    assert result.placements == ("node-a",)
    explanation = explain_placement(inv, task)
    assert explanation.reasons("node-b") == (f"{UNTOLERATED} {{dedicated: gpu}}",)
    assert explanation.codes("node-b") == (UNTOLERATED,)
    assert explanation.reasons("node-c")[0] == "node(s) were unschedulable"
    assert explanation.codes("node-c")[0] == "AGENT"
    assert headroom(inv, task).copies == 1
    ranking = rank(inv, task)
    assert list(ranking.ids) == ["node-a"]
    assert ranking.excluded["node-b"] == f"{UNTOLERATED} {{dedicated: gpu}}"
    tolerant = {**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "template": {
        **DEPLOYMENT["spec"]["template"],
        "spec": {**DEPLOYMENT["spec"]["template"]["spec"],
                 "tolerations": [{"key": "dedicated", "operator": "Exists"}]}}}}  # fmt: skip
    assert place(inv, TaskSpec.from_k8s(tolerant), 10).placements == ("node-a", "node-b")
    state = ClusterState(inv)
    assert state.rank(task).best is not None


def test_pod_slots() -> None:
    nodes = [k8s_node("full"), k8s_node("roomy")]
    nodes[0]["status"]["allocatable"]["pods"] = "2"
    nodes[1]["status"]["allocatable"]["pods"] = "4"
    pods = [k8s_pod("p1", "full", "10m", "1Mi"), k8s_pod("p2", "full", "10m", "1Mi"),
            k8s_pod("p3", "roomy", "10m", "1Mi"),
            k8s_pod("gone", "roomy", "10m", "1Mi", phase="Succeeded")]  # fmt: skip
    inv = Inventory.from_k8s(nodes, pods)
    assert [inv[i].attributes[PODS] for i in range(2)] == ["2", "4"]
    task = TaskSpec.from_k8s(k8s_pod("new", None, "10m", "1Mi", app="new"))
    assert explain_placement(inv, task).reasons("full") == (TOO_MANY_PODS,)
    assert headroom(inv, task).copies == 3
    results = {m: place(inv, task, 5, method=m) for m in ("batch", "loop", "reference")}
    assert {r.placements for r in results.values()} == {("roomy",) * 3}
    assert dict(results["batch"].failures[0].reasons) == {TOO_MANY_PODS: 2}
    # No allocatable pod count: no limit.
    assert headroom(Inventory.from_k8s([k8s_node("n", cpu="1")]), task).copies == 100
