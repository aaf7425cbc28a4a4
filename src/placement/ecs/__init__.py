"""The ECS wire formats, in and out, one module per format.

* `instances`: DescribeContainerInstances elements (read, fast path, write).
* `tasks`: DescribeTasks elements (read, fast path, write).
* `services`: DescribeServices elements (`Service.from_ecs`).
* `events`: EventBridge ECS events.
* `fast`: whole documents straight from JSON bytes with msgspec (`Inventory.from_ecs_json`).
* `timestamps`: ISO 8601 and epoch-second timestamps, a whole column at a time.

Task definitions are read by `TaskSpec.from_ecs` (`place/task.py`). This package exports
the names the former `ecs.py` module did; `placement.ecs_json` those of the former
`ecs_json.py`.
"""

from __future__ import annotations

from .common import Unusual, fast_micros, fast_text
from .events import (
    INSTANCE_EVENT,
    REMOVED_STATUSES,
    TASK_EVENT,
    read_event,
    read_event_detail,
    read_event_header,
    read_events,
    unwrap_events,
    used_events,
)
from .instances import (
    INSTANCE_READ,
    fast_instance,
    fast_ports,
    instance_fields,
    instance_to_ecs,
    iter_container_instances,
    read_instance,
    read_instances,
    transpose,
)
from .services import Service
from .tasks import fast_task, iter_tasks, read_task, read_tasks, task_to_ecs

__all__ = [
    "read_instance", "read_task", "iter_container_instances", "iter_tasks",
    "instance_fields", "instance_to_ecs", "task_to_ecs", "INSTANCE_READ",
    "read_instances", "read_tasks", "fast_instance", "fast_task", "Unusual",
    "fast_text", "fast_micros", "fast_ports", "transpose",
    "read_event", "read_events", "unwrap_events", "used_events",
    "read_event_header", "read_event_detail", "TASK_EVENT", "INSTANCE_EVENT", "REMOVED_STATUSES",
    "Service",
]  # fmt: skip
