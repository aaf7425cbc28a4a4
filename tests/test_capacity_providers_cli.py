"""The CLI's capacity providers: `place --capacity-provider-strategy`, a service's strategy,
and `placement scaling`, checked against the library's answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run, run_json

import placement

ARN = "arn:aws:ecs:us-east-1:1:container-instance/c/"
STRATEGY = [{"capacityProvider": "od", "base": 1, "weight": 1},
            {"capacityProvider": "spot", "base": 0, "weight": 1}]  # fmt: skip


def _instance(name: str, provider: str, cpu: int) -> dict[str, Any]:
    return {"containerInstanceArn": ARN + name, "capacityProviderName": provider,
            "remainingResources": [{"name": "CPU", "type": "INTEGER", "integerValue": cpu},
                                   {"name": "MEMORY", "type": "INTEGER",
                                    "integerValue": 4096}]}  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {
        "inventory": {"containerInstances": [_instance("od-1", "od", 512),
                                             _instance("spot-1", "spot", 1024)]},
        "task": {"family": "web", "cpu": "256", "memory": "256",
                 "containerDefinitions": [{"name": "w"}]},
        "service": {"services": [{"serviceName": "web", "desiredCount": 8,
                                  "capacityProviderStrategy": STRATEGY}]},
        "providers": {"od": {"targetCapacity": 100, "template": _instance("t", "od", 512)},
                      "spot": {"targetCapacity": 50}},
    }  # fmt: skip
    paths = {}
    for name, doc in out.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(doc))
    return paths


def _expected(files: dict[str, Path]) -> placement.PlacementResult:
    inv = placement.Inventory.from_ecs(json.loads(files["inventory"].read_text()))
    task = placement.TaskSpec(cpu=256, memory=256, group="service:web")
    return placement.place(inv, task, 8, capacity_provider_strategy=STRATEGY)


def test_place_option_and_service_strategy_agree(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    want = _expected(files)
    base = ["place", "--inventory", str(files["inventory"]), "--task-definition",
            str(files["task"])]  # fmt: skip
    by_option = run_json(capsys, *base, "--count", "8", "--group", "service:web",
                         "--capacity-provider-strategy", json.dumps(STRATEGY), code=3)  # fmt: skip
    by_service = run_json(capsys, *base, "--service-file", str(files["service"]), code=3)
    for got in (by_option, by_service):
        assert [p["instance"] for p in got["placements"]] == list(want.placements)
        assert got["failures"] == [f.to_dict() for f in want.failures]
    code, out, _ = run(capsys, *base, "--count", "8", "--capacity-provider-strategy",
                       json.dumps(STRATEGY))  # fmt: skip
    assert code == 3 and "capacity provider 'od'" in out


def test_bad_strategy_is_one_error_line(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, _, err = run(capsys, "place", "--inventory", str(files["inventory"]),
                       "--task-definition", str(files["task"]),
                       "--capacity-provider-strategy", '[{"capacityProvider": "od"}]')  # fmt: skip
    assert code == 1 and "weight" in err


def test_scaling_command(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    want = _expected(files)
    inv = placement.Inventory.from_ecs(json.loads(files["inventory"].read_text()))
    answers = placement.managed_scaling(inv, want, json.loads(files["providers"].read_text()))
    got = run_json(capsys, "scaling", "--inventory", str(files["inventory"]), "--task-definition",
                   str(files["task"]), "--service-file", str(files["service"]), "--count", "8",
                   "--providers", str(files["providers"]), code=3)  # fmt: skip
    assert got["providers"] == [a.to_dict() for a in answers.values()]
    code, out, _ = run(capsys, "scaling", "--inventory", str(files["inventory"]),
                       "--task-definition", str(files["task"]), "--count", "8",
                       "--capacity-provider-strategy", json.dumps(STRATEGY),
                       "--providers", str(files["providers"]))  # fmt: skip
    assert code == 3 and "RESERVATION" in out and "300%" in out
