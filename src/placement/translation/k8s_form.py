"""An expression in Kubernetes' form: a label selector string, else a `NodeSelector` object.

The expression is put in disjunctive normal form (`normal.dnf`): each AND becomes one
`nodeSelectorTerms` entry, and when there is just one and every requirement is one a label
selector can write (`In`, `NotIn`, `Exists`, `DoesNotExist`), the rule is selector text.

Meaning shifts, each bridged or refused (`docs/translate.md`):

* ECS `attribute:k != v` / `!in` fail where `k` is **name-only** (set, with no value); a
  Kubernetes label always has a value, so the nearest form (`k,k!=v`: present and different)
  selects such an instance too. Inexact, with a note: the two agree wherever `k` has a value.
* ECS orderings compare decimal numbers numerically and anything else as text; `Gt`/`Lt` read
  the label as an int64 and reject the rest. An ordering with an integer bound becomes
  `Gt`/`Lt`, inexact, with a note; a non-integer bound is refused. The exact form placement.k8s
  compiles `Gt`/`Lt` to (`=~ '[-+]?[0-9]+' and > n and <= 2**63-1`) is recognised and exact.
* `=~`/`!~`, `task:group`, `runningTasksCount` and the agent/instance subjects have no selector
  form: refused, naming the comparison. `attribute:_k8s/name` (a node's name, as placement.k8s
  reads `matchFields`) becomes `matchFields` on `metadata.name`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..errors import PlacementInputError
from ..k8s.labels import (
    EVERYTHING,
    INT64_MAX,
    INT64_MIN,
    INT_PATTERN,
    NODE_NAME,
    NOTHING,
    check_key,
    check_value,
)
from ..syntax.ast import Expression, Op, SubjectKind
from .normal import Literal, Term, TranslationError, dnf, nnf
from .notes import ECS_OPERATORS, Notes, int_text, refuse_subject

__all__ = ["to_k8s", "MAX_TERMS"]

MAX_TERMS = 64
"""The most `nodeSelectorTerms` a translation writes; a larger OR of ANDs is refused."""

# One requirement: (is a matchFields entry, key, operator, values).
Req = tuple[bool, str, str, tuple[str, ...]]
Options = list[list[Req]]  # alternatives (ORed), each a list of requirements (ANDed)

_SELECTOR_TEXT = {"In", "NotIn", "Exists", "DoesNotExist"}

NAME_ONLY = (
    "ECS `{lit}` fails where {key} is set with no value (a name-only attribute); Kubernetes "
    "labels always carry a value, so the translation ({k8s}) also selects such an instance: "
    "the two agree wherever {key} has a value"
)
ORDERING = (
    "ECS `{lit}` compares {key} as a number when it is a decimal number and as text otherwise; "
    "Kubernetes {op} reads the label as an int64 and fails on anything else, so they agree "
    "only where {key} holds an integer"
)
INT_BOUNDS = (
    "`{text}` is exactly Kubernetes {op} (an int64 label compared as a number): written as {op}"
)


def to_k8s(expr: Expression, notes: Notes) -> str | dict[str, Any]:
    """`expr` as selector text or a `NodeSelector` object; shifts are recorded in `notes`."""
    if expr == EVERYTHING:
        notes.add(f"`{expr}` holds on every node: the empty selector")
        return ""
    if expr == NOTHING:
        notes.add(f"`{expr}` holds on no node: an empty nodeSelectorTerms list")
        return {"nodeSelectorTerms": []}
    terms = dnf(nnf(expr), MAX_TERMS)
    out: list[list[Req]] = []
    for term in terms:
        alternatives: Options = [[]]
        for options in _term_options(term, notes):
            if len(options) == 1:  # the usual case: add in place (a long AND stays linear)
                for alternative in alternatives:
                    alternative.extend(options[0])
                continue
            alternatives = [a + b for a in alternatives for b in options]
            if len(out) + len(alternatives) > MAX_TERMS:
                raise TranslationError(
                    f"`{expr}` needs more than {MAX_TERMS} nodeSelectorTerms, over the limit"
                )
        out.extend(_unique(alt) for alt in alternatives)
    out = [list(t) for t in dict.fromkeys(tuple(t) for t in out)]
    if not out:
        notes.add(f"`{expr}` contradicts itself in every alternative: it selects no node")
        return {"nodeSelectorTerms": []}
    if len(out) == 1 and all(not field and op in _SELECTOR_TEXT for field, _, op, _ in out[0]):
        return ",".join(_text(req) for req in out[0])
    return {"nodeSelectorTerms": [_term_object(term) for term in out]}


def _unique(reqs: list[Req]) -> list[Req]:
    return list(dict.fromkeys(reqs))


def _term_options(term: Term, notes: Notes) -> Iterator[Options]:
    """Each literal's alternatives, after taking out the exact Gt/Lt forms."""
    rest = list(term)
    for req, used in _integer_bounds(term):
        notes.add(INT_BOUNDS.format(text=" and ".join(str(lit) for lit in used), op=req[2]))
        for lit in used:
            if lit in rest:
                rest.remove(lit)
        yield [[req]]
    for lit in rest:
        yield _literal(lit, notes)


