"""Nomad inputs on the command line: `--nomad-nodes FILE [--nomad-allocations FILE]` and
`--task-group FILE [--nomad-group NAME]` on place, headroom, filter and explain."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run, run_json


def nomad_node(name: str, rack: str, kernel: str = "linux", cpu: int = 4000) -> dict[str, Any]:
    return {
        "ID": f"{name}-id",
        "Name": name,
        "Datacenter": "dc1",
        "NodeClass": "",
        "Attributes": {"kernel.name": kernel, "driver.docker": "1"},
        "Meta": {"rack": rack},
        "NodeResources": {"Cpu": {"CpuShares": cpu}, "Memory": {"MemoryMB": 4096}},
        "Status": "ready",
        "SchedulingEligibility": "eligible",
    }


JOB = {
    "Job": {
        "ID": "web",
        "TaskGroups": [
            {
                "Name": "fe",
                "Constraints": [
                    {"LTarget": "${attr.kernel.name}", "RTarget": "linux"},
                    {"Operand": "distinct_property", "LTarget": "${meta.rack}"},
                ],
                "Tasks": [
                    {"Name": "t", "Driver": "docker", "Resources": {"CPU": 500, "MemoryMB": 256}}
                ],
            },
            {"Name": "db", "Tasks": [{"Name": "pg", "Resources": {"CPU": 100, "MemoryMB": 64}}]},
        ],
    }
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str, str]:
    nodes = [
        nomad_node("n1", "r1"),
        nomad_node("n2", "r1"),
        nomad_node("n3", "r2", "windows"),
        nomad_node("n4", "r3", cpu=100),
    ]
    allocs = [
        {
            "ID": "a",
            "NodeID": "n2-id",
            "JobID": "web",
            "TaskGroup": "fe",
            "ClientStatus": "running",
            "DesiredStatus": "run",
            "AllocatedResources": {"Tasks": {"t": {"Cpu": {"CpuShares": 500}}}},
        }
    ]
    paths = []
    for name, doc in (("nodes.json", nodes), ("allocs.json", allocs), ("job.json", JOB)):
        (tmp_path / name).write_text(json.dumps(doc))
        paths.append(str(tmp_path / name))
    return paths[0], paths[1], paths[2]


def test_place_reads_nomad_inputs(
    capsys: pytest.CaptureFixture[str], files: tuple[str, ...]
) -> None:
    nodes, allocs, job = files
    doc = run_json(
        capsys,
        "place",
        "--nomad-nodes",
        nodes,
        "--nomad-allocations",
        allocs,
        "--task-group",
        job,
        "--nomad-group",
        "fe",
        "--count",
        "3",
        code=3,
    )
    # Rack r1 already holds web/fe (on n2): distinct_property leaves no room there; n3 runs
    # Windows and n4 has 100 MHz.
    assert (doc["placed"], doc["placements"]) == (0, [])
    assert doc["failures"][0]["reasons"] == {  # Nomad's words: the task is Nomad's
        "cpu": 1,
        "${attr.kernel.name} = linux": 1,
        "${meta.rack} distinct_property": 2,
    }
    code, out, _ = run(
        capsys,
        "place",
        "--nomad-nodes",
        nodes,
        "--task-group",
        job,
        "--nomad-group",
        "fe",
        "--count",
        "3",
    )
    assert code == 3
    assert "placed 1 of 3 copies of web/fe" in out
    assert "${attr.kernel.name} = linux" in out and "RESOURCE:CPU" not in out
    assert re.search(r"\n  cpu +1  not enough CPU left\n", out)


def test_headroom_filter_and_explain(
    capsys: pytest.CaptureFixture[str], files: tuple[str, ...]
) -> None:
    nodes, _, job = files
    code, out, _ = run(
        capsys, "headroom", "--nomad-nodes", nodes, "--task-group", job, "--nomad-group", "db"
    )
    assert code == 0 and "more copies of web/db" in out
    doc = run_json(
        capsys, "filter", "attribute:meta.rack set_contains_any 'r1, r3'", "--nomad-nodes", nodes
    )
    assert doc["matched"] == 3
    code, out, _ = run(
        capsys, "explain", "attribute:attr.kernel.name regexp lin", "--nomad-nodes", nodes
    )
    assert code == 0 and "3 of 4 instances match" in out


def test_bad_nomad_inputs(
    capsys: pytest.CaptureFixture[str], files: tuple[str, ...], tmp_path: Path
) -> None:
    nodes, allocs, job = files
    code, _, err = run(capsys, "place", "--nomad-nodes", nodes, "--task-group", job)
    assert code == 1 and "2 task groups" in err
    (tmp_path / "stub.json").write_text(json.dumps([{"ID": "x", "Name": "x"}]))
    code, _, err = run(
        capsys, "filter", "attribute:x exists", "--nomad-nodes", str(tmp_path / "stub.json")
    )
    assert code == 1 and "resources=true" in err
    code, _, err = run(
        capsys, "place", "--nomad-nodes", nodes, "--tasks", allocs, "--task-group", job
    )
    assert code == 2 and "--nomad-allocations" in err
