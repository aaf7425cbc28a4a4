"""Reasons in Kubernetes' words: every reason per node, and the scheduler's own summary.

The engine's reasons are ECS's codes (`RESOURCE:CPU`, `MemberOf placement constraint
unsatisfied.`) plus each rule's own (the Kubernetes rules already speak Kubernetes). This
module words them once, for everyone: it registers `word_masks` and `summary` as the `k8s`
dialect's words, so a task read by `TaskSpec.from_k8s` (dialect `k8s`) gets Kubernetes words
from `place`'s failures, `rank`, `explain_placement`, `headroom`, `instances_needed`,
`ClusterState` and `deploy` (their ECS codes stay reachable: `codes`, `code_counts`, `masks`).
`explain(inventory, pod)` reads a `PlacementExplanation` in these words whatever the task's
dialect:

* `reasons(node)`: every reason the node refuses the pod, worded as the filter plugins word
  them (`Insufficient cpu`, `node(s) didn't match Pod's node affinity/selector`,
  `node(s) had untolerated taint {key: value}`, ...), in the scheduler's plugin order;
* `message()`: what the scheduler's `FailedScheduling` event says, `0/N nodes are available:
  ...`: each node counted under its first failing plugin (NodeResourcesFit gives all of its
  reasons), the `count reason` parts sorted as text, as `FitError` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..columns import ABSENT
from ..dialects import register
from ..explain.keys import row_of
from ..explain.placement import PlacementExplanation, explain_placement
from ..inventory import Inventory
from ..place import reasons as R
from .affinity import AFFINITY_UNSATISFIED, ANTI_AFFINITY_UNSATISFIED, EXISTING_ANTI_AFFINITY
from .objects import GPU
from .slots import TOO_MANY_PODS
from .spread import SPREAD_UNSATISFIED, PodTopologySpread
from .taints import TAINTS as TAINT_ATTRIBUTE
from .taints import UNTOLERATED, Taints

__all__ = ["WORDS", "K8sExplanation", "explain", "UNSCHEDULABLE", "NOT_READY", "PORTS_TAKEN",
           "NODE_AFFINITY", "SPREAD_MISSING_LABEL", "word_masks", "summary"]  # fmt: skip

UNSCHEDULABLE = "node(s) were unschedulable"
"""A cordoned node (NodeUnschedulable)."""
NOT_READY = f"{UNTOLERATED} {{node.kubernetes.io/not-ready: }}"
"""A node whose Ready condition is not True: the taint the node lifecycle controller adds."""
PORTS_TAKEN = "node(s) didn't have free ports for the requested pod ports"
"""NodePorts' reason."""
NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
"""NodeAffinity's reason (nodeSelector, required node affinity, matchFields)."""
SPREAD_MISSING_LABEL = f"{SPREAD_UNSATISFIED} (missing required label)"
"""PodTopologySpread's reason for a node without one of the pod's topology keys."""

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
    SPREAD_UNSATISFIED: 5, SPREAD_MISSING_LABEL: 5,
    AFFINITY_UNSATISFIED: 6, ANTI_AFFINITY_UNSATISFIED: 6, EXISTING_ANTI_AFFINITY: 6,
}  # fmt: skip
_LAST = 7


def _plugin(reason: str) -> int:
    return _PLUGIN.get(reason if not reason.startswith(UNTOLERATED) else UNTOLERATED, _LAST)


def _taint_words(
    inventory: Inventory, rules: Sequence[Any], mask: npt.NDArray[np.bool_]
) -> dict[str, npt.NDArray[np.bool_]]:
    """`node(s) had untolerated taint {key: value}` per node, one check per distinct taint set."""
    taints = next((rule for rule in rules if isinstance(rule, Taints)), None)
    column = inventory.attributes.get(TAINT_ATTRIBUTE)
    if taints is None or column is None:
        return {UNTOLERATED: mask}
    out: dict[str, npt.NDArray[np.bool_]] = {}
    for code in np.unique(column.codes[mask]).tolist():
        text = column.values[code] if code >= 0 else None
        taint = taints.first_untolerated(text) if text is not None else None
        named = "{" + f"{taint[0].lstrip(chr(0))}: {taint[1]}" + "}" if taint else None
        word = f"{UNTOLERATED} {named}" if named else UNTOLERATED
        out[word] = out.get(word, np.zeros(len(mask), dtype=bool)) | (mask & (column.codes == code))
    return out


