"""ECS JSON straight from bytes, text or a file: `Inventory.from_ecs_json`.

With `msgspec` installed (the `fast` extra), the JSON is decoded into typed records that hold
only the fields the loader reads (no dict per instance, no strings for the fields it skips),
and the fast readers of `ecs.py` check them. Anything unusual - a decode the types refuse, a
value the fast checks leave to the checked readers - and the whole input is read again the
plain way, `json.loads` and the checked readers, which give the answer or the exact error
`Inventory.from_ecs(json.loads(...))` gives. Errors are the slow path; well-formed input never
takes it. Without msgspec, every input takes the plain way.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

from .columns import attribute_columns
from .ecs import Unusual, fast_micros, fast_text, read_instances, read_tasks, transpose
from .errors import InventoryError
from .model import LONG_DIGITS, MAX_AMOUNT, MAX_TEXT, short_repr

__all__ = ["load_json", "HAVE_MSGSPEC"]

try:
    import msgspec
except ImportError:  # pragma: no cover - exercised by the tests' fallback run
    msgspec = None  # type: ignore[assignment, unused-ignore]

HAVE_MSGSPEC = msgspec is not None
"""Whether JSON is decoded with msgspec (else with `json.loads` and the checked readers)."""

_JSON_TEXT = re.compile(r"[ \t\n\r]*[\[{]")  # JSON's own whitespace, then an array or object
Records = list[tuple[Any, ...]]
Fields = list[Any]


def _source(value: Any, what: str) -> bytes | str:
    """The JSON in `value`: bytes, text, or the contents of the file it names."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        if _JSON_TEXT.match(value):
            return value
        path: Any = value
    elif isinstance(value, os.PathLike):
        path = value
    else:
        raise InventoryError(
            f"{what}: expected JSON bytes, JSON text or a path, got {type(value).__name__}"
        )
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        shown = short_repr(os.fspath(path))
        raise InventoryError(f"{what}: cannot read {shown}: {reason}") from None


