"""`placement place|filter|explain --cluster [--service]` against moto's ECS mock.

In-process tests run `main()` inside `mock_aws()`; the subprocess tests run the command as a
process (moto's mock lives in that process: `_main_in_moto` builds the same cluster there) to
check exit codes and streams end to end. AWS failures are one `placement: ...` line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ec2 import utils as ec2_utils

import placement
from placement.cli import main

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
N_INSTANCES = 3
RUNNING = 2  # copies of service:web already running
DESIRED = 5


def build_cluster() -> dict[str, Any]:
    """Cluster `prod`: 3 t2.small instances (7482 MiB each), service `web` wanting 5 copies of a
    4096 MiB task, 2 of them running: one more fits, the others fail on memory."""
    ecs = boto3.client("ecs", region_name=REGION)
    ec2 = boto3.resource("ec2", region_name=REGION)
    ecs.create_cluster(clusterName="prod")
    instances = ec2.create_instances(
        ImageId="ami-12c6146b", MinCount=N_INSTANCES, MaxCount=N_INSTANCES, InstanceType="t2.small"
    )
    for instance in instances:
        document = ec2_utils.generate_instance_identity_document(instance)
        ecs.register_container_instance(
            cluster="prod", instanceIdentityDocument=json.dumps(document)
        )
    definition = ecs.register_task_definition(
        family="web",
        containerDefinitions=[{"name": "web", "image": "nginx", "cpu": 1024, "memory": 4096}],
        placementConstraints=[{"type": "memberOf",
                               "expression": "attribute:ecs.instance-type =~ t2.*"}],
    )["taskDefinition"]  # fmt: skip
    ecs.create_service(cluster="prod", serviceName="web", taskDefinition="web",
                       desiredCount=DESIRED)  # fmt: skip
    running = ecs.run_task(cluster="prod", taskDefinition="web", count=RUNNING,
                           group="service:web")["tasks"]  # fmt: skip
    return {"ecs": ecs, "definition": definition, "running": running}


def _main_in_moto(argv: list[str]) -> int:
    """The subprocess side: build the cluster inside moto, then run the command."""
    with mock_aws():
        build_cluster()
        return main(argv)


def aws_environment(**changes: str) -> dict[str, str]:
    """No real AWS configuration, credentials or metadata service can leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")]),
        AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )  # fmt: skip
    env.pop("NO_COLOR", None)
    env.update(changes)
    return env


FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_DEFAULT_REGION": REGION}  # fmt: skip


def run_in_moto(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys, test_cli_aws as t; sys.exit(t._main_in_moto(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=aws_environment(**FAKE_CREDENTIALS), timeout=300,
                          stdin=subprocess.DEVNULL, check=False)  # fmt: skip


def run_plain(*args: str, env: dict[str, str], code: str = "") -> subprocess.CompletedProcess[str]:
    program = code + "import sys; from placement.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", program, *args], capture_output=True, text=True,
                          env=env, timeout=300, stdin=subprocess.DEVNULL, check=False)  # fmt: skip


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("placement: ")
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield build_cluster()


# -- end to end, as a process ----------------------------------------------------------------------


def test_place_service_explain_as_a_process() -> None:
    """`placement place --cluster C --service S --count 5 --explain`: would 5 more fit? Why not?"""
    result = run_in_moto("place", "--cluster", "prod", "--service", "web", "--count", "5",
                         "--explain")  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "placed 1 of 5 copies of service:web (CPU 1024, memory 4096 MiB)" in out
    assert "strategy: spread(attribute:ecs.availability-zone), spread(instanceId)" in out
    assert "constraints: memberOf(attribute:ecs.instance-type =~ t2.*)" in out
    assert "copies 1-4 (4 copies) fit nowhere." in out
    assert "RESOURCE:MEMORY" in out
    assert "After placing, 0 of 3 instances can take one more copy." in out


# -- in-process: the answers match the library -----------------------------------------------------


def test_place_service_matches_the_library(
    cluster: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["place", "--cluster", "prod", "--service", "web", "--count", "5",
                 "-o", "json", "--region", REGION]) == 3  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    inventory = placement.Inventory.from_boto3(cluster["ecs"], "prod")
    task = placement.TaskSpec.from_ecs(cluster["definition"], group="service:web")
    expected = placement.place(inventory, task, 5, strategy=placement.SERVICE_DEFAULT)
    assert [p["instance"] for p in printed["placements"]] == list(expected.placements)
    assert printed["failures"] == [f.to_dict() for f in expected.failures]


