"""Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1e3`, `500M`) read exactly.

The grammar is `resource.Quantity`'s: an optional sign, digits with an optional fraction (either
side of the `.` may be empty, as Go's parser allows), then one suffix: a binary SI suffix
(`Ki Mi Gi Ti Pi Ei`), a decimal SI suffix (`n u m` none `k M G T P E`) or a decimal exponent
(`e3`, `E-2`). The value is kept as an exact fraction and rounded up, as `Quantity.Value()` and
`MilliValue()` round: `0.5m` CPU is 1 millicore, `1.5` bytes is 2.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from ..errors import PlacementInputError
from ..text import shown

__all__ = ["quantity", "millicores", "whole"]

_TEXT = 256  # longer quantity text is refused before it is scanned
_FORM = re.compile(
    r"([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)
_SCALE = {
    "": Fraction(1), "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
    "P": Fraction(10**15), "E": Fraction(10**18),
    "Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30), "Ti": Fraction(2**40),
    "Pi": Fraction(2**50), "Ei": Fraction(2**60),
}  # fmt: skip
_EXPONENT = 400  # exponents past this are infinite or infinitesimal for every amount we hold


_SEEN: dict[str, Fraction] = {}
"""Quantity texts already read (a cluster repeats a few: `100m`, `64Mi`); only valid ones."""
_SEEN_LIMIT = 4096


def quantity(value: Any, where: str) -> Fraction:
    """The exact value of a quantity (text, or a JSON number); `PlacementInputError` if bad."""
    if type(value) is str:
        known = _SEEN.get(value)
        if known is not None:
            return known
        found = _quantity(value, where)
        if len(_SEEN) < _SEEN_LIMIT:
            _SEEN[value] = found
        return found
    return _quantity(value, where)


def _quantity(value: Any, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PlacementInputError(f"{where}: a quantity is text like '100m' or '1Gi', got "
                                  f"{shown(value)}")  # fmt: skip
    if isinstance(value, int) and value.bit_length() > 4 * _TEXT:
        # Past Python's digit limit `str` itself raises; no real quantity is this long.
        raise PlacementInputError(f"{where}: quantity of {value.bit_length():,} bits is too large")
    if isinstance(value, (int, float)):
        value = repr(value) if isinstance(value, float) else str(value)
    match = _FORM.fullmatch(value) if value and len(value) <= _TEXT else None
    if match is None:
        raise PlacementInputError(f"{where}: not a quantity: {shown(value)}")
    sign, whole, fraction, suffix = match.groups()
    number = Fraction(int(whole or "0")) + (
        Fraction(int(fraction), 10 ** len(fraction)) if fraction else Fraction(0)
    )
    suffix = suffix or ""
    if suffix not in _SCALE:  # a decimal exponent (`E` alone is exa, `Ei` exbi)
        exponent = int(suffix[1:])
        if number and exponent > _EXPONENT:
            raise PlacementInputError(f"{where}: quantity {shown(value)} is too large")
        # A vanishing amount still rounds up to one unit: keep it tiny, not zero. Zero times
        # any power is zero: clamp both ways, so `0e99999999` costs no 10**99999999.
        exponent = min(max(exponent, -_EXPONENT), _EXPONENT)
        number *= Fraction(10) ** exponent
    else:
        number *= _SCALE[suffix]
    if sign == "-" and number:
        raise PlacementInputError(f"{where}: quantity {shown(value)} is negative")
    return number


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def millicores(value: Any, where: str) -> int:
    """CPU as millicores, rounded up (`MilliValue`)."""
    return _ceil(quantity(value, where) * 1000)


def whole(value: Any, where: str) -> int:
    """A quantity as a whole number (bytes, GPUs, pods), rounded up (`Value`)."""
    return _ceil(quantity(value, where))
