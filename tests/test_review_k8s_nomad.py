"""Hostile review of the Kubernetes and Nomad front ends and their CLI flags.

Every reader (`Inventory.from_k8s`, `TaskSpec.from_k8s`, `Inventory.from_nomad`,
`TaskSpec.from_nomad`, `k8s.selector`, `k8s.node_affinity`, `nomad.constraint`) is given valid
documents with one part replaced by something hostile (the wrong JSON type, NaN, a 5,000-digit
quantity, a 1 MB string, a lone surrogate, a list nested 10,000 deep): it answers, or raises a
`PlacementError`, and leaves its input as it was. The `placement` command, run as a process,
answers hostile files (YAML aliases and repeated keys, non-UTF-8 bytes, a byte-order mark,
nesting, a missing PyYAML) with exit 1 and one `placement: ...` line, never a traceback.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import SRC
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Expression, Inventory, PlacementError, TaskSpec, k8s, nomad
from placement.k8s.quantity import millicores, quantity, whole
from placement.text import shown

# -- quantities ------------------------------------------------------------------------------------

EXACT = [
    ("1e3", Fraction(1000)), ("0.1m", Fraction(1, 10_000)), ("1Ei", Fraction(2**60)),
    ("1.5e-3", Fraction(3, 2000)), ("100m", Fraction(1, 10)), ("1.5Gi", Fraction(3 * 2**29)),
    ("1E", Fraction(10**18)), ("-0", Fraction(0)), ("0e99999999", Fraction(0)),
    ("0.0e-99999999", Fraction(0)), (".5", Fraction(1, 2)), ("5.", Fraction(5)), (3, Fraction(3)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), EXACT)
def test_quantities_read_exactly(text: Any, value: Fraction) -> None:
    assert quantity(text, "q") == value
    assert millicores(text, "q") == -((-value * 1000).numerator // (value * 1000).denominator)


def test_vanishing_quantities_round_up_to_one_unit() -> None:
    assert millicores("1e-100000000", "q") == 1  # MilliValue rounds up
    assert whole("1n", "q") == 1
    assert millicores("0.1m", "q") == 1


BAD = [
    "-1", "-1m", "∞", "1e100000000", "1" + "0" * 5000 + "Ki", "", " 1", "1 ", "1e", "1Ee3", "NaN",
    "inf", "1.5.5", "١٢", "1KiB", "0x10", float("inf"), float("nan"), 10**5000, -(10**5000), True,
    None, [], {}, "9" * 257,
]  # fmt: skip


@pytest.mark.parametrize("text", BAD, ids=lambda t: shown(t)[:20])
def test_bad_quantities_are_refused_naming_the_field(text: Any) -> None:
    with pytest.raises(PlacementError, match=r"^spec\.cpu: "):
        millicores(text, "spec.cpu")


@settings(max_examples=examples())
@given(st.text(alphabet="0123456789.+-eEKMGTPinumk∞ ", max_size=24))
def test_any_quantity_text_is_read_or_refused(text: str) -> None:
    try:
        value = quantity(text, "q")
    except PlacementError:
        return
    assert value >= 0
    assert millicores(text, "q") >= value * 1000 > millicores(text, "q") - 1


@settings(max_examples=examples())
@given(st.integers(0, 10**6), st.integers(-(10**12), 10**12))
def test_exponents_cost_nothing_past_the_bound(mantissa: int, exponent: int) -> None:
    text = f"{mantissa}e{exponent}"
    try:
        value = quantity(text, "q")
    except PlacementError as exc:
        refused = str(exc)
    else:
        refused = ""
    if refused:
        assert mantissa and exponent > 400 and "too large" in refused
        return
    if abs(exponent) <= 400:
        assert value == mantissa * Fraction(10) ** exponent
    else:
        assert (value == 0) == (mantissa == 0)


# -- hostile parts in valid documents ------------------------------------------------------------


def _deep(levels: int) -> list[Any]:
    out: list[Any] = []
    for _ in range(levels):
        out = [out]
    return out


HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1.5, float("nan"), float("inf"), 10**30, 2**63, 10**5000, "", "x",
    "-1", "1e400", "0e99999999", "1" + "0" * 5000 + "Ki", "v" * 1_100_000, "\x00", "\ud800",
    "\ufeff", "${attr.a}", "[", [], [None], [1, "a"], {}, {"a": None}, {"": ""}, {"a": [1]},
    _deep(300),
]  # fmt: skip


def _paths(doc: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in `doc` a value sits at (dict keys, list positions), the root excluded."""
    out = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.append((*at, key))
            out.extend(_paths(value, (*at, key)))
    elif isinstance(doc, list):
        for position, value in enumerate(doc):
            out.append((*at, position))
            out.extend(_paths(value, (*at, position)))
    return out


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(doc)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return out


