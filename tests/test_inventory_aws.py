"""Inventory.from_boto3 / placement.aws.fetch_cluster against moto, plus a paging fake."""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

import numpy as np
import pytest

from placement import InventoryError, parse
from placement.aws import fetch_cluster
from placement.inventory import ABSENT, NAME_ONLY, Inventory

pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")
from moto import mock_aws  # noqa: E402
from moto.ec2 import utils as ec2_utils  # noqa: E402

REGION = "us-east-1"
N_INSTANCES = 130  # more than one DescribeContainerInstances batch of 100


class _Spy:
    """Wraps a client, recording every describe call's batch size."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[tuple[str, int]] = []

    def get_paginator(self, name: str) -> Any:
        self.calls.append((f"paginate:{name}", 0))
        return self._client.get_paginator(name)

    def describe_container_instances(self, **kwargs: Any) -> Any:
        self.calls.append(("describe_container_instances", len(kwargs["containerInstances"])))
        return self._client.describe_container_instances(**kwargs)

    def describe_tasks(self, **kwargs: Any) -> Any:
        self.calls.append(("describe_tasks", len(kwargs["tasks"])))
        return self._client.describe_tasks(**kwargs)


@pytest.fixture(scope="module")
def cluster() -> Any:
    with mock_aws():
        ecs = boto3.client("ecs", region_name=REGION)
        ec2 = boto3.resource("ec2", region_name=REGION)
        ecs.create_cluster(clusterName="prod")
        ec2_instances = ec2.create_instances(
            ImageId="ami-12c6146b", MinCount=N_INSTANCES, MaxCount=N_INSTANCES,
            InstanceType="t2.small",
        )  # fmt: skip
        arns = []
        for instance in ec2_instances:
            doc = ec2_utils.generate_instance_identity_document(instance)
            response = ecs.register_container_instance(
                cluster="prod", instanceIdentityDocument=json.dumps(doc)
            )
            arns.append(response["containerInstance"]["containerInstanceArn"])
        # A custom attribute on the first ten instances (moto: targetId is the full ARN and
        # targetType is left out) and a name-only one on the next five.
        ecs.put_attributes(
            cluster="prod",
            attributes=[{"name": "stack", "value": "blue", "targetId": a} for a in arns[:10]],
        )
        ecs.put_attributes(
            cluster="prod", attributes=[{"name": "gpu-capable", "targetId": a} for a in arns[10:15]]
        )
        ecs.register_task_definition(
            family="web",
            containerDefinitions=[
                {"name": "web", "image": "nginx", "cpu": 256, "memory": 512,
                 "portMappings": [{"containerPort": 80, "hostPort": 80}]}
            ],
        )  # fmt: skip
        ecs.register_task_definition(
            family="batch",
            containerDefinitions=[{"name": "b", "image": "busybox", "cpu": 1024, "memory": 1024}],
        )
        web = ecs.run_task(cluster="prod", taskDefinition="web", count=3)["tasks"]
        batch = ecs.run_task(cluster="prod", taskDefinition="batch", count=2)["tasks"]
        custom = ecs.run_task(
            cluster="prod", taskDefinition="batch", count=1, group="databases"
        )["tasks"]
        stopped = ecs.run_task(cluster="prod", taskDefinition="batch", count=1)["tasks"][0]
        ecs.stop_task(cluster="prod", task=stopped["taskArn"])
        yield {
            "ecs": ecs, "arns": arns, "tasks": [*web, *batch, *custom],
            "stopped": stopped,
        }  # fmt: skip


def test_from_boto3_reads_every_instance(cluster: Any) -> None:
    inv = Inventory.from_boto3(cluster["ecs"], "prod")
    assert len(inv) == N_INSTANCES
    assert sorted(inv.ids.tolist()) == sorted(cluster["arns"])
    for inst in inv:
        assert inst.status == "ACTIVE"
        assert inst.agent_connected
        assert inst.agent_version == "1.0.0"
        assert inst.ec2_instance_id is not None
        assert inst.ec2_instance_id.startswith("i-")
        assert inst.registered_at is not None
        assert inst.registered_cpu == 4096
        assert inst.registered_memory == 7482
        for name in ("ecs.ami-id", "ecs.availability-zone", "ecs.instance-type", "ecs.os-type"):
            assert name in inst.attributes
        assert inst.attributes["ecs.instance-type"] == "t2.small"
        assert inst.attributes["ecs.ami-id"] == "ami-12c6146b"
    stack = inv.attributes["stack"]
    assert sorted(str(inv.ids[i]) for i in np.flatnonzero(stack.codes >= 0)) == sorted(
        cluster["arns"][:10]
    )
    capable = inv.attributes["gpu-capable"]
    assert sorted(str(inv.ids[i]) for i in np.flatnonzero(capable.codes == NAME_ONLY)) == sorted(
        cluster["arns"][10:15]
    )
    assert int((capable.codes == ABSENT).sum()) == N_INSTANCES - 5


def test_from_boto3_tasks_groups_and_resources(cluster: Any) -> None:
    inv = Inventory.from_boto3(cluster["ecs"], "prod")
    demand = {"family:web": (256, 512), "family:batch": (1024, 1024), "databases": (1024, 1024)}
    expected_groups: dict[str, Counter[str]] = {}
    for task in cluster["tasks"]:
        expected_groups.setdefault(task["containerInstanceArn"], Counter())[task["group"]] += 1
    assert {t["group"] for t in cluster["tasks"]} == set(demand)
    for inst in inv:
        groups = expected_groups.get(inst.arn, Counter())
        assert dict(inst.task_groups) == dict(groups)
        used_cpu = sum(demand[g][0] * n for g, n in groups.items())
        used_memory = sum(demand[g][1] * n for g, n in groups.items())
        assert inst.cpu == 4096 - used_cpu
        assert inst.memory == 7482 - used_memory
        assert inst.running_tasks_count == sum(groups.values())
        if groups["family:web"]:
            assert 80 in inst.ports
    # The stopped task counts nowhere (its group count and ECS's count exclude it).
    assert int(inv.running_tasks_count.sum()) == len(cluster["tasks"])


def test_from_boto3_expression_evaluation(cluster: Any) -> None:
    inv = Inventory.from_boto3(cluster["ecs"], "prod")
    for text in [
        "attribute:ecs.instance-type =~ t2.* and attribute:stack == blue",
        "task:group == family:web",
        "not(task:group exists) and runningTasksCount == 0",
        "attribute:stack !exists or task:group in [databases, family:batch]",
        "agentVersion >= 1.0 and registeredAt > 2000-01-01",
    ]:
        expr = parse(text)
        assert expr.evaluate(inv).tolist() == [expr.matches(i) for i in inv], text
    assert parse("attribute:gpu-capable exists").evaluate(inv).sum() == 5
    assert parse("attribute:gpu-capable != x").evaluate(inv).sum() == 0
    on_web = parse("task:group == family:web").evaluate(inv)
    assert {str(a) for a in inv.ids[on_web]} == {
        t["containerInstanceArn"] for t in cluster["tasks"] if t["group"] == "family:web"
    }
    assert parse("attribute:stack == blue").evaluate(inv).sum() == 10


def test_fetch_cluster_batches_of_100(cluster: Any) -> None:
    spy = _Spy(cluster["ecs"])
    instances, tasks = fetch_cluster(spy, "prod")
    sizes = [n for name, n in spy.calls if name == "describe_container_instances"]
    assert sizes == [100, N_INSTANCES - 100]
    assert len(instances) == N_INSTANCES
    assert [n for name, n in spy.calls if name == "describe_tasks"] == [len(cluster["tasks"])]
    assert {t["taskArn"] for t in tasks} == {t["taskArn"] for t in cluster["tasks"]}
    assert cluster["stopped"]["taskArn"] not in {t["taskArn"] for t in tasks}


def test_empty_cluster() -> None:
    with mock_aws():
        ecs = boto3.client("ecs", region_name=REGION)
        ecs.create_cluster(clusterName="empty")
        inv = Inventory.from_boto3(ecs, "empty")
        assert len(inv) == 0
        assert parse("attribute:a exists").evaluate(inv).tolist() == []


class _Pages:
    def __init__(self, pages: list[dict[str, Any]], log: list[Any]) -> None:
        self.pages, self.log = pages, log

    def paginate(self, **kwargs: Any) -> Any:
        self.log.append(kwargs)
        return iter(self.pages)


class _FakeClient:
    """A boto3-shaped client serving several list pages and recording describe calls."""

    def __init__(self, n_instances: int, n_tasks: int, failure: str | None = None) -> None:
        self.instances = [f"arn:ci/{i}" for i in range(n_instances)]
        self.tasks = [f"arn:task/{i}" for i in range(n_tasks)]
        self.failure = failure
        self.log: list[Any] = []

    def get_paginator(self, name: str) -> _Pages:
        if name == "list_container_instances":
            items, key = self.instances, "containerInstanceArns"
        else:
            assert name == "list_tasks"
            items, key = self.tasks, "taskArns"
        pages = [{key: items[i : i + 37]} for i in range(0, len(items), 37)] or [{key: []}]
        return _Pages(pages, self.log)

    def describe_container_instances(self, cluster: str, containerInstances: list[str]) -> Any:  # noqa: N803
        assert len(containerInstances) <= 100
        self.log.append(("ci", len(containerInstances)))
        failures = [{"arn": "arn:ci/x", "reason": self.failure}] if self.failure else []
        return {
            "containerInstances": [{"containerInstanceArn": a} for a in containerInstances],
            "failures": failures,
        }

    def describe_tasks(self, cluster: str, tasks: list[str]) -> Any:
        assert len(tasks) <= 100
        self.log.append(("tasks", len(tasks)))
        return {
            "tasks": [
                {"taskArn": t, "containerInstanceArn": f"arn:ci/{i % 7}", "group": "g",
                 "desiredStatus": "RUNNING"}
                for i, t in enumerate(tasks)
            ],
            "failures": [],
        }  # fmt: skip


def test_fetch_cluster_pages_and_batches_with_a_fake_client() -> None:
    client = _FakeClient(250, 205)
    instances, tasks = fetch_cluster(client, "c")
    assert [c["containerInstanceArn"] for c in instances] == client.instances
    assert [t["taskArn"] for t in tasks] == client.tasks
    assert [x for x in client.log if isinstance(x, tuple)] == [
        ("ci", 100), ("ci", 100), ("ci", 50), ("tasks", 100), ("tasks", 100), ("tasks", 5),
    ]  # fmt: skip
    list_calls = [x for x in client.log if isinstance(x, dict)]
    assert list_calls == [{"cluster": "c"}, {"cluster": "c", "desiredStatus": "RUNNING"}]
    inv = Inventory.from_boto3(_FakeClient(10, 14), "c")
    assert inv.running_tasks_count.tolist() == [2] * 7 + [0] * 3


def test_fetch_cluster_missing_is_tolerated_other_failures_raise() -> None:
    assert len(fetch_cluster(_FakeClient(3, 0, failure="MISSING"), "c")[0]) == 3
    with pytest.raises(InventoryError, match="ACCESS_DENIED"):
        fetch_cluster(_FakeClient(3, 0, failure="ACCESS_DENIED"), "c")


def test_aws_module_does_not_import_boto3() -> None:
    import importlib
    import subprocess

    code = (
        "import sys, placement.aws, placement.inventory; "
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert importlib.import_module("placement.aws").fetch_cluster is fetch_cluster
