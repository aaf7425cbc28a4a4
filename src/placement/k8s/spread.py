"""Pod topology spread (`whenUnsatisfiable: DoNotSchedule`) on the `topologySpread` machinery.

SEMANTICS.md §8 and §11, as the Kubernetes documentation ("Pod Topology Spread Constraints")
reads: the pods counted are those in the incoming pod's namespace whose labels match the
constraint's `labelSelector` (a missing selector matches none) ANDed with the incoming pod's
values of `matchLabelKeys`: existing ones not being deleted (`TERMINATING`), and the copies
placed so far in the same call (these only when the pod matches its own selector, which is
when a copy adds one to its domain).

The nodes that define domains and whose pods count (the scheduler's "eligible" nodes) are
those that have every `DoNotSchedule` constraint's `topologyKey` (a node missing any of them
is bypassed), and
* `nodeAffinityPolicy: Honor` (the default): that pass the pod's `nodeSelector` and required
  node affinity; `Ignore`: every node;
* `nodeTaintsPolicy: Ignore` (the default): taints play no part; `Honor`: only nodes without
  a `NoSchedule`/`NoExecute` taint that the pod does not tolerate;
cordoned and NotReady nodes included. A node without the constraint's own key is refused.
`ScheduleAnyway` constraints only score, so they never filter; they are read and checked as
the API server checks them, then left out.

A pod that matches its own selector adds one to a domain per copy: the batch placer's zone
gate (`ZoneGate`) then places every copy without a per-copy pass (the policies only change
which rows define domains, through `memberOf`-like rules that do not read placements). A pod
that does not match it never changes the counts, so the rule is fixed for the call
(`capacity`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import numpy as np

from ..errors import PlacementError, PlacementInputError
from ..rules.base import Constraint, Ints, TaskLike
from ..rules.max_per import MAX_PER_LIMIT
from ..rules.topology_spread import TopologySpread
from ..syntax.ast import Expression
from ..syntax.builders import attribute
from ..text import shown
from .labels import NOTHING, all_of, check_fields, check_key, selector
from .taints import Taints

if TYPE_CHECKING:
    from ..instance import Instance, Task
    from ..rules.view import View

__all__ = ["PodTopologySpread", "SPREAD_UNSATISFIED", "NAMESPACE", "TERMINATING", "LIVE",
           "spread_constraints",
           "pod_selector", "own_match", "objects", "fixed_room", "label_match",
           "reference_counts", "label_keys", "with_label_keys"]  # fmt: skip

SPREAD_UNSATISFIED = "node(s) didn't match pod topology spread constraints"
"""The failure reason, as the PodTopologySpread plugin words it."""

NAMESPACE = "_k8s/namespace"
"""The reserved task label holding a pod's namespace (no label key may begin with `_`)."""

TERMINATING = "_k8s/terminating"
"""The reserved task label (`"true"`) of a pod being deleted (`metadata.deletionTimestamp` set).

Such a pod still holds its node's resources and pod slot and counts for inter-pod affinity,
but PodTopologySpread skips it (the plugin's `countPodsMatchSelector`: "Bypass terminating
Pod", kubernetes#87621).
"""

LIVE: Expression = attribute(TERMINATING).not_exists()
"""The pods not being deleted: the ones topology spread counts."""


def pod_selector(label_selector: Any, namespace: str | None, where: str) -> Expression:
    """A `labelSelector` over the pods of `namespace` (None: no pod), as task-label terms.

    `namespace` None: the pods of every namespace (the caller adds its own namespace test).
    """
    if label_selector is None:
        return NOTHING
    if not isinstance(label_selector, Mapping):  # the API's LabelSelector is an object
        raise PlacementInputError(
            f"{where}.labelSelector: expected a LabelSelector object, got {shown(label_selector)}"
        )
    try:
        chosen = selector(label_selector)
    except PlacementError as exc:
        raise PlacementInputError(f"{where}.labelSelector: {exc}") from exc
    return chosen if namespace is None else chosen & (attribute(NAMESPACE) == namespace)


def own_match(chosen: Expression, labels: Mapping[str, str], namespace: str) -> bool:
    """Whether a pod with `labels` in `namespace` matches `chosen` (a `pod_selector`)."""
    return label_match(chosen, {**labels, NAMESPACE: namespace})


