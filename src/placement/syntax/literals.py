"""Typed literals of the language: agent versions, timestamps, booleans, numbers, regexes.

Each parser here returns `None` on text it does not accept, so the parser can raise one
positioned syntax error and the loaders can name the field at fault.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Any

import attrs
import re2

__all__ = [
    "Version",
    "Timestamp",
    "parse_version",
    "parse_timestamp",
    "parse_bool",
    "parse_count",
    "as_number",
    "compile_pattern",
    "fullmatch",
]

_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)*")
# ECS lists exactly four timestamp forms; nothing else (no fractions, no week dates) is accepted.
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?"
)
# Decimal literals only: Python's float() would also take "nan", "inf" and "1_000".
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


@attrs.frozen(order=False)
class Version:
    """A dotted-integer agent version; compares component-wise with missing components as 0."""

    parts: tuple[int, ...]

    def key(self, width: int) -> tuple[int, ...]:
        """The parts padded with zeros to `width` components, for ordering."""
        return self.parts + (0,) * (width - len(self.parts))

    def compare(self, other: Version) -> int:
        """-1, 0 or 1 as self is below, equal to or above `other` (`1.14` equals `1.14.0`)."""
        width = max(len(self.parts), len(other.parts))
        a, b = self.key(width), other.key(width)
        return (a > b) - (a < b)

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)


@attrs.frozen(order=True)
class Timestamp:
    """An instant, as whole microseconds since the Unix epoch (UTC)."""

    micros: int

    @classmethod
    def from_datetime(cls, value: _dt.datetime) -> Timestamp:
        """An aware datetime as is; a naive one is read as UTC."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        delta = value - _EPOCH
        return cls((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)

    def to_datetime(self) -> _dt.datetime:
        """The instant as an aware UTC datetime."""
        return _EPOCH + _dt.timedelta(microseconds=self.micros)

    def __str__(self) -> str:
        # Formatted by hand: strftime does not zero-pad years before 1000.
        moment = self.to_datetime()
        date = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        if self.micros % 86_400_000_000 == 0:
            return date
        clock = f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
        if moment.microsecond:
            return f"{date}T{clock}.{moment.microsecond:06d}Z"
        return f"{date}T{clock}Z"


def parse_version(text: str) -> Version | None:
    """`1.14.5` -> Version((1, 14, 5)); None for anything but dotted integers."""
    if not _VERSION.fullmatch(text):
        return None
    return Version(tuple(int(p) for p in text.split(".")))


def parse_timestamp(text: str) -> Timestamp | None:
    """One of the four ECS forms (offset, `Z`, no zone = UTC, date only = UTC midnight).

    None also for an instant outside years 1-9999 in UTC (`9999-12-31T23:59:59-01:00`), which
    could not be printed back.
    """
    stamp = _parse_timestamp(text)
    if stamp is not None:
        try:
            stamp.to_datetime()
        except OverflowError:
            return None
    return stamp


def _parse_timestamp(text: str) -> Timestamp | None:
    try:
        if m := _DATE.fullmatch(text):
            y, mo, d = (int(g) for g in m.groups())
            return Timestamp.from_datetime(_dt.datetime(y, mo, d, tzinfo=_dt.timezone.utc))
        if m := _DATETIME.fullmatch(text):
            y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
            zone = m.group(7)
            tz = _dt.timezone.utc
            if zone and zone != "Z":
                sign = -1 if zone[0] == "-" else 1
                offset = _dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
                tz = _dt.timezone(sign * offset)
            return Timestamp.from_datetime(_dt.datetime(y, mo, d, h, mi, s, tzinfo=tz))
    except ValueError:  # out-of-range month, day, hour, offset...
        return None
    return None


def parse_bool(text: str) -> bool | None:
    """`true` or `false`, lower case only."""
    return {"true": True, "false": False}.get(text)


def parse_count(text: str) -> int | None:
    """A non-negative decimal integer."""
    if text.isascii() and text.isdigit():
        return int(text)
    return None


@functools.lru_cache(maxsize=4096)
def as_number(text: str) -> float | None:
    """The number a decimal literal spells, for `attribute:` orderings; None if it is not one."""
    if _NUMBER.fullmatch(text):
        return float(text)
    return None


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # RE2 would print every rejected pattern to stderr


class PatternError(Exception):
    """A pattern the linear-time engine cannot compile (message says why)."""


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> Any:
    """Compile `pattern` with RE2 (linear time, no backreferences or lookaround)."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise PatternError(str(detail)) from None
    except (UnicodeError, TypeError, ValueError) as exc:
        raise PatternError(str(exc)) from None


def fullmatch(compiled: Any, value: str) -> bool:
    """Whether `compiled` matches the whole of `value`.

    The one place both evaluators match, so they agree even on strings RE2 cannot take (lone
    surrogates from JSON): those match nothing.
    """
    try:
        return compiled.fullmatch(value) is not None
    except UnicodeError:
        return False
