"""Capacity provider strategies: which provider each copy goes to, then placing it there.

SEMANTICS.md §9. A strategy is a list of `{"capacityProvider": P, "base": B, "weight": W}`.
Each copy in turn goes to the provider with a base while its count c_P is below B; otherwise to
the provider with W > 0 that minimises (c_P - B_P + 1) / W_P, ties to the earlier item. c_P
counts the group's tasks on P's instances, running and assigned so far (a copy that fits
nowhere is still assigned: ECS keeps it PROVISIONING). The split is a function of the counts
only, so it is computed first, for every copy (`assign`), and placing follows it.

Placing: a copy of P goes among P's instances only (`memberOf(attribute:ecs.capacity-provider
== P)` added to the caller's constraints). Eligibility on P's instances depends on P's copies
only, and so does every per-instance strategy; the one coupling between providers is
`spread(attribute:...)`, whose counts run over the whole cluster. Without it each provider's
copies are placed in one call (the per-copy process gives the same rows: proven by the
per-copy reference test). With it (and no random), each cell of a provider (its instances
sharing every spread attribute's value) gets its batch order once and every copy takes the
best of its provider's cell heads (`_place_cells`); where a constraint couples the providers
too (maxPer, topologySpread, a user's rule), one per-copy pass (`batch.loop_rows`); the
reference placer goes in runs of consecutive copies of one provider, in order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementInputError
from ..inventory import PROVIDER_ATTRIBUTE, Inventory
from ..rules import DistinctInstance, MemberOf, shown
from ..rules.base import Constraint, Strategy
from ..rules.view import View
from ..syntax.builders import attribute
from .batch import loop_rows, place_batch
from .masks import first_reasons, reason_masks
from .reference import place_reference
from .result import Failure, PlacementResult
from .task import TaskSpec

__all__ = [
    "ProviderItem", "ProviderFailure", "provider_strategy", "provider_counts", "assign",
    "provider_rows", "place_providers", "only_provider", "next_provider", "next_provider_of",
    "provider_failures", "provider_reasons", "coupled", "copy_index", "MAX_BASE", "MAX_WEIGHT",
    "MAX_ITEMS",
]  # fmt: skip

MAX_BASE = 100_000
MAX_WEIGHT = 1000
MAX_ITEMS = 20

Ints = npt.NDArray[np.int64]


@attrs.frozen
class ProviderItem:
    """One item of a capacity provider strategy: the provider's name, its base and weight."""

    capacity_provider: str
    base: int = 0
    weight: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The ECS JSON item."""
        return {"capacityProvider": self.capacity_provider, "base": self.base,
                "weight": self.weight}  # fmt: skip


@attrs.frozen
class ProviderFailure(Failure):
    """Copies of one capacity provider that fitted on none of its instances.

    `index` is the first such copy, `count` how many of the provider's copies failed (they
    need not be consecutive: other providers' copies come between), `reasons` counts the
    provider's instances under the first reason each refuses the copy.
    """

    provider: str = ""

    def to_dict(self) -> dict[str, Any]:
        """`Failure.to_dict` with the provider's name."""
        return {**super().to_dict(), "capacityProvider": self.provider}

    def __repr__(self) -> str:
        from ..text import reason_counts, short_repr

        reasons = reason_counts(self.reasons) or "no instances"
        return short_repr(f"<Failure {self.count} copies from copy {self.index} on "
                          f"{self.provider!r}: {reasons}>")  # fmt: skip


def _amount(item: Mapping[str, Any], key: str, top: int, position: int) -> int:
    value = item.get(key, 0)
    if value is None:
        value = 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise PlacementInputError(
            f"capacity provider strategy item {position}: {key} must be an int from 0 to "
            f"{top}, got {shown(value)}"
        )
    return value


_ITEM_KEYS = frozenset({"capacityProvider", "base", "weight"})


