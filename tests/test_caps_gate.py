"""Caps in front of each chain: the batch placer's shortcuts against the per-copy loop.

`topologySpread`: with maxSkew = 1 the batch placer orders copies by rounds of zones instead
of the event loop (`place/gated.py`), and for other gates it may take the order without the
gate, checked, where it decides the answer. `maxPer` on a chain of runs (binpack): the runs
shortened by the zones' room (`order.capped_runs`) instead of reruns. Each must give what the
per-copy loop gives, copy for copy.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import (
    Binpack,
    Instance,
    Inventory,
    MaxPer,
    Random,
    Spread,
    TaskSpec,
    TopologySpread,
    place,
)
from placement.testing import placement_problems

order_module = importlib.import_module("placement.place.order")

AZ = "attribute:ecs.availability-zone"
FIELDS = [AZ, "attribute:stack", "instanceId"]


@st.composite
def zoned_inventories(draw: st.DrawFn) -> Inventory:
    """A few zones (some instances lacking one), varied room, tasks of the group already."""
    n = draw(st.integers(1, 12))
    groups = st.dictionaries(st.sampled_from(["service:web", "service:db"]), st.integers(1, 3),
                             max_size=2)  # fmt: skip
    instances = []
    for i in range(n):
        attributes = {}
        zone = draw(st.sampled_from(["a", "b", "c", "d", None]))
        if zone is not None:
            attributes["ecs.availability-zone"] = f"us-east-1{zone}"
        stack = draw(st.sampled_from(["prod", "dev", None]))
        if stack is not None:
            attributes["stack"] = stack
        instances.append(
            Instance(
                arn=f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}",
                ec2_instance_id=f"i-{i}",
                status=draw(st.sampled_from(["ACTIVE", "ACTIVE", "ACTIVE", "DRAINING"])),
                attributes=attributes,
                cpu=draw(st.integers(0, 100)),
                memory=draw(st.integers(0, 100)),
                task_groups=draw(groups),
            )
        )
    return Inventory.from_instances(instances)


CHAINS = st.lists(
    st.one_of(
        st.sampled_from(["cpu", "memory"]).map(Binpack),
        st.sampled_from(["instanceId", AZ, "attribute:stack"]).map(Spread),
        st.integers(0, 2**32 - 1).map(Random),
    ),
    max_size=3,
)


@st.composite
def gated_problems(draw: st.DrawFn) -> dict[str, Any]:
    """A topologySpread (maxSkew 1 mostly) in front of a drawn chain, many copies."""
    rule = TopologySpread(draw(st.sampled_from(FIELDS)), draw(st.sampled_from([1, 1, 1, 2])),
                          draw(st.integers(1, 3)))  # fmt: skip
    return {
        "inventory": draw(zoned_inventories()),
        "task": TaskSpec(
            cpu=draw(st.integers(0, 20)), memory=draw(st.integers(0, 20)), group="service:web"
        ),
        "count": draw(st.integers(2, 60)),
        "constraints": [rule],
        "strategy": draw(CHAINS),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def _agree(problem: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # attributes drawn onto no instance are warned about
        batch = place(**problem, method="batch")
        loop = place(**problem, method="loop")
    assert batch.placements == loop.placements
    assert batch == loop


@settings(max_examples=examples(2))
@given(gated_problems())
def test_gated_order_agrees_with_the_loop(problem: dict[str, Any]) -> None:
    _agree(problem)


@settings(max_examples=examples(1))
@given(placement_problems(max_count=30, allow_random=True), st.sampled_from(FIELDS),
       st.integers(1, 2), st.integers(1, 3))  # fmt: skip
def test_gated_order_agrees_with_the_loop_under_other_rules(
    problem: dict[str, Any], field: str, skew: int, domains: int
) -> None:
    problem["constraints"] = [TopologySpread(field, skew, domains), *problem["constraints"]]
    _agree(problem)


def _zones(n: int) -> Inventory:
    return Inventory.from_instances([
        Instance(
            arn=f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}", ec2_instance_id=f"i-{i}",
            attributes={"ecs.availability-zone": f"us-east-1{'abc'[i % 3]}",
                        "stack": f"s{i % 4}"},
            cpu=1000 + 10 * i, memory=4096, task_groups={"service:web": i % 2},
        )
        for i in range(n)
    ])  # fmt: skip


def refusing(what: str) -> Any:
    """A stand-in for a slower path: it fails the test saying `what` ran."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(what)

    return refuse


@pytest.mark.parametrize("skew", [1, 2, 3, 7])
@pytest.mark.parametrize(
    "strategy",
    [["binpack(memory)"], [f"spread({AZ})", "binpack(memory)"], ["random"],
     ["binpack(cpu)", f"spread({AZ})"], ["random", f"spread({AZ})"],
     [f"spread({AZ})", "spread(instanceId)"], ["spread(instanceId)"]],
)  # fmt: skip
def test_max_skew_orders_without_the_event_loop(
    strategy: list[str], skew: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """maxSkew 1 places in rounds, above 1 by levels: neither reaches the per-copy event loop."""
    inv = _zones(30)
    task = TaskSpec(cpu=100, memory=10, group="service:web")
    rule = f"topologySpread({AZ}, maxSkew={skew})"
    loop = place(inv, task, 250, constraints=[rule], strategy=strategy, seed=3, method="loop")
    monkeypatch.setattr(order_module, "order_events", refusing("the event loop ran"))
    batch = place(inv, task, 250, constraints=[rule], strategy=strategy, seed=3)
    assert batch.placements == loop.placements
    assert batch.placed == loop.placed > 0


@settings(max_examples=examples(1))
@given(gated_problems(), st.sampled_from([AZ, "attribute:stack", "instanceId", "host"]),
       st.integers(1, 6), st.lists(st.sampled_from(["cpu", "memory"]).map(Binpack), max_size=2),
       st.lists(st.sampled_from(["instanceId", AZ, "attribute:stack"]).map(Spread),
                max_size=1))  # fmt: skip
def test_max_per_on_runs_agrees_with_the_loop(
    problem: dict[str, Any], field: str, most: int, chain: list[Binpack], spread: list[Spread]
) -> None:
    problem["constraints"] = [MaxPer(field, most)]
    problem["strategy"] = [*chain, *spread]
    _agree(problem)


@pytest.mark.parametrize("strategy", [["binpack(cpu)"], ["binpack(cpu)", f"spread({AZ})"]])
def test_max_per_on_binpack_shortens_runs_without_reruns(
    strategy: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inv = _zones(30)
    task = TaskSpec(cpu=100, memory=10, group="service:web")
    rule = f"maxPer({AZ}, 25)"
    loop = place(inv, task, 200, constraints=[rule], strategy=strategy, method="loop")

    refuse = refusing("the order ran again")
    monkeypatch.setattr(importlib.import_module("placement.place.gated"), "gated_order", refuse)
    monkeypatch.setattr(importlib.import_module("placement.place.batch"), "gated_order", refuse)
    batch = place(inv, task, 200, constraints=[rule], strategy=strategy)
    assert batch.placements == loop.placements
    assert batch.placed == loop.placed == 3 * (25 - 5)  # each zone runs 5 of the group already
