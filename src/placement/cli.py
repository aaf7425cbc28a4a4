"""The `placement` command: check expressions, place tasks, run the bundled demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import PlacementError
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `placement` command."""
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
