"""`View`: the instances as a rule sees them, one row per instance, in their current state.

A view over an `Inventory` reads its columns. Engines that place copy by copy hand rules a view
over their working state instead (`place/working.py`, `ClusterState`): the static columns are
the inventory's, and what a commit changes (remaining resources, running-task counts, tasks of
each group) is the engine's current arrays, copies placed so far in the same call included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..text import shown

if TYPE_CHECKING:
    from ..instance import Instance
    from ..inventory import Inventory
    from ..syntax.ast import Expression

__all__ = ["View", "RESOURCES", "spread_zones", "zone_totals", "matching_count", "labelled_count"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

RESOURCES = ("cpu", "memory", "gpus")


class View:
    """Read-only access to every instance row, for rules.

    `arns`, `ec2_instance_ids`, `attribute(name)`, `has_attribute(name)`, `status`,
    `agent_connected`: the instances' static fields. `remaining(resource)`,
    `running_tasks_count` and `group_count(group)`: their current state, copies placed so far
    in the same call included. `matching_count(selector)`: the tasks per row whose labels
    match a selector; `unlabelled_count(group)`: a group's tasks per row that carry no labels.
    `instance(row)`: one row as an `Instance` (for scalar checks).
    Arrays are read-only; do not keep them past the call that received them.
    """

    __slots__ = ("_inventory",)

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory

    def __len__(self) -> int:
        return len(self._inventory)

    # -- static fields ------------------------------------------------------------------------

    @property
    def inventory(self) -> Inventory:
        """The inventory the static columns come from (its resources may be out of date)."""
        return self._inventory

    @property
    def arns(self) -> npt.NDArray[np.object_]:
        """Container instance ARNs (or node names), one per row."""
        return self._inventory.ids

    @property
    def ec2_instance_ids(self) -> npt.NDArray[np.object_]:
        """EC2 instance ids, one per row."""
        return self._inventory.memo(("view", "ec2"), self._ec2_ids)  # type: ignore[no-any-return]

    def _ec2_ids(self) -> npt.NDArray[np.object_]:
        column = self._inventory.ec2_instance_ids
        values = np.array([*column.values, None, None], dtype=object)
        out: npt.NDArray[np.object_] = values[column.codes]
        return out

    def attribute(self, name: str) -> npt.NDArray[np.object_]:
        """Each row's value of attribute `name`: a str, or None where absent or name-only."""
        if not isinstance(name, str):
            raise PlacementInputError(f"attribute name must be a str, got {shown(name)}")
        return self._inventory.memo(  # type: ignore[no-any-return]
            ("view", "attribute", name), lambda: self._attribute(name)
        )

    def _attribute(self, name: str) -> npt.NDArray[np.object_]:
        column = self._inventory.attributes.get(name)
        out = np.full(len(self), None, dtype=object)
        if column is not None:
            values = np.array([*column.values, None, None], dtype=object)
            out = values[column.codes]  # -1 and -2 land on the two trailing Nones
        return out

    def has_attribute(self, name: str) -> npt.NDArray[np.bool_]:
        """Whether each row has attribute `name` (name-only attributes included)."""
        column = self._inventory.attributes.get(name) if isinstance(name, str) else None
        if column is None:
            return np.zeros(len(self), dtype=bool)
        has: npt.NDArray[np.bool_] = column.codes != -1
        return has

    def zones(self, attribute: str) -> tuple[Ints, int]:
        """Each row's value code of `attribute`, and the code `k` of rows lacking a value."""
        return spread_zones(self._inventory, attribute)

    # -- current state ------------------------------------------------------------------------

    def remaining(self, resource: str) -> Ints:
        """Remaining `cpu`, `memory` or `gpus` per row (`gpu` is accepted for `gpus`)."""
        if resource == "gpu":
            resource = "gpus"
        if resource not in RESOURCES:
            raise PlacementInputError(f"remaining takes cpu, memory or gpus, not {shown(resource)}")
        return self._remaining(resource)

    def _remaining(self, resource: str) -> Ints:
        column: Ints = getattr(self._inventory, resource)
        return column

    @property
    def running_tasks_count(self) -> Ints:
        """Running tasks per row."""
        column: Ints = self._inventory.running_tasks_count
        return column

    def group_count(self, group: str) -> Ints:
        """Tasks of `group` per row (copies placed so far in the same call included)."""
        if not isinstance(group, str):
            raise PlacementInputError(f"group must be a str, got {shown(group)}")
        return self._inventory.group_counts(group)

    def matching_count(self, selector: Expression) -> Ints:
        """Per row, the task rows on it whose labels match `selector` (an `Expression`).

        The selector reads task labels as if they were attributes, over the inventory's task
        table (memoised per inventory: one vectorized pass, so 100,000 pods cost one). Copies
        placed in the current call carry no labels and are not counted (`unlabelled_count`).
        """
        return self._inventory.memo(  # type: ignore[no-any-return]
            ("view", "matching", selector), lambda: matching_count(self._inventory, selector)
        )

    def unlabelled_count(self, group: str) -> Ints:
        """Per row, the tasks of `group` that carry no labels, copies placed so far included.

        Copies an engine places hold a group but no labels: a rule that counts pods by
        selector adds these when the incoming pod matches its own selector.
        """
        labelled = self._inventory.memo(
            ("view", "labelled", group), lambda: labelled_count(self._inventory, group)
        )
        out: Ints = self.group_count(group) - labelled
        return out

    def zone_totals(self, group: str, attribute: str) -> Floats:
        """Per value code of `attribute`, the tasks of `group` on it; +inf for lacking rows."""
        return zone_totals(self._inventory, group, attribute)

    def instance(self, row: int) -> Instance:
        """Row `row` as an `Instance`, in its current state."""
        return self._inventory[int(row)]

    def current(self) -> Inventory:
        """The whole current state as an `Inventory` (for the vectorized evaluator)."""
        return self._inventory

    def __repr__(self) -> str:
        return f"<View {len(self)} rows>"

    def __reduce__(self) -> Any:  # views are transient: refuse to outlive their call
        raise TypeError("a View is only valid during the call that received it")


