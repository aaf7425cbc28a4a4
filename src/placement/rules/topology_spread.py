"""`topologySpread(FIELD, maxSkew=K, minDomains=M)`: Kubernetes' spread with DoNotSchedule.

SEMANTICS.md §8. The domains are the FIELD values of the instances that are ACTIVE, connected
and inside every `memberOf` in force (resources aside); count(d) is the group's tasks on those
instances with value d. An instance of domain d may take a copy only while
count(d) + 1 - globalMin <= K, globalMin being the least count over the domains (0 while there
are fewer than M domains). The answer on one row depends on every domain's count, so the rule
binds the `memberOf` rules in force (`among`) and is asked again over every row after a commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import numpy as np

from ..errors import PlacementInputError
from .base import Bools, Constraint, Ints, TaskLike, ZoneGate
from .max_per import MAX_PER_LIMIT, rule_field, split_arguments, text_number, whole_number
from .member_of import MemberOf
from .read import register_constraint, shown

if TYPE_CHECKING:
    from ..instance import Instance
    from .relaxation import Relaxation
    from .view import View

__all__ = ["TopologySpread", "TOPOLOGY_SPREAD"]

TOPOLOGY_SPREAD = "TopologySpread placement constraint unsatisfied."

USAGE = (
    "topologySpread(FIELD, maxSkew=K, minDomains=M), e.g. "
    "topologySpread(attribute:ecs.availability-zone, maxSkew=1)"
)


def _field(value: Any) -> str:
    return rule_field("topologySpread", value)


def _skew(value: Any) -> int:
    return whole_number("topologySpread", "maxSkew", value)


def _domains(value: Any) -> int:
    return whole_number("topologySpread", "minDomains", value)


@register_constraint("topologySpread")
@attrs.frozen
class TopologySpread(Constraint):
    """No domain (FIELD value) more than `max_skew` tasks of the group above the least one."""

    reason: ClassVar[str] = TOPOLOGY_SPREAD
    reads_placements: ClassVar[bool] = True
    rank: ClassVar[int] = 80
    for_daemons: ClassVar[bool] = False

    field: str = attrs.field(converter=_field)
    max_skew: int = attrs.field(converter=_skew)
    min_domains: int = attrs.field(default=1, converter=_domains)
    domain_rules: tuple[Constraint, ...] = attrs.field(default=(), eq=False, repr=False)
    """The `memberOf` rules in force, which decide the domains (bound by `among`)."""

    @property
    def attribute(self) -> str | None:
        """The attribute whose values are the domains; None for `instanceId`/`host`."""
        return self.field[len("attribute:") :] if self.field.startswith("attribute:") else None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> TopologySpread:
        """`{"type": "topologySpread", "field": FIELD, "maxSkew": K, "minDomains": M}`."""
        min_domains = item.get("minDomains")
        return cls(item.get("field"), item.get("maxSkew"),
                   1 if min_domains is None else min_domains)  # fmt: skip

    @classmethod
    def from_text(cls, argument: str | None) -> TopologySpread:
        """`topologySpread(FIELD, maxSkew=K)`, optionally with `, minDomains=M`."""
        parts = split_arguments("topologySpread", argument, USAGE)
        named: dict[str, str] = {}
        for part in parts[1:]:
            name, equals, value = part.partition("=")
            name = name.strip()
            if not equals or name not in ("maxSkew", "minDomains"):
                raise PlacementInputError(
                    f"topologySpread: {shown(part)} is not maxSkew=K or minDomains=M; {USAGE}"
                )
            if name in named:
                raise PlacementInputError(f"topologySpread: {name} given twice")
            named[name] = value
        if "maxSkew" not in named:
            raise PlacementInputError(f"topologySpread needs maxSkew=K: {USAGE}")
        return cls(parts[0], text_number(named["maxSkew"]),
                   text_number(named.get("minDomains", "1")))  # fmt: skip

    def among(self, rules: Sequence[Constraint]) -> TopologySpread:
        """Bound to the `memberOf` rules in force: they decide which instances define domains."""
        return attrs.evolve(
            self, domain_rules=tuple(rule for rule in rules if isinstance(rule, MemberOf))
        )

    # -- what the engines ask ---------------------------------------------------------------

    def _zones(self, view: View) -> tuple[Ints, int]:
        """Each row's domain code, and the code of rows lacking FIELD."""
        if self.attribute is None:
            return np.arange(len(view), dtype=np.int64), len(view)
        return view.zones(self.attribute)

    # -- what a variant may change (Kubernetes' pod topology spread, k8s/spread.py) ----------

    active_only: ClassVar[bool] = True
    """Whether only ACTIVE, connected instances define domains (Kubernetes: every node)."""

    def counted(self, view: View, task: TaskLike) -> Ints:
        """Per row, the tasks counted in its domain now (here: the group's tasks)."""
        return view.group_count(task.group)

    def self_count(self, task: TaskLike) -> int:
        """What one more copy adds to its domain's count (1; 0 where it is not counted)."""
        return 1

    def reference_count(self, inst: Instance, task: TaskLike) -> int:
        """`counted` on one instance, for the reference placer."""
        return inst.task_groups.get(task.group, 0)

    def _defining(self, view: View, task: TaskLike) -> Bools:
        """Rows that define domains: ACTIVE, connected, inside every bound `memberOf`."""
        inventory = view.inventory
        out: Bools = np.ones(len(view), dtype=bool)
        if self.active_only:
            active = inventory.status.codes == inventory.status.index.get("ACTIVE", -3)
            out = active & inventory.agent_connected
        for rule in self.domain_rules:
            out = out & ~np.asarray(rule.excluded(view, task), dtype=bool)
        return out

    def zone_gate(self, view: View, task: TaskLike) -> ZoneGate | None:
        """The domains and their counts, as the batch placer's event loop gates zones.

        None when a `memberOf` in force reads placements: the domains would move as copies
        are placed, so the engines ask `excluded` copy by copy instead.
        """
        if any(rule.reads_placements for rule in self.domain_rules) or self.self_count(task) != 1:
            return None
        zones, missing = self._zones(view)
        defining = self._defining(view, task) & (zones != missing)
        counts = self.counted(view, task)
        per_zone = np.bincount(zones[defining], weights=counts[defining], minlength=missing + 1)
        domain = np.zeros(missing + 1, dtype=bool)
        domain[zones[defining]] = True
        return ZoneGate(zones, per_zone.astype(np.int64), domain, self.max_skew, self.min_domains,
                        zones == missing)  # fmt: skip

    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows whose domain is `max_skew` above the least domain; rows lacking FIELD."""
        zones, missing = self._zones(view)
        defining = self._defining(view, task) & (zones != missing)
        counts = self.counted(view, task)
        per_zone = np.bincount(zones[defining], weights=counts[defining], minlength=missing + 1)
        domains = np.unique(zones[defining])
        low = int(per_zone[domains].min()) if len(domains) >= self.min_domains else 0
        step = self.self_count(task)
        refused: Bools = (per_zone[zones] + step - low > self.max_skew) | (zones == missing)
        return refused

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """One instance at a time, as SEMANTICS.md §8 reads."""
        outside = [rule.reference_excluded(instances, task) for rule in self.domain_rules]

        def value(i: int, inst: Instance) -> str | None:
            return str(i) if self.attribute is None else inst.attributes.get(self.attribute)

        count: dict[str, int] = {}
        for i, inst in enumerate(instances):
            defines = not self.active_only or (inst.status == "ACTIVE" and inst.agent_connected)
            defines = defines and not any(refused[i] for refused in outside)
            d = value(i, inst)
            if defines and d is not None:
                count[d] = count.get(d, 0) + self.reference_count(inst, task)
        low = min(count.values()) if len(count) >= self.min_domains else 0
        step = self.self_count(task)
        return [
            d is None or count.get(d, 0) + step - low > self.max_skew
            for d in (value(i, inst) for i, inst in enumerate(instances))
        ]

    def relaxations(self, view: View, task: TaskLike, count: int) -> Iterable[Relaxation]:
        """§10: maxSkew raised one at a time, and minDomains lowered one at a time.

        A domain's count never passes the group's tasks in the whole inventory plus `count`,
        so a maxSkew past that closes no domain: the family ends there. A lower minDomains
        only ever takes the least count over domains into account sooner (0 otherwise), so
        each step refuses no row the one before admits.
        """
        from .relaxation import Relaxation, Step, Steps

        top = min(MAX_PER_LIMIT, int(view.group_count(task.group).sum()) + count)

        def change(name: str, old: int, new: int) -> dict[str, Any]:
            return {"constraint": str(self), name: {"from": old, "to": new}}

        def skew(i: int) -> Step:
            new = attrs.evolve(self, max_skew=self.max_skew + 1 + i)
            return Step(new, change("maxSkew", self.max_skew, new.max_skew),
                        f"Raise maxSkew from {self.max_skew} to {new.max_skew} in {self}.")

        def domains(i: int) -> Step:
            new = attrs.evolve(self, min_domains=self.min_domains - 1 - i)
            return Step(new, change("minDomains", self.min_domains, new.min_domains),
                        f"Lower minDomains from {self.min_domains} to {new.min_domains} in "
                        f"{self}.")  # fmt: skip

        return [
            Relaxation("raise-max-skew", steps=Steps(top - self.max_skew, skew)),
            Relaxation("lower-min-domains", steps=Steps(self.min_domains - 1, domains)),
        ]

    def to_ecs(self) -> dict[str, Any]:
        """`{"type": "topologySpread", "field": ..., "maxSkew": K, "minDomains": M}`."""
        return {"type": "topologySpread", "field": self.field, "maxSkew": self.max_skew,
                "minDomains": self.min_domains}  # fmt: skip

    def __str__(self) -> str:
        return (f"topologySpread({self.field}, maxSkew={self.max_skew}, "
                f"minDomains={self.min_domains})")  # fmt: skip

    def __repr__(self) -> str:
        from ..render import shorten

        return f"<TopologySpread {shorten(self.field, 180)} {self.max_skew} {self.min_domains}>"

