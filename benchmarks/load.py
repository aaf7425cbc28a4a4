"""Benchmark: loading ECS JSON - json.loads alone, from_ecs(json.loads(...)), from_ecs_json.

    python benchmarks/load.py                      # 10k and 100k instances, both shapes
    python benchmarks/load.py --sizes 10000 100000 1000000 --runs 3 --shapes aws-cli
    python benchmarks/load.py --cli 50000            # `placement headroom`: loading vs the rest
    python benchmarks/load.py --k8s 5000 100000 --runs 2   # Kubernetes: from_k8s vs json.loads
    python benchmarks/load.py --k8s 1000 20000 --k8s-shape kubectl   # every field kubectl writes

Two shapes of file. `epoch`: the evaluate benchmark's synthetic instances (3-4 attributes,
4 remaining and 2 registered resources each, `registeredAt` in epoch seconds) and one RUNNING
task per third of them (a container with a host port). `aws-cli`: the same cluster as
`aws ecs describe-container-instances` / `describe-tasks` (AWS CLI v2) write it - ISO 8601
timestamps with microseconds and offsets, resources with zeroed `doubleValue`/`longValue`,
the fields the loader skips (health, attachments, agent hash, ...), and as many STOPPED tasks
as RUNNING ones. Every measurement runs in its own process, so one's garbage and peak memory do
not touch another's: time is the fastest of --runs runs (CPU time of the process, less
disturbed by a busy machine than wall time), peak memory the most that Python's allocators
(numpy's and msgspec's included) held at once during one more run, under tracemalloc, over
the bytes already read. Ratios are against json.loads of the same
bytes in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).parent))

from common import print_header
from evaluate import ecs_text

TASK_DEFINITION = Path(__file__).parents[1] / "src/placement/examples/task-definition.json"

MODES = ("json.loads", "from_ecs(json.loads)", "from_ecs_json")
SHAPES = ("epoch", "aws-cli")


def tasks_text(n: int) -> str:
    tasks = []
    for i in range(0, n, 3):
        tasks.append({
            "taskArn": f"arn:aws:ecs:us-east-1:1:task/c/{i:08x}",
            "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{i:08x}",
            "group": "service:web", "desiredStatus": "RUNNING", "lastStatus": "RUNNING",
            "cpu": "256", "memory": "512", "startedAt": 1_700_000_000.5,
            "containers": [{"name": "web", "networkBindings": [
                {"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]}],
        })  # fmt: skip
    return json.dumps({"tasks": tasks, "failures": []})


def _iso(seconds: float, offset_hours: int) -> str:
    """ISO 8601 as the AWS CLI v2 writes it: microseconds and a UTC offset."""
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    return dt.datetime.fromtimestamp(seconds, zone).isoformat(timespec="microseconds")


def _resource(name: str, value: int | list[str]) -> dict[str, Any]:
    # The CLI writes every value field of the union, the unused ones zeroed.
    if isinstance(value, list):
        return {"name": name, "type": "STRINGSET", "doubleValue": 0.0, "longValue": 0,
                "integerValue": 0, "stringSetValue": value}  # fmt: skip
    return {"name": name, "type": "INTEGER", "doubleValue": 0.0, "longValue": 0,
            "integerValue": value}  # fmt: skip


def aws_cli_texts(n: int) -> tuple[str, str]:
    """(describe-container-instances, describe-tasks) output as AWS CLI v2 writes it."""
    epoch = json.loads(ecs_text(n))["containerInstances"]
    docs = []
    for i, doc in enumerate(epoch):
        docs.append({
            "containerInstanceArn": doc["containerInstanceArn"],
            "ec2InstanceId": doc["ec2InstanceId"], "version": 7,
            "versionInfo": {**doc["versionInfo"], "agentHash": "4023248a",
                            "dockerVersion": "DockerVersion: 20.10.25"},
            "remainingResources": [
                _resource("CPU", 4096), _resource("MEMORY", 8192),
                _resource("PORTS", ["22", "2375", "2376", "51678", "51679"]),
                _resource("PORTS_UDP", []),
            ],
            "registeredResources": [
                _resource("CPU", 4096), _resource("MEMORY", 8192),
                _resource("PORTS", ["22", "2375", "2376", "51678", "51679"]),
                _resource("PORTS_UDP", []),
            ],
            "status": "ACTIVE", "agentConnected": True, "runningTasksCount": 0,
            "pendingTasksCount": 0, "attributes": doc["attributes"],
            "registeredAt": _iso(doc["registeredAt"], -7 if i % 2 else 0),
            "attachments": [], "tags": [],
            "healthStatus": {"overallStatus": "OK", "details": [
                {"type": "CONTAINER_RUNTIME", "status": "OK",
                 "lastUpdated": _iso(1_700_000_000.25 + i, 0),
                 "lastStatusChange": _iso(1_700_000_000.125 + i, 0)}]},
        })  # fmt: skip
    tasks = []
    for i in range(0, n, 3):
        for status in ("RUNNING", "STOPPED"):
            arn = f"arn:aws:ecs:us-east-1:1:task/c/{i:08x}{status[0]}"
            started = 1_700_000_000.5 + i
            task: dict[str, Any] = {
                "attachments": [], "attributes": [{"name": "ecs.cpu-architecture",
                                                   "value": "x86_64"}],
                "availabilityZone": "us-east-1a",
                "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/c",
                "connectivity": "CONNECTED", "connectivityAt": _iso(started - 2, 0),
                "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{i:08x}",
                "containers": [{
                    "containerArn": f"arn:aws:ecs:us-east-1:1:container/c/{i:08x}/web",
                    "taskArn": arn, "name": "web", "image": "nginx:1.25",
                    "runtimeId": f"{i:064x}", "lastStatus": status,
                    "networkBindings": [{"bindIP": "0.0.0.0", "containerPort": 80,
                                         "hostPort": 8080 if status == "RUNNING" else 0,
                                         "protocol": "tcp"}],
                    "networkInterfaces": [], "healthStatus": "UNKNOWN",
                    "cpu": "0", "memory": "512",
                }],
                "cpu": "256", "createdAt": _iso(started - 5, 0), "desiredStatus": status,
                "enableExecuteCommand": False, "group": "service:web",
                "healthStatus": "UNKNOWN", "lastStatus": status, "launchType": "EC2",
                "memory": "512", "overrides": {"containerOverrides": [{"name": "web"}],
                                               "inferenceAcceleratorOverrides": []},
                "pullStartedAt": _iso(started - 4, 0), "pullStoppedAt": _iso(started - 3, 0),
                "startedAt": _iso(started, -7 if i % 2 else 0), "startedBy": "ecs-svc/1",
                "tags": [], "taskArn": arn,
                "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/web:3",
                "version": 3,
            }  # fmt: skip
            if status == "STOPPED":
                task.update(stopCode="TaskFailedToStart", stoppedReason="Essential container "
                            "in task exited", stoppedAt=_iso(started + 60, 0),
                            stoppingAt=_iso(started + 59, 0),
                            executionStoppedAt=_iso(started + 59.5, 0))  # fmt: skip
                task["containers"][0]["exitCode"] = 1
            tasks.append(task)
    return (json.dumps({"containerInstances": docs, "failures": []}, indent=4),
            json.dumps({"tasks": tasks, "failures": []}, indent=4))


def write_files(folder: str, n: int, shape: str) -> None:
    """The instances and tasks files of `shape` for `n` instances."""
    if shape == "epoch":
        instances, tasks = ecs_text(n), tasks_text(n)
    else:
        instances, tasks = aws_cli_texts(n)
    Path(folder, "instances.json").write_text(instances)
    Path(folder, "tasks.json").write_text(tasks)


def child(mode: str, folder: str, runs: int) -> None:
    """One measurement, in this process: prints `seconds peak_MiB`."""
    from placement.inventory import Inventory

    instances = Path(folder, "instances.json").read_bytes()
    tasks = Path(folder, "tasks.json").read_bytes()
    actions = {
        "json.loads": lambda: (json.loads(instances), json.loads(tasks)),
        "from_ecs(json.loads)": lambda: Inventory.from_ecs(json.loads(instances),
                                                           json.loads(tasks)),
        "from_ecs_json": lambda: Inventory.from_ecs_json(instances, tasks),
    }  # fmt: skip
    action = actions[mode]
    tracemalloc.start()  # numpy and msgspec allocate through Python's tracked allocators
    result = action()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    del result
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        action()
        best = min(best, time.process_time() - start)
    print(f"{best} {peak}")


def cli_child(folder: str, runs: int) -> None:
    """`placement headroom` on the files, in this process: prints `total_seconds load_seconds`.

    The load is the time inside `Inventory.from_ecs_json`, which the CLI loads files through.
    """
    from placement.cli import main
    from placement.inventory import Inventory

    loading = [0.0]
    load = Inventory.from_ecs_json.__func__  # type: ignore[attr-defined]

    def timed(cls: Any, *args: Any) -> Any:
        start = time.process_time()
        try:
            return load(cls, *args)
        finally:
            loading[0] += time.process_time() - start

    Inventory.from_ecs_json = classmethod(timed)  # type: ignore[method-assign, assignment]
    argv = ["headroom", "--inventory", str(Path(folder, "instances.json")), "--tasks",
            str(Path(folder, "tasks.json")), "--task-definition", str(TASK_DEFINITION)]  # fmt: skip
    best = (float("inf"), 0.0)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        for _ in range(runs):
            loading[0] = 0.0
            start = time.process_time()
            assert main(argv) == 0
            best = min(best, (time.process_time() - start, loading[0]))
    print(*best, _scan_floor(folder, runs))


class _Skipped(msgspec.Struct):
    """Any JSON object, every field skipped."""


class _Instances(msgspec.Struct):
    containerInstances: list[_Skipped] = []  # noqa: N815 - the JSON's name


class _Tasks(msgspec.Struct):
    tasks: list[_Skipped] = []


def _scan_floor(folder: str, runs: int) -> float:
    """CPU seconds for msgspec to walk both files, skipping every field (fastest of `runs`)."""
    data = [(Path(folder, "instances.json").read_bytes(), _Instances),
            (Path(folder, "tasks.json").read_bytes(), _Tasks)]  # fmt: skip
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        for raw, shape in data:
            msgspec.json.decode(raw, type=shape)
        best = min(best, time.process_time() - start)
    return best


def measure(mode: str, folder: str, runs: int) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, folder, "--runs", str(runs)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds, peak = out.stdout.split()
    return float(seconds), float(peak)


def k8s_texts(n_nodes: int, n_pods: int, shape: str = "lean") -> tuple[str, str]:
    """`kubectl get nodes -o json` and `kubectl get pods -A -o json` of a synthetic cluster.

    `lean`: only the fields the loader reads. `kubectl`: each object with the fields kubectl
    writes besides (uids, managed fields, owner references, volumes, statuses, ...), which a
    loader skips: most of a real file.
    """
    nodes = [{
        "metadata": {"name": f"node-{i:05d}", "creationTimestamp": "2024-01-01T00:00:00Z",
                     "labels": {"kubernetes.io/hostname": f"node-{i:05d}",
                                "topology.kubernetes.io/zone": f"us-east-1{'abc'[i % 3]}",
                                "node.kubernetes.io/instance-type": "m5.2xlarge"}},
        "spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
                 if i % 10 == 0 else []},
        "status": {"allocatable": {"cpu": "7910m", "memory": "31Gi", "pods": "110"},
                   "conditions": [{"type": "Ready", "status": "True"}]},
    } for i in range(n_nodes)]  # fmt: skip
    pods = [{
        "metadata": {"name": f"web-{j:06d}", "namespace": f"ns{j % 5}",
                     "labels": {"app": f"app{j % 50}", "pod-template-hash": "abc123"}},
        "spec": {"nodeName": f"node-{j % n_nodes:05d}", "containers": [
            {"name": "c", "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}}}]},
        "status": {"phase": "Running",  # a distinct start time per pod, as in a real cluster
                   "startTime": f"2024-01-{1 + j // 86400:02d}T{j // 3600 % 24:02d}:"
                                f"{j // 60 % 60:02d}:{j % 60:02d}Z"},
    } for j in range(n_pods)]  # fmt: skip
    if shape == "kubectl":
        for i, node in enumerate(nodes):
            _kubectl_node(node, i)
        for j, pod in enumerate(pods):
            _kubectl_pod(pod, j)
    return (json.dumps({"kind": "List", "items": nodes}),
            json.dumps({"kind": "List", "items": pods}))  # fmt: skip


def _kubectl_node(node: dict[str, Any], i: int) -> None:
    """The fields `kubectl get nodes -o json` writes besides those `k8s_texts` sets."""
    node.update(apiVersion="v1", kind="Node")
    node["metadata"].update(uid=f"{i:08x}-0000-4000-8000-000000000000", resourceVersion=str(i),
                            annotations={"node.alpha.kubernetes.io/ttl": "0",
                                         "volumes.kubernetes.io/controller-managed-attach-detach":
                                         "true"})  # fmt: skip
    node["spec"].update(podCIDR=f"10.{i // 256 % 256}.{i % 256}.0/24",
                        providerID=f"aws:///us-east-1a/i-{i:017x}")  # fmt: skip
    node["status"].update(
        capacity={"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "100Gi"},
        addresses=[{"type": "InternalIP", "address": f"10.0.{i // 256 % 256}.{i % 256}"},
                   {"type": "Hostname", "address": f"node-{i:05d}"}],
        nodeInfo={"kubeletVersion": "v1.29.0", "containerRuntimeVersion": "containerd://1.7.2",
                  "osImage": "Amazon Linux 2", "architecture": "amd64",
                  "machineID": f"{i:032x}", "bootID": f"{i:032x}"},
        images=[{"names": [f"registry.example/img{k}:1.{k}"], "sizeBytes": 10_000_000 + k}
                for k in range(5)],
    )  # fmt: skip
    node["status"]["conditions"] = [
        {"type": kind, "status": "False", "lastHeartbeatTime": "2024-01-01T00:00:00Z",
         "lastTransitionTime": "2024-01-01T00:00:00Z", "reason": f"Kubelet{kind}",
         "message": "kubelet is fine"} for kind in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ] + [{"type": "Ready", "status": "True", "lastHeartbeatTime": "2024-01-01T00:00:00Z",
          "lastTransitionTime": "2024-01-01T00:00:00Z", "reason": "KubeletReady",
          "message": "kubelet is posting ready status"}]  # fmt: skip


def _kubectl_pod(pod: dict[str, Any], j: int) -> None:
    """The fields `kubectl get pods -o json` writes besides those `k8s_texts` sets."""
    started = pod["status"]["startTime"]
    pod.update(apiVersion="v1", kind="Pod")
    pod["metadata"].update(
        generateName="web-", uid=f"{j:08x}-0000-4000-8000-000000000000",
        resourceVersion=str(j), creationTimestamp=started,
        annotations={"kubectl.kubernetes.io/restartedAt": "2024-01-01T00:00:00Z"},
        ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc123",
                          "uid": "0000", "controller": True, "blockOwnerDeletion": True}],
        managedFields=[{"manager": "kube-controller-manager", "operation": "Update",
                        "apiVersion": "v1", "time": started, "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                                     "f:spec": {"f:containers": {'k:{"name":"c"}': {}}}}}],
    )  # fmt: skip
    container = pod["spec"]["containers"][0]
    container.update(image="registry.example/web:1.2.3", imagePullPolicy="IfNotPresent",
                     ports=[{"containerPort": 8080, "protocol": "TCP"}],
                     env=[{"name": "MODE", "value": "prod"}],
                     terminationMessagePath="/dev/termination-log",
                     terminationMessagePolicy="File",
                     volumeMounts=[{"name": "kube-api-access", "readOnly": True, "mountPath":
                                    "/var/run/secrets/kubernetes.io/serviceaccount"}])  # fmt: skip
    container["resources"]["limits"] = {"memory": "128Mi"}
    pod["spec"].update(
        restartPolicy="Always", terminationGracePeriodSeconds=30, dnsPolicy="ClusterFirst",
        serviceAccountName="default", serviceAccount="default", securityContext={},
        schedulerName="default-scheduler", priority=0, enableServiceLinks=True,
        preemptionPolicy="PreemptLowerPriority",
        tolerations=[{"key": f"node.kubernetes.io/{taint}", "operator": "Exists",
                      "effect": "NoExecute", "tolerationSeconds": 300}
                     for taint in ("not-ready", "unreachable")],
        volumes=[{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}],
    )  # fmt: skip
    pod["status"].update(
        hostIP="10.0.0.1", podIP=f"10.1.{j // 256 % 256}.{j % 256}", qosClass="Burstable",
        podIPs=[{"ip": f"10.1.{j // 256 % 256}.{j % 256}"}],
        conditions=[{"type": kind, "status": "True", "lastProbeTime": None,
                     "lastTransitionTime": started}
                    for kind in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
        containerStatuses=[{"name": "c", "state": {"running": {"startedAt": started}},
                            "lastState": {}, "ready": True, "restartCount": 0,
                            "image": "registry.example/web:1.2.3",
                            "imageID": "registry.example/web@sha256:" + "0" * 64,
                            "containerID": f"containerd://{j:064x}", "started": True}],
    )  # fmt: skip


def k8s_rows(n_nodes: int, n_pods: int, runs: int, shape: str = "lean") -> None:
    """json.loads of both files; from_k8s(json.loads(...)); from_k8s of the JSON bytes (its
    own decoder): CPU time, fastest of `runs`."""
    from placement import Inventory

    nodes, pods = k8s_texts(n_nodes, n_pods, shape)
    raw = (nodes.encode(), pods.encode())
    best: dict[str, float] = {}
    for mode in ("json.loads", "from_k8s(json.loads)", "from_k8s(bytes)"):
        for _ in range(runs):
            start = time.process_time()
            loaded: Any
            if mode == "from_k8s(bytes)":
                loaded = Inventory.from_k8s(*raw)
            else:
                loaded = (json.loads(nodes), json.loads(pods))
            if mode == "from_k8s(json.loads)":
                loaded = Inventory.from_k8s(*loaded)
            best[mode] = min(best.get(mode, float("inf")), time.process_time() - start)
            del loaded  # freeing the last run's objects is not this run's cost
    print(f"{'shape':<8} {'nodes':>7} {'pods':>8} {'MB':>6}  {'mode':<22} "
          f"{'time':>8} {'x json':>7}")
    size = (len(nodes) + len(pods)) / 1e6
    for mode, seconds in best.items():
        print(f"{shape:<8} {n_nodes:>7,} {n_pods:>8,} {size:>6.1f}  {mode:<22} {seconds:>7.3f}s "
              f"{seconds / best['json.loads']:>6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--cli", type=int, metavar="N",
                        help="instead: time `placement headroom` on an N-instance aws-cli file")
    parser.add_argument("--k8s", type=int, nargs=2, metavar=("NODES", "PODS"),
                        help="instead: Kubernetes nodes and pods, from_k8s against json.loads")
    parser.add_argument("--k8s-shape", choices=("lean", "kubectl"), default="lean",
                        help="with --k8s: only the fields read, or every field kubectl writes")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "cli":
            cli_child(args.child[1], args.runs)
        else:
            child(args.child[0], args.child[1], args.runs)
        return
    if args.k8s:
        print_header()
        k8s_rows(args.k8s[0], args.k8s[1], args.runs, args.k8s_shape)
        return
    if args.cli:
        print_header()
        with tempfile.TemporaryDirectory() as folder:
            write_files(folder, args.cli, "aws-cli")
            out = subprocess.run(
                [sys.executable, __file__, "--child", "cli", folder, "--runs", str(args.runs)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
        total, loading, floor = map(float, out.stdout.split())
        print(f"placement headroom, {args.cli:,} instances (aws-cli shape): {total:.2f}s CPU, "
              f"of which loading (from_ecs_json) {loading:.2f}s = {loading / total:.0%}")
        # The least any decoder of these bytes pays: msgspec skipping every field. Loading can
        # be under half the command only if this floor is under the rest of the command.
        print(f"scan floor (msgspec, every field skipped): {floor:.2f}s = {floor / total:.0%} of "
              f"the command; everything but loading: {total - loading:.2f}s; loading / floor: "
              f"{loading / floor:.2f}x")  # fmt: skip
        return
    print_header()
    print(f"{'shape':<8} {'instances':>10} {'MB':>6}  {'mode':<22} {'time':>8} {'x json':>7} "
          f"{'peak MiB':>9} {'x json':>7}")  # fmt: skip
    for shape, n in itertools.product(args.shapes, args.sizes):
        with tempfile.TemporaryDirectory() as folder:
            write_files(folder, n, shape)
            size = sum(os.path.getsize(Path(folder, f)) for f in ("instances.json", "tasks.json"))
            base_time = base_peak = 0.0
            for mode in MODES:
                seconds, peak = measure(mode, folder, args.runs)
                if mode == "json.loads":
                    base_time, base_peak = seconds, peak
                ratios = f"{seconds / base_time:>6.2f}x {peak:>9.1f} {peak / base_peak:>6.2f}x"
                print(f"{shape:<8} {n:>10,} {size / 1e6:>6.1f}  {mode:<22} {seconds:>7.3f}s "
                      f"{ratios}")  # fmt: skip


if __name__ == "__main__":
    main()
