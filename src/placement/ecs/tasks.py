"""DescribeTasks elements, in and out: the checked reader, its fast path, and the writer.

Every reader validates as it goes and raises `InventoryError` naming the task and the JSON
field at fault; JSON `null` means absent. Only tasks whose desiredStatus is RUNNING and that
run on a container instance are kept (SEMANTICS.md §2).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import InventoryError
from ..model import (
    MAX_AMOUNT,
    MAX_TEXT,
    TASK_FIELDS,
    check,
    field_error,
    short_repr,
    spec_named,
)
from .common import Unusual, _decimal, _iso, _number, _pages, _where, fast_micros, fast_text
from .protection import TASK_READ
from .shapes import refuse_other

__all__ = ["read_task", "iter_tasks", "fast_task", "read_tasks", "task_to_ecs"]

_TASK_AMOUNT = spec_named(TASK_FIELDS, "cpu")


def iter_tasks(documents: Any) -> Iterator[Any]:
    """The task elements of DescribeTasks responses.

    A document of another kind (DescribeContainerInstances, DescribeServices, ...) is refused
    by its shape: read as tasks, it would silently hold none.
    """
    refuse_other(documents, "tasks", "tasks", InventoryError)
    return _pages(documents, "tasks", "tasks")


def _amount_text(value: Any, where: str, field: str) -> int:
    """A task's `cpu`/`memory`: a number or a decimal string of one (DescribeTasks sends text)."""
    number = _number(value, where, field)
    return int(check(_TASK_AMOUNT, number, where, field))


def _container_sums(containers: list[Any], where: str) -> tuple[int, int, int, set[int], set[int]]:
    cpu = memory = gpus = 0
    tcp: set[int] = set()
    udp: set[int] = set()
    for position, container in enumerate(containers):
        here = f"containers[{position}]"
        if not isinstance(container, Mapping):
            raise field_error(where, here, "expected an object")
        if container.get("cpu") is not None:
            cpu += _amount_text(container["cpu"], where, f"{here}.cpu")
        amount = container.get("memory")
        if amount is None:
            amount = container.get("memoryReservation")
        if amount is not None:
            memory += _amount_text(amount, where, f"{here}.memory")
        ids = container.get("gpuIds")
        if ids is not None:
            if not isinstance(ids, list):
                raise field_error(where, f"{here}.gpuIds", "expected a list")
            gpus += len(ids)
        bindings = container.get("networkBindings")
        if bindings is None:
            continue
        if not isinstance(bindings, list):
            raise field_error(where, f"{here}.networkBindings", "expected a list")
        for k, binding in enumerate(bindings):
            field = f"{here}.networkBindings[{k}]"
            if not isinstance(binding, Mapping):
                raise field_error(where, field, "expected an object")
            port, protocol = binding.get("hostPort"), binding.get("protocol")
            if port is None:
                continue
            if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
                raise field_error(where, f"{field}.hostPort", f"not a port: {short_repr(port)}")
            if protocol not in (None, "tcp", "udp"):
                raise field_error(
                    where, f"{field}.protocol", f"tcp or udp, not {short_repr(protocol)}"
                )
            (udp if protocol == "udp" else tcp).add(port)
    if max(cpu, memory) > MAX_AMOUNT:
        raise field_error(where, "containers", "the containers' amounts add up past 2**53")
    return cpu, memory, gpus, tcp, udp


def read_task(doc: Any, index: int = 0) -> list[Any] | None:
    """Read and check one DescribeTasks element: the values of `TASK_READ` in order.

    (`TASK_FIELDS` but `protected`, which GetTaskProtection gives: `ecs/protection.py`.)

    None for a task that is not a RUNNING task on a container instance: only tasks whose
    desiredStatus is RUNNING count (SEMANTICS.md §2), and tasks without a container instance
    (Fargate) hold nothing on one. A task without a group counts under the empty group name.
    """
    where = _where("task", index, doc, "taskArn")
    if not isinstance(doc, Mapping):
        raise InventoryError(f"{where}: expected an object, got {type(doc).__name__}")
    desired = doc.get("desiredStatus")
    if desired is not None and not isinstance(desired, str):
        raise field_error(where, "desiredStatus", "expected a string")
    if desired != "RUNNING" or doc.get("containerInstanceArn") is None:
        return None
    containers = doc.get("containers")
    if containers is None:
        containers = []
    if not isinstance(containers, list):
        raise field_error(where, "containers", "expected a list")
    cpu, memory, gpus, tcp, udp = _container_sums(containers, where)
    # Task-level amounts win over the containers' sum, as in task definitions.
    if doc.get("cpu") is not None:
        cpu = _amount_text(doc["cpu"], where, "cpu")
    if doc.get("memory") is not None:
        memory = _amount_text(doc["memory"], where, "memory")
    raw = {
        "arn": doc.get("taskArn"),
        "instance": doc.get("containerInstanceArn"),
        "group": doc.get("group"),
        "cpu": cpu,
        "memory": memory,
        "gpus": gpus,
        "ports": tcp,
        "udp_ports": udp,
        "started_at": doc.get("startedAt"),
    }
    return [check(spec, raw[spec.name], where, spec.ecs) for spec in TASK_READ]