def _snapshot(doc: Any) -> Any:
    return copy.deepcopy(doc)  # compared with ==: NaN is the same object, so equal to itself


def mutations(*docs: Any) -> st.SearchStrategy[tuple[Any, ...]]:
    """`docs` with one part (in one of them) replaced by a hostile value, or a key added."""
    places = [(i, p) for i, d in enumerate(docs) for p in _paths(d)]

    def build(choice: tuple[int, tuple[Any, ...]], value: Any, add: bool) -> tuple[Any, ...]:
        index, path = choice
        target = docs[index]
        if add:  # a new key beside an existing one (a misspelling, a duplicate's second value)
            path = (*path[:-1], "unexpected") if isinstance(path[-1], str) else path
        out = list(docs)
        out[index] = _replaced(target, path, value)
        return tuple(out)

    return st.builds(build, st.sampled_from(places), st.sampled_from(HOSTILE), st.booleans())


def _answers_or_refuses(read: Any, *docs: Any) -> Any:
    before = [_snapshot(d) for d in docs]
    message = None
    try:
        got = read(*docs)
    except PlacementError as exc:
        message, got = str(exc), None
    assert message is None or 0 < len(message) < 2000  # a message, short enough to read
    assert [_snapshot(d) for d in docs] == before  # nothing half-applied to the caller's input
    return got


NODE = {
    "metadata": {"name": "n1", "labels": {"zone": "a", "disk": "ssd"},
                 "creationTimestamp": "2024-01-01T00:00:00Z"},
    "spec": {"taints": [{"key": "gpu", "value": "yes", "effect": "NoSchedule"}],
             "unschedulable": False},
    "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110", "nvidia.com/gpu": "1"},
               "conditions": [{"type": "Ready", "status": "True"}]},
}  # fmt: skip
RUNNING = {
    "metadata": {"name": "w0", "namespace": "default", "labels": {"app": "web"}},
    "spec": {"nodeName": "n1", "containers": [
        {"name": "c", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
         "ports": [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}]}]},
    "status": {"phase": "Running", "startTime": "2024-01-01T00:00:00Z"},
}  # fmt: skip
PLAIN = {  # read on the fast path (no host port, no init containers)
    "metadata": {"name": "w1", "namespace": "shop", "labels": {"app": "db", "tier": "back"}},
    "spec": {"nodeName": "n1", "containers": [
        {"name": "c", "resources": {"requests": {"cpu": "1"}, "limits": {"memory": "1Gi"}}}]},
    "status": {"phase": "Pending"},
}  # fmt: skip
POD = {
    "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "labels": {"app": "web"}},
    "spec": {
        "containers": [{"name": "c", "resources": {"requests": {"cpu": "250m", "memory": "1Gi"},
                                                   "limits": {"nvidia.com/gpu": "1"}},
                        "ports": [{"containerPort": 80, "hostPort": 80}]}],
        "initContainers": [{"name": "i", "restartPolicy": "Always",
                            "resources": {"requests": {"cpu": "1"}}}],
        "overhead": {"cpu": "10m"},
        "nodeSelector": {"disk": "ssd"},
        "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "affinity": {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "zone", "operator": "In", "values": ["a", "b"]}]}]}},
            "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"topologyKey": "kubernetes.io/hostname",
                 "labelSelector": {"matchLabels": {"app": "web"}}}]}},
        "topologySpreadConstraints": [{
            "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
            "minDomains": 2, "labelSelector": {"matchExpressions": [
                {"key": "app", "operator": "In", "values": ["web"]}]}}],
    },
}  # fmt: skip
DEPLOYMENT = {
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"replicas": 3, "template": {k: POD[k] for k in ("metadata", "spec")}},
}


