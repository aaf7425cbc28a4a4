"""Chains of two or three attribute spreads: the batch placer equals the per-copy reference.

Two leading zone strategies go through `twozones.two_zone_prefix` (bit masks), which hands
over to the event loop where its masks stop describing the choice: an empty intersection of
the two groups, a zone cell running out, instances lacking an attribute. The properties
below drive every one of those hand-overs, with `binpack`/`random`/`spread(instanceId)` tails,
caps (`maxPer`, `topologySpread`) in front and tasks that reserve nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement import Instance, Inventory, TaskSpec, place
from placement.place import order
from placement.place.twozones import two_zone_prefix

AZ = "spread(attribute:ecs.availability-zone)"
STACK = "spread(attribute:stack)"
RACK = "spread(attribute:rack)"
TAILS: list[list[str]] = [
    [], ["binpack(memory)"], ["binpack(cpu)", "binpack(memory)"], ["random"],
    ["spread(instanceId)"],
]  # fmt: skip
CAPS = [
    "maxPer(attribute:ecs.availability-zone, 3)",
    "maxPer(attribute:stack, 5)",
    "topologySpread(attribute:ecs.availability-zone, maxSkew=1)",
    "topologySpread(attribute:stack, maxSkew=2, minDomains=3)",
    "distinctInstance",
]
GROUPS = ["service:web", "service:api"]


@st.composite
def instances(draw: st.DrawFn, index: int) -> Instance:
    attributes = {}
    for name, values in (("ecs.availability-zone", "abc"), ("stack", "pqrs"), ("rack", "xy")):
        value = draw(st.sampled_from([*values, None]) if draw(st.booleans()) else
                     st.sampled_from(values))  # fmt: skip
        if value is not None:
            attributes[name] = value
    cpu = draw(st.sampled_from([0, 256, 1024, 4096]))
    groups = {g: n for g in GROUPS if (n := draw(st.integers(0, 3)))}
    return Instance(
        arn=f"arn:aws:ecs:us-east-1:1:container-instance/{index}",
        attributes=attributes,
        cpu=cpu,
        memory=draw(st.sampled_from([0, 512, 2048, 8192])),
        running_tasks_count=sum(groups.values()),
        task_groups=groups,
    )


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 16))
    inventory = Inventory.from_instances([draw(instances(i)) for i in range(n)])
    spreads = draw(st.sampled_from([[AZ, STACK], [STACK, AZ], [AZ, STACK, RACK]]))
    return {
        "inventory": inventory,
        "task": TaskSpec(
            cpu=draw(st.sampled_from([0, 0, 100, 256])),
            memory=draw(st.sampled_from([0, 0, 128, 512])),
            group=draw(st.sampled_from(GROUPS)),
        ),
        "count": draw(st.integers(0, 60)),
        "constraints": draw(st.just([]) | st.lists(st.sampled_from(CAPS), max_size=2, unique=True)),
        # Bare spreads and zero-demand binpack tails take the masks; the rest the event loop.
        "strategy": spreads + draw(st.sampled_from([[], [], *TAILS])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=examples(1), suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_spread_chains_agree_with_the_reference(problem: dict[str, Any]) -> None:
    reference = place(**problem, method="reference")
    assert place(**problem) == reference
    assert place(**problem, method="loop") == reference


# -- the order itself, on more instances than the reference can afford --------------------------


@st.composite
def zone_orders(draw: st.DrawFn) -> tuple[np.ndarray, list[order.Column], int]:
    """(k, chain, count): two zone columns (maybe a third), then fixed keys per instance."""
    n = draw(st.integers(1, 60))
    cols = []
    for _ in range(draw(st.sampled_from([2, 2, 2, 3]))):
        zones = draw(st.integers(1, 6))
        lacking = draw(st.sampled_from([0.0, 0.0, 0.2]))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        base = rng.integers(0, zones, n)
        base[rng.random(n) < lacking] = zones  # the pseudo-zone of instances lacking it
        levels = rng.integers(0, draw(st.sampled_from([1, 3, 20])), zones + 1)
        cols.append(order.Column(order.ZONE, base.astype(np.int64), levels=levels, missing=zones))
    for _ in range(draw(st.integers(0, 2))):
        values = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)))
        cols.append(order.Column(order.CONST, values.astype(np.int64)))
    big = draw(st.booleans())  # a task that reserves nothing: every instance takes every copy
    count = draw(st.integers(0, 400))
    k = np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)), dtype=np.int64)
    return (np.where(k > 0, count, 0) if big else k), cols, count


@settings(max_examples=examples(2))
@given(zone_orders())
def test_two_zone_masks_equal_the_event_loop(case: tuple[np.ndarray, list[Any], int]) -> None:
    k, cols, count = case
    rows = np.flatnonzero(k > 0).astype(np.int64)
    fast = order.order_events(rows, k[rows], cols, count)
    loop = order.order_events(rows, k[rows], cols, count, fast=False)
    assert fast.tolist() == loop.tolist()


def test_masks_decide_every_copy_of_a_full_grid() -> None:
    # 3 x 4 zone cells with room to spare, unequal starting levels, a fixed tail: the masks
    # alone give all copies (no hand-over), and heads move (instances fill) many times.
    rng = np.random.default_rng(7)
    n, count = 600, 2000
    zone_a, zone_b = rng.integers(0, 3, n), rng.integers(0, 4, n)
    key = rng.permutation(n).astype(np.int64)
    k = rng.integers(4, 13, n).astype(np.int64)
    levels_a, levels_b = np.array([4, 0, 2]), np.array([0, 3, 3, 1])
    done = two_zone_prefix(zone_a, zone_b, key, k, levels_a, levels_b, count)
    assert len(done) == count
    cols = [
        order.Column(order.ZONE, zone_a, levels=np.r_[levels_a, 0], missing=3),
        order.Column(order.ZONE, zone_b, levels=np.r_[levels_b, 0], missing=4),
        order.Column(order.CONST, key),
    ]
    rows = np.arange(n, dtype=np.int64)
    assert done.tolist() == order.order_events(rows, k, cols, count, fast=False).tolist()


def test_period_fix_ups_on_grids_with_holes_equal_the_event_loop() -> None:
    # Many heads fill and move past others, so the replayed period is fixed up again and
    # again; a missing cell makes some fix-up walk find no candidate (a hand-over to the
    # copy-by-copy walk, then to the event loop). Each grid shape against the event loop.
    for n_a, n_b, hole in ((3, 4, None), (3, 4, (1, 2)), (2, 3, (0, 0)), (4, 6, (3, 5))):
        rng = np.random.default_rng(n_a * 10 + n_b)
        n, count = 400, 1500
        zone_a, zone_b = rng.integers(0, n_a, n), rng.integers(0, n_b, n)
        if hole is not None:
            zone_b[(zone_a == hole[0]) & (zone_b == hole[1])] = (hole[1] + 1) % n_b
        k = rng.integers(1, 9, n).astype(np.int64)
        cols = [
            order.Column(order.ZONE, zone_a, levels=np.zeros(n_a + 1, dtype=np.int64), missing=n_a),
            order.Column(order.ZONE, zone_b, levels=np.zeros(n_b + 1, dtype=np.int64), missing=n_b),
        ]
        rows = np.arange(n, dtype=np.int64)
        fast = order.order_events(rows, k, cols, count)
        assert fast.tolist() == order.order_events(rows, k, cols, count, fast=False).tolist()


@st.composite
def deep_grids(draw: st.DrawFn) -> tuple[np.ndarray, list[order.Column], int]:
    """(k, chain, count): a zone grid whose cells differ in copies per instance.

    Only a first part of each cell's instances is read ahead (about twice a cell's share of
    `count`); a cell whose instances take one copy each goes past it and reads on.
    """
    n_a, n_b = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    n = draw(st.integers(50, 600))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    zone_a, zone_b = rng.integers(0, n_a, n), rng.integers(0, n_b, n)
    small = (zone_a == 0) & (zone_b == 0)  # the thin cell: one or two copies per instance
    k = np.where(small, rng.integers(1, 3, n), rng.integers(5, 40, n)).astype(np.int64)
    levels_a = rng.integers(0, draw(st.sampled_from([1, 3])), n_a + 1)
    levels_b = rng.integers(0, draw(st.sampled_from([1, 3])), n_b + 1)
    cols = [
        order.Column(order.ZONE, zone_a.astype(np.int64), levels=levels_a, missing=n_a),
        order.Column(order.ZONE, zone_b.astype(np.int64), levels=levels_b, missing=n_b),
        order.Column(order.CONST, rng.permutation(n).astype(np.int64)),
    ]
    return k, cols, draw(st.integers(1, int(k.sum())))


@settings(max_examples=examples(0.3))
@given(deep_grids())
def test_cells_read_past_their_first_instances_equal_the_event_loop(
    case: tuple[np.ndarray, list[Any], int],
) -> None:
    k, cols, count = case
    rows = np.arange(len(k), dtype=np.int64)
    fast = order.order_events(rows, k, cols, count)
    assert fast.tolist() == order.order_events(rows, k, cols, count, fast=False).tolist()
