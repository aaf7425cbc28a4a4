"""The meaning of the operators placement adds for Nomad, which ECS's language lacks.

Nomad evaluates a constraint with Go: `strconv` for numbers, hashicorp/go-version for
`version`, Nomad's own SemVer 2.0 constraint package for `semver`, RE2 for `regexp` and
`strings.Split`/`strings.TrimSpace` for the set operators. Each function here reproduces the
Go behaviour it is named after, quirks included (documented in docs/language.md), so that a
Nomad constraint means the same thing here as on a Nomad server:

* orderings (`nomad_lt` ...): integers when both sides parse as 64-bit integers
  (`strconv.ParseInt`), else 64-bit floats when both parse as floats (`strconv.ParseFloat`:
  `inf`, `NaN`, hex floats and `_` separators included, out-of-range values refused), else
  byte-wise string order. ECS's own orderings differ (exact decimals, no `inf`).
* `version`: a go-version constraint list (`>= 1.2, < 1.5`, `~> 1.2`); a pre-release version
  satisfies an ordering only against a pre-release constraint of the same segments.
* `semver`: the same list without `~>`, each constraint version strict SemVer, ordered by
  go-version's comparison with no pre-release restriction, pre-releases of the same version
  by SemVer 2.0's precedence (as Nomad documents it; see `GoVersion.compare`).

Every function takes the instance's value as a str and never raises for one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import attrs

from ..text import shown

__all__ = [
    "go_trim",
    "go_int",
    "go_float",
    "nomad_order",
    "GoVersion",
    "go_version",
    "VersionConstraints",
    "version_constraints",
    "semver_constraints",
    "split_set",
    "ConstraintError",
    "compile_nomad",
    "holds",
]


class ConstraintError(Exception):
    """A `version`/`semver` constraint string Nomad would refuse (message says why)."""


# Go's unicode.IsSpace, which strings.TrimSpace strips (Python's str.strip also strips
# \x1c-\x1f, which Go keeps).
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def go_trim(text: str) -> str:
    """`strings.TrimSpace`."""
    return text.strip(_GO_SPACE)


def split_set(text: str) -> frozenset[str]:
    """A `set_contains*` side: `strings.Split(text, ",")`, each item trimmed (empty kept)."""
    return frozenset(go_trim(item) for item in text.split(","))


# -- numbers, as strconv reads them ------------------------------------------------------------

_INT64 = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL = re.compile(r"[+-]?(?:[0-9_]+(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?\Z")
_HEX = re.compile(
    r"([+-]?)0[xX]((?:[0-9a-fA-F_]+(?:\.[0-9a-fA-F_]*)?|\.[0-9a-fA-F_]+))[pP]([+-]?[0-9_]+)\Z"
)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def go_int(text: str) -> int | None:
    """`strconv.ParseInt(text, 10, 64)`: optional sign, decimal digits, within int64."""
    if len(text) > 40 or not _INT64.match(text):
        return None
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _underscores_ok(text: str) -> bool:
    """Go's `underscoreOK`: each `_` sits between digits (or after a base prefix)."""
    body = text[1:] if text[:1] in "+-" else text
    saw, i, hex_digits = "^", 0, False
    if len(body) >= 2 and body[0] == "0" and body[1] in "bBoOxX":
        i, saw, hex_digits = 2, "0", body[1] in "xX"
    for ch in body[i:]:
        if ch in "0123456789" or (hex_digits and ch in "abcdefABCDEF"):
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def _special(text: str) -> float | None:
    """Go's `special`: [+-]inf, [+-]infinity (any case) and unsigned nan (any case)."""
    lower = text.lower()
    sign = -1.0 if lower[:1] == "-" else 1.0
    unsigned = lower[1:] if lower[:1] in "+-" else lower
    if unsigned in ("inf", "infinity"):
        return math.copysign(math.inf, sign)
    if lower == "nan":
        return math.nan
    return None


