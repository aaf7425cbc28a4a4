"""Nomad `constraint` blocks compiled onto the one expression tree and the rules.

A block is `{"attribute": ..., "operator": ..., "value": ...}` (HCL's JSON form, also with
Nomad's shorthand keys `version`, `semver`, `regexp`, `set_contains`, `distinct_hosts` and
`distinct_property`) or `{"LTarget": ..., "Operand": ..., "RTarget": ...}` (the API's form,
as `nomad job inspect` prints it). The attribute is a target: `${attr.NAME}`, `${meta.NAME}`,
`${node.datacenter}`, `${node.class}`, `${node.unique.name}`, `${node.unique.id}` or
`${node.pool}`, which `placement.nomad.inventory` writes as the attributes `attr.NAME`,
`meta.NAME`, `node.datacenter`, ... (the target without `${}`).

Each block is checked as Nomad's job validation checks it (`structs.Constraint.Validate`); a
bad one raises `PlacementInputError` naming the block's part at fault. See docs/nomad.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import numpy as np

from ..errors import PlacementError, PlacementInputError
from ..instance import Instance
from ..rules import Constraint, MaxPer, MemberOf
from ..rules.max_per import MAX_PER_LIMIT
from ..syntax.ast import NOMAD_OPS, Comparison, Expression, Not, Op, Subject, SubjectKind
from ..syntax.literals import PatternError, as_number, compile_pattern
from ..syntax.nomad_ops import go_float, go_int, nomad_order, split_set
from ..text import shorten, shown

if TYPE_CHECKING:
    from ..rules.base import Bools, TaskLike
    from ..rules.view import View

__all__ = [
    "constraint",
    "constraints",
    "target_attribute",
    "operator_of",
    "NomadConstraint",
    "NomadDistinct",
    "NomadPair",
    "OPERATORS",
    "EVERYTHING",
    "NOTHING",
]

_GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")  # strconv.ParseBool's false spellings
_NODE_TARGETS = ("node.datacenter", "node.class", "node.unique.name", "node.unique.id", "node.pool")
_PREFIXES = ("attr.", "meta.")

_ORDER = {"<": Op.NOMAD_LT, "<=": Op.NOMAD_LE, ">": Op.NOMAD_GT, ">=": Op.NOMAD_GE}
_ECS_ORDER = {"<": Op.LT, "<=": Op.LE, ">": Op.GT, ">=": Op.GE}
_EQUAL = ("=", "==", "is")
_NOT_EQUAL = ("!=", "not")
_SETS = {"set_contains": Op.SET_CONTAINS_ALL, "set_contains_all": Op.SET_CONTAINS_ALL,
         "set_contains_any": Op.SET_CONTAINS_ANY}  # fmt: skip
_WITH_VALUE = {"regexp": Op.REGEXP, "version": Op.VERSION, "semver": Op.SEMVER, **_SETS}
OPERATORS: tuple[str, ...] = (
    *_EQUAL, *_NOT_EQUAL, *_ORDER, *_WITH_VALUE, "is_set", "is_not_set", "distinct_hosts",
    "distinct_property",
)  # fmt: skip
"""Every operator Nomad's constraint block takes."""

# Constant truth, for a block whose attribute is a literal (Nomad compares two constants).
_ID = Subject(SubjectKind.ATTRIBUTE, "node.unique.id")
EVERYTHING: Expression = Comparison(_ID, Op.EXISTS) | Comparison(_ID, Op.NOT_EXISTS)
NOTHING: Expression = Comparison(_ID, Op.EXISTS) & Comparison(_ID, Op.NOT_EXISTS)


@attrs.frozen(repr=False)
class NomadConstraint(MemberOf):
    """One constraint block as a `memberOf`, refusing under Nomad's own words for it.

    `text` is the block as Nomad writes it in its allocation metrics (`LTarget Operand
    RTarget`, e.g. `${attr.kernel.name} = linux`); it is the failure reason, so an explanation
    names each failed constraint, not only the first, as Nomad's scheduler would.
    """

    text: str = ""

    @property
    def reason(self) -> str:  # type: ignore[override]
        """The failure reason: the block's own text."""
        return self.text or str(self.expression)

    def to_ecs(self) -> dict[str, str]:
        """ECS's `memberOf` JSON; refused when the expression uses a Nomad operator."""
        nomad = sorted({leaf.op.value for leaf in self.expression.leaves() if leaf.op in NOMAD_OPS})
        if nomad:
            raise PlacementInputError(
                f"constraint {self.reason!r} has no ECS JSON form: ECS has no "
                + ", ".join(nomad)
                + " (placement.translate bridges what it can)"
            )
        return super().to_ecs()

    def __str__(self) -> str:
        return f"constraint({self.reason})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {shorten(self.reason, 180)!r}>"


