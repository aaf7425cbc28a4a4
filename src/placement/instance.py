"""One container instance and one running task: the reference evaluator's inputs, one row each.

Both classes take their fields, checks and defaults from the declarations in `model.py`; a
value that does not fit its field raises `InventoryError` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .model import INSTANCE_FIELDS, TASK_FIELDS, FieldSpec, FrozenMap, check, spec_named
from .syntax.literals import Timestamp

__all__ = ["Instance", "Task"]


def _declared(fields: tuple[FieldSpec, ...], name: str, where: str) -> Any:
    """An attrs field whose default and check come from the declaration of `name`."""
    spec = spec_named(fields, name)

    def convert(value: Any) -> Any:
        return check(spec, value, where)

    if spec.default is None and spec.kind.value in ("arn", "reference"):
        return attrs.field(converter=convert)
    return attrs.field(default=spec.default, converter=convert)


def _instance(name: str) -> Any:
    return _declared(INSTANCE_FIELDS, name, "Instance")


def _task(name: str) -> Any:
    return _declared(TASK_FIELDS, name, "Task")


@attrs.frozen(eq=True, repr=False)
class Instance:
    """A container instance as DescribeContainerInstances and DescribeTasks describe it.

    Resources are what remains unallocated (`cpu` units, `memory` MiB, free `gpus`) and the
    host ports already reserved (`ports` TCP, `udp_ports` UDP). `attributes` maps each name to
    its value, or to None for name-only (capability) attributes. `task_groups` counts the
    RUNNING tasks on the instance by group; `running_tasks_count` is ECS's count.
    `registered_at` takes a `Timestamp`, a `datetime`, epoch seconds or ISO 8601 text.
    """

    arn: str = _instance("arn")
    ec2_instance_id: str | None = _instance("ec2_instance_id")
    status: str = _instance("status")
    agent_connected: bool = _instance("agent_connected")
    agent_version: str | None = _instance("agent_version")
    registered_at: Timestamp | None = _instance("registered_at")
    attributes: Mapping[str, str | None] = _instance("attributes")
    cpu: int = _instance("cpu")
    memory: int = _instance("memory")
    gpus: int = _instance("gpus")
    ports: frozenset[int] = _instance("ports")
    udp_ports: frozenset[int] = _instance("udp_ports")
    registered_cpu: int = _instance("registered_cpu")
    registered_memory: int = _instance("registered_memory")
    running_tasks_count: int = _instance("running_tasks_count")
    task_groups: Mapping[str, int] = _instance("task_groups")
    capacity_provider: str | None = _instance("capacity_provider")

    def __attrs_post_init__(self) -> None:
        # The provider is readable as an attribute, as the inventory's columns expose it.
        provider, attributes = self.capacity_provider, self.attributes
        if provider is not None and "ecs.capacity-provider" not in attributes:
            object.__setattr__(self, "attributes",
                                FrozenMap({**attributes, "ecs.capacity-provider": provider}))

    @property
    def id(self) -> str:
        """The container instance ARN (what placements name)."""
        return self.arn

    @property
    def name(self) -> str:
        """A short name: the EC2 instance id, else the ARN's last part."""
        return self.ec2_instance_id or self.arn.rsplit("/", 1)[-1]

    @classmethod
    def from_ecs(
        cls, container_instance: Mapping[str, Any], tasks: Iterable[Mapping[str, Any]] = ()
    ) -> Instance:
        """Build from one DescribeContainerInstances `containerInstances` element.

        `tasks` are DescribeTasks `tasks` elements on this instance; only those whose
        `desiredStatus` is RUNNING count. Raises `InventoryError` naming the field at fault.
        """
        from .ecs import instance_fields

        return cls(**instance_fields(container_instance, tasks))

    def to_ecs(self) -> dict[str, Any]:
        """Write the instance as a DescribeContainerInstances element (`from_ecs` reads it)."""
        from .ecs import instance_to_ecs

        return instance_to_ecs(self)

    def __repr__(self) -> str:
        parts = [repr(self.name), self.status, f"cpu={self.cpu}", f"memory={self.memory}"]
        if self.gpus:
            parts.append(f"gpus={self.gpus}")
        parts.append(f"{self.running_tasks_count} tasks")
        zone = self.attributes.get("ecs.availability-zone")
        if zone:
            parts.append(zone)
        text = "<Instance " + " ".join(parts) + ">"
        return text if len(text) <= 200 else text[:196] + "...>"


@attrs.frozen(eq=True, repr=False)
class Task:
    """One RUNNING task: its ARN, the instance it runs on, its group, what it holds, since when.

    `cpu` units, `memory` MiB, `gpus`, and the host `ports`/`udp_ports` it binds are returned
    to the instance when the task stops. `started_at` is None for a copy placed here and not
    yet started (it then counts as the most recently started). `protected`: scale-in
    protection is on (SEMANTICS.md §9), so scale-in and deployments never stop it. `labels`:
    a Kubernetes pod's labels (SEMANTICS.md §11), which rules count by selector; ECS tasks
    have none.
    """

    arn: str = _task("arn")
    instance: str = _task("instance")
    group: str = _task("group")
    cpu: int = _task("cpu")
    memory: int = _task("memory")
    gpus: int = _task("gpus")
    ports: frozenset[int] = _task("ports")
    udp_ports: frozenset[int] = _task("udp_ports")
    started_at: Timestamp | None = _task("started_at")
    protected: bool = _task("protected")
    labels: Mapping[str, str | None] = _task("labels")

    def to_ecs(self) -> dict[str, Any]:
        """Write the task as a DescribeTasks element (RUNNING; `from_ecs` reads it back)."""
        from .ecs import task_to_ecs

        return task_to_ecs(self)

    def __repr__(self) -> str:
        name = self.arn.rsplit("/", 1)[-1]
        on = self.instance.rsplit("/", 1)[-1]
        text = f"<Task {name!r} {self.group!r} on {on!r} cpu={self.cpu} memory={self.memory}>"
        return text if len(text) <= 200 else text[:196] + "...>"


def _check_declared(cls: type, fields: tuple[FieldSpec, ...]) -> None:
    # The classes above must list exactly the declared fields, in order: fail at import if not.
    names = tuple(a.name for a in attrs.fields(cls))
    declared = tuple(spec.name for spec in fields)
    if names != declared:  # pragma: no cover - a programming error, caught by any test run
        raise RuntimeError(f"{cls.__name__} fields {names} differ from the model's {declared}")


_check_declared(Instance, INSTANCE_FIELDS)
_check_declared(Task, TASK_FIELDS)
