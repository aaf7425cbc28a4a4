"""Text to tree: a scanner, the LALR(1) tables Lark computes from the grammar, and typed checks.

Whatever `parse` is given, the only exception that leaves it is a `PlacementError`; syntax and
type errors are `PlacementSyntaxError`s that point at the offending character.

Lark builds the LALR(1) tables from `grammar/placement.lark`; the token loop below walks them.
Lark's own lexer and driver cost about three times the whole parse this needs (measured: about
3,000 parses/s of a 230-character expression on the 2-core machine, against the 8,000 the
project asks for), so the scanner is one compiled regex and the driver a tight loop.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import lark

from ..errors import ExpressionError, PlacementError, PlacementSyntaxError
from .ast import (
    MAX_DEPTH,
    NOMAD_OPS,
    And,
    Comparison,
    Expression,
    Not,
    Op,
    Or,
    Subject,
    SubjectKind,
    Value,
)
from .grammar import grammar_text
from .literals import (
    MAX_COUNT,
    PatternError,
    compile_pattern,
    parse_bool,
    parse_count,
    parse_timestamp,
    parse_version,
    version_fault,
)
from .nomad_ops import ConstraintError, compile_nomad

__all__ = [
    "parse",
    "parse_uncached",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "CACHE_ENTRIES",
    "CACHE_LONG_ENTRIES",
    "CACHE_LONG_TEXT",
]

MAX_LENGTH = 2000
"""ECS's limit on a `memberOf` expression; `parse(..., max_length=None)` lifts it."""
CACHE_ENTRIES = 2048
"""How many trees of texts up to MAX_LENGTH characters `parse` keeps (4 M characters at most)."""
CACHE_LONG_ENTRIES = 32
"""How many trees of longer texts, up to CACHE_LONG_TEXT characters, it keeps (2 M at most)."""
CACHE_LONG_TEXT = 64 * 1024
"""Texts longer than this are parsed afresh each time: their trees are never cached."""

_OPS: dict[str, Op] = {
    "EQ": Op.EQ, "EQUALS": Op.EQ, "NE": Op.NE, "NOT_EQUALS": Op.NE,
    "GT": Op.GT, "GREATER_THAN": Op.GT, "GE": Op.GE, "GREATER_THAN_EQUAL": Op.GE,
    "LT": Op.LT, "LESS_THAN": Op.LT, "LE": Op.LE, "LESS_THAN_EQUAL": Op.LE,
    "MATCH": Op.MATCHES, "MATCHES": Op.MATCHES, "NMATCH": Op.NOT_MATCHES,
    "NOT_MATCHES": Op.NOT_MATCHES, "IN": Op.IN, "NOT_IN": Op.NOT_IN, "NOT_IN_BANG": Op.NOT_IN,
    "EXISTS": Op.EXISTS, "NOT_EXISTS": Op.NOT_EXISTS, "NOT_EXISTS_BANG": Op.NOT_EXISTS,
    "VERSION": Op.VERSION, "SEMVER": Op.SEMVER, "REGEXP": Op.REGEXP,
    "SET_CONTAINS": Op.SET_CONTAINS_ALL, "SET_CONTAINS_ALL": Op.SET_CONTAINS_ALL,
    "SET_CONTAINS_ANY": Op.SET_CONTAINS_ANY, "NOMAD_LT": Op.NOMAD_LT, "NOMAD_LE": Op.NOMAD_LE,
    "NOMAD_GT": Op.NOMAD_GT, "NOMAD_GE": Op.NOMAD_GE,
}  # fmt: skip
# The Nomad operators' words, each its own terminal (placement extensions; see docs/language.md).
_NOMAD_WORDS = {
    "version": "VERSION", "semver": "SEMVER", "regexp": "REGEXP", "set_contains": "SET_CONTAINS",
    "set_contains_all": "SET_CONTAINS_ALL", "set_contains_any": "SET_CONTAINS_ANY",
    "nomad_lt": "NOMAD_LT", "nomad_le": "NOMAD_LE", "nomad_gt": "NOMAD_GT", "nomad_ge": "NOMAD_GE",
}  # fmt: skip
_NOMAD_WORD_TYPES = frozenset(_NOMAD_WORDS.values())

