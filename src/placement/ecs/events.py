"""EventBridge ECS events: "ECS Task State Change" and "ECS Container Instance State Change".

The detail of each is read by the task and instance readers; messages name the event first.
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
    "read_event", "read_event_header", "read_event_detail", "TASK_EVENT", "INSTANCE_EVENT",
    "REMOVED_STATUSES",
]  # fmt: skip

TASK_EVENT = "ECS Task State Change"
INSTANCE_EVENT = "ECS Container Instance State Change"
REMOVED_STATUSES = frozenset({"INACTIVE", "DEREGISTERING", "REGISTRATION_FAILED"})
"""Container instance statuses that take the instance out of the state (deregistration)."""
_MAX_EVENT_TEXT = 1 << 24  # 16 MiB: EventBridge's own limit is 256 KiB


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
