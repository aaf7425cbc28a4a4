"""The expression tree: frozen, hashable attrs nodes that print back to canonical text.

`Expression` is the base of every node. Leaves are `Comparison`s (`subject operator [argument]`);
`And`/`Or` hold two or more operands, `Not` one. Source spans and source text are kept for
error messages and explanations but take no part in equality or hashing.

The constructors accept only trees the language can write: typed arguments it can print,
whole-second timestamps, and nesting no deeper than the parser takes (`MAX_DEPTH`). So
`parse(str(e), max_length=None) == e` holds for every tree that can be built. Printing walks
the tree with an explicit stack, and each compound node caches its depth, so nothing here
recurses.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import ExpressionError, ExpressionTypeError, PlacementInputError
from ..text import shown
from .literals import MAX_COUNT, PatternError, Timestamp, Version, compile_pattern
from .nomad_ops import ConstraintError, compile_nomad

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
    "NOMAD_OPS",
    "MAX_DEPTH",
    "REPR_LENGTH",
]

MAX_DEPTH = 100
"""How deeply `and`/`or`/`not` may nest: a comparison alone is 1, `not(c)` is 2 (redundant
parentheses do not count). Both the parser and the node constructors enforce it."""
REPR_LENGTH = 200
"""`repr` of any node is shorter than this: long text is cut with an ellipsis."""


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
    # Placement extensions for Nomad constraints (ECS does not accept these; see
    # docs/language.md and syntax/nomad_ops.py). Attributes only.
    VERSION = "version"
    SEMVER = "semver"
    REGEXP = "regexp"
    SET_CONTAINS_ALL = "set_contains_all"
    SET_CONTAINS_ANY = "set_contains_any"
    NOMAD_LT = "nomad_lt"
    NOMAD_LE = "nomad_le"
    NOMAD_GT = "nomad_gt"
    NOMAD_GE = "nomad_ge"

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
NOMAD_OPS = frozenset({
    Op.VERSION, Op.SEMVER, Op.REGEXP, Op.SET_CONTAINS_ALL, Op.SET_CONTAINS_ANY, Op.NOMAD_LT,
    Op.NOMAD_LE, Op.NOMAD_GT, Op.NOMAD_GE,
})  # fmt: skip
"""The operators placement adds for Nomad constraints: `attribute:` subjects only."""
NOMAD_ORDERINGS = {Op.NOMAD_LT: "<", Op.NOMAD_LE: "<=", Op.NOMAD_GT: ">", Op.NOMAD_GE: ">="}


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


@attrs.frozen(repr=False)
class Subject:
    """What a comparison reads: one of the fixed subjects, or `attribute:NAME`."""

    kind: SubjectKind
    name: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, SubjectKind):
            raise ExpressionError(f"a Subject's kind is a SubjectKind, got {shown(self.kind)}")
        if self.kind is SubjectKind.ATTRIBUTE:
            # Length first: the message must not quote (nor the regex scan) a 10 MB name.
            name = self.name
            if not isinstance(name, str) or len(name) > 128 or not ATTRIBUTE_NAME.fullmatch(name):
                raise ExpressionError(
                    f"invalid attribute name {shown(name)}: 1-128 letters, digits, "
                    "'-', '_', '/', '\\' or '.'"
                )
        elif self.name is not None:
            raise ExpressionError(f"subject {self.kind.value} takes no name")

    def __reduce__(self) -> tuple[Any, ...]:
        # Through the constructor, so an unpickled subject is checked like a new one.
        return (Subject, (self.kind, self.name))

    def __str__(self) -> str:
        if self.kind is SubjectKind.ATTRIBUTE:
            return f"attribute:{self.name}"
        return str(self.kind.value)

    def __repr__(self) -> str:
        return f"<Subject {self}>"


Value = str | bool | int | Version | Timestamp

# Words the lexer reads as keywords: a value spelled like one must be quoted.
KEYWORDS = frozenset(
    {
        "and", "or", "not", "in", "not_in", "exists", "not_exists", "equals", "not_equals",
        "greater_than", "greater_than_equal", "less_than", "less_than_equal", "matches",
        "not_matches", "version", "semver", "regexp", "set_contains", "set_contains_all",
        "set_contains_any", "nomad_lt", "nomad_le", "nomad_gt", "nomad_ge",
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
    """Base of every expression node: evaluation, combination with `&`, `|`, `~`, printing.

    `depth` is how deeply the node nests (1 for a comparison), at most `MAX_DEPTH`.
    """

    __slots__ = ()
    depth: int

    def matches(self, instance: Instance) -> bool:
        """Whether one instance satisfies this expression (the reference semantics)."""
        from ..evaluate.scalar import matches
        from ..instance import Instance

        if not isinstance(instance, Instance):
            raise PlacementInputError(
                f"matches() takes an Instance as `instance`, got {shown(instance)}"
            )
        return matches(self, instance)

    def evaluate(self, inventory: Inventory) -> npt.NDArray[np.bool_]:
        """One bool per instance of `inventory`, in order, vectorized."""
        from ..evaluate.vector import evaluate
        from ..inventory import Inventory

        if not isinstance(inventory, Inventory):
            raise PlacementInputError(
                f"evaluate() takes an Inventory as `inventory`, got {shown(inventory)}"
            )
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
        return And(_flatten(And, (self, _operand("&", other))))

    def __rand__(self, other: Any) -> And:
        return And(_flatten(And, (_operand("&", other), self)))

    def __or__(self, other: Expression) -> Or:
        return Or(_flatten(Or, (self, _operand("|", other))))

    def __ror__(self, other: Any) -> Or:
        return Or(_flatten(Or, (_operand("|", other), self)))

    def __invert__(self) -> Not:
        return Not(self)

    def __str__(self) -> str:
        return "".join(_pieces(self))

    def __repr__(self) -> str:
        return _short_repr(type(self).__name__, _pieces(self))


def _operand(symbol: str, other: Any) -> Expression:
    # A TypeError too, as Python's own "unsupported operand" would be; but ours names the value.
    if not isinstance(other, _NODES):
        raise ExpressionTypeError(f"{symbol} combines expressions, not {shown(other)}")
    return other


def _flatten(kind: type[And | Or], items: Iterable[Expression]) -> tuple[Expression, ...]:
    out: list[Expression] = []
    for item in items:
        if type(item) is kind:
            out.extend(item.children())
        else:
            out.append(item)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Printing, without recursion: the tree is walked with an explicit stack of nodes and literal
# pieces, so `repr` can stop after a few hundred characters of a 10 MB tree.


def _pieces(root: Expression) -> Iterator[str]:
    """The canonical text of `root`, in pieces, left to right."""
    stack: list[Expression | str] = [root]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, Comparison):
            yield item._text()
        elif isinstance(item, Not):
            push(")")
            push(item.operand)
            push("not(")
        else:
            assert isinstance(item, (And, Or))
            # A nested And (only ever from parentheses or hand-built trees) keeps its
            # parentheses, so printing then parsing gives back the same tree.
            wrap = (And, Or) if isinstance(item, And) else Or
            joiner = " and " if isinstance(item, And) else " or "
            for k in range(len(item.operands) - 1, -1, -1):
                operand = item.operands[k]
                if isinstance(operand, wrap):
                    push(")")
                    push(operand)
                    push("(")
                else:
                    push(operand)
                if k:
                    push(joiner)


def _short_repr(name: str, pieces: Iterable[str]) -> str:
    """`<Name 'text'>`, the text cut with an ellipsis to keep the whole under REPR_LENGTH."""
    room = REPR_LENGTH - len(name) - 12
    taken: list[str] = []
    size = 0
    for piece in pieces:
        taken.append(piece)
        size += len(piece)
        if size > room:
            break
    text = "".join(taken)
    if len(text) <= room and len(repr(text)) <= room:
        return f"<{name} {text!r}>"
    # repr may escape a character into up to ten: shorten until the quoted text fits.
    cut = min(len(text), room)
    while len(repr(text[:cut])) > room:
        cut = cut * 2 // 3
    return f"<{name} {text[:cut]!r}...>"


def _check_argument(subject: Subject, op: Op, argument: Any) -> None:
    """Reject an argument of the wrong shape or type for the subject and operator."""
    if op.arity == "none":
        if argument is not None:
            raise ExpressionError(f"{op} takes no argument, got {shown(argument)}")
        return
    if op.arity == "list":
        if not isinstance(argument, tuple) or not argument:
            raise ExpressionError(f"{op} takes a non-empty tuple of values, got {shown(argument)}")
        items: tuple[Any, ...] = argument
    else:
        items = (argument,)
    kind = subject.kind
    if op in _PATTERNS:
        expected: type = str
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
        _check_item(subject, op, expected, item)


def _check_item(subject: Subject, op: Op, expected: type, item: Any) -> None:
    if expected is int:  # bool is an int subclass; a count is not a bool
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= MAX_COUNT:
            raise ExpressionError(
                f"{subject} {op} takes an int from 0 to {MAX_COUNT}, got {shown(item)}"
            )
    elif not isinstance(item, expected):
        raise ExpressionError(f"{subject} {op} takes a {expected.__name__}, got {shown(item)}")
    elif isinstance(item, Timestamp) and item.micros % 1_000_000:
        # The language writes whole seconds only; printing a fraction would give text that
        # `parse` refuses. Say how to drop it rather than rounding silently.
        raise ExpressionError(
            f"{subject} arguments are whole seconds (the language has no fractions), got "
            f"{item}; truncate first: value.replace(microsecond=0) for a datetime, "
            "Timestamp(t.micros - t.micros % 1_000_000) for a Timestamp"
        )


def _check_span(_instance: Any, _attribute: Any, span: Any) -> None:
    if span is None:
        return
    if not (
        isinstance(span, tuple)
        and len(span) == 2
        and all(isinstance(p, int) and not isinstance(p, bool) for p in span)
    ):
        raise ExpressionError(f"a span is a (start, end) tuple of ints, got {shown(span)}")


def _check_source(_instance: Any, _attribute: Any, source: Any) -> None:
    if source is not None and not isinstance(source, str):
        raise ExpressionError(f"a comparison's source is a str, got {shown(source)}")


@attrs.frozen(repr=False)
class Comparison(Expression):
    """A simple expression: `subject operator [argument]`.

    `argument` is None for `exists`/`!exists`, a non-empty tuple for `in`/`!in`, else one value
    typed by the subject: bool (`agentConnected`), `Version`, `Timestamp` (whole seconds), int
    (`runningTasksCount`, 0 to 2**63-1) or str (attributes, ids, groups, every regex pattern).
    `source` is the text the comparison was parsed from and `span` where it sits in the parsed
    text (both None when built in code).
    """

    subject: Subject
    op: Op
    argument: Value | tuple[Value, ...] | None = None
    # Built nodes hold what they were given. Parsed nodes hold one reference to the whole text
    # (`_parsed_from`) and their span packed in one int (`_where`), and make `source` and `span` on
    # demand: a slice and a tuple of two ints per node cost 190 of the 360 bytes a comparison
    # held in large filters. (`attrs.evolve` on a parsed node gives a built one, without source.)
    _source: str | None = attrs.field(
        default=None, eq=False, alias="source", validator=_check_source
    )
    _span: tuple[int, int] | None = attrs.field(
        default=None, eq=False, alias="span", validator=_check_span
    )
    pattern: Any = attrs.field(default=None, eq=False, init=False)
    _parsed_from: str | None = attrs.field(default=None, eq=False, init=False)
    _where: int = attrs.field(default=0, eq=False, init=False)
    depth: int = attrs.field(default=1, eq=False, init=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.subject, Subject):
            raise ExpressionError(f"a comparison's subject is a Subject, got {shown(self.subject)}")
        if not isinstance(self.op, Op):
            raise ExpressionError(f"a comparison's op is an Op, got {shown(self.op)}")
        if self.op not in self.subject.kind.operators:
            raise ExpressionError(
                f"{self.subject.kind.value} does not take {self.op}; it takes "
                + ", ".join(o.value for o in Op if o in self.subject.kind.operators)
            )
        _check_argument(self.subject, self.op, self.argument)
        if self.op in NOMAD_OPS:
            assert isinstance(self.argument, str)
            try:
                compiled = compile_nomad(self.op, self.argument)
            except (PatternError, ConstraintError) as exc:
                raise ExpressionError(
                    f"invalid {self.op} argument {shown(self.argument)}: {exc}"
                ) from None
            object.__setattr__(self, "pattern", compiled)
        elif self.op in _PATTERNS:
            assert isinstance(self.argument, str)
            try:
                compiled = compile_pattern(self.argument)
            except PatternError as exc:
                raise ExpressionError(
                    f"invalid pattern {shown(self.argument)}: {exc}"
                ) from None
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
        set_field(node, "_source", None)
        set_field(node, "_span", None)
        set_field(node, "pattern", pattern)
        set_field(node, "_parsed_from", text)
        set_field(node, "_where", start * (len(text) + 1) + end)
        set_field(node, "depth", 1)
        return node

    @property
    def span(self) -> tuple[int, int] | None:
        """(start, end) of this comparison in the text it was parsed from (None if built)."""
        if self._parsed_from is not None:
            start, end = divmod(self._where, len(self._parsed_from) + 1)
            return (start, end)
        return self._span

    @property
    def source(self) -> str | None:
        """The text this comparison was parsed from (None when built in code)."""
        if self._parsed_from is not None:
            start, end = divmod(self._where, len(self._parsed_from) + 1)
            return self._parsed_from[start:end]
        return self._source

    def __reduce__(self) -> tuple[Any, ...]:
        # Through the constructor: the pickle carries no compiled pattern and no whole parsed
        # text, and unpickling checks the node (and recompiles the pattern, from the cache).
        return (Comparison, (self.subject, self.op, self.argument, self.source, self.span))

    def _text(self) -> str:
        if self.argument is None:
            return f"{self.subject} {self.op}"
        if isinstance(self.argument, tuple):
            items = ", ".join(_value_text(v) for v in self.argument)
            return f"{self.subject} {self.op} [{items}]"
        return f"{self.subject} {self.op} {_value_text(self.argument)}"


def _operands(kind: str) -> Any:
    def check(_instance: Any, _attribute: Any, value: tuple[Expression, ...]) -> None:
        if not isinstance(value, tuple) or len(value) < 2:
            raise ExpressionError(f"{kind} takes a tuple of at least two expressions")
        for item in value:
            if not isinstance(item, _NODES):
                raise ExpressionTypeError(f"{kind} operands must be expressions, got {shown(item)}")

    return check


def _nested(kind: str, children: Iterable[Expression]) -> int:
    """The depth of a node over `children`, refused past MAX_DEPTH (as the parser refuses it)."""
    depth = 1 + max(child.depth for child in children)
    if depth > MAX_DEPTH:
        raise ExpressionError(
            f"nesting deeper than {MAX_DEPTH} levels: this {kind} would nest {depth} levels, "
            f"and the parser reads back at most {MAX_DEPTH}"
        )
    return depth


@attrs.frozen(cache_hash=True, repr=False)
class And(Expression):
    """All operands hold. `a and b and c` is one `And` of three; parentheses nest."""

    operands: tuple[Expression, ...] = attrs.field(validator=_operands("And"))
    depth: int = attrs.field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "depth", _nested("and", self.operands))

    def __reduce__(self) -> tuple[Any, ...]:
        return (And, (self.operands,))

    def children(self) -> tuple[Expression, ...]:
        """The operands."""
        return self.operands


@attrs.frozen(cache_hash=True, repr=False)
class Or(Expression):
    """At least one operand holds."""

    operands: tuple[Expression, ...] = attrs.field(validator=_operands("Or"))
    depth: int = attrs.field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "depth", _nested("or", self.operands))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Or, (self.operands,))

    def children(self) -> tuple[Expression, ...]:
        """The operands."""
        return self.operands


@attrs.frozen(cache_hash=True, repr=False)
class Not(Expression):
    """The operand does not hold. Printed `not(...)`, as ECS writes anti-affinity."""

    operand: Expression = attrs.field()
    depth: int = attrs.field(init=False, eq=False)

    @operand.validator
    def _check(self, _attribute: Any, value: Any) -> None:
        if not isinstance(value, _NODES):
            raise ExpressionTypeError(f"Not takes an expression, got {shown(value)}")

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "depth", _nested("not", (self.operand,)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Not, (self.operand,))

    def children(self) -> tuple[Expression, ...]:
        """The operand."""
        return (self.operand,)


_NODES = (Comparison, And, Or, Not)
