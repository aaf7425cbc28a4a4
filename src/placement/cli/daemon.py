"""`placement daemon`: where a daemon task starts, which instances cannot take it, what stops."""

from __future__ import annotations

import argparse

from ..inventory import Inventory
from ..ops.daemon import place_daemon
from .fix import add_fix_option, daemon_fixes, fix_lines, fixes_json
from .inputs import (
    add_constraint_option,
    add_inventory_options,
    add_output_option,
    check_live_options,
    check_one_stdin,
    load_inventory,
    parse_json_option,
    read_json,
)
from .place import _SHORT_CODES
from .render import Output, instance_names, more_line, table, task_size, zone_of
from .scale_in import TABLE_ROWS, task_places
from .service import task_from

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `daemon` command."""
    command = commands.add_parser(
        "daemon", help="place a daemon: one task on every instance that qualifies",
        description="Run a task as a DAEMON service would: one copy on every instance that "
                    "passes eligibility, resources and every memberOf constraint and lacks one; "
                    "list the instances that should run it but cannot, and the group's tasks to "
                    "stop on instances that no longer qualify. Exit 3 when some instance "
                    "cannot take it.",
    )  # fmt: skip
    add_inventory_options(command)
    command.add_argument("--task-definition", metavar="FILE", required=True,
                         help="RegisterTaskDefinition / DescribeTaskDefinition JSON "
                              "('-': stdin)")  # fmt: skip
    command.add_argument("--group", help="task group (default: family:<family>)")
    add_constraint_option(command, "memberOf(EXPR) or ECS JSON; repeat for several "
                                   "(distinctInstance is implied)")  # fmt: skip
    add_output_option(command)
    add_fix_option(command, templates=False)
    command.set_defaults(run=run, parser=command)


def run(args: argparse.Namespace, out: Output) -> int:
    """Place the daemon and print where; exit 3 when an instance that needs it cannot take it."""
    check_live_options(args)
    check_one_stdin(args.inventory, args.tasks, args.task_definition)
    inventory = load_inventory(args, out, tasks_matter=True)
    task = task_from(read_json(args.task_definition, "task definition", (dict,)), args.group)
    constraints = [parse_json_option(c, "--constraint") for c in args.constraint]
    result = place_daemon(inventory, task, constraints=constraints)
    placements = [str(arn) for arn in result.placements]
    failures = {str(arn): [str(r) for r in reasons] for arn, reasons in result.failures.items()}
    stops = [str(arn) for arn in result.stops]
    answer = daemon_fixes(inventory, task, constraints) if args.fix else None
    if out.json:
        out.print_json({**result.to_dict(), "group": task.group, **fixes_json(answer)})
    else:
        head = (f"daemon {task.group} ({task_size(task, out)}): starts on "
                f"{len(placements)} of {len(inventory)} instances")  # fmt: skip
        tail = (f"{len(failures)} cannot take it; {len(stops)} "
                f"{'task' if len(stops) == 1 else 'tasks'} to stop")  # fmt: skip
        paint = out.style.yellow if failures else out.style.green
        lines = [out.style.bold(paint(head)), tail]
        lines += _placement_lines(inventory, placements, out)
        lines += _failure_lines(inventory, failures, out)
        lines += _stop_lines(inventory, stops, out)
        out.print("\n".join(lines + fix_lines(answer, out)))
    return 3 if failures else 0


def _instance_rows(inventory: Inventory, arns: list[str], out: Output) -> list[list[str]]:
    names, zones = instance_names(inventory, out.wide), zone_of(inventory)
    rows = [inventory.index_of(arn) for arn in arns]
    return [[names[row], zones[row]] for row in rows]


def _section(
    title: str, headers: list[str], rows: list[list[str]], total: int, out: Output, what: str
) -> list[str]:
    lines = table(headers, rows, shrink=len(headers) - 1, width=out.width, indent="  ")
    return ["", title, *lines, *more_line(out, len(rows), total, what)]


def _placement_lines(inventory: Inventory, placements: list[str], out: Output) -> list[str]:
    if not placements:
        return []
    shown = placements if out.wide else placements[:TABLE_ROWS]
    rows = _instance_rows(inventory, shown, out)
    return _section(f"Starts on ({len(placements)}):", ["INSTANCE", "ZONE"], rows,
                    len(placements), out, "instances")  # fmt: skip


def _failure_lines(inventory: Inventory, failures: dict[str, list[str]], out: Output) -> list[str]:
    if not failures:
        return []
    arns = list(failures)
    shown = arns if out.wide else arns[:TABLE_ROWS]
    rows = [
        [*place, ", ".join(_SHORT_CODES.get(code, code) for code in failures[arn])]
        for arn, place in zip(shown, _instance_rows(inventory, shown, out), strict=True)
    ]
    title = out.style.red(f"Cannot take it ({len(failures)}), with every reason:")
    return _section(title, ["INSTANCE", "ZONE", "REASONS"], rows, len(arns), out, "instances")


def _stop_lines(inventory: Inventory, stops: list[str], out: Output) -> list[str]:
    if not stops:
        return []
    shown = stops if out.wide else stops[:TABLE_ROWS]
    names, zones = instance_names(inventory, out.wide), zone_of(inventory)
    rows = [
        [arn if out.wide else arn.rsplit("/", 1)[-1], names[row], zones[row]]
        for arn, row in zip(shown, task_places(inventory, shown), strict=True)
    ]
    title = f"To stop ({len(stops)}): the group's tasks on instances that no longer qualify"
    return _section(title, ["TASK", "INSTANCE", "ZONE"], rows, len(stops), out, "tasks")
