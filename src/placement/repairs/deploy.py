"""`repair_deploy`: what to change so that a stuck rolling deployment completes (§10, §7).

Whether a deployment completes moves one way with each parameter: a lower minimum healthy
percent lets each round stop more, a higher maximum percent lets it start more, more
instances leave more room. So each answer is a bisection over deployments run in full
(`deploy`, round by round), and each is checked where it lands: one step less (a minimum one
percent higher, a maximum one percent lower, one instance fewer) does not complete.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from ..inventory import Inventory
from ..ops.deploy import Deployment, deploy
from ..ops.whatif import MAX_LIMIT, _Fresh, _Grown, _template_list
from ..place.inputs import check_inputs
from ..place.task import TaskSpec
from .place import dynamic_change, taken_ports, without_ports
from .result import Fix, Repair

__all__ = ["repair_deploy"]

COMBINATIONS = 3
"""At most this many instance counts are tried together with a lower minimum."""


def _largest(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """The largest v in [lo, hi] with ok(v), given ok(lo) and ok falling as v grows.

    Then walked up while ok(v + 1) holds, so one step more always fails.
    """
    top = hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid - 1)
    while lo < top and ok(lo + 1):
        lo += 1
    return lo


def _smallest(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """The smallest v in [lo, hi] with ok(v), given ok(hi) and ok rising with v.

    Then walked down while ok(v - 1) holds within [lo, hi], so one step less always fails.
    """
    bottom = lo
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid + 1, hi)
    while lo > bottom and ok(lo - 1):
        lo -= 1
    return lo


def repair_deploy(
    inventory: Inventory,
    group: str,
    new_task: TaskSpec,
    *,
    desired_count: int,
    minimum_healthy_percent: int = 100,
    maximum_percent: int = 200,
    constraints: Iterable[Any] = (),
    strategy: Iterable[Any] = (),
    seed: int | None = None,
    templates: Any = (),
) -> Repair:
    """Fixes that make a stuck rolling deployment complete (SEMANTICS.md §7, §10).

    Each fix is a deployment run in full that completes: the largest minimum healthy percent
    (at the given maximum), the smallest maximum percent (at the given minimum), the fewest
    instances of `templates` at the given percents and, with fewer instances than that, the
    largest minimum that completes with them; and a dynamic host port for each port the new
    task binds that an instance has taken. Each carries `minimum_healthy_percent`,
    `maximum_percent`, `inventory`, `task` and the `rounds` it takes. A deployment that
    completes as it stands gets no fixes. Inputs are never changed.
    """
    rules, chain = check_inputs(inventory, new_task, 0, constraints, strategy, seed)
    desired = desired_count

    def run(inv: Inventory = inventory, task: TaskSpec = new_task, low: int = -1,
            high: int = -1) -> Deployment:  # fmt: skip
        return deploy(
            inv, group, task, desired_count=desired,
            minimum_healthy_percent=minimum_healthy_percent if low < 0 else low,
            maximum_percent=maximum_percent if high < 0 else high,
            constraints=rules, strategy=chain, seed=seed,
        )  # fmt: skip

    before = run()  # checks every argument
    fixes: list[Fix] = []
    if before.completed:
        return Repair("deploy", desired, before.new, ())
    low, high = minimum_healthy_percent, maximum_percent

    def fix(kind: str, summary: str, change: dict[str, Any], done: Deployment, *,
            inv: Inventory = inventory, task: TaskSpec = new_task, m: int = low, big: int = high,
            size: int = 0) -> None:  # fmt: skip
        fixes.append(
            Fix(kind, summary, change, before.new, done.new, desired, inv, task, rules, chain,
                minimum_healthy_percent=m, maximum_percent=big, rounds=len(done.rounds),
                size=size)
        )  # fmt: skip

    def completes(inv: Inventory = inventory, m: int = low, big: int = high) -> bool:
        return run(inv, low=m, high=big).completed

    # The largest minimum healthy percent that completes, at the given maximum.
    best_low = -1
    if low > 0 and completes(m=0):
        best_low = _largest(0, low - 1, lambda m: completes(m=m))
        fix("minimum-healthy-percent",
            f"Lower minimumHealthyPercent from {low} to {best_low} (or lower), at "
            f"maximumPercent {high}.",
            {"minimum_healthy_percent": {"from": low, "to": best_low}},
            run(low=best_low), m=best_low)  # fmt: skip

    # The smallest maximum percent that completes, at the given minimum: past the percent that
    # lets every new copy start beside every old task, a larger one changes nothing.
    old = before.rounds[0].old + len(before.rounds[0].stopped) if before.rounds else 0
    ceiling = max(high, -(-100 * (desired + old) // desired)) if desired else high
    if ceiling > high and completes(big=ceiling):
        least = _smallest(high + 1, ceiling, lambda big: completes(big=big))
        fix("maximum-percent",
            f"Raise maximumPercent from {high} to {least} (or higher), at "
            f"minimumHealthyPercent {low}.",
            {"maximum_percent": {"from": high, "to": least}},
            run(high=least), big=least)  # fmt: skip

    _instances(inventory, templates, desired, old, low, high, best_low, run, fix)
    _ports(inventory, new_task, run, fix, low, high)
    return Repair("deploy", desired, before.new, tuple(sorted(fixes, key=Fix.sort_key)))


def _instances(
    inventory: Inventory, templates: Any, desired: int, old: int, low: int, high: int,
    best_low: int, run: Callable[..., Deployment], fix: Callable[..., None],
) -> None:  # fmt: skip
    """The fewest instances at the given percents, and fewer instances with a lower minimum."""
    if templates is None or (isinstance(templates, (list, tuple)) and not templates):
        return
    grown = _Grown(inventory, _Fresh(inventory, _template_list(templates)))
    # At most MAX_LIMIT new instances, as `instances_needed` bounds its search: a desired count
    # near 2**31 would otherwise build that many instances before the first answer.
    limit = min(max(desired + old, 1), MAX_LIMIT)

    def completes(k: int, m: int = low) -> bool:
        return bool(run(grown.with_new(k), low=m).completed)

    # Doubling, then bisection: instances only add room.
    k_needed: int | None = None
    if completes(limit):
        top = 1
        while top < limit and not completes(top):
            top *= 2
        k_needed = _smallest(max(top // 2, 1), min(top, limit), completes)
        plural = "s" if k_needed > 1 else ""
        fix("add-instances",
            f"Add {k_needed} instance{plural} from the template, at minimumHealthyPercent {low} "
            f"and maximumPercent {high}.",
            {"instances": k_needed}, run(grown.with_new(k_needed)),
            inv=grown.with_new(k_needed), size=k_needed)  # fmt: skip
    if low == 0:
        return
    # Fewer instances than that, with the largest minimum that completes with them; kept only
    # where it beats what fewer instances manage (the minimum alone is `best_low`).
    if k_needed is None:
        if not completes(limit, 0):
            return
        first = _smallest(1, limit, lambda k: completes(k, 0))
        counts = [first]
    else:
        counts = list(range(1, min(k_needed, COMBINATIONS + 1)))
    previous = best_low
    for k in counts:
        if not completes(k, 0):
            continue
        m = _largest(0, low - 1, functools.partial(_at, completes, k))
        if m <= previous:
            continue
        previous = m
        plural = "s" if k > 1 else ""
        fix("add-instances-lower-minimum",
            f"Add {k} instance{plural} from the template and lower minimumHealthyPercent from "
            f"{low} to {m} (or lower).",
            {"instances": k, "minimum_healthy_percent": {"from": low, "to": m}},
            run(grown.with_new(k), low=m), inv=grown.with_new(k), m=m, size=k)  # fmt: skip


def _at(completes: Callable[[int, int], bool], k: int, m: int) -> bool:
    return completes(k, m)


def _ports(
    inventory: Inventory, task: TaskSpec, run: Callable[..., Deployment],
    fix: Callable[..., None], low: int, high: int,
) -> None:  # fmt: skip
    """Each host port of the new task that an instance has taken, made dynamic."""
    for item in taken_ports(inventory, task):
        changed = without_ports(task, [item])
        done = run(task=changed)
        if done.completed:
            fix("dynamic-port",
                f"Map host port {item[0]}/{item[1]} of the new task to a dynamic host port "
                "(hostPort 0).",
                dynamic_change([item]), done, task=changed, size=1)  # fmt: skip
