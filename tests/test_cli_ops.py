"""`placement headroom|needs|deploy` in-process: what they print, held to the library's answers."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import EXAMPLES, INSTANCES, TASK_DEFINITION, TASKS, inventory, run, run_json

import placement
from placement.cli.render import TABLE_WIDTH

SERVICE = EXAMPLES / "service.json"

ARN = "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/"


def example_task(group: str | None = None) -> placement.TaskSpec:
    return placement.TaskSpec.from_ecs(json.loads(TASK_DEFINITION.read_text()), group)


def files(*extra: str) -> list[str]:
    return ["--inventory", str(INSTANCES), "--tasks", str(TASKS), *extra]


def write(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document))
    return str(path)


# -- the port-80 cluster of docs/what-if.md, as files ------------------------------------------


def port80_files(tmp_path: Path) -> dict[str, str]:
    """Four instances each running one `service:web` task on host port 80."""
    instances = [
        {
            "containerInstanceArn": f"{ARN}{i}",
            "ec2InstanceId": f"i-{i}",
            "status": "ACTIVE",
            "agentConnected": True,
            "attributes": [{"name": "ecs.availability-zone", "value": f"us-east-1{'ab'[i % 2]}"}],
            "remainingResources": [
                {"name": "CPU", "type": "INTEGER", "integerValue": 3072},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 6144},
                {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22", "80"]},
            ],
        }
        for i in range(4)
    ]
    tasks = [
        {
            "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/prod/web-v1-{i}",
            "containerInstanceArn": f"{ARN}{i}",
            "group": "service:web",
            "desiredStatus": "RUNNING",
            "cpu": "1024",
            "memory": "2048",
            "containers": [{"networkBindings": [{"hostPort": 80, "protocol": "tcp"}]}],
        }
        for i in range(4)
    ]
    definition = {
        "family": "web",
        "networkMode": "bridge",
        "containerDefinitions": [{"name": "web", "image": "nginx", "cpu": 1024, "memory": 2048,
                                  "portMappings": [{"containerPort": 80, "hostPort": 80}]}],
    }  # fmt: skip
    return {
        "inventory": write(tmp_path / "instances.json", instances),
        "tasks": write(tmp_path / "tasks.json", tasks),
        "definition": write(tmp_path / "web-v2.json", definition),
        "template": write(tmp_path / "template.json", instances[0]),
    }


def port80(f: dict[str, str], *extra: str) -> list[str]:
    return ["--inventory", f["inventory"], "--tasks", f["tasks"], *extra]


# -- headroom ------------------------------------------------------------------------------------


def test_headroom_table_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    expected = placement.headroom(inventory(), example_task())
    assert expected.copies
    code, out, _ = run(capsys, "headroom", *files("--task-definition", str(TASK_DEFINITION)))
    assert code == 0
    assert out.startswith(f"{expected.copies} more copies of family:web (CPU 640, memory 1280")
    assert "Instances excluded, each counted under its first reason (adds up to 12):" in out
    for reason, n in expected.reasons.items():
        assert re.search(rf"^  {re.escape(reason)} +{n}  ", out, re.MULTILINE), reason
    assert all(len(line) <= TABLE_WIDTH for line in out.splitlines())


def test_headroom_zones_are_what_place_puts_per_zone(capsys: pytest.CaptureFixture[str]) -> None:
    # Whatever the order, each instance fills up: placing more than the headroom puts exactly
    # the per-zone copies the command reports.
    inv, task = inventory(), example_task()
    document = run_json(capsys, "headroom", *files("--task-definition", str(TASK_DEFINITION),
                                                   "--strategy", "random"))  # fmt: skip
    result = placement.place(inv, task, document["copies"] + 5, strategy=["random"], seed=3)
    zone = {str(i.arn): i.attributes.get("ecs.availability-zone") for i in inv}
    placed = Counter(zone[arn] for arn in result.placements)
    assert {z["zone"]: z["copies"] for z in document["zones"] if z["copies"]} == dict(placed)
    assert sum(z["copies"] for z in document["zones"]) == document["copies"] == result.placed


def test_headroom_json_is_the_library_document(capsys: pytest.CaptureFixture[str]) -> None:
    document = run_json(capsys, "headroom", *files("--task-definition", str(TASK_DEFINITION),
                                                   "--constraint", "distinctInstance"))  # fmt: skip
    expected = placement.headroom(inventory(), example_task(), constraints=["distinctInstance"])
    assert {k: document[k] for k in ("copies", "unbounded", "reasons")} == expected.to_dict()
    assert document["group"] == "family:web"
    assert document["constraints"] == ["memberOf(attribute:ecs.os-type == linux)",
                                       "distinctInstance"]  # fmt: skip


def test_headroom_of_a_service_file(capsys: pytest.CaptureFixture[str]) -> None:
    document = run_json(capsys, "headroom", *files("--service-file", str(SERVICE),
                                                   "--task-definition", str(TASK_DEFINITION)))
    service = json.loads(SERVICE.read_text())["services"][0]
    expected = placement.headroom(
        inventory(), example_task("service:web"),
        constraints=service["placementConstraints"], strategy=service["placementStrategy"],
    )  # fmt: skip
    assert document["copies"] == expected.copies
    assert document["reasons"] == dict(expected.reasons)
    assert document["group"] == "service:web"
    assert "memberOf(attribute:stack == prod)" in document["constraints"]
    assert document["strategy"] == ["spread(attribute:ecs.availability-zone)", "binpack(memory)"]


def test_headroom_of_port_80_is_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = port80_files(tmp_path)
    code, out, _ = run(capsys, "headroom", *port80(f, "--task-definition", f["definition"]))
    assert code == 0  # zero is an answer, not a failure
    assert out.startswith("0 more copies of family:web")
    assert re.search(r"^  RESOURCE:PORTS +4  a host port the task needs is taken", out, re.M)


def test_unbounded_headroom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    free = write(tmp_path / "free.json",
                 {"family": "free",
                  "containerDefinitions": [{"name": "x", "image": "x", "memory": 0}]})
    code, out, _ = run(capsys, "headroom", *files("--task-definition", free))
    assert code == 0
    assert out.startswith("unbounded: copies of family:free (CPU 0, memory 0 MiB) fit")
    document = run_json(capsys, "headroom", *files("--task-definition", free))
    assert (document["copies"], document["unbounded"], document["zones"]) == (None, True, [])


def test_headroom_reads_the_task_definition_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(TASK_DEFINITION.read_bytes()))
    monkeypatch.setattr(sys, "stdin", stdin)
    document = run_json(capsys, "headroom", *files("--task-definition", "-"))
    assert document["copies"] == placement.headroom(inventory(), example_task()).copies


def test_headroom_of_an_empty_inventory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = write(tmp_path / "empty.json", {"containerInstances": []})
    code, out, _ = run(capsys, "headroom", "--inventory", empty, "--task-definition",
                       str(TASK_DEFINITION))  # fmt: skip
    assert code == 0
    assert out.startswith("0 more copies") and "The inventory has no instances." in out


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["headroom", "--inventory", str(INSTANCES)], 2, ["--task-definition is required"]),
        (["headroom", "--inventory", str(INSTANCES), "--service", "web",
          "--task-definition", str(TASK_DEFINITION)], 2, ["--service goes with --cluster"]),
        (["headroom", "--inventory", "-", "--task-definition", "-"], 1, ["stdin"]),
        (["headroom", "--inventory", str(INSTANCES), "--task-definition", str(EXAMPLES)], 1,
         ["cannot read task definition", "directory"]),
        (["headroom", "--inventory", str(INSTANCES), "--task-definition", str(TASK_DEFINITION),
          "--constraint", "{bad"], 1, ["--constraint is not JSON"]),
        (["headroom", "--inventory", str(INSTANCES), "--service-file", str(SERVICE)], 2,
         ["--service-file needs --task-definition"]),
    ],
)  # fmt: skip
def test_headroom_bad_input(
    argv: list[str], code: int, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    got, out, err = run(capsys, *argv)
    assert got == code, err
    assert out == ""
    for word in words:
        assert word in err
    if code == 1:
        assert err.splitlines()[-1].startswith("placement: ") and "Traceback" not in err


def test_daemon_and_fargate_services_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for field, value, word in (("schedulingStrategy", "DAEMON", "DAEMON service"),
                               ("launchType", "FARGATE", "FARGATE")):  # fmt: skip
        service = {"serviceName": "web", field: value}
        path = write(tmp_path / "s.json", {"services": [service]})
        for command, extra in (("headroom", []), ("needs", ["--template", str(INSTANCES)]),
                               ("deploy", [])):  # fmt: skip
            definition = "--new-task-definition" if command == "deploy" else "--task-definition"
            code, _, err = run(capsys, command, *files("--service-file", path, definition,
                                                       str(TASK_DEFINITION), *extra))  # fmt: skip
            assert code == 1 and word in err, (command, err)


# -- needs ---------------------------------------------------------------------------------------


def _needs(*extra: str) -> list[str]:
    return ["needs", *files("--task-definition", str(TASK_DEFINITION), *extra)]


def test_needs_matches_the_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    element = json.loads(INSTANCES.read_text())["containerInstances"][3]
    template = write(tmp_path / "t.json", element)
    document = run_json(capsys, *_needs("--template", template, "--count", "40"))
    expected = placement.instances_needed(inventory(), example_task(), 40, [element])
    assert expected.instances and expected.instances > 0
    library = expected.to_dict()
    assert {k: document[k] for k in library} == library
    assert document["templates"] == 1
    zones = document["zones"]
    assert sum(z["new_instances"] for z in zones) == expected.instances
    assert sum(z["copies"] + z["copies_on_new"] for z in zones) == 40
    code, out, _ = run(capsys, *_needs("--template", template, "--count", "40"))
    assert code == 0
    assert out.startswith(f"{expected.instances} new instances let 40 copies of family:web")
    assert out.count("i-new-") == expected.instances


def test_needs_template_forms_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elements = json.loads(INSTANCES.read_text())["containerInstances"][:3]
    response = write(tmp_path / "response.json", {"containerInstances": elements})
    listed = write(tmp_path / "list.json", elements)
    one_by_one = [write(tmp_path / f"e{i}.json", e) for i, e in enumerate(elements)]
    split = ["--template", one_by_one[0], "--template", listed.replace("list", "rest")]
    write(tmp_path / "rest.json", {"containerInstances": elements[1:]})
    answers = []
    for templates in (["--template", response], ["--template", listed],
                      [a for p in one_by_one for a in ("--template", p)], split):  # fmt: skip
        document = run_json(capsys, *_needs(*templates, "--count", "60"))
        answers.append((document["instances"], document["placements"]))
    expected = placement.instances_needed(inventory(), example_task(), 60, elements)
    assert answers[0] == (expected.instances, expected.to_dict()["placements"])
    assert all(answer == answers[0] for answer in answers)
    # The order of the templates matters: the first new instance copies the first template.
    reverse = [a for p in reversed(one_by_one) for a in ("--template", p)]
    assert run_json(capsys, *_needs(*reverse, "--count", "60"))["placements"] != answers[0][1]


def test_needs_zero_when_the_inventory_suffices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = port80_files(tmp_path)
    code, out, _ = run(capsys, *_needs("--template", f["template"], "--count", "3"))
    assert code == 0
    assert out.startswith("no new instance needed: 3 copies of family:web")
    assert "NEW INSTANCE" not in out


def test_needs_refuses_a_template_that_never_helps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = port80_files(tmp_path)  # a template that already has port 80 taken: it never helps
    argv = ["needs", *port80(f, "--task-definition", f["definition"], "--template",
                             f["template"], "--count", "1")]  # fmt: skip
    # Refused with its reason (issue 16), one line, exit 1: not "no number up to 10,000".
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    assert line.startswith("placement: a template that cannot take one copy of the task")
    assert "templates[0] (i-" in line and "RESOURCE:PORTS (taken: 80)" in line


def test_needs_limit_caps_the_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    element = json.loads(INSTANCES.read_text())["containerInstances"][3]
    template = write(tmp_path / "t.json", element)
    k = placement.instances_needed(inventory(), example_task(), 40, [element]).instances
    assert k is not None and k > 1
    assert run(capsys, *_needs("--template", template, "--count", "40",
                               "--limit", str(k)))[0] == 0  # fmt: skip
    assert run(capsys, *_needs("--template", template, "--count", "40",
                               "--limit", str(k - 1)))[0] == 3  # fmt: skip


def test_needs_with_a_service_counts_the_missing_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = write(tmp_path / "t.json", json.loads(INSTANCES.read_text())["containerInstances"])
    code, out, err = run(capsys, "needs", *files("--service-file", str(SERVICE),
                                                 "--task-definition", str(TASK_DEFINITION),
                                                 "--template", template))  # fmt: skip
    running = int(inventory().group_counts("service:web").sum())
    assert code == 0, err
    assert f"desired 12, running {running}: {12 - running} more copies must place" in err
    assert f" {12 - running} copies of service:web" in out


@pytest.mark.parametrize(
    ("template", "code", "words"),
    [
        ([], 1, ["holds no container instance"]),
        ([42], 1, ["element 0", "expected a container instance object"]),
        ({"containerInstances": "x"}, 1, ["containerInstances must be a list"]),
        ([{"containerInstanceArn": "a"}, {"ec2InstanceId": "i-1"}], 1,
         ["element 1", "containerInstanceArn"]),
        ("text", 1, ["expected an object or a list, got a string"]),
    ],
)  # fmt: skip
def test_needs_bad_templates(
    template: Any, code: int, words: list[str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = write(tmp_path / "bad.json", template)
    got, out, err = run(capsys, *_needs("--template", path, "--count", "40"))
    assert (got, out) == (code, "")
    assert err.startswith(f"placement: template {path!r}") or "template" in err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize(
    ("extra", "code", "word"),
    [
        (["--count", "5"], 2, "--template"),
        (["--template", str(INSTANCES)], 2, "--count is required"),
        (["--template", str(INSTANCES), "--count", "5", "--limit", "100001"], 1, "--limit"),
        (["--template", str(INSTANCES), "--count", "5", "--limit", "-1"], 1, "--limit"),
        (["--template", str(INSTANCES), "--count", "1e20"], 1, "--count"),
        (["--template", "-", "--count", "5", "--tasks", "-"], 1, "only one argument can read"),
    ],
)  # fmt: skip
def test_needs_bad_options(
    extra: list[str], code: int, word: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["needs", "--inventory", str(INSTANCES), "--task-definition", str(TASK_DEFINITION)]
    got, out, err = run(capsys, *argv, *extra)
    assert (got, out) == (code, "")
    assert word in err


# -- deploy --------------------------------------------------------------------------------------


def _deploy(f: dict[str, str], *extra: str) -> list[str]:
    return ["deploy", *port80(f, "--new-task-definition", f["definition"], "--group",
                              "service:web", "--desired-count", "4", *extra)]  # fmt: skip


def test_deploy_stuck_on_port_80_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *_deploy(port80_files(tmp_path)))
    assert code == 3
    assert out.startswith("deploying service:web to the new task (CPU 1024, memory 2048 MiB): "
                          "stuck after 1 round")  # fmt: skip
    assert "desired 4, minimum healthy 100% (4 tasks), maximum 200% (8 tasks)" in out
    assert re.search(r"^ +1 +0 +0 +4 +4 +0$", out, re.MULTILINE)
    assert "4 old and 0 new tasks run; 4 of the 4 new copies are missing." in out
    assert re.search(r"^  RESOURCE:PORTS +4  ", out, re.MULTILINE)


def test_deploy_completes_with_min_healthy_50(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = port80_files(tmp_path)
    extra = ("--min-healthy", "50", "--strategy", "spread(attribute:ecs.availability-zone)",
             "--strategy", "spread(instanceId)")  # fmt: skip
    code, out, _ = run(capsys, *_deploy(f, *extra))
    assert code == 0
    assert "completed in 3 rounds" in out
    rows = re.findall(r"^ +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", out, re.MULTILINE)
    assert rows == [("1", "0", "2", "4", "2", "0"), ("2", "2", "2", "2", "0", "2"),
                    ("3", "2", "0", "0", "0", "4")]  # fmt: skip
    document = run_json(capsys, *_deploy(f, *extra))
    inv = placement.Inventory.from_ecs(json.loads(Path(f["inventory"]).read_text()),
                                       json.loads(Path(f["tasks"]).read_text()))  # fmt: skip
    task = placement.TaskSpec.from_ecs(json.loads(Path(f["definition"]).read_text()))
    expected = placement.deploy(inv, "service:web", task, desired_count=4,
                                minimum_healthy_percent=50,
                                strategy=placement.SERVICE_DEFAULT).to_dict()  # fmt: skip
    assert {k: document[k] for k in expected} == expected
    assert document["strategy"] == ["spread(attribute:ecs.availability-zone)",
                                    "spread(instanceId)"]  # fmt: skip


def test_deploy_reads_the_service_and_options_win(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = port80_files(tmp_path)
    service = {"serviceName": "web", "desiredCount": 4,
               "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 150}}
    path = write(tmp_path / "service.json", {"services": [service]})
    argv = ["deploy", *port80(f, "--service-file", path, "--new-task-definition",
                              f["definition"])]  # fmt: skip
    document = run_json(capsys, *argv)
    assert (document["group"], document["desired_count"]) == ("service:web", 4)
    assert (document["minimum"], document["maximum"]) == (2, 6)
    assert document["strategy"] == [str(s) for s in placement.SERVICE_DEFAULT]
    assert document["completed"]
    stuck = run_json(capsys, *argv, "--min-healthy", "100", code=3)
    assert stuck["minimum"] == 4 and not stuck["completed"]
    more = run_json(capsys, *argv, "--desired-count", "2", "--max-percent", "100")
    assert (more["desired_count"], more["maximum"], more["new"]) == (2, 2, 2)


def test_a_long_deployment_shows_its_ends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 60 small tasks replaced one at a time (maximumPercent 102 on 60 tasks: one extra task).
    instances = [{"containerInstanceArn": f"{ARN}{i}", "status": "ACTIVE",
                  "agentConnected": True,
                  "remainingResources": [{"name": "CPU", "integerValue": 4096},
                                         {"name": "MEMORY", "integerValue": 8192}]}
                 for i in range(6)]  # fmt: skip
    tasks = [{"taskArn": f"arn:aws:ecs:us-east-1:1:task/prod/t{j}",
              "containerInstanceArn": f"{ARN}{j % 6}", "group": "service:api",
              "desiredStatus": "RUNNING", "cpu": "128", "memory": "128"} for j in range(60)]
    definition = {"family": "api", "containerDefinitions": [{"name": "a", "image": "a",
                                                              "cpu": 128, "memory": 128}]}
    argv = ["deploy", "--inventory", write(tmp_path / "i.json", instances),
            "--tasks", write(tmp_path / "t.json", tasks),
            "--new-task-definition", write(tmp_path / "d.json", definition),
            "--group", "service:api", "--desired-count", "60", "--max-percent", "102"]
    rounds = len(run_json(capsys, *argv)["rounds"])
    assert rounds > 20
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert f"  ... {rounds - 20} more rounds (-o wide lists every one)" in out
    assert re.search(rf"^ +{rounds} ", out, re.MULTILINE)  # the last round is shown
    wide = run(capsys, *argv, "-o", "wide")[1]
    assert len(re.findall(r"^ +\d+ +\d+ +\d+ +\d+ +\d+ +\d+$", wide, re.MULTILINE)) == rounds


@pytest.mark.parametrize(
    ("extra", "code", "word"),
    [
        (["--min-healthy", "101"], 1, "--min-healthy: expected 0 to 100, got 101"),
        (["--max-percent", "99"], 1, "--max-percent: expected 100 to 1,000,000, got 99"),
        (["--desired-count", "x"], 1, "--count"),
        (["--seed", "-1"], 1, "--seed"),
    ],
)  # fmt: skip
def test_deploy_bad_numbers(
    extra: list[str], code: int, word: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got, out, err = run(capsys, *_deploy(port80_files(tmp_path), *extra))
    assert (got, out) == (code, "")
    assert word in err, err


def test_deploy_needs_a_group_and_a_desired_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = port80_files(tmp_path)
    base = ["deploy", *port80(f, "--new-task-definition", f["definition"])]
    code, _, err = run(capsys, *base, "--desired-count", "4")
    assert code == 2 and "--group is required" in err
    code, _, err = run(capsys, *base, "--group", "service:web")
    assert code == 2 and "--desired-count is required" in err
    code, _, err = run(capsys, "deploy", *port80(f, "--group", "g", "--desired-count", "1"))
    assert code == 2 and "--new-task-definition is required" in err


@pytest.mark.parametrize(
    ("service", "word"),
    [
        ({"desiredCount": "4"}, "desiredCount must be a whole number"),
        ({"desiredCount": -1}, "desiredCount must be a whole number"),
        ({"desiredCount": 4, "deploymentConfiguration": []},
         "deploymentConfiguration must be an object"),
        ({"desiredCount": 4, "deploymentConfiguration": {"maximumPercent": 1.5}},
         "deploymentConfiguration.maximumPercent must be a whole number"),
        ({"desiredCount": 4, "deploymentConfiguration": {"minimumHealthyPercent": 500}},
         "minimum_healthy_percent"),
        ({"desiredCount": 10**12}, "desiredCount: at most 1,000,000,000"),
    ],
)  # fmt: skip
def test_deploy_bad_service_fields(
    service: dict[str, Any], word: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = port80_files(tmp_path)
    path = write(tmp_path / "service.json", {"serviceName": "web", **service})
    code, out, err = run(capsys, "deploy", *port80(f, "--service-file", path,
                                                   "--new-task-definition", f["definition"]))
    assert (code, out) == (1, "")
    assert word in err and err.startswith("placement: ")


# -- live: --cluster with --service (moto's ECS mock) ---------------------------------------------


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Any:
    from moto import mock_aws  # test_cli_aws.py needs it too: part of the test dependencies
    from test_cli_aws import FAKE_CREDENTIALS, build_cluster

    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield build_cluster()


LIVE = ("--cluster", "prod", "--service", "web")


def test_live_headroom_needs_and_deploy_match_the_library(
    cluster: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = placement.Inventory.from_boto3(cluster["ecs"], "prod")
    task = placement.TaskSpec.from_ecs(cluster["definition"], group="service:web")
    rules = {"strategy": placement.SERVICE_DEFAULT}

    document = run_json(capsys, "headroom", *LIVE)
    assert document["copies"] == placement.headroom(inv, task, **rules).copies == 1
    assert document["group"] == "service:web"

    # Two of the three instances have too little memory for a copy: as templates they are
    # refused (issue 16), so the templates are the one that can take copies.
    response = inv.to_ecs()[0]
    refused = run(capsys, "needs", *LIVE, "--template", write(tmp_path / "all.json", response))
    assert refused[0] == 1 and "RESOURCE:MEMORY (3386 MiB left" in refused[2]
    usable = [e for e, i in zip(response["containerInstances"], inv, strict=True)
              if i.memory >= task.memory]  # fmt: skip
    template = write(tmp_path / "t.json", usable)
    document = run_json(capsys, "needs", *LIVE, "--template", template)
    running = int(inv.group_counts("service:web").sum())
    desired = cluster["ecs"].describe_services(cluster="prod", services=["web"])[
        "services"][0]["desiredCount"]  # fmt: skip
    expected = placement.instances_needed(inv, task, desired - running, usable,
                                          **rules)  # fmt: skip
    assert document["instances"] == expected.instances and expected.instances

    document = run_json(capsys, "deploy", *LIVE, code=3)
    stuck = placement.deploy(inv, "service:web", task, desired_count=desired, **rules)
    assert {k: document[k] for k in stuck.to_dict()} == stuck.to_dict()
    assert not stuck.completed
