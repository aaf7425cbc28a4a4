"""THE invariant: the vectorized evaluator agrees with the reference on every instance.

`expr.evaluate(inv).tolist() == [expr.matches(i) for i in inv]` for generated expressions over
every subject and operator, on generated inventories (empty ones included), on inventories
loaded from generated ECS JSON, and on hand-picked edge cases.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from placement import Instance, TaskSpec, parse
from placement.evaluate.vector import compile_plan, evaluate, leaf_mask
from placement.inventory import Inventory
from placement.syntax.ast import Comparison, Expression
from placement.testing import comparisons, ecs_documents, expressions, instances, inventories


def _agree(expr: Expression, inv: Inventory) -> None:
    mask = expr.evaluate(inv)
    assert mask.dtype == np.bool_
    assert mask.shape == (len(inv),)
    expected = [expr.matches(i) for i in inv]
    assert mask.tolist() == expected, str(expr)
    # The plan is reusable and pure: a second run gives the same answer.
    assert compile_plan(expr)(inv).tolist() == expected


# Generating inventories costs far more than evaluating, so each example checks several
# expressions on one inventory. `PLACEMENT_FUZZ_EXAMPLES=20000` scales every property here.
_SEVERAL = st.lists(expressions(nomad=True), min_size=1, max_size=6)


@settings(max_examples=examples(4))
@given(_SEVERAL, inventories())
def test_vector_equals_scalar(exprs: list[Expression], inv: Inventory) -> None:
    for expr in exprs:
        _agree(expr, inv)


@settings(max_examples=examples(1))
@given(
    st.lists(comparisons(nomad=True), min_size=1, max_size=10),
    inventories(min_size=1, max_size=30),
)
def test_every_leaf_equals_scalar(leaves: list[Comparison], inv: Inventory) -> None:
    rows = list(inv)
    for leaf in leaves:
        assert leaf_mask(leaf, inv).tolist() == [leaf.matches(i) for i in rows], str(leaf)


@settings(max_examples=examples(1))
@given(_SEVERAL, ecs_documents())
def test_vector_equals_scalar_on_loaded_json(exprs: list[Expression], docs: tuple) -> None:  # type: ignore[type-arg]
    inv = Inventory.from_ecs(*docs)
    for expr in exprs:
        _agree(expr, inv)


@settings(max_examples=examples(0.5))
@given(_SEVERAL, st.lists(instances(), max_size=10, unique_by=lambda i: i.arn))
def test_inventory_rows_are_the_instances(exprs: list[Expression], items: list[Instance]) -> None:
    inv = Inventory.from_instances(items)
    for expr in exprs:
        assert evaluate(expr, inv).tolist() == [expr.matches(i) for i in items]


@settings(max_examples=examples(0.5))
@given(_SEVERAL, inventories(), st.data())
def test_agree_after_placements(
    exprs: list[Expression], inv: Inventory, data: st.DataObject
) -> None:
    counts = np.array(data.draw(st.lists(st.integers(0, 2), min_size=len(inv), max_size=len(inv))))
    group = data.draw(st.sampled_from(["service:web", "service:new", "databases"]))
    rows = np.repeat(np.arange(len(inv)), np.asarray(counts, dtype=np.int64))
    after = inv.with_placements(rows, TaskSpec(group=group))
    for expr in exprs:
        _agree(expr, after)


EDGE_INSTANCES = [
    Instance("arn:a"),  # nothing at all
    Instance("arn:b", attributes={"stack": None, "n": "10"}, agent_version="1.x"),
    Instance("arn:c", attributes={"stack": "", "n": "9"}, agent_version="1.14",
             ec2_instance_id="i-0", task_groups={"x": 1}, running_tasks_count=1),
    Instance("arn:d", attributes={"stack": "prod", "n": "1.5e1"}, agent_version="1.14.0.0",
             agent_connected=False, task_groups={"x": 2, "service:web": 1},
             running_tasks_count=5),
]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "attribute:stack exists", "attribute:stack !exists", "attribute:stack == ''",
        "attribute:stack != prod", "attribute:stack !in [prod, dev]", "attribute:stack =~ .*",
        "attribute:stack !~ prod", "attribute:n > 9", "attribute:n <= 10", "attribute:n < 1.6e1",
        "attribute:missing != x", "attribute:missing !exists", "attribute:missing !~ x",
        "agentVersion == 1.14", "agentVersion >= 1.9", "agentVersion != 1.0",
        "agentConnected == false", "agentConnected =~ tr.*", "agentConnected !in [true]",
        "ec2InstanceId != i-1", "ec2InstanceId !~ i-.*", "task:group != x", "task:group !in [x]",
        "task:group exists", "task:group !exists", "task:group =~ service:.*",
        "runningTasksCount > 9223372036854775807", "runningTasksCount <= 9223372036854775807",
        "runningTasksCount >= 1",
        "registeredAt < 2030-01-01", "registeredAt != 2030-01-01",
        "not(task:group == x) and (attribute:stack exists or runningTasksCount == 0)",
    ],
)  # fmt: skip
def test_edge_cases(text: str) -> None:
    _agree(parse(text), Inventory.from_instances(EDGE_INSTANCES))
    _agree(parse(text), Inventory.from_instances([]))


@settings(max_examples=examples(0.5))
@given(expressions(nomad=True))
@example(parse("attribute:a exists"))
def test_empty_inventory(expr: Expression) -> None:
    mask = expr.evaluate(Inventory.from_instances([]))
    assert mask.shape == (0,)
    assert mask.dtype == np.bool_


def test_result_is_fresh_and_writable() -> None:
    inv = Inventory.from_instances(EDGE_INSTANCES)
    expr = parse("attribute:stack exists and task:group exists")
    first = expr.evaluate(inv)
    first[:] = False
    assert expr.evaluate(inv).tolist() == [False, False, True, True]
