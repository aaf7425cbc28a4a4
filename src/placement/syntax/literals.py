"""Typed literals of the language: agent versions, timestamps, booleans, numbers, regexes.

Each parser here returns `None` on text it does not accept, so the parser can raise one
positioned syntax error and the loaders can name the field at fault. The `Version` and
`Timestamp` constructors check their values: a literal that exists can always be printed,
parsed back and compared.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from decimal import Decimal
from typing import Any

import attrs
import re2

from ..errors import ExpressionError
from ..text import shown

__all__ = [
    "MAX_VERSION_DIGITS",
    "MAX_COUNT",
    "Version",
    "Timestamp",
    "parse_version",
    "parse_timestamp",
    "parse_bool",
    "parse_count",
    "as_number",
    "compare_numbers",
    "Number",
    "Scaled",
    "compile_pattern",
    "MAX_PATTERN_LENGTH",
    "fullmatch",
    "shown",
]

MAX_VERSION_DIGITS = 18
"""Digits in one version component: 18 always fit a signed 64-bit integer (19 may not)."""
MAX_COUNT = 2**63 - 1
"""The largest `runningTasksCount` argument: what a signed 64-bit count column holds."""

_VERSION = re.compile(rf"[0-9]{{1,{MAX_VERSION_DIGITS}}}(?:\.[0-9]{{1,{MAX_VERSION_DIGITS}}})*")
# ECS lists exactly four timestamp forms; nothing else (no fractions, no week dates) is accepted.
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?"
)
# Decimal literals only: Python's float() would also take "nan", "inf" and "1_000".
_NUMBER = re.compile(r"([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _version_parts(value: Any) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, list) else value


def _check_parts(_instance: Any, _attribute: Any, parts: Any) -> None:
    ok = isinstance(parts, tuple) and len(parts) > 0
    for part in parts if ok else ():
        if isinstance(part, bool) or not isinstance(part, int):
            ok = False
        elif not 0 <= part < 10**MAX_VERSION_DIGITS:
            raise ExpressionError(
                f"version component {shown(part)} is out of range: at most "
                f"{MAX_VERSION_DIGITS} digits"
            )
    if not ok:
        raise ExpressionError(
            f"a Version is a non-empty tuple of non-negative ints, got {shown(parts)}"
        )


@attrs.frozen(order=False)
class Version:
    """A dotted-integer agent version; compares component-wise with missing components as 0."""

    parts: tuple[int, ...] = attrs.field(converter=_version_parts, validator=_check_parts)

    def key(self, width: int) -> tuple[int, ...]:
        """The parts padded with zeros to `width` components, for ordering."""
        return self.parts + (0,) * (width - len(self.parts))

    def compare(self, other: Version) -> int:
        """-1, 0 or 1 as self is below, equal to or above `other` (`1.14` equals `1.14.0`).

        Never raises for two versions: the constructor admits only tuples of bounded ints.
        """
        if not isinstance(other, Version):
            raise ExpressionError(f"a version compares with a Version, not {shown(other)}")
        width = max(len(self.parts), len(other.parts))
        a, b = self.key(width), other.key(width)
        return (a > b) - (a < b)

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)

    def __repr__(self) -> str:
        text = str(self)
        if len(text) > 100:  # thousands of components: keep the repr short
            text = text[:97] + "..."
        return f"<Version {text}>"


def _check_micros(_instance: Any, _attribute: Any, micros: Any) -> None:
    if isinstance(micros, bool) or not isinstance(micros, int):
        raise ExpressionError(f"a Timestamp holds an int of microseconds, got {shown(micros)}")
    if not MIN_MICROS <= micros <= MAX_MICROS:
        raise ExpressionError(
            f"timestamp {shown(micros)} microseconds since the epoch is outside years 1-9999"
        )


@attrs.frozen(order=True, repr=False)
class Timestamp:
    """An instant, as whole microseconds since the Unix epoch (UTC), in years 1-9999.

    Instances carry microseconds (ECS reports fractional `registeredAt`); an expression's
    argument is whole seconds, since the language has no fractions.
    """

    micros: int = attrs.field(validator=_check_micros)

    @classmethod
    def from_datetime(cls, value: _dt.datetime) -> Timestamp:
        """An aware datetime as is; a naive one is read as UTC."""
        if not isinstance(value, _dt.datetime):
            raise ExpressionError(f"a timestamp is a datetime, got {shown(value)}")
        try:
            if value.tzinfo is None:
                value = value.replace(tzinfo=_dt.timezone.utc)
            delta = value - _EPOCH
        except (ArithmeticError, TypeError, ValueError) as exc:  # a tzinfo that misbehaves
            raise ExpressionError(f"cannot read datetime {shown(value)}: {exc}") from None
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

    def __repr__(self) -> str:
        # Always the full ISO form, even at UTC midnight, so the repr reads as an instant.
        text = str(self)
        return f"<Timestamp {text if 'T' in text else text + 'T00:00:00Z'}>"


MIN_MICROS = -62_135_596_800_000_000
"""0001-01-01T00:00:00Z, in microseconds since the epoch: the first printable instant."""
MAX_MICROS = 253_402_300_799_999_999
"""9999-12-31T23:59:59.999999Z: the last printable instant."""


def parse_version(text: object) -> Version | None:
    """`1.14.5` -> Version((1, 14, 5)); None for anything but dotted integers.

    None too for a component of more than `MAX_VERSION_DIGITS` digits (leading zeros count)
    and for anything that is not a str, so loaders can report the field and never see an
    exception.
    """
    if not isinstance(text, str) or not _VERSION.fullmatch(text):
        return None
    return Version(tuple(int(p) for p in text.split(".")))


def version_fault(text: object) -> str:
    """Why `parse_version(text)` refused `text`, for messages (call only when it did)."""
    if isinstance(text, str) and re.fullmatch(r"[0-9]+(?:\.[0-9]+)*", text):
        return f"a version component has more than {MAX_VERSION_DIGITS} digits"
    return "not dotted integers"


def parse_timestamp(text: object) -> Timestamp | None:
    """One of the four ECS forms (offset, `Z`, no zone = UTC, date only = UTC midnight).

    None also for an instant outside years 1-9999 in UTC (`9999-12-31T23:59:59-01:00`), which
    could not be printed back (the `Timestamp` constructor refuses it).
    """
    return _parse_timestamp(text)


def _parse_timestamp(text: object) -> Timestamp | None:
    if not isinstance(text, str):
        return None
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
    except (ValueError, ExpressionError):  # out-of-range month, day, hour, offset, instant
        return None
    return None


def parse_bool(text: object) -> bool | None:
    """`true` or `false`, lower case only."""
    if not isinstance(text, str):
        return None
    return {"true": True, "false": False}.get(text)


def parse_count(text: object) -> int | None:
    """A non-negative decimal integer up to `MAX_COUNT` (leading zeros allowed)."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        return None
    # int() refuses strings of over 4300 digits with a ValueError: check the length first.
    if len(text.lstrip("0")) > len(str(MAX_COUNT)):
        return None
    count = int(text)
    return count if count <= MAX_COUNT else None


