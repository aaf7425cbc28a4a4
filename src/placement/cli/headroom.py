"""`placement headroom`: how many more copies of a task fit, and why the next one would not.

Also home of what the what-if commands (`headroom`, `needs`, `deploy`) share: reading the task,
its constraints and strategy from files or from a service (`--cluster/--service` live, or
`--service-file`), with the options winning as they do for `place`.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

import attrs

from ..inventory import Inventory
from ..ops.whatif import Headroom, capacities, headroom
from ..place.task import TaskSpec
from ..rules import constraints_from, strategy_from
from .fix import add_headroom_fix_option, fix_lines, fixes_json, headroom_fixes, read_fix_templates
from .inputs import (
    add_constraint_option,
    add_inventory_options,
    add_output_option,
    add_strategy_option,
    add_task_group_option,
    check_live_options,
    check_one_stdin,
    load_inventory,
    parse_json_option,
    read_task_document,
    read_task_group,
)
from .place import capacity_providers
from .render import FIRST_REASON_LABEL, Output, ints, reason_table, table, task_size, zone_of
from .service import read_service, service_rules, task_from

__all__ = [
    "add_parser", "run", "TaskInputs", "add_task_options", "read_task_inputs", "task_line",
    "rules_json", "add_provider_option",
]  # fmt: skip


# -- what the what-if commands share ---------------------------------------------------------


@attrs.frozen
class TaskInputs:
    """The inventory, the task and its rules, and the service they came from (if any)."""

    inventory: Inventory
    task: TaskSpec
    constraints: tuple[Any, ...]
    strategy: tuple[Any, ...]
    service: dict[str, Any] | None = None
    where: str = ""
    providers: tuple[Any, ...] | None = None  # a capacity provider strategy, SEMANTICS.md §9

    def rules(self) -> list[str]:
        """Every constraint as text, the task definition's first."""
        return [str(c) for c in (*self.task.constraints, *constraints_from(self.constraints))]

    def chain(self) -> list[str]:
        """The strategy chain as text."""
        return [str(s) for s in strategy_from(self.strategy)]


def add_task_options(
    command: argparse.ArgumentParser, *, definition: str = "--task-definition"
) -> None:
    """Inventory, task definition, service, group, constraints, strategy and output options."""
    add_inventory_options(command, service=True)
    command.add_argument(definition, metavar="FILE", dest="task_definition",
                         help="RegisterTaskDefinition / DescribeTaskDefinition JSON "
                              "('-': stdin); not needed with --service")  # fmt: skip
    add_task_group_option(command)
    command.add_argument(
        "--service-file", metavar="FILE",
        help="DescribeServices JSON ('-': stdin): the service's constraints, strategy and group, "
             "as --service reads them live",
    )  # fmt: skip
    command.add_argument("--group", help="task group (default: family:<family>, "
                                         "or service:<name> with a service)")  # fmt: skip
    add_constraint_option(command)
    add_strategy_option(command)
    add_output_option(command)


def read_task_inputs(
    args: argparse.Namespace, out: Output, *, definition: str = "--task-definition"
) -> TaskInputs:
    """Check the options that go together, then read the inventory, task and rules."""
    check_live_options(args)
    if args.service and args.service_file:
        args.parser.error("--service and --service-file: give one")
    if args.service_file and not args.task_definition:
        args.parser.error(f"--service-file needs {definition}")
    if not (args.service or args.task_definition or args.task_group
            or getattr(args, "pod", None)):
        args.parser.error(f"{definition} is required (or --cluster with --service)")
    check_one_stdin(args.inventory, args.tasks, args.task_definition, args.service_file,
                    args.task_group, *getattr(args, "template", None) or ())  # fmt: skip
    inventory = load_inventory(args, out, tasks_matter=not args.nomad_nodes)
    constraints = [parse_json_option(c, "--constraint") for c in args.constraint]
    strategy = [parse_json_option(s, "--strategy") for s in args.strategy]
    if args.task_group:  # Nomad (docs/nomad.md)
        return TaskInputs(inventory, read_task_group(args), tuple(constraints), tuple(strategy))
    if not (args.service or args.service_file):
        document = read_task_document(args)
        return TaskInputs(inventory, task_from(document, args.group), tuple(constraints),
                          tuple(strategy), providers=capacity_providers(args))  # fmt: skip
    service, where, document = read_service(args, definition)
    group = args.group or f"service:{service.get('serviceName') or args.service or '?'}"
    constraints, strategy = service_rules(service, where, list(constraints), list(strategy))
    return TaskInputs(inventory, task_from(document, group), tuple(constraints), tuple(strategy),
                      service, where, capacity_providers(args, service))  # fmt: skip


