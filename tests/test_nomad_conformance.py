"""Nomad conformance, rule by documented rule.

Each test quotes the sentence of Nomad's documentation it checks (the `constraint`, `device`,
`affinity`, `spread` and `network` blocks of the job specification, go-version's README for
`version`, semver.org 2.0 for `semver`, Go's regexp syntax for `regexp`), or, where the
documentation is silent, the scheduler's rule it follows (`checkConstraint`, `resolveTarget`,
`Constraint.Validate`). Every block is checked on the vectorized and the one-instance paths.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import examples
from engines import assert_engines_agree
from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from placement import Instance, Inventory, TaskSpec, explain_placement, parse, place
from placement.nomad import NomadDistinct, NomadPair, constraint, constraints, group_count
from placement.rules.view import View

TASK = TaskSpec(cpu=1, memory=1, group="j/g")


def verdicts(block: dict[str, Any], nodes: list[dict[str, str]]) -> list[bool]:
    """Whether each node (its attributes, keys without `${}`) passes the block.

    Expressions are evaluated scalar and vectorized, rules through `excluded` and
    `reference_excluded`; the two answers must agree.
    """
    compiled = constraint(block)
    insts = [Instance(arn=f"n{i}", attributes=a) for i, a in enumerate(nodes)]
    inv = Inventory.from_instances(insts)
    if isinstance(compiled, placement.Expression):
        assert parse(str(compiled)) == compiled
        scalar = [compiled.matches(inst) for inst in insts]
        assert compiled.evaluate(inv).tolist() == scalar
        return scalar
    assert isinstance(compiled, NomadPair)
    vector = [not x for x in compiled.excluded(View(inv), TASK).tolist()]
    assert [not x for x in compiled.reference_excluded(insts, TASK)] == vector
    return vector


def block(left: str, operator: str, right: str = "") -> dict[str, str]:
    return {"attribute": left, "operator": operator, "value": right}


def refused(bad: dict[str, Any], part: str) -> None:
    with pytest.raises(placement.PlacementInputError, match=part):
        constraint(bad)


# -- attribute and value: either side may be a target ---------------------------------------------


def test_value_may_be_another_attribute() -> None:
    """`value`: "This can be a literal value, another attribute, or any Nomad interpolated
    values." Both sides are resolved on the node."""
    nodes = [
        {"attr.a": "x", "meta.b": "x"},
        {"attr.a": "x", "meta.b": "y"},
        {"attr.a": "x"},
        {"meta.b": "x"},
        {},
    ]
    assert verdicts(block("${attr.a}", "=", "${meta.b}"), nodes) == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert verdicts(block("${attr.a}", "==", "${meta.b}"), nodes)[0]
    assert verdicts(block("${attr.a}", "is", "${meta.b}"), nodes)[0]


def test_not_equal_with_absent_sides_compares_empty_strings() -> None:
    """`is_set`: "The default behavior for "!=" is to include nodes that don't have that
    attribute set." The scheduler compares the resolved strings (`!reflect.DeepEqual`), an
    absent target resolving to "": so two absent sides are equal and `!=` fails on them, and an
    absent side equals a present empty one."""
    nodes = [
        {"attr.a": "x", "meta.b": "y"},
        {"attr.a": "x"},
        {},
        {"meta.b": ""},
        {"attr.a": "x", "meta.b": "x"},
    ]
    expected = [True, True, False, False, False]
    assert verdicts(block("${attr.a}", "!=", "${meta.b}"), nodes) == expected
    assert verdicts(block("${attr.a}", "not", "${meta.b}"), nodes) == expected


@pytest.mark.parametrize(
    ("operator", "left", "right", "expected"),
    [
        ("<", "9", "10", True),  # both integers
        ("<", "9.5", "10", True),  # both floats
        ("<", "b", "a", False),  # lexical
        ("regexp", "abc", "b", True),  # the value's text is the pattern, unanchored
        ("regexp", "abc", "(", False),  # a pattern that does not compile matches nothing
        ("set_contains", "a,b,c", "c, a", True),
        ("set_contains_any", "a,b", "x,b", True),
        ("set_contains_any", "a,b", "x,y", False),
    ],
)
def test_attribute_pairs_follow_each_operator(
    operator: str, left: str, right: str, expected: bool
) -> None:
    """`operator`: "If the operator is one of >, >=, <, <=, the ordering is compared
    numerically if the operands are both integers or both floats, and lexically otherwise";
    `regexp` and the sets read the value side as they read a literal, from the node."""
    nodes = [{"attr.a": left, "meta.b": right}, {"attr.a": left}, {"meta.b": right}]
    assert verdicts(block("${attr.a}", operator, "${meta.b}"), nodes) == [expected, False, False]