def _parse(data: bytes | str, what: str) -> Any:
    """`json.loads(data)`, its failures as `InventoryError`."""
    try:
        return json.loads(data)
    except RecursionError:
        raise InventoryError(f"{what}: not valid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, integers past the digit limit
        raise InventoryError(f"{what}: not valid JSON: {str(exc)[:200]}") from None


def load_json(container_instances: Any, tasks: Any = None) -> tuple[Fields, Records]:
    """(instance fields, task records) for `Inventory._from_fields`, as `from_ecs` reads them.

    The fields are one sequence per `INSTANCE_READ` field; the attributes' is either one
    mapping per row or the finished columns (a dict).
    """
    instances_data = _source(container_instances, "container instances")
    tasks_data = b"[]" if tasks is None else _source(tasks, "tasks")
    if msgspec is not None:
        try:
            return _typed(instances_data, tasks_data)
        except (Unusual, msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            pass  # the plain way gives the answer or the exact error
    instances_doc = _parse(instances_data, "container instances")
    tasks_doc = _parse(tasks_data, "tasks")
    return transpose(read_instances(instances_doc)), read_tasks(tasks_doc)


# -- the typed decode (msgspec) ---------------------------------------------------------------
# Each record holds the fields `ecs.read_instance` / `ecs.read_task` read, typed as the usual
# documents have them; a document of another shape fails the decode and takes the plain way.

if msgspec is not None:
    # The ignores: mypy without msgspec installed sees `Struct` as Any.
    from msgspec import UNSET, Struct, UnsetType

    class _Resource(Struct, gc=False):  # type: ignore[misc, call-arg, unused-ignore]
        name: str
        type: str | None = None
        integerValue: int | None = None  # noqa: N815 - the JSON's names
        longValue: int | None = None  # noqa: N815
        stringSetValue: list[str] | None = None  # noqa: N815

    class _Attribute(Struct, gc=False):  # type: ignore[misc, call-arg, unused-ignore]
        name: str
        value: str | None = None

    class _VersionInfo(Struct, gc=False):  # type: ignore[misc, call-arg, unused-ignore]
        agentVersion: str | None = None  # noqa: N815

    class _Instance(Struct, gc=False):  # type: ignore[misc, call-arg, unused-ignore]
        containerInstanceArn: str | None = None  # noqa: N815
        ec2InstanceId: str | None = None  # noqa: N815
        status: str | None = None
        agentConnected: bool | None = None  # noqa: N815
        versionInfo: _VersionInfo | None = None  # noqa: N815
        registeredAt: int | float | str | None = None  # noqa: N815
        runningTasksCount: int | None = None  # noqa: N815
        attributes: list[_Attribute] | None = None
        remainingResources: list[_Resource] | None = None  # noqa: N815
        registeredResources: list[_Resource] | None = None  # noqa: N815

    class _InstancePage(_Instance, gc=False):  # type: ignore[misc, call-arg, unused-ignore]
        # Present (even null) makes the object a response page, as in `ecs._pages`.
        containerInstances: list[_Instance] | UnsetType | None = UNSET  # noqa: N815

    class _Binding(Struct, gc=False):  # type: ignore[misc, call-arg, unused-ignore]
        hostPort: int | None = None  # noqa: N815
        protocol: str | None = None

    class _Container(Struct, gc=False):  # type: ignore[misc, call-arg, unused-ignore]
        cpu: int | str | None = None
        memory: int | str | None = None
        memoryReservation: int | str | None = None  # noqa: N815
        gpuIds: list[str] | None = None  # noqa: N815
        networkBindings: list[_Binding] | None = None  # noqa: N815

    class _Task(Struct, gc=False):  # type: ignore[misc, call-arg, unused-ignore]
        taskArn: str | None = None  # noqa: N815
        containerInstanceArn: str | None = None  # noqa: N815
        group: str | None = None
        desiredStatus: str | None = None  # noqa: N815
        cpu: int | str | None = None
        memory: int | str | None = None
        startedAt: int | float | str | None = None  # noqa: N815
        containers: list[_Container] | None = None

    class _TaskPage(_Task, gc=False):  # type: ignore[misc, call-arg, unused-ignore]
        tasks: list[_Task] | UnsetType | None = UNSET

    _INSTANCES = msgspec.json.Decoder(_InstancePage | list[_InstancePage])
    _TASKS = msgspec.json.Decoder(_TaskPage | list[_TaskPage])


def _elements(top: Any, key: str) -> Iterator[Any]:
    """The elements of one page, a list of pages or a list of elements (as `ecs._pages`)."""
    for page in top if isinstance(top, list) else [top]:
        items = getattr(page, key)
        if items is UNSET:
            yield page  # an element itself
        elif items is not None:
            yield from items


def _typed(instances_data: bytes | str, tasks_data: bytes | str) -> tuple[Fields, Records]:
    instances = list(_elements(_INSTANCES.decode(instances_data), "containerInstances"))
    tasks = _TASKS.decode(tasks_data)
    # A decoded string is never longer than the JSON that held it: below MAX_TEXT in all,
    # no length needs checking.
    fields = _instance_fields(instances, long=len(instances_data) > MAX_TEXT)
    return fields, [row for row in map(_task, _elements(tasks, "tasks")) if row is not None]


def _amount(value: Any) -> int:
    if value is None:
        return 0
    if not 0 <= value <= MAX_AMOUNT:
        raise Unusual
    return int(value)


_PORTS = ("PORTS", "PORTS_UDP")
_NO_PORTS: frozenset[int] = frozenset()
# Where each resource the loader reads goes in `_instance_fields`' per-row slots.
_SLOT = {"CPU": 0, "MEMORY": 1, "GPU": 2, "PORTS": 3, "PORTS_UDP": 4}


def _ports(values: list[str]) -> frozenset[int]:
    """`ecs.fast_ports`, checked a list at a time."""
    if not values:
        return _NO_PORTS
    joined = "".join(values)
    if not joined.isascii() or not joined.isdigit() or not min(map(len, values)) > 0 \
            or max(map(len, values)) > 5:  # fmt: skip
        raise Unusual
    ports = frozenset(map(int, values))
    if max(ports) > 65535:
        raise Unusual
    return ports


def _resource_value(resource: Any) -> Any:
    """The value of an INTEGER, LONG or STRINGSET entry (an int, or a port set)."""
    name, kind = resource.name, resource.type
    if kind == "INTEGER" and name not in _PORTS:
        return resource.integerValue or 0
    if kind == "STRINGSET":
        values = resource.stringSetValue
        if values is None:
            raise Unusual
        return _ports(values) if name in _PORTS else len(values)
    if kind == "LONG" and name not in _PORTS:
        return resource.longValue or 0
    raise Unusual


def _resource_slots(elements: list[Any], key: str) -> list[list[Any]]:
    """Per slot of `_SLOT`, each row's value from the resource list `key` (None: absent)."""
    n = len(elements)
    slots: list[list[Any]] = [[None] * n for _ in _SLOT]
    for row, e in enumerate(elements):
        for resource in getattr(e, key) or ():
            value = _resource_value(resource)  # every entry is checked, read or not
            slot = _SLOT.get(resource.name)
            if slot is not None:
                slots[slot][row] = value  # a name listed twice: the last one, as in ecs.py
    return slots


def _amounts(values: list[Any]) -> list[int]:
    out = [0 if v is None else v for v in values]
    if out and (min(out) < 0 or max(out) > MAX_AMOUNT):
        raise Unusual
    return out


def _texts(values: list[Any], long: bool) -> None:
    if long and max(map(len, filter(None, values)), default=0) > MAX_TEXT:
        raise Unusual


def _instance_fields(elements: list[Any], *, long: bool) -> Fields:
    """Per field of `ecs.INSTANCE_READ`, the rows' values, as `ecs.read_instances` reads them.

    Attributes come as their finished columns (a dict name -> StringColumn).
    """
    arns = [e.containerInstanceArn for e in elements]
    if None in arns or "" in arns:
        raise Unusual
    ec2_ids = [e.ec2InstanceId for e in elements]
    statuses = ["ACTIVE" if (s := e.status) is None else s for e in elements]
    connected = [True if (c := e.agentConnected) is None else c for e in elements]
    versions = [None if (i := e.versionInfo) is None else i.agentVersion for e in elements]
    for texts in (arns, ec2_ids, statuses, versions):
        _texts(texts, long)
    for version in set(versions):  # a handful of distinct versions
        if version is not None and len(version) > 18 and LONG_DIGITS.search(version):
            raise Unusual
    counts = [e.runningTasksCount for e in elements]
    _amounts(counts)  # checks the range; None stays (the count is then derived)
    registered_at = [fast_micros(e.registeredAt) for e in elements]
    per_name: dict[str, tuple[list[int], list[str | None]]] = {}
    for row, e in enumerate(elements):
        for attribute in e.attributes or ():
            entry = per_name.get(attribute.name)
            if entry is None:
                entry = per_name[attribute.name] = ([], [])
            entry[0].append(row)
            entry[1].append(attribute.value)
    if "" in per_name:
        raise Unusual
    _texts(list(per_name), long)
    for _rows, values in per_name.values():
        _texts(values, long)
    free = _resource_slots(elements, "remainingResources")
    total = _resource_slots(elements, "registeredResources")
    # A resource reported in one list only is taken from the other (ecs.read_instance).
    either = [
        [a if a is not None else b for a, b in zip(mine, other, strict=True)]
        for mine, other in ((free[0], total[0]), (free[1], total[1]), (free[2], total[2]),
                            (free[3], total[3]), (free[4], total[4]), (total[0], free[0]),
                            (total[1], free[1]))
    ]  # fmt: skip
    return [
        arns, ec2_ids, statuses, connected, versions, registered_at,
        attribute_columns(per_name, len(elements)),
        _amounts(either[0]), _amounts(either[1]), _amounts(either[2]),
        [_NO_PORTS if p is None else p for p in either[3]],
        [_NO_PORTS if p is None else p for p in either[4]],
        _amounts(either[5]), _amounts(either[6]), counts,
    ]  # fmt: skip


def _amount_text(value: int | str) -> int:
    if type(value) is str:
        if not 0 < len(value) <= 20 or not value.isascii() or not value.isdigit():
            raise Unusual
        value = int(value)
    return _amount(value)


def _task(t: Any) -> tuple[Any, ...] | None:
    """What `ecs.fast_task` gives for the same element as a dict."""
    instance = t.containerInstanceArn
    if t.desiredStatus != "RUNNING" or instance is None:
        return None
    arn = t.taskArn
    if not arn or len(arn) > MAX_TEXT or not instance or len(instance) > MAX_TEXT:
        raise Unusual
    cpu = memory = gpus = 0
    tcp: set[int] = set()
    udp: set[int] = set()
    for container in t.containers or ():
        if container.cpu is not None:
            cpu += _amount_text(container.cpu)
        amount = container.memory if container.memory is not None else container.memoryReservation
        if amount is not None:
            memory += _amount_text(amount)
        if container.gpuIds is not None:
            gpus += len(container.gpuIds)
        for binding in container.networkBindings or ():
            port, protocol = binding.hostPort, binding.protocol
            if port is None:
                continue
            if not 0 <= port <= 65535 or protocol not in (None, "tcp", "udp"):
                raise Unusual
            (udp if protocol == "udp" else tcp).add(port)
    if cpu > MAX_AMOUNT or memory > MAX_AMOUNT:
        raise Unusual
    if t.cpu is not None:
        cpu = _amount_text(t.cpu)
    if t.memory is not None:
        memory = _amount_text(t.memory)
    group = "" if t.group is None else fast_text(t.group)
    started = fast_micros(t.startedAt)
    return arn, instance, group, cpu, memory, gpus, frozenset(tcp), frozenset(udp), started
