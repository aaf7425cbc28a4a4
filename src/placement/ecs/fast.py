"""ECS JSON straight from bytes, text or a file: `Inventory.from_ecs_json`.

The JSON is decoded by msgspec (a core dependency) into typed records that hold only the
fields the loader reads (no dict per instance, no strings for the fields it skips), and they
are checked a column at a time (timestamps too: `timestamps.micros_column`). Anything
unusual - a decode the types refuse, a value the fast checks leave to the checked readers -
and the whole input is read again the plain way, `json.loads` and the checked readers, which
give the answer or the exact error `Inventory.from_ecs(json.loads(...))` gives. Errors are
the slow path; well-formed input never takes it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
from collections.abc import Iterator
from itertools import chain
from operator import attrgetter
from typing import Any, Literal

import msgspec
import numpy as np
import numpy.typing as npt
from msgspec import UNSET, Raw, Struct, UnsetType

from ..columns import Built, SparseSets, StringColumn, attribute_columns, frozen
from ..documents import parse_json
from ..errors import InventoryError
from ..model import LONG_DIGITS, MAX_AMOUNT, MAX_TEXT, short_repr
from .common import Unusual, fast_text
from .instances import read_instances, transpose
from .tasks import read_tasks
from .timestamps import micros_column

__all__ = ["load_json", "HAVE_MSGSPEC", "paused_gc"]

HAVE_MSGSPEC = True
"""Always true: msgspec is a core dependency (kept for code that tested for the former extra)."""

_JSON_TEXT = re.compile(r"[ \t\n\r]*[\[{]")  # JSON's own whitespace, then an array or object
Records = list[tuple[Any, ...]]
Fields = list[Any]
_ARN, _EC2_ID = attrgetter("containerInstanceArn"), attrgetter("ec2InstanceId")
_STATUS, _CONNECTED = attrgetter("status"), attrgetter("agentConnected")
_VERSION_INFO, _AGENT_VERSION = attrgetter("versionInfo"), attrgetter("agentVersion")
_COUNT, _REGISTERED_AT = attrgetter("runningTasksCount"), attrgetter("registeredAt")
_ATTRIBUTES = attrgetter("attributes")
_PROVIDER = attrgetter("capacityProviderName")
_REMAINING, _REGISTERED = attrgetter("remainingResources"), attrgetter("registeredResources")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (as it was before, after it).

    A load allocates a container per list of the JSON and frees none until the end, so the
    collector would run hundreds of times over a heap that only grows (the most of what
    `json.loads` of a large document costs), finding nothing: decoding makes no cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


def load_json(container_instances: Any, tasks: Any = None) -> tuple[Fields, Records]:
    """(instance fields, task records) for `Inventory._from_fields`, as `from_ecs` reads them.

    The fields are one sequence per `INSTANCE_READ` field; the attributes' is either one
    mapping per row or the finished columns (a dict).
    """
    instances_data = _source(container_instances, "container instances")
    tasks_data = b"[]" if tasks is None else _source(tasks, "tasks")
    try:
        return _typed(instances_data, tasks_data)
    except (
        Unusual,
        msgspec.DecodeError,
        msgspec.ValidationError,
        RecursionError,
        OverflowError,
    ):  # OverflowError: an integer past int64 in a column
        pass  # the plain way gives the answer or the exact error
    instances_doc = parse_json(instances_data, "container instances")
    tasks_doc = parse_json(tasks_data, "tasks")
    return transpose(read_instances(instances_doc)), read_tasks(tasks_doc)


# -- the typed decode (msgspec) ---------------------------------------------------------------
# Each record holds the fields `ecs.read_instance` / `ecs.read_task` read, typed as the usual
# documents have them; a document of another shape fails the decode and takes the plain way.


class _Resource(Struct, gc=False):
    name: str
    # Other types (DOUBLE), absent or null: the plain way, as `ecs.fast_instance` leaves them.
    # A Literal decodes to one shared string (no string per entry).
    type: Literal["INTEGER", "LONG", "STRINGSET"]
    integerValue: int | None = None  # noqa: N815 - the JSON's names
    longValue: int | None = None  # noqa: N815
    stringSetValue: list[str] | None = None  # noqa: N815


class _Attribute(Struct, gc=False):
    name: str
    value: str | None = None


class _VersionInfo(Struct, gc=False):
    agentVersion: str | None = None  # noqa: N815


_NULL = Raw(b"null")


class _Instance(Struct, gc=False):
    containerInstanceArn: str = ""  # noqa: N815 - "": absent, left to the plain way
    taskArn: str | None = None  # noqa: N815 - set: a task, not an instance (`ecs.shapes`)
    ec2InstanceId: str | None = None  # noqa: N815
    status: str | None = None
    agentConnected: bool | None = None  # noqa: N815
    versionInfo: _VersionInfo | None = None  # noqa: N815
    registeredAt: int | float | str | None = None  # noqa: N815
    runningTasksCount: int | None = None  # noqa: N815
    # The lists as their JSON bytes: a fleet repeats them (one instance type, one AMI), so each
    # distinct one is decoded and read once (`_Distinct`). Absent is null.
    attributes: Raw = _NULL
    remainingResources: Raw = _NULL  # noqa: N815
    registeredResources: Raw = _NULL  # noqa: N815
    capacityProviderName: str | None = None  # noqa: N815


class _InstancePage(_Instance, gc=False):
    # Present (even null) makes the object a response page, as in `ecs._pages`.
    containerInstances: list[_Instance] | UnsetType | None = UNSET  # noqa: N815


class _Binding(Struct, gc=False):
    hostPort: int | None = None  # noqa: N815
    protocol: str | None = None


class _Container(Struct, gc=False):
    cpu: int | str | None = None
    memory: int | str | None = None
    memoryReservation: int | str | None = None  # noqa: N815
    gpuIds: list[str] | None = None  # noqa: N815
    networkBindings: list[_Binding] | None = None  # noqa: N815


class _Task(Struct, gc=False):
    taskArn: str | None = None  # noqa: N815
    containerInstanceArn: str | None = None  # noqa: N815
    group: str | None = None
    desiredStatus: str | None = None  # noqa: N815
    cpu: int | str | None = None
    memory: int | str | None = None
    startedAt: int | float | str | None = None  # noqa: N815
    # Typed: a container record holds five fields, so decoding one costs about what skipping
    # it (or keeping it as Raw) costs, and no second decode per task is needed.
    containers: list[_Container] | None = None


class _TaskPage(_Task, gc=False):
    tasks: list[_Task] | UnsetType | None = UNSET


_INSTANCES = msgspec.json.Decoder(_InstancePage | list[_InstancePage])
_ATTRIBUTE_LIST = msgspec.json.Decoder(list[_Attribute] | None)
_RESOURCE_LIST = msgspec.json.Decoder(list[_Resource] | None)
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
    # Documents of another kind (`ecs.shapes`, which the plain way asks): instances that are
    # tasks, or a first "task" that is neither a page nor a task (a DescribeContainerInstances
    # response would read as a task that is not RUNNING, silently).
    first = tasks[0] if isinstance(tasks, list) and tasks else tasks
    if (instances and instances[0].taskArn is not None) or (
        isinstance(first, _TaskPage) and first.tasks is UNSET and first.taskArn is None
    ):
        raise Unusual
    # A decoded string is never longer than the JSON that held it: below MAX_TEXT in all,
    # no length needs checking.
    fields = _instance_fields(instances, long=len(instances_data) > MAX_TEXT)
    rows = [row for row in map(_task, _elements(tasks, "tasks")) if row is not None]
    # `startedAt` a column at a time: as text (the AWS CLI's), one at a time costs microseconds.
    micros, present = micros_column([row[-1] for row in rows])
    started = [m if p else None for m, p in zip(micros.tolist(), present.tolist(), strict=True)]
    return fields, [(*row[:-1], m) for row, m in zip(rows, started, strict=True)]


# -- the instances, a field (not an instance) at a time ------------------------------------------
# The decode has checked the types; what is left is done over whole columns: attribute reads
# with `map` (C loops), range checks with numpy. Anything the fast readers leave to the checked
# ones - a duplicate name, a null where a list is usual, a number out of range - is `Unusual`.

_AMOUNT_SLOTS = ("CPU", "MEMORY", "GPU")
_PORT_SLOTS = ("PORTS", "PORTS_UDP")
_SLOT = {name: k for k, name in enumerate(_AMOUNT_SLOTS + _PORT_SLOTS)}
_PORTS_FROM = len(_AMOUNT_SLOTS)
_NOT_GIVEN = -(2**63)  # an amount no list gave (a given one below 0 is refused anyway)


def _flat(lists: list[Any]) -> tuple[list[Any], npt.NDArray[np.intp]]:
    """The items of per-row lists (None: none) in order, and the row of each."""
    if None in lists:
        lists = [() if x is None else x for x in lists]
    lengths = np.fromiter(map(len, lists), dtype=np.intp, count=len(lists))
    return list(chain.from_iterable(lists)), np.repeat(np.arange(len(lists)), lengths)


def _ints(values: list[Any]) -> npt.NDArray[np.int64]:
    """Decoded integers as an array, null as 0 (OverflowError past int64: the plain way)."""
    if None in values:
        values = [0 if v is None else v for v in values]
    return np.fromiter(values, dtype=np.int64, count=len(values))


class _Distinct:
    """The rows' raw JSON lists, each distinct one decoded once: `lists[codes[row]]` is row's."""

    def __init__(self, raws: list[Raw], decoder: msgspec.json.Decoder[Any]) -> None:
        # A Raw is not hashable, and copying each to bytes to hash it costs as much as the
        # decode: a row whose list equals the previous row's (a memcmp) takes its code without.
        code: dict[bytes, int] = {}
        codes: list[int] = []
        add = codes.append
        previous: Raw | None = None
        previous_code = -1
        for raw in raws:
            if raw != previous:
                previous, previous_code = raw, code.setdefault(bytes(raw), len(code))
            add(previous_code)
        self.codes = np.array(codes, dtype=np.intp)
        self.lists: list[Any] = list(map(decoder.decode, code))  # distinct, first-seen order

    def expand(
        self, rows: npt.NDArray[Any], items: npt.NDArray[Any]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]]:
        """Per-list (row, item) pairs, ordered by list, as per-row pairs ordered by row."""
        d = len(self.lists)
        indptr = np.zeros(d + 1, dtype=np.intp)
        np.cumsum(np.bincount(rows, minlength=d), out=indptr[1:])
        lengths = np.diff(indptr)[self.codes]
        total = int(lengths.sum())
        out_rows = np.repeat(np.arange(len(self.codes)), lengths)
        # Each row's items: its list's slice, found as start + position within the row.
        ends = np.cumsum(lengths)
        within = np.arange(total) - np.repeat(ends - lengths, lengths)
        return out_rows, items[np.repeat(indptr[:-1][self.codes], lengths) + within]


class _Resources:
    """One resource list of every row, read in one pass: per read name, each row's value."""

    def __init__(self, distinct: _Distinct) -> None:
        lists, n = distinct.lists, len(distinct.lists)  # read per distinct list, then per row
        amounts: list[list[Any]] = [[_NOT_GIVEN] * n for _ in _AMOUNT_SLOTS]
        ports: list[list[Any]] = [[None] * n for _ in _PORT_SLOTS]
        slot_of = _SLOT.get
        for row, resources in enumerate(lists):
            for resource in resources or ():  # every entry is checked, read or not
                slot = slot_of(resource.name)
                kind = resource.type  # INTEGER, LONG or STRINGSET (the decode checks it)
                if kind == "STRINGSET":
                    values = resource.stringSetValue
                    if values is None:
                        raise Unusual
                    if slot is None:
                        continue
                    if slot >= _PORTS_FROM:
                        ports[slot - _PORTS_FROM][row] = values
                    else:
                        amounts[slot][row] = len(values)  # GPUs: one id each
                elif slot is None:
                    continue
                elif slot >= _PORTS_FROM:
                    raise Unusual  # ports that are not a string set
                else:
                    # A name listed twice: the last one, as in ecs.py.
                    value = resource.integerValue if kind == "INTEGER" else resource.longValue
                    amounts[slot][row] = 0 if value is None else value
        # OverflowError past int64: the plain way.
        codes = distinct.codes
        self.amounts = [np.fromiter(a, dtype=np.int64, count=n)[codes] for a in amounts]
        self.ports = []
        for per_list in ports:
            given, rows, items = _port_entries(per_list)
            self.ports.append((given[codes], *distinct.expand(rows, items)))


