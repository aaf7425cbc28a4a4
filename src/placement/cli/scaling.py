"""`placement scaling`: place copies by a capacity provider strategy, then managed scaling.

SEMANTICS.md §9: per provider, N (its instances), M (the ones it needs), the
CapacityProviderReservation and the size its Auto Scaling group moves towards.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import PlacementError
from ..ops.scaling import managed_scaling
from ..place.api import place
from .headroom import add_task_options, read_task_inputs, task_line
from .inputs import parse_count, read_json
from .place import capacity_providers
from .render import Output, table

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `scaling` command."""
    command = commands.add_parser(
        "scaling", help="what managed scaling does after placing by a capacity provider strategy",
        description="Place --count copies by a capacity provider strategy, then say per "
                    "provider N, M, the CapacityProviderReservation and the size managed "
                    "scaling moves its group towards (SEMANTICS.md §9).",
    )  # fmt: skip
    add_task_options(command)
    command.add_argument("--count", metavar="N", required=True, help="copies to place")
    command.add_argument(
        "--capacity-provider-strategy", metavar="JSON",
        help="the strategy (default: the service's capacityProviderStrategy)",
    )  # fmt: skip
    command.add_argument(
        "--providers", metavar="FILE", required=True,
        help='JSON: {"NAME": {"targetCapacity": T, "template": DOC, "minSize": .., "maxSize": '
             '..}} or a DescribeCapacityProviders response (templates by --template)',
    )  # fmt: skip
    command.add_argument("--template", metavar="NAME=FILE", action="append", default=[],
                         help="a provider's container-instance template (repeatable)")
    command.add_argument("--daemon-group", action="append", default=[], metavar="GROUP",
                         help="a group whose tasks do not make an instance busy (repeatable)")
    command.set_defaults(run=run, parser=command)


def run(args: argparse.Namespace, out: Output) -> int:
    """Place, then print each provider's answer; exit 3 when copies wait for capacity."""
    inputs = read_task_inputs(args, out)
    providers = capacity_providers(args, inputs.service)
    if providers is None:
        raise PlacementError("scaling needs --capacity-provider-strategy (or a service with one)")
    templates: dict[str, Any] = {}
    for item in args.template:
        name, sep, path = item.partition("=")
        if not sep or not name:
            args.parser.error(f"--template: expected NAME=FILE, got {item!r}")
        templates[name] = read_json(path, f"template of {name}", (dict,))
    settings = read_json(args.providers, "providers", (dict,))
    result = place(inputs.inventory, inputs.task, parse_count(args.count),
                   constraints=inputs.constraints, strategy=inputs.strategy,
                   capacity_provider_strategy=providers)  # fmt: skip
    answers = managed_scaling(inputs.inventory, result, settings, templates=templates,
                              daemon_groups=args.daemon_group)  # fmt: skip
    if out.json:
        out.print_json({"placed": result.placed, "failed": result.failed,
                        "providers": [a.to_dict() for a in answers.values()]})  # fmt: skip
    else:
        rows = [[a.provider, str(a.n), str(a.provisioning), "?" if a.new is None else str(a.new),
                 str(a.m), f"{a.reservation:g}%", f"{a.target_capacity}%", str(a.desired)]
                for a in answers.values()]  # fmt: skip
        what = task_line(inputs.task, out)
        head = f"placed {result.placed} of {result.requested} copies of {what}"
        out.print("\n".join([head, "", *table(
            ["PROVIDER", "N", "PROVISIONING", "NEW", "M", "RESERVATION", "TARGET", "DESIRED"],
            rows, right=range(1, 8))]))  # fmt: skip
    return 3 if result.failures else 0
