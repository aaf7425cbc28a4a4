"""The `placement` command: check expressions, place tasks, run the bundled demo."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import PlacementError
from .inventory import Inventory
from .place.api import place
from .place.result import PlacementResult
from .place.rules import SERVICE_DEFAULT
from .place.task import TaskSpec
from .syntax.parser import parse

__all__ = ["main"]


def _check(args: argparse.Namespace) -> int:
    try:
        expr = parse(args.expression, max_length=None if args.no_limit else 2000)
    except PlacementError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(expr)
    return 0


def _load_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlacementError(f"cannot read {what} {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise PlacementError(f"{what} {path} is not JSON: {exc}") from None


def _constraint_arg(text: str) -> Any:
    # JSON objects as ECS writes them, or the short forms `memberOf(EXPR)`, `distinctInstance`.
    return json.loads(text) if text.lstrip().startswith("{") else text


def _report(result: PlacementResult, inventory: Inventory, count: int) -> str:
    zone = inventory.attributes.get("ecs.availability-zone")
    lines = [f"placed {result.placed} of {count} copies"]
    for copy, arn in enumerate(result.placements):
        where = ""
        if zone is not None:
            value = zone.get(inventory.index_of(arn))
            where = f"  ({value})" if value else ""
        lines.append(f"  copy {copy}: {arn}{where}")
    if result.failures:
        first, last = result.failures[0], result.failures[-1]
        span = f"copy {first.index}" if first is last else f"copies {first.index}-{last.index}"
        reasons = ", ".join(f"{r}: {n}" for r, n in first.reasons.items()) or "no instances"
        lines.append(f"{span} fit nowhere; instances excluded by first reason: {reasons}")
        lines.append("why each instance refuses one more copy:")
        lines.extend("  " + line for line in str(result.explain()).splitlines())
    return "\n".join(lines)


def _result_json(result: PlacementResult) -> str:
    return json.dumps(
        {
            "placements": list(result.placements),
            "failures": [{"index": f.index, "reasons": dict(f.reasons)} for f in result.failures],
        },
        indent=2,
    )


def _place_files(
    inventory_path: str,
    tasks_path: str | None,
    task_definition_path: str,
    args: argparse.Namespace,
    default_strategy: Sequence[Any] = (),
) -> int:
    inventory = Inventory.from_ecs(
        _load_json(inventory_path, "inventory"),
        _load_json(tasks_path, "tasks") if tasks_path else (),
    )
    task = TaskSpec.from_ecs(_load_json(task_definition_path, "task definition"), args.group)
    strategy = args.strategy if args.strategy else default_strategy
    result = place(
        inventory,
        task,
        args.count,
        constraints=[_constraint_arg(c) for c in args.constraint],
        strategy=[_constraint_arg(s) for s in strategy],
        seed=args.seed,
    )
    print(_result_json(result) if args.json else _report(result, inventory, args.count))
    return 0 if not result.failures else 2


def _place(args: argparse.Namespace) -> int:
    return _place_files(args.inventory, args.tasks, args.task_definition, args)


def _demo(args: argparse.Namespace) -> int:
    examples = resources.files("placement") / "examples"
    with resources.as_file(examples) as folder:
        print("placement demo: the bundled example cluster (12 instances in 3 zones), the "
              "task definition's memberOf, and ECS's service default strategy "
              "spread(attribute:ecs.availability-zone), spread(instanceId)\n")
        status = _place_files(
            str(folder / "container-instances.json"),
            str(folder / "tasks.json"),
            str(folder / "task-definition.json"),
            args,
            default_strategy=[str(s) for s in SERVICE_DEFAULT],
        )
    # The demo asks for more copies than fit on purpose, to show the failure report.
    return 0 if status in (0, 2) else status


def _add_place_options(command: argparse.ArgumentParser, count: int) -> None:
    command.add_argument("--count", type=int, default=count, help="copies to place")
    command.add_argument("--group", help="task group (default: family:<family>)")
    command.add_argument(
        "--constraint", action="append", default=[],
        help="memberOf(EXPR), distinctInstance, or ECS JSON; repeat for several",
    )  # fmt: skip
    command.add_argument(
        "--strategy", action="append", default=[],
        help="spread(FIELD), binpack(cpu|memory), random, or ECS JSON; repeat to chain",
    )  # fmt: skip
    command.add_argument("--seed", type=int, help="seed for the random strategy")
    command.add_argument("--json", action="store_true", help="print the result as JSON")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="placement", description="ECS cluster query language and task placement."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="parse an expression; print its canonical form")
    check.add_argument("expression")
    check.add_argument("--no-limit", action="store_true", help="lift the 2000-character limit")
    check.set_defaults(run=_check)
    place_cmd = commands.add_parser(
        "place", help="place copies of a task on an inventory (exit 2 when some do not fit)"
    )
    place_cmd.add_argument("--inventory", required=True,
                           help="DescribeContainerInstances JSON")  # fmt: skip
    place_cmd.add_argument("--tasks", help="DescribeTasks JSON (the RUNNING tasks)")
    place_cmd.add_argument("--task-definition", required=True,
                           help="RegisterTaskDefinition / DescribeTaskDefinition JSON")  # fmt: skip
    _add_place_options(place_cmd, 1)
    place_cmd.set_defaults(run=_place)
    demo = commands.add_parser("demo", help="place on the example inventory shipped with placement")
    _add_place_options(demo, 36)
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `placement` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except PlacementError as exc:
        print(f"placement: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
