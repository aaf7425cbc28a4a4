"""ECS's reasons for not placing a task on an instance, in the order ECS checks them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "AGENT", "ATTRIBUTE", "CPU", "MEMORY", "PORTS", "GPU", "MEMBER_OF", "DISTINCT_INSTANCE",
    "MAX_PER", "TOPOLOGY_SPREAD",
    "ORDER", "ELIGIBILITY", "CONSTRAINTS", "DETAIL_WORDS", "labelled",
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

DETAIL_WORDS: dict[str, str] = {ATTRIBUTE: "missing", PORTS: "taken"}
"""How a report introduces the names a reason's details hold (the codes stay ECS's)."""


def labelled(reason: str, details: Mapping[str, Sequence[str]] | None = None) -> str:
    """`ATTRIBUTE (missing: a, b)`, `RESOURCE:PORTS (taken: 80, 443)`, or the bare code.

    At most eight names are listed, then how many more.
    """
    names = (details or {}).get(reason)
    if not names:
        return reason
    listed = ", ".join(names[:8]) + (f", +{len(names) - 8} more" if len(names) > 8 else "")
    return f"{reason} ({DETAIL_WORDS.get(reason, 'detail')}: {listed})"
