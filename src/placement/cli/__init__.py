"""The `placement` command: check, filter, explain, place, what-if questions, the demo.

`main(argv)` is the entry point (`placement = "placement.cli:main"`); it returns the exit code:
0 success, 1 bad input or a failure (one `placement: ...` line on stderr), 2 usage (argparse),
3 some copies did not fit, no instance count works, a deployment is stuck. One module per
command; render.py draws; inputs.py reads.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import PlacementError
from . import (
    check,
    daemon,
    demo,
    deploy,
    explain,
    filter,
    headroom,
    needs,
    place,
    scale_in,
    scaling,
    translate,
)
from .render import Output, warnings_to

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE", "EXIT_UNPLACED"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNPLACED = 3
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="placement",
        description="Task placement in the languages of Amazon ECS (its cluster query language), "
        "Kubernetes and Nomad: evaluate, place, explain, plan, repair and translate.",
        epilog="Exit status: 0 success, 1 bad input or a failure, 2 usage, 3 some copies did "
               "not fit (no instance count works, a deployment is stuck, a daemon misses an "
               "instance). Every FILE may "
               "be '-' for stdin.",
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=f"placement {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (check, filter, explain, place, headroom, needs, deploy, scale_in, daemon,
                   scaling, translate, demo):  # fmt: skip
        module.add_parser(commands)
    return parser


def _parse(argv: Sequence[str] | None, out: Output) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code argparse chose (2 usage; 0 for --help)."""
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE


def _run(args: argparse.Namespace, out: Output) -> int:
    try:
        return int(args.run(args, out))
    except SystemExit as exc:  # args.parser.error(): a usage error found after parsing
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except PlacementError as exc:
        out.error(str(exc))
    except RecursionError:
        out.error("input nested too deeply to process")
    except MemoryError:
        out.error("out of memory: the input is too large")
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # a defect in placement: still one line, no traceback
        if os.environ.get("PLACEMENT_DEBUG"):
            raise
        out.error(f"internal error: {type(exc).__name__}: {exc} (PLACEMENT_DEBUG=1 shows the "
                  "traceback; please report it)")  # fmt: skip
    return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `placement` command; returns the exit code."""
    # Text that the terminal's encoding cannot show is escaped, never an error.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    probe = Output()
    parsed = _parse(argv, probe)
    if isinstance(parsed, int):
        probe.finish()
        return parsed
    out = Output(getattr(parsed, "output", "table") or "table")
    with warnings_to(out):
        code = _run(parsed, out)
    out.finish()
    return code
