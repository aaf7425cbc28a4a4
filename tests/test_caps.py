"""`maxPer` and `topologySpread` (SEMANTICS.md §8): every engine against the per-copy reference.

The reference placer asks each rule one instance at a time (`reference_excluded`, written from
§8); the per-copy loop asks the vectorized `excluded` after every commit; the batch placer runs
its order with zone caps (reruns) and zone gates (the event loop). All three must agree, with
and without other constraints, on every strategy chain.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_place_differential import _all_agree

import placement
from placement import (
    ClusterState,
    DistinctInstance,
    Instance,
    Inventory,
    MaxPer,
    PlacementInputError,
    TaskSpec,
    TopologySpread,
    explain_placement,
    headroom,
    place,
    place_daemon,
    rank,
)
from placement.rules import constraint_from_ecs
from placement.testing import max_pers, placement_problems, topology_spreads

order_module = importlib.import_module("placement.place.order")

AZ = "attribute:ecs.availability-zone"
MAX_PER = "MaxPer placement constraint unsatisfied."
SPREAD = "TopologySpread placement constraint unsatisfied."


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    """`placement_problems` with one or two caps or spreads in front of what it drew."""
    problem = draw(placement_problems(allow_random=True))
    rules = draw(st.lists(st.one_of(max_pers(), topology_spreads()), min_size=1, max_size=2))
    others = problem["constraints"] if draw(st.booleans()) else []
    problem["constraints"] = [*rules, *others]
    return problem


@settings(max_examples=examples(1.5))
@given(problems(), st.booleans())
def test_batch_loop_and_reference_agree(problem: dict[str, Any], heap: bool) -> None:
    # The event loop keeps a heap past a few cells; drawn problems are small, so force it.
    scan = order_module._SCAN_CELLS
    order_module._SCAN_CELLS = 0 if heap else scan
    try:
        _all_agree(problem)
    finally:
        order_module._SCAN_CELLS = scan


@settings(max_examples=examples(1))
@given(placement_problems(allow_random=True))
def test_distinct_instance_is_max_per_instance_id_1(problem: dict[str, Any]) -> None:
    """One rule, two spellings: the same placements; only the reason's name differs."""
    # Other caps would share MaxPer's reason: keep to the rest.
    problem["constraints"] = [r for r in problem["constraints"]
                              if not isinstance(r, (MaxPer, TopologySpread))
                              or isinstance(r, DistinctInstance)]  # fmt: skip
    spelled = [MaxPer("instanceId", 1) if isinstance(r, DistinctInstance) else r
               for r in problem["constraints"]]  # fmt: skip
    distinct = place(**problem)
    capped = place(**{**problem, "constraints": [*spelled, MaxPer("instanceId", 1)]})
    also = place(**{**problem, "constraints": [*problem["constraints"], DistinctInstance()]})
    assert capped.placements == also.placements
    assert capped.inventory == also.inventory
    rename = {"DistinctInstance placement constraint unsatisfied.": MAX_PER}
    for a, b in zip(also.failures, capped.failures, strict=True):
        assert {rename.get(r, r): n for r, n in a.reasons.items()} == dict(b.reasons)
    assert distinct.placed >= also.placed  # one more rule only refuses more


def _zoned(zones: str, cpu: int = 4096, **fields: Any) -> Inventory:
    """One instance per letter of `zones`, in zone us-east-1<letter>."""
    return Inventory.from_instances([
        Instance(
            arn=f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}", ec2_instance_id=f"i-{i}",
            attributes={"ecs.availability-zone": f"us-east-1{z}"}, cpu=cpu, memory=8192,
            **fields,
        )
        for i, z in enumerate(zones)
    ])  # fmt: skip


def _zones_of(inv: Inventory, arns: Any) -> list[str]:
    return sorted(inv[inv.index_of(a)].attributes["ecs.availability-zone"][-1] for a in arns)


