"""ClusterState: one scheduler's mutable, incrementally updated view of a cluster (SEMANTICS.md §6).

An `Inventory` is immutable: every placement builds a new one, which costs a pass over every
column. A scheduler that decides one task at a time wants the opposite: a decision that costs
about one pass over the masks it needs, and a commit that touches one instance. So the state
keeps

* the static columns (ids, status, attributes, ...) in an `Inventory` that only instance events
  which change them replace (`_base`, rebuilt lazily, in one go, before the next read);
* the columns a commit changes (CPU, memory, GPUs, host ports, running-task counts) as writable
  arrays, and the RUNNING tasks as a dict by ARN;
* per (task, constraints, strategy) seen, a `_Plan`: the reason masks, kept current by
  refreshing only the instance that changed; strategy values are read from the state's own
  arrays (per-group counts and per-zone totals, also updated one entry at a time).

`state.inventory` builds an immutable snapshot on demand (cached until the next change).

Order. Instances keep the inventory's order; instances first seen in events come after them,
by ARN. Tasks keep the inventory's order, then commits in commit order; tasks first seen in
events come after them, by ARN. A task or instance that is removed and comes back (a newer
version) takes its old place. So the state after a set of events does not depend on the order
they were delivered in.

Threads: a `ClusterState` is not thread-safe. `rank` writes too (it draws from the state's
random generators and fills its caches), so every call, `rank` and `inventory` included, must
come from one thread or hold one lock the caller provides. Snapshots (`state.inventory`),
rankings and results are immutable values and may be shared freely.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from .columns import GroupCounts, SparseSets, StringColumn, column_value, frozen
from .ecs import (
    INSTANCE_READ,
    read_event_detail,
    read_event_header,
    read_instances,
    read_tasks,
    used_events,
)
from .ecs.protection import protected_arns, read_protection
from .ecs_json import paused_gc
from .errors import InventoryError, PlacementError, PlacementInputError
from .instance import Instance
from .inventory import LOCAL_TASK_PREFIX, Inventory, TaskTable
from .model import field_error
from .place import reasons as R
from .place.api import Ranking, place
from .place.capacity import MAX_PLACED, check_placeable
from .place.draws import KeyState, random_keys, stop_generators
from .place.inputs import check_inputs as _inputs
from .place.inputs import check_seed as _check_seed
from .place.masks import (
    add_mask,
    constraint_masks,
    constraint_rules,
    eligibility_masks,
    first_reasons,
    lexicographic_min,
    rule_mask,
    spread_zones,
)
from .place.result import Failure, PlacementResult
from .place.task import TaskSpec
from .rules.base import Constraint, Strategy
from .rules.view import View
from .syntax.literals import Timestamp

__all__ = ["ClusterState"]

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]

# A task as the state holds it: (instance ARN, group, cpu, memory, gpus, ports, udp_ports,
# started_at, protected) -- TASK_FIELDS without the ARN, which is the key.
_Task = tuple[str, str, int, int, int, frozenset[int], frozenset[int], Timestamp | None, bool]
_PROTECTED = 8  # the index of `protected` in a `_Task`

_READ = [spec.name for spec in INSTANCE_READ]
_AT = {name: k for k, name in enumerate(_READ)}
# The fields a commit, a release or a resource-only instance event changes; the others are
# static and live in `_base`.
# Registered CPU and memory are among them: an instance event without `registeredResources`
# reads them from its remaining resources (as `Inventory.from_ecs` does), so they change with
# every such event, and a change of a static field would cost a rebuild before the next read.
_MUTABLE = ("cpu", "memory", "gpus", "ports", "udp_ports", "registered_cpu", "registered_memory",
            "running_tasks_count")  # fmt: skip
_STATIC = tuple(k for k, name in enumerate(_READ) if name not in _MUTABLE)
_STATIC_SPECS = [(k, INSTANCE_READ[k]) for k in _STATIC]

_CPU, _MEMORY, _PORTS, _GPU = (
    R.ORDER.index(reason) for reason in (R.CPU, R.MEMORY, R.PORTS, R.GPU)
)

_MAX_COUNT = 2**31 - 1
REMEMBER = 100_000
"""Default: removed task ARNs (and, apart, removed instance ARNs) whose versions are kept."""
HOLD = 10_000
"""Default: tasks held for instances the state does not know yet."""
_MAX_PLANS = 32
"""Rankings kept current per (task, constraints, strategy); the oldest is dropped past this."""


class _StateView(View):
    """The state as rules see it: the base's static columns, the state's current arrays."""

    __slots__ = ("_state",)

    def __init__(self, state: ClusterState) -> None:
        super().__init__(state._base)
        self._state = state

    def _remaining(self, resource: str) -> Ints:
        state = self._state
        column: Ints = {"cpu": state._cpu, "memory": state._memory, "gpus": state._gpus}[resource]
        return column

    @property
    def running_tasks_count(self) -> Ints:
        """Running tasks per row, now."""
        return self._state._rtc

    def group_count(self, group: str) -> Ints:
        """Tasks of `group` per row, now."""
        return self._state._group_count(group)

    def zone_totals(self, group: str, attribute: str) -> npt.NDArray[np.float64]:
        """Tasks of `group` per value of `attribute`, now."""
        return self._state._zone_total(group, attribute)[1]

    def instance(self, row: int) -> Instance:
        """Row `row` as it is now."""
        return self._state._instance_at(int(row))

    def current(self) -> Inventory:
        """The state's snapshot."""
        return self._state.inventory


