"""Managed scaling of capacity providers (SEMANTICS.md §9): the reservation and the size sought.

For provider P with target capacity T% (1..100): N is P's instances now; M is P's instances
that run at least one non-daemon task after the placement, plus the fewest new instances made
from P's template (§7, instances needed) that take P's copies that fitted nowhere (the
PROVISIONING tasks); the CapacityProviderReservation is 100·M/N (200 when N = 0 and M > 0, 100
when both are 0); managed scaling moves the group towards ceil(100·M/T) instances, clamped to
the group's minimum and maximum size when given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np

from ..errors import PlacementInputError
from ..instance import Instance
from ..inventory import PROVIDER_ATTRIBUTE, Inventory
from ..model import FrozenMap
from ..place.providers import ProviderFailure, only_provider, provider_rows
from ..place.result import PlacementResult
from ..rules import shown
from .templates import TemplateRefusedError
from .whatif import _template_list, instances_needed

__all__ = ["ScalingAnswer", "managed_scaling"]


@attrs.frozen
class ScalingAnswer:
    """What managed scaling does for one provider.

    `n`: its instances now; `m`: the instances it needs (busy ones plus `new` from the
    template); `reservation`: 100·M/N in percent; `desired`: the group size it moves towards;
    `provisioning`: its copies that fitted nowhere; `new`: the fewest template instances that
    take them (None when no number up to the search limit does).
    """

    provider: str
    n: int
    m: int
    reservation: float
    desired: int
    target_capacity: int
    provisioning: int = 0
    new: int | None = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (ECS's names where it has them)."""
        return {
            "capacityProvider": self.provider, "N": self.n, "M": self.m,
            "capacityProviderReservation": self.reservation, "desiredCapacity": self.desired,
            "targetCapacity": self.target_capacity, "provisioning": self.provisioning,
            "newInstances": self.new,
        }  # fmt: skip


def reservation(n: int, m: int) -> float:
    """CapacityProviderReservation: 100·M/N, 200 when N = 0 < M, 100 when both are 0."""
    if n == 0:
        return 200.0 if m > 0 else 100.0
    return 100.0 * m / n


def _size(value: Any, name: str, where: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PlacementInputError(
            f"{where}: {name} must be an int from {low} to {high}, got {shown(value)}"
        )
    return value


def _settings(providers: Any, templates: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per provider: targetCapacity, template, minSize, maxSize, from either input shape."""
    if isinstance(providers, Mapping) and "capacityProviders" in providers:
        # A DescribeCapacityProviders response, the templates given apart.
        out: dict[str, dict[str, Any]] = {}
        for item in providers["capacityProviders"] or ():
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                raise PlacementInputError("capacityProviders: each item needs a 'name'")
            group = item.get("autoScalingGroupProvider") or {}
            managed = group.get("managedScaling") or {} if isinstance(group, Mapping) else {}
            out[item["name"]] = {
                "targetCapacity": managed.get("targetCapacity", 100),
                "template": (templates or {}).get(item["name"]),
                "minSize": group.get("minSize"), "maxSize": group.get("maxSize"),
            }  # fmt: skip
        return out
    if not isinstance(providers, Mapping):
        raise PlacementInputError(
            f"providers must map each provider's name to its settings, got {shown(providers)}"
        )
    out = {}
    for name, item in providers.items():
        if not isinstance(name, str) or not isinstance(item, Mapping):
            raise PlacementInputError(f"providers[{shown(name)}]: expected a mapping of settings")
        out[name] = dict(item)
        if templates and name in templates and item.get("template") is None:
            out[name]["template"] = templates[name]
    return out


def _template(template: Any, name: str) -> Instance:
    (first, *_rest) = _template_list(template)
    attributes = {k: v for k, v in first.attributes.items() if k != PROVIDER_ATTRIBUTE}
    return attrs.evolve(first, capacity_provider=name, attributes=FrozenMap(attributes))


def managed_scaling(
    inventory: Inventory,
    result: PlacementResult,
    providers: Any,
    *,
    templates: Mapping[str, Any] | None = None,
    daemon_groups: Iterable[str] = (),
    limit: int = 10_000,
) -> dict[str, ScalingAnswer]:
    """Per provider, what managed scaling does after `result` placed on `inventory` (§9).

    `providers` maps each provider's name to `{"targetCapacity": T, "template": DOC}` (and
    optionally `minSize`, `maxSize`), or is a DescribeCapacityProviders response with the
    templates given apart in `templates` (name -> container-instance document). Tasks of
    `daemon_groups` do not make an instance busy. A provider with copies that fitted nowhere
    needs a template; `limit` bounds the search for new instances.
    """
    if not isinstance(inventory, Inventory) or not isinstance(result, PlacementResult):
        raise PlacementInputError("managed_scaling takes an Inventory and a PlacementResult")
    settings = _settings(providers, templates)
    after = result.inventory
    busy_tasks = after.running_tasks_count.astype(np.int64)
    for group in daemon_groups:
        busy_tasks = busy_tasks - after.group_counts(group)
    busy = busy_tasks > 0
    unplaced = {f.provider: f.count for f in result.failures if isinstance(f, ProviderFailure)}
    answers: dict[str, ScalingAnswer] = {}
    for name, item in settings.items():
        where = f"providers[{name!r}]"
        target = _size(item.get("targetCapacity"), "targetCapacity", where, 1, 100)
        if target is None:
            raise PlacementInputError(f"{where}: targetCapacity is required")
        low = _size(item.get("minSize"), "minSize", where, 0, 2**31 - 1)
        high = _size(item.get("maxSize"), "maxSize", where, 0, 2**31 - 1)
        n = int(provider_rows(inventory, name).sum())
        m = int((busy & provider_rows(after, name)).sum())
        waiting = unplaced.get(name, 0)
        new: int | None = 0
        if waiting:
            if item.get("template") is None:
                raise PlacementInputError(
                    f"{where}: {waiting} copies fitted nowhere; a template is needed"
                )
            try:
                needed = instances_needed(
                    after, result.task, waiting, [_template(item["template"], name)],
                    constraints=[*result.constraints, only_provider(name)], limit=limit,
                )  # fmt: skip
                new = needed.instances
            except TemplateRefusedError:  # its clones would take none: no number helps
                new = None
            m += new or 0
        desired = math.ceil(100 * m / target)
        if low is not None:
            desired = max(desired, low)
        if high is not None:
            desired = min(desired, high)
        answers[name] = ScalingAnswer(name, n, m, reservation(n, m), desired, target, waiting,
                                      new)  # fmt: skip
    return answers
