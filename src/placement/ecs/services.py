"""DescribeServices elements: what placement reads from an ECS service (`Service.from_ecs`).

A service names its task definition, adds its placement constraints and strategy to every
task it starts, runs its tasks in the group `service:NAME`, keeps `desiredCount` of them, and
replaces them within its deployment configuration's bounds. Library users and the CLI read
all of it here, once, checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import InventoryError
from ..model import short_repr
from .shapes import refuse_other

__all__ = ["Service"]

_MAX_WEIGHT, _MAX_BASE = 1000, 100_000  # ECS's limits on a capacity provider strategy item


def _tuple_of_dicts(value: Any) -> tuple[dict[str, Any], ...]:
    return tuple(dict(item) for item in value)


@attrs.frozen
class Service:
    """An ECS service as placement sees it: built by `Service.from_ecs`.

    `constraints` and `strategy` are the service's `placementConstraints` and
    `placementStrategy` entries as ECS JSON (what `place`, `headroom` and the other entry points
    take); an empty `strategy` means ECS's service default (`SERVICE_DEFAULT`). `group` is the
    group ECS gives the service's tasks. The percents default to ECS's 100 and 200.
    `capacity_provider_strategy` holds the entries as given (`capacityProvider`, `weight`,
    `base`), their shape checked.
    """

    name: str | None
    group: str | None
    task_definition: str | None
    desired_count: int
    constraints: tuple[dict[str, Any], ...] = attrs.field(converter=_tuple_of_dicts)
    strategy: tuple[dict[str, Any], ...] = attrs.field(converter=_tuple_of_dicts)
    minimum_healthy_percent: int = 100
    maximum_percent: int = 200
    capacity_provider_strategy: tuple[dict[str, Any], ...] = attrs.field(
        default=(), converter=_tuple_of_dicts
    )
    launch_type: str | None = None
    scheduling_strategy: str | None = None

    @classmethod
    def from_ecs(cls, service: Any, *, where: str | None = None) -> Service:
        """The service of one DescribeServices `services` element (a dict, as JSON or boto3).

        JSON null means absent. A field of the wrong shape raises `InventoryError` naming it;
        `where` names the service in messages (default: `service 'NAME'`).
        """
        refuse_other(service, "services", where or "service", InventoryError)
        if not isinstance(service, Mapping):
            raise InventoryError(f"{where or 'service'}: expected a service object, got "
                                 f"{type(service).__name__}")  # fmt: skip
        name = service.get("serviceName")
        if name is not None and (not isinstance(name, str) or not name):
            raise InventoryError(f"{where or 'service'}: serviceName must be a non-empty "
                                 f"string, got {short_repr(name)}")  # fmt: skip
        where = where or (f"service {name!r}" if name else "service")
        return cls(
            name=name,
            group=None if name is None else f"service:{name}",
            task_definition=_text(service, "taskDefinition", where),
            constraints=_objects(service, "placementConstraints", where),
            strategy=_objects(service, "placementStrategy", where),
            desired_count=_whole(service, "desiredCount", where, 0),
            minimum_healthy_percent=_whole(
                service, "deploymentConfiguration.minimumHealthyPercent", where, 100
            ),
            maximum_percent=_whole(service, "deploymentConfiguration.maximumPercent", where, 200),
            capacity_provider_strategy=_capacity_providers(service, where),
            launch_type=_text(service, "launchType", where),
            scheduling_strategy=_text(service, "schedulingStrategy", where),
        )


def _text(service: Mapping[str, Any], field: str, where: str) -> str | None:
    value = service.get(field)
    if value is not None and not isinstance(value, str):
        raise InventoryError(f"{where}: {field} must be a string, got {short_repr(value)}")
    return value


def _objects(service: Mapping[str, Any], field: str, where: str) -> list[Mapping[str, Any]]:
    """A list of objects (`placementConstraints`, `placementStrategy`); absent: none."""
    value = service.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InventoryError(f"{where}: {field} must be a list")
    for position, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise InventoryError(f"{where}: {field}[{position}] must be an object, got "
                                 f"{short_repr(item)}")  # fmt: skip
    return value


def _whole(service: Mapping[str, Any], path: str, where: str, default: int) -> int:
    """A whole-number field at a dotted path (`deploymentConfiguration.maximumPercent`)."""
    value: Any = service
    names = path.split(".")
    for depth, name in enumerate(names):
        if value is None:
            break
        if not isinstance(value, Mapping):
            inner = ".".join(names[:depth])
            raise InventoryError(f"{where}: {inner} must be an object, got {short_repr(value)}")
        value = value.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InventoryError(f"{where}: {path} must be a whole number, got {short_repr(value)}")
    return value


def _capacity_providers(service: Mapping[str, Any], where: str) -> list[Mapping[str, Any]]:
    field = "capacityProviderStrategy"
    items = _objects(service, field, where)
    for position, item in enumerate(items):
        here = f"{field}[{position}]"
        provider = item.get("capacityProvider")
        if not isinstance(provider, str) or not provider:
            raise InventoryError(f"{where}: {here}.capacityProvider must be a non-empty string, "
                                 f"got {short_repr(provider)}")  # fmt: skip
        for key, high in (("weight", _MAX_WEIGHT), ("base", _MAX_BASE)):
            value = item.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value <= high):  # fmt: skip
                raise InventoryError(f"{where}: {here}.{key} must be a whole number from 0 to "
                                     f"{high:,}, got {short_repr(value)}")  # fmt: skip
    return items
