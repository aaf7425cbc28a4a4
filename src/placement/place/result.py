"""What placing returns: where each copy went, why others could not go anywhere, the new state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..inventory import LOCAL_TASK_PREFIX, PROVIDER_ATTRIBUTE, Inventory
from ..model import FrozenMap
from . import reasons as R
from .details import first_reason_masks, reason_details
from .task import TaskSpec

if TYPE_CHECKING:
    from ..explain.placement import PlacementExplanation

__all__ = ["Failure", "PlacementResult", "details_dict"]


def _frozen(value: Mapping[str, int]) -> Mapping[str, int]:
    return value if isinstance(value, FrozenMap) else FrozenMap(value)


def _frozen_details(value: Mapping[str, Any]) -> Mapping[str, tuple[str, ...]]:
    return FrozenMap({str(k): tuple(str(v) for v in names) for k, names in value.items()})


def details_dict(details: Mapping[str, Sequence[str]]) -> dict[str, dict[str, list[str]]]:
    """Reason details as JSON: `{"ATTRIBUTE": {"missing": [...]}, ...}`."""
    from .reasons import DETAIL_WORDS

    return {reason: {DETAIL_WORDS.get(reason, "detail"): list(names)}
            for reason, names in details.items()}  # fmt: skip


def _positive(_instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PlacementInputError(f"{attribute.name} must be a positive int, got {value!r}")


@attrs.frozen
class Failure:
    """Copies `index` to `index + count - 1` fitted nowhere.

    A copy that fits nowhere changes nothing, so every later copy fails the same way: a
    placement has at most one failure record, however many copies were asked for (memory grows
    with the copies placed, not with the copies asked for).

    `reasons` counts the instances each ECS reason excluded, each instance under the first
    reason it fails (ECS's order: AGENT, ATTRIBUTE, RESOURCE:CPU, RESOURCE:MEMORY,
    RESOURCE:PORTS, RESOURCE:GPU, MemberOf, DistinctInstance), so the counts add up to the
    inventory's size. `explain()` on the result gives every reason of every instance.

    A Kubernetes task's failure (read from a `PlacementResult`) speaks Kubernetes: `reasons`
    counts each node under every reason of its first failing filter plugin, in the plugins'
    words, as the scheduler's `FailedScheduling` event does (`message` is that event's line);
    `codes` keeps the ECS counts.
    """

    index: int
    reasons: Mapping[str, int] = attrs.field(converter=_frozen)
    count: int = attrs.field(default=1, validator=_positive)
    details: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=FrozenMap, converter=_frozen_details, eq=False, repr=False, kw_only=True
    )
    """What `ATTRIBUTE` and `RESOURCE:PORTS` stand for here: the required attributes that
    instances counted under `ATTRIBUTE` lack, the task's host ports taken on instances counted
    under `RESOURCE:PORTS` (`"80"`, `"53/udp"`). Filled when a `PlacementResult`'s failures
    are read; not part of equality (the counts are the decision)."""
    codes: Mapping[str, int] = attrs.field(
        default=attrs.Factory(lambda self: self.reasons, takes_self=True),
        converter=_frozen, eq=False, repr=False, kw_only=True,
    )  # fmt: skip
    """The same failure by ECS reason code, each instance under its first code: `reasons`
    itself for an ECS task; the engine's own counts when `reasons` speaks the task's dialect."""
    message: str = attrs.field(default="", eq=False, repr=False, kw_only=True)
    """The dialect's summary of the failure, as its scheduler writes it (Kubernetes: `0/3 nodes
    are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.`);
    empty for ECS, whose failures have no such line."""

    def label(self, reason: str) -> str:
        """`reason` with its details: `ATTRIBUTE (missing: a)`, `RESOURCE:PORTS (taken: 80)`."""
        from .reasons import labelled

        return labelled(reason, self.details)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: `index`, `count` and `reasons` (first reason per instance).

        With `details` when there are some: `{"ATTRIBUTE": {"missing": [...]},
        "RESOURCE:PORTS": {"taken": [...]}}`; with the dialect's `message` when it has one.
        """
        out: dict[str, Any] = {"index": self.index, "count": self.count,
                               "reasons": dict(self.reasons)}  # fmt: skip
        if self.message:
            out["message"] = self.message
        if self.details:
            out["details"] = details_dict(self.details)
        return out

    def __repr__(self) -> str:
        from ..text import reason_counts, short_repr

        last = self.index + self.count - 1
        span = f"copy {self.index}" if self.count == 1 else f"copies {self.index}-{last}"
        # A dialect's own summary (Nomad's is a few lines) on one line.
        said = "; ".join(self.message.splitlines()) or reason_counts(self.reasons) or "no instances"
        return short_repr(f"<Failure {span}: {said}>")


def _task_dict(task: Any) -> dict[str, Any]:
    """A `TaskSpec` as plain data (sets become sorted lists, constraints their text)."""
    return {
        "cpu": task.cpu,
        "memory": task.memory,
        "gpus": task.gpus,
        "ports": sorted(task.ports),
        "udp_ports": sorted(task.udp_ports),
        "group": task.group,
        "requires_attributes": sorted(task.requires_attributes),
        "constraints": [str(c) for c in task.constraints],
    } | ({"dialect": task.dialect} if getattr(task, "dialect", "ecs") != "ecs" else {})


class PlacementResult:
    """Where the copies went, which did not fit, and the state afterwards.

    `placements[k]` is the container instance ARN of the k-th placed copy, in order, and
    `task_arns[k]` the ARN the new task was given in `inventory`; `failures` holds at most one
    record, for the copies that fitted nowhere; `inventory` is the state afterwards (the
    caller's inventory is never changed). The task and constraints ride along for `explain`.

    A placer's result holds the placed copies in columns (the instance row of each copy, and
    the first of the serial task numbers): `placements`, `task_arns` and `inventory` are
    built when first read, so placing never pays for a string or a task row per copy.
    """

    __slots__ = ("_placements", "_failures", "_inventory", "task", "constraints", "_task_arns",
                 "_base", "_rows", "_detailed")  # fmt: skip

    _failures: tuple[Failure, ...]
    _detailed: tuple[Failure, ...] | None  # `_failures` with their details, once read
    task: Any
    constraints: tuple[Any, ...]
    _placements: tuple[str, ...] | None
    _task_arns: tuple[str, ...] | None
    _inventory: Inventory | None
    _base: Inventory | None  # with `_rows`: the copies in columns, not built yet
    _rows: npt.NDArray[np.int64] | None

    def __init__(
        self,
        placements: Sequence[str],
        failures: Sequence[Failure],
        inventory: Inventory,
        task: Any,
        constraints: Sequence[Any],
        task_arns: Sequence[str] = (),
    ) -> None:
        self._set(tuple(placements), tuple(failures), inventory, task, tuple(constraints),
                  tuple(task_arns), None, None, None)  # fmt: skip

    @classmethod
    def committing(
        cls,
        base: Inventory,
        rows: npt.NDArray[np.int64],
        task: Any,
        constraints: Sequence[Any],
        failures: Sequence[Failure] = (),
        final: Inventory | None = None,
    ) -> PlacementResult:
        """The result of placing the k-th copy on instance `rows[k]` of `base`.

        Holds `rows`; the placements, the new tasks' ARNs and the inventory afterwards
        (`base.with_placements(rows, task)`, or `final` when the caller has it) are made when
        first read.
        """
        out = cls.__new__(cls)
        rows = np.array(rows, dtype=np.int64)
        rows.flags.writeable = False
        out._set(None, tuple(failures), final, task, tuple(constraints), None, base, rows, None)
        return out

    def _set(self, *values: Any) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __reduce__(self) -> tuple[Any, ...]:
        if self._base is not None:
            final = self._inventory
            if final is None:  # the base and the rows are what the inventory is built from
                return (_committed, (self._base, self._rows, self.task, self.constraints,
                                     self._failures))  # fmt: skip
        return (PlacementResult, (self.placements, self._failures, self.inventory, self.task,
                                  self.constraints, self.task_arns))  # fmt: skip

    @property
    def failures(self) -> tuple[Failure, ...]:
        """At most one record of the copies that fitted nowhere (one per capacity provider).

        Each carries its `details` (the missing attributes, the taken ports), worked out the
        first time this is read: placing itself never pays for them.
        """
        detailed = self._detailed
        if detailed is None:
            detailed = self._with_details()
            object.__setattr__(self, "_detailed", detailed)
        return detailed

    def _with_details(self) -> tuple[Failure, ...]:
        failures = self._spoken(self._failures)
        wanted = (R.ATTRIBUTE, R.PORTS)
        # `codes`, not `reasons`: a dialect's words hide the codes the details belong to.
        if not any(r in f.codes for f in failures for r in wanted):
            return failures
        if not isinstance(self.task, TaskSpec):
            return failures
        if self._inventory is None and self._base is not None and self._rows is not None:
            # The state after is the base plus the copies: count them, never build it.
            inventory = self._base
            copies = np.bincount(self._rows, minlength=len(inventory)).astype(np.int64)
        else:
            inventory, copies = self.inventory, None
        masks = first_reason_masks(inventory, self.task, copies)
        placed = None if copies is None else copies > 0
        out = []
        for failure in failures:
            provider = getattr(failure, "provider", None)
            own = masks if provider is None else _provider_masks(inventory, masks, provider)
            details = reason_details(inventory, self.task, own, placed)
            out.append(attrs.evolve(failure, details=details) if details else failure)
        return tuple(out)

    def _spoken(self, failures: tuple[Failure, ...]) -> tuple[Failure, ...]:
        """`failures` in the task's dialect: counted as its scheduler counts, in its words."""
        if not failures or not R.speaks(self.task):
            return failures
        explanation = self.explain()
        out = []
        for failure in failures:
            if failure.message or getattr(failure, "provider", None) is not None:
                # Spoken already (a result built from another's failures), or a capacity
                # provider's, which is ECS's own: no other dialect has them.
                out.append(failure)
                continue
            out.append(attrs.evolve(failure, reasons=explanation.first_reasons(),
                                    codes=failure.reasons,
                                    message=explanation.summary() or ""))  # fmt: skip
        return tuple(out)

    @property
    def placements(self) -> tuple[str, ...]:
        """The container instance ARN of each placed copy, in order."""
        placements = self._placements
        if placements is None:
            assert self._base is not None and self._rows is not None
            placements = tuple(self._base.ids[self._rows].tolist())
            object.__setattr__(self, "_placements", placements)
        return placements

    @property
    def task_arns(self) -> tuple[str, ...]:
        """The ARN of each new task in `inventory`, in the order of `placements`."""
        arns = self._task_arns
        if arns is None:
            assert self._base is not None
            # `with_placements` names the copies from the base's next serial number on.
            start = self._base.next_task_serial()
            arns = tuple(f"{LOCAL_TASK_PREFIX}{start + k}" for k in range(self.placed))
            object.__setattr__(self, "_task_arns", arns)
        return arns

    @property
    def inventory(self) -> Inventory:
        """The state afterwards: the caller's inventory with the placed copies committed."""
        final = self._inventory
        if final is None:
            assert self._base is not None and self._rows is not None
            final = self._base.with_placements(self._rows, self.task)
            object.__setattr__(self, "_inventory", final)
        return final

    @property
    def placed(self) -> int:
        """How many copies were placed."""
        return len(self._rows) if self._rows is not None else len(self.placements)

    @property
    def failed(self) -> int:
        """How many copies fitted nowhere."""
        return sum(f.count for f in self._failures)

    @property
    def requested(self) -> int:
        """How many copies were asked for."""
        return self.placed + self.failed

    def explain(self) -> PlacementExplanation:
        """Every reason each instance of the final state rejects one more copy."""
        from ..explain.placement import explain_placement

        return explain_placement(self.inventory, self.task, self.constraints)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the task, the placements, the failures with reason counts.

        `json.dumps(result.to_dict())` works; placements are full container instance ARNs.
        """
        return {
            "requested": self.requested,
            "placed": self.placed,
            "failed": self.failed,
            "placements": [
                {"instance": arn, "task": task}
                for arn, task in zip(self.placements, self.task_arns, strict=True)
            ],
            "failures": [f.to_dict() for f in self.failures],
            "task": _task_dict(self.task),
            "constraints": [str(c) for c in self.constraints],
        }

    def __repr__(self) -> str:
        return (
            f"<PlacementResult placed {self.placed} of {self.requested}"
            + (f", {self.failed} failed" if self.failed else "")
            + f", {self.inventory!r}>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlacementResult):
            return NotImplemented
        return (
            self.placements == other.placements
            and self._failures == other._failures
            and self.inventory == other.inventory
        )

    __hash__ = None  # type: ignore[assignment]

    def _repr_html_(self) -> str:
        """An HTML report for notebooks: copies per instance, the failure, the state after."""
        from ..render import result_html

        return result_html(self)


def _provider_masks(
    inventory: Inventory, masks: Mapping[str, npt.NDArray[np.bool_]], provider: str
) -> dict[str, npt.NDArray[np.bool_]]:
    """`masks` kept to the instances of one capacity provider (its failure counts only those)."""
    column = inventory.attributes.get(PROVIDER_ATTRIBUTE)
    if column is None:
        return {}
    own = column.codes == column.index.get(provider, -2)
    return {reason: mask & own for reason, mask in masks.items()}


def _committed(
    base: Inventory,
    rows: npt.NDArray[np.int64],
    task: Any,
    constraints: tuple[Any, ...],
    failures: tuple[Failure, ...],
) -> PlacementResult:
    """Unpickles a result held in columns."""
    return PlacementResult.committing(base, rows, task, constraints, failures)
