"""Explanations: which clause rejected which instance, and why instances cannot take a task.

`explain(expr, inventory)` (module `expression`) says which leaf clauses of an expression
decided its value on each instance; `explain_placement(inventory, task, constraints)` (module
`placement`) lists every reason each instance cannot take one more copy of a task. Both key an
instance the same way (a row, negative from the end, numpy integers included, or an ARN; module
`keys`) and name a few example instances per line the same way.
"""

from .expression import ClauseExplanation, Explanation, explain
from .keys import InstanceNotFoundError, RowOutOfRangeError, RowTypeError
from .placement import PlacementExplanation, explain_placement

__all__ = [
    "explain", "Explanation", "ClauseExplanation", "explain_placement", "PlacementExplanation",
    "InstanceNotFoundError", "RowOutOfRangeError", "RowTypeError",
]  # fmt: skip
