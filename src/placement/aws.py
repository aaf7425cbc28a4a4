"""Reading a live cluster through a boto3 ECS client (the `aws` extra).

This module never imports boto3: the caller builds the client (`boto3.client("ecs")`) and hands
it in, so the library's core stays free of the AWS SDK.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .errors import InventoryError

__all__ = ["fetch_cluster", "fetch_service", "DESCRIBE_BATCH"]

DESCRIBE_BATCH = 100
"""The most ARNs DescribeContainerInstances and DescribeTasks accept in one call."""


def _batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _check_failures(response: Any, what: str, cluster: str) -> None:
    """Raise for failures other than MISSING (gone between the list and the describe)."""
    for failure in response.get("failures") or ():
        if failure.get("reason") != "MISSING":
            raise InventoryError(
                f"cluster {cluster!r}: {what} failed for {failure.get('arn')!r}: "
                f"{failure.get('reason')} {failure.get('detail', '')}".rstrip()
            )


def fetch_cluster(
    ecs_client: Any, cluster: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read the container instances and RUNNING tasks of `cluster`, as boto3 returns them.

    Pages through ListContainerInstances (no status filter: ECS then lists every status but
    INACTIVE), DescribeContainerInstances in batches of 100, ListTasks with desiredStatus
    RUNNING, and DescribeTasks in batches of 100. Returns (container instance elements, task
    elements), ready for `Inventory.from_ecs`. AWS errors (botocore's `ClientError`) propagate;
    a describe failure other than MISSING raises `InventoryError`.
    """
    instance_arns: list[str] = []
    for page in ecs_client.get_paginator("list_container_instances").paginate(cluster=cluster):
        instance_arns.extend(page.get("containerInstanceArns") or ())
    instances: list[dict[str, Any]] = []
    for batch in _batches(_unique(instance_arns), DESCRIBE_BATCH):
        response = ecs_client.describe_container_instances(
            cluster=cluster, containerInstances=batch
        )
        _check_failures(response, "DescribeContainerInstances", cluster)
        instances.extend(response.get("containerInstances") or ())

    task_arns: list[str] = []
    paginator = ecs_client.get_paginator("list_tasks")
    for page in paginator.paginate(cluster=cluster, desiredStatus="RUNNING"):
        task_arns.extend(page.get("taskArns") or ())
    tasks: list[dict[str, Any]] = []
    for batch in _batches(_unique(task_arns), DESCRIBE_BATCH):
        response = ecs_client.describe_tasks(cluster=cluster, tasks=batch)
        _check_failures(response, "DescribeTasks", cluster)
        tasks.extend(response.get("tasks") or ())
    return instances, tasks


def fetch_service(
    ecs_client: Any, cluster: str, service: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read one service of `cluster` and its task definition, as boto3 returns them.

    DescribeServices for `service` (a name or an ARN), then DescribeTaskDefinition for the
    task definition the service runs. Returns (the `services` element, the `taskDefinition`
    element). A service that is missing or INACTIVE (deleted) raises `InventoryError`; AWS
    errors (botocore's `ClientError`) propagate.
    """
    response = ecs_client.describe_services(cluster=cluster, services=[service])
    found = [s for s in response.get("services") or () if s.get("status") != "INACTIVE"]
    if not found:
        reasons = {f.get("reason") for f in response.get("failures") or ()}
        why = f" ({', '.join(sorted(r for r in reasons if r))})" if reasons - {None} else ""
        raise InventoryError(f"cluster {cluster!r} has no active service {service!r}{why}")
    described = found[0]
    definition = described.get("taskDefinition")
    if not isinstance(definition, str) or not definition:
        raise InventoryError(f"service {service!r} in cluster {cluster!r} has no task definition")
    task_definition = ecs_client.describe_task_definition(taskDefinition=definition)
    document = task_definition.get("taskDefinition")
    if not isinstance(document, dict):
        raise InventoryError(f"DescribeTaskDefinition {definition!r} returned no task definition")
    return described, document
