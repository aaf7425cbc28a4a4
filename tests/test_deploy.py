"""Rolling deployments (SEMANTICS.md §7): rounds, the percents' bounds, completion, being stuck."""

from __future__ import annotations

import json
import pickle
from collections import Counter
from typing import Any

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import (
    SERVICE_DEFAULT,
    Instance,
    Inventory,
    PlacementInputError,
    TaskSpec,
    deploy,
    place,
)
from placement.instance import Task
from placement.place import reasons as R
from placement.testing import placement_problems, tasks

ARN = "arn:aws:ecs:us-east-1:1:container-instance/c/"
WEB = "service:web"


def _port_80_cluster(n: int = 4) -> Inventory:
    """Every instance runs one old task of the service on host port 80, with room for another."""
    instances = [
        Instance(
            arn=f"{ARN}{i}",
            ec2_instance_id=f"i-{i}",
            cpu=3072,
            memory=6144,
            ports=frozenset({80}),
            running_tasks_count=1,
            task_groups={WEB: 1},
            attributes={"ecs.availability-zone": f"us-east-1{'ab'[i % 2]}"},
        )
        for i in range(n)
    ]
    old = [
        Task(
            arn=f"arn:aws:ecs:us-east-1:1:task/c/old-{i}",
            instance=f"{ARN}{i}",
            group=WEB,
            cpu=1024,
            memory=2048,
            ports=frozenset({80}),
        )
        for i in range(n)
    ]
    return Inventory.from_instances(instances, old)


NEW = TaskSpec(cpu=1024, memory=2048, ports=frozenset({80}), group=WEB)


def test_port_80_trap_is_stuck_with_the_defaults() -> None:
    inv = _port_80_cluster()
    result = deploy(inv, WEB, NEW, desired_count=4)
    assert not result.completed
    assert len(result.rounds) == 1
    only = result.rounds[0]
    assert (only.started, only.stopped, only.pending) == ((), (), 4)
    assert dict(result.pending_reasons) == {R.PORTS: 4}
    assert (result.old, result.new) == (4, 0)
    assert result.inventory == inv


def test_port_80_trap_completes_at_50_percent() -> None:
    inv = _port_80_cluster()
    result = deploy(
        inv, WEB, NEW, desired_count=4, minimum_healthy_percent=50, strategy=SERVICE_DEFAULT
    )
    assert result.completed and not result.pending_reasons
    shape = [(len(r.started), len(r.stopped), r.pending, r.old, r.new) for r in result.rounds]
    assert shape == [(0, 2, 4, 2, 0), (2, 2, 2, 0, 2), (2, 0, 0, 0, 4)]
    # Stops keep the zones balanced: one from each zone first, last instance first on ties.
    assert [i for _, i in result.rounds[0].stopped] == [f"{ARN}3", f"{ARN}2"]
    groups = Counter(t.group for t in result.inventory.tasks)
    assert groups == {WEB: 4}
    assert not any(
        t.arn.startswith("arn:aws:ecs:us-east-1:1:task/c/old") for t in result.inventory.tasks
    )
    assert result.minimum == 2 and result.maximum == 8


def test_100_100_cannot_start_or_stop() -> None:
    result = deploy(_port_80_cluster(), WEB, NEW, desired_count=4, maximum_percent=100)
    assert not result.completed
    assert result.rounds[0].pending == 0 and not result.pending_reasons


def test_scaling_to_zero_stops_every_old_task() -> None:
    result = deploy(_port_80_cluster(), WEB, NEW, desired_count=0)
    assert result.completed
    assert len(result.inventory.tasks) == 0
    assert result.inventory.cpu.tolist() == [4096] * 4


def test_new_copies_join_the_service_group() -> None:
    other = TaskSpec(cpu=1024, memory=2048, group="family:web-v2")
    result = deploy(_port_80_cluster(), WEB, other, desired_count=4)
    assert result.completed
    assert {t.group for t in result.inventory.tasks} == {WEB}


def test_results_are_json_ready_and_pickle() -> None:
    result = deploy(_port_80_cluster(), WEB, NEW, desired_count=4, minimum_healthy_percent=50)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["completed"] is True and len(data["rounds"]) == 3
    assert data["rounds"][0]["stopped"][0] == {
        "task": "arn:aws:ecs:us-east-1:1:task/c/old-3",
        "instance": f"{ARN}3",
    }
    back = pickle.loads(pickle.dumps(result))
    assert back.rounds == result.rounds and back.inventory == result.inventory


