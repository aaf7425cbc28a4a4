"""What the emitters share: the notes of a translation, refusals, integer bounds."""

from __future__ import annotations

import re

from ..syntax.ast import SubjectKind
from ..syntax.literals import PatternError, compile_pattern
from .normal import Literal, TranslationError

__all__ = ["Notes", "int_text", "refuse_subject", "ECS_OPERATORS", "group"]

ECS_OPERATORS = frozenset(
    {"==", "!=", ">", ">=", "<", "<=", "exists", "!exists", "in", "!in", "=~", "!~"}
)
"""The operators Amazon ECS's own language has (the tree may hold placement's extensions)."""

_INTEGER = re.compile(r"[-+]?[0-9]+")


class Notes:
    """The notes of one translation, in order and without repeats, and whether it is exact."""

    def __init__(self) -> None:
        self._items: dict[str, None] = {}
        self.exact = True

    def add(self, text: str, exact: bool = True) -> None:
        """Record a meaning shift; `exact=False` when the bridge does not keep meaning."""
        self._items.setdefault(text)
        self.exact = self.exact and exact

    def items(self) -> tuple[str, ...]:
        """The notes, first recorded first."""
        return tuple(self._items)


def int_text(value: object) -> int | None:
    """The integer a decimal integer string spells (`007`, `+5`), or None."""
    if isinstance(value, str) and len(value) <= 40 and _INTEGER.fullmatch(value):
        return int(value)
    return None


_WHY = {
    SubjectKind.TASK_GROUP: "task:group reads the tasks running on an instance",
    SubjectKind.RUNNING_TASKS_COUNT: "runningTasksCount counts the tasks on an instance",
    SubjectKind.AGENT_CONNECTED: "agentConnected is the ECS agent's state",
    SubjectKind.AGENT_VERSION: "agentVersion is the ECS agent's version",
    SubjectKind.EC2_INSTANCE_ID: "ec2InstanceId is an EC2 id",
    SubjectKind.REGISTERED_AT: "registeredAt is when an instance joined an ECS cluster",
}


def refuse_subject(lit: Literal, target: str, reads: str) -> TranslationError:
    """The refusal of a comparison on a subject other than `attribute:`."""
    why = _WHY.get(lit.leaf.subject.kind, f"{lit.leaf.subject} has no counterpart")
    return TranslationError(f"`{lit}` cannot be translated to {target}: {why}, and {reads}")


def group(pattern: str, where: str) -> str:
    r"""`pattern` as one RE2 group, `(?:pattern)`, that text may follow without changing it.

    RE2 (Go's syntax too) reads everything after an unterminated `\Q` as literal text, so
    `(?:\Qa)` would swallow its own `)`: such a pattern is closed with `\E` first, which
    adds no text. `where` names the comparison in the refusal of a pattern that fits neither.
    """
    for body in (pattern, pattern + "\\E"):
        try:
            compile_pattern(f"(?:{body})")
        except PatternError:
            continue
        return f"(?:{body})"
    raise TranslationError(f"`{where}`: the pattern {pattern!r} cannot be used inside a group")
