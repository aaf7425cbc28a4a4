"""`placement filter EXPR --inventory FILE`: the instances that match an expression."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..inventory import Inventory
from .inputs import (
    add_expression_arguments,
    add_inventory_options,
    add_output_option,
    check_live_options,
    check_one_stdin,
    load_inventory,
    parse_expression,
    reads_task_groups,
)
from .render import Output, attribute_of, instance_names, ints, table, zone_of

__all__ = ["add_parser", "run", "instance_table"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `filter` command."""
    command = commands.add_parser(
        "filter", help="list the instances that match an expression",
        description="List the instances of an inventory (or a live cluster) that match EXPR. "
                    "With -o json the output is itself a DescribeContainerInstances and "
                    "DescribeTasks document, so it can be fed back as --inventory/--tasks.",
    )  # fmt: skip
    add_expression_arguments(command)
    add_inventory_options(command)
    add_output_option(command)
    command.set_defaults(run=run, parser=command)


def instance_table(inventory: Inventory, out: Output) -> list[str]:
    """One row per instance: name, zone, type, status, free CPU and memory, tasks."""
    names = instance_names(inventory, out.wide)
    zones = zone_of(inventory)
    types = attribute_of(inventory, "ecs.instance-type")
    cpu, cpu_total = ints(inventory.cpu), ints(inventory.registered_cpu)
    memory, memory_total = ints(inventory.memory), ints(inventory.registered_memory)
    tasks = ints(inventory.running_tasks_count)
    rows = []
    for row in range(len(inventory)):
        status = str(inventory.status.get(row) or "")
        if not bool(inventory.agent_connected[row]):
            status += " (agent off)"
        rows.append([
            names[row], zones[row], types[row], status,
            f"{cpu[row]}/{cpu_total[row]}", f"{memory[row]}/{memory_total[row]}", str(tasks[row]),
        ])  # fmt: skip
    return table(
        ["INSTANCE", "ZONE", "TYPE", "STATUS", "CPU FREE", "MEMORY FREE", "TASKS"],
        rows, right=(4, 5, 6), shrink=0, width=out.width,
    )  # fmt: skip


def run(args: argparse.Namespace, out: Output) -> int:
    """Print the matching instances (JSON: as ECS documents, full ARNs)."""
    check_live_options(args)
    check_one_stdin(args.expression, args.inventory, args.tasks)
    expression = parse_expression(args)
    inventory = load_inventory(args, out, tasks_matter=reads_task_groups([expression]))
    mask = expression.evaluate(inventory)
    matched = inventory.select(np.flatnonzero(mask))
    if out.json:
        instances, tasks = matched.to_ecs()
        document: dict[str, Any] = {
            "expression": str(expression),
            "instances": len(inventory),
            "matched": len(matched),
            "containerInstances": instances["containerInstances"],
            "tasks": tasks["tasks"],
        }
        out.print_json(document)
        return 0
    noun = "instance" if len(inventory) == 1 else "instances"
    out.print(out.style.bold(f"{len(matched)} of {len(inventory)} {noun} match {expression}"))
    if len(matched):
        out.print("\n".join(instance_table(matched, out)))
    return 0
