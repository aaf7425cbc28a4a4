"""`placement scale-in`: which running tasks of a group ECS would stop, in order (SEMANTICS §4)."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from ..inventory import Inventory
from ..ops.scale_in import scale_in
from ..rules import strategy_from
from .inputs import (
    add_inventory_options,
    add_output_option,
    add_strategy_option,
    check_live_options,
    check_one_stdin,
    load_inventory,
    parse_count,
    parse_json_option,
    parse_seed,
    read_json,
)
from .render import Output, instance_names, ints, more_line, table, zone_of

__all__ = ["add_parser", "run", "task_places", "TABLE_ROWS"]

TABLE_ROWS = 20
"""The most tasks `--output table` lists (`wide` and `json` list every one)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `scale-in` command."""
    command = commands.add_parser(
        "scale-in", help="which running tasks of a group ECS would stop, in order",
        description="Choose --count running tasks of --group to stop, in order, as ECS's "
                    "scale-in does with the strategy chain (binpack stops where the most is "
                    "left, spread keeps the values balanced).",
    )  # fmt: skip
    add_inventory_options(command)
    command.add_argument("--group", required=True, help="the group to scale in (service:NAME)")
    command.add_argument("--count", required=True, metavar="N", help="tasks to stop")
    add_strategy_option(command)
    command.add_argument("--seed", help="seed for the random strategy")
    command.add_argument(
        "--protection", metavar="FILE",
        help="GetTaskProtection JSON: the tasks it protects are never stopped",
    )  # fmt: skip
    command.add_argument(
        "--now", metavar="TIME",
        help="with --protection: the time protection expiry is compared with (ISO 8601 or "
             "epoch seconds; default: now)",
    )  # fmt: skip
    add_output_option(command)
    command.set_defaults(run=run, parser=command)


def task_places(inventory: Inventory, task_arns: list[str]) -> list[int]:
    """Per task ARN, the row of the instance it runs on."""
    tasks = inventory.tasks
    return [int(tasks.instances[tasks.index_of(arn)]) for arn in task_arns]


def run(args: argparse.Namespace, out: Output) -> int:
    """Choose the tasks to stop and print them with the group's tasks per zone."""
    check_live_options(args)
    if args.inventory and not args.tasks:
        args.parser.error("--tasks is required: scale-in chooses among the running tasks")
    check_one_stdin(args.inventory, args.tasks)
    inventory = load_inventory(args, out, tasks_matter=True)
    if args.protection:
        inventory = inventory.with_protection(read_json(args.protection, "protection"),
                                              _parse_now(args.now))  # fmt: skip
    elif args.now is not None:
        args.parser.error("--now needs --protection")
    strategy = [parse_json_option(s, "--strategy") for s in args.strategy]
    result = scale_in(inventory, args.group, parse_count(args.count),
                                 strategy=strategy, seed=parse_seed(args.seed))  # fmt: skip
    stops = [str(arn) for arn in result.stops]
    zones = zone_counts(inventory, result.inventory, args.group)
    chain = [str(s) for s in strategy_from(strategy)]
    if out.json:
        document = result.to_dict()
        rows = task_places(inventory, stops)
        document["instances"] = [str(inventory.ids[row]) for row in rows]
        out.print_json({**document, "strategy": chain, "zones": zones})
        return 0
    noun = "task" if len(stops) == 1 else "tasks"
    unstopped = (
        [out.style.dim(f"{result.unstopped} more could not be stopped: protected (scale-in "
                       "protection)")] if result.unstopped else []
    )  # fmt: skip
    lines = [
        out.style.bold(f"stop {len(stops)} {noun} of {args.group}, in this order"),
        *unstopped,
        out.style.dim(f"strategy: {', '.join(chain) or 'none (the tie rule alone)'}"),
        *_stop_lines(inventory, stops, out),
        "",
        *table(["ZONE", "TASKS BEFORE", "TASKS AFTER"],
               [[z["zone"], str(z["before"]), str(z["after"])] for z in zones],
               right=(1, 2), shrink=0, width=out.width),
    ]  # fmt: skip
    out.print("\n".join(lines))
    return 0


def _parse_now(text: str | None) -> Any:
    """`--now`: epoch seconds (a number) or ISO 8601 text; None: the current time."""
    if text is None:
        return None
    try:
        return float(text) if text.strip().lstrip("-").replace(".", "", 1).isdigit() else text
    except ValueError:  # pragma: no cover - the test above admits only numbers
        return text


def zone_counts(before: Inventory, after: Inventory, group: str) -> list[dict[str, Any]]:
    """Per zone, the group's running tasks before and after the stops."""
    counts: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
    for key, inventory in (("before", before), ("after", after)):
        for zone, n in zip(zone_of(inventory), ints(inventory.group_counts(group)), strict=True):
            counts[key][zone] += n
    zones = sorted(set(zone_of(before)))
    return [{"zone": z, "before": counts["before"][z], "after": counts["after"][z]}
            for z in zones]  # fmt: skip


def _stop_lines(inventory: Inventory, stops: list[str], out: Output) -> list[str]:
    if not stops:
        return []
    shown = stops if out.wide else stops[:TABLE_ROWS]
    names, zones = instance_names(inventory, out.wide), zone_of(inventory)
    places = task_places(inventory, shown)
    rows = [[str(order), arn if out.wide else arn.rsplit("/", 1)[-1], names[row], zones[row]]
            for order, (arn, row) in enumerate(zip(shown, places, strict=True), 1)]
    lines = table(["ORDER", "TASK", "INSTANCE", "ZONE"], rows, right=(0,), shrink=1,
                  width=out.width)  # fmt: skip
    return ["", *lines, *more_line(out, len(shown), len(stops), "tasks")]
