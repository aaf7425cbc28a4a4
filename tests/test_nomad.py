"""Nomad front end, conformance: operators, constraint blocks, nodes and task groups.

Cases come from Nomad's documentation of the constraint block (absent attributes, `regexp`
unanchored, sets split on commas, `version` and `semver` constraint strings, `distinct_*`) and
from go-version's documented constraint behaviour, which Nomad's `version` operator uses.
"""

from __future__ import annotations

from typing import Any

import pytest

import placement
from placement import Instance, Inventory, TaskSpec, explain_placement, parse, place
from placement.nomad import (
    EVERYTHING,
    NOTHING,
    NomadConstraint,
    NomadDistinct,
    constraint,
    constraints,
)
from placement.syntax.ast import Op


def holds(block: dict[str, Any], attributes: dict[str, str]) -> bool:
    """The compiled block on a node of these `attr.*` values, scalar and vectorized (agreeing)."""
    expr = constraint(block)
    assert isinstance(expr, placement.Expression)
    assert parse(str(expr)) == expr
    inst = Instance(arn="n", attributes={f"attr.{k}": v for k, v in attributes.items()})
    scalar = expr.matches(inst)
    assert expr.evaluate(Inventory.from_instances([inst])).tolist() == [scalar]
    return scalar


def on(attribute: str, operator: str, value: str = "") -> dict[str, str]:
    return {"attribute": "${attr." + attribute + "}", "operator": operator, "value": value}


# -- absent attributes: only !=, not and is_not_set hold ------------------------------------------

_ALL = [
    ("=", "x"),
    ("==", "x"),
    ("is", "x"),
    ("!=", "x"),
    ("not", "x"),
    ("<", "5"),
    ("<=", "5"),
    (">", "5"),
    (">=", "5"),
    ("regexp", "."),
    ("version", ">= 0"),
    ("semver", ">= 0.0.0"),
    ("set_contains", "a"),
    ("set_contains_all", "a"),
    ("set_contains_any", "a"),
    ("is_set", ""),
    ("is_not_set", ""),
]


@pytest.mark.parametrize(("operator", "value"), _ALL)
def test_absent_attribute_satisfies_only_negations(operator: str, value: str) -> None:
    expected = operator in ("!=", "not", "is_not_set")
    assert holds(on("k", operator, value), {}) is expected
    assert holds(on("k", operator, value), {"other": "x"}) is expected


def test_equality_compares_text() -> None:
    assert holds(on("k", "=", "linux"), {"k": "linux"})
    assert not holds(on("k", "is", "linux"), {"k": "Linux"})
    assert holds(on("k", "!=", "linux"), {"k": "windows"})
    assert not holds(on("k", "not", "linux"), {"k": "linux"})
    assert holds(on("k", "==", "1.0"), {"k": "1.0"}) and not holds(on("k", "=", "1"), {"k": "1.0"})


# -- orderings: integers, else floats, else text ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "operator", "bound", "expected"),
    [
        ("10", ">", "9", True),  # integers (text would put "10" first)
        ("007", "==", "7", False),  # `=` is text; orderings read numbers
        ("007", ">=", "7", True),
        ("1.5", "<", "10", True),  # floats
        ("1e3", ">", "999", True),
        ("inf", ">", "1e308", True),  # Go's ParseFloat reads inf, ECS does not
        ("NaN", "<", "1", False),  # NaN orders against nothing
        ("NaN", ">=", "1", False),
        ("0x1p4", "==", "16", False),
        ("0x1p4", ">=", "16", True),  # a hex float is 16
        ("1_000", ">", "200", True),  # underscores between digits
        ("1__0", ">", "200", False),  # ...but not two: text, and "1" < "2"
        ("1e400", ">", "5", False),  # out of range: not a float, so text ("1" < "5")
        ("9223372036854775808", ">", "9223372036854775807", False),  # floats: equal
        ("abc", "<", "abd", True),  # text, by byte
        ("B", "<", "a", True),
        ("", "<", "a", True),
    ],
)
def test_orderings_follow_nomad(value: str, operator: str, bound: str, expected: bool) -> None:
    assert holds(on("k", operator, bound), {"k": value}) is expected