@attrs.frozen(repr=False)
class NomadDistinct(MaxPer):
    """`distinct_hosts` (`maxPer(instanceId, 1)`) or `distinct_property` (`maxPer(prop, N)`).

    Counts the tasks of the task spec's group (`job/group` from `TaskSpec.from_nomad`); a node
    lacking the property is refused, as Nomad refuses it ("missing property").
    """

    in_task_definition: ClassVar[bool] = True  # a job carries it, as a task definition memberOf

    text: str = ""
    job: str | None = None
    """For a job-level block, the job's ID: then the allocations of every group of the job
    (`JOB/...`) count, as Nomad counts them; else only the task spec's group."""

    @property
    def reason(self) -> str:  # type: ignore[override]
        """The failure reason: `distinct_hosts`, or `distinct_property ${...}`."""
        return self.text or super().__str__()

    def _siblings(self, view: View, task: TaskLike) -> list[str]:
        """The job's other groups with tasks in the inventory (none for a group-level block)."""
        if self.job is None:
            return []
        prefix = self.job + "/"
        names = view.inventory.groups.names
        return [g for g in names if g.startswith(prefix) and g != task.group]

    def _row_counts(self, view: View, task: TaskLike) -> Any:
        counts = view.group_count(task.group)
        for group in self._siblings(view, task):
            counts = counts + view.group_count(group)
        return counts

    def _zone_totals(self, view: View, task: TaskLike, attribute: str) -> Any:
        totals = view.zone_totals(task.group, attribute)
        for group in self._siblings(view, task):
            totals = totals + view.zone_totals(group, attribute)
        return totals

    def _counts(self, view: View, task: TaskLike) -> Any:
        if self.job is None:
            return super()._counts(view, task)
        if self.attribute is None:
            return self._row_counts(view, task)
        zones, _ = view.zones(self.attribute)
        return self._zone_totals(view, task, self.attribute)[zones]

    def refreshed(self, view: View, task: TaskLike, rows: Any) -> Bools:
        """The changed rows again (the job's other groups counted for a job-level block)."""
        if self.job is None:
            return super().refreshed(view, task, rows)
        out: Bools = np.asarray(self._counts(view, task) >= self.max)[rows]
        return out

    def capacity(self, view: View, task: TaskLike, count: int) -> Any:
        """Per instance: `max` less the tasks counted there. Per zone: None (`zone_caps`)."""
        if self.job is None or self.attribute is not None:
            return super().capacity(view, task, count)
        room = np.clip(self.max - self._row_counts(view, task), 0, count)
        return room.astype(np.int64)

    def zone_caps(self, view: View, task: TaskLike) -> Any:
        """Per zone of the attribute, the copies it may still take (the job's groups counted)."""
        if self.job is None or self.attribute is None:
            return super().zone_caps(view, task)
        from ..rules import ZoneCaps

        zones, missing = view.zones(self.attribute)
        totals = self._zone_totals(view, task, self.attribute)
        room = np.where(np.isfinite(totals), np.maximum(self.max - totals, 0), 0)
        room[missing] = 0
        return ZoneCaps(zones, room.astype(np.int64))

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """One instance at a time: the group's tasks, or the whole job's for a job-level block."""
        if self.job is None:
            return super().reference_excluded(instances, task)
        prefix = self.job + "/"

        def mine(inst: Instance) -> int:
            return sum(n for g, n in inst.task_groups.items()
                       if g == task.group or g.startswith(prefix))  # fmt: skip

        if self.attribute is None:
            return [mine(inst) >= self.max for inst in instances]
        totals: dict[str, int] = {}
        for inst in instances:
            value = inst.attributes.get(self.attribute)
            if value is not None:
                totals[value] = totals.get(value, 0) + mine(inst)
        return [
            (value := inst.attributes.get(self.attribute)) is None or totals[value] >= self.max
            for inst in instances
        ]

    def __str__(self) -> str:
        return f"constraint({self.reason})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {shorten(self.reason, 180)!r}>"


_ABSENT, _NAME_ONLY = -1, -2  # an attribute column's codes for a lacking row, a name-only one


