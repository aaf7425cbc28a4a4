"""How both explanations key an instance and name example instances.

An instance is a row (an int or numpy integer, negative from the end) or an ARN; anything else,
an unknown ARN or a row out of range raises a `PlacementInputError` that also keeps the
built-in type callers caught before (TypeError, KeyError, IndexError).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..text import shown

__all__ = [
    "EXAMPLES", "InstanceNotFoundError", "RowOutOfRangeError", "RowTypeError", "row_of",
    "examples",
]  # fmt: skip

EXAMPLES = 3
"""How many instances a report line names."""


class InstanceNotFoundError(PlacementInputError, KeyError):
    """`reasons` was given an ARN the inventory does not hold."""


class RowOutOfRangeError(PlacementInputError, IndexError):
    """`reasons` was given a row outside the inventory."""


class RowTypeError(PlacementInputError, TypeError):
    """`reasons` was given neither a row (an integer) nor an ARN (a str)."""


def row_of(instance: object, n: int, find: Callable[[str], int | None]) -> int:
    """The row `instance` names among `n` instances; `find` looks an ARN up (None if absent)."""
    if isinstance(instance, str):
        row = find(instance)
        if row is None:
            raise InstanceNotFoundError(f"no instance {shown(instance)} in the inventory")
        return row
    # bool is an int to Python, but `reasons(True)` is a mistake, not row 1.
    if isinstance(instance, (bool, np.bool_)) or not isinstance(instance, (int, np.integer)):
        raise RowTypeError(
            f"reasons() takes a row or an ARN as `instance`, got {shown(instance)}"
        )
    row = int(instance)
    if not -n <= row < n:
        raise RowOutOfRangeError(f"instance index {shown(row)} out of range for {n} instances")
    return row % n


def examples(ids: npt.NDArray[np.object_], mask: npt.NDArray[np.bool_]) -> str:
    """`a, b, c, +4 more`: the first few instances `mask` selects, and how many others."""
    rows = np.flatnonzero(mask)
    named = ", ".join(str(ids[r]) for r in rows[:EXAMPLES])
    return named + (f", +{len(rows) - EXAMPLES} more" if len(rows) > EXAMPLES else "")
