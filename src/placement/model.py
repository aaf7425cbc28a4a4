"""The declared fields of a container instance and of a running task: the one table.

Everything that handles an instance's or a task's fields is derived from these declarations:
the `Instance` and `Task` constructors' checks, reading ECS JSON (`ecs.py`), writing it back,
the inventory's columns, `inv[i]`, `Inventory.from_instances`, and the state after a placement
(a field's `consumed_by` says which demand of a task a placed copy takes from it). Adding a
field means adding a row here; a test checks every derivation covers every row.

Each field has a *kind*, and one function per kind checks a value: the constructors call it on
what the caller gave, the JSON reader on what the document held (after undoing the wire
format's spelling: decimal-string ports, epoch seconds, resource lists).
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn, Protocol

import attrs

from .errors import ExpressionError, InventoryError
from .syntax.literals import Timestamp

__all__ = [
    "Kind", "FieldSpec", "INSTANCE_FIELDS", "TASK_FIELDS", "MAX_AMOUNT", "MAX_TEXT",
    "check", "field_error", "FrozenMap", "timestamp_of", "spec_named", "short_repr",
    "TIMESTAMP_RANGE", "LONG_DIGITS",
]  # fmt: skip

MAX_AMOUNT = 2**53
"""Largest resource amount or task count accepted (exact in a float, far from int64 limits)."""
MAX_TEXT = 1 << 20
"""Longest identifier, status, group or attribute text accepted (1 MiB): ECS's own are short."""

class FrozenMap(dict):  # type: ignore[type-arg]
    """A read-only, hashable dict that pickles and deep-copies (MappingProxyType does neither)."""

    __slots__ = ()

    def _refuse(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __repr__(self) -> str:
        return repr(dict(self))


_UTC = _dt.timezone.utc
_MIN_MICROS = Timestamp.from_datetime(_dt.datetime.min.replace(tzinfo=_UTC)).micros
_MAX_MICROS = Timestamp.from_datetime(_dt.datetime.max.replace(tzinfo=_UTC)).micros
TIMESTAMP_RANGE = (_MIN_MICROS, _MAX_MICROS)
"""The instants a timestamp field accepts, in microseconds: years 1 to 9999 (UTC)."""
LONG_DIGITS = re.compile(r"[0-9]{19}")
"""A version component too long for the version column (more than 18 digits)."""


class Kind(enum.Enum):
    """What a field holds, which decides how it is checked, stored in columns and written."""

    ARN = "arn"  # a required, non-empty identifier
    TEXT = "text"  # an optional string (dictionary-encoded column)
    STATUS = "status"  # a string with a default (dictionary-encoded column)
    FLAG = "flag"  # a boolean
    AMOUNT = "amount"  # a non-negative integer amount (CPU units, MiB, GPUs)
    COUNT = "count"  # a non-negative integer count
    PORTS = "ports"  # a set of port numbers 0-65535
    TIMESTAMP = "timestamp"  # an optional instant (microsecond column plus a presence flag)
    VERSION = "version"  # an optional dotted-integer version, kept as its text
    ATTRIBUTES = "attributes"  # name -> value, or None for a name-only attribute
    GROUPS = "groups"  # task group -> count of RUNNING tasks
    REFERENCE = "reference"  # the ARN of the instance a task runs on (a row in the inventory)


@attrs.frozen
class FieldSpec:
    """One declared field.

    `name` is the Python attribute (on `Instance`/`Task`) and the inventory column's name; `ecs`
    the field's place in ECS JSON (dots for nesting; `remainingResources.CPU` is the entry
    named CPU of that list); `kind` how it is checked and stored; `default` its value when
    absent; `consumed_by` the `TaskSpec` demand a placed copy takes from it (`-` subtracts,
    `|` adds the task's ports, `+` counts the copy).
    """

    name: str
    ecs: str
    kind: Kind
    default: Any = None
    consumed_by: str | None = None
    doc: str = ""


INSTANCE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("arn", "containerInstanceArn", Kind.ARN, doc="the container instance ARN"),
    FieldSpec("ec2_instance_id", "ec2InstanceId", Kind.TEXT),
    FieldSpec("status", "status", Kind.STATUS, "ACTIVE"),
    FieldSpec("agent_connected", "agentConnected", Kind.FLAG, True),
    FieldSpec("agent_version", "versionInfo.agentVersion", Kind.VERSION),
    FieldSpec("registered_at", "registeredAt", Kind.TIMESTAMP),
    FieldSpec("attributes", "attributes", Kind.ATTRIBUTES, FrozenMap()),
    FieldSpec("cpu", "remainingResources.CPU", Kind.AMOUNT, 0, "-cpu"),
    FieldSpec("memory", "remainingResources.MEMORY", Kind.AMOUNT, 0, "-memory"),
    FieldSpec("gpus", "remainingResources.GPU", Kind.AMOUNT, 0, "-gpus"),
    FieldSpec("ports", "remainingResources.PORTS", Kind.PORTS, frozenset(), "|ports"),
    FieldSpec("udp_ports", "remainingResources.PORTS_UDP", Kind.PORTS, frozenset(), "|udp_ports"),
    FieldSpec("registered_cpu", "registeredResources.CPU", Kind.AMOUNT, 0),
    FieldSpec("registered_memory", "registeredResources.MEMORY", Kind.AMOUNT, 0),
    FieldSpec("running_tasks_count", "runningTasksCount", Kind.COUNT, 0, "+"),
    FieldSpec("task_groups", "(RUNNING tasks)", Kind.GROUPS, FrozenMap(), "+group"),
    FieldSpec("capacity_provider", "capacityProviderName", Kind.TEXT,
              doc="the capacity provider the instance belongs to (SEMANTICS.md §9)"),
)
"""An instance's fields, in the order `Instance` takes them."""