def test_orderings_differ_from_ecs_where_go_reads_numbers() -> None:
    # ECS's exact decimals against Go's float64: equal in Go, ordered in ECS.
    close = {"k": "1.00000000000000001"}
    assert holds(on("k", "<=", "1"), close)
    assert not parse("attribute:k <= 1").matches(Instance(arn="n", attributes=close))
    # Go reads 1_000 as a number; ECS compares it as text ("1" < "2").
    assert holds(on("k", ">", "200"), {"k": "1_000"})
    assert not parse("attribute:k > 200").matches(Instance(arn="n", attributes={"k": "1_000"}))


# -- regexp: unanchored RE2 ---------------------------------------------------------------------


def test_regexp_is_unanchored() -> None:
    assert holds(on("k", "regexp", "web"), {"k": "my-web-1"})
    assert not parse("attribute:k =~ web").matches(Instance(arn="n", attributes={"k": "my-web-1"}))
    assert holds(on("k", "regexp", "^web"), {"k": "web-1"})
    assert not holds(on("k", "regexp", "^web$"), {"k": "web-1"})
    assert holds(on("k", "regexp", ""), {"k": ""})


def test_regexp_that_does_not_compile_is_refused() -> None:
    with pytest.raises(placement.PlacementInputError, match="value"):
        constraint(on("k", "regexp", "("))
    with pytest.raises(placement.PlacementInputError):
        constraint(on("k", "regexp", "(a)\\1"))  # RE2 has no backreferences


# -- sets: both sides split on commas, items trimmed -----------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "node", "expected"),
    [
        ("set_contains", "a,c", "a, b ,c", True),
        ("set_contains", "a, d", "a,b,c", False),
        ("set_contains_all", " c ", "a,b,c", True),
        ("set_contains_any", "x, b", "a,b", True),
        ("set_contains_any", "x,y", "a,b", False),
        ("set_contains", "a", "ab", False),  # whole items, not substrings
        ("set_contains", "a,,b", "a,b", False),  # an empty item must be there too
        ("set_contains", "a,,b", "a,,b", True),
        ("set_contains_any", "\u00a0a\u2003", "a", True),  # Go's TrimSpace: Unicode spaces
        ("set_contains", "a\x1c", "a", False),  # ...but not \x1c, which Python's strip takes
    ],
)
def test_sets(operator: str, value: str, node: str, expected: bool) -> None:
    assert holds(on("k", operator, value), {"k": node}) is expected


# -- version: go-version constraint lists ---------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint_text", "version", "expected"),
    [
        (">= 1.2", "1.1.5", False),
        (">= 1.0", "1.1.5", True),
        ("< 1.0", "1.1.5", False),
        (">= 1.0, < 1.2", "1.1.5", True),
        (">= 1.0, < 1.2", "1.2", False),
        ("> 1.0", "1.1", True),
        ("= 1.0", "1.0.0", True),
        ("1.0", "1.0.0", True),
        ("!= 1.0", "1.0.0", False),
        ("~> 1.0", "1.1", True),
        ("~> 1.0", "2.0", False),
        ("~> 1.2.3", "1.2.5", True),
        ("~> 1.2.3", "1.3", False),
        ("~> 1.0.0", "1.0.7", True),
        ("~> 1.0.7", "1.0.4", False),
        ("~> 2.0", "2.1.0-beta", False),
        ("~> 2.1.0-a", "2.2.0", False),
        ("~> 2.1.0-a", "2.1.0", False),
        ("~> 2.1.0-a", "2.1.0-beta", True),
        ("~> 2.1.0-a", "2.2.0-alpha", False),
        ("> 2.0", "2.1.0-beta", False),  # a pre-release needs a pre-release constraint
        (">= 2.1.0-a", "2.1.0-beta", True),
        (">= 2.1.0-a", "2.1.1-beta", False),  # ...of the same segments
        (">= 2.0.0", "2.1.0-beta", False),
        (">= 2.1.0-a", "2.1.1", True),
        ("<= 2.1.0-a", "2.0.0", True),
        (">= 1.2", "v1.2.0", True),  # a leading v
        (">= 1.2", "1.2beta", False),  # go-version reads 1.2beta (a pre-release)
        (">=1.2,<1.5", "1.4.99", True),  # spaces optional
        (">= 1.2", "1.2.0.0", True),  # more segments
        (">= 1.2", "latest", False),  # not a version: false
        (">= 1.2", " 1.2", False),  # no trimming of the value
        (">= 1.2", "99999999999999999999", False),  # a segment beyond int64
    ],
)
def test_version_constraints(constraint_text: str, version: str, expected: bool) -> None:
    assert holds(on("v", "version", constraint_text), {"v": version}) is expected


