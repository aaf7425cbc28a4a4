"""The columnar inventory: an immutable snapshot of many container instances.

Strings are dictionary-encoded once (a code per instance into a table of distinct values), so an
evaluator works once per distinct value and gathers by code. Numbers, versions and timestamps are
numeric columns; task groups are a sparse count matrix (compressed rows). Every array is
read-only: placing tasks builds a new inventory and never touches this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from .ecs import (
    InstanceRecord,
    iter_container_instances,
    read_instance,
    running_groups,
)
from .errors import InventoryError
from .instance import Instance
from .syntax.literals import Timestamp

__all__ = ["Inventory", "StringColumn", "ABSENT", "NAME_ONLY"]

ABSENT = -1
"""Code of an instance that lacks the attribute (or the id)."""
NAME_ONLY = -2
"""Code of an instance that has the attribute with no value (capability attributes)."""

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int32]


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


class StringColumn:
    """A dictionary-encoded string column.

    `codes[i]` indexes `values`, or is `ABSENT` (-1) or `NAME_ONLY` (-2). A lookup table of
    `len(values) + 2` answers, indexed by `codes`, answers a question for every instance: the
    last slot (-1) is the answer for absent, the one before (-2) for name-only.
    """

    __slots__ = ("codes", "values", "index")

    def __init__(self, codes: Codes, values: tuple[str, ...]) -> None:
        self.codes = _frozen(codes)
        self.values = values
        self.index = {v: i for i, v in enumerate(values)}

    @classmethod
    def encode(
        cls, items: Sequence[str | None], missing: Sequence[bool] | None = None
    ) -> StringColumn:
        """Encode `items` (None: name-only if `missing` is given and False there, else absent)."""
        index: dict[str, int] = {}
        codes = np.empty(len(items), dtype=np.int32)
        for row, item in enumerate(items):
            if item is None:
                codes[row] = ABSENT if missing is None or missing[row] else NAME_ONLY
            else:
                code = index.get(item)
                if code is None:
                    code = index[item] = len(index)
                codes[row] = code
        return cls(codes, tuple(index))

    def get(self, row: int) -> str | None:
        """The value at `row`, None when absent or name-only."""
        code = int(self.codes[row])
        return self.values[code] if code >= 0 else None

    @property
    def nbytes(self) -> int:
        """Bytes held by the codes and the dictionary's strings."""
        return int(self.codes.nbytes) + sum(len(v) + 49 for v in self.values)


class _SparseSets:
    """Per-row sets of small integers (reserved ports), compressed rows."""

    __slots__ = ("indptr", "items", "rows")

    def __init__(self, indptr: Ints, items: npt.NDArray[np.int32]) -> None:
        self.indptr = _frozen(indptr)
        self.items = _frozen(items)
        self.rows = _frozen(np.repeat(np.arange(len(indptr) - 1), np.diff(indptr)))

    @classmethod
    def build(cls, sets: Sequence[Iterable[int]]) -> _SparseSets:
        lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))  # type: ignore[arg-type]
        indptr = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        flat = [p for s in sets for p in sorted(s)]
        return cls(indptr, np.asarray(flat, dtype=np.int32))

    def row(self, i: int) -> frozenset[int]:
        return frozenset(int(p) for p in self.items[self.indptr[i] : self.indptr[i + 1]])

    def any_of(self, wanted: Iterable[int], n: int) -> Bools:
        """Rows whose set holds any of `wanted`."""
        out = np.zeros(n, dtype=bool)
        wanted = list(wanted)
        if wanted and len(self.items):
            out[self.rows[np.isin(self.items, wanted)]] = True
        return out

    def adding(self, rows: npt.NDArray[np.intp], extra: tuple[int, ...]) -> _SparseSets:
        """A copy where each of `rows` also holds every item of `extra`."""
        if not extra or not len(rows):
            return self
        n = len(self.indptr) - 1
        all_rows = np.concatenate([self.rows, np.repeat(rows, len(extra))])
        extra_items = np.tile(np.asarray(extra, np.int32), len(rows))
        all_items = np.concatenate([self.items, extra_items])
        order = np.lexsort((all_items, all_rows))
        all_rows, all_items = all_rows[order], all_items[order]
        keep = np.ones(len(all_rows), dtype=bool)
        keep[1:] = (all_rows[1:] != all_rows[:-1]) | (all_items[1:] != all_items[:-1])
        all_rows, all_items = all_rows[keep], all_items[keep]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(all_rows, minlength=n), out=indptr[1:])
        return _SparseSets(indptr, all_items.astype(np.int32))

    @property
    def nbytes(self) -> int:
        return int(self.indptr.nbytes + self.items.nbytes + self.rows.nbytes)


