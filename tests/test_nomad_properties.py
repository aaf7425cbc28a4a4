"""Nomad front end, properties: compiled constraints agree with Nomad's rules restated.

Random nodes with random `attr.*` values, random constraint blocks: the compiled expression's
scalar answer, its vectorized answer and a restatement of Nomad's `checkConstraint` (over a
vocabulary whose Go parses are written out by hand) agree on every node. Version lists AND
their items, `~>` is the range Nomad documents, and the three placers agree on Nomad-shaped
clusters with `distinct_*` rules.
"""

from __future__ import annotations

import contextlib
import math
import re
from typing import Any

from conftest import examples
from engines import assert_engines_agree
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import Instance, Inventory, TaskSpec, parse
from placement.nomad import constraint
from placement.syntax.ast import NOMAD_OPS
from placement.testing import expressions

NAMES = ["a", "b"]
# Values, and how Go's strconv reads each: int64, else float64, else neither (text).
INTS = {"0": 0, "7": 7, "007": 7, "10": 10, "-3": -3, "+5": 5}
FLOATS = {
    **{k: float(v) for k, v in INTS.items()},
    "1.5": 1.5,
    "1e3": 1000.0,
    "inf": math.inf,
    "-Inf": -math.inf,
    "NaN": math.nan,
    "0x1p4": 16.0,
    "1_0": 10.0,
    ".5": 0.5,
    "9223372036854775808": 9.223372036854775808e18,
}
TEXTS = ["", "x", "abc", "1e400", "v2", "a, b", "b,c", "1..2", "nan!"]
VALUES = [*FLOATS, *TEXTS]
ORDER = ["<", "<=", ">", ">="]
OPERATORS = [
    "=",
    "==",
    "is",
    "!=",
    "not",
    *ORDER,
    "regexp",
    "set_contains",
    "set_contains_all",
    "set_contains_any",
    "is_set",
    "is_not_set",
]
PATTERNS = ["a", "^a", "b$", "[0-9]", "", "x|c"]


def go_order(op: str, left: str, right: str) -> bool:
    """Nomad's checkOrder over the vocabulary above."""
    test = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }[op]
    if left in INTS and right in INTS:
        return bool(test(INTS[left], INTS[right]))
    if left in FLOATS and right in FLOATS:
        return bool(test(FLOATS[left], FLOATS[right]))
    return bool(test(left, right))


def go_set(text: str) -> set[str]:
    return {item.strip(" ") for item in text.split(",")}


def nomad_holds(op: str, value: str | None, argument: str) -> bool:
    """Nomad's checkConstraint, restated for one node's value (None: absent)."""
    if op in ("!=", "not"):
        return value != argument
    if op == "is_set":
        return value is not None
    if op == "is_not_set":
        return value is None
    if value is None:
        return False
    if op in ("=", "==", "is"):
        return value == argument
    if op in ORDER:
        return go_order(op, value, argument)
    if op == "regexp":
        return re.search(argument, value) is not None
    if op in ("set_contains", "set_contains_all"):
        return go_set(argument) <= go_set(value)
    return bool(go_set(argument) & go_set(value))


@st.composite
def block_st(draw: Any) -> tuple[str, str, str]:
    name = draw(st.sampled_from(NAMES))
    op = draw(st.sampled_from(OPERATORS))
    if op in ("is_set", "is_not_set"):
        return name, op, ""
    if op == "regexp":
        return name, op, draw(st.sampled_from(PATTERNS))
    return name, op, draw(st.sampled_from([v for v in VALUES if v]))


nodes_st = st.lists(
    st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES), max_size=2),
    min_size=1,
    max_size=12,
)


@settings(max_examples=examples())
@given(st.lists(block_st(), min_size=1, max_size=3), nodes_st)
def test_constraints_agree_with_nomad(
    blocks: list[tuple[str, str, str]], nodes: list[dict[str, str]]
) -> None:
    compiled = [
        constraint({"attribute": "${attr." + n + "}", "operator": op, "value": v})
        for n, op, v in blocks
    ]
    instances = [
        Instance(arn=f"n{i}", attributes={f"attr.{k}": v for k, v in attrs.items()})
        for i, attrs in enumerate(nodes)
    ]
    inv = Inventory.from_instances(instances)
    for (name, op, value), expr in zip(blocks, compiled, strict=True):
        assert parse(str(expr)) == expr
        want = [nomad_holds(op, attrs.get(name), value) for attrs in nodes]
        assert [expr.matches(inst) for inst in instances] == want, (name, op, value)
        assert expr.evaluate(inv).tolist() == want, (name, op, value)


VERSIONS = [
    "1.0",
    "1.2",
    "1.2.0",
    "1.2.3",
    "1.4.9",
    "1.5",
    "2.0.0",
    "2.1.0-beta",
    "1.3.0-rc.1",
    "v1.2.7",
    "1.2.0.1",
    "1.2beta",
    "10.0",
    "0.9",
    "x",
]
SINGLES = ["1.2", "1.5", "2", "1.3.0-a", "1.0.0", "2.1.0-alpha"]