def test_literal_attribute_against_a_target_value() -> None:
    """`attribute`: "the name or reference of the attribute": a literal is itself, found."""
    nodes = [{"node.class": "gpu"}, {"node.class": "cpu"}, {}]
    assert verdicts(block("gpu", "=", "${node.class}"), nodes) == [True, False, False]
    assert verdicts(block("gpu", "!=", "${node.class}"), nodes) == [False, True, True]


def test_version_against_a_target_is_refused() -> None:
    """`version`: "a comma-separated list of constraints"; Nomad's job validation parses the
    value as one, which `${meta.v}` is not."""
    refused(block("${attr.a}", "version", "${meta.v}"), "version takes a constraint list")
    refused(block("${attr.a}", "semver", "${meta.v}"), "semver takes a constraint list")


ZONE = "attr.platform.aws.placement.availability-zone"


def test_pairs_place_and_explain_under_their_text() -> None:
    """Each failed block is a reason of its own, under its `LTarget Operand RTarget` text."""
    rules = constraints(
        [block("${meta.zone}", "=", "${attr.platform.aws.placement.availability-zone}")]
    )
    assert isinstance(rules[0], NomadPair)
    inv = Inventory.from_instances(
        [
            Instance(arn="a", cpu=10, memory=10, attributes={"meta.zone": "z1", ZONE: "z1"}),
            Instance(arn="b", cpu=10, memory=10, attributes={"meta.zone": "z1", ZONE: "z2"}),
        ]
    )
    task = TaskSpec(cpu=1, memory=1, constraints=rules)
    assert place(inv, task, 2).placements == ("a", "a")
    why = explain_placement(inv, task)
    assert why.reasons("b") == ("${meta.zone} = ${attr.platform.aws.placement.availability-zone}",)


# -- is_set / is_not_set ------------------------------------------------------------------------


def test_is_set_and_is_not_set_read_presence_only() -> None:
    """`is_set`: "Specifies that a given attribute must be present"; `is_not_set`: "must not
    be present". An empty value is present; a value is refused ("value field is required
    except for when using the is_set, is_not_set ... operators": it takes none)."""
    nodes = [{"attr.a": ""}, {"attr.a": "x"}, {}]
    assert verdicts(block("${attr.a}", "is_set"), nodes) == [True, True, False]
    assert verdicts(block("${attr.a}", "is_not_set"), nodes) == [False, False, True]
    refused(block("${attr.a}", "is_set", "x"), "takes no value")


# -- regexp ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("[a-z0-9]", "--x--", True),  # the documented example, found anywhere
        ("^linux$", "linux", True),
        ("^linux$", "gnu/linux", False),  # anchors only where written
        ("a$", "a\n", False),  # `$` is the end of text, not of a line
        (r"\d", "\u0663", False),  # Perl classes are ASCII
        (r"\s", "\v", False),  # \s is [\t\n\f\r ]
        (".", "\n", False),  # `.` skips newlines unless (?s)
        ("(?s).", "\n", True),
        ("(?i)LINUX", "linux", True),
        (r"\pL", "é", True),
        ("[[:alpha:]]", "x", True),
    ],
)
def test_regexp_is_an_unanchored_re2_search(pattern: str, value: str, expected: bool) -> None:
    """`regexp`: "the syntax accepted by RE2 and described at in the Google RE2 syntax";
    Nomad searches the attribute (`MatchString`), anchoring nothing."""
    assert verdicts(block("${attr.a}", "regexp", pattern), [{"attr.a": value}]) == [expected]


