"""Placement rules behind one interface: constraints, strategies, and the extension point.

Each rule lives in its own module and answers the questions of `rules.base` over a `View`;
the engines ask every rule the same questions and never switch on a rule's class. A registry
(`rules.read`) maps ECS JSON types and text forms to rule classes.

Define your own constraint by subclassing `Constraint` (see `docs/rules.md`):

    class NotRetiring(placement.rules.Constraint):
        reason = "NotRetiring"
        def excluded(self, view, task):
            return np.isin(view.ec2_instance_ids, RETIRING)
"""

from .base import USER_RANK, Constraint, Strategy, TaskLike, ZoneCaps, ZoneGate, in_force
from .binpack import Binpack
from .distinct_instance import DISTINCT_INSTANCE, DistinctInstance
from .max_per import MAX_PER, MaxPer
from .member_of import MEMBER_OF, MemberOf
from .random import Random
from .read import (
    MAX_CONSTRAINT_TEXT,
    MAX_CONSTRAINTS,
    MAX_SEED,
    MAX_STRATEGIES,
    MAX_STRATEGY_TEXT,
    constraint_from_ecs,
    constraints_from,
    register_constraint,
    register_strategy,
    shown,
    strategy_from,
    strategy_from_ecs,
    task_constraints_from,
)
from .spread import Spread
from .topology_spread import TOPOLOGY_SPREAD, TopologySpread
from .view import View

__all__ = [
    "Constraint", "Strategy", "View", "TaskLike", "USER_RANK",
    "MemberOf", "DistinctInstance", "MaxPer", "TopologySpread", "Binpack", "Spread", "Random",
    "MEMBER_OF", "DISTINCT_INSTANCE", "MAX_PER", "TOPOLOGY_SPREAD", "ZoneCaps", "ZoneGate",
    "in_force",
    "constraint_from_ecs", "strategy_from_ecs", "constraints_from", "strategy_from",
    "task_constraints_from", "register_constraint", "register_strategy", "shown",
    "SERVICE_DEFAULT", "RUN_TASK_DEFAULT", "MAX_CONSTRAINTS", "MAX_STRATEGIES", "MAX_SEED",
    "MAX_CONSTRAINT_TEXT", "MAX_STRATEGY_TEXT",
]  # fmt: skip

SERVICE_DEFAULT: tuple[Strategy, ...] = (
    Spread("attribute:ecs.availability-zone"),
    Spread("instanceId"),
)
"""ECS's placement for a replica service with no strategy: spread over zones, then instances."""
RUN_TASK_DEFAULT: tuple[Strategy, ...] = (Random(),)
"""ECS's placement for RunTask with no strategy."""