# How each terminal reads in "expected ..." messages.
_DESCRIBE: dict[str, str] = {
    "WORD": "a subject or value",
    "SQ_STRING": "a quoted value",
    "DQ_STRING": "a quoted value",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "OR_KW": "'or'",
    "OR_SYM": "'||'",
    "AND_KW": "'and'",
    "AND_SYM": "'&&'",
    "NOT_KW": "'not'",
    "BANG": "'!'",
    "$END": "end of input",
    **{name: f"'{text}'" for name, text in {
        "EQ": "==", "EQUALS": "equals", "NE": "!=", "NOT_EQUALS": "not_equals", "GT": ">",
        "GREATER_THAN": "greater_than", "GE": ">=", "GREATER_THAN_EQUAL": "greater_than_equal",
        "LT": "<", "LESS_THAN": "less_than", "LE": "<=", "LESS_THAN_EQUAL": "less_than_equal",
        "MATCH": "=~", "MATCHES": "matches", "NMATCH": "!~", "NOT_MATCHES": "not_matches",
        "IN": "in", "NOT_IN": "not_in", "NOT_IN_BANG": "!in", "EXISTS": "exists",
        "NOT_EXISTS": "not_exists", "NOT_EXISTS_BANG": "!exists",
    }.items()},
    **{name: f"'{word}'" for word, name in _NOMAD_WORDS.items()},
}  # fmt: skip

_SUBJECTS = {kind.value: kind for kind in SubjectKind if kind is not SubjectKind.ATTRIBUTE}
_SUBJECT_NAMES = (*sorted(_SUBJECTS), "attribute:NAME")