@pytest.mark.parametrize("pattern", ["(", "a{1001}", r"\Z", "(?=x)", r"(a)\1", r"\C", r"[\C]"])
def test_regexp_go_does_not_compile_is_refused(pattern: str) -> None:
    """Nomad's validation: "Regular expression failed to compile". Go's regexp has no
    lookaround, backreferences, `\\Z` or `\\C` (which C++ RE2 takes), nor repeats past 1000."""
    refused(block("${attr.a}", "regexp", pattern), "value")


def test_regexp_quoted_c_is_literal() -> None:
    """In `\\Q...\\E` everything is literal, `\\C` included (Go and RE2 alike)."""
    assert verdicts(block("${attr.a}", "regexp", r"\Q\C\E"), [{"attr.a": r"x\Cy"}]) == [True]


# -- version (go-version) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint_text", "version", "expected"),
    [
        ("> 3.19", "4.15.0-91-generic", False),  # the kernel example: a pre-release to go-version
        ("> 3.19", "4.15.0", True),
        (">= 0.1.0, < 0.2", "0.1.9", True),  # the documented list
        (">= 0.1.0, < 0.2", "0.2.0", False),
        (">=0.1.0,<0.2", "0.1.5", True),  # spaces are optional
        ("  >=  0.1.0 ,  < 0.2  ", "0.1.5", True),
        ("~> 1.2", "1.9", True),  # pessimistic on the last written segment
        ("~> 1.2", "2.0", False),
        ("~> 1.2.3", "1.2.9", True),
        ("~> 1.2.3", "1.3.0", False),
        (">= 1.0", "1.6.0-beta", False),  # "will not consider a prerelease ... sufficient"
        (">= 1.0-a", "1.0.0-b", True),  # a pre-release constraint of the same segments does
        ("!= 1.0", "1.0.0", False),  # trailing zeros are equal
        ("!= 1.0", "1.0.0-rc1", True),
        ("1.0", "1.0.0", True),  # no operator: equality
        ("= 1.0+build", "1.0", True),  # metadata does not order
        (">= 1.0", "not-a-version", False),  # the node's value must parse
    ],
)
def test_version_follows_go_version(constraint_text: str, version: str, expected: bool) -> None:
    """`version`: "supports a comma-separated list of constraints, including the pessimistic
    operator. version will not consider a prerelease (eg 1.6.0-beta) sufficient to match a
    non-prerelease constraint (eg >= 1.0)."""
    assert verdicts(block("${attr.v}", "version", constraint_text), [{"attr.v": version}]) == [
        expected
    ]


@pytest.mark.parametrize("text", ["", "bad", ">= 1.0,", ">> 1.0", "=> 1", "1.0 <"])
def test_invalid_version_strings_are_refused(text: str) -> None:
    """Nomad's validation: "Version constraint is invalid"."""
    refused(block("${attr.v}", "version", text), "value")


# -- semver (strict SemVer 2.0) ----------------------------------------------------------------

_SEMVER_CHAIN = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
]


def test_semver_orders_prereleases_as_semver_2() -> None:
    """`semver`: "Only Semantic Versioning 2.0 compliant versions and comparison operators are
    supported"; semver.org §11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta <
    1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0."""
    nodes = [{"attr.v": v} for v in _SEMVER_CHAIN]
    for i, bound in enumerate(_SEMVER_CHAIN):
        above = verdicts(block("${attr.v}", "semver", f"> {bound}"), nodes)
        assert above == [j > i for j in range(len(_SEMVER_CHAIN))], bound
        below = verdicts(block("${attr.v}", "semver", f"< {bound}"), nodes)
        assert below == [j < i for j in range(len(_SEMVER_CHAIN))], bound


def test_semver_prereleases_satisfy_release_constraints() -> None:
    """`semver`: "Unlike version, this operator considers prereleases (eg 1.6.0-beta)
    sufficient to satisfy non-prerelease constraints (eg >= 1.0)."""
    assert verdicts(block("${attr.v}", "semver", ">= 1.0"), [{"attr.v": "1.6.0-beta"}]) == [True]
    assert verdicts(block("${attr.v}", "version", ">= 1.0"), [{"attr.v": "1.6.0-beta"}]) == [False]


