"""Parsing: the corpus files, tree shapes, precedence, quoting, aliases and the printer."""

from __future__ import annotations

from pathlib import Path

import pytest

import placement
from placement import And, Comparison, Not, Op, Or, Subject, SubjectKind, Timestamp, Version
from placement.syntax import parse_uncached

CORPUS = Path(__file__).parents[1] / "grammar" / "corpus"


def corpus_lines(name: str) -> list[str]:
    """Non-blank, non-comment lines of a corpus file, exactly as written (tabs kept)."""
    lines = []
    for raw in (CORPUS / name).read_text(encoding="utf-8").split("\n"):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        lines.append(raw)
    return lines


VALID = corpus_lines("valid.txt")
IDENTITY = corpus_lines("identity.txt")


def attr(name: str) -> Subject:
    return Subject(SubjectKind.ATTRIBUTE, name)


def cmp(subject: Subject | SubjectKind, op: Op, argument: object = None) -> Comparison:
    if isinstance(subject, SubjectKind):
        subject = Subject(subject)
    return Comparison(subject, op, argument)  # type: ignore[arg-type]


def test_corpus_sizes() -> None:
    assert len(VALID) >= 60
    assert len(IDENTITY) >= 20


@pytest.mark.parametrize("line", VALID)
def test_valid_corpus_parses_and_round_trips(line: str) -> None:
    expr = placement.parse(line)
    assert isinstance(expr, placement.Expression)
    text = str(expr)
    again = placement.parse(text)
    assert again == expr
    assert hash(again) == hash(expr)
    assert str(again) == text
    # the uncached parser builds an equal tree
    assert parse_uncached(line) == expr


@pytest.mark.parametrize("line", IDENTITY)
def test_identity_corpus_prints_back_unchanged(line: str) -> None:
    assert str(placement.parse(line)) == line


def test_valid_corpus_covers_every_subject_and_operator() -> None:
    kinds: set[SubjectKind] = set()
    ops: set[Op] = set()
    for line in VALID:
        for leaf in placement.parse(line).leaves():
            kinds.add(leaf.subject.kind)
            ops.add(leaf.op)
    assert kinds == set(SubjectKind)
    assert ops == set(Op)
    # every word alias and symbolic spelling appears somewhere in the corpus
    text = "\n".join(VALID)
    spellings = [
        "==", "equals", "!=", "not_equals", ">", "greater_than", ">=", "greater_than_equal",
        "<", "less_than", "<=", "less_than_equal", "exists", "!exists", "not_exists", " in ",
        "!in", "not_in", "=~", "matches", "!~", "not_matches", "&&", "||", " and ", " or ",
        "not(", "!(", "'", '"', "\\",
    ]  # fmt: skip
    missing = [s for s in spellings if s not in text]
    assert not missing


# ---------------------------------------------------------------------------------------------
# Aliases: each word operator parses to the same tree as its symbol.

ALIASES = [
    ("==", "equals", Op.EQ),
    ("!=", "not_equals", Op.NE),
    (">", "greater_than", Op.GT),
    (">=", "greater_than_equal", Op.GE),
    ("<", "less_than", Op.LT),
    ("<=", "less_than_equal", Op.LE),
    ("=~", "matches", Op.MATCHES),
    ("!~", "not_matches", Op.NOT_MATCHES),
]


@pytest.mark.parametrize(("symbol", "word", "op"), ALIASES)
def test_word_aliases(symbol: str, word: str, op: Op) -> None:
    by_symbol = placement.parse(f"attribute:n {symbol} 5")
    by_word = placement.parse(f"attribute:n {word} 5")
    assert by_symbol == by_word == cmp(attr("n"), op, "5")
    assert str(by_word) == f"attribute:n {op.value} 5"


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("attribute:n in [a]", Op.IN),
        ("attribute:n !in [a]", Op.NOT_IN),
        ("attribute:n not_in [a]", Op.NOT_IN),
        ("attribute:n !in[a]", Op.NOT_IN),
    ],
)
def test_list_operator_spellings(text: str, op: Op) -> None:
    assert placement.parse(text) == cmp(attr("n"), op, ("a",))


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("attribute:n exists", Op.EXISTS),
        ("attribute:n !exists", Op.NOT_EXISTS),
        ("attribute:n not_exists", Op.NOT_EXISTS),
    ],
)
def test_existence_spellings(text: str, op: Op) -> None:
    assert placement.parse(text) == cmp(attr("n"), op)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("attribute:stack==prod", "attribute:stack == prod"),
        ("attribute:a==b&&attribute:c==d", "attribute:a == b and attribute:c == d"),
        ("attribute:a==b||attribute:c==d", "attribute:a == b or attribute:c == d"),
        ("!(attribute:a exists)", "not attribute:a exists"),
        ("not(attribute:a exists)", "not attribute:a exists"),
        ("!attribute:a exists", "not attribute:a exists"),
        ("((attribute:a exists))", "attribute:a exists"),
        ("attribute:x in[a,'b',\"c\"]", "attribute:x in [a, b, c]"),
        ("\tattribute:x\n==\r\nprod\f\v", "attribute:x == prod"),
        ("attribute:x == 'prod'", "attribute:x == prod"),
        ('attribute:x == "prod"', "attribute:x == prod"),
        ("runningTasksCount == '3'", "runningTasksCount == 3"),
        ("runningTasksCount == 007", "runningTasksCount == 7"),
        ("agentVersion == '1.14'", "agentVersion == 1.14"),
    ],
)
def test_equivalent_spellings(a: str, b: str) -> None:
    assert placement.parse(a) == placement.parse(b)