def label_match(chosen: Expression, labels: Mapping[str, str | None]) -> bool:
    """Whether one task row's `labels` (its namespace among them) match `chosen`, scalar."""
    from ..instance import Instance

    present = {key: value for key, value in labels.items() if value is not None}
    return bool(chosen.matches(Instance(arn="pod", attributes=present)))


def reference_counts(
    chosen: Sequence[Expression], own: bool, instances: Sequence[Instance], task: TaskLike,
    tasks: Sequence[Task],
) -> list[int]:  # fmt: skip
    """Per instance, the pods matching every selector of `chosen`, one task row at a time.

    For the reference placer: the original `tasks` whose labels match, by their instance's
    ARN; and, when the pod is
    counted by its own selector (`own`), its copies: the group's tasks on the instance
    (`task_groups`, the copies placed so far included) less the group's labelled rows.
    """
    matched: dict[str, int] = {}
    labelled: dict[str, int] = {}
    for row in tasks:
        if all(label_match(one, row.labels) for one in chosen):
            matched[row.instance] = matched.get(row.instance, 0) + 1
        if row.group == task.group and any(v is not None for v in row.labels.values()):
            labelled[row.instance] = labelled.get(row.instance, 0) + 1
    return [
        matched.get(inst.arn, 0)
        + (inst.task_groups.get(task.group, 0) - labelled.get(inst.arn, 0) if own else 0)
        for inst in instances
    ]


def fixed_room(rule: Constraint, view: View, task: TaskLike, count: int) -> Ints:
    """The capacity of a rule whose answer the call's copies do not change: `count` per row.

    The rows it refuses take none anyway: the engines mask them with `excluded` over every
    row, and a capacity there may be anything. It must not read `excluded` itself: engines
    may ask over a selection of the rows (`place/capacity.py` `rule_capacity`), which lacks
    the pods on the other rows that the rule counts.
    """
    room: Ints = np.full(len(view), count, dtype=np.int64)
    return room


