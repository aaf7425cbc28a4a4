"""Scale-in's heap chooser (chains without `random`) against the per-stop chooser and the
reference, on clusters with many tasks per instance, shared zones and ties; deployments'
row bookkeeping against the plain per-ARN loop."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_deploy import services

from placement import Instance, Inventory, deploy, place
from placement.instance import Task
from placement.ops import scale_in as S
from placement.ops.reference import scale_in_reference
from placement.place.draws import stop_generators
from placement.place.inputs import check_inputs as place_inputs
from placement.rules import strategy_from
from placement.syntax import Timestamp

GROUP = "service:web"
RULES = ["binpack(cpu)", "binpack(memory)", "spread(instanceId)",
         "spread(attribute:zone)", "spread(attribute:rack)"]  # fmt: skip


@st.composite
def crowded(draw: st.DrawFn) -> Inventory:
    """Up to 12 instances, up to 6 tasks of the group each (and some of another group), few
    distinct amounts and start times so that ties are common; zone and rack sometimes absent."""
    n = draw(st.integers(1, 12))
    instances, tasks = [], []
    for i in range(n):
        arn = f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}"
        attributes = {}
        for name, values in (("zone", "ab"), ("rack", "xyz")):
            value = draw(st.sampled_from([None, *values]))
            if value is not None:
                attributes[name] = value
        counts = {GROUP: draw(st.integers(0, 6)), "service:other": draw(st.integers(0, 2))}
        counts = {g: c for g, c in counts.items() if c}
        for group, count in counts.items():
            for k in range(count):
                started = draw(st.none() | st.integers(0, 2).map(lambda s: Timestamp(s * 10**6)))
                tasks.append(Task(arn=f"{arn}/{group}/{k}", instance=arn, group=group,
                                  cpu=draw(st.sampled_from([0, 10, 20])),
                                  memory=draw(st.sampled_from([0, 10, 20])),
                                  started_at=started))  # fmt: skip
        instances.append(Instance(arn=arn, attributes=attributes, task_groups=counts,
                                  running_tasks_count=sum(counts.values()),
                                  cpu=draw(st.sampled_from([0, 10, 30])),
                                  memory=draw(st.sampled_from([0, 10, 30]))))  # fmt: skip
    draw(st.randoms()).shuffle(tasks)
    return Inventory.from_instances(instances, tasks)


def _per_stop(inv: Inventory, count: int, chain: Any, candidates: Any) -> list[str]:
    """The per-stop chooser (the one `random` chains use) on the same inputs."""
    table = inv.tasks
    code = table.groups.index.get(GROUP, -2)
    mine = np.flatnonzero(table.groups.codes == code) if candidates is None else np.sort(candidates)
    state = S.StopState(inv, GROUP, chain, mine)
    chosen = S._draw_by_draw(state, count, chain, [], len(table))
    return [str(table.arns[mine[c]]) for c in chosen]


@settings(max_examples=examples(1))
@given(crowded(), st.lists(st.sampled_from(RULES), max_size=4), st.data())
def test_heaps_match_the_per_stop_chooser_and_the_reference(
    inv: Inventory, names: list[str], data: st.DataObject
) -> None:
    chain = strategy_from(names)
    mine = np.flatnonzero(inv.tasks.groups.codes == inv.tasks.groups.index.get(GROUP, -2))
    count = data.draw(st.integers(0, len(mine)))
    stops = S.choose_stops(inv, GROUP, count, chain, [])
    assert list(stops) == _per_stop(inv, count, chain, None)
    assert stops == scale_in_reference(inv, GROUP, count, chain, None)
    # Restricted to some of the group's tasks (a deployment's old ones): counts still read
    # every task of the group.
    some = np.array(data.draw(st.lists(st.sampled_from(mine.tolist()), unique=True))
                    if len(mine) else [], dtype=np.int64)  # fmt: skip
    k = data.draw(st.integers(0, len(some)))
    restricted = S.choose_stops(inv, GROUP, k, chain, [], some)
    assert list(restricted) == _per_stop(inv, k, chain, some)
    assert set(restricted) <= {str(a) for a in inv.tasks.arns[some]}


def _deploy_by_arns(service: dict[str, Any]) -> dict[str, Any]:
    """The rounds of a deployment, bookkept the plain way: old tasks as a list of ARNs."""
    inv: Inventory = service["inventory"]
    group, desired = service["group"], service["desired_count"]
    rules, chain = place_inputs(inv, service["new_task"], 0, service["constraints"],
                                service["strategy"])  # fmt: skip
    task = attrs.evolve(service["new_task"], group=group)
    lo = -(-desired * service["minimum_healthy_percent"] // 100)
    hi = desired * service["maximum_percent"] // 100
    seeds = np.random.default_rng(service["seed"]) if service["seed"] is not None else None

    def next_seed() -> int | None:
        return None if seeds is None else int(seeds.integers(1 << 62))

    state, new, rounds = inv, 0, []
    old = [t.arn for t in inv.tasks if t.group == group]
    while not (new == desired and not old):
        start = min(desired - new, hi - (len(old) + new))
        started: list[dict[str, str]] = []
        if start > 0:
            result = place(state, task, start, constraints=rules, strategy=chain, seed=next_seed())
            state, new = result.inventory, new + result.placed
            pairs = zip(result.task_arns, result.placements, strict=True)
            started = [{"task": t, "instance": i} for t, i in pairs]
        stop = min(len(old), len(old) + new - lo)
        stopped: list[dict[str, str]] = []
        if stop > 0:
            rows = np.array([state.tasks.index_of(a) for a in old], dtype=np.int64)
            generators = stop_generators(chain, next_seed())
            arns = S.choose_stops(state, group, stop, chain, generators, rows)
            where = [state.tasks[state.tasks.index_of(a)].instance for a in arns]
            stopped = [{"task": a, "instance": i} for a, i in zip(arns, where, strict=True)]
            state = state.without_tasks(arns)
            old = [a for a in old if a not in set(arns)]
        rounds.append({"started": started, "stopped": stopped, "old": len(old), "new": new})
        if not started and not stopped:
            break
    return {"rounds": rounds}


@settings(max_examples=examples(0.5))
@given(services())
def test_deploy_rounds_match_per_arn_bookkeeping(service: dict[str, Any]) -> None:
    got = deploy(**service).to_dict()["rounds"]
    expected = _deploy_by_arns(service)["rounds"]
    assert [{k: r[k] for k in ("started", "stopped", "old", "new")} for r in got] == expected