def provider_strategy(value: Any) -> tuple[ProviderItem, ...]:
    """A capacity provider strategy, checked (ECS's limits): `PlacementInputError` if bad.

    Takes ECS JSON items (`capacityProvider`, `base`, `weight`; boto3's spelling) or
    `ProviderItem`s.
    """
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise PlacementInputError(
            f"capacity provider strategy must be a list of items, got {shown(value)}"
        )
    items: list[ProviderItem] = []
    for position, raw in enumerate(value):
        if position >= MAX_ITEMS:
            raise PlacementInputError(f"a capacity provider strategy has at most {MAX_ITEMS} items")
        if isinstance(raw, ProviderItem):
            raw = raw.to_dict()
        if not isinstance(raw, Mapping):
            raise PlacementInputError(
                f"capacity provider strategy item {position}: expected an object, got {shown(raw)}"
            )
        unknown = sorted(str(key) for key in raw if key not in _ITEM_KEYS)
        if unknown:
            # ECS refuses them too; read as absent, a misspelt `wieght` would silently be 0.
            raise PlacementInputError(
                f"capacity provider strategy item {position}: unknown field {shown(unknown[0])}"
                ": an item has capacityProvider, base and weight"
            )
        name = raw.get("capacityProvider")
        if not isinstance(name, str) or not name:
            raise PlacementInputError(
                f"capacity provider strategy item {position}: capacityProvider must be a "
                f"non-empty string, got {shown(name)}"
            )
        if any(item.capacity_provider == name for item in items):
            raise PlacementInputError(f"capacity provider {name!r} appears twice in the strategy")
        base = _amount(raw, "base", MAX_BASE, position)
        weight = _amount(raw, "weight", MAX_WEIGHT, position)
        items.append(ProviderItem(name, base, weight))
    if not items:
        raise PlacementInputError("a capacity provider strategy needs at least one item")
    if sum(1 for item in items if item.base > 0) > 1:
        raise PlacementInputError("at most one capacity provider strategy item may have a base")
    if not any(item.weight > 0 for item in items):
        raise PlacementInputError("at least one capacity provider strategy item needs a weight")
    return tuple(items)


def provider_rows(inventory: Inventory, name: str) -> npt.NDArray[np.bool_]:
    """Which instances belong to provider `name` (their `ecs.capacity-provider` attribute)."""
    column = inventory.attributes.get(PROVIDER_ATTRIBUTE)
    if column is None or name not in column.index:
        return np.zeros(len(inventory), dtype=bool)
    return np.asarray(column.codes == column.index[name])


def provider_counts(
    inventory: Inventory,
    group: str,
    items: Sequence[ProviderItem],
    per_row: npt.NDArray[np.integer[Any]] | None = None,
) -> list[int]:
    """c_P for each item: the group's RUNNING tasks on the provider's instances.

    `per_row` gives the group's tasks per instance where the caller holds them (a
    `ClusterState`'s current counts over `inventory`'s rows); else they are read.
    """
    if per_row is None:
        per_row = inventory.group_counts(group)
    return [int(per_row[provider_rows(inventory, item.capacity_provider)].sum())
            for item in items]  # fmt: skip


def provider_failures(
    final: Inventory,
    task: TaskSpec,
    constraints: Sequence[Constraint],
    items: Sequence[ProviderItem],
    who: Ints,
    ok: npt.NDArray[np.bool_],
) -> list[Failure]:
    """One `ProviderFailure` per provider with copies that fitted nowhere, by first copy.

    `who[j]` is copy j's item, `ok[j]` whether it placed; `final` is the inventory after the
    placed copies, whose reasons (over the provider's instances only) each failure carries.
    """
    failures: list[Failure] = []
    if ok.all():
        return failures
    masks = reason_masks(final, task, constraints)
    for k, item in enumerate(items):
        failed = np.flatnonzero(~ok & (who == k))
        if not len(failed):
            continue
        first = provider_reasons(final, masks, item.capacity_provider)
        failures.append(ProviderFailure(int(failed[0]), first, len(failed),
                                        item.capacity_provider))  # fmt: skip
    failures.sort(key=lambda f: f.index)
    return failures


def provider_reasons(
    inventory: Inventory, masks: Mapping[str, npt.NDArray[np.bool_]], name: str
) -> dict[str, int]:
    """Provider `name`'s instances counted under the first of `masks` that refuses each."""
    own = provider_rows(inventory, name)
    return first_reasons({r: m[own] for r, m in masks.items()}, int(own.sum()))[1]


