"""The ECS wire format, in and out: DescribeContainerInstances and DescribeTasks elements.

Reading and writing follow the field declarations in `model.py`: each field's `ecs` path says
where it lives in the JSON, its kind how it is checked. Every reader validates as it goes and
raises `InventoryError` naming the instance (or task) and the JSON field at fault; JSON `null`
means absent. Nothing is kept from a document that fails. Task definitions are read in
`place/task.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import InventoryError
from ..instance import Instance, Task
from ..model import (
    INSTANCE_FIELDS,
    LONG_DIGITS,
    MAX_AMOUNT,
    MAX_TEXT,
    TASK_FIELDS,
    TIMESTAMP_RANGE,
    FieldSpec,
    Kind,
    check,
    field_error,
    short_repr,
    spec_named,
    timestamp_of,
)
from ..syntax.literals import Timestamp

__all__ = [
    "read_instance", "read_task", "iter_container_instances", "iter_tasks",
    "instance_from_ecs", "instance_to_ecs", "task_to_ecs", "INSTANCE_READ",
    "read_instances", "read_tasks", "fast_instance", "fast_task", "Unusual",
    "fast_text", "fast_micros", "fast_ports", "transpose",
    "read_event",
    "read_event_header", "read_event_detail", "TASK_EVENT", "INSTANCE_EVENT", "REMOVED_STATUSES",
]  # fmt: skip

_RESOURCE_LISTS = ("remainingResources", "registeredResources")
# The fields read from an instance document (task groups come from the tasks).
INSTANCE_READ: tuple[FieldSpec, ...] = tuple(
    spec for spec in INSTANCE_FIELDS if spec.kind is not Kind.GROUPS
)
_MAX_PORT_DIGITS = 5
_TASK_AMOUNT = spec_named(TASK_FIELDS, "cpu")


def _where(what: str, index: int, doc: Any, key: str) -> str:
    arn = doc.get(key) if isinstance(doc, Mapping) else None
    shown = f" ({arn})" if isinstance(arn, str) and len(arn) <= 2048 else ""
    return f"{what} #{index}{shown}"


def _decimal(text: str) -> bool:
    """ASCII decimal digits only: "²".isdigit() is true, and int() refuses it."""
    return text.isascii() and text.isdigit()


def _number(value: Any, where: str, field: str) -> int | float:
    """A JSON number (int or float, not bool), or a decimal string of one, as sent on the wire."""
    if isinstance(value, str) and 0 < len(value) <= 20 and _decimal(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise field_error(where, field, f"expected a number, got {short_repr(value)}")
    return value


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


def _pages(documents: Any, key: str, what: str) -> Iterator[Any]:
    """Items of one response, a list of response pages, or a plain list of items."""
    if isinstance(documents, Mapping):
        documents = [documents]
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Iterable):
        raise InventoryError(
            f"{what}: expected a response object or a list, got {type(documents).__name__}"
        )
    for page_number, page in enumerate(documents):
        if isinstance(page, Mapping) and key in page:
            items = page[key]
            if items is None:
                continue
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


def _amount_text(value: Any, where: str, field: str) -> int:
    """A task's `cpu`/`memory`: a number or a decimal string of one (DescribeTasks sends text)."""
    number = _number(value, where, field)
    return int(check(_TASK_AMOUNT, number, where, field))


def _container_sums(containers: list[Any], where: str) -> tuple[int, int, int, set[int], set[int]]:
    cpu = memory = gpus = 0
    tcp: set[int] = set()
    udp: set[int] = set()
    for position, container in enumerate(containers):
        here = f"containers[{position}]"
        if not isinstance(container, Mapping):
            raise field_error(where, here, "expected an object")
        if container.get("cpu") is not None:
            cpu += _amount_text(container["cpu"], where, f"{here}.cpu")
        amount = container.get("memory")
        if amount is None:
            amount = container.get("memoryReservation")
        if amount is not None:
            memory += _amount_text(amount, where, f"{here}.memory")
        ids = container.get("gpuIds")
        if ids is not None:
            if not isinstance(ids, list):
                raise field_error(where, f"{here}.gpuIds", "expected a list")
            gpus += len(ids)
        bindings = container.get("networkBindings")
        if bindings is None:
            continue
        if not isinstance(bindings, list):
            raise field_error(where, f"{here}.networkBindings", "expected a list")
        for k, binding in enumerate(bindings):
            field = f"{here}.networkBindings[{k}]"
            if not isinstance(binding, Mapping):
                raise field_error(where, field, "expected an object")
            port, protocol = binding.get("hostPort"), binding.get("protocol")
            if port is None:
                continue
            if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
                raise field_error(where, f"{field}.hostPort", f"not a port: {short_repr(port)}")
            if protocol not in (None, "tcp", "udp"):
                raise field_error(
                    where, f"{field}.protocol", f"tcp or udp, not {short_repr(protocol)}"
                )
            (udp if protocol == "udp" else tcp).add(port)
    if max(cpu, memory) > MAX_AMOUNT:
        raise field_error(where, "containers", "the containers' amounts add up past 2**53")
    return cpu, memory, gpus, tcp, udp


