"""`repair_daemon`: which instances could run a daemon after which change (§10, §5).

A daemon's instances are judged each on its own state, so every question here is a handful of
masks (`decide_daemon`); a resource is shrunk by bisection on the amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..inventory import Inventory
from ..ops.daemon import DaemonResult, decide_daemon
from ..place.task import TaskSpec
from ..rules.read import constraints_from
from .place import (
    dynamic_change,
    out_of_service,
    resized,
    returned_to_service,
    taken_ports,
    without_ports,
)
from .result import Fix, Repair

__all__ = ["repair_daemon"]


def repair_daemon(
    inventory: Inventory, task: TaskSpec, *, constraints: Iterable[Any] = (), strategy: Any = None
) -> Repair:
    """Which instances that need the daemon could run it after which change (SEMANTICS.md §5).

    `requested` is the instances that need the daemon (those that take it plus its failures),
    `placed` those that take it. Fixes: the task's CPU or memory lowered to the largest amount
    that lets the most of them take it, each taken host port made dynamic, and the DRAINING or
    disconnected ones returned to service (those that then take it). Each fix's
    `instances` are the ARNs that could run the daemon after the change and could not before.
    A non-empty `strategy` is refused, as `place_daemon` refuses it.
    """
    before = decide_daemon(inventory, task, constraints, strategy)
    rules = constraints_from(constraints)
    requested = len(before.placements) + len(before.failures)
    fixes: list[Fix] = []
    if not before.failures:
        return Repair("daemon", requested, len(before.placements), ())
    had = set(before.placements)

    def decide(changed: TaskSpec, where: Inventory = inventory) -> DaemonResult:
        return decide_daemon(where, changed, rules, None)

    def fix(kind: str, summary: str, change: dict[str, Any], changed: TaskSpec, size: int,
            where: Inventory = inventory) -> None:  # fmt: skip
        after = decide(changed, where)
        gained = tuple(arn for arn in after.placements if arn not in had)
        if gained:
            fixes.append(
                Fix(kind, summary + f" {len(gained)} more instance"
                    f"{'s' if len(gained) > 1 else ''} could run it.",
                    change, len(had), len(after.placements), requested, where, changed,
                    rules, (), instances=gained, size=size)
            )  # fmt: skip

    for resource, unit in (("cpu", "CPU units"), ("memory", "MiB")):
        need = getattr(task, resource)
        if not need:
            continue

        def taken(amount: int, resource: str = resource) -> int:
            return len(decide(resized(task, resource, amount)).placements)

        target = taken(0)
        if target <= len(had):
            continue
        lo, hi = 0, need - 1  # the largest amount that still reaches the target
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if taken(mid) >= target else (lo, mid - 1)
        fix(f"shrink-{resource}", f"Lower the daemon's {resource} from {need} to {lo} {unit}.",
            {"resource": resource, "from": need, "to": lo},
            resized(task, resource, lo), need - lo)  # fmt: skip

    for port, protocol in taken_ports(inventory, task):
        fix("dynamic-port",
            f"Map the daemon's host port {port}/{protocol} to a dynamic host port (hostPort 0).",
            dynamic_change([(port, protocol)]), without_ports(task, [(port, protocol)]),
            1)  # fmt: skip
    # An instance that needs the daemon but is DRAINING or has its agent disconnected takes it
    # once back in service (instances are judged each alone: return exactly those that gain).
    failed = {str(arn) for arn in before.failures}
    out = [r for r in np.flatnonzero(out_of_service(inventory)).tolist()
           if str(inventory.ids[r]) in failed]  # fmt: skip
    if out:
        back = {str(arn) for arn in decide(task, returned_to_service(inventory, np.array(out)))
                .placements} - {str(arn) for arn in had}  # fmt: skip
        chosen = [r for r in out if str(inventory.ids[r]) in back]
        ids = [str(inventory.ids[r]) for r in chosen]
        if chosen:
            shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            fix("return-instances",
                f"Return {len(ids)} instance{'s' if len(ids) > 1 else ''} to service (ACTIVE, "
                f"agent connected): {shown}.", {"instances": ids, "count": len(ids)}, task,
                len(ids), returned_to_service(inventory, np.array(chosen)))  # fmt: skip
    return Repair("daemon", requested, len(had), tuple(sorted(fixes, key=Fix.sort_key)))