@pytest.mark.parametrize("text", ["", "x", "1.0,", ">> 1", "~ 1.0", ">= 1.0 < 2", "1.0.x"])
def test_invalid_version_constraints_are_refused(text: str) -> None:
    with pytest.raises(placement.PlacementInputError, match="value"):
        constraint(on("v", "version", text))


# -- semver: strict SemVer constraints, pre-releases ordered, never excluded -----------------------


def test_semver_allows_prereleases_where_version_does_not() -> None:
    node = {"v": "1.3.0-beta.1"}
    assert holds(on("v", "semver", ">= 1.0.0"), node)
    assert not holds(on("v", "version", ">= 1.0.0"), node)
    assert holds(on("v", "semver", "< 1.3.0"), node)
    assert holds(on("v", "semver", ">= 1.2, < 1.5"), node)


@pytest.mark.parametrize("text", ["~> 1.0", "1.2beta", "", ">= 1.0,"])
def test_invalid_semver_constraints_are_refused(text: str) -> None:
    with pytest.raises(placement.PlacementInputError, match="value"):
        constraint(on("v", "semver", text))


# -- the block: spellings, targets, validation ---------------------------------------------


def test_both_spellings_and_shorthands_compile_alike() -> None:
    hcl = constraint({"attribute": "${attr.kernel.name}", "operator": "=", "value": "linux"})
    api = constraint({"LTarget": "${attr.kernel.name}", "Operand": "=", "RTarget": "linux"})
    default = constraint({"attribute": "${attr.kernel.name}", "value": "linux"})
    assert hcl == api == default
    assert str(hcl) == "attribute:attr.kernel.name == linux"
    assert constraint({"attribute": "${attr.v}", "version": ">= 1"}) == constraint(
        on("v", "version", ">= 1")
    )
    assert constraint({"attribute": "${attr.v}", "regexp": "a"}) == constraint(
        on("v", "regexp", "a")
    )
    assert constraint({"attribute": "${attr.v}", "set_contains": "a"}) == constraint(
        on("v", "set_contains_all", "a")
    )
    assert str(constraint({"attribute": "${attr.v}", "operator": "!=", "value": "a"})) == (
        "not(attribute:attr.v == a)"
    )


def test_targets() -> None:
    for target, name in [
        ("${meta.rack}", "meta.rack"),
        ("${node.datacenter}", "node.datacenter"),
        ("${node.class}", "node.class"),
        ("${node.unique.name}", "node.unique.name"),
        ("${node.unique.id}", "node.unique.id"),
        ("${node.pool}", "node.pool"),
        ("${attr.unique.hostname}", "attr.unique.hostname"),
    ]:
        expr = constraint({"attribute": target, "value": "x"})
        assert str(expr) == f"attribute:{name} == x"


def test_literal_attribute_is_constant() -> None:
    assert constraint({"attribute": "linux", "value": "linux"}) == EVERYTHING
    assert constraint({"attribute": "linux", "operator": "!=", "value": "linux"}) == NOTHING
    assert constraint({"attribute": "2", "operator": "<", "value": "10"}) == EVERYTHING


