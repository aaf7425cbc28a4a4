"""`repair`: what to change so that every copy of a task places (SEMANTICS.md §10).

Counting, not trying: how many copies a changed problem places is read from the instances'
capacities (`counted_capacities`, as `headroom` reads it: each copy changes only its own
instance, so `place` places `min(count, sum of capacities)` whatever the strategy), and every
numeric change is found by bisection over a monotone family (a threshold moved value by value,
a resource shrunk unit by unit, instances returned largest first). Only where a rule cannot say
its capacity does counting fall back to placing. Each fix found is then verified by `place`
itself, with the caller's strategy and seed, and reports what that run placed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..columns import StringColumn
from ..errors import PlacementInputError
from ..inventory import Inventory
from ..ops.templates import TemplateRefusedError
from ..ops.whatif import (
    MAX_LIMIT,
    _Fresh,
    _Grown,
    _reads_identity,
    _smallest_k,
    _template_list,
    instances_needed,
)
from ..place.api import place
from ..place.capacity import counted_capacities
from ..place.inputs import check_inputs
from ..place.names import names_checked
from ..place.result import PlacementResult
from ..place.task import TaskSpec
from ..rules.base import Constraint, Strategy
from ..rules.relaxation import Relaxation, Step, Steps
from ..rules.view import View
from .result import Fix, Repair

__all__ = [
    "repair", "resized", "taken_ports", "without_ports", "dynamic_change", "Problem",
    "first_reaching", "returned_to_service", "out_of_service",
]  # fmt: skip

Ints = npt.NDArray[np.int64]
Slot = tuple[str, int, Constraint]
"""A constraint in force: ("task", i) in the task definition, or ("caller", i) in the call's."""


def first_reaching(length: int, value_at: Callable[[int], int], target: int) -> int:
    """The least i in [0, length) with value_at(i) >= target, in about 2 log2(i) calls.

    Given value_at is non-decreasing and value_at(length - 1) >= target. Fixes usually lie
    near the original problem, so the search gallops out from step 0 (1, 3, 7, ...) before
    bisecting: its cost follows the answer, not the length of the family.
    """
    lo, hi, probe = 0, length - 1, 0
    while probe < hi:
        if value_at(probe) >= target:
            hi = probe
            break
        lo, probe = probe + 1, min(hi, 2 * probe + 1)
    while lo < hi:
        mid = (lo + hi) // 2
        if value_at(mid) >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo


def out_of_service(inventory: Inventory) -> npt.NDArray[np.bool_]:
    """Instances that could return to service: DRAINING, or ACTIVE with the agent disconnected."""
    codes = inventory.status.codes
    draining = codes == inventory.status.index.get("DRAINING", -3)
    active = codes == inventory.status.index.get("ACTIVE", -3)
    out: npt.NDArray[np.bool_] = draining | (active & ~inventory.agent_connected)
    return out


def returned_to_service(inventory: Inventory, rows: Ints) -> Inventory:
    """A new inventory where `rows` are ACTIVE with their agent connected."""
    columns = inventory.columns()
    status: StringColumn = columns["status"]
    values = status.values if "ACTIVE" in status.index else (*status.values, "ACTIVE")
    codes = np.array(status.codes)
    codes[rows] = values.index("ACTIVE")
    columns["status"] = StringColumn(codes, values)
    connected = np.array(columns["agent_connected"])
    connected[rows] = True
    columns["agent_connected"] = connected
    return Inventory(columns, inventory.tasks.columns())


def taken_ports(inventory: Inventory, task: TaskSpec) -> list[tuple[int, str]]:
    """The task's host ports, as (port, protocol), that some instance has reserved."""
    n = len(inventory)
    return [
        (port, protocol)
        for protocol, ports, column in (
            ("tcp", task.ports, inventory.ports), ("udp", task.udp_ports, inventory.udp_ports)
        )
        for port in sorted(ports)
        if column.any_of(frozenset({port}), n).any()
    ]  # fmt: skip


def without_ports(task: TaskSpec, items: Iterable[tuple[int, str]]) -> TaskSpec:
    """`task` with the given (port, protocol) host ports made dynamic (no longer reserved)."""
    items = list(items)
    tcp = {port for port, protocol in items if protocol == "tcp"}
    udp = {port for port, protocol in items if protocol == "udp"}
    return attrs.evolve(task, ports=task.ports - tcp, udp_ports=task.udp_ports - udp)


def dynamic_change(items: Iterable[tuple[int, str]]) -> dict[str, Any]:
    """A dynamic-port fix's change, as data."""
    ports = [{"hostPort": port, "protocol": protocol, "to": 0} for port, protocol in items]
    return {"ports": ports}


