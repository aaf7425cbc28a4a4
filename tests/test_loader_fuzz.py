"""Mutation fuzz of the ECS loaders.

Real-shaped documents (the shipped examples and `placement.testing.ecs_documents()`) have one
node of their JSON tree - any field, at any depth - replaced by a wrong type, a null, a huge or
negative number, deep nesting or a long string. Whatever the loaders make of it:

* only `InventoryError` escapes, and its message names the element (instance or task, by
  position) and the field that was changed;
* `from_ecs` (fast paths) and the checked readers alone give the same outcome;
* `from_ecs_json` on the same document as JSON, by the typed decode or the plain way, gives the
  outcome of `from_ecs(json.loads(...))`: the same inventory or the same message.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_inventory_loaders import same_everywhere

from placement.model import MAX_TEXT
from placement.testing import ecs_documents


def _example(name: str) -> Any:
    return json.loads(resources.files("placement.examples").joinpath(name).read_text())


EXAMPLES = (_example("container-instances.json"), _example("tasks.json"))


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value] if depth % 2 else {"k": value}
    return value


MUTATIONS: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 2**53, 2**53 + 1, 2**63, 2**70, -(2**70), 10**400, 1.5, -0.0,
    1e20, 1e303, -1e303, float("nan"), float("inf"), "", "x", "RUNNING", "STRINGSET", "INTEGER",
    "-1", "65536", "²", "٣", "1" * 19, "1." + "9" * 5000, "2018-13-45", "2024-06-01T00:00:00Z",
    "a" * (MAX_TEXT + 1), [], {}, ["x"], [1], [None], {"name": "CPU"}, {"name": None},
    _nested(60), _nested(61),
)  # fmt: skip


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every node of a JSON tree (the root's is ())."""
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*path, index))
    return out


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return copy.deepcopy(value)
    doc = copy.deepcopy(doc)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = copy.deepcopy(value)
    return doc


def _element(path: tuple[Any, ...], key: str) -> int | None:
    """The position of the element a path lies in, for a one-page document."""
    if len(path) >= 2 and path[0] == key and isinstance(path[1], int):
        return path[1]
    return None


def _check(docs: tuple[Any, Any], which: int, path: tuple[Any, ...], value: Any) -> None:
    mutated = list(docs)
    mutated[which] = _replaced(docs[which], path, value)
    kind, result = same_everywhere(*mutated)
    if kind == "ok":
        return
    message = str(result)
    what, key = (("container instance", "containerInstances"), ("task", "tasks"))[which]
    assert message.startswith((what, "container instance", "task")), message
    position = _element(path, key)
    if position is None:
        return  # a page or the document itself: named by its position or as a whole
    other_arns = "appears twice" in message  # a duplicate is named at its second occurrence
    if not other_arns:
        assert message.startswith(f"{what} #{position}"), (path, message)
    if len(path) >= 3:
        assert "field '" in message or 'field "' in message, (path, message)
        # The field named is the one changed, or the one it sits in.
        assert str(path[2]) in message, (path, message)
    else:  # the element replaced whole: not an object, or an object lacking a field
        assert "expected an object" in message or "field '" in message, (path, message)


def _mutation_case(draw: st.DrawFn, docs: tuple[Any, Any]) -> None:
    which = draw(st.sampled_from([0, 1]))
    paths = _paths(docs[which])
    path = paths[draw(st.integers(0, len(paths) - 1))]
    value = draw(st.sampled_from(MUTATIONS))
    _check(docs, which, path, value)


@settings(max_examples=examples(4))
@given(st.data())
def test_mutated_examples(data: st.DataObject) -> None:
    _mutation_case(data.draw, EXAMPLES)


@settings(max_examples=examples(1))
@given(ecs_documents(min_size=1, max_size=5), st.data())
def test_mutated_generated_documents(docs: Any, data: st.DataObject) -> None:
    _mutation_case(data.draw, docs)


def test_every_field_of_the_examples_once() -> None:
    # Deterministic sweep: every node of both example documents, null, -1 and one of the
    # other mutations in turn (the property tests above draw the rest).
    for which in (0, 1):
        for k, path in enumerate(_paths(EXAMPLES[which])):
            for value in (None, -1, MUTATIONS[k % len(MUTATIONS)]):
                _check(EXAMPLES, which, path, value)
