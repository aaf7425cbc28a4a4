"""The ECS wire format, in and out: DescribeContainerInstances, DescribeTasks, task definitions.

Every reader here validates as it goes and raises `InventoryError` naming the instance (or task)
and the field at fault. Nothing is kept from a document that fails.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from .errors import InventoryError
from .instance import Instance
from .syntax.literals import Timestamp, parse_timestamp

__all__ = [
    "InstanceRecord",
    "read_instance",
    "iter_container_instances",
    "iter_tasks",
    "running_groups",
    "instance_from_ecs",
    "instance_to_ecs",
]


class InstanceRecord(NamedTuple):
    """The fields of one container instance, read and checked (the loaders' common currency)."""

    arn: str
    ec2_instance_id: str | None
    status: str
    agent_connected: bool
    agent_version: str | None
    registered_at: int | None  # microseconds since the epoch
    attributes: dict[str, str | None]
    cpu: int
    memory: int
    gpus: int
    ports: tuple[int, ...]
    udp_ports: tuple[int, ...]
    registered_cpu: int
    registered_memory: int
    running_tasks_count: int | None  # None: derive from the RUNNING tasks


def _where(index: int, doc: Any) -> str:
    arn = doc.get("containerInstanceArn") if isinstance(doc, Mapping) else None
    return f"container instance #{index}" + (f" ({arn})" if isinstance(arn, str) else "")


def _fail(where: str, field: str, problem: str) -> InventoryError:
    return InventoryError(f"{where}: field {field!r}: {problem}")


_UTC = _dt.timezone.utc
_MIN_MICROS = Timestamp.from_datetime(_dt.datetime.min.replace(tzinfo=_UTC)).micros
_MAX_MICROS = Timestamp.from_datetime(_dt.datetime.max.replace(tzinfo=_UTC)).micros
_MAX_AMOUNT = 2**53
"""Largest resource amount or task count accepted (exact in a float, far from int64 limits)."""


def _micros(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _fail(where, "registeredAt", f"expected a timestamp, got {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise _fail(where, "registeredAt", f"expected a finite number, got {value!r}")
        micros = round(value * 1_000_000)  # epoch seconds, as the API sends them
        # Beyond years 1-9999 the instant has no datetime (and would overflow the int64 column).
        if not _MIN_MICROS <= micros <= _MAX_MICROS:
            raise _fail(where, "registeredAt", f"epoch seconds out of range: {value!r}")
        return micros
    if isinstance(value, _dt.datetime):  # boto3
        return Timestamp.from_datetime(value).micros
    if isinstance(value, str):  # AWS CLI output: ISO 8601, with fractions and offsets
        stamp = parse_timestamp(value)
        if stamp is None:
            try:
                parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise _fail(where, "registeredAt", f"not a timestamp: {value!r}") from None
            stamp = Timestamp.from_datetime(parsed)
        return stamp.micros
    raise _fail(where, "registeredAt", f"expected a timestamp, got {type(value).__name__}")


def _resource_amount(resource: Mapping[str, Any], where: str, field: str) -> int:
    kind = resource.get("type")
    if kind == "STRINGSET" or (kind is None and "stringSetValue" in resource):
        items = resource.get("stringSetValue") or []
        if not isinstance(items, list):
            raise _fail(where, field, "stringSetValue must be a list")
        return len(items)
    key = {"INTEGER": "integerValue", "LONG": "longValue", "DOUBLE": "doubleValue"}.get(
        kind or "", ""
    )
    if not key:
        key = next(
            (k for k in ("integerValue", "longValue", "doubleValue") if k in resource), ""
        )
    value = resource.get(key, 0) if key else 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(where, field, f"expected a number, got {value!r}")
    if not -_MAX_AMOUNT <= value <= _MAX_AMOUNT:
        raise _fail(where, field, f"amount out of range: {value!r}")
    return int(value)


def _port_set(resource: Mapping[str, Any], where: str, field: str) -> tuple[int, ...]:
    items = resource.get("stringSetValue") or []
    if not isinstance(items, list):
        raise _fail(where, field, "stringSetValue must be a list of ports")
    ports = []
    for item in items:
        # Ports are decimal strings on the wire; ints are accepted, bools and floats are not.
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise _fail(where, field, f"not a port: {item!r}")
        try:
            port = int(item)
        except ValueError:
            raise _fail(where, field, f"not a port: {item!r}") from None
        if not 0 <= port <= 65535:
            raise _fail(where, field, f"port out of range: {port}")
        ports.append(port)
    return tuple(sorted(set(ports)))


def _resources(doc: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    items = doc.get(key)
    if items is None:
        return {}
    if not isinstance(items, list):
        raise _fail(where, key, "expected a list of resources")
    out: dict[str, Any] = {}
    for position, resource in enumerate(items):
        field = f"{key}[{position}]"
        if not isinstance(resource, Mapping) or not isinstance(resource.get("name"), str):
            raise _fail(where, field, "expected an object with a 'name'")
        name = resource["name"]
        if name in ("PORTS", "PORTS_UDP"):
            out[name] = _port_set(resource, where, field)
        else:
            out[name] = _resource_amount(resource, where, field)
    return out


def read_instance(doc: Any, index: int = 0) -> InstanceRecord:
    """Read and check one DescribeContainerInstances element."""
    where = _where(index, doc)
    if not isinstance(doc, Mapping):
        raise InventoryError(f"{where}: expected an object, got {type(doc).__name__}")
    arn = doc.get("containerInstanceArn")
    if not isinstance(arn, str) or not arn:
        raise _fail(where, "containerInstanceArn", "required, a non-empty string")
    ec2 = doc.get("ec2InstanceId")
    if ec2 is not None and not isinstance(ec2, str):
        raise _fail(where, "ec2InstanceId", "expected a string")
    status = doc.get("status", "ACTIVE")
    if not isinstance(status, str):
        raise _fail(where, "status", "expected a string")
    connected = doc.get("agentConnected", True)
    if not isinstance(connected, bool):
        raise _fail(where, "agentConnected", f"expected true or false, got {connected!r}")
    version_info = doc.get("versionInfo") or {}
    if not isinstance(version_info, Mapping):
        raise _fail(where, "versionInfo", "expected an object")
    version = version_info.get("agentVersion")
    if version is not None and not isinstance(version, str):
        raise _fail(where, "versionInfo.agentVersion", "expected a string")
    attributes: dict[str, str | None] = {}
    raw_attributes = doc.get("attributes") or []
    if not isinstance(raw_attributes, list):
        raise _fail(where, "attributes", "expected a list")
    for position, attribute in enumerate(raw_attributes):
        if not isinstance(attribute, Mapping) or not isinstance(attribute.get("name"), str):
            raise _fail(where, f"attributes[{position}]", "expected an object with a 'name'")
        value = attribute.get("value")
        if value is not None and not isinstance(value, str):
            raise _fail(where, f"attributes[{position}].value", "expected a string")
        attributes[attribute["name"]] = value
    remaining = _resources(doc, "remainingResources", where)
    registered = _resources(doc, "registeredResources", where)
    running = doc.get("runningTasksCount")
    if running is not None and (
        isinstance(running, bool)
        or not isinstance(running, int)
        or not 0 <= running <= _MAX_AMOUNT
    ):
        raise _fail(where, "runningTasksCount", f"expected a count, got {running!r}")

    def pick(name: str, default: Any) -> Any:
        # Remaining resources are what placement needs; an instance that reports only its
        # registered resources is taken to have all of them free.
        return remaining.get(name, registered.get(name, default))

    return InstanceRecord(
        arn=arn,
        ec2_instance_id=ec2,
        status=status,
        agent_connected=connected,
        agent_version=version,
        registered_at=_micros(doc.get("registeredAt"), where),
        attributes=attributes,
        cpu=pick("CPU", 0),
        memory=pick("MEMORY", 0),
        gpus=pick("GPU", 0),
        ports=pick("PORTS", ()),
        udp_ports=pick("PORTS_UDP", ()),
        registered_cpu=registered.get("CPU", remaining.get("CPU", 0)),
        registered_memory=registered.get("MEMORY", remaining.get("MEMORY", 0)),
        running_tasks_count=running,
    )


def _pages(documents: Any, key: str, what: str) -> Iterator[Any]:
    """Items of one response, a list of response pages, or a plain list of items."""
    if isinstance(documents, Mapping):
        documents = [documents]
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Iterable):
        raise InventoryError(f"{what}: expected a response object or a list, got "
                             f"{type(documents).__name__}")
    for page_number, page in enumerate(documents):
        if isinstance(page, Mapping) and key in page:
            items = page[key]
            if not isinstance(items, list):
                raise InventoryError(f"{what} page #{page_number}: {key!r} must be a list")
            yield from items
        else:
            # An element itself (its reader checks it and names what is missing).
            yield page


def iter_container_instances(documents: Any) -> Iterator[Any]:
    """The container-instance elements of DescribeContainerInstances responses."""
    return _pages(documents, "containerInstances", "container instances")


def iter_tasks(documents: Any) -> Iterator[Any]:
    """The task elements of DescribeTasks responses."""
    return _pages(documents, "tasks", "tasks")


def running_groups(tasks: Any) -> dict[str, dict[str, int]]:
    """For each container instance ARN, its RUNNING tasks counted by group.

    Only tasks whose desiredStatus is RUNNING count (SEMANTICS.md §2); tasks without a container
    instance (Fargate) are skipped. A task without a group counts under the empty group name.
    """
    out: dict[str, dict[str, int]] = {}
    for position, task in enumerate(iter_tasks(tasks)):
        where = f"task #{position}"
        if not isinstance(task, Mapping):
            raise InventoryError(f"{where}: expected an object")
        if isinstance(task.get("taskArn"), str):
            where += f" ({task['taskArn']})"
        desired = task.get("desiredStatus")
        if desired is not None and not isinstance(desired, str):
            raise InventoryError(f"{where}: field 'desiredStatus': expected a string")
        if desired != "RUNNING":
            continue
        arn = task.get("containerInstanceArn")
        if arn is None:
            continue
        if not isinstance(arn, str):
            raise InventoryError(f"{where}: field 'containerInstanceArn': expected a string")
        group = task.get("group", "")
        if not isinstance(group, str):
            raise InventoryError(f"{where}: field 'group': expected a string")
        groups = out.setdefault(arn, {})
        groups[group] = groups.get(group, 0) + 1
    return out


def instance_from_ecs(container_instance: Any, tasks: Any = ()) -> Instance:
    """One `Instance` from a DescribeContainerInstances element and the tasks on it."""
    record = read_instance(container_instance)
    by_instance = running_groups(list(tasks) if not isinstance(tasks, Mapping) else tasks)
    for arn in by_instance:
        if arn != record.arn:
            raise InventoryError(
                f"task on container instance {arn} given for instance {record.arn}"
            )
    groups = by_instance.get(record.arn, {})
    return instance_from_record(record, groups)


def instance_from_record(record: InstanceRecord, groups: Mapping[str, int]) -> Instance:
    """An `Instance` from a checked record and its RUNNING task counts by group."""
    running = record.running_tasks_count
    if running is None:
        running = sum(groups.values())
    return Instance(
        arn=record.arn,
        ec2_instance_id=record.ec2_instance_id,
        status=record.status,
        agent_connected=record.agent_connected,
        agent_version=record.agent_version,
        registered_at=None if record.registered_at is None else Timestamp(record.registered_at),
        attributes=record.attributes,
        cpu=record.cpu,
        memory=record.memory,
        gpus=record.gpus,
        ports=frozenset(record.ports),
        udp_ports=frozenset(record.udp_ports),
        registered_cpu=record.registered_cpu,
        registered_memory=record.registered_memory,
        running_tasks_count=running,
        task_groups=groups,
    )


def _integer(name: str, value: int) -> dict[str, Any]:
    return {"name": name, "type": "INTEGER", "integerValue": value}


def _string_set(name: str, values: Iterable[str]) -> dict[str, Any]:
    return {"name": name, "type": "STRINGSET", "stringSetValue": list(values)}


def instance_to_ecs(instance: Instance) -> dict[str, Any]:
    """A DescribeContainerInstances element for `instance` (`registeredAt` in epoch seconds).

    GPUs are written as that many placeholder ids (`gpu-0`, ...): the library counts GPUs.
    """
    remaining = [
        _integer("CPU", instance.cpu),
        _integer("MEMORY", instance.memory),
        _string_set("PORTS", (str(p) for p in sorted(instance.ports))),
        _string_set("PORTS_UDP", (str(p) for p in sorted(instance.udp_ports))),
    ]
    registered = [
        _integer("CPU", instance.registered_cpu),
        _integer("MEMORY", instance.registered_memory),
    ]
    if instance.gpus:
        remaining.append(_string_set("GPU", (f"gpu-{i}" for i in range(instance.gpus))))
    doc: dict[str, Any] = {
        "containerInstanceArn": instance.arn,
        "status": instance.status,
        "agentConnected": instance.agent_connected,
        "runningTasksCount": instance.running_tasks_count,
        "attributes": [
            {"name": k} if v is None else {"name": k, "value": v}
            for k, v in instance.attributes.items()
        ],
        "remainingResources": remaining,
        "registeredResources": registered,
    }
    if instance.ec2_instance_id is not None:
        doc["ec2InstanceId"] = instance.ec2_instance_id
    if instance.agent_version is not None:
        doc["versionInfo"] = {"agentVersion": instance.agent_version}
    if instance.registered_at is not None:
        doc["registeredAt"] = instance.registered_at.micros / 1_000_000
    return doc
