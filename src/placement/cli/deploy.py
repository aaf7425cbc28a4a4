"""`placement deploy`: a rolling deployment of a service, round by round, and whether it sticks."""

from __future__ import annotations

import argparse

from ..errors import PlacementError
from ..ops.deploy import Deployment, DeploymentRound, deploy
from .fix import add_fix_option, deploy_fixes, fix_lines, fixes_json, read_fix_templates
from .headroom import (
    TaskInputs,
    add_provider_option,
    add_task_options,
    read_task_inputs,
    rules_json,
)
from .inputs import MAX_COUNT, parse_count, parse_seed, parse_whole
from .render import FIRST_REASON_LABEL, Output, more_line, reason_table, table, task_size
from .service import service_number

__all__ = ["add_parser", "run", "MAX_PERCENT", "deploy_lines", "round_lines"]

MAX_PERCENT = 1_000_000
"""The largest `--max-percent` the command takes (ECS sets no cap; this keeps counts sane)."""

EDGE_ROUNDS = 10
"""`--output table` shows this many first and last rounds of a longer deployment."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `deploy` command."""
    command = commands.add_parser(
        "deploy", help="roll a service over to a new task definition, round by round",
        description="Simulate ECS's rolling deployment of the service whose running tasks form "
                    "--group (or --cluster with --service) over to --new-task-definition: per "
                    "round the copies started and old tasks stopped. Exit 3 when it gets stuck.",
    )  # fmt: skip
    add_task_options(command, definition="--new-task-definition")
    add_provider_option(command)
    command.add_argument("--desired-count", metavar="D",
                         help="the service's desired count (default: the service's)")  # fmt: skip
    command.add_argument("--min-healthy", metavar="P",
                         help="minimumHealthyPercent, 0-100 (default: the service's, else 100)")
    command.add_argument("--max-percent", metavar="P",
                         help="maximumPercent, at least 100 (default: the service's, else 200)")
    command.add_argument("--seed", help="seed for random strategies")
    add_fix_option(command)
    command.set_defaults(run=run, parser=command)


def _settings(args: argparse.Namespace, inputs: TaskInputs) -> tuple[int, int, int]:
    """Desired count and the two percents: options, else the service's, else ECS's defaults."""
    service, where = inputs.service or {}, inputs.where
    if args.desired_count is not None:
        desired = parse_count(args.desired_count)
    elif inputs.service is not None:
        desired = service_number(service, "desiredCount", where, 0)
        if desired > MAX_COUNT:
            raise PlacementError(f"{where}: desiredCount: at most {MAX_COUNT:,}, got {desired}")
    else:
        args.parser.error("--desired-count is required (or a service, which has one)")
    config = "deploymentConfiguration."
    if args.min_healthy is not None:
        low = parse_whole(args.min_healthy, "--min-healthy", "50", 0, 100)
    else:
        low = service_number(service, config + "minimumHealthyPercent", where, 100)
    if args.max_percent is not None:
        high = parse_whole(args.max_percent, "--max-percent", "200", 100, MAX_PERCENT)
    else:
        high = service_number(service, config + "maximumPercent", where, 200)
    return desired, low, high


def run(args: argparse.Namespace, out: Output) -> int:
    """Run the deployment and print its rounds; exit 3 when it is stuck."""
    inputs = read_task_inputs(args, out, definition="--new-task-definition")
    if inputs.service is None and not args.group:
        args.parser.error("--group is required: the group of the service's running tasks")
    desired, low, high = _settings(args, inputs)
    result = deploy(
        inputs.inventory, inputs.task.group, inputs.task, desired_count=desired,
        minimum_healthy_percent=low, maximum_percent=high,
        constraints=inputs.constraints, strategy=inputs.strategy, seed=parse_seed(args.seed),
        capacity_provider_strategy=inputs.providers,
    )  # fmt: skip
    answer = None if not args.fix else deploy_fixes(
        inputs.inventory, inputs.task, desired=desired, low=low, high=high,
        constraints=inputs.constraints, strategy=inputs.strategy, seed=parse_seed(args.seed),
        templates=read_fix_templates(args.template),
    )  # fmt: skip
    if out.json:
        out.print_json({**result.to_dict(), **rules_json(inputs), **fixes_json(answer)})
    else:
        out.print("\n".join(deploy_lines(inputs, result, low, high, out)
                            + fix_lines(answer, out)))  # fmt: skip
    return 0 if result.completed else 3


