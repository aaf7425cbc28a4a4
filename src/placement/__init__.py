"""placement: the Amazon ECS cluster query language and task placement, as a library.

Parse constraint expressions, evaluate them on one instance (the reference) or on a whole
columnar inventory at once (vectorized), explain which clause rejected which instance, and place
tasks with ECS's constraints and strategy chains. Kubernetes' and Nomad's placement rules
(`placement.k8s`, `placement.nomad`) compile to the same tree and run on the same engines, and
`placement.translate` carries a rule from one system's language to another's.
"""

from . import examples, k8s, nomad
from .ecs.reserved import UnaccountedPortsWarning
from .ecs.services import Service
from .errors import (
    ExpressionError,
    InventoryError,
    PlacementError,
    PlacementInputError,
    PlacementSyntaxError,
    PlacementWarning,
    UnknownAttributeWarning,
)
from .explain import (
    ClauseExplanation,
    Explanation,
    PlacementExplanation,
    explain,
    explain_placement,
)
from .instance import Instance, Task
from .inventory import Inventory
from .ops.daemon import DaemonResult, place_daemon
from .ops.deploy import Deployment, DeploymentRound, deploy
from .ops.scale_in import ScaleInResult, scale_in
from .ops.scaling import ScalingAnswer, managed_scaling
from .ops.sweep import sweep
from .ops.whatif import Headroom, InstancesNeeded, headroom, instances_needed
from .place.api import Ranking, place, rank
from .place.result import Failure, PlacementResult
from .place.task import TaskSpec
from .repairs import Fix, Repair, repair, repair_daemon, repair_deploy
from .rules import (
    RUN_TASK_DEFAULT,
    SERVICE_DEFAULT,
    Binpack,
    DistinctInstance,
    MaxPer,
    MemberOf,
    Random,
    Spread,
    TopologySpread,
)
from .state import ClusterState
from .syntax import (
    And,
    Comparison,
    Expression,
    Field,
    Not,
    Op,
    Or,
    Subject,
    SubjectKind,
    Timestamp,
    Version,
    agent_connected,
    agent_version,
    attribute,
    ec2_instance_id,
    parse,
    registered_at,
    running_tasks_count,
    task_group,
)
from .translation import Translation, TranslationError, translate

__all__ = [
    # errors
    "PlacementError", "PlacementSyntaxError", "InventoryError", "PlacementInputError",
    "ExpressionError", "PlacementWarning", "UnknownAttributeWarning", "UnaccountedPortsWarning",
    # the language
    "parse", "Expression", "Comparison", "And", "Or", "Not", "Op", "Subject", "SubjectKind",
    "Version", "Timestamp", "Field", "attribute", "agent_connected", "agent_version",
    "ec2_instance_id", "registered_at", "running_tasks_count", "task_group",
    # instances, inventories, explanations
    "Instance", "Task", "Inventory", "explain", "Explanation", "ClauseExplanation",
    # placement
    "place", "rank", "Ranking", "TaskSpec", "MemberOf", "DistinctInstance", "MaxPer",
    "TopologySpread", "Binpack", "Spread", "Random", "SERVICE_DEFAULT", "RUN_TASK_DEFAULT",
    "PlacementResult", "Failure", "explain_placement", "PlacementExplanation", "examples",
    "Service", "k8s", "nomad",
    # what-if
    "headroom", "Headroom", "instances_needed", "InstancesNeeded", "deploy", "Deployment",
    "DeploymentRound", "sweep", "managed_scaling", "ScalingAnswer",
    # repair
    "repair", "repair_deploy", "repair_daemon", "Repair", "Fix",
    # live state and operations
    "ClusterState", "scale_in", "ScaleInResult", "place_daemon", "DaemonResult",
    # translation between ECS, Kubernetes and Nomad
    "translate", "Translation", "TranslationError",
]  # fmt: skip

__version__ = "0.1.0"


def _register_hypothesis_strategies() -> None:
    # Hypothesis' plugin hook registers only when placement is already imported (so importing
    # hypothesis stays cheap); when hypothesis came first, placement registers here instead.
    import sys

    if "hypothesis" in sys.modules:
        from ._hypothesis_plugin import register

        register()


_register_hypothesis_strategies()