def test_semver_ignores_build_metadata() -> None:
    """semver.org §10: "Build metadata MUST be ignored when determining version precedence"."""
    nodes = [{"attr.v": "1.0.0+build.5"}, {"attr.v": "1.0.0+other"}]
    assert verdicts(block("${attr.v}", "semver", "= 1.0.0"), nodes) == [True, True]
    assert verdicts(block("${attr.v}", "semver", "> 1.0.0"), nodes) == [False, False]


@pytest.mark.parametrize("text", ["~> 1.0", "", "1.0.0beta", ">= x", "1.0,"])
def test_semver_has_no_pessimistic_operator(text: str) -> None:
    """`semver`: "so there is no pessimistic operator"; a pre-release needs its `-`."""
    refused(block("${attr.v}", "semver", text), "value")


# -- sets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "node", "expected"),
    [
        ("set_contains", "redis,cypress,nginx", "nginx,redis,cypress,go", True),  # the doc's
        ("set_contains", "redis,nginx", "redis", False),  # all, not some
        ("set_contains", " a , b ", "b,a", True),  # items are trimmed, both sides
        ("set_contains", "a,b", " b ,\ta ", True),
        ("set_contains", "a,,b", "a,b", False),  # an empty item must be there too
        ("set_contains", "a,,b", "a,,b", True),
        ("set_contains_all", "a,b", "a,b,c", True),
        ("set_contains_any", "x,b", "a,b", True),
        ("set_contains_any", "x,y", "a,b", False),
        ("set_contains_any", "A", "a", False),  # exact text
    ],
)
def test_sets_split_both_sides_on_commas(
    operator: str, value: str, node: str, expected: bool
) -> None:
    """`set_contains`: "The attribute and the list being checked are split using commas. This
    will check that the given attribute contains all of the specified elements";
    `set_contains_any`: "... contains any of the specified elements"."""
    assert verdicts(block("${meta.x}", operator, value), [{"meta.x": node}]) == [expected]


@pytest.mark.parametrize("operator", ["set_contains", "set_contains_any", "set_contains_all"])
def test_sets_need_a_value(operator: str) -> None:
    """Nomad's validation: "Set contains constraint requires an RTarget"."""
    refused(block("${meta.x}", operator), "requires a value")


# -- orderings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "operator", "bound", "expected"),
    [
        ("9", "<", "10", True),  # integers: 9 < 10 (lexically "9" > "10")
        ("9.5", "<", "10", True),  # floats
        ("1e3", ">", "999", True),  # 1e3 is a float to Go
        ("abc", "<", "10", False),  # text: "abc" > "10" by bytes
        ("10", "<", "abc", True),
        ("b", ">=", "b", True),
        ("-1", "<", "0", True),
        ("0x10", ">", "9", False),  # no number to Go (a hex float needs `p`): text
        ("0x1p4", ">", "9", True),  # a hex float, 16
        ("1_000", ">", "999", True),  # ParseFloat takes underscores between digits
    ],
)
def test_orderings_compare_numbers_then_text(
    value: str, operator: str, bound: str, expected: bool
) -> None:
    """`operator`: "the ordering is compared numerically if the operands are both integers or
    both floats, and lexically otherwise"."""
    assert verdicts(block("${attr.n}", operator, bound), [{"attr.n": value}]) == [expected]


@pytest.mark.parametrize("operator", ["<", "<=", ">", ">=", "=", "!="])
def test_orderings_and_equality_need_a_value(operator: str) -> None:
    """Nomad's validation: "Operator %q requires an RTarget"."""
    refused(block("${attr.n}", operator), "requires a value")


# -- absent attributes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("=", "x"),
        ("<", "5"),
        (">=", "5"),
        ("regexp", ""),
        ("version", ">= 0"),
        ("semver", ">= 0.0.0"),
        ("set_contains", "a"),
        ("set_contains_any", "a"),
    ],
)
def test_absent_attribute_fails_every_comparison(operator: str, value: str) -> None:
    """`is_set`: it "can be combined with the "!=" operator to require that an attribute has
    been set": every other comparison needs the attribute (`lFound && ...`), even `regexp` with
    the empty pattern, which matches any present value."""
    assert verdicts(block("${attr.a}", operator, value), [{}, {"attr.a": "1.0.0"}])[0] is False


# -- distinct_hosts and distinct_property ---------------------------------------------------------


