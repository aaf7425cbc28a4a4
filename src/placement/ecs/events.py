"""EventBridge ECS events: "ECS Task State Change" and "ECS Container Instance State Change".

The detail of each is read by the task and instance readers; messages name the event first.
Events arrive as EventBridge sends them or wrapped by the services between (`unwrap_events`):
an SQS message (a Lambda event's `Records[].body`, or boto3's `receive_message` messages with
`Body`), an SNS notification (`{"Type": "Notification", "Message": ...}`, or a Lambda event's
`Records[].Sns`), and SNS inside SQS. Other ECS event types (`ECS Service Action`, `ECS
Deployment State Change`, ...) and Fargate tasks (no container instance) are left out: they
change nothing a placement reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InventoryError
from ..model import (
    INSTANCE_FIELDS,
    TASK_FIELDS,
    check,
    field_error,
    short_repr,
)
from .instances import read_instance
from .tasks import read_task

__all__ = [
    "read_event", "read_events", "read_event_header", "read_event_detail", "unwrap_events",
    "used_events", "TASK_EVENT", "INSTANCE_EVENT", "REMOVED_STATUSES",
]  # fmt: skip

TASK_EVENT = "ECS Task State Change"
INSTANCE_EVENT = "ECS Container Instance State Change"
REMOVED_STATUSES = frozenset({"INACTIVE", "DEREGISTERING", "REGISTRATION_FAILED"})
"""Container instance statuses that take the instance out of the state (deregistration)."""
_MAX_EVENT_TEXT = 1 << 24  # 16 MiB: EventBridge's own limit is 256 KiB
_MAX_ENVELOPES = 4  # SNS inside SQS inside a Lambda event is three; more is not a real shape


def _event_name(event: Any, index: int) -> str:
    name = event.get("id") if type(event) is dict or isinstance(event, Mapping) else None
    shown = f" ({name})" if isinstance(name, str) and len(name) <= 200 else ""
    return f"event #{index}{shown}"


def _event_object(event: Any, index: int) -> Mapping[str, Any]:
    """The event as a mapping: a dict as given, or JSON text parsed."""
    if type(event) is dict:  # the common case, without the slower ABC checks below
        return event
    if isinstance(event, (bytes, bytearray)):
        try:
            event = bytes(event).decode("utf-8")
        except UnicodeDecodeError:
            raise InventoryError(f"event #{index}: not UTF-8 JSON text") from None
    if isinstance(event, str):
        import json

        if len(event) > _MAX_EVENT_TEXT:
            raise InventoryError(f"event #{index}: longer than {_MAX_EVENT_TEXT} characters")
        try:
            event = json.loads(event)
        except (ValueError, RecursionError) as exc:
            raise InventoryError(f"event #{index}: not JSON: {short_repr(str(exc))}") from None
    if not isinstance(event, Mapping):
        raise InventoryError(f"event #{index}: expected an object, got {type(event).__name__}")
    return event


def _event_version(detail: Mapping[str, Any], where: str) -> int:
    version = detail.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < 2**63:
        raise field_error(where, "detail.version", f"expected a whole number, got "
                                                  f"{short_repr(version)}")  # fmt: skip
    return version


def read_event_header(event: Any, index: int = 0) -> tuple[Mapping[str, Any], str, str, int]:
    """The checked (event object, kind, ARN, version) of one EventBridge ECS event.

    `kind` is "task" or "instance". Enough to tell an old or duplicate event without reading
    the rest of its detail (`read_event_detail`).
    """
    doc = _event_object(event, index)
    where = _event_name(doc, index)
    kind = doc.get("detail-type")
    detail = doc.get("detail")
    if kind not in (TASK_EVENT, INSTANCE_EVENT):
        raise field_error(where, "detail-type", f"expected {TASK_EVENT!r} or {INSTANCE_EVENT!r}, "
                                                f"got {short_repr(kind)}")  # fmt: skip
    if type(detail) is not dict and not isinstance(detail, Mapping):
        raise field_error(where, "detail", f"expected an object, got {short_repr(detail)}")
    version = _event_version(detail, where)
    if kind == TASK_EVENT:
        arn = check(TASK_FIELDS[0], detail.get("taskArn"), where, "detail.taskArn")
        return doc, "task", arn, version
    arn = check(INSTANCE_FIELDS[0], detail.get("containerInstanceArn"), where,
                "detail.containerInstanceArn")  # fmt: skip
    return doc, "instance", arn, version


def read_event_detail(doc: Mapping[str, Any], kind: str, index: int = 0) -> list[Any] | None:
    """The detail of an event `read_event_header` accepted, checked.

    A task event gives the values of `TASK_FIELDS` (None: not a RUNNING task on a container
    instance, so absent); an instance event the values of `INSTANCE_READ` (None: deregistered
    or INACTIVE, so absent).
    """
    detail = doc["detail"]
    try:
        if kind == "task":
            return read_task(detail, index)
        record = read_instance(detail, index)
    except InventoryError as exc:
        raise InventoryError(f"{_event_name(doc, index)}: detail: {exc}") from None
    return None if detail.get("status") in REMOVED_STATUSES else record


def read_event(event: Any, index: int = 0) -> tuple[Any, ...]:
    """Read and check one EventBridge ECS event (a dict or its JSON text).

    Returns `("task", task ARN, version, TASK_FIELDS values or None)` (None: the task is not a
    RUNNING task on a container instance, so it is absent) or `("instance", instance ARN,
    version, INSTANCE_READ values or None)` (None: the instance is deregistered or INACTIVE).
    Anything malformed raises `InventoryError` naming the event and the field.
    """
    doc, kind, arn, version = read_event_header(event, index)
    return (kind, arn, version, read_event_detail(doc, kind, index))


def _envelope_items(doc: Mapping[str, Any]) -> list[Any] | None:
    """What an SQS or SNS envelope carries (None: `doc` is not an envelope)."""
    if "detail-type" in doc:
        return None
    records = doc.get("Records")
    if isinstance(records, list):  # a Lambda event: SQS records (`body`) or SNS records (`Sns`)
        out = []
        for record in records:
            if isinstance(record, Mapping) and "body" in record:
                out.append(record["body"])
            elif isinstance(record, Mapping) and isinstance(record.get("Sns"), Mapping):
                out.append(record["Sns"])
            else:
                out.append(record)
        return out
    messages = doc.get("Messages")
    if isinstance(messages, list):  # boto3's whole `receive_message` response
        return list(messages)
    if "Body" in doc and ("ReceiptHandle" in doc or "MessageId" in doc or len(doc) == 1):
        return [doc["Body"]]  # one message as boto3 `receive_message` gives it
    if doc.get("Type") == "Notification" and "Message" in doc:
        return [doc["Message"]]  # SNS, as delivered to HTTP, SQS (not raw) or Lambda
    return None


def unwrap_events(event: Any, index: int = 0) -> list[Mapping[str, Any]]:
    """The EventBridge events in `event`: itself, or those its SQS/SNS envelopes carry.

    Takes a dict or JSON text. Envelopes (see the module's note) are opened up to four deep,
    their messages' JSON text parsed; an empty `Records` list gives no events. Errors name the
    outer event (`event #index`).
    """
    out: list[Mapping[str, Any]] = []
    pending: list[tuple[Any, int]] = [(event, 0)]
    while pending:
        item, depth = pending.pop()
        doc = _event_object(item, index)
        inside = _envelope_items(doc)
        if inside is None:
            out.append(doc)
            continue
        if depth >= _MAX_ENVELOPES:
            raise InventoryError(f"event #{index}: more than {_MAX_ENVELOPES} envelopes deep")
        pending.extend((x, depth + 1) for x in reversed(inside))
    return out


def _used(doc: Mapping[str, Any], index: int) -> bool:
    """Whether an unwrapped event is one the state reads; other ECS event types are not.

    An event that is no ECS event at all (no `detail-type`, or one of another service without
    `source: aws.ecs`) is refused, naming the field, as a malformed one is.
    """
    kind = doc.get("detail-type")
    if kind == TASK_EVENT:
        detail = doc.get("detail")
        if isinstance(detail, Mapping) and (
            detail.get("launchType") == "FARGATE" or detail.get("containerInstanceArn") is None
        ):
            # A Fargate task holds nothing on a container instance; a task not yet on one
            # (PROVISIONING) neither. Checked as any task event first; its version is not
            # recorded.
            read_event_header(doc, index)
            return False
        return True
    if kind == INSTANCE_EVENT:
        return True
    if doc.get("source") == "aws.ecs" or (isinstance(kind, str) and kind.startswith("ECS ")):
        return False
    raise field_error(_event_name(doc, index), "detail-type",
                      f"expected {TASK_EVENT!r} or {INSTANCE_EVENT!r} (or another ECS event "
                      f"type, ignored), got {short_repr(kind)}")  # fmt: skip


def used_events(event: Any, index: int = 0) -> list[Mapping[str, Any]]:
    """The events in `event` (`unwrap_events`) that change placement state, in order.

    Left out: ECS event types other than task and container-instance state changes, and task
    events without a container instance (Fargate, or not yet placed). Anything not an ECS
    event raises `InventoryError` naming the field.
    """
    return [doc for doc in unwrap_events(event, index) if _used(doc, index)]


def read_events(event: Any, index: int = 0) -> list[tuple[Any, ...]]:
    """`read_event` of every event `used_events` finds in `event` (empty: nothing to apply)."""
    return [read_event(doc, index) for doc in used_events(event, index)]
