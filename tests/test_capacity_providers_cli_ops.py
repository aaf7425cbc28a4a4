"""`--capacity-provider-strategy` on `headroom`, `needs` and `deploy` (and a service's
`capacityProviderStrategy` read with --service-file), checked against the library's answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run, run_json
from test_capacity_providers_cli import STRATEGY, _instance

import placement

TASK = placement.TaskSpec(cpu=256, memory=256, group="service:web")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    docs = {
        "inventory": {"containerInstances": [_instance("od-1", "od", 512),
                                             _instance("spot-1", "spot", 1024)]},
        "task": {"family": "web", "cpu": "256", "memory": "256",
                 "containerDefinitions": [{"name": "w"}]},
        "service": {"services": [{"serviceName": "web", "desiredCount": 8,
                                  "capacityProviderStrategy": STRATEGY}]},
        "template-od": _instance("t-od", "od", 512),
        "template-spot": _instance("t-spot", "spot", 1024),
    }  # fmt: skip
    paths = {}
    for name, doc in docs.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(doc))
    return paths


def _inventory(files: dict[str, Path]) -> placement.Inventory:
    return placement.Inventory.from_ecs(json.loads(files["inventory"].read_text()))


def _ways(files: dict[str, Path], command: str, task: str = "--task-definition") -> list[list[str]]:
    """The same question by the option and by the service file."""
    base = [command, "--inventory", str(files["inventory"]), task, str(files["task"])]
    return [[*base, "--group", "service:web", "--capacity-provider-strategy",
             json.dumps(STRATEGY)],
            [*base, "--service-file", str(files["service"])]]  # fmt: skip


def test_headroom_follows_the_strategy(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    want = placement.headroom(_inventory(files), TASK, capacity_provider_strategy=STRATEGY)
    assert want.copies == 3 and want.provider == "od"  # od-1 holds 2; its 3rd copy is copy 3
    for args in _ways(files, "headroom"):
        got = run_json(capsys, *args)
        assert got["copies"] == want.copies and got["capacityProvider"] == "od"
        assert got["reasons"] == dict(want.reasons)
    code, out, _ = run(capsys, *_ways(files, "headroom")[0])
    assert code == 0 and "3 more copies" in out and "capacity provider od" in out
    # Without a strategy every instance counts: 2 + 4 copies.
    plain = run_json(capsys, "headroom", "--inventory", str(files["inventory"]),
                     "--task-definition", str(files["task"]))  # fmt: skip
    assert plain["copies"] == 6 and "capacityProvider" not in plain


def test_needs_grows_each_provider_from_its_templates(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    templates = [json.loads(files[f"template-{p}"].read_text()) for p in ("od", "spot")]
    for args in _ways(files, "needs"):
        got = run_json(capsys, *args, "--count", "8", "--template", str(files["template-od"]),
                       "--template", str(files["template-spot"]))  # fmt: skip
        # A service without a placement strategy places by ECS's default for services.
        want = placement.instances_needed(_inventory(files), TASK, 8, templates,
                                          strategy=got["strategy"],
                                          capacity_provider_strategy=STRATEGY)  # fmt: skip
        assert want.instances == 2 and want.placements is not None
        assert got["instances"] == want.instances
        assert got["by_provider"] == dict(want.by_provider)
        assert [p["instance"] for p in got["placements"]["placements"]] == list(
            want.placements.placements
        )
    code, out, _ = run(capsys, *_ways(files, "needs")[0], "--count", "8", "--template",
                       str(files["template-od"]), "--template", str(files["template-spot"]))
    assert code == 0 and "per capacity provider" in out and "t-od" in out


def test_deploy_follows_the_strategy(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    for args in _ways(files, "deploy", "--new-task-definition"):
        got = run_json(capsys, *args, "--desired-count", "8", code=3)
        want = placement.deploy(_inventory(files), "service:web", TASK, desired_count=8,
                                strategy=got["strategy"],
                                capacity_provider_strategy=STRATEGY)  # fmt: skip
        assert not want.completed and dict(want.rounds[0].pending_providers) == {"od": 3}
        assert got["rounds"] == [r.to_dict() for r in want.rounds]
    code, out, _ = run(capsys, *_ways(files, "deploy", "--new-task-definition")[0],
                       "--desired-count", "8")  # fmt: skip
    assert code == 3 and "Waiting for capacity: od 3" in out
