"""`placement needs`: the fewest new instances (copies of templates) that let N copies place."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from ..errors import PlacementError
from ..instance import Instance
from ..ops.whatif import InstancesNeeded, instances_needed
from ..place.result import PlacementResult
from .headroom import (
    TaskInputs,
    add_provider_option,
    add_task_options,
    read_task_inputs,
    rules_json,
    task_line,
)
from .inputs import parse_count, parse_whole, read_json
from .render import FIRST_REASON_LABEL, Output, more_line, reason_table, table, zone_of
from .service import service_number

__all__ = ["add_parser", "run", "read_templates", "MAX_LIMIT"]

MAX_LIMIT = 100_000
"""The largest `--limit`: a search may build the inventory plus this many instances."""

TABLE_ROWS = 20
"""The most new instances `--output table` lists (`wide` and `json` list every one)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `needs` command."""
    command = commands.add_parser(
        "needs", help="how many new instances (from templates) let N copies of a task place",
        description="Find the fewest new container instances, copies of the --template "
                    "instances taken in turn, that let --count copies of a task place on the "
                    "inventory (files, or a live --cluster with --service), and where the "
                    "copies go. Exit 3 when no number up to --limit works.",
    )  # fmt: skip
    add_task_options(command)
    add_provider_option(command)
    command.add_argument(
        "--template", action="append", default=[], metavar="FILE", required=True,
        help="a DescribeContainerInstances element, a response (each element a template, in "
             "order) or a list of elements ('-': stdin); repeat for more templates",
    )  # fmt: skip
    command.add_argument("--count", metavar="N", help="copies that must place (with a "
                         "service: default its desired count minus its running tasks)")  # fmt: skip
    command.add_argument("--limit", metavar="K", default="10000",
                         help=f"the most new instances to consider (default 10000, at most "
                              f"{MAX_LIMIT})")  # fmt: skip
    command.set_defaults(run=run, parser=command)


def _elements(document: Any, path: str) -> list[Any]:
    """The container instance elements of one template file, in order."""
    if isinstance(document, dict):
        document = [document]
    elements: list[Any] = []
    for item in document:
        if isinstance(item, dict) and "containerInstances" in item:  # a response or a page
            page = item["containerInstances"]
            if not isinstance(page, list):
                raise PlacementError(f"template {path!r}: containerInstances must be a list")
            elements.extend(page)
        else:
            elements.append(item)
    return elements


def read_templates(paths: list[str]) -> list[Instance]:
    """Every template of every `--template` file, in order; errors name the file and element."""
    templates: list[Instance] = []
    for path in paths:
        elements = _elements(read_json(path, "template"), path)
        if not elements:
            raise PlacementError(f"template {path!r} holds no container instance")
        for position, element in enumerate(elements):
            if not isinstance(element, dict):
                raise PlacementError(
                    f"template {path!r}, element {position}: expected a container instance "
                    "object"
                )
            try:
                templates.append(Instance.from_ecs(element))
            except PlacementError as exc:
                raise PlacementError(f"template {path!r}, element {position}: {exc}") from None
    return templates


def _count(args: argparse.Namespace, inputs: TaskInputs, out: Output) -> int:
    if args.count is not None:
        return parse_count(args.count)
    service = inputs.service
    if service is None:
        args.parser.error("--count is required (or a service, whose missing copies it counts)")
        raise AssertionError  # parser.error exits
    desired = service_number(service, "desiredCount", inputs.where, 0)
    running = int(inputs.inventory.group_counts(inputs.task.group).sum())
    count = parse_count(str(max(desired - running, 0)))
    out.note(f"placement: note: {inputs.where}: desired {desired}, running {running}: "
             f"{count} more copies must place (--count N asks for N)")  # fmt: skip
    return count


def run(args: argparse.Namespace, out: Output) -> int:
    """Find k and print it with where the copies go; exit 3 when no k up to --limit works."""
    inputs = read_task_inputs(args, out)
    count = _count(args, inputs, out)
    limit = parse_whole(args.limit, "--limit", "100", 0, MAX_LIMIT)
    templates = read_templates(args.template)
    answer = instances_needed(
        inputs.inventory, inputs.task, count, templates,
        constraints=inputs.constraints, strategy=inputs.strategy, limit=limit,
        capacity_provider_strategy=inputs.providers,
    )  # fmt: skip
    zones = [] if answer.placements is None else zone_rows(len(inputs.inventory), answer.placements)
    if out.json:
        out.print_json({**answer.to_dict(), **rules_json(inputs), "templates": len(templates),
                        "zones": zones})  # fmt: skip
    else:
        out.print("\n".join(needs_lines(inputs, answer, templates, zones, out)))
    return 3 if answer.instances is None else 0


def _copies_per_row(result: PlacementResult) -> Counter[int]:
    return Counter(result.inventory.index_of(arn) for arn in result.placements)


def zone_rows(existing: int, result: PlacementResult) -> list[dict[str, Any]]:
    """Per zone: instances before, new instances, copies on each kind.

    Rows from `existing` on are the new instances (they are appended after the inventory).
    """
    copies = _copies_per_row(result)
    summary: dict[str, dict[str, Any]] = {}
    for row, zone in enumerate(zone_of(result.inventory)):
        new = row >= existing
        entry = summary.setdefault(zone, {"zone": zone, "instances": 0, "new_instances": 0,
                                          "copies": 0, "copies_on_new": 0})  # fmt: skip
        entry["new_instances" if new else "instances"] += 1
        entry["copies_on_new" if new else "copies"] += copies.get(row, 0)
    return [summary[zone] for zone in sorted(summary)]


def needs_lines(
    inputs: TaskInputs,
    answer: InstancesNeeded,
    templates: list[Instance],
    zones: list[dict[str, Any]],
    out: Output,
) -> list[str]:
    """The answer, the rules, per zone where the copies go, and the new instances."""
    what = f"{answer.count:,} {'copy' if answer.count == 1 else 'copies'} of " + task_line(
        inputs.task, out
    )
    rules = out.style.dim(f"constraints: {', '.join(inputs.rules()) or 'none'}")
    names = ", ".join(t.name for t in templates[:5]) + (", ..." if len(templates) > 5 else "")
    source = out.style.dim(f"templates ({len(templates)}, taken in turn): {names}")
    if answer.instances is None:
        head = out.style.red(f"no number of new instances up to {answer.limit:,} lets {what} "
                             "place")  # fmt: skip
        lines = [out.style.bold(head), rules, source]
        if not answer.reasons:
            return lines
        label = FIRST_REASON_LABEL.format(n=sum(answer.reasons.values()))
        return [*lines, "", "Why the template instances take no more copies:", label,
                *reason_table(dict(answer.reasons), out)]  # fmt: skip
    k = answer.instances
    if k == 0:
        head = f"no new instance needed: {what} place on the inventory as it is"
    else:
        head = f"{k:,} new {'instance' if k == 1 else 'instances'} let {what} place"
    lines = [out.style.bold(out.style.green(head)), rules, source]
    rows = [[z["zone"], str(z["instances"]), str(z["new_instances"]), f"{z['copies']:,}",
             f"{z['copies_on_new']:,}"] for z in zones]  # fmt: skip
    lines += ["", *table(["ZONE", "INSTANCES", "NEW", "COPIES ON EXISTING", "COPIES ON NEW"], rows,
                         right=(1, 2, 3, 4), shrink=0, width=out.width)]  # fmt: skip
    assert answer.placements is not None  # an answer with k has its placement
    if answer.by_provider:  # each provider's new instances copy its own templates in turn
        lines.append(out.style.dim("new instances per capacity provider: " + ", ".join(
            f"{p} {n:,}" for p, n in answer.by_provider.items())))  # fmt: skip
    return lines + _new_instance_lines(len(inputs.inventory), answer.placements, templates, out,
                                       bool(answer.by_provider))  # fmt: skip


def _new_instance_lines(
    existing: int,
    result: PlacementResult,
    templates: list[Instance],
    out: Output,
    per_provider: bool = False,
) -> list[str]:
    inventory = result.inventory
    new_rows = list(range(existing, len(inventory)))
    if not new_rows:
        return []
    shown = new_rows if out.wide else new_rows[:TABLE_ROWS]
    copies, zones = _copies_per_row(result), zone_of(inventory)
    ids = [str(arn) for arn in inventory.ids]
    rows = []
    mine: dict[Any, list[Instance]] = {}
    for template in templates:
        mine.setdefault(template.attributes.get("ecs.capacity-provider"), []).append(template)
    turn: Counter[Any] = Counter()
    for row in shown:
        template = templates[(row - existing) % len(templates)]
        if per_provider:  # the i-th new instance of a provider copies its template i mod t
            provider = inventory[row].attributes.get("ecs.capacity-provider")
            template = mine[provider][turn[provider] % len(mine[provider])]
            turn[provider] += 1
        name = ids[row] if out.wide else inventory.ec2_instance_ids.get(row) or ids[row]
        rows.append([name, template.arn if out.wide else template.name, zones[row],
                     str(copies.get(row, 0))])  # fmt: skip
    lines = table(["NEW INSTANCE", "TEMPLATE", "ZONE", "COPIES"], rows, right=(3,), shrink=1,
                  width=out.width)  # fmt: skip
    return ["", *lines, *more_line(out, len(shown), len(new_rows), "new instances")]
