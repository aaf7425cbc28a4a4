"""The greedy order under a `topologySpread` zone gate, without the event loop where it can.

SEMANTICS.md §8: zone d takes a copy only while count(d) + 1 - low <= K, `low` being the least
count over the domains. With K = 1 and every candidate instance in a domain, a zone is open
exactly while its count equals `low`, so copies go in *rounds*: round r is the level
low0 + r, the zones standing there each take one copy, and `low` rises when all have. Zone d
first stands at the level in round count(d) - low0 and takes its j-th copy in the round after
that plus j. The first round some domain cannot take its copy (its instances are full) is the
last: the other zones at that level take theirs, and then every zone is closed for good.

Inside a zone, the chain's keys depend only on the zone's own instances when each strategy is
fixed per instance (binpack, random, spread(instanceId)) or spreads over the gate's own zones
(the same key for every instance of a zone, moving only with the zone's own copies). So each
zone's pick sequence is the unconstrained order restricted to the zone (`_sequence`, zones as
groups), and within a round the zones' picks come in the order of their keys at that moment,
then the instance: one sort over (round, keys, instance).

Any other gate (K > 1, fewer domains than minDomains, a chain spreading over another
attribute) tries the unconstrained order first when the chain is led by a zone strategy: it
agrees with the gated one up to the first copy the gate refuses, and if no open zone then has
room, the gated order stops right there.

With K > 1 (same zones and chains as the rounds), *levels* (`_levels`): zone d's copy at level
l (its count before it) may go once every domain took its copy at level l - K. The greedy
takes, among the open zones' next copies, the least key; a copy whose key is below its
zone's earlier ones goes right after them, so each copy is ranked by the running maximum of
its zone's keys and by the copy that lets it through, whichever comes later (a cumulative
maximum over levels with stride K). Copies sharing a rank follow the same rule among
themselves: after one pass, where every tie is small, each is a gated greedy of its own,
merged for all ties at once a copy a step (`_order`, `_merge`); else pass after pass
(`_when`) until the ties left are small, and then merged. The
candidate is checked copy by copy against the greedy rule (`_greedy`): only one that passes
is returned. Otherwise the event loop of `order.py` decides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..rules.base import ZoneGate
from .order import (
    CONST,
    ZONE,
    Column,
    _cap_linear,
    _dense,
    _sequence,
    _sort,
    _starts,
    _values,
    _within,
    follows,
    order,
)

__all__ = ["gated_order"]

Ints = npt.NDArray[np.int64]


def gated_order(k: Ints, cols: Sequence[Column], count: int, gate: ZoneGate | None) -> Ints:
    """`order(k, cols, count, gate)`, by rounds or a checked prefix where they decide it."""
    if gate is None:
        return order(k, cols, count)
    rows = np.flatnonzero(k > 0).astype(np.int64)
    if not len(rows) or not count:
        return rows[:0]
    by_rounds = _rounds(rows, k[rows], cols, count, gate)
    if by_rounds is not None:
        return by_rounds
    lead = next((c for c in cols if c.kind != CONST), None)
    if lead is not None and lead.kind == ZONE:
        free = order(k, cols, count)
        stop = _stop(free, k, gate)
        if stop is not None:
            return free[:stop]
    by_levels = _levels(rows, k[rows], cols, count, gate)
    if by_levels is not None:
        return by_levels
    return order(k, cols, count, gate)


def _rounds(rows: Ints, k: Ints, cols: Sequence[Column], count: int, gate: ZoneGate) -> Ints | None:
    """The gated order for maxSkew = 1 by rounds (module docstring); None where it does not hold."""
    domains = np.flatnonzero(gate.domain)
    zone = gate.zones[rows]
    if gate.skew != 1 or not len(domains) or len(domains) < gate.min_domains:
        return None
    if not gate.domain[zone].all():
        return None
    if not all(follows(c, zone, rows) for c in cols if c.kind == ZONE):
        return None
    n_zones = len(gate.counts)
    start = gate.counts - int(gate.counts[domains].min())  # each zone's first round
    cap = np.bincount(zone, weights=k, minlength=n_zones).astype(np.int64)
    last = int((start + cap)[domains].min())  # the first round a domain cannot take its copy
    # Per zone, its copies in the rounds up to the one that makes `count` (or `last`).
    used = np.flatnonzero(cap > 0)
    upto = _cap_linear(start[used], cap[used], np.zeros(len(used), dtype=np.int64),
                       np.array([count]), 1)  # fmt: skip
    need = np.zeros(n_zones, dtype=np.int64)
    need[used] = np.minimum(upto, np.clip(last - start[used] + 1, 0, cap[used]))
    local = [c for c in cols if c.kind != ZONE]
    inst, t, owner, made = _by_zone(rows, k, zone, need, local)
    picked = _starts(owner)  # the zone's copies before this one
    values = _zone_keys(cols, inst, t, picked, count, made)
    perm = _sort(start[owner] + picked, *values, inst)
    out: Ints = inst[perm[:count]]
    return out


# Past this many zones the level order is not tried: its check costs a pass per zone.
_LEVEL_ZONES = 16


def _zone_keys(
    cols: Sequence[Column], inst: Ints, t: Ints, picked: Ints, count: int,
    made: list[Ints] | None = None,
) -> list[Ints]:  # fmt: skip
    """The chain's keys of each zone's slots, a zone strategy's being the zone's level then.

    `picked`: the zone's copies before each slot (the zones being the gate's, `follows`);
    `made`: the other columns' keys, in order, if `_by_zone` has them.
    """
    values = []
    local = iter(made or [])
    for c in cols:
        if c.kind != ZONE:
            values.append(next(local) if made is not None else _values(c, inst, t))
            continue
        assert c.levels is not None
        own = c.base[inst]
        top = int(np.delete(c.levels, c.missing).max(initial=0)) + count + 1
        values.append(np.where(own == c.missing, top, c.levels[own] + picked))
    return values


def _by_zone(
    rows: Ints, k: Ints, zone: Ints, need: Ints, local: Sequence[Column]
) -> tuple[Ints, Ints, Ints, list[Ints] | None]:
    """`_sequence` with the zones as groups, one zone at a time (few zones).

    One group's threshold for `random` keys is a selection; several groups' is a sort.
    Returns the local columns' keys of the slots too where `_sequence` made them (else None).
    """
    by_zone = np.argsort(zone, kind="stable")
    zs = zone[by_zone]
    parts: list[tuple[Ints, Ints, Ints]] = []
    made: list[list[Ints]] = []
    for d in np.flatnonzero(need).tolist():
        lo, hi = np.searchsorted(zs, [d, d + 1])
        mine = by_zone[lo:hi]
        keys: list[Ints] = []
        inst, t, _ = _sequence(rows[mine], k[mine], np.zeros(hi - lo, dtype=np.int64),
                               need[d : d + 1], local, keys)  # fmt: skip
        parts.append((inst, t, np.full(len(inst), d, dtype=np.int64)))
        made.append(keys)
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, None
    inst, t, owner = (np.concatenate(p) for p in zip(*parts, strict=True))
    if not local or any(len(m) != len(local) for m in made):
        return inst, t, owner, None
    keys = [np.concatenate(v) for v in zip(*made, strict=True)]
    return inst, t, owner, keys


def _levels(rows: Ints, k: Ints, cols: Sequence[Column], count: int, gate: ZoneGate) -> Ints | None:
    """The gated order for any maxSkew by levels, checked (module docstring); None if not decided.

    Zone d's copy at level l (its count before the copy) may go once low >= l + 1 - K, that
    is once every domain took its copy at level l - K. Each zone's sequence is fixed, so its
    j-th copy is taken, at the earliest, when its key is the least of the heads: ranked by
    the running maximum `top` of its zone's keys, not before the copy that lets it through.
    With M(u), the rank by which every domain has taken its copy at level u,
    M(u) = max(top over the domains' copies at level u, M(u - K)): a cumulative maximum with
    stride K. Copies sorted by (max(top, M(l - K)), l, key) is the candidate; it is checked
    copy by copy against the greedy rule (the copy allowed, its key the least of the open
    zones' heads), and only a candidate that passes is returned.
    """
    domains = np.flatnonzero(gate.domain)
    zone = gate.zones[rows]
    n_zones = len(gate.counts)
    if not len(domains) or len(domains) < gate.min_domains or not gate.domain[zone].all():
        return None
    if not all(follows(c, zone, rows) for c in cols if c.kind == ZONE):
        return None
    used = np.flatnonzero(np.bincount(zone, minlength=n_zones))
    if len(used) > _LEVEL_ZONES:
        return None
    skew = gate.skew
    counts = gate.counts
    cap = np.bincount(zone, weights=k, minlength=n_zones).astype(np.int64)
    # No zone's count passes low + K, and low ends at most at the domains' mean count.
    high = (int(counts[domains].sum()) + count) // len(domains) + skew
    need = np.clip(np.minimum(np.minimum(cap, count), high - counts), 0, None)
    local = [c for c in cols if c.kind != ZONE]
    inst, t, owner, made = _by_zone(rows, k, zone, need, local)
    if not len(inst):
        return None
    picked = _starts(owner)
    values = _zone_keys(cols, inst, t, picked, count, made)
    rank = _dense(*values, inst)
    level = counts[owner] + picked
    perm = _order(rank, owner, level, counts, domains, skew)
    if perm is None:
        when = _when(rank, owner, level, counts, domains, skew, n_zones)
        if when is None:
            return None
        held = np.flatnonzero(when >= 0)
        perm = held[np.argsort(when[held], kind="stable")]
    perm = perm[:count]
    if not _greedy(perm, owner, rank, level, counts, gate, need < cap, count):
        return None
    out: Ints = inst[perm]
    return out


# Passes of `_when` at most: each splits the ties the one before left.
_PASSES = 64

# Ties of at most this many slots are merged, a copy a step, rather than split pass by pass.
_SIM_PART = 256


def _when(
    rank: Ints, owner: Ints, level: Ints, counts: Ints, domains: Ints, skew: int, n_zones: int
) -> Ints | None:
    """Per slot, its key: slots sort by it, stably, into the candidate order.

    A pass gives each slot e = max(top, M(l - K)) (`_levels`), the slots of one class before
    it sharing it. Slots that share e come together, the first being the one whose own rank
    is e (its source): it goes first, and the rest follow by the same rule among themselves
    (their ranks, the source's counted as none). Each pass refines the classes so, on the
    slots whose class is neither theirs alone nor their zone's alone (the others no longer
    move: one zone's slots go in its order, the slots' own), until none is left. A class is
    named by the slots in classes before it, so a split names its parts without renaming
    any other. Once every such tie is small (`_SIM_PART`) and ranks differ, the ties are
    merged instead (`_merge`): each is a gated greedy of its own, every zone's count being
    its count plus its slots in classes before it. The key: class * (_SIM_PART + 1) + step in
    the merge; -1: never (a copy waiting on a domain's copy at a level that domain never
    reaches). None if ties are left after `_PASSES`.
    """
    n = len(rank)
    width = n + 2  # a (class, own rank + 1) pair packed in one int
    span = -(-(int(level.max()) + 1) // skew) * skew  # whole rows of K levels
    reach = counts + np.bincount(owner, minlength=n_zones)  # first level without a slot
    low0 = int(counts[domains].min())
    # M(u) is never from the first level some domain does not reach: copies waiting on it.
    cut = int(reach[domains].min())
    live = level - skew < cut
    distinct = int(rank.max(initial=-1)) + 1 == n  # the merge needs a strict order
    cls = np.zeros(n, dtype=np.int64)
    # The slots still moving, compacted each pass (by zone, in order, like the slots).
    active = np.flatnonzero(live)
    z, lev, own = owner[active], level[active], rank[active]
    c = np.zeros(len(active), dtype=np.int64)
    zones = [d for d in domains.tolist() if reach[d] > counts[d]]
    for _ in range(_PASSES):
        if not len(active):
            out: Ints = np.where(live, cls * (_SIM_PART + 1), -1)
            return out
        packed = c * width + own + 1
        # Running maximum within each zone (slots come by zone, in order; classes only rise).
        zone_base = z * (n * width)
        top = np.maximum.accumulate(zone_base + packed) - zone_base
        # M(u): the last of the domains' copies at level u, a cumulative maximum with stride
        # K (a domain already past u counts as nothing, 0), down the columns of K levels a
        # row. Each zone's levels rise, one by one while none has settled.
        pm = np.zeros(span, dtype=np.int64)
        lows = np.searchsorted(z, zones, side="left")
        highs = np.searchsorted(z, zones, side="right")
        for lo, hi in zip(lows.tolist(), highs.tolist(), strict=True):
            if hi > lo and int(lev[hi - 1]) - int(lev[lo]) == hi - lo - 1:
                at: slice | Ints = slice(int(lev[lo]), int(lev[hi - 1]) + 1)
            else:
                at = lev[lo:hi]
            pm[at] = np.maximum(pm[at], top[lo:hi])
        pm[:low0] = 0
        m = np.maximum.accumulate(pm.reshape(-1, skew), axis=0).reshape(-1)
        before = lev - skew
        release = np.where(before >= low0, m[np.clip(before, 0, span - 1)], 0)
        # A release from an earlier class came before this one began: it orders nothing.
        release = np.where(release >= c * width, release, 0)
        e = np.maximum(top, release)
        # Split each class by e: a part is named by its class plus the slots of the class
        # in parts before it. Each zone's e nearly rises: a stable sort merges the runs.
        perm = np.argsort(e, kind="stable")  # which of equal ones comes first names nothing
        se, sc, zs = e[perm], c[perm], z[perm]
        index = np.arange(len(se), dtype=np.int64)
        new_part = np.ones(len(se), dtype=bool)
        new_part[1:] = se[1:] != se[:-1]
        new_class = np.ones(len(se), dtype=bool)
        new_class[1:] = sc[1:] != sc[:-1]
        part_start = np.maximum.accumulate(np.where(new_part, index, 0))
        class_start = np.maximum.accumulate(np.where(new_class, index, 0))
        c[perm] = sc + part_start - class_start
        own = np.where(packed == e, -1, own)  # each source goes first: none now
        # Parts of one slot are settled, and so are parts of one zone: its slots go in its
        # order (the final sort is stable).
        starts = np.flatnonzero(new_part)
        size = np.diff(starts, append=len(se))
        other = np.zeros(len(se), dtype=bool)
        other[1:] = (zs[1:] != zs[:-1]) & ~new_part[1:]
        mixed = np.logical_or.reduceat(other, starts)
        if distinct and mixed.any() and int(size[mixed].max()) <= _SIM_PART:
            cls[active] = c
            by_size = np.argsort(-size[mixed], kind="stable")
            ties = c[perm[starts[mixed]]][by_size]
            return _merged(ties, int(size[mixed].max()), cls, rank, owner, live, counts,
                           domains, zones, skew)  # fmt: skip
        shared = np.empty(len(perm), dtype=bool)
        shared[perm] = np.repeat(mixed, size)
        settled = ~shared
        cls[active[settled]] = c[settled]
        active, z, lev, own, c = (a[shared] for a in (active, z, lev, own, c))
    return None


def _merged(
    ties: Ints, steps: int, cls: Ints, rank: Ints, owner: Ints, live: npt.NDArray[np.bool_],
    counts: Ints, domains: Ints, zones: list[int], skew: int,
) -> Ints | None:  # fmt: skip
    """`_when`'s keys with the ties (their classes `ties`, largest first) merged."""
    held = np.flatnonzero(live)  # by zone, a prefix of each zone's slots
    whole = len(held) == len(live)
    key, own, z = (a if whole else a[held] for a in (cls, rank, owner))
    at = np.array(zones, dtype=np.int64)
    lows = np.searchsorted(z, at, side="left")
    highs = np.searchsorted(z, at, side="right")
    step = _merge(ties, key, own, lows, highs, counts, domains, at, skew, steps)
    if step is None:
        return None
    out: Ints = np.full(len(live), -1, dtype=np.int64)
    out[held] = key * (_SIM_PART + 1) + step
    return out


def _order(
    rank: Ints, owner: Ints, level: Ints, counts: Ints, domains: Ints, skew: int
) -> Ints | None:
    """The candidate order of the slots, by one pass of `_when` and a merge of each tie.

    The first pass's e is exact as the first key: a slot goes before every slot of a higher
    e (each waits on the copy whose rank is its e, and all of that copy's ancestors rank
    lower). Slots sharing e therefore come together, after its source, while every zone's
    count is its count of slots of lower e: so each tie is a small gated greedy of its own,
    its zones' next slots the only ones open, merged all ties at once, a copy a step. None
    (`_when` decides) where two slots share a rank, a tie is larger than `_SIM_PART`, or a
    merge stalls.
    """
    n = len(rank)
    if int(rank.max(initial=-1)) + 1 != n:
        return None  # two slots rank alike: the argument needs a strict order (`_when`)
    reach = counts + np.bincount(owner, minlength=len(counts))
    low0 = int(counts[domains].min())
    cut = int(reach[domains].min())
    active = np.flatnonzero(level - skew < cut)  # the others wait for good (`_when`)
    if not len(active):
        return active
    if len(active) == n:
        z, lev, own = owner, level, rank
    else:
        z, lev, own = owner[active], level[active], rank[active]
    zones = np.array([d for d in domains.tolist() if reach[d] > counts[d]], dtype=np.int64)
    lows = np.searchsorted(z, zones, side="left")
    highs = np.searchsorted(z, zones, side="right")
    zone_base = z * (n + 2)
    top = np.maximum.accumulate(zone_base + own + 1) - zone_base
    span = -(-(int(lev.max()) + 1) // skew) * skew  # whole rows of K levels
    pm = np.zeros(span, dtype=np.int64)
    for lo, hi in zip(lows.tolist(), highs.tolist(), strict=True):
        if hi > lo:  # a zone's levels rise one by one (the live slots are a prefix)
            at = slice(int(lev[lo]), int(lev[hi - 1]) + 1)
            if at.stop - at.start != hi - lo:
                return None
            pm[at] = np.maximum(pm[at], top[lo:hi])
    pm[:low0] = 0
    # The cumulative maximum with stride K: down the columns of K levels a row.
    m = np.maximum.accumulate(pm.reshape(-1, skew), axis=0).reshape(-1)
    before = lev - skew
    e = np.maximum(top, np.where(before >= low0, m[np.clip(before, 0, span - 1)], 0))
    # The ties: parts of equal e holding more than one zone (one zone's go in its order).
    perm = np.argsort(e, kind="stable")
    se, zs = e[perm], z[perm]
    new_part = np.ones(len(se), dtype=bool)
    new_part[1:] = se[1:] != se[:-1]
    starts = np.flatnonzero(new_part)
    size = np.diff(starts, append=len(se))
    other = np.zeros(len(se), dtype=bool)
    other[1:] = (zs[1:] != zs[:-1]) & ~new_part[1:]
    mixed = np.logical_or.reduceat(other, starts)
    out: Ints = active[perm]  # a part of one zone is in its order already (stable sort)
    if not mixed.any():
        return out
    big = int(size[mixed].max())
    if big > _SIM_PART:
        return None
    by_size = np.argsort(-size[mixed], kind="stable")
    step = _merge(se[starts[mixed]][by_size], e, own, lows, highs, counts, domains, zones,
                  skew, big)  # fmt: skip
    if step is None:
        return None
    # A tie's slots go to its part's start plus their step in the merge.
    part = np.cumsum(new_part) - 1
    place = np.where(mixed[part], starts[part] + step[perm], np.arange(len(perm)))
    out[place] = active[perm]
    return out


def _merge(
    ties: Ints, e: Ints, own: Ints, lows: Ints, highs: Ints, counts: Ints, domains: Ints,
    zones: Ints, skew: int, steps: int,
) -> Ints | None:  # fmt: skip
    """Per slot, its place in its tie (`_order`, `_when`): each tie's gated greedy, all at once.

    `ties`: the ties' classes, largest tie first; `e`: each slot's class, rising along a
    zone, whose slots lie at lows..highs. Zone d's count when a tie begins is its count plus
    its slots of lower classes (all taken before: classes are intervals of the order), and a domain
    without slots keeps its count. Each step every tie not done takes, among its zones' next
    slots the gate lets through, the one of least rank. None if a tie stalls.
    """
    n_ties, n_zones = len(ties), len(zones)
    # By zone, then tie: a step's reductions run across the zones, elementwise.
    start = np.empty((n_zones, n_ties), dtype=np.int64)
    end = np.empty((n_zones, n_ties), dtype=np.int64)
    for j, (lo, hi) in enumerate(zip(lows.tolist(), highs.tolist(), strict=True)):
        mine = e[lo:hi]
        if (mine[1:] < mine[:-1]).any():
            return None  # a zone's e always rises (each slot waits on the one before)
        start[j] = lo + np.searchsorted(mine, ties, side="left")
        end[j] = lo + np.searchsorted(mine, ties, side="right")
    base = (counts[zones] - lows)[:, None]  # a zone's count is its head plus this
    idle = np.setdiff1d(domains, zones)
    idle_too = bool(len(idle))
    floor = int(counts[idle].min()) if idle_too else 0
    room = skew - base
    size = (end - start).sum(axis=0)
    head = start  # each tie's next slot per zone, taken in place
    flat_head = head.reshape(-1)
    never = np.iinfo(np.int64).max
    rank_at = np.append(own, never)  # past a zone's slots: never least
    none = len(own)
    out = np.zeros(len(own), dtype=np.int64)
    tie_at = np.arange(n_ties)
    zone_at = np.arange(n_zones)[:, None] * n_ties
    live = n_ties
    for s in range(steps):
        while live and size[live - 1] <= s:
            live -= 1
        h = head[:, :live]
        low = (h + base).min(axis=0)
        if idle_too:
            np.minimum(low, floor, out=low)
        # Open: a slot left, and the count + 1 - low <= K, that is head < low + K - base.
        keys = rank_at[np.where(h < np.minimum(end[:, :live], low + room), h, none)]
        least = keys.min(axis=0)
        if (least == never).any():
            return None  # a tie with slots left and none open
        # Ranks differ (checked by the callers): one zone holds the least, its flat index summed.
        flat = ((keys == least) * zone_at).sum(axis=0) + tie_at[:live]
        out[flat_head[flat]] = s
        flat_head[flat] += 1
    return out


def _greedy(
    perm: npt.NDArray[np.intp], owner: Ints, rank: Ints, level: Ints, counts: Ints,
    gate: ZoneGate, short: npt.NDArray[np.bool_], count: int,
) -> bool:  # fmt: skip
    """Whether slots `perm` (of zones `owner`, by zone in order) are the gated greedy order.

    Each copy must be its zone's next slot, allowed by the gate, and of a lower rank than
    every other open zone's next slot; when fewer than `count` come, no open zone may have a
    slot left. A zone whose slots were cut short (`short`) has unknown slots past them.
    Zones are few (`_LEVEL_ZONES`): each is one pass over the copies, no sort.
    """
    zone = owner[perm]
    m = len(perm)
    n_zones = len(counts)
    size = np.bincount(owner, minlength=n_zones)
    firsts = np.zeros(n_zones, dtype=np.int64)
    firsts[1:] = np.cumsum(size)[:-1]
    # Zone d's copies before copy i (i = 0 .. m), and the least count over the domains then.
    heads: dict[int, Ints] = {}
    low = np.full(m + 1, np.iinfo(np.int64).max, dtype=np.int64)
    placed = np.bincount(zone, minlength=n_zones)
    for d in np.flatnonzero(placed).tolist():
        mine = zone == d
        head = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(mine, out=head[1:])
        if (perm[mine] != firsts[d] + head[:m][mine]).any():
            return False  # not the zone's next slot
        heads[d] = head
        if gate.domain[d]:
            np.minimum(low, counts[d] + head, out=low)
    idle = gate.domain & (placed == 0)
    if idle.any():
        np.minimum(low, int(counts[idle].min()), out=low)
    if (level[perm] + 1 - low[:m] > gate.skew).any():
        return False
    chosen = rank[perm]
    none = np.zeros(m + 1, dtype=np.int64)
    for d in np.flatnonzero(size | short).tolist():
        head = heads.get(d, none)
        open_ = counts[d] + head + 1 - low <= gate.skew
        left = head < size[d]
        if short[d] and (open_ & ~left).any():
            return False  # its next slot was not made: unknown
        if not size[d]:
            continue
        check = open_[:m] & left[:m] & (zone != d)
        at = np.flatnonzero(check)
        if len(at) and (rank[firsts[d] + head[at]] < chosen[at]).any():
            return False
        if m < count and open_[m] and left[m]:
            return False
    return True


def _stop(chosen: Ints, k: Ints, gate: ZoneGate) -> int | None:
    """Where the gated order ends if it agrees with `chosen` up to the gate's first refusal.

    `chosen` is the order without the gate. Up to its first copy the gate refuses, each pick
    was the best open one, so the gated order is the same. There the gated order stops if no
    open zone has room left: the copies returned is that prefix's length. None if one has.
    """
    n = len(chosen)
    zone = gate.zones[chosen]
    level = gate.counts[zone] + _within(zone)  # the zone's count when copy i comes
    domains = np.flatnonzero(gate.domain)
    if len(domains) >= gate.min_domains and len(domains):
        low = _least(level, zone, gate, domains, n)
    else:
        low = np.zeros(n, dtype=np.int64)
    refused = np.flatnonzero(level + 1 - low > gate.skew)
    if not len(refused):
        return n
    f = int(refused[0])
    counts = gate.counts + np.bincount(zone[:f], minlength=len(gate.counts))
    room = np.bincount(gate.zones, weights=k, minlength=len(gate.counts)) - (counts - gate.counts)
    low_f = int(low[f])
    open_zones = counts + 1 - low_f <= gate.skew
    return None if (open_zones & (room > 0)).any() else f


def _least(level: Ints, zone: Ints, gate: ZoneGate, domains: Ints, n: int) -> Ints:
    """Per copy i, the least count over the domains before it.

    A domain first reaches level L + 1 with the copy that finds it at L; the least count
    reaches L + 1 with the last domain to do so (`reach`), never if one never does.
    """
    low0 = int(gate.counts[domains].min())
    in_domain = gate.domain[zone]
    new = level[in_domain] + 1 - low0  # levels above low0 that each copy reaches
    span = int(new.max(initial=0)) + 1
    reach = np.full(span, -1, dtype=np.int64)
    np.maximum.at(reach, new, np.flatnonzero(in_domain))
    placed = np.bincount(zone[in_domain], minlength=len(gate.counts))
    top = int((gate.counts + placed)[domains].min()) - low0  # levels every domain reaches
    times = reach[1 : top + 1]  # increasing: a level is reached after the one below
    out: Ints = low0 + np.searchsorted(times, np.arange(n), side="left")
    return out
