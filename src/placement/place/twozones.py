"""Two leading zone strategies, each instance's key fixed: the greedy order with bit masks.

For a chain `spread(attribute:A), spread(attribute:B)` followed only by strategies whose key
does not change as an instance takes copies (`binpack` without a demand), the greedy takes,
at each copy, the instance minimising (level of its A zone, level of its B zone, K), where K
is the instance's place in the order of the rest of the chain (then the index). Within one
(A zone, B zone) cell the instances go in K order, each taking all its copies in a row, so a
cell's *head* (its current instance) changes only when that instance is full.

Levels rise by one per copy, so the A zones take turns by level: the zones at the lowest level
form a *group*, each takes one copy, then the next group starts. The same holds for B whenever
some cell of the remaining A zones lies in a B zone at the lowest B level: then the best key
is the least K among the cells in (A zones left in the A group) x (B zones left in the B
group). Bits of small Python ints stand for the cells' heads, in K order (with gaps, so a
head that fills and moves on usually takes a free bit between its new neighbours), so that
least K is the lowest bit set in `A & B`: a few integer operations per copy.

Once every zone stands at one level and both groups start together, the picks are a function
of the heads' order alone: the copies until the next such point form a *period* (a cycle of
the groups), replayed from then on, in one loop until a head fills and moves (a head that
fills and keeps its place among the heads changes no pick; whole periods at once after nine
cycles without a fill: a task that reserves nothing never fills one). A head that
fills and moves past others (its key grew) changes a cycle only from the first copy where it
was taken with one of those among its candidates: the cycle under way and the period are
walked again from there, and only until the groups stand as they stood before (then the old
picks stand again). Each pick's candidates are kept as the zones its groups had taken, which
no move or renumbering changes.

When that intersection is empty (the best cell lies in a B zone above the lowest level, or
lacks B), or a cell runs out of instances, the masks no longer describe the choice: the
function stops and returns the copies decided so far; the caller goes on from that state
with the general event loop. Instances lacking A come after every instance with A, so they
are never chosen while cells with A have instances. An A zone whose instances all lack B
would take its turns on them: such inputs are left to the event loop from the start.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import numpy.typing as npt

__all__ = ["two_zone_prefix"]

Ints = npt.NDArray[np.int64]

def two_zone_prefix(
    zone_a: Ints, zone_b: Ints, key: Ints, k: Ints, levels_a: Ints, levels_b: Ints, count: int
) -> Ints:
    """The first copies of the greedy order, as indices into the rows: as many as it can decide.

    Per row: `zone_a`, `zone_b` (the zone's index, -1 when the row lacks the attribute), `key`
    (distinct, 0 .. rows - 1: the row's rank under the rest of the chain and the index), `k`
    (copies it can take, > 0). `levels_*`: the group's tasks per zone. At most `count` copies;
    fewer (maybe none) when the rest needs the general loop.
    """
    real = (zone_a >= 0) & (zone_b >= 0)
    n_a, n_b = len(levels_a), len(levels_b)
    # An A zone whose only instances lack B would take turns with the others: not described.
    with_a = np.bincount(zone_a[zone_a >= 0], minlength=n_a) > 0
    if not real.any() or (with_a != (np.bincount(zone_a[real], minlength=n_a) > 0)).any():
        return np.zeros(0, dtype=np.int64)
    by_key = np.empty(len(key), dtype=np.int64)
    by_key[key] = np.arange(len(key), dtype=np.int64)
    rows = by_key[real[by_key]]  # in key order (keys are 0 .. n - 1: no sort needed)
    cell_code = zone_a[rows] * n_b + zone_b[rows]
    codes = np.flatnonzero(np.bincount(cell_code, minlength=n_a * n_b))
    dense = np.zeros(n_a * n_b, dtype=np.int64)
    dense[codes] = np.arange(len(codes), dtype=np.int64)
    cell_of_row = dense[cell_code]
    # K order inside each cell: a stable sort of small ints (radix sort when they fit 16 bits).
    small = np.int16 if len(codes) < 2**15 else np.int64
    by_cell = np.argsort(cell_of_row.astype(small), kind="stable")
    ends = np.cumsum(np.bincount(cell_of_row, minlength=len(codes)))[:-1]
    cuts = [0, *ends.tolist(), len(rows)]
    keys_by_cell = key[rows][by_cell]
    copies_by_cell = np.minimum(k[rows][by_cell], count)
    # `count` copies reach few instances of each cell: only a first part of each is made
    # Python ints (about twice the instances a cell's share of the copies would fill),
    # and `grow` takes more when a head gets there. One gather and one list each, sliced
    # per cell: a tolist per cell costs more.
    n_cells = len(codes)
    reach = 16 + 2 * count * len(rows) // max(1, int(copies_by_cell.sum()) * n_cells)
    lengths = np.minimum(np.diff(np.asarray(cuts, dtype=np.int64)), reach)
    firsts = np.cumsum(lengths) - lengths
    at = np.repeat(np.asarray(cuts[:-1], dtype=np.int64) - firsts, lengths)
    at += np.arange(len(at), dtype=np.int64)
    keys_first: list[int] = keys_by_cell[at].tolist()
    copies_first: list[int] = copies_by_cell[at].tolist()
    bounds = [0, *np.cumsum(lengths).tolist()]
    seq = [keys_first[lo:hi] for lo, hi in pairwise(bounds)]
    copies = [copies_first[lo:hi] for lo, hi in pairwise(bounds)]

    def grow(c: int) -> bool:
        """Make the next instances of cell c Python ints (twice as many); False: none left."""
        lo = cuts[c] + len(seq[c])
        hi = min(cuts[c + 1], lo + max(16, len(seq[c])))
        if lo == hi:
            return False
        seq[c] += keys_by_cell[lo:hi].tolist()
        copies[c] += copies_by_cell[lo:hi].tolist()
        return True

    zone_of_a = (codes // n_b).tolist()
    zone_of_b = (n_a + codes % n_b).tolist()  # one list of zone masks: A zones, then B zones
    head = [0] * n_cells
    left = [c[0] for c in copies]
    key_of = [s[0] for s in seq]  # each cell's head
    # Bit positions stand for the heads in key order, with gaps, so that a head that moves
    # usually takes a free position between its new neighbours (else all are renumbered).
    # Up to 30 positions the masks are one-digit Python ints: twice as fast as 62 bits.
    span = max(30, 2 * n_cells)
    pos = [0] * n_cells
    cell_at = [0] * span
    zbits = [0] * (n_a + n_b)

    slots = [r * span // n_cells for r in range(n_cells)]
    all_slots = sum(1 << p for p in slots)  # `every` after a renumbering

    def renumber() -> None:
        """Spread the heads evenly over the positions; rebuild the zones' masks."""
        masks = [0] * len(zbits)
        for c, p in zip(sorted(range(n_cells), key=key_of.__getitem__), slots, strict=True):
            pos[c] = p
            cell_at[p] = c
            bit = 1 << p
            masks[zone_of_a[c]] |= bit
            masks[zone_of_b[c]] |= bit
        zbits[:] = masks

    renumber()
    live_a = [z for z in range(n_a) if zbits[z]]
    live_b = [z for z in range(n_a, n_a + n_b) if zbits[z]]
    lev = [*levels_a.tolist(), *levels_b.tolist()]
    group_a: list[int] = []
    group_b: list[int] = []

    def turn(group: list[int], live: list[int]) -> int:
        """Start the next group (the live zones at the lowest level); its mask."""
        for z in group:
            lev[z] += 1  # every zone of the group ended took one copy (none ran out)
        low = min(lev[z] for z in live)
        group[:] = [z for z in live if lev[z] == low]
        mask = 0
        for z in group:
            mask |= zbits[z]
        return mask

    mask_a = turn(group_a, live_a)
    mask_b = turn(group_b, live_b)
    # Once every live zone stands at one level, each group is all of them: the whole mask.
    even_a = len(group_a) == len(live_a)
    even_b = len(group_b) == len(live_b)
    every = 0
    for z in live_a:
        every |= zbits[z]
    cell_of_key = np.zeros(len(key), dtype=np.int64)
    cell_of_key[key[rows]] = cell_of_row
    out: list[int] = []
    append = out.append

    passed: list[int] = []

    def advance(c: int) -> int:
        """Cell c's head is full: take the next one.

        Returns 0 (it keeps its bit), 1 (it moved), 2 (all were renumbered) or -1 (none left).
        """
        nonlocal every
        h = head[c] + 1
        if h == len(seq[c]) and not grow(c):
            return -1
        head[c] = h
        left[c] = copies[c][h]
        new = seq[c][h]
        key_of[c] = new
        # Keys only grow: c keeps its bit while its new key stays below the next head's.
        # The heads it goes past are `passed`.
        passed.clear()
        low = pos[c]
        above = every >> (low + 1)
        while above:
            up = (above & -above).bit_length()
            d = cell_at[low + up]
            if new < key_of[d]:
                break
            passed.append(d)
            low += up
            above >>= up
        if low == pos[c]:
            return 0
        high = low + (above & -above).bit_length() if above else span
        if high - low > 1:
            # c's zones just left both groups: its bit is in neither group mask.
            p = (low + high) >> 1
            flip = (1 << pos[c]) | (1 << p)
            zbits[zone_of_a[c]] ^= flip
            zbits[zone_of_b[c]] ^= flip
            every ^= flip
            pos[c] = p
            cell_at[p] = c
            return 1
        renumber()
        every = all_slots
        return 2

    def group_mask(start: int, group: list[int], even: bool, zone_of: list[int]) -> int:
        """A group's mask now: its zones less those the copies since `start` (its start) took."""
        mask = every
        if not even:
            mask = 0
            for z in group:
                mask |= zbits[z]
        for c in cell_of_key[out[start:]].tolist():
            mask &= ~zbits[zone_of[c]]
        return mask

    def taken(seq: list[int], upto: int, size: int, zone_of: list[int]) -> tuple[int, int]:
        """The zones (as bits of zone numbers) the group open at `upto` took, and its mask."""
        zones = mask = 0
        for c in seq[upto - upto % size:upto]:
            zones |= 1 << zone_of[c]
            mask |= zbits[zone_of[c]]
        return zones, every & ~mask

    def walk(seq: list[int], took_a: list[int], took_b: list[int], c: int, j: int) -> bool:
        """Redo the picks of one cycle from its copy j on, c having moved past `passed`.

        `took_*[j]`: the zones the groups had taken before copy j, which are what its
        candidates were. Where the groups stand as they stood before, the old picks stand
        again up to the next copy c won against a passed head: the walk goes on from there.
        False when some pick finds no candidate (the masks stop there).
        """
        na, nb, size = len(live_a), len(live_b), len(seq)
        zones_a, mask_a = taken(seq, j, na, zone_of_a)
        zones_b, mask_b = taken(seq, j, nb, zone_of_b)
        i, fresh = j, True
        while i < size:
            if not i % na:
                zones_a, mask_a = 0, every
            if not i % nb:
                zones_b, mask_b = 0, every
            if not fresh and zones_a == took_a[i] and zones_b == took_b[i]:
                i = affected(seq, took_a, took_b, c, i)  # seq[i:] are the old picks
                if i < 0:
                    return True
                zones_a, mask_a = taken(seq, i, na, zone_of_a)
                zones_b, mask_b = taken(seq, i, nb, zone_of_b)
            fresh = False
            both = mask_a & mask_b
            if not both:
                return False
            d = cell_at[(both & -both).bit_length() - 1]
            seq[i], took_a[i], took_b[i] = d, zones_a, zones_b
            za, zb = zone_of_a[d], zone_of_b[d]
            zones_a |= 1 << za
            zones_b |= 1 << zb
            mask_a &= ~zbits[za]
            mask_b &= ~zbits[zb]
            i += 1
        return True

    def affected(seq: list[int], took_a: list[int], took_b: list[int], c: int, lo: int) -> int:
        """The first copy from `lo` where c won against a head it has now passed (-1: none)."""
        j = lo - 1
        for _ in range(seq[lo:].count(c)):  # c's copies, found in C
            j = seq.index(c, j + 1)
            ta, tb = took_a[j], took_b[j]
            for d in passed:
                if not ((ta >> zone_of_a[d]) | (tb >> zone_of_b[d])) & 1:
                    return j
        return -1

    def replay(period: list[int], n: int) -> tuple[int, int]:
        """Place copies from n on by repeating `period`, a cycle of the groups.

        A head that fills and moves past others (its key grew) changes a cycle only from
        the first copy where it was taken with one of those among the candidates (they
        would win now): before it every choice stays, so the cycle is walked again from
        there on. Both the cycle under way and the period (the cycles after it) are fixed
        up so. Returns the copies decided and 0 (`count` reached), -1 (a cell ran out) or,
        when a walk finds no candidate, the copies of the cycle under way placed so far.
        """
        size = len(period)
        na, nb = len(live_a), len(live_b)
        took_a: list[int] = []
        took_b: list[int] = []
        zones_a = zones_b = 0
        for i, c in enumerate(period):
            if not i % na:
                zones_a = 0
            if not i % nb:
                zones_b = 0
            took_a.append(zones_a)
            took_b.append(zones_b)
            zones_a |= 1 << zone_of_a[c]
            zones_b |= 1 << zone_of_b[c]
        cycle, cycle_a, cycle_b = period, took_a, took_b
        i = 0  # copies of the cycle under way placed
        extend = out.extend
        times: dict[int, int] = {}
        while True:
            # The cycle under way, then a few periods: one loop until a head moves.
            todo = cycle[i:] + period * 8
            if len(todo) > count - n:
                del todo[count - n:]
            done = len(out)
            filled = False
            for c in todo:
                append(key_of[c])
                left_[c] -= 1
                if left_[c]:
                    continue
                filled = True
                # A head filled. Most often the next one keeps its place among the heads
                # (its key stays below the next head's): then nothing else changes and the
                # period goes on, in this loop. Else `advance` moves it, below.
                h = head[c] + 1
                instances = seq[c]
                if h < len(instances):
                    new = instances[h]
                    above = every >> (pos[c] + 1)
                    if not above or new < key_of[cell_at[pos[c] + (above & -above).bit_length()]]:
                        head[c] = h
                        left_[c] = copies[c][h]
                        key_of[c] = new
                        continue
                break
            else:
                c = -1  # no head moved
            took = len(out) - done
            n += took
            if n == count:
                return n, 0
            i += took
            if i >= size:  # the cycle under way ended: periods since
                i = (i - size) % size
                cycle, cycle_a, cycle_b = period, took_a, took_b
            if c < 0 and filled:
                pass  # heads filled in place: the period goes on
            elif c < 0:
                # No head filled in nine cycles (a task reserving nothing never fills one):
                # the whole periods before the next fill at once. The period's cells and
                # their copies in it are counted once per version of the period.
                if not times:
                    for c in period:
                        times[c] = times.get(c, 0) + 1
                whole = min(min((left_[c] - 1) // m for c, m in times.items()), (count - n) // size)
                if whole:
                    extend([key_of[c] for c in period] * whole)
                    n += whole * size
                    for c, m in times.items():
                        left_[c] -= m * whole
                    if n == count:
                        return n, 0
            else:
                moved = advance(c)
                if moved < 0:
                    return n, -1
                if moved:
                    j = affected(period, took_a, took_b, c, 0)
                    if cycle is period and 0 <= j < i:
                        # The cycle under way keeps its copies before j: fixed up apart.
                        cycle, cycle_a, cycle_b = period[:], took_a[:], took_b[:]
                    if cycle is not period:
                        jc = affected(cycle, cycle_a, cycle_b, c, i)
                        if jc >= 0 and not walk(cycle, cycle_a, cycle_b, c, jc):
                            return n, i
                    if j >= 0:
                        times.clear()
                        if not walk(period, took_a, took_b, c, j):
                            return n, i

    # Where the groups started, and the last time both started together in an even state
    # (the groups are then all live zones, whatever came before): from there on the picks
    # repeat while no head takes another bit (`version`), so one period is replayed.
    start_a = start_b = n = 0
    mark, mark_version, version = -1, -1, 0
    # Local names for the loop (the closures above change these lists in place).
    bits, at_bit, zones_a, zones_b, left_ = zbits, cell_at, zone_of_a, zone_of_b, left
    while n < count:
        both = mask_a & mask_b
        if not both:
            break  # the best cell is outside the two groups' intersection
        c = at_bit[(both & -both).bit_length() - 1]
        append(key_of[c])
        n += 1
        mask_a &= ~bits[zones_a[c]]
        mask_b &= ~bits[zones_b[c]]
        left_[c] -= 1
        if not left_[c]:
            moved = advance(c)
            if moved < 0:
                break  # the cell ran out: its zones' turns change
            if moved:
                version += 1
                if moved == 2:
                    mask_a = group_mask(start_a, group_a, even_a, zone_of_a)
                    mask_b = group_mask(start_b, group_b, even_b, zone_of_b)
        if not mask_a:
            start_a = n
            if even_a:
                mask_a = every
            else:
                mask_a = turn(group_a, live_a)
                even_a = len(group_a) == len(live_a)
        if mask_b:
            continue
        start_b = n
        if not even_b:
            mask_b = turn(group_b, live_b)
            even_b = len(group_b) == len(live_b)
            continue
        mask_b = every
        if start_a != n or not even_a:
            continue
        if mark_version == version:
            # The picks since the mark are one period: replay it, fixing it up where a head
            # that moves changes it, until `count` (or a hand-over: see `replay`).
            n, stopped = replay(cell_of_key[out[mark:]].tolist(), n)
            if n == count or stopped < 0:
                break  # done, or a cell ran out
            # The period could not be fixed up after `stopped` copies of it: the groups
            # started where the period did, then every len(live) copies; their masks from
            # the copies since.
            version += 1
            begin = n - stopped
            start_a = begin + stopped // len(live_a) * len(live_a)
            start_b = begin + stopped // len(live_b) * len(live_b)
            mask_a = group_mask(start_a, group_a, True, zone_of_a)
            mask_b = group_mask(start_b, group_b, True, zone_of_b)
            mark_version = -1
            continue
        mark, mark_version = n, version
    return by_key[np.fromiter(out, dtype=np.int64, count=len(out))]  # the row of each key