def resized(task: TaskSpec, resource: str, amount: int) -> TaskSpec:
    """`task` with its `cpu` or `memory` set to `amount`."""
    if resource == "cpu":
        return attrs.evolve(task, cpu=amount)
    return attrs.evolve(task, memory=amount)


@attrs.define
class Problem:
    """One placement question (the caller's, checked) and how to count and run its variants."""

    inventory: Inventory
    task: TaskSpec
    count: int
    rules: tuple[Constraint, ...]
    chain: tuple[Strategy, ...]
    seed: int | None
    providers: Any = None

    def run(
        self, inventory: Inventory | None = None, task: TaskSpec | None = None,
        rules: Sequence[Constraint] | None = None,
    ) -> PlacementResult:  # fmt: skip
        """`place` on the problem, with any of its parts changed."""
        extra: dict[str, Any] = {}
        if self.providers is not None:
            extra["capacity_provider_strategy"] = self.providers
        try:
            return place(
                self.inventory if inventory is None else inventory,
                self.task if task is None else task, self.count,
                constraints=self.rules if rules is None else tuple(rules),
                strategy=self.chain, seed=self.seed, **extra,
            )  # fmt: skip
        except TypeError as exc:  # a `place` without capacity providers
            raise PlacementInputError(
                f"capacity_provider_strategy is not supported: {exc}"
            ) from None

    def capacities(
        self, inventory: Inventory, task: TaskSpec, rules: Sequence[Constraint]
    ) -> Ints | None:
        """Per instance, the copies it takes (at most `count`), or None when only placing says."""
        if self.providers is not None:
            return None
        caps, exact = counted_capacities(inventory, task, rules)
        return np.minimum(caps, self.count) if exact else None

    def placed(
        self, inventory: Inventory | None = None, task: TaskSpec | None = None,
        rules: Sequence[Constraint] | None = None,
    ) -> int:  # fmt: skip
        """How many copies the changed problem places: counted where the rules allow."""
        inv = self.inventory if inventory is None else inventory
        t = self.task if task is None else task
        r = self.rules if rules is None else tuple(rules)
        caps = self.capacities(inv, t, r)
        if caps is None:
            return self.run(inv, t, r).placed
        return min(self.count, int(caps.sum()))

    def slots(self) -> list[Slot]:
        """Every constraint in force: the task definition's, then the caller's."""
        return [("task", i, c) for i, c in enumerate(self.task.constraints)] + [
            ("caller", i, c) for i, c in enumerate(self.rules)
        ]

    def applied(
        self, slot: Slot, rule: Constraint | None
    ) -> tuple[TaskSpec, tuple[Constraint, ...]]:
        """The task and the caller's constraints with `slot`'s rule replaced (None: dropped)."""
        where, i, _ = slot
        items = list(self.task.constraints if where == "task" else self.rules)
        if rule is None:
            del items[i]
        else:
            items[i] = rule
        if where == "task":
            return attrs.evolve(self.task, constraints=tuple(items)), self.rules
        return self.task, tuple(items)


