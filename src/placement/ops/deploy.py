"""Rolling deployments of a service, round by round (SEMANTICS.md §7, stops per §4).

Each round starts as many copies of the new task as `maximumPercent` allows (those that fit
nowhere stay pending), then stops as many old tasks as `minimumHealthyPercent` allows. New
copies count as healthy once placed, and join the service's group, so spread strategies see old
and new tasks alike. The deployment completes when the desired count runs the new task and no
old task is left; it is stuck when a round starts nothing and stops nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..inventory import Inventory
from ..model import FrozenMap
from ..place.api import place
from ..place.draws import stop_generators
from ..place.inputs import check_inputs as _place_inputs
from ..place.providers import ProviderFailure, provider_strategy
from ..place.task import TaskSpec
from .scale_in import PROTECTED, stop_rows

__all__ = ["Deployment", "DeploymentRound", "deploy"]

Ints = npt.NDArray[np.int64]


@attrs.frozen
class DeploymentRound:
    """One round: the copies started and the old tasks stopped, in order.

    `started` and `stopped` hold `(task ARN, container instance ARN)` pairs; `pending` counts
    the copies this round tried to start that fitted nowhere, and `reasons` why (per ECS reason,
    the instances that refused them); `reasons["PROTECTED"]`, when present, counts the old
    tasks the round would have stopped but that scale-in protection keeps (SEMANTICS.md §9).
    `old` and `new` are the service's tasks after the round.
    """

    started: tuple[tuple[str, str], ...]
    stopped: tuple[tuple[str, str], ...]
    pending: int
    reasons: Mapping[str, int] = attrs.field(converter=FrozenMap)
    old: int = 0
    new: int = 0
    pending_providers: Mapping[str, int] = attrs.field(factory=FrozenMap, converter=FrozenMap)
    """With a capacity provider strategy: the pending copies per provider (SEMANTICS.md §9)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (`pending_providers` only with a provider strategy)."""
        out: dict[str, Any] = {
            "started": [{"task": t, "instance": i} for t, i in self.started],
            "stopped": [{"task": t, "instance": i} for t, i in self.stopped],
            "pending": self.pending,
            "reasons": dict(self.reasons),
            "old": self.old,
            "new": self.new,
        }
        if self.pending_providers:
            out["pending_providers"] = dict(self.pending_providers)
        return out

    def __repr__(self) -> str:
        from ..text import reason_counts, shorten

        pending = f", {self.pending} pending ({shorten(reason_counts(self.reasons), 50)})" if (
            self.pending) else ""
        return (f"<DeploymentRound started {len(self.started)}, stopped {len(self.stopped)}"
                f"{pending}: old {self.old}, new {self.new}>")  # fmt: skip


@attrs.frozen(eq=False)
class Deployment:
    """How a rolling deployment goes: its rounds, whether it completes, the state at the end.

    `completed` is True when `desired_count` copies of the new task run and no old task does;
    False when it is stuck, with `pending_reasons` saying why the copies it still needs fit
    nowhere (the placement's `Failure.reasons`, in the task's dialect; empty when nothing was
    tried: `maximumPercent` left no room to start one), and
    `pending_reasons["PROTECTED"]` how many old tasks it would have stopped but that are
    protected (a deployment never stops a protected task: SEMANTICS.md §9).
    `minimum` and `maximum` are the task counts the percents allow (lo and hi of §7).
    """

    rounds: tuple[DeploymentRound, ...]
    completed: bool
    pending_reasons: Mapping[str, int] = attrs.field(converter=FrozenMap)
    inventory: Inventory = attrs.field(repr=False)
    group: str = ""
    desired_count: int = 0
    minimum: int = 0
    maximum: int = 0

    @property
    def new(self) -> int:
        """Copies of the new task running at the end."""
        return self.rounds[-1].new if self.rounds else 0

    @property
    def old(self) -> int:
        """Old tasks still running at the end."""
        return self.rounds[-1].old if self.rounds else 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the final inventory is left out)."""
        return {
            "group": self.group,
            "desired_count": self.desired_count,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "completed": self.completed,
            "new": self.new,
            "old": self.old,
            "pending_reasons": dict(self.pending_reasons),
            "rounds": [r.to_dict() for r in self.rounds],
        }

    def __repr__(self) -> str:
        from ..text import reason_counts, shorten

        how = "completed" if self.completed else "stuck"
        why = reason_counts(self.pending_reasons)
        tail = f"; {shorten(why, 40)}" if why and not self.completed else ""
        rounds = f"{len(self.rounds)} round{'' if len(self.rounds) == 1 else 's'}"
        return (f"<Deployment {shorten(self.group, 30)!r} {how} in {rounds}: "
                f"new {self.new}, old {self.old} of {self.desired_count}{tail}>")  # fmt: skip

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: one row per round, and why it stuck."""
        from ..render import deployment_html

        return deployment_html(self)


def _int(value: Any, name: str, low: int, high: int | None = None) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise PlacementInputError(f"{name} must be an int {bounds}, got {value!r}")
    return value


def deploy(
    inventory: Inventory,
    group: str,
    new_task: TaskSpec,
    *,
    desired_count: int,
    minimum_healthy_percent: int = 100,
    maximum_percent: int = 200,
    constraints: Iterable[Any] = (),
    strategy: Iterable[Any] = (),
    seed: int | None = None,
    capacity_provider_strategy: Iterable[Any] | None = None,
) -> Deployment:
    """Roll the service whose RUNNING tasks form `group` over to `new_task`, round by round.

    The old tasks are the group's RUNNING tasks in `inventory`. New copies are placed in
    `group` whatever `new_task.group` says (ECS puts every task of a service in its group).
    Percents are checked as ECS checks them: `minimum_healthy_percent` 0-100,
    `maximum_percent` at least 100, `desired_count` at least 0. Old tasks to stop are chosen
    among the old ones by §4 with the service's strategy, protected ones never (§9): a
    deployment that only protected old tasks block is stuck, `PROTECTED` in its reasons.
    `seed` feeds `random` strategies.

    With a `capacity_provider_strategy` (§9) the new copies of each round split over the
    providers by the group's tasks on each (old and new alike, as ECS counts the service's
    tasks) and place among their provider's instances only; a round's `pending_providers`
    names the providers whose copies fitted nowhere, and its `reasons` add up the failures'
    reasons (each over its provider's instances).
    """
    rules, chain = _place_inputs(inventory, new_task, 0, constraints, strategy)
    items = None
    if capacity_provider_strategy is not None:
        items = provider_strategy(capacity_provider_strategy)
    if not isinstance(group, str) or not group:
        raise PlacementInputError(f"group must be a non-empty string, got {group!r}")
    desired = _int(desired_count, "desired_count", 0)
    low_percent = _int(minimum_healthy_percent, "minimum_healthy_percent", 0, 100)
    high_percent = _int(maximum_percent, "maximum_percent", 100)
    if seed is not None:
        _int(seed, "seed", 0)
    task = new_task if new_task.group == group else attrs.evolve(new_task, group=group)
    lo = -(-desired * low_percent // 100)
    hi = desired * high_percent // 100
    seeds = np.random.default_rng(seed) if seed is not None else None

    def next_seed() -> int | None:
        return None if seeds is None else int(seeds.integers(1 << 62))

    state = inventory
    # Which task rows of `state` are old tasks: placing appends rows, stopping drops rows.
    code = state.tasks.groups.index.get(group)
    is_old = (
        state.tasks.groups.codes == code if code is not None else np.zeros(len(state.tasks), bool)
    )
    old = int(is_old.sum())
    new = 0
    rounds: list[DeploymentRound] = []
    while not (new == desired and not old):
        start = min(desired - new, hi - (old + new))
        started: tuple[tuple[str, str], ...] = ()
        pending = 0
        reasons: dict[str, int] = {}
        waiting: dict[str, int] = {}
        if start > 0:
            result = place(state, task, start, constraints=rules, strategy=chain, seed=next_seed(),
                           capacity_provider_strategy=items)  # fmt: skip
            state, new = result.inventory, new + result.placed
            started = tuple(zip(result.task_arns, result.placements, strict=True))
            pending = result.failed
            for failure in result.failures:  # one, or one per provider (disjoint instances)
                for reason, n in failure.reasons.items():
                    reasons[reason] = reasons.get(reason, 0) + n
                if isinstance(failure, ProviderFailure):
                    waiting[failure.provider] = failure.count
            is_old = np.concatenate([is_old, np.zeros(result.placed, dtype=bool)])
        stop = min(old, old + new - lo)
        stopped: tuple[tuple[str, str], ...] = ()
        if stop > 0:
            # §4 among the old tasks only; the counts it reads include every task of the group.
            generators = stop_generators(chain, next_seed())
            rows = stop_rows(state, group, stop, chain, generators, np.flatnonzero(is_old))
            if len(rows) < stop:  # protected old tasks are never stopped (§9)
                reasons[PROTECTED] = stop - len(rows)
            arns = [str(a) for a in state.tasks.arns[rows]]
            where = state.ids[state.tasks.instances[rows]]
            stopped = tuple(zip(arns, (str(i) for i in where), strict=True))
            state = state.without_tasks(arns)
            is_old = np.delete(is_old, rows)
            old -= len(arns)
        rounds.append(DeploymentRound(started, stopped, pending, reasons, old, new, waiting))
        if not started and not stopped:
            return Deployment(tuple(rounds), False, reasons, state, group, desired, lo, hi)
    return Deployment(tuple(rounds), True, {}, state, group, desired, lo, hi)
