"""The reference placer: SEMANTICS.md §3 one copy at a time, one instance at a time.

Meant to be checked by eye, not to be fast: the batch placer is tested against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from ..instance import Instance, Task
from ..inventory import LOCAL_TASK_PREFIX, Inventory
from ..rules.base import Constraint, Strategy, in_force
from . import reasons as R
from .draws import random_keys
from .result import Failure, PlacementResult
from .task import TaskSpec

__all__ = ["place_reference", "instance_reasons", "cluster_reasons", "commit"]




def instance_reasons(
    inst: Instance, task: TaskSpec, constraints: Sequence[Constraint], tasks: Sequence[Task] = ()
) -> list[str]:
    """Every reason `inst` cannot take one copy of `task`, in reason order (alone in its cluster).

    Rules that look at other instances see `inst` alone; `cluster_reasons` sees them all.
    `tasks`: the inventory's running tasks, as `cluster_reasons` takes them.
    """
    return cluster_reasons([inst], task, constraints, tasks)[0]


def _eligibility(inst: Instance, task: TaskSpec) -> list[str]:
    """§3 step 1 on one instance, in ECS's order."""
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
    return found


def cluster_reasons(
    state: Sequence[Instance],
    task: TaskSpec,
    constraints: Sequence[Constraint],
    tasks: Sequence[Task] = (),
) -> list[list[str]]:
    """Per instance of `state`, every reason it cannot take one copy, in reason order.

    `tasks`: the running tasks of the inventory the call started from (rules that count tasks
    by label read them); the copies placed since show only in `state`'s `task_groups`.
    """
    rules = in_force([*task.constraints, *constraints])
    refused = [rule.reference_excluded_among(state, task, tasks) for rule in rules]
    order = _reason_order(task, constraints)  # a reason stands where it first appears
    out = []
    for i, inst in enumerate(state):
        failing = {rule.reason for rule, answers in zip(rules, refused, strict=True) if answers[i]}
        found = _eligibility(inst, task)
        found += [reason for reason in order if reason in failing and reason not in found]
        out.append(found)
    return out


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
    draw = iter(draws)
    key = [
        rule.reference_key(state, i, task, next(draw)[i] if rule.random else None, zone_totals)
        for rule in strategy
    ]
    key.append(i)
    return tuple(key)


def _zone_attributes(strategy: Sequence[Strategy]) -> set[str]:
    """The attributes the chain spreads over (their totals are counted once per copy)."""
    return {a for rule in strategy if isinstance(a := getattr(rule, "attribute", None), str)}


def _reason_order(task: TaskSpec, constraints: Sequence[Constraint]) -> list[str]:
    """Eligibility, built-in constraints, then users' reasons as given."""
    order = list(R.ORDER)
    for rule in sorted([*task.constraints, *constraints], key=lambda rule: rule.rank):
        if rule.reason not in order:
            order.append(rule.reason)
    return order


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
    running = tuple(inventory.tasks)  # the original tasks, with their labels
    for copy in range(count):
        draws = keys
        candidates = []
        first_reason: dict[str, int] = {}
        for i, found in enumerate(cluster_reasons(state, task, constraints, running)):
            if found:
                first_reason[found[0]] = first_reason.get(found[0], 0) + 1
            else:
                candidates.append(i)
        if not candidates:
            ordered = {r: first_reason[r] for r in _reason_order(task, constraints)
                       if r in first_reason}
            last = failures[-1] if failures else None
            if last is not None and last.index + last.count == copy and last.reasons == ordered:
                failures[-1] = Failure(last.index, ordered, last.count + 1)
            else:
                failures.append(Failure(copy, ordered))
            continue
        zone_totals = {
            attribute: _zone_totals(state, task, attribute)
            for attribute in _zone_attributes(strategy)
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
