"""Hostile review of `repair_daemon`: an instance out of service is fixed by returning it."""

from __future__ import annotations

from placement import Instance, Inventory, TaskSpec, place_daemon, repair_daemon

TASK = TaskSpec(cpu=100, memory=100)


def _inventory() -> Inventory:
    return Inventory.from_instances([
        Instance(arn="up", cpu=1024, memory=1024),
        Instance(arn="lost", cpu=1024, memory=1024, agent_connected=False),
        Instance(arn="small", cpu=50, memory=1024),
    ])  # fmt: skip


def test_a_disconnected_instance_is_returned_to_service() -> None:
    # Before the fix: "No single change found" although reconnecting the agent lets it run.
    inv = _inventory()
    answer = repair_daemon(inv, TASK)
    assert answer.placed == 1 and answer.requested == 3
    returns = [fix for fix in answer.fixes if fix.kind == "return-instances"]
    assert len(returns) == 1
    fix = returns[0]
    assert fix.instances == ("lost",) and fix.change["instances"] == ["lost"]
    after = place_daemon(fix.inventory, fix.task)
    assert sorted(map(str, after.placements)) == ["lost", "up"]
    assert fix.placed_after == len(after.placements) == 2
    # The caller's inventory is unchanged: the instance is still disconnected there.
    assert [str(a) for a in place_daemon(inv, TASK).placements] == ["up"]


def test_an_instance_that_would_still_refuse_is_not_returned() -> None:
    inv = Inventory.from_instances([
        Instance(arn="up", cpu=1024, memory=1024),
        Instance(arn="lost-small", cpu=50, memory=1024, agent_connected=False),
    ])  # fmt: skip
    # Reconnected, it still lacks CPU; with less CPU, it is still disconnected: no single
    # change helps, and none is listed.
    assert repair_daemon(inv, TASK).fixes == ()
