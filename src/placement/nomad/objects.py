"""Nomad objects as inputs: nodes (and allocations) as an `Inventory`, a task group as a `TaskSpec`.

Units are Nomad's: CPU in **MHz** (`CpuShares`) and memory in **MB**, on nodes and tasks
alike. A node's name fills the ARN slot. Its attributes are the targets constraints read,
without `${}`: `attr.NAME` (the node's `Attributes`), `meta.NAME` (`Meta`), `node.datacenter`,
`node.class`, `node.unique.name`, `node.unique.id` and `node.pool`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import Any, cast

import attrs
import msgspec

from ..documents import checked, decode_json, objects
from ..documents import get_path as _get
from ..errors import InventoryError, PlacementError, PlacementInputError
from ..model import MAX_AMOUNT, MAX_TEXT, FieldSpec, FrozenMap, Kind
from ..syntax.ast import ATTRIBUTE_NAME, And
from ..text import shown
from .constraints import (
    NomadConstraint,
    NomadDistinct,
    constraint,
    constraints,
    operator_of,
    target_attribute,
)

__all__ = [
    "inventory", "task_spec", "job_group", "group_count", "node_attributes", "node_gpus",
    "MISSING_DRIVERS", "DRIVER",
]  # fmt: skip

MISSING_DRIVERS = "missing drivers"
"""The failure reason of a node lacking a task's driver, as Nomad's metrics name it."""
DRIVER = "_nomad/driver."
"""Reserved attributes `_nomad/driver.NAME`: `1` where the driver is detected and healthy
(the node's `Drivers`, else its `driver.NAME` attribute read as Go's ParseBool), else `0`.
A leading `_` keeps them apart from `attr.*` and `meta.*`."""

_HCL_KEYS = ("job", "group", "task")  # HCL's JSON form: lowercase blocks, out of scope
_NETWORK_MODES = ("", "host", "bridge", "none")  # and `cni/NAME`
_GPU = "gpu"
_TERMINAL_CLIENT = ("complete", "failed", "lost")
_TERMINAL_DESIRED = ("stop", "evict")
_GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # strconv.ParseBool's true spellings


def _items(value: Any, what: str) -> list[Mapping[str, Any]]:
    """A list of objects, or one object (a `{"Job": ...}`-style wrapper is not unwrapped here)."""
    if isinstance(value, Mapping):
        return [value]
    return objects(value, what)


def _amount(doc: Mapping[str, Any], paths: Sequence[str], where: str) -> int | None:
    """The first of `paths` present: a non-negative integer."""
    for path in paths:
        value = _get(doc, path, int, where)
        if value is not None:
            if isinstance(value, bool) or value < 0:
                raise PlacementInputError(
                    f"{where}.{path}: expected a non-negative integer, got {value}"
                )
            return int(value)
    return None


def _port_ranges(text: str, where: str) -> set[int]:
    """Nomad's `ReservedHostPorts`: `22,80,8000-8010`."""
    ports: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        if not _port_digits(low) or (high and not _port_digits(high)):
            raise InventoryError(f"{where}: not a port or range: {shown(part)}")
        a, b = int(low), int(high or low)
        if not 0 < a <= b <= 65535:
            raise InventoryError(f"{where}: not a port range within 1-65535: {shown(part)}")
        ports.update(range(a, b + 1))
    return ports


def _port_digits(text: str) -> bool:
    # ASCII digits only ('²' is a digit to str.isdigit, not to int), and few of them.
    return 0 < len(text) <= 5 and all(c in "0123456789" for c in text)


def node_attributes(node: Mapping[str, Any], where: str = "node") -> dict[str, str | None]:
    """The attributes constraints read, from one node object (keys without `${}`).

    Keys that cannot be attribute names (over 128 characters, or characters outside
    letters, digits, `-_./` and backslash) are left out: no constraint can name them either.
    """
    maps = []
    for field in ("Attributes", "Meta"):
        found = _get(node, field, Mapping, where) or {}
        if not set(map(type, found.values())) <= {str}:  # one pass in C where all are text
            for key, value in found.items():
                if not isinstance(value, str):
                    raise InventoryError(
                        f"{where}.{field}.{key}: expected a string, got {shown(value)}"
                    )
        maps.append(found)
    fixed = [_get(node, field, str, where) for field in _FIXED.values()]
    drivers = {
        str(driver): isinstance(info, Mapping)
        and info.get("Detected") is True
        and info.get("Healthy") is True
        for driver, info in (_get(node, "Drivers", Mapping, where) or {}).items()
    }
    return _node_attributes(maps[0], maps[1], fixed, drivers)


_FIXED = {"node.datacenter": "Datacenter", "node.class": "NodeClass", "node.unique.name": "Name",
          "node.unique.id": "ID", "node.pool": "NodePool"}  # fmt: skip
_NAMES: dict[str, bool] = {}  # attribute name -> whether a constraint can name it


def _nameable(name: str) -> bool:
    """`ATTRIBUTE_NAME.fullmatch(name)`, remembered: nodes share most of their keys."""
    found = _NAMES.get(name)
    if found is None:
        found = ATTRIBUTE_NAME.fullmatch(name) is not None
        if len(_NAMES) < 65536:
            _NAMES[name] = found
    return found


# Per (prefix, the keys of an Attributes or Meta map, in order): the attribute names of the
# keys a constraint can name, their positions (None: every key), and the position and driver
# of each legacy `driver.NAME` attribute. Nodes of one cluster mostly share their keys, so most
# nodes are read without a pass over their keys in Python.
_Keys = tuple[tuple[str, ...], tuple[int, ...] | None, tuple[tuple[int, str], ...]]
_KEYS: dict[tuple[str, tuple[str, ...]], _Keys] = {}
_FIXED_NAMES = tuple(_FIXED)


