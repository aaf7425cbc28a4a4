"""Random draws for the `random` strategy, shared by every placer so that they agree.

The definition (docs/placement.md, "Random, and seeds"): each `random` in the chain gives
instance i, for the t-th copy it takes in this placement (t = 0, 1, ...), the integer key

    key(i, t) = step(i, 0) + step(i, 1) + ... + step(i, t)

where step(i, u) >= 1 is an (almost exactly) exponentially distributed integer drawn from a
counter-based hash of (seed, position of the rule in the chain, i, u). Lower keys rank first.

Why this shape: every instance's keys are known in advance and strictly increase with t, so
the batch placer can merge them (a sort) instead of drawing `len(inventory)` numbers per copy.
And because exponential waiting times forget the past, when `random` leads the chain each copy
goes to an (almost exactly) uniformly random candidate, whatever went before: the instances
behave like independent Poisson clocks, the next tick belongs to each with equal chance.
Everything is integer arithmetic, so the three placers compute identical keys.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..rules.base import Strategy

__all__ = ["RandomKeys", "random_keys", "stop_generators", "KeyState"]

Ints = npt.NDArray[np.int64]
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15

# The inverse of the exponential distribution's CDF at 2**16 + 1 evenly spaced points, in
# units of 2**-32 (mean step 2**32): step = -ln(u) * 2**32, linearly interpolated between
# the points. Keys stay below 2**63 for over a billion copies on one instance.
_BITS = 16
_SCALE = float(1 << 32)
_p = np.arange((1 << _BITS) + 1, dtype=np.float64) / float(1 << _BITS)
_p[-1] = 1.0 - 0.5 / float(1 << _BITS)  # u = 1 would be infinite: half a bucket short of it
# _EDGES[j] = -ln(1 - j / 2**16), scaled: bucket j (the top bits of a uniform word) spans
# [_EDGES[j], _EDGES[j + 1]).
_EDGES = np.round(-np.log1p(-_p) * _SCALE).astype(np.int64)
_WIDTHS = np.diff(_EDGES)  # bucket j's width: one gather instead of two per step
del _p
_CHUNK = 1 << 14  # slots per chunk of `RandomKeys._steps` (128 KiB per array)


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finalizer: a bijection on 64-bit words that scrambles every bit.

    Works in place on `x` (a fresh array the caller owns) with one scratch array: the keys of
    a batch are made by the tens of thousands, and temporaries cost more than the arithmetic.
    """
    scratch = x >> np.uint64(30)
    x ^= scratch
    x *= np.uint64(0xBF58476D1CE4E5B9)
    np.right_shift(x, np.uint64(27), out=scratch)
    x ^= scratch
    x *= np.uint64(0x94D049BB133111EB)
    np.right_shift(x, np.uint64(31), out=scratch)
    x ^= scratch
    return x


