"""Reading a live cluster through a boto3 ECS client (the `aws` extra).

This module never imports boto3: the caller builds the client (`boto3.client("ecs")`) and hands
it in, so the library's core stays free of the AWS SDK.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .errors import InventoryError

__all__ = ["fetch_cluster", "DESCRIBE_BATCH"]

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