def _keys(prefix: str, keys: tuple[str, ...]) -> _Keys:
    found = _KEYS.get((prefix, keys))
    if found is not None:
        return found
    kept = tuple(at for at, key in enumerate(keys) if _nameable(prefix + key))
    drivers = tuple((at, key[len("driver.") :]) for at, key in enumerate(keys)
                    if prefix == "attr." and key.startswith("driver.") and key.count(".") == 1
                    and _nameable(prefix + key))  # fmt: skip
    found = (tuple(prefix + keys[at] for at in kept),
             None if len(kept) == len(keys) else kept, drivers)  # fmt: skip
    if len(_KEYS) < 4096:
        _KEYS[prefix, keys] = found
    return found


def _segments(
    attributes: Mapping[str, str], meta: Mapping[str, str], fixed: tuple[str, ...],
    drivers: Mapping[str, bool],
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """A node's attributes as (names, values) runs.

    `Attributes`, `Meta` (text values), the `_FIXED` fields (None read as ""), then each
    driver's health (`Drivers` winning over the legacy `driver.NAME` attributes).

    Nodes of one cluster mostly share each run's names: `_AttributeRuns` builds the columns
    a run at a time.
    """
    out = []
    detected: dict[str, bool] = {}
    for prefix, found in (("attr.", attributes), ("meta.", meta)):
        if not found:
            continue
        names, kept, drivers_at = _keys(prefix, tuple(found))
        values = tuple(found.values())
        if drivers_at:
            # The legacy attribute `driver.NAME` (checkDriver); the Drivers map wins below.
            for at, driver in drivers_at:
                detected[driver] = values[at] in _GO_TRUE
        if kept is not None:
            values = tuple(values[at] for at in kept)
        if names:
            out.append((names, values))
    # Nomad resolves these on every node, empty or not (an empty class is "").
    out.append((_FIXED_NAMES, fixed))
    detected.update(drivers)  # the node's Drivers map wins over the legacy attribute
    if detected:
        pairs = [(DRIVER + driver, "1" if healthy else "0") for driver, healthy in
                 detected.items() if _nameable(DRIVER + driver)]  # fmt: skip
        if pairs:
            names, values = zip(*pairs, strict=True)
            out.append((names, values))
    return out


def _node_attributes(
    attributes: Mapping[str, str], meta: Mapping[str, str], fixed: Sequence[str | None],
    drivers: Mapping[str, bool],
) -> dict[str, str | None]:
    """`node_attributes` of fields already read (see `_segments`)."""
    out: dict[str, str | None] = {}
    texts = tuple("" if text is None else text for text in fixed)
    for names, values in _segments(attributes, meta, texts, drivers):
        out.update(zip(names, values, strict=True))
    return out


class _AttributeRuns:
    """The attribute columns of typed nodes, from each node's `_segments`, a run at a time."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, ...], tuple[list[int], list[tuple[str, ...]]]] = {}

    def add(self, row: int, segments: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
        for names, values in segments:
            run = self.runs.get(names)
            if run is None:
                run = self.runs[names] = ([], [])
            run[0].append(row)
            run[1].append(values)

    def columns(self, n: int) -> Any:
        """The columns `Inventory` holds, as `_attribute_columns` builds them from row maps.

        The same names in the same order, each name's values in row order; None where a value
        is too long (`Instance` refuses it, with the message the documents' reading gives).
        """
        from ..columns import attribute_columns

        per_name: dict[str, tuple[list[int], list[str]]] = {}
        merged: set[str] = set()
        for names, (rows, values) in self.runs.items():
            for name, column in zip(names, zip(*values, strict=True), strict=True):
                if max(map(len, column)) > MAX_TEXT:
                    return None
                entry = per_name.get(name)
                if entry is None:
                    per_name[name] = (rows, list(column))
                else:  # the name in runs of other names too: its values back in row order
                    if name not in merged:
                        merged.add(name)
                        entry = per_name[name] = (list(entry[0]), entry[1])
                    entry[0].extend(rows)
                    entry[1].extend(column)
        for name in merged:
            pairs = sorted(zip(*per_name[name], strict=True))
            per_name[name] = ([row for row, _ in pairs], [value for _, value in pairs])
        return attribute_columns(per_name, n)


def _text(value: Any, where: str) -> str:
    """A JSON string (null: empty), as Go's zero value reads it; else `InventoryError`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InventoryError(f"{where}: expected a string, got {shown(value)}")
    return value


def _gpu_group(doc: Mapping[str, Any], where: str) -> tuple[str, str, str] | None:
    """(vendor, type, name) of a `gpu` device group (a node's, or one an allocation holds).

    None for a group of another type.
    """
    if _text(doc.get("Type"), f"{where}.Type") != _GPU:
        return None
    return (_text(doc.get("Vendor"), f"{where}.Vendor"), _GPU,
            _text(doc.get("Name"), f"{where}.Name"))  # fmt: skip


def node_gpus(node: Mapping[str, Any], where: str = "node") -> set[tuple[str, str, str, str]]:
    """The node's healthy GPUs: (vendor, type, name, instance ID) of each healthy instance.

    `NodeResources.Devices` lists device groups (`Vendor`, `Type`, `Name`, `Instances`); a
    group whose `Type` is `gpu` contributes each instance whose `Healthy` is true (Nomad's
    scheduler only assigns healthy instances). An instance is named by its group and `ID`,
    as an allocation's `DeviceIDs` name it, so a repeated ID counts once.
    """
    found: set[tuple[str, str, str, str]] = set()
    groups = _get(node, "NodeResources.Devices", list, where)
    for i, group in enumerate(objects(groups or [], f"{where}.NodeResources.Devices")):
        at = f"{where}.NodeResources.Devices[{i}]"
        key = _gpu_group(group, at)
        if key is None:
            continue
        instances = _get(group, "Instances", list, at) or []
        for j, instance in enumerate(objects(instances, f"{at}.Instances")):
            healthy = instance.get("Healthy")
            if healthy is not None and not isinstance(healthy, bool):
                raise InventoryError(
                    f"{at}.Instances[{j}].Healthy: expected true or false, got {shown(healthy)}"
                )
            device = _text(instance.get("ID"), f"{at}.Instances[{j}].ID")
            if healthy and device:
                found.add((*key, device))
    return found


def _held_gpus(task: Mapping[str, Any], where: str) -> set[tuple[str, str, str, str]]:
    """The GPU instances one task of an allocation holds (`Devices[].DeviceIDs`)."""
    held: set[tuple[str, str, str, str]] = set()
    devices = _get(task, "Devices", list, where) or []
    for i, device in enumerate(objects(devices, f"{where}.Devices")):
        at = f"{where}.Devices[{i}]"
        key = _gpu_group(device, at)
        if key is None:
            continue
        ids = _get(device, "DeviceIDs", list, at) or []
        for j, device_id in enumerate(ids):
            held.add((*key, _text(device_id, f"{at}.DeviceIDs[{j}]")))
    return held


def _allocations(allocations: Any, nodes: dict[str, str]) -> tuple[list[Any], dict[str, Any]]:
    """Tasks of the non-terminal allocations on listed nodes, and per node name what they use.

    Each node's `held` is the set of GPU instances its allocations hold (see `node_gpus`).
    """
    from ..instance import Task

    tasks: list[Any] = []
    used: dict[str, Any] = {}
    for position, alloc in enumerate(_items(allocations, "allocations")):
        where = f"allocations[{position}]"
        node = nodes.get(_get(alloc, "NodeID", str, where) or "")
        if node is None:
            continue
        if (_get(alloc, "ClientStatus", str, where) in _TERMINAL_CLIENT
                or _get(alloc, "DesiredStatus", str, where) in _TERMINAL_DESIRED):  # fmt: skip
            continue
        cpu = memory = 0
        held: set[tuple[str, str, str, str]] = set()
        for name, task in (_get(alloc, "AllocatedResources.Tasks", Mapping, where) or {}).items():
            at = f"{where}.AllocatedResources.Tasks.{name}"
            cpu += _amount(task, ("Cpu.CpuShares",), at) or 0
            memory += _amount(task, ("Memory.MemoryMB",), at) or 0
            held |= _held_gpus(task, at)
        group = (
            f"{_get(alloc, 'JobID', str, where) or ''}/{_get(alloc, 'TaskGroup', str, where) or ''}"
        )
        mine = used.setdefault(node, {"cpu": 0, "memory": 0, "groups": {}, "held": set()})
        mine["cpu"] += cpu
        mine["memory"] += memory
        mine["held"] |= held
        mine["groups"][group] = mine["groups"].get(group, 0) + 1
        tasks.append(Task(arn=_get(alloc, "ID", str, where) or f"alloc-{position}",
                          instance=node, group=group, cpu=cpu, memory=memory,
                          gpus=len(held)))  # fmt: skip
    return tasks, used


def _values(
    mine: dict[str, Any] | None, name: str, cpu: int, memory: int, ports: set[int],
    eligible: bool, draining: bool, connected: bool, gpus: set[tuple[str, str, str, str]],
) -> dict[str, Any]:
    """One node's fields (but its attributes), less what its allocations (`mine`) use."""
    mine = mine or {"cpu": 0, "memory": 0, "groups": {}, "held": set()}
    return {
        "arn": name,
        "status": "ACTIVE" if eligible and not draining else "DRAINING",
        "agent_connected": connected,
        "cpu": max(cpu - mine["cpu"], 0), "memory": max(memory - mine["memory"], 0),
        # Free GPUs: the healthy instances no live allocation holds (IDs of other groups,
        # or of instances no longer listed, take nothing from this node).
        "gpus": len(gpus - mine["held"]) if gpus else 0, "ports": frozenset(ports),
        "registered_cpu": max(cpu, 0), "registered_memory": max(memory, 0),
        "running_tasks_count": sum(mine["groups"].values()),
    }  # fmt: skip


def _record(values: dict[str, Any], attributes: dict[str, str | None]) -> list[Any]:
    """One node's fields (`_values` and its attributes) as `Instance` checks them.

    In INSTANCE_READ order.
    """
    values["attributes"] = attributes
    # `Instance(**values)`'s checks (its task groups are the tasks' own, counted above).
    # The attributes' keys are names (128 characters at most) and their values text: only
    # the values' lengths are left to check, in one pass in C where all are short.
    texts = cast("dict[str, str]", attributes).values()  # never None: see `_segments`
    return [FrozenMap(attributes)
            if spec.kind is Kind.ATTRIBUTES and max(map(len, texts), default=0) <= MAX_TEXT
            else checked(spec, values.get(spec.name), "Instance")
            for spec in _instance_read()]  # fmt: skip


def _checked_column(spec: FieldSpec, values: list[Any]) -> Sequence[Any]:
    """`checked(spec, value)` of every value.

    In one pass in C where each is plainly fine (as `checked` reads them: then it returns
    each as it is).
    """
    kinds = set(map(type, values))
    kind = spec.kind
    if not values:
        return values
    if kind is Kind.AMOUNT or kind is Kind.COUNT:
        if kinds == {int} and min(values) >= 0 and max(values) <= MAX_AMOUNT:
            return values
    elif kind is Kind.ARN or kind is Kind.STATUS:
        if kinds == {str} and min(map(len, values)) > 0 and max(map(len, values)) <= MAX_TEXT:
            return values
    elif kind is Kind.FLAG and kinds == {bool}:
        return values
    return [checked(spec, value, "Instance") for value in values]


@cache
def _instance_read() -> tuple[Any, ...]:
    """`INSTANCE_READ`, imported once asked (ecs is not imported with this module)."""
    from ..ecs.instances import INSTANCE_READ

    return INSTANCE_READ


def inventory(nodes: Any, allocations: Any = None) -> Any:
    """An `Inventory` from Nomad node objects (`GET /v1/node/:id`), and optionally allocations.

    `nodes` is a list of node objects (or one), decoded or as JSON bytes or text (`allocations`
    too); JSON is decoded typed, only the fields read, and read as the documents would be.
    Each is an instance named by its `Name`, its attributes those of `node_attributes`, its
    CPU `NodeResources.Cpu.CpuShares` (MHz) and
    memory `NodeResources.Memory.MemoryMB` less `ReservedResources` (the pre-0.9 `Resources`
    and `Reserved` where those are missing), its reserved ports `ReservedHostPorts`, its GPUs
    the healthy instances of its `gpu` device groups (`node_gpus`). A node
    whose `Status` is not `ready` is disconnected; one that is ineligible or draining is
    DRAINING: both are refused under `AGENT`.

    The list endpoint's items (`GET /v1/nodes`) lack `Attributes`, `Meta` and, without
    `?resources=true`, the resources: a node without resources is refused with a message
    saying so, and one without `Attributes`/`Meta` has no `attr.*`/`meta.*` attributes.

    `allocations` (`GET /v1/allocations` items, optional): each non-terminal allocation on a
    listed node is a task in group `JobID/TaskGroup`, and its `AllocatedResources` are
    subtracted from the node's (the GPU instances its tasks' `Devices` hold included).
    """
    from ..ecs_json import paused_gc

    if isinstance(allocations, (bytes, bytearray, memoryview, str)):
        allocations = decode_json(allocations, "allocations")
    with paused_gc():  # decoding and building columns make no cycles
        typed = _typed_nodes(nodes)
        if typed is not None:
            try:
                return _typed_inventory(typed, allocations)
            except PlacementError:
                pass  # read the documents as below, for the message that names the part
        items = _items(decode_json(nodes, "nodes"), "nodes")
        try:
            by_id: dict[str, str] = {}
            for position, node in enumerate(items):
                name = _get(node, "Name", str, f"nodes[{position}]")
                if not name:
                    raise InventoryError(f"nodes[{position}]: Name is missing")
                by_id[_get(node, "ID", str, f"nodes[{position}]") or name] = name
            tasks, used = (_allocations(allocations, by_id) if allocations is not None
                           else ([], {}))  # fmt: skip
            records = []  # each node's fields as `Instance` checks them (INSTANCE_READ order)
            for position, node in enumerate(items):
                where = f"nodes[{position}]"
                name = node["Name"]
                cpu = _amount(node, ("NodeResources.Cpu.CpuShares", "Resources.CPU"), where)
                memory = _amount(
                    node, ("NodeResources.Memory.MemoryMB", "Resources.MemoryMB"), where
                )
                if cpu is None or memory is None:
                    raise InventoryError(_NO_RESOURCES.format(where=where, name=name))
                reserved_cpu = _amount(
                    node, ("ReservedResources.Cpu.CpuShares", "Reserved.CPU"), where
                )
                reserved_memory = _amount(
                    node, ("ReservedResources.Memory.MemoryMB", "Reserved.MemoryMB"), where
                )
                cpu, memory = cpu - (reserved_cpu or 0), memory - (reserved_memory or 0)
                ports_text = _get(node, "ReservedResources.Networks.ReservedHostPorts", str, where)
                ports = (
                    _port_ranges(ports_text, f"{where}.ReservedResources.Networks")
                    if ports_text
                    else set()
                )
                eligible = _get(node, "SchedulingEligibility", str, where) != "ineligible"
                draining = (
                    bool(_get(node, "Drain", bool, where)) or node.get("DrainStrategy") is not None
                )
                connected = _get(node, "Status", str, where) in (None, "ready")
                attributes = node_attributes(node, where)
                values = _values(used.get(name), name, cpu, memory, ports, eligible, draining,
                                 connected, node_gpus(node, where))  # fmt: skip
                records.append(_record(values, attributes))
        except InventoryError:
            raise
        except PlacementError as exc:
            raise InventoryError(str(exc)) from exc
        return _build(records, tasks)


_NO_RESOURCES = (
    "{where} ({name}): no NodeResources (the node list omits them without ?resources=true: "
    "read GET /v1/node/:id)"
)


def _build(records: list[list[Any]], tasks: list[Any]) -> Any:
    """`Inventory.from_instances(instances, tasks)` less its Instance objects.

    Every task is on a listed node, which counts exactly its tasks.
    """
    from ..inventory import Inventory
    from ..model import TASK_FIELDS

    rows = [[getattr(task, spec.name) for spec in TASK_FIELDS] for task in tasks]
    return Inventory._build(records, rows, where="instance")


# -- node documents, typed ---------------------------------------------------------------------
# Only the fields `inventory` reads, each of the type it accepts (msgspec skips the rest without
# building it). Where a document holds anything else, the typed reading gives up and the
# documents are read as above, so every refusal keeps its message.


class _Cpu(msgspec.Struct, gc=False):
    CpuShares: int | None = None


class _Memory(msgspec.Struct, gc=False):
    MemoryMB: int | None = None


class _DeviceInstance(msgspec.Struct, gc=False):
    ID: str | None = None
    Healthy: bool | None = None


class _DeviceGroup(msgspec.Struct, gc=False):
    Vendor: str | None = None
    Type: str | None = None
    Name: str | None = None
    Instances: list[_DeviceInstance] | None = None


class _Resources(msgspec.Struct, gc=False):
    Cpu: _Cpu | None = None
    Memory: _Memory | None = None
    Devices: list[_DeviceGroup] | None = None


class _Networks(msgspec.Struct, gc=False):
    ReservedHostPorts: str | None = None


class _Reserved(msgspec.Struct, gc=False):
    Cpu: _Cpu | None = None
    Memory: _Memory | None = None
    Networks: _Networks | None = None


class _Legacy(msgspec.Struct, gc=False):  # pre-0.9 `Resources` and `Reserved`
    CPU: int | None = None
    MemoryMB: int | None = None


class _Driver(msgspec.Struct, gc=False):
    Detected: bool | None = None
    Healthy: bool | None = None


class _Node(msgspec.Struct, gc=False):
    ID: str | None = None
    Name: str | None = None
    Datacenter: str | None = None
    NodeClass: str | None = None
    NodePool: str | None = None
    Attributes: dict[str, str] | None = None
    Meta: dict[str, str] | None = None
    Drivers: dict[str, _Driver] | None = None
    NodeResources: _Resources | None = None
    Resources: _Legacy | None = None
    ReservedResources: _Reserved | None = None
    Reserved: _Legacy | None = None
    Status: str | None = None
    SchedulingEligibility: str | None = None
    Drain: bool | None = None
    DrainStrategy: Any = None


_NODES = msgspec.json.Decoder(list[_Node] | _Node)


class _UntypedError(PlacementError):
    """A node the typed reading leaves to the documents' (never escapes `inventory`)."""


def _typed_nodes(value: Any) -> list[_Node] | None:
    """The node objects of JSON bytes or text, typed; None: read the documents instead."""
    if not isinstance(value, (bytes, bytearray, memoryview, str)):
        return None
    data = bytes(value) if isinstance(value, (bytearray, memoryview)) else value
    # Typed decoding skips what it does not read without checking its UTF-8; the documents'
    # decoding refuses bad UTF-8 anywhere.
    if isinstance(data, bytes) and not data.isascii():
        try:
            data.decode()
        except UnicodeDecodeError:
            return None
    try:
        found = _NODES.decode(data)
    except (msgspec.DecodeError, RecursionError, UnicodeError):  # ValidationError included
        return None
    return found if isinstance(found, list) else [found]


def _typed_amount(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise _UntypedError()
    return value


def _typed_inventory(nodes: list[_Node], allocations: Any) -> Any:
    """`inventory`'s reading of typed nodes.

    `UntypedError` (or any refusal) where the documents' reading must answer instead.
    """
    by_id: dict[str, str] = {}
    for node in nodes:
        if not node.Name:
            raise _UntypedError()
        by_id[node.ID or node.Name] = node.Name
    tasks, used = _allocations(allocations, by_id) if allocations is not None else ([], {})
    records = []
    runs = _AttributeRuns()
    for position, node in enumerate(nodes):
        where = f"nodes[{position}]"
        name = node.Name or ""
        have, legacy = node.NodeResources, node.Resources
        cpu = _typed_amount(have.Cpu.CpuShares if have and have.Cpu else None)
        if cpu is None:
            cpu = _typed_amount(legacy.CPU if legacy else None)
        memory = _typed_amount(have.Memory.MemoryMB if have and have.Memory else None)
        if memory is None:
            memory = _typed_amount(legacy.MemoryMB if legacy else None)
        if cpu is None or memory is None:
            raise _UntypedError()
        kept, old = node.ReservedResources, node.Reserved
        reserved_cpu = _typed_amount(kept.Cpu.CpuShares if kept and kept.Cpu else None)
        if reserved_cpu is None:
            reserved_cpu = _typed_amount(old.CPU if old else None)
        reserved_memory = _typed_amount(kept.Memory.MemoryMB if kept and kept.Memory else None)
        if reserved_memory is None:
            reserved_memory = _typed_amount(old.MemoryMB if old else None)
        cpu, memory = cpu - (reserved_cpu or 0), memory - (reserved_memory or 0)
        ports_text = kept.Networks.ReservedHostPorts if kept and kept.Networks else None
        ports = (_port_ranges(ports_text, f"{where}.ReservedResources.Networks")
                 if ports_text else set())  # fmt: skip
        drivers = {
            driver: info.Detected is True and info.Healthy is True
            for driver, info in (node.Drivers or {}).items()
        }
        fixed = (node.Datacenter or "", node.NodeClass or "", name, node.ID or "",
                 node.NodePool or "")  # fmt: skip
        runs.add(position, _segments(node.Attributes or {}, node.Meta or {}, fixed, drivers))
        gpus: set[tuple[str, str, str, str]] = set()
        for group in (have.Devices or []) if have else []:
            if group.Type != _GPU:
                continue
            for instance in group.Instances or []:
                if instance.Healthy and instance.ID:
                    gpus.add((group.Vendor or "", _GPU, group.Name or "", instance.ID))
        records.append(_values(
            used.get(name), name, cpu, memory, ports,
            node.SchedulingEligibility != "ineligible",
            bool(node.Drain) or node.DrainStrategy is not None,
            node.Status in (None, "ready"), gpus,
        ))  # fmt: skip
    columns = runs.columns(len(nodes))
    if columns is None:
        raise _UntypedError()
    from ..columns import Built
    from ..inventory import Inventory
    from ..model import TASK_FIELDS

    # One column per field, as `_build` takes them from the records `_record` would give.
    fields: list[Any] = []
    present = records[0].keys() if records else {}.keys()
    for spec in _instance_read():
        if spec.kind is Kind.ATTRIBUTES:
            fields.append(Built(columns))
        elif spec.name in present:
            fields.append(_checked_column(spec, list(map(itemgetter(spec.name), records))))
        else:  # a field Nomad has no counterpart for: the same value on every node
            fields.append([checked(spec, None, "Instance")] * len(records))
    rows = [[getattr(task, spec.name) for spec in TASK_FIELDS] for task in tasks]
    return Inventory._from_fields(fields, rows, where="instance")


# -- task groups ---------------------------------------------------------------------------------


def _unwrap(doc: Any) -> Mapping[str, Any]:
    """The job or task group of the API's JSON: bare, or wrapped as `{"Job": ...}`."""
    if not isinstance(doc, Mapping):
        raise PlacementInputError(f"expected a Nomad job or task group object, got {shown(doc)}")
    inner = doc.get("Job")
    if inner is None and any(key in doc for key in _HCL_KEYS):
        raise PlacementInputError(
            "this is HCL's JSON form (lowercase job/group/task blocks), which is not read: "
            "pass the API's JSON (`nomad job inspect JOB`, or `nomad job run -output job.hcl`)"
        )
    return inner if isinstance(inner, Mapping) else doc


def job_group(
    doc: Any, group: str | None = None
) -> tuple[Mapping[str, Any] | None, Mapping[str, Any]]:
    """(the job or None, the task group) of a job object plus a group name, or a task group.

    A job is the API's form (`nomad job inspect`, `{"Job": {...}}` or the job itself); its
    group is `group`, which may be left out when the job has one.
    """
    doc = _unwrap(doc)
    groups = doc.get("TaskGroups")
    if groups is None:
        if group is not None and doc.get("Name") not in (None, group):
            raise PlacementInputError(
                f"task group is {shown(doc.get('Name'))}, not {shown(group)} (pass a job to choose)"
            )
        return None, doc
    if not isinstance(groups, list) or not all(isinstance(g, Mapping) for g in groups):
        raise PlacementInputError(
            f"job.TaskGroups: expected a list of objects, got {shown(groups)}"
        )
    names = [g.get("Name") for g in groups]
    if group is None:
        if len(groups) != 1:
            raise PlacementInputError(
                f"job {shown(doc.get('ID'))} has {len(groups)} task groups; name one of {names}"
            )
        return doc, groups[0]
    for item in groups:
        if item.get("Name") == group:
            return doc, item
    raise PlacementInputError(
        f"job {shown(doc.get('ID'))} has no task group {shown(group)}; it has {names}"
    )


def _network_ports(networks: Any, where: str) -> set[int]:
    ports: set[int] = set()
    if networks is None:
        return ports
    if not isinstance(networks, list):
        raise PlacementInputError(f"{where}: expected a list, got {shown(networks)}")
    for i, network in enumerate(networks):
        if not isinstance(network, Mapping):
            raise PlacementInputError(f"{where}[{i}]: expected an object, got {shown(network)}")
        mode = network.get("Mode") or ""
        if not isinstance(mode, str) or not (
            mode in _NETWORK_MODES or (mode.startswith("cni/") and len(mode) > len("cni/"))
        ):
            raise PlacementInputError(
                f"{where}[{i}].Mode: {shown(mode)} is not a network mode Nomad takes "
                "(host, bridge, none or cni/NAME)"
            )
        # Static ports (`ReservedPorts`) bind the node's port in every mode (in bridge and CNI
        # mode `To` is the port inside the namespace): they collide. Dynamic ports
        # (`DynamicPorts`) are picked by the scheduler from the node's free range and never
        # collide, so they do not constrain placement here.
        reserved = network.get("ReservedPorts") or []
        if not isinstance(reserved, list):
            raise PlacementInputError(
                f"{where}[{i}].ReservedPorts: expected a list, got {shown(reserved)}"
            )
        for j, port in enumerate(reserved):
            value = port.get("Value") if isinstance(port, Mapping) else None
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 65535:
                raise PlacementInputError(
                    f"{where}[{i}].ReservedPorts[{j}].Value: not a port: {shown(value)}"
                )
            ports.add(value)
    return ports


def task_spec(doc: Any, group: str | None = None) -> Any:
    """A `TaskSpec` for one allocation of a task group (a job plus `group`, or a task group).

    CPU (MHz) and memory (MB) are the sum of the tasks' `Resources`; static ports
    (`ReservedPorts` of the group's and the tasks' networks, in any network mode) are host
    ports, dynamic ports never collide; GPU devices (`gpu`, `VENDOR/gpu`, with `Count`) are
    GPUs. The job's, the group's and every task's `Constraints` are ANDed, each a
    `NomadConstraint` refusing under its own text, `distinct_hosts`/`distinct_property` a
    `NomadDistinct` (refused at task level, as Nomad refuses it); and each task's `Driver`
    must be detected on the node (`attr.driver.NAME` true), else `missing drivers`.
    `Affinities` and `Spreads` only score in Nomad: they are checked as Nomad validates them
    and filter nothing. What cannot be honoured (a device model, device constraints, devices
    other than GPUs, reserved `Cores`) is refused naming the part. The group is `JOB/GROUP`
    (the allocations' group in `inventory`), or the group's name.
    """
    from ..place.task import TaskSpec

    job, task_group = job_group(doc, group)
    name = task_group.get("Name")
    if not isinstance(name, str) or not name:
        raise PlacementInputError(f"task group Name: expected a name, got {shown(name)}")
    where = f"group {name!r}"
    group_count(task_group)  # checked, as Nomad validates it
    cpu = memory = gpus = 0
    ports = _network_ports(task_group.get("Networks"), f"{where}.Networks")
    rules: list[Any] = []
    if job is not None:
        job_id = _get(job, "ID", str, "job") or _get(job, "Name", str, "job") or ""
        for rule in constraints(job.get("Constraints") or [], "job.Constraints"):
            # A job-level distinct_* counts the allocations of every group of the job.
            if isinstance(rule, NomadDistinct):
                rule = attrs.evolve(rule, job=job_id)
            rules.append(rule)
        _scoring(job, "job")
    rules.extend(constraints(task_group.get("Constraints") or [], f"{where}.Constraints"))
    _scoring(task_group, where)
    drivers: dict[str, None] = {}  # in order, each once
    tasks = task_group.get("Tasks") or []
    if not isinstance(tasks, list):
        raise PlacementInputError(f"{where}.Tasks: expected a list, got {shown(tasks)}")
    for i, task in enumerate(tasks):
        at = f"{where}.Tasks[{i}]"
        if not isinstance(task, Mapping):
            raise PlacementInputError(f"{at}: expected an object, got {shown(task)}")
        cpu += _amount(task, ("Resources.CPU",), at) or 0
        memory += _amount(task, ("Resources.MemoryMB",), at) or 0
        if _amount(task, ("Resources.Cores",), at):
            raise PlacementInputError(
                f"{at}.Resources.Cores: reserved cores cannot be honoured (placement counts "
                "CPU in MHz, not whole cores per node); give CPU in MHz instead"
            )
        gpus += _devices(_get(task, "Resources.Devices", list, at), f"{at}.Resources.Devices")
        ports |= _network_ports(
            _get(task, "Resources.Networks", list, at), f"{at}.Resources.Networks"
        )
        blocks = task.get("Constraints") or []
        for j, block in enumerate(blocks if isinstance(blocks, list) else []):
            if operator_of(block) in ("distinct_hosts", "distinct_property"):
                raise PlacementInputError(
                    f"{at}.Constraints[{j}]: {operator_of(block)} is not allowed at task level "
                    "(Nomad: disallowed Operand at task level); put it on the group or the job"
                )
        rules.extend(constraints(blocks, f"{at}.Constraints"))
        _affinities(task.get("Affinities"), f"{at}.Affinities")
        driver = _get(task, "Driver", str, at)
        if driver:
            drivers[driver] = None
    if drivers:
        checks = [_driver_check(driver) for driver in drivers]
        # One And of every check, in one pass (`&` one at a time copies the operands so far).
        check = checks[0] if len(checks) == 1 else And(tuple(checks))
        rules.append(NomadConstraint(check, text=MISSING_DRIVERS))
    owner = name
    if job is not None:  # text, or absent: an ID of 5,000 digits cannot even be printed
        owner = f"{job_id}/{name}"
    return TaskSpec(cpu=cpu, memory=memory, ports=frozenset(ports), gpus=gpus, group=owner,
                    constraints=_fold(rules), dialect="nomad")  # fmt: skip


def group_count(doc: Any, group: str | None = None) -> int:
    """The task group's `Count`: how many allocations Nomad places (1 when left out).

    Pass it as `place`'s count: `place(inv, TaskSpec.from_nomad(job), group_count(job))`.
    A group left without `Count` but with a `Scaling` block starts at `Scaling.Min`, as
    Nomad's API fills it in.
    """
    _, task_group = job_group(doc, group)
    count = task_group.get("Count")
    if count is None:
        count = _get(task_group, "Scaling.Min", int, "group") if task_group.get("Scaling") else None
        count = 1 if count is None else count
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise PlacementInputError(
            f"task group Count: expected a non-negative integer, got {shown(count)}"
        )
    return count


def _devices(devices: list[Any] | None, where: str) -> int:
    """GPUs a task's `device` blocks ask for: `gpu` or `VENDOR/gpu`, `Count` each (1 if left out).

    A node's GPUs are counted whatever their vendor or model, so what needs more than a count
    (a model `VENDOR/gpu/MODEL`, device `Constraints`, devices that are not GPUs) is refused.
    Device `Affinities` only score in Nomad: checked, then left out.
    """
    total = 0
    for i, device in enumerate(_object_list(devices, where)):
        at = f"{where}[{i}]"
        name = device.get("Name")
        if not isinstance(name, str) or not name:
            raise PlacementInputError(f"{at}.Name: expected a device name, got {shown(name)}")
        parts = name.split("/")
        if len(parts) > 3 or any(not part for part in parts):
            raise PlacementInputError(
                f"{at}.Name: {shown(name)} is not TYPE, VENDOR/TYPE or VENDOR/TYPE/MODEL"
            )
        kind = parts[0] if len(parts) == 1 else parts[1]
        if kind != _GPU:
            raise PlacementInputError(
                f"{at}.Name: device {shown(name)} cannot be honoured: placement counts GPUs "
                "only (device type gpu)"
            )
        if len(parts) == 3:
            raise PlacementInputError(
                f"{at}.Name: device {shown(name)} names a model, which cannot be honoured: "
                f"placement counts a node's GPUs, not their models (ask for {parts[0]}/gpu)"
            )
        if device.get("Constraints"):
            raise PlacementInputError(
                f"{at}.Constraints: device constraints (${{device.*}}) cannot be honoured: "
                "placement counts a node's GPUs, not their attributes"
            )
        _affinities(device.get("Affinities"), f"{at}.Affinities", device_level=True)
        count = device.get("Count")
        count = 1 if count is None else count
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise PlacementInputError(
                f"{at}.Count: expected a non-negative integer, got {shown(count)}"
            )
        total += count
    return total


_AFFINITY_OPERATORS = (
    "=", "==", "is", "!=", "not", "<", "<=", ">", ">=", "regexp", "version", "semver",
    "set_contains", "set_contains_all", "set_contains_any",
)  # fmt: skip


def _object_list(value: Any, where: str) -> list[Mapping[str, Any]]:
    """A JSON list of objects (None: empty); else `PlacementInputError` naming the item."""
    return [] if value is None else objects(value, where, PlacementInputError)


def _scoring(doc: Mapping[str, Any], where: str) -> None:
    """A job's or group's `Affinities` and `Spreads`, checked as Nomad validates them."""
    _affinities(doc.get("Affinities"), f"{where}.Affinities")
    for i, spread in enumerate(_object_list(doc.get("Spreads"), f"{where}.Spreads")):
        at = f"{where}.Spreads[{i}]"
        attribute = spread.get("Attribute")
        if not isinstance(attribute, str) or not attribute:
            raise PlacementInputError(f"{at}.Attribute: missing spread attribute")
        if attribute.startswith("${"):
            target_attribute(attribute, f"{at}.Attribute")
        _weight(spread.get("Weight"), f"{at}.Weight", 1, 100)
        seen: set[Any] = set()
        percent = 0
        for j, target in enumerate(_object_list(spread.get("SpreadTarget"), f"{at}.SpreadTarget")):
            value, share = target.get("Value"), target.get("Percent", 0)
            if not isinstance(value, str) or value in seen:
                raise PlacementInputError(
                    f"{at}.SpreadTarget[{j}].Value: {shown(value)} is missing or already defined"
                )
            seen.add(value)
            if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
                raise PlacementInputError(
                    f"{at}.SpreadTarget[{j}].Percent: must be between 0 and 100, got {shown(share)}"
                )
            percent += share
        if percent > 100:
            raise PlacementInputError(
                f"{at}.SpreadTarget: percentages sum to {percent}%, more than 100%"
            )


def _affinities(blocks: Any, where: str, device_level: bool = False) -> None:
    """`Affinities` checked as Nomad's `Affinity.Validate` checks them; they filter nothing."""
    for i, block in enumerate(_object_list(blocks, where)):
        at = f"{where}[{i}]"
        operator = operator_of(block)
        if operator not in _AFFINITY_OPERATORS:
            raise PlacementInputError(f"{at}: unknown affinity operator {shown(operator)}")
        _weight(block.get("Weight"), f"{at}.Weight", -100, 100)
        if device_level:
            continue  # ${device.*} targets: the device's own, not the node's
        try:
            constraint({k: v for k, v in block.items() if k != "Weight"})
        except PlacementError as exc:
            raise PlacementInputError(f"{at}: {exc}") from None


def _weight(value: Any, where: str, low: int, high: int) -> None:
    """An affinity's or spread's weight (the API fills in 50 when it is left out); never 0."""
    if value is None:
        return
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not whole or value == 0 or not low <= value <= high:
        raise PlacementInputError(
            f"{where}: expected a non-zero integer within [{low},{high}], got {shown(value)}"
        )


def _fold(rules: list[Any]) -> list[Any]:
    """At most 10 rules, as a task's constraints must be: past that, the blocks are merged."""
    if len(rules) <= 10:
        return rules
    blocks = [r for r in rules if isinstance(r, NomadConstraint)]
    expression = blocks[0].expression
    if len(blocks) > 1:  # `a & b & c`, built in one pass (pairwise copies the operands so far)
        parts = (b.expression for b in blocks)
        expression = And(tuple(chain.from_iterable(
            p.children() if type(p) is And else (p,) for p in parts
        )))  # fmt: skip
    merged = NomadConstraint(expression, text=" and ".join(r.reason for r in blocks))
    return [merged, *(r for r in rules if not isinstance(r, NomadConstraint))]


def _driver_check(driver: str) -> Any:
    """`driver` detected and healthy on the node (the reserved `_nomad/driver.NAME` is `1`)."""
    from ..syntax.ast import Comparison, Op, Subject, SubjectKind

    try:
        subject = Subject(SubjectKind.ATTRIBUTE, DRIVER + driver)
    except PlacementError:
        raise PlacementInputError(f"task Driver: not a driver name: {shown(driver)}") from None
    return Comparison(subject, Op.EQ, "1")
