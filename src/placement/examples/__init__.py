"""The bundled example: a 12-instance cluster in 3 zones, its running tasks, a task definition.

`python -m placement.examples` prints the folder that holds the files, so the README's CLI
tour runs as written after `cd "$(python -m placement.examples)"`.

`placement demo` places this task on this cluster. Each name is a `pathlib.Path` to a JSON file
shipped inside the package, in the shape the ECS API returns:

    import json
    from placement import Inventory, TaskSpec, examples

    inv = Inventory.from_ecs(json.loads(examples.CONTAINER_INSTANCES.read_text()),
                             json.loads(examples.TASKS.read_text()))
    task = TaskSpec.from_ecs(json.loads(examples.TASK_DEFINITION.read_text()))
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

__all__ = [
    "CONTAINER_INSTANCES", "TASKS", "TASK_DEFINITION", "TASK_DEFINITION_V2", "SERVICE",
    "K8S_NODES", "K8S_PODS", "K8S_DEPLOYMENT",
]  # fmt: skip


def _path(name: str) -> Path:
    resource = resources.files(__name__) / name
    if isinstance(resource, Path):
        return resource
    # Installed inside a zip: extract once, for the life of the process, so callers get a Path.
    stack = contextlib.ExitStack()
    atexit.register(stack.close)
    return stack.enter_context(resources.as_file(resource))


CONTAINER_INSTANCES: Path = _path("container-instances.json")
"""A DescribeContainerInstances response: 12 instances in us-east-1a/b/c."""
TASKS: Path = _path("tasks.json")
"""A DescribeTasks response: the tasks already RUNNING on those instances."""
TASK_DEFINITION: Path = _path("task-definition.json")
"""A task definition (family `web`) with a `memberOf` constraint and a required attribute."""
TASK_DEFINITION_V2: Path = _path("web-v2.json")
"""The next revision of `web` (a newer image, more memory): what `placement deploy` rolls to."""
SERVICE: Path = _path("service.json")
"""A DescribeServices response: the service `web` (constraints, strategy, desired count)."""
K8S_NODES: Path = _path("k8s-nodes.json")
"""`kubectl get nodes -o json`: 4 nodes in zones a and b, one tainted `dedicated=gpu`."""
K8S_PODS: Path = _path("k8s-pods.json")
"""`kubectl get pods -A -o json`: the pods bound to those nodes."""
K8S_DEPLOYMENT: Path = _path("k8s-deployment.json")
"""A Deployment `web` (2 CPUs a pod) with a topology spread constraint over `zone`."""
