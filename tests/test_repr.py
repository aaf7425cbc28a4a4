"""Short reprs (under 200 characters, naming what matters) and notebook HTML for public values."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import placement
from placement import (
    Binpack,
    DistinctInstance,
    Failure,
    Instance,
    Inventory,
    MemberOf,
    Random,
    Spread,
    TaskSpec,
    examples,
)
from placement.place import reasons as R
from placement.render import MAX_ROWS

LIMIT = 200


def _demo() -> tuple[Inventory, TaskSpec]:
    inv = Inventory.from_ecs(json.loads(examples.CONTAINER_INSTANCES.read_text()),
                             json.loads(examples.TASKS.read_text()))  # fmt: skip
    return inv, TaskSpec.from_ecs(json.loads(examples.TASK_DEFINITION.read_text()))


def _short(value: Any, *essentials: str) -> str:
    text = repr(value)
    assert len(text) < LIMIT, text
    for part in essentials:
        assert part in text, (part, text)
    return text


def _big_inventory(n: int, arn_length: int = 60) -> Inventory:
    pad = "x" * arn_length
    return Inventory.from_instances(
        Instance(arn=f"arn:{pad}/{i}", cpu=10, memory=10, registered_cpu=100,
                 registered_memory=100, attributes={"ecs.availability-zone": f"z{i % 3}"})
        for i in range(n)
    )  # fmt: skip


# --- reprs ---------------------------------------------------------------------------------------


def test_rule_reprs_name_the_rule_and_its_field() -> None:
    assert repr(Spread("attribute:ecs.availability-zone")) == (
        "<Spread attribute:ecs.availability-zone>"
    )
    assert repr(Binpack("memory")) == "<Binpack memory>"
    assert repr(Random()) == "<Random>"
    assert repr(Random(7)) == "<Random seed=7>"
    assert repr(DistinctInstance()) == "<DistinctInstance>"
    assert repr(MemberOf("attribute:a == b")) == "<MemberOf attribute:a == b>"


def test_a_2000_character_member_of_has_a_short_repr() -> None:
    text = " or ".join(f"attribute:a{i} exists" for i in range(100))[:1990].rsplit(" or ", 1)[0]
    _short(MemberOf(text), "<MemberOf attribute:a0 exists or", "...>")


def test_task_spec_repr_names_group_and_demands() -> None:
    _, task = _demo()
    assert repr(task) == (
        "<TaskSpec 'family:web' cpu=640 memory=1280 1 required attribute 1 constraint>"
    )
    required = {f"a{i}" for i in range(99)}
    many = TaskSpec(cpu=1, memory=2, gpus=1, ports=range(1, 50), udp_ports={53},
                    group="g" * 10_000, requires_attributes=required)  # fmt: skip
    _short(many, "cpu=1", "memory=2", "gpus=1", "ports=[1, 2, 3, 4, ...]", "udp_ports=[53]",
           "99 required attributes")  # fmt: skip


def test_failure_repr_names_the_copies_and_every_reason() -> None:
    failure = Failure(31, dict.fromkeys(R.ORDER, 1000000), count=5)
    text = _short(failure, "copies 31-35", "AGENT 1000000", "CPU 1000000", "MemberOf 1000000",
                  "DistinctInstance 1000000")  # fmt: skip
    assert text.startswith("<Failure ")
    assert repr(Failure(3, {"AGENT": 2})) == "<Failure copy 3: AGENT 2>"
    _short(Failure(10**250, {}, count=10**250))


def test_result_and_explanation_reprs() -> None:
    inv, task = _demo()
    result = placement.place(inv, task, 36, strategy=placement.SERVICE_DEFAULT)
    _short(result, "placed 31 of 36", "5 failed")
    _short(result.failures, "copies 31-35")
    _short(result.explain(), "0 of 12 eligible", "AGENT 2")
    why = placement.explain(placement.parse("attribute:ecs.os-type == linux"), inv)
    _short(why, "attribute:ecs.os-type == linux", "11 of 12 match", "1 clauses")
    _short(why.clauses[0], "attribute:ecs.os-type == linux", "rejected 1")


def test_ranking_repr_is_short_on_a_big_inventory() -> None:
    """Was 2,278 characters of mask arrays on the 12-instance example."""
    inv = _big_inventory(1000, arn_length=150)
    _short(placement.rank(inv, TaskSpec(cpu=1)), "1000")
    inv, task = _demo()
    _short(placement.rank(inv, task), "9")


def test_explanation_reprs_stay_short_for_long_expressions() -> None:
    long = " and ".join(f"attribute:name{i} == value{i}" for i in range(50))
    inv = _big_inventory(5)
    why = placement.explain(placement.parse(long), inv)
    _short(why, "0 of 5 match", "50 clauses")
    _short(why.clauses[0], "rejected 5")


@given(st.from_type(TaskSpec) | st.from_type(MemberOf) | st.from_type(Spread)
       | st.from_type(Binpack) | st.from_type(Random) | st.from_type(DistinctInstance))  # fmt: skip
def test_generated_values_have_short_reprs(value: Any) -> None:
    _short(value, type(value).__name__)


# --- HTML ----------------------------------------------------------------------------------------


HOSTILE = "<script>alert('x')</script>&"


def _no_raw(markup: str) -> None:
    assert "<script>" not in markup
    assert html.escape(HOSTILE) in markup or html.escape(HOSTILE[:50]) in markup


def test_inventory_html_escapes_and_draws_bars() -> None:
    inv = Inventory.from_instances([
        Instance(arn=f"arn:x/{HOSTILE}", status="ACTIVE", cpu=25, memory=0,
                 registered_cpu=100, registered_memory=50,
                 attributes={"ecs.availability-zone": HOSTILE}),
    ])  # fmt: skip
    markup = inv._repr_html_()
    _no_raw(markup)
    assert "75 / 100" in markup and "width:75%" in markup  # CPU: 75 of 100 used
    assert "50 / 50" in markup and "width:100%" in markup  # memory: all used
    assert markup.count("<tr>") == 2  # the header and the one instance


def test_tables_are_bounded() -> None:
    inv = _big_inventory(1000)
    markup = inv._repr_html_()
    assert markup.count("<tr>") == 1 + MAX_ROWS + 1
    assert f"... and {1000 - MAX_ROWS} more" in markup
    assert len(markup) < 50_000
    result = placement.place(inv, TaskSpec(cpu=10, group="g"), 2000)
    result_markup = result._repr_html_()
    assert "placed 1000 of 2000 copies" in result_markup
    assert "copies 1000-1999 fit nowhere" in result_markup
    assert f"... and {1000 - MAX_ROWS} more" in result_markup
    explained = result.explain()._repr_html_()
    assert "0 of 1000 instances can take the task" in explained
    assert f"... and {1000 - MAX_ROWS} more" in explained


def test_result_html_counts_copies_per_instance() -> None:
    inv = _big_inventory(3)
    result = placement.place(inv, TaskSpec(cpu=5, group="g"), 5, strategy=["binpack(cpu)"])
    markup = result._repr_html_()
    cells = re.findall(r"<td[^>]*>(\d+)</td></tr>", markup)  # the last column: copies placed
    assert [int(c) for c in cells] == [2, 2, 1]


def test_explanation_html_escapes_clauses_and_names() -> None:
    inv = Inventory.from_instances([Instance(arn=f"arn:{HOSTILE}", attributes={"a": "b"})])
    expr = placement.attribute("a") == HOSTILE
    markup = placement.explain(expr, inv)._repr_html_()
    assert "<script>" not in markup
    assert html.escape(str(expr)) in markup
    assert "0 of 1 instances match" in markup
    placed = placement.place(inv, TaskSpec(group="g"), 1, constraints=[MemberOf(expr)])
    why = placed.explain()._repr_html_()
    assert "<script>" not in why
    assert html.escape(R.MEMBER_OF) in why


@pytest.mark.parametrize("n", [0, 1])
def test_html_of_tiny_inventories(n: int) -> None:
    inv = _big_inventory(n)
    assert "more" not in inv._repr_html_()
    assert inv._repr_html_().count("<tr>") == 1 + n


# --- every result type: a short repr and an unwrapped HTML table (issue 16) ----------------------


SHORT = 120
"""Issue 16: reprs of what-if results read in a line (one printed 356 characters of attrs)."""


def _results() -> dict[str, Any]:
    inv, task = _demo()
    templates = json.loads(examples.CONTAINER_INSTANCES.read_text())["containerInstances"][:3]
    deployment = placement.deploy(inv, "service:web", task, desired_count=12)
    return {
        "Headroom": placement.headroom(inv, task),
        "Deployment": deployment,
        "DeploymentRound": deployment.rounds[0],
        "InstancesNeeded": placement.instances_needed(inv, task, 40, templates),
        "ScaleInResult": placement.scale_in(inv, "service:web", 3),
        "DaemonResult": placement.place_daemon(inv, TaskSpec(cpu=1, group="daemon:log")),
        "Ranking": placement.rank(inv, task),
        "ClusterState": placement.ClusterState(inv),
        "Repair": placement.repair(inv, task, 40),
        "PlacementResult": placement.place(inv, task, 40),
        "PlacementExplanation": placement.explain_placement(inv, task),
        "Explanation": placement.explain("attribute:ecs.os-type == linux", inv),
    }


@pytest.mark.parametrize("name", sorted(_results()))
def test_every_result_has_a_short_repr(name: str) -> None:
    value = _results()[name]
    text = repr(value)
    assert len(text) < SHORT, text
    assert text.startswith(f"<{name} ") and text.endswith(">"), text
    assert "FrozenMap" not in text and "reasons=" not in text, text


def test_result_reprs_say_what_matters() -> None:
    results = _results()
    assert repr(results["Headroom"]) == "<Headroom 31 more copies; AGENT 2, CPU 9, MemberOf 1>"
    assert repr(results["Deployment"]) == (
        "<Deployment 'service:web' completed in 1 round: new 12, old 0 of 12>")
    assert repr(results["DeploymentRound"]) == (
        "<DeploymentRound started 12, stopped 4: old 0, new 12>")
    assert repr(results["ScaleInResult"]) == (
        "<ScaleInResult 3 tasks of 'service:web' to stop; 12 instances after>")
    assert repr(results["Ranking"]) == (
        "<Ranking 9 candidates, best '00000000000000000000000000000000', 3 excluded>")
    long = placement.Headroom(None, {}, unbounded=True)
    assert repr(long) == "<Headroom unbounded>"


def test_long_groups_and_many_reasons_stay_short() -> None:
    inv = _big_inventory(30, arn_length=300)
    group = "service:" + "g" * 500
    task = TaskSpec(cpu=5, group=group)
    state = placement.ClusterState(placement.place(inv, task, 60).inventory)
    values = [placement.scale_in(state.inventory, group, 3),
              placement.deploy(inv, group, TaskSpec(cpu=50, group=group), desired_count=40),
              placement.headroom(inv, task), placement.rank(inv, task), state]  # fmt: skip
    for value in values:
        assert len(repr(value)) < SHORT, repr(value)


@pytest.mark.parametrize("name", sorted(_results()))
def test_every_result_has_html_that_does_not_wrap(name: str) -> None:
    value = _results()[name]
    if not hasattr(value, "_repr_html_"):
        assert name == "DeploymentRound"  # shown inside its Deployment's table
        return
    markup = value._repr_html_()
    assert "<table>" in markup and "<script>" not in markup
    cells = re.findall(r"<t[dh]\b[^>]*>", markup)
    assert cells and all("white-space:nowrap" in cell for cell in cells), name
    assert len(markup) < 50_000


def test_zone_names_are_not_broken_at_hyphens() -> None:
    inv, _ = _demo()
    markup = inv._repr_html_()
    assert '<td style="white-space:nowrap">us-east-1a</td>' in markup


def test_result_html_escapes_and_is_bounded() -> None:
    inv = _big_inventory(100)
    group = f"service:{HOSTILE}"
    task = TaskSpec(cpu=1, group=group)
    state = placement.place(inv, task, 150).inventory
    deployment = placement.deploy(state, group, TaskSpec(cpu=2, group=group), desired_count=150)
    assert "<script>" not in deployment._repr_html_()
    assert html.escape(HOSTILE[:10]) in deployment._repr_html_()
    for value in (placement.scale_in(state, group, 60), placement.rank(inv, task),
                  placement.place_daemon(inv, TaskSpec(cpu=1, group="daemon:x"))):  # fmt: skip
        markup = value._repr_html_()
        assert "<script>" not in markup
        assert markup.count("<tr>") <= 3 * (MAX_ROWS + 2)
        assert "... and 80 more" in markup or "... and 40 more" in markup
