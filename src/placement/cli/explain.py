"""`placement explain EXPR --inventory FILE`: which clause rejected which instance."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..explain import ClauseExplanation, Explanation, explain
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
from .render import TABLE_WIDTH, Output, fit, instance_names, table

__all__ = ["add_parser", "run", "explanation_lines", "explanation_json"]

CLAUSE_WIDTH = 40
"""The widest clause text a `table` shows (longer ones end in `...`)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `explain` command."""
    command = commands.add_parser(
        "explain", help="per clause of an expression, which instances it rejected",
        description="Evaluate EXPR on every instance and show, per clause, the instances it "
                    "rejected (a clause rejects an instance when it decided that the whole "
                    "expression is false there).",
    )  # fmt: skip
    add_expression_arguments(command)
    add_inventory_options(command)
    add_output_option(command)
    command.set_defaults(run=run, parser=command)


def _clause_text(clause: ClauseExplanation) -> str:
    # A clause under an odd number of nots rejects where it holds: say so first.
    return ("under not: " if clause.negated else "") + clause.text


def _examples(names: Sequence[str], room: int) -> str:
    """As many names as fit in `room` columns, then `+k more`."""
    text = ""
    for k, name in enumerate(names):
        candidate = f"{text}, {name}" if text else name
        rest = len(names) - k - 1
        if len(candidate + (f", +{rest} more" if rest else "")) > room:
            left = len(names) - k
            return f"{text}, +{left} more" if text else f"+{left} more"
        text = candidate
    return text


def explanation_lines(
    explanation: Explanation, inventory: Inventory, out: Output, indent: str = ""
) -> list[str]:
    """The report: how many match, then per clause the instances it rejected.

    `table`: one row per clause, naming as many instances as fit in 100 columns; `wide`: one
    row per rejected instance, full ARNs.
    """
    names = instance_names(inventory, out.wide)
    n = len(explanation)
    noun = "instance" if n == 1 else "instances"
    head = f"{indent}{explanation.matches_count} of {n} {noun} match {explanation.expression}"
    lines = [out.style.bold(head)]
    rejected = [np.flatnonzero(c.rejected).tolist() for c in explanation.clauses]
    if out.wide:
        rows = [[_clause_text(c), names[r]]
                for c, rows_of in zip(explanation.clauses, rejected, strict=True)
                for r in rows_of]  # fmt: skip
        rows += [[_clause_text(c), "(none)"]
                 for c, rows_of in zip(explanation.clauses, rejected, strict=True)
                 if not rows_of]  # fmt: skip
        return lines + table(["CLAUSE", "REJECTED"], rows, width=None, indent=indent)
    clause_cells = [fit(_clause_text(c), CLAUSE_WIDTH) for c in explanation.clauses]
    clause_width = max([len("CLAUSE")] + [len(t) for t in clause_cells])
    count_width = max([len("REJECTED")] + [len(str(c.rejected_count)) for c in explanation.clauses])
    room = TABLE_WIDTH - len(indent) - clause_width - count_width - 4
    rows = [
        [text, str(c.rejected_count), _examples([names[r] for r in rows_of], room) or "-"]
        for text, c, rows_of in zip(clause_cells, explanation.clauses, rejected, strict=True)
    ]
    body = table(["CLAUSE", "REJECTED", "INSTANCES"], rows, right=(1,), shrink=0,
                 width=TABLE_WIDTH, indent=indent)  # fmt: skip
    return lines + body


def explanation_json(explanation: Explanation) -> dict[str, Any]:
    """The explanation as JSON-ready data, full ARNs."""
    ids = [str(arn) for arn in explanation.ids]
    return {
        "expression": str(explanation.expression),
        "instances": len(explanation),
        "matched": explanation.matches_count,
        "matches": [ids[r] for r in np.flatnonzero(explanation.matched).tolist()],
        "clauses": [
            {
                "clause": c.text,
                "canonical": str(c.clause),
                "negated": c.negated,
                "rejected": c.rejected_count,
                "rejected_instances": [ids[r] for r in np.flatnonzero(c.rejected).tolist()],
            }
            for c in explanation.clauses
        ],
    }


def run(args: argparse.Namespace, out: Output) -> int:
    """Print the explanation."""
    check_live_options(args)
    check_one_stdin(args.expression, args.inventory, args.tasks)
    expression = parse_expression(args)
    inventory = load_inventory(args, out, tasks_matter=reads_task_groups([expression]))
    explanation = explain(expression, inventory)
    if out.json:
        out.print_json(explanation_json(explanation))
    else:
        out.print("\n".join(explanation_lines(explanation, inventory, out)))
    return 0
