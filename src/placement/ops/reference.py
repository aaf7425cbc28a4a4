"""Per-task and per-instance reference implementations of scale-in and daemons.

Written to be checked by eye against SEMANTICS.md §4 and §5, one task or instance at a time,
over `Instance` and `Task` objects; the vectorized operations are tested against them. Like
the reference placer they share only the random draws (`place/draws.py`) and the per-instance
reasons of the reference placer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from ..instance import Instance, Task
from ..inventory import Inventory
from ..place import reasons as R
from ..place.draws import stop_generators
from ..place.reference import instance_reasons
from ..place.task import TaskSpec
from ..rules.base import Constraint, Strategy

__all__ = ["scale_in_reference", "daemon_reference"]


def _stop_key(
    task: Task,
    j: int,
    instances: list[Instance],
    row_of: dict[str, int],
    group: str,
    strategy: Sequence[Strategy],
    draws: list[Any],
) -> tuple[Any, ...]:
    """The chain's key for stopping task `j` (lower stops first), then the tie rules."""
    inst = instances[row_of[task.instance]]
    draw = iter(draws)
    key: list[Any] = []
    for rule in strategy:
        value = next(draw)[j] if rule.random else None
        key.append(rule.reference_stop_key(instances, inst, task, group, value))
    # Ties: last instance in inventory order; most recently started (not started: most
    # recent of all); last in task order.
    started = (0, 0) if task.started_at is None else (1, -task.started_at.micros)
    key.extend([-row_of[task.instance], started, -j])
    return tuple(key)


def scale_in_reference(
    inventory: Inventory,
    group: str,
    count: int,
    strategy: Sequence[Strategy],
    seed: int | None,
) -> tuple[str, ...]:
    """The ARNs of the tasks §4 stops, one stop and one task at a time.

    Protected tasks (§9) are never stopped but stay in the instances' group counts: fewer
    than `count` ARNs come back when too few tasks of the group are unprotected.
    """
    instances = list(inventory)
    row_of = {inst.arn: i for i, inst in enumerate(instances)}
    tasks = list(inventory.tasks)
    alive = [j for j, task in enumerate(tasks) if task.group == group]
    if count > len(alive):
        raise ValueError(f"group {group!r} runs {len(alive)} tasks, not {count}")
    alive = [j for j in alive if not tasks[j].protected]
    generators = stop_generators(strategy, seed)
    stops = []
    for _ in range(min(count, len(alive))):
        draws = [g.random(len(tasks)) for g in generators]
        best = min(
            alive,
            key=lambda j: _stop_key(tasks[j], j, instances, row_of, group, strategy, draws),
        )
        alive.remove(best)
        task = tasks[best]
        i = row_of[task.instance]
        inst = instances[i]
        groups = dict(inst.task_groups)
        groups[group] -= 1
        if not groups[group]:
            del groups[group]
        instances[i] = attrs.evolve(
            inst,
            cpu=inst.cpu + task.cpu,
            memory=inst.memory + task.memory,
            gpus=inst.gpus + task.gpus,
            ports=inst.ports - task.ports,
            udp_ports=inst.udp_ports - task.udp_ports,
            running_tasks_count=max(0, inst.running_tasks_count - 1),
            task_groups=groups,
        )
        stops.append(task.arn)
    return tuple(stops)


def daemon_reference(
    inventory: Inventory, task: TaskSpec, constraints: Sequence[Constraint]
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]], tuple[str, ...]]:
    """(placements, failures, stops) of a daemon, §5, one instance at a time."""
    rules = list(constraints)
    member_of = [c for c in [*task.constraints, *rules] if c.reason == R.MEMBER_OF]
    placements: list[str] = []
    failures: dict[str, tuple[str, ...]] = {}
    leaving: set[str] = set()
    for inst in inventory:
        if inst.task_groups.get(task.group, 0):
            unsatisfied = any(c.reference_excluded([inst], task)[0] for c in member_of)
            if unsatisfied or inst.status != "ACTIVE":
                leaving.add(inst.arn)
            continue
        # distinctInstance is implied: instances that run the group were skipped above.
        reasons = [r for r in instance_reasons(inst, task, rules) if r != R.DISTINCT_INSTANCE]
        if not reasons:
            placements.append(inst.arn)
        elif inst.status == "ACTIVE" and R.MEMBER_OF not in reasons:
            # It should run the daemon and cannot; an instance outside the memberOf
            # constraints, or not ACTIVE, does not need one.
            failures[inst.arn] = tuple(reasons)
    stops = tuple(t.arn for t in inventory.tasks if t.group == task.group and t.instance in leaving)
    return tuple(placements), failures, stops
