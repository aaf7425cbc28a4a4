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
room, the gated order stops right there. Otherwise the event loop of `order.py` decides.
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
    inst, t, owner = _sequence(rows, k, zone, need, local)
    picked = _starts(owner)  # the zone's copies before this one
    values = []
    for c in cols:
        if c.kind != ZONE:
            values.append(_values(c, inst, t))
            continue
        assert c.levels is not None
        own = c.base[inst]
        top = int(np.delete(c.levels, c.missing).max(initial=0)) + count + 1
        values.append(np.where(own == c.missing, top, c.levels[own] + picked))
    perm = _sort(start[owner] + picked, *values, inst)
    out: Ints = inst[perm[:count]]
    return out


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
