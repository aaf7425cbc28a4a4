"""Daemon placement: one task of the group on every instance that qualifies (SEMANTICS.md §5).

Each instance is judged on its own state, so the whole decision is a handful of masks: no
ranking, no order. The new inventory is built once (stops, then placements).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np

from ..errors import PlacementInputError
from ..inventory import Inventory
from ..model import FrozenMap
from ..place import reasons as R
from ..place.inputs import check_inputs as _inputs
from ..place.masks import reason_masks
from ..place.task import TaskSpec

__all__ = ["place_daemon", "DaemonResult", "decide_daemon", "STRATEGY_REFUSED"]

STRATEGY_REFUSED = (
    "The daemon scheduling strategy does not support placement strategies. Remove the "
    "placement strategy and try again"
)
"""ECS's InvalidParameterException message for a daemon service given a placement strategy."""


def _failures(value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return value if isinstance(value, FrozenMap) else FrozenMap(value)


@attrs.frozen(eq=False, repr=False)
class DaemonResult:
    """Where the daemon starts, which instances cannot take it, which daemon tasks stop.

    `placements`: instance ARNs in inventory order; `failures`: instance ARN -> every reason
    it cannot take the task (ECS's order; a task read from Kubernetes or Nomad gets its
    system's words and order, as `explain_placement` gives them); `stops`: ARNs of the
    group's tasks on instances that no longer qualify; `inventory`: the state afterwards;
    `task_arns`: the new tasks' ARNs.
    """

    placements: tuple[str, ...]
    failures: Mapping[str, tuple[str, ...]] = attrs.field(converter=_failures)
    stops: tuple[str, ...] = ()
    inventory: Inventory | None = None
    task: Any = None
    task_arns: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: placements (with task ARNs), failures, stops."""
        return {
            "placed": len(self.placements),
            "placements": [
                {"instance": arn, "task": task}
                for arn, task in zip(self.placements, self.task_arns, strict=False)
            ],
            "failures": {arn: list(reasons) for arn, reasons in self.failures.items()},
            "stops": list(self.stops),
            "task": self.task.to_dict() if hasattr(self.task, "to_dict") else None,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DaemonResult):
            return NotImplemented
        return (
            (self.placements, dict(self.failures), self.stops, self.task_arns)
            == (other.placements, dict(other.failures), other.stops, other.task_arns)
            and self.inventory == other.inventory
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"<DaemonResult placed {len(self.placements)}, {len(self.failures)} failed, "
            f"{len(self.stops)} to stop>"
        )

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: where it starts, why elsewhere not, what stops."""
        from ..render import daemon_html

        return daemon_html(self)


def decide_daemon(
    inventory: Any, task: Any, constraints: Iterable[Any], strategy: Any
) -> DaemonResult:
    """The daemon's placements, failures and stops on `inventory` (no new inventory)."""
    if strategy is not None and (
        isinstance(strategy, (str, Mapping)) or not isinstance(strategy, Iterable)
        or list(strategy)
    ):  # fmt: skip
        raise PlacementInputError(STRATEGY_REFUSED)
    if not isinstance(constraints, (str, Mapping, Iterable)):
        raise PlacementInputError(f"constraints must be a list, got {type(constraints).__name__}")
    try:
        rules, _ = _inputs(inventory, task, 0, constraints, ())
    except (TypeError, OverflowError, RecursionError) as exc:
        raise PlacementInputError(f"constraints: {type(exc).__name__}") from None
    assert isinstance(inventory, Inventory) and isinstance(task, TaskSpec)
    for rule in rules:
        if not rule.for_daemons:  # a daemon's copies land on every instance at once
            raise PlacementInputError(
                f"place_daemon does not take {rule}: it caps copies across instances, and a "
                "daemon places one copy on every instance at once"
            )
    # distinctInstance is implied: instances that run the group need nothing.
    masks = reason_masks(inventory, task, rules)
    del masks[R.DISTINCT_INSTANCE]
    runs = inventory.group_counts(task.group) > 0
    blocked = np.zeros(len(inventory), dtype=bool)
    for mask in masks.values():
        blocked |= mask
    ids = inventory.ids
    placements = tuple(str(a) for a in ids[~runs & ~blocked])
    active = inventory.status.codes == inventory.status.index.get("ACTIVE", -3)
    # Instances that should run the daemon: ACTIVE, inside every memberOf, without one yet.
    # Those that cannot take it are the failures; the others do not need it (SEMANTICS §5).
    needed = ~runs & active & ~masks[R.MEMBER_OF]
    # In the task's dialect where it has words (a Kubernetes DaemonSet's pod: the taint named),
    # as `explain_placement` gives them; ECS's codes otherwise.
    words = R.worded(task, inventory, rules, masks) if R.speaks(task) else None
    named = list(masks.items()) if words is None else [(word, mask) for word, _, mask in words]
    failures = {
        str(ids[i]): tuple(reason for reason, mask in named if mask[i])
        for i in np.flatnonzero(needed & blocked)
    }
    leaving = runs & (masks[R.MEMBER_OF] | ~active)
    table = inventory.tasks
    code = table.groups.index.get(task.group, -1)
    stopped = (table.groups.codes == code) & leaving[table.instances]
    stops = tuple(str(a) for a in table.arns[stopped])
    return DaemonResult(placements, failures, stops, None, task)


def place_daemon(
    inventory: Inventory, task: TaskSpec, *, constraints: Iterable[Any] = (), strategy: Any = None
) -> DaemonResult:
    """Run `task` as a daemon: one copy on every instance that qualifies and lacks one (§5).

    An instance qualifies when it passes eligibility and resources (§3 step 1) and every
    `memberOf` constraint; `distinctInstance` is implied. Instances that need the daemon
    (ACTIVE, inside every `memberOf` constraint, not running one) and cannot take it are
    `failures` with their reasons; instances outside the constraints, or not ACTIVE, need none.
    The group's tasks on instances that no longer satisfy a `memberOf` constraint, or are not
    ACTIVE, are `stops`. A non-empty
    `strategy` is refused with ECS's message (PlacementInputError). The caller's inventory is
    never changed: `result.inventory` is the state afterwards.
    """
    decision = decide_daemon(inventory, task, constraints, strategy)
    after = inventory.without_tasks(decision.stops)
    rows = [inventory.index_of(arn) for arn in decision.placements]
    final = after.with_placements(rows, task)
    arns = tuple(final.tasks.arns[len(final.tasks) - len(rows) :].tolist()) if rows else ()
    return DaemonResult(
        decision.placements, decision.failures, decision.stops, final, task, arns
    )
