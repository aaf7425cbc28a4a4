"""The batch order's fast paths against plain definitions, on random inputs.

The draws (seeds define answers, so keys must stay bit-identical to their definition in
`draws.py`), the sorts `order.py` packs, and the random threshold search that makes keys a
few at a time.
"""

from __future__ import annotations

import numpy as np
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.place import order
from placement.place.draws import _BITS, _EDGES, _GOLDEN, RandomKeys, _mix_int

_MASK = (1 << 64) - 1
_VALUES = [0, 1, 2, 7, 2**20, -(2**40), 2**62]


def _step_by_definition(keys: RandomKeys, row: int, t: int) -> int:
    """step(row, t) with Python ints, read off the definition in draws.py's docstring."""
    mixed = _mix_int(((row * _GOLDEN) & _MASK) ^ int(keys.word))
    h = _mix_int(mixed + t * 0xD1B54A32D192ED03)
    bucket = h >> (64 - _BITS)
    within = (h >> (64 - 2 * _BITS)) & ((1 << _BITS) - 1)
    low, high = int(_EDGES[bucket]), int(_EDGES[bucket + 1])
    return max(low + (((high - low) * within) >> _BITS), 1)


@settings(max_examples=examples(0.5))
@given(
    seed=st.integers(0, 2**80),
    position=st.integers(0, 5),
    pairs=st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 2**31)), max_size=20),
)
def test_steps_follow_the_definition(
    seed: int, position: int, pairs: list[tuple[int, int]]
) -> None:
    keys = RandomKeys(seed, position)
    rows = [r for r, _ in pairs]
    ts = [t for _, t in pairs]
    got = keys.steps(np.array(rows, dtype=np.int64), np.array(ts, dtype=np.int64)).tolist()
    assert got == [_step_by_definition(keys, r, t) for r, t in pairs]


@settings(max_examples=examples(0.5))
@given(
    seed=st.integers(0, 2**64),
    runs=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 6), st.integers(0, 6)),
                  max_size=12),
)  # fmt: skip
def test_runs_go_on_where_they_stopped(seed: int, runs: list[tuple[int, int, int]]) -> None:
    keys = RandomKeys(seed, 0)
    rows = np.array([r for r, _, _ in runs], dtype=np.int64)
    start = np.array([s for _, s, _ in runs], dtype=np.int64)
    lengths = np.array([n for _, _, n in runs], dtype=np.int64)
    whole = keys.runs(rows, start + lengths)
    before = []
    expected: list[int] = []
    at = 0
    for s, n in zip(start.tolist(), lengths.tolist(), strict=True):
        row_keys = whole[at : at + s + n].tolist()
        before.append(row_keys[s - 1] if s else 0)
        expected.extend(row_keys[s:])
        at += s + n
    got = keys.runs_from(rows, start, lengths, np.array(before, dtype=np.int64))
    assert got.tolist() == expected


@settings(max_examples=examples(1))
@given(
    st.integers(1, 3).flatmap(
        lambda width: st.lists(
            st.tuples(*[st.sampled_from(_VALUES) for _ in range(width)]),
            max_size=40,
        )
    )
)
def test_sort_is_a_stable_lexicographic_sort(rows: list[tuple[int, ...]]) -> None:
    # Ties (equal tuples) must keep their index order, and wide ranges fall back to lexsort.
    if not rows:
        return
    keys = [np.array(col, dtype=np.int64) for col in zip(*rows, strict=True)]
    assert order._sort(*keys).tolist() == np.lexsort(keys[::-1]).tolist()