def read_task(doc: Any, index: int = 0) -> list[Any] | None:
    """Read and check one DescribeTasks element: the values of `TASK_FIELDS` in order.

    None for a task that is not a RUNNING task on a container instance: only tasks whose
    desiredStatus is RUNNING count (SEMANTICS.md §2), and tasks without a container instance
    (Fargate) hold nothing on one. A task without a group counts under the empty group name.
    """
    where = _where("task", index, doc, "taskArn")
    if not isinstance(doc, Mapping):
        raise InventoryError(f"{where}: expected an object, got {type(doc).__name__}")
    desired = doc.get("desiredStatus")
    if desired is not None and not isinstance(desired, str):
        raise field_error(where, "desiredStatus", "expected a string")
    if desired != "RUNNING" or doc.get("containerInstanceArn") is None:
        return None
    containers = doc.get("containers")
    if containers is None:
        containers = []
    if not isinstance(containers, list):
        raise field_error(where, "containers", "expected a list")
    cpu, memory, gpus, tcp, udp = _container_sums(containers, where)
    # Task-level amounts win over the containers' sum, as in task definitions.
    if doc.get("cpu") is not None:
        cpu = _amount_text(doc["cpu"], where, "cpu")
    if doc.get("memory") is not None:
        memory = _amount_text(doc["memory"], where, "memory")
    raw = {
        "arn": doc.get("taskArn"),
        "instance": doc.get("containerInstanceArn"),
        "group": doc.get("group"),
        "cpu": cpu,
        "memory": memory,
        "gpus": gpus,
        "ports": tcp,
        "udp_ports": udp,
        "started_at": doc.get("startedAt"),
    }
    return [check(spec, raw[spec.name], where, spec.ecs) for spec in TASK_FIELDS]


# -- the fast paths ---------------------------------------------------------------------------
# The readers above check every field through `check` and name what is wrong. Most documents
# are well formed, so `fast_instance` and `fast_task` read the usual shapes with exact type
# tests (no ABC isinstance, no dispatch per field) and raise `Unusual` at the first thing they
# do not recognise: anything the checked readers refuse, and rare but valid forms (decimal-text
# amounts, DOUBLE resources, datetimes). The checked reader then reads that element again and
# gives its answer or its error. So a fast path must accept nothing the checked reader refuses
# and give the same values (tests/test_loader_fuzz.py compares them on mutated documents).
# Timestamps come out as microseconds, not `Timestamp`s (`build_column` takes both).


class Unusual(Exception):  # noqa: N818 - not an error: a signal to take the checked path
    """A fast path met something it leaves to the checked reader."""


_PORT_NAMES = frozenset({"PORTS", "PORTS_UDP"})
_NUMERIC_KEYS = {"INTEGER": "integerValue", "LONG": "longValue"}
_MIN_MICROS, _MAX_MICROS = TIMESTAMP_RANGE


def fast_text(value: Any) -> str | None:
    """An optional string of at most MAX_TEXT characters, as it is."""
    if value is not None and (type(value) is not str or len(value) > MAX_TEXT):
        raise Unusual
    return value


def fast_micros(value: Any) -> int | None:
    """A timestamp given as epoch seconds or ISO 8601 text, in microseconds; None if absent."""
    if value is None:
        return None
    if type(value) is int or type(value) is float:
        if not -1e15 <= value <= 1e15:  # NaN fails this too
            raise Unusual
        micros = round(value * 1_000_000)
    elif type(value) is str:
        try:
            stamp = timestamp_of(value, "", "")
        except InventoryError:
            raise Unusual from None
        assert stamp is not None  # text is never absent
        micros = stamp.micros
    else:
        raise Unusual
    if not _MIN_MICROS <= micros <= _MAX_MICROS:
        raise Unusual
    return micros


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
    )


def _fast_amount_text(value: Any) -> int:
    if type(value) is str and 0 < len(value) <= 20 and _decimal(value):
        value = int(value)
    if type(value) is not int or not 0 <= value <= MAX_AMOUNT:
        raise Unusual
    return value


