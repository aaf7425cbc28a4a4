"""Errors: the invalid corpus (with columns), exact rendering, error attributes and types."""

from __future__ import annotations

from pathlib import Path

import pytest

import placement
from placement import PlacementError, PlacementSyntaxError

CORPUS = Path(__file__).parents[1] / "grammar" / "corpus"


def invalid_cases() -> list[tuple[str, int]]:
    cases = []
    for raw in (CORPUS / "invalid.txt").read_text(encoding="utf-8").split("\n"):
        if not raw.strip() or raw.startswith("#"):
            continue
        text, _, column = raw.rpartition("\t")
        cases.append((text, int(column)))
    return cases


INVALID = invalid_cases()


def test_invalid_corpus_size() -> None:
    assert len(INVALID) >= 40


@pytest.mark.parametrize(("text", "column"), INVALID)
def test_invalid_corpus(text: str, column: int) -> None:
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse(text)
    err = info.value
    assert err.column == column, str(err)
    assert err.line == 1
    assert err.position == column - 1
    assert err.text == text
    assert 0 <= err.position <= len(text)
    # the rendering names the same place
    assert f"at line 1, column {column}\n" in str(err)


def test_render_unexpected_token() -> None:
    text = "attribute:x !ingress"
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse(text)
    err = info.value
    expected = (
        "'!=', '!exists', '!in', '!~', '<', '<=', '==', '=~', '>', '>=', 'equals', 'exists', "
        "'greater_than', 'greater_than_equal', 'in', 'less_than', 'less_than_equal', 'matches', "
        "'not_equals', 'not_exists', 'not_in', 'not_matches'"
    )
    assert str(err) == (
        "unexpected '!' at line 1, column 13\n"
        "  attribute:x !ingress\n"
        "              ^\n"
        f"expected one of: {expected}"
    )
    assert (err.text, err.line, err.column, err.position) == (text, 1, 13, 12)
    assert err.expected == tuple(expected.split(", "))
    assert err.message == "unexpected '!'"


def test_render_unknown_subject_suggests() -> None:
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse("AgentVersion < 1.14.5")
    err = info.value
    assert str(err) == (
        "unknown subject 'AgentVersion'; did you mean agentVersion? at line 1, column 1\n"
        "  AgentVersion < 1.14.5\n"
        "  ^\n"
        "expected one of: agentConnected, agentVersion, attribute:NAME, ec2InstanceId, "
        "registeredAt, runningTasksCount, task:group"
    )
    assert (err.line, err.column, err.position) == (1, 1, 0)
    assert "agentVersion" in err.expected


def test_render_unknown_subject_suggests_attribute() -> None:
    with pytest.raises(PlacementSyntaxError, match=r"did you mean attribute:stack\?"):
        placement.parse("stack == prod")


def test_render_multi_line() -> None:
    text = "attribute:stack == prod and\n  runningTasksCount == -1"
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse(text)
    err = info.value
    assert str(err) == (
        "invalid runningTasksCount argument '-1' at line 2, column 24\n"
        "    runningTasksCount == -1\n"
        "                         ^\n"
        "expected a non-negative integer"
    )
    assert (err.text, err.line, err.column, err.position) == (text, 2, 24, 51)
    assert err.expected == ("a non-negative integer",)
    assert text[err.position :] == "-1"


def test_render_operator_not_allowed() -> None:
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse("agentVersion =~ 1.*")
    err = info.value
    assert str(err) == (
        "agentVersion does not take =~ at line 1, column 14\n"
        "  agentVersion =~ 1.*\n"
        "               ^\n"
        "expected one of: !=, <, <=, ==, >, >="
    )
    assert err.expected == ("!=", "<", "<=", "==", ">", ">=")


def test_render_end_of_input() -> None:
    text = "attribute:a exists and"
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse(text)
    err = info.value
    assert str(err) == (
        "unexpected end of expression at line 1, column 23\n"
        "  attribute:a exists and\n"
        "                        ^\n"
        "expected one of: '!', '(', 'not', a subject or value"
    )
    assert err.position == len(text)