def assign(counts: Sequence[int], items: Sequence[ProviderItem], n: int) -> Ints:
    """The item each of `n` copies goes to, in order (SEMANTICS.md §9), from the counts c_P.

    The base item takes copies while its count is below its base. After that each weighted
    item's successive keys (c_P - B_P + 1) / W_P rise by 1 / W_P per copy, so the greedy
    choice is a merge of increasing sequences: the n smallest (key, item) pairs, in order.
    """
    out = np.empty(n, dtype=np.int64)
    c = [int(x) for x in counts]
    done = 0
    for k, item in enumerate(items):
        if item.base > c[k]:
            take = min(n, item.base - c[k])
            out[:take] = k
            c[k] += take
            done = take
    left = n - done
    if not left:
        return out
    weighted = [k for k, item in enumerate(items) if item.weight > 0]
    first = {k: c[k] - items[k].base + 1 for k in weighted}  # >= 1: the base is reached
    # The n-th smallest key is at most what any single item reaches alone with n copies.
    top = min(Fraction(first[k] + left - 1, items[k].weight) for k in weighted)
    ks, js = [], []
    for k in weighted:
        w = items[k].weight
        last = min(math.floor(top * w), first[k] + left - 1)
        if last >= first[k]:
            js.append(np.arange(first[k], last + 1, dtype=np.int64))
            ks.append(np.full(last + 1 - first[k], k, dtype=np.int64))
    j, item_of = np.concatenate(js), np.concatenate(ks)
    weights = np.array([item.weight for item in items], dtype=np.int64)[item_of]
    if int(j.max()) < 2**40:
        # j / w is correctly rounded, so equal fractions give equal floats, and distinct ones
        # (at least 1 / 1000**2 apart) stay ordered below 2**40: the float sort is exact.
        order = np.lexsort((item_of, j / weights))[:left]
    else:  # counts beyond any real cluster: exact fractions
        triples = zip(j.tolist(), weights.tolist(), item_of.tolist(), strict=True)
        exact = [(Fraction(a, b), k) for a, b, k in triples]
        order = np.array(sorted(range(len(j)), key=exact.__getitem__))[:left]
    out[done:] = item_of[order]
    return out


def copy_index(counts: Sequence[int], items: Sequence[ProviderItem], k: int, q: int) -> int | None:
    """The position (from 0) of the copy that gives item `k` its `q`-th copy (q >= 1), or None.

    In closed form over the split `assign` makes of unboundedly many copies: the base phase
    first, then the merge of each weighted item's keys (c - B + 1) / W, ties to the earlier
    item. None when item `k` never gets `q` copies (no weight, and its base gives fewer).
    """
    c = [int(x) for x in counts]
    done = 0
    for j, item in enumerate(items):
        if item.base > c[j]:
            take = item.base - c[j]
            if j == k and q <= take:
                return q - 1
            if j == k:
                q -= take
            c[j] += take
            done = take
    if items[k].weight == 0:
        return None
    first = {j: c[j] - items[j].base + 1 for j, it in enumerate(items) if it.weight > 0}
    key = Fraction(first[k] + q - 1, items[k].weight)
    before = q - 1  # item k's own earlier copies
    for j, start in first.items():
        if j == k:
            continue
        bound = key * items[j].weight
        # Copies of j with key below k's (or equal, for an earlier item: ties go to it).
        top = math.floor(bound) if j < k else math.ceil(bound) - 1
        before += max(0, top - start + 1)
    return done + before


def next_provider(inventory: Inventory, group: str, items: Sequence[ProviderItem]) -> str:
    """The provider the next copy of `group` would go to."""
    return next_provider_of(inventory, group, items)


def next_provider_of(
    inventory: Inventory,
    group: str,
    items: Sequence[ProviderItem],
    per_row: npt.NDArray[np.integer[Any]] | None = None,
) -> str:
    """`next_provider`, from the group's tasks per row where the caller holds them."""
    k = int(assign(provider_counts(inventory, group, items, per_row), items, 1)[0])
    return items[k].capacity_provider


def only_provider(name: str) -> MemberOf:
    """The constraint that keeps a copy on provider `name`'s instances."""
    return MemberOf(attribute(PROVIDER_ATTRIBUTE) == name)


def coupled(constraints: Sequence[Constraint], strategy: Sequence[Strategy]) -> bool:
    """Whether one provider's copies can change where another's go (see the module's note)."""
    if any(rule.zone_attribute is not None for rule in strategy):
        return True
    return not all(isinstance(rule, (MemberOf, DistinctInstance)) for rule in constraints)


