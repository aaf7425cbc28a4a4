"""`placement translate RULE --to k8s|ecs|nomad`: a rule in another system's form, with notes."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import PlacementInputError
from ..translation import TARGETS, translate
from .inputs import STDIN, read_text
from .render import Output

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `translate` command."""
    command = commands.add_parser(
        "translate", help="translate a rule between ECS, Kubernetes and Nomad",
        description="Print RULE in the target system's form, then whether the two select the "
                    "same instances on every inventory and a note for each meaning shift. "
                    "RULE is ECS text, Kubernetes selector text (--from k8s), or JSON: a "
                    "NodeSelector, LabelSelector or nodeSelector map, or Nomad constraint "
                    "blocks. What the target cannot say exits 1 naming the part.",
    )  # fmt: skip
    command.add_argument("rule", metavar="RULE", help="the rule ('-': read stdin)")
    command.add_argument("--to", required=True, choices=TARGETS, help="the target system")
    command.add_argument("--from", dest="source", choices=TARGETS,
                         help="the rule's system, where its shape does not say it")  # fmt: skip
    command.add_argument(
        "-o", "--output", choices=("table", "json"), default="table",
        help="table (the rule, then exact and the notes) or json (one document)",
    )  # fmt: skip
    command.set_defaults(run=run, parser=command)


def _rule(text: str) -> Any:
    """The RULE argument: JSON when it starts with `{` or `[` (no ECS text does), else text."""
    if text == STDIN:
        text = read_text(STDIN, "rule").rstrip("\r\n")
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise PlacementInputError(f"RULE is not valid JSON: {exc}") from None
    return text


def run(args: argparse.Namespace, out: Output) -> int:
    """Translate; print the rule, `exact: yes|no` and one `note:` line per note."""
    result = translate(_rule(args.rule), args.to, source=args.source)
    if out.json:
        out.print_json({"rule": result.rule, "to": result.to, "from": result.source,
                        "exact": result.exact, "notes": list(result.notes)})  # fmt: skip
        return 0
    text = result.text()
    out.print(text if text else "''", cut=False)  # the empty selector, shown
    out.print(f"exact: {'yes' if result.exact else 'no'}")
    for note in result.notes:
        out.print(f"note: {note}", cut=False)
    return 0