def test_render_without_expected_line() -> None:
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse("attribute:x =~ 'a(?=b)'")
    err = info.value
    assert str(err) == (
        "invalid regular expression (invalid perl operator: (?=) at line 1, column 16\n"
        "  attribute:x =~ 'a(?=b)'\n"
        "                 ^"
    )
    assert err.expected == ()


def test_render_long_line_is_windowed() -> None:
    text = "attribute:x == " + "a" * 300 + " ! b"
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse(text)
    err = info.value
    lines = str(err).split("\n")
    assert lines[0] == f"unexpected '!' at line 1, column {text.index('!') + 1}"
    shown, caret = lines[1], lines[2]
    assert shown.startswith("  ...")
    # the caret sits under the '!'
    assert shown[len(caret) - 1] == "!"
    assert caret.strip() == "^"


def test_empty_and_blank_input() -> None:
    for text in ("", "   ", "\n\n"):
        with pytest.raises(PlacementSyntaxError, match="unexpected end of expression") as info:
            placement.parse(text)
        assert info.value.position == len(text)
        assert info.value.line == text.count("\n") + 1


def test_error_types() -> None:
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse("nope")
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err, PlacementError)
    assert issubclass(PlacementSyntaxError, PlacementError)
    assert issubclass(PlacementError, ValueError)
    # plain `except ValueError` catches it
    with pytest.raises(ValueError, match="unexpected end of expression") as plain:
        placement.parse("nope")
    assert plain.value.args == (str(err),)


@pytest.mark.parametrize("value", [None, b"attribute:a exists", 5, ["attribute:a exists"]])
def test_non_str_input(value: object) -> None:
    with pytest.raises(PlacementError, match="is a str, not"):
        placement.parse(value)  # type: ignore[arg-type]
    with pytest.raises(PlacementError):
        placement.syntax.parse_uncached(value)  # type: ignore[arg-type]


def test_constructor_errors_are_placement_errors() -> None:
    a = placement.Subject(placement.SubjectKind.ATTRIBUTE, "a")
    with pytest.raises(PlacementError):
        placement.Comparison(a, placement.Op.IN, ())
    with pytest.raises(PlacementError):
        placement.Comparison(
            placement.Subject(placement.SubjectKind.AGENT_VERSION), placement.Op.MATCHES, "("
        )
    with pytest.raises(PlacementError):
        placement.Comparison(
            placement.Subject(placement.SubjectKind.RUNNING_TASKS_COUNT), placement.Op.EQ, -1
        )
    with pytest.raises(PlacementError):
        placement.Comparison(
            placement.Subject(placement.SubjectKind.RUNNING_TASKS_COUNT), placement.Op.EQ, True
        )
    with pytest.raises(PlacementError):
        placement.Subject(placement.SubjectKind.ATTRIBUTE, "bad name")
    with pytest.raises(PlacementError):
        placement.And((placement.parse("attribute:a exists"),))
    with pytest.raises(PlacementError):
        placement.Not("attribute:a exists")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Regressions: bugs these tests found, now fixed.


# An offset that moves the instant past year 9999 or before year 1 is rejected at parse time
# (it could not be printed back).
@pytest.mark.parametrize(
    "text",
    [
        "registeredAt < 9999-12-31T23:59:59-01:00",
        "registeredAt < 0001-01-01T00:00:00+01:00",
    ],
)
def test_timestamp_out_of_datetime_range_is_rejected(text: str) -> None:
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse(text)
    assert info.value.column == 16


# Characters Python counts as white space but the grammar does not (NBSP, NEL, U+001C-U+001F,
# U+2028...) are errors, never silently skipped.
@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("attribute:x ==\u00a0prod", 15),
        ("attribute:x\x1c== prod", 12),
        ("attribute:x == pr\x85", 18),  # parses as `attribute:x == pr`: a character is lost
        ("attribute:x == prod\u2028", 20),
    ],
)
def test_unicode_whitespace_is_an_error(text: str, column: int) -> None:
    with pytest.raises(PlacementSyntaxError) as info:
        placement.parse(text)
    assert info.value.column == column