# ---------------------------------------------------------------------------------------------
# Tree shapes and precedence.

A = cmp(attr("a"), Op.EXISTS)
B = cmp(attr("b"), Op.EXISTS)
C = cmp(attr("c"), Op.EXISTS)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("attribute:a exists or attribute:b exists and attribute:c exists", Or((A, And((B, C))))),
        ("attribute:a exists and attribute:b exists or attribute:c exists", Or((And((A, B)), C))),
        ("(attribute:a exists or attribute:b exists) and attribute:c exists", And((Or((A, B)), C))),
        ("attribute:a exists and attribute:b exists and attribute:c exists", And((A, B, C))),
        ("attribute:a exists || attribute:b exists or attribute:c exists", Or((A, B, C))),
        (
            "attribute:a exists and (attribute:b exists and attribute:c exists)",
            And((A, And((B, C)))),
        ),
        (
            "(attribute:a exists and attribute:b exists) and attribute:c exists",
            And((And((A, B)), C)),
        ),
        ("not attribute:a exists and attribute:b exists", And((Not(A), B))),
        ("not (attribute:a exists and attribute:b exists)", Not(And((A, B)))),
        ("not not attribute:a exists", Not(Not(A))),
        ("!!attribute:a exists", Not(Not(A))),
        ("not attribute:a exists or attribute:b exists", Or((Not(A), B))),
    ],
)
def test_precedence_and_shape(text: str, tree: placement.Expression) -> None:
    assert placement.parse(text) == tree


def test_not_binds_to_the_comparison() -> None:
    expr = placement.parse("not attribute:x == y")
    assert expr == Not(cmp(attr("x"), Op.EQ, "y"))
    assert str(expr) == "not(attribute:x == y)"


# ---------------------------------------------------------------------------------------------
# Lexical rules: keywords, bare words, quoting.


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("attribute:notify == inbound", "notify", "inbound"),
        ("attribute:and == or", None, None),  # `or` is a keyword: not a value
        ("attribute:and exists", "and", None),
        ("attribute:in == notx", "in", "notx"),
        ("attribute:path == /var/lib@host:8080", "path", "/var/lib@host:8080"),
        ("attribute:x == ^${}+?*", "x", "^${}+?*"),
        ("attribute:x == a\\b", "x", "a\\b"),
        ("attribute:x == -1.5e3", "x", "-1.5e3"),
        ("attribute:ecs.capability\\x == v", "ecs.capability\\x", "v"),
    ],
)
def test_bare_words(text: str, name: str | None, value: str | None) -> None:
    if name is None:
        with pytest.raises(placement.PlacementSyntaxError):
            placement.parse(text)
        return
    expr = placement.parse(text)
    assert isinstance(expr, Comparison)
    assert expr.subject.name == name
    assert expr.argument == value


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("''", ""),
        ('""', ""),
        ("'a b'", "a b"),
        ('"it\'s"', "it's"),
        ("'it\\'s'", "it's"),
        ('"say \\"hi\\""', 'say "hi"'),
        ("'back\\\\slash'", "back\\slash"),
        ("'\\d+'", "\\d+"),  # any other backslash is kept
        ('"\\d+"', "\\d+"),
        ("'\\\"'", '\\"'),  # \" inside single quotes: not the enclosing quote, kept
        ('"\\\'"', "\\'"),
        ("'a\\\\\\'b'", "a\\'b"),
        ("'and'", "and"),
        ("'(x)'", "(x)"),
        ("'a,b'", "a,b"),
        ("'line\nbreak'", "line\nbreak"),
        ("'tab\there'", "tab\there"),
        ("'nul\x00'", "nul\x00"),
        ("'ünïcödé'", "ünïcödé"),
        ("'!=<>~|&[]'", "!=<>~|&[]"),
    ],
)
def test_quoted_values(source: str, value: str) -> None:
    expr = placement.parse(f"attribute:x == {source}")
    assert isinstance(expr, Comparison)
    assert expr.argument == value
    assert placement.parse(str(expr)) == expr


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("prod", "prod"),
        ("", "''"),
        ("a b", "'a b'"),
        ("it's", "'it\\'s'"),
        ("and", "'and'"),
        ("not_in", "'not_in'"),
        ("exists", "'exists'"),
        ("true", "true"),
        ("a\\b", "a\\b"),
        ("a\\ b", "'a\\\\ b'"),
        ('"', "'\"'"),
        ("x!", "'x!'"),
        ("é", "'é'"),
    ],
)
def test_printer_quotes_only_what_needs_it(value: str, printed: str) -> None:
    expr = Comparison(attr("x"), Op.EQ, value)
    assert str(expr) == f"attribute:x == {printed}"
    assert placement.parse(str(expr)) == expr