@settings(max_examples=examples())
@given(mutations([NODE], [RUNNING, PLAIN]))
def test_from_k8s_answers_or_refuses_any_hostile_part(docs: tuple[Any, ...]) -> None:
    got = _answers_or_refuses(Inventory.from_k8s, *docs)
    assert got is None or isinstance(got, Inventory)


@settings(max_examples=examples())
@given(st.one_of(mutations(POD), mutations(DEPLOYMENT)))
def test_task_spec_from_k8s_answers_or_refuses_any_hostile_part(docs: tuple[Any, ...]) -> None:
    got = _answers_or_refuses(TaskSpec.from_k8s, *docs)
    assert got is None or isinstance(got, TaskSpec)


SELECTOR = {"matchLabels": {"app": "web", "tier": "front"}, "matchExpressions": [
    {"key": "env", "operator": "NotIn", "values": ["dev", "qa"]},
    {"key": "legacy", "operator": "DoesNotExist"}]}  # fmt: skip
NODE_SELECTOR = {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "n", "operator": "Gt", "values": ["3"]}],
     "matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]},
    {"matchExpressions": [{"key": "zone", "operator": "Exists"}]}]}  # fmt: skip


@settings(max_examples=examples())
@given(st.one_of(mutations(SELECTOR), mutations(NODE_SELECTOR)))
def test_selector_objects_answer_or_refuse(docs: tuple[Any, ...]) -> None:
    read = k8s.node_affinity if "nodeSelectorTerms" in docs[0] else k8s.selector
    got = _answers_or_refuses(read, *docs)
    assert got is None or isinstance(got, Expression)


@settings(max_examples=examples())
@given(st.text(alphabet="ab/.-_=!,() <>\t\x00é1inotxs", max_size=30))
def test_selector_text_answers_or_refuses(text: str) -> None:
    try:
        got: Any = k8s.selector(text)
    except PlacementError as exc:
        got = str(exc)
    assert isinstance(got, Expression) or got.startswith("label selector")


NOMAD_NODE = {
    "ID": "id-1", "Name": "n1", "Datacenter": "dc1", "NodeClass": "web", "NodePool": "default",
    "Status": "ready", "SchedulingEligibility": "eligible", "Drain": False,
    "Attributes": {"kernel.name": "linux", "driver.docker": "1", "cpu.arch": "amd64"},
    "Meta": {"rack": "r1"},
    "Drivers": {"docker": {"Detected": True, "Healthy": True}},
    "NodeResources": {"Cpu": {"CpuShares": 4000}, "Memory": {"MemoryMB": 8192}},
    "ReservedResources": {"Cpu": {"CpuShares": 100}, "Memory": {"MemoryMB": 256},
                          "Networks": {"ReservedHostPorts": "22,8000-8002"}},
}  # fmt: skip
ALLOCATION = {
    "ID": "a1", "NodeID": "id-1", "JobID": "web", "TaskGroup": "g", "ClientStatus": "running",
    "DesiredStatus": "run", "AllocatedResources": {"Tasks": {
        "t": {"Cpu": {"CpuShares": 500}, "Memory": {"MemoryMB": 256}}}},
}  # fmt: skip
JOB = {"Job": {
    "ID": "web", "Name": "web",
    "Constraints": [{"LTarget": "${attr.kernel.name}", "Operand": "=", "RTarget": "linux"}],
    "TaskGroups": [{
        "Name": "g", "Count": 3,
        "Constraints": [{"Operand": "distinct_property", "LTarget": "${meta.rack}",
                         "RTarget": "2"}, {"Operand": "distinct_hosts", "RTarget": "true"}],
        "Networks": [{"ReservedPorts": [{"Label": "http", "Value": 8080}]}],
        "Tasks": [{"Name": "t", "Driver": "docker",
                   "Resources": {"CPU": 500, "MemoryMB": 256},
                   "Constraints": [{"LTarget": "${attr.cpu.arch}", "Operand": "regexp",
                                    "RTarget": "amd|arm"},
                                   {"LTarget": "${node.class}", "Operand": "version",
                                    "RTarget": ">= 1.0"}]}],
    }],
}}  # fmt: skip


