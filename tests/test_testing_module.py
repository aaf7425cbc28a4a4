"""`placement.testing` and the hypothesis plugin: `st.from_type` draws a valid value of every
public type, and importing hypothesis does not import placement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from enum import Enum
from importlib import metadata
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from placement import (
    And,
    Binpack,
    Comparison,
    DistinctInstance,
    Expression,
    Instance,
    Inventory,
    MaxPer,
    MemberOf,
    Not,
    Or,
    Random,
    Spread,
    TaskSpec,
    Timestamp,
    TopologySpread,
    Version,
)
from placement.instance import Task
from placement.rules import constraints_from, strategy_from


def _round_trips_as_text(value: Any) -> None:
    assert placement.parse(str(value)) == value


def _valid_instance(value: Instance) -> None:
    assert Instance.from_ecs(value.to_ecs()).arn == value.arn
    assert len(Inventory.from_instances([value])) == 1


def _valid_task(value: Task) -> None:
    host = Instance(arn=value.instance, task_groups={value.group: 1}, running_tasks_count=1,
                    ports=value.ports, udp_ports=value.udp_ports)  # fmt: skip
    inv = Inventory.from_instances([host], [value])
    assert inv.tasks[0] == value


def _valid_inventory(value: Inventory) -> None:
    assert Inventory.from_ecs(*value.to_ecs()) == value


def _valid_task_spec(value: TaskSpec) -> None:
    # Placing it anywhere is the test of validity: no input error, one answer per copy.
    result = placement.place(Inventory.from_instances([]), value, 1)
    assert result.requested == 1


def _valid_constraint(value: Any) -> None:
    assert constraints_from([str(value)]) == (value,)
    assert constraints_from([value.to_ecs()])[0].to_ecs() == value.to_ecs()


def _valid_strategy(value: Any) -> None:
    assert strategy_from([str(value)]) == (value,)


def _valid_service(value: placement.Service) -> None:
    assert value.group == f"service:{value.name}"
    assert len(constraints_from(value.constraints)) == len(value.constraints)
    assert len(strategy_from(value.strategy)) == len(value.strategy)
    assert 0 <= value.minimum_healthy_percent <= 100 <= value.maximum_percent


def _valid_version(value: Version) -> None:
    assert placement.parse(f"agentVersion >= {value}") == (placement.agent_version >= str(value))


def _valid_timestamp(value: Timestamp) -> None:
    assert Timestamp.from_datetime(value.to_datetime()) == value


CHECKS: dict[type, Any] = {
    Expression: _round_trips_as_text,
    Comparison: _round_trips_as_text,
    And: _round_trips_as_text,
    Or: _round_trips_as_text,
    Not: _round_trips_as_text,
    Version: _valid_version,
    Timestamp: _valid_timestamp,
    Instance: _valid_instance,
    Task: _valid_task,
    Inventory: _valid_inventory,
    TaskSpec: _valid_task_spec,
    MemberOf: _valid_constraint,
    DistinctInstance: _valid_constraint,
    MaxPer: _valid_constraint,
    TopologySpread: _valid_constraint,
    Binpack: _valid_strategy,
    Spread: _valid_strategy,
    Random: _valid_strategy,
    placement.Service: _valid_service,
}


@pytest.mark.parametrize("kind", list(CHECKS), ids=lambda k: k.__name__)
def test_from_type_draws_a_valid_value_of_every_public_type(kind: type) -> None:
    @settings(max_examples=examples(0.3))
    @given(st.from_type(kind))
    def check(value: Any) -> None:
        assert isinstance(value, kind)
        CHECKS[kind](value)

    check()


def test_every_public_class_has_a_strategy() -> None:
    """A public class added later without a strategy fails here, not in a user's test."""
    values = [getattr(placement, name) for name in placement.__all__]
    public = {v for v in values if isinstance(v, type) and not issubclass(v, (Exception, Enum))}
    # Enums, the builder type and the result records are answers, not inputs: no strategy.
    answers = {
        placement.SubjectKind, placement.Subject, placement.Field, placement.Explanation,
        placement.ClauseExplanation, placement.Ranking, placement.PlacementResult,
        placement.Failure, placement.PlacementExplanation, placement.Translation,
    }  # fmt: skip
    # The operations' results (what-if, scale-in, daemons, repairs) and the live state are
    # answers too.
    answers |= {
        v for v in public
        if v.__module__.startswith(("placement.ops.", "placement.state", "placement.repairs."))
    }  # fmt: skip
    assert public - answers <= set(CHECKS)


# --- import cost -------------------------------------------------------------------------------


def _python(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_NO_PLUGINS"}
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_installed_entry_point_is_the_cheap_one() -> None:
    """Installs made before the hook moved out of the package import placement with hypothesis
    (reinstall: `pip install -e .`)."""
    hooks = [e.value for e in metadata.entry_points(group="hypothesis")
             if e.dist is not None and e.dist.name == "placement"]  # fmt: skip
    assert hooks == ["_placement_hypothesis:_hypothesis_setup_hook"]


def test_importing_hypothesis_imports_neither_placement_nor_numpy() -> None:
    heavy = ["placement", "placement.inventory", "numpy", "lark", "re2"]
    out = _python(
        "import sys, json, hypothesis\n"
        f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    )
    assert json.loads(out) == []


@pytest.mark.parametrize(
    "order",
    [
        "import placement, hypothesis",
        "import hypothesis, placement",
        "import hypothesis; import placement.testing",
    ],
)
@pytest.mark.parametrize("plugins", ["on", "off"])
def test_strategies_are_registered_whichever_comes_first(order: str, plugins: str) -> None:
    env = {"HYPOTHESIS_NO_PLUGINS": "1"} if plugins == "off" else {}
    if plugins == "off" and order == "import placement, hypothesis":
        # With plugins off nothing tells placement that hypothesis arrived later: importing
        # placement.testing (asking for the strategies) registers them.
        order += "; import placement.testing"
    out = _python(
        "import warnings; warnings.simplefilter('ignore')\n"
        f"{order}\n"
        "from hypothesis import strategies as st\n"
        "print(type(st.from_type(placement.Inventory).example()).__name__,"
        " type(st.from_type(placement.Spread).example()).__name__)",
        **env,
    )
    assert out == "Inventory Spread"
