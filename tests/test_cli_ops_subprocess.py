"""`placement headroom|needs|deploy` as processes: exit codes, one JSON document, clean errors.

Each run is `python -m placement ...` with this checkout's sources first on the path, so these
check what a shell sees: 0 answered, 3 did not fit or stuck, 1 bad input (one `placement: ...`
line, no traceback), 2 usage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import EXAMPLES, INSTANCES, SRC, TASK_DEFINITION, TASKS

SERVICE = EXAMPLES / "service.json"


def run(
    *args: str, stdin: bytes = b"", **changes: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **changes}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.pop("PLACEMENT_DEBUG", None)
    process = subprocess.run(
        [sys.executable, "-m", "placement", *args],
        input=stdin, capture_output=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    return subprocess.CompletedProcess(
        process.args, process.returncode,
        process.stdout.decode("utf-8"), process.stderr.decode("utf-8"),
    )  # fmt: skip


def one_document(result: subprocess.CompletedProcess[str], code: int) -> Any:
    """The exit code is `code`, stdout is exactly one JSON document, stderr has no traceback."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)  # one document: trailing text would be refused


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.startswith("placement: ") and result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr, (word, result.stderr)


FILES = ["--inventory", str(INSTANCES), "--tasks", str(TASKS)]
HEADROOM = ["headroom", *FILES, "--task-definition", str(TASK_DEFINITION)]

def _usable_templates() -> bytes:
    """The example instances that can take a copy as new instances: `needs` refuses a template
    that cannot (disconnected, DRAINING, Windows: issue 16), so the whole file is not one."""
    document = json.loads(INSTANCES.read_text())
    document["containerInstances"] = [
        c for c in document["containerInstances"]
        if c["status"] == "ACTIVE" and c["agentConnected"]
        and {"name": "ecs.os-type", "value": "linux"} in c["attributes"]
    ]  # fmt: skip
    return json.dumps(document).encode()


TEMPLATES = _usable_templates()
NEEDS = ["needs", *FILES, "--task-definition", str(TASK_DEFINITION), "--template", "-"]
DEPLOY = ["deploy", *FILES, "--new-task-definition", str(TASK_DEFINITION), "--group",
          "service:web"]  # fmt: skip


def test_headroom_exits_0_with_one_json_document() -> None:
    document = one_document(run(*HEADROOM, "-o", "json"), 0)
    assert document["copies"] == sum(z["copies"] for z in document["zones"]) > 0
    assert document["unbounded"] is False


def test_needs_exit_codes_0_and_3() -> None:
    found = one_document(run(*NEEDS, "--count", "60", "-o", "json", stdin=TEMPLATES), 0)
    assert found["instances"] > 0 and found["placements"]["placed"] == 60
    none = one_document(run(*NEEDS, "--count", "60", "--limit", "0", "-o", "json",
                            stdin=TEMPLATES), 3)  # fmt: skip
    assert none["instances"] is None and none["reasons"]
    table = run(*NEEDS, "--count", "60", "--limit", "0", stdin=TEMPLATES)
    assert table.returncode == 3 and "no number of new instances up to 0" in table.stdout


def test_needs_refuses_the_unusable_templates_by_name() -> None:
    refused = run("needs", *FILES, "--task-definition", str(TASK_DEFINITION), "--template",
                  str(INSTANCES), "--count", "60")  # fmt: skip
    assert_clean_failure(refused, "templates[4]", "templates[7]", "templates[11]")


def test_deploy_exit_codes_0_and_3() -> None:
    done = one_document(run(*DEPLOY, "--desired-count", "6", "-o", "json"), 0)
    assert done["completed"] and done["new"] == 6 and done["old"] == 0
    stuck = one_document(run(*DEPLOY, "--desired-count", "60", "-o", "json"), 3)
    assert not stuck["completed"] and stuck["pending_reasons"]
    table = run(*DEPLOY, "--desired-count", "60")
    assert table.returncode == 3 and "stuck after" in table.stdout


def test_inputs_from_stdin(tmp_path: Path) -> None:
    by_stdin = run("headroom", "--inventory", "-", "--tasks", str(TASKS), "--task-definition",
                   str(TASK_DEFINITION), "-o", "json", stdin=INSTANCES.read_bytes())  # fmt: skip
    assert one_document(by_stdin, 0) == one_document(run(*HEADROOM, "-o", "json"), 0)
    templates = tmp_path / "templates.json"
    templates.write_bytes(TEMPLATES)
    by_file = run(*NEEDS[:-1], str(templates), "--count", "60", "-o", "json")
    by_stdin = run(*NEEDS, "--count", "60", "-o", "json", stdin=TEMPLATES)
    assert one_document(by_stdin, 0) == one_document(by_file, 0)


@pytest.mark.parametrize(
    "args",
    [
        ["headroom", "--inventory", str(INSTANCES)],
        ["needs", *FILES, "--task-definition", str(TASK_DEFINITION), "--count", "5"],
        ["deploy", *FILES, "--new-task-definition", str(TASK_DEFINITION), "--desired-count", "3"],
        ["deploy", *FILES, "--new-task-definition", str(TASK_DEFINITION), "--group", "g"],
        ["headroom", *FILES, "--task-definition", str(TASK_DEFINITION), "-o", "yaml"],
        ["deploy", "--cluster", "c", "--tasks", str(TASKS), "--service", "s"],
    ],
)  # fmt: skip
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert "usage:" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    assert_clean_failure(run(*NEEDS[:-1], str(nested), "--count", "5"), "template",
                         "nested too deeply")  # fmt: skip
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    assert_clean_failure(run("headroom", *FILES, "--task-definition", str(binary)),
                         "not UTF-8")  # fmt: skip
    assert_clean_failure(run(*DEPLOY, "--desired-count", "1e20"), "--count")
    assert_clean_failure(run(*DEPLOY, "--desired-count", "3", "--max-percent", "10"),
                         "--max-percent")  # fmt: skip
    assert_clean_failure(run(*NEEDS, "--count", "5", "--limit", "9" * 40, stdin=TEMPLATES),
                         "--limit")  # fmt: skip
    assert_clean_failure(run(*HEADROOM, "--strategy", "{\"type\": \"spread\"}"), "spread")


def test_an_unknown_aws_profile_is_one_line() -> None:
    # The live path (--cluster/--service) fails cleanly before any network call.
    result = run("headroom", "--cluster", "prod", "--service", "web", "--region", "us-east-1",
                 "--profile", "placement-no-such-profile", AWS_CONFIG_FILE=os.devnull,
                 AWS_SHARED_CREDENTIALS_FILE=os.devnull)  # fmt: skip
    assert_clean_failure(result, "placement-no-such-profile")
