"""An attribute named in a constraint or strategy that no instance has warns, with the nearest
names (issue 16): in the library (`UnknownAttributeWarning`) and in the CLI (one stderr line)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import INSTANCES, TASK_DEFINITION, TASKS, inventory
from test_cli_subprocess import run

import placement
from placement import Instance, Inventory, PlacementWarning, TaskSpec, UnknownAttributeWarning

TASK = TaskSpec(cpu=1, memory=1)
CALLS: dict[str, Callable[..., Any]] = {
    "place": lambda inv, c, s: placement.place(inv, TASK, 2, constraints=c, strategy=s),
    "rank": lambda inv, c, s: placement.rank(inv, TASK, constraints=c, strategy=s),
    "explain_placement": lambda inv, c, s: placement.explain_placement(inv, TASK, c),
    "headroom": lambda inv, c, s: placement.headroom(inv, TASK, constraints=c, strategy=s),
}


def _caught(call: Callable[[], object]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    assert all(issubclass(w.category, UnknownAttributeWarning) for w in caught), caught
    assert all(w.filename == __file__ for w in caught)  # points at the caller's line
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_entry_point_warns_with_the_nearest_names(name: str) -> None:
    inv = inventory()
    messages = _caught(lambda: CALLS[name](inv, ["memberOf(attribute:ecs.os-typ == linux)"], ()))
    assert len(messages) == 1
    assert "'ecs.os-typ'" in messages[0] and "did you mean 'ecs.os-type'" in messages[0]


def test_strategies_and_caps_warn_once_per_attribute() -> None:
    inv = inventory()
    constraints = ["maxPer(attribute:stak, 2)",
                   "memberOf(attribute:stak != a or attribute:stak == b)",
                   "topologySpread(attribute:ecs.availabilty-zone, maxSkew=1)"]  # fmt: skip
    strategy = ["spread(attribute:ecs.availabilty-zone)", "binpack(memory)"]
    messages = _caught(lambda: placement.place(inv, TASK, 3, constraints=constraints,
                                               strategy=strategy))  # fmt: skip
    assert len(messages) == 2
    stak, zone = sorted(messages, key=lambda m: "stak" not in m)
    assert "did you mean 'stack'" in stak
    assert "did you mean 'ecs.availability-zone'" in zone


def test_existence_tests_and_known_names_do_not_warn() -> None:
    inv = inventory()
    quiet = ["memberOf(attribute:gpu-type !exists)", "memberOf(not(attribute:spot exists))",
             "memberOf(attribute:ecs.os-type == linux)", "maxPer(attribute:stack, 9)"]  # fmt: skip
    assert _caught(lambda: placement.place(inv, TASK, 2, constraints=quiet,
                                           strategy=["spread(attribute:stack)"])) == []  # fmt: skip
    # Under not, an equality still warns: a misspelt name there matches every instance.
    loud = _caught(lambda: placement.place(inv, TASK, 1,
                                           constraints=["memberOf(not(attribute:stak == a))"]))
    assert len(loud) == 1 and "did you mean 'stack'" in loud[0]


def test_no_close_name_and_empty_inventory() -> None:
    inv = Inventory.from_instances([Instance(arn="a", cpu=5, memory=5, attributes={"x": "1"})])
    (message,) = _caught(lambda: placement.rank(inv, TASK, strategy=["spread(attribute:zzz)"]))
    assert "'zzz'" in message and "did you mean" not in message
    empty = Inventory.from_instances([])
    assert _caught(lambda: placement.place(empty, TASK, 1,
                                           strategy=["spread(attribute:zzz)"])) == []  # fmt: skip
    assert issubclass(UnknownAttributeWarning, PlacementWarning)
    assert issubclass(PlacementWarning, UserWarning)


def test_the_task_definitions_own_constraints_warn_too() -> None:
    task = TaskSpec(cpu=1, constraints=["memberOf(attribute:ecs.instance-typ == t3.large)"])
    (message,) = _caught(lambda: placement.place(inventory(), task, 1))
    assert "did you mean 'ecs.instance-type'" in message


def test_cli_prints_one_warning_line_and_keeps_the_exit_code() -> None:
    base = ("place", "--inventory", str(INSTANCES), "--tasks", str(TASKS),
            "--task-definition", str(TASK_DEFINITION), "-o", "json")  # fmt: skip
    right = run(*base, "--strategy", "spread(attribute:ecs.availability-zone)")
    wrong = run(*base, "--strategy", "spread(attribute:ecs.availabilty-zone)")
    assert wrong.returncode == right.returncode == 0, wrong.stderr
    assert "warning" not in right.stderr
    (line,) = wrong.stderr.splitlines()
    assert line.startswith("placement: warning: attribute 'ecs.availabilty-zone'")
    assert "did you mean 'ecs.availability-zone'" in line
    assert json.loads(wrong.stdout)["placed"] == 1  # stdout stays one JSON document
    # Named twice, told once; a topologySpread over no domain places nothing (exit 3).
    twice = run(*base, "--strategy", "spread(attribute:ecs.availabilty-zone)",
                "--constraint", "topologySpread(attribute:ecs.availabilty-zone, maxSkew=1)")
    assert twice.returncode == 3
    assert len([x for x in twice.stderr.splitlines() if "warning" in x]) == 1, twice.stderr
