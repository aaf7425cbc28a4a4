"""Scale-in protection (SEMANTICS.md §9): reading GetTaskProtection, scale-in, deployments, state.

The references here are written from §9: a task is protected when `protectionEnabled` and its
expiry is absent or later than `now`; scale-in is §4 among the unprotected tasks only, with the
group counts of every task; a deployment's stops are §4 among the unprotected old tasks only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from cli_helpers import INSTANCES, TASKS, run, run_json
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_deploy import NEW, WEB, _port_80_cluster, services
from test_scale_in import RULES, clusters

from placement import ClusterState, Inventory, InventoryError, PlacementError, deploy, scale_in
from placement.ecs.protection import protected_arns, protection_to_ecs
from placement.instance import Task
from placement.ops.reference import scale_in_reference
from placement.ops.scale_in import PROTECTED
from placement.place.api import place
from placement.rules import strategy_from
from placement.testing import TASK_GROUPS

NOW = 1_700_000_000  # epoch seconds


def _response(arns: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "protectedTasks": [{"taskArn": a, "protectionEnabled": True, **extra} for a in arns],
        "failures": [],
    }


def _protecting(inv: Inventory, arns: set[str]) -> Inventory:
    return inv.with_protection(_response(sorted(arns)))


# -- reading GetTaskProtection ------------------------------------------------------------------


@st.composite
def protection_elements(draw: st.DrawFn) -> dict[str, Any]:
    """A protectedTasks element: enabled or not, its expiry absent, in epoch seconds or ISO."""
    element: dict[str, Any] = {
        "taskArn": f"arn:aws:ecs:us-east-1:1:task/c/{draw(st.integers(0, 5))}",
        "protectionEnabled": draw(st.booleans()),
    }
    offset = draw(st.none() | st.integers(-3, 3))
    if offset is not None:
        when = NOW + offset
        element["expirationDate"] = draw(st.sampled_from([
            when, float(when),
            dt.datetime.fromtimestamp(when, dt.timezone.utc).isoformat(),
            dt.datetime.fromtimestamp(when, dt.timezone.utc),
        ]))  # fmt: skip
    return element


@settings(max_examples=examples(1))
@given(st.lists(protection_elements(), max_size=8), st.integers(0, 2))
def test_a_task_is_protected_when_enabled_and_not_expired(
    elements: list[dict[str, Any]], pages: int
) -> None:
    # The last answer for an ARN wins (a later page is a later answer).
    expected: dict[str, bool] = {}
    for element in elements:
        expiry = element.get("expirationDate")
        if isinstance(expiry, dt.datetime):
            expiry = expiry.timestamp()
        elif isinstance(expiry, str):
            expiry = dt.datetime.fromisoformat(expiry).timestamp()
        expected[element["taskArn"]] = element["protectionEnabled"] and (
            expiry is None or expiry > NOW
        )
    wanted = {arn for arn, on in expected.items() if on}
    # Contiguous pages, in order (0 pages: the plain list of elements).
    cut = -(-len(elements) // pages) if pages else 0
    split = [elements[k * cut:(k + 1) * cut] for k in range(pages)] if pages else []
    documents: Any = [{"protectedTasks": part, "failures": []} for part in split] or elements
    assert protected_arns(documents, now=NOW) == wanted
    assert protected_arns(documents, now=dt.datetime.fromtimestamp(NOW, dt.timezone.utc)) == wanted


def test_loaders_read_protection_and_ignore_unknown_tasks() -> None:
    instances, tasks = json.loads(INSTANCES.read_text()), json.loads(TASKS.read_text())
    arns = [t["taskArn"] for t in tasks["tasks"] if t.get("desiredStatus") == "RUNNING"][:3]
    response = {
        "protectedTasks": [
            {"taskArn": arns[0], "protectionEnabled": True},
            {"taskArn": arns[1], "protectionEnabled": True, "expirationDate": NOW + 60},
            {"taskArn": arns[2], "protectionEnabled": True, "expirationDate": NOW - 60},
            {"taskArn": "arn:aws:ecs:us-east-1:1:task/c/gone", "protectionEnabled": True},
        ],
        "failures": [{"arn": "arn:aws:ecs:us-east-1:1:task/c/x", "reason": "MISSING"}],
    }
    inv = Inventory.from_ecs(instances, tasks, protection=response, now=NOW)
    assert {t.arn for t in inv.tasks if t.protected} == {arns[0], arns[1]}
    # Later, the second one's protection has expired.
    later = Inventory.from_ecs(instances, tasks, protection=[response], now=NOW + 61)
    assert {t.arn for t in later.tasks if t.protected} == {arns[0]}
    raw = Inventory.from_ecs_json(INSTANCES.read_bytes(), TASKS.read_bytes(), protection=response,
                                  now=NOW)  # fmt: skip
    assert raw == inv
    state = ClusterState.from_ecs(instances, tasks, protection=response, now=NOW)
    assert state.inventory == inv
    # Written back, the response protects the same tasks.
    again = Inventory.from_ecs(*inv.to_ecs(), protection=protection_to_ecs(inv.tasks))
    assert again == inv
    plain = Inventory.from_ecs(instances, tasks)
    assert not any(t.protected for t in plain.tasks)
    assert plain.with_protection(response, now=NOW) == inv


@pytest.mark.parametrize("bad", [
    {"protectedTasks": [{"protectionEnabled": True}]},
    {"protectedTasks": [{"taskArn": "t", "protectionEnabled": "yes"}]},
    {"protectedTasks": [{"taskArn": "t", "protectionEnabled": True, "expirationDate": "soon"}]},
    {"protectedTasks": "t"},
    {"protectedTasks": [7]},
    "not a response",
])  # fmt: skip
def test_malformed_protection_is_an_inventory_error(bad: Any) -> None:
    with pytest.raises(InventoryError):
        Inventory.from_ecs([], [], protection=bad)
    with pytest.raises(InventoryError):
        ClusterState(Inventory.from_ecs([], [])).apply_protection(bad)


# -- scale-in -----------------------------------------------------------------------------------


@settings(max_examples=examples(0.5))
@given(clusters(), st.sampled_from(TASK_GROUPS), st.lists(st.sampled_from(RULES), max_size=3),
       st.integers(0, 2**32 - 1), st.data())  # fmt: skip
def test_scale_in_stops_only_unprotected_tasks_as_the_reference_does(
    inv: Inventory, group: str, chain: list[str], seed: int, data: st.DataObject
) -> None:
    mine = [t.arn for t in inv.tasks if t.group == group]
    others = [t.arn for t in inv.tasks if t.group != group]
    chosen = data.draw(st.lists(st.sampled_from(mine), unique=True) if mine else st.just([]))
    protected = set(chosen) | set(data.draw(st.lists(st.sampled_from(others)) if others
                                            else st.just([])))  # fmt: skip
    inv = _protecting(inv, protected)
    count = data.draw(st.integers(0, len(mine)))
    result = scale_in(inv, group, count, strategy=chain, seed=seed)
    assert result.stops == scale_in_reference(inv, group, count, strategy_from(chain), seed)
    assert not set(result.stops) & protected
    unprotected = len(mine) - len(set(chosen))
    assert len(result.stops) == min(count, unprotected)
    assert result.unstopped == count - len(result.stops)
    assert dict(result.reasons) == ({PROTECTED: result.unstopped} if result.unstopped else {})
    assert result.inventory == inv.without_tasks(result.stops)
    # The protected tasks are still there, still protected.
    assert {t.arn for t in result.inventory.tasks if t.protected} == protected
    # The state applies the same stops.
    state = ClusterState(inv, seed=seed)
    assert state.scale_in(group, count, strategy=chain) == result
    assert state.inventory == result.inventory


def test_asking_for_more_than_the_group_runs_is_still_an_input_error() -> None:
    inv = _port_80_cluster(3)
    inv = _protecting(inv, {t.arn for t in inv.tasks})
    with pytest.raises(PlacementError):
        scale_in(inv, WEB, 4)
    result = scale_in(inv, WEB, 3)
    assert result.stops == () and result.unstopped == 3
    assert result.to_dict()["reasons"] == {PROTECTED: 3}
    assert "unstopped" not in scale_in(inv, WEB, 0).to_dict()


# -- deployments --------------------------------------------------------------------------------


def _deploy_reference(inv: Inventory, service: dict[str, Any], protected: set[str]) -> list[Any]:
    """Each round's (started instances, stopped ARNs, PROTECTED count), from §7 and §9."""
    group, task, d = service["group"], service["new_task"], service["desired_count"]
    task = attrs.evolve(task, group=group)  # ECS puts every task of a service in its group
    lo = -(-d * service["minimum_healthy_percent"] // 100)
    hi = d * service["maximum_percent"] // 100
    seed = service["seed"]
    seeds = None if seed is None else np.random.default_rng(seed)

    def next_seed() -> int | None:
        return None if seeds is None else int(seeds.integers(1 << 62))

    old = {t.arn for t in inv.tasks if t.group == group}
    new: set[str] = set()
    chain = strategy_from(service["strategy"])
    rounds = []
    while not (len(new) == d and not old):
        start = min(d - len(new), hi - (len(old) + len(new)))
        started: tuple[str, ...] = ()
        if start > 0:
            result = place(inv, task, start, constraints=service["constraints"], strategy=chain,
                           seed=next_seed())  # fmt: skip
            inv, started = result.inventory, result.placements
            new |= set(result.task_arns)
        stop = min(len(old), len(old) + len(new) - lo)
        stops: tuple[str, ...] = ()
        blocked = 0
        if stop > 0:
            # §4 among the unprotected old tasks: new copies and protected ones count in the
            # group but are never chosen, exactly as protected tasks in a scale-in.
            keep = _protecting(inv, new | (protected & old))
            stops = scale_in_reference(keep, group, stop, chain, next_seed())
            blocked = stop - len(stops)
            inv = inv.without_tasks(stops)
            old -= set(stops)
        rounds.append((started, stops, blocked))
        if not started and not stops:
            break
    return rounds


@settings(max_examples=examples(0.5))
@given(services(), st.data())
def test_deployments_never_stop_protected_tasks(service: dict[str, Any], data: Any) -> None:
    inv: Inventory = service["inventory"]
    old = sorted(t.arn for t in inv.tasks if t.group == service["group"])
    protected = set(data.draw(st.lists(st.sampled_from(old), unique=True) if old
                              else st.just([])))  # fmt: skip
    service["inventory"] = inv = _protecting(inv, protected)
    result = deploy(**service)
    expected = _deploy_reference(inv, service, protected)
    got = [(tuple(i for _, i in r.started), tuple(t for t, _ in r.stopped),
            r.reasons.get(PROTECTED, 0)) for r in result.rounds]  # fmt: skip
    assert got == expected
    stopped = {t for r in result.rounds for t, _ in r.stopped}
    assert not stopped & protected
    assert {t.arn for t in result.inventory.tasks if t.protected} == protected
    if result.completed:
        assert PROTECTED not in result.pending_reasons
    else:  # stuck: the last round's reasons, PROTECTED among them when protection blocked it
        assert dict(result.pending_reasons) == dict(result.rounds[-1].reasons)


def test_a_protected_old_task_leaves_the_deployment_stuck_and_says_so() -> None:
    inv = _port_80_cluster(4)
    kept = inv.tasks[0].arn
    inv = _protecting(inv, {kept})
    result = deploy(inv, WEB, NEW, desired_count=4, minimum_healthy_percent=50)
    assert not result.completed
    assert result.old == 1 and kept in {t.arn for t in result.inventory.tasks}
    assert result.pending_reasons[PROTECTED] == 1
    assert result.to_dict()["pending_reasons"][PROTECTED] == 1
    # Without the protection, the same deployment completes.
    assert deploy(_port_80_cluster(4), WEB, NEW, desired_count=4,
                  minimum_healthy_percent=50).completed  # fmt: skip


# -- the live state -----------------------------------------------------------------------------


def _task_event(task: Task, version: int, instance: str | None = None) -> dict[str, Any]:
    detail = {**task.to_ecs(), "version": version}
    if instance is not None:
        detail["containerInstanceArn"] = instance
    return {"detail-type": "ECS Task State Change", "id": f"e{version}", "detail": detail}


def test_the_state_takes_protection_changes() -> None:
    inv = _port_80_cluster(3)
    state = ClusterState(inv)
    a, b, c = (t.arn for t in inv.tasks)
    assert state.set_protection([a, b, "arn:aws:ecs:us-east-1:1:task/c/none"]) == 1
    assert {t.arn for t in state.inventory.tasks if t.protected} == {a, b}
    result = state.scale_in(WEB, 2)
    assert result.stops == (c,) and result.unstopped == 1
    assert dict(result.reasons) == {PROTECTED: 1}
    # A task event (it moved, say) keeps the task's protection: events do not carry it.
    moved = next(t for t in state.inventory.tasks if t.arn == a)
    assert state.apply(_task_event(moved, 5, instance=inv.ids[2]))
    assert next(t for t in state.inventory.tasks if t.arn == a).protected
    # GetTaskProtection's answer applies, expiry included.
    answer = {"protectedTasks": [
        {"taskArn": a, "protectionEnabled": True, "expirationDate": NOW - 1},
        {"taskArn": b, "protectionEnabled": False},
    ]}  # fmt: skip
    assert state.apply_protection(answer, now=NOW) == 0
    assert not any(t.protected for t in state.inventory.tasks)
    assert state.set_protection([a], protected=True) == 0
    assert state.scale_in(WEB, 2).stops == (b,)
    with pytest.raises(PlacementError):
        state.set_protection(a)  # type: ignore[arg-type]
    with pytest.raises(PlacementError):
        state.set_protection([a], protected="yes")  # type: ignore[arg-type]


# -- the command line ---------------------------------------------------------------------------


def test_cli_scale_in_reads_protection(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    inv = Inventory.from_ecs(json.loads(INSTANCES.read_text()), json.loads(TASKS.read_text()))
    web = [t.arn for t in inv.tasks if t.group == "service:web"]
    guard = tmp_path / "protection.json"
    guard.write_text(json.dumps(_response(web[1:], expirationDate=NOW + 60)))
    files = ["--inventory", str(INSTANCES), "--tasks", str(TASKS), "--group", "service:web"]
    document = run_json(capsys, "scale-in", *files, "--count", str(len(web)),
                        "--protection", str(guard), "--now", str(NOW))  # fmt: skip
    assert document["stops"] == [web[0]]
    assert document["unstopped"] == len(web) - 1
    assert document["reasons"] == {PROTECTED: len(web) - 1}
    # Once the protection has expired, every task can be stopped.
    expired = run_json(capsys, "scale-in", *files, "--count", str(len(web)),
                       "--protection", str(guard), "--now", str(NOW + 61))  # fmt: skip
    assert sorted(expired["stops"]) == sorted(web) and "unstopped" not in expired
    code, out, _ = run(capsys, "scale-in", *files, "--count", "2", "--protection", str(guard),
                       "--now", str(NOW))  # fmt: skip
    assert code == 0 and "could not be stopped: protected" in out
    code, _, err = run(capsys, "scale-in", *files, "--count", "1", "--now", "5")
    assert code != 0 and "--protection" in err
