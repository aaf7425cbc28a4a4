"""The columnar inventory: an immutable snapshot of container instances and their running tasks.

Instances are rows of one table and RUNNING tasks rows of a second; both tables' columns are
derived from the field declarations in `model.py` (`columns.py` says how each kind of field is
stored). Every array is read-only: placing tasks builds a new inventory and never touches this
one. `with_placements` and `without_tasks` are the one state update every placer shares; the
reference placer keeps its own, independent one.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from .columns import (
    ABSENT,
    FEW_ROWS,
    NAME_ONLY,
    Built,
    GroupCounts,
    SparseSets,
    StringColumn,
    build_column,
    column_value,
    concat_columns,
    frozen,
    take_column,
)
from .dialects import reader
from .ecs import INSTANCE_READ, read_instances, read_tasks, transpose
from .ecs.protection import TASK_READ, protected_arns, read_protection
from .ecs.reserved import warn_unaccounted
from .errors import InventoryError, PlacementInputError
from .instance import Instance, Task
from .model import INSTANCE_FIELDS, TASK_FIELDS, FieldSpec, Kind, TaskLike

if TYPE_CHECKING:
    from .syntax.ast import Expression

__all__ = [
    "Inventory", "TaskTable", "NewCopies", "StringColumn", "ABSENT", "NAME_ONLY",
    "LOCAL_TASK_PREFIX", "local_arns",
]  # fmt: skip

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]

LOCAL_TASK_PREFIX = "placement:task/"
"""Tasks placed here, without an ARN from ECS, are named `placement:task/<n>`, n = 1, 2, ..."""
_LOCAL = re.compile(re.escape(LOCAL_TASK_PREFIX) + r"([0-9]{1,18})")

# Column attribute names that differ from the field names (kept for the evaluators' sake).
_INSTANCE_COLUMNS = {
    "arn": "ids", "ec2_instance_id": "ec2_instance_ids", "agent_version": "agent_versions",
    "task_groups": "groups",
}  # fmt: skip
_TASK_COLUMNS = {"arn": "arns", "group": "groups", "instance": "instances"}


PROVIDER_ATTRIBUTE = "ecs.capacity-provider"
"""The attribute that names an instance's capacity provider (`capacityProviderName`), so that
expressions and `spread(attribute:ecs.capacity-provider)` read it (SEMANTICS.md §9)."""


def _provider_attribute(inventory: Any) -> None:
    # Derived, not stored: an instance's own attribute of that name, where it has one, wins.
    column = inventory.capacity_provider
    if PROVIDER_ATTRIBUTE in inventory.attributes or not (column.codes >= 0).any():
        return
    object.__setattr__(inventory, "attributes", {**inventory.attributes,
                                                 PROVIDER_ATTRIBUTE: column})  # fmt: skip


def _attribute_names(fields: tuple[FieldSpec, ...], renames: Mapping[str, str]) -> list[str]:
    names = []
    for spec in fields:
        name = renames.get(spec.name, spec.name)
        names.append(name)
        if spec.kind is Kind.TIMESTAMP:
            names.append(f"has_{name}")
    return names


def _set_columns(
    target: Any,
    fields: tuple[FieldSpec, ...],
    renames: Mapping[str, str],
    columns: Mapping[str, Any],
) -> None:
    for spec in fields:
        name = renames.get(spec.name, spec.name)
        column = columns[spec.name]
        if spec.kind is Kind.TIMESTAMP:
            micros, present = column
            object.__setattr__(target, name, frozen(micros))
            object.__setattr__(target, f"has_{name}", frozen(present))
        else:
            # Arrays are frozen here too: an unpickled inventory must stay read-only.
            object.__setattr__(
                target, name, frozen(column) if isinstance(column, np.ndarray) else column
            )


def _get_columns(
    source: Any, fields: tuple[FieldSpec, ...], renames: Mapping[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in fields:
        name = renames.get(spec.name, spec.name)
        if spec.kind is Kind.TIMESTAMP:
            out[spec.name] = (getattr(source, name), getattr(source, f"has_{name}"))
        else:
            out[spec.name] = getattr(source, name)
    return out


def _protection(protection: Any, now: Any) -> frozenset[str]:
    """The task ARNs a GetTaskProtection `protection` (None: none) protects at `now`."""
    if protection is None:
        return frozenset()
    return protected_arns(protection, now)


_READ_WIDTH = len(TASK_READ)
_NO_GROUPS: dict[str, int] = {}  # shared by the instances without tasks; never written


def _per_row(rows: Ints, n: int) -> tuple[Ints, Ints, Ints]:
    """The distinct rows of `rows` (ascending), the copies of each, each copy's index in them.

    A few rows are counted by sorting them; many by one `bincount` over all `n` instances.
    """
    if len(rows) <= FEW_ROWS:
        placed, which, copies = np.unique(rows, return_inverse=True, return_counts=True)
        return placed.astype(np.int64), copies.astype(np.int64), which.astype(np.int64)
    counts = np.bincount(rows, minlength=n)
    placed = np.flatnonzero(counts).astype(np.int64)
    slot = np.zeros(n, dtype=np.int64)
    slot[placed] = np.arange(len(placed))
    return placed, counts[placed].astype(np.int64), slot[rows]


def _updated(column: Ints, rows: Ints, change: Ints) -> Ints:
    """A copy of the int column with `change[j]` added at `rows[j]` (distinct rows)."""
    out = column.astype(np.int64)  # always a copy: the column itself is read-only
    out[rows] += change
    return out


def _refuse_repeats(arns: Sequence[Any], what: str, field: str) -> None:
    """Raise for the first ARN that appears twice."""
    first: dict[str, int] = {}
    for position, arn in enumerate(arns):
        if first.setdefault(arn, position) != position:
            raise InventoryError(f"{what} #{position} ({arn}): field {field!r}: appears twice")


_MAX_PARTS = 32
"""Commits a task table keeps as separate parts before it joins them (see `TaskTable`)."""


def local_arns(start: int, count: int) -> npt.NDArray[np.object_]:
    """`placement:task/<start>` to `placement:task/<start + count - 1>`, as a read-only array."""
    out = np.empty(count, dtype=object)
    out[:] = [f"{LOCAL_TASK_PREFIX}{start + k}" for k in range(count)]
    return frozen(out)


class NewCopies(Mapping[str, Any]):
    """The task rows of `len(rows)` new copies of one task, as a task-table part.

    Every copy has the same group, resources and ports, and their ARNs are a serial range
    (`placement:task/<start>`, ...) or given: so the part holds the instance rows and the
    task, and a column (an ARN string per copy, say) is made only when the part is joined or
    read. Placing a million copies then costs the rows, not a million strings.
    """

    __slots__ = ("rows", "task", "start", "arns")

    def __init__(
        self,
        rows: Ints,
        task: TaskLike,
        start: int,
        arns: npt.NDArray[np.object_] | None = None,
    ) -> None:
        self.rows = frozen(rows)
        self.task = task
        self.start = start
        self.arns = arns

    def __getitem__(self, name: str) -> Any:
        k, task = len(self.rows), self.task
        if name == "instance":
            return self.rows
        if name == "arn":
            return self.arns if self.arns is not None else local_arns(self.start, k)
        if name == "group":
            return StringColumn(np.zeros(k, dtype=np.int32), (task.group,))
        if name in ("cpu", "memory", "gpus"):
            return frozen(np.full(k, getattr(task, name), dtype=np.int64))
        if name in ("ports", "udp_ports"):
            items = np.array(sorted(getattr(task, name)), dtype=np.int32)
            width = len(items)
            return SparseSets(
                np.arange(k + 1, dtype=np.int64) * width,
                np.tile(items, k),
                np.repeat(np.arange(k, dtype=np.int64), width),
            )
        if name == "started_at":
            return frozen(np.zeros(k, dtype=np.int64)), frozen(np.zeros(k, dtype=bool))
        if name == "protected":  # a copy placed here has no scale-in protection
            return frozen(np.zeros(k, dtype=bool))
        if name == "labels":  # a TaskSpec has no labels: the copies' rows carry none
            return {}
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (spec.name for spec in TASK_FIELDS)

    def __len__(self) -> int:
        return len(TASK_FIELDS)

    def newest_arns(self, k: int) -> tuple[str, ...]:
        """The ARNs of the last `k` rows (`k` at most the part's rows)."""
        n = len(self.rows)
        if self.arns is not None:
            return tuple(str(a) for a in self.arns[n - k :]) if k else ()
        return tuple(f"{LOCAL_TASK_PREFIX}{self.start + j}" for j in range(n - k, n))


def _join_parts(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Task columns by field name holding every part's rows, in order."""
    lengths = [len(part["instance"]) for part in parts]
    return {
        spec.name: concat_columns(
            spec, [_part_column(part, spec, n) for part, n in zip(parts, lengths, strict=True)],
            lengths,
        )
        for spec in TASK_FIELDS
    }


def _part_column(part: Mapping[str, Any], spec: FieldSpec, n: int) -> Any:
    """`part`'s column of `spec`; a part made before the field existed holds its default."""
    if spec.name in part:
        return part[spec.name]
    return build_column(spec, [spec.default] * n)


_TASK_SLOTS = frozenset(_attribute_names(TASK_FIELDS, _TASK_COLUMNS))


class TaskTable:
    """The RUNNING tasks of an inventory, one row each, in load order then placement order.

    Columns: `arns`, `instances` (each task's instance row), `groups` (dictionary-encoded),
    `cpu`, `memory`, `gpus`, `ports`, `udp_ports`, `started_at`/`has_started_at`, `protected`
    (scale-in protection, SEMANTICS.md §9), `labels` (name -> string column; §11). `len()`,
    `table[j]` (a `Task`) and iteration read it back.
    """

    __slots__ = (
        *_attribute_names(TASK_FIELDS, _TASK_COLUMNS), "_instance_ids", "_row_of", "_parts",
    )  # fmt: skip

    arns: npt.NDArray[np.object_]
    instances: Ints
    groups: StringColumn
    cpu: Ints
    memory: Ints
    gpus: Ints
    ports: SparseSets
    udp_ports: SparseSets
    started_at: Ints
    has_started_at: Bools
    protected: Bools
    labels: dict[str, StringColumn]

    def __init__(self, columns: Mapping[str, Any], instance_ids: npt.NDArray[np.object_]) -> None:
        _set_columns(self, TASK_FIELDS, _TASK_COLUMNS, columns)
        self._instance_ids = instance_ids
        self._row_of: dict[str, int] | None = None
        self._parts: list[Mapping[str, Any]] | None = None

    @classmethod
    def _extended(
        cls, table: TaskTable, part: Mapping[str, Any], instance_ids: npt.NDArray[np.object_]
    ) -> TaskTable:
        """`table`'s rows then `part`'s, the parts joined only when a column is first read.

        Copying every column of a large table (an object array of ARNs touches every string)
        was most of the cost of placing one copy; a commit now adds its rows as a part.
        """
        parts = [*(table._parts or [table.columns()]), part]
        if len(parts) > _MAX_PARTS:
            return cls(_join_parts(parts), instance_ids)
        out = cls.__new__(cls)
        out._instance_ids = instance_ids
        out._row_of = None
        out._parts = parts
        return out

    def __getattr__(self, name: str) -> Any:
        # Only for a column slot not set yet: the parts are joined once (the table is
        # immutable), then every column is a plain attribute.
        parts = object.__getattribute__(self, "_parts")
        if parts is None or name not in _TASK_SLOTS:
            raise AttributeError(name)
        _set_columns(self, TASK_FIELDS, _TASK_COLUMNS, _join_parts(parts))
        self._parts = None
        return object.__getattribute__(self, name)

    @classmethod
    def build(
        cls, rows: Sequence[Sequence[Any]], instance_ids: npt.NDArray[np.object_]
    ) -> TaskTable:
        """From checked task values (TASK_FIELDS order, the instance as a row number).

        A row may end early (without the fields after `protected`, say): those hold defaults.
        """
        width = min((len(row) for row in rows), default=len(TASK_FIELDS))
        columns = {
            spec.name: build_column(
                spec,
                [row[k] for row in rows] if k < width
                else [row[k] if k < len(row) else spec.default for row in rows],
            )
            for k, spec in enumerate(TASK_FIELDS)
        }
        return cls(columns, instance_ids)

    def newest_arns(self, k: int) -> tuple[str, ...]:
        """The ARNs of the last `k` task rows (without joining a commit's parts)."""
        if self._parts is not None:
            last = self._parts[-1]
            if isinstance(last, NewCopies) and len(last.rows) >= k:
                return last.newest_arns(k)
        arns = self._parts[-1]["arn"] if self._parts is not None else self.arns
        if len(arns) < k:
            arns = self.arns
        return tuple(str(a) for a in arns[len(arns) - k :]) if k else ()

    def columns(self) -> dict[str, Any]:
        """The columns by field name."""
        return _get_columns(self, TASK_FIELDS, _TASK_COLUMNS)

    @staticmethod
    def empty_columns() -> dict[str, Any]:
        """The columns of a table with no tasks."""
        return {spec.name: build_column(spec, []) for spec in TASK_FIELDS}

    def __len__(self) -> int:
        if self._parts is not None:
            return sum(len(part["instance"]) for part in self._parts)
        return len(self.instances)

    def __getitem__(self, j: int) -> Task:
        n = len(self)
        if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not -n <= j < n:
            raise IndexError(f"task index {j!r} out of range for {n} tasks")
        j = int(j) % n
        columns = self.columns()
        values = {spec.name: column_value(spec, columns[spec.name], j) for spec in TASK_FIELDS}
        values["instance"] = str(self._instance_ids[values["instance"]])
        return Task(**values)

    def __iter__(self) -> Iterator[Task]:
        for j in range(len(self)):
            yield self[j]

    def index_of(self, arn: str) -> int:
        """The row of the task with this ARN (KeyError if there is none)."""
        if self._row_of is None:
            self._row_of = {str(a): j for j, a in enumerate(self.arns)}
        return self._row_of[arn]

    def __contains__(self, arn: object) -> bool:
        try:
            self.index_of(arn)  # type: ignore[arg-type]
        except (KeyError, TypeError):
            return False
        return True

    def __repr__(self) -> str:
        return f"<TaskTable {len(self)} tasks>"

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns (ARNs counted as their string lengths)."""
        arrays = (self.instances, self.cpu, self.memory, self.gpus, self.started_at,
                  self.has_started_at, self.protected)  # fmt: skip
        total = sum(int(a.nbytes) for a in arrays)
        total += int(self.arns.nbytes) + sum(len(a) + 49 for a in self.arns)
        return total + self.groups.nbytes + self.ports.nbytes + self.udp_ports.nbytes


class Inventory:
    """An immutable, columnar snapshot of container instances and their RUNNING tasks.

    Build one with `Inventory.from_ecs` (DescribeContainerInstances and DescribeTasks responses),
    `Inventory.from_instances` or `Inventory.from_boto3`. `len(inv)`, `inv[i]` (an `Instance`),
    iteration and `inv.ids` (the container instance ARNs) read the instances back; `inv.tasks`
    holds the RUNNING tasks as rows. `Inventory.from_ecs(*inv.to_ecs())` reproduces `inv`.
    """

    __slots__ = (
        *_attribute_names(INSTANCE_FIELDS, _INSTANCE_COLUMNS), "tasks", "_row_of", "_serial",
        "_memo",
    )  # fmt: skip

    ids: npt.NDArray[np.object_]
    ec2_instance_ids: StringColumn
    status: StringColumn
    agent_connected: Bools
    agent_versions: StringColumn
    registered_at: Ints
    has_registered_at: Bools
    attributes: dict[str, StringColumn]
    cpu: Ints
    memory: Ints
    gpus: Ints
    ports: SparseSets
    udp_ports: SparseSets
    registered_cpu: Ints
    registered_memory: Ints
    running_tasks_count: Ints
    groups: GroupCounts
    capacity_provider: StringColumn
    tasks: TaskTable

    def __init__(self, columns: Mapping[str, Any], tasks: Mapping[str, Any]) -> None:
        """From columns by field name (see `model.INSTANCE_FIELDS` and `TASK_FIELDS`)."""
        _set_columns(self, INSTANCE_FIELDS, _INSTANCE_COLUMNS, columns)
        _provider_attribute(self)
        self.tasks = TaskTable(tasks, self.ids)
        self._row_of: dict[str, int] | None = None
        self._serial: int | None = None
        self._memo: dict[Any, Any] | None = None

    def columns(self) -> dict[str, Any]:
        """The instance columns by field name."""
        return _get_columns(self, INSTANCE_FIELDS, _INSTANCE_COLUMNS)

    def __reduce__(self) -> tuple[Any, ...]:
        # Columns pickle as plain arrays; the constructor makes them read-only again.
        return (Inventory, (self.columns(), self.tasks.columns()))

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def _build(
        cls,
        records: Sequence[Sequence[Any]],
        task_rows: Sequence[Sequence[Any]],
        where: str = "container instance",
        protected: Collection[str] = frozenset(),
    ) -> Inventory:
        """From checked instance values (INSTANCE_READ order) and task values (TASK_FIELDS).

        A task row of `TASK_READ` values (as DescribeTasks' readers give them) is protected
        when its ARN is in `protected`.

        A None `runningTasksCount` becomes the number of RUNNING tasks; each task's instance
        ARN becomes its instance's row; tasks on instances not in the inventory are dropped.
        Timestamps may be `Timestamp`s or whole microseconds.
        """
        return cls._from_fields(transpose(records), task_rows, where, protected)

    @classmethod
    def _from_fields(
        cls,
        fields: Sequence[Any],
        task_rows: Sequence[Sequence[Any]],
        where: str = "container instance",
        protected: Collection[str] = frozenset(),
    ) -> Inventory:
        """`_build` from one sequence per INSTANCE_READ field, or its finished column (`Built`)."""
        n = len(fields[0])
        row_of = dict(zip(fields[0], range(n), strict=True))
        if len(row_of) != n:
            _refuse_repeats(fields[0], where, "containerInstanceArn")
        groups: list[dict[str, int]] = [_NO_GROUPS] * n
        kept: list[tuple[Any, ...]] = []
        for row in task_rows:
            instance = row_of.get(row[1])
            if instance is None:
                continue  # a task on an instance outside this inventory
            mine = groups[instance]
            if mine is _NO_GROUPS:
                mine = groups[instance] = {}
            mine[row[2]] = mine.get(row[2], 0) + 1
            if len(row) == _READ_WIDTH:  # DescribeTasks says nothing of protection
                kept.append((row[0], instance, *row[2:], row[0] in protected))
            else:
                kept.append((row[0], instance, *row[2:]))
        if len({row[0] for row in kept}) != len(kept):
            # Positions count the RUNNING task rows; only tasks on these instances are kept.
            kept_arns = [row[0] if row[1] in row_of else object() for row in task_rows]
            _refuse_repeats(kept_arns, "task", "taskArn")
        columns: dict[str, Any] = {}
        for spec, values in zip(INSTANCE_READ, fields, strict=True):
            if spec.kind is Kind.COUNT and not isinstance(values, Built) and None in values:
                values = tuple(
                    sum(g.values()) if v is None else v for v, g in zip(values, groups, strict=True)
                )
            columns[spec.name] = build_column(spec, values)
        columns["task_groups"] = GroupCounts.build(groups)
        ids = columns["arn"]
        task_columns = TaskTable.build(kept, ids).columns()
        return cls(columns, task_columns)

    @classmethod
    def from_ecs(
        cls, container_instances: Any, tasks: Any = (), *, protection: Any = None, now: Any = None
    ) -> Inventory:
        """Load DescribeContainerInstances and DescribeTasks output.

        Each argument is one response (a dict with `containerInstances` / `tasks`), a list of
        response pages, or a plain list of elements, as boto3 and the AWS CLI return them.
        `registeredAt` and `startedAt` may be epoch seconds, ISO 8601 text or a `datetime`.
        Only tasks whose desiredStatus is RUNNING count, each a row of `inv.tasks`; tasks on
        instances not in the inventory are ignored. JSON null means absent. Malformed input
        raises `InventoryError` naming the instance (or task) and field, and loads nothing.
        See docs/inventory.md, "What the loaders accept and refuse".

        `protection`: GetTaskProtection output (one response or a list of them): the tasks it
        protects at `now` (a `datetime`, epoch seconds or ISO text; default the current time)
        are `protected` (SEMANTICS.md §9). ARNs of tasks not loaded are ignored: a task may
        stop between the two calls. See docs/what-if.md, "Scale-in protection".

        With tasks given (not empty), reserved host ports that no running task on the instance
        holds, beyond the agent's own, load with an `UnaccountedPortsWarning` naming them.
        """
        inv = cls._build(
            read_instances(container_instances), read_tasks(tasks), "container instance",
            _protection(protection, now),
        )  # fmt: skip
        if tasks:
            inv._warn_unaccounted_ports()
        return inv

    @classmethod
    def from_ecs_json(
        cls,
        container_instances: Any,
        tasks: Any = None,
        *,
        protection: Any = None,
        now: Any = None,
    ) -> Inventory:
        """Load DescribeContainerInstances and DescribeTasks output straight from JSON.

        Each argument is JSON as bytes, JSON text (a `str` whose first non-blank character is
        `{` or `[`), or a path (any other `str`, or an `os.PathLike`) to a file of it, holding
        what `from_ecs` takes; `tasks=None` means no tasks. The answer, and the error for bad
        input, are those of `from_ecs(json.loads(...))`; JSON that does not parse is an
        `InventoryError` too. The JSON is decoded straight into typed records (msgspec), without
        a dict per instance, and read a column at a time. `protection` and `now` are those of
        `from_ecs` (the protection response as parsed JSON, not text), and so is the warning of
        reserved ports no task holds when `tasks` is given.
        """
        from .ecs_json import load_json, paused_gc

        protected = _protection(protection, now)
        with paused_gc():
            fields, task_rows = load_json(container_instances, tasks)
            inv = cls._from_fields(fields, task_rows, "container instance", protected)
        if tasks is not None:
            inv._warn_unaccounted_ports()
        return inv

    def _warn_unaccounted_ports(self) -> None:
        """`UnaccountedPortsWarning` for reserved ports no running task holds (ecs/reserved.py)."""
        def label(row: int) -> str:  # the EC2 ID, else the container instance ID
            return self.ec2_instance_ids.get(row) or str(self.ids[row]).rsplit("/", 1)[-1]

        tasks = self.tasks
        warn_unaccounted(label, (self.ports, self.udp_ports), tasks.instances,
                         (tasks.ports, tasks.udp_ports), stacklevel=3)  # fmt: skip

    @classmethod
    def from_instances(
        cls, instances: Iterable[Instance], tasks: Iterable[Task] | None = None
    ) -> Inventory:
        """Build from `Instance` objects, in order, and their RUNNING `Task`s.

        Without `tasks`, each instance's `task_groups` become tasks that hold nothing, named
        `<instance ARN>#<group>#<k>`. With `tasks`, every task must run on one of the
        instances, and each instance's `task_groups` must count exactly its tasks.
        """
        if isinstance(instances, (str, bytes, Mapping)) or not isinstance(instances, Iterable):
            raise InventoryError(f"instances: expected Instance objects, got "
                                 f"{type(instances).__name__}")  # fmt: skip
        items = list(instances)
        for position, inst in enumerate(items):
            if not isinstance(inst, Instance):
                raise InventoryError(
                    f"item #{position}: expected an Instance, got {type(inst).__name__}"
                )
        records = [[getattr(inst, spec.name) for spec in INSTANCE_READ] for inst in items]
        task_rows: list[list[Any]] = []
        if tasks is None:
            # Tasks known only by their group's count: placeholders that hold nothing.
            for inst in items:
                for group, count in inst.task_groups.items():
                    for k in range(count):
                        given = {"arn": f"{inst.arn}#{group}#{k}", "instance": inst.arn,
                                 "group": group}  # fmt: skip
                        task_rows.append(
                            [given.get(spec.name, spec.default) for spec in TASK_FIELDS]
                        )
        else:
            if isinstance(tasks, (str, bytes, Mapping)) or not isinstance(tasks, Iterable):
                raise InventoryError(f"tasks: expected Task objects, got {type(tasks).__name__}")
            known = {inst.arn for inst in items}
            counted: dict[str, dict[str, int]] = {}
            for position, task in enumerate(tasks):
                if not isinstance(task, Task):
                    raise InventoryError(
                        f"task #{position}: expected a Task, got {type(task).__name__}"
                    )
                if task.instance not in known:
                    raise InventoryError(
                        f"task #{position} ({task.arn}): field 'instance': no instance "
                        f"{task.instance} in the inventory"
                    )
                per = counted.setdefault(task.instance, {})
                per[task.group] = per.get(task.group, 0) + 1
                task_rows.append([getattr(task, spec.name) for spec in TASK_FIELDS])
            for position, inst in enumerate(items):
                if dict(inst.task_groups) != counted.get(inst.arn, {}):
                    raise InventoryError(
                        f"instance #{position} ({inst.arn}): field 'task_groups': "
                        f"{dict(inst.task_groups)} does not count its tasks "
                        f"{counted.get(inst.arn, {})}"
                    )
        return cls._build(records, task_rows, where="instance")

    @classmethod
    def from_k8s(cls, nodes: Any, pods: Any = None, namespaces: Any = None) -> Inventory:
        """Load `kubectl get nodes -o json` and `kubectl get pods -A -o json` output.

        See `placement.k8s.inventory` (node names as ARNs, labels as attributes, CPU in
        millicores and memory in bytes less the pods' requests) and docs/kubernetes.md.
        `namespaces`: `kubectl get namespaces -o json`, read by pod affinity terms'
        `namespaceSelector`.
        """
        built: Inventory = reader("inventory", "k8s")(nodes, pods, namespaces=namespaces)
        return built

    @classmethod
    def from_nomad(cls, nodes: Any, allocations: Any = None) -> Inventory:
        """Load Nomad node objects (`GET /v1/node/:id`), and optionally allocations.

        See `placement.nomad.inventory` (node names as ARNs, `attr.*`/`meta.*`/`node.*` as
        attributes, CPU in MHz and memory in MB less reserved) and docs/nomad.md.
        """
        built: Inventory = reader("inventory", "nomad")(nodes, allocations)
        return built

    @classmethod
    def from_boto3(cls, ecs_client: Any, cluster: str) -> Inventory:
        """Read a live cluster through a boto3 ECS client (the `aws` extra).

        Pages through ListContainerInstances, DescribeContainerInstances (100 at a time),
        ListTasks (desired status RUNNING) and DescribeTasks (100 at a time).
        """
        from .aws import fetch_cluster

        instances, tasks = fetch_cluster(ecs_client, cluster)
        return cls.from_ecs(instances, tasks)

    # -- reading back -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, i: int) -> Instance: ...

    @overload
    def __getitem__(self, i: slice) -> list[Instance]: ...

    def __getitem__(self, i: int | slice) -> Instance | list[Instance]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not -n <= i < n:
            raise IndexError(f"instance index {i!r} out of range for {n} instances")
        i = int(i) % n
        columns = self.columns()
        return Instance(
            **{spec.name: column_value(spec, columns[spec.name], i) for spec in INSTANCE_FIELDS}
        )

    def __iter__(self) -> Iterator[Instance]:
        for i in range(len(self)):
            yield self[i]

    @property
    def zones(self) -> int:
        """How many distinct availability zones the instances are in."""
        column = self.attributes.get("ecs.availability-zone")
        return 0 if column is None else len(np.unique(column.codes[column.codes >= 0]))

    def __repr__(self) -> str:
        def counted(number: int, noun: str) -> str:
            return f"{number} {noun}" + ("" if number == 1 else "s")

        return (
            f"<Inventory {counted(len(self), 'instance')}, {counted(self.zones, 'zone')}, "
            f"{counted(len(self.tasks), 'task')}>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Inventory):
            return NotImplemented
        return (
            len(self) == len(other)
            and len(self.tasks) == len(other.tasks)
            and all(a == b for a, b in zip(self, other, strict=True))
            and all(a == b for a, b in zip(self.tasks, other.tasks, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]

    def index_of(self, arn: str) -> int:
        """The row of the instance with this ARN (KeyError if there is none)."""
        if self._row_of is None:
            self._row_of = {str(a): i for i, a in enumerate(self.ids)}
        return self._row_of[arn]

    def to_ecs(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(DescribeContainerInstances response, DescribeTasks response) for this inventory.

        `Inventory.from_ecs(*inv.to_ecs())` reproduces `inv`, tasks included, but for their
        scale-in protection, which DescribeTasks does not carry: pass
        `protection=ecs.protection.protection_to_ecs(inv.tasks)` for that too.
        """
        return (
            {"containerInstances": [inst.to_ecs() for inst in self], "failures": []},
            {"tasks": [task.to_ecs() for task in self.tasks], "failures": []},
        )

    def with_protection(self, protection: Any, now: Any = None) -> Inventory:
        """A copy whose tasks named by GetTaskProtection output are set as it says at `now`.

        As `from_ecs(..., protection=, now=)` reads it (SEMANTICS.md §9); tasks it does not
        name keep their flag, ARNs of tasks not here are ignored.
        """
        answers = read_protection(protection, now)
        arns = self.tasks.arns.tolist()
        flags = self.tasks.protected.copy()
        for j, arn in enumerate(arns):
            if arn in answers:
                flags[j] = answers[arn]
        tasks = {**self.tasks.columns(), "protected": frozen(flags)}
        out = Inventory(self.columns(), tasks)
        out._serial = self._serial
        return out

    def group_counts(self, group: str) -> Ints:
        """Per instance, its RUNNING tasks of `group` (read-only; copy it to change it)."""
        counts: Ints = self.memo(("group", group), lambda: self.groups.count_of(group, len(self)))
        return counts

    def memo(self, key: Any, compute: Any) -> Any:
        """A value derived from this (immutable) inventory, computed once per key.

        Placing, ranking and explaining read the same derived columns again and again (a
        group's per-instance counts, an attribute's zones); arrays are returned read-only.
        The memo holds at most 64 entries and is not part of equality or pickles.
        """
        memo = self._memo
        if memo is None:
            memo = self._memo = {}
        try:
            return memo[key]
        except KeyError:
            pass
        value = compute()
        if isinstance(value, np.ndarray):
            frozen(value)
        if len(memo) >= 64:
            del memo[next(iter(memo))]
        memo[key] = value
        return value

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns (ids counted as their string lengths)."""
        total = 0
        for value in self.columns().values():
            parts = value if isinstance(value, tuple) else (value,)
            for part in parts:
                if isinstance(part, dict):
                    total += sum(c.nbytes for c in part.values())
                elif isinstance(part, np.ndarray) and part.dtype == object:
                    total += int(part.nbytes) + sum(len(a) + 49 for a in part)
                else:
                    total += int(part.nbytes)
        return total + self.tasks.nbytes

    # -- sub-inventories ----------------------------------------------------------------------

    def select(self, rows: Iterable[int] | npt.NDArray[np.integer]) -> Inventory:
        """The instances at `rows` (in that order), with their tasks."""
        picked = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows)
        if picked.dtype == bool:
            if len(picked) != len(self):
                raise PlacementInputError(f"a mask of {len(picked)} for {len(self)} instances")
            picked = np.flatnonzero(picked)
        if len(picked) and not np.issubdtype(picked.dtype, np.integer):
            raise PlacementInputError("rows must be integers or a boolean mask")
        picked = picked.astype(np.intp)
        if len(picked) and (picked.min() < -len(self) or picked.max() >= len(self)):
            raise PlacementInputError(f"row out of range for {len(self)} instances")
        picked %= max(len(self), 1)
        if len(np.unique(picked)) != len(picked):
            raise PlacementInputError("rows must not repeat")
        columns = {
            spec.name: take_column(spec, column, picked)
            for spec, column in zip(INSTANCE_FIELDS, self.columns().values(), strict=True)
        }
        new_row = np.full(len(self) + 1, -1, dtype=np.int64)
        new_row[picked] = np.arange(len(picked))
        keep = np.flatnonzero(new_row[self.tasks.instances] >= 0)
        task_columns = {
            spec.name: take_column(spec, column, keep)
            for spec, column in zip(TASK_FIELDS, self.tasks.columns().values(), strict=True)
        }
        task_columns["instance"] = frozen(new_row[self.tasks.instances[keep]])
        return Inventory(columns, task_columns)

    def filter(self, expression: Expression | str) -> Inventory:
        """The instances that satisfy `expression` (an expression or its text), with their tasks."""
        from .syntax.ast import Expression as _Expression
        from .syntax.parser import parse

        if isinstance(expression, str):
            expression = parse(expression)
        if not isinstance(expression, _Expression):
            raise PlacementInputError(
                f"filter takes an expression or its text, got {type(expression).__name__}"
            )
        return self.select(np.flatnonzero(expression.evaluate(self)))

    def appending(self, other: Inventory) -> Inventory:
        """A new inventory: these instances and tasks, then `other`'s (ARNs must not repeat).

        Columnar: no per-instance objects, so adding instances to a large inventory (what-if
        questions, new instances from events) costs what the new rows cost plus one copy.
        """
        if not isinstance(other, Inventory):
            raise PlacementInputError(f"appending takes an Inventory, got {type(other).__name__}")
        clash = set(self.ids.tolist()).intersection(other.ids.tolist())
        if clash:
            raise InventoryError(f"instance {min(clash)}: field 'containerInstanceArn': "
                                 "appears twice")  # fmt: skip
        task_clash = set(self.tasks.arns.tolist()).intersection(other.tasks.arns.tolist())
        if task_clash:
            raise InventoryError(f"task {min(task_clash)}: field 'taskArn': appears twice")
        n, m = len(self), len(other)
        mine, theirs = self.columns(), other.columns()
        columns = {
            spec.name: concat_columns(spec, [mine[spec.name], theirs[spec.name]], [n, m])
            for spec in INSTANCE_FIELDS
        }
        t_mine, t_theirs = self.tasks.columns(), other.tasks.columns()
        t_theirs["instance"] = t_theirs["instance"] + n
        k, j = len(self.tasks), len(other.tasks)
        tasks = {
            spec.name: concat_columns(spec, [t_mine[spec.name], t_theirs[spec.name]], [k, j])
            for spec in TASK_FIELDS
        }
        return Inventory(columns, tasks)

    # -- new states ---------------------------------------------------------------------------

    def next_task_serial(self) -> int:
        """The n of the next `placement:task/<n>` name (one past the largest in use)."""
        if self._serial is None:
            largest = 0
            for arn in self.tasks.arns:
                if arn.startswith(LOCAL_TASK_PREFIX):
                    m = _LOCAL.fullmatch(arn)
                    if m:
                        largest = max(largest, int(m.group(1)))
            self._serial = largest + 1
        return self._serial

    def with_placements(
        self,
        rows: Sequence[int] | npt.NDArray[np.integer],
        task: TaskLike,
        *,
        task_arns: Sequence[str] | None = None,
    ) -> Inventory:
        """A new inventory where instance `rows[k]` runs the k-th new copy of `task`.

        Each copy takes the task's CPU, memory and GPUs from its instance, reserves its host
        ports, counts as one more RUNNING task of its group and becomes a task row, named by
        `task_arns` or `placement:task/<n>`. This inventory is left as it is.
        """
        copied: Ints = np.array(rows, dtype=np.int64)  # a copy: the new part keeps it
        if not len(copied):
            return self
        start = self.next_task_serial()
        generated = task_arns is None
        given = None
        if task_arns is not None:
            task_arns = list(task_arns)
            if len(task_arns) != len(rows) or len(set(task_arns)) != len(task_arns):
                raise PlacementInputError("task_arns: one distinct ARN per placed copy")
            for arn in task_arns:
                if not isinstance(arn, str) or not arn or arn in self.tasks:
                    raise PlacementInputError(f"task_arns: {arn!r} is not a new task ARN")
            given = np.empty(len(task_arns), dtype=object)
            given[:] = task_arns
            frozen(given)
        self._check_fit(copied, task)
        out = self._adding_tasks(NewCopies(copied, task, start, given))
        # Names given by the caller may be anything: the next free number is found again.
        out._serial = start + len(copied) if generated else None
        return out

    def _check_fit(self, rows: Ints, task: TaskLike) -> None:
        """Refuse copies their instances cannot hold (nothing is half-applied)."""
        n = len(self)
        if rows.min() < 0 or rows.max() >= n:
            raise PlacementInputError(f"rows: an instance row out of range for {n} instances")
        hit, copies, _ = _per_row(rows, n)
        for have, need, what in ((self.cpu, task.cpu, "CPU"), (self.memory, task.memory, "memory"),
                                 (self.gpus, task.gpus, "GPUs")):  # fmt: skip
            short = np.flatnonzero(have[hit] < copies * need)
            if len(short):
                raise PlacementInputError(
                    f"instance {self.ids[hit[short[0]]]} has too little {what} for "
                    f"{copies[short[0]]} more copies"
                )
        if task.ports or task.udp_ports:
            taken = self.ports.holds_any(hit, task.ports) | self.udp_ports.holds_any(
                hit, task.udp_ports
            )
            clash = hit[taken | (copies > 1)]
            if len(clash):
                raise PlacementInputError(
                    f"instance {self.ids[clash[0]]} cannot bind the task's host ports again"
                )

    def _adding_tasks(self, new: NewCopies) -> Inventory:
        """The one state update for new copies of a task: instances give up its resources."""
        n, rows, task = len(self), new.rows, new.task
        # The instances that take copies, how many each: only those rows change, so the
        # numeric columns are copied and updated there.
        placed, copies, _ = _per_row(rows, n)
        columns = self.columns()
        for spec in INSTANCE_FIELDS:
            how = spec.consumed_by
            if how is None:
                continue
            column = columns[spec.name]
            if how == "+":
                columns[spec.name] = _updated(column, placed, copies)
            elif how == "+group":
                columns[spec.name] = column.adding(placed, task.group, copies)
            elif how.startswith("-"):
                amount = int(getattr(task, how[1:]))
                if amount:
                    columns[spec.name] = _updated(column, placed, -copies * amount)
            elif how.startswith("|"):
                columns[spec.name] = column.adding(placed, getattr(task, how[1:]))
        # The new tasks become a part of the task table (its columns made when first read).
        out = Inventory(columns, TaskTable.empty_columns())
        out.tasks = TaskTable._extended(self.tasks, new, out.ids)
        return out

    def without_tasks(self, arns: Iterable[str]) -> Inventory:
        """A new inventory where the tasks named by `arns` have stopped.

        The exact inverse of placing them: their instances regain their CPU, memory, GPUs and
        host ports, and count one RUNNING task fewer. An unknown ARN is a `PlacementInputError`.
        """
        gone = []
        for arn in arns:
            try:
                gone.append(self.tasks.index_of(arn))
            except (KeyError, TypeError):
                raise PlacementInputError(f"no running task {arn!r} in the inventory") from None
        if len(set(gone)) != len(gone):
            raise PlacementInputError("a task to stop is named twice")
        if not gone:
            return self
        drop = np.asarray(gone, dtype=np.int64)
        n, table = len(self), self.tasks
        rows = table.instances[drop]
        counts = np.bincount(rows, minlength=n).astype(np.int64)
        columns = self.columns()
        for spec in INSTANCE_FIELDS:
            how = spec.consumed_by
            if how is None:
                continue
            column = columns[spec.name]
            if how == "+":
                columns[spec.name] = column - counts
            elif how == "+group":
                codes = table.groups.codes[drop]
                for code in np.unique(codes):
                    mine = rows[codes == code]
                    per = np.bincount(mine, minlength=n).astype(np.int64)
                    hit = np.flatnonzero(per)
                    column = column.adding(hit, table.groups.values[code], -per[hit])
                columns[spec.name] = column
            elif how.startswith("-"):
                amounts = getattr(table, how[1:])[drop]
                columns[spec.name] = column + np.bincount(
                    rows, weights=amounts, minlength=n
                ).astype(np.int64)
            elif how.startswith("|"):
                sets: SparseSets = getattr(table, how[1:])
                starts, ends = sets.indptr[drop], sets.indptr[drop + 1]
                lengths = ends - starts
                pick = np.repeat(starts, lengths) + (
                    np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                )
                columns[spec.name] = column.removing(np.repeat(rows, lengths), sets.items[pick])
        keep = np.setdiff1d(np.arange(len(table)), drop)
        tasks = {
            spec.name: take_column(spec, column, keep)
            for spec, column in zip(TASK_FIELDS, table.columns().values(), strict=True)
        }
        out = Inventory(columns, tasks)
        out._serial = self._serial
        return out

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: the first instances, with CPU and memory used."""
        from .render import inventory_html

        return inventory_html(self)