@settings(max_examples=examples())
@given(
    st.lists(
        st.tuples(st.sampled_from(["<", "<=", ">", ">=", "=", "!=", ""]), st.sampled_from(SINGLES)),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from(["version", "semver"]),
)
def test_a_constraint_list_ands_its_items(items: list[tuple[str, str]], operator: str) -> None:
    texts = [f"{op} {v}" for op, v in items]
    whole = constraint({"attribute": "${attr.v}", "operator": operator, "value": ", ".join(texts)})
    parts = [
        constraint({"attribute": "${attr.v}", "operator": operator, "value": t}) for t in texts
    ]
    instances = [Instance(arn=f"n{i}", attributes={"attr.v": v}) for i, v in enumerate(VERSIONS)]
    inv = Inventory.from_instances(instances)
    want = [all(p.matches(inst) for p in parts) for inst in instances]  # type: ignore[union-attr]
    assert whole.evaluate(inv).tolist() == want  # type: ignore[union-attr]


@settings(max_examples=examples())
@given(
    st.integers(0, 3), st.integers(0, 5), st.integers(0, 4), st.integers(0, 6), st.integers(0, 6)
)
def test_pessimistic_is_the_documented_range(
    major: int, minor: int, v_major: int, v_minor: int, v_patch: int
) -> None:
    # `~> X.Y` allows >= X.Y and < (X+1).0: only the last written segment may grow.
    expr = constraint({"attribute": "${attr.v}", "version": f"~> {major}.{minor}"})
    version = (v_major, v_minor, v_patch)
    inst = Instance(arn="n", attributes={"attr.v": ".".join(map(str, version))})
    assert expr.matches(inst) == ((major, minor) <= version[:2] and v_major == major)  # type: ignore[union-attr]


@st.composite
def nomad_problem(draw: Any) -> tuple[Inventory, TaskSpec, int]:
    """A random Nomad cluster, and a random task group to place on it."""
    nodes = []
    for i in range(draw(st.integers(1, 8))):
        attributes = {
            "kernel.name": draw(st.sampled_from(["linux", "windows"])),
            "driver.docker": draw(st.sampled_from(["1", "0"])),
            "docker.version": draw(st.sampled_from(["19.03", "20.10.7", "24.0-rc1"])),
        }
        meta = {"rack": draw(st.sampled_from(["r1", "r2", "r3"]))} if draw(st.booleans()) else {}
        if draw(st.booleans()):
            meta["zone"] = draw(st.sampled_from(["r1", "dc1", "dc2"]))
        nodes.append(
            {
                "ID": f"id{i}",
                "Name": f"node-{i}",
                "Datacenter": draw(st.sampled_from(["dc1", "dc2"])),
                "Attributes": attributes,
                "Meta": meta,
                "NodeResources": {
                    "Cpu": {"CpuShares": draw(st.sampled_from([500, 1000, 4000]))},
                    "Memory": {"MemoryMB": draw(st.sampled_from([512, 2048]))},
                },
                "Status": draw(st.sampled_from(["ready", "ready", "down"])),
                "SchedulingEligibility": draw(
                    st.sampled_from(["eligible", "eligible", "ineligible"])
                ),
            }
        )
    blocks = draw(
        st.lists(
            st.sampled_from(
                [
                    {"attribute": "${attr.kernel.name}", "value": "linux"},
                    {"attribute": "${node.datacenter}", "operator": "!=", "value": "dc2"},
                    {"attribute": "${attr.docker.version}", "version": ">= 20"},
                    {"attribute": "${attr.docker.version}", "semver": ">= 20.0.0-a"},
                    {"attribute": "${meta.rack}", "operator": "set_contains_any", "value": "r1,r2"},
                    {"attribute": "${meta.rack}", "operator": "!=", "value": "${meta.zone}"},
                    {"attribute": "${node.datacenter}", "value": "${meta.zone}"},
                    {"attribute": "${meta.rack}", "operator": "is_not_set"},
                    {"distinct_hosts": True},
                    {"distinct_property": "${meta.rack}", "value": "2"},
                    {"distinct_property": "${node.datacenter}"},
                ]
            ),
            max_size=3,
        )
    )
    group = {
        "Name": "g",
        "Constraints": blocks,
        "Tasks": [
            {
                "Name": "t",
                "Driver": draw(st.sampled_from(["docker", "exec"])),
                "Resources": {"CPU": draw(st.sampled_from([100, 400])), "MemoryMB": 256},
            }
        ],
    }
    # A job around it: a job-level distinct_* counts the allocations of its other group too.
    job_blocks = draw(
        st.lists(
            st.sampled_from(
                [{"distinct_hosts": True}, {"distinct_property": "${meta.rack}", "value": "2"}]
            ),
            max_size=1,
        )
    )
    allocations = [
        {
            "ID": f"a{k}",
            "NodeID": f"id{draw(st.integers(0, len(nodes) - 1))}",
            "JobID": draw(st.sampled_from(["web", "web", "other"])),
            "TaskGroup": draw(st.sampled_from(["g", "ui"])),
            "ClientStatus": "running",
        }
        for k in range(draw(st.integers(0, 4)))
    ]
    job = {"ID": "web", "Constraints": job_blocks, "TaskGroups": [group, {"Name": "ui"}]}
    inv = Inventory.from_nomad(nodes, allocations)
    return inv, TaskSpec.from_nomad(job, "g"), draw(st.integers(1, 10))


@settings(max_examples=examples(0.5))
@given(nomad_problem())
def test_engines_agree_on_nomad_clusters(problem: tuple[Inventory, TaskSpec, int]) -> None:
    assert_engines_agree(*problem)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["${attr.a}", "${meta.b}", ">= 1.0", "=", "version", "22,80-81", "²"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_NODE_KEYS = [
    "Name",
    "ID",
    "Attributes",
    "Meta",
    "NodeResources",
    "ReservedResources",
    "Status",
    "SchedulingEligibility",
    "Drain",
    "Drivers",
    "Resources",
    "Reserved",
    "Datacenter",
]
_BLOCK_KEYS = [
    "attribute",
    "operator",
    "value",
    "LTarget",
    "Operand",
    "RTarget",
    "version",
    "regexp",
    "set_contains",
    "distinct_hosts",
    "distinct_property",
    "semver",
]
_GROUP_KEYS = [
    "Name", "Constraints", "Tasks", "Networks", "TaskGroups", "Job", "ID", "Count", "Scaling",
    "Affinities", "Spreads", "job",
]  # fmt: skip


@settings(max_examples=examples())
@given(
    st.dictionaries(st.sampled_from(_NODE_KEYS), _JSON, max_size=6),
    st.dictionaries(st.sampled_from(_BLOCK_KEYS), _JSON, max_size=4),
    st.dictionaries(st.sampled_from(_GROUP_KEYS), _JSON, max_size=4),
    _JSON,
)
def test_bad_input_raises_only_placement_errors(
    node: dict[str, Any], block: dict[str, Any], group: dict[str, Any], anything: Any
) -> None:
    import placement

    for call in (
        lambda: Inventory.from_nomad([node]),
        lambda: Inventory.from_nomad(anything),
        lambda: Inventory.from_nomad([{**node, "Name": "n"}], anything),
        lambda: constraint(block),
        lambda: constraint(anything),
        lambda: TaskSpec.from_nomad(group),
        lambda: TaskSpec.from_nomad({"Name": "g", "Constraints": [block], "Tasks": anything}),
        # Known paths, random leaves.
        lambda: TaskSpec.from_nomad(
            {
                "Name": "g",
                "Networks": anything,
                "Tasks": [{"Name": "t", "Resources": anything, "Driver": anything}],
            }
        ),
        lambda: TaskSpec.from_nomad(
            {
                "Name": "g",
                "Affinities": [anything],
                "Spreads": [{"Attribute": "${meta.a}", "SpreadTarget": anything}],
                "Tasks": [{"Resources": {"Devices": [anything], "Cores": anything}}],
                "Networks": [{"Mode": anything}],
            }
        ),
        lambda: TaskSpec.from_nomad(
            {"Name": "g", "Tasks": [{"Resources": {"Devices": [{"Name": "gpu", **block}]}}]}
        ),
        lambda: TaskSpec.from_nomad({"Name": "g", "Tasks": [{"Constraints": [block]}]}),
        lambda: TaskSpec.from_nomad(
            {
                "Name": "g",
                "Networks": [anything],
                "Tasks": [
                    {"Resources": {"CPU": anything, "Networks": [{"ReservedPorts": [anything]}]}}
                ],
            }
        ),
        lambda: TaskSpec.from_nomad({"Job": {"ID": anything, "TaskGroups": [{"Name": "g"}]}}),
        lambda: Inventory.from_nomad(
            [
                {
                    "Name": "n",
                    "ID": "n",
                    "Attributes": {"driver.x": anything},
                    "Drivers": {"x": anything},
                    "NodeResources": {"Cpu": {"CpuShares": anything}, "Memory": {"MemoryMB": 1}},
                    "ReservedResources": {"Networks": {"ReservedHostPorts": anything}},
                }
            ]
        ),
        lambda: Inventory.from_nomad(
            [{"Name": "n", "ID": "n", "Resources": {"CPU": 9, "MemoryMB": 9}}],
            [{"NodeID": "n", "JobID": anything, "AllocatedResources": {"Tasks": anything}}],
        ),
    ):
        with contextlib.suppress(placement.PlacementError):
            call()


@settings(max_examples=examples())
@given(expressions(), expressions(nomad=True))
def test_strategies_draw_nomad_operators_only_when_asked(ecs: Any, anything: Any) -> None:
    assert not any(leaf.op in NOMAD_OPS for leaf in ecs.leaves())
    assert parse(str(anything), max_length=None) == anything


def test_nomad_strategies_reach_every_nomad_operator() -> None:
    from hypothesis import find

    from placement.testing import comparisons

    for op in NOMAD_OPS:
        assert find(comparisons(nomad=True), lambda c, op=op: c.op is op).op is op
