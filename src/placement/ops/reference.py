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
from ..place.rules import Binpack, Constraint, DistinctInstance, MemberOf, Random, Spread, Strategy
from ..place.task import TaskSpec

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
    key: list[Any] = []
    draw = iter(draws)
    for rule in strategy:
        if isinstance(rule, Binpack):
            after = inst.cpu + task.cpu if rule.field == "cpu" else inst.memory + task.memory
            key.append(-after)  # the most remaining after the stop first
        elif isinstance(rule, Random):
            key.append(next(draw)[j])
        elif isinstance(rule, Spread) and rule.attribute is None:
            key.append(-inst.task_groups.get(group, 0))
        else:
            assert isinstance(rule, Spread) and rule.attribute is not None
            value = inst.attributes.get(rule.attribute)
            if value is None:  # lacking the attribute: cleared first
                key.append((0, 0))
            else:
                total = sum(
                    other.task_groups.get(group, 0)
                    for other in instances
                    if other.attributes.get(rule.attribute) == value
                )
                key.append((1, -total))
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
    """The ARNs of the tasks §4 stops, one stop and one task at a time."""
    instances = list(inventory)
    row_of = {inst.arn: i for i, inst in enumerate(instances)}
    tasks = list(inventory.tasks)
    alive = [j for j, task in enumerate(tasks) if task.group == group]
    if count > len(alive):
        raise ValueError(f"group {group!r} runs {len(alive)} tasks, not {count}")
    generators = stop_generators(strategy, seed)
    stops = []
    for _ in range(count):
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
    rules = [c for c in constraints if not isinstance(c, DistinctInstance)]
    member_of = [*task.constraints, *[c for c in rules if isinstance(c, MemberOf)]]
    placements: list[str] = []
    failures: dict[str, tuple[str, ...]] = {}
    leaving: set[str] = set()
    for inst in inventory:
        if inst.task_groups.get(task.group, 0):
            unsatisfied = any(not c.expression.matches(inst) for c in member_of)
            if unsatisfied or inst.status != "ACTIVE":
                leaving.add(inst.arn)
            continue
        reasons = instance_reasons(inst, task, rules)
        if not reasons:
            placements.append(inst.arn)
        elif inst.status == "ACTIVE" and R.MEMBER_OF not in reasons:
            # It should run the daemon and cannot; an instance outside the memberOf
            # constraints, or not ACTIVE, does not need one.
            failures[inst.arn] = tuple(reasons)
    stops = tuple(t.arn for t in inventory.tasks if t.group == task.group and t.instance in leaving)
    return tuple(placements), failures, stops
