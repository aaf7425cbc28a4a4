"""Taints and tolerations: a constraint that refuses nodes with a taint the pod does not tolerate.

A node's taints live in one reserved attribute, `_k8s/taints` (`TAINTS`), written by
`placement.k8s.inventory` as `key=value:Effect` items joined by commas, in the node's order
(`dedicated=gpu:NoSchedule,node.kubernetes.io/unschedulable=:NoSchedule`). Keys, values and
effects cannot hold `=`, `:` or `,`, so the text reads back exactly. A node without the
attribute has no taints. An item that does not read back as a taint (hand-written attributes)
is treated as a `NoSchedule` taint that only a toleration of every taint (`operator: Exists`
with no key) tolerates: a node is never offered by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import numpy as np

from ..errors import PlacementInputError
from ..rules.base import Bools, Constraint, TaskLike
from ..text import shorten, shown
from .labels import check_fields, is_label_value, key_fault

if TYPE_CHECKING:
    from ..instance import Instance
    from ..rules.view import View

__all__ = ["Taints", "Toleration", "TAINTS", "UNTOLERATED", "taints_text", "read_taints"]

TAINTS = "_k8s/taints"
"""The reserved attribute holding a node's taints (see the module's doc)."""

UNTOLERATED = "node(s) had untolerated taint"
"""The failure reason, as the TaintToleration plugin words it (it adds `{key: value}`)."""

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_FILTERING = ("NoSchedule", "NoExecute")  # PreferNoSchedule only lowers a node's score

Taint = tuple[str, str, str]
"""(key, value, effect)."""


def taints_text(taints: Iterable[Taint]) -> str:
    """The `_k8s/taints` attribute value for `(key, value, effect)` taints."""
    return ",".join(f"{key}={value}:{effect}" for key, value, effect in taints)


def read_taints(text: str | None) -> list[Taint]:
    """The taints of a `_k8s/taints` value; an unreadable item is a taint no key names."""
    out: list[Taint] = []
    for item in (text or "").split(","):
        if not item:
            continue
        left, colon, effect = item.rpartition(":")
        key, _, value = left.partition("=")
        if not colon or effect not in EFFECTS or not key:
            out.append(("\0" + item, "", "NoSchedule"))  # no toleration names a key with NUL
            continue
        out.append((key, value, effect))
    return out


@attrs.frozen
class Toleration:
    """One toleration, checked as the API server checks it (`ValidateTolerations`)."""

    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""

    @classmethod
    def read(cls, item: Any, where: str = "toleration") -> Toleration:
        """From a pod spec's `tolerations[i]` object (or a `Toleration`)."""
        if isinstance(item, Toleration):
            return item
        if not isinstance(item, Mapping):
            raise PlacementInputError(f"{where} must be an object, got {shown(item)}")
        check_fields(item, ("key", "operator", "value", "effect", "tolerationSeconds"), where)
        fields = {name: item.get(name) for name in ("key", "operator", "value", "effect")}
        for name, value in fields.items():
            if value is not None and not isinstance(value, str):
                raise PlacementInputError(f"{where}.{name} must be a str, got {shown(value)}")
        key, value, effect = fields["key"] or "", fields["value"] or "", fields["effect"] or ""
        operator = fields["operator"] or "Equal"
        if operator not in ("Equal", "Exists"):
            raise PlacementInputError(
                f"{where}.operator must be Equal or Exists, got {shown(operator)}"
            )
        if key:
            fault = key_fault(key)
            if fault:
                raise PlacementInputError(f"{where}.key {shown(key)} is invalid: {fault}")
        elif operator != "Exists":
            raise PlacementInputError(f"{where}: operator must be Exists when key is empty")
        if operator == "Exists" and value:
            raise PlacementInputError(f"{where}.value must be empty when operator is Exists")
        if not is_label_value(value):
            raise PlacementInputError(f"{where}.value {shown(value)} is not a label value")
        if effect and effect not in EFFECTS:
            raise PlacementInputError(
                f"{where}.effect must be empty or one of {', '.join(EFFECTS)}, got {shown(effect)}"
            )
        seconds = item.get("tolerationSeconds")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int)):
            raise PlacementInputError(
                f"{where}.tolerationSeconds must be an integer, got {shown(seconds)}"
            )
        # tolerationSeconds only bounds how long a NoExecute taint lets a running pod stay:
        # for scheduling, the toleration tolerates as it would without it.
        if seconds is not None and effect != "NoExecute":
            raise PlacementInputError(
                f"{where}: tolerationSeconds needs effect NoExecute, got {shown(effect)}"
            )
        return cls(key, operator, value, effect)

    def tolerates(self, taint: Taint) -> bool:
        """Kubernetes' `ToleratesTaint`: effect, key, then value by operator."""
        key, value, effect = taint
        if self.effect and self.effect != effect:
            return False
        if self.key and self.key != key:
            return False
        return self.operator == "Exists" or self.value == value


def _tolerations(value: Any) -> tuple[Toleration, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise PlacementInputError(f"tolerations must be a list, got {shown(value)}")
    return tuple(Toleration.read(item, f"tolerations[{i}]") for i, item in enumerate(value))


@attrs.frozen
class Taints(Constraint):
    """Refuses nodes with a `NoSchedule` or `NoExecute` taint that no toleration tolerates.

    `tolerations` are a pod spec's `tolerations` (objects or `Toleration`s). A toleration
    tolerates a taint when its effect is empty or the same, its key is empty (with `Exists`)
    or the same, and it is `Exists` or `Equal` (the default) with the same value.
    `PreferNoSchedule` taints never refuse. `untolerated(instance)` names the first taint that
    refuses a node, as Kubernetes reports it (`{key: value}`).
    """

    reason: ClassVar[str] = UNTOLERATED
    in_task_definition: ClassVar[bool] = True  # a pod spec carries it, as memberOf in ECS

    tolerations: tuple[Toleration, ...] = attrs.field(default=(), converter=_tolerations)

    def first_untolerated(self, text: str | None) -> Taint | None:
        """The first filtering taint of a `_k8s/taints` value that no toleration tolerates."""
        for taint in read_taints(text):
            if taint[2] in _FILTERING and not any(t.tolerates(taint) for t in self.tolerations):
                return taint
        return None

    def untolerated(self, instance: Instance) -> str | None:
        """`{key: value}` of the taint that refuses `instance`, or None if it is not refused."""
        taint = self.first_untolerated(instance.attributes.get(TAINTS))
        return None if taint is None else "{" + f"{taint[0].lstrip(chr(0))}: {taint[1]}" + "}"

    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows with an untolerated NoSchedule/NoExecute taint: one check per distinct value."""
        column = view.inventory.attributes.get(TAINTS)
        if column is None:
            return np.zeros(len(view), dtype=bool)
        per_value = [self.first_untolerated(text) is not None for text in column.values]
        # Codes -1 (absent) and -2 (name-only) land on the two trailing False entries.
        refused = np.array([*per_value, False, False], dtype=bool)
        out: Bools = refused[column.codes]
        return out

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """One instance at a time."""
        return [self.untolerated(inst) is not None for inst in instances]

    def __str__(self) -> str:
        items = [
            f"{t.key or '*'}{'=' + t.value if t.operator == 'Equal' else ''}:{t.effect or '*'}"
            for t in self.tolerations
        ]
        return shorten(f"taints(tolerating {', '.join(items) or 'nothing'})", 200)
