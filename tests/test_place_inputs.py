"""Placement inputs: task definitions, constraints and strategies in every form, and limits.

Bad input raises `PlacementError` (a `PlacementInputError`) before anything is placed.
"""

from __future__ import annotations

from typing import Any

import pytest

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
from placement.rules import constraints_from, strategy_from

INV = Inventory.from_instances(
    [
        Instance(arn=f"arn:i{k}", cpu=4096, memory=8192, attributes={"ecs.availability-zone": "a"})
        for k in range(3)
    ]
)

# -- TaskSpec.from_ecs ---------------------------------------------------------------------------


def test_task_level_cpu_memory_units() -> None:
    for cpu, memory, expected in [
        ("1 vCPU", "2 GB", (1024, 2048)),
        ("256", "512", (256, 512)),
        ("0.5 vCPU", "1GB", (512, 1024)),
        ("2vcpu", "0.5 GB", (2048, 512)),
        (4096, 30720, (4096, 30720)),
    ]:
        spec = TaskSpec.from_ecs(
            {
                "family": "web",
                "cpu": cpu,
                "memory": memory,
                "containerDefinitions": [{"name": "c", "cpu": 10, "memory": 10}],
            }
        )
        assert (spec.cpu, spec.memory) == expected, (cpu, memory)
        assert spec.group == "family:web"


@pytest.mark.parametrize("bad", ["1 core", "lots", "-1", "1.5 TB", "1.5", [], True])
def test_task_level_amount_rejected(bad: Any) -> None:
    with pytest.raises(PlacementInputError):
        TaskSpec.from_ecs({"cpu": bad, "containerDefinitions": []})


def test_container_sums_with_memory_reservation_fallback() -> None:
    doc = {
        "family": "app",
        "containerDefinitions": [
            {"name": "a", "cpu": 256, "memory": 512, "memoryReservation": 128},
            {"name": "b", "cpu": 128, "memoryReservation": 256},
            {"name": "c"},
        ],
    }
    spec = TaskSpec.from_ecs(doc)
    assert (spec.cpu, spec.memory) == (384, 768)
    # Task-level values win over the containers' sum.
    spec = TaskSpec.from_ecs({**doc, "cpu": "1024"})
    assert (spec.cpu, spec.memory) == (1024, 768)


def test_bridge_ports_static_and_dynamic() -> None:
    spec = TaskSpec.from_ecs(
        {
            "family": "web",
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "a",
                    "memory": 64,
                    "portMappings": [
                        {"containerPort": 80, "hostPort": 8080},
                        {"containerPort": 81, "hostPort": 0},  # dynamic
                        {"containerPort": 82},  # dynamic
                        {"containerPort": 53, "hostPort": 5353, "protocol": "udp"},
                    ],
                },
            ],
        }
    )
    assert spec.ports == {8080}
    assert spec.udp_ports == {5353}


def test_default_network_mode_is_bridge() -> None:
    container = {"name": "a", "memory": 1, "portMappings": [{"containerPort": 80}]}
    spec = TaskSpec.from_ecs({"containerDefinitions": [container]})
    assert spec.ports == frozenset()
    assert spec.group == ""


def test_host_mode_uses_container_port() -> None:
    spec = TaskSpec.from_ecs(
        {
            "networkMode": "host",
            "containerDefinitions": [
                {
                    "name": "a",
                    "memory": 1,
                    "portMappings": [
                        {"containerPort": 80},
                        {"containerPort": 443, "hostPort": 443},
                        {"containerPort": 53, "protocol": "udp"},
                    ],
                }
            ],
        }
    )
    assert spec.ports == {80, 443}
    assert spec.udp_ports == {53}


def test_awsvpc_mode_reserves_no_host_ports() -> None:
    spec = TaskSpec.from_ecs(
        {
            "networkMode": "awsvpc",
            "containerDefinitions": [
                {"name": "a", "memory": 1, "portMappings": [{"containerPort": 80, "hostPort": 80}]}
            ],
        }
    )
    assert spec.ports == frozenset() and spec.udp_ports == frozenset()


