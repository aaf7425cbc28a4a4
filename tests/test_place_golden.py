"""Placement scenarios worked out by hand: small inventories, the expected placement list.

Every scenario is checked with all three methods (batch, loop, reference).
"""

from __future__ import annotations

from typing import Any

import pytest

from placement import (
    RUN_TASK_DEFAULT,
    SERVICE_DEFAULT,
    Binpack,
    DistinctInstance,
    Failure,
    Instance,
    Inventory,
    MemberOf,
    Random,
    Spread,
    TaskSpec,
    place,
)

METHODS = ["batch", "loop", "reference"]
AZ = "attribute:ecs.availability-zone"


def arn(name: str) -> str:
    return f"arn:aws:ecs:us-east-1:1:container-instance/{name}"


def inst(name: str, **kw: Any) -> Instance:
    kw.setdefault("cpu", 4096)
    kw.setdefault("memory", 8192)
    zone = kw.pop("zone", None)
    if zone is not None:
        kw["attributes"] = {**kw.get("attributes", {}), "ecs.availability-zone": zone}
    return Instance(arn=arn(name), **kw)


def names(placements: tuple[str, ...]) -> list[str]:
    return [p.rsplit("/", 1)[1] for p in placements]


def run(inv: Inventory, task: TaskSpec, count: int, method: str, **kw: Any) -> Any:
    return place(inv, task, count, method=method, **kw)


@pytest.mark.parametrize("method", METHODS)
def test_binpack_memory_fills_fullest_first(method: str) -> None:
    inv = Inventory.from_instances(
        [inst("a", memory=4000), inst("b", memory=1500), inst("c", memory=3000)]
    )
    task = TaskSpec(memory=500, group="g")
    result = run(inv, task, 5, method, strategy=[Binpack("memory")])
    assert names(result.placements) == ["b", "b", "b", "c", "c"]
    assert [i.memory for i in result.inventory] == [4000, 0, 2000]
    # Keeps filling: 3 + 6 + 8 copies fit, the 18th fails on memory everywhere.
    full = run(inv, task, 18, method, strategy=["binpack(memory)"])
    assert names(full.placements) == ["b"] * 3 + ["c"] * 6 + ["a"] * 8
    assert full.failures == (Failure(17, {"RESOURCE:MEMORY": 3}),)


@pytest.mark.parametrize("method", METHODS)
def test_binpack_cpu(method: str) -> None:
    inv = Inventory.from_instances([inst("a", cpu=1024), inst("b", cpu=512), inst("c", cpu=2048)])
    result = run(
        inv, TaskSpec(cpu=256, group="g"), 7, method, strategy=[{"type": "binpack", "field": "cpu"}]
    )
    assert names(result.placements) == ["b", "b", "a", "a", "a", "a", "c"]


@pytest.mark.parametrize("method", METHODS)
def test_spread_instance_id_round_robins(method: str) -> None:
    inv = Inventory.from_instances(
        [inst("a", task_groups={"service:web": 1}, running_tasks_count=1), inst("b"), inst("c")]
    )
    task = TaskSpec(cpu=10, memory=10, group="service:web")
    for field in ("instanceId", "host"):
        result = run(inv, task, 7, method, strategy=[Spread(field)])
        assert names(result.placements) == ["b", "c", "a", "b", "c", "a", "b"]
        assert [i.task_groups["service:web"] for i in result.inventory] == [3, 3, 2]
        assert [i.running_tasks_count for i in result.inventory] == [3, 3, 2]