def test_max_per_zone_stops_each_zone_at_its_cap() -> None:
    inv = _zoned("aabbc")
    task = TaskSpec(cpu=10, group="service:web")
    result = place(inv, task, 9, constraints=[f"maxPer({AZ}, 2)"], strategy=["binpack(cpu)"])
    assert _zones_of(inv, result.placements) == ["a", "a", "b", "b", "c", "c"]
    assert dict(result.failures[0].reasons) == {MAX_PER: 5}
    assert headroom(inv, task, constraints=[f"maxPer({AZ}, 2)"]).copies == 6


def test_topology_spread_keeps_zones_within_the_skew_as_they_fill() -> None:
    inv = _zoned("aab", cpu=30)  # three copies of 10 CPU per instance: a takes 6, b 3
    task = TaskSpec(cpu=10, group="service:web")
    rule = TopologySpread(AZ, 1)
    result = place(inv, task, 9, constraints=[rule], strategy=["binpack(cpu)"])
    # Zones alternate; once b is full its count stays 3, so a stops at 4 (skew 1): binpack
    # filled one of a's instances and b's (CPU), the other a instance is refused by the skew.
    assert _zones_of(inv, result.placements) == ["a"] * 4 + ["b"] * 3
    assert dict(result.failures[0].reasons) == {"RESOURCE:CPU": 2, SPREAD: 1}
    assert headroom(inv, task, constraints=[rule]).copies == 7


def test_min_domains_counts_the_least_as_zero_until_there_are_enough() -> None:
    inv = _zoned("abc")
    task = TaskSpec(cpu=10, group="service:web")
    # Three domains, four wanted: the least is 0, so each zone takes maxSkew copies at most.
    short = place(inv, task, 9, constraints=[f"topologySpread({AZ}, maxSkew=2, minDomains=4)"])
    assert _zones_of(inv, short.placements) == ["a", "a", "b", "b", "c", "c"]
    enough = place(inv, task, 9, constraints=[f"topologySpread({AZ}, maxSkew=2, minDomains=3)"])
    assert enough.placed == 9


def test_domains_come_from_memberof_and_ignore_instances_outside_it() -> None:
    inv = _zoned("abc")
    task = TaskSpec(cpu=10, group="service:web")
    # Zone c is outside memberOf: not a domain, so a and b spread between themselves only.
    rules = [f"topologySpread({AZ}, maxSkew=1)", f"memberOf({AZ} != us-east-1c)"]
    result = place(inv, task, 4, constraints=rules, strategy=["binpack(cpu)"])
    assert _zones_of(inv, result.placements) == ["a", "a", "b", "b"]
    # The group's tasks on an instance outside the domains do not count.
    busy = place(inv, task, 5, constraints=[f"memberOf({AZ} == us-east-1c)"])
    after = place(busy.inventory, task, 4, constraints=rules, strategy=["binpack(cpu)"])
    assert after.placed == 4


def test_instances_lacking_the_field_are_refused() -> None:
    lacking = Instance(arn="arn:x/none", cpu=4096, memory=8192)
    inv = Inventory.from_instances([*_zoned("a"), lacking])
    task = TaskSpec(cpu=10, group="g")
    for rule in (f"maxPer({AZ}, 5)", f"topologySpread({AZ}, maxSkew=5)"):
        assert explain_placement(inv, task, [rule]).reasons(1) == (
            MAX_PER if rule.startswith("max") else SPREAD,
        )