def _either(mine: _Resources, other: _Resources, slot: int) -> npt.NDArray[np.int64]:
    """An amount as `ecs.read_instance` takes it: from `mine`, else from `other`, else 0."""
    a, b = mine.amounts[slot], other.amounts[slot]
    values = np.where(a != _NOT_GIVEN, a, b)
    values[values == _NOT_GIVEN] = 0
    if len(values) and (values.min() < 0 or values.max() > MAX_AMOUNT):
        raise Unusual
    return frozen(values)


def _port_entries(lists: list[Any]) -> tuple[Any, Any, Any]:
    """(given, rows, ports): which rows have a list, and the row and port of each entry.

    Every list is checked as `ecs.fast_ports` checks it, read or not.
    """
    given = np.fromiter((x is not None for x in lists), dtype=bool, count=len(lists))
    texts, rows = _flat(lists)
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    joined = "".join(texts)
    if texts and (not joined.isascii() or not joined.isdigit() or lengths.min() == 0
                  or lengths.max() > 5):  # fmt: skip
        raise Unusual
    ports = np.fromiter(map(int, texts), dtype=np.int64, count=len(texts))
    if texts and ports.max() > 65535:
        raise Unusual
    return given, rows, ports


def _port_sets(first: _Resources, second: _Resources, slot: int, n: int) -> SparseSets:
    """The port sets of `slot`'s rows: `first`'s entry where given, else `second`'s."""
    given, rows, ports = first.ports[slot - _PORTS_FROM]
    _, other_rows, other_ports = second.ports[slot - _PORTS_FROM]
    theirs = ~given[other_rows]
    if not theirs.any():
        # The usual: every row's list from `first`, in row order. Ports listed in ascending
        # order (as ECS writes them) need no sort: the sets are the pairs as they are.
        key = rows.astype(np.int64) * 65536 + ports
        if len(key) < 2 or (key[1:] > key[:-1]).all():
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
            return SparseSets(indptr, ports.astype(np.int32), rows.astype(np.int64))
    all_rows = np.concatenate([rows, other_rows[theirs]]).astype(np.int64)
    return SparseSets.from_pairs(all_rows, np.concatenate([ports, other_ports[theirs]]), n)


