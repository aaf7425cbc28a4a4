"""One container instance: the reference evaluator's input and the placer's unit of state."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from .syntax.literals import Timestamp

__all__ = ["Instance"]


def _frozen_mapping(value: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(value))


def _int_set(value: Iterable[int]) -> frozenset[int]:
    return frozenset(value)


def _timestamp(value: Timestamp | _dt.datetime | None) -> Timestamp | None:
    if isinstance(value, _dt.datetime):
        return Timestamp.from_datetime(value)
    return value


@attrs.frozen(eq=True)
class Instance:
    """A container instance as DescribeContainerInstances and DescribeTasks describe it.

    Resources are what remains unallocated (`cpu` units, `memory` MiB, free `gpus`) and the
    host ports already reserved (`ports` TCP, `udp_ports` UDP). `attributes` maps each name to
    its value, or to None for name-only (capability) attributes. `task_groups` counts the
    RUNNING tasks on the instance by group; `running_tasks_count` is ECS's count.
    """

    arn: str
    ec2_instance_id: str | None = None
    status: str = "ACTIVE"
    agent_connected: bool = True
    agent_version: str | None = None
    registered_at: Timestamp | None = attrs.field(default=None, converter=_timestamp)
    attributes: Mapping[str, str | None] = attrs.field(
        factory=dict, converter=_frozen_mapping
    )
    cpu: int = 0
    memory: int = 0
    gpus: int = 0
    ports: frozenset[int] = attrs.field(default=frozenset(), converter=_int_set)
    udp_ports: frozenset[int] = attrs.field(default=frozenset(), converter=_int_set)
    registered_cpu: int = 0
    registered_memory: int = 0
    running_tasks_count: int = 0
    task_groups: Mapping[str, int] = attrs.field(factory=dict, converter=_frozen_mapping)

    @property
    def id(self) -> str:
        """The container instance ARN (what placements name)."""
        return self.arn

    @classmethod
    def from_ecs(
        cls, container_instance: Mapping[str, Any], tasks: Iterable[Mapping[str, Any]] = ()
    ) -> Instance:
        """Build from one DescribeContainerInstances `containerInstances` element.

        `tasks` are DescribeTasks `tasks` elements on this instance; only those whose
        `desiredStatus` is RUNNING count. Raises `InventoryError` naming the field at fault.
        """
        from .ecs import instance_from_ecs

        return instance_from_ecs(container_instance, tasks)

    def to_ecs(self) -> dict[str, Any]:
        """Write the instance as a DescribeContainerInstances element (`from_ecs` reads it)."""
        from .ecs import instance_to_ecs

        return instance_to_ecs(self)
