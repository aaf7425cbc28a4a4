"""Trust at the edges: tasks, constraints, strategies and `place`/`rank` arguments.

Whatever a caller hands in (wrong types, None, huge numbers, 1 MB strings, deep nesting), only a
`PlacementError` comes out, and its message names the argument or field at fault. Each defect
that was found gets a regression test here; the property and mutation fuzzers at the end look
for the ones not found yet.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import pickle
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import (
    Binpack,
    DistinctInstance,
    Instance,
    Inventory,
    MemberOf,
    PlacementError,
    PlacementInputError,
    Random,
    Spread,
    TaskSpec,
    parse,
    place,
    rank,
)
from placement.place.api import MAX_COUNT
from placement.rules import (
    constraint_from_ecs,
    constraints_from,
    strategy_from,
    strategy_from_ecs,
)
from placement.testing import expressions, tasks

METHODS = ("batch", "loop", "reference")
INV = Inventory.from_instances(
    [
        Instance(arn="arn:x", cpu=4096, memory=8192, attributes={"x": "1"}),
        Instance(arn="arn:y", cpu=4096, memory=8192),
    ]
)
MEGABYTE = "(" * 1_000_000  # junk that defeats backtracking scanners


def _deep(depth: int = 50_000) -> list[Any]:
    """A list nested `depth` deep: its repr (and any recursive walk) overflows the stack."""
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


DEEP = _deep()  # built once: nothing mutates it, and building one costs milliseconds


def _refused(call: Any, *fragments: str) -> str:
    """Run `call`, expect a PlacementInputError whose message holds every fragment."""
    with pytest.raises(PlacementInputError) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


# -- TaskSpec.from_ecs: the defects found ------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ([], "task definition"),
        ({"cpu": "²"}, "cpu"),  # a digit to str.isdigit(), not to int()
        ({"memory": "½ GB"}, "memory"),
        ({"containerDefinitions": [{"portMappings": 5}]}, "containerDefinitions[0].portMappings"),
        ("task", "task definition"),
        (None, "task definition"),
    ],
)
def test_from_ecs_junk_names_the_field(doc: Any, field: str) -> None:
    _refused(lambda: TaskSpec.from_ecs(doc), field)


def test_aws_exports_with_null_and_leading_dot_load() -> None:
    # The shape the console and `aws ecs describe-task-definition` write: nulls for unset fields.
    response = {
        "taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/web:3",
            "family": "web",
            "revision": 3,
            "status": "ACTIVE",
            "networkMode": None,
            "cpu": ".25 vcpu",
            "memory": None,
            "placementConstraints": None,
            "requiresAttributes": None,
            "containerDefinitions": [
                {
                    "name": "web",
                    "image": "nginx",
                    "cpu": None,
                    "memory": None,
                    "memoryReservation": 128,
                    "portMappings": [
                        {"containerPort": 80, "hostPort": 8080, "protocol": None},
                        {"containerPort": 81, "hostPort": None},
                    ],
                    "resourceRequirements": None,
                },
                {"name": "sidecar", "memory": 64, "portMappings": None},
            ],
        },
        "tags": None,
    }
    spec = TaskSpec.from_ecs(response)
    assert (spec.cpu, spec.memory) == (256, 192)
    assert spec.ports == {8080}
    assert spec.group == "family:web"
    assert TaskSpec.from_ecs({"containerDefinitions": None}) == TaskSpec()
    assert TaskSpec.from_ecs({"taskDefinition": None, "cpu": "1 vCPU"}).cpu == 1024


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1024", 1024),
        (1024, 1024),
        ("1 vCPU", 1024),
        ("0.25 vcpu", 256),
        (".25 vCPU", 256),
        ("2VCPU", 2048),
        ("  4 vCpu ", 4096),
        ("1024.0", 1024),
        ("0.125 vcpu", 128),
    ],
)
def test_task_level_cpu(text: Any, amount: int) -> None:
    assert TaskSpec.from_ecs({"cpu": text}).cpu == amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [("2 GB", 2048), (".5 gb", 512), ("0.5Gb", 512), ("512", 512), ("30 gb", 30720)],
)
def test_task_level_memory(text: str, amount: int) -> None:
    assert TaskSpec.from_ecs({"memory": text}).memory == amount


def test_task_level_amount_must_come_out_whole() -> None:
    _refused(lambda: TaskSpec.from_ecs({"cpu": "0.3 vCPU"}), "cpu", "307.2", "whole")
    _refused(lambda: TaskSpec.from_ecs({"memory": "0.0001 GB"}), "memory", "whole")
    _refused(lambda: TaskSpec.from_ecs({"cpu": "1.5"}), "cpu", "whole")
    # Exact arithmetic: a float would round 0.1 + 0.2 style inputs; a Fraction never does.
    assert TaskSpec.from_ecs({"memory": "0.0009765625 GB"}).memory == 1


@pytest.mark.parametrize(
    "text",
    ["1.", ".", "1..5", "1.2.3", "-1", "+1", "1e3", "1 GB", "2 vCPU extra", "1,024", "",
     "1" + " " * 100 + "vcpu", 1.5, math.nan, math.inf, True, [], {}],
)  # fmt: skip
def test_task_level_cpu_refused(text: Any) -> None:
    _refused(lambda: TaskSpec.from_ecs({"cpu": text}), "task definition: cpu:")


def test_task_level_amount_limits() -> None:
    assert TaskSpec.from_ecs({"cpu": 2**53}).cpu == 2**53
    _refused(lambda: TaskSpec.from_ecs({"cpu": 2**53 + 1}), "cpu", "2**53")
    _refused(lambda: TaskSpec.from_ecs({"memory": "9" * 5000}), "memory")
    _refused(lambda: TaskSpec.from_ecs({"memory": 10**5000}), "memory", "bits")
    _refused(lambda: TaskSpec.from_ecs({"memory": str(2**53) + " GB"}), "memory", "2**53")


def test_null_anywhere_means_absent() -> None:
    base = {"containerDefinitions": [{"name": "a", "cpu": 10, "memory": 20}]}
    assert TaskSpec.from_ecs(base) == TaskSpec(cpu=10, memory=20)
    nulls: list[dict[str, Any]] = [
        {"containerDefinitions": [{"name": "a", "cpu": 10, "memory": 20, "portMappings": None}]},
        {**base, "cpu": None, "memory": None, "family": None, "networkMode": None},
        {**base, "requiresAttributes": None, "placementConstraints": None},
        {"containerDefinitions": [{"cpu": 10, "memory": 20, "memoryReservation": None}]},
        {"containerDefinitions": [{"cpu": 10, "memory": 20, "resourceRequirements": None}]},
        {"containerDefinitions": [{"cpu": 10, "memory": None, "memoryReservation": 20}]},
        {
            "containerDefinitions": [
                {"cpu": 10, "memory": 20, "portMappings": [{"hostPort": None, "protocol": None}]}
            ]
        },
        {"containerDefinitions": [{"cpu": 10, "memory": 20}, {"cpu": None, "memory": None}]},
    ]
    for doc in nulls:
        assert TaskSpec.from_ecs(doc) == TaskSpec(cpu=10, memory=20), doc
    host = {"networkMode": "host", "containerDefinitions": [{"memory": 1, "portMappings": [
        {"containerPort": 80, "hostPort": None}]}]}  # fmt: skip
    assert TaskSpec.from_ecs(host).ports == {80}


def test_memory_reservation_is_checked_even_when_memory_wins() -> None:
    doc = {"containerDefinitions": [{"memory": 64, "memoryReservation": 32}]}
    assert TaskSpec.from_ecs(doc).memory == 64
    bad = {"containerDefinitions": [{"memory": 64, "memoryReservation": "lots"}]}
    _refused(lambda: TaskSpec.from_ecs(bad), "containerDefinitions[0].memoryReservation")


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"containerDefinitions": "c"}, "containerDefinitions"),
        ({"containerDefinitions": [{}, {}, {"cpu": "x"}]}, "containerDefinitions[2].cpu"),
        ({"containerDefinitions": [{}, {}, {"portMappings": [{"hostPort": -1}]}]},
         "containerDefinitions[2].portMappings[0].hostPort"),
        ({"containerDefinitions": [{"portMappings": [{}, {"hostPort": 65536}]}]},
         "containerDefinitions[0].portMappings[1].hostPort"),
        ({"containerDefinitions": [{"portMappings": [{"hostPort": "9" * 5000}]}]},
         "containerDefinitions[0].portMappings[0].hostPort"),
        ({"containerDefinitions": [{"portMappings": [{"containerPort": 1.5}]}]},
         "containerDefinitions[0].portMappings[0].containerPort"),
        ({"containerDefinitions": [{"portMappings": [{"protocol": "sctp"}]}]},
         "containerDefinitions[0].portMappings[0].protocol"),
        ({"containerDefinitions": [{"portMappings": [None]}]},
         "containerDefinitions[0].portMappings[0]"),
        ({"containerDefinitions": [{"resourceRequirements": [{"type": "GPU", "value": "two"}]}]},
         "containerDefinitions[0].resourceRequirements[0].value"),
        ({"containerDefinitions": [{"resourceRequirements": [{"type": "GPU"}]}]},
         "containerDefinitions[0].resourceRequirements[0].value"),
        ({"containerDefinitions": [{"resourceRequirements": [{"type": 5}]}]},
         "containerDefinitions[0].resourceRequirements[0].type"),
        ({"containerDefinitions": [{"resourceRequirements": {"type": "GPU"}}]},
         "containerDefinitions[0].resourceRequirements"),
        ({"containerDefinitions": [{"memory": DEEP}]}, "containerDefinitions[0].memory"),
        ({"containerDefinitions": [{"cpu": math.nan}]}, "containerDefinitions[0].cpu"),
        ({"containerDefinitions": [{"cpu": 2**64}]}, "containerDefinitions[0].cpu"),
        ({"containerDefinitions": [{"cpu": True}]}, "containerDefinitions[0].cpu"),
        ({"requiresAttributes": [{"name": "ok"}, {"name": "not ok"}]},
         "requiresAttributes[1].name"),
        ({"requiresAttributes": [{"name": "x" * 129}]}, "requiresAttributes[0].name"),
        ({"requiresAttributes": [{"value": "x"}]}, "requiresAttributes[0].name"),
        ({"requiresAttributes": "ecs.capability.x"}, "requiresAttributes"),
        ({"placementConstraints": [{"type": "memberOf", "expression": 5}]},
         "placementConstraints[0]"),
        ({"placementConstraints": [{"type": "memberOf", "expression": "x" * 3000}]},
         "placementConstraints[0]"),
        ({"placementConstraints": [DEEP]}, "placementConstraints[0]"),
        ({"placementConstraints": [{"type": "memberOf", "expression": "task:group exists"}] * 11},
         "placementConstraints"),
        ({"placementConstraints": [{"type": "distinctInstance"}]}, "placementConstraints[0]"),
        ({"networkMode": "bridged"}, "networkMode"),
        ({"networkMode": 7}, "networkMode"),
        ({"family": ["web"]}, "family"),
        ({"taskDefinition": [1]}, "taskDefinition"),
    ],
)  # fmt: skip
def test_task_definition_fields_named(doc: dict[str, Any], field: str) -> None:
    message = _refused(lambda: TaskSpec.from_ecs(doc), f"task definition: {field}")
    assert len(message) < 2000  # a 5000-digit or 1 MB value is not echoed back whole


def test_container_sums_stay_within_2_53() -> None:
    half = {"cpu": 2**52, "memory": 2**52}
    assert TaskSpec.from_ecs({"containerDefinitions": [half, half]}).cpu == 2**53
    three = {"containerDefinitions": [half, half, {"cpu": 1}]}
    _refused(lambda: TaskSpec.from_ecs(three), "containerDefinitions", "cpu", "2**53")
    gpus = [{"resourceRequirements": [{"type": "GPU", "value": str(2**53)}]}, {
        "resourceRequirements": [{"type": "GPU", "value": "1"}]}]  # fmt: skip
    _refused(lambda: TaskSpec.from_ecs({"containerDefinitions": gpus}), "GPU", "2**53")


def test_from_ecs_group_argument_checked() -> None:
    _refused(lambda: TaskSpec.from_ecs({}, group=5), "group")  # type: ignore[arg-type]
    assert TaskSpec.from_ecs({"family": "f"}, group="").group == ""


# -- TaskSpec(...): every field checked --------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cpu": None}, "cpu"),
        ({"cpu": 2**53 + 1}, "cpu"),
        ({"memory": -1}, "memory"),
        ({"memory": "512"}, "memory"),
        ({"gpus": False}, "gpus"),
        ({"gpus": 1.0}, "gpus"),
        ({"ports": "80"}, "ports"),
        ({"ports": 80}, "ports"),
        ({"ports": None}, "ports"),
        ({"ports": {80: "tcp"}}, "ports"),
        ({"ports": [[80]]}, "ports"),  # unhashable: checked before it is hashed
        ({"ports": [65536]}, "ports"),
        ({"udp_ports": [0]}, "udp_ports"),
        ({"udp_ports": b"\x00P"}, "udp_ports"),
        ({"group": None}, "group"),
        ({"group": 5}, "group"),
        ({"requires_attributes": "stack"}, "requires_attributes"),
        ({"requires_attributes": ["ok", "not ok"]}, "requires_attributes"),
        ({"requires_attributes": [5]}, "requires_attributes"),
        ({"requires_attributes": [["stack"]]}, "requires_attributes"),
        ({"constraints": None}, "constraints"),
        ({"constraints": 5}, "constraints"),
        ({"constraints": ["distinctInstance"]}, "constraints[0]"),
        ({"constraints": [DistinctInstance()]}, "constraints[0]"),
        ({"constraints": ["memberOf(attribute:x ==)"]}, "constraints[0]"),
        ({"constraints": ["memberOf(task:group exists)"] * 11}, "constraints"),
        ({"constraints": [MEGABYTE]}, "constraints[0]"),
    ],
)
def test_taskspec_fields_checked(kwargs: dict[str, Any], field: str) -> None:
    _refused(lambda: TaskSpec(**kwargs), field)


def test_taskspec_accepts_any_iterable_of_ports_and_names() -> None:
    spec = TaskSpec(
        ports=(p for p in (80, 443)),
        udp_ports=range(53, 54),
        requires_attributes=("stack", "ecs.capability.x"),
        gpus=2**53,
    )
    assert spec.ports == {80, 443} and spec.udp_ports == {53}
    assert spec.requires_attributes == {"stack", "ecs.capability.x"}


def test_taskspec_constraints_are_read_as_a_task_definitions() -> None:
    expected = (MemberOf(parse("attribute:x exists")),)
    for form in (
        ["memberOf(attribute:x exists)"],
        [{"type": "memberOf", "expression": "attribute:x exists"}],
        [MemberOf("attribute:x exists")],
        "memberOf(attribute:x exists)",
    ):
        assert TaskSpec(constraints=form).constraints == expected, form
    assert TaskSpec(constraints=["memberOf(task:group exists)"] * 10).constraints


@pytest.mark.parametrize("method", METHODS)
def test_taskspec_constraints_apply_in_every_placer(method: str) -> None:
    spec = TaskSpec(cpu=1, constraints=["memberOf(attribute:x exists)"])
    result = place(INV, spec, 3, method=method)  # type: ignore[arg-type]
    assert result.placements == ("arn:x",) * 3
    assert rank(INV, spec).ids == ("arn:x",)


def test_taskspec_constraints_count_toward_the_limit() -> None:
    spec = TaskSpec(constraints=["memberOf(task:group exists)"] * 4)
    _refused(lambda: place(INV, spec, 1, constraints=["distinctInstance"] * 7), "10")


# -- constraint and strategy text: linear, bounded ---------------------------------------------


@pytest.mark.parametrize(
    "junk",
    [
        MEGABYTE,
        "a" + " " * 1_000_000 + "x",  # took 20 s per 64 kB with the old regex
        "memberOf(" + "(" * 1_000_000,
        "1" + " " * 1_000_000 + "!",
    ],
)
def test_a_megabyte_of_junk_is_refused(junk: str) -> None:
    _refused(lambda: constraints_from([junk]), "constraints[0]", "over the limit")
    _refused(lambda: strategy_from([junk]), "strategy[0]", "over the limit")
    _refused(lambda: TaskSpec.from_ecs({"cpu": junk}), "cpu")
    _refused(lambda: TaskSpec.from_ecs({"memory": junk}), "memory")
    _refused(lambda: place(INV, TaskSpec(), 1, constraints=[junk]), "constraints[0]")
    _refused(lambda: rank(INV, TaskSpec(), strategy=[junk]), "strategy[0]")
    _refused(lambda: TaskSpec.from_ecs({"placementConstraints": [junk]}), "placementConstraints")


def test_longest_accepted_constraint_and_strategy_text() -> None:
    expression = "attribute:stack in [" + ", ".join(["v" * 10] * 165) + "]"
    assert 1990 < len(expression) <= 2000  # ECS's limit, with the wrapper and spaces around
    assert constraints_from([f"  memberOf( {expression} )  "]) == (MemberOf(expression),)
    name = "n" * 128
    assert strategy_from([f"spread(attribute:{name})"]) == (Spread(f"attribute:{name}"),)
    assert strategy_from([f"random({2**128 - 1})"]) == (Random(2**128 - 1),)
    _refused(lambda: strategy_from([f"random({2**128})"]), "seed")
    _refused(lambda: strategy_from(["random(²)"]), "seed")


# -- typed rules: wrong types ------------------------------------------------------------------

WRONG = [None, 5, 2**64, 1.5, math.nan, [], ["cpu"], {"field": "cpu"}, b"cpu", "x" * 10_000_000]


@pytest.mark.parametrize("value", WRONG)
def test_typed_rules_refuse_wrong_types(value: Any) -> None:
    for cls in (Binpack, Spread, MemberOf):
        message = _refused(lambda cls=cls: cls(value))
        assert len(message) < 2000
    if value is not None and not (isinstance(value, int) and 0 <= value < 2**128):
        _refused(lambda: Random(value), "seed")


def test_random_seed_bounds() -> None:
    assert Random(2**128 - 1).seed == 2**128 - 1
    assert str(Random(2**128 - 1)) == f"random({2**128 - 1})"
    for seed in (-1, 2**128, True, 10**5000):
        _refused(lambda seed=seed: Random(seed), "seed")


# -- place / rank arguments --------------------------------------------------------------------


@pytest.mark.parametrize("count", [-1, MAX_COUNT + 1, 2**64, True, 1.0, "1", None, math.inf])
def test_count_checked(count: Any) -> None:
    _refused(lambda: place(INV, TaskSpec(), count), "count", "2**31 - 1")


def test_max_count_is_2_31_minus_1() -> None:
    assert MAX_COUNT == 2**31 - 1


@pytest.mark.parametrize("bad", [None, 5, 1.5, b"binpack(cpu)", bytearray(b"x"), object()])
def test_rule_lists_checked(bad: Any) -> None:
    _refused(lambda: place(INV, TaskSpec(), 1, constraints=bad), "constraints")
    _refused(lambda: place(INV, TaskSpec(), 1, strategy=bad), "strategy")
    _refused(lambda: rank(INV, TaskSpec(), constraints=bad), "constraints")
    _refused(lambda: rank(INV, TaskSpec(), strategy=bad), "strategy")


def test_single_rules_and_endless_lists() -> None:
    assert place(INV, TaskSpec(), 1, constraints=MemberOf("attribute:x exists")).placed == 1  # type: ignore[arg-type]
    assert strategy_from(Binpack("cpu")) == (Binpack("cpu"),)  # type: ignore[arg-type]

    def endless() -> Iterator[str]:
        while True:
            yield "binpack(cpu)"

    _refused(lambda: strategy_from(endless()), "strategy", "5")
    _refused(lambda: constraints_from(iter(lambda: "distinctInstance", None)), "constraints")


@pytest.mark.parametrize("seed", [-1, True, 1.5, "7", 2**128, [7]])
def test_seed_checked_by_place_and_rank(seed: Any) -> None:
    _refused(lambda: place(INV, TaskSpec(), 1, strategy=["random"], seed=seed), "seed")
    _refused(lambda: rank(INV, TaskSpec(), strategy=["random"], seed=seed), "seed")


@pytest.mark.parametrize("method", [None, ["batch"], "BATCH", 3])
def test_method_checked(method: Any) -> None:
    _refused(lambda: place(INV, TaskSpec(), 1, method=method), "method")


# -- every public value pickles and deep-copies --------------------------------------------------

RULES = st.one_of(
    st.sampled_from(["cpu", "memory"]).map(Binpack),
    st.sampled_from(["instanceId", "host", "attribute:ecs.availability-zone"]).map(Spread),
    st.none().map(Random) | st.integers(0, 2**128 - 1).map(Random),
    st.just(DistinctInstance()),
    expressions(max_leaves=4).map(MemberOf),
)
TASKS = st.builds(
    lambda task, constraints: TaskSpec(
        cpu=task.cpu, memory=task.memory, ports=task.ports, udp_ports=task.udp_ports,
        gpus=task.gpus, group=task.group, requires_attributes=task.requires_attributes,
        constraints=constraints,
    ),
    tasks(),
    st.lists(expressions(max_leaves=3).map(MemberOf), max_size=3),
)  # fmt: skip


@settings(max_examples=examples(1))
@given(st.one_of(RULES, TASKS))
def test_public_values_pickle_and_deepcopy(value: Any) -> None:
    for twin in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value), copy.copy(value)):
        assert twin == value
        assert type(twin) is type(value)
        assert hash(twin) == hash(value)
        assert str(twin) == str(value)


# -- fuzz: junk in, only PlacementError out ----------------------------------------------------

KEYS = [
    "type", "field", "expression", "cpu", "memory", "memoryReservation", "family", "networkMode",
    "containerDefinitions", "portMappings", "hostPort", "containerPort", "protocol",
    "resourceRequirements", "value", "requiresAttributes", "name", "placementConstraints",
    "taskDefinition",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**53, 2**53 + 1]),
    # Built, not sampled: hypothesis prints its strategies, and a 5000-digit int will not print.
    st.sampled_from([5000, -5000]).map(lambda e: 10 ** abs(e) * (1 if e > 0 else -1)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.binary(max_size=8),
    st.sampled_from(
        ["memberOf(attribute:x exists)", "distinctInstance", "binpack(cpu)", "spread(host)",
         "random(7)", "random(²)", "memberOf(", "spread(attribute:", ".25 vCPU", "2 GB", "²",
         "x" * 100_000, "a" + " " * 5000 + "x", "tcp", "udp", "GPU", "memberOf", "host",
         "awsvpc"]
    ),
    st.sampled_from([Binpack("cpu"), Spread("host"), Random(3), DistinctInstance(),
                     MemberOf("task:group exists")]),
)  # fmt: skip
JUNK = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.tuples(children, children)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), children, max_size=5),
    max_leaves=12,
) | st.builds(lambda: DEEP)  # not st.just: the strategy's repr would recurse


def _quietly(call: Any) -> Any:
    """Run `call`; a PlacementError is an answer, anything else fails the test."""
    with contextlib.suppress(PlacementError):
        return call()
    return None


@settings(max_examples=examples(4))
@given(JUNK, JUNK, st.sampled_from(list(TaskSpec.__attrs_attrs__)).map(lambda a: a.name))
def test_junk_in_only_placement_error_out(junk: Any, other: Any, field: str) -> None:
    spec = _quietly(lambda: TaskSpec(**{field: junk}))
    assert spec is None or isinstance(spec, TaskSpec)
    spec = _quietly(lambda: TaskSpec.from_ecs(junk))
    assert spec is None or isinstance(spec, TaskSpec)
    _quietly(lambda: TaskSpec.from_ecs({"taskDefinition": junk}, group=other))
    rule = _quietly(lambda: constraint_from_ecs(junk))
    assert rule is None or isinstance(rule, (MemberOf, DistinctInstance))
    rule = _quietly(lambda: constraint_from_ecs(junk, in_task_definition=True))
    assert rule is None or isinstance(rule, MemberOf)
    rule = _quietly(lambda: strategy_from_ecs(junk))
    assert rule is None or isinstance(rule, (Binpack, Spread, Random))
    _quietly(lambda: constraints_from(junk))
    _quietly(lambda: strategy_from(junk))
    for cls in (Binpack, Spread, Random, MemberOf):
        _quietly(lambda cls=cls: cls(junk))


@settings(max_examples=examples(2))
@given(
    st.one_of(st.just(TaskSpec(cpu=1)), JUNK),
    st.one_of(st.integers(0, 3), JUNK),
    st.one_of(st.just(()), st.just(["memberOf(attribute:x exists)"]), JUNK),
    st.one_of(st.just(()), st.just(["binpack(cpu)", "random"]), JUNK),
    st.one_of(st.none(), st.integers(0, 2**130), JUNK),
    st.one_of(st.sampled_from(METHODS), JUNK),
)
def test_place_and_rank_arguments_only_placement_error(
    task: Any, count: Any, constraints: Any, strategy: Any, seed: Any, method: Any
) -> None:
    result = _quietly(
        lambda: place(INV, task, count, constraints=constraints, strategy=strategy, seed=seed,
                      method=method)
    )  # fmt: skip
    assert result is None or result.placed + len(result.failures) == count
    _quietly(lambda: rank(INV, task, constraints=constraints, strategy=strategy, seed=seed))
    _quietly(lambda: place(task, TaskSpec(), 1))  # junk where the inventory goes


# -- mutation fuzz over real-shaped task definitions -------------------------------------------


def _example() -> dict[str, Any]:
    text = resources.files("placement").joinpath("examples/task-definition.json").read_text()
    doc: dict[str, Any] = json.loads(text)
    return doc


FARGATE = {
    "family": "api",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": ".25 vCPU",
    "memory": "0.5 GB",
    "containerDefinitions": [
        {"name": "api", "image": "api:1", "essential": True,
         "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]},
    ],
}  # fmt: skip
HOST_GPU = {
    "family": "train",
    "networkMode": "host",
    "requiresAttributes": [{"name": "ecs.capability.nvidia-driver"}],
    "placementConstraints": [
        {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ p3.*"}
    ],
    "containerDefinitions": [
        {"name": "trainer", "cpu": 2048, "memory": 8192,
         "portMappings": [{"containerPort": 6006}, {"containerPort": 53, "protocol": "udp"}],
         "resourceRequirements": [{"type": "GPU", "value": "2"}]},
        {"name": "agent", "cpu": 128, "memoryReservation": 128, "portMappings": []},
    ],
}  # fmt: skip
DESCRIBED = {
    "taskDefinition": {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
        "family": "web",
        "revision": 7,
        "status": "ACTIVE",
        "cpu": "1 vcpu",
        "memory": None,
        "networkMode": "bridge",
        "containerDefinitions": [
            {"name": "web", "cpu": 512, "memory": 1024,
             "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]},
        ],
        "placementConstraints": [],
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.21"}],
    },
    "tags": [],
}  # fmt: skip
DOCUMENTS = {
    "example": _example(), "fargate": FARGATE, "host-gpu": HOST_GPU, "described": DESCRIBED,
}  # fmt: skip

# Junk no field the reader uses may hold (strings and objects are sometimes fine, so they only
# go into the "only PlacementError" set below).
MUST_REFUSE: list[Any] = [True, -1, 1.5, math.nan, -math.inf, 2**64, 10**5000, DEEP, [[1]]]
ANY_JUNK: list[Any] = [
    *MUST_REFUSE, None, 0, "", "x" * 100_000, "²", " 80 ", [], {}, {"type": {"type": None}},
    [{"cpu": [None]}], "memberOf(task:group exists)",
]  # fmt: skip
READ = (  # the paths TaskSpec.from_ecs reads (the rest, like `image`, it ignores)
    "taskDefinition", "cpu", "memory", "family", "networkMode", "containerDefinitions",
    "requiresAttributes", "placementConstraints", "portMappings", "resourceRequirements",
    "memoryReservation", "hostPort", "containerPort", "protocol", "expression",
)  # fmt: skip


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key)
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for position, child in enumerate(value):
            yield (*path, position)
            yield from _paths(child, (*path, position))


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


def _dotted(path: tuple[Any, ...]) -> str:
    """The path as messages write it: `containerDefinitions[0].portMappings[1].hostPort`."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _must_refuse(doc: dict[str, Any], path: tuple[Any, ...]) -> bool:
    last = path[-1]
    if isinstance(last, int):  # an item of a list the reader walks
        return str(path[-2]) in READ
    if last == "name":
        return "requiresAttributes" in path
    if last in ("type", "value"):
        # A resource requirement's type always; its value only when it is a GPU's.
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        return last == "type" or parent.get("type") == "GPU"
    return last in READ


