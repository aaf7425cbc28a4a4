"""GetTaskProtection responses: which tasks scale-in protection keeps running (SEMANTICS.md §9).

A response is `{"protectedTasks": [{"taskArn", "protectionEnabled", "expirationDate"}, ...],
"failures": [...]}`. A task is protected when `protectionEnabled` is true and its
`expirationDate` is absent or later than the time the caller gives (default: now).
`expirationDate` takes what `startedAt` takes: epoch seconds, ISO 8601 text or a `datetime`.

DescribeTasks does not carry protection, so the task readers give every task field but the
last (`TASK_READ`); `with_protection` adds it to their rows.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from ..errors import InventoryError
from ..model import TASK_FIELDS, check, field_error, short_repr, timestamp_of
from .common import _pages, _where

__all__ = [
    "TASK_READ", "protected_arns", "read_protection", "with_protection", "protection_to_ecs",
    "now_micros",
]  # fmt: skip

TASK_READ = tuple(TASK_FIELDS[: [spec.name for spec in TASK_FIELDS].index("protected")])
"""The task fields DescribeTasks gives (and its readers return): those before `protected`
(`protected` and the labels after it, which ECS tasks do not have, are added by the loader)."""
assert TASK_FIELDS[len(TASK_READ)].name == "protected"  # the readers' rows end before it

_ARN = TASK_FIELDS[0]


def now_micros(now: Any = None) -> int:
    """`now` in microseconds since the epoch.

    `now` is a `Timestamp`, a `datetime`, epoch seconds or ISO 8601 text; None: the current time.
    """
    if now is None:
        now = _dt.datetime.now(_dt.timezone.utc)
    stamp = timestamp_of(now, "protection", "now")
    if stamp is None:  # pragma: no cover - None was replaced above
        raise InventoryError("protection: field 'now': no time given")
    return stamp.micros


def protected_arns(responses: Any, now: Any = None) -> frozenset[str]:
    """The ARNs of the tasks `responses` protect at `now` (SEMANTICS.md §9).

    `responses` is one GetTaskProtection response, a list of them, or a plain list of
    `protectedTasks` elements; `failures` are ignored (a task GetTaskProtection could not
    describe has no protection we know of). Malformed input raises `InventoryError` naming
    the element and field. Every ARN is returned, whether or not a given inventory holds it:
    the caller decides what an unknown one means.
    """
    return frozenset(arn for arn, on in read_protection(responses, now).items() if on)


def read_protection(responses: Any, now: Any = None) -> dict[str, bool]:
    """Each task `responses` name, and whether it is protected at `now` (the last answer wins).

    As `protected_arns` reads them; the tasks it names unprotected are here too (False).
    """
    at = now_micros(now)
    out: dict[str, bool] = {}
    for index, doc in enumerate(_pages(responses, "protectedTasks", "protection")):
        where = _where("protected task", index, doc, "taskArn")
        if not isinstance(doc, Mapping):
            raise InventoryError(f"{where}: expected an object, got {short_repr(doc)}")
        arn = check(_ARN, doc.get("taskArn"), where, "taskArn")
        enabled = doc.get("protectionEnabled")
        if enabled is None:
            enabled = False
        if not isinstance(enabled, bool):
            raise field_error(where, "protectionEnabled",
                              f"expected true or false, got {short_repr(enabled)}")  # fmt: skip
        expiry = timestamp_of(doc.get("expirationDate"), where, "expirationDate")
        out[arn] = enabled and (expiry is None or expiry.micros > at)
    return out


def with_protection(
    rows: Iterable[Sequence[Any]], protected: Collection[str]
) -> list[tuple[Any, ...]]:
    """Task rows of `TASK_READ` values with the `protected` field added (their ARN in the set)."""
    return [(*row, row[0] in protected) for row in rows]


def protection_to_ecs(tasks: Iterable[Any]) -> dict[str, Any]:
    """A GetTaskProtection response for the protected ones of `tasks` (`Task`s): no expiry."""
    return {
        "protectedTasks": [
            {"taskArn": task.arn, "protectionEnabled": True} for task in tasks if task.protected
        ],
        "failures": [],
    }