@attrs.frozen
class PodTopologySpread(TopologySpread):
    """One `topologySpreadConstraints` item with `whenUnsatisfiable: DoNotSchedule`.

    `pods` chooses the pods counted (a `pod_selector`); `self_match` whether the incoming pod
    is one of them (it then adds one to its domain, `skew = count + 1 - globalMin`).
    """

    reason: ClassVar[str] = SPREAD_UNSATISFIED
    active_only: ClassVar[bool] = False  # every node with the key is a domain
    in_task_definition: ClassVar[bool] = True  # a pod carries it, as memberOf in ECS

    pods: Expression = attrs.field(default=NOTHING, kw_only=True)
    self_match: bool = attrs.field(default=True, kw_only=True)
    affinity_policy: str = attrs.field(default="Honor", kw_only=True)
    """`nodeAffinityPolicy`: Honor (domains pass the pod's node selection) or Ignore."""
    taints_policy: str = attrs.field(default="Ignore", kw_only=True)
    """`nodeTaintsPolicy`: Ignore (taints play no part) or Honor (untolerated: no domain)."""
    keys: tuple[str, ...] = attrs.field(default=(), kw_only=True)
    """Every `DoNotSchedule` topologyKey of the pod: a node missing one is bypassed."""
    _seen: Mapping[str, int] | None = attrs.field(default=None, kw_only=True, eq=False, repr=False)
    """The reference placer's pods counted per instance ARN (`reference_excluded_among`)."""

    def among(self, rules: Sequence[Constraint]) -> PodTopologySpread:
        """Bound to the rules that decide the eligible nodes, by the constraint's policies.

        Honor affinity: the pod's `memberOf` (its nodeSelector and required node affinity);
        Honor taints: its `Taints`; and a node must have every `DoNotSchedule` topologyKey of
        the pod. None of these reads placements, so the batch placer's zone gate still holds.
        """
        from ..rules import MemberOf

        bound: list[Constraint] = [
            rule for rule in rules
            if (isinstance(rule, MemberOf) and self.affinity_policy == "Honor")
            or (isinstance(rule, Taints) and self.taints_policy == "Honor")
        ]  # fmt: skip
        others = sorted(set(self.keys) - {self.attribute})
        if others:
            bound.append(MemberOf(all_of([attribute(key).exists() for key in others])))
        return attrs.evolve(self, domain_rules=tuple(bound))

    def counted(self, view: View, task: TaskLike) -> Ints:
        """Matching pods per node; with a self-matching pod, the copies placed (no labels).

        Pods being deleted are not counted: where the inventory has any, the selector is
        ANDed with `LIVE` (a test the inventories without them are spared).
        """
        chosen = _live(self.pods) if TERMINATING in view.inventory.tasks.labels else self.pods
        found = view.matching_count(chosen)
        if not self.self_match:
            return found
        out: Ints = found + view.unlabelled_count(task.group)
        return out

    def self_count(self, task: TaskLike) -> int:
        """1 when the pod matches its own selector, else 0."""
        return 1 if self.self_match else 0

    def reference_count(self, inst: Instance, task: TaskLike) -> int:
        """The pods counted on one instance (without the tasks: the pod's own copies only)."""
        if self._seen is not None:
            return self._seen.get(inst.arn, 0)
        return inst.task_groups.get(task.group, 0) if self.self_match else 0

    def reference_excluded_among(
        self, instances: Sequence[Instance], task: TaskLike, tasks: Sequence[Task]
    ) -> list[bool]:
        """`reference_excluded`, counting the running pods by selector one row at a time."""
        counts = reference_counts((self.pods, LIVE), self.self_match, instances, task, tasks)
        seen = {inst.arn: n for inst, n in zip(instances, counts, strict=True)}
        return attrs.evolve(self, seen=seen).reference_excluded(instances, task)

    def capacity(self, view: View, task: TaskLike, count: int) -> Ints | None:
        """A pod outside its own selector never moves the counts: all or nothing per node."""
        if self.self_match:
            return None
        return fixed_room(self, view, task, count)

    def affected(self, view: View, task: TaskLike, row: int) -> Ints | None:
        """No row, for a pod outside its own selector (its copies are not counted)."""
        return None if self.self_match else np.zeros(0, dtype=np.int64)

    def to_ecs(self) -> dict[str, Any]:
        """Refused: ECS's `topologySpread` counts a task group, not pods by selector."""
        raise PlacementInputError(f"{self} has no ECS JSON form (it counts pods by selector)")

    def __str__(self) -> str:
        policies = "".join(
            f", {name}={given}"
            for name, given, default in (("nodeAffinityPolicy", self.affinity_policy, "Honor"),
                                         ("nodeTaintsPolicy", self.taints_policy, "Ignore"))
            if given != default
        )  # fmt: skip
        return (f"topologySpreadConstraint({self.field}, maxSkew={self.max_skew}, "
                f"minDomains={self.min_domains}{policies}, labelSelector={self.pods})")  # fmt: skip

    def __repr__(self) -> str:
        return f"<PodTopologySpread {self.field} {self.max_skew} {self.min_domains}>"


@functools.lru_cache(maxsize=256)
def _live(pods: Expression) -> Expression:
    """`pods` less those being deleted (made once per selector: the memo keys on it)."""
    return pods & LIVE


INT32_MAX = 2**31 - 1


def _positive(value: Any, where: str) -> int:
    """A positive int32, as the API takes maxSkew and minDomains, held at most `MAX_PER_LIMIT`.

    Past that bound the answer does not change while no domain holds `MAX_PER_LIMIT` matching
    pods (maxSkew) and there are fewer domains than that (minDomains).
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INT32_MAX:
        raise PlacementInputError(f"{where}: expected an integer 1..{INT32_MAX}, "
                                  f"got {shown(value)}")  # fmt: skip
    return min(value, MAX_PER_LIMIT)


def objects(items: Any, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each object of a list in a pod spec, with where it stands (`where[i]`); bad ones refused."""
    if not isinstance(items, (list, tuple)):
        raise PlacementInputError(f"{where}: expected a list, got {shown(items)}")
    for position, item in enumerate(items):
        at = f"{where}[{position}]"
        if not isinstance(item, Mapping):
            raise PlacementInputError(f"{at}: expected an object, got {shown(item)}")
        yield at, item