class _FaultError(Exception):
    """A syntax or type error found while parsing, with its position in the text."""

    def __init__(self, message: str, position: int, expected: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.expected = expected


# ---------------------------------------------------------------------------------------------
# The scanner: one compiled regex tried at each position. It yields exactly the grammar's
# terminals (a test checks every token against the grammar's own terminal patterns). Only the
# grammar's ASCII white space is skipped: any other character, Unicode spaces included, is an
# error token, so nothing in the text is ever silently dropped.
_WORD_CHARS = r"A-Za-z0-9_.@/\\:*+?^${}\-"
_SCAN = re.compile(
    rf"""[ \t\r\n\f\v]*(?:
      (?P<WORD>[{_WORD_CHARS}]+)
    | (?P<NOT_IN_BANG>!in(?![{_WORD_CHARS}]))
    | (?P<NOT_EXISTS_BANG>!exists(?![{_WORD_CHARS}]))
    | (?P<SYM>==|!=|>=|<=|=~|!~|&&|\|\||[()\[\],<>!])
    | (?P<SQ_STRING>'(?:[^'\\]|\\.)*')
    | (?P<DQ_STRING>"(?:[^"\\]|\\.)*")
    | (?P<ERROR>[^ \t\r\n\f\v])
    )""",
    re.VERBOSE | re.DOTALL,
)
# WORD comes first: it is the commonest token and shares no first character with the others.
# Keywords: a WORD spelled exactly like one is that keyword (`notify`, `inbound` stay WORDs).
KEYWORD_TYPES = {
    "or": "OR_KW", "and": "AND_KW", "not": "NOT_KW", "equals": "EQUALS",
    "not_equals": "NOT_EQUALS", "greater_than": "GREATER_THAN",
    "greater_than_equal": "GREATER_THAN_EQUAL", "less_than": "LESS_THAN",
    "less_than_equal": "LESS_THAN_EQUAL", "matches": "MATCHES", "not_matches": "NOT_MATCHES",
    "in": "IN", "not_in": "NOT_IN", "exists": "EXISTS", "not_exists": "NOT_EXISTS",
    **_NOMAD_WORDS,
}  # fmt: skip
_SYMBOL_TYPES = {
    "||": "OR_SYM", "&&": "AND_SYM", "!": "BANG", "==": "EQ", "!=": "NE", ">=": "GE", ">": "GT",
    "<=": "LE", "<": "LT", "=~": "MATCH", "!~": "NMATCH", "(": "LPAR", ")": "RPAR",
    ",": "COMMA", "[": "LSQB", "]": "RSQB",
}  # fmt: skip


class Token(NamedTuple):
    """A token: its terminal name (as the grammar names it), its text and its span."""

    type: str
    text: str
    start: int
    end: int


# Tokens travel through the parser as plain tuples (type, text, start, end): building a named
# tuple per token cost a tenth of the parse. `tokenize` offers the named form.
_Raw = tuple[str, str, int, int]


def _scan(text: str) -> Iterator[_Raw]:
    # A generator, not a list: the tokens of a 10 MB filter took 270 MB held all at once.
    keyword, symbol = KEYWORD_TYPES.get, _SYMBOL_TYPES.__getitem__
    for m in _SCAN.finditer(text):
        kind = m.lastgroup
        if kind is None:  # trailing white space
            continue
        word = m.group(kind)
        start = m.start(kind)
        if kind == "WORD":
            kind = keyword(word, "WORD")
        elif kind == "SYM":
            kind = symbol(word)
        elif kind == "ERROR":
            raise _FaultError(f"unexpected character {word!r}", start)
        yield (kind, word, start, m.end())
    yield ("$END", "", len(text), len(text))


def tokenize(text: str) -> list[Token]:
    """Tokens of `text`, ending with `$END`; raises `_FaultError` where no token starts."""
    return [Token(*raw) for raw in _scan(text)]


# ---------------------------------------------------------------------------------------------
# Typed checks on one comparison.


def _unquote(token: _Raw) -> str:
    kind, text = token[0], token[1]
    if kind == "WORD" or kind in _NOMAD_WORD_TYPES:  # a Nomad operator word as a bare value
        return text
    quote_char = text[0]
    body = text[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        # A backslash escapes the enclosing quote and itself; any other backslash is kept, so
        # regex escapes such as '\d' read as written.
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in ("\\", quote_char):
            out.append(body[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# Per subject word: its Subject and the operators it takes, by token type. Subjects are
# immutable, so parses share them; the cache is bounded.
_SubjectInfo = tuple[Subject, dict[str, Op]]
_SUBJECT_CACHE: dict[str, _SubjectInfo] = {}
_SUBJECT_CACHE_SIZE = 4096


def _subject(token: _Raw) -> _SubjectInfo:
    word = token[1]
    info = _SUBJECT_CACHE.get(word)
    if info is not None:
        return info
    kind = _SUBJECTS.get(word)
    if kind is not None:
        subject = Subject(kind)
    elif word.startswith("attribute:"):
        try:
            subject = Subject(SubjectKind.ATTRIBUTE, word[len("attribute:") :])
        except PlacementError as exc:
            raise _FaultError(str(exc), token[2] + len("attribute:")) from None
    else:
        hint = ""
        close = difflib.get_close_matches(word, list(_SUBJECTS), n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean {close[0]}?"
        elif ":" not in word and any(c.isalpha() for c in word):
            hint = f"; did you mean attribute:{word}?"
        raise _FaultError(f"unknown subject {word!r}{hint}", token[2], _SUBJECT_NAMES)
    allowed = {name: op for name, op in _OPS.items() if op in subject.kind.operators}
    if len(_SUBJECT_CACHE) >= _SUBJECT_CACHE_SIZE:
        _SUBJECT_CACHE.clear()
    info = _SUBJECT_CACHE[word] = (subject, allowed)
    return info


def _check_op(info: _SubjectInfo, op_token: _Raw) -> Op:
    op = info[1].get(op_token[0])
    if op is None:
        kind = info[0].kind
        allowed = tuple(o.value for o in Op if o in kind.operators)
        raise _FaultError(f"{kind.value} does not take {op_token[1]}", op_token[2], allowed)
    return op


def _pattern(token: _Raw) -> tuple[str, Any]:
    text = _unquote(token)
    try:
        return text, compile_pattern(text)
    except PatternError as exc:
        raise _FaultError(f"invalid regular expression ({exc})", token[2]) from None


# Typed arguments by (subject kind, text), for short texts: parses share the values (a large
# filter repeats the same few, and each str or Version held per comparison cost 50-100 bytes)
# and skip converting them again. Values are immutable; the cache is bounded.
_VALUE_CACHE: dict[tuple[SubjectKind, str], Value] = {}
_VALUE_CACHE_SIZE = 4096
_VALUE_CACHE_TEXT = 64


def _typed(subject: Subject, op: Op, token: _Raw) -> Value:
    """The argument `token` converted to the type the subject and operator take."""
    text = _unquote(token)
    kind = subject.kind
    if len(text) > _VALUE_CACHE_TEXT:
        return _convert(kind, text, token)
    key = (kind, text)
    value = _VALUE_CACHE.get(key)
    if value is None:
        value = _convert(kind, text, token)
        if len(_VALUE_CACHE) >= _VALUE_CACHE_SIZE:
            _VALUE_CACHE.clear()
        _VALUE_CACHE[key] = value
    return value


def _convert(kind: SubjectKind, text: str, token: _Raw) -> Value:
    value: Value | None
    if kind is SubjectKind.AGENT_CONNECTED:
        value, wanted = parse_bool(text), "true or false"
    elif kind is SubjectKind.AGENT_VERSION:
        value = parse_version(text)
        if value is None:
            raise _FaultError(
                f"invalid agentVersion argument {_shown(text)}: {version_fault(text)}",
                token[2],
                ("a version of dotted integers (1.14.5), each at most 18 digits",),
            )
        return value
    elif kind is SubjectKind.REGISTERED_AT:
        value = parse_timestamp(text)
        wanted = (
            "a timestamp: 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z, "
            "2018-06-18T22:28:28 or 2018-06-18"
        )
    elif kind is SubjectKind.RUNNING_TASKS_COUNT:
        value, wanted = parse_count(text), "a non-negative integer"
        if value is None and text.isascii() and text.isdigit():
            wanted = f"a non-negative integer up to {MAX_COUNT}"
    else:
        return text
    if value is None:
        raise _FaultError(f"invalid {kind.value} argument {_shown(text)}", token[2], (wanted,))
    return value


def _shown(text: str) -> str:
    # Arguments are quoted in messages; a 10 MB one is cut (the caret shows where it starts).
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "..."


# ---------------------------------------------------------------------------------------------
# Reductions: one function per grammar rule shape, called with the rule's children (tokens and
# values) in order. Rules of one symbol that are not listed pass their child through.


# Each reduction checks what the node constructor would (operator, argument type, pattern), at
# the token at fault, then builds the node without checking twice.


def _binary(kids: list[Any], source: str) -> Comparison:
    word, op_token, value = kids
    info = _subject(word)
    op = _check_op(info, op_token)
    subject = info[0]
    start, end = word[2], value[3]
    if op is Op.MATCHES or op is Op.NOT_MATCHES:
        text, compiled = _pattern(value)
        return Comparison._checked(subject, op, text, source, start, end, compiled)
    if op in NOMAD_OPS:
        text = _unquote(value)
        try:
            compiled = compile_nomad(op, text)
        except PatternError as exc:
            raise _FaultError(f"invalid regular expression ({exc})", value[2]) from None
        except ConstraintError as exc:
            raise _FaultError(f"invalid {op} constraint ({exc})", value[2]) from None
        return Comparison._checked(subject, op, text, source, start, end, compiled)
    argument = _typed(subject, op, value)
    return Comparison._checked(subject, op, argument, source, start, end, None)


def _listed(kids: list[Any], source: str) -> Comparison:
    word, op_token, _open, values, close = kids
    info = _subject(word)
    op = _check_op(info, op_token)
    subject = info[0]
    typed = tuple(_typed(subject, op, v) for v in values)
    return Comparison._checked(subject, op, typed, source, word[2], close[3], None)


def _unary(kids: list[Any], source: str) -> Comparison:
    word, op_token = kids
    info = _subject(word)
    op = _check_op(info, op_token)
    return Comparison._checked(info[0], op, None, source, word[2], op_token[3], None)


def _first(kids: list[Any], _source: str) -> list[Any]:
    return [kids[0]]


def _pair(kids: list[Any], _source: str) -> list[Any]:
    return [kids[0], kids[2]]


def _more(kids: list[Any], _source: str) -> list[Any]:
    kids[0].append(kids[2])
    return kids[0]  # type: ignore[no-any-return]


def _deepest_leaf(nodes: list[Expression]) -> Comparison:
    """The first comparison on a longest path down from `nodes` (no recursion)."""
    node = max(nodes, key=lambda n: n.depth)  # max keeps the first of equals
    while not isinstance(node, Comparison):
        node = max(node.children(), key=lambda n: n.depth)
    return node


def _too_deep(nodes: list[Expression]) -> _FaultError:
    # The node constructors refuse trees deeper than MAX_DEPTH, exactly as deep as the parser
    # counts; point at the comparison that nests deepest.
    span = _deepest_leaf(nodes).span
    return _FaultError(f"nesting deeper than {MAX_DEPTH} levels", span[0] if span else 0)


def _all_of(kids: list[Any], _source: str) -> And:
    try:
        return And(tuple(kids[0]))
    except ExpressionError:
        raise _too_deep(kids[0]) from None


def _any_of(kids: list[Any], _source: str) -> Or:
    try:
        return Or(tuple(kids[0]))
    except ExpressionError:
        raise _too_deep(kids[0]) from None


def _group(kids: list[Any], _source: str) -> Any:
    return kids[1]


def _negation(kids: list[Any], _source: str) -> Not:
    try:
        return Not(kids[1])
    except ExpressionError:
        raise _too_deep([kids[1]]) from None


def _reduction(origin: str, alias: str | None, expansion: tuple[str, ...]) -> Any:
    by_alias = {
        "binary": _binary, "listed": _listed, "unary": _unary, "group": _group,
        "negation": _negation,
    }  # fmt: skip
    if alias in by_alias:
        return by_alias[alias]
    if origin == "values":
        return _more if expansion[0] == "values" else _first
    if origin in ("and_list", "or_list"):
        return _more if expansion[0] == origin else _pair
    if origin == "and_expr" and expansion == ("and_list",):
        return _all_of
    if origin == "or_expr" and expansion == ("or_list",):
        return _any_of
    if len(expansion) == 1:
        return None  # pass the child through
    raise AssertionError(f"grammar rule without a reduction: {origin} -> {expansion}")


class _Tables(NamedTuple):
    actions: dict[int, dict[str, tuple[bool, Any]]]
    gotos: dict[int, dict[str, int]]
    start: int
    end: int


@functools.lru_cache(maxsize=1)
def _tables() -> _Tables:
    """The LALR(1) tables Lark computes from the grammar, reshaped for the loop in `_run`.

    Built once per process, on first use (tens of milliseconds).
    """
    from lark.parsers.lalr_analysis import Shift

    frontend: Any = lark.Lark(grammar_text(), parser="lalr", lexer="basic").parser
    table = frontend.parser.parser.parse_table
    actions: dict[int, dict[str, tuple[bool, Any]]] = {}
    gotos: dict[int, dict[str, int]] = {}
    for state, row in table.states.items():
        actions[state], gotos[state] = {}, {}
        for symbol, (action, arg) in row.items():
            name = str(symbol)
            terminal = name == "$END" or name.isupper()
            if action is Shift and not terminal:
                gotos[state][name] = arg
            elif action is Shift:
                actions[state][name] = (True, arg)
            else:
                origin = str(arg.origin.name)
                expansion = tuple(str(s.name) for s in arg.expansion)
                reduce = _reduction(origin, arg.alias, expansion)
                actions[state][name] = (False, (len(expansion), origin, reduce))
    return _Tables(actions, gotos, table.start_states["start"], table.end_states["start"])


_NOMAD_TERMINALS = _NOMAD_WORD_TYPES


def _unexpected(token: _Raw, row: dict[str, Any], text: str) -> _FaultError:
    # The Nomad operators are extensions: messages list the ECS language's own alternatives.
    expected = tuple(sorted({_DESCRIBE.get(n, n) for n in row if n not in _NOMAD_TERMINALS}))
    if token[0] == "$END":
        return _FaultError("unexpected end of expression", len(text), expected)
    return _FaultError(f"unexpected {token[1]!r}", token[2], expected)


def _run(text: str) -> Any:
    """Parse `text` with the LALR tables; raises `_FaultError` at the first error."""
    actions, gotos, start, end = _tables()
    states: list[int] = [start]
    values: list[Any] = []
    push_state, push_value = states.append, values.append
    row = actions[start]  # the actions of the state on top of the stack
    for token in _scan(text):
        kind = token[0]
        while True:
            try:
                shift, arg = row[kind]
            except KeyError:
                if kind in _NOMAD_WORD_TYPES and "WORD" in row:
                    # A Nomad operator word where no operator goes is a plain word (a subject,
                    # read and judged as one); the grammar takes it as a value already.
                    kind = "WORD"
                    token = (kind, token[1], token[2], token[3])
                    continue
                raise _unexpected(token, row, text) from None
            if shift:
                push_state(arg)
                push_value(token)
                row = actions[arg]
                break
            size, origin, reduce = arg
            if reduce is None:
                # A unit rule that passes its child through: only the state changes.
                states[-1] = target = gotos[states[-2]][origin]
            else:
                kids = values[-size:]
                del values[-size:]
                del states[-size:]
                push_value(reduce(kids, text))
                target = gotos[states[-1]][origin]
                push_state(target)
            if target == end and kind == "$END":
                return values[-1]
            row = actions[target]
    raise AssertionError("unreachable: the token stream ends with $END")  # pragma: no cover


# ---------------------------------------------------------------------------------------------


def parse_uncached(text: str, *, max_length: int | None = MAX_LENGTH) -> Expression:
    """`parse` without the compile cache (benchmarks, and callers that want fresh trees)."""
    if not isinstance(text, str):
        raise PlacementError(f"an expression is a str, not {type(text).__name__}")
    _check_max_length(max_length)
    if max_length is not None and len(text) > max_length:
        raise PlacementSyntaxError(
            f"expression is {len(text)} characters long, over the limit of {max_length}",
            text,
            max_length,
        )
    try:
        result = _run(text)
    except _FaultError as fault:
        raise PlacementSyntaxError(fault.message, text, fault.position, fault.expected) from None
    except RecursionError:  # pragma: no cover - nothing above recurses; kept as a guarantee
        raise PlacementSyntaxError("expression nests too deeply", text, 0) from None
    if not isinstance(result, Expression):  # pragma: no cover - the grammar's start is an expr
        raise PlacementSyntaxError("not an expression", text, 0)
    return result


# Two caches bounded by entries, hence by text: the common case (texts within ECS's limit) and
# a few longer filters. A tree holds about ten times its text, so caching every 10 MB filter
# held a hundred megabytes or more per distinct text; texts over CACHE_LONG_TEXT are not cached.
@functools.lru_cache(maxsize=CACHE_ENTRIES)
def _parse_cached(text: str, max_length: int | None) -> Expression:
    return parse_uncached(text, max_length=max_length)


@functools.lru_cache(maxsize=CACHE_LONG_ENTRIES)
def _parse_cached_long(text: str, max_length: int | None) -> Expression:
    return parse_uncached(text, max_length=max_length)


def parse(text: str, *, max_length: int | None = MAX_LENGTH) -> Expression:
    """Parse ECS cluster-query-language text into an expression tree.

    Raises `PlacementSyntaxError` (a `PlacementError`, hence a `ValueError`) with the line, the
    column and a caret under the fault. Results are cached: parsing the same text again returns
    the same immutable tree (texts up to CACHE_LONG_TEXT characters; longer ones are parsed
    each time). `max_length=None` lifts ECS's 2000-character limit, as ListContainerInstances
    filters need.
    """
    if not isinstance(text, str):
        raise PlacementError(f"an expression is a str, not {type(text).__name__}")
    _check_max_length(max_length)
    if len(text) <= MAX_LENGTH:
        return _parse_cached(text, max_length)
    if len(text) <= CACHE_LONG_TEXT:
        return _parse_cached_long(text, max_length)
    return parse_uncached(text, max_length=max_length)


def _check_max_length(max_length: Any) -> None:
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int)):
        raise PlacementError(f"max_length is an int or None, not {type(max_length).__name__}")
