"""The `placement` command and the README's promises about it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from placement.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "placement" / "examples"


def test_check_prints_the_canonical_form(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "attribute:stack==prod&&not task:group == service:db"]) == 0
    assert capsys.readouterr().out.strip() == (
        "attribute:stack == prod and not(task:group == service:db)"
    )


def test_check_reports_errors_with_a_caret(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "attribute:stack === prod"]) == 1
    err = capsys.readouterr().err
    assert "unexpected character '=' at line 1, column 19" in err
    assert "\n  attribute:stack === prod\n" + " " * 20 + "^" in err


def test_check_length_limit_can_be_lifted(capsys: pytest.CaptureFixture[str]) -> None:
    long = " or ".join(f"attribute:a{i} exists" for i in range(150))
    assert main(["check", long]) == 1
    assert "over the limit of 2000" in capsys.readouterr().err
    assert main(["check", "--no-limit", long]) == 0


def test_demo_places_and_explains_failures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    placed = re.search(r"placed (\d+) of 36 copies", out)
    assert placed is not None
    assert 0 < int(placed.group(1)) < 36  # the demo overfills the cluster on purpose
    assert "fit nowhere" in out
    assert "RESOURCE:CPU" in out


def test_place_json_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    import placement

    args = [
        "place",
        "--inventory", str(EXAMPLES / "container-instances.json"),
        "--tasks", str(EXAMPLES / "tasks.json"),
        "--task-definition", str(EXAMPLES / "task-definition.json"),
        "--count", "5",
        "--constraint", "distinctInstance",
        "--strategy", '{"type": "spread", "field": "attribute:ecs.availability-zone"}',
        "--strategy", "binpack(memory)",
        "--json",
    ]  # fmt: skip
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    inventory = placement.Inventory.from_ecs(
        json.loads((EXAMPLES / "container-instances.json").read_text()),
        json.loads((EXAMPLES / "tasks.json").read_text()),
    )
    task = placement.TaskSpec.from_ecs(json.loads((EXAMPLES / "task-definition.json").read_text()))
    expected = placement.place(
        inventory,
        task,
        5,
        constraints=[placement.DistinctInstance()],
        strategy=[placement.Spread("attribute:ecs.availability-zone"), placement.Binpack("memory")],
    )
    assert printed == {"placements": list(expected.placements), "failures": []}


def test_place_exit_code_two_when_copies_do_not_fit(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "place",
        "--inventory", str(EXAMPLES / "container-instances.json"),
        "--task-definition", str(EXAMPLES / "task-definition.json"),
        "--count", "100",
    ]  # fmt: skip
    assert main(args) == 2
    assert "fit nowhere" in capsys.readouterr().out


def test_place_bad_input_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"containerInstances": [{"ec2InstanceId": "i-1"}]}')
    args = ["place", "--inventory", str(bad),
            "--task-definition", str(EXAMPLES / "task-definition.json")]  # fmt: skip
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "containerInstanceArn" in err
    assert "Traceback" not in err


def test_readme_commands_are_what_ci_runs() -> None:
    """The README opens with two set-up commands; .ci/run must run exactly those."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].endswith("placement demo")
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    for command in commands:
        assert command in ci
