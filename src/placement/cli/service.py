"""Reading a service for the commands that model one (`place`, `headroom`, `needs`, `deploy`).

A service comes from `--cluster/--service` (DescribeServices and DescribeTaskDefinition, live)
or from `--service-file` (a DescribeServices document); `Service.from_ecs` reads and checks
it. Options win over what the service says: `--task-definition` replaces its task definition,
`--strategy` its chain, `--group` its group; `--constraint` adds to its constraints.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..ecs.services import Service
from ..errors import InventoryError, PlacementError
from ..place.task import TaskSpec
from ..rules import SERVICE_DEFAULT
from .inputs import read_json

__all__ = [
    "task_from", "service_document", "service_list", "service_number", "read_service",
    "service_rules",
]  # fmt: skip


def task_from(document: Any, group: str | None) -> TaskSpec:
    """The task of a task definition document (a JSON object), in `group` when given."""
    if not isinstance(document, dict):
        raise PlacementError("task definition: expected a JSON object")
    if "apiVersion" in document or "kind" in document:  # a Kubernetes object (--pod)
        return TaskSpec.from_k8s(document, group)
    return TaskSpec.from_ecs(document, group)


def service_document(document: Any, where: str) -> dict[str, Any]:
    """One service: a DescribeServices response with one service, or the element itself."""
    if isinstance(document, dict) and "services" in document:
        services = document["services"]
        if not isinstance(services, list) or len(services) != 1:
            raise PlacementError(f"{where}: 'services' must list exactly one service")
        document = services[0]
    if not isinstance(document, dict):
        raise PlacementError(f"{where}: expected a service object")
    return document


def _read(service: dict[str, Any], where: str) -> Service:
    """The service, checked (`Service.from_ecs`), its errors naming `where`."""
    try:
        return Service.from_ecs(service, where=where)
    except InventoryError as exc:
        raise PlacementError(str(exc)) from None


def service_list(service: dict[str, Any], field: str, where: str) -> list[Any]:
    """A list field of the service (`placementConstraints`, `placementStrategy`)."""
    read = _read(service, where)
    lists = {"placementConstraints": read.constraints, "placementStrategy": read.strategy}
    return list(lists[field])


_NUMBERS = {
    "desiredCount": "desired_count",
    "deploymentConfiguration.minimumHealthyPercent": "minimum_healthy_percent",
    "deploymentConfiguration.maximumPercent": "maximum_percent",
}


def service_number(service: dict[str, Any], path: str, where: str, default: int) -> int:
    """A whole-number field of the service (`desiredCount`, `deploymentConfiguration.x`).

    `default` is ECS's, which `Service` applies (0, 100, 200).
    """
    value: int = getattr(_read(service, where), _NUMBERS[path])
    return value


def read_service(args: argparse.Namespace, definition: str) -> tuple[dict[str, Any], str, Any]:
    """The service element, how to name it in messages, and the task definition to use.

    `definition` names the option that overrides the service's task definition.
    """
    if args.service:
        from .live import read_service as read_live

        where = f"service {args.service!r}"
        service, document = read_live(args)
    else:
        where = f"service file {args.service_file!r}"
        service = service_document(read_json(args.service_file, "service file", (dict,)), where)
        document = None
    read = _read(service, where)
    if read.scheduling_strategy == "DAEMON":
        raise PlacementError(f"{where} is a DAEMON service; this command models REPLICA services")
    if read.launch_type == "FARGATE":
        raise PlacementError(f"{where} runs on FARGATE, not on container instances")
    if getattr(args, "task_definition", None):
        document = read_json(args.task_definition, "task definition", (dict,))
    if document is None:
        args.parser.error(f"--service-file needs {definition}")
    return service, where, document


def service_rules(
    service: dict[str, Any], where: str, constraints: list[Any], strategy: list[Any]
) -> tuple[list[Any], list[Any]]:
    """The constraints and the chain: the service's and the options'.

    Constraints: the service's, then the options'. Chain: the options', else the service's,
    else ECS's service default.
    """
    constraints = [*service_list(service, "placementConstraints", where), *constraints]
    if not strategy:
        strategy = service_list(service, "placementStrategy", where) or list(SERVICE_DEFAULT)
    return constraints, strategy
