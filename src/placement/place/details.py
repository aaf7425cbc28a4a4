"""What `ATTRIBUTE` and `RESOURCE:PORTS` mean for one task: the missing names, the taken ports.

ECS's reason codes say *that* an instance lacks a required attribute or has a host port taken;
the details here say *which*. They are computed only when a report asks (a failure's
`details`, an explanation, the CLI), never while placing: a few vectorized passes over the
instances a reason excluded, one per required attribute or host port of the task.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from ..columns import SparseSets
from ..inventory import Inventory
from . import reasons as R
from .masks import eligibility_masks
from .task import TaskSpec

__all__ = ["missing_attributes", "taken_ports", "reason_details", "first_reason_masks"]

Bools = npt.NDArray[np.bool_]


def missing_attributes(inventory: Inventory, task: TaskSpec, where: Bools) -> tuple[str, ...]:
    """The task's required attributes that at least one instance selected by `where` lacks."""
    if not where.any():
        return ()
    out = []
    for name in sorted(task.requires_attributes):
        column = inventory.attributes.get(name)
        if column is None or (column.codes[where] == -1).any():
            out.append(name)
    return tuple(out)


def _taken(sets: SparseSets, ports: frozenset[int], where: Bools, suffix: str,
           placed: Bools | None) -> list[str]:  # fmt: skip
    out = []
    for port in sorted(ports):
        # A row that received a copy of this task holds every one of the task's host ports.
        holds = sets.any_of((port,), len(where))
        if placed is not None:
            holds |= placed
        if (holds & where).any():
            out.append(f"{port}{suffix}")
    return out


def taken_ports(
    inventory: Inventory, task: TaskSpec, where: Bools, placed: Bools | None = None
) -> tuple[str, ...]:
    """The task's host ports taken on at least one instance selected by `where`.

    TCP ports as numbers (`"80"`), UDP ports with a suffix (`"53/udp"`). `placed` marks the
    rows that took a copy of this very task since `inventory` was read: they hold its ports too.
    """
    if not where.any():
        return ()
    return tuple(_taken(inventory.ports, task.ports, where, "", placed)
                 + _taken(inventory.udp_ports, task.udp_ports, where, "/udp", placed))  # fmt: skip


def reason_details(
    inventory: Inventory,
    task: TaskSpec,
    masks: Mapping[str, Bools],
    placed: Bools | None = None,
) -> dict[str, tuple[str, ...]]:
    """Per detailed reason present in `masks`: the missing attributes or the taken ports.

    `masks[reason]` selects the instances the reason is reported for (every instance it
    excludes, or those counted under it first). Reasons with nothing to name are left out.
    """
    out: dict[str, tuple[str, ...]] = {}
    where = masks.get(R.ATTRIBUTE)
    if where is not None:
        names = missing_attributes(inventory, task, where)
        if names:
            out[R.ATTRIBUTE] = names
    where = masks.get(R.PORTS)
    if where is not None:
        ports = taken_ports(inventory, task, where, placed)
        if ports:
            out[R.PORTS] = ports
    return out


def first_reason_masks(
    inventory: Inventory, task: TaskSpec, copies: npt.NDArray[np.int64] | None = None
) -> dict[str, Bools]:
    """The instances counted under `ATTRIBUTE` and under `RESOURCE:PORTS` as their first reason.

    As a `Failure` counts them, on the state after the placed copies (`copies` counts the
    copies per row of `inventory`, None for none): only the agent, attributes, CPU and memory
    come before ports, and of those only CPU and memory change as copies are placed.
    """
    masks = eligibility_masks(inventory, task)
    if copies is not None:
        masks[R.CPU] = inventory.cpu - copies * task.cpu < task.cpu
        masks[R.MEMORY] = inventory.memory - copies * task.memory < task.memory
        if task.ports or task.udp_ports:
            masks[R.PORTS] = masks[R.PORTS] | (copies > 0)
    agent = masks[R.AGENT]
    before_ports = agent | masks[R.ATTRIBUTE] | masks[R.CPU] | masks[R.MEMORY]
    return {R.ATTRIBUTE: masks[R.ATTRIBUTE] & ~agent, R.PORTS: masks[R.PORTS] & ~before_ports}
