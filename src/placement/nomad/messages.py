"""Reasons in Nomad's words: its allocation metrics' keys, and `nomad job status`'s lines.

Registered as the `nomad` dialect's words (`placement.place.reasons`), so a task read by
`TaskSpec.from_nomad` gets them from `place`'s failures, `rank`, `explain_placement`,
`headroom`, `ClusterState` and `deploy`; the ECS codes stay reachable (`codes`, `masks`).

* A constraint block keeps its own text, the key Nomad's `ConstraintFiltered` metric counts it
  under (`${attr.kernel.name} = linux`, `missing drivers`, `${meta.rack} distinct_property 2`).
* Resources are `DimensionExhausted` keys: `cpu`, `memory`,
  `devices: no devices match request` for GPUs, and `network: reserved port collision` for a
  host port already taken (Nomad appends the port's label, which a `TaskSpec` does not keep).
* Nomad never evaluates a node that is not ready, or ineligible or draining: such a node is
  named by its state (`node not ready`, `node ineligible or draining`), and the summary leaves
  it out, as Nomad's does.

Nomad counts each node once, under the first check that refused it: filters (constraint
blocks in the order the task lists them, `distinct_*` after them), then the network,
devices, CPU and memory; `summary` writes what `nomad job status` prints for a placement failure:
`* Constraint "${attr.kernel.name} = linux": 1 nodes excluded by filter`,
`* Resources exhausted on 2 nodes`, `* Dimension "cpu" exhausted on 2 nodes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..dialects import register
from ..place import reasons as R
from .constraints import NomadDistinct

__all__ = ["DIMENSIONS", "NOT_READY", "INELIGIBLE", "word_masks", "summary"]

DIMENSIONS = {
    R.PORTS: "network: reserved port collision", R.GPU: "devices: no devices match request",
    R.CPU: "cpu", R.MEMORY: "memory",
}  # fmt: skip
"""The engine's resource reasons as Nomad's `DimensionExhausted` keys, in the order Nomad
checks them (ports, then devices, are assigned before the resources are compared)."""
NOT_READY = "node not ready"
"""A node whose `Status` is not `ready`: Nomad does not evaluate it."""
INELIGIBLE = "node ineligible or draining"
"""A node marked ineligible for scheduling, or draining: Nomad does not evaluate it."""

_UNEVALUATED = (NOT_READY, INELIGIBLE)
_FILTERS, _DISTINCT, _EXHAUSTED = 100, 10_000, 20_000  # ECS codes sit just below _FILTERS


def word_masks(
    inventory: Any, rules: Sequence[Any], masks: Mapping[str, npt.NDArray[np.bool_]]
) -> R.Worded:
    """The engine's reason masks in Nomad's words, each its own group, in Nomad's order."""
    order = {rule.reason: i for i, rule in reversed(list(enumerate(rules)))}
    distinct = {rule.reason for rule in rules if isinstance(rule, NomadDistinct)}
    out: list[tuple[str, int, npt.NDArray[np.bool_]]] = []
    for code, mask in masks.items():
        if not mask.any():
            continue
        if code == R.AGENT:
            status = inventory.status
            out.append((NOT_READY, 0, mask & ~np.asarray(inventory.agent_connected, dtype=bool)))
            out.append((INELIGIBLE, 1, mask & (status.codes != status.index.get("ACTIVE", -3))))
        elif code in DIMENSIONS:
            out.append((DIMENSIONS[code], _EXHAUSTED + list(DIMENSIONS).index(code), mask))
        else:  # a filter: the engine's order for ECS's own, the task's for its blocks
            base = _DISTINCT if code in distinct else _FILTERS
            place = order.get(code, R.ORDER.index(code) - len(R.ORDER) if code in R.ORDER else 0)
            out.append((code, base + place, mask))
    return sorted((item for item in out if item[2].any()), key=lambda item: item[1])


def summary(available: int, total: int, counts: Mapping[str, int]) -> str:
    """`nomad job status`'s lines for a placement failure, from each node's first reason.

    `available` is not shown: Nomad prints only what refused.
    """
    exhausted = {d: counts[d] for d in DIMENSIONS.values() if counts.get(d)}
    filtered = sorted((reason, n) for reason, n in counts.items()
                      if reason not in exhausted and reason not in _UNEVALUATED)  # fmt: skip
    unevaluated = sum(counts.get(reason, 0) for reason in _UNEVALUATED)
    lines = []
    if unevaluated == total:  # NodesEvaluated is 0
        lines.append("* No nodes were eligible for evaluation")
    lines += [f'* Constraint "{reason}": {n} nodes excluded by filter' for reason, n in filtered]
    if exhausted:
        lines.append(f"* Resources exhausted on {sum(exhausted.values())} nodes")
        lines += [f'* Dimension "{d}" exhausted on {n} nodes' for d, n in exhausted.items()]
    return "\n".join(lines)


# The core asks for these by the task's dialect (`placement.place.reasons`).
register("words", "nomad", word_masks)
register("summary", "nomad", summary)
