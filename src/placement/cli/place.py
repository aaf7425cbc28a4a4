"""`placement place`: place copies of a task, from files or a live cluster, and say why not."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from ..inventory import Inventory
from ..place import reasons as R
from ..place.api import place
from ..place.explain import PlacementExplanation
from ..place.result import PlacementResult, details_dict
from ..place.task import TaskSpec
from ..rules import constraints_from, strategy_from
from .explain import explanation_json, explanation_lines
from .fix import add_fix_option, fix_lines, fixes_json, place_fixes, read_fix_templates
from .inputs import _loads as loads_option
from .inputs import (
    add_constraint_option,
    add_inventory_options,
    add_output_option,
    add_strategy_option,
    add_task_group_option,
    check_live_options,
    check_one_stdin,
    load_inventory,
    parse_count,
    parse_json_option,
    parse_seed,
    read_task_document,
    read_task_group,
)
from .render import (
    Output,
    bar,
    instance_names,
    ints,
    percent,
    reason_table,
    table,
    task_size,
    zone_of,
)
from .service import read_service, service_number, service_rules, task_from

__all__ = ["add_parser", "add_place_options", "run", "Request", "run_request"]

TABLE_ROWS = 20
"""The most per-instance rows `--output table` prints (`wide` and `json` print every one)."""

_SHORT_CODES = {R.MEMBER_OF: "MemberOf", R.DISTINCT_INSTANCE: "DistinctInstance"}


@attrs.frozen
class Request:
    """Everything one placement needs, however it was gathered (files, AWS, the demo)."""

    inventory: Inventory
    task: TaskSpec
    count: int
    constraints: tuple[Any, ...]
    strategy: tuple[Any, ...]
    seed: int | None
    providers: tuple[Any, ...] | None = None  # a capacity provider strategy, SEMANTICS.md §9


def add_place_options(command: argparse.ArgumentParser) -> None:
    """The options `place` and `demo` share."""
    command.add_argument("--count", metavar="N",
                         help="copies to place (a whole number)")  # fmt: skip
    command.add_argument("--group", help="task group (default: family:<family>, "
                                         "or service:<name> with --service)")  # fmt: skip
    add_constraint_option(command)
    add_strategy_option(command)
    command.add_argument("--seed", help="seed for the random strategy")
    command.add_argument(
        "--capacity-provider-strategy", metavar="JSON",
        help='capacity providers, e.g. \'[{"capacityProvider": "spot", "base": 0, "weight": '
             '1}]\' (default: the service\'s capacityProviderStrategy, else none)',
    )  # fmt: skip
    command.add_argument(
        "--explain", action="store_true",
        help="also show every reason each instance refuses one more copy",
    )  # fmt: skip
    add_output_option(command)
    # Kept from the first CLI: --json is -o json.
    command.add_argument("--json", action="store_const", const="json", dest="output",
                         help=argparse.SUPPRESS)  # fmt: skip


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `place` command."""
    command = commands.add_parser(
        "place", help="place copies of a task (exit 3 when some do not fit)",
        description="Place --count copies of a task on an inventory (files, or a live --cluster) "
                    "as ECS would, and say where each went and why the rest fit nowhere. "
                    "Exit 3 when some copies did not fit.",
    )  # fmt: skip
    add_inventory_options(command, service=True)
    command.add_argument("--task-definition", metavar="FILE",
                         help="RegisterTaskDefinition / DescribeTaskDefinition JSON "
                              "('-': stdin); not needed with --service")  # fmt: skip
    add_task_group_option(command)
    command.add_argument(
        "--service-file", metavar="FILE",
        help="DescribeServices JSON ('-': stdin): constraints, strategy, group and desired "
             "count from a service, as --service reads them live",
    )  # fmt: skip
    add_place_options(command)
    add_fix_option(command)
    command.set_defaults(run=run, parser=command)


