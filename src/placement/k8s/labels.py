"""Kubernetes label selectors and node affinity, compiled to the ECS expression tree.

Node labels are instance attributes (`from_k8s` copies them), so a Kubernetes requirement is
an exact ECS formula over `attribute:KEY`:

| Kubernetes | ECS expression |
|---|---|
| `k` (Exists) | `attribute:k exists` |
| `!k` (DoesNotExist) | `attribute:k !exists` |
| `k=v`, `k==v` | `attribute:k == v` |
| `k!=v` (absent or different) | `not(attribute:k == v)` |
| `k in (a,b)` | `attribute:k in [a, b]` |
| `k notin (a,b)` (absent or not in) | `not(attribute:k in [a, b])` |
| `k>n` / Gt (an int64 label, greater) | `attribute:k =~ '[-+]?[0-9]+' and attribute:k > n` |
| | `and attribute:k <= 9223372036854775807` |
| `k<n` / Lt | `attribute:k =~ '[-+]?[0-9]+' and attribute:k < n` |
| | `and attribute:k >= -9223372036854775808` |

The string parser follows `k8s.io/apimachinery/pkg/labels` (`Parse`) token for token, quirks
included (`x in ()` is the set `{""}`, `x=` is the value `""`, `in`/`notin` are ordinary words
in key and value position, requirements are sorted by key). Keys and values are checked as
`NewRequirement` checks them; a bad one is a `PlacementInputError` naming the part at fault.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from ..errors import PlacementError, PlacementInputError
from ..syntax.ast import And, Expression, Or
from ..syntax.builders import attribute
from ..text import shown

__all__ = [
    "selector", "node_affinity", "requirement", "NODE_NAME", "EVERYTHING", "NOTHING",
    "check_key", "check_value", "key_fault", "is_label_value", "MAX_ECS_KEY", "all_of",
    "node_selector_term", "check_preferred_node_terms", "check_weight", "check_node_affinity",
    "check_fields", "SCHEDULING_FIELDS",
]  # fmt: skip

NODE_NAME = "_k8s/name"
"""The reserved attribute holding a node's name (`matchFields` on `metadata.name` reads it).

It starts with `_`, which no Kubernetes label key may, so it never collides with a label."""

MAX_ECS_KEY = 128
"""ECS attribute names hold at most 128 characters: longer (valid) label keys are refused."""

MAX_SELECTOR = 64 * 1024
"""The longest selector text read (measured before it is scanned)."""

INT_PATTERN = "[-+]?[0-9]+"
"""What Go's `strconv.ParseInt(s, 10, 64)` accepts, less the int64 range (checked apart)."""
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

EVERYTHING: Expression = attribute(NODE_NAME).exists() | attribute(NODE_NAME).not_exists()
"""An expression true on every instance: the empty selector."""
NOTHING: Expression = attribute(NODE_NAME).exists() & attribute(NODE_NAME).not_exists()
"""An expression false on every instance: an empty `nodeSelectorTerms` list."""

# apimachinery's validation patterns (IsQualifiedName, IsDNS1123Subdomain, IsValidLabelValue).
_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(\.{_DNS_LABEL})*")
_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def key_fault(key: str) -> str | None:
    """Why `key` is not a label key (`IsQualifiedName`), or None."""
    if len(key) > 253 + 1 + 63:
        return "longer than 317 characters"
    parts = key.split("/")
    if len(parts) > 2:
        return "a key holds at most one '/' (an optional DNS-subdomain prefix, then a name)"
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            return "the prefix before '/' is empty"
        if len(prefix) > 253:
            return f"the prefix is {len(prefix)} characters, over 253"
        if not _SUBDOMAIN.fullmatch(prefix):
            return ("the prefix must be a lowercase DNS subdomain: dot-separated labels of "
                    "a-z, 0-9 and '-', alphanumeric at both ends")  # fmt: skip
    if not name:
        return "the name part is empty"
    if len(name) > 63:
        return f"the name part is {len(name)} characters, over 63"
    if not _NAME.fullmatch(name):
        return ("the name part must be alphanumeric at both ends, with only '-', '_', '.' "
                "and alphanumerics inside")  # fmt: skip
    return None


