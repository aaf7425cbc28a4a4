"""The rule interface: what every engine asks a constraint or a strategy.

Engines (the batch placer, the per-copy loop, the reference, `rank`, `ClusterState`, headroom,
scale-in, daemons, deployments, explanations) never switch on a rule's class: they ask every rule
the same few questions, over a `View` of the instances in their current state.

A constraint answers
  * `excluded(view, task)`: which rows it refuses (numpy bool per row; True = refused), under
    its `reason` (the failure reason ECS-style results count);
  * `reads_placements`: whether its answer depends on the copies placed so far (task counts,
    running-task counts). Such a rule is asked again after every commit;
  * `capacity(view, task, count)`: where it caps copies row by row, how many more copies each
    row could take judged by itself, counting only that row's own new copies (None: it cannot
    say, because its answer on one row depends on copies placed on others; the batch placer
    and headroom then ask `excluded` copy by copy instead);
  * `affected(view, task, row)`: the rows whose answer a commit on `row` may change (None, the
    default: any row) and `refreshed(view, task, rows)`: its answer again for those rows (by
    default the whole `excluded` again, sliced);
  * `reference_excluded(instances, task)`: the same answer computed one instance at a time, for
    the reference placer (by default from `excluded` over an inventory of those instances);
    `reference_excluded_among(instances, task, tasks)`: the same, given the inventory's running
    tasks with their labels (by default `reference_excluded`, which does not read them).

and, optionally,
  * `zone_caps(view, task)`: for a rule that caps the copies per zone (rows sharing a value),
    each row's zone and each zone's room; the batch placer then keeps its fast path;
  * `zone_gate(view, task)`: for a rule that opens and closes zones by the skew of their
    counts (`topologySpread`), its gate; the batch placer honours it in its event loop;
  * `among(rules)`: the rule as it stands among every rule in force (a rule whose meaning
    depends on the others, as `topologySpread`'s domains on `memberOf`, binds them here);
  * `for_daemons`: whether `place_daemon` accepts it (False for rules that couple instances).

A strategy answers
  * `values(view, task, rows, draw)`: its ranking value per candidate row (lower is better);
  * `column(view, task, keys)`: its shape for the batch placer's order (`place/order.py`);
  * `reference_key(instances, i, task, draw)`: one candidate's value, one instance at a time;
  * `stop_values(state, tasks, draw)` and `reference_stop_key(instances, inst, task, group,
    draw)`: scale-in's value of stopping running tasks (lower stops first), vectorized and one
    task at a time; `zone_attribute`: the attribute whose per-value totals it reads, if any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..model import TaskLike

if TYPE_CHECKING:
    from ..instance import Instance, Task
    from .relaxation import Relaxation
    from .view import View

__all__ = [
    "TaskLike", "Constraint", "Strategy", "StopView", "Bools", "Ints", "USER_RANK", "ZoneCaps",
    "ZoneGate", "in_force",
]  # fmt: skip

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]

USER_RANK = 1000
"""Where user-defined constraints stand in the reason order: after every built-in reason."""


@attrs.frozen(eq=False)
class ZoneCaps:
    """A cap per zone: `zones[row]` is each row's zone, `room[zone]` the copies it may still take.

    The copies placed on all rows of a zone together may not pass its room; rows whose zone
    has no room (lacking the attribute, say) take none.
    """

    zones: npt.NDArray[np.int64]
    room: npt.NDArray[np.int64]


@attrs.frozen(eq=False)
class ZoneGate:
    """Zones open by skew: zone d takes a copy only while counts[d] + 1 - low <= skew.

    `zones[row]` is each row's zone; `counts[zone]` the tasks counted there; `domain[zone]`
    whether the zone is a domain (the least count `low` is over domains, and is 0 while there
    are fewer than `min_domains` of them); `never[row]`, rows refused whatever the counts.
    Each copy on a row adds one to its zone's count.
    """

    zones: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    domain: npt.NDArray[np.bool_]
    skew: int
    min_domains: int
    never: npt.NDArray[np.bool_]


class Constraint:
    """A placement constraint: the rows it refuses, and why.

    Subclass it to add a rule of your own; set `reason` (the failure reason results count
    refused instances under) and implement `excluded`. Set `reads_placements = True` when the
    answer depends on tasks placed (`view.group_count`, `view.running_tasks_count`, remaining
    resources): the engines then ask again after every commit, so a rule that reads placements
    is never wrong, only slower than a built-in that also says its `capacity`.

        class NotRetiring(placement.rules.Constraint):
            reason = "NotRetiring"
            def excluded(self, view, task):
                return np.isin(view.ec2_instance_ids, RETIRING)

    Instances are passed in `constraints=[...]` to `place`, `rank`, `ClusterState`,
    `headroom`, `explain_placement`, `deploy` and `place_daemon`.
    """

    reason: ClassVar[str] = ""
    """The failure reason: what results and explanations count refused instances under."""
    reads_placements: ClassVar[bool] = False
    """Whether the answer depends on the copies placed so far (asked again after each commit)."""
    rank: ClassVar[int] = USER_RANK
    """Position in the reason order; built-ins follow ECS, user rules come after, as given."""
    for_daemons: ClassVar[bool] = True
    """Whether `place_daemon` accepts the rule (one copy on every instance at once)."""

    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Per row of `view`, True where this constraint refuses one more copy of `task`."""
        raise NotImplementedError(f"{type(self).__name__} must define excluded(view, task)")

    def capacity(self, view: View, task: TaskLike, count: int) -> Ints | None:
        """How many of `count` more copies each row could take, judged by this rule alone.

        Only the row's own new copies are counted; rows `excluded` refuses may be anything.
        None (the default for rules that read placements): the rule cannot say, so engines
        ask `excluded` again after every copy. Rules that do not read placements never cap:
        their `excluded` mask is all there is.
        """
        return None

    def affected(self, view: View, task: TaskLike, row: int) -> Ints | None:
        """The rows whose answer a commit on `row` may change (None: any row, ask again).

        Only asked of rules that read placements. A rule that reads only the row's own state
        answers `[row]`; one that reads a zone's counts, the rows of that zone.
        """
        return None

    def refreshed(self, view: View, task: TaskLike, rows: Ints) -> Bools:
        """`excluded` at `rows` only, after a commit changed those rows (and their counts)."""
        mask: Bools = np.asarray(self.excluded(view, task), dtype=bool)[rows]
        return mask

    def zone_caps(self, view: View, task: TaskLike) -> ZoneCaps | None:
        """For a rule whose only coupling between rows is a cap per zone: the zones' caps.

        Asked when `capacity` says None. A rule that answers refuses a row exactly when the
        copies on its zone reached the cap (the room here, from the current state, is zero);
        the batch placer then honours it without placing copy by copy. None (the default): the
        rule is not of that kind.
        """
        return None

    def zone_gate(self, view: View, task: TaskLike) -> ZoneGate | None:
        """For a rule that opens and closes zones by their counts' skew: the gate.

        Asked when `capacity` and `zone_caps` say None. A rule that answers refuses a row
        exactly when its zone is closed by the gate (from the current state); the batch placer
        then honours it in its event loop. None (the default): the rule is not of that kind.
        """
        return None

    def among(self, rules: Sequence[Constraint]) -> Constraint:
        """The rule as it stands among `rules`, every rule in force (itself included).

        The default is the rule itself. A rule whose meaning depends on others in force
        returns a copy bound to them; engines ask every rule through `in_force`.
        """
        return self

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """`excluded` one instance at a time, for the reference placer (a list of bools).

        The default answers through `excluded` over an inventory of `instances` (whose
        `task_groups` include the copies placed so far); built-in rules answer per instance.
        """
        from ..inventory import Inventory
        from .view import View

        inventory = Inventory.from_instances(list(instances))
        return [bool(x) for x in self.excluded(View(inventory), task)]

    def reference_excluded_among(
        self, instances: Sequence[Instance], task: TaskLike, tasks: Sequence[Task]
    ) -> list[bool]:
        """`reference_excluded` given the running tasks the call started from (`tasks`).

        `tasks` are the original inventory's task rows (their labels and instances); the copies
        placed so far show only in `instances[i].task_groups`. The reference placer asks this;
        the default ignores `tasks` and answers `reference_excluded`. A rule that counts tasks by
        their labels (Kubernetes' pod selectors) overrides it.
        """
        return self.reference_excluded(instances, task)

    def relaxations(self, view: View, task: TaskLike, count: int) -> Iterable[Relaxation]:
        """Ways this rule could refuse fewer rows, for `placement.repair` (default: none).

        Dropping the rule is always tried by repair itself; offer the finer changes here
        (a threshold, a cap). See `rules.relaxation` for the shapes a `Relaxation` takes.
        """
        return ()

    def to_ecs(self) -> dict[str, Any]:
        """The rule as ECS JSON; rules ECS does not know refuse."""
        raise PlacementInputError(f"{self} has no ECS JSON form")

    def __str__(self) -> str:
        return self.reason or type(self).__name__