def test_reasons_stand_in_the_order_of_section_8() -> None:
    inv = _zoned("a", running_tasks_count=1, task_groups={"g": 1})
    rules = [f"topologySpread({AZ}, maxSkew=1, minDomains=2)", f"maxPer({AZ}, 1)",
             "distinctInstance"]  # fmt: skip
    explanation = explain_placement(inv, TaskSpec(cpu=1, group="g"), rules)
    assert explanation.reasons(0) == (
        "DistinctInstance placement constraint unsatisfied.", MAX_PER, SPREAD,
    )
    ranking = rank(inv, TaskSpec(cpu=1, group="g"), constraints=rules)
    assert ranking.excluded[inv.ids[0]] == "DistinctInstance placement constraint unsatisfied."
    state = ClusterState(inv)
    assert state.rank(TaskSpec(cpu=1, group="g"), constraints=rules[:2]).best is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (f"maxPer({AZ}, 2)", MaxPer(AZ, 2)),
        ("maxPer( host ,7 )", MaxPer("host", 7)),
        (f"topologySpread({AZ}, maxSkew=1)", TopologySpread(AZ, 1, 1)),
        (f"topologySpread({AZ}, minDomains=3, maxSkew=2)", TopologySpread(AZ, 2, 3)),
    ],
)
def test_text_and_json_forms_read_the_same_rule(text: str, rule: Any) -> None:
    assert constraint_from_ecs(text) == rule
    assert constraint_from_ecs(rule.to_ecs()) == rule
    assert constraint_from_ecs(str(rule)) == rule
    assert constraint_from_ecs(json.loads(json.dumps(rule.to_ecs()))) == rule


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("maxPer(zone, 2)", "field"),
        (f"maxPer({AZ}, 0)", "max"),
        (f"maxPer({AZ}, 100001)", "max"),
        (f"maxPer({AZ}, 2.5)", "max"),
        (f"maxPer({AZ}, {'9' * 1000})", "max"),
        (f"maxPer({AZ})", "two arguments"),
        (f"maxPer({AZ}, 2,)", "empty argument"),
        ("maxPer()", "needs arguments"),
        (f"topologySpread({AZ})", "maxSkew"),
        (f"topologySpread({AZ}, maxSkew=0)", "maxSkew"),
        (f"topologySpread({AZ}, maxSkew=1, minDomains=0)", "minDomains"),
        (f"topologySpread({AZ}, maxSkew=1, maxSkew=2)", "given twice"),
        (f"topologySpread({AZ}, skew=1)", "'skew=1'"),
        ({"type": "maxPer", "field": AZ, "max": True}, "max"),
        ({"type": "maxPer", "field": AZ}, "max"),
        ({"type": "topologySpread", "field": AZ, "maxSkew": "1"}, "maxSkew"),
        ({"type": "topologySpread", "field": 3, "maxSkew": 1}, "field"),
    ],
)
def test_bad_forms_are_input_errors_naming_the_bad_part(bad: Any, named: str) -> None:
    with pytest.raises(PlacementInputError, match=named):
        constraint_from_ecs(bad)


def test_text_is_read_in_linear_time_and_refused_when_long() -> None:
    with pytest.raises(PlacementInputError):
        constraint_from_ecs("maxPer(" + "," * 10**6 + ")")


def test_daemons_refuse_rules_that_couple_instances() -> None:
    inv = _zoned("ab")
    task = TaskSpec(cpu=1, group="daemon:agent")
    for rule in (f"maxPer({AZ}, 1)", f"topologySpread({AZ}, maxSkew=1)"):
        with pytest.raises(PlacementInputError, match="place_daemon"):
            place_daemon(inv, task, constraints=[rule])
    assert len(place_daemon(inv, task, constraints=["maxPer(instanceId, 1)"]).placements) == 2


def test_the_cli_takes_caps_as_constraints() -> None:
    from cli_helpers import INSTANCES, SRC, TASK_DEFINITION, TASKS

    args = ["place", "--inventory", str(INSTANCES), "--tasks", str(TASKS), "--task-definition",
            str(TASK_DEFINITION), "--count", "10", "-o", "json"]  # fmt: skip
    for rule in (f"maxPer({AZ}, 3)", f"topologySpread({AZ}, maxSkew=1)"):
        process = subprocess.run(
            [sys.executable, "-m", "placement", *args, "--constraint", rule],
            capture_output=True, text=True, timeout=300, check=False,
            env={"PYTHONPATH": str(SRC), "PATH": ""},
        )  # fmt: skip
        out = json.loads(process.stdout)
        inv = placement.Inventory.from_ecs(json.loads(INSTANCES.read_text()),
                                           json.loads(TASKS.read_text()))  # fmt: skip
        task = placement.TaskSpec.from_ecs(json.loads(TASK_DEFINITION.read_text()))
        expected = place(inv, task, 10, constraints=[rule])
        assert [p["instance"] for p in out["placements"]] == list(expected.placements)
        assert process.returncode == (3 if expected.failures else 0), process.stderr
        assert [dict(f["reasons"]) for f in out["failures"]] == [
            dict(f.reasons) for f in expected.failures
        ]