def _fast_containers(containers: Any) -> tuple[int, int, int, frozenset[int], frozenset[int]]:
    if containers is None:
        return 0, 0, 0, frozenset(), frozenset()
    if type(containers) is not list:
        raise Unusual
    cpu = memory = gpus = 0
    tcp: set[int] = set()
    udp: set[int] = set()
    for container in containers:
        if type(container) is not dict:
            raise Unusual
        get = container.get
        if get("cpu") is not None:
            cpu += _fast_amount_text(get("cpu"))
        amount = get("memory")
        if amount is None:
            amount = get("memoryReservation")
        if amount is not None:
            memory += _fast_amount_text(amount)
        ids = get("gpuIds")
        if ids is not None:
            if type(ids) is not list:
                raise Unusual
            gpus += len(ids)
        bindings = get("networkBindings")
        if bindings is None:
            continue
        if type(bindings) is not list:
            raise Unusual
        for binding in bindings:
            if type(binding) is not dict:
                raise Unusual
            port, protocol = binding.get("hostPort"), binding.get("protocol")
            if port is None:
                continue
            if type(port) is not int or not 0 <= port <= 65535:
                raise Unusual
            if protocol == "udp":
                udp.add(port)
            elif protocol is None or protocol == "tcp":
                tcp.add(port)
            else:
                raise Unusual
    if cpu > MAX_AMOUNT or memory > MAX_AMOUNT:
        raise Unusual
    return cpu, memory, gpus, frozenset(tcp), frozenset(udp)


def fast_task(doc: Any) -> tuple[Any, ...] | None:
    """What `read_task` gives for a usual element (`startedAt` in microseconds), or None.

    Raises `Unusual` where it leaves the element to `read_task`.
    """
    if type(doc) is not dict:
        raise Unusual
    get = doc.get
    desired = get("desiredStatus")
    if desired is not None and type(desired) is not str:
        raise Unusual
    instance = get("containerInstanceArn")
    if desired != "RUNNING" or instance is None:
        return None
    arn = get("taskArn")
    if type(arn) is not str or not arn or len(arn) > MAX_TEXT:
        raise Unusual
    if type(instance) is not str or not instance or len(instance) > MAX_TEXT:
        raise Unusual
    cpu, memory, gpus, tcp, udp = _fast_containers(get("containers"))
    # Task-level amounts win over the containers' sum (see read_task).
    if get("cpu") is not None:
        cpu = _fast_amount_text(get("cpu"))
    if get("memory") is not None:
        memory = _fast_amount_text(get("memory"))
    group = get("group")
    group = "" if group is None else fast_text(group)
    return arn, instance, group, cpu, memory, gpus, tcp, udp, fast_micros(get("startedAt"))


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


def read_tasks(documents: Any) -> list[tuple[Any, ...]]:
    """The RUNNING tasks of `documents` (as `iter_tasks` takes them).

    Each is read and checked: the values of `TASK_FIELDS`, `startedAt` as microseconds or a
    `Timestamp`. Tasks `read_task` skips are left out; raises `InventoryError` at the first
    bad element.
    """
    out = []
    for index, doc in enumerate(iter_tasks(documents)):
        try:
            row = fast_task(doc)
        except Unusual:
            checked = read_task(doc, index)
            row = None if checked is None else tuple(checked)
        if row is not None:
            out.append(row)
    return out


def instance_from_ecs(container_instance: Any, tasks: Any = ()) -> Instance:
    """One `Instance` from a DescribeContainerInstances element and the tasks on it."""
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
    return Instance(**fields, task_groups=groups)


def _integer(name: str, value: int) -> dict[str, Any]:
    return {"name": name, "type": "INTEGER", "integerValue": value}


def _string_set(name: str, values: Iterable[str]) -> dict[str, Any]:
    return {"name": name, "type": "STRINGSET", "stringSetValue": list(values)}


def _iso(stamp: Timestamp) -> str:
    # ISO 8601 with microseconds is exact; epoch seconds in a float are not for every year.
    return stamp.to_datetime().isoformat()


