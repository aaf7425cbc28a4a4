"""Nomad front end: constraint blocks, nodes and task groups.

Nomad's `constraint` blocks compile onto the same engine as ECS's: an attribute constraint
becomes an `Expression` (with the Nomad operators of docs/language.md §14 where ECS has
none), `distinct_hosts` and `distinct_property` become `maxPer` rules, the node API's JSON an
`Inventory` and a job's task group a `TaskSpec`. See docs/nomad.md.

    placement.nomad.constraint({"attribute": "${attr.kernel.name}", "value": "linux"})
    inv = placement.Inventory.from_nomad(nodes)
    task = placement.TaskSpec.from_nomad(job, "web")
"""

from ..dialects import register
from . import messages  # noqa: F401 - registers the nomad dialect's words
from .constraints import (
    EVERYTHING,
    NOTHING,
    OPERATORS,
    NomadConstraint,
    NomadDistinct,
    NomadPair,
    constraint,
    constraints,
    operator_of,
    target_attribute,
)
from .objects import (
    DRIVER,
    MISSING_DRIVERS,
    group_count,
    inventory,
    job_group,
    node_attributes,
    task_spec,
)

__all__ = [
    "constraint", "constraints", "target_attribute", "operator_of", "NomadConstraint",
    "NomadDistinct", "NomadPair", "OPERATORS", "EVERYTHING", "NOTHING", "inventory", "task_spec",
    "job_group", "group_count", "node_attributes", "MISSING_DRIVERS", "DRIVER",
]  # fmt: skip

# `Inventory.from_nomad` and `TaskSpec.from_nomad` read through these (placement.dialects).
register("inventory", "nomad", inventory)
register("task", "nomad", task_spec)