def go_float(text: str) -> float | None:
    """`strconv.ParseFloat(text, 64)` when it succeeds, else None (out of range included)."""
    if len(text) > 10_000:
        return None
    special = _special(text)
    if special is not None:
        return special
    if "_" in text and not _underscores_ok(text):
        return None
    if _DECIMAL.match(text):
        digits = text.replace("_", "")
        if not any(c.isdigit() for c in digits.split("e")[0].split("E")[0]):
            return None
        value = float(digits)
    elif m := _HEX.match(text):
        sign, mantissa, exponent = m.group(1), m.group(2), m.group(3)
        if not any(c not in "._" for c in mantissa):
            return None
        try:
            bits, power = mantissa.replace("_", ""), exponent.replace("_", "")
            value = float.fromhex(f"{sign}0x{bits}p{power}")
        except OverflowError:
            return None
    else:
        return None
    return None if math.isinf(value) else value  # ParseFloat: ErrRange


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}  # fmt: skip


def nomad_order(symbol: str, left: str, right: str) -> bool:
    """Nomad's `checkOrder`: integers, else floats (NaN orders nothing), else strings by byte."""
    test = _TESTS[symbol]
    a, b = go_int(left), go_int(right)
    if a is not None and b is not None:
        return test(a, b)
    x, y = go_float(left), go_float(right)
    if x is not None and y is not None:
        return test(x, y)
    # Go compares strings by UTF-8 bytes, which orders as code points do (lone surrogates,
    # which UTF-8 cannot hold, are compared by code point).
    return test(left, right)


# -- go-version ------------------------------------------------------------------------------------

_SEGMENTS = r"v?([0-9]+(?:\.[0-9]+)*?)"
_BUILD = r"(?:\+([0-9A-Za-z\-~]+(?:\.[0-9A-Za-z\-~]+)*))??"
_LOOSE = (
    _SEGMENTS
    + r"(?:-([0-9]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)"
    + r"|(?:-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)))?"
    + _BUILD
)
_STRICT = (
    _SEGMENTS
    + r"(?:-([0-9]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)"
    + r"|(?:-([A-Za-z\-~]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)))?"
    + _BUILD
)
_LOOSE_VERSION = re.compile(_LOOSE + r"\Z")
_STRICT_VERSION = re.compile(_STRICT + r"\Z")
_GO_S = r"[\t\n\f\r ]*"  # Go's \s
_VERSION_OPS = r"(~>|>=|<=|!=|=|>|<|)"
_SEMVER_OPS = r"(>=|<=|!=|=|>|<|)"
_VERSION_CONSTRAINT = re.compile(_GO_S + _VERSION_OPS + _GO_S + "(" + _LOOSE + ")" + _GO_S + r"\Z")
_SEMVER_CONSTRAINT = re.compile(_GO_S + _SEMVER_OPS + _GO_S + "(" + _STRICT + ")" + _GO_S + r"\Z")


@attrs.frozen
class GoVersion:
    """A version as go-version holds it: segments padded to three, `si` written, pre-release."""

    segments: tuple[int, ...]
    si: int
    pre: str

    def compare(self, other: GoVersion, semver: bool = False) -> int:
        """go-version's `Compare`: -1, 0 or 1.

        With `semver`, two pre-releases of the same segments order by SemVer 2.0 §11 (as
        Nomad documents `semver`), not by go-version's `comparePart`, which puts a shorter
        pre-release above a longer one whose next field is alphanumeric (`1.0.0-alpha` above
        `1.0.0-alpha.beta`).
        """
        if self.segments == other.segments:
            if not self.pre and not other.pre:
                return 0
            if not self.pre:
                return 1
            if not other.pre:
                return -1
            if semver:
                return _semver_prereleases(self.pre, other.pre)
            return _compare_prereleases(self.pre, other.pre)
        mine, theirs = self.segments, other.segments
        for i in range(max(len(mine), len(theirs))):
            if i >= len(mine):
                return 0 if not any(theirs[i:]) else -1
            if i >= len(theirs):
                return 0 if not any(mine[i:]) else 1
            if mine[i] != theirs[i]:
                return -1 if mine[i] < theirs[i] else 1
        return 0  # segments equal up to trailing zeros: pre-releases are not compared


