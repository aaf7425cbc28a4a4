"""Reasons in Kubernetes' words: every reason per node, and the scheduler's own summary.

The engine's reasons are ECS's (`RESOURCE:CPU`, `MemberOf placement constraint unsatisfied.`)
plus each rule's own (the Kubernetes rules already speak Kubernetes). `explain(inventory,
pod)` reads a `PlacementExplanation` in the Kubernetes dialect, so ECS output never changes:

* `reasons(node)`: every reason the node refuses the pod, worded as the filter plugins word
  them (`Insufficient cpu`, `node(s) didn't match Pod's node affinity/selector`,
  `node(s) had untolerated taint {key: value}`, ...), in the scheduler's plugin order;
* `message()`: what the scheduler's `FailedScheduling` event says, `0/N nodes are available:
  ...`: each node counted under its first failing plugin (NodeResourcesFit gives all of its
  reasons), the `count reason` parts sorted as text, as `FitError` writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from ..explain.placement import PlacementExplanation, explain_placement
from ..inventory import Inventory
from ..place import reasons as R
from .affinity import AFFINITY_UNSATISFIED, ANTI_AFFINITY_UNSATISFIED, EXISTING_ANTI_AFFINITY
from .objects import GPU
from .slots import TOO_MANY_PODS
from .spread import SPREAD_UNSATISFIED
from .taints import UNTOLERATED, Taints

__all__ = ["WORDS", "K8sExplanation", "explain", "UNSCHEDULABLE", "NOT_READY", "PORTS_TAKEN",
           "NODE_AFFINITY"]  # fmt: skip

UNSCHEDULABLE = "node(s) were unschedulable"
"""A cordoned node (NodeUnschedulable)."""
NOT_READY = f"{UNTOLERATED} {{node.kubernetes.io/not-ready: }}"
"""A node whose Ready condition is not True: the taint the node lifecycle controller adds."""
PORTS_TAKEN = "node(s) didn't have free ports for the requested pod ports"
"""NodePorts' reason."""
NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
"""NodeAffinity's reason (nodeSelector, required node affinity, matchFields)."""

WORDS = {
    R.CPU: "Insufficient cpu",
    R.MEMORY: "Insufficient memory",
    R.GPU: f"Insufficient {GPU}",
    R.PORTS: PORTS_TAKEN,
    R.MEMBER_OF: NODE_AFFINITY,
}
"""The engine's reasons that have fixed Kubernetes words (the agent and taints depend on the
node; the Kubernetes rules' reasons are already Kubernetes')."""

# The default filter plugins' order: NodeUnschedulable, TaintToleration, NodeAffinity,
# NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity; anything else after.
_PLUGIN = {
    UNSCHEDULABLE: 0, NOT_READY: 1, UNTOLERATED: 1, NODE_AFFINITY: 2, PORTS_TAKEN: 3,
    WORDS[R.CPU]: 4, WORDS[R.MEMORY]: 4, WORDS[R.GPU]: 4, TOO_MANY_PODS: 4,
    SPREAD_UNSATISFIED: 5, AFFINITY_UNSATISFIED: 6, ANTI_AFFINITY_UNSATISFIED: 6,
    EXISTING_ANTI_AFFINITY: 6,
}  # fmt: skip
_LAST = 7


def _plugin(reason: str) -> int:
    return _PLUGIN.get(reason if not reason.startswith(UNTOLERATED) else UNTOLERATED, _LAST)


@attrs.frozen(eq=False)
class K8sExplanation:
    """A `PlacementExplanation` read in Kubernetes' words (see the module)."""

    explanation: PlacementExplanation

    def _words(self, row: int, reason: str) -> list[str]:
        inventory = self.explanation.inventory
        if reason == R.AGENT:
            out = []
            if inventory.status.get(row) != "ACTIVE":
                out.append(UNSCHEDULABLE)
            if not inventory.agent_connected[row]:
                out.append(NOT_READY)
            return out
        if reason == UNTOLERATED:
            rules = (*self.explanation.task.constraints, *self.explanation.constraints)
            taints = [c for c in rules if isinstance(c, Taints)]
            named = taints[0].untolerated(inventory[row]) if taints else None
            return [f"{UNTOLERATED} {named}" if named else UNTOLERATED]
        return [WORDS.get(reason, reason)]

    def reasons(self, node: int | str) -> tuple[str, ...]:
        """Every reason `node` (a row or a node name) refuses the pod, in plugin order."""
        inventory = self.explanation.inventory
        row = node if isinstance(node, int) else inventory.index_of(node)
        found = [w for r in self.explanation.reasons(node) for w in self._words(row, r)]
        return tuple(sorted(found, key=_plugin))  # stable: the engine's order within a plugin

    def message(self) -> str:
        """The scheduler's summary: `0/N nodes are available: 1 Insufficient cpu, ...`."""
        inventory = self.explanation.inventory
        counts: dict[str, int] = {}
        for row in np.flatnonzero(~self.explanation.eligible).tolist():
            found = self.reasons(int(row))
            first = _plugin(found[0])
            for reason in found:
                if _plugin(reason) == first:
                    counts[reason] = counts.get(reason, 0) + 1
        parts = sorted(f"{count} {reason}" for reason, count in counts.items())
        head = f"{int(self.explanation.eligible.sum())}/{len(inventory)} nodes are available"
        return f"{head}: {', '.join(parts)}." if parts else f"{head}."

    def __str__(self) -> str:
        lines = [self.message()]
        for row, name in enumerate(self.explanation.inventory.ids.tolist()):
            found = self.reasons(row)
            lines.append(f"  {name}: {'; '.join(found) if found else 'fits'}")
        return "\n".join(lines)


def explain(inventory: Inventory, task: Any, constraints: Sequence[Any] = ()) -> K8sExplanation:
    """`explain_placement` in Kubernetes' words; `task` a `TaskSpec` or a Pod/workload object."""
    from ..place.task import TaskSpec

    spec = task if isinstance(task, TaskSpec) else TaskSpec.from_k8s(task)
    return K8sExplanation(explain_placement(inventory, spec, constraints))
