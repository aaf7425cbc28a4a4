"""Hostile review of `--fix` on the CLI: stdin read twice, bad template files, JSON shape."""

from __future__ import annotations

import json

import pytest
from cli_helpers import INSTANCES, TASK_DEFINITION, TASKS
from test_cli_subprocess import assert_clean_failure, run

BASE = ["--tasks", str(TASKS), "--task-definition", str(TASK_DEFINITION)]


@pytest.mark.parametrize(
    "args",
    [
        ["place", "--inventory", "-", *BASE, "--count", "40", "--fix", "--template", "-"],
        ["place", "--inventory", str(INSTANCES), "--tasks", str(TASKS),
         "--task-definition", "-", "--count", "40", "--fix", "--template", "-"],
    ],
)
def test_place_fix_refuses_stdin_for_two_inputs(args: list[str]) -> None:
    # Before the fix, the template read an already-drained stdin: "template stdin is not JSON".
    stdin = INSTANCES.read_text() if args[2] == "-" else TASK_DEFINITION.read_text()
    assert_clean_failure(run(*args, stdin=stdin), "only one argument can read stdin")


@pytest.mark.parametrize(
    ("document", "words"),
    [("null", ["template", "null"]), ("[]", ["at least one template"]), ("[1]", ["templates[0]"]),
     ("[" * 100_000 + "]" * 100_000, ["too deeply"]), ('"' + "x" * 100_000 + '"', ["a string"])],
)  # fmt: skip
def test_bad_template_files_are_named(document: str, words: list[str], tmp_path: object) -> None:
    path = f"{tmp_path}/template.json"
    with open(path, "w") as handle:
        handle.write(document)
    args = ["place", "--inventory", str(INSTANCES), *BASE, "--count", "40", "--fix"]
    assert_clean_failure(run(*args, "--template", path), path, *words)


def test_fix_json_shape_when_nothing_fails() -> None:
    for args in (
        ["place", "--inventory", str(INSTANCES), *BASE, "--count", "1", "--fix"],
        ["headroom", "--inventory", str(INSTANCES), *BASE, "--fix", "0"],
    ):
        result = run(*args, "-o", "json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["fixes"] == []
