"""Daemons (SEMANTICS.md §5): the vectorized decision against the per-instance reference."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings

from placement import (
    ClusterState,
    Instance,
    Inventory,
    MemberOf,
    PlacementInputError,
    TaskSpec,
    place_daemon,
)
from placement.instance import Task
from placement.ops.reference import daemon_reference
from placement.rules import constraints_from
from placement.testing import placement_problems


@settings(max_examples=examples(2))
@given(placement_problems())
def test_daemon_matches_the_reference(problem: dict[str, Any]) -> None:
    inv, task, constraints = problem["inventory"], problem["task"], problem["constraints"]
    # Rules that couple instances are refused for daemons (test_caps.py checks that).
    constraints = [rule for rule in constraints if rule.for_daemons]
    result = place_daemon(inv, task, constraints=constraints)
    placements, failures, stops = daemon_reference(inv, task, constraints_from(constraints))
    assert result.placements == placements
    assert dict(result.failures) == failures
    assert result.stops == stops
    assert result.inventory == inv.without_tasks(stops).with_placements(
        [inv.index_of(a) for a in placements], task
    )
    state = ClusterState(inv)
    assert state.place_daemon(task, constraints=constraints) == result
    assert state.inventory == result.inventory


def test_two_instances_lack_memory_and_one_no_longer_matches() -> None:
    def worker(name: str, memory: int, role: str = "worker", **kw: Any) -> Instance:
        return Instance(arn=name, memory=memory, cpu=1024, attributes={"role": role}, **kw)

    instances = [
        worker("ok", 2048),
        worker("small-1", 100),
        worker("small-2", 300),
        worker("moved", 2048, role="web", task_groups={"daemon:log": 1},
               running_tasks_count=1),  # no longer matches the constraint  # no longer matches
        worker("has-it", 2048, task_groups={"daemon:log": 1}, running_tasks_count=1),
        worker("draining", 2048, status="DRAINING"),
        worker("lost", 2048, agent_connected=False),
        worker("web", 2048, role="web"),
    ]
    tasks = [Task(arn="log-moved", instance="moved", group="daemon:log", memory=256),
             Task(arn="log-has-it", instance="has-it", group="daemon:log", memory=256)]  # fmt: skip
    inv = Inventory.from_instances(instances, tasks)
    log = TaskSpec(cpu=128, memory=512, group="daemon:log")
    result = place_daemon(inv, log, constraints=[MemberOf("attribute:role == worker")])
    assert result.placements == ("ok",)
    # Failures are the instances that should run the daemon and cannot: a DRAINING instance
    # and one outside the memberOf constraint need no daemon (SEMANTICS.md §5), an ACTIVE one
    # whose agent is disconnected does.
    assert dict(result.failures) == {
        "small-1": ("RESOURCE:MEMORY",),
        "small-2": ("RESOURCE:MEMORY",),
        "lost": ("AGENT",),
    }
    assert result.stops == ("log-moved",)
    assert result.task_arns == ("placement:task/1",)
    after = {t.arn: t.instance for t in result.inventory.tasks}
    assert after == {"log-has-it": "has-it", "placement:task/1": "ok"}
    assert json.loads(json.dumps(result.to_dict()))["failures"]["small-1"] == ["RESOURCE:MEMORY"]
    assert pickle.loads(pickle.dumps(result)) == result == copy.deepcopy(result)


def test_strategies_are_refused_as_ecs_refuses_them() -> None:
    inv = Inventory.from_instances([Instance(arn="a")])
    message = "The daemon scheduling strategy does not support placement strategies"
    for strategy in (["binpack(cpu)"], "random", {"type": "spread", "field": "instanceId"}, 5):
        with pytest.raises(PlacementInputError, match=message):
            place_daemon(inv, TaskSpec(), strategy=strategy)
    assert place_daemon(inv, TaskSpec(), strategy=[]).placements == ("a",)
    with pytest.raises(PlacementInputError):
        place_daemon(inv, TaskSpec(), constraints=5)
    with pytest.raises(PlacementInputError):
        place_daemon(None, TaskSpec())  # type: ignore[arg-type]