@attrs.frozen(repr=False)
class NomadPair(Constraint):
    """A block whose `value` is a target too (`${attr.a} = ${attr.b}`): both sides per node.

    Nomad resolves each side on the node (`resolveTarget`): a target the node lacks reads as
    `""`, not found; a literal is found. Then `=` needs both found and equal, `!=` only that
    the two strings differ (so two absent sides are equal, and `!=` fails), the orderings,
    `regexp` and the sets need both found (`regexp` compiles the right side's value on the
    node: one RE2 cannot compile matches nothing). `left`/`right` are attribute names, or
    None for a literal side (`left_text`/`right_text`).
    """

    in_task_definition: ClassVar[bool] = True  # a job carries it, as a task definition memberOf

    operator: str
    left: str | None
    right: str | None
    left_text: str
    right_text: str
    text: str = ""

    @property
    def reason(self) -> str:  # type: ignore[override]
        """The failure reason: the block's own text (`${attr.a} = ${attr.b}`)."""
        return self.text

    def holds(self, left: str, left_found: bool, right: str, right_found: bool) -> bool:
        """Nomad's `checkConstraint` on two resolved sides."""
        operator = self.operator
        if operator in _NOT_EQUAL:
            return left != right
        if not (left_found and right_found):
            return False
        if operator in _EQUAL:
            return left == right
        if operator in _ORDER:
            return nomad_order(operator, left, right)
        if operator == "regexp":
            if go_regexp_refusal(right) is not None:
                return False
            try:
                return compile_pattern(right).search(left) is not None
            except (PatternError, UnicodeError):
                return False
        if operator == "set_contains_any":
            return not split_set(right).isdisjoint(split_set(left))
        return split_set(right) <= split_set(left)  # set_contains, set_contains_all

    def _side(self, view: View, name: str | None, literal: str) -> tuple[Any, list[str], int]:
        """(codes per row, values by code, code count) of one side; -1 lacking, -2 name-only."""
        if name is None:
            return np.zeros(len(view), dtype=np.int64), [literal], 1
        column = view.inventory.attributes.get(name)
        if column is None:
            return np.full(len(view), _ABSENT, dtype=np.int64), [], 0
        values = ["" if v is None else str(v) for v in column.values]
        return np.asarray(column.codes, dtype=np.int64), values, len(values)

    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows where the block fails: one check per distinct pair of values."""
        lcodes, lvalues, _ = self._side(view, self.left, self.left_text)
        rcodes, rvalues, rsize = self._side(view, self.right, self.right_text)
        keys = (lcodes + 2) * (rsize + 2) + (rcodes + 2)
        unique, inverse = np.unique(keys, return_inverse=True)
        verdicts = []
        for key in unique.tolist():
            lc, rc = divmod(int(key), rsize + 2)
            lc, rc = lc - 2, rc - 2
            verdicts.append(not self.holds(
                lvalues[lc] if lc >= 0 else "", lc != _ABSENT,
                rvalues[rc] if rc >= 0 else "", rc != _ABSENT,
            ))  # fmt: skip
        out: Bools = np.asarray(verdicts, dtype=bool)[np.asarray(inverse).reshape(-1)]
        return out

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """One instance at a time."""
        out = []
        for inst in instances:
            sides = []
            for name, literal in ((self.left, self.left_text), (self.right, self.right_text)):
                if name is None:
                    sides.append((literal, True))
                else:
                    value = inst.attributes.get(name)
                    sides.append(("" if value is None else value, name in inst.attributes))
            out.append(not self.holds(sides[0][0], sides[0][1], sides[1][0], sides[1][1]))
        return out

    def __str__(self) -> str:
        return f"constraint({self.reason})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {shorten(self.reason, 180)!r}>"


def go_regexp_refusal(pattern: str) -> str | None:
    r"""Why Go's `regexp.Compile` refuses a pattern RE2 (C++) takes, or None.

    Nomad validates `regexp` with Go's package, which has no `\C` (any byte) escape,
    inside a class or out; `\Q...\E` quotes text literally in both.
    """
    i = 0
    while i < len(pattern) - 1:
        if pattern[i] != "\\":
            i += 1
            continue
        follower = pattern[i + 1]
        if follower == "C":
            return "invalid escape sequence: `\\C`"
        if follower == "Q":
            end = pattern.find("\\E", i + 2)
            if end < 0:
                return None
            i = end + 2
            continue
        i += 2
    return None


def target_attribute(target: str, part: str = "attribute") -> str:
    """The inventory attribute a Nomad target interpolation reads (`${meta.rack}` -> `meta.rack`).

    Raises `PlacementInputError` for a target Nomad does not resolve on a node.
    """
    if not (target.startswith("${") and target.endswith("}")):
        raise PlacementInputError(f"{part}: {shown(target)} is not a ${{...}} target")
    name = target[2:-1]
    if name not in _NODE_TARGETS and not (name.startswith(_PREFIXES) and len(name) > len("attr.")):
        raise PlacementInputError(
            f"{part}: unknown target {shown(target)}; Nomad resolves ${{attr.*}}, ${{meta.*}}, "
            + ", ".join("${" + t + "}" for t in _NODE_TARGETS)
        )
    try:
        Subject(SubjectKind.ATTRIBUTE, name)
    except PlacementError as exc:
        raise PlacementInputError(f"{part}: target {shown(target)}: {exc}") from None
    return name


def _field(block: Mapping[str, Any], *names: str) -> str:
    """The first of `names` present in the block (text only), else ``""``."""
    for name in names:
        value = block.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise PlacementInputError(f"constraint {name}: expected a string, got {shown(value)}")
        return value
    return ""


def _shorthand(block: Mapping[str, Any]) -> tuple[str, str, str]:
    """(LTarget, Operand, RTarget), HCL's shorthand keys read as Nomad's jobspec reads them."""
    left = _field(block, "attribute", "LTarget")
    operator = _field(block, "operator", "Operand")
    right = _field(block, "value", "RTarget")
    for key in ("version", "semver", "regexp", "set_contains"):
        if key in block:
            right, operator = _field(block, key), key
    if "distinct_hosts" in block:
        enabled = block["distinct_hosts"]
        if enabled not in (True, False, "true", "false"):
            raise PlacementInputError(
                f"constraint distinct_hosts: expected true or false, got {shown(enabled)}"
            )
        operator = "distinct_hosts" if enabled in (True, "true") else "disabled"
    if "distinct_property" in block:
        left, operator = _field(block, "distinct_property"), "distinct_property"
    return left, operator or "=", right


def operator_of(block: Any) -> str:
    """The operator a block names, as Nomad reads it (`=` by default; shorthand keys too)."""
    if not isinstance(block, Mapping):
        raise PlacementInputError(f"a constraint block is an object, got {shown(block)}")
    operator = _shorthand(block)[1]
    return "distinct_hosts" if operator == "disabled" else operator


def _text(left: str, operator: str, right: str) -> str:
    """The block as Nomad's allocation metrics name it: `LTarget Operand RTarget`."""
    return " ".join(part for part in (left, operator, right) if part)