@settings(max_examples=examples())
@given(mutations([NOMAD_NODE], [ALLOCATION]))
def test_from_nomad_answers_or_refuses_any_hostile_part(docs: tuple[Any, ...]) -> None:
    got = _answers_or_refuses(Inventory.from_nomad, *docs)
    assert got is None or isinstance(got, Inventory)


@settings(max_examples=examples())
@given(mutations(JOB))
def test_task_spec_from_nomad_answers_or_refuses_any_hostile_part(docs: tuple[Any, ...]) -> None:
    got = _answers_or_refuses(TaskSpec.from_nomad, *docs)
    assert got is None or isinstance(got, TaskSpec)


@settings(max_examples=examples())
@given(mutations({"attribute": "${attr.kernel.version}", "operator": "semver",
                  "value": ">= 1.2.3, < 2"}))  # fmt: skip
def test_nomad_constraint_answers_or_refuses_any_hostile_part(docs: tuple[Any, ...]) -> None:
    _answers_or_refuses(nomad.constraint, *docs)


# -- regressions found by the review -------------------------------------------------------------


def test_a_running_pod_requesting_more_than_any_node_is_refused_by_name() -> None:
    # It used to raise OverflowError from numpy (the pod's CPU past int64 on the fast path).
    pod = copy.deepcopy(RUNNING)
    pod["spec"]["containers"][0]["ports"] = []
    pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "1e400"
    with pytest.raises(PlacementError, match=r"pods\[0\]"):
        Inventory.from_k8s([NODE], [pod])


def test_a_node_selector_of_many_terms_is_built_in_one_pass() -> None:
    # `a | b | c ...` one at a time copied every earlier term: 20,000 terms took minutes.
    terms = [{"matchExpressions": [{"key": "zone", "operator": "In", "values": [f"z{i}"]}]}
             for i in range(20_000)]  # fmt: skip
    got = k8s.node_affinity({"nodeSelectorTerms": terms})
    assert len(got.children()) == 20_000
    wide = k8s.selector({"matchLabels": {f"k{i}": "v" for i in range(20_000)}})
    assert len(wide.children()) == 20_000


def test_a_task_group_with_many_constraints_and_drivers_is_built_in_one_pass() -> None:
    tasks = [{"Name": f"t{i}", "Driver": f"d{i}",
              "Constraints": [{"LTarget": "${attr.a}", "RTarget": str(i)}]}
             for i in range(5_000)]  # fmt: skip
    spec = TaskSpec.from_nomad({"Name": "g", "Tasks": tasks})
    (merged,) = spec.constraints  # past 10 rules, the blocks are merged into one
    assert merged.reason.endswith("${attr.a} = 4999 and missing drivers")
    assert len(merged.expression.children()) == 10_000  # 5,000 blocks and 5,000 drivers


def test_a_part_that_should_be_an_object_is_refused_not_read_as_absent() -> None:
    # `resources: "x"` used to read as no resources: the pod requested nothing.
    pod = _replaced(POD, ("spec", "containers", 0, "resources"), "x")
    with pytest.raises(PlacementError, match=r"containers\[0\]\.resources: expected an object"):
        TaskSpec.from_k8s(pod)
    running = _replaced(RUNNING, ("spec", "containers", 0, "resources"), ["100m"])
    with pytest.raises(PlacementError, match=r"pods\[0\]\.spec\.containers\[0\]\.resources"):
        Inventory.from_k8s([NODE], [running])
    job = _replaced(JOB, ("Job", "TaskGroups", 0, "Tasks", 0, "Resources"), "x")
    with pytest.raises(PlacementError, match=r"Tasks\[0\]\.Resources: expected an object"):
        TaskSpec.from_nomad(job)
    allocation = _replaced(ALLOCATION, ("AllocatedResources", "Tasks", "t"), 5)
    with pytest.raises(PlacementError, match=r"AllocatedResources\.Tasks\.t: expected an object"):
        Inventory.from_nomad([NOMAD_NODE], [allocation])


