"""Kubernetes objects as inputs: nodes and pods as an `Inventory`, a pod as a `TaskSpec`.

Units: CPU in **millicores**, memory in **bytes** (both instances and tasks, so they compare).
Names: a node's name fills the ARN slot (placements and `rank(...).ids` name nodes); a pod
task's ARN is `namespace/name`. Reserved attributes (leading `_`, which no label key may have):
`_k8s/name` (the node's name, for `matchFields`), `_k8s/taints` (see `taints.py`) and
`_k8s/pods` (the allocatable pod count, see `slots.py`). A pod task's labels are its
`metadata.labels` plus the reserved `_k8s/namespace` (its namespace, see `spread.py`).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from operator import itemgetter
from typing import Annotated, Any

import msgspec
import numpy as np
from msgspec import UNSET, UnsetType

from ..documents import checked, decode_json, objects
from ..documents import get_path as _get
from ..errors import InventoryError, PlacementError, PlacementInputError
from ..model import MAX_AMOUNT, MAX_TEXT, TASK_FIELDS, FrozenMap, Kind
from ..syntax.ast import Expression
from ..text import shown
from .affinity import (
    ANTI_TERMS,
    NAMESPACE_NAME,
    NAMESPACES,
    ExistingAntiAffinity,
    affinity_rules,
    anti_terms,
)
from .labels import NODE_NAME, is_label_value, key_fault, node_affinity, node_selector_map
from .quantity import millicores, quantity, whole
from .slots import PODS, PodSlots
from .spread import NAMESPACE, TERMINATING, spread_constraints
from .taints import EFFECTS, TAINTS, Taints, taints_text

__all__ = ["inventory", "task_spec", "pod_requests", "pod_group", "GPU"]

GPU = "nvidia.com/gpu"
"""The extended resource read as GPUs (allocatable on nodes, requests of containers)."""

_RESOURCES = ("cpu", "memory", GPU)
_DONE = ("Succeeded", "Failed")  # pods in these phases hold nothing on their node
_WORKLOADS = (
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController",
)  # fmt: skip
_APP_LABELS = ("app.kubernetes.io/name", "app", "k8s-app")


def _items(value: Any, what: str) -> list[Mapping[str, Any]]:
    """`kubectl get ... -o json` output (a List) or a plain list of objects.

    Either may come as JSON bytes or text.
    """
    value = decode_json(value, what)
    if isinstance(value, Mapping):
        if "items" not in value:
            return [value]  # a single object
        value = value.get("items") or []
    if not isinstance(value, (list, tuple)):
        raise InventoryError(f"{what}: expected a List (with items) or a list, got {shown(value)}")
    return objects(value, what)


def _map(doc: Mapping[str, Any], path: str, where: str) -> Mapping[str, Any]:
    found: Mapping[str, Any] = _get(doc, path, Mapping, where) or {}
    return found


def _seq(doc: Mapping[str, Any], path: str, where: str) -> list[Any]:
    return list(_get(doc, path, (list, tuple), where) or [])


# -- pods ------------------------------------------------------------------------------------------


def _container_requests(container: Any, where: str) -> dict[str, Fraction]:
    """A container's requests; a resource with a limit and no request requests its limit."""
    if not isinstance(container, Mapping):
        raise PlacementInputError(f"{where}: expected an object, got {shown(container)}")
    requests = _map(container, "resources.requests", where)
    limits = _map(container, "resources.limits", where)
    out: dict[str, Fraction] = {}
    for name in _RESOURCES:
        # The API server defaults a missing request to the limit (defaults.go).
        value = requests.get(name, limits.get(name))
        if value is not None:
            out[name] = quantity(value, f"{where}.resources.requests.{name}")
    return out


def pod_requests(spec: Mapping[str, Any], where: str = "pod.spec") -> dict[str, Fraction]:
    """A pod's effective requests, as the scheduler computes them (`resourcehelper.PodRequests`).

    The containers' sum; each init container needs its own request plus the restartable
    (sidecar) init containers started before it, and the pod needs the largest of those if
    it is more; sidecars add to the sum as well; `overhead` is added last.
    """
    total: dict[str, Fraction] = {}
    for i, container in enumerate(_seq(spec, "containers", where)):
        for name, amount in _container_requests(container, f"{where}.containers[{i}]").items():
            total[name] = total.get(name, Fraction(0)) + amount
    sidecars: dict[str, Fraction] = {}
    init_peak: dict[str, Fraction] = {}
    for i, container in enumerate(_seq(spec, "initContainers", where)):
        own = _container_requests(container, f"{where}.initContainers[{i}]")
        if isinstance(container, Mapping) and container.get("restartPolicy") == "Always":
            for name, amount in own.items():
                total[name] = total.get(name, Fraction(0)) + amount
                sidecars[name] = sidecars.get(name, Fraction(0)) + amount
            during = dict(sidecars)
        else:
            during = {n: own.get(n, Fraction(0)) + sidecars.get(n, Fraction(0))
                      for n in set(own) | set(sidecars)}  # fmt: skip
        for name, amount in during.items():
            init_peak[name] = max(init_peak.get(name, Fraction(0)), amount)
    for name, amount in init_peak.items():
        total[name] = max(total.get(name, Fraction(0)), amount)
    for name, value in _map(spec, "overhead", where).items():
        if name in _RESOURCES:
            total[name] = total.get(name, Fraction(0)) + quantity(value, f"{where}.overhead.{name}")
    return total