def label_keys(
    keys: Any, label_selector: Any, where: str
) -> list[str]:
    """A `matchLabelKeys` (or `mismatchLabelKeys`) list, checked as the API server checks it.

    Each key must be a label key; the list needs a `labelSelector`; a key may not also be a
    `matchLabels` key of it. (A key among its `matchExpressions` is accepted: since Kubernetes
    1.31 the API server merges `matchLabelKeys` into `matchExpressions` when it creates the
    pod, so a pod read back from the cluster holds both, with the same meaning.)
    """
    if keys is None:
        return []
    if not isinstance(keys, (list, tuple)):
        raise PlacementInputError(f"{where}: expected a list of label keys, got {shown(keys)}")
    if keys and label_selector is None:
        raise PlacementInputError(f"{where}: must not be set when labelSelector is not set")
    fixed = label_selector.get("matchLabels") if isinstance(label_selector, Mapping) else None
    out = []
    for position, key in enumerate(keys):
        try:
            out.append(check_key(key, f"{where}[{position}]"))
        except PlacementError as exc:
            raise PlacementInputError(str(exc)) from exc
        if isinstance(fixed, Mapping) and key in fixed:
            raise PlacementInputError(
                f"{where}[{position}]: {shown(key)} is also a key of labelSelector.matchLabels"
            )
    return out


def with_label_keys(
    chosen: Expression, keys: Sequence[str], labels: Mapping[str, str], same: bool
) -> Expression:
    """`chosen` ANDed with `key in (value)` (`same`) or `key notin (value)` per key of `keys`.

    Only keys the incoming pod's `labels` hold count: the others are ignored, as documented.
    """
    for name in keys:
        if name in labels:
            equal = attribute(name) == labels[name]
            chosen = chosen & (equal if same else ~equal)
    return chosen


_POLICIES = ("Honor", "Ignore")
_SPREAD_FIELDS = ("maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector", "minDomains",
                  "nodeAffinityPolicy", "nodeTaintsPolicy", "matchLabelKeys")  # fmt: skip


def spread_constraints(
    items: Any, labels: Mapping[str, str], namespace: str, where: str
) -> list[PodTopologySpread]:
    """The `DoNotSchedule` items of a pod's `topologySpreadConstraints` as rules.

    Every item is checked as the API server checks it (`ScheduleAnyway` ones too, then left
    out: they only score); a `(topologyKey, whenUnsatisfiable)` pair may appear once.
    """
    if items is None:
        return []
    read: list[tuple[str, Mapping[str, Any], str, int, int | None, Expression]] = []
    seen: set[tuple[str, str]] = set()
    for at, item in objects(items, where):
        check_fields(item, _SPREAD_FIELDS, at)
        when = item.get("whenUnsatisfiable")
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            raise PlacementInputError(f"{at}.whenUnsatisfiable: expected DoNotSchedule or "
                                      f"ScheduleAnyway, got {shown(when)}")  # fmt: skip
        skew = _positive(item.get("maxSkew"), f"{at}.maxSkew")
        key = item.get("topologyKey")
        try:
            key = check_key(key, f"{at}.topologyKey")
        except PlacementError as exc:
            raise PlacementInputError(str(exc)) from exc
        if (key, when) in seen:
            raise PlacementInputError(
                f"{at}: a second constraint with topologyKey {shown(key)} and "
                f"whenUnsatisfiable {when} (each pair may appear once)"
            )
        seen.add((key, when))
        domains = item.get("minDomains")
        if domains is not None:
            if when != "DoNotSchedule":
                raise PlacementInputError(f"{at}.minDomains: only with DoNotSchedule")
            domains = _positive(domains, f"{at}.minDomains")
        for policy in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            given = item.get(policy)
            if given is not None and given not in _POLICIES:
                raise PlacementInputError(
                    f"{at}.{policy}: expected Honor or Ignore, got {shown(given)}"
                )
        chosen = pod_selector(item.get("labelSelector"), namespace, at)
        keys = label_keys(item.get("matchLabelKeys"), item.get("labelSelector"),
                          f"{at}.matchLabelKeys")  # fmt: skip
        chosen = with_label_keys(chosen, keys, labels, same=True)
        read.append((at, item, key, skew, domains, chosen))
    hard = [key for _, item, key, *_ in read if item["whenUnsatisfiable"] == "DoNotSchedule"]
    return [
        PodTopologySpread(
            f"attribute:{key}", skew, 1 if domains is None else domains,
            pods=chosen, self_match=own_match(chosen, labels, namespace),
            affinity_policy=item.get("nodeAffinityPolicy") or "Honor",
            taints_policy=item.get("nodeTaintsPolicy") or "Ignore",
            keys=tuple(hard),
        )
        for _, item, key, skew, domains, chosen in read
        if item["whenUnsatisfiable"] == "DoNotSchedule"  # ScheduleAnyway only scores
    ]  # fmt: skip
