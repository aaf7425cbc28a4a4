"""What the CLI tests share: the bundled example files, and running the command in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import placement
from placement.cli import main

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
EXAMPLES = SRC / "placement" / "examples"
INSTANCES = EXAMPLES / "container-instances.json"
TASKS = EXAMPLES / "tasks.json"
TASK_DEFINITION = EXAMPLES / "task-definition.json"


def inventory() -> placement.Inventory:
    """The bundled example cluster with its running tasks."""
    return placement.Inventory.from_ecs(
        json.loads(INSTANCES.read_text()), json.loads(TASKS.read_text())
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`placement ARGV` in this process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> Any:
    """`placement ARGV -o json`, which must exit `code` and print exactly one JSON document."""
    got, out, err = run(capsys, *argv, "-o", "json")
    assert got == code, err
    return json.loads(out)  # exactly one document: json.loads refuses trailing text