class _Finder:
    """Collects verified fixes for one problem."""

    def __init__(self, problem: Problem, before: int) -> None:
        self.p = problem
        self.before = before
        self.fixes: list[Fix] = []

    def add(
        self, kind: str, summary: str, change: Any, *, inventory: Inventory | None = None,
        task: TaskSpec | None = None, rules: Sequence[Constraint] | None = None, size: int = 0,
    ) -> int:  # fmt: skip
        """Verify the change by placing; keep it when it places more than before.

        Returns the copies the changed problem placed.
        """
        p = self.p
        inv = p.inventory if inventory is None else inventory
        t = p.task if task is None else task
        r = p.rules if rules is None else tuple(rules)
        after = p.run(inv, t, r).placed
        if after > self.before:
            self.fixes.append(
                Fix(kind, summary, change, self.before, after, p.count, inv, t, r, p.chain,
                    size=size)
            )  # fmt: skip
        return after

    # -- constraints ----------------------------------------------------------------------------

    def constraints(self) -> None:
        p = self.p
        for slot in p.slots():
            where, i, rule = slot
            task, rules = p.applied(slot, None)
            if p.placed(task=task, rules=rules) > self.before:
                whose = "the task definition's" if where == "task" else "the"
                self.add(
                    "drop-constraint", f"Drop {whose} constraint {rule}.",
                    {"constraint": str(rule), "where": where, "index": i},
                    task=task, rules=rules,
                )  # fmt: skip
            for relaxation in rule.relaxations(View(p.inventory), p.task, p.count):
                self.relaxation(slot, relaxation)

    def relaxation(self, slot: Slot, relaxation: Relaxation) -> None:
        p = self.p
        steps: Sequence[Step] = relaxation.steps
        gained: Ints | None = None
        if relaxation.build is not None and relaxation.options:
            steps, gained = self._ordered(slot, relaxation)
        if not len(steps):
            return

        def reach(i: int) -> int:
            task, rules = p.applied(slot, steps[i].rule)
            return p.placed(task=task, rules=rules)

        target = reach(len(steps) - 1)
        if target <= self.before:
            return
        if gained is not None:  # the copies each prefix of options adds are known: no search
            i = min(int(np.searchsorted(gained, target - self.before)), len(steps) - 1)
        else:
            i = first_reaching(len(steps), reach, target)
            # Bisection trusts the family to be monotone; where only placing tells (a rule that
            # couples instances), check the step before too, so one step less always falls short.
            while i > 0 and reach(i - 1) >= target:
                i -= 1
        step = steps[i]
        task, rules = p.applied(slot, step.rule)
        change = {**step.change, "where": slot[0], "index": slot[1]}
        self.add(relaxation.kind, step.summary, change, task=task, rules=rules, size=i + 1)

    def _ordered(self, slot: Slot, relaxation: Relaxation) -> tuple[Sequence[Step], Ints | None]:
        """A set relaxation as steps: the options that admit the most copies first.

        With the copies each prefix of options gains, where the capacities say them.

        Rows admitted by different options are disjoint and each row's copies do not depend on
        the others', so taking the heaviest options first reaches a count with the fewest.
        """
        p = self.p
        options, build = list(relaxation.options), relaxation.build
        assert build is not None and relaxation.option_of_row is not None
        task, rules = p.applied(slot, build(options).rule)
        now = p.capacities(p.inventory, p.task, p.rules)
        relaxed = p.capacities(p.inventory, task, rules)
        if now is None or relaxed is None:
            order = list(range(len(options)))
        else:
            which = np.asarray(relaxation.option_of_row, dtype=np.int64)
            gain = np.maximum(relaxed - now, 0)
            weights = np.bincount(which[which >= 0], gain[which >= 0], minlength=len(options))
            ranked = np.argsort(-weights, kind="stable")
            order = [int(j) for j in ranked if weights[j] > 0]
            gained = np.cumsum(weights[order]).astype(np.int64)
            return Steps(len(order), lambda k: build([options[j] for j in order[: k + 1]])), gained
        return Steps(len(order), lambda k: build([options[j] for j in order[: k + 1]])), None

    # -- the task -------------------------------------------------------------------------------

    def resources(self) -> None:
        p = self.p
        for resource, unit in (("cpu", "CPU units"), ("memory", "MiB")):
            need = getattr(p.task, resource)
            if not need:
                continue

            def placed(amount: int, resource: str = resource) -> int:
                return p.placed(task=resized(p.task, resource, amount))

            if placed(0) < p.count:
                continue  # this resource alone cannot make every copy fit
            # The largest amount that still fits every copy: copies only fall as it grows.
            lo, hi = 0, need - 1
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if placed(mid) >= p.count else (lo, mid - 1)
            self.add(
                f"shrink-{resource}",
                f"Lower the task's {resource} from {need} to {lo} {unit}.",
                {"resource": resource, "from": need, "to": lo},
                task=resized(p.task, resource, lo), size=need - lo,
            )  # fmt: skip

    def ports(self) -> None:
        p = self.p
        taken = taken_ports(p.inventory, p.task)
        choices = [[item] for item in taken] + ([taken] if len(taken) > 1 else [])
        for items in choices:
            task = without_ports(p.task, items)
            if p.placed(task=task) <= self.before:
                continue
            named = ", ".join(f"{port}/{protocol}" for port, protocol in items)
            self.add(
                "dynamic-port",
                f"Map host port {named} to a dynamic host port (hostPort 0).",
                dynamic_change(items),
                task=task, size=len(items),
            )  # fmt: skip

    # -- instances ------------------------------------------------------------------------------

    def returns(self) -> None:
        p = self.p
        out = np.flatnonzero(out_of_service(p.inventory))
        if not len(out):
            return
        every = returned_to_service(p.inventory, out)
        target = p.placed(inventory=every)
        if target <= self.before:
            return
        caps = p.capacities(every, p.task, p.rules)
        if caps is not None:
            # Each returned instance adds its own copies: the largest first are the fewest.
            out = out[np.argsort(-caps[out], kind="stable")]
            k = 1 + int(np.searchsorted(np.cumsum(caps[out]), target - self.before))
        else:
            # Only placing says the copies (a rule couples instances): try first the instances
            # whose capacities' upper bounds take copies at all (one missing a required
            # attribute never helps), keeping the rest after them (one that takes no copy may
            # still add a domain a spread counts).
            bound = counted_capacities(every, p.task, p.rules)[0]
            out = out[np.argsort(-np.minimum(bound[out], p.count), kind="stable")]
            k = 1 + first_reaching(
                len(out),
                lambda i: p.placed(inventory=returned_to_service(p.inventory, out[: i + 1])),
                target,
            )  # fmt: skip
        chosen = out[:k]
        ids = [str(p.inventory.ids[r]) for r in chosen.tolist()]
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        self.add(
            "return-instances",
            f"Return {k} instance{'s' if k > 1 else ''} to service (ACTIVE, agent connected): "
            f"{shown}.",
            {"instances": ids, "count": k},
            inventory=returned_to_service(p.inventory, chosen), size=k,
        )  # fmt: skip

    def additions(self, templates: Any) -> None:
        p = self.p
        fresh = _Fresh(p.inventory, _template_list(templates))
        plural = "s" if len(fresh.templates) > 1 else ""

        def add(k: int) -> int:
            summary = f"Add {k} instance{'s' if k > 1 else ''} from the template{plural}."
            grown = _Grown(p.inventory, fresh).with_new(k)
            return self.add("add-instances", summary, {"instances": k}, inventory=grown, size=k)

        k = self._instances_counted(fresh)
        if k is not None and k > MAX_LIMIT:
            # Past the most `instances_needed` may add: verifying would build k instances
            # (hundreds of millions for a count near 2**31), so there is no such fix.
            return
        if k is not None and add(k) >= p.count:
            return
        if k is not None and self.fixes and self.fixes[-1].kind == "add-instances":
            self.fixes.pop()  # counting missed something only placing shows: search instead
        try:
            needed = instances_needed(
                p.inventory, p.task, p.count, templates, constraints=p.rules, strategy=p.chain
            )
        except TemplateRefusedError:  # a template whose clones take nothing: no such fix
            return
        if needed.instances is not None:
            add(needed.instances)

    def _instances_counted(self, fresh: _Fresh) -> int | None:
        """The fewest new instances by headroom arithmetic, without building a grown inventory.

        Where every rule says its capacity and none tells new instances apart (by EC2 id or a
        rule of the user's own), each new instance takes what one instance of its template
        takes alone, and the existing instances what they take now; so the fewest is the
        first round-robin prefix whose capacities reach the count, and one fewer falls short
        (minimal by the same arithmetic). `add` then verifies the answer by one `place`.
        None where the capacities are not exact: the caller searches by placing.
        """
        p = self.p
        if _reads_identity(p.rules, p.task):
            return None
        have = p.capacities(p.inventory, p.task, p.rules)
        sample = Inventory.from_instances(fresh.first(len(fresh.templates)))
        takes = p.capacities(sample, p.task, p.rules)
        if have is None or takes is None or not (takes > 0).any():
            return None
        return _smallest_k(int(have.sum()), p.count, takes.tolist())


