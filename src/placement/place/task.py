"""What one copy of a task needs: resources, host ports, GPUs, attributes, its group."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import PlacementInputError

__all__ = ["TaskSpec"]


def _non_negative(_instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PlacementInputError(f"{attribute.name} must be a non-negative int, got {value!r}")


def _ports(value: Any) -> frozenset[int]:
    ports = frozenset(value)
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port <= 65535:
            raise PlacementInputError(f"not a host port: {port!r}")
    return ports


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen
class TaskSpec:
    """One copy of a task: its demands, its group, what it requires.

    `cpu` units, `memory` MiB, host `ports` (TCP) and `udp_ports`, `gpus`, the task `group`
    (`service:NAME`, `family:NAME`, ...), the attribute names it requires, and the `memberOf`
    constraints its task definition carries.
    """

    cpu: int = attrs.field(default=0, validator=_non_negative)
    memory: int = attrs.field(default=0, validator=_non_negative)
    ports: frozenset[int] = attrs.field(default=frozenset(), converter=_ports)
    udp_ports: frozenset[int] = attrs.field(default=frozenset(), converter=_ports)
    gpus: int = attrs.field(default=0, validator=_non_negative)
    group: str = ""
    requires_attributes: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    constraints: tuple[Any, ...] = attrs.field(default=(), converter=_tuple)

    @classmethod
    def from_ecs(cls, task_definition: Mapping[str, Any], group: str | None = None) -> TaskSpec:
        """Read a RegisterTaskDefinition / DescribeTaskDefinition document.

        Accepts the task definition itself or a DescribeTaskDefinition response (with
        `taskDefinition`). Task-level `cpu`/`memory` win when set (`"256"`, `"1 vCPU"`,
        `"2 GB"`), else the containers' sum (`memory`, else `memoryReservation`). Host ports
        come from `portMappings` (in `awsvpc` mode none are host ports), GPUs from
        `resourceRequirements`, names from `requiresAttributes`, and `memberOf` constraints from
        `placementConstraints`. The group defaults to `family:<family>`.
        """
        from .rules import constraint_from_ecs

        doc = task_definition.get("taskDefinition", task_definition)
        if not isinstance(doc, Mapping):
            raise PlacementInputError("task definition: expected an object")
        containers = doc.get("containerDefinitions") or []
        if not isinstance(containers, list):
            raise PlacementInputError("task definition: containerDefinitions must be a list")
        cpu = _task_level(doc.get("cpu"), "cpu", "vcpu")
        memory = _task_level(doc.get("memory"), "memory", "gb")
        network_mode = doc.get("networkMode", "bridge")
        ports: set[int] = set()
        udp_ports: set[int] = set()
        gpus = 0
        container_cpu = container_memory = 0
        for position, container in enumerate(containers):
            where = f"containerDefinitions[{position}]"
            if not isinstance(container, Mapping):
                raise PlacementInputError(f"task definition: {where}: expected an object")
            container_cpu += _int(container.get("cpu", 0), f"{where}.cpu")
            amount = container.get("memory", container.get("memoryReservation", 0))
            container_memory += _int(amount, f"{where}.memory")
            for mapping in container.get("portMappings") or []:
                port = _host_port(mapping, network_mode, where)
                if port:
                    target = udp_ports if mapping.get("protocol", "tcp") == "udp" else ports
                    target.add(port)
            for requirement in container.get("resourceRequirements") or []:
                if isinstance(requirement, Mapping) and requirement.get("type") == "GPU":
                    gpus += _int(requirement.get("value", 0), f"{where}.resourceRequirements")
        required = set()
        for position, item in enumerate(doc.get("requiresAttributes") or []):
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                raise PlacementInputError(
                    f"task definition: requiresAttributes[{position}]: expected an object "
                    "with a 'name'"
                )
            required.add(item["name"])
        constraints = tuple(
            constraint_from_ecs(item, in_task_definition=True)
            for item in doc.get("placementConstraints") or []
        )
        if group is None:
            family = doc.get("family")
            group = f"family:{family}" if isinstance(family, str) and family else ""
        return cls(
            cpu=container_cpu if cpu is None else cpu,
            memory=container_memory if memory is None else memory,
            ports=frozenset(ports),
            udp_ports=frozenset(udp_ports),
            gpus=gpus,
            group=group,
            requires_attributes=frozenset(required),
            constraints=constraints,
        )

    def __repr__(self) -> str:
        from ..render import short_repr, shorten

        parts = [repr(shorten(self.group, 60)), f"cpu={self.cpu}", f"memory={self.memory}"]
        if self.gpus:
            parts.append(f"gpus={self.gpus}")
        for name, ports in (("ports", self.ports), ("udp_ports", self.udp_ports)):
            if ports:
                shown = sorted(ports)[:4]
                parts.append(f"{name}={shown}"[:-1] + (", ...]" if len(ports) > 4 else "]"))
        for count, noun in ((len(self.requires_attributes), "required attribute"),
                            (len(self.constraints), "constraint")):  # fmt: skip
            if count:
                parts.append(f"{count} {noun}" + ("s" if count > 1 else ""))
        return short_repr("<TaskSpec " + " ".join(parts) + ">")


def _int(value: Any, where: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PlacementInputError(f"task definition: {where}: expected a count, got {value!r}")
    return value


_AMOUNT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*")


def _task_level(value: Any, field: str, big_unit: str) -> int | None:
    """Task-level cpu/memory: `"256"`, 256, `"1 vCPU"`/`"1vcpu"`, `"2 GB"`; None when unset."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    m = _AMOUNT.fullmatch(value) if isinstance(value, str) else None
    if m is None or m.group(2).lower() not in ("", big_unit):
        raise PlacementInputError(f"task definition: {field}: not an amount: {value!r}")
    number = float(m.group(1))
    if m.group(2):
        return round(number * 1024)
    if not number.is_integer():  # "1.5" without a unit: not a count of units or MiB
        raise PlacementInputError(f"task definition: {field}: not a whole amount: {value!r}")
    return int(number)


def _host_port(mapping: Any, network_mode: str, where: str) -> int:
    if not isinstance(mapping, Mapping):
        raise PlacementInputError(f"task definition: {where}.portMappings: expected objects")
    if network_mode == "awsvpc":
        return 0  # ports live on the task's own network interface, not on the host
    host = mapping.get("hostPort")
    if host is None and network_mode == "host":
        host = mapping.get("containerPort")
    if host is None:
        return 0  # bridge mode without a hostPort: a dynamic port, nothing to reserve
    return _int(host, f"{where}.portMappings.hostPort")
