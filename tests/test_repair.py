"""Repair (SEMANTICS.md §10): every fix verified by re-running the question, and minimal."""

from __future__ import annotations

import json
import pickle
from typing import Any

import attrs
import numpy as np
import pytest
from conftest import examples
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import placement
from placement import (
    Instance,
    Inventory,
    MemberOf,
    PlacementInputError,
    TaskSpec,
    deploy,
    place,
    place_daemon,
    repair,
    repair_daemon,
    repair_deploy,
)
from placement.instance import Task
from placement.ops.whatif import _Fresh, _Grown, _template_list
from placement.repairs import Fix, Relaxation, Step, Steps
from placement.repairs.memberof import _positive, replace_at
from placement.repairs.place import first_reaching, returned_to_service
from placement.rules import Constraint, View, constraints_from
from placement.syntax.ast import Comparison
from placement.testing import placement_problems

ARN = "arn:aws:ecs:us-east-1:1:container-instance/c/"
WEB = "service:web"
TEMPLATE = {
    "containerInstanceArn": f"{ARN}template",
    "ec2InstanceId": "i-template",
    "status": "ACTIVE",
    "agentConnected": True,
    "attributes": [{"name": "stack", "value": "prod"}],
    "remainingResources": [
        {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
        {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096},
    ],
}


def _port_80_cluster(n: int, draining: tuple[int, ...] = ()) -> Inventory:
    """Every instance runs one old task of the service on host port 80, with room for two."""
    instances = [
        Instance(
            arn=f"{ARN}{i}", ec2_instance_id=f"i-{i}", cpu=3072, memory=6144,
            ports=frozenset({80}), running_tasks_count=1, task_groups={WEB: 1},
            attributes={"ecs.availability-zone": f"us-east-1{'ab'[i % 2]}", "gen": str(i)},
            status="DRAINING" if i in draining else "ACTIVE",
        )
        for i in range(n)
    ]  # fmt: skip
    old = [
        Task(arn=f"arn:aws:ecs:us-east-1:1:task/c/old-{i}", instance=f"{ARN}{i}", group=WEB,
             cpu=1024, memory=2048, ports=frozenset({80}))
        for i in range(n)
    ]  # fmt: skip
    return Inventory.from_instances(instances, old)


NEW = TaskSpec(cpu=1024, memory=2048, ports=frozenset({80}), group=WEB)


# -- the stories ------------------------------------------------------------------------------


def test_stuck_deployment_two_instances_or_one_at_83_percent() -> None:
    """The user story: 6 instances, one DRAINING, port 80 taken everywhere."""
    inv = _port_80_cluster(6, draining=(3,))
    assert not deploy(inv, WEB, NEW, desired_count=6).completed
    answer = repair_deploy(inv, WEB, NEW, desired_count=6, templates=[TEMPLATE])
    by_kind = {f.kind: f for f in answer.fixes}
    assert by_kind["add-instances"].change["instances"] == 2
    assert by_kind["add-instances"].minimum_healthy_percent == 100
    combo = by_kind["add-instances-lower-minimum"]
    assert (combo.change["instances"], combo.minimum_healthy_percent) == (1, 83)
    assert "dynamic-port" in by_kind
    for fix in answer.fixes:
        done = deploy(fix.inventory, WEB, fix.task, desired_count=6,
                      minimum_healthy_percent=fix.minimum_healthy_percent,
                      maximum_percent=fix.maximum_percent)  # fmt: skip
        assert done.completed and len(done.rounds) == fix.rounds
    # One step less fails: 84% with one instance, one instance at 100%.
    grown = _Grown(inv, _Fresh(inv, _template_list([TEMPLATE])))
    assert not deploy(grown.with_new(1), WEB, NEW, desired_count=6,
                      minimum_healthy_percent=84).completed  # fmt: skip
    assert not deploy(grown.with_new(1), WEB, NEW, desired_count=6).completed
    # Fewer instances first: one instance (and a lower minimum) before two.
    kinds = [f.kind for f in answer.fixes]
    assert kinds.index("add-instances-lower-minimum") < kinds.index("add-instances")


def test_port_80_deployment_lower_minimum_and_higher_maximum() -> None:
    inv = _port_80_cluster(4)
    answer = repair_deploy(inv, WEB, NEW, desired_count=4)
    minimum = next(f for f in answer.fixes if f.kind == "minimum-healthy-percent")
    assert minimum.minimum_healthy_percent == 75  # lo = 3 of 4 still completes
    assert not deploy(inv, WEB, NEW, desired_count=4, minimum_healthy_percent=76).completed
    assert deploy(inv, WEB, NEW, desired_count=4, minimum_healthy_percent=75).completed
    assert not any(f.kind == "maximum-percent" for f in answer.fixes)  # room is not the issue


def test_maximum_percent_fix_is_the_smallest() -> None:
    # Tasks without ports: at maximumPercent 100 nothing can start before a stop, and at
    # minimum 100 nothing can stop, so the deployment needs a higher maximum.
    inv = _port_80_cluster(4)
    task = TaskSpec(cpu=1024, memory=2048, group=WEB)
    answer = repair_deploy(inv, WEB, task, desired_count=4, maximum_percent=100)
    fix = next(f for f in answer.fixes if f.kind == "maximum-percent")
    assert fix.maximum_percent == 125
    assert not deploy(inv, WEB, task, desired_count=4, maximum_percent=124).completed
    assert json.loads(json.dumps(answer.to_dict()))["fixes"]


def test_wont_place_story() -> None:
    inv = _port_80_cluster(6, draining=(3,))
    task = TaskSpec(cpu=1500, memory=2048, group="service:api")
    rule = "memberOf(attribute:gen >= 4 and attribute:ecs.availability-zone in [us-east-1a])"
    answer = repair(inv, task, 6, constraints=[rule])
    assert (answer.requested, answer.placed) == (6, 2)
    by_kind = {f.kind: f for f in answer.fixes}
    assert by_kind["drop-constraint"].complete
    threshold = by_kind["relax-threshold"]
    assert threshold.change["comparison"]["to"] == "attribute:gen >= 0"
    assert by_kind["add-values"].change["comparison"]["to"].endswith("[us-east-1a, us-east-1b]")
    assert answer.fixes[0].complete  # complete fixes first
    text = str(answer)
    assert "Drop the constraint" in text and repr(answer).startswith("<Repair place: 2 of 6")
    assert "<table>" in answer._repr_html_()


def test_shrink_resource_and_return_to_service() -> None:
    inv = _port_80_cluster(4, draining=(1,))
    task = TaskSpec(cpu=2000, memory=100, group="service:api")
    answer = repair(inv, task, 4)
    assert answer.placed == 3
    shrink = next(f for f in answer.fixes if f.kind == "shrink-cpu")
    # 3 ACTIVE instances of 3072 CPU must take 4 copies: one takes 2, so 1536 CPU each.
    assert shrink.task.cpu == 1536 and shrink.complete
    assert place(inv, attrs.evolve(task, cpu=1537), 4).placed < 4
    back = next(f for f in answer.fixes if f.kind == "return-instances")
    assert back.change["instances"] == [f"{ARN}1"] and back.complete


def test_repair_of_a_placement_that_succeeds_has_no_fixes() -> None:
    inv = _port_80_cluster(2)
    answer = repair(inv, TaskSpec(cpu=1, group="g"), 2)
    assert answer.ok and answer.fixes == ()


def test_the_function_is_at_package_level() -> None:
    assert placement.repair is repair and callable(placement.repair)


@pytest.mark.parametrize(
    "bad",
    [{"count": -1}, {"count": "3"}, {"inventory": []}, {"task": "web"}, {"seed": -1},
     {"constraints": ["memberOf("]}, {"strategy": ["sideways"]}],
)  # fmt: skip
def test_bad_input_is_an_input_error(bad: dict[str, Any]) -> None:
    args: dict[str, Any] = {"inventory": _port_80_cluster(2), "task": NEW, "count": 3, **bad}
    with pytest.raises(PlacementInputError):
        repair(**args)


# -- the extension point ----------------------------------------------------------------------


@attrs.frozen
class AtMost(Constraint):
    """A user's cap: at most `n` tasks of the group per instance, relaxed by raising `n`."""

    n: int
    reason = "AtMost"
    reads_placements = True

    def excluded(self, view: View, task: Any) -> Any:
        return view.group_count(task.group) >= self.n

    def relaxations(self, view: View, task: Any, count: int) -> list[Relaxation]:
        def step(i: int) -> Step:
            new = AtMost(self.n + 1 + i)
            return Step(new, {"max": {"from": self.n, "to": new.n}}, f"Raise the cap to {new.n}.")

        return [Relaxation("raise-cap", steps=Steps(count, step))]


def test_a_users_rule_offers_its_own_relaxation() -> None:
    inv = _port_80_cluster(2)
    task = TaskSpec(cpu=10, memory=10, group="service:api")
    answer = repair(inv, task, 7, constraints=[AtMost(1)])
    fix = next(f for f in answer.fixes if f.kind == "raise-cap")
    assert fix.change["max"] == {"from": 1, "to": 4} and fix.complete
    assert place(inv, task, 7, constraints=[AtMost(3)]).placed < 7
    assert place(inv, task, 7, constraints=fix.constraints).placed == 7


# -- daemons ----------------------------------------------------------------------------------


def test_daemon_repair_names_the_instances_each_change_admits() -> None:
    inv = _port_80_cluster(4)
    daemon = TaskSpec(cpu=3500, memory=100, ports=frozenset({80}), group="daemon:agent")
    before = place_daemon(inv, daemon)
    assert len(before.failures) == 4
    answer = repair_daemon(inv, daemon)
    assert (answer.requested, answer.placed) == (4, 0)
    # Neither change alone admits an instance: CPU with the port taken, or the port with 3500.
    assert answer.fixes == ()
    smaller = attrs.evolve(daemon, cpu=100)
    fix = repair_daemon(inv, smaller).fixes[0]
    assert fix.kind == "dynamic-port" and len(fix.instances) == 4 and fix.complete
    assert len(place_daemon(fix.inventory, fix.task).placements) == 4


# -- properties -------------------------------------------------------------------------------


def _one_step_less(problem: dict[str, Any], fix: Fix) -> int | None:
    """Copies placed by the change one step less than `fix` (None: no step to take back)."""
    inv, task, count = problem["inventory"], problem["task"], problem["count"]
    rules = constraints_from(problem["constraints"])
    strategy, seed = problem["strategy"], problem["seed"]

    def placed(inventory: Inventory = inv, t: TaskSpec = task, r: Any = rules) -> int:
        return place(inventory, t, count, constraints=r, strategy=strategy, seed=seed).placed

    if fix.kind in ("shrink-cpu", "shrink-memory"):
        resource = fix.change["resource"]
        return placed(t=attrs.evolve(fix.task, **{resource: fix.change["to"] + 1}))
    if fix.kind == "return-instances":
        rows = [inv.index_of(a) for a in fix.change["instances"]]
        return max(placed(inventory=returned_to_service(inv, np.array([r for r in rows if r != x],
                   dtype=np.int64))) for x in rows)  # fmt: skip
    if fix.kind == "add-instances":
        return placed(inventory=fix.inventory.select(range(len(fix.inventory) - 1)))
    if fix.kind in ("relax-threshold", "add-values"):
        where, index = fix.change["where"], fix.change["index"]
        owner = task.constraints if where == "task" else rules
        rule = owner[index]
        relaxed = (fix.task.constraints if where == "task" else fix.constraints)[index]

        def with_rule(new: MemberOf) -> int:
            if where == "task":
                items = list(task.constraints)
                items[index] = new
                return placed(t=attrs.evolve(task, constraints=tuple(items)))
            items = list(rules)
            items[index] = new
            return placed(r=items)

        if fix.kind == "add-values":
            # The fewest values: without any one of those added, fewer copies place.
            for (path, old), (_, new) in zip(_positive(rule.expression),
                                             _positive(relaxed.expression), strict=True):
                if old != new and isinstance(new, Comparison):
                    assert isinstance(old.argument, tuple) and isinstance(new.argument, tuple)
                    added = new.argument[len(old.argument):]
                    assert len(added) == fix.size
                    return max(
                        with_rule(MemberOf(replace_at(relaxed.expression, path, Comparison(
                            new.subject, new.op, tuple(v for v in new.argument if v != gone)))))
                        for gone in added
                    )  # fmt: skip
            raise AssertionError(f"no comparison changed in {fix}")
        if fix.size == 1:
            return fix.placed_before
        # The step before: the threshold one value closer to the original.
        for rel in rule.relaxations(View(inv), task, count):
            steps = rel.steps
            if rel.kind == fix.kind and len(steps) >= fix.size:
                if steps[fix.size - 1].change["to"] != fix.change["to"]:
                    continue
                prev = steps[fix.size - 2].rule
                assert isinstance(prev, MemberOf)
                return with_rule(prev)
        raise AssertionError(f"no family gives {fix}")
    return None


@settings(max_examples=examples(0.4))
@given(placement_problems(max_instances=6, max_count=8), st.booleans())
def test_every_fix_places_what_it_says_and_is_minimal(problem: dict[str, Any], grow: bool) -> None:
    inv, task, count = problem["inventory"], problem["task"], problem["count"]
    before = place(**problem)
    assume(before.failed)
    snapshot = (pickle.dumps(inv), task, list(problem["constraints"]))
    templates = [TEMPLATE] if grow else ()
    answer = repair(**problem, templates=templates)
    assert (pickle.dumps(inv), task, list(problem["constraints"])) == snapshot  # not mutated
    assert answer.placed == before.placed and answer.requested == count
    for fix in answer.fixes:
        again = place(fix.inventory, fix.task, count, constraints=fix.constraints,
                      strategy=fix.strategy, seed=problem["seed"])  # fmt: skip
        assert again.placed == fix.placed_after > fix.placed_before
        assert fix.complete == (again.placed == count)
        less = _one_step_less(problem, fix)
        if less is not None:
            assert less < fix.placed_after, fix
    keys = [f.sort_key() for f in answer.fixes]
    assert keys == sorted(keys)
    # Where dropping one constraint, or shrinking one resource, fits every copy, the repair
    # lists that fix or a smaller one (a relaxation inside the same constraint).
    rules = constraints_from(problem["constraints"])
    for index in range(len(rules)):
        without = rules[:index] + rules[index + 1 :]
        if place(inv, task, count, constraints=without, strategy=problem["strategy"],
                 seed=problem["seed"]).placed == count:  # fmt: skip
            assert any(
                f.complete and f.change.get("index") == index
                and f.change.get("where") == "caller"
                and f.kind in ("drop-constraint", "drop-operand", "relax-threshold", "add-values")
                for f in answer.fixes
            ), index
    for index in range(len(task.constraints)):
        items = task.constraints[:index] + task.constraints[index + 1 :]
        if place(inv, attrs.evolve(task, constraints=items), count, constraints=rules,
                 strategy=problem["strategy"], seed=problem["seed"]).placed == count:  # fmt: skip
            assert any(
                f.complete and f.change.get("index") == index
                and f.change.get("where") == "task"
                for f in answer.fixes
            ), index
    for resource in ("cpu", "memory"):
        if getattr(task, resource) and place(
            inv, attrs.evolve(task, **{resource: 0}), count, constraints=rules,
            strategy=problem["strategy"], seed=problem["seed"],
        ).placed == count:  # fmt: skip
            assert any(f.kind == f"shrink-{resource}" and f.complete for f in answer.fixes)


@st.composite
def _services(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 5))
    cpu = draw(st.sampled_from([1024, 2048, 3072]))
    inv = _port_80_cluster(n, draining=tuple(i for i in range(n) if draw(st.booleans()) and i))
    columns = inv.columns()
    columns["cpu"] = np.full(n, cpu, dtype=np.int64)
    inv = Inventory(columns, inv.tasks.columns())
    ports = draw(st.sampled_from([frozenset(), frozenset({80})]))
    return {
        "inventory": inv,
        "new_task": TaskSpec(cpu=1024, memory=512, ports=ports, group=WEB),
        "desired_count": draw(st.integers(0, n + 2)),
        "minimum_healthy_percent": draw(st.sampled_from([0, 50, 75, 100])),
        "maximum_percent": draw(st.sampled_from([100, 150, 200])),
    }