def _literal(left: str, operator: str, right: str) -> Expression:
    """A block comparing two constants: true or false on every node, as Nomad finds it."""
    probe = Instance(arn="literal", attributes={"literal": left})
    compiled = _compare("literal", operator, right)
    return EVERYTHING if compiled.matches(probe) else NOTHING


def _compare(name: str, operator: str, right: str) -> Expression:
    subject = Subject(SubjectKind.ATTRIBUTE, name)
    if operator in _EQUAL:
        return Comparison(subject, Op.EQ, right)
    if operator in _NOT_EQUAL:
        return Not(Comparison(subject, Op.EQ, right))
    if operator == "is_set":
        return Comparison(subject, Op.EXISTS)
    if operator == "is_not_set":
        return Comparison(subject, Op.NOT_EXISTS)
    op = _ORDER.get(operator) or _WITH_VALUE[operator]
    if operator in _ORDER and _text_only(right):
        op = _ECS_ORDER[operator]  # both order by text alone: ECS's own operator, exactly
    try:
        return Comparison(subject, op, right)
    except PlacementError as exc:
        raise PlacementInputError(f"constraint value {shown(right)}: {exc}") from None


def _text_only(bound: str) -> bool:
    """Whether Nomad and ECS both compare every value with `bound` as text.

    True when the bound is a number to neither: Go's strconv reads it as no int64 and no
    float64, and ECS's decimal syntax does not take it. Then both order by code point (Go by
    UTF-8 bytes, the same order).
    """
    return go_int(bound) is None and go_float(bound) is None and as_number(bound) is None


def _validate(left: str, operator: str, right: str) -> None:
    """Nomad's `Constraint.Validate`, message for message where it matters."""
    if operator not in OPERATORS:
        raise PlacementInputError(
            f"constraint operator: unknown {shown(operator)}; Nomad takes " + ", ".join(OPERATORS)
        )
    if operator in _SETS and not right:
        raise PlacementInputError(f"constraint value: {operator} requires a value")
    if operator in ("is_set", "is_not_set") and right:
        raise PlacementInputError(
            f"constraint value: {operator} takes no value, got {shown(right)}"
        )
    if (operator in _EQUAL or operator in _NOT_EQUAL or operator in _ORDER) and not right:
        raise PlacementInputError(f"constraint value: operator {operator!r} requires a value")
    if operator != "distinct_hosts" and not left:
        raise PlacementInputError(f"constraint attribute: {operator} requires an attribute")


_GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")  # strconv.ParseBool's false spellings


def _distinct_count(right: str) -> int:
    if not right:
        return 1
    # strconv.ParseUint(RTarget, 10, 64): digits only.
    if not (right.isascii() and right.isdigit()) or len(right) > 20 or int(right) >= 2**64:
        raise PlacementInputError(
            f"constraint value: distinct_property count {shown(right)} is not a uint64"
        )
    count = int(right)
    if count < 1:
        raise PlacementInputError("constraint value: distinct_property needs a count of 1 or more")
    if count > MAX_PER_LIMIT:
        raise PlacementInputError(
            f"constraint value: distinct_property count {count} is over the {MAX_PER_LIMIT} "
            "maxPer takes"
        )
    return count


def constraint(block: Any) -> Expression | NomadDistinct | NomadPair | None:
    """One constraint block: an `Expression`, or a rule for `distinct_hosts`/`distinct_property`.

    None for `distinct_hosts = false` or `value = "false"` (Nomad drops the block). A block
    whose value is a target too (`${attr.a} = ${attr.b}`) is a `NomadPair` rule. The
    expression's leaves use the Nomad operators of docs/language.md §14 where ECS has none;
    `!=`/`not` compile to `not(attribute:X == v)`, since an absent attribute satisfies them in
    Nomad.
    """
    if not isinstance(block, Mapping):
        raise PlacementInputError(f"a constraint block is an object, got {shown(block)}")
    left, operator, right = _shorthand(block)
    if operator == "disabled" or (operator == "distinct_hosts" and right in _GO_FALSE):
        return None  # Nomad: `value = "false"` (strconv.ParseBool) turns distinct_hosts off
    _validate(left, operator, right)
    if operator == "distinct_hosts":
        if right in _GO_FALSE:
            return None  # DistinctHostsIterator: RTarget read by strconv.ParseBool; false is off
        return NomadDistinct("instanceId", 1, text="distinct_hosts")
    if operator == "distinct_property":
        name = target_attribute(left)
        count = _distinct_count(right)
        return NomadDistinct(f"attribute:{name}", count, text=_text(left, operator, right))
    if operator == "regexp" and (refusal := go_regexp_refusal(right)) is not None:
        raise PlacementInputError(
            f"constraint value {shown(right)}: Go's regexp (Nomad's) refuses it: {refusal}"
        )
    if right.startswith("${"):
        return _pair(left, operator, right)
    if not left.startswith("${"):
        return _literal(left, operator, right)
    return _compare(target_attribute(left), operator, right)


def _pair(left: str, operator: str, right: str) -> NomadPair:
    """A block whose value is a target: a `NomadPair` reading both sides on each node."""
    if operator in ("version", "semver"):
        # Nomad's job validation parses the value as a constraint list, which `${` is not.
        raise PlacementInputError(
            f"constraint value {shown(right)}: {operator} takes a constraint list such as "
            "'>= 1.2, < 2', not a target (Nomad's validation refuses it)"
        )
    name = target_attribute(right, "value")
    left_name = target_attribute(left) if left.startswith("${") else None
    return NomadPair(operator, left_name, name, left, right, text=_text(left, operator, right))


def constraints(blocks: Sequence[Any], where: str = "constraints") -> list[Constraint]:
    """The rules of a list of blocks, in order: a `NomadConstraint` per attribute block.

    `distinct_*` blocks give `NomadDistinct` rules. Errors name the block (`constraints[2]`).
    """
    if isinstance(blocks, (str, bytes, Mapping)) or not isinstance(blocks, Sequence):
        raise PlacementInputError(
            f"{where}: expected a list of constraint blocks, got {shown(blocks)}"
        )
    out: list[Constraint] = []
    hosts_seen = False
    for position, block in enumerate(blocks):
        try:
            compiled = constraint(block)
        except PlacementError as exc:
            raise PlacementInputError(f"{where}[{position}]: {exc}") from None
        if _shorthand(block)[1] in ("distinct_hosts", "disabled"):
            # Nomad reads only the first distinct_hosts block of a list (on or off).
            if hosts_seen:
                continue
            hosts_seen = True
        if isinstance(compiled, Expression):
            out.append(NomadConstraint(compiled, text=_text(*_shorthand(block))))
        elif compiled is not None:
            out.append(compiled)
    return out