class _Plan:
    """The reason masks for one (task, constraints), kept current one instance at a time.

    Eligibility from the static columns (agent, attributes) and the state's own arrays
    (resources, ports); each constraint's mask on its own (those that read placements are
    asked again where a change may matter), merged by reason into `grid`, one row a reason.
    """

    __slots__ = ("task", "grid", "masks", "eligible", "rules", "rule_masks", "reason_rows",
                 "ports")  # fmt: skip

    def __init__(self, state: ClusterState, task: TaskSpec, rules: tuple[Constraint, ...]):
        self.task = task
        self.ports = bool(task.ports or task.udp_ports)
        base, n = state._base, len(state._base)
        masks = eligibility_masks(base, task)
        masks[R.CPU] = state._cpu < task.cpu
        masks[R.MEMORY] = state._memory < task.memory
        masks[R.GPU] = state._gpus < task.gpus
        masks[R.PORTS] = state._port_mask(task) if self.ports else np.zeros(n, dtype=bool)
        self.rules = constraint_rules(rules, task)
        view = _StateView(state)
        self.rule_masks = [rule_mask(rule, view, task) for rule in self.rules]
        constraint_masks(view, task, (), masks)  # every built-in reason, even when unused
        for rule, mask in zip(self.rules, self.rule_masks, strict=True):
            add_mask(masks, rule.reason, mask)
        reasons = list(masks)
        # One row per reason in one array: a ranking copies them all with one copy.
        self.grid = np.array([masks[reason] for reason in reasons], dtype=bool).reshape(
            len(reasons), n
        )
        self.masks = dict(zip(reasons, self.grid, strict=True))
        self.reason_rows = [reasons.index(rule.reason) for rule in self.rules]
        self.eligible: Bools = ~np.any(self.grid, axis=0, keepdims=False).reshape(n)

    def refresh(self, state: ClusterState, i: int, cpu: int, memory: int, gpus: int) -> None:
        """Instance `i` changed (it now has `cpu`, `memory`, `gpus` left): its reasons again."""
        task, grid = self.task, self.grid
        grid[_CPU, i], grid[_MEMORY, i], grid[_GPU, i] = (
            cpu < task.cpu, memory < task.memory, gpus < task.gpus
        )  # fmt: skip
        if self.ports:
            grid[_PORTS, i] = bool(
                task.ports & state._ports_at(i, udp=False)
                or task.udp_ports & state._ports_at(i, udp=True)
            )
        rows = np.array([i], dtype=np.int64)
        view: _StateView | None = None
        for k, rule in enumerate(self.rules):
            if not rule.reads_placements:
                continue
            view = view or _StateView(state)
            affected = rule.affected(view, task, i)
            if affected is None:
                self.rule_masks[k][:] = rule_mask(rule, view, task)
                rows = np.arange(len(self.eligible))
            else:
                affected = np.asarray(affected, dtype=np.int64)
                self.rule_masks[k][affected] = rule.refreshed(view, task, affected)
                rows = np.union1d(rows, affected)
        # The constraints' reason rows again where a rule changed, then eligibility there.
        for row in set(self.reason_rows):
            merged = [m[rows] for m, r in zip(self.rule_masks, self.reason_rows, strict=True)
                      if r == row]  # fmt: skip
            grid[row, rows] = np.logical_or.reduce(merged) if merged else False
        self.eligible[rows] = ~grid[:, rows].any(axis=0)


def _checked(
    base: Inventory, task: Any, count: Any, constraints: Any, strategy: Any
) -> tuple[tuple[Constraint, ...], tuple[Strategy, ...]]:
    """`_inputs`, with anything that is not a list of rules refused as an input error."""
    for name, value in (("constraints", constraints), ("strategy", strategy)):
        if not isinstance(value, (str, Mapping, Iterable)):
            raise PlacementInputError(f"{name} must be a list, got {type(value).__name__}")
    if isinstance(count, int) and count > _MAX_COUNT:
        raise PlacementInputError(f"count must be at most {_MAX_COUNT}, got a larger number")
    try:
        return _inputs(base, task, count, constraints, strategy)
    except (TypeError, OverflowError, RecursionError) as exc:
        raise PlacementInputError(f"constraints or strategy: {type(exc).__name__}") from None


