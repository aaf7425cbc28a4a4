"""What one copy of a task needs: resources, host ports, GPUs, attributes, its group.

`TaskSpec(...)` and `TaskSpec.from_ecs(...)` are edges: every field is checked on the way in
and refused with a `PlacementInputError` that names it, so the placers can trust a `TaskSpec`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
from typing import Any

import attrs

from ..dialects import reader
from ..ecs.shapes import refuse_other
from ..errors import PlacementError, PlacementInputError
from ..rules import MemberOf, task_constraints_from
from ..syntax.ast import ATTRIBUTE_NAME
from ..text import shown

__all__ = ["TaskSpec", "MAX_AMOUNT", "DIALECTS"]

MAX_AMOUNT = 2**53
"""The largest CPU, memory or GPU amount (and sum of amounts): what a float64 holds exactly."""

_DIGITS = "0123456789"  # str.isdigit() also accepts '²', which int() then refuses
_COUNT_TEXT = 32  # longest digit text read as a count ("512", "  2 "); 2**53 has 16 digits
_AMOUNT_TEXT = 64  # longest task-level amount text ("0.25 vCPU", "  .5 GB  ")
_NETWORK_MODES = ("bridge", "host", "awsvpc", "none")
_PROTOCOLS = ("tcp", "udp")


def _amount(_instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise PlacementInputError(
            f"{attribute.name} must be an int from 0 to 2**53, got {shown(value)}"
        )


def _group(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, str):
        raise PlacementInputError(f"group must be a str, got {shown(value)}")


def _items(value: Any, what: str) -> Iterator[Any]:
    """Iterate a collection field; a str (or bytes, or a dict) is not a collection of items."""
    if value is None or isinstance(value, (str, bytes, bytearray, memoryview, Mapping)):
        raise PlacementInputError(f"{what} must be a collection, got {shown(value)}")
    try:
        return iter(value)
    except TypeError:
        raise PlacementInputError(f"{what} must be a collection, got {shown(value)}") from None


def _port_set(value: Any, what: str) -> frozenset[int]:
    ports: set[int] = set()
    for port in _items(value, what):
        # Checked before hashing: an unhashable item would otherwise raise TypeError.
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port <= 65535:
            raise PlacementInputError(f"{what}: not a host port (1 to 65535): {shown(port)}")
        ports.add(port)
    return frozenset(ports)


def _tcp_ports(value: Any) -> frozenset[int]:
    return _port_set(value, "ports")


def _udp_ports(value: Any) -> frozenset[int]:
    return _port_set(value, "udp_ports")


def _attribute_names(value: Any) -> frozenset[str]:
    names: set[str] = set()
    for name in _items(value, "requires_attributes"):
        if not isinstance(name, str) or ATTRIBUTE_NAME.fullmatch(name) is None:
            raise PlacementInputError(f"requires_attributes: not an attribute name: {shown(name)}")
        names.add(name)
    return frozenset(names)


DIALECTS = ("ecs", "k8s", "nomad")
"""The systems a task's inputs come from: the words its reasons are named in."""