@pytest.mark.parametrize(
    ("block", "part"),
    [
        ({"attribute": "${attr.x}", "operator": "~", "value": "y"}, "operator"),
        ({"attribute": "${node.region}", "value": "y"}, "attribute"),
        ({"attribute": "${attr.x}", "operator": "is_set", "value": "y"}, "value"),
        ({"attribute": "${attr.x}", "operator": "="}, "value"),
        ({"attribute": "${attr.x}", "operator": "set_contains_any"}, "value"),
        ({"operator": "=", "value": "x"}, "attribute"),
        ({"attribute": "${attr.x}", "value": "${node.region}"}, "value"),
        ({"attribute": "${attr.x}", "operator": "version", "value": "${meta.y}"}, "value"),
        ({"attribute": "${attr.x}", "value": 3}, "value"),
        ({"operator": "distinct_property", "attribute": "${meta.r}", "value": "0"}, "value"),
        ({"operator": "distinct_property", "attribute": "${meta.r}", "value": "-1"}, "value"),
        ({"distinct_hosts": "yes"}, "distinct_hosts"),
    ],
)
def test_bad_blocks_name_the_part(block: dict[str, Any], part: str) -> None:
    with pytest.raises(placement.PlacementInputError, match=part):
        constraint(block)


def test_distinct_blocks_are_rules() -> None:
    hosts = constraint({"operator": "distinct_hosts"})
    assert isinstance(hosts, NomadDistinct) and (hosts.field, hosts.max) == ("instanceId", 1)
    assert constraint({"distinct_hosts": True}) == hosts
    assert constraint({"distinct_hosts": False}) is None
    prop = constraint({"distinct_property": "${meta.rack}", "value": "3"})
    assert isinstance(prop, NomadDistinct) and (prop.field, prop.max) == ("attribute:meta.rack", 3)
    one = constraint({"operator": "distinct_property", "attribute": "${meta.rack}"})
    assert isinstance(one, NomadDistinct) and one.max == 1
    rules = constraints([on("k", "=", "x"), {"distinct_hosts": True}, {"distinct_hosts": False}])
    assert [type(r) for r in rules] == [NomadConstraint, NomadDistinct]
    with pytest.raises(placement.PlacementInputError, match=r"constraints\[1\]"):
        constraints([on("k", "=", "x"), on("k", "version", "x")])


# -- nodes and task groups -----------------------------------------------------------------------


def node(name: str, **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "ID": f"{name}-id",
        "Name": name,
        "Datacenter": "dc1",
        "NodeClass": "",
        "NodePool": "default",
        "Attributes": {"kernel.name": "linux", "driver.docker": "1"},
        "Meta": {"rack": "r1"},
        "NodeResources": {"Cpu": {"CpuShares": 4000}, "Memory": {"MemoryMB": 8192}},
        "ReservedResources": {
            "Cpu": {"CpuShares": 100},
            "Memory": {"MemoryMB": 256},
            "Networks": {"ReservedHostPorts": "22,8000-8002"},
        },
        "Status": "ready",
        "SchedulingEligibility": "eligible",
        "Drain": False,
    }
    doc.update(over)
    return doc


def test_inventory_from_node_objects() -> None:
    inv = Inventory.from_nomad(
        [
            node("a"),
            node("b", Status="down"),
            node("c", SchedulingEligibility="ineligible"),
            node("d", Drain=True),
        ]
    )
    a = inv[0]
    assert (a.arn, a.cpu, a.memory) == ("a", 3900, 7936)
    assert a.ports == frozenset({22, 8000, 8001, 8002})
    assert a.attributes["attr.kernel.name"] == "linux" and a.attributes["meta.rack"] == "r1"
    assert a.attributes["node.unique.id"] == "a-id" and a.attributes["node.class"] == ""
    assert a.attributes["node.datacenter"] == "dc1" and a.attributes["node.pool"] == "default"
    assert [(i.status, i.agent_connected) for i in inv] == [
        ("ACTIVE", True),
        ("ACTIVE", False),
        ("DRAINING", True),
        ("DRAINING", True),
    ]
    legacy = Inventory.from_nomad(
        {
            "Name": "old",
            "Resources": {"CPU": 1000, "MemoryMB": 512},
            "Reserved": {"CPU": 50, "MemoryMB": 12},
        }
    )
    assert (legacy[0].cpu, legacy[0].memory) == (950, 500)