_LONG_EXPONENT = 4000
"""Exponents of more digits are kept as text: int() refuses over 4,300 digits."""
_DECIMAL_EXPONENT = 17
"""Exponents of at most this many digits always fit `Decimal` (its limit is 10**18 - 1)."""

Exponent = int | tuple[int, str, int]
"""An exponent as an int, or, past `_LONG_EXPONENT` digits, (sign, digits, shift) for
sign * int(digits) + shift, compared without ever converting the digits."""

Scaled = tuple[int, Exponent, str]
"""A decimal number, exactly: (sign, exponent, digits) for sign * 0.digits * 10**exponent.

`digits` has no leading or trailing zeros (zero is `(0, 0, "")`), so two numbers are equal
exactly when their triples are; `compare_numbers` orders them.
"""
Number = int | Decimal | Scaled
"""A decimal literal's value, exactly: an int for an integer (the common case), a `Decimal`
for any other, and `Scaled` only for an exponent too long for `Decimal` (`1e` and 20 nines).
Python compares int and Decimal with each other exactly, in C."""

_ZERO: Scaled = (0, 0, "")


@functools.lru_cache(maxsize=4096)
def as_number(text: str) -> Number | None:
    """The number a decimal literal spells, exactly, for `attribute:` orderings; None if not one.

    Exact at any size: a float would make 9007199254740993 equal 9007199254740992 (2**53 + 1
    has no float) and 1e400 equal 1e500 (both infinite). Compare two with `compare_numbers`.
    """
    digits = text[1:] if text[:1] in ("+", "-") else text
    if digits.isascii() and digits.isdigit() and len(digits) <= _LONG_EXPONENT:
        return int(text)
    m = _NUMBER.fullmatch(text)
    if m is None:
        return None
    # A text this short cannot hold a longer exponent (group() costs as much as Decimal()).
    if len(text) <= _DECIMAL_EXPONENT or len(
        (m.group(5) or "").lstrip("+-").lstrip("0")
    ) <= _DECIMAL_EXPONENT:
        # Exact: the constructor never rounds, and the regex let through only decimal syntax
        # (Decimal alone would also take "inf", "nan" and "1_000").
        return Decimal(text)
    return _scaled_text(m)