def _task_arn(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 2048:
        raise PlacementInputError(f"task_arn must be a non-empty string, got {value!r:.80}")
    return value


def _origins(arns: list[str]) -> dict[str, tuple[int, Any]]:
    """ARN -> (0, position): the places of an inventory's rows (built in C, by zip)."""
    n = len(arns)
    return dict(zip(arns, zip([0] * n, range(n), strict=True), strict=True))


_MIXED = "\0mixed"
"""`_cluster` of a state whose inventory names several clusters: no event is refused."""


def _event_cluster(doc: Mapping[str, Any], index: int) -> str | None:
    """The event's `detail.clusterArn`, None when it has none; a malformed one is refused."""
    value = doc["detail"].get("clusterArn")
    if value is None or (type(value) is str and 0 < len(value) <= 2048):
        return value
    name = doc.get("id")
    shown = f" ({name})" if isinstance(name, str) and len(name) <= 200 else ""
    raise field_error(f"event #{index}{shown}", "detail.clusterArn",
                      f"expected a cluster ARN, got {value!r:.80}")  # fmt: skip


def _same_cluster(cluster: str, named: str) -> bool:
    """Whether the event's cluster ARN `named` is `cluster` (an ARN, or a bare cluster name)."""
    if cluster.startswith("arn:"):
        return named == cluster
    return named == cluster or named.rpartition(":cluster/")[2] == cluster


def _instance_cluster(arn: str) -> str | None:
    """The cluster ARN a long-format container instance ARN names (None for other ARNs).

    `arn:aws:ecs:REGION:ACCOUNT:container-instance/CLUSTER/ID` is in cluster
    `arn:aws:ecs:REGION:ACCOUNT:cluster/CLUSTER`; the older `container-instance/ID` names none.
    """
    head, sep, resource = arn.partition(":container-instance/")
    name, slash, _ = resource.partition("/")
    if not sep or not slash or not name or not head.startswith("arn:"):
        return None
    return f"{head}:cluster/{name}"


class ClusterState:
    """A mutable cluster state for one scheduler (SEMANTICS.md §6).

    Built from an `Inventory`, which it never changes. `rank` reads the current state;
    `commit` places one copy on an instance and `release` is its exact inverse; `place`,
    `scale_in` and `place_daemon` run the batch operations on the current state and apply
    them; `apply`/`apply_all` take ECS EventBridge events. `inventory` is an immutable
    snapshot of the current state.

    A seeded `random` strategy reads keys held by the state (one `KeyState` per random rule of
    each chain: instance i's key moves one step each time it takes a copy, as the placers
    define random order), so `count` rank-and-commit steps give exactly
    `place(inventory, task, count, seed=seed)`. An instance added or removed by an event starts
    the keys afresh.

    Not thread-safe: one writer, or a lock the caller provides around every call (`rank`
    included: it draws random numbers and updates caches). Snapshots, rankings and results
    are immutable and can be shared.
    """

    # The task table and group counts of the last snapshot, and the commits made since (None:
    # built again at the next snapshot).
    _table: TaskTable | None
    _groups: GroupCounts | None
    _commits: list[tuple[int, TaskSpec, str]]

    def __init__(
        self,
        inventory: Inventory,
        *,
        seed: int | None = None,
        cluster: str | None = None,
        derived_counts: bool | Iterable[str] = False,
        remember: int = REMEMBER,
        hold: int = HOLD,
    ) -> None:
        """Start from `inventory` (not copied: it is immutable); `seed` seeds `random`.

        `cluster` (a cluster ARN or name) is the cluster whose events apply; without it, it is
        learnt from the inventory's instance ARNs or else the first event that names one
        (docs/scheduler.md, "Events of another cluster"). `derived_counts` names the instances
        whose `runningTasksCount` the inventory derived from their tasks (True: all of them),
        so that it follows the tasks; `ClusterState.from_ecs` finds them from the documents.
        `remember` bounds the removed task ARNs (and, apart, instance ARNs) whose versions are
        kept against late events, `hold` the tasks held for unknown instances; the oldest go
        first.
        """
        if not isinstance(inventory, Inventory):
            raise PlacementInputError(
                f"inventory must be an Inventory, got {type(inventory).__name__}"
            )
        _check_seed(seed)
        for name, bound in (("remember", remember), ("hold", hold)):
            if isinstance(bound, bool) or not isinstance(bound, int) or bound < 0:
                raise PlacementInputError(f"{name} must be a whole number >= 0, got {bound!r:.80}")
        if cluster is not None and (not isinstance(cluster, str) or not cluster):
            raise PlacementInputError(f"cluster must be a cluster ARN or name, got {cluster!r:.80}")
        self.seed = seed
        self._remember, self._hold = remember, hold
        self._cluster = cluster
        self._cluster_from_inventory = cluster is None
        self.foreign_events = 0
        """Events ignored because they name another cluster (`detail.clusterArn`)."""
        self._serial = inventory.next_task_serial()
        self._order = 0  # commit order of tasks placed here
        self._tasks: dict[str, _Task] = {}
        # Tasks whose instance the state does not know, oldest first; and by instance ARN, so
        # an instance's registration finds its tasks without a scan of every held task.
        self._held: OrderedDict[str, _Task] = OrderedDict()
        self._held_on: dict[str, dict[str, None]] = {}
        self._on: dict[str, dict[str, None]] = {}  # instance ARN -> its task ARNs
        self._task_origin: dict[str, tuple[int, Any]] = {}
        self._instance_origin: dict[str, tuple[int, Any]] = {}
        self._task_versions: dict[str, int] = {}
        self._instance_versions: dict[str, int] = {}
        # Removed ARNs whose version (and place in the order) are remembered, oldest first;
        # past `remember` the oldest is forgotten (docs/scheduler.md, "Bounds").
        # (OrderedDicts: a plain dict finds its first key by skipping every deleted slot.)
        self._gone_tasks: OrderedDict[str, None] = OrderedDict()
        self._gone_instances: OrderedDict[str, None] = OrderedDict()
        self._pending: dict[str, list[Any] | None] = {}  # ARN -> new record, None: removed
        self._generators: dict[Any, list[np.random.Generator]] = {}  # scale-in's draws
        self._keys: dict[tuple[Strategy, ...], list[KeyState]] = {}  # placement's random keys
        self._parsed: dict[Any, tuple[tuple[Constraint, ...], tuple[Strategy, ...]]] = {}
        ids = inventory.ids.tolist()
        # Millions of small objects that all live as long as the state: the cyclic collector
        # would walk the growing heap again and again while they are made, finding nothing.
        with paused_gc():
            self._load_tasks(inventory, ids)
            self._instance_origin = _origins(ids)
            for arn in ids:
                self._on.setdefault(arn, {})
        given = np.ones(len(inventory), dtype=bool)
        if derived_counts is True:
            given[:] = False
        elif derived_counts is not False:
            if isinstance(derived_counts, str) or not isinstance(derived_counts, Iterable):
                raise PlacementInputError("derived_counts must be a bool or instance ARNs")
            row = {arn: i for i, arn in enumerate(ids)}
            for arn in derived_counts:
                if arn not in row:
                    raise PlacementInputError(f"derived_counts: no instance {arn!r:.200}")
                given[row[arn]] = False
        self._set_base(inventory, given)
        # The inventory's task table is the state's, in the state's order: kept, so the first
        # snapshot (and `place`) need not build it again.
        self._table, self._groups = inventory.tasks, inventory.groups
        self._appendable = True

    @classmethod
    def from_ecs(
        cls,
        container_instances: Any,
        tasks: Any = (),
        *,
        seed: int | None = None,
        cluster: str | None = None,
        remember: int = REMEMBER,
        hold: int = HOLD,
        protection: Any = None,
        now: Any = None,
    ) -> ClusterState:
        """A state from DescribeContainerInstances and DescribeTasks output (`Inventory.from_ecs`).

        Instances whose document has no `runningTasksCount` get theirs from their tasks, and
        it keeps following them as task events arrive. `protection` and `now` are those of
        `Inventory.from_ecs` (GetTaskProtection output).
        """
        records = read_instances(container_instances)
        count = _AT["running_tasks_count"]
        derived = [record[0] for record in records if record[count] is None]
        protected = frozenset() if protection is None else protected_arns(protection, now)
        inventory = Inventory._build(records, read_tasks(tasks), "container instance", protected)
        return cls(inventory, seed=seed, cluster=cluster, derived_counts=derived,
                   remember=remember, hold=hold)  # fmt: skip

    # -- setup --------------------------------------------------------------------------------

    def _load_tasks(self, inventory: Inventory, ids: list[str]) -> None:
        table = inventory.tasks
        arns = table.arns.tolist()
        instances = table.instances.tolist()
        groups = [table.groups.values[c] for c in table.groups.codes.tolist()]
        cpu, memory, gpus = table.cpu.tolist(), table.memory.tolist(), table.gpus.tolist()
        micros, present = table.started_at.tolist(), table.has_started_at.tolist()
        protected = table.protected.tolist()
        ports, udp_ports = table.ports, table.udp_ports
        tcp_at, udp_at = ports.indptr.tolist(), udp_ports.indptr.tolist()
        none: frozenset[int] = frozenset()
        on = self._on
        for j, arn in enumerate(arns):
            instance = ids[instances[j]]
            self._tasks[arn] = (
                instance, groups[j], cpu[j], memory[j], gpus[j],
                ports.row(j) if tcp_at[j] != tcp_at[j + 1] else none,
                udp_ports.row(j) if udp_at[j] != udp_at[j + 1] else none,
                Timestamp(micros[j]) if present[j] else None, protected[j],
            )  # fmt: skip
            mine = on.get(instance)
            if mine is None:
                mine = on[instance] = {}
            mine[arn] = None
        self._task_origin = _origins(arns)
        self._order = len(arns)

    def _set_base(self, base: Inventory, rtc_given: Bools) -> None:
        """Take `base`'s static columns and its resources as the current state's."""
        self._keys = {}  # instance rows may have moved: random keys start afresh
        self._base = base
        self._base_columns = base.columns()  # read by every instance event (`_same_static`)
        self._row = {arn: i for i, arn in enumerate(base.ids.tolist())}
        self._cpu = base.cpu.copy()
        self._memory = base.memory.copy()
        self._gpus = base.gpus.copy()
        self._registered = (base.registered_cpu.copy(), base.registered_memory.copy())
        self._rtc = base.running_tasks_count.copy()
        self._rtc_given = rtc_given
        self._port_sets = (base.ports, base.udp_ports)
        self._port_over: tuple[dict[int, frozenset[int]], dict[int, frozenset[int]]] = ({}, {})
        self._counts: dict[str, Ints] = {}
        self._zones: dict[str, tuple[Ints, int]] = {}
        self._totals: dict[str, list[tuple[Ints, npt.NDArray[np.float64]]]] = {}
        self._zone_totals: dict[tuple[str, str], npt.NDArray[np.float64]] = {}
        self._plans: dict[Any, _Plan] = {}
        self._snapshot: Inventory | None = None
        self._tasks_changed()

    def _tasks_changed(self) -> None:
        """The set of tasks changed other than by a commit: the task table is built again."""
        self._snapshot = None
        self._table = None
        self._groups = None
        self._appendable = False
        self._commits = []

    # -- reading the state --------------------------------------------------------------------

    @property
    def inventory(self) -> Inventory:
        """An immutable snapshot of the current state (later changes do not touch it)."""
        self._sync()
        if self._snapshot is None:
            self._snapshot = self._build_snapshot()
        return self._snapshot

    def __len__(self) -> int:
        self._sync()
        return len(self._base)

    def __repr__(self) -> str:
        return f"<ClusterState {len(self)} instances, {len(self._tasks)} tasks>"

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: the current instances, with CPU and memory bars."""
        from .render import cluster_state_html

        return cluster_state_html(self)

    @property
    def held(self) -> tuple[str, ...]:
        """ARNs of RUNNING tasks held until an event for their instance arrives."""
        return tuple(self._held)

    def _build_snapshot(self) -> Inventory:
        """The current instance columns (array copies) with the current task table.

        The task table and the group counts are kept between snapshots: only a change of the
        set of tasks other than a commit drops them (then one pass over every task builds them
        again); commits since the last snapshot are appended as one part, in commit order.
        """
        columns = self._base.columns()
        columns["cpu"] = frozen(self._cpu.copy())
        columns["memory"] = frozen(self._memory.copy())
        columns["gpus"] = frozen(self._gpus.copy())
        columns["registered_cpu"] = frozen(self._registered[0].copy())
        columns["registered_memory"] = frozen(self._registered[1].copy())
        columns["running_tasks_count"] = frozen(self._rtc.copy())
        columns["ports"] = self._port_column(False)
        columns["udp_ports"] = self._port_column(True)
        if self._table is None or self._groups is None:
            with paused_gc():
                self._table, self._groups = self._build_tasks()
        elif self._commits:
            self._table, self._groups = self._append_commits(self._table, self._groups)
        self._commits = []
        columns["task_groups"] = self._groups
        out = Inventory(columns, TaskTable.empty_columns())
        out.tasks = self._table
        out._serial = self._serial
        return out

    def _build_tasks(self) -> tuple[TaskTable, GroupCounts]:
        """Every task in the state's order: one pass in Python over all of them."""
        per_row: list[dict[str, int]] = [{} for _ in range(len(self._base))]
        rows: list[list[Any]] = []
        origin, tasks, where = self._task_origin, self._tasks, self._row
        ordered = sorted(tasks, key=origin.__getitem__)
        for arn in ordered:
            task = tasks[arn]
            row = where[task[0]]
            groups = per_row[row]
            groups[task[1]] = groups.get(task[1], 0) + 1
            rows.append([arn, row, *task[1:]])
        # Commits come after the inventory's tasks and before tasks first seen in events: they
        # can be appended at the end only while no task of an event is in the table.
        self._appendable = not ordered or origin[ordered[-1]][0] == 0
        return TaskTable.build(rows, self._base.ids), GroupCounts.build(per_row)

    def _append_commits(
        self, table: TaskTable, groups: GroupCounts
    ) -> tuple[TaskTable, GroupCounts]:
        """`table` and `groups` with the commits since the last snapshot added."""
        commits = self._commits
        rows = np.array([i for i, _, _ in commits], dtype=np.int64)
        specs = [task for _, task, _ in commits]
        part = {
            "arn": frozen(np.array([arn for _, _, arn in commits], dtype=object)),
            "instance": frozen(rows),
            "group": StringColumn.encode([task.group for task in specs]),
            "cpu": frozen(np.array([task.cpu for task in specs], dtype=np.int64)),
            "memory": frozen(np.array([task.memory for task in specs], dtype=np.int64)),
            "gpus": frozen(np.array([task.gpus for task in specs], dtype=np.int64)),
            "ports": SparseSets.build([sorted(task.ports) for task in specs]),
            "udp_ports": SparseSets.build([sorted(task.udp_ports) for task in specs]),
            "started_at": (frozen(np.zeros(len(rows), dtype=np.int64)),
                           frozen(np.zeros(len(rows), dtype=bool))),
            "protected": frozen(np.zeros(len(rows), dtype=bool)),
        }  # fmt: skip
        by_group: dict[str, list[int]] = {}
        for i, task, _ in commits:
            by_group.setdefault(task.group, []).append(i)
        for group, on in by_group.items():
            where, counts = np.unique(np.array(on, dtype=np.int64), return_counts=True)
            groups = groups.adding(where, group, counts.astype(np.int64))
        return TaskTable._extended(table, part, self._base.ids), groups

    def _port_column(self, udp: bool) -> SparseSets:
        sets, over = self._port_sets[udp], self._port_over[udp]
        if not over:
            return sets
        changed = np.fromiter(over, dtype=np.int64, count=len(over))
        keep = ~np.isin(sets.rows, changed)
        extra_rows = [row for row, ports in over.items() for _ in ports]
        extra_items = [p for ports in over.values() for p in ports]
        return SparseSets.from_pairs(
            np.concatenate([sets.rows[keep], np.asarray(extra_rows, dtype=np.int64)]),
            np.concatenate([sets.items[keep], np.asarray(extra_items, dtype=np.int32)]),
            len(sets),
        )

    def _ports_at(self, i: int, *, udp: bool) -> frozenset[int]:
        over = self._port_over[udp].get(i)
        return over if over is not None else self._port_sets[udp].row(i)

    def _port_mask(self, task: TaskSpec) -> Bools:
        """Instances where one of the task's host ports is taken."""
        n = len(self._base)
        tcp, udp = self._port_sets
        mask = tcp.any_of(task.ports, n) | udp.any_of(task.udp_ports, n)
        for i in {*self._port_over[False], *self._port_over[True]}:
            mask[i] = bool(
                task.ports & self._ports_at(i, udp=False)
                or task.udp_ports & self._ports_at(i, udp=True)
            )
        return mask

    def _groups_at(self, instance: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for arn in self._on.get(instance, ()):
            group = self._tasks[arn][1]
            out[group] = out.get(group, 0) + 1
        return out

    def _instance_at(self, i: int) -> Instance:
        """Instance `i` as it is now (for state-reading expressions, one instance at a time)."""
        arn = str(self._base.ids[i])
        return attrs.evolve(
            self._base[i],
            cpu=int(self._cpu[i]),
            memory=int(self._memory[i]),
            gpus=int(self._gpus[i]),
            registered_cpu=int(self._registered[0][i]),
            registered_memory=int(self._registered[1][i]),
            ports=self._ports_at(i, udp=False),
            udp_ports=self._ports_at(i, udp=True),
            running_tasks_count=int(self._rtc[i]),
            task_groups=self._groups_at(arn),
        )

    def _group_count(self, group: str) -> Ints:
        counts = self._counts.get(group)
        if counts is None:
            counts = np.zeros(len(self._base), dtype=np.int64)
            row = self._row
            for task in self._tasks.values():
                if task[1] == group:
                    counts[row[task[0]]] += 1
            self._counts[group] = counts
        return counts

    def _zone_total(self, group: str, attribute: str) -> tuple[Ints, npt.NDArray[np.float64]]:
        zoned = self._zones.get(attribute)
        if zoned is None:
            zoned = self._zones[attribute] = spread_zones(self._base, attribute)
        zones, missing = zoned
        totals = self._zone_totals.get((group, attribute))
        if totals is None:
            counted = np.bincount(zones, weights=self._group_count(group), minlength=missing + 1)
            totals = counted.astype(np.float64)
            totals[missing] = np.inf  # lacking the attribute: after every value
            self._zone_totals[(group, attribute)] = totals
            self._totals.setdefault(group, []).append((zones, totals))
        return zones, totals

    # -- ranking ------------------------------------------------------------------------------

    def rank(
        self,
        task: TaskSpec,
        *,
        constraints: Iterable[Any] = (),
        strategy: Iterable[Any] = (),
        capacity_provider_strategy: Iterable[Any] | None = None,
    ) -> Ranking:
        """The eligible instances for one copy of `task` on the current state, best first.

        Masks for a (task, constraints) seen before are reused (kept current by commits and
        events); `Ranking.best` is an argmin. A `random` strategy draws from the state's
        generator for this chain. With a `capacity_provider_strategy` (SEMANTICS.md §9), only
        the instances of the provider the next copy of the task's group goes to (by the
        group's RUNNING tasks per provider now) are candidates, as `placement.rank`.
        """
        self._sync()
        rules, chain = self._parse(task, constraints, strategy)
        if capacity_provider_strategy is not None:
            from .place.providers import next_provider_of, only_provider, provider_strategy

            items = provider_strategy(capacity_provider_strategy)
            name = next_provider_of(self._base, task.group, items, self._group_count(task.group))
            rules = (*rules, only_provider(name))
        plan = self._plan(task, rules)
        rows = np.flatnonzero(plan.eligible)
        draws = iter([state.current for state in self._keys_for(chain)])
        view = _StateView(self)
        values = [rule.values(view, task, rows, next(draws) if rule.random else None)
                  for rule in chain]  # fmt: skip
        grid = plan.grid.copy()
        grid.flags.writeable = False
        masks = dict(zip(plan.masks, grid, strict=True))
        # The task's dialect names the excluded, when they are read. The words read the nodes'
        # own columns (status, agent, attributes such as taints), which this base holds as of
        # now (an event that changes them replaces the base; the masks are this call's copy).
        base = self._base
        words = None if not R.speaks(task) else (lambda: R.worded(task, base, rules, masks))
        return Ranking(base.ids, rows, values, masks, lexicographic_min(rows, values),
                       worded=words)  # fmt: skip

    def _parse(
        self, task: Any, constraints: Iterable[Any], strategy: Iterable[Any]
    ) -> tuple[tuple[Constraint, ...], tuple[Strategy, ...]]:
        """Checked constraints and chain; arguments seen before are not read again."""
        if not isinstance(constraints, (tuple, list)) or not isinstance(strategy, (tuple, list)):
            return _checked(self._base, task, 1, constraints, strategy)
        key = (task, tuple(constraints), tuple(strategy))
        try:
            parsed = self._parsed.get(key)
        except TypeError:  # unhashable items (dicts): read them every time
            return _checked(self._base, task, 1, constraints, strategy)
        if parsed is None:
            parsed = _checked(self._base, task, 1, constraints, strategy)
            if len(self._parsed) >= _MAX_PLANS:
                del self._parsed[next(iter(self._parsed))]
            self._parsed[key] = parsed
        return parsed

    def _plan(self, task: TaskSpec, rules: tuple[Constraint, ...]) -> _Plan:
        key = (task, rules)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _MAX_PLANS:
                del self._plans[next(iter(self._plans))]
            plan = self._plans[key] = _Plan(self, task, rules)
        return plan

    def _generators_for(self, chain: tuple[Strategy, ...]) -> list[np.random.Generator]:
        """Scale-in's generators for `chain`, held for the state's life."""
        if not any(rule.random for rule in chain):
            return []
        generators = self._generators.get(chain)
        if generators is None:
            generators = self._generators[chain] = stop_generators(chain, self.seed)
        return generators

    def _keys_for(self, chain: tuple[Strategy, ...]) -> list[KeyState]:
        """The random keys of `chain` on the current instances (fresh after a rebuild)."""
        if not any(rule.random for rule in chain):
            return []
        states = self._keys.get(chain)
        n = len(self._base)
        if states is None or len(states[0].current) != n:
            states = self._keys[chain] = [KeyState(k, n) for k in random_keys(chain, self.seed)]
        return states

    # -- commit and release -------------------------------------------------------------------

    def _instance_row(self, instance_arn: Any) -> int:
        row = self._row.get(instance_arn) if isinstance(instance_arn, str) else None
        if row is None:
            raise PlacementInputError(
                f"instance_arn: no container instance {instance_arn!r:.200} in the state"
            )
        return row

    def _step_one(self, i: int, task: TaskSpec) -> list[str]:
        """Every §3 step-1 reason instance `i` cannot take one copy of `task` now."""
        base, found = self._base, []
        active = base.status.codes[i] == base.status.index.get("ACTIVE", -3)
        if not active or not base.agent_connected[i]:
            found.append(R.AGENT)
        for name in task.requires_attributes:
            column = base.attributes.get(name)
            if column is None or column.codes[i] == -1:
                found.append(R.ATTRIBUTE)
                break
        if self._cpu[i] < task.cpu:
            found.append(R.CPU)
        if self._memory[i] < task.memory:
            found.append(R.MEMORY)
        if (task.ports and task.ports & self._ports_at(i, udp=False)) or (
            task.udp_ports and task.udp_ports & self._ports_at(i, udp=True)
        ):
            found.append(R.PORTS)
        if self._gpus[i] < task.gpus:
            found.append(R.GPU)
        return found

    def commit(self, instance_arn: str, task: TaskSpec, *, task_arn: str | None = None) -> str:
        """Place one copy of `task` on `instance_arn` (SEMANTICS.md §3 step 4); its task ARN.

        The instance gives up the task's CPU, memory, GPUs and host ports and runs one more
        task of its group. Without `task_arn` the task is named `placement:task/<n>` from a
        counter the state holds. An instance that cannot take the copy (§3 step 1: not ACTIVE
        or agent disconnected, a required attribute missing, too little CPU, memory or GPUs, a
        host port taken) is a `PlacementInputError`, and nothing changes.
        """
        self._sync()
        if not isinstance(task, TaskSpec):
            raise PlacementInputError(f"task must be a TaskSpec, got {type(task).__name__}")
        i = self._instance_row(instance_arn)
        if task_arn is not None:
            task_arn = _task_arn(task_arn)
            if task_arn in self._tasks or task_arn in self._held:
                raise PlacementInputError(f"task_arn: {task_arn!r:.200} is already running")
        found = self._step_one(i, task)
        if found:
            raise PlacementInputError(
                f"instance {instance_arn} cannot take the task: {', '.join(found)}"
            )
        if task_arn is None:
            task_arn = self._next_local_arn()
        self._commit_row(i, task, task_arn)
        return task_arn

    def _next_local_arn(self) -> str:
        while True:
            arn = f"{LOCAL_TASK_PREFIX}{self._serial}"
            self._serial += 1
            if arn not in self._tasks and arn not in self._held:
                return arn

    def _commit_row(self, i: int, task: TaskSpec, task_arn: str) -> None:
        instance = str(self._base.ids[i])
        self._cpu[i] -= task.cpu
        self._memory[i] -= task.memory
        self._gpus[i] -= task.gpus
        self._rtc[i] += 1
        for udp, ports in ((False, task.ports), (True, task.udp_ports)):
            if ports:
                self._port_over[udp][i] = self._ports_at(i, udp=udp) | ports
        self._tasks[task_arn] = (instance, task.group, task.cpu, task.memory, task.gpus,
                                 task.ports, task.udp_ports, None, False)  # fmt: skip
        self._on[instance][task_arn] = None
        self._task_origin.setdefault(task_arn, (0, self._order))
        self._gone_tasks.pop(task_arn, None)  # running again: not forgotten while it runs
        self._order += 1
        if self._table is not None and self._appendable and self._task_origin[task_arn][0] == 0:
            self._commits.append((i, task, task_arn))
        else:
            self._tasks_changed()
        self._count_change(i, task.group, 1)
        for states in self._keys.values():
            for state in states:
                state.took(i)
        self._changed(i)

    def release(self, task_arn: str) -> None:
        """Stop the RUNNING task `task_arn`: the exact inverse of `commit`.

        Its instance regains the task's CPU, memory, GPUs and host ports and runs one task
        fewer. An unknown ARN is a `PlacementInputError`.
        """
        self._sync()
        task = self._tasks.get(task_arn) if isinstance(task_arn, str) else None
        if task is None:
            raise PlacementInputError(f"task_arn: no running task {task_arn!r:.200} in the state")
        i = self._row[task[0]]
        self._cpu[i] += task[2]
        self._memory[i] += task[3]
        self._gpus[i] += task[4]
        self._rtc[i] = max(0, self._rtc[i] - 1)
        for udp, ports in ((False, task[5]), (True, task[6])):
            if ports:
                self._port_over[udp][i] = self._ports_at(i, udp=udp) - ports
        del self._tasks[task_arn]
        del self._on[task[0]][task_arn]
        self._task_gone(task_arn)
        self._tasks_changed()
        self._count_change(i, task[1], -1)
        for states in self._keys.values():
            for state in states:
                state.gave_back(i)
        self._changed(i)

    def _count_change(self, i: int, group: str, delta: int) -> None:
        counts = self._counts.get(group)
        if counts is not None:
            counts[i] += delta
        for zones, totals in self._totals.get(group, ()):
            totals[zones[i]] += delta

    def _changed(self, i: int) -> None:
        """Instance `i` changed: refresh every cached plan's row and drop the snapshot."""
        if self._plans:
            cpu, memory, gpus = int(self._cpu[i]), int(self._memory[i]), int(self._gpus[i])
            for plan in self._plans.values():
                plan.refresh(self, i, cpu, memory, gpus)
        self._snapshot = None

    # -- batch operations on the state --------------------------------------------------------

    def place(
        self,
        task: TaskSpec,
        count: int = 1,
        *,
        constraints: Iterable[Any] = (),
        strategy: Iterable[Any] = (),
        capacity_provider_strategy: Iterable[Any] | None = None,
    ) -> PlacementResult:
        """Place `count` copies on the current state and apply them (SEMANTICS.md §3).

        The batch placer decides; a chain with `random` draws from the state's generators
        copy by copy, so it equals `count` rank-and-commit steps. The result's `inventory` is
        the state's snapshot afterwards. With a `capacity_provider_strategy` each copy goes to
        its provider's instances (§9, as `placement.place`); copies that fit none of them are
        `ProviderFailure`s naming the provider, and later copies still place.
        """
        self._sync()
        rules, chain = _checked(self._base, task, count, constraints, strategy)
        items = None
        if capacity_provider_strategy is not None:
            from .place.providers import provider_strategy

            items = provider_strategy(capacity_provider_strategy)
        if any(rule.random for rule in chain):
            if count > MAX_PLACED:  # `place` checks the other chains
                check_placeable(self.inventory, task, count, rules)
            if items is not None:
                return self._place_providers_stepwise(task, count, rules, chain, items)
            return self._place_stepwise(task, count, rules, chain)
        decided = place(self.inventory, task, count, constraints=rules, strategy=chain,
                        capacity_provider_strategy=items)  # fmt: skip
        arns = []
        for arn in decided.placements:
            task_arn = self._next_local_arn()
            self._commit_row(self._row[arn], task, task_arn)
            arns.append(task_arn)
        return PlacementResult(
            decided.placements, decided.failures, self.inventory, task, rules, tuple(arns)
        )

    def _place_stepwise(
        self, task: TaskSpec, count: int, rules: tuple[Constraint, ...], chain: tuple[Strategy, ...]
    ) -> PlacementResult:
        placements: list[str] = []
        arns: list[str] = []
        failures: tuple[Failure, ...] = ()
        for copy in range(count):
            ranking = self.rank(task, constraints=rules, strategy=chain)
            row = ranking.best_row
            if row is None:
                _, first = first_reasons(ranking.masks, len(self._base))
                failures = (Failure(copy, first, count - copy),)
                break
            task_arn = self._next_local_arn()
            self._commit_row(row, task, task_arn)
            placements.append(str(self._base.ids[row]))
            arns.append(task_arn)
        return PlacementResult(
            tuple(placements), failures, self.inventory, task, rules, tuple(arns)
        )

    def _place_providers_stepwise(
        self,
        task: TaskSpec,
        count: int,
        rules: tuple[Constraint, ...],
        chain: tuple[Strategy, ...],
        items: tuple[Any, ...],
    ) -> PlacementResult:
        """`_place_stepwise` with a provider strategy: the split first, then copy by copy.

        The split reads only the counts (a copy that fits nowhere still counts), so it is
        decided up front; every copy is then ranked among its provider's instances.
        """
        from .place.providers import assign, only_provider, provider_counts, provider_failures

        counts = provider_counts(self._base, task.group, items, self._group_count(task.group))
        who = assign(counts, items, count)
        ok = np.zeros(count, dtype=bool)
        only = [(*rules, only_provider(item.capacity_provider)) for item in items]
        placements: list[str] = []
        arns: list[str] = []
        for copy, k in enumerate(who.tolist()):
            row = self.rank(task, constraints=only[k], strategy=chain).best_row
            if row is None:
                continue
            task_arn = self._next_local_arn()
            self._commit_row(row, task, task_arn)
            placements.append(str(self._base.ids[row]))
            arns.append(task_arn)
            ok[copy] = True
        final = self.inventory
        failures = provider_failures(final, task, rules, items, who, ok)
        return PlacementResult(tuple(placements), tuple(failures), final, task, rules, tuple(arns))

    def set_protection(self, task_arns: Iterable[str], protected: bool = True) -> int:
        """Turn scale-in protection on (or off) for the RUNNING tasks `task_arns` (§9).

        Tasks held for an unknown instance take it too. ARNs the state does not hold are
        ignored (the task may have stopped since it was asked about): returns how many were.
        A task that stops and runs again later starts unprotected.
        """
        if isinstance(task_arns, (str, bytes, Mapping)) or not isinstance(task_arns, Iterable):
            raise PlacementInputError(
                f"task_arns must be a list of task ARNs, got {type(task_arns).__name__}"
            )
        if not isinstance(protected, bool):
            raise PlacementInputError(f"protected must be True or False, got {protected!r:.80}")
        arns = list(task_arns)
        for arn in arns:
            if not isinstance(arn, str):
                raise PlacementInputError(f"task_arns: not a task ARN: {arn!r:.80}")
        unknown = 0
        changed = False
        for arn in arns:
            where = self._tasks if arn in self._tasks else self._held
            task = where.get(arn)
            if task is None:
                unknown += 1
            elif task[_PROTECTED] != protected:
                where[arn] = (*task[:8], protected)  # all but `protected` (_PROTECTED)
                changed = changed or where is self._tasks
        if changed:
            self._tasks_changed()  # the task table's `protected` column is built again
        return unknown

    def apply_protection(self, protection: Any, now: Any = None) -> int:
        """Apply GetTaskProtection output: the tasks it names take its answer at `now`.

        Each task named in `protectedTasks` is protected when enabled and not expired at
        `now` (default the current time), and unprotected otherwise; tasks it does not name
        keep theirs. Returns how many named tasks the state does not hold (ignored).
        """
        answers = read_protection(protection, now)  # checks every element first
        unknown = self.set_protection([a for a, on in answers.items() if on], True)
        return unknown + self.set_protection([a for a, on in answers.items() if not on], False)

    def scale_in(self, group: str, count: int, *, strategy: Iterable[Any] = ()) -> Any:
        """Stop `count` tasks of `group` as `placement.scale_in` chooses them, and apply it.

        A `random` strategy draws from the state's generators. Returns a `ScaleInResult`
        whose `inventory` is the state's snapshot afterwards. Protected tasks are never
        stopped (`set_protection`; the result's `unstopped` and `reasons` say how many could
        not be).
        """
        from .ops.scale_in import ScaleInResult, check_inputs, choose_stops

        self._sync()
        snapshot = self.inventory
        chain = check_inputs(snapshot, group, count, strategy, None)
        stops = choose_stops(snapshot, group, count, chain, self._generators_for(chain))
        for arn in stops:
            self.release(arn)
        return ScaleInResult.of(stops, self.inventory, group, count)

    def place_daemon(
        self, task: TaskSpec, *, constraints: Iterable[Any] = (), strategy: Any = None
    ) -> Any:
        """Run the daemon `task` on the current state and apply it (`placement.place_daemon`).

        Stops come first, then one copy on each instance that needs one and can take it.
        """
        from .ops.daemon import DaemonResult, decide_daemon

        self._sync()
        decision = decide_daemon(self.inventory, task, constraints, strategy)
        for arn in decision.stops:
            self.release(arn)
        arns = []
        for arn in decision.placements:
            task_arn = self._next_local_arn()
            self._commit_row(self._row[arn], task, task_arn)
            arns.append(task_arn)
        return DaemonResult(
            decision.placements, decision.failures, decision.stops, self.inventory, task,
            tuple(arns),
        )  # fmt: skip

    # -- events -------------------------------------------------------------------------------

    def apply(self, event: Any) -> bool:
        """Apply one ECS EventBridge event (a dict or JSON text); whether it changed anything.

        `ECS Task State Change` adds, moves or removes the task's row, `ECS Container Instance
        State Change` replaces, adds or removes the instance's row, each only when its
        `detail.version` is newer than the last applied for that ARN (SEMANTICS.md §6). Other
        ECS event types (`ECS Service Action`, `ECS Deployment State Change`, ...) and Fargate
        task events change nothing: False. SQS and SNS envelopes (a Lambda event's `Records`,
        a boto3 message's `Body`, an SNS `Notification`'s `Message`, SNS inside SQS) are
        opened and every event inside applied. A malformed event raises `PlacementError`
        naming the event and field, and changes nothing.
        """
        return self.apply_all([event]) > 0

    def apply_all(self, events: Iterable[Any]) -> int:
        """Apply events in the order given; how many changed the state.

        Every event is checked first: if one is malformed, none is applied. Events of another
        cluster (`detail.clusterArn`) are ignored and counted in `foreign_events`.
        """
        if isinstance(events, (str, bytes, Mapping)) or not isinstance(events, Iterable):
            raise PlacementInputError(
                f"events must be a list of events, got {type(events).__name__}"
            )
        read = []
        # Versions as they will be when this batch's earlier events are applied: an event
        # that is not newer changes nothing, so its detail need not be read.
        newest: dict[tuple[str, str], int] = {}
        cluster, foreign = self._own_cluster(), 0
        mixed = self._cluster == _MIXED  # an inventory of several clusters: no filter
        for index, event in enumerate(events):
            try:
                for doc in used_events(event, index):  # SQS/SNS envelopes opened
                    _, kind, arn, version = read_event_header(doc, index)
                    named = _event_cluster(doc, index)
                    if named is not None and not mixed:
                        if cluster is None:
                            cluster = named  # learnt from the first event that names one
                        elif not _same_cluster(cluster, named):
                            foreign += 1
                            continue
                    versions = self._task_versions if kind == "task" else self._instance_versions
                    last = newest.get((kind, arn), versions.get(arn))
                    if last is not None and version <= last:
                        continue
                    newest[(kind, arn)] = version
                    read.append((kind, arn, version, read_event_detail(doc, kind, index)))
            except PlacementError:
                raise
            except (RecursionError, MemoryError, OverflowError) as exc:
                raise InventoryError(f"event #{index}: cannot read: {type(exc).__name__}") from None
        if not mixed:
            self._cluster = cluster
        self.foreign_events += foreign
        changed = 0
        for kind, arn, version, values in read:
            if kind == "task":
                changed += self._task_event(arn, version, values)
            else:
                changed += self._instance_event(arn, version, values)
        return changed

    @property
    def cluster(self) -> str | None:
        """The cluster whose events apply: given, learnt from the inventory or an event."""
        return self._own_cluster()

    def _own_cluster(self) -> str | None:
        if self._cluster_from_inventory:
            # Once, at the first question: a pass over the instance ARNs.
            self._cluster_from_inventory = False
            named = {_instance_cluster(arn) for arn in self._instance_origin}
            if len(named) == 1 and None not in named:
                self._cluster = named.pop()
            elif len(named - {None}) > 1:
                self._cluster = _MIXED
        return None if self._cluster == _MIXED else self._cluster

    def _known(self, instance: str) -> bool:
        if instance in self._pending:
            return self._pending[instance] is not None
        return instance in self._row

    # -- bounded memory of removed and held tasks --------------------------------------------

    def _forget_task(self, arn: str) -> None:
        self._task_versions.pop(arn, None)
        self._task_origin.pop(arn, None)

    def _bury(self, gone: OrderedDict[str, None], arn: str) -> list[str]:
        """Remember `arn` as removed (newest last); the ARNs past the bound, now forgotten."""
        gone[arn] = None
        gone.move_to_end(arn)
        expired = []
        while len(gone) > self._remember:
            expired.append(gone.popitem(last=False)[0])
        return expired

    def _task_gone(self, arn: str) -> None:
        """`arn` stopped: its version is remembered; past the bound the oldest is forgotten."""
        for oldest in self._bury(self._gone_tasks, arn):
            self._forget_task(oldest)

    def _hold_task(self, arn: str, task: _Task) -> None:
        self._held[arn] = task
        self._held_on.setdefault(task[0], {})[arn] = None
        while len(self._held) > self._hold:
            # Held longest: its instance has not registered. Forgotten whole (version too),
            # so a later event for it applies again.
            oldest = next(iter(self._held))  # O(1) in an OrderedDict
            self._unhold(oldest)
            self._forget_task(oldest)

    def _unhold(self, arn: str) -> _Task | None:
        task = self._held.pop(arn, None)
        if task is not None:
            mine = self._held_on[task[0]]
            del mine[arn]
            if not mine:
                del self._held_on[task[0]]
        return task

    def _instance_gone(self, arn: str) -> None:
        for oldest in self._bury(self._gone_instances, arn):
            if self._known(oldest):  # registered again since (without an event: a rebuild)
                continue
            self._instance_versions.pop(oldest, None)
            self._instance_origin.pop(oldest, None)
            if not self._on.get(oldest, True):
                del self._on[oldest]

    # -- applying one event -------------------------------------------------------------------

    def _task_event(self, arn: str, version: int, values: list[Any] | None) -> bool:
        last = self._task_versions.get(arn)
        if last is not None and version <= last:
            return False
        self._task_versions[arn] = version
        # Events do not carry protection (GetTaskProtection does): a task that moves or
        # changes keeps its own.
        before = self._tasks.get(arn) or self._held.get(arn)
        was_protected = before is not None and before[_PROTECTED]
        self._drop_task(arn)
        if values is None:
            self._task_gone(arn)
            return True
        self._gone_tasks.pop(arn, None)
        task: _Task = (*values[1:], was_protected)
        self._task_origin.setdefault(arn, (1, arn))
        if self._known(task[0]):
            self._add_task(arn, task)
        else:
            self._hold_task(arn, task)
        return True

    def _drop_task(self, arn: str) -> None:
        """Remove a task reported stopped or moved (resources come from instance events)."""
        if self._unhold(arn) is not None:
            return
        task = self._tasks.pop(arn, None)
        if task is None:
            return
        del self._on[task[0]][arn]
        i = self._row.get(task[0])
        if i is not None and task[0] not in self._pending:
            if not self._rtc_given[i]:
                self._rtc[i] -= 1
            self._count_change(i, task[1], -1)
            self._changed(i)
        self._tasks_changed()

    def _add_task(self, arn: str, task: _Task) -> None:
        self._tasks[arn] = task
        self._on.setdefault(task[0], {})[arn] = None
        i = self._row.get(task[0])
        if i is not None and task[0] not in self._pending:
            if not self._rtc_given[i]:
                self._rtc[i] += 1
            self._count_change(i, task[1], 1)
            self._changed(i)
        self._tasks_changed()

    def _instance_event(self, arn: str, version: int, record: list[Any] | None) -> bool:
        last = self._instance_versions.get(arn)
        if last is not None and version <= last:
            return False
        self._instance_versions[arn] = version
        self._snapshot = None
        if record is None:
            if self._known(arn):
                for task_arn in list(self._on.get(arn, ())):
                    self._hold_task(task_arn, self._tasks.pop(task_arn))
                self._on[arn] = {}
                self._pending[arn] = None
                self._tasks_changed()
            self._instance_gone(arn)
            return True
        self._gone_instances.pop(arn, None)
        self._instance_origin.setdefault(arn, (1, arn))
        i = self._row.get(arn)
        if i is not None and arn not in self._pending and self._same_static(i, record):
            self._set_resources(i, record)
            return True
        self._pending[arn] = record
        on = self._on.setdefault(arn, {})
        for task_arn in list(self._held_on.get(arn, ())):
            task = self._unhold(task_arn)
            assert task is not None
            self._tasks[task_arn] = task
            on[task_arn] = None
        self._tasks_changed()
        return True

    def _same_static(self, i: int, record: list[Any]) -> bool:
        columns = self._base_columns
        return all(record[k] == column_value(spec, columns[spec.name], i)
                   for k, spec in _STATIC_SPECS)  # fmt: skip

    def _set_resources(self, i: int, record: list[Any]) -> None:
        self._cpu[i] = record[_AT["cpu"]]
        self._memory[i] = record[_AT["memory"]]
        self._gpus[i] = record[_AT["gpus"]]
        self._registered[0][i] = record[_AT["registered_cpu"]]
        self._registered[1][i] = record[_AT["registered_memory"]]
        self._port_over[False][i] = record[_AT["ports"]]
        self._port_over[True][i] = record[_AT["udp_ports"]]
        given = record[_AT["running_tasks_count"]]
        self._rtc_given[i] = given is not None
        self._rtc[i] = given if given is not None else len(self._on.get(record[0], ()))
        self._changed(i)

    def _sync(self) -> None:
        """Apply pending instance additions, removals and static changes: one columnar rebuild.

        The rows that did not change keep their columns (with the state's current resources);
        changed and new rows are built from their records and appended; the whole is put back
        in canonical order. No per-instance Python work for the rows that did not change.
        """
        if not self._pending:
            return
        ids = self._base.ids.tolist()
        keep = np.array([i for i, arn in enumerate(ids) if arn not in self._pending], dtype=np.intp)
        count = _AT["running_tasks_count"]
        fresh = [list(record) for record in self._pending.values() if record is not None]
        fresh_given = np.array([row[count] is not None for row in fresh], dtype=bool)
        for row in fresh:
            if row[count] is None:
                row[count] = len(self._on.get(row[0], ()))
        joined = self._current_base().select(keep).appending(Inventory._build(fresh, []))
        arns = joined.ids.tolist()
        order = np.array(
            sorted(range(len(arns)), key=lambda k: self._instance_origin[arns[k]]), dtype=np.intp
        )
        given = np.concatenate([self._rtc_given[keep], fresh_given])[order]
        self._pending = {}
        self._set_base(joined.select(order), given)

    def _current_base(self) -> Inventory:
        """The static columns with the state's current resources.

        No tasks: the state keeps its tasks itself.
        """
        columns = self._base.columns()
        columns["cpu"] = self._cpu.copy()
        columns["memory"] = self._memory.copy()
        columns["gpus"] = self._gpus.copy()
        columns["registered_cpu"] = self._registered[0].copy()
        columns["registered_memory"] = self._registered[1].copy()
        columns["running_tasks_count"] = self._rtc.copy()
        columns["ports"] = self._port_column(False)
        columns["udp_ports"] = self._port_column(True)
        columns["task_groups"] = GroupCounts.build([{}] * len(self._base))
        return Inventory(columns, TaskTable.empty_columns())

    # -- pickling -----------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_plans"] = {}  # rebuilt on demand
        for name in ("_snapshot", "_table", "_groups"):
            state[name] = None
        state["_commits"] = []
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