def _names_field(message: str, path: tuple[Any, ...]) -> bool:
    if path and path[0] == "taskDefinition" and len(path) > 1:
        path = path[1:]  # messages name fields inside the DescribeTaskDefinition wrapper
    dotted = _dotted(path)
    parent, _, key = dotted.rpartition(".")
    return dotted in message or (bool(parent) and parent in message and key in message)


def _refusal(doc: Any) -> str | None:
    """The message `from_ecs` refuses `doc` with, None if it loads (nothing else may escape)."""
    try:
        TaskSpec.from_ecs(doc)
    except PlacementError as exc:
        return str(exc)
    return None


def test_mutation_fuzz_over_real_task_definitions() -> None:
    tried = refused = 0
    for name, doc in DOCUMENTS.items():
        assert isinstance(TaskSpec.from_ecs(doc), TaskSpec), name
        for path in _paths(doc):
            must = _must_refuse(doc, path)
            for junk in ANY_JUNK:
                tried += 1
                message = _refusal(_replaced(doc, path, junk))
                if message is None:
                    assert not (must and any(junk is bad for bad in MUST_REFUSE)), (name, path)
                    continue
                refused += 1
                assert _names_field(message, path), (name, path, message[:300])
                assert len(message) < 3000, (name, path)
    assert tried > 1000 and refused > tried // 3  # the fuzz does reach the checks