def add_provider_option(command: argparse.ArgumentParser) -> None:
    """`--capacity-provider-strategy` (else the service's `capacityProviderStrategy`)."""
    command.add_argument(
        "--capacity-provider-strategy", metavar="JSON",
        help='capacity providers, e.g. \'[{"capacityProvider": "spot", "base": 0, "weight": '
             '1}]\' (default: the service\'s capacityProviderStrategy, else none)',
    )  # fmt: skip


def task_line(task: TaskSpec, out: Output) -> str:
    """`family:web (CPU 640, memory 1280 MiB)`: the group and what one copy reserves."""
    return f"{task.group or 'the task'} ({task_size(task, out)})"


def rules_json(inputs: TaskInputs) -> dict[str, Any]:
    """`group`, `constraints` and `strategy`, as `place -o json` adds them."""
    return {"group": inputs.task.group, "constraints": inputs.rules(), "strategy": inputs.chain()}


# -- headroom --------------------------------------------------------------------------------


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `headroom` command."""
    command = commands.add_parser(
        "headroom", help="how many more copies of a task fit, and why the next one does not",
        description="Count how many more copies of a task would place on an inventory (files, "
                    "or a live --cluster with --service), per zone, and why the copy after "
                    "them fits nowhere. Nothing is placed; the strategy cannot change the count.",
    )  # fmt: skip
    add_task_options(command)
    add_headroom_fix_option(command)
    add_provider_option(command)
    command.set_defaults(run=run, parser=command)


def zone_capacity(inputs: TaskInputs) -> list[dict[str, Any]]:
    """Per zone: the copies its instances take and how many of them take at least one.

    Each instance takes a fixed number of copies whatever the order (ops/whatif.py), so the
    per-zone split of the headroom is exact for any strategy.
    """
    caps = ints(capacities(inputs.inventory, inputs.task, constraints_from(inputs.constraints)))
    copies: Counter[str] = Counter()
    takers: Counter[str] = Counter()
    zones = zone_of(inputs.inventory)
    for zone, cap in zip(zones, caps, strict=True):
        copies[zone] += cap
        takers[zone] += cap > 0
    return [{"zone": z, "copies": copies[z], "instances": takers[z]} for z in sorted(set(zones))]


def run(args: argparse.Namespace, out: Output) -> int:
    """Count the headroom and print it; exit 0 whatever the count (it is an answer)."""
    inputs = read_task_inputs(args, out)
    result = headroom(inputs.inventory, inputs.task, constraints=inputs.constraints,
                      strategy=inputs.strategy,
                      capacity_provider_strategy=inputs.providers)  # fmt: skip
    # Under a provider strategy the count stops at the first provider that fills, so the
    # per-zone capacities would not add up to it: no zone table then.
    zones = [] if result.unbounded or inputs.providers else zone_capacity(inputs)
    answer = None if args.fix is None else headroom_fixes(
        args.fix, result.copies, inputs.inventory, inputs.task, inputs.constraints,
        inputs.strategy, read_fix_templates(args.template), inputs.providers,
    )  # fmt: skip
    if out.json:
        out.print_json({**result.to_dict(), **rules_json(inputs), "zones": zones,
                        **fixes_json(answer)})  # fmt: skip
    else:
        out.print("\n".join(headroom_lines(inputs, result, zones, out) + fix_lines(answer, out)))
    return 0


def headroom_lines(
    inputs: TaskInputs, result: Headroom, zones: list[dict[str, Any]], out: Output
) -> list[str]:
    """Header, constraints, the per-zone split and the reasons the next copy fits nowhere."""
    what = task_line(inputs.task, out)
    rules = out.style.dim(f"constraints: {', '.join(inputs.rules()) or 'none'}")
    if result.copies is None:
        head = (f"unbounded: copies of {what} fit without end (it reserves no CPU, memory, GPU "
                "or host port)")  # fmt: skip
        return [out.style.bold(out.style.green(head)), rules]
    noun = "copy" if result.copies == 1 else "copies"
    paint = out.style.green if result.copies else out.style.yellow
    lines = [out.style.bold(paint(f"{result.copies:,} more {noun} of {what} fit")), rules]
    rows = [[z["zone"], f"{z['copies']:,}", str(z["instances"])] for z in zones]
    if rows:
        lines += ["", *table(["ZONE", "COPIES", "INSTANCES WITH ROOM"], rows, right=(1, 2),
                             shrink=0, width=out.width)]  # fmt: skip
    n = len(inputs.inventory)
    if not n:
        return [*lines, "", "The inventory has no instances."]
    label = FIRST_REASON_LABEL.format(n=n)
    next_copy = out.style.red("The next copy would fit nowhere.")
    if result.provider is not None:  # the reasons count that provider's instances only
        label = FIRST_REASON_LABEL.format(n=sum(result.reasons.values()))
        next_copy = out.style.red(f"The next copy goes to capacity provider {result.provider} "
                                  "and fits on none of its instances.")  # fmt: skip
    return [*lines, "", next_copy, label, *reason_table(dict(result.reasons), out)]