class _Groups:
    """RUNNING task counts by (instance, group): a sparse matrix in compressed rows."""

    __slots__ = ("names", "index", "indptr", "codes", "counts", "rows")

    def __init__(
        self, names: tuple[str, ...], indptr: Ints, codes: Codes, counts: Ints
    ) -> None:
        self.names = names
        self.index = {g: i for i, g in enumerate(names)}
        self.indptr = _frozen(indptr)
        self.codes = _frozen(codes)
        self.counts = _frozen(counts)
        self.rows = _frozen(np.repeat(np.arange(len(indptr) - 1), np.diff(indptr)))

    @classmethod
    def build(cls, per_row: Sequence[Mapping[str, int]]) -> _Groups:
        index: dict[str, int] = {}
        indptr = np.zeros(len(per_row) + 1, dtype=np.int64)
        codes: list[int] = []
        counts: list[int] = []
        for row, groups in enumerate(per_row):
            for group, count in groups.items():
                if count <= 0:
                    continue
                code = index.get(group)
                if code is None:
                    code = index[group] = len(index)
                codes.append(code)
                counts.append(count)
            indptr[row + 1] = len(codes)
        return cls(
            tuple(index),
            indptr,
            np.asarray(codes, dtype=np.int32),
            np.asarray(counts, dtype=np.int64),
        )

    def row(self, i: int) -> dict[str, int]:
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        codes, counts = self.codes[lo:hi], self.counts[lo:hi]
        return {self.names[c]: int(n) for c, n in zip(codes, counts, strict=True)}

    def adding(
        self, rows: npt.NDArray[np.intp], group: str, counts: npt.NDArray[np.int64]
    ) -> _Groups:
        """A copy where each of `rows` runs `counts` more tasks of `group`."""
        names = self.names
        code = self.index.get(group)
        if code is None:
            code, names = len(names), (*names, group)
        n = len(self.indptr) - 1
        all_rows = np.concatenate([self.rows, rows])
        all_codes = np.concatenate([self.codes, np.full(len(rows), code, dtype=np.int32)])
        all_counts = np.concatenate([self.counts, counts.astype(np.int64)])
        order = np.lexsort((all_codes, all_rows))
        all_rows, all_codes, all_counts = all_rows[order], all_codes[order], all_counts[order]
        first = np.ones(len(all_rows), dtype=bool)
        first[1:] = (all_rows[1:] != all_rows[:-1]) | (all_codes[1:] != all_codes[:-1])
        starts = np.flatnonzero(first)
        summed = np.add.reduceat(all_counts, starts) if len(starts) else all_counts
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(all_rows[starts], minlength=n), out=indptr[1:])
        return _Groups(names, indptr, all_codes[starts].astype(np.int32), summed.astype(np.int64))

    def count_of(self, group: str, n: int) -> Ints:
        """Per row, the RUNNING tasks of `group`."""
        out = np.zeros(n, dtype=np.int64)
        code = self.index.get(group)
        if code is not None:
            hit = self.codes == code
            out[self.rows[hit]] = self.counts[hit]
        return out

    @property
    def nbytes(self) -> int:
        arrays = (self.indptr, self.codes, self.counts, self.rows)
        return sum(int(a.nbytes) for a in arrays) + sum(len(g) + 49 for g in self.names)