@settings(max_examples=examples(1))
@given(
    seed=st.integers(0, 2**32),
    rows=st.lists(st.tuples(st.integers(1, 12), st.integers(0, 2)), min_size=1, max_size=25),
    wants=st.lists(st.integers(1, 40), min_size=3, max_size=3),
)
def test_random_threshold_search_matches_making_every_key(
    seed: int, rows: list[tuple[int, int]], wants: list[int]
) -> None:
    keys = RandomKeys(seed, 1)
    k = np.array([c for c, _ in rows], dtype=np.int64)
    bucket = np.array([b for _, b in rows], dtype=np.int64)
    ids, owner = np.unique(bucket, return_inverse=True)
    owner = owner.astype(np.int64)
    inst = np.arange(3, 3 + len(rows), dtype=np.int64) * 5
    want = np.array(wants, dtype=np.int64)[ids]
    slot_row, slot_t, lead = order._cap_random(keys, inst, k, owner, want, len(ids))
    # Every key made: per bucket the want-th smallest is the threshold (none when too few).
    every = keys.runs(inst, k)
    every_row = np.repeat(np.arange(len(rows)), k)
    every_t = np.arange(len(every)) - np.repeat(np.cumsum(k) - k, k)
    slot_owner = owner[every_row]
    theta = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    for b in range(len(ids)):
        mine = np.sort(every[slot_owner == b])
        if len(mine) >= want[b]:
            theta[b] = mine[want[b] - 1]
    under = every <= theta[slot_owner]
    expected = sorted(zip(every_row[under].tolist(), every_t[under].tolist(),
                          every[under].tolist(), strict=True))  # fmt: skip
    got = sorted(zip(slot_row.tolist(), slot_t.tolist(), lead.tolist(), strict=True))
    assert got == expected


@settings(max_examples=examples(1))
@given(
    rows=st.lists(st.tuples(st.integers(-50, 50), st.integers(1, 9), st.integers(0, 2)),
                  min_size=1, max_size=12),
    wants=st.lists(st.integers(1, 60), min_size=3, max_size=3),
)  # fmt: skip
def test_level_caps_for_few_rows_match_the_array_search(
    rows: list[tuple[int, int, int]], wants: list[int]
) -> None:
    base = np.array([b for b, _, _ in rows], dtype=np.int64)
    k = np.array([c for _, c, _ in rows], dtype=np.int64)
    ids, owner = np.unique(np.array([o for _, _, o in rows]), return_inverse=True)
    want = np.array(wants, dtype=np.int64)[ids]
    few = order._cap_linear_few(base, k, owner.astype(np.int64), want)
    old = order._FEW
    order._FEW = -1
    try:
        many = order._cap_linear(base, k, owner.astype(np.int64), want, len(ids))
    finally:
        order._FEW = old
    assert few.tolist() == many.tolist()
    # And it is the least level giving `want` slots (or every slot).
    for b in range(len(ids)):
        mine = owner == b
        assert few[mine].sum() >= min(want[b], k[mine].sum())


@settings(max_examples=examples(1))
@given(
    rows=st.lists(st.tuples(st.integers(-50, 50), st.integers(1, 9), st.integers(0, 3)),
                  min_size=40, max_size=80),
    wants=st.lists(st.integers(1, 300), min_size=4, max_size=4),
    by_bucket=st.booleans(),
)  # fmt: skip
def test_level_caps_are_the_least_level_giving_the_budget(
    rows: list[tuple[int, int, int]], wants: list[int], by_bucket: bool
) -> None:
    # Past `_FEW` rows: rows by bucket (the callers' order) or not, against a level by level
    # count.
    if by_bucket:
        rows = sorted(rows, key=lambda r: r[2])
    base = np.array([b for b, _, _ in rows], dtype=np.int64)
    k = np.array([c for _, c, _ in rows], dtype=np.int64)
    ids, owner = np.unique(np.array([o for _, _, o in rows]), return_inverse=True)
    want = np.array(wants, dtype=np.int64)[ids]
    got = order._cap_linear(base, k, owner.astype(np.int64), want, len(ids))
    for b in range(len(ids)):
        mine = owner == b
        for level in range(int(base[mine].min()) - 1, int((base + k)[mine].max())):
            slots = np.clip(level - base[mine] + 1, 0, k[mine])
            if slots.sum() >= want[b] or level == int((base + k)[mine].max()) - 1:
                assert got[mine].tolist() == slots.tolist()
                break