@settings(max_examples=examples(0.3))
@given(_services(), st.booleans())
def test_every_deploy_fix_completes_and_is_minimal(service: dict[str, Any], grow: bool) -> None:
    inv = service["inventory"]
    answer = repair_deploy(inv, WEB, **{k: v for k, v in service.items() if k != "inventory"},
                           templates=[TEMPLATE] if grow else ())  # fmt: skip
    base = deploy(inv, WEB, service["new_task"], desired_count=service["desired_count"],
                  minimum_healthy_percent=service["minimum_healthy_percent"],
                  maximum_percent=service["maximum_percent"])  # fmt: skip
    assert answer.ok == base.completed
    desired = service["desired_count"]

    def completes(inventory: Inventory, task: TaskSpec, m: int, big: int) -> bool:
        return deploy(inventory, WEB, task, desired_count=desired, minimum_healthy_percent=m,
                      maximum_percent=big).completed  # fmt: skip

    for fix in answer.fixes:
        assert fix.minimum_healthy_percent is not None and fix.maximum_percent is not None
        m, big = fix.minimum_healthy_percent, fix.maximum_percent
        assert completes(fix.inventory, fix.task, m, big) and fix.complete
        if fix.kind in ("minimum-healthy-percent", "add-instances-lower-minimum"):
            assert not completes(fix.inventory, fix.task, m + 1, big)
        if fix.kind == "maximum-percent":
            assert not completes(fix.inventory, fix.task, m, big - 1)
        if fix.kind in ("add-instances", "add-instances-lower-minimum"):
            fewer = fix.inventory.select(range(len(fix.inventory) - 1))
            assert not completes(fewer, fix.task, m, big)