@pytest.mark.parametrize(
    "bad",
    [
        {"desired_count": -1},
        {"desired_count": True},
        {"minimum_healthy_percent": 101},
        {"minimum_healthy_percent": -1},
        {"maximum_percent": 99},
        {"maximum_percent": "200"},
        {"group": ""},
        {"group": None},
        {"seed": -3},
        {"new_task": "web"},
        {"inventory": []},
        {"strategy": ["spread(disk)"]},
    ],
)
def test_deploy_refuses_bad_input_cleanly(bad: dict[str, Any]) -> None:
    args: dict[str, Any] = {
        "inventory": _port_80_cluster(),
        "group": WEB,
        "new_task": NEW,
        "desired_count": 2,
    }
    args.update(bad)
    with pytest.raises(PlacementInputError):
        deploy(args.pop("inventory"), args.pop("group"), args.pop("new_task"), **args)


@st.composite
def services(draw: st.DrawFn) -> dict[str, Any]:
    """A cluster running an old version of a service (placed as §3 places it) and a new one."""
    problem = draw(placement_problems(allow_random=True))
    old_task = draw(tasks())
    group = old_task.group
    inv = place(
        problem["inventory"], old_task, draw(st.integers(0, 8)), seed=problem["seed"]
    ).inventory
    return {
        "inventory": inv,
        "group": group,
        "new_task": draw(tasks()),
        "desired_count": draw(st.integers(0, 8)),
        "minimum_healthy_percent": draw(
            st.sampled_from([0, 25, 50, 75, 100]) | st.integers(0, 100)
        ),
        "maximum_percent": draw(st.sampled_from([100, 150, 200]) | st.integers(100, 300)),
        "constraints": problem["constraints"],
        "strategy": problem["strategy"],
        "seed": problem["seed"],
    }


@settings(max_examples=examples(1))
@given(services())
def test_rounds_keep_within_the_percents(service: dict[str, Any]) -> None:
    inv: Inventory = service["inventory"]
    group, d = service["group"], service["desired_count"]
    result = deploy(**service)
    lo = -(-d * service["minimum_healthy_percent"] // 100)
    hi = d * service["maximum_percent"] // 100
    assert (result.minimum, result.maximum) == (lo, hi)
    initial_old = {t.arn for t in inv.tasks if t.group == group}
    old, new = len(initial_old), 0
    started_arns: set[str] = set()
    stopped_arns: list[str] = []
    for position, r in enumerate(result.rounds):
        tried = max(0, min(d - new, hi - (old + new)))
        assert len(r.started) + r.pending == tried
        running = old + new + len(r.started)
        assert running <= max(hi, old + new)  # never above the maximum (unless it began above)
        stop = max(0, min(old, running - lo))
        assert len(r.stopped) == stop
        assert not r.stopped or running - stop >= lo  # never below the minimum by stopping
        assert {t for t, _ in r.stopped} <= initial_old - set(stopped_arns)
        old, new = old - stop, new + len(r.started)
        assert (r.old, r.new) == (old, new)
        started_arns |= {t for t, _ in r.started}
        stopped_arns += [t for t, _ in r.stopped]
        # A round that does nothing ends the deployment, stuck.
        assert bool(r.started or r.stopped) or position == len(result.rounds) - 1
    final = result.inventory
    in_group = {t.arn for t in final.tasks if t.group == group}
    assert in_group == (initial_old - set(stopped_arns)) | started_arns
    if result.completed:
        assert new == d and old == 0
        assert in_group == started_arns and len(in_group) == d
        assert not result.pending_reasons
    else:
        assert result.rounds and not result.rounds[-1].started and not result.rounds[-1].stopped
        assert dict(result.pending_reasons) == dict(result.rounds[-1].reasons)
    # The final state holds exactly what was started and lost what was stopped.
    task = service["new_task"]
    expected = inv.cpu.copy()
    for arn in stopped_arns:
        expected[inv.index_of(next(t.instance for t in inv.tasks if t.arn == arn))] += next(
            t.cpu for t in inv.tasks if t.arn == arn
        )
    for _, instance in (pair for r in result.rounds for pair in r.started):
        expected[inv.index_of(instance)] -= task.cpu
    assert np.array_equal(final.cpu, expected)