def _nodes(racks: list[str | None]) -> list[dict[str, Any]]:
    return [
        {
            "ID": f"id{i}",
            "Name": f"n{i}",
            "Datacenter": "dc1",
            "Attributes": {"driver.exec": "1"},
            "Meta": {} if rack is None else {"rack": rack},
            "NodeResources": {"Cpu": {"CpuShares": 10_000}, "Memory": {"MemoryMB": 10_000}},
        }
        for i, rack in enumerate(racks)
    ]


def _alloc(node: int, job: str, group: str, n: int = 0) -> dict[str, Any]:
    return {
        "ID": f"a-{node}-{job}-{group}-{n}",
        "NodeID": f"id{node}",
        "JobID": job,
        "TaskGroup": group,
        "ClientStatus": "running",
        "DesiredStatus": "run",
    }


def _job(job_constraints: list[Any], group_constraints: list[Any]) -> dict[str, Any]:
    task = {"Name": "t", "Driver": "exec", "Resources": {"CPU": 100, "MemoryMB": 100}}
    return {
        "Job": {
            "ID": "web",
            "Constraints": job_constraints,
            "TaskGroups": [
                {"Name": "api", "Count": 3, "Constraints": group_constraints, "Tasks": [task]},
                {"Name": "ui", "Count": 1, "Tasks": [task]},
            ],
        }
    }


def test_distinct_property_value_is_a_count_string() -> None:
    """`distinct_property`: "The value parameter specifies how many allocations are allowed to
    share the value of a property. The value must be 1 or greater and if omitted, defaults to
    1." Running allocations of the group count per value; a node missing the property is
    refused."""
    inv = Inventory.from_nomad(_nodes(["r1", "r1", "r2", None]), [_alloc(0, "web", "api")])
    for value, expected in [("2", 3), ("", 1), ("3", 5)]:
        extra = {"value": value} if value else {}
        job = _job([], [{"distinct_property": "${meta.rack}", **extra}])
        task = TaskSpec.from_nomad(job, "api")
        placed = place(inv, task, 10)
        assert placed.placed == expected, value
        assert "n3" not in placed.placements
        assert_engines_agree(inv, task, 5)
    for bad in ["0", "-1", "+2", "1.5", "two"]:
        refused({"distinct_property": "${meta.rack}", "value": bad}, "value")


def test_group_level_distinct_counts_the_group_only() -> None:
    """`distinct_hosts`: "When specified as a group constraint, the effect is constrained to
    that group." An allocation of another group of the job does not count."""
    inv = Inventory.from_nomad(_nodes(["r1", "r2"]), [_alloc(0, "web", "ui")])
    task = TaskSpec.from_nomad(_job([], [{"operator": "distinct_hosts", "value": "true"}]), "api")
    assert sorted(place(inv, task, 3).placements) == ["n0", "n1"]


def test_job_level_distinct_counts_every_group_of_the_job() -> None:
    """`distinct_hosts`: "When specified as a job constraint, it applies to all groups in the
    job"; so does `distinct_property`. Other jobs' allocations never count."""
    allocs = [_alloc(0, "web", "ui"), _alloc(1, "other", "api")]
    inv = Inventory.from_nomad(_nodes(["r1", "r1", "r2"]), allocs)
    hosts = TaskSpec.from_nomad(_job([{"distinct_hosts": True}], []), "api")
    assert sorted(place(inv, hosts, 3).placements) == ["n1", "n2"]
    assert explain_placement(inv, hosts).reasons("n0") == ("distinct_hosts",)
    rack = TaskSpec.from_nomad(
        _job([{"distinct_property": "${meta.rack}", "value": "2"}], []), "api"
    )
    racks = {"n0": "r1", "n1": "r1", "n2": "r2"}
    assert sorted(racks[n] for n in place(inv, rack, 5).placements) == ["r1", "r2", "r2"]
    for task in (hosts, rack):
        assert_engines_agree(inv, task, 4)


