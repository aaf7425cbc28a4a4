"""ECS's reasons for not placing a task on an instance, in the order ECS checks them."""

from __future__ import annotations

__all__ = [
    "AGENT", "ATTRIBUTE", "CPU", "MEMORY", "PORTS", "GPU", "MEMBER_OF", "DISTINCT_INSTANCE",
    "MAX_PER", "TOPOLOGY_SPREAD",
    "ORDER", "ELIGIBILITY", "CONSTRAINTS",
]  # fmt: skip

AGENT = "AGENT"
ATTRIBUTE = "ATTRIBUTE"
CPU = "RESOURCE:CPU"
MEMORY = "RESOURCE:MEMORY"
PORTS = "RESOURCE:PORTS"
GPU = "RESOURCE:GPU"
MEMBER_OF = "MemberOf placement constraint unsatisfied."
DISTINCT_INSTANCE = "DistinctInstance placement constraint unsatisfied."
MAX_PER = "MaxPer placement constraint unsatisfied."
TOPOLOGY_SPREAD = "TopologySpread placement constraint unsatisfied."

ELIGIBILITY: tuple[str, ...] = (AGENT, ATTRIBUTE, CPU, MEMORY, PORTS, GPU)
"""§3 step 1, in ECS's order: the agent, attributes, resources."""
CONSTRAINTS: tuple[str, ...] = (MEMBER_OF, DISTINCT_INSTANCE, MAX_PER, TOPOLOGY_SPREAD)
"""The built-in constraints' reasons, in ECS's order (users' own reasons come after)."""
ORDER: tuple[str, ...] = ELIGIBILITY + CONSTRAINTS
"""Eligibility first (agent, attributes, resources), then the constraints."""