TASK_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("arn", "taskArn", Kind.ARN, doc="the task ARN"),
    FieldSpec("instance", "containerInstanceArn", Kind.REFERENCE),
    FieldSpec("group", "group", Kind.STATUS, ""),
    FieldSpec("cpu", "cpu", Kind.AMOUNT, 0),
    FieldSpec("memory", "memory", Kind.AMOUNT, 0),
    FieldSpec("gpus", "containers[].gpuIds", Kind.AMOUNT, 0),
    FieldSpec("ports", "containers[].networkBindings[tcp].hostPort", Kind.PORTS, frozenset()),
    FieldSpec(
        "udp_ports", "containers[].networkBindings[udp].hostPort", Kind.PORTS, frozenset()
    ),
    FieldSpec("started_at", "startedAt", Kind.TIMESTAMP),
    FieldSpec(
        "protected",
        "(GetTaskProtection)",
        Kind.FLAG,
        False,
        doc="scale-in protection (SEMANTICS.md §9): not in DescribeTasks; from GetTaskProtection",
    ),
    FieldSpec(
        "labels",
        "(metadata.labels)",
        Kind.ATTRIBUTES,
        FrozenMap(),
        doc="the task's labels (a Kubernetes pod's metadata.labels, SEMANTICS.md §11); "
        "ECS tasks have none",
    ),
)
"""A RUNNING task's fields (SEMANTICS.md §2): what it holds on its instance, since when, and
whether scale-in protection keeps it running (§9), and its labels (§11: rules count "tasks
matching a selector"). The readers of DescribeTasks give every field before `protected`
(`ecs.protection.TASK_READ`); protection and labels (empty for ECS) are added after."""


def field_error(where: str, field: str, problem: str) -> InventoryError:
    """The error for one bad field: `<where>: field '<field>': <problem>`."""
    return InventoryError(f"{where}: field {field!r}: {problem}")