def place_providers(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: tuple[Constraint, ...],
    strategy: tuple[Strategy, ...],
    seed: int | None,
    items: Sequence[ProviderItem],
    runner: Any,
) -> PlacementResult:
    """Place `count` copies following the provider strategy `items` with `runner` (a placer)."""
    who = assign(provider_counts(inventory, task.group, items), items, count)
    is_coupled = coupled([*constraints, *task.constraints], strategy)
    if is_coupled and any(rule.random for rule in strategy):
        raise PlacementInputError(
            "a capacity provider strategy with random and a spread over an attribute (or a "
            "user's constraint) together is not supported"
        )
    rows = np.full(count, -1, dtype=np.int64)

    def run(state: Inventory, n: int, k: int) -> tuple[Ints, PlacementResult]:
        only = only_provider(items[k].capacity_provider)
        done: PlacementResult = runner(state, task, n, (*constraints, only), strategy, seed)
        if done._rows is not None:
            return done._rows, done
        return np.array([state.index_of(a) for a in done.placements], dtype=np.int64), done

    if not is_coupled:
        for k in range(len(items)):
            mine = np.flatnonzero(who == k)
            if len(mine):
                placed, _ = run(inventory, len(mine), k)
                rows[mine[: len(placed)]] = placed
    elif count and runner is not place_reference:
        cells = None
        if _by_cells(constraints, task, strategy):
            cells = _place_cells(inventory, task, count, constraints, strategy, items, who)
        if cells is not None:
            rows = cells
        else:
            # One per-copy pass, each copy among its provider's rows: runs of one provider's
            # copies would cost a placement (and a new inventory) each, and they alternate.
            own = [provider_rows(inventory, item.capacity_provider) for item in items]
            rows = np.array(loop_rows(inventory, task, count, (*constraints,), strategy, seed,
                                      [own[k] for k in who.tolist()]), dtype=np.int64)  # fmt: skip
    elif count:
        state = inventory
        edges = np.flatnonzero(np.diff(who)) + 1
        for start, stop in zip([0, *edges.tolist()], [*edges.tolist(), count], strict=True):
            placed, done = run(state, stop - start, int(who[start]))
            rows[start : start + len(placed)] = placed
            state = done.inventory
    ok = rows >= 0
    chosen = rows[ok]
    failures: list[Failure] = []
    final = None
    if not ok.all():
        final = inventory.with_placements(chosen, task)
        failures = provider_failures(final, task, constraints, items, who, ok)
    return PlacementResult.committing(inventory, chosen, task, constraints, failures, final)


def _by_cells(
    constraints: Sequence[Constraint], task: TaskSpec, strategy: Sequence[Strategy]
) -> bool:
    """Whether only spreads over attributes couple the providers, and no rule is random."""
    return not coupled([*constraints, *task.constraints], ()) and not any(
        rule.random for rule in strategy
    )


def _place_cells(
    inventory: Inventory,
    task: TaskSpec,
    count: int,
    constraints: Sequence[Constraint],
    strategy: Sequence[Strategy],
    items: Sequence[ProviderItem],
    who: Ints,
) -> Ints | None:
    """The rows of copies whose providers only spreads over attributes couple (-1: none).

    A cell is a provider's instances that share every spread attribute's value. Inside a cell
    those spreads are constant, and every other rule reads the instance alone, which only the
    cell's own copies change: so the instances a cell's successive copies go to are its own
    batch placement, computed once. Each copy of provider P then goes to the best of P's
    cells' next instances by the whole chain (SEMANTICS.md §3 over P's instances, since each
    cell's next instance is its best). None when a rule has no batch column to read.
    """
    columns = _columns_of(inventory, task, strategy)
    if columns is None:
        return None
    names = [rule.zone_attribute for rule in strategy if rule.zone_attribute is not None]
    codes = [inventory.attributes[a].codes if a in inventory.attributes
             else np.full(len(inventory), -1) for a in names]  # fmt: skip
    shares = np.bincount(who, minlength=len(items)).tolist()
    queues: list[list[Ints]] = []  # per item, per cell: the rows its copies go to, in order
    cell_of = np.full(len(inventory), -1, dtype=np.int64)
    for item, share in zip(items, shares, strict=True):
        own = np.flatnonzero(provider_rows(inventory, item.capacity_provider))
        cells: list[Ints] = []
        if share and len(own):
            keys = np.stack([c[own] for c in codes], axis=1) if codes else np.zeros((len(own), 1))
            _, which = np.unique(keys, axis=0, return_inverse=True)
            for c in range(int(which.max()) + 1):
                rows = own[which.reshape(-1) == c]
                cell_of[rows] = len(cells)
                sub = inventory.select(rows)
                part = place_batch(sub, task, share, constraints, strategy, None)
                placed = part._rows if part._rows is not None else np.array(
                    [sub.index_of(a) for a in part.placements], dtype=np.int64)
                cells.append(rows[placed])
        queues.append(cells)
    return _merge_by_columns(columns, queues, cell_of, who)


