"""How the command's results look: plain-text tables, text bars, JSON, colour, and the streams.

No table library: every table here is a few left- or right-aligned columns, and the one rule that
needs care (fit 100 columns by shortening one column) is a dozen lines. docs/cli.md says why.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TextIO

import numpy as np

from ..errors import PlacementWarning
from ..inventory import Inventory
from ..place import reasons as R

__all__ = [
    "MODES", "TABLE_WIDTH", "Output", "Style", "table", "bar", "percent", "instance_names",
    "zone_of", "attribute_of", "ints", "fit", "colour_wanted", "REASON_PHRASES",
    "reason_table", "FIRST_REASON_LABEL", "more_line", "warnings_to",
]  # fmt: skip

MODES = ("table", "json", "wide")
TABLE_WIDTH = 100
"""The widest line `--output table` prints."""

ZONE = "ecs.availability-zone"
NO_ZONE = "(no zone)"

REASON_PHRASES: dict[str, str] = {
    R.AGENT: "not ACTIVE or agent disconnected",
    R.ATTRIBUTE: "lacks an attribute the task requires",
    R.CPU: "not enough CPU left",
    R.MEMORY: "not enough memory left",
    R.PORTS: "a host port the task needs is taken",
    R.GPU: "not enough GPUs left",
    R.MEMBER_OF: "fails a memberOf constraint",
    R.DISTINCT_INSTANCE: "already runs a task of the group",
    R.MAX_PER: "its instance or zone has the most tasks of the group maxPer allows",
    R.TOPOLOGY_SPREAD: "its zone is maxSkew tasks of the group above the least zone",
}
"""A short human phrase for each ECS reason code."""


class Style:
    """ANSI colour, or nothing: `Style(False).red(s) == s`."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _paint(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text

    def bold(self, text: str) -> str:
        """Bold text."""
        return self._paint("1", text)

    def dim(self, text: str) -> str:
        """Faint text, for legends and hints."""
        return self._paint("2", text)

    def red(self, text: str) -> str:
        """Red text, for what failed."""
        return self._paint("31", text)

    def green(self, text: str) -> str:
        """Green text, for what succeeded."""
        return self._paint("32", text)

    def yellow(self, text: str) -> str:
        """Yellow text, for warnings and reasons."""
        return self._paint("33", text)