def _amounts(requests: Mapping[str, Fraction]) -> tuple[int, int, int]:
    """(millicores, bytes, GPUs), each rounded up."""
    cpu = requests.get("cpu", Fraction(0)) * 1000
    memory = requests.get("memory", Fraction(0))
    gpus = requests.get(GPU, Fraction(0))
    up = [-((-v.numerator) // v.denominator) for v in (cpu, memory, gpus)]
    return up[0], up[1], up[2]


def _host_ports(spec: Mapping[str, Any], where: str) -> tuple[set[int], set[int]]:
    """The host ports (TCP, UDP) the pod's containers bind (hostNetwork: every containerPort)."""
    host_network = _get(spec, "hostNetwork", bool, where) or False
    tcp: set[int] = set()
    udp: set[int] = set()
    for i, container in enumerate(_seq(spec, "containers", where)):
        if not isinstance(container, Mapping):
            raise PlacementInputError(f"{where}.containers[{i}]: expected an object")
        for j, port in enumerate(_seq(container, "ports", f"{where}.containers[{i}]")):
            at = f"{where}.containers[{i}].ports[{j}]"
            if not isinstance(port, Mapping):
                raise PlacementInputError(f"{at}: expected an object, got {shown(port)}")
            host = port.get("hostPort") or (port.get("containerPort") if host_network else None)
            if host is None or host == 0:
                continue
            if isinstance(host, bool) or not isinstance(host, int) or not 0 < host <= 65535:
                raise PlacementInputError(f"{at}.hostPort: not a port (1 to 65535): {shown(host)}")
            protocol = port.get("protocol") or "TCP"
            if protocol not in ("TCP", "UDP", "SCTP"):  # the API server refuses any other
                raise PlacementInputError(
                    f"{at}.protocol: expected TCP, UDP or SCTP, got {shown(protocol)}"
                )
            if protocol == "UDP":
                udp.add(host)
            elif protocol == "TCP":
                tcp.add(host)
            # SCTP host ports have no column here: they are not checked (see docs/kubernetes.md)
    return tcp, udp


def pod_group(metadata: Mapping[str, Any], kind: str | None = None) -> str:
    """The task group of a pod (or a workload's pods): `namespace/app`.

    `app` is the first of the labels `app.kubernetes.io/name`, `app`, `k8s-app`; without one,
    the controller (`Kind/name` of the controlling owner, or of the workload itself), else the
    pod's own name.
    """
    namespace = metadata.get("namespace") or "default"
    labels = metadata.get("labels") or {}
    for label in _APP_LABELS:
        value = labels.get(label) if isinstance(labels, Mapping) else None
        if isinstance(value, str) and value:
            return f"{namespace}/{value}"
    if kind in _WORKLOADS:
        return f"{namespace}/{kind}/{metadata.get('name')}"
    owners = metadata.get("ownerReferences")
    for owner in owners if isinstance(owners, (list, tuple)) else ():  # another type: no owner
        if isinstance(owner, Mapping) and owner.get("controller"):
            return f"{namespace}/{owner.get('kind')}/{owner.get('name')}"
    return f"{namespace}/{metadata.get('name')}"


def _pod_spec(doc: Any) -> tuple[Mapping[str, Any], Mapping[str, Any], str, str | None]:
    """(metadata for the group, pod spec, where, workload kind) of a Pod or a pod template."""
    if not isinstance(doc, Mapping):
        raise PlacementInputError(f"expected a Pod or a workload object, got {shown(doc)}")
    kind = doc.get("kind")
    metadata = _map(doc, "metadata", "object")
    if kind in (None, "Pod"):
        return metadata, _map(doc, "spec", "pod"), "pod.spec", None
    if kind == "CronJob":
        where = "CronJob.spec.jobTemplate.spec.template"
        template = _map(doc, "spec.jobTemplate.spec.template", "CronJob")
    elif kind in _WORKLOADS:
        where = f"{kind}.spec.template"
        template = _map(doc, "spec.template", str(kind))
    else:
        raise PlacementInputError(
            f"expected a Pod or a workload with a pod template, got kind {shown(kind)}"
        )
    # The pods' labels are the template's; their namespace and controller are the workload's.
    own = {**_map(template, "metadata", where), "namespace": metadata.get("namespace"),
           "name": metadata.get("name")}  # fmt: skip
    return own, _map(template, "spec", where), f"{where}.spec", str(kind)


def placement_expression(spec: Mapping[str, Any], where: str = "pod.spec") -> Expression | None:
    """The pod's `nodeSelector` ANDed with its required node affinity (None: neither set)."""
    parts: list[Expression] = []
    selector = _get(spec, "nodeSelector", Mapping, where)
    if selector:
        parts.append(node_selector_map(selector, f"{where}.nodeSelector"))
    required = _get(
        spec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", Mapping, where
    )
    if required is not None:
        parts.append(node_affinity(required))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else parts[0] & parts[1]


def task_spec(pod: Any, group: str | None = None) -> Any:
    """A `TaskSpec` from a Pod, or a workload's pod template.

    Workloads: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob. Read: effective
    requests (millicores, bytes, `nvidia.com/gpu`), host ports, the `nodeSelector` ANDed with
    required node affinity as a `memberOf`, one pod slot (`PodSlots`), and the tolerations as a
    `Taints` constraint, and each `topologySpreadConstraints` item with `whenUnsatisfiable:
    DoNotSchedule` as a `PodTopologySpread` (`ScheduleAnyway` only scores: not read), and
    required `podAffinity`/`podAntiAffinity` as `PodAffinity`/`PodAntiAffinity`, and running
    pods' anti-affinity against it as `ExistingAntiAffinity`. The group
    defaults to `pod_group` (`namespace/app`).
    """
    from ..place.task import TaskSpec
    from ..rules import MemberOf
    from .labels import check_node_affinity

    metadata, spec, where, kind = _pod_spec(pod)
    cpu, memory, gpus = _amounts(pod_requests(spec, where))
    tcp, udp = _host_ports(spec, where)
    constraints: list[Any] = []
    expression = placement_expression(spec, where)
    if expression is not None:
        constraints.append(MemberOf(expression))
    constraints.append(PodSlots())
    try:
        constraints.append(Taints(_seq(spec, "tolerations", where)))
    except PlacementError as exc:
        raise PlacementInputError(f"{where}.{exc}") from exc
    namespace = _get(metadata, "namespace", str, "metadata") or "default"
    _get(metadata, "name", str, "metadata")  # text, or absent (pod_group quotes it)
    labels = _map(metadata, "labels", "metadata")
    for key, value in labels.items():  # a rule matches labels as text: anything else is no label
        if not isinstance(key, str) or not isinstance(value, str):
            raise PlacementInputError(
                f"metadata.labels[{shown(key)}]: expected text, got {shown(value)}"
            )
    constraints.extend(spread_constraints(
        _get(spec, "topologySpreadConstraints", (list, tuple), where), labels, str(namespace),
        f"{where}.topologySpreadConstraints",
    ))  # fmt: skip
    affinity = _get(spec, "affinity", Mapping, where)
    if affinity:
        check_node_affinity(affinity.get("nodeAffinity"), f"{where}.affinity.nodeAffinity")
        constraints.extend(affinity_rules(affinity, labels, str(namespace), f"{where}.affinity"))
    constraints.append(ExistingAntiAffinity(labels, str(namespace)))
    if group is not None and not isinstance(group, str):
        raise PlacementInputError(f"group must be a str or None, got {shown(group)}")
    return TaskSpec(
        cpu=cpu, memory=memory, gpus=gpus, ports=tcp, udp_ports=udp,
        group=pod_group(metadata, kind) if group is None else group,
        constraints=constraints, dialect="k8s",
    )  # fmt: skip


# -- nodes -----------------------------------------------------------------------------------------


def _node_taints(spec: Mapping[str, Any], where: str) -> list[tuple[str, str, str]]:
    out = []
    for i, taint in enumerate(_seq(spec, "taints", where)):
        at = f"{where}.taints[{i}]"
        if not isinstance(taint, Mapping):
            raise InventoryError(f"{at}: expected an object, got {shown(taint)}")
        key, value, effect = taint.get("key"), taint.get("value") or "", taint.get("effect")
        if not isinstance(key, str) or key_fault(key):
            raise InventoryError(f"{at}.key: not a taint key: {shown(key)}")
        if not isinstance(value, str) or not is_label_value(value):
            raise InventoryError(f"{at}.value: not a taint value: {shown(value)}")
        if effect not in EFFECTS:
            raise InventoryError(
                f"{at}.effect: expected one of {', '.join(EFFECTS)}, got {shown(effect)}"
            )
        out.append((key, value, effect))
    return out


def _ready(status: Mapping[str, Any], where: str) -> bool:
    """False when the node's Ready condition is present and not True."""
    for condition in _seq(status, "conditions", where):
        if isinstance(condition, Mapping) and condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return True


_Signature = tuple[Any, ...]


def _signature(containers: Any) -> _Signature | None:
    """The request texts of plain containers (None: read the pod the careful way)."""
    out: list[tuple[Any, ...]] = []
    for container in containers:
        if type(container) is not dict:
            return None
        ports = container.get("ports")
        if ports is not None:  # containerPorts are fine; a hostPort is read the careful way
            if type(ports) is not list:
                return None
            for port in ports:
                if type(port) is not dict or port.get("hostPort"):
                    return None
        resources = container.get("resources")
        if resources is None:
            out.append((None, None, None))
            continue
        if type(resources) is not dict:
            return None
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        if type(requests) is not dict or type(limits) is not dict:
            return None
        item = []
        for name in _RESOURCES:
            # As `_container_requests`: a request present (even null) wins over the limit.
            value = requests[name] if name in requests else limits.get(name)
            if value is not None and type(value) is not str:
                return None
            item.append(value)
        out.append(tuple(item))
    return tuple(out)


class _Pods:
    """The pods bound to listed nodes, read in one pass (see `inventory`).

    A pod of the usual shape (plain containers, no init containers or overhead, no host
    ports) is read inline, its requests once per distinct set of request texts; any other
    pod, or one that looks wrong, is read by the checked readers (which name what is wrong).
    """

    def __init__(self, nodes: Mapping[str, dict[str, int]]) -> None:
        self.groups = nodes  # node -> group -> count
        self.rows: list[tuple[Any, ...]] = []
        self.used: dict[str, dict[_Signature, int]] = {}  # node -> signature -> pods
        self.exact: dict[str, list[Mapping[str, Fraction]]] = {}  # node -> careful requests
        self.anti: dict[str, list[dict[str, Any]]] = {}  # node -> its pods' anti terms
        self.ports: dict[str, set[int]] = {}
        self.udp_ports: dict[str, set[int]] = {}
        # signature -> (requests, their amounts, whether those are exact: no rounding)
        self.known: dict[_Signature, tuple[dict[str, Fraction], tuple[int, int, int], bool]] = {}
        self.allocatable: dict[tuple[Any, ...], int] = {}  # see `_node`
        # `read_typed`: containers -> (number of their signature, its amounts), or None; and
        # node -> signature number -> pods, the typed reading's `used`.
        self.kinds: dict[tuple[_Container, ...], tuple[int, tuple[int, int, int]] | None] = {}
        self.signatures: list[_Signature] = []
        self.typed_used: dict[str, dict[int, int]] = {}
        # Each row's labels and namespace (`_k8s/namespace`), made columns by `label_columns`.
        self.row_labels: list[Mapping[str, str | None]] = []
        self.namespaces: list[Any] = []

    def read(self, items: Sequence[Mapping[str, Any]]) -> None:
        for position, pod in enumerate(items):
            if not self._quick(pod):
                self._careful(pod, f"pods[{position}]")

    def _quick(self, pod: Mapping[str, Any]) -> bool:
        """Read a pod of the usual shape; False (having read nothing) for any other."""
        spec, status, metadata = pod.get("spec"), pod.get("status"), pod.get("metadata")
        if type(spec) is not dict or type(metadata) is not dict:
            return False
        if status is not None and type(status) is not dict:
            return False
        node, phase = spec.get("nodeName"), (status or {}).get("phase")
        if (node is not None and type(node) is not str) or (
            phase is not None and type(phase) is not str
        ):
            return False
        if not node or node not in self.groups or phase in _DONE:
            return True
        name, namespace = metadata.get("name"), metadata.get("namespace") or "default"
        labels = metadata.get("labels") or {}
        if metadata.get("deletionTimestamp") is not None or (
            type(labels) is dict and TERMINATING in labels
        ):
            return False  # a pod being deleted: the careful reader marks it
        started = (status or {}).get("startTime")
        if type(namespace) is not str or type(labels) is not dict or (
            started is not None and type(started) is not str
        ):
            return False
        for key, value in labels.items():
            if type(key) is not str or type(value) is not str or not key:
                return False
            if len(key) > MAX_TEXT or len(value) > MAX_TEXT:
                return False  # the careful reader refuses it, naming the pod and label
        if (name is not None and type(name) is not str) or len(namespace) + len(
            name or ""
        ) >= MAX_TEXT:
            return False  # not a name, or its task name over the limit: the careful reader says so
        containers = spec.get("containers")
        host_network = spec.get("hostNetwork")
        if (type(containers) is not list or "initContainers" in spec or "overhead" in spec
                or "affinity" in spec
                or (host_network is not None and host_network is not False)):  # fmt: skip
            return False
        signature = _signature(containers)
        if signature is None:
            return False
        known = self.known.get(signature)
        if known is None:
            try:
                requests = pod_requests({"containers": containers})
            except PlacementError:
                return False
            known = self.known[signature] = _known(requests)
        if max(known[1]) > MAX_AMOUNT:
            return False  # past any column's range: the careful reader names the pod
        stamp = None if started is None else _utc_micros(started)
        if started is not None and stamp is None:
            return False
        mine = self.used.setdefault(node, {})
        mine[signature] = mine.get(signature, 0) + 1
        for label in _APP_LABELS:  # pod_group's first rule, inline
            value = labels.get(label)
            if value:
                group = f"{namespace}/{value}"
                break
        else:
            group = pod_group(metadata)
        self._count(node, group)
        cpu, memory, gpus = known[1]
        self._label(labels, namespace)
        self.rows.append((f"{namespace}/{name}", node, group, cpu, memory, gpus, _NO_PORTS,
                          _NO_PORTS, stamp, False, _NO_LABELS))  # fmt: skip
        return True

    def read_typed(self, pods: Sequence[_Pod], source: Callable[[int], Mapping[str, Any]]) -> None:
        """`read` of pods decoded into `_Pod`s; `source(position)` is a pod as a document.

        The same reading as `_quick`'s, on typed fields (msgspec checked their types while
        decoding), a pod's containers read once per distinct set (they are hashable); any
        other pod is read by `_careful`, from its document.
        """
        groups, rows, kinds, used = self.groups, self.rows, self.kinds, self.typed_used
        add_labels, add_namespace = self.row_labels.append, self.namespaces.append
        stamps = _start_micros([None if pod.status is None else pod.status.startTime
                                for pod in pods])  # fmt: skip
        for position, pod in enumerate(pods):
            spec, status = pod.spec, pod.status
            if spec is None:
                continue  # no node: `_careful` would read nothing
            node = spec.nodeName
            if not node or node not in groups:
                continue
            phase = None if status is None else status.phase
            if phase in _DONE:
                continue
            metadata, containers = pod.metadata, spec.containers
            kind = None
            if containers is not None:
                kind = kinds.get(containers)
                if kind is None and containers not in kinds:
                    kind = kinds[containers] = self._kind(containers)
            stamp = stamps[position]
            if (kind is None or metadata is None or spec.hostNetwork
                    or spec.initContainers is not UNSET or spec.overhead is not UNSET
                    or spec.affinity is not UNSET or stamp == _UNREAD):  # fmt: skip
                self._careful(source(position), f"pods[{position}]")
                continue
            labels = metadata.labels or _NO_LABELS
            if "" in labels or TERMINATING in labels:
                self._careful(source(position), f"pods[{position}]")
                continue
            if metadata.deletionTimestamp is not None:  # being deleted: `_careful`'s mark
                labels = {**labels, TERMINATING: "true"}
            namespace = metadata.namespace or "default"
            if len(namespace) + len(metadata.name or "") >= MAX_TEXT:
                self._careful(source(position), f"pods[{position}]")  # its task name: too long
                continue
            mine = used.get(node)
            if mine is None:
                mine = used[node] = {}
            number, amounts = kind
            mine[number] = mine.get(number, 0) + 1
            # pod_group's first rule, inline (the values are text: the first non-empty wins)
            app = labels.get(_APP_LABELS[0]) or labels.get(_APP_LABELS[1]) or labels.get(
                _APP_LABELS[2])  # fmt: skip
            group = f"{namespace}/{app}" if app else pod_group({
                "namespace": metadata.namespace, "name": metadata.name,
                "ownerReferences": metadata.ownerReferences})  # fmt: skip
            counts = groups[node]
            counts[group] = counts.get(group, 0) + 1
            add_labels(labels)
            add_namespace(namespace)
            rows.append((f"{namespace}/{metadata.name}", node, group, amounts[0], amounts[1],
                         amounts[2], _NO_PORTS, _NO_PORTS, stamp, False, _NO_LABELS))  # fmt: skip

    def _kind(self, containers: tuple[_Container, ...]) -> tuple[int, tuple[int, int, int]] | None:
        """Typed containers' signature (as `_signature`'s) by number, and their amounts.

        None: read the pod the careful way (a host port, or requests the readers refuse).
        """
        out: list[tuple[Any, ...]] = []
        for container in containers:
            if container.ports and any(port.hostPort for port in container.ports):
                return None
            resources = container.resources
            requests = None if resources is None else resources.requests
            limits = None if resources is None else resources.limits
            item = []
            for name in ("cpu", "memory", "gpu"):
                # As `_container_requests`: a request present (even null) wins over the limit.
                value = UNSET if requests is None else getattr(requests, name)
                if value is UNSET:
                    value = None if limits is None else getattr(limits, name)
                item.append(None if value is UNSET else value)
            out.append(tuple(item) if resources is not None else (None, None, None))
        signature = tuple(out)
        if signature not in self.known:
            plain = [{"resources": {"requests": dict(zip(_RESOURCES, item, strict=True))}}
                     for item in signature]  # fmt: skip
            try:
                asked = pod_requests({"containers": plain})
            except PlacementError:
                return None
            self.known[signature] = _known(asked)
        if max(self.known[signature][1]) > MAX_AMOUNT:
            return None  # past any column's range: the careful reader names the pod
        self.signatures.append(signature)
        return len(self.signatures) - 1, self.known[signature][1]

    def _label(self, labels: Mapping[str, str | None], namespace: Any) -> None:
        """Record the next row's labels (and its namespace, `_k8s/namespace`)."""
        self.row_labels.append(labels)
        self.namespaces.append(namespace)

    def _count(self, node: str, group: str) -> None:
        """One more task of `group` on `node`."""
        counts = self.groups[node]
        counts[group] = counts.get(group, 0) + 1

    def label_columns(self) -> dict[str, tuple[Sequence[int], Sequence[Any]]]:
        """The rows' labels a column at a time: name -> (rows having it, their values).

        Rows are grouped by their label keys (a cluster has few sets of keys), each set's
        values read a key at a time; a name's rows ascend, names come in the order rows
        first have them, `_k8s/namespace` (every row's) after the first row's own.
        """
        labels_of, n = self.row_labels, len(self.row_labels)
        keys_of = list(map(tuple, labels_of))
        sets = list(dict.fromkeys(keys_of))  # in the order rows first have them
        if len(sets) <= 1:
            by_keys: dict[tuple[str, ...], Sequence[int]] = dict.fromkeys(sets, range(n))
        else:  # each set's rows, ascending: a stable sort of the rows by their set's number
            number = {keys: k for k, keys in enumerate(sets)}
            codes = np.fromiter(map(number.__getitem__, keys_of), dtype=np.intp, count=n)
            order = np.argsort(codes, kind="stable")
            ends = np.cumsum(np.bincount(codes, minlength=len(sets)))[:-1]
            by_keys = {keys: part.tolist()
                       for keys, part in zip(sets, np.split(order, ends), strict=True)}  # fmt: skip
        parts: dict[str, list[tuple[Sequence[int], list[Any]]]] = {}
        for keys, rows in by_keys.items():
            chosen = list(map(labels_of.__getitem__, rows))
            for key in keys:
                if key != NAMESPACE:  # not a label key (a leading `_`): the namespace stands there
                    parts.setdefault(key, []).append((rows, list(map(itemgetter(key), chosen))))
            parts.setdefault(NAMESPACE, [])
        out: dict[str, tuple[Sequence[int], Sequence[Any]]] = {}
        for key, pieces in parts.items():
            if key == NAMESPACE:
                out[key] = (range(len(self.namespaces)), self.namespaces)
            elif len(pieces) == 1:
                out[key] = pieces[0]
            else:
                joined = np.concatenate([np.asarray(piece[0], dtype=np.intp) for piece in pieces])
                values = [value for piece in pieces for value in piece[1]]
                ranked = np.argsort(joined, kind="stable")
                out[key] = (joined[ranked].tolist(), list(map(values.__getitem__, ranked.tolist())))
        return out

    def _careful(self, pod: Mapping[str, Any], where: str) -> None:
        """Any pod, every field checked (`InventoryError` naming the pod and field)."""
        from ..instance import Task

        node = _get(pod, "spec.nodeName", str, where)
        phase = _get(pod, "status.phase", str, where)
        if not node or node not in self.groups or phase in _DONE:
            return
        metadata = _map(pod, "metadata", where)
        spec = _map(pod, "spec", where)
        requests = pod_requests(spec, f"{where}.spec")
        self.exact.setdefault(node, []).append(requests)
        tcp, udp = _host_ports(spec, f"{where}.spec")
        namespace = _get(metadata, "namespace", str, f"{where}.metadata") or "default"
        name = _get(metadata, "name", str, f"{where}.metadata")
        deleting = _get(metadata, "deletionTimestamp", str, f"{where}.metadata")
        labels = {k: v for k, v in _map(metadata, "labels", where).items()
                  if k != TERMINATING}  # fmt: skip
        labels[NAMESPACE] = namespace
        if deleting is not None:  # still on its node, not counted by topology spread
            labels[TERMINATING] = "true"
        terms = anti_terms(pod, str(namespace), where)
        if terms:
            self.anti.setdefault(node, []).extend(terms)
        self.ports.setdefault(node, set()).update(tcp)
        self.udp_ports.setdefault(node, set()).update(udp)
        cpu, memory, gpus = _amounts(requests)
        group = pod_group(metadata)
        try:
            task = Task(
                arn=f"{namespace}/{name}",
                labels=labels,
                instance=node, group=group, cpu=cpu, memory=memory, gpus=gpus,
                ports=frozenset(tcp), udp_ports=frozenset(udp),
                started_at=_get(pod, "status.startTime", str, where),
            )  # fmt: skip
        except InventoryError as exc:  # name the pod, not just the field
            raise InventoryError(f"{where}: {exc}") from exc
        self._count(node, group)
        self._label(task.labels, namespace)
        self.rows.append(tuple(getattr(task, spec.name) for spec in TASK_FIELDS))

    def requests_on(self, node: str) -> tuple[int, int, int]:
        """(millicores, bytes, GPUs) the node's pods request, summed exactly, rounded up."""
        used = dict(self.used.get(node, {}))
        for number, count in self.typed_used.get(node, {}).items():
            signature = self.signatures[number]
            used[signature] = used.get(signature, 0) + count
        if node not in self.exact and all(self.known[signature][2] for signature in used):
            cpu = memory = gpus = 0  # whole amounts each: their sum is exact in integers
            for signature, count in used.items():
                amounts = self.known[signature][1]
                cpu, memory, gpus = (cpu + amounts[0] * count, memory + amounts[1] * count,
                                     gpus + amounts[2] * count)  # fmt: skip
            return cpu, memory, gpus
        total: dict[str, Fraction] = {}
        for signature, count in used.items():
            for resource, amount in self.known[signature][0].items():
                total[resource] = total.get(resource, Fraction(0)) + amount * count
        for requests in self.exact.get(node, ()):
            for resource, amount in requests.items():
                total[resource] = total.get(resource, Fraction(0)) + amount
        return _amounts(total)


# -- pods decoded typed ----------------------------------------------------------------------------
# Only the fields `_Pods.read_typed` reads (msgspec skips the rest without building them), of
# the types the quick reading accepts: a value of another type fails the typed decode, and the
# whole input is then read as today (`_items`), whose readers name what is wrong.


class _Quantities(msgspec.Struct, frozen=True, gc=False):
    cpu: str | UnsetType | None = UNSET
    memory: str | UnsetType | None = UNSET
    gpu: str | UnsetType | None = msgspec.field(default=UNSET, name=GPU)


class _Resources(msgspec.Struct, frozen=True, gc=False):
    requests: _Quantities | None = None
    limits: _Quantities | None = None


class _Port(msgspec.Struct, frozen=True, gc=False):
    hostPort: int | None = None  # noqa: N815 - the API's name


class _Container(msgspec.Struct, frozen=True, gc=False):
    resources: _Resources | None = None
    ports: tuple[_Port, ...] | None = None


class _Spec(msgspec.Struct, gc=False):
    nodeName: str | None = None  # noqa: N815
    containers: tuple[_Container, ...] | None = None
    hostNetwork: bool | None = None  # noqa: N815
    # Present (null too): the pod is read the careful way, from its document.
    initContainers: Any = UNSET  # noqa: N815
    overhead: Any = UNSET
    affinity: Any = UNSET


# Text past the model's limit fails the typed decode, so the checked readers refuse it as they
# would on any pod (the limit counts characters, as theirs does).
_Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]


class _Metadata(msgspec.Struct, gc=False):
    name: _Text | None = None
    namespace: _Text | None = None
    labels: dict[_Text, _Text] | None = None
    ownerReferences: Any = None  # noqa: N815
    deletionTimestamp: str | None = None  # noqa: N815


class _Status(msgspec.Struct, gc=False):
    phase: str | None = None
    startTime: str | None = None  # noqa: N815


class _Pod(msgspec.Struct, gc=False):
    metadata: _Metadata | None = None
    spec: _Spec | None = None
    status: _Status | None = None


class _PodList(msgspec.Struct, gc=False):
    items: list[_Pod] | UnsetType | None = UNSET


class _RawList(msgspec.Struct, gc=False):
    items: list[msgspec.Raw] | None = None


def _typed_pods(
    value: Any,
) -> tuple[list[_Pod] | None, list[Mapping[str, Any]] | None, Callable[[int], Mapping[str, Any]]]:
    """(pods typed or None, the documents where decoded, a pod's document by position).

    None for the typed pods: read the documents as today (`_items`: a single object, a value
    of another type than `_Pod` expects, JSON msgspec refuses).
    """
    if isinstance(value, (bytes, bytearray, memoryview, str)):
        if isinstance(value, str) and value.lstrip()[:1] not in ("{", "["):
            return None, None, _no_source
        data = value if isinstance(value, str) else bytes(value)
        # Typed decoding skips what it does not read without checking its UTF-8; today's
        # decoding refuses bad UTF-8 anywhere.
        if isinstance(data, bytes) and not data.isascii():
            try:
                data.decode()
            except UnicodeDecodeError:
                return None, None, _no_source
        try:
            doc = msgspec.json.decode(data, type=_PodList | list[_Pod])
        except (msgspec.DecodeError, RecursionError, UnicodeError):  # ValidationError included
            return None, None, _no_source
        if isinstance(doc, _PodList):
            if doc.items is UNSET:
                return None, None, _no_source  # a single object
            pods = doc.items or []
        else:
            pods = doc
        return pods, None, _RawPods(data)
    # `_items`' reading of the list, less its check of each item (the conversion's own)
    if isinstance(value, Mapping):
        if "items" not in value:
            return None, None, _no_source  # a single object
        value = value.get("items") or []
    if not isinstance(value, list):
        return None, None, _no_source
    try:
        typed = msgspec.convert(value, type=list[_Pod])
    # UnicodeError: msgspec cannot word its refusal of a lone surrogate; the careful readers can
    except (msgspec.ValidationError, RecursionError, UnicodeError):
        return None, None, _no_source
    if not set(map(type, value)) <= {dict}:  # another Mapping, or an object msgspec reads
        return None, None, _no_source
    return typed, value, value.__getitem__


def _no_source(position: int) -> Mapping[str, Any]:
    raise AssertionError("no pods were decoded typed")


class _RawPods:
    """The pods of JSON that decoded typed, each as a document when asked (decoded once)."""

    def __init__(self, data: bytes | str) -> None:
        self.data = data
        self.raw: list[msgspec.Raw] | None = None

    def __call__(self, position: int) -> Mapping[str, Any]:
        if self.raw is None:
            doc = msgspec.json.decode(self.data, type=_RawList | list[msgspec.Raw])
            self.raw = (doc.items or []) if isinstance(doc, _RawList) else doc
        found: Mapping[str, Any] = decode_json(bytes(self.raw[position]), "pods")
        return found


def _known(requests: dict[str, Fraction]) -> tuple[dict[str, Fraction], tuple[int, int, int], bool]:
    """A signature's requests, their amounts (`_amounts`), and whether those are exact."""
    scaled = (requests.get("cpu", Fraction(0)) * 1000, requests.get("memory", Fraction(0)),
              requests.get(GPU, Fraction(0)))  # fmt: skip
    return requests, _amounts(requests), all(v.denominator == 1 for v in scaled)


def _read(read: Callable[[Any, str], int], value: Any, where: str,
          seen: dict[tuple[Any, ...], int]) -> int:  # fmt: skip
    """`read(value, where)`, once per text or integer (nodes repeat a few allocatable amounts)."""
    if type(value) is not str and type(value) is not int:
        return read(value, where)
    key = (read, type(value), value)
    found = seen.get(key)
    if found is None:
        found = seen[key] = read(value, where)
    return found


def _utc_micros(text: str) -> int | None:
    """`YYYY-MM-DDTHH:MM:SSZ` (how the API writes times) as microseconds; None for any other."""
    if len(text) != 20 or text[19] != "Z" or text[10] != "T":
        return None
    try:
        moment = _dt.datetime.fromisoformat(text[:19])
    except ValueError:
        return None
    return (moment - _EPOCH) // _MICRO


def _start_micros(texts: Sequence[str | None]) -> list[int | None]:
    """`_utc_micros` of each text (None: None, `_UNREAD`: not read), most at once.

    numpy reads the usual `YYYY-MM-DDTHH:MM:SS` (less its `Z`); a text it does not write back
    the same (another form, or a date numpy and `datetime` disagree on) is read alone.
    """
    # (`datetime` has no year 0: numpy's is read alone, and refused)
    shaped = [t[:19] if t is not None and len(t) == 20 and t[19] == "Z" and t[10] == "T"
              and t[:4] != "0000" else "" for t in texts]  # fmt: skip
    try:
        parsed = np.array(shaped, dtype="datetime64[s]")
    except ValueError:  # a text numpy cannot read: each alone
        parsed = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[s]")
    same = (np.datetime_as_string(parsed, unit="s") == np.array(shaped, dtype=str)).tolist()
    micros = (parsed.astype(np.int64) * 1_000_000).tolist()  # NaT's product is never used
    out: list[int | None] = []
    for text, value, exact in zip(texts, micros, same, strict=True):
        if exact:
            out.append(value)
        elif text is None:
            out.append(None)
        else:
            read = _utc_micros(text)
            out.append(_UNREAD if read is None else read)
    return out


_UNREAD = -(2**63)  # `_start_micros`: a start time `_utc_micros` does not read (none is this)
_EPOCH = _dt.datetime(1970, 1, 1)
_MICRO = _dt.timedelta(microseconds=1)
_NO_PORTS: frozenset[int] = frozenset()
_NO_LABELS: dict[str, str] = {}  # a row's place for its labels, kept apart (`_Pods.labels`)


def _namespace_labels(value: Any, seen: Sequence[Any]) -> str:
    """`kubectl get namespaces -o json` as a `_k8s/namespaces` value (JSON: name -> labels).

    Every namespace has the label the API server sets on each (immutable: its name),
    `kubernetes.io/metadata.name`: a listed one whatever its labels say, and a namespace of a
    pod (`seen`) that is not listed has it alone.
    """
    table: dict[str, dict[str, str]] = {}
    for position, item in enumerate(_items(value, "namespaces")):
        where = f"namespaces[{position}]"
        name = _get(item, "metadata.name", str, where)
        if not name:
            raise InventoryError(f"{where}: metadata.name is missing")
        if name in table:
            raise InventoryError(f"{where}: namespace {shown(name)} is listed twice")
        labels = _map(item, "metadata.labels", where)
        for key, text in labels.items():
            if not isinstance(key, str) or not isinstance(text, str):
                raise InventoryError(f"{where}.metadata.labels[{shown(key)}]: expected text, "
                                     f"got {shown(text)}")  # fmt: skip
        # The control plane sets this label (the name, immutable) on every namespace, as the
        # namespaces of `seen` not listed are taken to have below.
        table[name] = {**labels, NAMESPACE_NAME: name}
    for name in set(seen):
        if isinstance(name, str):
            table.setdefault(name, {NAMESPACE_NAME: name})
    return json.dumps(table, sort_keys=True, separators=(",", ":"))


def inventory(nodes: Any, pods: Any = None, namespaces: Any = None) -> Any:
    """An `Inventory` from `kubectl get nodes -o json` and `kubectl get pods -A -o json`.

    Each node is an instance named by its node name: its labels are attributes (plus the
    reserved `_k8s/name`, `_k8s/taints` and `_k8s/pods`), its resources are allocatable CPU
    (millicores), memory (bytes) and `nvidia.com/gpu` less the requests of its pods that are
    not Succeeded or Failed, and its reserved ports are those pods' host ports. A cordoned node
    (`spec.unschedulable`) is DRAINING; a node whose Ready condition is not True is
    disconnected. Each such pod is a task (`namespace/name`, group `pod_group`, its labels plus
    `_k8s/namespace`; a pod being deleted also `_k8s/terminating`). Pods not bound to a
    listed node are ignored. `namespaces` (`kubectl get namespaces -o json`, optional): their
    labels, which pod affinity terms with a `namespaceSelector` read (kept on every node as
    `_k8s/namespaces`). Malformed input raises `InventoryError` naming the object.
    """
    from ..ecs_json import paused_gc

    names: list[str] = []
    groups: dict[str, dict[str, int]] = {}
    try:
        # A load makes no cycles: the collector would only rescan (decoding included, where
        # it costs the most: every container the decoder makes counts towards a collection).
        with paused_gc():
            node_items = _items(nodes, "nodes")
            typed, pod_items, source = (_typed_pods(pods) if pods is not None
                                        else (None, [], _no_source))  # fmt: skip
            if typed is None and pod_items is None:
                pod_items = _items(pods, "pods")
            for position, node in enumerate(node_items):
                name = _get(node, "metadata.name", str, f"nodes[{position}]")
                if not name:
                    raise InventoryError(f"nodes[{position}]: metadata.name is missing")
                names.append(name)
                groups[name] = {}
            read = _Pods(groups)
            if typed is not None:
                read.read_typed(typed, source)
            else:
                read.read(pod_items or [])
            spaces = (None if namespaces is None
                      else _namespace_labels(namespaces, read.namespaces))  # fmt: skip
            records = [
                _node(node, name, f"nodes[{position}]", read, spaces)
                for position, (node, name) in enumerate(zip(node_items, names, strict=True))
            ]
            return _inventory(records, read, names)
    except InventoryError:
        raise
    except PlacementError as exc:
        raise InventoryError(str(exc)) from exc


def _inventory(records: list[list[Any]], pods: _Pods, names: list[str]) -> Any:
    """The inventory of checked node records and pod rows, built a column at a time.

    What `Inventory._build` does, less its per-row passes: the rows are already the
    inventory's own (every pod on a listed node, its groups counted). A repeated node or pod
    name is left to `_build`, which names the first repeat.
    """
    from ..columns import GroupCounts, SparseSets, attribute_columns, build_column, frozen
    from ..ecs.instances import INSTANCE_READ
    from ..inventory import Inventory

    rows = pods.rows
    if len(set(names)) != len(names) or len({row[0] for row in rows}) != len(rows):
        return Inventory._build(records, rows, "node")  # raises, naming the first repeat
    columns = {spec.name: build_column(spec, [record[k] for record in records])
               for k, spec in enumerate(INSTANCE_READ)}  # fmt: skip
    columns["task_groups"] = GroupCounts.build([pods.groups[name] for name in names])
    row_of = {name: k for k, name in enumerate(names)}
    values = list(zip(*rows, strict=True)) if rows else [()] * len(TASK_FIELDS)
    tasks: dict[str, Any] = {}
    for k, spec in enumerate(TASK_FIELDS):
        if spec.name == "labels":
            tasks[spec.name] = attribute_columns(pods.label_columns(), len(rows))
        elif spec.name == "instance":
            on = map(row_of.__getitem__, values[k])
            tasks[spec.name] = frozen(np.fromiter(on, dtype=np.int64, count=len(rows)))
        elif spec.kind is Kind.TIMESTAMP and set(map(type, values[k])) <= _STAMPS:
            # Whole microseconds or None (no start time) each: `build_column`'s pair at once.
            micros = np.array([0 if v is None else v for v in values[k]], dtype=np.int64)
            present = np.array([v is not None for v in values[k]], dtype=bool)
            tasks[spec.name] = (frozen(micros), frozen(present))
        elif spec.kind is Kind.PORTS and values[k].count(_NO_PORTS) == len(rows):
            # No pod binds a host port of this kind (the usual case): no row's set to sort.
            nothing = np.zeros(0, dtype=np.int32)
            tasks[spec.name] = SparseSets(np.zeros(len(rows) + 1, dtype=np.int64), nothing)
        else:
            tasks[spec.name] = build_column(spec, values[k])
    return Inventory(columns, tasks)


def _node(
    node: Mapping[str, Any], name: str, where: str, pods: _Pods, spaces: str | None = None
) -> list[Any]:
    """One node's instance fields (`INSTANCE_READ` order, checked), less what its pods request.

    Its task groups are not among them: the inventory counts them from the task rows.
    """
    from ..ecs.instances import INSTANCE_READ

    labels = _dict_at(node, ("metadata", "labels"), where)
    spec = _dict_at(node, ("spec",), where)
    status = _dict_at(node, ("status",), where)
    allocatable = _dict_at(status, ("allocatable",), f"{where}.status")
    attributes: dict[str, str | None] = {str(k): v for k, v in labels.items()}
    attributes[NODE_NAME] = name
    if allocatable.get("pods") is not None:
        pods_at = f"{where}.status.allocatable.pods"
        attributes[PODS] = str(_read(whole, allocatable["pods"], pods_at, pods.allocatable))
    else:  # the scheduler allows no pod on it (NodeResourcesFit: AllowedPodNumber 0)
        attributes[PODS] = "0"
    taints = _node_taints(spec, f"{where}.spec")
    if taints:
        attributes[TAINTS] = taints_text(taints)
    if name in pods.anti:
        attributes[ANTI_TERMS] = json.dumps(pods.anti[name], sort_keys=True)
    if spaces is not None:
        attributes[NAMESPACES] = spaces
    seen = pods.allocatable
    cpu = _read(millicores, allocatable.get("cpu", 0), f"{where}.status.allocatable.cpu", seen)
    memory = _read(whole, allocatable.get("memory", 0), f"{where}.status.allocatable.memory", seen)
    gpus = _read(whole, allocatable.get(GPU, 0), f"{where}.status.allocatable.{GPU}", seen)
    need_cpu, need_memory, need_gpus = pods.requests_on(name)
    cordoned = spec.get("unschedulable")
    if cordoned is not None and type(cordoned) is not bool:
        cordoned = _get(spec, "unschedulable", bool, where)  # raises, as it reads a Mapping too
    values = {
        "arn": name,
        "status": "DRAINING" if cordoned else "ACTIVE",
        "agent_connected": _ready(status, f"{where}.status"),
        "registered_at": _get(node, "metadata.creationTimestamp", str, where),
        "attributes": attributes,
        "cpu": max(cpu - need_cpu, 0), "memory": max(memory - need_memory, 0),
        "gpus": max(gpus - need_gpus, 0),
        "ports": pods.ports.get(name, ()), "udp_ports": pods.udp_ports.get(name, ()),
        "registered_cpu": cpu, "registered_memory": memory,
        "running_tasks_count": sum(pods.groups[name].values()),
    }  # fmt: skip
    attributes_plain = attributes.values()
    if (min(values[field] for field in _COUNTED) >= 0
            and max(values[field] for field in _COUNTED) <= MAX_AMOUNT
            and len(name) <= MAX_TEXT and set(map(type, attributes_plain)) <= _TEXTS
            and max(map(len, filter(None, attributes_plain)), default=0) <= MAX_TEXT
            and min(map(len, attributes), default=1) > 0
            and max(map(len, attributes), default=0) <= MAX_TEXT):  # fmt: skip
        # What `check` gives these: the amounts, name, status and flag as they are (made
        # here, of their types), the attributes read-only.
        values["attributes"] = FrozenMap(attributes)
        return [values[spec.name] if spec.name in _PLAIN
                else checked(spec, values.get(spec.name), where)
                for spec in INSTANCE_READ]  # fmt: skip
    return [checked(spec, values.get(spec.name), where) for spec in INSTANCE_READ]


_COUNTED = ("cpu", "memory", "gpus", "registered_cpu", "registered_memory", "running_tasks_count")
_PLAIN = frozenset((*_COUNTED, "arn", "status", "agent_connected", "attributes"))
_TEXTS = frozenset((str, type(None)))
_STAMPS = frozenset((int, type(None)))


def _dict_at(doc: Mapping[str, Any], path: tuple[str, ...], where: str) -> dict[str, Any]:
    """`_map(doc, ".".join(path), where)` as a dict, quicker where each step is a dict."""
    value: Any = doc
    for part in path:
        if type(value) is not dict:
            value = None
            break
        value = value.get(part)
    if type(value) is dict:
        return value
    return dict(_map(doc, ".".join(path), where))  # absent, null, another Mapping, or an error