def short_repr(value: Any) -> str:
    """A value for an error message, safe for any input and at most 80 characters.

    Only scalars are shown: a 10 MB string is cut, a 5,000-digit integer is not converted
    (`repr` refuses past 4,300 digits), and a container is named by its type (`repr` of a
    deeply nested list recurses past the interpreter's limit).
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 96:
        return f"an integer of {value.bit_length()} bits"
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return f"a {type(value).__name__}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_short = short_repr


def _text(value: Any, where: str, field: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        need = "a non-empty string" if required else "a string"
        raise field_error(where, field, f"expected {need}, got {_short(value)}")
    if len(value) > MAX_TEXT:
        raise field_error(where, field, f"longer than {MAX_TEXT} characters")
    return value


def _integer(value: Any, where: str, field: str) -> int:
    # bool is an int subclass, but `true` is not an amount; a float must be whole.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise field_error(where, field, f"expected a whole number, got {_short(value)}")
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise field_error(where, field, f"expected a whole number, got {_short(value)}")
    if not 0 <= value <= MAX_AMOUNT:
        shown = _short(value) if abs(value) < 10**30 else "a number that large"
        raise field_error(where, field, f"out of range 0..2**53: {shown}")
    return int(value)


def _ports(value: Any, where: str, field: str) -> frozenset[int]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise field_error(where, field, f"expected a collection of ports, got {_short(value)}")
    out = set()
    for port in value:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise field_error(where, field, f"not a port: {_short(port)}")
        out.add(port)
    return frozenset(out)


def _datetime_micros(value: _dt.datetime, where: str, field: str) -> int:
    try:
        return Timestamp.from_datetime(value).micros
    except ExpressionError as exc:  # in years 1-9999 only before its offset, or a bad tzinfo
        raise field_error(where, field, str(exc)) from None


def timestamp_of(value: Any, where: str, field: str) -> Timestamp | None:
    """A timestamp from a `Timestamp`, a `datetime`, epoch seconds or ISO 8601 text."""
    if value is None or isinstance(value, Timestamp):
        micros = None if value is None else value.micros
    elif isinstance(value, bool):
        raise field_error(where, field, f"expected a timestamp, got {value!r}")
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise field_error(where, field, f"expected a finite number, got {value!r}")
        if abs(value) > 1e15:  # well past year 9999 in seconds; also keeps the product exact
            raise field_error(where, field, "epoch seconds out of range")
        micros = round(value * 1_000_000)  # epoch seconds, as the API sends them
    elif isinstance(value, _dt.datetime):  # boto3
        micros = _datetime_micros(value, where, field)
    elif isinstance(value, str):  # AWS CLI output: ISO 8601, with fractions and offsets
        if len(value) > 64:
            raise field_error(where, field, f"not a timestamp: {_short(value)}")
        try:
            parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise field_error(where, field, f"not a timestamp: {_short(value)}") from None
        micros = _datetime_micros(parsed, where, field)
    else:
        raise field_error(where, field, f"expected a timestamp, got {type(value).__name__}")
    if micros is None:
        return None
    # Beyond years 1-9999 the instant has no datetime (and would overflow the int64 column).
    if not _MIN_MICROS <= micros <= _MAX_MICROS:
        raise field_error(where, field, "timestamp out of range (years 1-9999)")
    return value if isinstance(value, Timestamp) else Timestamp(micros)


def _version(value: Any, where: str, field: str) -> str | None:
    # Text that is not a dotted-integer version loads and fails every comparison (the
    # language's rule); a component too long for the version column is refused here, at load
    # time, rather than on every later comparison.
    text = _text(value, where, field)
    if text is not None and LONG_DIGITS.search(text):
        raise field_error(where, field, f"a version component longer than 18 digits: "
                                        f"{_short(text)}")  # fmt: skip
    return text


def _attributes(value: Any, where: str, field: str) -> Mapping[str, str | None]:
    if not isinstance(value, Mapping):
        raise field_error(where, field, f"expected a mapping of names to values, got "
                                        f"{type(value).__name__}")  # fmt: skip
    out: dict[str, str | None] = {}
    for name, item in value.items():
        key = _text(name, where, f"{field} name", required=True)
        assert key is not None  # required=True never returns None
        out[key] = _text(item, where, f"{field}[{key}]")
    return FrozenMap(out)


def _groups(value: Any, where: str, field: str) -> Mapping[str, int]:
    if not isinstance(value, Mapping):
        raise field_error(where, field, f"expected a mapping of groups to counts, got "
                                        f"{type(value).__name__}")  # fmt: skip
    out: dict[str, int] = {}
    for name, count in value.items():
        group = _text(name, where, f"{field} group")
        assert group is not None or name is None
        if group is None:
            raise field_error(where, field, "a group name must be a string")
        number = _integer(count, where, f"{field}[{group}]")
        if number:
            out[group] = number
    return FrozenMap(out)


def check(spec: FieldSpec, value: Any, where: str, label: str | None = None) -> Any:
    """`value` checked (and normalised) for `spec`; `InventoryError` naming `where` and the field.

    JSON `null` (None) means absent: the field's default, where it has one.
    """
    kind, field = spec.kind, label or spec.name
    if value is None and spec.default is not None:
        return spec.default
    if kind is Kind.ARN or kind is Kind.REFERENCE:
        return _text(value, where, field, required=True)
    if kind is Kind.TEXT or kind is Kind.STATUS:
        return _text(value, where, field)
    if kind is Kind.FLAG:
        if not isinstance(value, bool):
            raise field_error(where, field, f"expected true or false, got {_short(value)}")
        return value
    if kind is Kind.AMOUNT or kind is Kind.COUNT:
        return _integer(value, where, field)
    if kind is Kind.PORTS:
        return _ports(value, where, field)
    if kind is Kind.TIMESTAMP:
        return timestamp_of(value, where, field)
    if kind is Kind.VERSION:
        return _version(value, where, field)
    if kind is Kind.ATTRIBUTES:
        return _attributes(value, where, field)
    return _groups(value, where, field)


def spec_named(fields: tuple[FieldSpec, ...], name: str) -> FieldSpec:
    """The declared field called `name`."""
    return next(spec for spec in fields if spec.name == name)


class TaskLike(Protocol):
    """What one copy of a task demands of an instance (a `TaskSpec` has all of it).

    The state update (`Inventory.with_placements`) and the rules read a task through this, so
    neither depends on where `TaskSpec` is defined.
    """

    @property
    def group(self) -> str:
        """The task's group (`service:NAME`, `family:NAME`)."""
        ...

    @property
    def cpu(self) -> int:
        """CPU units one copy takes."""
        ...

    @property
    def memory(self) -> int:
        """MiB one copy takes."""
        ...

    @property
    def gpus(self) -> int:
        """GPUs one copy takes."""
        ...

    @property
    def ports(self) -> frozenset[int]:
        """TCP host ports one copy binds."""
        ...

    @property
    def udp_ports(self) -> frozenset[int]:
        """UDP host ports one copy binds."""
        ...