def test_json_text_with_a_byte_order_mark_reads_as_bytes_with_one_do() -> None:
    text = json.dumps([NODE])
    want = Inventory.from_k8s([NODE])
    for data in ("\ufeff" + text, b"\xef\xbb\xbf" + text.encode()):
        assert list(Inventory.from_k8s(data).ids) == list(want.ids)


@pytest.mark.parametrize("value", ["false", "0", "f", "F", "FALSE", "False"])
def test_distinct_hosts_false_in_the_api_form_is_not_enforced(value: str) -> None:
    # Nomad's DistinctHostsIterator: RTarget parsed by strconv.ParseBool, false disables it.
    assert nomad.constraint({"Operand": "distinct_hosts", "RTarget": value}) is None


@pytest.mark.parametrize("value", ["", "true", "1", "maybe"])
def test_distinct_hosts_true_empty_or_unparsable_is_enforced(value: str) -> None:
    assert nomad.constraint({"Operand": "distinct_hosts", "RTarget": value}) is not None


def test_a_host_port_with_an_unknown_protocol_is_refused() -> None:
    pod = {
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [
                {"name": "c", "ports": [{"containerPort": 80, "hostPort": 80, "protocol": "HTTP"}]}
            ]
        },
    }
    with pytest.raises(PlacementError, match="protocol"):
        TaskSpec.from_k8s(pod)


# -- the command, as a process --------------------------------------------------------------------


def _run(
    *args: str, prelude: str = "", stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.pop("PLACEMENT_DEBUG", None)
    code = f"{prelude}\nimport sys\nfrom placement.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, capture_output=True,
                          env=env, timeout=300, check=False)  # fmt: skip


def _one_error_line(got: subprocess.CompletedProcess[Any]) -> str:
    err = got.stderr.decode() if isinstance(got.stderr, bytes) else got.stderr
    assert got.returncode == 1, err
    assert not got.stdout
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("placement: "), err
    return err


NODES_JSON = json.dumps([NODE])
POD_YAML = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n"
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else 'x'}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)  # 9**9 references to one string, if expanded

HOSTILE_FILES: dict[str, tuple[bytes, str]] = {
    "yaml-repeated-key": (b"kind: Pod\nkind: Deployment\nmetadata: {name: p}\n",
                          "'kind' appears twice"),
    "yaml-python-tag": (b"kind: Pod\nmetadata: !!python/object/apply:os.system [id]\n",
                        "not valid YAML"),
    "yaml-several-documents": (b"--- {kind: Pod}\n--- {kind: Pod}\n", "several documents"),
    "yaml-bomb-in-labels": ((BOMB + "kind: Pod\nmetadata: {name: p, labels: *i}\n").encode(),
                            "labels"),
    "yaml-nested-deeply": (b"a: " + b"[" * 5_000 + b"]" * 5_000, "nested too deeply"),
    "not-utf8": (b"kind: Pod\nmetadata: {name: \"\xff\"}\n", "not UTF-8"),
    "huge-quantity": (
        (POD_YAML + '    resources: {requests: {cpu: "1' + "0" * 5000 + 'Ki"}}\n').encode(),
        "not a quantity"),
}  # fmt: skip


@pytest.fixture
def nodes_file(tmp_path: Path) -> str:
    path = tmp_path / "nodes.json"
    path.write_text(NODES_JSON)
    return str(path)


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_place_refuses_a_hostile_pod_file_in_one_line(
    name: str, nodes_file: str, tmp_path: Path
) -> None:
    data, expected = HOSTILE_FILES[name]
    pod = tmp_path / "pod.yaml"
    pod.write_bytes(data)
    got = _run("place", "--k8s-nodes", nodes_file, "--pod", str(pod), "--count", "1")
    assert expected in _one_error_line(got)