@pytest.mark.parametrize(
    "bad",
    [
        {"distinct_hosts": True},
        {"distinct_property": "${meta.rack}"},
        {"operator": "distinct_hosts", "value": "false"},
    ],
)
def test_distinct_at_task_level_is_refused(bad: dict[str, Any]) -> None:
    """`distinct_hosts` and `distinct_property`: "This constraint can not be specified at the
    task level.\""""
    job = _job([], [])
    job["Job"]["TaskGroups"][0]["Tasks"][0]["Constraints"] = [bad]
    with pytest.raises(placement.PlacementInputError, match="task level"):
        TaskSpec.from_nomad(job, "api")


def test_distinct_hosts_value_false_turns_it_off() -> None:
    """`distinct_hosts`: the value reads as a boolean (`strconv.ParseBool`); false (and only
    the first distinct_hosts block of a list counts) turns it off, an unreadable one keeps it
    on, as Nomad's scheduler does."""
    for value in ["false", "0", "f", "FALSE", "False"]:
        assert constraint({"operator": "distinct_hosts", "value": value}) is None
    for value in ["true", "", "yes"]:
        assert isinstance(constraint({"operator": "distinct_hosts", "value": value}), NomadDistinct)
    off_then_on = [{"operator": "distinct_hosts", "value": "false"}, {"distinct_hosts": True}]
    assert constraints(off_then_on) == []


# -- levels ---------------------------------------------------------------------------------------


def test_constraints_at_every_level_filter_the_group_placement() -> None:
    """ "constraints may be specified at the job, group, or task levels"; "all tasks within a
    group are scheduled on the same client node", so a task's constraint filters the group's
    one placement, as the job's and the group's do."""
    nodes = _nodes(["r1", "r2", "r3"])
    nodes[0]["Attributes"]["kernel.name"] = "windows"
    nodes[1]["Meta"]["ssd"] = "true"
    nodes[2]["Meta"]["ssd"] = "true"
    nodes[2]["Attributes"]["cpu.arch"] = "arm64"
    inv = Inventory.from_nomad(nodes)
    job = _job(
        [{"LTarget": "${attr.kernel.name}", "Operand": "!=", "RTarget": "windows"}],
        [{"LTarget": "${meta.ssd}", "Operand": "=", "RTarget": "true"}],
    )
    job["Job"]["TaskGroups"][0]["Tasks"].append(
        {
            "Name": "sidecar",
            "Driver": "exec",
            "Resources": {"CPU": 1, "MemoryMB": 1},
            "Constraints": [{"LTarget": "${attr.cpu.arch}", "Operand": "!=", "RTarget": "arm64"}],
        }
    )
    task = TaskSpec.from_nomad(job, "api")
    assert task.cpu == 101
    assert place(inv, task, 2).placements == ("n1", "n1")
    why = explain_placement(inv, task)
    assert why.reasons("n0") == ("${attr.kernel.name} != windows", "${meta.ssd} = true")
    assert why.reasons("n2") == ("${attr.cpu.arch} != arm64",)


# -- task groups: count, devices, affinity, spread, networks, job shapes ------------------------


def test_group_count() -> None:
    """`group` `count`: "Specifies the number of the task groups that should be running under
    this group. This value must be non-negative." Defaults to 1."""
    assert group_count(_job([], []), "api") == 3
    assert group_count({"Name": "g"}) == 1
    assert group_count({"Name": "g", "Scaling": {"Min": 2}}) == 2
    with pytest.raises(placement.PlacementInputError, match="Count"):
        group_count({"Name": "g", "Count": -1})


def _gpu_task(*devices: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": "g",
        "Tasks": [{"Name": "t", "Resources": {"CPU": 1, "MemoryMB": 1, "Devices": list(devices)}}],
    }


def test_gpu_devices_are_gpus() -> None:
    """`device` `name`: "`<device_type>`", "`<vendor>/<device_type>`"; `count` "(int: 1) -
    Specifies the number of instances of the given device that are required"."""
    assert TaskSpec.from_nomad(_gpu_task({"Name": "nvidia/gpu"})).gpus == 1
    assert (
        TaskSpec.from_nomad(_gpu_task({"Name": "nvidia/gpu", "Count": 2}, {"Name": "gpu"})).gpus
        == 3
    )
    affinity = {
        "LTarget": "${device.attr.memory}",
        "Operand": ">=",
        "RTarget": "4 GiB",
        "Weight": 75,
    }
    assert TaskSpec.from_nomad(_gpu_task({"Name": "gpu", "Affinities": [affinity]})).gpus == 1
    inv = Inventory.from_instances(
        [Instance(arn="a", cpu=9, memory=9, gpus=1), Instance(arn="b", cpu=9, memory=9, gpus=4)]
    )
    task = TaskSpec.from_nomad(_gpu_task({"Name": "nvidia/gpu", "Count": 2}))
    assert place(inv, task, 3).placements == ("b", "b")