@pytest.mark.parametrize("method", METHODS)
def test_spread_zone_alternates_counts_cluster_wide_and_lacking_last(method: str) -> None:
    web = {"service:web": 2}
    inv = Inventory.from_instances(
        [
            inst("i0", zone="a", cpu=1024),
            inst("i1", zone="b", cpu=1024),
            inst("i2", zone="a", cpu=1024),
            inst("i3", zone="c", cpu=1024),
            inst("i4", cpu=1024, task_groups=web, running_tasks_count=2),  # no zone
            # DRAINING, takes nothing, but its two web tasks count for zone c.
            inst("i5", zone="c", status="DRAINING", task_groups=web, running_tasks_count=2),
        ]
    )
    task = TaskSpec(cpu=256, memory=512, group="service:web")
    result = run(inv, task, 22, method, strategy=[Spread(AZ)])
    assert names(result.placements) == [
        "i0",
        "i1",
        "i0",
        "i1",
        "i0",
        "i1",  # a and b catch up with c (2 tasks already)
        "i3",
        "i0",
        "i1",
        "i3",  # three zones level; i0 and i1 are now full
        "i2",
        "i3",
        "i2",
        "i3",
        "i2",
        "i2",  # a (i2) and c (i3) alternate, then only a
        "i4",
        "i4",
        "i4",
        "i4",  # instances lacking the attribute come after every zone
    ]
    # Copies 20 and 21 fit nowhere: one record with a count.
    assert result.failures == (Failure(20, {"AGENT": 1, "RESOURCE:CPU": 5}, count=2),)


@pytest.mark.parametrize("method", METHODS)
def test_service_default_spread_zone_then_instance(method: str) -> None:
    inv = Inventory.from_instances(
        [
            inst("i0", zone="a"),
            inst("i1", zone="a", task_groups={"service:web": 1}, running_tasks_count=1),
            inst("i2", zone="b"),
            inst("i3", zone="b"),
        ]
    )
    task = TaskSpec(cpu=10, memory=10, group="service:web")
    expected = ["i2", "i0", "i3", "i0", "i2", "i1"]
    result = run(inv, task, 6, method, strategy=SERVICE_DEFAULT)
    assert names(result.placements) == expected
    json = [{"type": "spread", "field": AZ}, {"type": "spread", "field": "instanceId"}]
    assert names(run(inv, task, 6, method, strategy=json).placements) == expected


@pytest.mark.parametrize("method", METHODS)
def test_spread_zone_then_binpack_memory(method: str) -> None:
    inv = Inventory.from_instances(
        [
            inst("i0", zone="a", memory=2000),
            inst("i1", zone="a", memory=1000),
            inst("i2", zone="b", memory=3000),
            inst("i3", zone="b", memory=1500),
        ]
    )
    result = run(
        inv,
        TaskSpec(memory=500, group="g"),
        8,
        method,
        strategy=[f"spread({AZ})", "binpack(memory)"],
    )
    assert names(result.placements) == ["i1", "i3", "i1", "i3", "i3", "i0", "i0", "i2"]


@pytest.mark.parametrize("method", METHODS)
def test_spread_instance_then_binpack_memory(method: str) -> None:
    inv = Inventory.from_instances(
        [
            inst("i0", memory=2000),
            inst("i1", memory=1000),
            inst("i2", memory=3000, task_groups={"g": 1}, running_tasks_count=1),
        ]
    )
    result = run(
        inv,
        TaskSpec(memory=500, group="g"),
        6,
        method,
        strategy=["spread(instanceId)", "binpack(memory)"],
    )
    assert names(result.placements) == ["i1", "i0", "i1", "i0", "i2", "i0"]


@pytest.mark.parametrize("method", METHODS)
def test_documented_single_strategies(method: str) -> None:
    # SEX 1-4: spread AZ, spread instanceId, binpack memory, random.
    inv = Inventory.from_instances(
        [inst("i0", zone="a"), inst("i1", zone="a"), inst("i2", zone="b")]
    )
    task = TaskSpec(memory=100, group="g")
    assert names(run(inv, task, 4, method, strategy=[Spread(AZ)]).placements) == [
        "i0",
        "i2",
        "i0",
        "i2",
    ]
    assert names(run(inv, task, 4, method, strategy=["spread(instanceId)"]).placements) == [
        "i0",
        "i1",
        "i2",
        "i0",
    ]
    assert names(run(inv, task, 2, method, strategy=["binpack(memory)"]).placements) == ["i0", "i0"]
    randomly = run(inv, task, 30, method, strategy=RUN_TASK_DEFAULT, seed=5)
    assert randomly.placed == 30
    assert set(names(randomly.placements)) == {"i0", "i1", "i2"}
    assert run(inv, task, 30, method, strategy=[Random(5)]) == run(
        inv, task, 30, method, strategy=["random(5)"]
    )


