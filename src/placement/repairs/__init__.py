"""Repair (SEMANTICS.md §10): what to change so that a failing question succeeds.

`repair` (copies that do not fit), `repair_deploy` (a stuck rolling deployment) and
`repair_daemon` (instances that cannot take a daemon) answer with verified, minimal fixes.
Rules offer their own relaxations through `Constraint.relaxations` (`rules.relaxation`).
"""

from ..rules.relaxation import Relaxation, Step, Steps
from .daemon import repair_daemon
from .deploy import repair_deploy
from .place import repair
from .result import Fix, Repair

__all__ = ["repair", "repair_deploy", "repair_daemon", "Repair", "Fix", "Relaxation", "Step",
           "Steps"]  # fmt: skip