def check_key(key: Any, where: str = "label key") -> str:
    """`key` if it is a valid Kubernetes label key that fits an ECS attribute name."""
    if not isinstance(key, str):
        raise PlacementInputError(f"{where} must be a str, got {shown(key)}")
    fault = key_fault(key)
    if fault:
        raise PlacementInputError(f"{where} {shown(key)} is invalid: {fault}")
    if len(key) > MAX_ECS_KEY:
        raise PlacementInputError(
            f"{where} {shown(key)} is {len(key)} characters: valid in Kubernetes, but labels "
            f"compile to ECS attribute names, which hold at most {MAX_ECS_KEY}"
        )
    return key


def is_label_value(value: str) -> bool:
    """Whether `value` is a label value (`IsValidLabelValue`)."""
    return len(value) <= 63 and _VALUE.fullmatch(value) is not None


def check_value(value: Any, where: str = "label value") -> str:
    """`value` if it is a valid label value (empty, or <= 63 characters as a key's name)."""
    if not isinstance(value, str):
        raise PlacementInputError(f"{where} must be a str, got {shown(value)}")
    if len(value) > 63:
        raise PlacementInputError(f"{where} {shown(value)} is {len(value)} characters, over 63")
    if not is_label_value(value):
        raise PlacementInputError(
            f"{where} {shown(value)} is invalid: empty, or alphanumeric at both ends with "
            "only '-', '_', '.' and alphanumerics inside"
        )
    return value


# -- one requirement ---------------------------------------------------------------------------

_OPERATORS = {
    "In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!",
    "Gt": "gt", "Lt": "lt", "=": "=", "==": "=", "!=": "!=", "in": "in", "notin": "notin",
    "exists": "exists", "!": "!", "gt": "gt", "lt": "lt", ">": "gt", "<": "lt",
}  # fmt: skip


def requirement(
    key: Any, operator: Any, values: Any = (), where: str = "requirement"
) -> Expression:
    """One Kubernetes requirement as an ECS expression, checked as `NewRequirement` checks it.

    `operator`: `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt` (the API's spelling) or
    `=`, `==`, `!=`, `in`, `notin`, `>`, `<` (the selector string's).
    """
    op = _OPERATORS.get(operator) if isinstance(operator, str) else None
    if op is None:
        raise PlacementInputError(
            f"{where}: operator {shown(operator)} is not one of In, NotIn, Exists, DoesNotExist, "
            "Gt, Lt"
        )
    key = check_key(key, f"{where}: key")
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise PlacementInputError(f"{where}: values must be a list, got {shown(values)}")
    items = list(values)
    if op in ("in", "notin") and not items:
        raise PlacementInputError(f"{where}: operator {operator} needs at least one value")
    if op in ("=", "!=") and len(items) != 1:
        raise PlacementInputError(f"{where}: operator {operator} needs exactly one value")
    if op in ("exists", "!") and items:
        raise PlacementInputError(f"{where}: operator {operator} takes no values")
    if op in ("gt", "lt"):
        if len(items) != 1:
            raise PlacementInputError(f"{where}: operator {operator} needs exactly one value")
        # The length check comes first: int() of thousands of digits raises ValueError.
        if (
            not isinstance(items[0], str)
            or len(items[0]) > 40
            or not re.fullmatch(INT_PATTERN, items[0])
            or not INT64_MIN <= int(items[0]) <= INT64_MAX
        ):
            raise PlacementInputError(
                f"{where}: operator {operator} needs an integer value, got {shown(items[0])}"
            )
    for position, item in enumerate(items):
        check_value(item, f"{where}: values[{position}]")
    field = attribute(key)
    if op == "exists":
        return field.exists()
    if op == "!":
        return field.not_exists()
    if op in ("=", "!="):
        equal: Expression = field == items[0]
        return equal if op == "=" else ~equal
    if op in ("in", "notin"):
        member = field.in_(sorted(set(items)))
        return member if op == "in" else ~member
    # Gt/Lt: the label must read as an int64 (ParseInt), then compare strictly. Once the
    # pattern holds, ECS compares the value and the bound as exact numbers.
    bound = str(int(items[0]))
    integer = field.matches(INT_PATTERN)
    if op == "gt":
        return integer & (field > bound) & (field <= str(INT64_MAX))
    return integer & (field < bound) & (field >= str(INT64_MIN))


