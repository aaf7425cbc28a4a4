"""Checks every dialect's property tests share: the engines agree on one problem."""

from __future__ import annotations

from placement import Inventory, TaskSpec, headroom, place, rank


def assert_engines_agree(inv: Inventory, task: TaskSpec, count: int) -> None:
    """batch == loop == reference (placements and failures); `rank().best` is `place(1)`'s
    pick; `headroom` copies place and two more leave exactly them placed."""
    results = {m: place(inv, task, count, method=m) for m in ("batch", "loop", "reference")}
    ref = results["reference"]
    for method in ("batch", "loop"):
        assert results[method].placements == ref.placements, method
        assert results[method].failures == ref.failures, method
    best = rank(inv, task).best
    assert place(inv, task, 1).placements == (() if best is None else (best,))
    room = headroom(inv, task)
    if not room.unbounded and room.copies is not None:
        assert place(inv, task, room.copies + 2).placed == room.copies
