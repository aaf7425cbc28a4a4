"""Build expressions in code: `attribute("stack") == "prod"`, `&`, `|`, `~`.

A `Field` stands for a subject and turns Python comparisons into `Comparison` nodes; it is not
itself part of the tree (the tree's `Subject` keeps ordinary equality). Every value is checked
here or by the node constructors: whatever the value (None, a list, NaN, a 5,000-digit int, a
datetime with microseconds), the builders either return a node that prints back to parseable
text or raise an `ExpressionError`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ExpressionError
from ..text import shown
from .ast import Comparison, Op, Subject, SubjectKind, Value
from .literals import Timestamp, Version, parse_timestamp, parse_version, version_fault

__all__ = [
    "Field",
    "attribute",
    "agent_connected",
    "agent_version",
    "ec2_instance_id",
    "registered_at",
    "running_tasks_count",
    "task_group",
]


class Field:
    """A subject to compare: `Field(...) == v`, `.in_([...])`, `.matches(p)`, `.exists()`."""

    __slots__ = ("subject",)

    def __init__(self, subject: Subject) -> None:
        if not isinstance(subject, Subject):
            raise ExpressionError(f"a Field stands for a Subject, got {shown(subject)}")
        self.subject = subject

    def _coerce(self, value: Any) -> Value:
        kind = self.subject.kind
        if kind is SubjectKind.AGENT_VERSION and isinstance(value, str):
            version = parse_version(value)
            if version is None:
                raise ExpressionError(
                    f"invalid agent version {shown(value)}: {version_fault(value)}"
                )
            return version
        if kind is SubjectKind.REGISTERED_AT:
            if isinstance(value, _dt.datetime):
                return Timestamp.from_datetime(value)  # whole seconds: checked by Comparison
            if isinstance(value, str):
                stamp = parse_timestamp(value)
                if stamp is None:
                    raise ExpressionError(
                        f"invalid timestamp {shown(value)}: 2018-06-18T22:28:28+00:00, "
                        "2018-06-18T22:28:28Z, 2018-06-18T22:28:28 or 2018-06-18"
                    )
                return stamp
        if isinstance(value, (str, bool, int, Version, Timestamp)):
            return value  # the Comparison checks it against the subject's type
        raise ExpressionError(f"cannot compare {self.subject} with {shown(value)}")

    def _coerce_all(self, values: Any) -> tuple[Value, ...]:
        # A str is iterable, but `in_("prod")` meaning [p, r, o, d] would be a silent surprise.
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
            raise ExpressionError(
                f"{self.subject} in takes a list of values, got {shown(values)}"
            )
        return tuple(self._coerce(v) for v in values)

    def _compare(self, op: Op, value: Any) -> Comparison:
        return Comparison(self.subject, op, self._coerce(value))

    def __eq__(self, value: object) -> Comparison:  # type: ignore[override]
        return self._compare(Op.EQ, value)

    def __ne__(self, value: object) -> Comparison:  # type: ignore[override]
        return self._compare(Op.NE, value)

    def __lt__(self, value: Any) -> Comparison:
        return self._compare(Op.LT, value)

    def __le__(self, value: Any) -> Comparison:
        return self._compare(Op.LE, value)

    def __gt__(self, value: Any) -> Comparison:
        return self._compare(Op.GT, value)

    def __ge__(self, value: Any) -> Comparison:
        return self._compare(Op.GE, value)

    __hash__ = None  # type: ignore[assignment]

    def in_(self, values: Iterable[Any]) -> Comparison:
        """`subject in [values...]`."""
        return Comparison(self.subject, Op.IN, self._coerce_all(values))

    def not_in(self, values: Iterable[Any]) -> Comparison:
        """`subject !in [values...]`."""
        return Comparison(self.subject, Op.NOT_IN, self._coerce_all(values))

    def matches(self, pattern: str) -> Comparison:
        """`subject =~ pattern` (whole-value RE2 match)."""
        return Comparison(self.subject, Op.MATCHES, pattern)

    def not_matches(self, pattern: str) -> Comparison:
        """`subject !~ pattern`."""
        return Comparison(self.subject, Op.NOT_MATCHES, pattern)

    def exists(self) -> Comparison:
        """`subject exists`."""
        return Comparison(self.subject, Op.EXISTS)

    def not_exists(self) -> Comparison:
        """`subject !exists`."""
        return Comparison(self.subject, Op.NOT_EXISTS)

    def __repr__(self) -> str:
        return f"Field({self.subject})"


def attribute(name: str) -> Field:
    """The container-instance attribute `name` (`attribute:NAME`)."""
    return Field(Subject(SubjectKind.ATTRIBUTE, name))


agent_connected = Field(Subject(SubjectKind.AGENT_CONNECTED))
agent_version = Field(Subject(SubjectKind.AGENT_VERSION))
ec2_instance_id = Field(Subject(SubjectKind.EC2_INSTANCE_ID))
registered_at = Field(Subject(SubjectKind.REGISTERED_AT))
running_tasks_count = Field(Subject(SubjectKind.RUNNING_TASKS_COUNT))
task_group = Field(Subject(SubjectKind.TASK_GROUP))
