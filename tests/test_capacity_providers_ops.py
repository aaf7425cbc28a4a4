"""Capacity provider strategies in ClusterState, headroom, deploy and instances_needed (§9),
held to the per-copy references of tests/test_capacity_providers.py."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_capacity_providers import CHAINS, clusters, reference_place, reference_split, strategies

from placement import (
    ClusterState,
    Instance,
    Inventory,
    PlacementInputError,
    TaskSpec,
    deploy,
    headroom,
    instances_needed,
    place,
    rank,
)
from placement.place.providers import ProviderFailure, copy_index, provider_strategy

WEB = TaskSpec(cpu=256, memory=512, group="service:web")


def _provider_of(inv: Inventory, arn: str) -> str | None:
    return inv[inv.index_of(arn)].capacity_provider


def _split(
    inv: Inventory, result: Any, split: list[tuple[str, bool]]
) -> list[tuple[str, bool]]:
    """Per copy: its provider and whether it placed, read from a result.

    The copies' providers are taken from the reference `split`; a failure gives its
    provider's first failed copy, and (capacity only shrinks with these constraints) every
    later copy of that provider fails too. The placed copies' instances must be of the
    providers the copies went to, in order.
    """
    first = {}
    for failure in result.failures:
        assert isinstance(failure, ProviderFailure)
        first[failure.provider] = failure.index
    out = [(p, not (p in first and copy >= first[p])) for copy, (p, _) in enumerate(split)]
    assert [_provider_of(inv, arn) for arn in result.placements] == [p for p, ok in out if ok]
    return out


def _reference_split(
    inv: Inventory, task: TaskSpec, count: int, constraints: list[Any], chain: list[str],
    items: list[dict[str, Any]],
) -> tuple[list[str | None], list[tuple[str, bool]]]:
    want, assigned, _ = reference_place(inv, task, count, constraints, chain, items)
    split = [(items[k]["capacityProvider"], arn is not None)
             for k, arn in zip(assigned, want, strict=True)]  # fmt: skip
    return want, split


@settings(max_examples=examples(3))
@given(items=strategies(), data=st.data())
def test_copy_index_equals_the_per_copy_split(items: list[dict[str, Any]], data: Any) -> None:
    counts = data.draw(st.lists(st.integers(0, 12), min_size=len(items), max_size=len(items)))
    sequence = reference_split(counts, items, 80)
    parsed = provider_strategy(items)
    for k in range(len(items)):
        positions = [i for i, x in enumerate(sequence) if x == k]
        for q in range(1, 6):
            got = copy_index(counts, parsed, k, q)
            if q <= len(positions):
                assert got == positions[q - 1]
            else:
                assert got is None or got >= 80


@settings(max_examples=examples(0.5))
@given(inv=clusters(), items=strategies(), count=st.integers(0, 12),
       chain=st.sampled_from(CHAINS), distinct=st.booleans())  # fmt: skip
def test_cluster_state_place_equals_the_reference(
    inv: Inventory, items: list[dict[str, Any]], count: int, chain: list[str], distinct: bool
) -> None:
    constraints = ["distinctInstance"] if distinct else []
    want, split = _reference_split(inv, WEB, count, constraints, chain, items)
    state = ClusterState(inv)
    got = state.place(WEB, count, constraints=constraints, strategy=chain,
                      capacity_provider_strategy=items)  # fmt: skip
    assert list(got.placements) == [arn for arn in want if arn is not None]
    assert _split(inv, got, split) == split
    assert got.inventory == place(inv, WEB, count, constraints=constraints, strategy=chain,
                                  capacity_provider_strategy=items).inventory  # fmt: skip
    # The next copy is ranked where `placement.rank` ranks it on the state's snapshot.
    assert state.rank(WEB, constraints=constraints, strategy=chain,
                      capacity_provider_strategy=items) == rank(
        state.inventory, WEB, constraints=constraints, strategy=chain,
        capacity_provider_strategy=items)  # fmt: skip


@settings(max_examples=examples(0.3))
@given(inv=clusters(), items=strategies(), count=st.integers(0, 12), seed=st.integers(0, 99))
def test_cluster_state_random_follows_the_split(
    inv: Inventory, items: list[dict[str, Any]], count: int, seed: int
) -> None:
    """With `random` the state places copy by copy; which copies place does not depend on it."""
    _, split = _reference_split(inv, WEB, count, [], [], items)
    state = ClusterState(inv, seed=seed)
    got = state.place(WEB, count, strategy=["random"], capacity_provider_strategy=items)
    assert _split(inv, got, split) == split
    assert len(got.task_arns) == got.placed and state.inventory == got.inventory


@settings(max_examples=examples(0.5))
@given(inv=clusters(), items=strategies(), chain=st.sampled_from(CHAINS),
       distinct=st.booleans())  # fmt: skip
def test_headroom_is_the_first_failed_copy_of_the_reference(
    inv: Inventory, items: list[dict[str, Any]], chain: list[str], distinct: bool
) -> None:
    constraints = ["distinctInstance"] if distinct else []
    room = headroom(inv, WEB, constraints=constraints, strategy=chain,
                    capacity_provider_strategy=items)  # fmt: skip
    n = 40 if room.copies is None else room.copies + 1
    _, split = _reference_split(inv, WEB, n, constraints, chain, items)
    placed = [ok for _, ok in split]
    if room.copies is None:
        assert room.unbounded and all(placed)
        return
    assert all(placed[: room.copies]) and not placed[room.copies]
    assert room.provider == split[room.copies][0]
    result = place(inv, WEB, n, constraints=constraints, strategy=chain,
                   capacity_provider_strategy=items)  # fmt: skip
    (failure,) = result.failures
    assert failure.reasons == room.reasons
    assert room.to_dict()["capacityProvider"] == room.provider


def test_headroom_with_a_coupling_constraint_is_found_by_placing() -> None:
    inv = Inventory.from_instances([
        Instance(arn=f"i/{p}{z}", cpu=4096, memory=8192, capacity_provider=p,
                 attributes={"ecs.availability-zone": z})
        for p in ("od", "spot") for z in ("a", "b")
    ])  # fmt: skip
    items = [{"capacityProvider": "od", "base": 1, "weight": 0},
             {"capacityProvider": "spot", "weight": 1}]  # fmt: skip
    cap = [{"type": "maxPer", "field": "attribute:ecs.availability-zone", "max": 2}]
    room = headroom(inv, WEB, constraints=cap, capacity_provider_strategy=items)
    result = place(inv, WEB, 10, constraints=cap, capacity_provider_strategy=items)
    assert room.copies == result.failures[0].index == 4 and room.provider == "spot"


@settings(max_examples=examples(0.3))
@given(inv=clusters(), items=strategies(), desired=st.integers(1, 8),
       chain=st.sampled_from(CHAINS[:3]))  # fmt: skip
def test_deploy_first_round_starts_the_reference_copies(
    inv: Inventory, items: list[dict[str, Any]], desired: int, chain: list[str]
) -> None:
    old = inv.group_counts(WEB.group).sum()
    new_task = TaskSpec(cpu=128, memory=256, group=WEB.group)
    done = deploy(inv, WEB.group, new_task, desired_count=desired, maximum_percent=200,
                  minimum_healthy_percent=100, strategy=chain,
                  capacity_provider_strategy=items)  # fmt: skip
    start = min(desired, 2 * desired - old)
    if start <= 0:
        assert not done.rounds[0].started
        return
    want, split = _reference_split(inv, new_task, start, [], chain, items)
    first = done.rounds[0]
    assert [i for _, i in first.started] == [arn for arn in want if arn is not None]
    pending: dict[str, int] = {}
    for provider, ok in split:
        if not ok:
            pending[provider] = pending.get(provider, 0) + 1
    assert dict(first.pending_providers) == pending and first.pending == sum(pending.values())


def _grow(inv: Inventory, template: Instance, k: int) -> Inventory:
    extra = [Instance(arn=f"{template.arn}/ref-{j}", cpu=template.cpu, memory=template.memory,
                      capacity_provider=template.capacity_provider) for j in range(k)]  # fmt: skip
    return inv.appending(Inventory.from_instances(extra)) if extra else inv


@settings(max_examples=examples(0.3))
@given(inv=clusters(), items=strategies(), count=st.integers(0, 20),
       chain=st.sampled_from(CHAINS[:3]), distinct=st.booleans())  # fmt: skip
def test_instances_needed_per_provider_is_the_fewest(
    inv: Inventory, items: list[dict[str, Any]], count: int, chain: list[str], distinct: bool
) -> None:
    constraints = ["distinctInstance"] if distinct else []
    templates = {item["capacityProvider"]: Instance(
        arn=f"arn:aws:ecs:us-east-1:1:container-instance/c/t-{item['capacityProvider']}",
        cpu=512, memory=1024, capacity_provider=item["capacityProvider"]) for item in items}
    got = instances_needed(inv, WEB, count, list(templates.values()), constraints=constraints,
                           strategy=chain, capacity_provider_strategy=items, limit=50)  # fmt: skip
    assert got.instances is not None and got.placements is not None
    assert got.placements.placed == count and not got.placements.failures
    assert got.instances == sum(got.by_provider.values())
    # The split of the copies is the reference's, whatever instances were added.
    counts = [int(sum(inv[i].task_groups.get(WEB.group, 0) for i in range(len(inv))
                      if inv[i].capacity_provider == it["capacityProvider"])) for it in items]
    split = [items[k]["capacityProvider"] for k in reference_split(counts, items, count)]
    grown = got.placements.inventory
    assert [_provider_of(grown, arn) for arn in got.placements.placements] == split
    # Per provider, the fewest: one instance fewer leaves some of its copies unplaced.
    for item in items:
        name = item["capacityProvider"]
        share = split.count(name)
        k = got.by_provider.get(name, 0)
        only = [*constraints, f"memberOf(attribute:ecs.capacity-provider == {name})"]
        assert place(_grow(inv, templates[name], k), WEB, share, constraints=only,
                     strategy=chain).failed == 0  # fmt: skip
        if k:
            assert place(_grow(inv, templates[name], k - 1), WEB, share, constraints=only,
                         strategy=chain).failed > 0  # fmt: skip


def test_instances_needed_names_the_provider_without_a_template() -> None:
    inv = Inventory.from_instances([
        Instance(arn="i/od", cpu=512, memory=1024, capacity_provider="od"),
        Instance(arn="i/spot", cpu=512, memory=1024, capacity_provider="spot"),
    ])  # fmt: skip
    items = [{"capacityProvider": "od", "base": 2, "weight": 0},
             {"capacityProvider": "spot", "weight": 1}]  # fmt: skip
    template = Instance(arn="i/t", cpu=512, memory=1024, capacity_provider="spot")
    got = instances_needed(inv, WEB, 6, [template], capacity_provider_strategy=items)
    assert got.instances == 1 and dict(got.by_provider) == {"od": 0, "spot": 1}
    stuck = instances_needed(inv, WEB, 3, [template],
                             capacity_provider_strategy=[{"capacityProvider": "od", "base": 3,
                                                          "weight": 1}])  # fmt: skip
    assert stuck.instances is None and stuck.provider == "od"
    assert stuck.reasons == {"RESOURCE:CPU": 1} and stuck.to_dict()["capacityProvider"] == "od"
    with pytest.raises(PlacementInputError, match="capacityProviderName"):
        instances_needed(inv, WEB, 6, [Instance(arn="i/x", cpu=512, memory=1024)],
                         capacity_provider_strategy=items)  # fmt: skip
    with pytest.raises(PlacementInputError, match="couple"):
        instances_needed(inv, WEB, 6, [template], capacity_provider_strategy=items,
                         constraints=[{"type": "maxPer", "field": "instanceId", "max": 1}])


def test_cluster_state_failures_name_the_provider() -> None:
    inv = Inventory.from_instances([
        Instance(arn="od/1", cpu=512, memory=512, capacity_provider="od"),
        Instance(arn="spot/1", cpu=4096, memory=4096, capacity_provider="spot"),
    ])  # fmt: skip
    task = TaskSpec(cpu=256, memory=256, group="g")
    items = [{"capacityProvider": "od", "base": 4, "weight": 0},
             {"capacityProvider": "spot", "weight": 1}]  # fmt: skip
    state = ClusterState(inv)
    got = state.place(task, 6, capacity_provider_strategy=items)
    assert got.placements == ("od/1", "od/1", "spot/1", "spot/1")
    (failure,) = got.failures
    assert isinstance(failure, ProviderFailure) and failure.provider == "od"
    assert (failure.index, failure.count) == (2, 2)
    # Two of od's base of four run: the next copy still goes to od, which is full.
    assert state.rank(task, capacity_provider_strategy=items).best is None
    with pytest.raises(PlacementInputError):
        state.place(task, 1, capacity_provider_strategy=[{"capacityProvider": "od"}])


@st.composite
def stacked(draw: Any) -> Inventory:
    """A cluster where some instances lack the `stack` attribute (spread puts them last)."""
    out = []
    for i in range(draw(st.integers(1, 9))):
        attributes = {"ecs.availability-zone": draw(st.sampled_from(["a", "b", "c"]))}
        stack = draw(st.sampled_from(["x", "y", None]))
        if stack is not None:
            attributes["stack"] = stack
        out.append(Instance(
            arn=f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}",
            cpu=draw(st.integers(0, 4)) * 256, memory=draw(st.integers(0, 4)) * 512,
            capacity_provider=draw(st.sampled_from(["od", "spot", "spot2"])),
            attributes=attributes, task_groups={"service:web": draw(st.integers(0, 2))},
        ))  # fmt: skip
    return Inventory.from_instances(out)


SPREADS = [
    ["spread(attribute:ecs.availability-zone)", "spread(attribute:stack)"],
    ["binpack(memory)", "spread(attribute:stack)", "spread(instanceId)"],
    ["spread(attribute:stack)", "binpack(cpu)"],
]


MAX_PER_ZONE = {"type": "maxPer", "field": "attribute:ecs.availability-zone", "max": 2}


@settings(max_examples=examples(0.5))
@given(inv=stacked(), items=strategies(), count=st.integers(0, 16),
       chain=st.sampled_from(SPREADS),
       constraints=st.sampled_from([[], ["distinctInstance"], [MAX_PER_ZONE]]))  # fmt: skip
def test_spreads_over_attributes_couple_providers_as_the_reference(
    inv: Inventory, items: list[dict[str, Any]], count: int, chain: list[str],
    constraints: list[Any],
) -> None:
    """The per-cell merge (spreads over attributes, several, some instances lacking one), and
    the per-copy pass where a constraint couples the providers too (maxPer)."""
    want, _ = _reference_split(inv, WEB, count, constraints, chain, items)
    for method in ("batch", "loop"):
        got = place(inv, WEB, count, constraints=constraints, strategy=chain, method=method,
                    capacity_provider_strategy=items)  # fmt: skip
        assert list(got.placements) == [arn for arn in want if arn is not None]
