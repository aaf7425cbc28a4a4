"""Repair of `maxPer` and `topologySpread` (SEMANTICS.md §10): N or maxSkew raised to the least
that suffices, minDomains lowered to the largest that suffices; verified and minimal."""

from __future__ import annotations

from typing import Any

import attrs
from conftest import examples
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from placement import Instance, Inventory, MaxPer, TaskSpec, TopologySpread, place, repair
from placement.rules import constraints_from
from placement.testing import inventories, max_pers, member_ofs, tasks, topology_spreads

ARN = "arn:aws:ecs:us-east-1:1:container-instance/c/"
ZONE = "attribute:ecs.availability-zone"
STRATEGIES = [(), ("binpack(cpu)",), ("spread(instanceId)",), (f"spread({ZONE})",)]
FIELDS = {"raise-max-per": "max", "raise-max-skew": "max_skew", "lower-min-domains": "min_domains"}


def _zones(n: int, zones: str = "abc") -> Inventory:
    return Inventory.from_instances(
        Instance(arn=f"{ARN}{i}", cpu=4096, memory=8192,
                 attributes={"ecs.availability-zone": f"us-east-1{zones[i % len(zones)]}"})
        for i in range(n)
    )  # fmt: skip


TASK = TaskSpec(cpu=100, memory=100, group="service:web")


def _fix(answer: Any, kind: str) -> Any:
    return next(f for f in answer.fixes if f.kind == kind)


def test_max_per_instance_is_raised_to_the_least_that_fits() -> None:
    inv = _zones(6)
    answer = repair(inv, TASK, 13, constraints=["maxPer(instanceId, 1)"])
    fix = _fix(answer, "raise-max-per")
    assert fix.constraints[0] == MaxPer("instanceId", 3) and fix.complete  # 6 x 2 = 12 < 13
    assert fix.change["max"] == {"from": 1, "to": 3}
    assert place(inv, TASK, 13, constraints=[MaxPer("instanceId", 2)]).placed == 12


def test_max_per_zone_is_raised_to_the_least_that_fits() -> None:
    inv = _zones(6)
    answer = repair(inv, TASK, 10, constraints=[f"maxPer({ZONE}, 2)"])
    fix = _fix(answer, "raise-max-per")
    assert fix.constraints[0].max == 4 and fix.complete  # three zones: 3 x 3 = 9 < 10
    assert answer.fixes[0] is fix  # a parameter before dropping the rule


def test_topology_spread_skew_and_min_domains() -> None:
    inv = _zones(6)
    rule = f"topologySpread({ZONE}, maxSkew=1, minDomains=4)"
    answer = repair(inv, TASK, 10, constraints=[rule])
    assert answer.placed == 3  # three domains, fewer than 4: at most maxSkew per domain
    domains = _fix(answer, "lower-min-domains")
    assert domains.constraints[0].min_domains == 3 and domains.complete
    skew = _fix(answer, "raise-max-skew")
    assert skew.constraints[0].max_skew == 4 and skew.complete  # 3 x 4 >= 10 > 3 x 3
    assert skew.change["maxSkew"] == {"from": 1, "to": 4}
    three = TopologySpread(ZONE, 3, 4)
    assert place(inv, TASK, 10, constraints=[three]).placed < 10


def test_no_relaxation_helps_when_the_rule_is_not_what_refuses() -> None:
    inv = _zones(2)
    big = attrs.evolve(TASK, cpu=4000)
    answer = repair(inv, big, 5, constraints=["maxPer(instanceId, 1)"])
    assert not any(f.kind in FIELDS for f in answer.fixes)