def test_hostile_inventories_give_one_line_in_every_command(tmp_path: Path) -> None:
    bad_node = _replaced([NODE], (0, "status", "allocatable", "cpu"), "0.5e401")
    nodes = tmp_path / "nodes.json"
    nodes.write_text(json.dumps(bad_node))
    pods = tmp_path / "pods.json"
    pods.write_bytes(b"\xef\xbb\xbf" + json.dumps({"kind": "List", "items": [RUNNING]}).encode())
    pod = tmp_path / "pod.json"
    pod.write_text(json.dumps(POD))
    for argv in (
        ("filter", "attribute:zone == a", "--k8s-nodes", str(nodes)),
        ("explain", "attribute:zone == a", "--k8s-nodes", str(nodes), "--k8s-pods", str(pods)),
        ("headroom", "--k8s-nodes", str(nodes), "--pod", str(pod)),
    ):
        assert "too large" in _one_error_line(_run(*argv))
    nomad_nodes = tmp_path / "nomad.yaml"
    nomad_nodes.write_text("- Name: n1\n")  # Nomad inputs are JSON only
    group = tmp_path / "group.json"
    group.write_text(json.dumps(JOB))
    got = _run("place", "--nomad-nodes", str(nomad_nodes), "--task-group", str(group))
    assert "is not JSON" in _one_error_line(got)
    allocations = tmp_path / "allocations.json"
    allocations.write_text('[{"NodeID": "id-1", "ID": 5}]')
    nomad_nodes.write_text(json.dumps([NOMAD_NODE]))
    got = _run("place", "--nomad-nodes", str(nomad_nodes), "--nomad-allocations",
               str(allocations), "--task-group", str(group))  # fmt: skip
    assert "allocations" in _one_error_line(got)


def test_yaml_inventories_read_as_kubernetes_reads_them(tmp_path: Path) -> None:
    # kubectl's YAML: unquoted timestamps stay text (JSON has no timestamps), a merge key may be
    # overridden, a byte-order mark is dropped; stdin works as a file does.
    nodes = tmp_path / "nodes.yaml"
    nodes.write_bytes(b"\xef\xbb\xbf" + (
        b"base: &base {cpu: '4', memory: 16Gi, pods: '110'}\n"
        b"items:\n- metadata: {name: n1, creationTimestamp: 2024-01-01T00:00:00Z,\n"
        b"              labels: {zone: a}}\n"
        b"  status: {allocatable: {<<: *base, cpu: '2'}}\n"))  # fmt: skip
    got = _run("place", "--k8s-nodes", str(nodes), "--pod", "-", "--count", "1", "-o", "json",
               stdin=POD_YAML.encode())  # fmt: skip
    assert got.returncode == 0, got.stderr
    assert [p["instance"] for p in json.loads(got.stdout)["placements"]] == ["n1"]


def test_without_pyyaml_a_yaml_file_says_to_install_it(nodes_file: str, tmp_path: Path) -> None:
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD_YAML)
    hide = "import sys\nsys.modules['yaml'] = None  # as if PyYAML were not installed"
    err = _one_error_line(_run("place", "--k8s-nodes", nodes_file, "--pod", str(pod),
                               "--count", "1", prelude=hide))  # fmt: skip
    assert "PyYAML" in err and "pip install pyyaml" in err
    pod.write_text(json.dumps(POD))  # JSON still reads without it
    got = _run("place", "--k8s-nodes", nodes_file, "--pod", str(pod), "--count", "1", prelude=hide)
    assert got.returncode in (0, 3), got.stderr


def test_an_option_of_another_system_is_a_usage_error_not_ignored(tmp_path: Path) -> None:
    # Each was silently ignored: --task-group won over --pod, --k8s-pods beside --nomad-nodes.
    files = {}
    for name, doc in (("k8s", [NODE]), ("pod", POD), ("nomad", [NOMAD_NODE]), ("group", JOB)):
        files[name] = str(tmp_path / f"{name}.json")
        Path(files[name]).write_text(json.dumps(doc))
    for argv, message in (
        (("--nomad-nodes", files["nomad"], "--task-group", files["group"], "--pod", files["pod"]),
         "--pod and --task-group: give one"),
        (("--nomad-nodes", files["nomad"], "--task-group", files["group"], "--k8s-pods",
          files["k8s"]), "--k8s-pods goes with --k8s-nodes, not --nomad-nodes"),
        (("--k8s-nodes", files["k8s"], "--pod", files["pod"], "--nomad-allocations",
          files["nomad"]), "--nomad-allocations goes with --nomad-nodes, not --k8s-nodes"),
    ):  # fmt: skip
        got = _run("place", *argv, "--count", "1")
        err = got.stderr.decode()
        assert got.returncode == 2 and not got.stdout and "Traceback" not in err, err
        assert err.splitlines()[-1] == f"placement place: error: {message}"


