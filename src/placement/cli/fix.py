"""`--fix`: what to change so that a failing command succeeds (SEMANTICS.md §10, docs/repair.md).

Shared by `place`, `deploy`, `daemon` and `headroom --fix N`: the options, the call to
`repair` / `repair_deploy` / `repair_daemon`, and the fixes as a short ranked list (table) or
as `"fixes"`, a list of `Fix.to_dict()` (`-o json`). Every fix shown has been verified by
running the question again with the change applied; the command's exit code stays its own.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence
from typing import Any, Protocol

import attrs

from ..errors import PlacementError, PlacementInputError
from ..instance import Instance
from ..inventory import Inventory
from ..ops.whatif import _template_list
from ..place.task import TaskSpec
from ..repairs import Fix, Repair, repair, repair_daemon, repair_deploy
from .inputs import MAX_COUNT, parse_whole, read_json
from .render import Output, more_line

__all__ = [
    "add_fix_option", "add_headroom_fix_option", "read_fix_templates", "place_fixes",
    "deploy_fixes", "daemon_fixes", "headroom_fixes", "fix_lines", "fixes_json", "FIX_ROWS",
]  # fmt: skip

FIX_ROWS = 10
"""The most fixes `--output table` lists (`wide` and `json` list every one)."""

_TEMPLATE_HELP = (
    "with --fix: a DescribeContainerInstances element, response or list whose instances may be "
    "added (the fix 'add N instances'); repeat for more templates"
)


def add_fix_option(command: argparse.ArgumentParser, *, templates: bool = True) -> None:
    """`--fix` (and, where instances may be added, `--template FILE`)."""
    command.add_argument(
        "--fix", action="store_true",
        help="also list what to change so that it succeeds: verified, minimal fixes, smallest "
             "change first (the exit code is unchanged)",
    )  # fmt: skip
    if templates:
        _add_template_option(command)


def add_headroom_fix_option(command: argparse.ArgumentParser) -> None:
    """`headroom --fix N` (and `--template FILE`)."""
    command.add_argument(
        "--fix", metavar="N",
        help="also list what would let N more copies fit than fit now: the fixes of placing "
             "(headroom + N) copies, verified and minimal, smallest change first",
    )  # fmt: skip
    _add_template_option(command)


def _add_template_option(command: argparse.ArgumentParser) -> None:
    """`--template FILE`, repeatable: instances a fix may add."""
    command.add_argument("--template", action="append", default=[], metavar="FILE",
                         help=_TEMPLATE_HELP)  # fmt: skip


def read_fix_templates(paths: Sequence[str]) -> list[Instance]:
    """Every template instance of every `--template` file, in order; errors name the file."""
    out: list[Instance] = []
    for path in paths:
        try:
            out += _template_list(read_json(path, "template"))
        except PlacementInputError as exc:
            raise PlacementError(f"template {path!r}: {exc}") from None
    return out


class PlaceRequest(Protocol):
    """What `place_fixes` reads of a `cli.place.Request`."""

    @property
    def inventory(self) -> Inventory: ...
    @property
    def task(self) -> TaskSpec: ...
    @property
    def count(self) -> int: ...
    @property
    def constraints(self) -> tuple[Any, ...]: ...
    @property
    def strategy(self) -> tuple[Any, ...]: ...
    @property
    def seed(self) -> int | None: ...
    @property
    def providers(self) -> tuple[Any, ...] | None: ...


def place_fixes(request: PlaceRequest, placed: int, templates: Sequence[Instance]) -> Repair:
    """`repair` of a placement that placed `placed` copies (no work when every copy placed)."""
    if placed >= request.count:
        return Repair("place", request.count, placed, ())
    return repair(
        request.inventory, request.task, request.count, constraints=request.constraints,
        strategy=request.strategy, seed=request.seed, templates=list(templates),
        capacity_provider_strategy=request.providers,
    )  # fmt: skip


def deploy_fixes(
    inventory: Inventory, task: TaskSpec, *, desired: int, low: int, high: int,
    constraints: Sequence[Any], strategy: Sequence[Any], seed: int | None,
    templates: Sequence[Instance],
) -> Repair:  # fmt: skip
    """`repair_deploy` of the deployment of `task` over its group, with the command's settings."""
    return repair_deploy(
        inventory, task.group, task, desired_count=desired, minimum_healthy_percent=low,
        maximum_percent=high, constraints=constraints, strategy=strategy, seed=seed,
        templates=list(templates),
    )  # fmt: skip


def daemon_fixes(inventory: Inventory, task: TaskSpec, constraints: Sequence[Any]) -> Repair:
    """`repair_daemon`: which instances could run the daemon after which change."""
    return repair_daemon(inventory, task, constraints=constraints)


def headroom_fixes(
    more: str, copies: int | None, inventory: Inventory, task: TaskSpec,
    constraints: Sequence[Any], strategy: Sequence[Any], templates: Sequence[Instance],
    providers: Any = None,
) -> Repair:  # fmt: skip
    """`headroom --fix N`: the repair of placing (headroom + N) copies.

    An unbounded headroom (`copies` None) fits N more as it stands: nothing to fix.
    """
    n = parse_whole(more, "--fix", "5", 0, MAX_COUNT)
    if copies is None:
        return Repair("place", n, n, ())
    answer = repair(inventory, task, copies + n, constraints=constraints, strategy=strategy,
                    templates=list(templates), capacity_provider_strategy=providers)  # fmt: skip
    return attrs.evolve(answer, question="headroom")  # shown as copies more than fit now


def fixes_json(answer: Repair | None) -> dict[str, Any]:
    """`{"fixes": [Fix.to_dict(), ...]}` when `--fix` was given, else nothing."""
    if answer is None:
        return {}
    return {"fixes": [fix.to_dict() for fix in answer.fixes]}


def _outcome(answer: Repair, fix: Fix) -> str:
    if answer.question == "deploy":
        if fix.complete:
            return f"completes in {fix.rounds} round{'s' if fix.rounds != 1 else ''}"
        return f"{fix.placed_after} of {fix.requested} new"
    if answer.question == "headroom":
        more, wanted = fix.placed_after - answer.placed, answer.requested - answer.placed
        return f"{more} more fit" if fix.complete else f"{more} of {wanted} more fit"
    noun = "instances run it" if answer.question == "daemon" else "place"
    return f"{fix.placed_after} of {fix.requested} {noun}"


def fix_lines(answer: Repair | None, out: Output) -> list[str]:
    """The fixes as a short ranked list: smallest change first, each with what it achieves."""
    if answer is None or answer.ok:
        return []
    if not answer.fixes:
        return ["", out.style.yellow("No single change found that helps (see docs/repair.md).")]
    shown = answer.fixes if out.wide else answer.fixes[:FIX_ROWS]
    lines = ["", out.style.bold("Fixes, smallest change first (each verified by running again):")]
    for number, fix in enumerate(shown, 1):
        paint = out.style.green if fix.complete else out.style.yellow
        head, text = f"{number:>3}. ", f"{fix.summary} -> {_outcome(answer, fix)}"
        wrapped = [text] if out.width is None else textwrap.wrap(
            text, out.width - len(head), break_on_hyphens=False)  # fmt: skip
        lines.append(paint(head) + wrapped[0])
        lines += [" " * len(head) + rest for rest in wrapped[1:]]
    return [*lines, *more_line(out, len(shown), len(answer.fixes), "fixes")]