def _columns_of(
    inventory: Inventory, task: TaskSpec, strategy: Sequence[Strategy]
) -> list[Any] | None:
    """The chain's batch columns, when each is a level or base + t * step (else None)."""
    from .order import CONST, DEC, INC, ZONE

    view = View(inventory)
    try:
        columns = [rule.column(view, task, None) for rule in strategy]
    except NotImplementedError:
        return None
    if any(c.kind not in (CONST, DEC, INC, ZONE) or (c.kind == ZONE and c.levels is None)
           for c in columns):  # fmt: skip
        return None
    return columns


def _merge_by_columns(
    columns: list[Any], queues: list[list[Ints]], cell_of: Ints, who: Ints
) -> Ints:
    """`_place_cells`' choices from the chain's columns (`_columns_of`).

    The batch order's columns say each rule's value at the t-th copy of an instance: a
    spread over an attribute reads its value's level (the group's tasks there, +1 per copy
    placed there; lacking the attribute: after every instance with it), the others
    base + t * step. So every queued copy's key is known up front but the levels, and each
    copy compares its provider's cell heads in plain Python.
    """
    from .order import CONST, ZONE

    zone_at = [j for j, c in enumerate(columns) if c.kind == ZONE]
    levels = [[float(x) for x in np.asarray(columns[j].levels).tolist()] for j in zone_at]
    for level in levels:
        level.append(math.inf)  # index -1 below: rows lacking the attribute
    zone_of = [[int(z) if z != columns[j].missing else -1 for z in columns[j].base.tolist()]
               for j in zone_at]  # fmt: skip
    # Per item, per cell: per column, each queued copy's value (None: a level, read live),
    # and last the rows.
    keys: list[list[list[list[Any] | None]]] = []
    for cells in queues:
        per_cell: list[list[list[Any] | None]] = []
        for rows in cells:
            order = np.argsort(rows, kind="stable")
            t = np.empty(len(rows), dtype=np.int64)
            starts = np.r_[0, np.flatnonzero(np.diff(rows[order])) + 1]
            runs = np.diff(np.r_[starts, len(rows)])
            t[order] = np.arange(len(rows)) - np.repeat(starts, runs)
            per_cell.append([None if c.kind == ZONE else
                             (c.base[rows] + (c.step * t if c.kind != CONST else 0)).tolist()
                             for c in columns] + [rows.tolist()])  # fmt: skip
        keys.append(per_cell)
    at = [[0] * len(cells) for cells in queues]
    out = np.full(len(who), -1, dtype=np.int64)
    width = len(columns)
    # Per column: its levels and each row's index into them (a spread over an attribute).
    live: list[tuple[list[float], list[int]]] = [([], [])] * width
    for z, j in enumerate(zone_at):
        live[j] = (levels[z], zone_of[z])
    for copy, k in enumerate(who.tolist()):
        best: list[Any] | None = None
        for c, cell in enumerate(keys[k]):
            p = at[k][c]
            queued = cell[width]
            assert queued is not None
            if p == len(queued):
                continue
            row = queued[p]
            key = [live[j][0][live[j][1][row]] if values is None else values[p]
                   for j, values in enumerate(cell[:width])]  # fmt: skip
            key.append(row)
            if best is None or key < best:
                best = key
        if best is None:
            continue
        row = best[-1]
        out[copy] = row
        at[k][int(cell_of[row])] += 1
        for z in range(len(zone_at)):
            code = zone_of[z][row]
            if code >= 0:
                levels[z][code] += 1
    return out
