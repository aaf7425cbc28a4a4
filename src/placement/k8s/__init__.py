"""Kubernetes front end: label selectors, node affinity, taints, nodes and pods.

Kubernetes' scheduling language compiled onto the same engine as ECS's: a label selector or
a node affinity becomes an ECS `Expression` over node labels (instance attributes), taints
and tolerations a `Taints` constraint, `kubectl get nodes/pods -o json` an `Inventory`, and a
pod (or a workload's pod template) a `TaskSpec`. See docs/kubernetes.md.

    placement.k8s.selector("env in (prod, qa), !legacy, tier=web")
    inv = placement.Inventory.from_k8s(nodes_json, pods_json)
    task = placement.TaskSpec.from_k8s(deployment)
"""

from ..dialects import register
from .affinity import (
    AFFINITY_UNSATISFIED,
    ANTI_AFFINITY_UNSATISFIED,
    EXISTING_ANTI_AFFINITY,
    ExistingAntiAffinity,
    PodAffinity,
    PodAntiAffinity,
    affinity_rules,
)
from .labels import EVERYTHING, NODE_NAME, NOTHING, node_affinity, requirement, selector
from .messages import NOT_READY, UNSCHEDULABLE, K8sExplanation, explain
from .objects import GPU, inventory, placement_expression, pod_group, pod_requests, task_spec
from .quantity import millicores, quantity, whole
from .slots import PODS, TOO_MANY_PODS, PodSlots
from .spread import NAMESPACE, SPREAD_UNSATISFIED, PodTopologySpread, spread_constraints
from .taints import TAINTS, UNTOLERATED, Taints, Toleration, read_taints, taints_text

__all__ = [
    "selector", "node_affinity", "requirement", "Taints", "Toleration", "inventory",
    "task_spec", "pod_requests", "pod_group", "placement_expression", "quantity",
    "millicores", "whole", "read_taints", "taints_text", "NODE_NAME", "TAINTS", "UNTOLERATED",
    "EVERYTHING", "NOTHING", "GPU", "PodSlots", "PODS", "TOO_MANY_PODS", "PodTopologySpread",
    "SPREAD_UNSATISFIED", "NAMESPACE", "spread_constraints", "PodAffinity", "PodAntiAffinity",
    "AFFINITY_UNSATISFIED", "ANTI_AFFINITY_UNSATISFIED", "affinity_rules", "explain",
    "K8sExplanation", "NOT_READY", "UNSCHEDULABLE", "ExistingAntiAffinity",
    "EXISTING_ANTI_AFFINITY",
]  # fmt: skip

# `Inventory.from_k8s` and `TaskSpec.from_k8s` read through these (placement.dialects).
register("inventory", "k8s", inventory)
register("task", "k8s", task_spec)