def test_typed_arguments() -> None:
    assert placement.parse("agentVersion < 1.14.5").argument == Version((1, 14, 5))  # type: ignore[attr-defined]
    assert placement.parse("agentConnected == false").argument is False  # type: ignore[attr-defined]
    assert placement.parse("agentConnected in [true, false]").argument == (True, False)  # type: ignore[attr-defined]
    assert placement.parse("runningTasksCount >= 12").argument == 12  # type: ignore[attr-defined]
    stamp = placement.parse("registeredAt < 2018-02-13").argument  # type: ignore[attr-defined]
    assert isinstance(stamp, Timestamp)
    assert str(stamp) == "2018-02-13"
    # patterns stay strings, whatever the subject
    assert placement.parse("agentConnected =~ tr.*").argument == "tr.*"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("2018-06-18T22:28:28+00:00", "2018-06-18T22:28:28Z"),
        ("2018-06-18T22:28:28", "2018-06-18T22:28:28Z"),
        ("2018-06-19T00:28:28+02:00", "2018-06-18T22:28:28Z"),
        ("2018-06-18T17:58:28-04:30", "2018-06-18T22:28:28Z"),
        ("2018-02-13", "2018-02-13T00:00:00Z"),
    ],
)
def test_timestamp_forms_denote_the_same_instant(a: str, b: str) -> None:
    assert placement.parse(f"registeredAt == {a}") == placement.parse(f"registeredAt == {b}")


def test_sources_and_spans() -> None:
    text = "attribute:a==b and  not(task:group exists)"
    expr = placement.parse(text)
    leaves = list(expr.leaves())
    assert [leaf.source for leaf in leaves] == ["attribute:a==b", "task:group exists"]
    for leaf in leaves:
        assert leaf.span is not None
        assert text[leaf.span[0] : leaf.span[1]] == leaf.source


def test_parse_cache_returns_the_same_tree() -> None:
    text = "attribute:cache-me == yes"
    assert placement.parse(text) is placement.parse(text)
    assert parse_uncached(text) is not parse_uncached(text)
    assert parse_uncached(text) == placement.parse(text)


def test_length_limit() -> None:
    body = "attribute:x == " + "a" * 1985
    assert len(body) == 2000
    placement.parse(body)
    with pytest.raises(placement.PlacementSyntaxError, match="over the limit of 2000"):
        placement.parse(body + "a")
    assert placement.parse(body + "a", max_length=None).argument == "a" * 1986  # type: ignore[attr-defined]
    with pytest.raises(placement.PlacementSyntaxError):
        placement.parse("attribute:x exists", max_length=5)


def test_depth_limit() -> None:
    leaf = "attribute:a exists"
    # 100 levels of and/or/not are fine, 101 are not (redundant parentheses do not count)
    ok = "not " * 99 + leaf
    assert isinstance(placement.parse(ok), Not)
    with pytest.raises(placement.PlacementSyntaxError, match="nesting deeper than 100"):
        placement.parse("not " * 100 + leaf)
    assert placement.parse("(" * 300 + leaf + ")" * 300) == placement.parse(leaf)
