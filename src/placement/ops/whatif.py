"""What-if questions (SEMANTICS.md §7): how many more copies fit, how many instances a count needs.

Both rest on one property of §3: a placed copy changes only the instance it goes to (its
resources, host ports, `runningTasksCount` and task groups), and whether an instance takes a
copy reads only that instance. So every instance can take a fixed number of copies `c_i`,
whatever the order or the strategy, and placing stops exactly when every instance is full:
`place` with any count places `min(count, sum(c_i))` copies. The capacities are computed at
once, over columns: from resources (`cpu // task.cpu`, ..., one copy when the task binds host
ports or under `distinctInstance`) and, for `memberOf` expressions that read
`runningTasksCount` or `task:group`, from the instance's state after its j-th copy, probed only
where those expressions can change value. `place` is the oracle the tests hold this to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementError, PlacementInputError
from ..instance import Instance
from ..inventory import PROVIDER_ATTRIBUTE, Inventory
from ..model import INSTANCE_FIELDS, FrozenMap
from ..place import reasons as R
from ..place.api import place
from ..place.capacity import (
    MAX_PLACED,
    UNLIMITED,
    capacities,
    counted_capacities,
    rule_capacity,
)
from ..place.inputs import check_inputs as _place_inputs
from ..place.masks import constraint_rules, first_reasons, reason_masks
from ..place.names import names_checked
from ..place.providers import (
    ProviderFailure,
    ProviderItem,
    assign,
    copy_index,
    coupled,
    only_provider,
    provider_counts,
    provider_reasons,
    provider_strategy,
)
from ..place.result import PlacementResult
from ..place.task import TaskSpec
from ..rules.base import USER_RANK, Constraint, Strategy
from ..rules.view import View
from ..syntax.ast import Expression, SubjectKind
from .templates import refuse_unusable_templates

__all__ = [
    "Headroom", "InstancesNeeded", "headroom", "instances_needed", "capacities", "MAX_LIMIT",
]  # fmt: skip

Ints = npt.NDArray[np.int64]



@attrs.frozen
class Headroom:
    """How many more copies of a task would still place, and why the next one fits nowhere.

    `copies` is what `place` with a large count would place; `reasons` counts, per ECS reason,
    the instances that refuse the copy after those (each under its first reason, ECS's order),
    as the failure record of that placement would (a Kubernetes or Nomad task's in its own
    words and counting, as its `Failure.reasons`). A task that reserves nothing (no CPU,
    memory, GPU, host port, no `distinctInstance`) on an instance that keeps accepting it has
    `unbounded` headroom: `copies` is then None and `reasons` empty.
    """

    copies: int | None
    reasons: Mapping[str, int] = attrs.field(converter=FrozenMap)
    unbounded: bool = False
    provider: str | None = None
    """With a capacity provider strategy: the provider of the first copy that fits nowhere
    (its instances are the ones `reasons` counts)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: `copies` (null when unbounded), `unbounded`, `reasons`.

        `capacityProvider` too when a provider strategy was given and a copy fails.
        """
        out: dict[str, Any] = {"copies": self.copies, "unbounded": self.unbounded,
                               "reasons": dict(self.reasons)}  # fmt: skip
        if self.provider is not None:
            out["capacityProvider"] = self.provider
        return out

    def __repr__(self) -> str:
        from ..text import reason_counts, shorten

        copies = "unbounded" if self.unbounded else f"{self.copies} more copies"
        counts = reason_counts(self.reasons)
        return f"<Headroom {copies}{'; ' + shorten(counts, 80) if counts else ''}>"

    def _repr_html_(self) -> str:
        """An HTML table for notebooks: the copies that fit, why the next one does not."""
        from ..render import headroom_html

        return headroom_html(self)


@attrs.frozen(eq=False)
class InstancesNeeded:
    """The fewest new instances (from templates) that let all `count` copies place.

    `instances` is that number k (0 when the inventory suffices) and `placements` the
    `PlacementResult` of placing the copies on the inventory plus those k instances. When no k
    up to `limit` works, `instances` and `placements` are None and `reasons` counts why the
    template instances refuse the task (each filled with the copies it can take, under the
    first reason it refuses one more; in the task's dialect, as `Headroom.reasons`).
    """

    instances: int | None
    placements: PlacementResult | None
    count: int
    limit: int
    reasons: Mapping[str, int] = attrs.field(factory=FrozenMap, converter=FrozenMap)
    by_provider: Mapping[str, int] = attrs.field(factory=FrozenMap, converter=FrozenMap)
    """With a capacity provider strategy: the new instances per provider (strategy order)."""
    provider: str | None = None
    """With a capacity provider strategy and no answer: the provider that cannot be grown."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; `placements` is the placement's own `to_dict()`, or null.

        With a capacity provider strategy also `by_provider` and, when there is no answer,
        `capacityProvider`.
        """
        out: dict[str, Any] = {
            "instances": self.instances,
            "count": self.count,
            "limit": self.limit,
            "reasons": dict(self.reasons),
            "placements": None if self.placements is None else self.placements.to_dict(),
        }
        if self.by_provider:
            out["by_provider"] = dict(self.by_provider)
        if self.provider is not None:
            out["capacityProvider"] = self.provider
        return out

    def __repr__(self) -> str:
        if self.instances is None:
            return f"<InstancesNeeded none up to {self.limit} for {self.count} copies>"
        return f"<InstancesNeeded {self.instances} new instances for {self.count} copies>"

    def _repr_html_(self) -> str:
        """HTML for notebooks: the placement on the grown inventory, or why templates stop."""
        from ..render import instances_needed_html

        return instances_needed_html(self)


# -- capacities ---------------------------------------------------------------------------------


def _full_state(inventory: Inventory, task: TaskSpec, copies: Ints) -> Inventory:
    """The instances' state after each took `copies[i]` copies (the task rows left out).

    Derived from the declared fields' `consumed_by`, as the state update is; the task table is
    not extended, since this state is only read for its reasons.
    """
    rows = np.flatnonzero(copies)
    columns = inventory.columns()
    for spec in INSTANCE_FIELDS:
        how, column = spec.consumed_by, columns[spec.name]
        if how is None:
            continue
        if how == "+":
            columns[spec.name] = column + copies
        elif how == "+group":
            columns[spec.name] = column.adding(rows, task.group, copies[rows])
        elif how.startswith("-"):
            columns[spec.name] = column - copies * getattr(task, how[1:])
        elif how.startswith("|"):
            columns[spec.name] = column.adding(rows, getattr(task, how[1:]))
    return Inventory(columns, inventory.tasks.columns())


def _reasons_when_full(
    inventory: Inventory, task: TaskSpec, rules: Sequence[Constraint], copies: Ints
) -> dict[str, int]:
    full = _full_state(inventory, task, copies)
    masks = reason_masks(full, task, rules)
    words = R.worded(task, full, rules, masks)  # a Kubernetes task's, as its scheduler counts
    if words is not None:
        return R.first_counts(words, len(full))
    return first_reasons(masks, len(full))[1]


# -- headroom -----------------------------------------------------------------------------------


def headroom(
    inventory: Inventory,
    task: TaskSpec,
    *,
    constraints: Iterable[Any] = (),
    strategy: Iterable[Any] = (),
    capacity_provider_strategy: Iterable[Any] | None = None,
) -> Headroom:
    """How many more copies of `task` would place, and why the next one would fit nowhere.

    Equal to `place(inventory, task, count, ...).placed` for any count past it, with that
    placement's failure reasons (SEMANTICS.md §7). Where every rule says its capacity the
    strategy cannot change the answer: each copy changes only its own instance, so every order
    fills the same instances, counted over columns without placing (its cost does not grow
    with the copies). A rule that couples instances (`maxPer` or `topologySpread` over a zone,
    a user's rule that reads placements) is answered by placing with the strategy given: the
    count stays, but which instances fill decides the next copy's reasons (a `random` strategy
    draws afresh, as `place` without a seed does).

    With a `capacity_provider_strategy` (§9) the headroom is the number of copies `place`
    with that strategy places before the first copy that fits on none of its provider's
    instances (later copies of other providers may still place: ECS keeps that one
    PROVISIONING). `provider` names that copy's provider and `reasons` count its instances
    only, as its `ProviderFailure` does. Each provider's capacity is counted over columns and
    the copy that first exceeds one is found in closed form from the split; constraints that
    couple providers (`maxPer`, `topologySpread`, a user's rule) are answered by placing,
    where the strategy given can change the answer.
    """
    rules, chain = _place_inputs(inventory, task, 0, constraints, strategy)
    if capacity_provider_strategy is not None:
        items = provider_strategy(capacity_provider_strategy)
        return _provider_headroom(inventory, task, rules, chain, items)
    caps, exact = counted_capacities(inventory, task, rules)
    if not exact:
        return _headroom_by_placing(inventory, task, rules, chain)
    if (caps == UNLIMITED).any():
        return Headroom(None, {}, unbounded=True)
    copies = sum(caps.tolist())  # Python ints: 100,000 capacities near 2**53 overflow int64
    return Headroom(copies, _reasons_when_full(inventory, task, rules, caps))


HEADROOM_SEARCH_LIMIT = 100_000
"""Copies headroom places one by one, at most, when a user's rule cannot say its capacity and
nothing else bounds the copies; if they all fit, the headroom is reported unbounded."""


def _search_bound(inventory: Inventory, task: TaskSpec, rules: Sequence[Constraint]) -> int:
    """Copies a headroom search by placing tries, at most, else the search limit.

    What resources and the rules that never read placements allow: a rule that reads them is
    no bound, since it may refuse an instance now and take it later (`topologySpread`'s gate
    opens as the other zones fill).
    """
    in_force = constraint_rules(rules, task)
    static = [rule for rule in in_force if not rule.reads_placements]
    caps, _ = counted_capacities(inventory, attrs.evolve(task, constraints=()), static)
    # A refusal that never lifts bounds the copies too (a capacity per instance, a cap per
    # zone: `maxPer`): without them the search places far more copies than can ever fit.
    view = View(inventory)
    zoned: int | None = None
    for rule in in_force:
        if not rule.reads_placements:
            continue
        alive = np.flatnonzero(caps > 0)
        cap = rule_capacity(rule, inventory, alive, task, UNLIMITED)
        if cap is not None:
            caps[alive] = np.minimum(caps[alive], cap)
            continue
        zone_caps = rule.zone_caps(view, task)
        if zone_caps is not None:
            held = np.minimum(caps, HEADROOM_SEARCH_LIMIT).astype(np.float64)
            per_zone = np.bincount(zone_caps.zones, weights=held, minlength=len(zone_caps.room))
            allowed = int(np.minimum(per_zone, np.maximum(zone_caps.room, 0)).sum())
            zoned = allowed if zoned is None else min(zoned, allowed)
    bound = HEADROOM_SEARCH_LIMIT if bool((caps == UNLIMITED).any()) else sum(caps.tolist())
    return bound if zoned is None else min(bound, zoned)


def _headroom_by_placing(
    inventory: Inventory,
    task: TaskSpec,
    rules: Sequence[Constraint],
    chain: Sequence[Strategy] = (),
) -> Headroom:
    """Headroom when a rule reads placements without saying its capacity: place copy by copy.

    `_search_bound` bounds the copies. The batch placer keeps its fast
    path for rules that say zone caps or a zone gate (`maxPer`, `topologySpread`) and asks any
    other rule again after every commit (the per-copy loop).
    """
    from ..place.batch import place_batch

    # With the strategy: the copies land where `place` puts them, so the failure's reasons
    # are that placement's (without it, a zone's copies could sit on other instances).
    bound = _search_bound(inventory, task, rules)
    result = place_batch(inventory, task, bound + 1, rules, tuple(chain), None)
    if not result.failed:
        return Headroom(None, {}, unbounded=True)
    return Headroom(result.placed, result.failures[0].reasons)


def _provider_headroom(
    inventory: Inventory,
    task: TaskSpec,
    rules: tuple[Constraint, ...],
    chain: tuple[Strategy, ...],
    items: tuple[ProviderItem, ...],
) -> Headroom:
    """Headroom under a capacity provider strategy (see `headroom`)."""
    counts = provider_counts(inventory, task.group, items)
    first: tuple[int, int, Ints] | None = None  # (copy index, item, capacities) of the failure
    if not coupled(rules, ()):
        for k, item in enumerate(items):
            caps, exact = counted_capacities(inventory, task,
                                             (*rules, only_provider(item.capacity_provider)))
            if not exact:
                return _provider_headroom_by_placing(inventory, task, rules, chain, items)
            if (caps == UNLIMITED).any():
                continue
            at = copy_index(counts, items, k, sum(caps.tolist()) + 1)
            if at is not None and (first is None or at < first[0]):
                first = (at, k, caps)
        if first is None:
            return Headroom(None, {}, unbounded=True)
        at, k, caps = first
        name = items[k].capacity_provider
        full = _full_state(inventory, task, caps)
        return Headroom(at, provider_reasons(full, reason_masks(full, task, rules), name),
                        provider=name)  # fmt: skip
    return _provider_headroom_by_placing(inventory, task, rules, chain, items)


def _provider_headroom_by_placing(
    inventory: Inventory,
    task: TaskSpec,
    rules: tuple[Constraint, ...],
    chain: tuple[Strategy, ...],
    items: tuple[ProviderItem, ...],
) -> Headroom:
    """Headroom under a provider strategy by placing: the first failed copy's index.

    The copies before the first failure place as they would alone (a placement of n copies
    is the first n steps of a longer one), so a second placement of exactly that many plus
    one gives the failure's reasons at the moment it fails.
    """
    bound = _search_bound(inventory, task, rules)
    result = place(inventory, task, bound + 1, constraints=rules, strategy=chain,
                   capacity_provider_strategy=items)  # fmt: skip
    if not result.failures:
        return Headroom(None, {}, unbounded=True)
    at = min(f.index for f in result.failures)
    exact = place(inventory, task, at + 1, constraints=rules, strategy=chain,
                  capacity_provider_strategy=items)  # fmt: skip
    (failure,) = exact.failures
    provider = failure.provider if isinstance(failure, ProviderFailure) else None
    return Headroom(at, failure.reasons, provider=provider)


# -- instances needed ---------------------------------------------------------------------------


def _template_list(templates: Any) -> list[Instance]:
    if isinstance(templates, (Instance, Mapping)):
        if isinstance(templates, Mapping) and "containerInstances" in templates:
            templates = templates["containerInstances"]
        else:
            templates = [templates]
    if isinstance(templates, (str, bytes)) or not isinstance(templates, Iterable):
        raise PlacementInputError(
            "templates: expected container instance documents or Instances, got "
            f"{type(templates).__name__}"
        )
    out: list[Instance] = []
    for position, item in enumerate(templates):
        if isinstance(item, Instance):
            out.append(item)
        elif isinstance(item, Mapping):
            try:
                out.append(Instance.from_ecs(item))
            except PlacementError as exc:
                raise PlacementInputError(f"templates[{position}]: {exc}") from None
        else:
            raise PlacementInputError(
                f"templates[{position}]: expected a container instance document or an "
                f"Instance, got {type(item).__name__}"
            )
    if not out:
        raise PlacementInputError("templates: at least one template is needed")
    return out


class _Fresh:
    """New instances from templates, round-robin, each with an ARN and EC2 id not in use."""

    def __init__(self, inventory: Inventory, templates: list[Instance], serial: int = 0) -> None:
        self.templates = templates
        self.used = {str(arn) for arn in inventory.ids}
        self.made: list[Instance] = []
        self._serial = serial  # numbers new ARNs and ids: a later _Fresh starts after it

    def first(self, k: int) -> list[Instance]:
        while len(self.made) < k:
            template = self.templates[len(self.made) % len(self.templates)]
            base = template.arn.rsplit("/", 1)[0] if "/" in template.arn else template.arn
            while True:
                self._serial += 1
                arn = f"{base}/new-{self._serial}"
                if arn not in self.used:
                    break
            self.used.add(arn)
            new = attrs.evolve(
                template,
                arn=arn,
                ec2_instance_id=f"i-new-{self._serial}",
                running_tasks_count=0,
                task_groups={},
            )
            self.made.append(new)
        return self.made[:k]


class _Grown:
    """The inventory plus k new instances, built once for the largest k asked so far."""

    def __init__(self, inventory: Inventory, fresh: _Fresh) -> None:
        self.inventory = inventory
        self.fresh = fresh
        self.built = -1
        self.whole = inventory

    def with_new(self, k: int) -> Inventory:
        n = len(self.inventory)
        if k == 0:
            return self.inventory
        if k > self.built:
            size = max(k, 2 * self.built)
            # Columnar append: the existing inventory is never turned into objects.
            self.whole = self.inventory.appending(Inventory.from_instances(self.fresh.first(size)))
            self.built = size
        if k == self.built:
            return self.whole
        return self.whole.select(np.arange(n + k))


def _smallest_k(have: int, count: int, caps: Sequence[int]) -> int:
    """Fewest round-robin instances with capacities `caps` (some positive) to reach `count`."""
    need = count - have
    per_cycle = sum(caps)
    cycles = max(0, (need - 1) // per_cycle)
    k, have = cycles * len(caps), have + cycles * per_cycle
    while have < count:
        have += caps[k % len(caps)]
        k += 1
    return k


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PlacementInputError(f"{name} must be a non-negative int, got {value!r}")
    return value


MAX_LIMIT = 100_000
"""The most new instances `instances_needed` may add (`limit`): each costs about 2 KB while the
question is answered, so the largest search stays near 200 MB."""


def _reads_identity(rules: Sequence[Constraint], task: TaskSpec) -> bool:
    """Whether a rule may read what tells new instances apart (their EC2 ids or ARNs).

    A memberOf says so through its expression; a user's rule might read anything.
    """
    for rule in constraint_rules(rules, task):
        expression = getattr(rule, "expression", None)
        if isinstance(expression, Expression):
            if any(leaf.subject.kind is SubjectKind.EC2_INSTANCE_ID
                   for leaf in expression.leaves()):  # fmt: skip
                return True
        elif rule.rank >= USER_RANK:
            return True
    return False


def instances_needed(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    templates: Any,
    *,
    constraints: Iterable[Any] = (),
    strategy: Iterable[Any] = (),
    limit: int = 10_000,
    capacity_provider_strategy: Iterable[Any] | None = None,
) -> InstancesNeeded:
    """The fewest new instances such that all `count` copies of `task` place (SEMANTICS.md §7).

    `templates` are DescribeContainerInstances elements (or a whole response) or `Instance`s.
    The i-th new instance copies template i mod t with a fresh ARN (`<template's prefix>/new-N`)
    and EC2 id (`i-new-N`) and no tasks, and is appended after the existing instances; its
    remaining resources and reserved ports are the template's as given. The answer is computed
    from capacities, then checked by placing: k copies place, k - 1 do not. When new instances
    are needed, a template that cannot take one copy as a fresh instance of its own (its clones
    would take none) raises `PlacementInputError` naming it and its reasons. When no k up to
    `limit` works, `instances` is None and `reasons` says why the template instances refuse.
    `limit` is at most `MAX_LIMIT` (100,000) and `count` at most `MAX_PLACED` (every copy must
    place); larger values are refused up front.

    With a `capacity_provider_strategy` (§9) the copies split over the providers first, and
    each provider grows from its own templates: a template's `capacityProviderName` (or its
    `ecs.capacity-provider` attribute) decides which provider it grows. A template without
    one is refused (`PlacementInputError`): its instances would belong to no provider and
    take no copy. Templates of providers the strategy does not name are never used. A
    provider whose instances take its share needs no template; one that needs instances and
    has no template, or none up to `limit` (per provider), gives no answer, with `provider`
    naming it. Each provider's new instances (the i-th copying its template i mod t) are
    appended after the existing instances, provider by provider in the strategy's order;
    `instances` is their total and `by_provider` the count per provider. Constraints that
    couple providers (`maxPer`, `topologySpread`, a user's rule) are refused with a strategy.
    """
    fresh = _template_list(templates)
    # A rule may name an attribute only the templates have (the reason to add them): no warning.
    known = {name for template in fresh for name in template.attributes}
    rules, chain = _place_inputs(inventory, task, _count(count, "count"), constraints, strategy,
                                 known=known)  # fmt: skip
    limit = _count(limit, "limit")
    if limit > MAX_LIMIT:
        raise PlacementInputError(f"limit must be at most MAX_LIMIT ({MAX_LIMIT:,}), got {limit:,}")
    if count > MAX_PLACED:
        raise PlacementInputError(
            f"count must be at most MAX_PLACED ({MAX_PLACED:,}) copies placed in one call, "
            f"got {count:,}"
        )
    with names_checked():  # the placements tried below check the same rules again
        if capacity_provider_strategy is not None:
            items = provider_strategy(capacity_provider_strategy)
            return _provider_needed(inventory, task, count, fresh, rules, chain, limit, items)
        return _needed(inventory, task, count, _Fresh(inventory, fresh), rules, chain, limit)


def _needed(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    fresh: _Fresh,
    rules: tuple[Constraint, ...],
    chain: tuple[Strategy, ...],
    limit: int,
) -> InstancesNeeded:
    """`instances_needed` on checked inputs, new instances made by `fresh`."""
    caps = capacities(inventory, task, rules)
    have = sum(caps.tolist()) if not (caps == UNLIMITED).any() else count
    grown = _Grown(inventory, fresh)

    def attempt(k: int) -> PlacementResult:
        return place(grown.with_new(k), task, count, constraints=rules, strategy=chain, seed=0)

    def refused() -> InstancesNeeded:
        # Why the template instances (one new instance each, filled) refuse one more copy.
        sample = Inventory.from_instances(fresh.first(len(fresh.templates)))
        sample_caps = np.minimum(capacities(sample, task, rules), count)
        return InstancesNeeded(None, None, count, limit,
                               _reasons_when_full(sample, task, rules, sample_caps))  # fmt: skip

    k = 0
    if have < count:
        # One new instance per template: what each takes (new instances differ only by name).
        sample = Inventory.from_instances(fresh.first(len(fresh.templates)))
        # New instances are needed: a template whose clones would take nothing is refused.
        refuse_unusable_templates(sample, fresh.templates, task, rules,
                                  _reads_identity(rules, task))  # fmt: skip
        sample_caps = np.minimum(capacities(sample, task, rules), count)  # UNLIMITED: all
        fits = bool((sample_caps > 0).any())
        k = _smallest_k(have, count, sample_caps.tolist()) if fits else limit + 1
        if k > limit:
            if not _reads_identity(rules, task):
                return refused()
            # Later new instances have other ids than the sample's: only placing tells.
            return _search(attempt, count, limit, 0, limit) or refused()
    result = attempt(k)
    if result.failed:
        # The capacities missed something only placing shows (a memberOf telling new instances
        # apart by their ids): search by placing, which is monotone in k.
        return _search(attempt, count, limit, k + 1, limit) or refused()
    if k and not attempt(k - 1).failed:
        return _search(attempt, count, limit, 0, k - 1) or refused()
    return InstancesNeeded(k, result, count, limit)


def _template_provider(template: Instance) -> str | None:
    """The provider a template grows: its `ecs.capacity-provider` (its own attribute wins)."""
    named = template.attributes.get(PROVIDER_ATTRIBUTE, template.capacity_provider)
    return named if isinstance(named, str) else None


def _provider_needed(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    templates: list[Instance],
    rules: tuple[Constraint, ...],
    chain: tuple[Strategy, ...],
    limit: int,
    items: tuple[ProviderItem, ...],
) -> InstancesNeeded:
    """`instances_needed` under a provider strategy (see there): provider by provider.

    Without constraints that couple providers, a provider's copies place among its own
    instances whatever the others do, so each provider's fewest new instances are found
    alone (on the inventory grown by the earlier providers, whose new instances it cannot
    use) and the sum is the fewest in all; the whole is checked by placing once.
    """
    if coupled(rules, ()):
        raise PlacementInputError(
            "instances_needed with a capacity provider strategy takes memberOf and "
            "distinctInstance constraints only (maxPer, topologySpread and user rules couple "
            "the providers)"
        )
    mine: dict[str, list[Instance]] = {}
    for position, template in enumerate(templates):
        name = _template_provider(template)
        if name is None:
            raise PlacementInputError(
                f"templates[{position}]: no capacityProviderName: with a capacity provider "
                "strategy each template must say which provider it grows"
            )
        mine.setdefault(name, []).append(template)
    who = assign(provider_counts(inventory, task.group, items), items, count)
    shares = np.bincount(who, minlength=len(items)).tolist()
    grown, serial = inventory, 0
    by_provider: dict[str, int] = {}
    for item, share in zip(items, shares, strict=True):
        name = item.capacity_provider
        if not share:
            continue
        own = (*rules, only_provider(name))
        caps = capacities(grown, task, own)
        if (caps == UNLIMITED).any() or sum(caps.tolist()) >= share:
            by_provider[name] = 0
            continue
        if name not in mine:
            full = _full_state(grown, task, np.minimum(caps, share))
            reasons = provider_reasons(full, reason_masks(full, task, rules), name)
            return InstancesNeeded(None, None, count, limit, reasons, by_provider, name)
        fresh = _Fresh(grown, mine[name], serial)
        answer = _needed(grown, task, share, fresh, own, chain, limit)
        if answer.instances is None:
            return InstancesNeeded(None, None, count, limit, answer.reasons, by_provider, name)
        by_provider[name] = answer.instances
        if answer.instances:
            grown = grown.appending(Inventory.from_instances(fresh.first(answer.instances)))
        serial = fresh._serial
    result = place(grown, task, count, constraints=rules, strategy=chain, seed=0,
                   capacity_provider_strategy=items)  # fmt: skip
    if result.failed:  # each provider was checked alone: the whole must place too
        raise AssertionError("instances_needed: the providers' answers do not place together")
    return InstancesNeeded(sum(by_provider.values()), result, count, limit, {}, by_provider)


def _search(attempt: Any, count: int, limit: int, lo: int, top: int) -> InstancesNeeded | None:
    """The smallest k in [lo, top] whose placement succeeds, or None (`top` <= `limit`).

    Placing succeeds for every k past it (more instances never place fewer copies). Found by
    doubling, then bisecting, so the instances built grow with the answer, not with `top`.
    """
    step, hi = 1, lo
    while True:
        if hi > top:
            return None
        best = attempt(hi)
        if not best.failed:
            break
        if hi >= top:
            return None
        lo, hi, step = hi + 1, min(top, hi + step), 2 * step
    while lo < hi:
        mid = (lo + hi) // 2
        result = attempt(mid)
        if result.failed:
            lo = mid + 1
        else:
            hi, best = mid, result
    return InstancesNeeded(hi, best, count, limit)