def _has_templates(templates: Any) -> bool:
    if templates is None:
        return False
    return not (isinstance(templates, (list, tuple)) and not templates)


def repair(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    *,
    constraints: Iterable[Any] = (),
    strategy: Iterable[Any] = (),
    seed: int | None = None,
    templates: Any = (),
    capacity_provider_strategy: Any = None,
) -> Repair:
    """What to change so that all `count` copies of `task` place (SEMANTICS.md §10).

    Every fix is one change of one kind, verified by `place` with the change applied (the
    caller's strategy and seed), minimal in its kind (one step less places fewer copies), and
    carries the changed problem: `place(fix.inventory, fix.task, count,
    constraints=fix.constraints, strategy=fix.strategy, seed=seed).placed == fix.placed_after`.
    Kinds: drop a constraint; relax a comparison inside a `memberOf` (or whatever a rule of
    your own offers through `Constraint.relaxations`); shrink the task's CPU or memory;
    map a taken host port to a dynamic one; return the fewest DRAINING or disconnected
    instances to service; add the fewest instances of `templates` (container instance
    documents or `Instance`s). Fixes that complete come first, then by how little they change.
    When every copy already places, the repair has no fixes. Inputs are never changed.
    """
    # Attributes only the templates have are known: adding such instances may be the fix.
    known = (
        {name for t in _template_list(templates) for name in t.attributes}
        if _has_templates(templates) else set()
    )  # fmt: skip
    rules, chain = check_inputs(inventory, task, count, constraints, strategy, seed, known=known)
    problem = Problem(inventory, task, count, rules, chain, seed, capacity_provider_strategy)
    with names_checked():  # every variant placed below checks the same rules again
        result = problem.run()
        finder = _Finder(problem, result.placed)
        if result.placed < count:
            finder.constraints()
            finder.resources()
            finder.ports()
            finder.returns()
            if _has_templates(templates) and capacity_provider_strategy is None:
                finder.additions(templates)
    fixes = sorted(finder.fixes, key=Fix.sort_key)
    return Repair("place", count, result.placed, tuple(fixes))