def _missing_topology_key(
    inventory: Inventory, rules: Sequence[Any], mask: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """The refused nodes that lack some `DoNotSchedule` topologyKey of the pod."""
    keys = {key for rule in rules if isinstance(rule, PodTopologySpread)
            for key in (*rule.keys, rule.attribute) if key}  # fmt: skip
    missing = np.zeros(len(mask), dtype=bool)
    for key in sorted(keys):
        column = inventory.attributes.get(key)
        missing |= mask if column is None else mask & (column.codes == ABSENT)
    return missing


def word_masks(
    inventory: Inventory, rules: Sequence[Any], masks: Mapping[str, npt.NDArray[np.bool_]]
) -> R.Worded:
    """The engine's reason masks in Kubernetes' words, in the scheduler's plugin order.

    `AGENT` is the node's own words (cordoned: `node(s) were unschedulable`; not ready: the
    not-ready taint), an untolerated taint names the node's taint, the rest are `WORDS`.
    """
    out: dict[str, npt.NDArray[np.bool_]] = {}

    def add(word: str, mask: npt.NDArray[np.bool_]) -> None:
        if mask.any():
            out[word] = out[word] | mask if word in out else mask

    for code, mask in masks.items():
        if not mask.any():
            continue
        if code == R.AGENT:
            status = inventory.status
            add(UNSCHEDULABLE, mask & (status.codes != status.index.get("ACTIVE", -3)))
            add(NOT_READY, mask & ~np.asarray(inventory.agent_connected, dtype=bool))
        elif code == UNTOLERATED:
            for word, rows in _taint_words(inventory, rules, mask).items():
                add(word, rows)
        elif code == SPREAD_UNSATISFIED:
            missing = _missing_topology_key(inventory, rules, mask)
            add(SPREAD_MISSING_LABEL, missing)
            add(SPREAD_UNSATISFIED, mask & ~missing)
        else:
            add(WORDS.get(code, code), mask)
    # TaintToleration reports one taint per node, its first untolerated one; the lifecycle
    # controller appends the not-ready taint after the node's own, so theirs comes first.
    own_taints = [mask for word, mask in out.items() if word.startswith(f"{UNTOLERATED} {{")
                  and word != NOT_READY]  # fmt: skip
    if NOT_READY in out and own_taints:
        out[NOT_READY] = out[NOT_READY] & ~np.logical_or.reduce(own_taints)
    # A reason no default plugin gives (a user's rule, ECS's ATTRIBUTE or MaxPer) is a plugin
    # of its own, after the default ones, in the engine's order: a node counts under one.
    unknown = [word for word in out if _plugin(word) == _LAST]
    groups = {word: _LAST + unknown.index(word) if word in unknown else _plugin(word)
              for word in out}  # fmt: skip
    # Stable: the engine's order within a plugin.
    return sorted(((word, groups[word], mask) for word, mask in out.items() if mask.any()),
                  key=lambda item: item[1])  # fmt: skip


def summary(available: int, total: int, counts: Mapping[str, int]) -> str:
    """`0/N nodes are available: 1 Insufficient cpu, ...`: the parts sorted as text (FitError)."""
    parts = sorted(f"{count} {reason}" for reason, count in counts.items())
    head = f"{available}/{total} nodes are available"
    return f"{head}: {', '.join(parts)}." if parts else f"{head}."


# The core asks for these by the task's dialect (`placement.place.reasons`).
register("words", "k8s", word_masks)
register("summary", "k8s", summary)


@attrs.frozen(eq=False)
class K8sExplanation:
    """A `PlacementExplanation` read in Kubernetes' words (see the module).

    Worded from the explanation's ECS codes, whatever the task's dialect: a `TaskSpec` built
    by hand reads the same as one from `TaskSpec.from_k8s`.
    """

    explanation: PlacementExplanation

    def _worded(self) -> R.Worded:
        e = self.explanation
        return word_masks(e.inventory, (*e.task.constraints, *e.constraints), e.masks)

    def reasons(self, node: int | np.integer[Any] | str) -> tuple[str, ...]:
        """Every reason `node` (a row or a node name) refuses the pod, in plugin order.

        Keyed as `PlacementExplanation.reasons` keys it (its errors, too).
        """
        inventory = self.explanation.inventory
        row = row_of(node, len(inventory), self.explanation._find)  # as `reasons` keys it
        return tuple(word for word, _, mask in self._worded() if mask[row])

    def message(self) -> str:
        """The scheduler's summary: `0/N nodes are available: 1 Insufficient cpu, ...`."""
        n = len(self.explanation.inventory)
        counts = R.first_counts(self._worded(), n)
        return summary(int(self.explanation.eligible.sum()), n, counts)

    def __str__(self) -> str:
        lines = [self.message()]
        worded = self._worded()
        for row, name in enumerate(self.explanation.inventory.ids.tolist()):
            found = [word for word, _, mask in worded if mask[row]]
            lines.append(f"  {name}: {'; '.join(found) if found else 'fits'}")
        return "\n".join(lines)


def explain(inventory: Inventory, task: Any, constraints: Sequence[Any] = ()) -> K8sExplanation:
    """`explain_placement` in Kubernetes' words; `task` a `TaskSpec` or a Pod/workload object."""
    from ..place.task import TaskSpec

    spec = task if isinstance(task, TaskSpec) else TaskSpec.from_k8s(task)
    return K8sExplanation(explain_placement(inventory, spec, constraints))
