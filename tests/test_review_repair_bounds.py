"""Hostile review of `repair`/`repair_deploy` with huge counts and templates: bounded work.

Before the fix, a count near 2**31 made both build hundreds of millions of new instances (one
object each) before answering: `repair` to verify the counted add-instances fix, and
`repair_deploy` to try its first instance count (desired + old). Both now stop at `MAX_LIMIT`,
the most new instances `instances_needed` may add. The tests shrink that bound and watch how
many new instances are built.
"""

from __future__ import annotations

from typing import Any

import pytest

import placement.repairs.deploy
import placement.repairs.place
from placement import Instance, Inventory, TaskSpec, repair, repair_deploy
from placement.ops import whatif

LIMIT = 200
TEMPLATE = Instance(arn="arn:aws:ecs:r:1:container-instance/c/t", cpu=1024, memory=1024)
TASK = TaskSpec(cpu=512, memory=512, group="service:web")


@pytest.fixture
def bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (placement.repairs.place, placement.repairs.deploy):
        monkeypatch.setattr(module, "MAX_LIMIT", LIMIT, raising=False)
    original = whatif._Fresh.first

    def first(self: Any, k: int) -> list[Instance]:
        # A grown inventory doubles what it built: twice the bound is the most it may ask.
        assert k <= 2 * LIMIT, f"built {k:,} new instances, over the bound"
        return original(self, k)

    monkeypatch.setattr(whatif._Fresh, "first", first)


def _inventory() -> Inventory:
    return Inventory.from_instances([Instance(arn="a", cpu=1024, memory=1024)])


@pytest.mark.usefixtures("bounded")
def test_repair_offers_no_addition_past_the_bound() -> None:
    answer = repair(_inventory(), TASK, 1_000_000, templates=[TEMPLATE])
    assert answer.placed == 2
    assert "add-instances" not in [fix.kind for fix in answer.fixes]
    small = repair(_inventory(), TASK, 100, templates=[TEMPLATE])  # 49 instances: within
    assert [fix.change["instances"] for fix in small.fixes if fix.kind == "add-instances"] == [49]


@pytest.mark.usefixtures("bounded")
def test_repair_deploy_searches_instances_up_to_the_bound() -> None:
    answer = repair_deploy(_inventory(), "service:web", TASK, desired_count=1_000_000,
                           templates=[TEMPLATE])  # fmt: skip
    assert answer.placed == 2
    assert not [fix for fix in answer.fixes if fix.kind.startswith("add-instances")]
    small = repair_deploy(_inventory(), "service:web", TASK, desired_count=100,
                          templates=[TEMPLATE])  # fmt: skip
    assert [f.change["instances"] for f in small.fixes if f.kind == "add-instances"] == [49]
