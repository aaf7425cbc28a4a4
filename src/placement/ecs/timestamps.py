"""Timestamps a whole column at a time: epoch seconds and ISO 8601 text, in microseconds.

`fast_micros` reads one value in about as long as `datetime.fromisoformat` and a `Timestamp`
take, microseconds each; a DescribeTasks document as the AWS CLI writes it has a timestamp
per task, in text such as `2024-05-01T12:34:56.789000+00:00`. `micros_column` reads a column
of them together: epoch seconds with numpy, text of the fixed layouts the AWS CLI and
`datetime.isoformat` write (`YYYY-MM-DDTHH:MM:SS`, then `.fff` or `.ffffff`, then nothing, `Z`
or `+HH:MM`) digit by digit with numpy, anything else (another separator, a 7-digit fraction,
`+HHMM`) one at a time through `fast_micros`. Each accepted value gives what `fast_micros`
gives, and what it refuses (`Unusual`) is refused: the checked readers then name it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..model import TIMESTAMP_RANGE
from .common import Unusual, fast_micros

__all__ = ["micros_column"]

_MIN_MICROS, _MAX_MICROS = TIMESTAMP_RANGE
_I64 = npt.NDArray[np.int64]
# ISO text length -> (fraction digits, zone length: none, "Z" or "+HH:MM"); the lengths differ.
_LAYOUTS = {
    19 + (fraction + 1 if fraction else 0) + zone: (fraction, zone)
    for fraction in (0, 3, 6)
    for zone in (0, 1, 6)
}
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def micros_column(stamps: list[Any]) -> tuple[_I64, npt.NDArray[np.bool_]]:
    """(microseconds, present) of a column of timestamps as `fast_micros` reads each.

    None is absent (0 in the microseconds). Raises `Unusual` where `fast_micros` would.
    """
    n = len(stamps)
    micros = np.zeros(n, dtype=np.int64)
    present = np.ones(n, dtype=bool)
    types = list(map(type, stamps))
    for kind in set(types):
        if len(types) and types.count(kind) == n:  # one kind: the whole column (the usual)
            rows: Any = slice(None)
            values = stamps
        else:
            rows = [k for k, t in enumerate(types) if t is kind]
            values = [stamps[k] for k in rows]
        if kind is str:
            micros[rows] = _text_column(values)
        elif kind is int or kind is float:
            micros[rows] = _number_column(values)
        elif kind is type(None):
            present[rows] = False
        else:
            raise Unusual
    return micros, present


def _number_column(values: list[Any]) -> _I64:
    """Epoch seconds (all ints or all floats) in microseconds."""
    seconds = np.array(values, dtype=np.float64)  # OverflowError past a float: the plain way
    if type(values[0]) is int and not (np.abs(seconds) < 2**53 / 1e6).all():
        return np.array([fast_micros(v) for v in values], dtype=np.int64)  # not exact as floats
    if not ((seconds >= -1e15) & (seconds <= 1e15)).all():  # NaN fails this too
        raise Unusual
    # round(seconds * 1_000_000) in Python: the same float product, rounded half to even.
    micros = np.rint(seconds * 1e6)
    if not ((micros >= _MIN_MICROS) & (micros <= _MAX_MICROS)).all():
        raise Unusual
    return micros.astype(np.int64)


def _text_column(texts: list[str]) -> _I64:
    """ISO 8601 texts in microseconds: the fixed layouts at once, the rest one at a time."""
    n = len(texts)
    out = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=n)
    for length in np.unique(lengths).tolist():
        layout = _LAYOUTS.get(length)
        if layout is None:
            continue
        rows = np.flatnonzero(lengths == length)
        group = texts if len(rows) == n else [texts[k] for k in rows.tolist()]
        joined = "".join(group)
        if not joined.isascii():
            continue
        chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(len(rows), length)
        micros, ok = _layout_micros(chars, *layout)
        out[rows[ok]] = micros[ok]
        done[rows[ok]] = True
    for k in np.flatnonzero(~done).tolist():
        one = fast_micros(texts[k])
        assert one is not None  # text is never absent
        out[k] = one
    if not ((out >= _MIN_MICROS) & (out <= _MAX_MICROS)).all():
        raise Unusual
    return out


def _layout_micros(
    chars: npt.NDArray[np.uint8], fraction: int, zone: int
) -> tuple[_I64, npt.NDArray[np.bool_]]:
    """(microseconds, well formed) of rows of ASCII text in one layout.

    Well formed is what `datetime.fromisoformat` accepts in this layout, and nothing more: the
    other rows are read one at a time, which gives the answer or refuses.
    """
    # One contiguous row per character position; below "0" wraps past 9 in uint8.
    digits = np.ascontiguousarray((chars - np.uint8(ord("0"))).T)
    by_position = np.ascontiguousarray(chars.T)
    ok = np.ones(len(chars), dtype=bool)

    def number(start: int, stop: int) -> _I64:
        nonlocal ok
        ok &= (digits[start:stop] <= 9).all(axis=0)
        value: _I64 = digits[start].astype(np.int64)
        for position in range(start + 1, stop):
            value = value * 10 + digits[position]
        return value

    def text(position: int, expected: str) -> None:
        nonlocal ok
        ok &= by_position[position] == ord(expected)

    for position, separator in ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")):
        text(position, separator)
    year, month, day = number(0, 4), number(5, 7), number(8, 10)
    hour, minute, second = number(11, 13), number(14, 16), number(17, 19)
    micros = np.zeros(len(chars), dtype=np.int64)
    at = 19
    if fraction:
        text(at, ".")
        micros = number(at + 1, at + 1 + fraction) * 10 ** (6 - fraction)
        at += 1 + fraction
    offset = np.zeros(len(chars), dtype=np.int64)  # minutes east of UTC
    if zone == 1:
        text(at, "Z")
    elif zone:
        sign = by_position[at]
        ok &= (sign == ord("+")) | (sign == ord("-"))
        text(at + 3, ":")
        zone_hours, zone_minutes = number(at + 1, at + 3), number(at + 4, at + 6)
        ok &= (zone_hours <= 23) & (zone_minutes <= 59)
        offset = np.where(sign == ord("-"), -1, 1) * (zone_hours * 60 + zone_minutes)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days_in_month = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    ok &= (year >= 1) & month_ok & (day >= 1) & (day <= days_in_month)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    # Days since 1970-01-01 of a proleptic Gregorian date, counted from March (the leap day
    # last), in 400-year eras of 146,097 days.
    shifted = year - (month <= 2)
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = era * 146_097 + day_of_era - 719_468
    seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset * 60
    return seconds * 1_000_000 + micros, ok
