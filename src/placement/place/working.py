"""`Working`: one mutable working state over an immutable inventory, with one commit.

The engines that place copy by copy (the per-copy loop, headroom's and the batch placer's
fall-back for rules that read placements) keep the columns a commit changes as writable arrays:
remaining CPU, memory and GPUs, running-task counts, tasks per group (and per zone of an
attribute), the host ports of rows that took a copy. `commit` is §3 step 4 on one row.
A `Working` is a `View`, so rules read it as they read an
inventory: copies placed so far are part of what they see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import numpy as np
import numpy.typing as npt

from ..rules.view import View

if TYPE_CHECKING:
    from ..instance import Instance
    from ..inventory import Inventory
    from ..rules.base import TaskLike

__all__ = ["Working"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


class Working(View):
    """The current state of every row while copies are placed (a `View` for rules)."""

    __slots__ = ("cpu", "memory", "gpus", "running", "_groups", "_totals", "_placed",
                 "_current")  # fmt: skip

    def __init__(self, inventory: Inventory) -> None:
        super().__init__(inventory)
        self.cpu = inventory.cpu.copy()
        self.memory = inventory.memory.copy()
        self.gpus = inventory.gpus.copy()
        self.running = inventory.running_tasks_count.copy()
        self._groups: dict[str, Ints] = {}
        self._totals: dict[tuple[str, str], Floats] = {}
        # Per row, the tasks it took here (in order): ports and groups for `instance`/`current`.
        self._placed: dict[int, list[TaskLike]] = {}
        self._current: Inventory | None = inventory

    # -- what rules read ----------------------------------------------------------------------

    def _remaining(self, resource: str) -> Ints:
        column: Ints = getattr(self, resource)
        return column

    @property
    def running_tasks_count(self) -> Ints:
        """Running tasks per row, copies placed here included."""
        return self.running

    def group_count(self, group: str) -> Ints:
        """Tasks of `group` per row, copies placed here included (the array commits update)."""
        counts = self._groups.get(group)
        if counts is None:
            counts = self._groups[group] = self._inventory.group_counts(group).copy()
        return counts

    def zone_totals(self, group: str, attribute: str) -> Floats:
        """Tasks of `group` per value of `attribute`, kept current by commits."""
        totals = self._totals.get((group, attribute))
        if totals is None:
            # From the current counts: copies placed before the first ask are in them.
            zones, missing = self.zones(attribute)
            counts = self.group_count(group)
            totals = np.bincount(zones, weights=counts, minlength=missing + 1).astype(float)
            totals[missing] = np.inf
            self._totals[(group, attribute)] = totals
        return totals

    def instance(self, row: int) -> Instance:
        """Row `row` as it is now."""
        row = int(row)
        base = self._inventory[row]
        placed = self._placed.get(row)
        if not placed:
            return base
        groups = dict(base.task_groups)
        ports, udp_ports = set(base.ports), set(base.udp_ports)
        for task in placed:
            groups[task.group] = groups.get(task.group, 0) + 1
            ports |= task.ports
            udp_ports |= task.udp_ports
        return attrs.evolve(
            base, cpu=int(self.cpu[row]), memory=int(self.memory[row]), gpus=int(self.gpus[row]),
            ports=frozenset(ports), udp_ports=frozenset(udp_ports),
            running_tasks_count=int(self.running[row]), task_groups=groups,
        )  # fmt: skip

    def current(self) -> Inventory:
        """The whole state as an `Inventory` (built when a rule asks, then kept until a commit)."""
        if self._current is None:
            state = self._inventory
            by_task: dict[TaskLike, list[int]] = {}
            for row, tasks in self._placed.items():
                for task in tasks:
                    by_task.setdefault(task, []).append(row)
            for task, rows in by_task.items():
                state = state.with_placements(np.asarray(rows, dtype=np.int64), task)
            self._current = state
        return self._current

    # -- the one commit -----------------------------------------------------------------------

    def commit(self, row: int, task: TaskLike) -> None:
        """Row `row` takes one copy of `task` (SEMANTICS.md §3 step 4)."""
        self.cpu[row] -= task.cpu
        self.memory[row] -= task.memory
        self.gpus[row] -= task.gpus
        self.running[row] += 1
        self.group_count(task.group)[row] += 1  # made now, so later reads include it
        for (group, attribute), totals in self._totals.items():
            if group == task.group:
                zones, _ = self.zones(attribute)
                totals[zones[row]] += 1
        self._placed.setdefault(row, []).append(task)
        self._current = None

    def taken(self, row: int) -> int:
        """Copies row `row` took here."""
        return len(self._placed.get(row, ()))

    def __repr__(self) -> str:
        return f"<Working {len(self)} rows, {sum(map(len, self._placed.values()))} copies>"