def test_place_service_without_count_places_the_missing_copies(
    cluster: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["place", "--cluster", "prod", "--service", "web", "-o", "json"]) == 3
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["requested"] == DESIRED - RUNNING
    assert document["placed"] == 1
    assert f"desired {DESIRED}, running {RUNNING}" in captured.err
    assert document["group"] == "service:web"


def test_filter_cluster(cluster: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["filter", "task:group == service:web", "--cluster", "prod", "-o", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["instances"] == N_INSTANCES
    assert document["matched"] == RUNNING  # the memory limit puts each copy on its own instance
    assert {t["taskArn"] for t in document["tasks"]} == {t["taskArn"] for t in cluster["running"]}


def test_explain_cluster(cluster: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "not(task:group == service:web)", "--cluster", "prod",
                 "-o", "json"]) == 0  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    hosts = {t["containerInstanceArn"] for t in cluster["running"]}
    assert set(printed["clauses"][0]["rejected_instances"]) == hosts
    assert printed["matched"] == N_INSTANCES - len(hosts)


class _ServiceWithPlacement:
    """moto's client, but DescribeServices carries a strategy and a constraint (moto drops
    them): the CLI must use the service's own, not the default."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def describe_services(self, **kwargs: Any) -> Any:
        response = self._client.describe_services(**kwargs)
        for service in response["services"]:
            service["placementStrategy"] = [{"type": "binpack", "field": "memory"}]
            service["placementConstraints"] = [{"type": "distinctInstance"}]
        return response


def test_service_strategy_and_constraints_are_read(
    cluster: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from placement.cli import live

    monkeypatch.setattr(live, "ecs_client", lambda args: _ServiceWithPlacement(cluster["ecs"]))
    assert main(["place", "--cluster", "prod", "--service", "web", "-o", "json"]) == 3
    printed = json.loads(capsys.readouterr().out)
    assert printed["strategy"] == ["binpack(memory)"]
    assert printed["constraints"] == ["memberOf(attribute:ecs.instance-type =~ t2.*)",
                                      "distinctInstance"]  # fmt: skip
    # --strategy replaces the service's chain; --constraint adds to its constraints.
    argv = ["place", "--cluster", "prod", "--service", "web", "-o", "json",
            "--strategy", "random(3)", "--constraint", "memberOf(attribute:a !exists)"]  # fmt: skip
    assert main(argv) == 3
    printed = json.loads(capsys.readouterr().out)
    assert printed["strategy"] == ["random(3)"]
    assert printed["constraints"][-1] == "memberOf(attribute:a !exists)"


# -- AWS refusing, or not reachable ----------------------------------------------------------------


def test_unknown_cluster_and_service(
    cluster: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["filter", "attribute:a exists", "--cluster", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("placement: AWS refused ")
    assert "ClusterNotFoundException" in err
    assert main(["place", "--cluster", "prod", "--service", "nope"]) == 1
    assert capsys.readouterr().err.startswith("placement: cluster 'prod' has no active service "
                                              "'nope' (MISSING)")  # fmt: skip


def test_no_region() -> None:
    assert_clean_failure(
        run_plain("filter", "attribute:a exists", "--cluster", "prod",
                  env=aws_environment(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y")),
        "no AWS region", "--region",
    )  # fmt: skip


def test_no_credentials() -> None:
    assert_clean_failure(
        run_plain("filter", "attribute:a exists", "--cluster", "prod", "--region", REGION,
                  env=aws_environment()),
        "no AWS credentials",
    )  # fmt: skip


def test_unknown_profile() -> None:
    assert_clean_failure(
        run_plain("place", "--cluster", "prod", "--service", "web", "--profile", "nope",
                  env=aws_environment()),
        "AWS: ", "nope",
    )  # fmt: skip


def test_boto3_missing() -> None:
    assert_clean_failure(
        run_plain("explain", "attribute:a exists", "--cluster", "prod",
                  env=aws_environment(), code="import sys; sys.modules['boto3'] = None; "),
        "boto3", "pip install 'placement[aws]'",
    )  # fmt: skip


def test_live_option_combinations_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    instances = str(ROOT / "src" / "placement" / "examples" / "container-instances.json")
    for argv in (["filter", "x", "--cluster", "c", "--tasks", "t.json"],
                 ["filter", "x", "--inventory", instances, "--region", "r"],
                 ["place", "--inventory", instances, "--service", "s"]):  # fmt: skip
        assert main(argv) == 2, argv
        assert "usage:" in capsys.readouterr().err
