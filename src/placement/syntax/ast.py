"""The expression tree: frozen, hashable attrs nodes that print back to canonical text.

`Expression` is the base of every node. Leaves are `Comparison`s (`subject operator [argument]`);
`And`/`Or` hold two or more operands, `Not` one. Source spans and source text are kept for
error messages and explanations but take no part in equality or hashing, so
`parse(str(e)) == e` holds for every tree.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import PlacementError
from .literals import PatternError, Timestamp, Version, compile_pattern

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..instance import Instance
    from ..inventory import Inventory

__all__ = [
    "Op",
    "SubjectKind",
    "Subject",
    "Value",
    "Expression",
    "Comparison",
    "And",
    "Or",
    "Not",
    "KEYWORDS",
]


class Op(enum.Enum):
    """Comparison operators, by their canonical (symbolic) spelling."""

    EQ = "=="
    NE = "!="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    EXISTS = "exists"
    NOT_EXISTS = "!exists"
    IN = "in"
    NOT_IN = "!in"
    MATCHES = "=~"
    NOT_MATCHES = "!~"

    @property
    def arity(self) -> str:
        """'none' (exists), 'list' (in) or 'one' (everything else)."""
        if self in (Op.EXISTS, Op.NOT_EXISTS):
            return "none"
        if self in (Op.IN, Op.NOT_IN):
            return "list"
        return "one"

    def __str__(self) -> str:
        return self.value


ORDERINGS = frozenset({Op.GT, Op.GE, Op.LT, Op.LE})
_EQUALITY = frozenset({Op.EQ, Op.NE})
_SETS = frozenset({Op.IN, Op.NOT_IN})
_PATTERNS = frozenset({Op.MATCHES, Op.NOT_MATCHES})
_EXISTENCE = frozenset({Op.EXISTS, Op.NOT_EXISTS})


class SubjectKind(enum.Enum):
    """The closed set of subjects, by their spelling in the language."""

    AGENT_CONNECTED = "agentConnected"
    AGENT_VERSION = "agentVersion"
    ATTRIBUTE = "attribute"
    EC2_INSTANCE_ID = "ec2InstanceId"
    REGISTERED_AT = "registeredAt"
    RUNNING_TASKS_COUNT = "runningTasksCount"
    TASK_GROUP = "task:group"

    @property
    def operators(self) -> frozenset[Op]:
        """The operators this subject takes (SEMANTICS.md §1)."""
        return _OPERATORS[self]


_OPERATORS: dict[SubjectKind, frozenset[Op]] = {
    SubjectKind.AGENT_CONNECTED: _EQUALITY | _SETS | _PATTERNS,
    SubjectKind.AGENT_VERSION: _EQUALITY | ORDERINGS,
    SubjectKind.ATTRIBUTE: frozenset(Op),
    SubjectKind.EC2_INSTANCE_ID: _EQUALITY | _SETS | _PATTERNS,
    SubjectKind.REGISTERED_AT: _EQUALITY | ORDERINGS,
    SubjectKind.RUNNING_TASKS_COUNT: _EQUALITY | ORDERINGS,
    SubjectKind.TASK_GROUP: _EQUALITY | _SETS | _PATTERNS | _EXISTENCE,
}

# ECS attribute names: letters, digits, '-', '_', '/', '\' and '.' (PutAttributes).
ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_./\\-]{1,128}")


@attrs.frozen
class Subject:
    """What a comparison reads: one of the fixed subjects, or `attribute:NAME`."""

    kind: SubjectKind
    name: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.kind is SubjectKind.ATTRIBUTE:
            if not isinstance(self.name, str) or not ATTRIBUTE_NAME.fullmatch(self.name):
                raise PlacementError(
                    f"invalid attribute name {self.name!r}: 1-128 letters, digits, "
                    "'-', '_', '/', '\\' or '.'"
                )
        elif self.name is not None:
            raise PlacementError(f"subject {self.kind.value} takes no name")

    def __str__(self) -> str:
        if self.kind is SubjectKind.ATTRIBUTE:
            return f"attribute:{self.name}"
        return str(self.kind.value)


Value = str | bool | int | Version | Timestamp

# Words the lexer reads as keywords: a value spelled like one must be quoted.
KEYWORDS = frozenset(
    {
        "and", "or", "not", "in", "not_in", "exists", "not_exists", "equals", "not_equals",
        "greater_than", "greater_than_equal", "less_than", "less_than_equal", "matches",
        "not_matches",
    }
)  # fmt: skip
_BARE = re.compile(r"[A-Za-z0-9_.@/\\:*+?^${}-]+")


def quote(value: str) -> str:
    """A string value as the printer writes it: bare when it lexes as one word, else quoted."""
    if _BARE.fullmatch(value) and value not in KEYWORDS:
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _value_text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value)
    return str(value)


class Expression:
    """Base of every expression node: evaluation, combination with `&`, `|`, `~`, printing."""

    __slots__ = ()

    def matches(self, instance: Instance) -> bool:
        """Whether one instance satisfies this expression (the reference semantics)."""
        from ..evaluate.scalar import matches

        return matches(self, instance)

    def evaluate(self, inventory: Inventory) -> npt.NDArray[np.bool_]:
        """One bool per instance of `inventory`, in order, vectorized."""
        from ..evaluate.vector import evaluate

        return evaluate(self, inventory)

    def leaves(self) -> Iterator[Comparison]:
        """The comparisons of this expression, left to right."""
        stack: list[Expression] = [self]
        while stack:
            node = stack.pop()
            if isinstance(node, Comparison):
                yield node
            else:
                stack.extend(reversed(node.children()))

    def children(self) -> tuple[Expression, ...]:
        """The direct sub-expressions (none for a comparison)."""
        return ()

    @property
    def reads_state(self) -> bool:
        """Whether placing tasks can change this expression's value on an instance.

        True when it reads `runningTasksCount` or `task:group`; the batch placer re-checks such
        expressions on the instances it places on.
        """
        return any(
            leaf.subject.kind in (SubjectKind.RUNNING_TASKS_COUNT, SubjectKind.TASK_GROUP)
            for leaf in self.leaves()
        )

    def __and__(self, other: Expression) -> And:
        if not isinstance(other, Expression):
            return NotImplemented
        return And(_flatten(And, (self, other)))

    def __or__(self, other: Expression) -> Or:
        if not isinstance(other, Expression):
            return NotImplemented
        return Or(_flatten(Or, (self, other)))

    def __invert__(self) -> Not:
        return Not(self)

    def __str__(self) -> str:
        raise NotImplementedError


def _flatten(kind: type[And | Or], items: Iterable[Expression]) -> tuple[Expression, ...]:
    out: list[Expression] = []
    for item in items:
        if type(item) is kind:
            out.extend(item.children())
        else:
            out.append(item)
    return tuple(out)


def _check_argument(subject: Subject, op: Op, argument: Any) -> None:
    """Reject an argument of the wrong shape or type for the subject and operator."""
    if op.arity == "none":
        if argument is not None:
            raise PlacementError(f"{op} takes no argument")
        return
    if op.arity == "list":
        if not isinstance(argument, tuple) or not argument:
            raise PlacementError(f"{op} takes a non-empty tuple of values")
        items: tuple[Any, ...] = argument
    else:
        items = (argument,)
    kind = subject.kind
    if op in _PATTERNS:
        expected: type | tuple[type, ...] = str
    elif kind is SubjectKind.AGENT_CONNECTED:
        expected = bool
    elif kind is SubjectKind.AGENT_VERSION:
        expected = Version
    elif kind is SubjectKind.REGISTERED_AT:
        expected = Timestamp
    elif kind is SubjectKind.RUNNING_TASKS_COUNT:
        expected = int
    else:
        expected = str
    for item in items:
        ok = isinstance(item, expected)
        if expected is int:  # bool is an int subclass; a count is not a bool
            ok = ok and not isinstance(item, bool) and item >= 0
        if not ok:
            name = expected.__name__ if isinstance(expected, type) else "value"
            if expected is int:
                name = "non-negative int"
            raise PlacementError(f"{subject} {op} takes a {name}, got {item!r}")


@attrs.frozen
class Comparison(Expression):
    """A simple expression: `subject operator [argument]`.

    `argument` is None for `exists`/`!exists`, a non-empty tuple for `in`/`!in`, else one value
    typed by the subject: bool (`agentConnected`), `Version`, `Timestamp`, int
    (`runningTasksCount`) or str (attributes, ids, groups, and every regex pattern).
    """

    subject: Subject
    op: Op
    argument: Value | tuple[Value, ...] | None = None
    source: str | None = attrs.field(default=None, eq=False, repr=False)
    span: tuple[int, int] | None = attrs.field(default=None, eq=False, repr=False)
    pattern: Any = attrs.field(default=None, eq=False, repr=False, init=False)

    def __attrs_post_init__(self) -> None:
        if self.op not in self.subject.kind.operators:
            raise PlacementError(
                f"{self.subject.kind.value} does not take {self.op}; it takes "
                + ", ".join(o.value for o in Op if o in self.subject.kind.operators)
            )
        _check_argument(self.subject, self.op, self.argument)
        if self.op in _PATTERNS:
            assert isinstance(self.argument, str)
            try:
                compiled = compile_pattern(self.argument)
            except PatternError as exc:
                raise PlacementError(f"invalid pattern {self.argument!r}: {exc}") from None
            object.__setattr__(self, "pattern", compiled)

    @classmethod
    def _checked(
        cls,
        subject: Subject,
        op: Op,
        argument: Value | tuple[Value, ...] | None,
        text: str,
        start: int,
        end: int,
        pattern: Any,
    ) -> Comparison:
        """Build a node the parser has already checked, without checking it again.

        The parser validates operator, argument type and pattern as it reads them (and points
        at the token at fault); re-running the constructor's checks would double the cost of
        building a tree.
        """
        node = object.__new__(cls)
        set_field = object.__setattr__
        set_field(node, "subject", subject)
        set_field(node, "op", op)
        set_field(node, "argument", argument)
        set_field(node, "source", text[start:end])
        set_field(node, "span", (start, end))
        set_field(node, "pattern", pattern)
        return node

    def __str__(self) -> str:
        if self.argument is None:
            return f"{self.subject} {self.op}"
        if isinstance(self.argument, tuple):
            items = ", ".join(_value_text(v) for v in self.argument)
            return f"{self.subject} {self.op} [{items}]"
        return f"{self.subject} {self.op} {_value_text(self.argument)}"


def _operands(kind: str) -> Any:
    def check(_instance: Any, _attribute: Any, value: tuple[Expression, ...]) -> None:
        if not isinstance(value, tuple) or len(value) < 2:
            raise PlacementError(f"{kind} takes a tuple of at least two expressions")
        for item in value:
            if not isinstance(item, Expression):
                raise PlacementError(f"{kind} operands must be expressions, got {item!r}")

    return check


@attrs.frozen(cache_hash=True)
class And(Expression):
    """All operands hold. `a and b and c` is one `And` of three; parentheses nest."""

    operands: tuple[Expression, ...] = attrs.field(validator=_operands("And"))

    def children(self) -> tuple[Expression, ...]:
        """The operands."""
        return self.operands

    def __str__(self) -> str:
        # A nested And (only ever from parentheses or hand-built trees) keeps its parentheses,
        # so printing then parsing gives back the same tree.
        return " and ".join(
            f"({op})" if isinstance(op, (And, Or)) else str(op) for op in self.operands
        )


@attrs.frozen(cache_hash=True)
class Or(Expression):
    """At least one operand holds."""

    operands: tuple[Expression, ...] = attrs.field(validator=_operands("Or"))

    def children(self) -> tuple[Expression, ...]:
        """The operands."""
        return self.operands

    def __str__(self) -> str:
        return " or ".join(f"({op})" if isinstance(op, Or) else str(op) for op in self.operands)


@attrs.frozen(cache_hash=True)
class Not(Expression):
    """The operand does not hold. Printed `not(...)`, as ECS writes anti-affinity."""

    operand: Expression = attrs.field()

    @operand.validator
    def _check(self, _attribute: Any, value: Any) -> None:
        if not isinstance(value, Expression):
            raise PlacementError(f"Not takes an expression, got {value!r}")

    def children(self) -> tuple[Expression, ...]:
        """The operand."""
        return (self.operand,)

    def __str__(self) -> str:
        return f"not({self.operand})"