def _integer_bounds(term: Term) -> Iterator[tuple[Req, list[Literal]]]:
    """`Gt`/`Lt` requirements written exactly in `term`, with the literals each stands for."""
    positive = [
        lit for lit in term if lit.positive and lit.leaf.subject.kind is SubjectKind.ATTRIBUTE
    ]
    for pattern in positive:
        leaf = pattern.leaf
        if leaf.op is not Op.MATCHES or leaf.argument != INT_PATTERN:
            continue
        name = leaf.subject.name
        same = [lit for lit in positive if lit.leaf.subject.name == name]
        for strict, limit_op, limit, k8s_op in (
            (Op.GT, Op.LE, str(INT64_MAX), "Gt"),
            (Op.LT, Op.GE, str(INT64_MIN), "Lt"),
        ):
            caps = [lit for lit in same if lit.leaf.op is limit_op and lit.leaf.argument == limit]
            for bound in same:
                if bound.leaf.op is not strict or not caps:
                    continue
                number = int_text(bound.leaf.argument)
                if number is None or not _readable_bound(number):
                    continue
                assert name is not None
                yield (False, name, k8s_op, (str(number),)), [pattern, bound, caps[0]]


def _readable_bound(number: int) -> bool:
    # placement.k8s reads a bound as a label value too (so no sign) and as an int64.
    return 0 <= number <= INT64_MAX


def _literal(lit: Literal, notes: Notes) -> Options:
    leaf = lit.leaf
    subject = leaf.subject
    if subject.kind is not SubjectKind.ATTRIBUTE:
        raise refuse_subject(lit, "Kubernetes", "a node selector reads node labels only")
    name = subject.name
    assert name is not None
    if name == NODE_NAME:
        return _node_name(lit)
    key = _checked(lit, check_key, name, "label key")
    op, p = leaf.op, lit.positive
    if op.value not in ECS_OPERATORS:
        raise TranslationError(
            f"`{lit}` cannot be translated to Kubernetes: placement's `{op.value}` operator "
            "has no selector form"
        )
    if op in (Op.EXISTS, Op.NOT_EXISTS):
        return [[(False, key, "Exists" if p == (op is Op.EXISTS) else "DoesNotExist", ())]]
    if op in (Op.MATCHES, Op.NOT_MATCHES):
        raise TranslationError(
            f"`{lit}` cannot be translated to Kubernetes: a selector has no regular expressions "
            "(=~, !~); list the values with `in` instead"
        )
    if op in (Op.GT, Op.GE, Op.LT, Op.LE):
        return _ordering(lit, key, notes)
    raw = leaf.argument if isinstance(leaf.argument, tuple) else (leaf.argument,)
    values = tuple(sorted({_checked(lit, check_value, str(v), "label value") for v in raw}))
    if op in (Op.EQ, Op.IN):
        return [[(False, key, "In" if p else "NotIn", values)]]
    # != and !in: present with a value, and not among the values.
    if p:
        k8s: Options = [[(False, key, "Exists", ()), (False, key, "NotIn", values)]]
    else:
        k8s = [[(False, key, "DoesNotExist", ())], [(False, key, "In", values)]]
    notes.add(NAME_ONLY.format(lit=lit, key=key, k8s=_options_text(k8s)), exact=False)
    return k8s


