"""The library's exceptions: everything it raises on bad input is a `PlacementError`."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "PlacementError",
    "PlacementSyntaxError",
    "ExpressionError",
    "ExpressionTypeError",
    "InventoryError",
    "PlacementInputError",
    "PlacementWarning",
    "UnknownAttributeWarning",
]


class PlacementError(ValueError):
    """Root of every error this library raises for bad input (also a `ValueError`)."""


class PlacementSyntaxError(PlacementError):
    """An expression that does not parse or does not type-check.

    Carries where it went wrong (`line` and `column` count from 1, `position` from 0 into
    `text`), what was found there and what would have been accepted; `str()` shows the offending
    line with a caret under the fault.
    """

    def __init__(
        self,
        message: str,
        text: str,
        position: int,
        expected: Iterable[str] = (),
    ) -> None:
        self.message = message
        self.text = text
        # Clamp so the invariant `0 <= position <= len(text)` holds whatever the caller passed.
        self.position = max(0, min(position, len(text)))
        self.expected: tuple[str, ...] = tuple(sorted(set(expected)))
        before = text[: self.position]
        self.line = before.count("\n") + 1
        self.column = self.position - (before.rfind("\n") + 1) + 1
        super().__init__(self._render())

    def _render(self) -> str:
        lines = self.text.split("\n")
        source_line = lines[self.line - 1] if self.text else ""
        # Long lines are cut to a window around the fault so the caret stays readable.
        start = max(0, self.column - 1 - 60)
        shown = source_line[start : start + 120]
        prefix = "..." if start else ""
        suffix = "..." if start + 120 < len(source_line) else ""
        caret = " " * (len(prefix) + self.column - 1 - start) + "^"
        parts = [
            f"{self.message} at line {self.line}, column {self.column}",
            f"  {prefix}{shown}{suffix}",
            f"  {caret}",
        ]
        if self.expected:
            parts.append("expected " + _one_of(self.expected))
        return "\n".join(parts)


def _one_of(items: tuple[str, ...]) -> str:
    if len(items) == 1:
        return items[0]
    return "one of: " + ", ".join(items)


class ExpressionError(PlacementError):
    """An expression or literal built in code that the language cannot hold or print back.

    Raised by the node constructors and the builders (`attribute("x") == v`, `&`, `|`, `~`):
    a value of the wrong type, a sub-second timestamp, a version component over 18 digits, a
    tree nested deeper than the parser accepts. Text goes through `parse` and its
    `PlacementSyntaxError` instead.
    """


class ExpressionTypeError(ExpressionError, TypeError):
    """An operand of `&`, `|` or `~` that is not an expression (also a `TypeError`)."""


class InventoryError(PlacementError):
    """Malformed inventory input (ECS JSON, records): names the instance and the field."""


class PlacementInputError(PlacementError):
    """Invalid task, constraint or strategy input to the placer."""


class PlacementWarning(UserWarning):
    """Root of the warnings this library gives: the input is accepted, but looks mistaken."""


class UnknownAttributeWarning(PlacementWarning):
    """A constraint or strategy names an attribute that no instance of the inventory has.

    A misspelt `spread(attribute:ecs.availabilty-zone)` or `memberOf` clause would otherwise
    match nothing (or everything) silently. The message names the nearest attribute names the
    inventory does have. Existence tests (`exists`, `!exists`) never warn: asking whether an
    instance lacks an attribute is what they are for.
    """
