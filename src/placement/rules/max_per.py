"""`maxPer(FIELD, N)`: at most N tasks of the group per instance, or per attribute value.

SEMANTICS.md §8. On `instanceId`/`host` the rule reads only the row's own count, so it says
its capacity row by row (`distinctInstance` is `maxPer(instanceId, 1)`). On `attribute:NAME`
it couples the rows of one value (a zone): it says the zones' caps instead (`zone_caps`), which
the batch placer honours without placing copy by copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from .base import Bools, Constraint, Ints, TaskLike, ZoneCaps
from .read import register_constraint, shown
from .spread import _spread_field

if TYPE_CHECKING:
    from ..instance import Instance
    from .relaxation import Relaxation
    from .view import View

__all__ = ["MaxPer", "MAX_PER", "MAX_PER_LIMIT", "rule_field", "whole_number", "text_number",
           "split_arguments"]

MAX_PER = "MaxPer placement constraint unsatisfied."
MAX_PER_LIMIT = 100_000
"""The largest N of `maxPer` (and `maxSkew`, `minDomains` of `topologySpread`)."""


def rule_field(rule: str, value: Any) -> str:
    """FIELD of `maxPer` and `topologySpread`: `instanceId`, `host` or `attribute:NAME`."""
    try:
        return _spread_field(value)  # the same fields as spread's
    except PlacementInputError:
        raise PlacementInputError(
            f"{rule} field must be instanceId, host or attribute:NAME, not {shown(value)}"
        ) from None


def whole_number(rule: str, name: str, value: Any, low: int = 1) -> int:
    """A whole number `low`..100000: an int, not a bool (JSON `"2"` is refused, as ECS would)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_PER_LIMIT:
        raise PlacementInputError(
            f"{rule} {name} must be a whole number {low}..{MAX_PER_LIMIT}, not {shown(value)}"
        )
    return value


def text_number(text: str) -> int | str:
    """A number written in rule text: its int when it is a few ASCII digits, else the text.

    Measured first, so a long run of digits is refused (by `whole_number`) before int() reads it.
    """
    text = text.strip()
    if 0 < len(text) <= len(str(MAX_PER_LIMIT)) and all(c in "0123456789" for c in text):
        return int(text)
    return text


def split_arguments(rule: str, argument: str | None, usage: str) -> list[str]:
    """The comma-separated arguments of `rule(...)` text (one pass; none may be empty)."""
    if argument is None or not argument.strip():
        raise PlacementInputError(f"{rule} needs arguments: {usage}")
    parts = [part.strip() for part in argument.split(",")]
    if any(not part for part in parts):
        raise PlacementInputError(f"{rule}: an empty argument in {shown(argument)}; {usage}")
    return parts


def _limit(value: Any) -> int:
    return whole_number("maxPer", "max", value)


def _field(value: Any) -> str:
    return rule_field("maxPer", value)


