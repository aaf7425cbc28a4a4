"""DescribeContainerInstances elements, in and out: the checked reader, its fast path, the writer.

Reading and writing follow the field declarations in `model.py`: each field's `ecs` path says
where it lives in the JSON, its kind how it is checked. Every reader validates as it goes and
raises `InventoryError` naming the instance and the JSON field at fault; JSON `null` means
absent. Nothing is kept from a document that fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import InventoryError
from ..model import (
    INSTANCE_FIELDS,
    LONG_DIGITS,
    MAX_AMOUNT,
    MAX_TEXT,
    FieldSpec,
    Kind,
    check,
    field_error,
    short_repr,
)
from .common import (
    _MAX_PORT_DIGITS,
    Unusual,
    _decimal,
    _iso,
    _number,
    _pages,
    _where,
    fast_micros,
    fast_text,
)
from .shapes import refuse_other
from .tasks import iter_tasks, read_task

__all__ = [
    "read_instance", "iter_container_instances", "instance_fields", "instance_to_ecs",
    "INSTANCE_READ", "read_instances", "fast_instance", "fast_ports", "transpose",
]  # fmt: skip

_RESOURCE_LISTS = ("remainingResources", "registeredResources")
# The fields read from an instance document (task groups come from the tasks).
INSTANCE_READ: tuple[FieldSpec, ...] = tuple(
    spec for spec in INSTANCE_FIELDS if spec.kind is not Kind.GROUPS
)


def _resource(resource: Any, where: str, field: str) -> tuple[str, Any]:
    """(name, value) of one resource entry: ports as a set, GPUs and amounts as numbers."""
    if not isinstance(resource, Mapping) or not isinstance(resource.get("name"), str):
        raise field_error(where, field, "expected an object with a 'name'")
    name = resource["name"]
    kind = resource.get("type")
    if kind is not None and not isinstance(kind, str):
        raise field_error(where, f"{field}.type", f"expected a string, got {short_repr(kind)}")
    items = resource.get("stringSetValue")
    if name in ("PORTS", "PORTS_UDP") or kind == "STRINGSET" or (kind is None and items):
        if items is None:
            items = []
        if not isinstance(items, list):
            raise field_error(where, f"{field}.stringSetValue", "expected a list")
        if name in ("PORTS", "PORTS_UDP"):
            return name, _port_set(items, where, f"{field}.stringSetValue")
        return name, len(items)  # GPUs: one id each
    keys = {"INTEGER": "integerValue", "LONG": "longValue", "DOUBLE": "doubleValue"}
    key = keys.get(kind or "")
    if key is None:
        key = next((k for k in keys.values() if resource.get(k) is not None), "integerValue")
    value = resource.get(key)
    if value is None:
        return name, 0
    return name, _number(value, where, f"{field}.{key}")


def _port_set(items: list[Any], where: str, field: str) -> frozenset[int]:
    ports = set()
    for item in items:
        # Ports are decimal strings on the wire; ints are accepted, bools and floats are not.
        if isinstance(item, str) and 0 < len(item) <= _MAX_PORT_DIGITS and _decimal(item):
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 65535:
            raise field_error(where, field, f"not a port: {short_repr(item)}")
        ports.add(item)
    return frozenset(ports)


def _resources(doc: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    items = doc.get(key)
    if items is None:
        return {}
    if not isinstance(items, list):
        raise field_error(where, key, "expected a list of resources")
    out: dict[str, Any] = {}
    for position, resource in enumerate(items):
        name, value = _resource(resource, where, f"{key}[{position}]")
        out[name] = (value, f"{key}[{position}]")
    return out


def _attributes(doc: Mapping[str, Any], where: str) -> dict[str, Any]:
    items = doc.get("attributes")
    if items is None:
        return {}
    if not isinstance(items, list):
        raise field_error(where, "attributes", "expected a list")
    out: dict[str, Any] = {}
    for position, attribute in enumerate(items):
        if not isinstance(attribute, Mapping) or not isinstance(attribute.get("name"), str):
            raise field_error(where, f"attributes[{position}]", "expected an object with a 'name'")
        value = attribute.get("value")
        if value is not None and not isinstance(value, str):
            raise field_error(where, f"attributes[{position}].value", "expected a string")
        out[attribute["name"]] = value
    return out


def _nested(doc: Mapping[str, Any], path: str, where: str) -> Any:
    """The value at a dotted path (`versionInfo.agentVersion`); None where anything is absent."""
    value: Any = doc
    walked: list[str] = []
    for step in path.split("."):
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise field_error(where, ".".join(walked), "expected an object")
        walked.append(step)
        value = value.get(step)
    return value


def read_instance(doc: Any, index: int = 0) -> list[Any]:
    """Read and check one DescribeContainerInstances element.

    Returns the values of `INSTANCE_READ` in order; `runningTasksCount` is None when the
    document does not say (it is then the number of RUNNING tasks).
    """
    where = _where("container instance", index, doc, "containerInstanceArn")
    if not isinstance(doc, Mapping):
        raise InventoryError(f"{where}: expected an object, got {type(doc).__name__}")
    lists = {key: _resources(doc, key, where) for key in _RESOURCE_LISTS}
    values: list[Any] = []
    for spec in INSTANCE_READ:
        label = spec.ecs
        head, _, rest = spec.ecs.partition(".")
        if head in lists:
            # A resource an instance reports in one list only is taken from the other:
            # an instance that reports only its registered resources has all of them free.
            other = lists[_RESOURCE_LISTS[1 - _RESOURCE_LISTS.index(head)]]
            found = lists[head].get(rest) or other.get(rest)
            raw, label = found if found is not None else (None, spec.ecs)
        elif spec.kind is Kind.ATTRIBUTES:
            raw = _attributes(doc, where)
        else:
            raw = _nested(doc, spec.ecs, where)
        if spec.kind is Kind.COUNT and raw is None:
            values.append(None)  # derived from the tasks
            continue
        values.append(check(spec, raw, where, label))
    return values


def iter_container_instances(documents: Any) -> Iterator[Any]:
    """The container-instance elements of DescribeContainerInstances responses.

    A document of another kind (DescribeTasks, a task definition, ...) is refused by its shape.
    """
    refuse_other(documents, "instances", "container instances", InventoryError)
    return _pages(documents, "containerInstances", "container instances")


_PORT_NAMES = frozenset({"PORTS", "PORTS_UDP"})
_NUMERIC_KEYS = {"INTEGER": "integerValue", "LONG": "longValue"}


def fast_ports(items: Any) -> frozenset[int]:
    """A list of decimal port strings, as a set."""
    if type(items) is not list:
        raise Unusual
    ports = set()
    for item in items:
        if type(item) is not str or not 0 < len(item) <= _MAX_PORT_DIGITS or not _decimal(item):
            raise Unusual
        port = int(item)
        if port > 65535:
            raise Unusual
        ports.add(port)
    return frozenset(ports)


def _fast_resources(items: Any) -> dict[str, Any]:
    """Resource name -> value (an int, or a port set) for INTEGER, LONG and STRINGSET entries."""
    if items is None:
        return {}
    if type(items) is not list:
        raise Unusual
    out: dict[str, Any] = {}
    for resource in items:
        if type(resource) is not dict:
            raise Unusual
        name, kind = resource.get("name"), resource.get("type")
        if type(name) is not str or type(kind) is not str:
            raise Unusual
        if kind == "STRINGSET":
            values = resource.get("stringSetValue")
            if name in _PORT_NAMES:
                out[name] = fast_ports(values)
            elif type(values) is list:
                out[name] = len(values)  # GPUs: one id each
            else:
                raise Unusual
            continue
        key = _NUMERIC_KEYS.get(kind)
        value = None if key is None else resource.get(key)
        if key is None or name in _PORT_NAMES or (value is not None and type(value) is not int):
            raise Unusual
        out[name] = 0 if value is None else value
    return out


def _fast_attributes(items: Any) -> dict[str, str | None]:
    if items is None:
        return {}
    if type(items) is not list:
        raise Unusual
    out: dict[str, str | None] = {}
    for attribute in items:
        if type(attribute) is not dict:
            raise Unusual
        name = attribute.get("name")
        if type(name) is not str or not name or len(name) > MAX_TEXT:
            raise Unusual
        out[name] = fast_text(attribute.get("value"))
    return out


def _fast_amount(value: Any) -> int:
    if value is None:
        return 0
    if type(value) is not int or not 0 <= value <= MAX_AMOUNT:
        raise Unusual
    return value


def _fast_port_set(value: Any) -> frozenset[int]:
    if value is None:
        return frozenset()
    if type(value) is not frozenset:
        raise Unusual
    return value


def fast_instance(doc: Any) -> tuple[Any, ...]:
    """What `read_instance` gives for a usual element (`registeredAt` in microseconds).

    Raises `Unusual` where it leaves the element to `read_instance`.
    """
    if type(doc) is not dict:
        raise Unusual
    get = doc.get
    arn = get("containerInstanceArn")
    if type(arn) is not str or not arn or len(arn) > MAX_TEXT:
        raise Unusual
    status = get("status")
    connected = get("agentConnected")
    if connected is None:
        connected = True
    elif type(connected) is not bool:
        raise Unusual
    info = get("versionInfo")
    version = None
    if info is not None:
        if type(info) is not dict:
            raise Unusual
        version = fast_text(info.get("agentVersion"))
        if version is not None and len(version) > 18 and LONG_DIGITS.search(version):
            raise Unusual
    count = get("runningTasksCount")
    if count is not None:
        count = _fast_amount(count)
    remaining = _fast_resources(get("remainingResources"))
    registered = _fast_resources(get("registeredResources"))

    def pick(first: dict[str, Any], second: dict[str, Any], name: str) -> Any:
        # A resource reported in one list only is taken from the other (see read_instance).
        return first[name] if name in first else second.get(name)

    return (
        arn,
        fast_text(get("ec2InstanceId")),
        "ACTIVE" if status is None else fast_text(status),
        connected,
        version,
        fast_micros(get("registeredAt")),
        _fast_attributes(get("attributes")),
        _fast_amount(pick(remaining, registered, "CPU")),
        _fast_amount(pick(remaining, registered, "MEMORY")),
        _fast_amount(pick(remaining, registered, "GPU")),
        _fast_port_set(pick(remaining, registered, "PORTS")),
        _fast_port_set(pick(remaining, registered, "PORTS_UDP")),
        _fast_amount(pick(registered, remaining, "CPU")),
        _fast_amount(pick(registered, remaining, "MEMORY")),
        count,
        fast_text(get("capacityProviderName")),
    )


def transpose(records: Sequence[Sequence[Any]]) -> list[Any]:
    """Instance records as one sequence per `INSTANCE_READ` field (zip does it in C)."""
    return list(zip(*records, strict=True)) if records else [() for _ in INSTANCE_READ]


def read_instances(documents: Any) -> list[tuple[Any, ...]]:
    """The container instances of `documents` (as `iter_container_instances` takes them).

    Each is read and checked: the values of `INSTANCE_READ`, `registeredAt` as microseconds or
    a `Timestamp`. Raises `InventoryError` at the first bad element.
    """
    out = []
    for index, doc in enumerate(iter_container_instances(documents)):
        try:
            out.append(fast_instance(doc))
        except Unusual:
            out.append(tuple(read_instance(doc, index)))
    return out


def instance_fields(container_instance: Any, tasks: Any = ()) -> dict[str, Any]:
    """An `Instance`'s fields (by name) from a DescribeContainerInstances element and its tasks.

    `Instance.from_ecs` builds the instance from them: the format is read here, the value's
    checks live with the value.
    """
    values = read_instance(container_instance)
    arn = values[0]
    groups: dict[str, int] = {}
    for position, task in enumerate(iter_tasks(tasks)):
        row = read_task(task, position)
        if row is None:
            continue
        if row[1] != arn:
            raise InventoryError(f"task #{position}: runs on {row[1]}, not on instance {arn}")
        groups[row[2]] = groups.get(row[2], 0) + 1
    fields = dict(zip((s.name for s in INSTANCE_READ), values, strict=True))
    if fields["running_tasks_count"] is None:
        fields["running_tasks_count"] = sum(groups.values())
    fields["task_groups"] = groups
    return fields


def _integer(name: str, value: int) -> dict[str, Any]:
    return {"name": name, "type": "INTEGER", "integerValue": value}


def _string_set(name: str, values: Iterable[str]) -> dict[str, Any]:
    return {"name": name, "type": "STRINGSET", "stringSetValue": list(values)}


_PROVIDER_ATTRIBUTE = "ecs.capacity-provider"


def instance_to_ecs(instance: Any) -> dict[str, Any]:
    """A DescribeContainerInstances element for `instance`, written from the declarations.

    `registeredAt` is ISO 8601 text (exact to the microsecond). GPUs are written as that many
    placeholder ids (`gpu-0`, ...): the library counts GPUs.
    """
    doc: dict[str, Any] = {}
    lists: dict[str, list[dict[str, Any]]] = {key: [] for key in _RESOURCE_LISTS}
    for spec in INSTANCE_READ:
        value = getattr(instance, spec.name)
        head, _, rest = spec.ecs.partition(".")
        if head in lists:
            if spec.kind is Kind.PORTS:
                lists[head].append(_string_set(rest, (str(p) for p in sorted(value))))
            elif rest == "GPU":
                if value:
                    lists[head].append(_string_set(rest, (f"gpu-{i}" for i in range(value))))
            else:
                lists[head].append(_integer(rest, value))
        elif spec.kind is Kind.ATTRIBUTES:
            # `ecs.capacity-provider` is derived from `capacityProviderName` when read (§9):
            # ECS has no such attribute, so it is not written back.
            derived = getattr(instance, "capacity_provider", None)
            doc[spec.ecs] = [
                {"name": k} if v is None else {"name": k, "value": v}
                for k, v in value.items()
                if not (k == _PROVIDER_ATTRIBUTE and derived is not None and v == derived)
            ]
        elif value is not None:
            written = _iso(value) if spec.kind is Kind.TIMESTAMP else value
            target = doc
            *parents, last = spec.ecs.split(".")
            for step in parents:
                target = target.setdefault(step, {})
            target[last] = written
    doc.update(lists)
    return doc
