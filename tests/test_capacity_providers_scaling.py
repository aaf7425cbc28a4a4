"""Managed scaling (SEMANTICS.md §9) held to a reference written from §9: N, M, reservation."""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import (
    Instance,
    Inventory,
    MemberOf,
    PlacementInputError,
    TaskSpec,
    managed_scaling,
    place,
)
from placement.place.providers import ProviderFailure
from placement.syntax.builders import attribute

TASK = TaskSpec(cpu=256, memory=512, group="service:web")
ITEMS = [{"capacityProvider": "od", "base": 2, "weight": 1},
         {"capacityProvider": "spot", "base": 0, "weight": 3}]  # fmt: skip


def template(cpu: int, memory: int) -> dict[str, Any]:
    return Instance(arn="arn:aws:ecs:us-east-1:1:container-instance/c/tpl", cpu=cpu,
                    memory=memory).to_ecs()  # fmt: skip


def reference_new(after: Inventory, name: str, waiting: int, tpl: dict[str, Any]) -> int | None:
    """The smallest k such that k template instances of `name` take the waiting copies."""
    for k in range(40):
        extra = [Instance.from_ecs({**tpl, "containerInstanceArn": f"new/{j}",
                                    "capacityProviderName": name}) for j in range(k)]  # fmt: skip
        grown = Inventory.from_instances([*after, *extra], after.tasks)
        only = MemberOf(attribute("ecs.capacity-provider") == name)
        if place(grown, TASK, waiting, constraints=[only], method="reference").failed == 0:
            return k
    return None


@settings(max_examples=examples(0.5))
@given(
    sizes=st.lists(st.tuples(st.sampled_from(["od", "spot", "x"]), st.integers(0, 3),
                             st.integers(0, 1)), min_size=0, max_size=6),
    count=st.integers(0, 16),
    target=st.integers(1, 100),
    tpl=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    bounds=st.tuples(st.none() | st.integers(0, 5), st.none() | st.integers(5, 30)),
)  # fmt: skip
def test_scaling_equals_reference(
    sizes: list[tuple[str, int, int]], count: int, target: int, tpl: tuple[int, int],
    bounds: tuple[int | None, int | None],
) -> None:
    inv = Inventory.from_instances([
        Instance(arn=f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}", cpu=k * 256,
                 memory=k * 512, capacity_provider=name,
                 task_groups={"daemon:log": 1} if daemon else {}, running_tasks_count=daemon)
        for i, (name, k, daemon) in enumerate(sizes)
    ])  # fmt: skip
    result = place(inv, TASK, count, capacity_provider_strategy=ITEMS)
    doc = template(tpl[0] * 256, tpl[1] * 512)
    low, high = bounds
    providers = {p: {"targetCapacity": target, "template": doc, "minSize": low, "maxSize": high}
                 for p in ("od", "spot")}  # fmt: skip
    got = managed_scaling(inv, result, providers, daemon_groups=["daemon:log"])
    after = result.inventory
    for name in ("od", "spot"):
        rows = [i for i in range(len(after)) if after[i].capacity_provider == name]
        n = len(rows)
        busy = sum(1 for i in rows if after[i].task_groups.get("service:web", 0) > 0)
        waiting = sum(f.count for f in result.failures
                      if isinstance(f, ProviderFailure) and f.provider == name)  # fmt: skip
        new = reference_new(after, name, waiting, doc) if waiting else 0
        m = busy + (new or 0)
        want = 100.0 * m / n if n else (200.0 if m else 100.0)
        desired = math.ceil(100 * m / target)
        desired = max(desired, low) if low is not None else desired
        desired = min(desired, high) if high is not None else desired
        answer = got[name]
        assert (answer.n, answer.m, answer.new, answer.provisioning) == (n, m, new, waiting)
        assert answer.reservation == pytest.approx(want)
        assert answer.desired == desired


def test_describe_capacity_providers_shape() -> None:
    inv = Inventory.from_instances([
        Instance(arn="od/1", cpu=256, memory=512, capacity_provider="od"),
    ])  # fmt: skip
    result = place(inv, TASK, 3, capacity_provider_strategy=[{"capacityProvider": "od",
                                                              "weight": 1}])  # fmt: skip
    response = {"capacityProviders": [{"name": "od", "autoScalingGroupProvider": {
        "managedScaling": {"status": "ENABLED", "targetCapacity": 50}}}]}
    got = managed_scaling(inv, result, response, templates={"od": template(512, 1024)})
    # One busy instance, two copies waiting: one template instance takes both.
    assert (got["od"].n, got["od"].m, got["od"].desired) == (1, 2, 4)
    assert got["od"].reservation == 200.0
    assert got["od"].to_dict()["capacityProviderReservation"] == 200.0


def test_waiting_copies_need_a_template() -> None:
    inv = Inventory.from_instances([Instance(arn="od/1", cpu=0, memory=0, capacity_provider="od")])
    result = place(inv, TASK, 1, capacity_provider_strategy=[{"capacityProvider": "od",
                                                              "weight": 1}])  # fmt: skip
    with pytest.raises(PlacementInputError, match="template"):
        managed_scaling(inv, result, {"od": {"targetCapacity": 100}})
    with pytest.raises(PlacementInputError, match="targetCapacity"):
        managed_scaling(inv, result, {"od": {"targetCapacity": 0, "template": template(1, 1)}})