@pytest.mark.parametrize("method", METHODS)
def test_distinct_instance(method: str) -> None:
    inv = Inventory.from_instances(
        [
            inst("i0"),
            inst("i1", task_groups={"service:web": 1}, running_tasks_count=1),
            inst("i2"),
            inst("i3", task_groups={"service:other": 3}, running_tasks_count=3),
        ]
    )
    task = TaskSpec(cpu=1, memory=1, group="service:web")
    result = run(inv, task, 4, method, constraints=[DistinctInstance()])
    assert names(result.placements) == ["i0", "i2", "i3"]
    assert result.failures == (
        Failure(3, {"DistinctInstance placement constraint unsatisfied.": 4}),
    )


MEMBER_INV = [
    inst(
        "t2s",
        zone="us-east-1a",
        attributes={"ecs.instance-type": "t2.small", "ecs.os-type": "linux"},
        agent_version="1.20.0",
    ),
    inst(
        "g2",
        zone="us-east-1d",
        attributes={"ecs.instance-type": "g2.2xlarge"},
        task_groups={"service:production": 1},
        running_tasks_count=1,
        agent_version="1.14.0",
    ),
    inst(
        "t2m",
        zone="us-east-1b",
        attributes={"ecs.instance-type": "t2.medium", "stack": "prod"},
        task_groups={"database": 1},
        running_tasks_count=1,
        ec2_instance_id="i-abcd1234",
    ),
    inst(
        "m5",
        zone="us-east-1c",
        attributes={"ecs.instance-type": "m5.large", "stack": "dev"},
        task_groups={"database": 2},
        running_tasks_count=2,
        ec2_instance_id="i-wxyx7890",
    ),
]