@register_constraint("maxPer")
@attrs.frozen
class MaxPer(Constraint):
    """At most `max` tasks of the group on each instance, or on each value of an attribute.

    Tasks already RUNNING and copies placed earlier in the same call count. Instances lacking
    the attribute are refused.
    """

    reason: ClassVar[str] = MAX_PER
    reads_placements: ClassVar[bool] = True
    rank: ClassVar[int] = 75

    field: str = attrs.field(converter=_field)
    max: int = attrs.field(converter=_limit)

    USAGE: ClassVar[str] = "maxPer(FIELD, N), e.g. maxPer(attribute:ecs.availability-zone, 2)"

    @property
    def attribute(self) -> str | None:
        """The attribute capped per value; None for `instanceId`/`host` (per instance)."""
        return self.field[len("attribute:") :] if self.field.startswith("attribute:") else None

    @property
    def for_daemons(self) -> bool:  # type: ignore[override]
        """Per instance only: a daemon's copies land on every instance at once."""
        return self.attribute is None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> MaxPer:
        """`{"type": "maxPer", "field": FIELD, "max": N}`."""
        return cls(item.get("field"), item.get("max"))

    @classmethod
    def from_text(cls, argument: str | None) -> MaxPer:
        """`maxPer(FIELD, N)`."""
        parts = split_arguments("maxPer", argument, cls.USAGE)
        if len(parts) != 2:
            raise PlacementInputError(f"maxPer takes two arguments, got {len(parts)}: {cls.USAGE}")
        return cls(parts[0], text_number(parts[1]))

    # -- what the engines ask ---------------------------------------------------------------

    def _counts(self, view: View, task: TaskLike) -> npt.NDArray[Any]:
        """Per row, the tasks of the group the cap counts: on the row, or on its zone."""
        if self.attribute is None:
            return view.group_count(task.group)
        zones, _ = view.zones(self.attribute)
        # +inf where the attribute is lacking: refused.
        counts: npt.NDArray[Any] = view.zone_totals(task.group, self.attribute)[zones]
        return counts

    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows whose instance (or zone) already has `max` tasks; rows lacking the attribute."""
        refused: Bools = self._counts(view, task) >= self.max
        return refused

    def affected(self, view: View, task: TaskLike, row: int) -> Ints:
        """The row itself, or every row of its zone."""
        if self.attribute is None:
            return np.array([row], dtype=np.int64)
        zones, missing = view.zones(self.attribute)
        if zones[row] == missing:
            return np.array([row], dtype=np.int64)
        return np.flatnonzero(zones == zones[row]).astype(np.int64)

    def refreshed(self, view: View, task: TaskLike, rows: Ints) -> Bools:
        """The changed rows again."""
        if self.attribute is None:
            refused: Bools = view.group_count(task.group)[rows] >= self.max
            return refused
        zones, _ = view.zones(self.attribute)
        totals = view.zone_totals(task.group, self.attribute)
        out: Bools = totals[zones[rows]] >= self.max
        return out

    def capacity(self, view: View, task: TaskLike, count: int) -> Ints | None:
        """Per instance: `max` less the group's tasks there. Per zone: None (see `zone_caps`)."""
        if self.attribute is not None:
            return None
        room: Ints = np.clip(self.max - view.group_count(task.group), 0, count).astype(np.int64)
        return room

    def zone_caps(self, view: View, task: TaskLike) -> ZoneCaps | None:
        """Per zone of the attribute, the copies it may still take (0 for rows lacking it)."""
        if self.attribute is None:
            return None
        zones, missing = view.zones(self.attribute)
        totals = view.zone_totals(task.group, self.attribute)
        room = np.where(np.isfinite(totals), np.maximum(self.max - totals, 0), 0)
        room[missing] = 0
        return ZoneCaps(zones, room.astype(np.int64))

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """Per instance: the group's tasks on it, or on every instance sharing its value."""
        if self.attribute is None:
            return [inst.task_groups.get(task.group, 0) >= self.max for inst in instances]
        totals: dict[str, int] = {}
        for inst in instances:
            value = inst.attributes.get(self.attribute)
            if value is not None:
                totals[value] = totals.get(value, 0) + inst.task_groups.get(task.group, 0)
        out = []
        for inst in instances:
            value = inst.attributes.get(self.attribute)
            out.append(value is None or totals[value] >= self.max)
        return out

    def relaxations(self, view: View, task: TaskLike, count: int) -> Iterable[Relaxation]:
        """§10: N raised one at a time, up to where no instance or value could reach it.

        Past the most tasks of the group on one instance (or value) plus `count`, no copy
        of this call can meet the cap, so a larger N changes nothing. Each step refuses no row
        the one before admits, so repair's bisection finds the least N that suffices.
        """
        from .relaxation import Relaxation, Step, Steps

        counts = np.asarray(self._counts(view, task), dtype=np.float64)
        finite = counts[np.isfinite(counts)]
        top = min(MAX_PER_LIMIT, int(finite.max(initial=0)) + count)

        def step(i: int) -> Step:
            new = MaxPer(self.field, self.max + 1 + i)  # distinctInstance becomes a maxPer
            verb = f"Raise {self} to" if type(self) is MaxPer else f"Replace {self} with"
            return Step(new, {"constraint": str(self), "max": {"from": self.max, "to": new.max}},
                        f"{verb} {new}.")  # fmt: skip

        return [Relaxation("raise-max-per", steps=Steps(top - self.max, step))]

    def to_ecs(self) -> dict[str, Any]:
        """`{"type": "maxPer", "field": FIELD, "max": N}`."""
        return {"type": "maxPer", "field": self.field, "max": self.max}

    def __str__(self) -> str:
        return f"maxPer({self.field}, {self.max})"

    def __repr__(self) -> str:
        from ..render import shorten

        return f"<MaxPer {shorten(self.field, 180)} {self.max}>"