def _compare_part(mine: str, theirs: str) -> int:
    if mine == theirs:
        return 0
    a, b = go_int(mine), go_int(theirs)
    if mine == "":
        return -1 if b is not None else 1
    if theirs == "":
        return 1 if a is not None else -1
    if a is not None and b is None:
        return -1
    if a is None and b is not None:
        return 1
    if a is None and b is None and mine > theirs:
        return 1
    if a is not None and b is not None and a > b:
        return 1
    return -1


def _compare_prereleases(mine: str, theirs: str) -> int:
    if mine == theirs:
        return 0
    left, right = mine.split("."), theirs.split(".")
    for i in range(max(len(left), len(right))):
        found = _compare_part(left[i] if i < len(left) else "", right[i] if i < len(right) else "")
        if found:
            return found
    return 0


def _semver_prereleases(mine: str, theirs: str) -> int:
    """SemVer 2.0 §11.4's order of two pre-releases: -1, 0 or 1.

    Field by field, numeric fields by value and below alphanumeric ones, alphanumeric ones by
    ASCII order; when one list is a prefix of the other, the shorter is lower.
    """
    left, right = mine.split("."), theirs.split(".")
    for a, b in zip(left, right, strict=False):
        if a == b:
            continue
        a_digits, b_digits = a.isascii() and a.isdigit(), b.isascii() and b.isdigit()
        if a_digits and b_digits:
            return -1 if int(a) < int(b) else 1
        if a_digits != b_digits:
            return -1 if a_digits else 1
        return -1 if a < b else 1
    return (len(left) > len(right)) - (len(left) < len(right))


def _version_from(m: re.Match[str], offset: int) -> GoVersion | None:
    parts = m.group(offset).split(".")
    segments = [go_int(p) for p in parts]
    if any(s is None for s in segments):
        return None  # a segment beyond int64: go-version refuses the version
    padded = tuple(s for s in segments if s is not None) + (0,) * (3 - len(parts))
    pre = m.group(offset + 2) or m.group(offset + 1) or ""
    return GoVersion(padded, len(parts), pre)


def go_version(text: str) -> GoVersion | None:
    """`version.NewVersion(text)`, or None where go-version refuses it."""
    if len(text) > 1000:
        return None
    m = _LOOSE_VERSION.match(text)
    return _version_from(m, 1) if m else None


def _prerelease_check(v: GoVersion, c: GoVersion) -> bool:
    if c.pre and v.pre:
        return v.segments == c.segments
    return not (v.pre and not c.pre)


def _pessimistic(v: GoVersion, c: GoVersion) -> bool:
    if not _prerelease_check(v, c) or (c.pre and not v.pre):
        return False
    if v.compare(c) < 0:
        return False
    size = len(c.segments)
    if size > len(v.segments):
        return False
    if any(v.segments[i] != c.segments[i] for i in range(c.si - 1)):
        return False
    return c.segments[size - 1] <= v.segments[size - 1]


def _checked(test: Callable[[int], bool]) -> Callable[[GoVersion, GoVersion], bool]:
    return lambda v, c: _prerelease_check(v, c) and test(v.compare(c))


_VERSION_TESTS: dict[str, Callable[[GoVersion, GoVersion], bool]] = {
    "": lambda v, c: v.compare(c) == 0,
    "=": lambda v, c: v.compare(c) == 0,
    "!=": lambda v, c: v.compare(c) != 0,
    ">": _checked(lambda r: r == 1),
    "<": _checked(lambda r: r == -1),
    ">=": _checked(lambda r: r >= 0),
    "<=": _checked(lambda r: r <= 0),
    "~>": _pessimistic,
}
_SEMVER_TESTS: dict[str, Callable[[GoVersion, GoVersion], bool]] = {
    "": lambda v, c: v.compare(c, semver=True) == 0,
    "=": lambda v, c: v.compare(c, semver=True) == 0,
    "!=": lambda v, c: v.compare(c, semver=True) != 0,
    ">": lambda v, c: v.compare(c, semver=True) == 1,
    "<": lambda v, c: v.compare(c, semver=True) == -1,
    ">=": lambda v, c: v.compare(c, semver=True) >= 0,
    "<=": lambda v, c: v.compare(c, semver=True) <= 0,
}


