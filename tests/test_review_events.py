"""Hostile review of event envelopes: any JSON shape applies or is refused, changing nothing."""

from __future__ import annotations

import json
from typing import Any

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_event_envelopes import _sns, _sqs_lambda, _state, _task_event

from placement import PlacementError

KEYS = ["Records", "body", "Body", "Sns", "Type", "Message", "Messages", "MessageId",
        "detail-type", "detail", "source", "version", "id", "taskArn", "containerInstanceArn",
        "launchType"]  # fmt: skip
LEAVES = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.sampled_from(
    ["", "Notification", "aws.ecs", "FARGATE", "ECS Task State Change", "ECS Service Action",
     "ECS Container Instance State Change", "{", "[]", "null"]
)  # fmt: skip
SHAPES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    | inner.map(json.dumps),  # a body or message holding JSON text
    max_leaves=15,
)
# Valid events, wrapped: the hostile parts sit beside them.
WRAPPED = st.sampled_from([_task_event("a"), _task_event("b", 2)]).flatmap(
    lambda e: st.sampled_from([e, _sqs_lambda(e), _sns(e), {"Body": json.dumps(_sns(e))}])
)


@settings(max_examples=examples(2.0))
@given(st.lists(st.one_of(SHAPES, WRAPPED), min_size=1, max_size=4))
def test_any_batch_applies_or_is_refused_without_change(batch: list[Any]) -> None:
    state = _state()
    before = state.inventory.tasks.arns.tolist()
    try:
        state.apply_all(batch)
    except PlacementError:
        assert state.inventory.tasks.arns.tolist() == before
