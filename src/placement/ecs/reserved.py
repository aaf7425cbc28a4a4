"""Reserved ports that no running task accounts for: a warning when tasks are loaded.

An instance's `remainingResources` PORTS list every host port reserved on it: the agent's own
(`registeredResources` PORTS, by default 22, 2375, 2376, 51678 and 51679) and each running
task's host ports. A port reserved beyond those that no loaded task holds is usually a
DescribeTasks file trimmed of its `networkBindings`, or tasks of another page or cluster left
out: stopping the loaded tasks would then free nothing there, and a deployment sticks without
a word. The ports still load as reserved (that is what the instance says); the warning names
them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection

import numpy as np
import numpy.typing as npt

from ..columns import SparseSets
from ..errors import PlacementWarning

__all__ = ["AGENT_PORTS", "UnaccountedPortsWarning", "unaccounted_ports", "warn_unaccounted"]

AGENT_PORTS = frozenset({22, 2375, 2376, 51678, 51679})
"""The TCP ports the ECS agent reserves by default (SSH, Docker, the agent's own)."""

_SHOWN = 5  # instances named in the warning; the rest are counted


class UnaccountedPortsWarning(PlacementWarning):
    """Reserved host ports that no loaded running task holds (see `ecs/reserved.py`)."""


def unaccounted_ports(
    reserved: SparseSets,
    task_instances: npt.NDArray[np.int64],
    task_ports: SparseSets,
    agent_ports: Collection[int] = (),
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(rows, ports): each port reserved on an instance row that no task on that row holds.

    `task_instances[j]` is task row j's instance row; ports in `agent_ports` never count.
    """
    rows = reserved.rows.astype(np.int64)
    ports = reserved.items.astype(np.int64)
    if agent_ports:  # first: most reserved ports are the agent's, and this test is cheap
        others = ~np.isin(ports, np.fromiter(agent_ports, dtype=np.int64))
        rows, ports = rows[others], ports[others]
    held = task_instances[task_ports.rows].astype(np.int64) * 65536 + task_ports.items
    loose = ~np.isin(rows * 65536 + ports, held)
    return rows[loose], ports[loose]


def warn_unaccounted(
    label: Callable[[int], str],
    reserved: tuple[SparseSets, SparseSets],
    task_instances: npt.NDArray[np.int64],
    task_ports: tuple[SparseSets, SparseSets],
    *,
    stacklevel: int = 2,
) -> None:
    """Warn (`UnaccountedPortsWarning`) of the TCP and UDP ports no task accounts for.

    `label(row)` names an instance row in the message.
    """
    found: dict[int, list[str]] = {}
    for protocol, mine, theirs, agent in zip(
        ("tcp", "udp"), reserved, task_ports, (AGENT_PORTS, ()), strict=True
    ):
        rows, ports = unaccounted_ports(mine, task_instances, theirs, agent)
        for row, port in zip(rows.tolist(), ports.tolist(), strict=True):
            found.setdefault(row, []).append(f"{port}/{protocol}")
    if not found:
        return
    total = sum(map(len, found.values()))
    shown = [f"{label(row)} {', '.join(ports)}"
             for row, ports in sorted(found.items())[:_SHOWN]]  # fmt: skip
    more = f"; and {len(found) - _SHOWN} more instances" if len(found) > _SHOWN else ""
    warnings.warn(
        f"{total} reserved port{'s' * (total != 1)} on {len(found)} "
        f"instance{'s' * (len(found) != 1)} held by no running task: {'; '.join(shown)}{more} "
        "(tasks without networkBindings, or missing from the tasks file?); stopping tasks "
        "will not free them",
        UnaccountedPortsWarning,
        stacklevel=stacklevel + 1,
    )