class Inventory:
    """An immutable, columnar snapshot of container instances, in input order.

    Build one with `Inventory.from_ecs` (DescribeContainerInstances and DescribeTasks responses),
    `Inventory.from_instances` or `Inventory.from_boto3`. `len(inv)`, `inv[i]` (an `Instance`),
    iteration and `inv.ids` (the container instance ARNs) read it back.
    """

    __slots__ = (
        "ids", "ec2_instance_ids", "status", "agent_connected", "agent_versions",
        "registered_at", "has_registered_at", "running_tasks_count", "cpu", "memory", "gpus",
        "registered_cpu", "registered_memory", "ports", "udp_ports", "attributes", "groups",
        "_row_of",
    )  # fmt: skip

    def __init__(
        self,
        *,
        ids: npt.NDArray[np.object_],
        ec2_instance_ids: StringColumn,
        status: StringColumn,
        agent_connected: Bools,
        agent_versions: StringColumn,
        registered_at: Ints,
        has_registered_at: Bools,
        running_tasks_count: Ints,
        cpu: Ints,
        memory: Ints,
        gpus: Ints,
        registered_cpu: Ints,
        registered_memory: Ints,
        ports: _SparseSets,
        udp_ports: _SparseSets,
        attributes: dict[str, StringColumn],
        groups: _Groups,
    ) -> None:
        self.ids = _frozen(ids)
        self.ec2_instance_ids = ec2_instance_ids
        self.status = status
        self.agent_connected = _frozen(agent_connected)
        self.agent_versions = agent_versions
        self.registered_at = _frozen(registered_at)
        self.has_registered_at = _frozen(has_registered_at)
        self.running_tasks_count = _frozen(running_tasks_count)
        self.cpu = _frozen(cpu)
        self.memory = _frozen(memory)
        self.gpus = _frozen(gpus)
        self.registered_cpu = _frozen(registered_cpu)
        self.registered_memory = _frozen(registered_memory)
        self.ports = ports
        self.udp_ports = udp_ports
        self.attributes = attributes
        self.groups = groups
        self._row_of: dict[str, int] | None = None

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def _from_records(
        cls, records: Sequence[InstanceRecord], groups: Sequence[Mapping[str, int]]
    ) -> Inventory:
        n = len(records)
        seen: set[str] = set()
        for position, record in enumerate(records):
            if record.arn in seen:
                raise InventoryError(
                    f"container instance #{position} ({record.arn}): field "
                    "'containerInstanceArn': appears twice"
                )
            seen.add(record.arn)
        # Attribute names in first-seen order; each column built in one pass.
        names: dict[str, None] = {}
        for record in records:
            names.update(dict.fromkeys(record.attributes))
        attributes: dict[str, StringColumn] = {}
        for name in names:
            values = [r.attributes.get(name) for r in records]
            missing = [name not in r.attributes for r in records]
            attributes[name] = StringColumn.encode(values, missing)
        running = np.fromiter(
            (
                r.running_tasks_count
                if r.running_tasks_count is not None
                else sum(g.values())
                for r, g in zip(records, groups, strict=True)
            ),
            dtype=np.int64,
            count=n,
        )
        stamps = [r.registered_at for r in records]

        def ints(field: str) -> Ints:
            return np.fromiter((getattr(r, field) for r in records), dtype=np.int64, count=n)

        return cls(
            ids=np.array([r.arn for r in records], dtype=object),
            ec2_instance_ids=StringColumn.encode([r.ec2_instance_id for r in records]),
            status=StringColumn.encode([r.status for r in records]),
            agent_connected=np.fromiter(
                (r.agent_connected for r in records), dtype=bool, count=n
            ),
            agent_versions=StringColumn.encode([r.agent_version for r in records]),
            registered_at=np.fromiter(
                (0 if s is None else s for s in stamps), dtype=np.int64, count=n
            ),
            has_registered_at=np.fromiter((s is not None for s in stamps), dtype=bool, count=n),
            running_tasks_count=running,
            cpu=ints("cpu"),
            memory=ints("memory"),
            gpus=ints("gpus"),
            registered_cpu=ints("registered_cpu"),
            registered_memory=ints("registered_memory"),
            ports=_SparseSets.build([r.ports for r in records]),
            udp_ports=_SparseSets.build([r.udp_ports for r in records]),
            attributes=attributes,
            groups=_Groups.build(groups),
        )

    @classmethod
    def from_ecs(cls, container_instances: Any, tasks: Any = ()) -> Inventory:
        """Load DescribeContainerInstances and DescribeTasks output.

        Each argument is one response (a dict with `containerInstances` / `tasks`), a list of
        response pages, or a plain list of elements, as boto3 and the AWS CLI return them.
        `registeredAt` may be epoch seconds, ISO 8601 text or a `datetime`. Only tasks whose
        desiredStatus is RUNNING count; tasks on instances not in the inventory are ignored.
        Malformed input raises `InventoryError` naming the instance and field, and loads nothing.
        """
        records = [
            read_instance(doc, position)
            for position, doc in enumerate(iter_container_instances(container_instances))
        ]
        by_instance = running_groups(tasks)
        empty: dict[str, int] = {}
        groups = [by_instance.get(r.arn, empty) for r in records]
        return cls._from_records(records, groups)

    @classmethod
    def from_instances(cls, instances: Iterable[Instance]) -> Inventory:
        """Build from `Instance` objects, in order."""
        items = list(instances)
        records = []
        for position, inst in enumerate(items):
            if not isinstance(inst, Instance):
                raise InventoryError(
                    f"item #{position}: expected an Instance, got {type(inst).__name__}"
                )
            records.append(
                InstanceRecord(
                    arn=inst.arn,
                    ec2_instance_id=inst.ec2_instance_id,
                    status=inst.status,
                    agent_connected=inst.agent_connected,
                    agent_version=inst.agent_version,
                    registered_at=None if inst.registered_at is None else inst.registered_at.micros,
                    attributes=dict(inst.attributes),
                    cpu=inst.cpu,
                    memory=inst.memory,
                    gpus=inst.gpus,
                    ports=tuple(sorted(inst.ports)),
                    udp_ports=tuple(sorted(inst.udp_ports)),
                    registered_cpu=inst.registered_cpu,
                    registered_memory=inst.registered_memory,
                    running_tasks_count=inst.running_tasks_count,
                )
            )
        return cls._from_records(records, [dict(inst.task_groups) for inst in items])

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
        if not -n <= i < n:
            raise IndexError(f"instance index {i} out of range for {n} instances")
        i %= n
        attributes: dict[str, str | None] = {}
        for name, column in self.attributes.items():
            code = int(column.codes[i])
            if code != ABSENT:
                attributes[name] = column.values[code] if code >= 0 else None
        return Instance(
            arn=str(self.ids[i]),
            ec2_instance_id=self.ec2_instance_ids.get(i),
            status=self.status.get(i) or "",
            agent_connected=bool(self.agent_connected[i]),
            agent_version=self.agent_versions.get(i),
            registered_at=Timestamp(int(self.registered_at[i]))
            if self.has_registered_at[i]
            else None,
            attributes=attributes,
            cpu=int(self.cpu[i]),
            memory=int(self.memory[i]),
            gpus=int(self.gpus[i]),
            ports=self.ports.row(i),
            udp_ports=self.udp_ports.row(i),
            registered_cpu=int(self.registered_cpu[i]),
            registered_memory=int(self.registered_memory[i]),
            running_tasks_count=int(self.running_tasks_count[i]),
            task_groups=self.groups.row(i),
        )

    def __iter__(self) -> Iterator[Instance]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return f"<Inventory of {len(self)} instances, {len(self.attributes)} attributes>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Inventory):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def index_of(self, arn: str) -> int:
        """The row of the instance with this ARN (KeyError if there is none)."""
        if self._row_of is None:
            self._row_of = {str(a): i for i, a in enumerate(self.ids)}
        return self._row_of[arn]

    def to_ecs(self) -> dict[str, Any]:
        """A DescribeContainerInstances response for this inventory."""
        return {"containerInstances": [inst.to_ecs() for inst in self], "failures": []}

    def group_counts(self, group: str) -> Ints:
        """Per instance, its RUNNING tasks of `group`."""
        return self.groups.count_of(group, len(self))

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns (ids counted as their string lengths)."""
        arrays = (
            self.agent_connected, self.registered_at, self.has_registered_at,
            self.running_tasks_count, self.cpu, self.memory, self.gpus, self.registered_cpu,
            self.registered_memory,
        )  # fmt: skip
        total = sum(int(a.nbytes) for a in arrays)
        total += int(self.ids.nbytes) + sum(len(a) + 49 for a in self.ids)
        columns = (self.ec2_instance_ids, self.status, self.agent_versions)
        total += sum(c.nbytes for c in columns)
        total += sum(c.nbytes for c in self.attributes.values())
        return total + self.ports.nbytes + self.udp_ports.nbytes + self.groups.nbytes

    # -- new states ---------------------------------------------------------------------------

    def with_placements(
        self,
        counts: npt.NDArray[np.int64],
        *,
        group: str,
        cpu: int,
        memory: int,
        gpus: int,
        ports: Iterable[int] = (),
        udp_ports: Iterable[int] = (),
    ) -> Inventory:
        """A new inventory where instance i runs `counts[i]` more tasks of `group`.

        Each task takes `cpu`, `memory` and `gpus` and reserves the host `ports`/`udp_ports`.
        This inventory is left as it is.
        """
        counts = np.asarray(counts, dtype=np.int64)
        placed = counts > 0
        if not placed.any():
            return self
        rows = np.flatnonzero(placed)
        return Inventory(
            ids=self.ids,
            ec2_instance_ids=self.ec2_instance_ids,
            status=self.status,
            agent_connected=self.agent_connected,
            agent_versions=self.agent_versions,
            registered_at=self.registered_at,
            has_registered_at=self.has_registered_at,
            running_tasks_count=self.running_tasks_count + counts,
            cpu=self.cpu - counts * cpu,
            memory=self.memory - counts * memory,
            gpus=self.gpus - counts * gpus,
            registered_cpu=self.registered_cpu,
            registered_memory=self.registered_memory,
            ports=self.ports.adding(rows, tuple(ports)),
            udp_ports=self.udp_ports.adding(rows, tuple(udp_ports)),
            attributes=self.attributes,
            groups=self.groups.adding(rows, group, counts[rows]),
        )