@st.composite
def _clusters(draw: st.DrawFn) -> Inventory:
    """A few instances with room for several copies, in zones and racks (some lacking them),
    some already running tasks of the group, some DRAINING."""
    n = draw(st.integers(1, 7))
    instances = []
    for i in range(n):
        attributes = {}
        zone = draw(st.sampled_from(["us-east-1a", "us-east-1b", "us-east-1c", None]))
        if zone is not None:
            attributes["ecs.availability-zone"] = zone
        if draw(st.booleans()):
            attributes["rack"] = str(draw(st.integers(1, 3)))
        running = draw(st.integers(0, 3))
        instances.append(Instance(
            arn=f"{ARN}{i}", ec2_instance_id=f"i-{i}", cpu=draw(st.sampled_from([512, 1024, 4096])),
            memory=8192, attributes=attributes, running_tasks_count=running,
            task_groups={"service:web": running} if running else {},
            status=draw(st.sampled_from(["ACTIVE"] * 5 + ["DRAINING"])),
        ))  # fmt: skip
    return Inventory.from_instances(instances)


@st.composite
def _problems(draw: st.DrawFn) -> dict[str, Any]:
    rules: list[Any] = draw(st.lists(st.one_of(max_pers(), topology_spreads()), min_size=1,
                                     max_size=2))  # fmt: skip
    if draw(st.booleans()):
        rules.append(draw(member_ofs(max_leaves=2)))
    mixed = draw(st.booleans())  # the library's own generators too: any inventory and task
    return {
        "inventory": draw(inventories(1, 6) if mixed else _clusters()),
        "task": draw(tasks()) if mixed else attrs.evolve(TASK, cpu=draw(st.integers(0, 600))),
        "count": draw(st.integers(1, 12)),
        "constraints": draw(st.permutations(rules)),
        "strategy": draw(st.sampled_from(STRATEGIES)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def _with_value(rule: Any, kind: str, value: int) -> Any:
    if kind == "raise-max-per":
        return MaxPer(rule.field, value)  # distinctInstance too
    return attrs.evolve(rule, **{FIELDS[kind]: value})


@settings(max_examples=examples(0.5))
@given(_problems())
def test_cap_and_skew_fixes_are_verified_and_minimal(problem: dict[str, Any]) -> None:
    inv, task, count = problem["inventory"], problem["task"], problem["count"]
    rules = constraints_from(problem["constraints"])
    before = place(**problem)
    assume(before.failed)
    answer = repair(**problem)

    def placed(changed: list[Any], inside: TaskSpec = task) -> int:
        return place(inv, inside, count, constraints=changed, strategy=problem["strategy"],
                     seed=problem["seed"]).placed  # fmt: skip

    for fix in answer.fixes:
        if fix.kind not in FIELDS:
            continue
        where, index = fix.change["where"], fix.change["index"]
        assert placed(list(fix.constraints), fix.task) == fix.placed_after > fix.placed_before
        # One step less (one closer to the rule as given) places fewer copies.
        owner = list(task.constraints if where == "task" else rules)
        changed = list(fix.task.constraints if where == "task" else fix.constraints)
        old, new = owner[index], changed[index]
        value = getattr(new, FIELDS[fix.kind])
        changed[index] = _with_value(old, fix.kind, value + (1 if "lower" in fix.kind else -1))
        if where == "task":
            less = placed(rules, attrs.evolve(task, constraints=tuple(changed)))
        else:
            less = placed(changed)
        assert less < fix.placed_after, fix
    # Where a cap or skew high enough (past every count) places every copy, or minDomains 1
    # does, the repair lists a complete fix of that kind for that rule.
    ceiling = sum(inv.group_counts(task.group).tolist()) + count
    for index, rule in enumerate(rules):
        if not isinstance(rule, (MaxPer, TopologySpread)):
            continue
        tries = ({"raise-max-per": ceiling} if isinstance(rule, MaxPer)
                 else {"raise-max-skew": ceiling, "lower-min-domains": 1})  # fmt: skip
        for kind, value in tries.items():
            if value == getattr(rule, FIELDS[kind]):
                continue
            changed = list(rules)
            changed[index] = _with_value(rule, kind, value)
            if placed(changed) == count:
                assert any(f.kind == kind and f.complete and f.change["index"] == index
                           for f in answer.fixes), (kind, index)  # fmt: skip