def round_lines(result: Deployment, out: Output) -> list[str]:
    """The rounds table; a long deployment shows its start and its end (where it sticks)."""

    def row(number: int, r: DeploymentRound) -> list[str]:
        return [str(number), str(len(r.started)), str(len(r.stopped)), str(r.pending),
                str(r.old), str(r.new)]  # fmt: skip

    rows = [row(n, r) for n, r in enumerate(result.rounds, 1)]
    elide = not out.wide and len(rows) > 2 * EDGE_ROUNDS
    shown = [*rows[:EDGE_ROUNDS], *rows[-EDGE_ROUNDS:]] if elide else rows
    lines = table(["ROUND", "STARTED", "STOPPED", "PENDING", "OLD", "NEW"], shown,
                  right=(0, 1, 2, 3, 4, 5), width=out.width)  # fmt: skip
    if elide:
        gap = more_line(out, len(shown), len(rows), "rounds")
        lines = [*lines[: 1 + EDGE_ROUNDS], *gap, *lines[1 + EDGE_ROUNDS :]]
    return lines


def deploy_lines(
    inputs: TaskInputs, result: Deployment, low: int, high: int, out: Output
) -> list[str]:
    """The outcome, the settings, the rounds, and why a stuck deployment is stuck."""
    task = inputs.task
    rounds = len(result.rounds)
    span = f"{rounds} {'round' if rounds == 1 else 'rounds'}"
    what = f"{result.group} to the new task ({task_size(task, out)})"
    if result.completed:
        head = out.style.green(f"deploying {what}: completed in {span}")
    else:
        head = out.style.red(f"deploying {what}: stuck after {span}")
    settings = (f"desired {result.desired_count}, minimum healthy {low}% ({result.minimum} "
                f"tasks), maximum {high}% ({result.maximum} tasks)")  # fmt: skip
    lines = [
        out.style.bold(head),
        out.style.dim(settings),
        out.style.dim(f"strategy: {', '.join(inputs.chain()) or 'none (inventory order)'}"),
        out.style.dim(f"constraints: {', '.join(inputs.rules()) or 'none'}"),
        "",
        *round_lines(result, out),
    ]  # fmt: skip
    if result.completed:
        return lines
    return [*lines, "", *_stuck_lines(inputs, result, out)]


def _stuck_lines(inputs: TaskInputs, result: Deployment, out: Output) -> list[str]:
    missing = result.desired_count - result.new
    verb = "is" if missing == 1 else "are"
    state = (f"{result.old} old and {result.new} new tasks run; {missing} of the "
             f"{result.desired_count} new copies {verb} missing.")  # fmt: skip
    if not result.pending_reasons:
        return [state, "maximumPercent leaves no room to start a copy and minimumHealthyPercent "
                       "none to stop an old task."]  # fmt: skip
    label = FIRST_REASON_LABEL.format(n=len(result.inventory))
    waiting = result.rounds[-1].pending_providers if result.rounds else {}
    if waiting:  # the reasons count the instances of those providers only
        label = FIRST_REASON_LABEL.format(n=sum(result.pending_reasons.values()))
        state += " Waiting for capacity: " + ", ".join(f"{p} {n}" for p, n in waiting.items())
    return [state, out.style.red("The copies still needed fit nowhere."), label,
            *reason_table(dict(result.pending_reasons), out)]  # fmt: skip