class _LabelRows:
    """Task rows as the vectorized evaluator reads instances: their labels as attributes."""

    __slots__ = ("attributes", "_n")

    def __init__(self, attributes: Any, n: int) -> None:
        self.attributes = attributes
        self._n = n

    def __len__(self) -> int:
        return self._n


def matching_count(inv: Inventory, selector: Expression) -> Ints:
    """Per instance of `inv`, its task rows whose labels match `selector` (not memoised)."""
    from ..evaluate.vector import compile_plan

    tasks = inv.tasks
    if not len(tasks):
        return np.zeros(len(inv), dtype=np.int64)
    mask = compile_plan(selector)(_LabelRows(tasks.labels, len(tasks)))  # type: ignore[arg-type]
    counts = np.bincount(tasks.instances[mask], minlength=len(inv)).astype(np.int64)
    counts.flags.writeable = False
    return counts


def labelled_count(inv: Inventory, group: str) -> Ints:
    """Per instance of `inv`, its task rows of `group` that carry at least one label."""
    tasks = inv.tasks
    code = tasks.groups.index.get(group) if len(tasks) else None
    if code is None or not tasks.labels:
        return np.zeros(len(inv), dtype=np.int64)
    labelled = np.zeros(len(tasks), dtype=bool)
    for column in tasks.labels.values():
        labelled |= column.codes != -1  # ABSENT
    mine = labelled & (tasks.groups.codes == code)
    counts = np.bincount(tasks.instances[mine], minlength=len(inv)).astype(np.int64)
    counts.flags.writeable = False
    return counts


def spread_zones(inv: Inventory, attribute: str) -> tuple[npt.NDArray[np.int64], int]:
    """Per instance, its zone for `spread(attribute:NAME)`, and the zone of those lacking it.

    The zone is the value's code, or `k` (the number of values) for instances lacking a value
    (absent or name-only), which rank after all others.
    """
    def compute() -> tuple[npt.NDArray[np.int64], int]:
        column = inv.attributes.get(attribute)
        if column is None:
            return np.zeros(len(inv), dtype=np.int64), 0
        k = len(column.values)
        codes = column.codes.astype(np.int64)
        zones = np.where(codes >= 0, codes, k)
        zones.flags.writeable = False
        return zones, k

    return inv.memo(("zones", attribute), compute)  # type: ignore[no-any-return]


def zone_totals(inventory: Inventory, group: str, attribute: str) -> npt.NDArray[np.float64]:
    """Per zone of `attribute`, the tasks of `group` on it; +inf for instances lacking it."""

    def compute() -> npt.NDArray[np.float64]:
        zones, missing = spread_zones(inventory, attribute)
        counts = inventory.group_counts(group)
        totals = np.bincount(zones, weights=counts, minlength=missing + 1).astype(float)
        totals[missing] = np.inf
        return totals

    return inventory.memo(("zone totals", group, attribute), compute)  # type: ignore[no-any-return]