def instance_to_ecs(instance: Instance) -> dict[str, Any]:
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
            doc[spec.ecs] = [
                {"name": k} if v is None else {"name": k, "value": v} for k, v in value.items()
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


def task_to_ecs(task: Task) -> dict[str, Any]:
    """A DescribeTasks element for a RUNNING `task` (read back by `read_task`)."""
    bindings = [{"hostPort": p, "containerPort": p, "protocol": "tcp"} for p in sorted(task.ports)]
    bindings += [
        {"hostPort": p, "containerPort": p, "protocol": "udp"} for p in sorted(task.udp_ports)
    ]
    container: dict[str, Any] = {"name": "task", "networkBindings": bindings}
    if task.gpus:
        container["gpuIds"] = [f"gpu-{i}" for i in range(task.gpus)]
    doc: dict[str, Any] = {
        "taskArn": task.arn,
        "containerInstanceArn": task.instance,
        "group": task.group,
        "desiredStatus": "RUNNING",
        "lastStatus": "RUNNING",
        "cpu": str(task.cpu),
        "memory": str(task.memory),
        "containers": [container],
    }
    if task.started_at is not None:
        doc["startedAt"] = _iso(task.started_at)
    return doc


# -- EventBridge events ---------------------------------------------------------------------------

TASK_EVENT = "ECS Task State Change"
INSTANCE_EVENT = "ECS Container Instance State Change"
REMOVED_STATUSES = frozenset({"INACTIVE", "DEREGISTERING", "REGISTRATION_FAILED"})
"""Container instance statuses that take the instance out of the state (deregistration)."""
_MAX_EVENT_TEXT = 1 << 24  # 16 MiB: EventBridge's own limit is 256 KiB


def _event_name(event: Any, index: int) -> str:
    name = event.get("id") if type(event) is dict or isinstance(event, Mapping) else None
    shown = f" ({name})" if isinstance(name, str) and len(name) <= 200 else ""
    return f"event #{index}{shown}"


def _event_object(event: Any, index: int) -> Mapping[str, Any]:
    """The event as a mapping: a dict as given, or JSON text parsed."""
    if type(event) is dict:  # the common case, without the slower ABC checks below
        return event
    if isinstance(event, (bytes, bytearray)):
        try:
            event = bytes(event).decode("utf-8")
        except UnicodeDecodeError:
            raise InventoryError(f"event #{index}: not UTF-8 JSON text") from None
    if isinstance(event, str):
        import json

        if len(event) > _MAX_EVENT_TEXT:
            raise InventoryError(f"event #{index}: longer than {_MAX_EVENT_TEXT} characters")
        try:
            event = json.loads(event)
        except (ValueError, RecursionError) as exc:
            raise InventoryError(f"event #{index}: not JSON: {short_repr(str(exc))}") from None
    if not isinstance(event, Mapping):
        raise InventoryError(f"event #{index}: expected an object, got {type(event).__name__}")
    return event


def _event_version(detail: Mapping[str, Any], where: str) -> int:
    version = detail.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < 2**63:
        raise field_error(where, "detail.version", f"expected a whole number, got "
                                                  f"{short_repr(version)}")  # fmt: skip
    return version


def read_event_header(event: Any, index: int = 0) -> tuple[Mapping[str, Any], str, str, int]:
    """The checked (event object, kind, ARN, version) of one EventBridge ECS event.

    `kind` is "task" or "instance". Enough to tell an old or duplicate event without reading
    the rest of its detail (`read_event_detail`).
    """
    doc = _event_object(event, index)
    where = _event_name(doc, index)
    kind = doc.get("detail-type")
    detail = doc.get("detail")
    if kind not in (TASK_EVENT, INSTANCE_EVENT):
        raise field_error(where, "detail-type", f"expected {TASK_EVENT!r} or {INSTANCE_EVENT!r}, "
                                                f"got {short_repr(kind)}")  # fmt: skip
    if type(detail) is not dict and not isinstance(detail, Mapping):
        raise field_error(where, "detail", f"expected an object, got {short_repr(detail)}")
    version = _event_version(detail, where)
    if kind == TASK_EVENT:
        arn = check(TASK_FIELDS[0], detail.get("taskArn"), where, "detail.taskArn")
        return doc, "task", arn, version
    arn = check(INSTANCE_FIELDS[0], detail.get("containerInstanceArn"), where,
                "detail.containerInstanceArn")  # fmt: skip
    return doc, "instance", arn, version


def read_event_detail(doc: Mapping[str, Any], kind: str, index: int = 0) -> list[Any] | None:
    """The detail of an event `read_event_header` accepted, checked.

    A task event gives the values of `TASK_FIELDS` (None: not a RUNNING task on a container
    instance, so absent); an instance event the values of `INSTANCE_READ` (None: deregistered
    or INACTIVE, so absent).
    """
    detail = doc["detail"]
    try:
        if kind == "task":
            return read_task(detail, index)
        record = read_instance(detail, index)
    except InventoryError as exc:
        raise InventoryError(f"{_event_name(doc, index)}: detail: {exc}") from None
    return None if detail.get("status") in REMOVED_STATUSES else record


def read_event(event: Any, index: int = 0) -> tuple[Any, ...]:
    """Read and check one EventBridge ECS event (a dict or its JSON text).

    Returns `("task", task ARN, version, TASK_FIELDS values or None)` (None: the task is not a
    RUNNING task on a container instance, so it is absent) or `("instance", instance ARN,
    version, INSTANCE_READ values or None)` (None: the instance is deregistered or INACTIVE).
    Anything malformed raises `InventoryError` naming the event and the field.
    """
    doc, kind, arn, version = read_event_header(event, index)
    return (kind, arn, version, read_event_detail(doc, kind, index))
