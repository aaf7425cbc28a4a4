"""The reference placer: SEMANTICS.md §3 one copy at a time, one instance at a time.

Meant to be checked by eye, not to be fast: the batch placer is tested against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from ..instance import Instance, Task
from ..inventory import LOCAL_TASK_PREFIX, Inventory
from . import reasons as R
from .draws import random_keys
from .result import Failure, PlacementResult
from .rules import Binpack, Constraint, DistinctInstance, Random, Spread, Strategy
from .task import TaskSpec

__all__ = ["place_reference", "instance_reasons", "commit"]




def instance_reasons(
    inst: Instance, task: TaskSpec, constraints: Sequence[Constraint]
) -> list[str]:
    """Every ECS reason `inst` cannot take one copy of `task`, in ECS's order."""
    found = []
    if inst.status != "ACTIVE" or not inst.agent_connected:
        found.append(R.AGENT)
    if any(name not in inst.attributes for name in task.requires_attributes):
        found.append(R.ATTRIBUTE)
    if inst.cpu < task.cpu:
        found.append(R.CPU)
    if inst.memory < task.memory:
        found.append(R.MEMORY)
    if task.ports & inst.ports or task.udp_ports & inst.udp_ports:
        found.append(R.PORTS)
    if inst.gpus < task.gpus:
        found.append(R.GPU)
    member_of = [*task.constraints, *constraints]
    if any(
        not c.expression.matches(inst) for c in member_of if not isinstance(c, DistinctInstance)
    ):
        found.append(R.MEMBER_OF)
    distinct = any(isinstance(c, DistinctInstance) for c in constraints)
    if distinct and inst.task_groups.get(task.group, 0) > 0:
        found.append(R.DISTINCT_INSTANCE)
    return found


def commit(inst: Instance, task: TaskSpec) -> Instance:
    """`inst` after it takes one copy of `task`."""
    groups = dict(inst.task_groups)
    groups[task.group] = groups.get(task.group, 0) + 1
    return attrs.evolve(
        inst,
        cpu=inst.cpu - task.cpu,
        memory=inst.memory - task.memory,
        gpus=inst.gpus - task.gpus,
        ports=inst.ports.union(task.ports),
        udp_ports=inst.udp_ports.union(task.udp_ports),
        running_tasks_count=inst.running_tasks_count + 1,
        task_groups=groups,
    )


def _zone_totals(state: list[Instance], task: TaskSpec, attribute: str) -> dict[str, int]:
    """Tasks of the group on *all* instances sharing each value of `attribute`."""
    totals: dict[str, int] = {}
    for inst in state:
        value = inst.attributes.get(attribute)
        if value is not None:
            totals[value] = totals.get(value, 0) + inst.task_groups.get(task.group, 0)
    return totals


def _key(
    i: int,
    state: list[Instance],
    task: TaskSpec,
    strategy: Sequence[Strategy],
    draws: list[Any],
    zone_totals: dict[str, dict[str, int]],
) -> tuple[Any, ...]:
    """The chain's ranking key of candidate `i` (lower is better), index last."""
    inst = state[i]
    key: list[Any] = []
    draw = iter(draws)
    for rule in strategy:
        if isinstance(rule, Binpack):
            key.append(inst.cpu if rule.field == "cpu" else inst.memory)
        elif isinstance(rule, Random):
            key.append(next(draw)[i])
        elif isinstance(rule, Spread) and rule.attribute is None:
            key.append(inst.task_groups.get(task.group, 0))
        else:
            assert isinstance(rule, Spread) and rule.attribute is not None
            value = inst.attributes.get(rule.attribute)
            if value is None:  # lacking the attribute: after every instance that has it
                key.append((1, 0))
            else:
                key.append((0, zone_totals[rule.attribute][value]))
    key.append(i)
    return tuple(key)


def place_reference(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    strategy: Sequence[Strategy],
    seed: int | None,
) -> PlacementResult:
    """Place `count` copies one at a time (SEMANTICS.md §3), checking every instance each time."""
    state = list(inventory)
    # Per `random` rule, each instance's key for its next copy: key(i, 0) now, and after the
    # instance takes its t-th copy (t = 1, 2, ...) the key grows by step(i, t) (draws.py).
    rules_keys = random_keys(strategy, seed)
    keys = [[int(v) for v in rk.first(range(len(state)))] for rk in rules_keys]
    taken = [0] * len(state)
    placements: list[str] = []
    failures: list[Failure] = []
    new_tasks: list[Task] = []
    serial = inventory.next_task_serial()
    for copy in range(count):
        draws = keys
        candidates = []
        first_reason: dict[str, int] = {}
        for i, inst in enumerate(state):
            found = instance_reasons(inst, task, constraints)
            if found:
                first_reason[found[0]] = first_reason.get(found[0], 0) + 1
            else:
                candidates.append(i)
        if not candidates:
            ordered = {r: first_reason[r] for r in R.ORDER if r in first_reason}
            last = failures[-1] if failures else None
            if last is not None and last.index + last.count == copy and last.reasons == ordered:
                failures[-1] = Failure(last.index, ordered, last.count + 1)
            else:
                failures.append(Failure(copy, ordered))
            continue
        zone_totals = {
            rule.attribute: _zone_totals(state, task, rule.attribute)
            for rule in strategy
            if isinstance(rule, Spread) and rule.attribute is not None
        }
        best = min(
            candidates, key=lambda i: _key(i, state, task, strategy, draws, zone_totals)
        )
        placements.append(state[best].arn)
        state[best] = commit(state[best], task)
        taken[best] += 1
        for rk, rule_keys in zip(rules_keys, keys, strict=True):
            rule_keys[best] += int(rk.steps([best], [taken[best]])[0])
        new_tasks.append(
            Task(
                arn=f"{LOCAL_TASK_PREFIX}{serial + len(new_tasks)}",
                instance=state[best].arn,
                group=task.group,
                cpu=task.cpu,
                memory=task.memory,
                gpus=task.gpus,
                ports=task.ports,
                udp_ports=task.udp_ports,
            )
        )
    final = (
        Inventory.from_instances(state, [*inventory.tasks, *new_tasks]) if placements else inventory
    )
    return PlacementResult(
        tuple(placements),
        tuple(failures),
        final,
        task,
        tuple(constraints),
        tuple(t.arn for t in new_tasks),
    )