def _options(args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    constraints = [parse_json_option(c, "--constraint") for c in args.constraint]
    strategy = [parse_json_option(s, "--strategy") for s in args.strategy]
    return constraints, strategy


def capacity_providers(args: argparse.Namespace, service: Any = None) -> tuple[Any, ...] | None:
    """`--capacity-provider-strategy`, else the service's `capacityProviderStrategy`, checked."""
    from ..place.providers import provider_strategy

    text = getattr(args, "capacity_provider_strategy", None)
    if text is not None:
        raw = loads_option(text, "--capacity-provider-strategy")
    elif isinstance(service, Mapping) and service.get("capacityProviderStrategy"):
        raw = service["capacityProviderStrategy"]
    else:
        return None
    return tuple(item.to_dict() for item in provider_strategy(raw))


def _service_request(args: argparse.Namespace, out: Output, inventory: Inventory) -> Request:
    """The task, constraints, strategy, group and count of a service, with the overrides.

    The service is `--service` (DescribeServices on `--cluster`) or `--service-file`; options
    win: `--task-definition` replaces its task definition, `--strategy` its chain, `--group`
    its group; `--constraint` adds to its constraints.
    """
    service, where, definition = read_service(args, "--task-definition")
    name = service.get("serviceName") or args.service or "?"
    group = args.group or f"service:{name}"
    task = task_from(definition, group)
    constraints, strategy = service_rules(service, where, *_options(args))
    if args.count is not None:
        count = parse_count(args.count)
    else:
        desired = service_number(service, "desiredCount", where, 0)
        running = int(inventory.group_counts(group).sum())
        count = parse_count(str(max(desired - running, 0)))
        out.note(f"placement: note: service {name}: desired {desired}, running {running}: "
                 f"placing the {count} missing (--count N asks for N more)")  # fmt: skip
    return Request(inventory, task, count, tuple(constraints), tuple(strategy),
                   parse_seed(args.seed), capacity_providers(args, service))  # fmt: skip


def file_request(
    args: argparse.Namespace,
    out: Output,
    inventory: Inventory,
    task_definition: Any,
    *,
    default_count: int,
    default_strategy: Sequence[Any] = (),
    task: TaskSpec | None = None,
) -> Request:
    """A request from a task definition document (or a `task`) and the command-line options."""
    constraints, strategy = _options(args)
    return Request(
        inventory,
        task_from(task_definition, args.group) if task is None else task,
        default_count if args.count is None else parse_count(args.count),
        tuple(constraints),
        tuple(strategy or default_strategy),
        parse_seed(args.seed),
        capacity_providers(args),
    )


def run(args: argparse.Namespace, out: Output) -> int:
    """Gather the request from files or AWS, place, print; exit 3 when copies did not fit."""
    check_live_options(args)
    if args.service and args.service_file:
        args.parser.error("--service and --service-file: give one")
    if not (args.service or args.task_definition or args.task_group or args.pod):
        args.parser.error("--task-definition is required (or --cluster with --service)")
    check_one_stdin(args.inventory, args.tasks, args.task_definition, args.service_file,
                    args.task_group, getattr(args, "pod", None), *args.template)  # fmt: skip
    inventory = load_inventory(args, out, tasks_matter=not args.nomad_nodes)
    if args.task_group:  # Nomad (docs/nomad.md)
        request = file_request(args, out, inventory, None, default_count=1,
                               task=read_task_group(args))  # fmt: skip
    elif args.service or args.service_file:
        request = _service_request(args, out, inventory)
    else:
        document = read_task_document(args)
        request = file_request(args, out, inventory, document, default_count=1)
    templates = read_fix_templates(args.template) if args.fix else None
    result = run_request(request, out, explain=args.explain, fix=templates)
    return 3 if result.failures else 0


def run_request(
    request: Request, out: Output, *, explain: bool, fix: Sequence[Any] | None = None
) -> PlacementResult:
    """Place and print the result (table or JSON); with `fix` (templates), the fixes too."""
    result = place(
        request.inventory, request.task, request.count,
        constraints=request.constraints, strategy=request.strategy, seed=request.seed,
        capacity_provider_strategy=request.providers,
    )  # fmt: skip
    explanation = result.explain() if explain else None
    answer = None if fix is None else place_fixes(request, result.placed, fix)
    if out.json:
        out.print_json({**result_json(request, result, explanation), **fixes_json(answer)})
    else:
        out.print("\n".join(result_lines(request, result, explanation, out)
                            + fix_lines(answer, out)))  # fmt: skip
    return result


# -- numbers ---------------------------------------------------------------------------------


def _copies_per_row(inventory: Inventory, result: PlacementResult) -> list[int]:
    counts = Counter(inventory.index_of(arn) for arn in result.placements)
    return [counts.get(row, 0) for row in range(len(inventory))]


def zone_rows(request: Request, result: PlacementResult) -> list[dict[str, Any]]:
    """Per zone: copies placed, instances, CPU and memory used before and after."""
    before, after = request.inventory, result.inventory
    zones = zone_of(before)
    copies = _copies_per_row(before, result)
    columns = {
        "cpu_total": ints(before.registered_cpu),
        "memory_total": ints(before.registered_memory),
        "cpu_before": ints(before.registered_cpu - before.cpu),
        "cpu_after": ints(after.registered_cpu - after.cpu),
        "memory_before": ints(before.registered_memory - before.memory),
        "memory_after": ints(after.registered_memory - after.memory),
    }
    summary: dict[str, dict[str, Any]] = {}
    for row, zone in enumerate(zones):
        entry = summary.setdefault(zone, {"zone": zone, "copies": 0, "instances": 0,
                                          **dict.fromkeys(columns, 0)})  # fmt: skip
        entry["copies"] += copies[row]
        entry["instances"] += 1
        for key, values in columns.items():
            entry[key] += values[row]
    return [summary[zone] for zone in sorted(summary)]


# -- JSON ------------------------------------------------------------------------------------


def explain_json(explanation: PlacementExplanation) -> dict[str, Any]:
    """Every reason per instance, their counts, and the memberOf clause detail."""
    inventory = explanation.inventory
    ids = [str(arn) for arn in inventory.ids]
    return {
        "eligible": int(explanation.eligible.sum()),
        "reasons": explanation.code_counts(),  # the codes, as "instances" and "details" are
        "details": details_dict(explanation.details()),
        "instances": [
            {"instance": ids[row], "reasons": reasons}
            for row, reasons in enumerate(_every_reason(explanation))
            if reasons
        ],
        "member_of": [explanation_json(d) for d in _member_of(explanation)],
    }


def _every_reason(explanation: PlacementExplanation) -> list[list[str]]:
    """Per row, every reason in ECS's order (one pass per reason, not per instance)."""
    out: list[list[str]] = [[] for _ in range(len(explanation.inventory))]
    for reason, mask in explanation.masks.items():  # in reason order
        for row in np.flatnonzero(mask).tolist():
            out[row].append(reason)
    return out


def _member_of(explanation: PlacementExplanation) -> list[Any]:
    if not explanation.masks[R.MEMBER_OF].any():
        return []
    return explanation.member_of_details()


def result_json(
    request: Request, result: PlacementResult, explanation: PlacementExplanation | None
) -> dict[str, Any]:
    """`result.to_dict()` plus the group, strategy, zone summary and (asked) explanation."""
    document = result.to_dict()
    document["group"] = request.task.group
    document["strategy"] = [str(s) for s in strategy_from(request.strategy)]
    rules = (*request.task.constraints, *constraints_from(request.constraints))
    document["constraints"] = [str(c) for c in rules]
    document["zones"] = zone_rows(request, result)
    if explanation is not None:
        document["explain"] = explain_json(explanation)
    return document


# -- tables ----------------------------------------------------------------------------------


def _span(result: PlacementResult, failure: Any = None) -> str:
    failure = result.failures[0] if failure is None else failure
    provider = getattr(failure, "provider", None)
    if provider is not None:  # a provider's copies need not be consecutive
        return (f"{failure.count} copies of capacity provider {provider!r}, from copy "
                f"{failure.index},")  # fmt: skip
    last = failure.index + failure.count - 1
    if failure.count == 1:
        return f"copy {failure.index} (1 copy)"
    return f"copies {failure.index}-{last} ({failure.count} copies)"


def _more(out: Output, shown: int, total: int, what: str) -> list[str]:
    if shown >= total:
        return []
    return [out.style.dim(f"  ... {total - shown} more {what} (-o wide lists every one)")]


def _header(request: Request, result: PlacementResult, out: Output) -> list[str]:
    task = request.task
    what = f"{task.group or 'the task'} ({task_size(task, out)})"
    head = f"placed {result.placed} of {result.requested} copies of {what}"
    paint = out.style.green if not result.failures else out.style.yellow
    chain = ", ".join(str(s) for s in strategy_from(request.strategy)) or "none (inventory order)"
    rules = [str(c) for c in (*task.constraints, *constraints_from(request.constraints))]
    return [
        out.style.bold(paint(head)),
        out.style.dim(f"strategy: {chain}"),
        out.style.dim(f"constraints: {', '.join(rules) or 'none'}"),
    ]


def _instance_lines(request: Request, result: PlacementResult, out: Output) -> list[str]:
    before, after = request.inventory, result.inventory
    copies = _copies_per_row(before, result)
    rows_with = [row for row in range(len(before)) if copies[row]]
    if not rows_with:
        return []
    shown = rows_with if out.wide else rows_with[:TABLE_ROWS]
    names, zones = instance_names(before, out.wide), zone_of(before)
    cpu0, cpu1 = ints(before.cpu), ints(after.cpu)
    mem0, mem1 = ints(before.memory), ints(after.memory)
    rows = [[names[r], zones[r], str(copies[r]), f"{cpu0[r]} -> {cpu1[r]}",
             f"{mem0[r]} -> {mem1[r]}"] for r in shown]  # fmt: skip
    lines = table(["INSTANCE", "ZONE", "COPIES", "CPU FREE", "MEMORY FREE"], rows,
                  right=(2, 3, 4), shrink=0, width=out.width)  # fmt: skip
    return ["", *lines, *_more(out, len(shown), len(rows_with), "instances")]


def _zone_lines(request: Request, result: PlacementResult, out: Output) -> list[str]:
    rows = []
    for z in zone_rows(request, result):
        cpu = (f"{bar(z['cpu_before'], z['cpu_after'], z['cpu_total'])} "
               f"{percent(z['cpu_before'], z['cpu_total'])} -> "
               f"{percent(z['cpu_after'], z['cpu_total'])}")  # fmt: skip
        memory = (f"{bar(z['memory_before'], z['memory_after'], z['memory_total'])} "
                  f"{percent(z['memory_before'], z['memory_total'])} -> "
                  f"{percent(z['memory_after'], z['memory_total'])}")  # fmt: skip
        rows.append([z["zone"], str(z["copies"]), str(z["instances"]), cpu, memory])
    lines = table(["ZONE", "COPIES", "INSTANCES", "CPU USED", "MEMORY USED"], rows,
                  right=(1, 2), shrink=0, width=out.width)  # fmt: skip
    legend = out.style.dim("  used before -> after: # before, + the new copies, . free")
    return ["", *lines, legend]




def _failure_lines(request: Request, result: PlacementResult, out: Output) -> list[str]:
    if not result.failures:
        return []
    lines: list[str] = []
    for failure in result.failures:
        n = sum(failure.reasons.values()) if hasattr(failure, "provider") else len(
            request.inventory)
        head = out.style.red(f"{_span(result, failure)} fit nowhere.")
        if not failure.reasons:
            empty = "its provider has no instances" if hasattr(failure, "provider") else (
                "the inventory has no instances")
            lines += ["", f"{head} {empty[0].upper()}{empty[1:]}."]
            continue
        label = f"Instances excluded, each counted under its first reason (adds up to {n}):"
        # The codes (first reason each, adding up to n): `reason_table` words them.
        table_lines = reason_table(dict(failure.codes), out, details=failure.details)
        lines += ["", head, label, *table_lines]
    return lines


def _explain_lines(explanation: PlacementExplanation, out: Output) -> list[str]:
    inventory = explanation.inventory
    n = len(inventory)
    eligible = int(explanation.eligible.sum())
    lines = [
        "",
        out.style.bold(f"After placing, {eligible} of {n} instances can take one more copy."),
        "Every reason (an instance counts under each of its reasons):",
    ]
    counts = explanation.code_counts()  # `reason_table` words the codes
    if counts:
        lines += reason_table(counts, out, details=explanation.details())
    every = _every_reason(explanation)
    refusing = [row for row in range(n) if every[row]]
    if refusing:
        shown = refusing if out.wide else refusing[:TABLE_ROWS]
        names, zones = instance_names(inventory, out.wide), zone_of(inventory)
        rows = [[names[r], zones[r], ", ".join(_SHORT_CODES.get(c, c) for c in every[r])]
                for r in shown]  # fmt: skip
        lines += ["", *table(["INSTANCE", "ZONE", "REASONS"], rows, shrink=2, width=out.width,
                             indent="  ")]  # fmt: skip
        lines += _more(out, len(shown), len(refusing), "instances")
    for detail in _member_of(explanation):
        lines += ["", *explanation_lines(detail, inventory, out, indent="  ")]
    return lines


def result_lines(
    request: Request,
    result: PlacementResult,
    explanation: PlacementExplanation | None,
    out: Output,
) -> list[str]:
    """The report people read: header, instances, zones, failures, and the explanation."""
    lines = _header(request, result, out)
    lines += _instance_lines(request, result, out)
    if len(request.inventory):
        lines += _zone_lines(request, result, out)
    lines += _failure_lines(request, result, out)
    if explanation is not None:
        lines += _explain_lines(explanation, out)
    return lines
