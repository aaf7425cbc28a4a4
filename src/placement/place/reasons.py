"""ECS's reasons for not placing a task on an instance, in the order ECS checks them."""

from __future__ import annotations

__all__ = [
    "AGENT", "ATTRIBUTE", "CPU", "MEMORY", "PORTS", "GPU", "MEMBER_OF", "DISTINCT_INSTANCE",
    "ORDER",
]  # fmt: skip

AGENT = "AGENT"
ATTRIBUTE = "ATTRIBUTE"
CPU = "RESOURCE:CPU"
MEMORY = "RESOURCE:MEMORY"
PORTS = "RESOURCE:PORTS"
GPU = "RESOURCE:GPU"
MEMBER_OF = "MemberOf placement constraint unsatisfied."
DISTINCT_INSTANCE = "DistinctInstance placement constraint unsatisfied."

ORDER: tuple[str, ...] = (AGENT, ATTRIBUTE, CPU, MEMORY, PORTS, GPU, MEMBER_OF, DISTINCT_INSTANCE)
"""Eligibility first (agent, attributes, resources), then the constraints."""