@pytest.mark.parametrize(
    ("device", "part"),
    [
        ({"Name": "nvidia/gpu/1080ti"}, "names a model"),
        ({"Name": "fpga"}, "GPUs only"),
        ({"Name": "xilinx/fpga"}, "GPUs only"),
        (
            {
                "Name": "gpu",
                "Constraints": [
                    {"LTarget": "${device.attr.memory}", "Operand": ">=", "RTarget": "2 GiB"}
                ],
            },
            "device constraints",
        ),
        ({"Name": "gpu", "Count": -1}, "Count"),
        ({"Name": "a/b/c/d"}, "VENDOR/TYPE/MODEL"),
    ],
)
def test_devices_that_cannot_be_honoured_are_refused(device: dict[str, Any], part: str) -> None:
    """A device request placement cannot check (a model, device attributes, other device
    types) is refused, naming the part, never ignored."""
    with pytest.raises(placement.PlacementInputError, match=part):
        TaskSpec.from_nomad(_gpu_task(device))


def spread(*targets: tuple[str, int]) -> dict[str, Any]:
    """A group's `Spreads` of one block over `${meta.rack}` with these (value, percent)."""
    shares = [{"Value": value, "Percent": percent} for value, percent in targets]
    return {"Spreads": [{"Attribute": "${meta.rack}", "SpreadTarget": shares}]}


def test_affinity_and_spread_only_score() -> None:
    """`affinity`: "allows operators to express placement preference"; `spread`: "allows
    operators to increase the failure tolerance": neither filters. They are checked as Nomad
    validates them ("Affinity weight cannot be zero", "must be within the range [-100,100]",
    "Spread block must have a positive weight", target percentages "must not be greater than
    100%")."""
    rack = {"LTarget": "${meta.rack}", "Operand": "=", "RTarget": "r1"}
    good = {
        "Name": "g",
        "Tasks": [{"Name": "t", "Resources": {"CPU": 1, "MemoryMB": 1}}],
        "Affinities": [{**rack, "Weight": -50}],
        "Spreads": [
            {
                "Attribute": "${node.datacenter}",
                "Weight": 100,
                "SpreadTarget": [{"Value": "dc1", "Percent": 70}, {"Value": "dc2", "Percent": 30}],
            }
        ],
    }
    assert TaskSpec.from_nomad(good).constraints == ()
    bad_blocks: list[tuple[dict[str, Any], str]] = [
        ({"Affinities": [{**rack, "Weight": 0}]}, "Weight"),
        ({"Affinities": [{**rack, "Weight": 101}]}, "Weight"),
        ({"Affinities": [{"LTarget": "${meta.rack}", "Operand": "is_set"}]}, "affinity operator"),
        (
            {"Affinities": [{"LTarget": "${meta.rack}", "Operand": "version", "RTarget": "bad"}]},
            "value",
        ),
        ({"Spreads": [{"Weight": 50}]}, "Attribute"),
        ({"Spreads": [{"Attribute": "${meta.rack}", "Weight": 0}]}, "Weight"),
        (spread(("a", 60), ("b", 50)), "100%"),
        (spread(("a", 10), ("a", 10)), "already defined"),
    ]
    for extra, part in bad_blocks:
        with pytest.raises(placement.PlacementInputError, match=part):
            TaskSpec.from_nomad({**good, **extra})


