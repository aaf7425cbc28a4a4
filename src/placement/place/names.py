"""Warn when a constraint or strategy names an attribute that no instance has (did you mean?).

A misspelt attribute is legal ECS: `spread(attribute:ecs.availabilty-zone)` puts every instance
in one "missing" bucket and places in inventory order, and `memberOf(attribute:stak == prod)`
matches nothing. Both run without an error, so `place`, `rank`, `explain_placement`, `headroom`
and every other entry point that checks its inputs warn instead (`UnknownAttributeWarning`),
naming the closest attribute names the inventory has. The check is a set lookup per named
attribute, once per call.

Existence tests (`attribute:x exists`, `attribute:x !exists`, under `not` or not) never warn:
asking whether an instance lacks an attribute is their purpose, and a name that no instance has
is the expected case for `!exists`. Every other comparison warns, under `not` too: a misspelt
`not(attribute:stak == prod)` silently matches every instance.
"""

from __future__ import annotations

import difflib
import sys
import warnings
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from ..errors import UnknownAttributeWarning
from ..inventory import Inventory
from ..syntax.ast import Comparison, Expression, Op, SubjectKind
from ..text import shorten

__all__ = ["named_attributes", "warn_unknown_attributes", "nearest", "names_checked"]

_EXISTENCE = (Op.EXISTS, Op.NOT_EXISTS)
_PACKAGE = __name__.split(".")[0]
# Set while a question that checked its names once runs the placements it is made of: their
# own checks would warn again, and without what the question knows (its templates' names).
_CHECKED: ContextVar[bool] = ContextVar("placement_names_checked", default=False)


@contextmanager
def names_checked() -> Iterator[None]:
    """Inside: the caller's rules were checked (and warned about) once; inner checks are quiet."""
    token = _CHECKED.set(True)
    try:
        yield
    finally:
        _CHECKED.reset(token)


def _expression_names(expr: Expression) -> Iterator[str]:
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Comparison):
            subject = node.subject
            if subject.kind is SubjectKind.ATTRIBUTE and node.op not in _EXISTENCE:
                assert subject.name is not None
                yield subject.name
        else:
            stack.extend(reversed(node.children()))


def named_attributes(rule: object) -> Iterator[str]:
    """The attributes a rule reads by name (existence tests left out), in the order written.

    Read through what rules offer: a `memberOf`'s `expression`, a capping or spreading rule's
    `attribute`, a strategy's `zone_attribute()`; a user's rule offering none names nothing.
    """
    expression = getattr(rule, "expression", None)
    if isinstance(expression, Expression):
        yield from _expression_names(expression)
    attribute = getattr(rule, "attribute", None)
    if isinstance(attribute, str):
        yield attribute
    zone_attribute = getattr(rule, "zone_attribute", None)
    if callable(zone_attribute):
        named = zone_attribute()
        if isinstance(named, str) and named != attribute:
            yield named


def nearest(name: str, known: Sequence[str]) -> list[str]:
    """Up to three of `known` closest to `name` (difflib's ratio, 0.6 at least)."""
    return difflib.get_close_matches(name, known, n=3, cutoff=0.6)


def _caller_level() -> int:
    """The stacklevel of the first frame outside this package: the user's own call."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == _PACKAGE:
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def warn_unknown_attributes(
    inventory: Inventory, rules: Sequence[object], also: Collection[str] = ()
) -> None:
    """One `UnknownAttributeWarning` per attribute named in `rules` that no instance has.

    Nothing for an empty inventory (no instance to compare with). `also`: attribute names the
    question brings besides the inventory's (the templates of instances it may add), known too.
    """
    if _CHECKED.get() or not len(inventory):
        return
    have = inventory.attributes
    missing: dict[str, object] = {}
    for rule in rules:
        for name in named_attributes(rule):
            if name not in have and name not in also and name not in missing:
                missing[name] = rule
    if not missing:
        return
    known = sorted({*have, *also})
    level = _caller_level()
    for name, rule in missing.items():
        close = nearest(name, known)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        warnings.warn(
            f"attribute {name!r} in {shorten(str(rule), 80)} exists on no instance of the "
            f"inventory{hint}",
            UnknownAttributeWarning,
            stacklevel=level,
        )
