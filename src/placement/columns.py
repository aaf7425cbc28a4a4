"""Column types, and how each kind of declared field becomes a column and is read back.

Strings are dictionary-encoded once (a code per row into a table of distinct values), so an
evaluator works once per distinct value and gathers by code. Port sets and task-group counts are
sparse (compressed rows). Every array is read-only; every column pickles to a read-only copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .model import FieldSpec, FrozenMap, Kind
from .syntax.literals import Timestamp

__all__ = [
    "StringColumn", "SparseSets", "GroupCounts", "ABSENT", "NAME_ONLY", "frozen",
    "build_column", "column_value", "take_column", "attribute_columns", "Built",
]  # fmt: skip

ABSENT = -1
"""Code of a row that lacks the value (or the attribute)."""
NAME_ONLY = -2
"""Code of an instance that has the attribute with no value (capability attributes)."""

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int32]


def frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """`array`, made read-only (placing builds new arrays and never touches these)."""
    array.flags.writeable = False
    return array


class StringColumn:
    """A dictionary-encoded string column.

    `codes[i]` indexes `values`, or is `ABSENT` (-1) or `NAME_ONLY` (-2). A lookup table of
    `len(values) + 2` answers, indexed by `codes`, answers a question for every row: the last
    slot (-1) is the answer for absent, the one before (-2) for name-only.
    """

    __slots__ = ("codes", "values", "index")

    def __init__(self, codes: Codes, values: tuple[str, ...]) -> None:
        self.codes = frozen(codes)
        self.values = values
        self.index = {v: i for i, v in enumerate(values)}

    @classmethod
    def encode(
        cls, items: Sequence[str | None], missing: Sequence[bool] | None = None
    ) -> StringColumn:
        """Encode `items` (None: name-only if `missing` is given and False there, else absent)."""
        if missing is not None:
            absent = np.fromiter(
                (item is None and gone for item, gone in zip(items, missing, strict=True)),
                dtype=bool,
                count=len(items),
            )
            return _encode(items, NAME_ONLY, absent)
        return _encode(items, ABSENT)

    def get(self, row: int) -> str | None:
        """The value at `row`, None when absent or name-only."""
        code = int(self.codes[row])
        return self.values[code] if code >= 0 else None

    def take(self, rows: npt.NDArray[np.intp]) -> StringColumn:
        """The rows `rows`, in that order (the dictionary is kept as it is)."""
        return StringColumn(self.codes[rows], self.values)

    def code_of(self, value: str) -> int:
        """The code of `value`, added to the dictionary when new (returns a new column)."""
        return self.index.get(value, len(self.values))

    def appending(self, items: Sequence[str]) -> StringColumn:
        """A column with `items` appended as new rows."""
        index = dict(self.index)
        codes = np.empty(len(items), dtype=np.int32)
        for row, item in enumerate(items):
            code = index.get(item)
            if code is None:
                code = index[item] = len(index)
            codes[row] = code
        return StringColumn(np.concatenate([self.codes, codes]), tuple(index))

    def __reduce__(self) -> tuple[Any, ...]:
        return (StringColumn, (np.array(self.codes), self.values))

    @property
    def nbytes(self) -> int:
        """Bytes held by the codes and the dictionary's strings."""
        return int(self.codes.nbytes) + sum(len(v) + 49 for v in self.values)


