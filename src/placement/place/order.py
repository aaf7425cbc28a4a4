"""The greedy order of the batch placer: which instance takes each copy, without a per-copy loop.

Placing a copy changes one instance (its resources and its tasks) and the group's count in that
instance's spread zones, nothing else. So each instance's t-th copy (t = 0, 1, ...) offers a key
known in advance for every strategy but `spread(attribute:...)`:

* `binpack(R)` with a demand: remaining - t * demand, strictly *decreasing* (DEC);
* `binpack(R)` without one: constant (CONST);
* `spread(instanceId)`: tasks of the group + t, strictly *increasing* (INC);
* `random`: the draw key(i, t) of `draws.py`, strictly increasing (RND);
* `spread(attribute:X)`: the zone's count (ZONE), the only coupling between instances.

The chain is read as CONST* then S. Leading constants split the instances into *buckets* that are
used up one after the other. Inside a bucket the first strategy of S decides the shape:

* DEC (or nothing): the chosen instance stays the best, so it takes all its copies in a row:
  sort instances, repeat each (*runs*).
* INC / RND: each slot (instance, t) is its own item, and since keys increase with t the greedy
  choice is a sort of slots (*merge*); only the slots at or below the level that covers the
  bucket's budget are made.
* ZONE: zones take turns by level (tasks of the group in the zone plus copies placed there);
  each zone's own sequence comes from the rest of the chain (a recursive call, zones as groups).

A ZONE later in S only breaks ties among items of one key: such items are ordered by the level
of their zone when their turn comes, which is the zone's count plus the copies of the items
before them in that zone (*level merge*). Two or more ZONE strategies couple the zones of
different attributes; `order_events` simulates those with a priority queue over zone cells,
after bit masks (`twozones.py`) decide what they can when the chain starts with two of them.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from ..rules.base import ZoneGate
from .draws import RandomKeys
from .twozones import two_zone_prefix

__all__ = [
    "Column", "CONST", "DEC", "INC", "RND", "ZONE", "advanced", "capped_runs", "follows", "order",
]  # fmt: skip

Ints = npt.NDArray[np.int64]

CONST, DEC, INC, RND, ZONE = "const", "dec", "inc", "rnd", "zone"


@attrs.frozen(eq=False)
class Column:
    """One strategy of the chain, as the order reads it.

    `base`: the value at t = 0 (ZONE: each instance's zone); `step`: the change per copy
    (DEC, INC); `keys`: the draws (RND); `levels`: the group's tasks per zone and `missing`,
    the pseudo-zone of instances lacking the attribute (ZONE).
    """

    kind: str
    base: Ints
    step: int = 0
    keys: RandomKeys | None = None
    levels: Ints | None = None
    missing: int = -1


class _Onward(RandomKeys):
    """A `random` rule's keys going on after copies taken: key(i, taken[i] + t) as its t-th.

    Keys are sums of steps, so a slot's key carries every step before it: runs start from
    the key of the last copy taken (`last`), and compare with other instances' as they would
    have in one placement.
    """

    def __init__(self, keys: RandomKeys, taken: Ints, last: Ints) -> None:
        self.word, self.inner, self.taken, self.last = keys.word, keys, taken, last

    def steps(self, rows: npt.ArrayLike, t: npt.ArrayLike) -> Ints:
        """As `RandomKeys.steps`, t counted from the copies taken before."""
        at = np.asarray(rows, dtype=np.int64)
        return self.inner.steps(at, np.asarray(t, dtype=np.int64) + self.taken[at])

    def first(self, rows: npt.ArrayLike) -> Ints:
        """key(i, taken[i]) for each row: the key of its next copy."""
        at = np.asarray(rows, dtype=np.int64)
        out: Ints = self.last[at] + self.steps(at, np.zeros(len(at), dtype=np.int64))
        return out

    def runs_from(self, rows: Ints, start: Ints, lengths: Ints, before: Ints) -> Ints:
        """As `RandomKeys.runs_from`, t counted from the copies taken before."""
        before = np.where(start > 0, before, self.last[rows])
        return self.inner.runs_from(rows, start + self.taken[rows], lengths, before)


def advanced(cols: Sequence[Column], chosen: Ints, n: int) -> list[Column]:
    """The chain as it stands after the copies `chosen` (rows of an inventory of n).

    Every key is a function of the state, so the greedy order from there on is `order` with
    these columns (and the capacities less the copies taken): DEC and INC move by their step
    per copy, `random` goes on along each instance's draws, zones' levels rise.
    """
    taken = np.bincount(chosen, minlength=n).astype(np.int64)
    out = []
    for c in cols:
        if c.kind in (DEC, INC):
            c = attrs.evolve(c, base=c.base + c.step * taken)
        elif c.kind == RND:
            assert c.keys is not None
            keys, shift = c.keys, taken
            rows = np.flatnonzero(taken)
            last = keys.last.copy() if isinstance(keys, _Onward) else np.zeros(n, np.int64)
            if len(rows):
                ends = np.cumsum(taken[rows]) - 1
                last[rows] = keys.runs(rows.astype(np.int64), taken[rows])[ends]
            if isinstance(keys, _Onward):  # taken after taken: one shift from the start
                shift, keys = taken + keys.taken, keys.inner
            c = attrs.evolve(c, keys=_Onward(keys, shift, last))
        elif c.kind == ZONE:
            assert c.levels is not None
            c = attrs.evolve(c, levels=c.levels + np.bincount(c.base[chosen],
                                                               minlength=len(c.levels)))
        out.append(c)
    return out


def _sort(*keys: npt.NDArray[np.integer], stable: bool = True) -> npt.NDArray[np.intp]:
    """Indices that sort by `keys` lexicographically, the first key most significant; stable.

    Keys are packed mixed-radix into one int64 when their ranges allow (one argsort instead of
    one pass per key), else np.lexsort. Packed keys are sorted unstably first (several times
    faster than a stable sort), which is the stable order when no two are equal: the usual
    case, since the chains end with the instance; else again, stably (unless `stable` is
    False: the caller reads only the sorted keys, not which of equal ones comes first).
    """
    arrays = [np.asarray(k, dtype=np.int64) for k in keys]
    n = len(arrays[0]) if arrays else 0
    if not n:
        return np.arange(n, dtype=np.intp)
    packed = np.zeros(n, dtype=np.int64)
    span = 1
    for key in reversed(arrays):  # least significant first
        low = int(key.min())
        width = int(key.max()) - low + 1
        if span * width >= 1 << 62:
            return np.lexsort(arrays[::-1])
        if width > 1:
            packed += (key - low) * span
            span *= width
    perm = np.argsort(packed)
    if not stable:
        return perm
    ranked = packed[perm]
    if (ranked[1:] == ranked[:-1]).any():
        return np.argsort(packed, kind="stable")
    return perm


def _starts(sorted_groups: Ints) -> Ints:
    """For a sorted group array, each element's position within its group."""
    n = len(sorted_groups)
    first = np.ones(n, dtype=bool)
    first[1:] = sorted_groups[1:] != sorted_groups[:-1]
    index = np.arange(n, dtype=np.int64)
    return index - np.maximum.accumulate(np.where(first, index, 0))


def _within(groups: Ints) -> Ints:
    """Each element's position among the earlier elements of its group (any order of groups).

    One stable argsort: `_sort` on a single key with repeats sorts twice (unstably, then
    stably), and group keys here always repeat.
    """
    by_group = np.argsort(groups, kind="stable")
    out = np.empty(len(groups), dtype=np.int64)
    out[by_group] = _starts(groups[by_group])
    return out


def _dense(*keys: Ints) -> Ints:
    """Dense rank of the key tuples (0, 1, ...), in lexicographic order."""
    n = len(keys[0])
    if not n:
        return np.zeros(0, dtype=np.int64)
    perm = _sort(*keys, stable=False)
    change = np.zeros(n, dtype=bool)
    for key in keys:
        s = key[perm]
        change[1:] |= s[1:] != s[:-1]
    rank = np.empty(n, dtype=np.int64)
    rank[perm] = np.cumsum(change)
    return rank


def _values(col: Column, inst: Ints, t: Ints) -> Ints:
    """The column's value for slots (inst, t); each instance's slots must be t = 0 .. m - 1."""
    if col.kind == RND:
        assert col.keys is not None
        perm = _sort(inst, t)
        rows, lengths = np.unique(inst[perm], return_counts=True)
        out = np.empty(len(inst), dtype=np.int64)
        out[perm] = col.keys.runs(rows.astype(np.int64), lengths.astype(np.int64))
        return out
    if col.kind == ZONE:
        return col.base[inst]
    return col.base[inst] + col.step * t


def _expand(rows: Ints, lengths: Ints) -> tuple[Ints, Ints]:
    """Slots (row, t) for t < length, row after row."""
    inst = np.repeat(rows, lengths)
    starts = np.cumsum(lengths) - lengths
    return inst, np.arange(len(inst), dtype=np.int64) - np.repeat(starts, lengths)


def _buckets(
    rows: Ints, k: Ints, group: Ints, need: Ints, consts: Sequence[Column]
) -> tuple[Ints, Ints, Ints, Ints, Ints, Ints]:
    """Split each group by the leading constant keys into buckets used up one after the other.

    Returns the rows that get copies, sorted by (group, constants, row), their capacities and
    bucket ids (dense, increasing), and per bucket its budget (the copies it gives), its
    capacity and its group.
    """
    perm = _sort(group, *[c.base[rows] for c in consts], rows)
    rows, k, group = rows[perm], k[perm], group[perm]
    bucket = _dense(group, *[c.base[rows] for c in consts])
    nb = int(bucket[-1]) + 1 if len(bucket) else 0
    cap = np.bincount(bucket, weights=k, minlength=nb).astype(np.int64)
    owner = np.zeros(nb, dtype=np.int64)
    owner[bucket] = group
    # Copies the earlier buckets of the same group give (all they have: they come first).
    total = np.cumsum(cap)
    first_of_group = np.ones(nb, dtype=bool)
    first_of_group[1:] = owner[1:] != owner[:-1]
    group_base = np.maximum.accumulate(np.where(first_of_group, total - cap, 0))
    budget = np.clip(need[owner] - (total - cap - group_base), 0, cap)
    keep = budget[bucket] > 0
    return rows[keep], k[keep], bucket[keep], budget, cap, owner


def _cap_linear(base: Ints, k: Ints, owner: Ints, want: Ints, nb: int) -> Ints:
    """Per row, its slots at or below its bucket's level L.

    L is the smallest level at which the bucket's slots (values base + t, t < k) number at
    least `want`.
    """
    if len(base) <= _FEW:
        return _cap_linear_few(base, k, owner, want)
    lo = np.full(nb, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(nb, np.iinfo(np.int64).min, dtype=np.int64)
    top = base + k - 1
    if (owner[1:] >= owner[:-1]).all():  # the callers' rows come by bucket: reduce runs
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        lo[owner[starts]] = np.minimum.reduceat(base, starts)
        hi[owner[starts]] = np.maximum.reduceat(top, starts)
    else:
        np.minimum.at(lo, owner, base)
        np.maximum.at(hi, owner, top)
    lo = np.minimum(lo, hi) - 1  # buckets without rows: an empty range
    while True:
        active = lo + 1 < hi
        if not active.any():
            break
        mid = lo + (hi - lo) // 2
        have = np.bincount(owner, weights=np.clip(mid[owner] - base + 1, 0, k), minlength=nb)
        enough = have >= want
        hi = np.where(active & enough, mid, hi)
        lo = np.where(active & ~enough, mid, lo)
    out: Ints = np.clip(hi[owner] - base + 1, 0, k)
    return out


# Up to this many rows `_cap_linear` searches with Python ints: zone cells are few, and each
# step of the array search costs more in calls than in arithmetic.
_FEW = 32


def _cap_linear_few(base: Ints, k: Ints, owner: Ints, want: Ints) -> Ints:
    """`_cap_linear` for a few rows, bucket by bucket."""
    bases, ks, owners = base.tolist(), k.tolist(), owner.tolist()
    out = [0] * len(bases)
    for b in set(owners):
        mine = [i for i, o in enumerate(owners) if o == b]
        target = int(want[b])
        lo = min(bases[i] for i in mine) - 1  # too few slots at or below lo
        hi = max(bases[i] + ks[i] - 1 for i in mine)  # every slot
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            have = sum(min(max(mid - bases[i] + 1, 0), ks[i]) for i in mine)
            if have >= target:
                hi = mid
            else:
                lo = mid
        for i in mine:
            out[i] = min(max(hi - bases[i] + 1, 0), ks[i])
    return np.array(out, dtype=np.int64)


def _cap_random(
    keys: RandomKeys, rows: Ints, k: Ints, owner: Ints, want: Ints, nb: int
) -> tuple[Ints, Ints, Ints]:
    """The slots whose keys are at or below their bucket's `want`-th smallest key.

    Returns them as (row index, t, key), in no particular order; each row's are its first
    ones (keys increase with t). Keys are made a few per row at a time; rows whose last key
    made is still under the bucket's threshold get more, going on from where they stopped,
    until none does. Every row needs one key past the threshold to know it is done, so the
    first round makes want / rows + 1 keys per row, about the least that can be made, and a
    later round the keys expected before the threshold (each step is 2**32 on average) plus
    a standard deviation and one.
    """
    n_rows = np.bincount(owner, minlength=nb)
    guess = -(-want // np.maximum(n_rows, 1)) + 1
    big = np.iinfo(np.int64).max
    made = np.zeros(len(rows), dtype=np.int64)
    last = np.zeros(len(rows), dtype=np.int64)  # key(i, made - 1); 0 before any
    parts_row: list[Ints] = []
    parts_t: list[Ints] = []
    parts_key: list[Ints] = []
    grow = np.arange(len(rows), dtype=np.int64)  # the rows that get more keys this round
    add = np.minimum(k, guess[owner])
    while True:
        new = keys.runs_from(rows[grow], made[grow], add, last[grow])
        ends = np.cumsum(add)
        parts_row.append(np.repeat(grow, add))
        shift = np.repeat(ends - add - made[grow], add)  # t = made before + 0, 1, ...
        parts_t.append(np.arange(len(new), dtype=np.int64) - shift)
        parts_key.append(new)
        made[grow] += add
        last[grow] = new[ends - 1]
        values = np.concatenate(parts_key) if len(parts_key) > 1 else new
        theta = np.full(nb, big, dtype=np.int64)
        if nb == 1:  # the usual case: a selection, not a sort
            if len(values) >= want[0]:
                theta[0] = np.partition(values, want[0] - 1)[want[0] - 1]
        else:
            slot_owner = owner[np.concatenate(parts_row)]
            perm = _sort(slot_owner, values)
            ranked = slot_owner[perm]
            at = _starts(ranked) == want[ranked] - 1
            theta[ranked[at]] = values[perm][at]
        short = (last <= theta[owner]) & (made < k)
        if not short.any():
            break
        grow = np.flatnonzero(short)
        expect = np.minimum((theta[owner[grow]] - last[grow]) >> 32, k[grow])
        margin = np.sqrt(expect).astype(np.int64) + 1
        add = np.minimum(k[grow] - made[grow], expect + margin)
    slot_row = np.concatenate(parts_row) if len(parts_row) > 1 else parts_row[0]
    slot_t = np.concatenate(parts_t) if len(parts_t) > 1 else parts_t[0]
    under = values <= theta[owner[slot_row]]
    return slot_row[under], slot_t[under], values[under]


def _level_merge(
    zone_col: Column, bucket: Ints, pre: list[Ints], post: list[Ints], zone: Ints,
    weight: Ints, inst: Ints,
) -> npt.NDArray[np.intp]:  # fmt: skip
    """Order items whose keys tie up to a zone strategy by the zone's level at their turn.

    Items sort by (bucket, pre...); among equal ones the zone with the lowest level goes
    first. An item's level is the zone's count plus the weights (copies) of every item before
    it in that zone: earlier ties, and in its own tie the items with better `post` keys or a
    lower index. Items lacking the attribute come after the others of their tie.
    """
    assert zone_col.levels is not None
    in_zone = _sort(zone, bucket, *pre, *post, inst)
    w = weight[in_zone]
    z = zone[in_zone]
    total = np.cumsum(w)
    first = np.ones(len(z), dtype=bool)
    first[1:] = z[1:] != z[:-1]
    zone_base = np.maximum.accumulate(np.where(first, total - w, 0))
    level = np.empty(len(z), dtype=np.int64)
    level[in_zone] = zone_col.levels[z] + total - w - zone_base
    lacking = zone == zone_col.missing
    level[lacking] = 0
    return _sort(bucket, *pre, lacking.astype(np.int64), level, *post, inst)


def _ordered(
    cols: Sequence[Column], bucket: Ints, inst: Ints, values: list[Ints], weight: Ints
) -> npt.NDArray[np.intp]:
    """Sort items (slots or runs) by (bucket, chain keys, index); a ZONE by the level merge."""
    zones = [j for j, c in enumerate(cols) if c.kind == ZONE]
    if not zones:
        return _sort(bucket, *values, inst)
    q = zones[0]
    return _level_merge(cols[q], bucket, values[:q], values[q + 1 :], values[q], weight, inst)


def _truncate(order: npt.NDArray[np.intp], bucket: Ints, budget: Ints) -> npt.NDArray[np.intp]:
    """The first budget[b] items of each bucket, `order` being sorted by bucket."""
    b = bucket[order]
    if len(b) and b[0] == b[-1]:  # one bucket: a prefix
        return order[: budget[b[0]]]
    return order[_starts(b) < budget[b]]


def _runs(
    rows: Ints, k: Ints, bucket: Ints, budget: Ints, cols: Sequence[Column]
) -> tuple[Ints, Ints, Ints]:
    """Each chosen instance takes all its copies in a row; instances by their keys at t = 0."""
    zero = np.zeros(len(rows), dtype=np.int64)
    values = [_values(c, rows, zero) for c in cols]
    order = _ordered(cols, bucket, rows, values, k)
    rows, k, bucket = rows[order], k[order], bucket[order]
    # Copies of the bucket given by the runs before each run.
    total = np.cumsum(k)
    first = np.ones(len(rows), dtype=bool)
    first[1:] = bucket[1:] != bucket[:-1]
    before = total - k - np.maximum.accumulate(np.where(first, total - k, 0))
    lengths = np.clip(budget[bucket] - before, 0, k)
    inst, t = _expand(rows, lengths)
    return inst, t, np.repeat(bucket, lengths)


def _merge(
    rows: Ints, k: Ints, bucket: Ints, budget: Ints, cap: Ints, cols: Sequence[Column],
    keys: list[Ints] | None = None,
) -> tuple[Ints, Ints, Ints]:  # fmt: skip
    """Keys increase with t: every slot is an item; make only the slots a bucket can use.

    `keys`, when given, gets each column's values of the returned slots, in their order.
    """
    lengths = k.copy()
    partial = budget[bucket] < cap[bucket]
    lead = cols[0]
    if partial.all() and lead.kind == RND:
        # The threshold search made the slots and the lead keys (every bucket is partial).
        ids, owner = np.unique(bucket, return_inverse=True)
        assert lead.keys is not None
        slot_row, t, first = _cap_random(lead.keys, rows, k, owner, budget[ids], len(ids))
        inst, slot_bucket = rows[slot_row], bucket[slot_row]
        values = [first, *[_values(c, inst, t) for c in cols[1:]]]
    else:
        if partial.any():
            ids, owner = np.unique(bucket[partial], return_inverse=True)
            if lead.kind == RND:
                assert lead.keys is not None
                under, _, _ = _cap_random(
                    lead.keys, rows[partial], k[partial], owner, budget[ids], len(ids)
                )
                lengths[partial] = np.bincount(under, minlength=int(partial.sum()))
            else:
                base = lead.base[rows[partial]]
                lengths[partial] = _cap_linear(base, k[partial], owner, budget[ids], len(ids))
        inst, t = _expand(rows, lengths)
        slot_bucket = np.repeat(bucket, lengths)
        values = []
        for c in cols:
            if c.kind == RND:
                assert c.keys is not None
                values.append(c.keys.runs(rows, lengths))
            else:
                values.append(_values(c, inst, t))
    order = _truncate(_ordered(cols, slot_bucket, inst, values, np.ones_like(inst)),
                      slot_bucket, budget)  # fmt: skip
    if keys is not None:
        keys.extend(v[order] for v in values)
    return inst[order], t[order], slot_bucket[order]


def _zone_first(
    rows: Ints, k: Ints, bucket: Ints, budget: Ints, cap: Ints, cols: Sequence[Column]
) -> tuple[Ints, Ints, Ints]:
    """Zones take turns by level; each zone's own sequence comes from the rest of the chain."""
    zone_col, local = cols[0], cols[1:]
    assert zone_col.levels is not None
    zone = zone_col.base[rows]
    cell_key = bucket * (len(zone_col.levels) + 1) + zone
    cells, cell_of_row = np.unique(cell_key, return_inverse=True)
    cell_bucket = cells // (len(zone_col.levels) + 1)
    cell_zone = cells % (len(zone_col.levels) + 1)
    cell_cap = np.bincount(cell_of_row, weights=k, minlength=len(cells)).astype(np.int64)
    # Level of each zone when its bucket's turn comes: the count plus the earlier buckets'
    # copies there (earlier buckets give all they have).
    by_zone = _sort(cell_zone, cell_bucket)
    z = cell_zone[by_zone]
    total = np.cumsum(cell_cap[by_zone])
    first = np.ones(len(z), dtype=bool)
    first[1:] = z[1:] != z[:-1]
    lev = np.empty(len(cells), dtype=np.int64)
    lev[by_zone] = zone_col.levels[z] + total - cell_cap[by_zone] - np.maximum.accumulate(
        np.where(first, total - cell_cap[by_zone], 0)
    )
    lacking = cell_zone == zone_col.missing
    need = cell_cap.copy()
    partial = budget[cell_bucket] < cap[cell_bucket]
    real = partial & ~lacking
    if real.any():
        ids, owner = np.unique(cell_bucket[real], return_inverse=True)
        real_cap = np.bincount(owner, weights=cell_cap[real], minlength=len(ids))
        want = np.minimum(budget[ids], real_cap.astype(np.int64))
        need[real] = _cap_linear(lev[real], cell_cap[real], owner, want, len(ids))
    late = partial & lacking
    if late.any():
        real_cap_of = np.bincount(cell_bucket[~lacking], weights=cell_cap[~lacking],
                                  minlength=len(budget)).astype(np.int64)  # fmt: skip
        b = cell_bucket[late]
        need[late] = np.clip(budget[b] - real_cap_of[b], 0, cell_cap[late])
    inst, t, cell = _sequence(rows, k, cell_of_row.astype(np.int64), need, local)
    position = _starts(cell)
    level = np.where(lacking[cell], position, lev[cell] + position)
    values = [_values(c, inst, t) for c in local]
    slot_bucket = cell_bucket[cell]
    order = _sort(slot_bucket, lacking[cell].astype(np.int64), level, *values, inst)
    order = _truncate(order, slot_bucket, budget)
    return inst[order], t[order], slot_bucket[order]


def _sequence(
    rows: Ints, k: Ints, group: Ints, need: Ints, cols: Sequence[Column],
    keys: list[Ints] | None = None,
) -> tuple[Ints, Ints, Ints]:  # fmt: skip
    """Per group, the first need[group] slots of its greedy order under `cols`.

    At most one ZONE in `cols`, and then a single group. Returns (instance, t, group) sorted
    by group, then order. `keys`, when given, gets each column's values of those slots where
    the order made them anyway (slots merged by key: `random` keys cost a sort to make
    again), and stays empty otherwise.
    """
    lead = 0
    while lead < len(cols) and cols[lead].kind == CONST:
        lead += 1
    rows, k, bucket, budget, cap, owner = _buckets(rows, k, group, need, cols[:lead])
    rest = cols[lead:]
    kind = rest[0].kind if rest else None
    if kind == ZONE:
        inst, t, b = _zone_first(rows, k, bucket, budget, cap, rest)
    elif kind in (INC, RND):
        made: list[Ints] | None = None if keys is None else []
        inst, t, b = _merge(rows, k, bucket, budget, cap, rest, made)
        if keys is not None and made is not None:
            keys.extend(c.base[inst] for c in cols[:lead])
            keys.extend(made)
    else:
        inst, t, b = _runs(rows, k, bucket, budget, rest)
    return inst, t, owner[b]


def order(k: Ints, cols: Sequence[Column], count: int, gate: ZoneGate | None = None) -> Ints:
    """The instance taking each copy, in order: min(count, sum k) of them.

    `k[i]`: the copies instance i can take; `cols`: the strategy chain; `gate`: zones that
    open and close by skew (`topologySpread`), honoured by the event loop.
    """
    rows = np.flatnonzero(k > 0).astype(np.int64)
    if gate is not None or sum(c.kind == ZONE for c in cols) > 1:
        return order_events(rows, k[rows], cols, count, gate)
    inst, _, _ = _sequence(
        rows, k[rows], np.zeros(len(rows), dtype=np.int64), np.array([count]), cols
    )
    return inst[:count]


def _bounds(col: Column, rows: Ints, k: Ints, count: int) -> tuple[int, int]:
    """Lowest and highest value the column can take on any slot the rows may fill."""
    m = np.minimum(k, count) - 1
    if col.kind == RND:  # keys are sums of at most `count` steps, each below 2**48
        return 0, (count + 1) << 48
    low, high = col.base[rows], col.base[rows] + col.step * m
    return int(np.minimum(low, high).min()), int(np.maximum(low, high).max())


class _Cells:
    """The zone cells' slot sequences, made a chunk at a time as the event loop reads them.

    Each slot's local keys (the chain without its zones, then the index) are packed
    mixed-radix into one Python int with `weight`s fixed in advance from the bounds of every
    slot the rows may fill, so chunks made later pack the same way. Made in chunks because a
    task that reserves nothing fits `count` times on every instance: making `count` slots
    for each of many cells would take cells x copies memory.
    """

    def __init__(
        self, rows: Ints, k: Ints, cell: Ints, n_cells: int, local: Sequence[Column],
        weights: list[int], lows: list[int], count: int,
    ) -> None:  # fmt: skip
        self.local, self.weights, self.lows = local, weights, lows
        perm = np.argsort(cell, kind="stable")
        self.rows, self.k = rows[perm], k[perm]
        sizes = np.bincount(cell, minlength=n_cells)
        self.row_start = (np.cumsum(sizes) - sizes).tolist()
        self.row_end = np.cumsum(sizes).tolist()
        cap = np.bincount(cell, weights=k, minlength=n_cells).astype(np.int64)
        self.limit = np.minimum(cap, count).tolist()
        self.chunk = 2 * count // max(n_cells, 1) + 2
        made = np.minimum(cap, self.chunk)
        inst, t, group = _sequence(rows, k, cell, made, local)
        keys = self._pack(inst, t)
        ends = np.cumsum(np.bincount(group, minlength=n_cells))
        self.keys = [list(part) for part in np.split(np.asarray(keys, dtype=object), ends[:-1])]
        self.inst = [part.tolist() for part in np.split(inst, ends[:-1])]

    def _pack(self, inst: Ints, t: Ints) -> list[int]:
        packed = inst.astype(object)
        for col, weight, low in zip(self.local, self.weights, self.lows, strict=True):
            packed += (_values(col, inst, t) - low).astype(object) * weight
        out: list[int] = packed.tolist()
        return out

    def more(self, c: int) -> bool:
        """Make the next chunk of cell c's slots; False when it has no more."""
        have = len(self.keys[c])
        if have >= self.limit[c]:
            return False
        lo, hi = self.row_start[c], self.row_end[c]
        want = min(self.limit[c], 2 * have + self.chunk)
        rows = self.rows[lo:hi]
        inst, t, _ = _sequence(rows, self.k[lo:hi], np.zeros(hi - lo, dtype=np.int64),
                               np.array([want]), self.local)  # fmt: skip
        self.keys[c].extend(self._pack(inst, t)[have:])  # RND keys need every t from 0
        self.inst[c].extend(inst[have:].tolist())
        return True


def _two_zones_first(cols: Sequence[Column]) -> bool:
    """Whether the chain is two zone strategies and then only keys fixed per instance."""
    return (
        len(cols) >= 2
        and cols[0].kind == ZONE
        and cols[1].kind == ZONE
        and all(c.kind == CONST for c in cols[2:])
    )


def _two_zone_start(rows: Ints, k: Ints, cols: Sequence[Column], count: int) -> Ints:
    """The instances taking the first copies, as far as `two_zone_prefix` decides them."""
    a, b = cols[0], cols[1]
    assert a.levels is not None and b.levels is not None
    zone_a, zone_b = a.base[rows], b.base[rows]
    key = np.arange(len(rows), dtype=np.int64)  # rows come sorted: the index alone
    if len(cols) > 2 or (rows[1:] < rows[:-1]).any():
        key[_sort(*[c.base[rows] for c in cols[2:]], rows)] = key.copy()
    done = two_zone_prefix(
        np.where(zone_a == a.missing, -1, zone_a), np.where(zone_b == b.missing, -1, zone_b),
        key, k, a.levels, b.levels, count,
    )  # fmt: skip
    return rows[done]


def _after(rows: Ints, k: Ints, cols: Sequence[Column], count: int, done: Ints) -> Ints:
    """The rest of `order_events` after the copies `done`, by the event loop.

    Those copies leave fewer copies per instance and the zones' levels raised; the rest of
    the chain keys no copy by t (`_two_zones_first`), so nothing else changed.
    """
    index = np.zeros(int(rows.max()) + 1, dtype=np.int64)
    index[rows] = np.arange(len(rows), dtype=np.int64)
    left = k - np.bincount(index[done], minlength=len(rows))
    raised = []
    for c in cols:
        if c.kind == ZONE:
            assert c.levels is not None
            placed = np.bincount(c.base[done], minlength=len(c.levels))
            c = attrs.evolve(c, levels=c.levels + placed)
        raised.append(c)
    keep = left > 0
    return order_events(rows[keep], left[keep], raised, count - len(done), fast=False)


def order_events(
    rows: Ints, k: Ints, cols: Sequence[Column], count: int, gate: ZoneGate | None = None,
    *, fast: bool = True,
) -> Ints:  # fmt: skip
    """`order` for chains with two or more zone strategies, or a gate: an event loop over cells.

    A cell is one combination of the chain's zone values (and the gate's zone, if any). Inside
    a cell every zone key is the same, so its instances follow one fixed sequence, the greedy
    order under the other strategies (made by `_sequence`). Each step takes the head of the
    cell whose key (its head slot's keys, with the zones' current levels in the zone
    positions) is the lowest.

    Keys are packed mixed-radix into one Python int, so a zone's level going up is one
    addition to the key of each cell in that zone, and comparing keys is comparing ints.
    With a gate, only cells of open gate zones are candidates (`_Gate`). Without one, a chain
    led by two zone strategies starts with `two_zone_prefix` (`fast`), the loop going on from
    where it stops.
    """
    if not len(rows):
        return rows
    if fast and gate is None and _two_zones_first(cols):
        done = _two_zone_start(rows, k, cols, count)
        if len(done) == count:
            return done
        if len(done):
            return np.concatenate([done, _after(rows, k, cols, count, done)])
    zone_at = [j for j, c in enumerate(cols) if c.kind == ZONE]
    local = [c for c in cols if c.kind != ZONE]
    gate_zones = [gate.zones[rows]] if gate is not None else []
    cell_of_row = _dense(*[cols[j].base[rows] for j in zone_at], *gate_zones)
    n_cells = int(cell_of_row.max()) + 1
    # Each key component as a non-negative integer below its range, in chain order, then the
    # index. Zone levels run from the lowest count to the highest plus `count`; lacking the
    # attribute is one above every level.
    ranges: list[int] = []
    lows: list[int] = []
    for c in cols:
        if c.kind == ZONE:
            assert c.levels is not None
            real = np.delete(c.levels, c.missing)
            low = int(real.min()) if len(real) else 0
            ranges.append((int(real.max()) if len(real) else 0) - low + count + 2)
        else:
            low, high = _bounds(c, rows, k, count)
            ranges.append(high - low + 1)
        lows.append(low)
    ranges.append(int(rows.max()) + 1)
    weight = [1] * len(ranges)
    for p in range(len(ranges) - 2, -1, -1):
        weight[p] = weight[p + 1] * ranges[p + 1]
    local_at = [j for j, c in enumerate(cols) if c.kind != ZONE]
    cells = _Cells(rows, k, cell_of_row, n_cells, local, [weight[j] for j in local_at],
                   [lows[j] for j in local_at], count)  # fmt: skip
    # Each zone's level as its packed contribution (mutable), the cells in it, and whether it
    # moves (lacking the attribute does not).
    zones_of: list[list[int]] = []
    zone_part: list[list[int]] = []
    members: list[list[list[int]]] = []
    movable: list[list[bool]] = []
    for j in zone_at:
        c = cols[j]
        assert c.levels is not None
        z = np.zeros(n_cells, dtype=np.int64)
        z[cell_of_row] = c.base[rows]
        zones_of.append(z.tolist())
        lev = c.levels - lows[j]
        lev[c.missing] = ranges[j] - 1
        zone_part.append([int(v) * weight[j] for v in lev.tolist()])
        cells_of: list[list[int]] = [[] for _ in range(len(lev))]
        for cell, zone in enumerate(zones_of[-1]):
            cells_of[zone].append(cell)
        members.append(cells_of)
        movable.append([zone != c.missing for zone in range(len(lev))])
    cell_of_inst = np.zeros(int(rows.max()) + 1, dtype=np.int64)
    cell_of_inst[rows] = cell_of_row
    end = weight[0] * ranges[0]
    events = _Events(cells, zones_of, zone_part, members, movable,
                     [weight[j] for j in zone_at], cell_of_inst.tolist(), ranges[-1],
                     end, n_cells)  # fmt: skip
    gated = None
    if gate is not None:
        cell_zone = np.zeros(n_cells, dtype=np.int64)
        cell_zone[cell_of_row] = gate.zones[rows]
        gated = _Gate(gate, cell_zone.tolist())
    loop = _scan if n_cells <= _SCAN_CELLS else _heap
    return np.asarray(loop(events, count, gated), dtype=np.int64)


class _Gate:
    """The gate's state while the event loop places copies: counts, the least, open zones.

    Zone d is open while counts[d] + 1 - low <= skew; `low` is the least count over the
    domains (0 while there are fewer than `min_domains`). A copy in d may close d, and, when
    d was the last domain at the least count, raise `low` by one and reopen others.
    """

    def __init__(self, gate: ZoneGate, cell_zone: list[int]) -> None:
        self.counts: list[int] = gate.counts.tolist()
        domains = np.flatnonzero(gate.domain).tolist()
        self.is_domain = gate.domain.tolist()
        self.tracks = len(domains) >= gate.min_domains  # else the least is 0 for good
        self.low = min(self.counts[d] for d in domains) if self.tracks else 0
        # How many domains stand at each count (only the least one's is read).
        self.at: dict[int, int] = {}
        for d in domains:
            self.at[self.counts[d]] = self.at.get(self.counts[d], 0) + 1
        self.skew = gate.skew
        self.cell_zone = cell_zone
        self.cells_of: dict[int, list[int]] = {}
        for c, zone in enumerate(cell_zone):
            self.cells_of.setdefault(zone, []).append(c)
        self.closed = {z for z in self.cells_of if self.counts[z] + 1 - self.low > self.skew}

    def place(self, c: int) -> tuple[int, list[int]]:
        """A copy in cell c: its zone's count grows.

        Returns the zone if it closed now (else -1), and the zones it reopened (maybe none).
        """
        zone = self.cell_zone[c]
        before = self.counts[zone]
        self.counts[zone] = before + 1
        reopened: list[int] = []
        if self.tracks and self.is_domain[zone]:
            at = self.at
            at[before] -= 1
            at[before + 1] = at.get(before + 1, 0) + 1
            if before == self.low and not at[before]:
                self.low += 1  # the zone itself now stands at the new least count
                limit = self.low + self.skew - 1
                reopened = [z for z in self.closed if self.counts[z] <= limit]
                self.closed.difference_update(reopened)
        if before + 2 - self.low > self.skew and zone not in self.closed:
            self.closed.add(zone)
            return zone, reopened
        return -1, reopened


@attrs.frozen(eq=False)
class _Events:
    """What the event loops read.

    The cells' slots; per cell its zones; per zone its level's packed contribution (mutable),
    its cells, whether it moves and its weight. `index_range` recovers the instance from a
    key, and every key is below `end`.
    """

    cells: _Cells
    zones_of: list[list[int]]
    zone_part: list[list[int]]
    members: list[list[list[int]]]
    movable: list[list[bool]]
    zone_weight: list[int]
    cell_of_inst: list[int]
    index_range: int
    end: int
    n_cells: int

    def zone_key(self, c: int) -> int:
        """The packed contribution of cell c's zones' levels now."""
        return sum(self.zone_part[j][self.zones_of[j][c]] for j in range(len(self.zones_of)))

    def has(self, c: int, at: int) -> bool:
        """Whether cell c has an `at`-th slot (making the next chunk if needed)."""
        return at < len(self.cells.keys[c]) or (self.cells.more(c) and at < len(self.cells.keys[c]))


# Up to this many cells a step updates the keys of the cells it touched and takes the least
# of all keys; past it, a heap re-keys lazily.
_SCAN_CELLS = 64


def _scan(ev: _Events, count: int, gate: _Gate | None = None) -> list[int]:
    """The event loop for a few cells: every cell's key kept current, the least one taken.

    A cell of a closed gate zone carries `2 * end` on its key (a spent cell `4 * end`), so the
    least key below `end` is the best open cell's.
    """
    n_cells = ev.n_cells
    # Per cell, the (cell, weight) additions one copy there makes: every cell sharing one of
    # its zones moves up by that zone's weight (lacking the attribute moves nothing).
    touch: list[list[tuple[int, int]]] = []
    for c in range(n_cells):
        pairs: list[tuple[int, int]] = []
        for j in range(len(ev.zones_of)):
            z = ev.zones_of[j][c]
            if ev.movable[j][z]:
                pairs.extend((d, ev.zone_weight[j]) for d in ev.members[j][z])
        touch.append(pairs)
    head = [0] * n_cells
    cells = ev.cells
    slots, inst = cells.keys, cells.inst
    cell_of_inst, index_range, end = ev.cell_of_inst, ev.index_range, ev.end
    # Keys are distinct (the instance is their last component), so the least names its cell.
    keys = [ev.zone_key(c) + slots[c][0] if ev.has(c, 0) else 4 * end for c in range(n_cells)]
    if gate is not None:
        for zone in gate.closed:
            for d in gate.cells_of[zone]:
                keys[d] += 2 * end
    out: list[int] = []
    append = out.append
    while len(out) < count:
        key = min(keys)
        if key >= end:
            break
        c = cell_of_inst[key % index_range]
        at = head[c]
        append(inst[c][at])
        head[c] = at + 1
        for d, w in touch[c]:
            keys[d] += w
        own = slots[c]
        if at + 1 < len(own) or (cells.more(c) and at + 1 < len(own)):
            keys[c] += own[at + 1] - own[at]
        else:
            keys[c] = 4 * end
        if gate is not None:
            shut, reopened = gate.place(c)
            for opened in reopened:
                for d in gate.cells_of[opened]:
                    keys[d] -= 2 * end
            if shut >= 0:
                for d in gate.cells_of[shut]:
                    keys[d] += 2 * end
    return out


def _heap(ev: _Events, count: int, gate: _Gate | None = None) -> list[int]:
    """The event loop for many cells: a heap.

    A popped key that went stale (a zone's level rose since: keys only grow) is pushed back
    with its key now. A popped cell of a closed gate zone waits aside until the zone reopens.
    """
    n_cells = ev.n_cells
    zones = range(len(ev.zones_of))
    head = [0] * n_cells
    slots = ev.cells.keys
    heap = [(ev.zone_key(c) + slots[c][0], c) for c in range(n_cells) if ev.has(c, 0)]
    heapq.heapify(heap)
    waiting: dict[int, list[int]] = {}
    out: list[int] = []
    while heap and len(out) < count:
        stored, c = heapq.heappop(heap)
        if gate is not None and gate.cell_zone[c] in gate.closed:
            waiting.setdefault(gate.cell_zone[c], []).append(c)
            continue
        at = head[c]
        now = ev.zone_key(c) + slots[c][at]
        if now != stored:
            heapq.heappush(heap, (now, c))
            continue
        out.append(ev.cells.inst[c][at])
        head[c] += 1
        for j in zones:
            z = ev.zones_of[j][c]
            if ev.movable[j][z]:
                ev.zone_part[j][z] += ev.zone_weight[j]
        if ev.has(c, at + 1):
            heapq.heappush(heap, (ev.zone_key(c) + slots[c][at + 1], c))
        if gate is not None:
            for opened in gate.place(c)[1]:
                for d in waiting.pop(opened, ()):
                    heapq.heappush(heap, (ev.zone_key(d) + slots[d][head[d]], d))
    return out


def capped_runs(
    k: Ints, cols: Sequence[Column], count: int, zones: Ints, room: Ints
) -> Ints | None:
    """`order` with the copies of each zone capped at its room, for chains of runs.

    When the chain is constants then a decreasing key (or nothing), each chosen instance stays
    the best until it is full, so the order is the instances sorted by their keys at t = 0,
    each taking its copies in a row (`_runs`). A cap per zone only shortens runs: a run takes
    what its zone has left after the runs before it there, and a run cut short leaves the
    instance refused, not better, so the next run is the next instance in that sort. A zone
    strategy later in the chain orders tied runs by their zones' levels, which the runs'
    lengths raise; when its zones are the caps' (`follows`), a zone's runs still come in the
    order of the other keys, so the lengths are known first and `order` with them as the
    capacities gives the answer. None for any other chain (the caller reruns `order`).
    """
    lead = 0
    while lead < len(cols) and cols[lead].kind == CONST:
        lead += 1
    spreads = [c for c in cols if c.kind == ZONE]
    if (lead < len(cols) and cols[lead].kind != DEC) or len(spreads) > 1:
        return None
    rows = np.flatnonzero(k > 0).astype(np.int64)
    if spreads and len(rows) and not follows(spreads[0], zones[rows], rows):
        return None
    zero = np.zeros(len(rows), dtype=np.int64)
    rows = rows[_sort(*[_values(c, rows, zero) for c in cols if c.kind != ZONE], rows)]
    size = k[rows]
    zone = zones[rows]
    by_zone = np.argsort(zone, kind="stable")  # zones repeat: `_sort` would sort twice
    total = np.cumsum(size[by_zone])
    first = np.ones(len(rows), dtype=bool)
    first[1:] = zone[by_zone][1:] != zone[by_zone][:-1]
    before = np.empty(len(rows), dtype=np.int64)  # copies of the runs before, in the zone
    before[by_zone] = total - size[by_zone] - np.maximum.accumulate(
        np.where(first, total - size[by_zone], 0)
    )
    lengths = np.clip(room[zone] - before, 0, size)
    if spreads:
        capped = np.zeros_like(k)
        capped[rows] = lengths
        return order(capped, cols, count)
    ends = np.cumsum(lengths)
    lengths = np.clip(count - (ends - lengths), 0, lengths)
    out: Ints = np.repeat(rows, lengths)
    return out


def follows(col: Column, zone: Ints, rows: Ints) -> bool:
    """Whether the zone strategy's zones on `rows` are `zone`: one each way (lacking aside).

    Instances lacking the column's attribute share a level that never moves, so several
    zones may lack it; every other column zone must lie inside one zone.
    """
    own = col.base[rows]
    width = int(max(zone.max(), own.max())) + 1
    to_col = np.full(width, -1, dtype=np.int64)
    to_col[zone] = own
    to_zone = np.full(width, -1, dtype=np.int64)
    to_zone[own] = zone
    real = own != col.missing
    return bool((to_col[zone] == own).all() and (to_zone[own] == zone)[real].all())