_LEAVES = (
    "attribute:rack >= 2", "attribute:rack > 1", "attribute:rack < 2", "attribute:rack <= 1.5",
    "attribute:stack in [prod]", "attribute:ecs.availability-zone in [us-east-1a]",
    "ec2InstanceId in [i-0]", "agentVersion >= 1.14", "agentVersion < 1.10",
    "registeredAt >= 2019-06-01", "registeredAt <= 2019-01-01", "runningTasksCount < 2",
    "runningTasksCount > 1", "attribute:cap exists",
)  # fmt: skip


@st.composite
def _expression_problems(draw: st.DrawFn) -> dict[str, Any]:
    """Problems whose memberOf expressions hold every comparison §10 relaxes."""
    from placement.testing import inventories, tasks

    def expression() -> str:
        leaves = draw(st.lists(st.sampled_from(_LEAVES), min_size=1, max_size=3))
        text = leaves[0]
        for leaf in leaves[1:]:
            text = f"({text}) {draw(st.sampled_from(['and', 'and', 'or']))} {leaf}"
        return text

    in_task = draw(st.booleans())
    task = draw(tasks())
    if in_task:
        task = attrs.evolve(task, constraints=(f"memberOf({expression()})",))
    return {
        "inventory": draw(inventories(1, 6)),
        "task": task,
        "count": draw(st.integers(1, 8)),
        "constraints": [f"memberOf({expression()})" for _ in range(draw(st.integers(0, 2)))],
        "strategy": draw(st.sampled_from([(), ("binpack(cpu)",), ("spread(instanceId)",)])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=examples(0.6))
@given(_expression_problems())
def test_expression_relaxations_are_verified_and_minimal(problem: dict[str, Any]) -> None:
    test_every_fix_places_what_it_says_and_is_minimal.hypothesis.inner_test(problem, False)


def test_answers_are_json_ready_pickle_and_leave_inputs_alone() -> None:
    inv = _port_80_cluster(6, draining=(3,))
    snapshot = pickle.dumps(inv)
    answer = repair_deploy(inv, WEB, NEW, desired_count=6, templates=[TEMPLATE])
    assert pickle.dumps(inv) == snapshot
    data = json.loads(json.dumps(answer.to_dict()))
    assert data["question"] == "deploy" and len(data["fixes"]) == len(answer.fixes)
    back = pickle.loads(pickle.dumps(answer))
    assert [f.summary for f in back.fixes] == [f.summary for f in answer.fixes]
    assert back.fixes[0].inventory == answer.fixes[0].inventory
    daemon = repair_daemon(inv, attrs.evolve(NEW, cpu=1, group="daemon:x"))
    assert json.loads(json.dumps(daemon.to_dict()))["fixes"][0]["instances"]


def test_daemon_cpu_shrinks_to_the_largest_that_admits_every_instance() -> None:
    inv = _port_80_cluster(3)
    daemon = TaskSpec(cpu=3500, memory=100, group="daemon:agent")
    answer = repair_daemon(inv, daemon)
    fix = next(f for f in answer.fixes if f.kind == "shrink-cpu")
    assert fix.task.cpu == 3072 and fix.complete and len(fix.instances) == 3
    assert not place_daemon(inv, attrs.evolve(daemon, cpu=3073)).placements
    with pytest.raises(PlacementInputError):
        repair_daemon(inv, daemon, strategy=["binpack(cpu)"])


@given(st.lists(st.integers(0, 5), min_size=1, max_size=40), st.integers(0, 200))
def test_first_reaching_is_the_least_index(steps: list[int], target: int) -> None:
    values = list(np.cumsum(steps))
    assume(values[-1] >= target)
    calls: list[int] = []

    def value_at(i: int) -> int:
        calls.append(i)
        return int(values[i])

    got = first_reaching(len(values), value_at, target)
    assert got == next(i for i, v in enumerate(values) if v >= target)
    assert len(calls) <= 2 * len(values).bit_length() + 2


@pytest.mark.parametrize(
    "rules", [[], ["memberOf(attribute:stack == prod or attribute:gen >= 2)"], [AtMost(1)]]
)
def test_added_instances_are_the_fewest_instances_needed_finds(rules: list[Any]) -> None:
    """Counted by capacities (or, for a rule that cannot say its capacity, searched by placing),
    the instances to add are `instances_needed`'s answer, and the fix is verified."""
    from placement import instances_needed

    inv = _port_80_cluster(4, draining=(1,))
    task = TaskSpec(cpu=1000, memory=500, group="service:api")
    for count in (10, 13, 30):
        answer = repair(inv, task, count, constraints=rules, templates=[TEMPLATE])
        needed = instances_needed(inv, task, count, [TEMPLATE], constraints=rules)
        added = [f for f in answer.fixes if f.kind == "add-instances"]
        assert needed.instances is not None and len(added) == 1
        assert added[0].change["instances"] == needed.instances and added[0].complete