def _attributes(distinct: _Distinct, long: bool) -> dict[str, StringColumn]:
    """The attribute columns (as `columns.attribute_columns` makes them).

    Made for the distinct lists, then each row takes its list's codes: the dictionaries are in
    first-seen order either way, as the distinct lists are.
    """
    per_name: dict[str, tuple[list[int], list[str | None]]] = {}
    for row, attributes in enumerate(distinct.lists):
        for attribute in attributes or ():
            entry = per_name.get(attribute.name)
            if entry is None:
                entry = per_name[attribute.name] = ([], [])
            entry[0].append(row)
            entry[1].append(attribute.value)
    if "" in per_name:
        raise Unusual
    if long:
        _texts(list(per_name), long)
        for _rows, values in per_name.values():
            _texts(values, long)
    for rows, _values in per_name.values():
        if len(set(rows)) != len(rows):
            raise Unusual  # a name twice in one list: the checked readers say which counts
    columns = attribute_columns(per_name, len(distinct.lists))
    return {name: StringColumn(c.codes[distinct.codes], c.values) for name, c in columns.items()}


def _texts(values: list[Any], long: bool) -> None:
    if long and max(map(len, filter(None, values)), default=0) > MAX_TEXT:
        raise Unusual


def _instance_fields(elements: list[Any], *, long: bool) -> Fields:
    """Per field of `ecs.INSTANCE_READ`, the rows' values, as `ecs.read_instances` reads them.

    Fields read a column at a time come as `Built` columns.
    """
    n = len(elements)
    arns = list(map(_ARN, elements))
    if "" in arns:
        raise Unusual
    ec2_ids = list(map(_EC2_ID, elements))
    statuses = list(map(_STATUS, elements))
    if None in statuses:
        statuses = ["ACTIVE" if s is None else s for s in statuses]
    connected = list(map(_CONNECTED, elements))
    if None in connected:
        connected = [True if c is None else c for c in connected]
    infos = list(map(_VERSION_INFO, elements))
    if None in infos:
        versions = [None if i is None else i.agentVersion for i in infos]
    else:
        versions = list(map(_AGENT_VERSION, infos))
    providers = list(map(_PROVIDER, elements))
    for texts in (arns, ec2_ids, statuses, versions, providers):
        _texts(texts, long)
    for version in set(versions):  # a handful of distinct versions
        if version is not None and len(version) > 18 and LONG_DIGITS.search(version):
            raise Unusual
    counts: Any = list(map(_COUNT, elements))
    if None not in counts:
        counts = Built(_range_checked(_ints(counts)))  # else derived from the tasks
    else:
        given = [c for c in counts if c is not None]
        if given and (min(given) < 0 or max(given) > MAX_AMOUNT):
            raise Unusual
    free = _Resources(_Distinct(list(map(_REMAINING, elements)), _RESOURCE_LIST))
    total = _Resources(_Distinct(list(map(_REGISTERED, elements)), _RESOURCE_LIST))
    attributes = _attributes(_Distinct(list(map(_ATTRIBUTES, elements)), _ATTRIBUTE_LIST), long)
    return [
        arns, ec2_ids, statuses, connected, versions,
        Built(micros_column(list(map(_REGISTERED_AT, elements)))),
        Built(attributes),
        Built(frozen(_either(free, total, 0))), Built(frozen(_either(free, total, 1))),
        Built(frozen(_either(free, total, 2))),
        Built(_port_sets(free, total, 3, n)), Built(_port_sets(free, total, 4, n)),
        Built(frozen(_either(total, free, 0))), Built(frozen(_either(total, free, 1))),
        counts, providers,
    ]  # fmt: skip


def _range_checked(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    if len(values) and (values.min() < 0 or values.max() > MAX_AMOUNT):
        raise Unusual
    return frozen(values)


def _amount(value: Any) -> int:
    if value is None:
        return 0
    if not 0 <= value <= MAX_AMOUNT:
        raise Unusual
    return int(value)


_TEXT_AMOUNTS: dict[str, int] = {}
"""Amounts given as text, already checked ("256", "512": tasks repeat a few)."""


def _amount_text(value: int | str) -> int:
    if type(value) is str:
        known = _TEXT_AMOUNTS.get(value)
        if known is not None:
            return known
        if not 0 < len(value) <= 20 or not value.isascii() or not value.isdigit():
            raise Unusual
        amount = _amount(int(value))
        if len(_TEXT_AMOUNTS) < 4096:  # bounded: a long-running process loads many files
            _TEXT_AMOUNTS[value] = amount
        return amount
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
    # `startedAt` as given: `_typed` reads the column.
    return arn, instance, group, cpu, memory, gpus, frozenset(tcp), frozenset(udp), t.startedAt
