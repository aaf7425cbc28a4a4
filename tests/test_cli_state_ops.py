"""`placement scale-in|daemon`, held to `placement.scale_in` and `placement.place_daemon`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import INSTANCES, SRC, TASK_DEFINITION, TASKS, inventory, run, run_json

import placement
from placement.cli.render import TABLE_WIDTH

FILES = ["--inventory", str(INSTANCES), "--tasks", str(TASKS)]


def process(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "placement", *args], capture_output=True,
                          text=True, env=env, timeout=300, stdin=subprocess.DEVNULL,
                          check=False)  # fmt: skip


# -- scale-in ------------------------------------------------------------------------------------

SPREAD = "spread(attribute:ecs.availability-zone)"


@pytest.mark.parametrize("strategy", [[], [SPREAD], ["binpack(memory)"], [SPREAD, "random"]])
def test_scale_in_matches_the_library(
    strategy: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    options = [a for s in strategy for a in ("--strategy", s)]
    argv = ["scale-in", *FILES, "--group", "service:web", "--count", "3", *options,
            "--seed", "11"]  # fmt: skip
    expected = placement.scale_in(inventory(), "service:web", 3, strategy=strategy, seed=11)
    document = run_json(capsys, *argv)
    library = expected.to_dict()
    assert {k: document[k] for k in library} == library
    inv = inventory()
    where = [str(inv.ids[inv.tasks.instances[inv.tasks.index_of(a)]]) for a in expected.stops]
    assert document["instances"] == where
    assert sum(z["before"] - z["after"] for z in document["zones"]) == 3
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert out.startswith("stop 3 tasks of service:web, in this order")
    order = re.findall(r"^ +(\d) +(\S+) ", out, re.MULTILINE)
    assert order == [(str(n), arn.rsplit("/", 1)[-1]) for n, arn in enumerate(expected.stops, 1)]
    assert all(len(line) <= TABLE_WIDTH for line in out.splitlines())


def test_scale_in_wide_shows_full_task_arns(capsys: pytest.CaptureFixture[str]) -> None:
    stops = placement.scale_in(inventory(), "service:web", 2).stops
    _, out, _ = run(capsys, "scale-in", *FILES, "--group", "service:web", "--count", "2", "-o",
                    "wide")  # fmt: skip
    assert all(arn in out for arn in stops)


def test_scale_in_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scale-in", *FILES, "--group", "service:web", "--count", "99")
    assert (code, out) == (1, "")
    assert err.startswith("placement: ") and "99" in err
    code, _, err = run(capsys, "scale-in", "--inventory", str(INSTANCES), "--group", "g",
                       "--count", "1")  # fmt: skip
    assert code == 2 and "--tasks is required" in err
    code, _, err = run(capsys, "scale-in", *FILES, "--group", "g", "--count", "x")
    assert code == 1 and "--count" in err
    code, _, err = run(capsys, "scale-in", *FILES, "--count", "1")
    assert code == 2 and "--group" in err


def test_scale_in_as_a_process() -> None:
    result = process("scale-in", *FILES, "--group", "service:web", "--count", "2", "-o", "json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["stops"]) == 2
    bad = process("scale-in", *FILES, "--group", "service:web", "--count", "99")
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.startswith("placement: ") and "Traceback" not in bad.stderr


# -- daemon --------------------------------------------------------------------------------------


def _daemon(*extra: str) -> list[str]:
    return ["daemon", *FILES, "--task-definition", str(TASK_DEFINITION), *extra]


def test_daemon_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    task = placement.TaskSpec.from_ecs(json.loads(TASK_DEFINITION.read_text()), "daemon:log")
    expected = placement.place_daemon(inventory(), task)
    assert expected.failures  # two instances are disconnected: exit 3
    code = 3
    document = run_json(capsys, *_daemon("--group", "daemon:log"), code=code)
    library = expected.to_dict()
    assert {k: document[k] for k in library} == library
    assert document["group"] == "daemon:log"
    got, out, _ = run(capsys, *_daemon("--group", "daemon:log"))
    assert got == code
    assert out.startswith(f"daemon daemon:log (CPU 640, memory 1280 MiB): starts on "
                          f"{len(expected.placements)} of 12 instances")  # fmt: skip
    assert f"{len(expected.failures)} cannot take it" in out
    for arn in expected.placements:
        assert arn.rsplit("/", 1)[-1][-2:] in out


def test_daemon_stops_its_tasks_where_they_no_longer_qualify(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # service:web runs on instances of any stack: as a daemon kept to `stack == prod`, its tasks
    # elsewhere are to stop.
    rule = "memberOf(attribute:stack == prod)"
    task = placement.TaskSpec.from_ecs(json.loads(TASK_DEFINITION.read_text()), "service:web")
    expected = placement.place_daemon(inventory(), task, constraints=[rule])
    assert expected.stops and expected.failures  # the example has both
    document = run_json(capsys, *_daemon("--group", "service:web", "--constraint", rule),
                        code=3)  # fmt: skip
    assert document["stops"] == list(expected.stops)
    _, out, _ = run(capsys, *_daemon("--group", "service:web", "--constraint", rule))
    assert f"To stop ({len(expected.stops)})" in out
    assert all(arn.rsplit("/", 1)[-1] in out for arn in expected.stops)


def test_daemon_exit_0_when_every_instance_takes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = "arn:aws:ecs:us-east-1:1:container-instance/c/"
    instances = [{"containerInstanceArn": f"{arn}{i}", "status": "ACTIVE", "agentConnected": True,
                  "remainingResources": [{"name": "CPU", "integerValue": 1024},
                                         {"name": "MEMORY", "integerValue": 2048}]}
                 for i in range(3)]  # fmt: skip
    path = tmp_path / "i.json"
    path.write_text(json.dumps(instances))
    definition = tmp_path / "d.json"
    definition.write_text(json.dumps({"family": "agent", "containerDefinitions": [
        {"name": "a", "image": "a", "cpu": 128, "memory": 128}]}))  # fmt: skip
    code, out, _ = run(capsys, "daemon", "--inventory", str(path), "--task-definition",
                       str(definition))  # fmt: skip
    assert code == 0
    assert "starts on 3 of 3 instances" in out and "0 cannot take it; 0 tasks to stop" in out


def test_daemon_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "daemon", *FILES)
    assert code == 2 and "--task-definition" in err
    code, out, err = run(capsys, *_daemon("--constraint", "{bad"))
    assert (code, out) == (1, "") and "--constraint" in err
    code, _, err = run(capsys, "daemon", "--inventory", "-", "--task-definition", "-")
    assert code == 1 and "stdin" in err


def test_daemon_as_a_process() -> None:
    result = process(*_daemon("-o", "json"))
    assert result.returncode in (0, 3), result.stderr
    document = json.loads(result.stdout)
    assert result.returncode == (3 if document["failures"] else 0)
    assert "Traceback" not in result.stderr
