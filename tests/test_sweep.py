"""`sweep`: the same answers, in order, in process and on executors (a process pool, Dask)."""

from __future__ import annotations

import concurrent.futures
import functools
import pickle
from typing import Any

import pytest

from placement import (
    Headroom,
    Instance,
    Inventory,
    PlacementInputError,
    TaskSpec,
    headroom,
    place,
    sweep,
)

ARN = "arn:aws:ecs:us-east-1:1:container-instance/c/"


def _inventory(n: int) -> Inventory:
    return Inventory.from_instances(
        Instance(
            arn=f"{ARN}{i:08x}",
            ec2_instance_id=f"i-{i:017x}",
            cpu=4096,
            memory=8192,
            attributes={"ecs.availability-zone": f"us-east-1{'abc'[i % 3]}"},
        )
        for i in range(n)
    )


def room_for(inventory: Inventory, memory: int) -> Headroom:
    """A case: the headroom of a task of `memory` MiB (module level: pickles by reference)."""
    return headroom(inventory, TaskSpec(cpu=256, memory=memory, group="service:web"))


def fails_on_seven(case: int) -> int:
    if case == 7:
        raise ValueError("seven")
    return case


SIZES = [256, 512, 700, 1024, 3000, 9000]


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return _inventory(30)


def _expected(inv: Inventory) -> list[Headroom]:
    return [room_for(inv, m) for m in SIZES]


def test_sweep_in_process_is_the_plain_loop(inv: Inventory) -> None:
    answers = sweep(functools.partial(room_for, inv), SIZES)
    assert answers == _expected(inv)
    assert [a.copies for a in answers] == [30 * 16, 30 * 16, 30 * 11, 30 * 8, 30 * 2, 0]
    assert sweep(functools.partial(room_for, inv), iter([])) == []


def test_sweep_on_a_process_pool(inv: Inventory) -> None:
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        answers = sweep(functools.partial(room_for, inv), SIZES, executor=pool)
        # Placement results come back whole, their inventories included.
        results = sweep(functools.partial(place, inv, count=5), [TaskSpec(cpu=1)], executor=pool)
    assert answers == _expected(inv)
    assert results == [place(inv, TaskSpec(cpu=1), count=5)]


def test_sweep_on_dask(inv: Inventory) -> None:
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        answers = sweep(functools.partial(room_for, inv), SIZES, executor=client.get_executor())
    assert answers == _expected(inv)


def test_sweep_on_threads_keeps_order_and_raises_fn_errors_unchanged() -> None:
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        assert sweep(fails_on_seven, range(7), executor=pool) == list(range(7))
        with pytest.raises(ValueError, match="seven"):
            sweep(fails_on_seven, range(10), executor=pool)
    with pytest.raises(ValueError, match="seven"):
        sweep(fails_on_seven, range(10))


def test_inventories_pickle_as_columns() -> None:
    # About the size of the ARNs and a few numbers per instance, and linear in the instances.
    small, large = (len(pickle.dumps(_inventory(n))) for n in (2_000, 4_000))
    assert large / 4_000 < 200
    assert 1.8 < large / small < 2.2
    assert pickle.loads(pickle.dumps(_inventory(50))) == _inventory(50)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"fn": 3, "cases": [1]}, "fn must be callable"),
        ({"fn": abs, "cases": 5}, "cases"),
        ({"fn": abs, "cases": "abc"}, "cases"),
        ({"fn": abs, "cases": [1], "executor": "pool"}, "executor"),
    ],
)
def test_sweep_refuses_bad_input_cleanly(args: dict[str, Any], message: str) -> None:
    with pytest.raises(PlacementInputError, match=message):
        sweep(args.pop("fn"), args.pop("cases"), **args)