def all_of(parts: Sequence[Expression]) -> Expression:
    """The AND of `parts` (`EVERYTHING` when there are none)."""
    if not parts:
        return EVERYTHING
    return _joined(And, parts)


def _joined(kind: type[And | Or], parts: Sequence[Expression]) -> Expression:
    """`a & b & c` (or `|`) as one node, built in one pass.

    Folding pairwise copied the operands built so far at every step: 20,000 terms took minutes.
    """
    if len(parts) == 1:
        return parts[0]
    return kind(tuple(chain.from_iterable(
        part.children() if type(part) is kind else (part,) for part in parts
    )))  # fmt: skip


# -- the selector string -----------------------------------------------------------------------

_SPECIAL = frozenset("=!(),><")
_WHITE = frozenset(" \t\r\n")
_SYMBOLS = {"==", "!=", "=", "!", "(", ")", ",", ">", "<"}
_END = ""


def _tokens(text: str) -> list[tuple[str, str]]:
    """The lexer of `labels.Parse`: (kind, literal) pairs, ending with ("end", "").

    Kinds: "id" (an identifier; `in`/`notin` too, marked by the parser), "op" (a symbol), "end".
    Like Go's lexer, a NUL character ends a token and, where a token would start, the input.
    """
    out: list[tuple[str, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in _WHITE:
            pos += 1
        if pos >= n or text[pos] == "\0":
            out.append(("end", ""))
            return out
        if text[pos] in _SPECIAL:
            # Longest match among the symbols (every single special character is one).
            symbol = text[pos]
            pos += 1
            if pos < n and symbol + text[pos] in _SYMBOLS:
                symbol += text[pos]
                pos += 1
            if pos < n and text[pos] == "\0":
                pos += 1  # Go's scanner consumes the NUL that ends a symbol
            out.append(("op", symbol))
            continue
        start = pos
        while pos < n and text[pos] not in _SPECIAL and text[pos] not in _WHITE:
            if text[pos] == "\0":
                break
            pos += 1
        out.append(("id", text[start:pos]))
        if pos < n and text[pos] == "\0":
            pos += 1  # consumed with the identifier it ends


class _Parser:
    """The recursive descent of `labels.Parse`, over `_tokens`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.items = _tokens(text)
        self.at = 0

    def fail(self, found: str, expected: str) -> PlacementInputError:
        return PlacementInputError(
            f"label selector {shown(self.text)}: found {found!r}, expected: {expected}"
        )

    def peek(self) -> tuple[str, str]:
        return self.items[self.at]

    def take(self) -> tuple[str, str]:
        self.at += 1
        return self.items[self.at - 1]

    def parse(self) -> list[tuple[str, str, list[str]]]:
        out: list[tuple[str, str, list[str]]] = []
        while True:
            kind, literal = self.peek()
            if kind == "end":
                return out
            if not (kind == "id" or literal == "!"):
                raise self.fail(literal, "!, identifier, or 'end of string'")
            out.append(self.requirement())
            kind, literal = self.take()
            if kind == "end":
                return out
            if literal != ",":
                raise self.fail(literal, "',' or 'end of string'")
            kind, literal = self.peek()
            if not (kind == "id" or literal == "!"):
                raise self.fail(literal, "identifier after ','")

    def requirement(self) -> tuple[str, str, list[str]]:
        kind, literal = self.take()
        negated = literal == "!" and kind == "op"
        if negated:
            kind, literal = self.take()
        if kind != "id":
            raise self.fail(literal, "identifier")
        key = check_key(literal, f"label selector {shown(self.text)}: key")
        after = self.peek()
        if negated:
            return key, "!", []
        if after[0] == "end" or after[1] == ",":
            return key, "exists", []
        kind, literal = self.take()
        if kind == "id" and literal in ("in", "notin"):
            return key, literal, self.values()
        if kind == "op" and literal in ("=", "==", "!=", ">", "<"):
            return key, literal, [self.exact()]
        raise self.fail(literal, "'=', '!=', '==', 'in', notin'")

    def values(self) -> list[str]:
        kind, literal = self.take()
        if literal != "(" or kind != "op":
            raise self.fail(literal, "'('")
        kind, literal = self.peek()
        if kind == "op" and literal == ")":
            self.take()
            return [""]
        if not (kind == "id" or literal == ","):
            raise self.fail(literal, "',', ')' or identifier")
        found = self.identifiers()
        if self.take()[1] != ")":
            raise self.fail(literal, "')'")
        return found

    def identifiers(self) -> list[str]:
        # Go's parseIdentifiersList, step for step: an empty item before, between or after
        # commas adds "" (a comma followed by a comma consumes the second).
        found: set[str] = set()
        while True:
            kind, literal = self.take()
            if kind == "id":
                found.add(literal)
                nxt_kind, nxt = self.peek()
                if nxt_kind == "op" and nxt == ",":
                    continue
                if nxt_kind == "op" and nxt == ")":
                    return sorted(found)
                raise self.fail(nxt, "',' or ')'")
            if kind == "op" and literal == ",":
                if not found:
                    found.add("")
                nxt_kind, nxt = self.peek()
                if nxt_kind == "op" and nxt == ")":
                    found.add("")
                    return sorted(found)
                if nxt_kind == "op" and nxt == ",":
                    self.take()
                    found.add("")
                continue
            raise self.fail(literal, "',', or identifier")

    def exact(self) -> str:
        kind, literal = self.peek()
        if kind == "end" or (kind == "op" and literal == ","):
            return ""
        kind, literal = self.take()
        if kind == "id":
            return literal
        raise self.fail(literal, "identifier")


def _parse_text(text: str) -> list[tuple[str, str, list[str]]]:
    if len(text) > MAX_SELECTOR:
        raise PlacementInputError(
            f"label selector is {len(text)} characters long, over the limit of {MAX_SELECTOR}"
        )
    found = _Parser(text).parse()
    return sorted(found, key=lambda item: item[0])  # Kubernetes sorts requirements by key


def selector(value: Any) -> Expression:
    """A Kubernetes label selector as an ECS expression over node labels (attributes).

    `value` is selector text (`env in (prod, qa), !legacy, tier=web`; the empty text selects
    every node) or a `LabelSelector` object (`matchLabels` and `matchExpressions`, ANDed; an
    empty object selects everything). Requirements AND; `!=` and `notin` also hold where the
    label is absent. Bad input raises `PlacementInputError` naming the part at fault.
    """
    if isinstance(value, str):
        parts = []
        for key, op, values in _parse_text(value):
            where = f"label selector {shown(value)}: requirement {key!r}"
            parts.append(requirement(key, op, values, where))
        return all_of(parts)
    if isinstance(value, Mapping):
        return _label_selector(value)
    raise PlacementInputError(
        f"a label selector is text or a LabelSelector object, got {shown(value)}"
    )


def _label_selector(doc: Mapping[str, Any]) -> Expression:
    check_fields(doc, ("matchLabels", "matchExpressions"), "LabelSelector")
    parts: list[tuple[str, Expression]] = []
    labels = doc.get("matchLabels")
    labels = {} if labels is None else labels  # `[]` is no map: refused below, not read as none
    if not isinstance(labels, Mapping):
        raise PlacementInputError(f"LabelSelector.matchLabels must be a map, got {shown(labels)}")
    for key, value in labels.items():
        where = f"LabelSelector.matchLabels[{shown(key)}]"
        checked = requirement(key, "=", [value], where)  # first: it refuses a key not text
        parts.append((str(key), checked))
    expressions = _list(doc.get("matchExpressions"), "LabelSelector.matchExpressions")
    for position, item in enumerate(expressions):
        where = f"LabelSelector.matchExpressions[{position}]"
        key, operator, values = _expression_fields(item, where, _SET_OPERATORS)
        checked = requirement(key, operator, values, where)  # checks the key before str()
        parts.append((str(key), checked))
    return all_of([expr for _, expr in sorted(parts, key=lambda part: part[0])])


def check_fields(item: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    """Refuse a field of `item` beyond `known`, as strict field validation does.

    kubectl asks the API server for it by default; a misspelt field would otherwise silently
    drop a rule.
    """
    unknown = sorted(str(name) for name in item if name not in known)
    if unknown:
        raise PlacementInputError(
            f"{where}: unknown field {shown(unknown[0])} ({', '.join(known)})"
        )


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise PlacementInputError(f"{where} must be a list, got {shown(value)}")
    return list(value)


def _expression_fields(
    item: Any, where: str, operators: tuple[str, ...]
) -> tuple[Any, str, list[Any]]:
    if not isinstance(item, Mapping):
        raise PlacementInputError(f"{where} must be an object, got {shown(item)}")
    check_fields(item, ("key", "operator", "values"), where)
    operator = item.get("operator")
    if operator not in operators:
        raise PlacementInputError(
            f"{where}.operator must be one of {', '.join(operators)}, got {shown(operator)}"
        )
    return item.get("key"), operator, _list(item.get("values"), f"{where}.values")


_SET_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


# -- node affinity -----------------------------------------------------------------------------

_NODE_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


def node_affinity(node_selector: Any) -> Expression:
    """A `NodeSelector` (required node affinity) as an ECS expression over nodes.

    `nodeSelectorTerms` are ORed; a term ANDs its `matchExpressions` (In, NotIn, Exists,
    DoesNotExist, Gt, Lt) and its `matchFields` (`metadata.name` In/NotIn with one value, read
    from the reserved attribute `_k8s/name`). An empty term list, or a term with neither, matches
    nothing. Gt/Lt take one value and compare the label as an int64; a label that does not
    parse as one does not match. A Gt/Lt value that is a label value but not an int64 (`1.0`,
    `abc`, `9223372036854775808`) passes the API server, and the scheduler then fails to parse
    that term, which matches no node (the other terms still count): so here. Invalid
    requirements the API server refuses at admission raise `PlacementInputError` naming the term
    and field.
    """
    if not isinstance(node_selector, Mapping):
        raise PlacementInputError(f"NodeSelector must be an object, got {shown(node_selector)}")
    terms: list[Expression] = []
    for t, term in enumerate(_list(node_selector.get("nodeSelectorTerms"), "nodeSelectorTerms")):
        read = node_selector_term(term, f"nodeSelectorTerms[{t}]")
        if read is not None:  # an empty or unparsable term selects no node: nothing to the OR
            terms.append(read)
    if not terms:
        return NOTHING
    return _joined(Or, terms)


def _unparsable_bound(operator: Any, values: list[Any]) -> bool:
    """A Gt/Lt whose one value is a label value the scheduler cannot read as an int64."""
    if operator not in ("Gt", "Lt") or len(values) != 1 or not isinstance(values[0], str):
        return False
    value = values[0]
    if not is_label_value(value):
        return False  # the API server refuses it: `requirement` says why
    return not (len(value) <= 40 and re.fullmatch(INT_PATTERN, value)
                and INT64_MIN <= int(value) <= INT64_MAX)  # fmt: skip


def node_selector_term(term: Any, where: str) -> Expression | None:
    """One `NodeSelectorTerm`: the AND of its requirements; None when it matches no node.

    None for an empty term (the API: "a null or empty node selector term matches no
    objects") and for one whose Gt/Lt value the scheduler cannot parse (see `node_affinity`).
    """
    if not isinstance(term, Mapping):
        raise PlacementInputError(f"{where} must be an object, got {shown(term)}")
    check_fields(term, ("matchExpressions", "matchFields"), where)
    parts: list[Expression] = []
    unparsable = False
    for e, item in enumerate(_list(term.get("matchExpressions"), f"{where}.matchExpressions")):
        at = f"{where}.matchExpressions[{e}]"
        key, operator, values = _expression_fields(item, at, _NODE_OPERATORS)
        if _unparsable_bound(operator, values):
            check_key(key, f"{at}: key")
            unparsable = True
            continue
        parts.append(requirement(key, operator, values, at))
    for f, item in enumerate(_list(term.get("matchFields"), f"{where}.matchFields")):
        parts.append(_field(item, f"{where}.matchFields[{f}]"))
    if unparsable or not parts:
        return None
    return all_of(parts)


def check_preferred_node_terms(items: Any, where: str) -> None:
    """Check node affinity's `preferredDuringSchedulingIgnoredDuringExecution` items.

    As the API server does: weight 1..100 and a valid `preference` term. They only score, so
    they never filter: checked, then left out.
    """
    for p, item in enumerate(_list(items, where)):
        at = f"{where}[{p}]"
        if not isinstance(item, Mapping):
            raise PlacementInputError(f"{at} must be an object, got {shown(item)}")
        check_fields(item, ("weight", "preference"), at)
        check_weight(item.get("weight"), f"{at}.weight")
        preference = item.get("preference")
        if preference is None:
            raise PlacementInputError(f"{at}.preference is required")
        node_selector_term(preference, f"{at}.preference")


SCHEDULING_FIELDS = ("requiredDuringSchedulingIgnoredDuringExecution",
                      "preferredDuringSchedulingIgnoredDuringExecution")  # fmt: skip
"""The fields of `nodeAffinity`, `podAffinity` and `podAntiAffinity`."""


def check_node_affinity(block: Any, where: str = "affinity.nodeAffinity") -> None:
    """What the API server refuses in a pod's `nodeAffinity` that `node_affinity` accepts.

    A required `NodeSelector` needs at least one term ("must have at least one node selector
    term"; `node_affinity` itself reads an empty list as matching nothing, the form
    `placement.translate` writes for a rule no node satisfies); preferred terms are checked by
    `check_preferred_node_terms`.
    """
    if block is None:
        return
    if not isinstance(block, Mapping):
        raise PlacementInputError(f"{where} must be an object, got {shown(block)}")
    check_fields(block, SCHEDULING_FIELDS, where)
    required = block.get("requiredDuringSchedulingIgnoredDuringExecution")
    if isinstance(required, Mapping):
        check_fields(required, ("nodeSelectorTerms",),
                     f"{where}.requiredDuringSchedulingIgnoredDuringExecution")  # fmt: skip
    if isinstance(required, Mapping) and not required.get("nodeSelectorTerms"):
        raise PlacementInputError(
            f"{where}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: must "
            "have at least one node selector term"
        )
    check_preferred_node_terms(block.get("preferredDuringSchedulingIgnoredDuringExecution"),
                               f"{where}.preferredDuringSchedulingIgnoredDuringExecution")


def check_weight(weight: Any, where: str) -> None:
    """A preferred term's `weight`: an integer in 1..100."""
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
        raise PlacementInputError(f"{where}: expected an integer 1..100, got {shown(weight)}")


def _field(item: Any, where: str) -> Expression:
    key, operator, values = _expression_fields(item, where, ("In", "NotIn"))
    if key != "metadata.name":
        raise PlacementInputError(f"{where}.key must be 'metadata.name', got {shown(key)}")
    if len(values) != 1 or not isinstance(values[0], str):
        raise PlacementInputError(f"{where}.values must hold exactly one name, got {shown(values)}")
    try:
        equal = attribute(NODE_NAME) == values[0]
    except PlacementError as exc:
        raise PlacementInputError(f"{where}.values[0]: {exc}") from exc
    return equal if operator == "In" else ~equal


def node_selector_map(labels: Any, where: str = "nodeSelector") -> Expression:
    """A pod's `nodeSelector` map: every label present with that value (empty: everything)."""
    if not isinstance(labels, Mapping):
        raise PlacementInputError(f"{where} must be a map, got {shown(labels)}")
    parts = [
        (str(key), requirement(key, "=", [value], f"{where}[{shown(key)}]"))
        for key, value in labels.items()
    ]
    return all_of([expr for _, expr in sorted(parts, key=lambda part: part[0])])