def test_node_list_items_without_resources_are_refused() -> None:
    stub = {"ID": "x", "Name": "x", "Datacenter": "dc1", "Status": "ready"}
    with pytest.raises(placement.InventoryError, match="resources=true"):
        Inventory.from_nomad([stub])


def test_allocations_use_resources_and_count() -> None:
    allocs = [
        {
            "ID": "a1",
            "NodeID": "a-id",
            "JobID": "web",
            "TaskGroup": "fe",
            "ClientStatus": "running",
            "DesiredStatus": "run",
            "AllocatedResources": {
                "Tasks": {"t": {"Cpu": {"CpuShares": 500}, "Memory": {"MemoryMB": 256}}}
            },
        },
        {
            "ID": "a2",
            "NodeID": "a-id",
            "JobID": "web",
            "TaskGroup": "fe",
            "ClientStatus": "complete",
            "DesiredStatus": "run",
            "AllocatedResources": {"Tasks": {}},
        },
    ]
    inv = Inventory.from_nomad([node("a")], allocs)
    assert (inv[0].cpu, inv[0].memory, dict(inv[0].task_groups)) == (3400, 7680, {"web/fe": 1})


JOB = {
    "Job": {
        "ID": "web",
        "Constraints": [{"LTarget": "${attr.kernel.name}", "Operand": "=", "RTarget": "linux"}],
        "TaskGroups": [
            {
                "Name": "fe",
                "Networks": [{"ReservedPorts": [{"Label": "http", "Value": 8080}]}],
                "Constraints": [
                    {"LTarget": "${meta.rack}", "Operand": "distinct_property", "RTarget": "2"}
                ],
                "Tasks": [
                    {
                        "Name": "nginx",
                        "Driver": "docker",
                        "Resources": {"CPU": 500, "MemoryMB": 256},
                        "Constraints": [
                            {
                                "LTarget": "${attr.driver.docker.version}",
                                "Operand": "version",
                                "RTarget": ">= 20",
                            }
                        ],
                    },
                    {"Name": "log", "Driver": "docker", "Resources": {"CPU": 100, "MemoryMB": 64}},
                ],
            },
            {"Name": "db", "Tasks": [{"Name": "pg", "Driver": "exec", "Resources": {"CPU": 1000}}]},
        ],
    }
}


def test_task_spec_from_job_and_group() -> None:
    task = TaskSpec.from_nomad(JOB, "fe")
    assert (task.cpu, task.memory, task.group, task.ports) == (
        600,
        320,
        "web/fe",
        frozenset({8080}),
    )
    # Job, group, then task constraints, then the drivers check.
    assert [r.reason for r in task.constraints] == [
        "${attr.kernel.name} = linux",
        "${meta.rack} distinct_property 2",
        "${attr.driver.docker.version} version >= 20",
        "missing drivers",
    ]
    group_only = TaskSpec.from_nomad(JOB["Job"]["TaskGroups"][1])
    assert (group_only.cpu, group_only.group) == (1000, "db")
    with pytest.raises(placement.PlacementInputError, match="2 task groups"):
        TaskSpec.from_nomad(JOB)
    with pytest.raises(placement.PlacementInputError, match="no task group"):
        TaskSpec.from_nomad(JOB, "cache")


def test_every_reason_for_every_node() -> None:
    nodes = [
        node(
            "a",
            Attributes={
                "kernel.name": "linux",
                "driver.docker": "1",
                "driver.docker.version": "20.10.7",
            },
        ),
        node(
            "b",
            Attributes={
                "kernel.name": "windows",
                "driver.docker": "0",
                "driver.docker.version": "19.03",
            },
        ),
        node(
            "c",
            Attributes={
                "kernel.name": "linux",
                "driver.docker": "1",
                "driver.docker.version": "24.0",
            },
            Meta={},
        ),
    ]
    task = TaskSpec.from_nomad(JOB, "fe")
    why = explain_placement(Inventory.from_nomad(nodes), task)
    assert why.reasons("a") == ()
    assert why.reasons("b") == (
        "${attr.kernel.name} = linux",
        "${attr.driver.docker.version} version >= 20",
        "missing drivers",
    )
    assert why.reasons("c") == ("${meta.rack} distinct_property 2",)  # a node without the property