@attrs.frozen
class VersionConstraints:
    """A parsed constraint list; `check(value)` is Nomad's `checkVersionMatch`."""

    items: tuple[tuple[Callable[[GoVersion, GoVersion], bool], GoVersion], ...]

    def check(self, value: str) -> bool:
        """Whether the attribute value (parsed as go-version does) satisfies every item."""
        version = go_version(value)
        return version is not None and all(test(version, c) for test, c in self.items)


def _constraints(
    text: str, pattern: re.Pattern[str], tests: dict[str, Any], strict: bool, what: str
) -> VersionConstraints:
    if not isinstance(text, str):
        raise ConstraintError(f"a {what} constraint is a str, not {type(text).__name__}")
    if len(text) > 10_000:
        raise ConstraintError(f"{what} constraint too long ({len(text):,} characters)")
    items = []
    for single in text.split(","):
        m = pattern.match(single)
        if m is None:
            raise ConstraintError(f"malformed {what} constraint {shown(single)}")
        # The check version is parsed again on its own, as go-version does.
        again = (_STRICT_VERSION if strict else _LOOSE_VERSION).match(m.group(2))
        version = _version_from(again, 1) if again else None
        if version is None:
            raise ConstraintError(f"version {shown(m.group(2))} in {what} constraint out of range")
        items.append((tests[m.group(1)], version))
    return VersionConstraints(tuple(items))


def version_constraints(text: str) -> VersionConstraints:
    """`version.NewConstraint(text)` (go-version); raises ConstraintError where it errs."""
    return _constraints(text, _VERSION_CONSTRAINT, _VERSION_TESTS, False, "version")


def semver_constraints(text: str) -> VersionConstraints:
    """Nomad's `semver.NewConstraint(text)`; raises ConstraintError where it errs."""
    return _constraints(text, _SEMVER_CONSTRAINT, _SEMVER_TESTS, True, "semver")


# -- one operator, compiled once and applied to one value -------------------------------------

_ORDER_SYMBOLS = {"nomad_lt": "<", "nomad_le": "<=", "nomad_gt": ">", "nomad_ge": ">="}


def compile_nomad(op: Any, argument: str) -> Any:
    """What `holds` needs of `argument` for the Nomad operator `op` (an `Op`), checked once.

    Raises ConstraintError for a constraint list Nomad's job validation refuses and
    PatternError for a regular expression RE2 cannot compile.
    """
    from .literals import compile_pattern

    name = op.value
    if name == "version":
        return version_constraints(argument)
    if name == "semver":
        return semver_constraints(argument)
    if name == "regexp":
        return compile_pattern(argument)
    if name in ("set_contains_all", "set_contains_any"):
        return split_set(argument)
    return None  # orderings read the argument itself


def holds(op: Any, compiled: Any, argument: str, value: str) -> bool:
    """Whether a present attribute `value` satisfies the Nomad operator `op`."""
    name = op.value
    if name in ("version", "semver"):
        return bool(compiled.check(value))
    if name == "regexp":
        try:
            return compiled.search(value) is not None
        except UnicodeError:  # lone surrogates (from JSON): RE2 takes none, so match nothing
            return False
    if name == "set_contains_all":
        return bool(compiled <= split_set(value))
    if name == "set_contains_any":
        return not compiled.isdisjoint(split_set(value))
    return nomad_order(_ORDER_SYMBOLS[name], value, argument)
