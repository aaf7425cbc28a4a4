"""`placement demo`: place on the example cluster bundled with the package."""

from __future__ import annotations

import argparse
import json
from importlib import resources
from typing import Any

from ..inventory import Inventory
from ..rules import SERVICE_DEFAULT
from .place import add_place_options, file_request, run_request
from .render import Output

__all__ = ["add_parser", "run", "example"]

DEMO_COUNT = 36
"""More copies than the example cluster holds, to show the failure report."""


def example(name: str) -> Any:
    """One bundled example document (src/placement/examples/NAME)."""
    text = (resources.files("placement") / "examples" / name).read_text(encoding="utf-8")
    return json.loads(text)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `demo` command."""
    command = commands.add_parser(
        "demo", help="place on the example cluster shipped with placement",
        description="Place 36 copies of the bundled example task on the bundled example "
                    "cluster (12 instances in 3 zones) with ECS's service default strategy. "
                    "The cluster holds fewer, on purpose: the demo exits 0 all the same.",
    )  # fmt: skip
    add_place_options(command)
    command.set_defaults(run=run, parser=command)


def run(args: argparse.Namespace, out: Output) -> int:
    """Place on the examples; the banner goes to stderr, the report to stdout."""
    inventory = Inventory.from_ecs(example("container-instances.json"), example("tasks.json"))
    request = file_request(
        args, out, inventory, example("task-definition.json"),
        default_count=DEMO_COUNT, default_strategy=SERVICE_DEFAULT,
    )  # fmt: skip
    out.note(
        f"placement demo: the bundled example cluster ({len(inventory)} instances in "
        f"{inventory.zones} zones), the task definition's memberOf, and "
        + ("ECS's service default strategy" if not args.strategy else "your strategy")
    )
    run_request(request, out, explain=args.explain)
    # The demo overfills the cluster on purpose: copies that do not fit are the point, not a
    # failure (CI runs `placement demo` as the README's first command).
    return 0