@pytest.mark.parametrize(
    ("expression", "eligible"),
    [
        ("attribute:ecs.instance-type == t2.small", ["t2s"]),
        ("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", ["t2s", "t2m"]),
        (
            "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d",
            [],
        ),
        ("attribute:ecs.instance-type =~ g2.*", ["g2"]),
        ("task:group == service:production", ["g2"]),
        ("not(task:group == database)", ["t2s", "g2"]),
        ("runningTasksCount == 1", ["g2", "t2m"]),
        ("agentVersion < 1.14.5", ["g2"]),
        ("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", ["t2m", "m5"]),
        ("attribute:stack == prod", ["t2m"]),
        ("attribute:stack != prod", ["m5"]),
        ("attribute:ecs.instance-type in [t2.small, t2.medium]", ["t2s", "t2m"]),
        ("attribute:ecs.instance-type =~ t2.*", ["t2s", "t2m"]),
        ("attribute:ecs.os-type == linux", ["t2s"]),
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_member_of_aws_examples(expression: str, eligible: list[str], method: str) -> None:
    inv = Inventory.from_instances(MEMBER_INV)
    task = TaskSpec(cpu=1, memory=1, group="service:web")
    # distinctInstance makes each eligible instance take one copy, in inventory order.
    result = run(
        inv,
        task,
        4,
        method,
        constraints=[{"type": "memberOf", "expression": expression}, "distinctInstance"],
    )
    assert names(result.placements) == eligible
    if len(eligible) < 4:
        reasons = result.failures[0].reasons
        # The instances that took a copy now fail distinctInstance, or memberOf when the
        # expression reads the state (runningTasksCount == 1 no longer holds there).
        assert reasons.get("MemberOf placement constraint unsatisfied.", 0) >= 4 - len(eligible)
        assert set(reasons) <= {
            "MemberOf placement constraint unsatisfied.",
            "DistinctInstance placement constraint unsatisfied.",
        }
        assert sum(reasons.values()) == 4


@pytest.mark.parametrize("method", METHODS)
def test_member_of_reading_state(method: str) -> None:
    inv = Inventory.from_instances(
        [inst("i0", running_tasks_count=1), inst("i1"), inst("i2", running_tasks_count=5)]
    )
    task = TaskSpec(cpu=1, memory=1, group="service:web")
    # runningTasksCount < 3: i0 takes 2, i1 takes 3, i2 none.
    result = run(inv, task, 6, method, constraints=["memberOf(runningTasksCount < 3)"])
    assert names(result.placements) == ["i0", "i0", "i1", "i1", "i1"]
    assert result.failures == (Failure(5, {"MemberOf placement constraint unsatisfied.": 3}),)
    # Anti-affinity with its own group: one copy per instance.
    anti = run(
        inv,
        task,
        4,
        method,
        constraints=["memberOf(not(task:group == service:web))"],
        strategy=["binpack(memory)"],
    )
    assert names(anti.placements) == ["i0", "i1", "i2"]
    assert anti.failures[0].index == 3


@pytest.mark.parametrize("method", METHODS)
def test_no_strategy_inventory_order(method: str) -> None:
    inv = Inventory.from_instances([inst("i0", cpu=100), inst("i1", cpu=600), inst("i2", cpu=4096)])
    result = run(inv, TaskSpec(cpu=300, group="g"), 5, method)
    assert names(result.placements) == ["i1", "i1", "i2", "i2", "i2"]


@pytest.mark.parametrize("method", METHODS)
def test_each_failure_reason_named_as_ecs(method: str) -> None:
    task = TaskSpec(
        cpu=512,
        memory=512,
        ports=frozenset({80}),
        gpus=1,
        group="service:web",
        requires_attributes=frozenset({"ecs.capability.task-eni"}),
        constraints=(MemberOf("attribute:stack == prod"),),
    )
    ok = {"attributes": {"stack": "prod", "ecs.capability.task-eni": None}, "gpus": 1}
    inv = Inventory.from_instances(
        [
            inst("agent-off", agent_connected=False, **ok),
            inst("draining", status="DRAINING", **ok),
            inst("no-attr", attributes={"stack": "prod"}, gpus=1),
            inst("cpu", cpu=100, **ok),
            inst("cpu-and-memory", cpu=100, memory=100, **ok),  # counted once, under CPU
            inst("memory", memory=100, **ok),
            inst("ports", ports={80}, **ok),
            inst("gpu", attributes=ok["attributes"], gpus=0),
            inst("member", attributes={"stack": "dev", "ecs.capability.task-eni": None}, gpus=1),
            inst("distinct", task_groups={"service:web": 1}, running_tasks_count=1, **ok),
        ]
    )
    result = run(inv, task, 2, method, constraints=[DistinctInstance()])
    assert result.placements == ()
    expected = {
        "AGENT": 2,
        "ATTRIBUTE": 1,
        "RESOURCE:CPU": 2,
        "RESOURCE:MEMORY": 1,
        "RESOURCE:PORTS": 1,
        "RESOURCE:GPU": 1,
        "MemberOf placement constraint unsatisfied.": 1,
        "DistinctInstance placement constraint unsatisfied.": 1,
    }
    assert result.failures == (Failure(0, expected, count=2),)
    assert list(result.failures[0].reasons) == list(expected)  # ECS's order
    assert result.inventory == inv


@pytest.mark.parametrize("method", METHODS)
def test_gpus_counted(method: str) -> None:
    inv = Inventory.from_instances([inst("i0", gpus=1), inst("i1", gpus=4), inst("i2")])
    result = run(inv, TaskSpec(gpus=2, group="g"), 3, method, strategy=["binpack(cpu)"])
    assert names(result.placements) == ["i1", "i1"]
    assert [i.gpus for i in result.inventory] == [1, 0, 0]
    assert result.failures == (Failure(2, {"RESOURCE:GPU": 3}),)


@pytest.mark.parametrize("method", METHODS)
def test_host_ports_one_copy_per_instance(method: str) -> None:
    inv = Inventory.from_instances(
        [inst("i0"), inst("i1", ports={8080}), inst("i2", udp_ports={53})]
    )
    task = TaskSpec(cpu=1, memory=1, ports=frozenset({8080}), udp_ports=frozenset({53}), group="g")
    result = run(inv, task, 2, method, strategy=["binpack(cpu)"])
    assert names(result.placements) == ["i0"]
    assert result.failures == (Failure(1, {"RESOURCE:PORTS": 3}),)
    assert result.inventory[0].ports == {8080}
    assert result.inventory[0].udp_ports == {53}
    tcp_only = run(inv, TaskSpec(ports=frozenset({53}), group="g"), 5, method)
    assert names(tcp_only.placements) == ["i0", "i1", "i2"]  # UDP 53 does not block TCP 53