def _scaled_text(m: re.Match[str]) -> Scaled:
    whole, fraction = m.group(2) or "", m.group(3) or m.group(4) or ""
    digits = (whole + fraction).lstrip("0")
    mantissa = digits.rstrip("0")
    if not mantissa:
        return _ZERO
    # 0.DIGITS * 10**exponent: the point moves left past the leading zeros that were dropped.
    shift = len(whole) - (len(whole) + len(fraction) - len(digits))
    sign = -1 if m.group(1) == "-" else 1
    return (sign, _exponent(m.group(5), shift), mantissa)


def _exponent(text: str | None, shift: int) -> Exponent:
    if not text:
        return shift
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-").lstrip("0")
    if len(body) > _LONG_EXPONENT:
        return (sign, body, shift)
    return sign * int(body or "0") + shift


def _cmp(a: Any, b: Any) -> int:
    return 1 if a > b else -1 if a < b else 0


def _compare_exponents(a: Exponent, b: Exponent) -> int:
    # A long exponent is at least 10**4000 in size, beyond any int one plus its shift.
    tier_a = a[0] if isinstance(a, tuple) else 0
    tier_b = b[0] if isinstance(b, tuple) else 0
    if tier_a != tier_b or not isinstance(a, tuple) or not isinstance(b, tuple):
        return _cmp(tier_a, tier_b) or _cmp(a, b)
    # Both long, same sign: the digits decide (by length, then as text), then the shifts.
    size = _cmp((len(a[1]), a[1]), (len(b[1]), b[1]))
    return a[0] * size if size else _cmp(a[2], b[2])


def _scaled(number: Number) -> Scaled:
    if isinstance(number, tuple):
        return number
    # str() of an int or a Decimal is a decimal literal again (`1.5E+3`, `-0`).
    m = _NUMBER.fullmatch(str(number))
    assert m is not None
    return _scaled_text(m)


def compare_numbers(a: Number, b: Number) -> int:
    """-1, 0 or 1 as `a` is below, equal to or above `b`, exactly."""
    if not isinstance(a, tuple) and not isinstance(b, tuple):
        return _cmp(a, b)
    a, b = _scaled(a), _scaled(b)
    if a[0] != b[0] or not a[0]:
        return _cmp(a[0], b[0])
    # Same sign, both nonzero: the larger magnitude is larger for positives, smaller for
    # negatives; magnitude orders by exponent, then by the digits as text (0.5 > 0.45).
    magnitude = _compare_exponents(a[1], b[1]) or _cmp(a[2], b[2])
    return a[0] * magnitude


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # RE2 would print every rejected pattern to stderr

MAX_PATTERN_LENGTH = 900_000
"""The longest pattern compiled, in characters.

`log_errors` silences RE2's messages about patterns it refuses, but not one of its own checks:
RE2 walks a pattern's parse tree with a budget of 1,000,000 nodes and, past it, logs a line
per node from C++ to stderr whatever the options say (a 2.4 MB pattern printed 59,881 lines).
A pattern has at most one node per character, plus one per 65,535 for long concatenations, so
patterns up to this length stay within the budget; longer ones are refused before RE2 sees them.
"""


class PatternError(Exception):
    """A pattern the linear-time engine cannot compile (message says why)."""


_PATTERN_CACHE_TEXT = 1024
"""Patterns longer than this are compiled each time: the cache holds 4096 texts at most."""


def compile_pattern(pattern: str) -> Any:
    """Compile `pattern` with RE2 (linear time, no backreferences or lookaround)."""
    if not isinstance(pattern, str):
        raise PatternError(f"a pattern is a str, not {type(pattern).__name__}")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(
            f"pattern too large: {len(pattern):,} characters, at most {MAX_PATTERN_LENGTH:,}"
        )
    if len(pattern) > _PATTERN_CACHE_TEXT:
        return _compile(pattern)
    return _compile_cached(pattern)


def _compile(pattern: str) -> Any:
    try:
        # `log_errors` off: RE2 would print every rejected pattern to stderr from C++.
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise PatternError(str(detail)) from None
    except (UnicodeError, TypeError, ValueError) as exc:
        raise PatternError(str(exc)) from None


_compile_cached = functools.lru_cache(maxsize=4096)(_compile)


def fullmatch(compiled: Any, value: str) -> bool:
    """Whether `compiled` matches the whole of `value`.

    The one place both evaluators match, so they agree even on strings RE2 cannot take (lone
    surrogates from JSON): those match nothing.
    """
    try:
        return compiled.fullmatch(value) is not None
    except UnicodeError:
        return False