class SparseSets:
    """Per-row sets of small integers (reserved ports), compressed rows.

    `rows` (each item's row) may be passed when the caller already has it (a commit that
    changed a few rows splices it instead of rebuilding it).
    """

    __slots__ = ("indptr", "items", "rows", "_sorted")

    def __init__(
        self, indptr: Ints, items: npt.NDArray[np.int32], rows: Ints | None = None
    ) -> None:
        self.indptr = frozen(indptr)
        self.items = frozen(items)
        if rows is None:
            rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        self.rows = frozen(rows)
        self._sorted: bool | None = None

    @classmethod
    def build(cls, sets: Sequence[Iterable[int]]) -> SparseSets:
        """From one collection of integers per row."""
        lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))  # type: ignore[arg-type]
        indptr = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        flat = [p for s in sets for p in sorted(s)]
        return cls(indptr, np.asarray(flat, dtype=np.int32))

    @classmethod
    def from_pairs(cls, rows: npt.NDArray[np.int64], items: npt.NDArray[Any], n: int) -> SparseSets:
        """From (row, item) pairs in any order, duplicates dropped, over `n` rows."""
        order = np.lexsort((items, rows))
        rows, items = rows[order], items[order]
        keep = np.ones(len(rows), dtype=bool)
        keep[1:] = (rows[1:] != rows[:-1]) | (items[1:] != items[:-1])
        rows, items = rows[keep], items[keep]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return cls(indptr, items.astype(np.int32))

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def row(self, i: int) -> frozenset[int]:
        """The set of row `i`."""
        return frozenset(int(p) for p in self.items[self.indptr[i] : self.indptr[i + 1]])

    def any_of(self, wanted: Iterable[int], n: int) -> Bools:
        """Rows whose set holds any of `wanted`."""
        out = np.zeros(n, dtype=bool)
        wanted = list(wanted)
        if wanted and len(self.items):
            out[self.rows[np.isin(self.items, wanted)]] = True
        return out

    def adding(self, rows: npt.NDArray[np.intp], extra: Iterable[int]) -> SparseSets:
        """A copy where each of `rows` also holds every item of `extra`."""
        extra = tuple(extra)
        if not extra or not len(rows):
            return self
        rows = np.asarray(rows)
        if _few(rows) and self._is_sorted():
            return self._adding_few(rows, np.asarray(extra, np.int32))
        all_rows = np.concatenate([self.rows, np.repeat(np.asarray(rows), len(extra))])
        extra_items = np.tile(np.asarray(extra, np.int32), len(rows))
        all_items = np.concatenate([self.items, extra_items])
        return SparseSets.from_pairs(all_rows, all_items, len(self))

    def _is_sorted(self) -> bool:
        """Whether every row's items strictly increase, as `from_pairs` leaves them (cached)."""
        if self._sorted is None:
            items, rows = self.items, self.rows
            self._sorted = bool(((items[1:] > items[:-1]) | (rows[1:] != rows[:-1])).all())
        return self._sorted

    def _adding_few(self, rows: Ints, extra: npt.NDArray[np.int32]) -> SparseSets:
        """`adding` for a few rows (strictly increasing) of a sorted column.

        Each of those rows' slices is replaced by its union with `extra`; the rest is copied as
        it is. Gives exactly the arrays `from_pairs` would (items sorted and unique within a row).
        """
        cuts: list[tuple[int, int, int, npt.NDArray[np.int32]]] = []
        for row in rows.tolist():
            lo, hi = int(self.indptr[row]), int(self.indptr[row + 1])
            cuts.append((row, lo, hi, np.union1d(self.items[lo:hi], extra).astype(np.int32)))
        indptr, rows_of = _splice_rows(self.indptr, self.rows, cuts)
        items = _splice(self.items, [(lo, hi, new) for _, lo, hi, new in cuts])
        out = SparseSets(indptr, items, rows_of)
        out._sorted = True
        return out

    def holds_any(self, rows: Ints, wanted: Iterable[int]) -> Bools:
        """For each of `rows`, whether its set holds any of `wanted` (work: those rows only)."""
        wanted = list(wanted)
        out = np.zeros(len(rows), dtype=bool)
        if wanted:
            for j, row in enumerate(np.asarray(rows).tolist()):
                lo, hi = int(self.indptr[row]), int(self.indptr[row + 1])
                out[j] = bool(np.isin(self.items[lo:hi], wanted).any())
        return out

    def removing(self, rows: npt.NDArray[np.intp], items: npt.NDArray[np.int32]) -> SparseSets:
        """A copy where row `rows[j]` no longer holds `items[j]` (pairs)."""
        if not len(rows):
            return self
        n = len(self)
        width = 1 << 17  # ports are below 2**16
        gone = np.asarray(rows, dtype=np.int64) * width + np.asarray(items, dtype=np.int64)
        have = self.rows.astype(np.int64) * width + self.items
        keep = ~np.isin(have, gone)
        return SparseSets.from_pairs(self.rows[keep], self.items[keep], n)

    def take(self, rows: npt.NDArray[np.intp]) -> SparseSets:
        """The sets of `rows`, in that order."""
        starts, ends = self.indptr[rows], self.indptr[np.asarray(rows) + 1]
        lengths = ends - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        pick = np.repeat(starts - indptr[:-1], lengths) + np.arange(int(indptr[-1]))
        return SparseSets(indptr, self.items[pick])

    def appending(self, sets: Sequence[Iterable[int]]) -> SparseSets:
        """A copy with one more row per item of `sets`."""
        more = SparseSets.build(sets)
        indptr = np.concatenate([self.indptr, more.indptr[1:] + self.indptr[-1]])
        # The old rows' `rows` are kept: only the new rows' are made (a copy, not a rebuild).
        rows = np.concatenate([self.rows, more.rows + len(self)]).astype(self.rows.dtype)
        return SparseSets(indptr, np.concatenate([self.items, more.items]), rows)

    def __reduce__(self) -> tuple[Any, ...]:
        return (SparseSets, (np.array(self.indptr), np.array(self.items)))

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return int(self.indptr.nbytes + self.items.nbytes + self.rows.nbytes)