def test_distinct_property_counts() -> None:
    nodes = [node(f"n{i}", Meta={"rack": f"r{i % 2}"}) for i in range(4)]
    inv = Inventory.from_nomad(nodes)
    group = {
        "Name": "g",
        "Constraints": [{"distinct_property": "${meta.rack}", "value": "3"}],
        "Tasks": [{"Name": "t", "Resources": {"CPU": 10, "MemoryMB": 10}}],
    }
    result = place(inv, TaskSpec.from_nomad(group), 8)
    racks = [inv[inv.index_of(p)].attributes["meta.rack"] for p in result.placements]
    assert result.placed == 6 and racks.count("r0") == 3 and racks.count("r1") == 3
    hosts = {"Name": "g", "Constraints": [{"operator": "distinct_hosts"}], "Tasks": []}
    assert place(inv, TaskSpec.from_nomad(hosts), 8).placed == 4


@pytest.mark.parametrize(
    "text",
    ["attribute:x == version", "attribute:x in [semver, regexp, a]", "attribute:x != nomad_lt",
     "attribute:x =~ set_contains", "attribute:x regexp regexp"],
)  # fmt: skip
def test_operator_words_stay_bare_values(text: str) -> None:
    # ECS accepts `attribute:x == version`: the Nomad words are operators only where an
    # operator goes, and the printer quotes them so the text reads back the same.
    expr = parse(text)
    assert parse(str(expr)) == expr
    value = text.split()[-1].strip("[]")
    if expr.op is Op.EQ:
        assert expr.matches(Instance(arn="n", attributes={"x": value}))


def test_an_operator_word_as_a_subject_is_an_unknown_subject() -> None:
    with pytest.raises(placement.PlacementSyntaxError, match="unknown subject 'version'"):
        parse("version == a")
    with pytest.raises(placement.PlacementSyntaxError, match="unexpected end"):
        parse("attribute:x == a and regexp")


def test_ecs_json_is_refused_for_nomad_operators() -> None:
    rules = constraints([on("k", "=", "x"), on("k", "regexp", "x")])
    assert rules[0].to_ecs() == {"type": "memberOf", "expression": "attribute:attr.k == x"}
    with pytest.raises(placement.PlacementInputError, match="no ECS JSON form: ECS has no regexp"):
        rules[1].to_ecs()


def test_text_bounds_compile_to_ecs_orderings() -> None:
    # A bound that is a number to neither Go nor ECS: both order by text, so ECS's own `<`.
    assert str(constraint(on("k", "<", "v2"))) == "attribute:attr.k < v2"
    assert str(constraint(on("k", ">=", "1e400"))) == "attribute:attr.k nomad_ge 1e400"
    assert str(constraint(on("k", ">", "inf"))) == "attribute:attr.k nomad_gt inf"


def test_explain_names_the_nomad_clause() -> None:
    expr = constraint(on("v", "version", ">= 2")) & constraint(on("k", "regexp", "^a"))
    insts = [
        Instance(arn="n1", attributes={"attr.v": "2.1", "attr.k": "ab"}),
        Instance(arn="n2", attributes={"attr.v": "1.9", "attr.k": "ab"}),
        Instance(arn="n3", attributes={"attr.k": "ba"}),
    ]
    why = placement.explain(expr, Inventory.from_instances(insts))
    assert [c.rejected_count for c in why.clauses] == [2, 1]
    assert [c.text for c in why.reasons("n3")] == [
        "attribute:attr.v version '>= 2'",
        "attribute:attr.k regexp ^a",
    ]
