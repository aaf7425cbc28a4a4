"""The `placement` command as a process: exit codes, stdout/stderr, pipes, stdin, bad input.

Each test runs `python -m placement ...` with this checkout's sources first on the path, so it
checks what a user's shell sees: the exit status, one JSON document on stdout, one
`placement: ...` line on stderr and never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import INSTANCES, SRC, TASK_DEFINITION, TASKS


def environment(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.pop("NO_COLOR", None)
    env.pop("PLACEMENT_DEBUG", None)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(
    *args: str, stdin: bytes | str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # Never the test runner's own stdin: an empty one unless the test gives one.
    data = stdin.encode() if isinstance(stdin, str) else (stdin or b"")
    process = subprocess.run(
        [sys.executable, "-m", "placement", *args],
        input=data, capture_output=True, env=env or environment(), timeout=300, check=False,
    )  # fmt: skip
    return subprocess.CompletedProcess(
        process.args, process.returncode,
        process.stdout.decode("utf-8"), process.stderr.decode("utf-8"),
    )  # fmt: skip


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 1, stdout empty, stderr starts `placement: ` and names what went wrong."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("placement: ")
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def place_args(*extra: str) -> list[str]:
    return ["place", "--inventory", str(INSTANCES), "--tasks", str(TASKS),
            "--task-definition", str(TASK_DEFINITION), *extra]  # fmt: skip


# -- the promises of the issue -------------------------------------------------------------------


def test_demo_json_is_one_document_for_json_tool() -> None:
    demo = run("demo", "--output", "json")
    assert demo.returncode == 0
    assert "placement demo" in demo.stderr  # the banner goes to stderr
    tool = subprocess.run(
        [sys.executable, "-m", "json.tool"], input=demo.stdout, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert tool.returncode == 0, tool.stderr
    document = json.loads(demo.stdout)
    assert document["requested"] == 36
    assert 0 < document["placed"] < 36
    assert document["failures"][0]["count"] == 36 - document["placed"]
    assert all(p["instance"].startswith("arn:aws:ecs:") for p in document["placements"])


def test_filter_reads_the_inventory_from_stdin() -> None:
    result = run(
        "filter", "attribute:ecs.os-type == linux", "--inventory", "-", "--output", "json",
        stdin=INSTANCES.read_bytes(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    expected = [
        doc["containerInstanceArn"]
        for doc in json.loads(INSTANCES.read_text())["containerInstances"]
        if {"name": "ecs.os-type", "value": "linux"} in doc["attributes"]
    ]
    assert [d["containerInstanceArn"] for d in document["containerInstances"]] == expected
    assert document["matched"] == len(expected) == 11
    assert document["instances"] == 12


def test_filter_json_feeds_back_as_inventory_and_tasks(tmp_path: Path) -> None:
    first = run("filter", "attribute:stack == prod", "--inventory", str(INSTANCES),
                "--tasks", str(TASKS), "-o", "json")  # fmt: skip
    subset = tmp_path / "prod.json"
    subset.write_text(first.stdout)
    again = _json(run("filter", "task:group == service:web", "--inventory", str(subset),
                      "--tasks", str(subset), "-o", "json"))  # fmt: skip
    both = "attribute:stack == prod and task:group == service:web"
    direct = _json(run("filter", both, "--inventory", str(INSTANCES), "--tasks", str(TASKS),
                       "-o", "json"))  # fmt: skip
    assert again["instances"] == json.loads(first.stdout)["matched"] == 6
    assert again["containerInstances"] == direct["containerInstances"]
    assert again["tasks"] == direct["tasks"]
    assert again["matched"] > 0


def test_place_exit_codes_zero_and_three() -> None:
    fits = run(*place_args("--count", "3"))
    assert fits.returncode == 0, fits.stderr
    assert "placed 3 of 3 copies" in fits.stdout
    overfull = run(*place_args("--count", "100"))
    assert overfull.returncode == 3
    assert "fit nowhere" in overfull.stdout
    assert "Traceback" not in overfull.stderr


def test_usage_errors_exit_two() -> None:
    for args in (["frobnicate"], [], ["place", "--inventory", "x", "--cluster", "y"],
                 ["filter", "attribute:a exists"], ["check", "a", "-o", "yaml"]):  # fmt: skip
        result = run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "usage:" in result.stderr
        assert "Traceback" not in result.stderr
    missing = run("place", "--inventory", str(INSTANCES))
    assert missing.returncode == 2
    assert "--task-definition" in missing.stderr


def test_version_and_help() -> None:
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.strip().startswith("placement ")
    help_text = run("--help")
    assert help_text.returncode == 0
    for command in ("check", "filter", "explain", "place", "demo"):
        assert command in help_text.stdout


def test_check_exit_codes_and_caret() -> None:
    good = run("check", "attribute:stack==prod")
    assert (good.returncode, good.stdout) == (0, "attribute:stack == prod\n")
    bad = run("check", "attribute:stack === prod")
    assert bad.returncode == 1
    assert bad.stderr.startswith("placement: unexpected character '=' at line 1, column 19\n")
    assert "Traceback" not in bad.stderr
    as_json = run("check", "attribute:stack==prod", "-o", "json")
    assert json.loads(as_json.stdout) == {"expression": "attribute:stack == prod"}


def test_place_without_tasks_warns_on_stderr() -> None:
    result = run("place", "--inventory", str(INSTANCES), "--task-definition",
                 str(TASK_DEFINITION), "-o", "json")  # fmt: skip
    assert result.returncode == 0
    assert "running tasks are unknown" in result.stderr
    json.loads(result.stdout)  # the note stays out of the JSON
    with_tasks = run(*place_args("-o", "json"))
    assert "running tasks are unknown" not in with_tasks.stderr


def _big_inventory(tmp_path: Path, n: int) -> Path:
    template = json.loads(INSTANCES.read_text())["containerInstances"][0]
    docs = []
    for i in range(n):
        doc = json.loads(json.dumps(template))
        doc["containerInstanceArn"] = f"arn:aws:ecs:us-east-1:1:container-instance/big/{i:032x}"
        doc["ec2InstanceId"] = f"i-{i:017x}"
        docs.append(doc)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"containerInstances": docs}))
    return path


def test_explain_into_head_ends_quietly(tmp_path: Path) -> None:
    """More output than a pipe holds, into `head -1`: the first line, then a quiet end."""
    big = _big_inventory(tmp_path, 4000)
    command = (f'"{sys.executable}" -m placement explain "attribute:stack == dev" '
               f'--inventory "{big}" -o wide | head -1')  # fmt: skip
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True,
                            env=environment(), timeout=300, check=False)  # fmt: skip
    assert result.stdout.startswith("0 of 4000 instances match")
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


@pytest.mark.parametrize(
    "args",
    [
        ["demo"],
        ["demo", "-o", "json"],
        ["check", "attribute:a exists"],
        ["filter", "attribute:a !exists", "--inventory", str(INSTANCES)],
        ["explain", "attribute:a exists", "--inventory", str(INSTANCES), "-o", "wide"],
        place_args("--count", "100", "--explain"),
    ],
)
def test_a_closed_pipe_ends_quietly_with_the_commands_own_code(args: list[str]) -> None:
    """stdout's reader is gone before the first write: no BrokenPipeError, no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to write_end now fails with EPIPE
    try:
        process = subprocess.run(
            [sys.executable, "-m", "placement", *args], stdout=write_end,
            stderr=subprocess.PIPE, env=environment(), timeout=300, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    stderr = process.stderr.decode()
    assert stderr.count("Traceback") == 0, stderr
    assert "BrokenPipe" not in stderr
    expected = 3 if "--count" in args else 0
    assert process.returncode == expected


# -- issue 7: bad input is one line and exit 1 ---------------------------------------------------


def test_non_utf8_file(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"containerInstances": [], "note": "caf\u00e9"}'.encode("latin-1"))
    assert_clean_failure(run("filter", "attribute:a exists", "--inventory", str(bad)),
                         "not UTF-8", "latin1.json", "0xe9")  # fmt: skip


def test_json_nested_100k_deep(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert_clean_failure(run(*place_args()[:1], "--inventory", str(deep), "--task-definition",
                             str(TASK_DEFINITION)), "nested too deeply")  # fmt: skip
    assert_clean_failure(run("place", "--inventory", str(INSTANCES), "--task-definition", "-"),
                         "task definition", "not JSON")  # fmt: skip
    deep_stdin = run("place", "--inventory", str(INSTANCES), "--task-definition", "-",
                     stdin="{" + '"a":{' * 100_000 + "}" * 100_001)  # fmt: skip
    assert_clean_failure(deep_stdin, "task definition stdin", "nested too deeply")


def test_task_definition_that_is_a_list(tmp_path: Path) -> None:
    listed = tmp_path / "td.json"
    listed.write_text(json.dumps([json.loads(TASK_DEFINITION.read_text())]))
    result = run("place", "--inventory", str(INSTANCES), "--task-definition", str(listed))
    assert_clean_failure(result, "task definition", "expected an object, got a list")


def test_malformed_constraint_json() -> None:
    assert_clean_failure(run(*place_args("--constraint", '{"type": "memberOf", "expression":')),
                         "--constraint", "not JSON")  # fmt: skip
    assert_clean_failure(run(*place_args("--strategy", "{spread}")), "--strategy", "not JSON")
    assert_clean_failure(run(*place_args("--constraint", "memberOf(attribute:a ===)")),
                         "memberOf")  # fmt: skip


@pytest.mark.parametrize("count", ["1e20", "-1", "5.0", "five", "100000000000000000000", ""])
def test_bad_counts(count: str) -> None:
    assert_clean_failure(run(*place_args("--count", count)), "--count")


def test_a_directory_and_a_missing_file(tmp_path: Path) -> None:
    assert_clean_failure(run("filter", "attribute:a exists", "--inventory", str(tmp_path)),
                         "cannot read inventory", "directory")  # fmt: skip
    missing = tmp_path / "nope.json"
    assert_clean_failure(run(*place_args()[:1], "--inventory", str(missing),
                             "--task-definition", str(TASK_DEFINITION)),
                         "cannot read inventory", "nope.json", "No such file")  # fmt: skip
    result = run("place", "--inventory", str(INSTANCES), "--tasks", str(missing),
                 "--task-definition", str(TASK_DEFINITION))  # fmt: skip
    assert_clean_failure(result, "cannot read tasks")


def test_a_10_mb_expression_from_stdin() -> None:
    """A 10 MB argument does not fit in argv (Linux caps one at 128 KiB): EXPR `-` reads stdin."""
    huge = "attribute:a == b or " * 500_000 + "attribute:a exists"
    assert len(huge) > 10_000_000
    for command in (["check", "-"], ["filter", "-", "--inventory", str(INSTANCES)],
                    ["explain", "-", "--inventory", str(INSTANCES)]):  # fmt: skip
        result = run(*command, stdin=huge)
        assert_clean_failure(result, "over the limit of 2000")
        assert len(result.stderr) < 2000  # the message shows a window, not 10 MB


def test_two_stdin_arguments_are_refused() -> None:
    assert_clean_failure(run("filter", "-", "--inventory", "-", stdin="x"), "stdin")


def test_wrong_shapes_inside_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"containerInstances": [{"ec2InstanceId": "i-1"}]}')
    assert_clean_failure(run("place", "--inventory", str(bad), "--task-definition",
                             str(TASK_DEFINITION)), "containerInstanceArn")  # fmt: skip
    number = tmp_path / "number.json"
    number.write_text("42")
    assert_clean_failure(run("filter", "attribute:a exists", "--inventory", str(number)),
                         "inventory", "got a number")  # fmt: skip


# -- colour ---------------------------------------------------------------------------------------


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run with stdout on a pseudo-terminal; return what it printed."""
    import pty

    leader, follower = pty.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "placement", *args], stdout=follower,
            stderr=subprocess.PIPE, env=env, timeout=300, check=False,
        )  # fmt: skip
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal has no writer left
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert process.returncode == 0, process.stderr
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    on_tty = _on_a_terminal(["demo"], environment())
    assert "\x1b[" in on_tty
    assert "\x1b[" not in _on_a_terminal(["demo"], environment(NO_COLOR="1"))
    piped = run("demo")
    assert "\x1b[" not in piped.stdout
    assert "\x1b[" not in piped.stderr


def test_table_fits_100_columns_and_wide_shows_full_arns() -> None:
    commands = [
        ["demo", "--explain"],
        place_args("--count", "40", "--explain"),
        ["explain", "attribute:stack == prod and not(task:group == service:web)",
         "--inventory", str(INSTANCES), "--tasks", str(TASKS)],
        ["filter", "attribute:ecs.os-type exists", "--inventory", str(INSTANCES)],
    ]  # fmt: skip
    for args in commands:
        table = run(*args)
        assert table.returncode in (0, 3), table.stderr
        assert max(len(line) for line in table.stdout.splitlines()) <= 100
        assert "arn:aws:ecs" not in table.stdout
        assert re.search(r"\bi-[0-9a-f]{17}\b", table.stdout)  # short names: EC2 instance ids
        wide = run(*args, "-o", "wide")
        assert "arn:aws:ecs:us-east-1:123456789012:container-instance/demo/" in wide.stdout


def test_console_script_entry_point_is_main() -> None:
    from importlib.metadata import entry_points

    import placement.cli

    scripts = [e for e in entry_points(group="console_scripts") if e.name == "placement"]
    assert [e.value for e in scripts] == ["placement.cli:main"]
    assert scripts[0].load() is placement.cli.main


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode in (0, 3), result.stderr
    return json.loads(result.stdout)


def test_explain_json_matches_the_library() -> None:
    import placement

    expr = "attribute:stack == prod and not(task:group == service:web)"
    document = _json(run("explain", expr, "--inventory", str(INSTANCES), "--tasks", str(TASKS),
                         "-o", "json"))  # fmt: skip
    inventory = placement.Inventory.from_ecs(json.loads(INSTANCES.read_text()),
                                             json.loads(TASKS.read_text()))  # fmt: skip
    explanation = placement.explain(placement.parse(expr), inventory)
    assert document["matched"] == explanation.matches_count
    assert [c["rejected"] for c in document["clauses"]] == [
        c.rejected_count for c in explanation.clauses
    ]
    assert [c["negated"] for c in document["clauses"]] == [False, True]
    ids = [str(a) for a in inventory.ids]
    for clause, expected in zip(document["clauses"], explanation.clauses, strict=True):
        assert clause["rejected_instances"] == [
            ids[i] for i in range(len(ids)) if expected.rejected[i]
        ]
