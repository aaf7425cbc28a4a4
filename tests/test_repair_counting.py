"""Repair's counting where every instance takes at most one copy, and returns under a spread.

Both came from long fuzz runs (`PLACEMENT_FUZZ_EXAMPLES=400`): a zone's `maxPer` was never
asked when no instance takes two copies, so counting over-promised and the cap's fix stopped
one short; and returning instances under a coupling rule tried them in inventory order, so an
instance that could never take a copy was returned too.
"""

from __future__ import annotations

from placement import Instance, Inventory, TaskSpec, headroom, place, repair
from placement.rules import MaxPer, TopologySpread

ZONE = "attribute:ecs.availability-zone"


def _one_copy_each() -> tuple[Inventory, TaskSpec]:
    inv = Inventory.from_instances([
        Instance(arn=f"i{i}", cpu=512, memory=8192, attributes={"ecs.availability-zone": "a"})
        for i in range(4)
    ])  # fmt: skip
    return inv, TaskSpec(cpu=257, memory=100, group="service:web")


def test_a_zone_cap_is_counted_when_no_instance_takes_two_copies() -> None:
    inv, task = _one_copy_each()
    assert place(inv, task, 3, constraints=[MaxPer(ZONE, 1)]).placed == 1
    answer = repair(inv, task, 3, constraints=[MaxPer(ZONE, 1)])
    (raised,) = [f for f in answer.fixes if f.kind == "raise-max-per"]
    assert raised.complete and raised.change["max"] == {"from": 1, "to": 3}
    assert place(inv, task, 3, constraints=raised.constraints).placed == 3
    assert place(inv, task, 3, constraints=[MaxPer(ZONE, 2)]).placed == 2  # one less fails
    assert headroom(inv, task, constraints=[MaxPer(ZONE, 1)]).copies == 1


def test_returned_instances_are_the_ones_that_take_copies() -> None:
    inv = Inventory.from_instances([
        Instance(arn="no-cap", agent_connected=False, cpu=1024, memory=1024),
        Instance(arn="cap", agent_connected=False, cpu=1024, memory=1024,
                 attributes={"cap": None}),
    ])  # fmt: skip
    task = TaskSpec(group="service:web", requires_attributes=frozenset({"cap"}))
    rules = [TopologySpread("instanceId", 1, 1)]
    assert place(inv, task, 1, constraints=rules).placed == 0
    (back,) = [f for f in repair(inv, task, 1, constraints=rules).fixes
               if f.kind == "return-instances"]  # fmt: skip
    assert back.change == {"instances": ["cap"], "count": 1} and back.placed_after == 1