class StopView(Protocol):
    """What scale-in's strategies read while tasks stop (`ops/scale_in.py` `StopState`).

    Candidate tasks are numbered 0..k-1: `on[j]` is task j's instance row, `task_cpu[j]` and
    `task_memory[j]` its amounts, `mine[j]` its row in the task table. Per instance: `cpu`,
    `memory` (remaining now) and `group` (tasks of the group now); per spread attribute,
    `zones[name]` = (each instance's zone, each zone's total now).
    """

    on: Ints
    task_cpu: Ints
    task_memory: Ints
    mine: Ints
    cpu: Ints
    memory: Ints
    group: Ints
    zones: dict[str, tuple[Ints, npt.NDArray[np.float64]]]


def in_force(rules: Sequence[Constraint]) -> list[Constraint]:
    """Every rule in reason order (stable: users' own as given), each bound `among` the others."""
    ordered = sorted(rules, key=lambda rule: rule.rank)
    return [rule.among(ordered) for rule in ordered]


class Strategy:
    """A placement strategy: a ranking value per candidate (lower is better).

    Chains rank lexicographically: each strategy breaks the ties left by those before it.
    """

    random: ClassVar[bool] = False
    """Whether the strategy draws random keys (`place/draws.py`)."""

    def values(
        self, view: View, task: TaskLike, rows: npt.NDArray[np.intp], draw: Ints | None
    ) -> npt.NDArray[np.generic]:
        """The value of each row in `rows` (`draw`: each row's random key, for `random`)."""
        raise NotImplementedError

    def column(self, view: View, task: TaskLike, keys: Any) -> Any:
        """The strategy as the batch placer's order reads it (`place/order.py` `Column`)."""
        raise NotImplementedError

    def reference_key(
        self, instances: Sequence[Instance], i: int, task: TaskLike, draw: int | None,
        zone_totals: Mapping[str, Mapping[str, int]],
    ) -> Any:  # fmt: skip
        """Candidate `i`'s value, one instance at a time (the reference placer)."""
        raise NotImplementedError

    @property
    def zone_attribute(self) -> str | None:
        """The attribute whose per-value task totals the strategy reads (None: none).

        Such a strategy couples instances that share a value; the others read each instance
        (and each task) alone.
        """
        return None

    def stop_values(
        self, state: StopView, tasks: npt.NDArray[np.intp], draw: npt.NDArray[Any] | None
    ) -> npt.NDArray[Any]:
        """Scale-in (§4): the value of stopping each candidate task now (lower stops first).

        `draw`: this stop's draw per task row, for `random`.
        """
        raise NotImplementedError

    def reference_stop_key(
        self, instances: Sequence[Instance], inst: Instance, task: Task, group: str,
        draw: float | None,
    ) -> Any:  # fmt: skip
        """Scale-in (§4): the value of stopping `task` on `inst` (lower stops first)."""
        raise NotImplementedError

    def to_ecs(self) -> dict[str, Any]:
        """The strategy as ECS JSON."""
        raise NotImplementedError
