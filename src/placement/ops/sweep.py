"""Run one what-if function over many cases, in this process or on any executor.

`sweep(fn, cases, executor=...)` is `[fn(case) for case in cases]`, in order, whatever runs it:
nothing here schedules or pools; the executor does (a `ProcessPoolExecutor`, Dask's
`Client.get_executor()`, Ray's, a thread pool). Inventories travel as their columns (a few
numpy arrays and the ARN strings), so a case that carries a 100,000-instance inventory
pickles in a few megabytes.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable
from typing import TypeVar

from ..errors import PlacementInputError

__all__ = ["sweep"]

Case = TypeVar("Case")
Answer = TypeVar("Answer")

# A process pool sends cases in chunks: one pickle per chunk, so an inventory shared by the
# cases of a chunk is written once (pickle's memo), and fewer round trips. About this many
# chunks per sweep keeps every worker busy to the end.
_CHUNKS = 32


def sweep(
    fn: Callable[[Case], Answer],
    cases: Iterable[Case],
    *,
    executor: concurrent.futures.Executor | None = None,
) -> list[Answer]:
    """`[fn(case) for case in cases]`, in order, run by `executor` (None: in this process).

    `executor` is any `concurrent.futures.Executor`. With one that runs in other processes,
    `fn` must be picklable (a module-level function or a `functools.partial` of one) and so
    must the cases and answers: inventories and every result of this library are. An exception
    raised by `fn` is the caller's own and propagates unchanged.
    """
    if not callable(fn):
        raise PlacementInputError(f"fn must be callable, got {type(fn).__name__}")
    if isinstance(cases, (str, bytes)) or not isinstance(cases, Iterable):
        raise PlacementInputError(f"cases must be an iterable of cases, got {type(cases).__name__}")
    items = list(cases)
    if executor is None:
        return [fn(case) for case in items]
    if not isinstance(executor, concurrent.futures.Executor):
        raise PlacementInputError(
            "executor must be a concurrent.futures.Executor (or None), got "
            f"{type(executor).__name__}"
        )
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        chunk = max(1, -(-len(items) // _CHUNKS))
        return list(executor.map(fn, items, chunksize=chunk))
    return list(executor.map(fn, items))