def test_a_pod_label_that_is_not_text_is_refused_naming_the_label() -> None:
    pod = _replaced(POD, ("metadata", "labels", "app"), 1)
    with pytest.raises(PlacementError, match=r"metadata\.labels"):
        TaskSpec.from_k8s(pod)


def test_match_labels_that_is_a_list_is_refused() -> None:
    with pytest.raises(PlacementError, match="matchLabels"):
        k8s.selector({"matchLabels": []})


@pytest.mark.parametrize(
    "metadata",
    [{"name": "p", "labels": {"a": "v" * 1_100_000}},
     {"name": "p", "labels": {"a" * 1_100_000: "v"}},
     {"name": "p" * 1_100_000}, {"name": "p", "namespace": "n" * 1_100_000},
     {"name": 10**5000}, {"name": "p", "namespace": 5}],
    ids=["long-value", "long-key", "long-name", "long-namespace", "huge-int-name", "int-namespace"],
)  # fmt: skip
def test_a_running_pod_is_read_alike_on_the_fast_and_the_careful_path(metadata: Any) -> None:
    # The fast path (plain containers) skipped the text limits the careful one (init
    # containers) applies: the same over-long pod loaded or not by its shape; a 5,000-digit
    # name raised ValueError from str() on both.
    outcomes = []
    for extra in ({}, {"initContainers": []}):
        pod = {"metadata": metadata, "spec": {"nodeName": "n1", "containers": [], **extra}}
        try:
            Inventory.from_k8s([NODE], [pod])
        except PlacementError as exc:
            outcomes.append(str(exc)[:60])
        else:
            outcomes.append("loaded")
    assert outcomes[0] == outcomes[1] != "loaded"


@pytest.mark.parametrize(
    ("flag", "data", "expected"),
    [
        ("--k8s-nodes", b"items: []\nitems: []\n", "'items' appears twice"),
        ("--k8s-pods", b'{"items": [{"metadata": {"name": "\xc3"}}]}', "not UTF-8"),
        ("--nomad-nodes", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("--nomad-allocations", b"\xef\xbb\xbf" + b"[1]", "allocations[0]: expected an object"),
        ("--task-group", b"Name: g\n", "is not JSON"),
    ],
)
def test_each_input_flag_refuses_hostile_bytes_in_one_line(
    flag: str, data: bytes, expected: str, tmp_path: Path
) -> None:
    docs = {"--k8s-nodes": [NODE], "--pod": POD, "--nomad-nodes": [NOMAD_NODE], "--task-group": JOB}
    paths = {}
    for option, doc in docs.items():
        paths[option] = tmp_path / f"{option[2:]}.json"
        paths[option].write_text(json.dumps(doc))
    paths[flag] = tmp_path / "hostile"
    paths[flag].write_bytes(data)
    if flag.startswith("--k8s"):
        argv = ["--k8s-nodes", paths["--k8s-nodes"], "--pod", paths["--pod"]]
    else:
        argv = ["--nomad-nodes", paths["--nomad-nodes"], "--task-group", paths["--task-group"]]
    if flag in ("--k8s-pods", "--nomad-allocations"):
        argv += [flag, paths[flag]]
    got = _run("headroom", *map(str, argv))
    assert expected in _one_error_line(got)


@pytest.mark.parametrize("labels", ["\ud800", ["\ud800"]])
def test_a_lone_surrogate_where_labels_belong_is_refused_as_bad_input(labels: Any) -> None:
    # msgspec.convert raised UnicodeEncodeError wording its own refusal of such a value.
    pod = {"metadata": {"name": "w0", "labels": labels},
           "spec": {"nodeName": "n1", "containers": []}}  # fmt: skip
    with pytest.raises(PlacementError, match="labels"):
        Inventory.from_k8s([NODE], [pod])
