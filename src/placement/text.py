"""Text helpers shared by messages and reprs: quoting caller input, cutting long text.

Every error message quotes what the caller passed with `shown`, and every repr cuts its text
with `shorten` or `short_repr`, so a 10 MB string or a 5,000-digit integer never turns into a
10 MB message or a second exception while the first is being reported.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping

__all__ = ["SHOWN", "shown", "shorten", "short_repr", "reason_counts"]

SHOWN = 60
"""The most characters `shown` quotes of one value."""
_INT_BITS = 64
"""Wider ints are described by their size: `repr` refuses past 4,300 digits."""

# Bounded repr of containers: reprlib stops at a few items and a few levels, so a list of a
# million items or one nested past the recursion limit costs what a short one does.
_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = 40
_REPR.maxother = SHOWN
_REPR.maxlong = 40


def shown(value: object) -> str:
    """`value` as an error message quotes it: short, and never raising.

    A 10 MB string is cut (its length said), a 5,000-digit int is described by its bit width
    (its `repr` would raise), a container is shown by its first items and levels, and an object
    whose `repr` fails is named by its type.
    """
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, int):
        bits = value.bit_length()
        return repr(int(value)) if bits <= _INT_BITS else f"an int of {bits} bits"
    if isinstance(value, str):
        if len(value) <= SHOWN:
            return repr(str(value))
        return f"{value[:40]!r}... ({len(value)} characters)"
    try:
        text = _REPR.repr(value)
    except Exception:  # a broken __repr__ (or a huge int inside a list) must not hide the error
        return f"a {type(value).__name__}"
    return shorten(text, SHOWN)


def shorten(text: str, limit: int = 120) -> str:
    """`text` cut to `limit` characters, ending in `...` when cut."""
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def short_repr(text: str) -> str:
    """A repr cut to under 200 characters, still closed by `>`."""
    return text if len(text) < 200 else text[:195] + "...>"


def reason_counts(counts: Mapping[str, int]) -> str:
    """`AGENT 2, CPU 9, MemberOf 1`: reason counts in a few words, for short reprs.

    ECS's codes shrink to their first word; another dialect's reasons (`Insufficient cpu`,
    `node(s) had untolerated taint {k: v}`) stay whole, since their first word says nothing.
    """
    return ", ".join(f"{_short_reason(reason)} {count}" for reason, count in counts.items())


def _short_reason(reason: str) -> str:
    if reason.endswith(" placement constraint unsatisfied."):
        return reason.split()[0]
    return reason.removeprefix("RESOURCE:")
