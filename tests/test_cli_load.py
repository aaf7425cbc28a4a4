"""The CLI reads `--inventory`/`--tasks` files through `Inventory.from_ecs_json` (issue 14).

The typed decode from the bytes, never a dict per instance; a file the loader refuses gives the
message it gave when the CLI read the JSON itself (tests/test_cli_subprocess.py has those).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import INSTANCES, TASKS, inventory, run

import placement


def _no_from_ecs(*_: Any) -> Any:
    raise AssertionError("the CLI loaded a file through from_ecs")


def test_files_load_through_from_ecs_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = run(capsys, "filter", "attribute:ecs.os-type == linux", "--inventory",
                   str(INSTANCES), "--tasks", str(TASKS), "-o", "json")  # fmt: skip
    monkeypatch.setattr(placement.Inventory, "from_ecs", classmethod(_no_from_ecs))
    got = run(capsys, "filter", "attribute:ecs.os-type == linux", "--inventory",
              str(INSTANCES), "--tasks", str(TASKS), "-o", "json")  # fmt: skip
    assert got == expected and got[0] == 0


def test_byte_order_mark_and_non_ascii(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = json.loads(INSTANCES.read_text())
    docs["containerInstances"][0]["attributes"].append({"name": "team", "value": "caf\u00e9"})
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(docs, ensure_ascii=False).encode())
    monkeypatch.setattr(placement.Inventory, "from_ecs", classmethod(_no_from_ecs))
    code, out, err = run(capsys, "filter", "attribute:team exists", "--inventory",
                         str(path), "-o", "json")  # fmt: skip
    assert code == 0, err
    matched = json.loads(out)["containerInstances"]
    assert [i["containerInstanceArn"] for i in matched] == [
        docs["containerInstances"][0]["containerInstanceArn"]
    ]
    assert {"name": "team", "value": "caf\u00e9"} in matched[0]["attributes"]


def test_content_errors_are_the_loaders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = json.loads(INSTANCES.read_text())
    docs["containerInstances"][1]["registeredAt"] = "2024-02-30T00:00:00Z"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(docs))
    with pytest.raises(placement.InventoryError) as expected:
        placement.Inventory.from_ecs(docs)
    code, out, err = run(capsys, "filter", "attribute:a exists", "--inventory", str(path))
    assert (code, out) == (1, "")
    assert err == f"placement: {expected.value}\n"
    assert "container instance #1" in err and "registeredAt" in err


def test_loaded_inventory_is_the_librarys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "filter", "attribute:a not_exists", "--inventory",
                         str(INSTANCES), "--tasks", str(TASKS), "-o", "json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["instances"] == len(inventory())