def _mix_int(x: int) -> int:
    """`_mix` on one Python int (mod 2**64)."""
    x &= _MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class RandomKeys:
    """The keys of one `random` rule: `key(i, t)` for instance i's t-th copy."""

    def __init__(self, seed: int, position: int):
        word = _mix_int(position + _GOLDEN)
        # Seeds may be any non-negative int: fold them in 64 bits at a time.
        while True:
            word = _mix_int(word ^ (seed & _MASK) ^ _GOLDEN)
            seed >>= 64
            if not seed:
                break
        self.word = np.uint64(word)

    def steps(self, rows: npt.ArrayLike, t: npt.ArrayLike) -> Ints:
        """step(i, t) for each (row, t) pair: integers >= 1, mean about 2**32."""
        words = np.asarray(rows, dtype=np.int64).astype(np.uint64)
        return self._steps(self._row_words(words), np.asarray(t, dtype=np.int64))

    def _row_words(self, words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        """The per-row half of the hash (the same for every t of a row)."""
        words *= np.uint64(_GOLDEN)
        words ^= self.word
        return _mix(words)

    @staticmethod
    def _steps(mixed: npt.NDArray[np.uint64], t: Ints) -> Ints:
        """step(i, t) from row i's `_row_words` (one per slot) and t.

        A chunk at a time: each step takes a dozen array operations, and temporaries past a
        few hundred kilobytes are fresh pages from the system on every operation (far slower
        than the arithmetic), while chunks this size reuse the allocator's memory.
        """
        out: Ints = np.empty(len(t), dtype=np.int64)
        for at in range(0, len(t), _CHUNK):
            h = t[at : at + _CHUNK].astype(np.uint64)
            h *= np.uint64(0xD1B54A32D192ED03)
            h += mixed[at : at + _CHUNK]
            h = _mix(h)
            bucket = (h >> np.uint64(64 - _BITS)).astype(np.int64)
            h >>= np.uint64(64 - 2 * _BITS)
            h &= np.uint64((1 << _BITS) - 1)
            within = h.astype(np.int64)
            # width < 2**47 and within < 2**16: the product fits in int64.
            within *= _WIDTHS.take(bucket)
            within >>= _BITS
            within += _EDGES.take(bucket)
            np.maximum(within, 1, out=out[at : at + _CHUNK])
        return out

    def first(self, rows: npt.ArrayLike) -> Ints:
        """key(i, 0) for each row."""
        rows = np.asarray(rows, dtype=np.int64)
        return self.steps(rows, np.zeros(len(rows), dtype=np.int64))

    def runs(self, rows: Ints, lengths: Ints) -> Ints:
        """key(i, t) for t = 0 .. lengths[i] - 1, row after row (flattened)."""
        return self.runs_from(rows, np.zeros(len(rows), dtype=np.int64), lengths,
                              np.zeros(len(rows), dtype=np.int64))  # fmt: skip

    def runs_from(self, rows: Ints, start: Ints, lengths: Ints, before: Ints) -> Ints:
        """key(i, t) for t = start[i] .. start[i] + lengths[i] - 1, row after row (flattened).

        `before[i]`: key(i, start[i] - 1), 0 when start[i] is 0; so runs made earlier go on
        where they stopped.
        """
        lengths = np.asarray(lengths, dtype=np.int64)
        some = lengths > 0
        rows, start, lengths, before = rows[some], start[some], lengths[some], before[some]
        mixed = np.repeat(self._row_words(rows.astype(np.uint64)), lengths)
        firsts = np.cumsum(lengths) - lengths
        # t runs start[i], start[i] + 1, ...: one arange, shifted per row.
        t = np.arange(len(mixed), dtype=np.int64)
        t += np.repeat(start - firsts, lengths)
        steps = self._steps(mixed, t)
        total = np.cumsum(steps)
        # A running sum restarted at each row: take off the sum before the row's first slot
        # and put on the row's key before it.
        offset = before - (total[firsts] - steps[firsts])
        total += np.repeat(offset, lengths)
        return total


def _own_seed(rule: Strategy, seed: int | None) -> int | None:
    """The rule's own seed, else the call's."""
    own: int | None = getattr(rule, "seed", None)
    return own if own is not None else seed


def random_keys(strategy: Sequence[Strategy], seed: int | None) -> list[RandomKeys]:
    """One `RandomKeys` per `random` rule, in chain order, seeded by the rule or by `seed`.

    `seed=None` (and no seed on the rule) draws a fresh seed: a different order each call.
    """
    out = []
    fresh: int | None = None
    for position, rule in enumerate(strategy):
        if rule.random:
            own = _own_seed(rule, seed)
            if own is None:
                fresh = secrets.randbits(64) if fresh is None else fresh
                own = fresh
            out.append(RandomKeys(own, position))
    return out


def stop_generators(strategy: Sequence[Strategy], seed: int | None) -> list[np.random.Generator]:
    """Scale-in's draws: one numpy generator per `random` rule, seeded by the rule or `seed`.

    Choosing which task to stop (SEMANTICS.md §4) draws `rng.random(number of task rows)` from
    each, once per stop, in chain order; the vectorized scale-in, its per-task reference and
    the deployments all draw this way, so they agree.
    """
    out = []
    for position, rule in enumerate(strategy):
        if rule.random:
            own = _own_seed(rule, seed)
            out.append(np.random.default_rng(None if own is None else [own, position]))
    return out


class KeyState:
    """One `random` rule's current keys over a mutable state.

    `current[i]` is key(i, t_i), t_i the copies instance i took since the state started: the
    live state's view of `RandomKeys`, so rank-and-commit steps meet exactly the keys the
    batch placer merges.
    """

    __slots__ = ("keys", "taken", "current")

    def __init__(self, keys: RandomKeys, n: int) -> None:
        self.keys = keys
        self.taken = np.zeros(n, dtype=np.int64)
        self.current = keys.first(np.arange(n))

    def took(self, i: int) -> None:
        """Instance `i` took one more copy: its key moves one step on."""
        self.taken[i] += 1
        self.current[i] += int(self.keys.steps([i], [int(self.taken[i])])[0])

    def gave_back(self, i: int) -> None:
        """The inverse of `took` (a released copy)."""
        if self.taken[i]:
            self.current[i] -= int(self.keys.steps([i], [int(self.taken[i])])[0])
            self.taken[i] -= 1