def _ordering(lit: Literal, key: str, notes: Notes) -> Options:
    leaf = lit.leaf
    number = int_text(leaf.argument)
    if number is None:
        raise TranslationError(
            f"`{lit}` cannot be translated to Kubernetes: Gt and Lt compare integers, and "
            f"{leaf.argument!r} is not one"
        )
    op = leaf.op
    if not lit.positive:  # not(k > n) is k <= n, or k absent (or name-only)
        op = {Op.GT: Op.LE, Op.GE: Op.LT, Op.LT: Op.GE, Op.LE: Op.GT}[op]
    k8s_op = "Gt" if op in (Op.GT, Op.GE) else "Lt"
    bound = number + {Op.GT: 0, Op.GE: -1, Op.LT: 0, Op.LE: 1}[op]
    if not _readable_bound(bound):
        raise TranslationError(
            f"`{lit}` cannot be translated to Kubernetes: it needs `{k8s_op} {bound}`, and a "
            "bound must be an integer from 0 to 2**63-1"
        )
    req: Req = (False, key, k8s_op, (str(bound),))
    options: Options = [[req]] if lit.positive else [[(False, key, "DoesNotExist", ())], [req]]
    notes.add(ORDERING.format(lit=lit, key=key, op=k8s_op), exact=False)
    return options


def _node_name(lit: Literal) -> Options:
    leaf = lit.leaf
    if leaf.op not in (Op.EQ, Op.IN):
        raise TranslationError(
            f"`{lit}` cannot be translated to Kubernetes: a node's name ({NODE_NAME}) is "
            "matched only by matchFields In/NotIn on metadata.name (== and in)"
        )
    raw = leaf.argument if isinstance(leaf.argument, tuple) else (leaf.argument,)
    names = sorted({str(v) for v in raw})
    # matchFields takes one name per requirement: In over several is an OR of terms.
    if lit.positive:
        return [[(True, "metadata.name", "In", (name,))] for name in names]
    return [[(True, "metadata.name", "NotIn", (name,)) for name in names]]


def _checked(lit: Literal, check: Callable[[Any, str], str], value: str, what: str) -> str:
    try:
        return check(value, what)
    except PlacementInputError as exc:
        raise TranslationError(f"`{lit}` cannot be translated to Kubernetes: {exc}") from None


def _text(req: Req) -> str:
    _, key, op, values = req
    if op == "Exists":
        return key
    if op == "DoesNotExist":
        return f"!{key}"
    if len(values) == 1:
        return f"{key}={values[0]}" if op == "In" else f"{key}!={values[0]}"
    # An empty value is an empty item: sorted, it comes first, as `k in (,a)`.
    return f"{key} {'in' if op == 'In' else 'notin'} ({','.join(values)})"


def _options_text(options: Options) -> str:
    return " or ".join("`" + ",".join(_text(r) for r in alt) + "`" for alt in options)


def _requirement_object(req: Req) -> dict[str, Any]:
    _, key, op, values = req
    out: dict[str, Any] = {"key": key, "operator": op}
    if values:
        out["values"] = list(values)
    return out


def _term_object(term: Sequence[Req]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    expressions = [_requirement_object(r) for r in term if not r[0]]
    fields = [_requirement_object(r) for r in term if r[0]]
    if expressions:
        out["matchExpressions"] = expressions
    if fields:
        out["matchFields"] = fields
    return out