def _fast_amount_text(value: Any) -> int:
    if type(value) is str and 0 < len(value) <= 20 and _decimal(value):
        value = int(value)
    if type(value) is not int or not 0 <= value <= MAX_AMOUNT:
        raise Unusual
    return value


def _fast_containers(containers: Any) -> tuple[int, int, int, frozenset[int], frozenset[int]]:
    if containers is None:
        return 0, 0, 0, frozenset(), frozenset()
    if type(containers) is not list:
        raise Unusual
    cpu = memory = gpus = 0
    tcp: set[int] = set()
    udp: set[int] = set()
    for container in containers:
        if type(container) is not dict:
            raise Unusual
        get = container.get
        if get("cpu") is not None:
            cpu += _fast_amount_text(get("cpu"))
        amount = get("memory")
        if amount is None:
            amount = get("memoryReservation")
        if amount is not None:
            memory += _fast_amount_text(amount)
        ids = get("gpuIds")
        if ids is not None:
            if type(ids) is not list:
                raise Unusual
            gpus += len(ids)
        bindings = get("networkBindings")
        if bindings is None:
            continue
        if type(bindings) is not list:
            raise Unusual
        for binding in bindings:
            if type(binding) is not dict:
                raise Unusual
            port, protocol = binding.get("hostPort"), binding.get("protocol")
            if port is None:
                continue
            if type(port) is not int or not 0 <= port <= 65535:
                raise Unusual
            if protocol == "udp":
                udp.add(port)
            elif protocol is None or protocol == "tcp":
                tcp.add(port)
            else:
                raise Unusual
    if cpu > MAX_AMOUNT or memory > MAX_AMOUNT:
        raise Unusual
    return cpu, memory, gpus, frozenset(tcp), frozenset(udp)


def fast_task(doc: Any) -> tuple[Any, ...] | None:
    """What `read_task` gives for a usual element (`startedAt` in microseconds), or None.

    Raises `Unusual` where it leaves the element to `read_task`.
    """
    if type(doc) is not dict:
        raise Unusual
    get = doc.get
    desired = get("desiredStatus")
    if desired is not None and type(desired) is not str:
        raise Unusual
    instance = get("containerInstanceArn")
    if desired != "RUNNING" or instance is None:
        return None
    arn = get("taskArn")
    if type(arn) is not str or not arn or len(arn) > MAX_TEXT:
        raise Unusual
    if type(instance) is not str or not instance or len(instance) > MAX_TEXT:
        raise Unusual
    cpu, memory, gpus, tcp, udp = _fast_containers(get("containers"))
    # Task-level amounts win over the containers' sum (see read_task).
    if get("cpu") is not None:
        cpu = _fast_amount_text(get("cpu"))
    if get("memory") is not None:
        memory = _fast_amount_text(get("memory"))
    group = get("group")
    group = "" if group is None else fast_text(group)
    return arn, instance, group, cpu, memory, gpus, tcp, udp, fast_micros(get("startedAt"))


def read_tasks(documents: Any) -> list[tuple[Any, ...]]:
    """The RUNNING tasks of `documents` (as `iter_tasks` takes them).

    Each is read and checked: the values of `TASK_READ`, `startedAt` as microseconds or a
    `Timestamp`. Tasks `read_task` skips are left out; raises `InventoryError` at the first
    bad element.
    """
    out = []
    for index, doc in enumerate(iter_tasks(documents)):
        try:
            row = fast_task(doc)
        except Unusual:
            checked = read_task(doc, index)
            row = None if checked is None else tuple(checked)
        if row is not None:
            out.append(row)
    return out


def task_to_ecs(task: Any) -> dict[str, Any]:
    """A DescribeTasks element for a RUNNING `task` (read back by `read_task`)."""
    bindings = [{"hostPort": p, "containerPort": p, "protocol": "tcp"} for p in sorted(task.ports)]
    bindings += [
        {"hostPort": p, "containerPort": p, "protocol": "udp"} for p in sorted(task.udp_ports)
    ]
    container: dict[str, Any] = {"name": "task", "networkBindings": bindings}
    if task.gpus:
        container["gpuIds"] = [f"gpu-{i}" for i in range(task.gpus)]
    doc: dict[str, Any] = {
        "taskArn": task.arn,
        "containerInstanceArn": task.instance,
        "group": task.group,
        "desiredStatus": "RUNNING",
        "lastStatus": "RUNNING",
        "cpu": str(task.cpu),
        "memory": str(task.memory),
        "containers": [container],
    }
    if task.started_at is not None:
        doc["startedAt"] = _iso(task.started_at)
    return doc
