"""The rules where `placement.place.rules` has always offered them (see `placement.rules`)."""

from ..rules import (
    MAX_CONSTRAINT_TEXT,
    MAX_CONSTRAINTS,
    MAX_SEED,
    MAX_STRATEGIES,
    MAX_STRATEGY_TEXT,
    RUN_TASK_DEFAULT,
    SERVICE_DEFAULT,
    Binpack,
    Constraint,
    DistinctInstance,
    MaxPer,
    MemberOf,
    Random,
    Spread,
    Strategy,
    TopologySpread,
    constraint_from_ecs,
    constraints_from,
    shown,
    strategy_from,
    strategy_from_ecs,
    task_constraints_from,
)

__all__ = [
    "MemberOf", "DistinctInstance", "MaxPer", "TopologySpread", "Binpack", "Spread", "Random",
    "Constraint", "Strategy",
    "constraint_from_ecs", "strategy_from_ecs", "constraints_from", "strategy_from",
    "task_constraints_from", "shown",
    "SERVICE_DEFAULT", "RUN_TASK_DEFAULT", "MAX_CONSTRAINTS", "MAX_STRATEGIES", "MAX_SEED",
    "MAX_CONSTRAINT_TEXT", "MAX_STRATEGY_TEXT",
]  # fmt: skip
