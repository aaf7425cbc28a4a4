"""The documentation runs: every Python block of README.md and docs/*.md, and its shown output.

A small collector of our own rather than sybil or `pytest --doctest-glob`: the docs mix three
kinds of block (doctest sessions, plain scripts with results in comments, and shell sessions of
the `placement` command), it needs no dependency, and it is the one place that defines what a
block promises. The conventions:

* Each file is one test (`test_docs[README.md]`, ...), one namespace: its blocks run in order,
  and names defined in one are seen by the next.
* A ```` ```python ```` block whose lines start with `>>> ` is a doctest session: each
  statement runs and the text under it must be exactly what Python prints (doctest's rules:
  `<BLANKLINE>` for an empty line, tracebacks by their last line).
* Any other ```` ```python ```` block runs as a script. A statement that is a lone expression
  ending in a `# -> TEXT` comment must have `repr(value) == TEXT`.
* A ```` ```console ```` block is a shell session of the `placement` command: each `$ placement
  ARGS` line runs `placement.cli.main(ARGS)` here, and the lines under it (up to the next `$ `)
  must be what it prints (trailing spaces ignored).
* In all three, `...` in shown output stands for any text (doctest's ELLIPSIS), so a long
  listing can show its first and last lines.
* ```` ```python skip ```` opts a block out. Only for what truly cannot run here; there is none
  today (the boto3 example runs against moto).
* Other blocks (`sh`, `text`, ...) are not run: install commands, grammar, messages quoted as
  text.
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import io
import re
import shlex
import textwrap
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CHECKER = doctest.OutputChecker()
FLAGS = doctest.ELLIPSIS

FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^`\n]*)$")


@dataclass
class Block:
    """One fenced block: its info string's words, its text (dedented) and first line number."""

    info: tuple[str, ...]
    text: str
    line: int


def blocks(markdown: str) -> Iterator[Block]:
    """The fenced blocks of a Markdown text, in order (fences may be indented, as in lists)."""
    lines = markdown.splitlines()
    k = 0
    while k < len(lines):
        opening = FENCE.match(lines[k])
        if not opening or not opening["info"].strip():
            k += 1
            continue
        start = k + 1
        k = start
        while k < len(lines) and lines[k].strip() != "```":
            k += 1
        body = textwrap.dedent("\n".join(lines[start:k])) + "\n"
        yield Block(tuple(opening["info"].split()), body, start + 1)
        k += 1


def _matches(want: str, got: str) -> bool:
    return CHECKER.check_output(want, got, FLAGS)


def run_session(block: Block, namespace: dict[str, Any], where: str) -> list[str]:
    """Run a doctest session; the failures, as doctest reports them."""
    test = doctest.DocTestParser().get_doctest(block.text, namespace, where, where, block.line - 1)
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test, out=report.append, clear_globs=False)
    namespace.update(test.globs)  # DocTest ran in a copy; the next block sees what this defined
    return report if runner.failures else []


def _arrows(source: str) -> dict[int, str]:
    """Line number -> the TEXT of a `# -> TEXT` comment on that line."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and token.string.startswith("# ->"):
            found[token.start[0]] = token.string[len("# ->") :].strip()
    return found


def run_script(block: Block, namespace: dict[str, Any], where: str) -> list[str]:
    """Run a script block statement by statement, checking every `# ->` result."""
    arrows = _arrows(block.text)
    failures = []
    tree = ast.parse(block.text, where)
    for statement in tree.body:
        line = block.line + statement.lineno - 1
        end = statement.end_lineno or statement.lineno
        shown = arrows.pop(end, None) if isinstance(statement, ast.Expr) else None
        if shown is not None and isinstance(statement, ast.Expr):
            code = compile(ast.Expression(statement.value), f"{where}:{line}", "eval")
            got = repr(eval(code, namespace))
            if not _matches(shown + "\n", got + "\n"):
                failures.append(f"{where}:{line}: shown {shown}\n  but got {got}")
            continue
        module = ast.Module(body=[statement], type_ignores=[])
        exec(compile(module, f"{where}:{line}", "exec"), namespace)
    failures.extend(
        f"{where}:{block.line + n - 1}: `# ->` on a line that is not the end of an expression"
        for n in arrows
    )
    return failures


def run_console(block: Block, where: str) -> list[str]:
    """Run each `$ placement ARGS` of a console block and compare what it prints."""
    from placement.cli import main

    failures = []
    sessions = re.split(r"^\$ ", block.text, flags=re.MULTILINE)
    if sessions[0].strip():
        failures.append(f"{where}:{block.line}: a console block starts with `$ COMMAND`")
    for session in sessions[1:]:
        command, _, shown = session.partition("\n")
        words = shlex.split(command)
        if not words or words[0] != "placement":
            failures.append(f"{where}:{block.line}: only `placement` commands run: {command}")
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            main(words[1:])
        want = "\n".join(line.rstrip() for line in shown.splitlines()).strip("\n") + "\n"
        got = "\n".join(line.rstrip() for line in printed.getvalue().splitlines()).strip("\n")
        if not _matches(want, got + "\n"):
            failures.append(f"{where}:{block.line}: `$ {command}` printed\n{got}\nnot\n{want}")
    return failures


def check_markdown(markdown: str, where: str) -> tuple[int, list[str]]:
    """Run every checked block of one file in one namespace: (blocks run, failures)."""
    namespace: dict[str, Any] = {"__name__": f"docs:{where}"}
    ran, failures = 0, []
    for block in blocks(markdown):
        kind = block.info[0]
        if "skip" in block.info[1:] or kind not in ("python", "console"):
            continue
        ran += 1
        if kind == "console":
            failures += run_console(block, where)
        elif re.search(r"^>>> ", block.text, re.MULTILINE):
            failures += run_session(block, namespace, where)
        else:
            failures += run_script(block, namespace, where)
    return ran, failures


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_docs(path: Path) -> None:
    ran, failures = check_markdown(path.read_text(encoding="utf-8"), path.name)
    assert ran, f"{path.name} has no Python or console block"
    assert not failures, "\n\n".join(failures)


# --- the collector itself ------------------------------------------------------------------------


def _failures(markdown: str) -> list[str]:
    return check_markdown(textwrap.dedent(markdown), "t.md")[1]


def test_blocks_share_a_namespace_in_order() -> None:
    assert _failures("""
        ```python
        x = 2
        ```
        text
          ```python
          x * 3  # -> 6
          ```
        """) == []


def test_a_wrong_arrow_result_fails() -> None:
    [failure] = _failures("""
        ```python
        1 + 1  # -> 3
        ```
        """)
    assert "shown 3" in failure and "got 2" in failure


def test_an_arrow_on_a_statement_fails() -> None:
    assert _failures("```python\nx = 1  # -> 1\n```\n")


def test_a_wrong_session_output_fails_and_ellipsis_elides() -> None:
    assert _failures("```python\n>>> 1 + 1\n3\n```\n")
    assert _failures("```python\n>>> list(range(30))\n[0, 1, ..., 29]\n```\n") == []


def test_errors_propagate_and_skip_opts_out() -> None:
    with pytest.raises(NameError):
        _failures("```python\nundefined_name\n```\n")
    assert _failures("```python skip\nundefined_name\n```\n```text\nnot python\n```\n") == []


def test_console_blocks_run_the_command() -> None:
    command = "$ placement check 'attribute:a==b'"
    assert _failures(f"```console\n{command}\nattribute:a == b\n```\n") == []
    [failure] = _failures(f"```console\n{command}\nsomething else\n```\n")
    assert "attribute:a == b" in failure
    assert _failures("```console\n$ ls /\n```\n")