class GroupCounts:
    """RUNNING task counts by (instance, group): a sparse matrix in compressed rows."""

    __slots__ = ("names", "index", "indptr", "codes", "counts", "rows", "_sorted", "_canonical")

    def __init__(
        self,
        names: tuple[str, ...],
        indptr: Ints,
        codes: Codes,
        counts: Ints,
        rows: Ints | None = None,
    ) -> None:
        self.names = names
        self.index = {g: i for i, g in enumerate(names)}
        self.indptr = frozen(indptr)
        self.codes = frozen(codes)
        self.counts = frozen(counts)
        if rows is None:  # each entry's row; a commit of a few rows passes it spliced
            rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        self.rows = frozen(rows)
        self._sorted: bool | None = None
        self._canonical: GroupCounts | None = None

    @classmethod
    def build(cls, per_row: Sequence[Mapping[str, int]]) -> GroupCounts:
        """From one mapping group -> count per row."""
        index: dict[str, int] = {}
        ends = [0]  # a list, not numpy: an item assignment per row costs more than the row
        codes: list[int] = []
        counts: list[int] = []
        for groups in per_row:
            if groups:
                for group, count in groups.items():
                    if count <= 0:
                        continue
                    code = index.get(group)
                    if code is None:
                        code = index[group] = len(index)
                    codes.append(code)
                    counts.append(count)
            ends.append(len(codes))
        indptr = np.array(ends, dtype=np.int64)
        return cls(
            tuple(index),
            indptr,
            np.asarray(codes, dtype=np.int32),
            np.asarray(counts, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def row(self, i: int) -> FrozenMap:
        """The groups of row `i` with their counts."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        codes, counts = self.codes[lo:hi], self.counts[lo:hi]
        return FrozenMap({self.names[c]: int(n) for c, n in zip(codes, counts, strict=True)})

    def adding(
        self, rows: npt.NDArray[np.intp], group: str, counts: npt.NDArray[np.int64]
    ) -> GroupCounts:
        """A copy where each of `rows` runs `counts` more (or, negative, fewer) of `group`."""
        names = self.names
        code = self.index.get(group)
        if code is None:
            code, names = len(names), (*names, group)
        rows = np.asarray(rows)
        if _few(rows):
            # An unsorted column (as loaded) is sorted once, and that kept: a few rows are
            # then spliced into it however many commits start from this column.
            base = self if self._is_sorted() else self._sorted_copy()
            return base._adding_few(names, rows, code, np.asarray(counts, dtype=np.int64))
        return self._adding_all(names, rows, code, counts)

    def _adding_all(
        self, names: tuple[str, ...], rows: Any, code: int, counts: Any
    ) -> GroupCounts:
        """`adding` by sorting every entry (rows any order): rows then codes increase."""
        n = len(self)
        all_rows = np.concatenate([self.rows, np.asarray(rows, dtype=np.int64)])
        all_codes = np.concatenate([self.codes, np.full(len(rows), code, dtype=np.int32)])
        all_counts = np.concatenate([self.counts, np.asarray(counts, dtype=np.int64)])
        order = np.lexsort((all_codes, all_rows))
        all_rows, all_codes, all_counts = all_rows[order], all_codes[order], all_counts[order]
        first = np.ones(len(all_rows), dtype=bool)
        first[1:] = (all_rows[1:] != all_rows[:-1]) | (all_codes[1:] != all_codes[:-1])
        starts = np.flatnonzero(first)
        summed = np.add.reduceat(all_counts, starts) if len(starts) else all_counts
        rows_kept, codes_kept = all_rows[starts], all_codes[starts]
        live = summed > 0  # a group whose last task stopped leaves the row
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows_kept[live], minlength=n), out=indptr[1:])
        return GroupCounts(
            names, indptr, codes_kept[live].astype(np.int32), summed[live].astype(np.int64)
        )

    def _sorted_copy(self) -> GroupCounts:
        """The column as the sort-everything path of `adding` leaves it (computed once)."""
        if self._canonical is None:
            empty = np.zeros(0, dtype=np.int64)
            self._canonical = self._adding_all(self.names, empty, 0, empty)
            self._canonical._sorted = True
        return self._canonical

    def _is_sorted(self) -> bool:
        """Whether every row's codes strictly increase and every count is positive (cached).

        That is how `adding` leaves a column; `build` may not (it keeps first-seen order), and
        then `adding` re-sorts every row, so a few-row splice would give other arrays.
        """
        if self._sorted is None:
            codes, rows = self.codes, self.rows
            increasing = (codes[1:] > codes[:-1]) | (rows[1:] != rows[:-1])
            self._sorted = bool(increasing.all() and (self.counts > 0).all())
        return self._sorted

    def _adding_few(
        self, names: tuple[str, ...], rows: Ints, code: int, counts: Ints
    ) -> GroupCounts:
        """`adding` for a few rows (strictly increasing) of a sorted column.

        Each row's entry for `code` is updated, inserted at its place by code, or dropped when
        its count reaches zero or below, exactly as the sort-everything path orders and drops
        entries; the other rows are copied as they are (and shared when no row changed size).
        """
        cuts: list[tuple[int, int, int, Codes, Ints]] = []
        resized = False
        for row, delta in zip(rows.tolist(), counts.tolist(), strict=True):
            lo, hi = int(self.indptr[row]), int(self.indptr[row + 1])
            codes, have = self.codes[lo:hi], self.counts[lo:hi]
            at = int(np.searchsorted(codes, code))
            if at < len(codes) and codes[at] == code:
                total = int(have[at]) + delta
                if total > 0:
                    have = have.copy()
                    have[at] = total
                else:
                    codes, have = np.delete(codes, at), np.delete(have, at)
            elif delta > 0:
                codes = np.insert(codes, at, np.int32(code))
                have = np.insert(have, at, np.int64(delta))
            resized |= len(codes) != hi - lo
            cuts.append((row, lo, hi, codes, have))
        if resized:
            indptr, rows_of = _splice_rows(self.indptr, self.rows, [c[:4] for c in cuts])
            new_codes = _splice(self.codes, [(lo, hi, c) for _, lo, hi, c, _ in cuts])
        else:  # counts changed in place: the structure is shared (every array is read-only)
            indptr, rows_of, new_codes = self.indptr, self.rows, self.codes
        new_counts = _splice(self.counts, [(lo, hi, n) for _, lo, hi, _, n in cuts])
        out = GroupCounts(names, indptr, new_codes, new_counts, rows_of)
        out._sorted = True
        return out

    def count_of(self, group: str, n: int) -> Ints:
        """Per row, the RUNNING tasks of `group`."""
        out = np.zeros(n, dtype=np.int64)
        code = self.index.get(group)
        if code is not None:
            hit = self.codes == code
            out[self.rows[hit]] = self.counts[hit]
        return out

    def take(self, rows: npt.NDArray[np.intp]) -> GroupCounts:
        """The rows `rows`, in that order."""
        starts, ends = self.indptr[rows], self.indptr[np.asarray(rows) + 1]
        lengths = ends - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        pick = np.repeat(starts - indptr[:-1], lengths) + np.arange(int(indptr[-1]))
        return GroupCounts(self.names, indptr, self.codes[pick], self.counts[pick])

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            GroupCounts,
            (self.names, np.array(self.indptr), np.array(self.codes), np.array(self.counts)),
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays and the group names."""
        arrays = (self.indptr, self.codes, self.counts, self.rows)
        return sum(int(a.nbytes) for a in arrays) + sum(len(g) + 49 for g in self.names)


FEW_ROWS = 32
"""Up to this many rows, `adding` splices the rows' slices instead of re-sorting every entry."""


def _few(rows: npt.NDArray[Any]) -> bool:
    """Whether `rows` are few enough for a splice, and strictly increasing (so disjoint)."""
    return len(rows) <= FEW_ROWS and bool((np.diff(rows) > 0).all())


def _splice(array: npt.NDArray[Any], cuts: Sequence[tuple[int, int, npt.NDArray[Any]]]) -> Any:
    """`array` with each `array[lo:hi]` replaced by a new piece (cuts sorted and disjoint)."""
    parts = []
    at = 0
    for lo, hi, piece in cuts:
        parts += [array[at:lo], piece]
        at = hi
    parts.append(array[at:])
    return np.concatenate(parts).astype(array.dtype, copy=False)


def _splice_rows(
    indptr: Ints, rows: Ints, cuts: Sequence[tuple[int, int, int, npt.NDArray[Any]]]
) -> tuple[Ints, Ints]:
    """The `indptr` and per-entry `rows` of a compressed-rows column after a splice.

    For each (row, lo, hi, new) in `cuts` (rows increasing), row `row`'s slice `[lo, hi)`
    becomes `new`.
    """
    pointer_parts = []
    shift, at = 0, 0
    for row, lo, hi, new in cuts:
        pointer_parts.append(indptr[at : row + 1] + shift)
        shift += len(new) - (hi - lo)
        at = row + 1
    pointer_parts.append(indptr[at:] + shift)
    row_cuts = [(lo, hi, np.full(len(new), row, dtype=rows.dtype)) for row, lo, hi, new in cuts]
    return np.concatenate(pointer_parts).astype(indptr.dtype, copy=False), _splice(rows, row_cuts)


def _encode(
    items: Sequence[str | None], none_code: int, absent: Bools | None = None
) -> StringColumn:
    """Dictionary-encode `items` in one pass: None gets `none_code`; rows in `absent`, ABSENT."""
    # Two C-level passes (the distinct values, then a code per row) beat one Python-level one.
    distinct = dict.fromkeys(items)  # first-seen order
    distinct.pop(None, None)
    n = len(items)
    if len(distinct) == n:  # every row its own value (IDs), none None: the codes are the rows
        codes = np.arange(n, dtype=np.int32)
    else:
        index: dict[str | None, int] = {v: k for k, v in enumerate(distinct)}
        index[None] = none_code
        codes = np.fromiter(map(index.__getitem__, items), dtype=np.int32, count=n)
    if absent is not None and len(absent):
        codes[absent] = ABSENT
    return StringColumn(codes, tuple(distinct))  # type: ignore[arg-type]


def _attribute_columns(maps: Sequence[Mapping[str, str | None]]) -> dict[str, StringColumn]:
    """One column per attribute name, from one name -> value mapping per row."""
    per_name: dict[str, tuple[list[int], list[str | None]]] = {}
    for row, mapping in enumerate(maps):
        for name, value in mapping.items():
            entry = per_name.get(name)
            if entry is None:
                entry = per_name[name] = ([], [])
            entry[0].append(row)
            entry[1].append(value)
    return attribute_columns(per_name, len(maps))


def attribute_columns(
    per_name: Mapping[str, tuple[Sequence[int], Sequence[str | None]]], n: int
) -> dict[str, StringColumn]:
    """The attribute columns of `n` rows from, per name, the rows that have it and its values.

    Sparse: the work is the number of attributes, not names times rows. Rows must not repeat
    within a name.
    """
    out: dict[str, StringColumn] = {}
    for name, (rows, values) in per_name.items():
        encoded = _encode(values, NAME_ONLY)
        codes = np.full(n, ABSENT, dtype=np.int32)
        codes[np.asarray(rows, dtype=np.intp)] = encoded.codes
        out[name] = StringColumn(codes, encoded.values)
    return out


def _ints(values: Sequence[int]) -> Ints:
    return np.fromiter(values, dtype=np.int64, count=len(values))


class Built:
    """A column a loader built itself (a whole column at a time): `build_column` passes it on."""

    __slots__ = ("column",)

    def __init__(self, column: Any) -> None:
        self.column = column


def build_column(spec: FieldSpec, values: Sequence[Any] | Built) -> Any:
    """The column of `spec`'s kind holding `values` (one checked value per row), or a `Built` one.

    TIMESTAMP columns are a pair (microseconds, present); ATTRIBUTES a dict of string columns.
    """
    if isinstance(values, Built):
        return values.column
    kind = spec.kind
    if kind is Kind.ARN:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return frozen(out)
    if kind in (Kind.TEXT, Kind.STATUS, Kind.VERSION):
        return StringColumn.encode(values)
    if kind is Kind.FLAG:
        return frozen(np.fromiter(values, dtype=bool, count=len(values)))
    if kind in (Kind.AMOUNT, Kind.COUNT, Kind.REFERENCE):
        return frozen(_ints(values))
    if kind is Kind.PORTS:
        return SparseSets.build(values)
    if kind is Kind.TIMESTAMP:
        # Each value a Timestamp, whole microseconds (the fast readers' form) or None.
        micros = np.fromiter(
            (0 if v is None else v if type(v) is int else v.micros for v in values),
            dtype=np.int64,
            count=len(values),
        )
        present = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
        return frozen(micros), frozen(present)
    if kind is Kind.ATTRIBUTES:
        return _attribute_columns(values)
    return GroupCounts.build(values)


def column_value(spec: FieldSpec, column: Any, row: int) -> Any:
    """Row `row` of a column built by `build_column`, as the field's Python value."""
    kind = spec.kind
    if kind is Kind.ARN:
        return str(column[row])
    if kind in (Kind.TEXT, Kind.VERSION):
        return column.get(row)
    if kind is Kind.STATUS:
        value = column.get(row)
        return spec.default if value is None else value
    if kind is Kind.FLAG:
        return bool(column[row])
    if kind in (Kind.AMOUNT, Kind.COUNT, Kind.REFERENCE):
        return int(column[row])
    if kind is Kind.PORTS:
        return column.row(row)
    if kind is Kind.TIMESTAMP:
        micros, present = column
        return Timestamp(int(micros[row])) if present[row] else None
    if kind is Kind.ATTRIBUTES:
        out: dict[str, str | None] = {}
        for name, strings in column.items():
            code = int(strings.codes[row])
            if code != ABSENT:
                out[name] = strings.values[code] if code >= 0 else None
        return FrozenMap(out)
    return column.row(row)


def take_column(spec: FieldSpec, column: Any, rows: npt.NDArray[np.intp]) -> Any:
    """The rows `rows` of a column, in that order."""
    kind = spec.kind
    if kind is Kind.TIMESTAMP:
        return frozen(column[0][rows]), frozen(column[1][rows])
    if kind is Kind.ATTRIBUTES:
        return {name: strings.take(rows) for name, strings in column.items()}
    if isinstance(column, np.ndarray):
        return frozen(column[rows])
    return column.take(rows)


def _merged_strings(columns: Sequence[StringColumn]) -> StringColumn:
    """The rows of every column in turn, one dictionary (the first's values keep their codes)."""
    index = dict(columns[0].index)
    codes = [columns[0].codes]
    for column in columns[1:]:
        lut = np.array([index.setdefault(v, len(index)) for v in column.values], dtype=np.int32)
        mapped = column.codes.copy()
        known = mapped >= 0
        mapped[known] = lut[mapped[known]]
        codes.append(mapped)
    return StringColumn(np.concatenate(codes), tuple(index))


def _shifted_indptr(indptrs: Sequence[Ints]) -> Ints:
    """Compressed-row offsets of tables laid end to end."""
    offsets = np.cumsum([0] + [int(p[-1]) for p in indptrs[:-1]])
    return np.concatenate(
        [indptrs[0]] + [p[1:] + o for p, o in zip(indptrs[1:], offsets[1:], strict=True)]
    )


def concat_columns(spec: FieldSpec, columns: Sequence[Any], lengths: Sequence[int]) -> Any:
    """The rows of each column in turn (all of `spec`'s kind), as one column.

    `lengths` are the tables' row counts: an attribute column may be missing from some.
    """
    first = columns[0]
    if spec.kind is Kind.TIMESTAMP:
        return (frozen(np.concatenate([c[0] for c in columns])),
                frozen(np.concatenate([c[1] for c in columns])))  # fmt: skip
    if spec.kind is Kind.ATTRIBUTES:
        names = dict.fromkeys(name for c in columns for name in c)
        absent = [StringColumn(np.full(n, ABSENT, dtype=np.int32), ()) for n in lengths]
        return {
            name: _merged_strings(
                [c.get(name) or gap for c, gap in zip(columns, absent, strict=True)]
            )
            for name in names
        }
    if isinstance(first, np.ndarray):
        return frozen(np.concatenate(columns))
    if isinstance(first, StringColumn):
        return _merged_strings(columns)
    if isinstance(first, SparseSets):
        indptr = _shifted_indptr([c.indptr for c in columns])
        return SparseSets(indptr, np.concatenate([c.items for c in columns]))
    index = dict(first.index)
    codes = [first.codes]
    for column in columns[1:]:
        lut = np.array([index.setdefault(g, len(index)) for g in column.names], dtype=np.int32)
        codes.append(lut[column.codes] if len(column.codes) else column.codes)
    return GroupCounts(
        tuple(index),
        _shifted_indptr([c.indptr for c in columns]),
        np.concatenate(codes),
        np.concatenate([c.counts for c in columns]),
    )
