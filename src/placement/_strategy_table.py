"""Each public type and the `placement.testing` function that draws it.

Read by the hypothesis plugin (which registers lazy builders) and by `placement.testing`
(which registers its functions when imported first); it imports nothing, so neither of those
needs the other.
"""

from __future__ import annotations

__all__ = ["STRATEGIES"]

STRATEGIES: tuple[tuple[str, str, str], ...] = (
    ("placement.syntax.ast", "Expression", "expressions"),
    ("placement.syntax.ast", "Comparison", "comparisons"),
    ("placement.syntax.ast", "And", "and_expressions"),
    ("placement.syntax.ast", "Or", "or_expressions"),
    ("placement.syntax.ast", "Not", "not_expressions"),
    ("placement.syntax.literals", "Version", "versions"),
    ("placement.syntax.literals", "Timestamp", "timestamps"),
    ("placement.instance", "Instance", "instances"),
    ("placement.instance", "Task", "running_tasks"),
    ("placement.inventory", "Inventory", "inventories"),
    ("placement.place.task", "TaskSpec", "tasks"),
    ("placement.rules", "MemberOf", "member_ofs"),
    ("placement.rules", "DistinctInstance", "distinct_instances"),
    ("placement.rules", "MaxPer", "max_pers"),
    ("placement.rules", "TopologySpread", "topology_spreads"),
    ("placement.rules", "Binpack", "binpacks"),
    ("placement.rules", "Spread", "spreads"),
    ("placement.rules", "Random", "randoms"),
    ("placement.ecs.services", "Service", "services"),
)