def _dialect(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or value not in DIALECTS:
        raise PlacementInputError(
            f"dialect must be one of {', '.join(DIALECTS)}, got {shown(value)}"
        )


def _constraints(value: Any) -> tuple[MemberOf, ...]:
    return task_constraints_from(value, "constraints")


@attrs.frozen
class TaskSpec:
    """One copy of a task: its demands, its group, what it requires.

    `cpu` units, `memory` MiB, host `ports` (TCP) and `udp_ports`, `gpus`, the task `group`
    (`service:NAME`, `family:NAME`, ...), the attribute names it requires, and the `memberOf`
    constraints its task definition carries (text, ECS JSON or `MemberOf`, read as a task
    definition's are: `distinctInstance` is refused, at most 10), and the `dialect` its reasons
    are named in. Every field is checked here.
    """

    cpu: int = attrs.field(default=0, validator=_amount)
    memory: int = attrs.field(default=0, validator=_amount)
    ports: frozenset[int] = attrs.field(default=frozenset(), converter=_tcp_ports)
    udp_ports: frozenset[int] = attrs.field(default=frozenset(), converter=_udp_ports)
    gpus: int = attrs.field(default=0, validator=_amount)
    group: str = attrs.field(default="", validator=_group)
    requires_attributes: frozenset[str] = attrs.field(
        default=frozenset(), converter=_attribute_names
    )
    constraints: tuple[MemberOf, ...] = attrs.field(default=(), converter=_constraints)
    dialect: str = attrs.field(default="ecs", validator=_dialect, kw_only=True)
    """The system the task was read from (`from_k8s` sets `k8s`, `from_nomad` `nomad`): the
    words placing, explaining and planning name its reasons in (`Insufficient cpu` for
    Kubernetes, `cpu` for Nomad, ECS's codes for ECS)."""

    @classmethod
    def from_ecs(cls, task_definition: Mapping[str, Any], group: str | None = None) -> TaskSpec:
        """Read a RegisterTaskDefinition / DescribeTaskDefinition document.

        Accepts the task definition itself or a DescribeTaskDefinition response (with
        `taskDefinition`). Task-level `cpu`/`memory` win when set (`256`, `"256"`, `"1 vCPU"`,
        `".25 vcpu"`, `"2 GB"`; the amount must come out whole in CPU units or MiB), else the
        containers' sum (`memory`, else `memoryReservation`). Host ports come from
        `portMappings` (in `awsvpc` and `none` mode none are host ports), GPUs from
        `resourceRequirements`, names from `requiresAttributes`, and `memberOf` constraints
        from `placementConstraints`. The group defaults to `family:<family>`. JSON null reads
        as absent; anything else malformed is a `PlacementInputError` naming the field.
        """
        if group is not None and not isinstance(group, str):
            raise PlacementInputError(f"group must be a str or None, got {shown(group)}")
        refuse_other(task_definition, "task definition", "task definition", PlacementInputError)
        doc = _document(task_definition)
        network_mode = _network_mode(doc.get("networkMode"))
        demand = _Demand()
        for position, container in enumerate(_list(doc, "containerDefinitions")):
            demand.add_container(container, f"containerDefinitions[{position}]", network_mode)
        demand.check_totals()
        cpu = _task_level(doc.get("cpu"), "cpu", "vCPU", "CPU units")
        memory = _task_level(doc.get("memory"), "memory", "GB", "MiB")
        if memory is None and demand.unreserved and not demand.reserving_memory:
            # Else it would place copies that reserve no memory, a confident wrong answer.
            raise PlacementInputError(
                f"task definition: {', '.join(demand.unreserved[:3])}: no container gives "
                "memory or memoryReservation and the task gives no memory; ECS refuses it for "
                "the EC2 launch type (you must specify either a task-level memory value or a "
                "container-level memory value)"
            )
        if group is None:
            family = doc.get("family")
            if family is not None and not isinstance(family, str):
                raise _bad("family", f"expected a str, got {shown(family)}")
            group = f"family:{family}" if family else ""
        return cls(
            cpu=demand.cpu if cpu is None else cpu,
            memory=demand.memory if memory is None else memory,
            ports=frozenset(demand.tcp),
            udp_ports=frozenset(demand.udp),
            gpus=demand.gpus,
            group=group,
            requires_attributes=_required_attributes(doc),
            constraints=_placement_constraints(doc),
        )

    @classmethod
    def from_k8s(cls, pod: Mapping[str, Any], group: str | None = None) -> TaskSpec:
        """Read a Pod, or a Deployment/StatefulSet/DaemonSet/Job's pod template.

        See `placement.k8s.task_spec`: requests in millicores and bytes, host ports, the
        nodeSelector and required node affinity as a `memberOf`, tolerations as `Taints`.
        """
        spec: TaskSpec = reader("task", "k8s")(pod, group)
        return spec

    @classmethod
    def from_nomad(cls, task_group: Mapping[str, Any], group: str | None = None) -> TaskSpec:
        """Read a Nomad task group, or a job (API form) plus the name of its `group`.

        See `placement.nomad.task_spec`: the tasks' CPU (MHz) and memory (MB) summed, static
        ports, the job's, group's and tasks' constraints, and the tasks' drivers.
        """
        spec: TaskSpec = reader("task", "nomad")(task_group, group)
        return spec

    def __repr__(self) -> str:
        from ..text import short_repr, shorten

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
        if self.dialect != "ecs":
            parts.append(f"dialect={self.dialect}")
        return short_repr("<TaskSpec " + " ".join(parts) + ">")


def _bad(where: str, problem: str) -> PlacementInputError:
    return PlacementInputError(f"task definition: {where}: {problem}")


def _document(value: Any) -> Mapping[str, Any]:
    """The task definition itself, out of a DescribeTaskDefinition response if wrapped."""
    if not isinstance(value, Mapping):
        raise PlacementInputError(
            f"task definition: expected an object (a task definition document), got {shown(value)}"
        )
    inner = value.get("taskDefinition")
    if inner is None:
        return value
    if not isinstance(inner, Mapping):
        raise _bad("taskDefinition", f"expected an object, got {shown(inner)}")
    return inner


def _list(doc: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    """A list field of a JSON object; null or absent is an empty list."""
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise _bad(where + key, f"expected a list, got {shown(value)}")
    return list(value)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(where, f"expected an object, got {shown(value)}")
    return value


def _network_mode(value: Any) -> str:
    if value is None:
        return "bridge"  # ECS's default on EC2 (Linux)
    if not isinstance(value, str) or value not in _NETWORK_MODES:
        raise _bad(
            "networkMode", f"expected one of {', '.join(_NETWORK_MODES)}, got {shown(value)}"
        )
    return value


def _count(value: Any, where: str) -> int:
    """A whole, non-negative amount: an int or its digits as text (ECS writes GPU counts so)."""
    if isinstance(value, str) and len(value) <= _COUNT_TEXT:
        text = value.strip()
        if text and all(c in _DIGITS for c in text):
            value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise _bad(where, f"expected a whole number from 0 to 2**53, got {shown(value)}")
    return value


def _port(value: Any, where: str) -> int | None:
    if value is None:
        return None
    try:
        port = _count(value, where)
    except PlacementInputError:
        port = -1  # refused below, with the range a port takes
    if not 0 <= port <= 65535:
        raise _bad(where, f"expected a port from 0 to 65535, got {shown(value)}")
    return port


def _protocol(value: Any, where: str) -> str:
    if value is None:
        return "tcp"
    if isinstance(value, str) and value.lower() in _PROTOCOLS:
        return value.lower()
    raise _bad(where, f"expected tcp or udp, got {shown(value)}")


@attrs.define
class _Demand:
    """What the containers add up to, read one container at a time."""

    cpu: int = 0
    memory: int = 0
    gpus: int = 0
    tcp: set[int] = attrs.field(factory=set)
    udp: set[int] = attrs.field(factory=set)
    reserving_memory: int = 0  # containers that give memory or memoryReservation
    unreserved: list[str] = attrs.field(factory=list)  # the others, as `where` names them

    def add_container(self, container: Any, where: str, network_mode: str) -> None:
        container = _object(container, where)
        cpu = container.get("cpu")
        self.cpu += 0 if cpu is None else _count(cpu, f"{where}.cpu")
        # `memory` (the hard limit) wins over `memoryReservation`; both are checked either way.
        hard, soft = (container.get(key) for key in ("memory", "memoryReservation"))
        hard = None if hard is None else _count(hard, f"{where}.memory")
        soft = None if soft is None else _count(soft, f"{where}.memoryReservation")
        self.memory += hard if hard is not None else soft or 0
        if hard is None and soft is None:
            self.unreserved.append(where)
        else:
            self.reserving_memory += 1
        for position, mapping in enumerate(_list(container, "portMappings", f"{where}.")):
            self.add_port(mapping, f"{where}.portMappings[{position}]", network_mode)
        for position, item in enumerate(_list(container, "resourceRequirements", f"{where}.")):
            self.add_requirement(item, f"{where}.resourceRequirements[{position}]")

    def add_port(self, mapping: Any, where: str, network_mode: str) -> None:
        mapping = _object(mapping, where)
        protocol = _protocol(mapping.get("protocol"), f"{where}.protocol")
        container_port = _port(mapping.get("containerPort"), f"{where}.containerPort")
        host_port = _port(mapping.get("hostPort"), f"{where}.hostPort")
        if network_mode in ("awsvpc", "none"):
            return  # ports live on the task's own interface (or nowhere), not on the host
        if host_port is None and network_mode == "host":
            host_port = container_port
        if host_port:  # absent or 0 in bridge mode: a dynamic port, nothing to reserve
            (self.udp if protocol == "udp" else self.tcp).add(host_port)

    def add_requirement(self, item: Any, where: str) -> None:
        item = _object(item, where)
        kind = item.get("type")
        if not isinstance(kind, str):
            raise _bad(f"{where}.type", f"expected a str, got {shown(kind)}")
        if kind == "GPU":
            self.gpus += _count(item.get("value"), f"{where}.value")

    def check_totals(self) -> None:
        for name, total in (("cpu", self.cpu), ("memory", self.memory), ("GPU", self.gpus)):
            if total > MAX_AMOUNT:
                raise _bad("containerDefinitions", f"the containers' {name} adds up to over 2**53")


def _task_level(value: Any, where: str, unit: str, base: str) -> int | None:
    """Task-level cpu/memory: `256`, `"256"`, `"1 vCPU"`, `".25 vcpu"`, `"2 GB"`; None if unset.

    One `unit` is 1024 of the `base` unit (CPU units, MiB). The arithmetic is exact (a
    `Fraction`), so `0.3 vCPU` (307.2 units) is refused rather than rounded.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _count(value, where)
    if not isinstance(value, str) or len(value) > _AMOUNT_TEXT:
        raise _bad(where, f"expected a number or text like '1 vCPU' or '2 GB', got {shown(value)}")
    text = value.strip()
    number = text[: len(text) - len(text.lstrip(_DIGITS + "."))]
    suffix = text[len(number) :].strip()
    whole, dot, fraction = number.partition(".")
    if (
        not (whole or fraction)
        or "." in fraction
        or (dot and not fraction)
        or suffix.lower() not in ("", unit.lower())
    ):
        raise _bad(where, f"not an amount (a number, optionally with {unit}): {shown(value)}")
    amount = Fraction(number) * (1024 if suffix else 1)
    if amount.denominator != 1:
        raise _bad(where, f"{value.strip()} is {float(amount):g} {base}; it must come out whole")
    return _count(int(amount), where)


def _required_attributes(doc: Mapping[str, Any]) -> frozenset[str]:
    names: set[str] = set()
    for position, item in enumerate(_list(doc, "requiresAttributes")):
        where = f"requiresAttributes[{position}]"
        name = _object(item, where).get("name")
        if not isinstance(name, str) or ATTRIBUTE_NAME.fullmatch(name) is None:
            raise _bad(f"{where}.name", f"expected an attribute name, got {shown(name)}")
        names.add(name)
    return frozenset(names)


def _placement_constraints(doc: Mapping[str, Any]) -> tuple[MemberOf, ...]:
    items: Iterable[Any] = _list(doc, "placementConstraints")
    try:
        return task_constraints_from(items, "placementConstraints")
    except PlacementError as exc:
        raise PlacementInputError(f"task definition: {exc}") from exc
