"""What a rule offers `placement.repair` (SEMANTICS.md §10): ways to refuse fewer instances.

A constraint's `relaxations(view, task, count)` yields `Relaxation`s. Each is one family of
changes of one kind, in one of two shapes:

* `steps`: replacement rules ordered from the least change to the most, each refusing no row
  the one before admits (a threshold moved one value further, a cap raised by one). Repair
  bisects over them for the first that places as many copies as the last does, so a family may
  be long (and lazy: any `Sequence`, such as `Steps(length, make)`).
* `options` with `option_of_row` and `build`: a set to choose from (values to add to an `in`
  list), where choosing option `k` admits the rows whose `option_of_row` is `k`. Repair weighs
  each option by the copies its rows would take and builds the fewest that suffice.

`Step.rule` is the replacement constraint, or None to drop the rule altogether.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["Relaxation", "Step", "Steps"]


@attrs.frozen
class Step:
    """One relaxed version of a rule: the replacement, the change as data and in words."""

    rule: Any
    """The `Constraint` to use instead (None: no rule at all). Typed `Any` so that this module
    imports nothing of `rules.base`, which names `Relaxation` in its interface."""
    change: Mapping[str, Any]
    """The change, JSON-ready (`{"from": ..., "to": ...}` and whatever else says it)."""
    summary: str
    """One sentence a user can act on."""


class Steps(Sequence[Step]):
    """A lazy sequence of `length` steps, step `i` made by `make(i)` when read."""

    def __init__(self, length: int, make: Callable[[int], Step]) -> None:
        self._length = max(int(length), 0)
        self._make = make

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, i: int) -> Step: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Step]: ...
    def __getitem__(self, i: int | slice) -> Step | Sequence[Step]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._length))]
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError(i)
        return self._make(i)

    def __iter__(self) -> Iterator[Step]:
        return (self._make(i) for i in range(self._length))


@attrs.frozen(eq=False)
class Relaxation:
    """One family of relaxations of one kind (see the module docstring for the two shapes)."""

    kind: str
    """The fix kind it gives (`relax-threshold`, `add-values`, `drop-operand`, ...)."""
    steps: Sequence[Step] = ()
    options: Sequence[str] = ()
    option_of_row: npt.NDArray[np.int64] | None = None
    build: Callable[[Sequence[str]], Step] | None = None