def test_gpus_attributes_constraints_and_describe_wrapper() -> None:
    definition = {
        "family": "train",
        "requiresAttributes": [
            {"name": "ecs.capability.nvidia-driver"},
            {"name": "com.amazonaws.ecs.capability.docker-remote-api.1.19"},
        ],
        "placementConstraints": [
            {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ p3.*"}
        ],
        "containerDefinitions": [
            {
                "name": "a",
                "cpu": 1024,
                "memory": 4096,
                "resourceRequirements": [
                    {"type": "GPU", "value": "2"},
                    {"type": "InferenceAccelerator", "value": "x"},
                ],
            },
            {"name": "b", "resourceRequirements": [{"type": "GPU", "value": "1"}]},
        ],
    }
    for doc in (definition, {"taskDefinition": definition, "tags": []}):
        spec = TaskSpec.from_ecs(doc, group="service:train")
        assert spec.gpus == 3
        assert spec.requires_attributes == {
            "ecs.capability.nvidia-driver",
            "com.amazonaws.ecs.capability.docker-remote-api.1.19",
        }
        assert spec.constraints == (MemberOf("attribute:ecs.instance-type =~ p3.*"),)
        assert spec.group == "service:train"
        assert (spec.cpu, spec.memory) == (1024, 4096)


def test_task_definition_constraints_apply_when_placing() -> None:
    inv = Inventory.from_instances(
        [
            Instance(arn="arn:m5", cpu=4096, memory=8192, attributes={"ecs.instance-type": "m5"}),
            Instance(
                arn="arn:p3", cpu=4096, memory=8192, attributes={"ecs.instance-type": "p3.2x"}
            ),
        ]
    )
    spec = TaskSpec.from_ecs(
        {
            "family": "f",
            "placementConstraints": [
                {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ p3.*"}
            ],
            "containerDefinitions": [{"name": "a", "memory": 1}],
        }
    )
    for method in ("batch", "loop", "reference"):
        assert place(inv, spec, 2, method=method).placements == ("arn:p3", "arn:p3")


@pytest.mark.parametrize(
    "doc",
    [
        {"placementConstraints": [{"type": "distinctInstance"}], "containerDefinitions": []},
        {
            "placementConstraints": [{"type": "memberOf", "expression": "nonsense =="}],
            "containerDefinitions": [],
        },
        {"placementConstraints": [{"type": "memberOf"}], "containerDefinitions": []},
        {"containerDefinitions": {"a": 1}},
        {"containerDefinitions": ["x"]},
        {"containerDefinitions": [{"cpu": -5}]},
        {"containerDefinitions": [{"memory": "lots"}]},
        {"containerDefinitions": [{"portMappings": ["80"]}]},
        {"containerDefinitions": [{"portMappings": [{"hostPort": 70000}]}]},
        {"requiresAttributes": ["ecs.capability.x"], "containerDefinitions": []},
        {"taskDefinition": "x"},
    ],
)
def test_bad_task_definitions_rejected(doc: dict[str, Any]) -> None:
    with pytest.raises(PlacementError):
        TaskSpec.from_ecs(doc)


def test_taskspec_fields_validated() -> None:
    for kw in (
        {"cpu": -1},
        {"memory": 1.5},
        {"gpus": True},
        {"ports": [0]},
        {"ports": [True]},
        {"udp_ports": [65536]},
    ):
        with pytest.raises(PlacementInputError):
            TaskSpec(**kw)


# -- constraints and strategies in every form --------------------------------------------------


def test_constraint_forms_are_equal() -> None:
    expected = (MemberOf(parse("attribute:ecs.os-type == linux")), DistinctInstance())
    forms: list[Any] = [
        [
            {"type": "memberOf", "expression": "attribute:ecs.os-type == linux"},
            {"type": "distinctInstance"},
        ],
        ["memberOf(attribute:ecs.os-type == linux)", "distinctInstance"],
        [MemberOf("attribute:ecs.os-type == linux"), DistinctInstance()],
    ]
    for form in forms:
        assert constraints_from(form) == expected
    assert constraints_from("distinctInstance") == (DistinctInstance(),)
    assert constraints_from({"type": "distinctInstance"}) == (DistinctInstance(),)
    assert MemberOf("runningTasksCount < 3").to_ecs() == {
        "type": "memberOf",
        "expression": "runningTasksCount < 3",
    }
    assert str(MemberOf("runningTasksCount < 3")) == "memberOf(runningTasksCount < 3)"


def test_strategy_forms_are_equal() -> None:
    expected = (Spread("attribute:ecs.availability-zone"), Binpack("memory"), Random())
    forms: list[Any] = [
        [
            {"type": "spread", "field": "attribute:ecs.availability-zone"},
            {"type": "binpack", "field": "memory"},
            {"type": "random"},
        ],
        ["spread(attribute:ecs.availability-zone)", "binpack(memory)", "random"],
        [Spread("attribute:ecs.availability-zone"), Binpack("memory"), Random()],
    ]
    for form in forms:
        assert strategy_from(form) == expected
    assert strategy_from("binpack(MEMORY)") == (Binpack("memory"),)
    assert strategy_from({"type": "binpack", "field": "CPU"}) == (Binpack("cpu"),)
    assert strategy_from(["random(7)"]) == (Random(7),)
    assert strategy_from(["spread(host)"]) == (Spread("host"),)
    assert [s.to_ecs() for s in expected] == forms[0]
    assert [str(s) for s in expected] == forms[1]


@pytest.mark.parametrize(
    "constraint",
    [
        {"type": "distinctInstance", "expression": "attribute:a == b"},
        {"type": "distinctInstance", "expression": ""},
        "distinctInstance(attribute:a == b)",
        {"type": "memberOf"},
        {"type": "memberOf", "expression": "  "},
        {"type": "memberOf", "expression": "attribute:ecs.os-type =="},
        "memberOf()",
        {"type": "sameInstance"},
        "nearby",
        42,
    ],
)
def test_bad_constraints_rejected(constraint: Any) -> None:
    with pytest.raises(PlacementInputError):
        place(INV, TaskSpec(), 1, constraints=[constraint])


@pytest.mark.parametrize(
    "strategy",
    [
        "binpack(disk)",
        {"type": "binpack", "field": "disk"},
        {"type": "binpack"},
        "spread(foo)",
        {"type": "spread", "field": "attribute:"},
        {"type": "spread"},
        "random(x)",
        "shuffle",
        {"type": "pack"},
        3.5,
    ],
)
def test_bad_strategies_rejected(strategy: Any) -> None:
    with pytest.raises(PlacementInputError):
        place(INV, TaskSpec(), 1, strategy=[strategy])


def test_bad_random_seed_rejected() -> None:
    with pytest.raises(PlacementInputError):
        Random(-1)
    with pytest.raises(PlacementInputError):
        place(INV, TaskSpec(), 1, strategy=["random"], seed=-3)


@pytest.mark.parametrize("count", [-1, True, 1.5, "3", None])
def test_bad_count_rejected(count: Any) -> None:
    with pytest.raises(PlacementInputError):
        place(INV, TaskSpec(), count)


def test_bad_arguments_rejected() -> None:
    with pytest.raises(PlacementInputError):
        place(list(INV), TaskSpec(), 1)  # type: ignore[arg-type]
    with pytest.raises(PlacementInputError):
        place(INV, {"cpu": 1}, 1)  # type: ignore[arg-type]
    with pytest.raises(PlacementInputError):
        place(INV, TaskSpec(), 1, method="fast")  # type: ignore[arg-type]


# -- limits --------------------------------------------------------------------------------------


def test_limits() -> None:
    eleven = ["memberOf(runningTasksCount >= 0)"] * 11
    ten = eleven[:10]
    six = ["binpack(cpu)"] * 6
    five = six[:5]
    for method in ("batch", "loop", "reference"):
        assert place(INV, TaskSpec(), 1, constraints=ten, strategy=five, method=method).placed == 1
        with pytest.raises(PlacementError, match="10"):
            place(INV, TaskSpec(), 1, constraints=eleven, method=method)
        with pytest.raises(PlacementError, match="5"):
            place(INV, TaskSpec(), 1, strategy=six, method=method)
    with pytest.raises(PlacementError):
        rank(INV, TaskSpec(), constraints=eleven)
    with pytest.raises(PlacementError):
        rank(INV, TaskSpec(), strategy=six)


def test_task_definition_constraints_count_toward_limit() -> None:
    spec = TaskSpec.from_ecs(
        {
            "placementConstraints": [{"type": "memberOf", "expression": "runningTasksCount >= 0"}]
            * 3,
            "containerDefinitions": [],
        }
    )
    seven = ["memberOf(runningTasksCount >= 0)"] * 7
    assert place(INV, spec, 1, constraints=seven).placed == 1
    with pytest.raises(PlacementInputError, match="task definition"):
        place(INV, spec, 1, constraints=[*seven, "distinctInstance"])
    with pytest.raises(PlacementInputError):
        rank(INV, spec, constraints=[*seven, "distinctInstance"])


def test_placement_input_error_is_a_value_error() -> None:
    assert issubclass(PlacementInputError, PlacementError)
    assert issubclass(PlacementError, ValueError)
