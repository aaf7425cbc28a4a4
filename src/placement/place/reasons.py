"""ECS's reasons for not placing a task on an instance, in the order ECS checks them.

The engine speaks these codes whatever the task. A task read from another system (its
`dialect`) is answered in that system's words: its front end registers them
(`dialects.register("words"/"summary", ...)`) and `worded`, `first_counts` and `summary`
below are how every result (failures, explanations, rankings, headroom) reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "AGENT", "ATTRIBUTE", "CPU", "MEMORY", "PORTS", "GPU", "MEMBER_OF", "DISTINCT_INSTANCE",
    "MAX_PER", "TOPOLOGY_SPREAD",
    "ORDER", "ELIGIBILITY", "CONSTRAINTS", "DETAIL_WORDS", "labelled",
    "Worded", "speaks", "worded", "summary", "first_counts",
]  # fmt: skip

AGENT = "AGENT"
ATTRIBUTE = "ATTRIBUTE"
CPU = "RESOURCE:CPU"
MEMORY = "RESOURCE:MEMORY"
PORTS = "RESOURCE:PORTS"
GPU = "RESOURCE:GPU"
MEMBER_OF = "MemberOf placement constraint unsatisfied."
DISTINCT_INSTANCE = "DistinctInstance placement constraint unsatisfied."
MAX_PER = "MaxPer placement constraint unsatisfied."
TOPOLOGY_SPREAD = "TopologySpread placement constraint unsatisfied."

ELIGIBILITY: tuple[str, ...] = (AGENT, ATTRIBUTE, CPU, MEMORY, PORTS, GPU)
"""§3 step 1, in ECS's order: the agent, attributes, resources."""
CONSTRAINTS: tuple[str, ...] = (MEMBER_OF, DISTINCT_INSTANCE, MAX_PER, TOPOLOGY_SPREAD)
"""The built-in constraints' reasons, in ECS's order (users' own reasons come after)."""
ORDER: tuple[str, ...] = ELIGIBILITY + CONSTRAINTS
"""Eligibility first (agent, attributes, resources), then the constraints."""

DETAIL_WORDS: dict[str, str] = {ATTRIBUTE: "missing", PORTS: "taken"}
"""How a report introduces the names a reason's details hold (the codes stay ECS's)."""


def labelled(reason: str, details: Mapping[str, Sequence[str]] | None = None) -> str:
    """`ATTRIBUTE (missing: a, b)`, `RESOURCE:PORTS (taken: 80, 443)`, or the bare code.

    At most eight names are listed, then how many more.
    """
    names = (details or {}).get(reason)
    if not names:
        return reason
    listed = ", ".join(names[:8]) + (f", +{len(names) - 8} more" if len(names) > 8 else "")
    return f"{reason} ({DETAIL_WORDS.get(reason, 'detail')}: {listed})"


# -- a task's own dialect ------------------------------------------------------------------------

Worded = list[tuple[str, int, npt.NDArray[np.bool_]]]
"""The reason masks read in a dialect's words: `(words, group, mask)` in the dialect's order.

A group is what the dialect reports together: Kubernetes' filter plugin (NodeResourcesFit
gives every one of its reasons), where ECS's group is each reason alone."""


def _hook(task: Any, what: str) -> Callable[..., Any] | None:
    """What `task`'s dialect registered as `what`; None for ECS or a dialect without one."""
    dialect = getattr(task, "dialect", "ecs")
    if dialect == "ecs":
        return None
    from ..dialects import reader
    from ..errors import PlacementInputError

    try:
        return reader(what, dialect)
    except PlacementInputError:  # not loaded, or no words of its own: ECS's codes
        return None


def speaks(task: Any) -> bool:
    """Whether `task`'s dialect names reasons in its own words; ECS's words are the codes.

    A dialect speaks when its front end registered `words` for it
    (`dialects.register("words", dialect, ...)`).
    """
    return _hook(task, "words") is not None


def worded(
    task: Any,
    inventory: Any,
    rules: Sequence[Any],
    masks: Mapping[str, npt.NDArray[np.bool_]],
) -> Worded | None:
    """`masks` in `task`'s dialect (its own constraints and `rules` name the taints); None: ECS.

    The front end's `words` hook is called as `words(inventory, rules, masks)`.
    """
    words = _hook(task, "words")
    if words is None:
        return None
    out: Worded = words(inventory, (*getattr(task, "constraints", ()), *rules), masks)
    return out


def summary(task: Any, available: int, total: int, counts: Mapping[str, int]) -> str | None:
    """The dialect's one-line summary of a failure from `first_counts`; None for ECS.

    Kubernetes' `0/3 nodes are available: ...`. Hook: `summary(available, total, counts)`.
    """
    line = _hook(task, "summary")
    return None if line is None else str(line(available, total, counts))


def first_counts(words: Worded, n: int) -> dict[str, int]:
    """Each excluded instance under every reason of its first failing group.

    As the dialect counts a failure (Kubernetes' `0/N nodes are available: ...`), in the
    dialect's order.
    """
    if not words:
        return {}  # nothing refused (every instance fits, or there are none): no first group
    groups = sorted({group for _, group, _ in words})
    failing = np.zeros((len(groups), n), dtype=bool)
    for _, group, mask in words:
        failing[groups.index(group)] |= mask
    first = np.where(failing.any(axis=0), failing.argmax(axis=0), -1)
    counts: dict[str, int] = {}
    for reason, group, mask in words:
        count = int((mask & (first == groups.index(group))).sum())
        if count:
            counts[reason] = counts.get(reason, 0) + count
    return counts
