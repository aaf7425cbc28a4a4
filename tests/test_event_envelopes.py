"""Events as they arrive in practice (issue 16 item 4): other ECS event types, SQS and SNS
envelopes, Fargate tasks, and instance events that move an instance between providers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from placement import ClusterState, Instance, Inventory, PlacementError, TaskSpec
from placement.ecs import read_events, unwrap_events

ARN = "arn:aws:ecs:us-east-1:1:container-instance/prod/{}"
TASK = "arn:aws:ecs:us-east-1:1:task/prod/{}"


def _state() -> ClusterState:
    return ClusterState(Inventory.from_instances([
        Instance(arn=ARN.format(k), cpu=1024, memory=2048, running_tasks_count=0)
        for k in range(2)
    ]))  # fmt: skip


def _task_event(name: str, version: int = 1, **detail: Any) -> dict[str, Any]:
    body = {"taskArn": TASK.format(name), "containerInstanceArn": ARN.format(0),
            "group": "service:web", "desiredStatus": "RUNNING", "lastStatus": "RUNNING",
            "cpu": "256", "memory": "512", "version": version, **detail}  # fmt: skip
    return {"version": "0", "id": f"t-{name}-{version}", "detail-type": "ECS Task State Change",
            "source": "aws.ecs", "detail": body}  # fmt: skip


def _sqs_lambda(*events: Any) -> dict[str, Any]:
    """A Lambda event from an SQS queue: each message's body is the JSON text."""
    return {"Records": [
        {"messageId": f"m{k}", "receiptHandle": "AQEB...", "body": json.dumps(event),
         "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
         "md5OfBody": "x", "eventSource": "aws:sqs",
         "eventSourceARN": "arn:aws:sqs:us-east-1:1:q", "awsRegion": "us-east-1"}
        for k, event in enumerate(events)
    ]}  # fmt: skip


def _sns(event: Any) -> dict[str, Any]:
    """An SNS notification (as sent to HTTP endpoints and, not raw, to SQS queues)."""
    return {"Type": "Notification", "MessageId": "n1",
            "TopicArn": "arn:aws:sns:us-east-1:1:topic", "Message": json.dumps(event),
            "Timestamp": "2026-01-01T00:00:00.000Z", "SignatureVersion": "1",
            "Signature": "x", "SigningCertURL": "https://x", "UnsubscribeURL": "https://x"}


def _ran(state: ClusterState) -> list[str]:
    return state.inventory.tasks.arns.tolist()


@pytest.mark.parametrize("kind", ["ECS Service Action", "ECS Deployment State Change"])
def test_other_ecs_event_types_change_nothing(kind: str) -> None:
    state = _state()
    before = state.inventory
    event = {"version": "0", "id": "e1", "detail-type": kind, "source": "aws.ecs",
             "detail": {"eventType": "INFO", "eventName": "SERVICE_STEADY_STATE"}}  # fmt: skip
    assert state.apply(event) is False
    assert state.apply(json.dumps(event)) is False
    assert state.apply_all([event, _task_event("a")]) == 1  # the rest of the batch applies
    assert before != state.inventory and _ran(state) == [TASK.format("a")]
    assert read_events(event) == []


def test_events_of_no_ecs_kind_are_still_refused() -> None:
    with pytest.raises(PlacementError, match="detail-type"):
        _state().apply({"detail-type": "EC2 Instance State-change Notification",
                        "source": "aws.ec2", "detail": {}})  # fmt: skip


def test_sqs_lambda_records_are_unwrapped() -> None:
    state = _state()
    assert state.apply(_sqs_lambda(_task_event("a"), _task_event("b"))) is True
    assert _ran(state) == [TASK.format("a"), TASK.format("b")]
    assert state.apply_all([_sqs_lambda()]) == 0  # an empty batch of messages


def test_a_boto3_message_body_is_unwrapped() -> None:
    state = _state()
    message = {"MessageId": "m", "ReceiptHandle": "AQEB...", "MD5OfBody": "x",
               "Body": json.dumps(_task_event("a"))}  # fmt: skip
    assert state.apply(message) is True and _ran(state) == [TASK.format("a")]
    response = {"Messages": [{**message, "Body": json.dumps(_task_event("b"))}]}
    assert state.apply(response) is True and len(_ran(state)) == 2


def test_sns_and_sns_inside_sqs_are_unwrapped() -> None:
    state = _state()
    assert state.apply(_sns(_task_event("a"))) is True
    assert state.apply(_sqs_lambda(_sns(_task_event("b")))) is True
    lambda_sns = {"Records": [{"EventSource": "aws:sns", "Sns": _sns(_task_event("c"))}]}
    assert state.apply(json.dumps(lambda_sns)) is True
    assert _ran(state) == [TASK.format(k) for k in "abc"]
    # A stop inside an envelope removes the task again.
    assert state.apply(_sns(_task_event("a", 2, desiredStatus="STOPPED"))) is True
    assert _ran(state) == [TASK.format(k) for k in "bc"]


def test_a_malformed_event_inside_an_envelope_names_the_field() -> None:
    state = _state()
    before = state.inventory
    bad = _task_event("b")
    del bad["detail"]["version"]
    with pytest.raises(PlacementError, match=r"detail\.version"):
        state.apply_all([_task_event("a"), _sqs_lambda(bad)])
    assert state.inventory == before
    with pytest.raises(PlacementError, match="not JSON"):
        state.apply({"Records": [{"body": "{oops"}]})


def test_fargate_task_events_change_nothing() -> None:
    state = _state()
    before = state.inventory
    fargate = _task_event("f", launchType="FARGATE")
    del fargate["detail"]["containerInstanceArn"]
    assert state.apply(fargate) is False
    # A task not yet on an instance (PROVISIONING) holds nothing either.
    provisioning = _task_event("p", lastStatus="PROVISIONING")
    del provisioning["detail"]["containerInstanceArn"]
    assert state.apply(provisioning) is False
    assert state.apply_all([fargate, provisioning]) == 0
    assert state.inventory == before
    # Still checked as a task event.
    del fargate["detail"]["version"]
    with pytest.raises(PlacementError, match=r"detail\.version"):
        state.apply(fargate)


def test_unwrap_is_the_identity_on_plain_events() -> None:
    event = _task_event("a")
    assert unwrap_events(event) == [event]
    assert unwrap_events(json.dumps(_sqs_lambda(event, event))) == [event, event]


def test_instance_events_read_the_capacity_provider() -> None:
    state = _state()
    task = TaskSpec(cpu=256, memory=512, group="service:web")
    strategy = [{"capacityProvider": "spot", "weight": 1}]
    assert state.rank(task, capacity_provider_strategy=strategy).best is None

    def moved(version: int, provider: str) -> dict[str, Any]:
        doc = Instance(arn=ARN.format(1), cpu=1024, memory=2048,
                       capacity_provider=provider).to_ecs()  # fmt: skip
        doc["version"] = version
        return {"detail-type": "ECS Container Instance State Change", "id": f"i{version}",
                "detail": doc}  # fmt: skip

    assert state.apply(_sns(moved(1, "spot"))) is True
    assert state.inventory[1].capacity_provider == "spot"
    assert len(state.inventory.filter("attribute:ecs.capacity-provider == spot")) == 1
    assert state.rank(task, capacity_provider_strategy=strategy).best == ARN.format(1)
    assert state.apply(moved(2, "on-demand")) is True
    assert state.rank(task, capacity_provider_strategy=strategy).best is None