def test_network_modes_and_ports() -> None:
    """`network` `mode`: "host", "bridge", "none" or "cni/<cni network name>"; `static`: "the
    static port" on the host (in bridge mode `to` is the port inside); dynamic ports are
    chosen by the scheduler from the free range, so they never collide and are not host ports
    here."""
    group = {
        "Name": "g",
        "Tasks": [{"Name": "t", "Resources": {"CPU": 1, "MemoryMB": 1}}],
        "Networks": [
            {
                "Mode": "bridge",
                "ReservedPorts": [{"Label": "http", "Value": 8080, "To": 80}],
                "DynamicPorts": [{"Label": "admin", "Value": 0, "To": 9000}],
            }
        ],
    }
    task = TaskSpec.from_nomad(group)
    assert task.ports == frozenset({8080})
    for mode in ["host", "none", "cni/mynet", ""]:
        assert TaskSpec.from_nomad({**group, "Networks": [{"Mode": mode}]}).ports == frozenset()
    with pytest.raises(placement.PlacementInputError, match="Mode"):
        TaskSpec.from_nomad({**group, "Networks": [{"Mode": "overlay"}]})
    nodes = _nodes(["r1", "r1"])
    nodes[0]["ReservedResources"] = {"Networks": {"ReservedHostPorts": "8000-8100"}}
    assert place(Inventory.from_nomad(nodes), task, 3).placements == ("n1",)


def test_both_job_json_shapes_and_hcl_refused() -> None:
    """The API's job (`GET /v1/job/:id`) and what `nomad job inspect` prints (`{"Job": ...}`)
    read alike; HCL (and HCL's JSON form) is out of scope and refused, saying what to pass."""
    wrapped = _job([{"LTarget": "${attr.kernel.name}", "Operand": "=", "RTarget": "linux"}], [])
    bare = wrapped["Job"]
    assert TaskSpec.from_nomad(wrapped, "api") == TaskSpec.from_nomad(bare, "api")
    with pytest.raises(placement.PlacementInputError, match="HCL"):
        TaskSpec.from_nomad({"job": {"web": {"group": {}}}})


def test_reserved_cores_are_refused() -> None:
    """`resources` `cores`: whole cores reserved for the task, which placement does not count
    (it counts MHz): refused, not ignored."""
    group = {"Name": "g", "Tasks": [{"Name": "t", "Resources": {"Cores": 2, "MemoryMB": 1}}]}
    with pytest.raises(placement.PlacementInputError, match="Cores"):
        TaskSpec.from_nomad(group)


# -- differential: pairs on random nodes ----------------------------------------------------------

_VALUES = st.sampled_from(["", "a", "b", "a,b", "1", "10", "9.5", "1.2.3", "x.*", "("])
_OPERATORS = st.sampled_from(
    ["=", "!=", "<", ">=", "regexp", "set_contains", "set_contains_any", "not", "is"]
)


@settings(max_examples=examples())
@given(
    st.lists(
        st.fixed_dictionaries({}, optional={"attr.a": _VALUES, "meta.b": _VALUES}),
        min_size=1,
        max_size=8,
    ),
    _OPERATORS,
)
def test_pairs_agree_with_a_plain_reading_of_check_constraint(
    nodes: list[dict[str, str]], operator: str
) -> None:
    """The vectorized and one-instance paths agree with a reading of Nomad's checkConstraint,
    and the batch, loop and reference placers agree on them."""
    from placement.syntax.literals import compile_pattern
    from placement.syntax.nomad_ops import nomad_order, split_set

    got = verdicts(block("${attr.a}", operator, "${meta.b}"), nodes)
    for node, verdict in zip(nodes, got, strict=True):
        left, right = node.get("attr.a"), node.get("meta.b")
        if operator in ("!=", "not"):
            want = (left or "") != (right or "")
        elif left is None or right is None:
            want = False
        elif operator in ("=", "is"):
            want = left == right
        elif operator in ("<", ">="):
            want = nomad_order(operator, left, right)
        elif operator == "regexp":
            try:
                want = compile_pattern(right).search(left) is not None
            except Exception:
                want = False
        elif operator == "set_contains":
            want = split_set(right) <= split_set(left)
        else:
            want = not split_set(right).isdisjoint(split_set(left))
        assert verdict == want, (node, operator)
    insts = [Instance(arn=f"n{i}", cpu=4, memory=4, attributes=a) for i, a in enumerate(nodes)]
    task = TaskSpec(
        cpu=1,
        memory=1,
        group="j/g",
        constraints=constraints([block("${attr.a}", operator, "${meta.b}")]),
    )
    assert_engines_agree(Inventory.from_instances(insts), task, 3)