def colour_wanted(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class Output:
    """Where a command's results (stdout) and notes (stderr) go, and how they look.

    A reader that closes the pipe early (`placement demo | head -1`) ends the output quietly:
    stdout is pointed at the null device, so neither later writes nor the interpreter's final
    flush raise, and the command still returns its own exit code.
    """

    def __init__(
        self, mode: str = "table", stdout: TextIO | None = None, stderr: TextIO | None = None
    ) -> None:
        self.mode = mode
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.style = Style(mode != "json" and colour_wanted(self.stdout))
        self.note_style = Style(colour_wanted(self.stderr))
        self.closed = False
        self.dialect = "ecs"  # the inputs' system: set by the loaders (units, zones, words)

    @property
    def reason_words(self) -> Mapping[str, str]:
        """The engine's reason codes in the inputs' own words (`Insufficient cpu`, `cpu`).

        Empty for ECS, whose words the codes are. The library words a task's reasons itself
        (`Failure.reasons`, `Headroom.reasons`): these word the codes a table shows from
        `Failure.codes` and `PlacementExplanation.code_counts`, so nothing is worded twice.
        """
        if self.dialect == "k8s":
            from ..k8s.messages import WORDS

            return WORDS
        if self.dialect == "nomad":
            from ..nomad.messages import DIMENSIONS

            return DIMENSIONS
        return {}

    @property
    def wide(self) -> bool:
        """Full ARNs and no width limit."""
        return self.mode == "wide"

    @property
    def json(self) -> bool:
        """Exactly one JSON document on stdout."""
        return self.mode == "json"

    @property
    def width(self) -> int | None:
        """The table width limit (None: unlimited)."""
        return None if self.wide else TABLE_WIDTH

    def print(self, text: str = "", *, cut: bool = True) -> None:
        """Write a line (or several) of results to stdout.

        In table mode, lines are cut to 100 columns unless `cut` is False (data that must
        stay whole, such as `check`'s canonical text).
        """
        if self.closed:
            return
        if cut and self.mode == "table":
            text = "\n".join(fit(line, TABLE_WIDTH) for line in text.split("\n"))
        try:
            self.stdout.write(text + "\n")
            self.stdout.flush()
        except BrokenPipeError:
            self._reader_left()

    def print_json(self, document: Any) -> None:
        """Write the one JSON document (ASCII, so any terminal encoding takes it)."""
        self.print(json.dumps(document, indent=2), cut=False)

    def note(self, text: str) -> None:
        """A note for people (stderr): banners, hints, warnings; never part of the results."""
        self._stderr(self.note_style.dim(text))

    def error(self, message: str) -> None:
        """`placement: <message>` on stderr (continuation lines, e.g. a caret, as they are)."""
        self._stderr(f"placement: {message}")

    def _stderr(self, text: str) -> None:
        try:
            self.stderr.write(text + "\n")
            self.stderr.flush()
        except (BrokenPipeError, ValueError):  # stderr closed too: nothing left to tell
            pass

    def finish(self) -> None:
        """Flush stdout at the end, still quietly if the reader has gone."""
        if self.closed:
            return
        try:
            self.stdout.flush()
        except BrokenPipeError:
            self._reader_left()

    def _reader_left(self) -> None:
        self.closed = True
        try:
            fd = self.stdout.fileno()
        except (AttributeError, OSError, ValueError):  # not a real file (tests' capture)
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def fit(line: str, width: int) -> str:
    """`line` cut to `width` visible columns (colour dropped from a line that had to be cut)."""
    plain = _ESCAPE.sub("", line)
    return line if len(plain) <= width else _cut(plain, width)


def _cut(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[: max(width - 3, 0)] + "..." if width >= 3 else text[:width]


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[int] = (),
    shrink: int | None = None,
    width: int | None = TABLE_WIDTH,
    paint: dict[int, Callable[[str], str]] | None = None,
    indent: str = "",
) -> list[str]:
    """Lines of a plain table: two spaces between columns, a header row.

    `right` lists the right-aligned columns; when the table is wider than `width`, column
    `shrink` is cut (ending in `...`) so that it fits. `paint` colours a column's cells after
    padding, so escape codes never count towards the width.
    """
    columns = len(headers)
    widths = [max([len(headers[c])] + [len(row[c]) for row in rows]) for c in range(columns)]
    gap = 2
    if width is not None and shrink is not None:
        total = len(indent) + sum(widths) + gap * (columns - 1)
        if total > width:
            widths[shrink] = max(len(headers[shrink]), widths[shrink] - (total - width))
    paint = paint or {}

    def line(cells: Sequence[str], painted: bool) -> str:
        parts = []
        for c, cell in enumerate(cells):
            text = _cut(cell, widths[c])
            text = text.rjust(widths[c]) if c in right else text.ljust(widths[c])
            if painted and c in paint:
                text = paint[c](text)
            parts.append(text)
        return (indent + (" " * gap).join(parts)).rstrip()

    return [line(headers, False), *(line(row, True) for row in rows)]


def bar(before: float, after: float, total: float, width: int = 16) -> str:
    """`[###++.....]`: `#` used before, `+` used by the new copies, `.` free."""
    if total <= 0:
        return "[" + " " * width + "]"
    old = round(width * min(max(before / total, 0.0), 1.0))
    new = round(width * min(max(after / total, 0.0), 1.0))
    new = max(new, old)
    return "[" + "#" * old + "+" * (new - old) + "." * (width - new) + "]"


def percent(part: float, total: float) -> str:
    """`45%` (`-` when the total is zero)."""
    return f"{round(100 * part / total)}%" if total > 0 else "-"


def instance_names(inventory: Inventory, wide: bool) -> list[str]:
    """Per row, the name to print: the full ARN when `wide`, else `Instance.name`.

    Read from the columns rather than building an `Instance` per row (`inv[i]` decodes every
    field); the rule is `Instance.name`'s: the EC2 instance id, else the ARN's last part.
    """
    ids = [str(arn) for arn in inventory.ids]
    if wide:
        return ids
    ec2 = inventory.ec2_instance_ids
    return [ec2.get(row) or arn.rsplit("/", 1)[-1] for row, arn in enumerate(ids)]


ZONES = (ZONE, "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone",
         "node.datacenter")  # fmt: skip
"""Where each system keeps an instance's zone: ECS's attribute, Kubernetes' well-known labels
(current, then deprecated), Nomad's datacenter. The first an inventory has is its zone."""


def zone_of(inventory: Inventory) -> list[str]:
    """Per row, the instance's zone (`(no zone)` when it has none): see `ZONES`."""
    column = next((c for c in map(inventory.attributes.get, ZONES) if c is not None), None)
    if column is None:
        return [NO_ZONE] * len(inventory)
    return [column.get(row) or NO_ZONE for row in range(len(inventory))]


_UNITS = {"ecs": ("CPU {cpu}, memory {memory} MiB"),
          "k8s": ("cpu {cpu}m, memory {memory} bytes"),
          "nomad": ("cpu {cpu} MHz, memory {memory} MB")}  # fmt: skip


def task_size(task: Any, out: Output) -> str:
    """What one copy reserves, in the inputs' units.

    `CPU 512, memory 1024 MiB` for ECS, `cpu 500m, memory 134217728 bytes` for Kubernetes,
    `cpu 500 MHz, memory 256 MB` for Nomad.
    """
    return _UNITS.get(out.dialect, _UNITS["ecs"]).format(cpu=task.cpu, memory=task.memory)


def attribute_of(inventory: Inventory, name: str) -> list[str]:
    """Per row, the value of attribute `name` ('' when absent or name-only)."""
    column = inventory.attributes.get(name)
    if column is None:
        return [""] * len(inventory)
    return [column.get(row) or "" for row in range(len(inventory))]


def ints(values: Any) -> list[int]:
    """A numpy column as Python ints."""
    return [int(v) for v in np.asarray(values).tolist()]


FIRST_REASON_LABEL = "Instances excluded, each counted under its first reason (adds up to {n}):"
"""How every command labels first-reason counts (`place`'s failure, headroom, needs, deploy)."""


def reason_table(
    counts: dict[str, int],
    out: Output,
    indent: str = "  ",
    details: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """Lines of a REASON / INSTANCES / MEANING table, reasons in yellow.

    `details` names what `ATTRIBUTE` and `RESOURCE:PORTS` stand for (a `Failure`'s
    `details`, `PlacementExplanation.details()`): `ATTRIBUTE (missing: a)`.
    """
    words = out.reason_words  # the inputs' own words first, the details kept after them
    # Counts the library already worded (headroom, needs, deploy on Kubernetes or Nomad inputs)
    # find their phrase through their code; a reason with no phrase leaves MEANING empty
    # rather than saying itself twice.
    codes = {word: code for code, word in words.items()}
    rows = [[words.get(code, code) + R.labelled(code, details)[len(code):], str(n),
             REASON_PHRASES.get(codes.get(code, code), "")]
            for code, n in counts.items()]  # fmt: skip
    return table(["REASON", "INSTANCES", "MEANING"], rows, right=(1,), shrink=2,
                 width=out.width, indent=indent, paint={0: out.style.yellow})  # fmt: skip


def more_line(out: Output, shown: int, total: int, what: str) -> list[str]:
    """`  ... N more WHAT (-o wide lists every one)` when rows were left out, else nothing."""
    if shown >= total:
        return []
    return [out.style.dim(f"  ... {total - shown} more {what} (-o wide lists every one)")]


@contextlib.contextmanager
def warnings_to(out: Output) -> Iterator[None]:
    """The library's warnings as `placement: warning: ...` lines on stderr, each one once.

    Other warnings go where Python sends them; the exit code is never changed.
    """
    seen: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", PlacementWarning)
        show = warnings.showwarning

        def shown_once(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if not issubclass(category, PlacementWarning):
                show(message, category, filename, lineno, file, line)
                return
            text = str(message)
            if text not in seen:
                seen.add(text)
                out.error(f"warning: {text}")

        warnings.showwarning = shown_once
        yield
