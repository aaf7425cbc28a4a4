"""Which ECS document a JSON value is, by its shape: a file in the wrong place is named.

A DescribeTasks response passed where container instances belong would otherwise fail on its
first element's missing `containerInstanceArn`, and a DescribeServices response passed as a
task definition would place copies that reserve nothing. Each reader asks `refuse_other`
first: a document recognisably of another kind is refused with what it looks like and where
it belongs. Only the top level and the first element are looked at (constant work): a
document of no known kind is left to the reader, which names what is wrong in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

__all__ = ["Kind", "kind_of", "refuse_other", "WHERE"]

Kind = Literal[
    "instances", "tasks", "task definition", "services", "protection", "capacity providers"
]

LOOKS: dict[str, str] = {
    "instances": "a DescribeContainerInstances response",
    "tasks": "a DescribeTasks response",
    "task definition": "a task definition",
    "services": "a DescribeServices response",
    "protection": "a GetTaskProtection response",
    "capacity providers": "a DescribeCapacityProviders response",
}
"""What each kind looks like, in messages."""

WHERE: dict[str, str] = {
    "instances": "the inventory (--inventory; Inventory.from_ecs's container_instances)",
    "tasks": "the running tasks (--tasks; Inventory.from_ecs's tasks)",
    "task definition": "the task definition (--task-definition; TaskSpec.from_ecs)",
    "services": "the service (--service-file; Service.from_ecs)",
    "protection": "scale-in protection (Inventory.from_ecs's protection)",
    "capacity providers": "capacity providers (docs/capacity-providers.md)",
}
"""Where each kind belongs: the CLI option and the library function."""

# The key of each kind's response page, then the keys that mark one element of it.
_PAGE_KEYS: tuple[tuple[str, Kind], ...] = (
    ("containerInstances", "instances"),
    ("tasks", "tasks"),
    ("services", "services"),
    ("containerDefinitions", "task definition"),
    ("protectedTasks", "protection"),
    ("capacityProviders", "capacity providers"),
)


def _element_kind(item: Mapping[str, Any]) -> Kind | None:
    if "taskArn" in item:  # tasks name their container instance too: test them first
        return "tasks"
    if "containerInstanceArn" in item and (
        "ec2InstanceId" in item or "remainingResources" in item
        or "registeredResources" in item
    ):  # fmt: skip
        return "instances"
    if ("serviceName" in item or "serviceArn" in item) and (
        "desiredCount" in item or "deployments" in item or "taskDefinition" in item
    ):
        return "services"
    if "containerDefinitions" in item or ("taskDefinitionArn" in item and "family" in item):
        return "task definition"
    if "capacityProviderArn" in item and "autoScalingGroupProvider" in item:
        return "capacity providers"
    return None


def kind_of(document: Any) -> Kind | None:
    """The kind of ECS document `document` (parsed JSON) looks like; None when unknown.

    A response page, a list of pages, a list of elements or one element; a
    DescribeTaskDefinition response (`{"taskDefinition": {...}}`) is a task definition.
    """
    item = document
    if isinstance(document, Sequence) and not isinstance(document, (str, bytes)):
        if not document:
            return None
        item = document[0]
    if not isinstance(item, Mapping):
        return None
    for key, kind in _PAGE_KEYS:
        if key in item:
            return kind
    inner = item.get("taskDefinition")
    if isinstance(inner, Mapping) and "containerDefinitions" in inner:
        return "task definition"
    return _element_kind(item)


def _has_page_key(document: Any, kind: Kind) -> bool:
    item = document[0] if isinstance(document, list) and document else document
    return isinstance(item, Mapping) and any(k in item for k, of in _PAGE_KEYS if of == kind)


def refuse_other(document: Any, expected: Kind, what: str, error: type[Exception]) -> None:
    """Raise `error` when `document` looks like a kind of ECS document other than `expected`.

    `what` names the argument in the message (`container instances`, `task definition`).
    """
    kind = kind_of(document)
    if kind is None or kind == expected or _has_page_key(document, expected):
        return  # `placement filter -o json` writes both pages in one object: either reads it
    raise error(
        f"{what}: this looks like {LOOKS[kind]}, not {LOOKS[expected]}; it belongs in "
        f"{WHERE[kind]}"
    )
