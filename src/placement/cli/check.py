"""`placement check EXPR`: parse an expression and print its canonical form."""

from __future__ import annotations

import argparse

from .inputs import add_expression_arguments, add_output_option, parse_expression
from .render import Output

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `check` command."""
    command = commands.add_parser(
        "check", help="parse an expression; print its canonical form",
        description="Parse EXPR and print its canonical form; a syntax error exits 1 and shows "
                    "where it went wrong.",
    )  # fmt: skip
    add_expression_arguments(command)
    add_output_option(command)
    command.set_defaults(run=run, parser=command)


def run(args: argparse.Namespace, out: Output) -> int:
    """Parse; print the canonical text (or `{"expression": ...}` as JSON)."""
    expression = parse_expression(args)
    if out.json:
        out.print_json({"expression": str(expression)})
    else:
        out.print(str(expression), cut=False)  # the canonical text is data: never cut
    return 0
