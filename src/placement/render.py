"""HTML for notebooks: what `_repr_html_` of inventories, results and explanations returns.

Jupyter shows `_repr_html_()` instead of `repr()`. Every value shown is escaped (ARNs,
attribute values and group names come from outside), and every table is bounded: the first
`MAX_ROWS` rows, then a row saying how many more there are, so a million-instance inventory
renders as fast as a dozen.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .place import reasons as R
from .place.reasons import labelled
from .text import reason_counts, short_repr, shorten

__all__ = [
    "MAX_ROWS", "shorten", "short_repr", "reason_counts", "inventory_html", "result_html",
    "explanation_html", "placement_explanation_html", "html_table", "reason_rows",
    "headroom_html", "instances_needed_html", "deployment_html", "scale_in_html", "daemon_html",
    "ranking_html", "cluster_state_html", "repair_html", "repr_text",
]  # fmt: skip

MAX_ROWS = 20
"""Rows shown per table; the rest are counted in a last row."""
MAX_CELL = 120
"""Characters shown per cell (a 2000-character expression would swamp the table)."""

_ZONE = "ecs.availability-zone"
_BAR = (
    '<div style="display:inline-block;width:6em;height:0.7em;background:#e5e5e5;'
    'vertical-align:middle"><div style="width:{pct}%;height:100%;background:{color}">'
    "</div></div>"
)


_TD = '<td style="white-space:nowrap">'
"""Every cell keeps to one line: a notebook at 900 px wrapped `us-east-1a` at its hyphens."""
_TH = '<th style="white-space:nowrap">'


def _cell(value: object) -> str:
    return f"{_TD}{html.escape(shorten(str(value), MAX_CELL))}</td>"


def _row(values: Iterable[object]) -> str:
    return "<tr>" + "".join(_cell(v) for v in values) + "</tr>"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], total: int) -> str:
    """A table of the given rows (at most MAX_ROWS of them) out of `total`."""
    head = "<tr>" + "".join(f"{_TH}{html.escape(h)}</th>" for h in header) + "</tr>"
    body = []
    for k, row in enumerate(rows):
        if k == MAX_ROWS:
            break
        body.append(row if isinstance(row, str) else _row(row))
    if total > MAX_ROWS:
        more = f"... and {total - MAX_ROWS} more"
        body.append(f'<tr><td colspan="{len(header)}">{html.escape(more)}</td></tr>')
    return "<table>" + head + "".join(body) + "</table>"


def _caption(text: str) -> str:
    return f"<p><b>{html.escape(shorten(text, 400))}</b></p>"


def _bar(used: int, registered: int) -> str:
    """A utilisation bar and `used / registered` (remaining above registered shows as 0%)."""
    pct = 0.0 if registered <= 0 else min(max(used / registered, 0.0), 1.0) * 100
    color = "#d9534f" if pct >= 90 else "#4a90d9"
    bar = _BAR.format(pct=f"{pct:.0f}", color=color)
    return f"{_TD}{bar} {html.escape(f'{used} / {registered}')}</td>"


def _instance_cells(inst: Any) -> list[str]:
    zone = inst.attributes.get(_ZONE) or ""
    return [
        _cell(inst.name),
        _cell(inst.status + ("" if inst.agent_connected else " (agent disconnected)")),
        _cell(zone),
        _bar(inst.registered_cpu - inst.cpu, inst.registered_cpu),
        _bar(inst.registered_memory - inst.memory, inst.registered_memory),
        _cell(inst.running_tasks_count),
    ]


_INSTANCE_HEADER = ("instance", "status", "zone", "CPU used", "memory used", "tasks")


def _instances_table(
    inventory: Any, extra: Mapping[str, Sequence[object]] | None = None
) -> str:
    """The first rows of `inventory`, plus one column per `extra` entry (a value per row shown)."""
    extra = extra or {}
    shown = range(min(len(inventory), MAX_ROWS))
    rows = [
        "<tr>"
        + "".join(_instance_cells(inventory[i]))
        + "".join(_cell(values[i]) for values in extra.values())
        + "</tr>"
        for i in shown
    ]
    return _table((*_INSTANCE_HEADER, *extra), rows, len(inventory))


def html_table(
    caption: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    total: int | None = None,
    more: str = "",
) -> str:
    """A caption and one bounded table of escaped, unwrapped cells: every result's HTML.

    `rows` may be a generator: only the first `MAX_ROWS` are read; `total` (default: the rows
    read) counts them all for the `... and N more` row. `more` is HTML appended after it.
    """
    kept = []
    for k, row in enumerate(rows):
        if k == MAX_ROWS:
            break
        kept.append(row)
    table = _table(header, kept, len(kept) if total is None else total) if header else ""
    return "<div>" + _caption(caption) + table + more + "</div>"


def reason_rows(
    counts: Mapping[str, int], details: Mapping[str, Sequence[str]] | None = None
) -> list[tuple[str, int]]:
    """(reason with its details, count) per reason: the rows of a reasons table."""
    return [(labelled(reason, details), count) for reason, count in counts.items()]


def _reasons_table(counts: Mapping[str, int]) -> str:
    return _table(("reason", "instances"), reason_rows(counts), len(counts)) if counts else ""


def headroom_html(room: Any) -> str:
    """How many more copies fit, and why the next one would not."""
    return html_table(repr_text(room), ("reason", "instances"), reason_rows(room.reasons),
                      len(room.reasons))  # fmt: skip


def instances_needed_html(answer: Any) -> str:
    """The answer, the placement on the grown inventory, or why the templates stop."""
    if answer.placements is None:
        return html_table(repr_text(answer), ("reason", "instances"),
                          reason_rows(answer.reasons), len(answer.reasons))  # fmt: skip
    return "<div>" + _caption(repr_text(answer)) + result_html(answer.placements) + "</div>"


def deployment_html(deployment: Any) -> str:
    """One row per round (started, stopped, pending, old and new after), and why it stuck."""
    rows = ((k + 1, len(r.started), len(r.stopped), r.pending, r.old, r.new)
            for k, r in enumerate(deployment.rounds))  # fmt: skip
    stuck = "" if deployment.completed else _reasons_table(deployment.pending_reasons)
    return html_table(repr_text(deployment), ("round", "started", "stopped", "pending", "old",
                                              "new"), rows, len(deployment.rounds), stuck)


def scale_in_html(result: Any) -> str:
    """The tasks to stop, in order, with their instances."""
    inventory = result.inventory
    rows = ((k + 1, arn) for k, arn in enumerate(result.stops))
    why = _reasons_table(result.reasons)
    return html_table(repr_text(result), ("order", "task stopped"), rows, len(result.stops),
                      why + _caption(repr(inventory)))  # fmt: skip


def daemon_html(result: Any) -> str:
    """Per instance: whether the daemon starts there, or every reason it cannot."""
    rows = [(arn, "starts") for arn in result.placements[:MAX_ROWS]]
    rows += [(arn, ", ".join(reasons)) for arn, reasons in
             list(result.failures.items())[: MAX_ROWS - len(rows)]]  # fmt: skip
    rows += [(arn, "stops") for arn in result.stops[: max(MAX_ROWS - len(rows), 0)]]
    total = len(result.placements) + len(result.failures) + len(result.stops)
    return html_table(repr_text(result), ("instance / task", "daemon"), rows, total)


def ranking_html(ranking: Any) -> str:
    """The candidates, best first, and how many instances each reason excludes first."""
    counts: dict[str, int] = {}
    for reason in ranking.excluded.values():
        counts[reason] = counts.get(reason, 0) + 1
    ids = ranking.ids[:MAX_ROWS]
    rows = ((k + 1, arn) for k, arn in enumerate(ids))
    return html_table(repr_text(ranking), ("rank", "instance"), rows, len(ranking),
                      _reasons_table(counts))  # fmt: skip


def cluster_state_html(state: Any) -> str:
    """The state's summary and its current instances (the snapshot's table)."""
    snapshot = state.inventory
    return "<div>" + _caption(repr_text(state)) + _instances_table(snapshot) + "</div>"


def repair_html(repair: Any) -> str:
    """One row per fix: complete or partial, its kind, what it changes, copies before/after."""
    rows = (("complete" if f.complete else "partial", f.kind, shorten(f.summary, MAX_CELL),
             f.placed_before, f.placed_after) for f in repair.fixes)  # fmt: skip
    return html_table(f"{repair.question}: {repair.placed} of {repair.requested} placed",
                      ("", "kind", "change", "before", "after"), rows, len(repair.fixes))


def repr_text(value: object) -> str:
    """`repr(value)` without its angle brackets, for a caption."""
    return repr(value).removeprefix("<").removesuffix(">")


def inventory_html(inventory: Any) -> str:
    """The inventory's summary and a table of its first instances with CPU/memory bars."""
    return "<div>" + _caption(repr(inventory)) + _instances_table(inventory) + "</div>"


def result_html(result: Any) -> str:
    """Where the copies went (a count per instance), the failure, and the state afterwards."""
    inventory = result.inventory
    placed_on = Counter(result.placements)
    copies = [placed_on[str(inventory.ids[i])] for i in range(min(len(inventory), MAX_ROWS))]
    parts = [_caption(f"placed {result.placed} of {result.requested} copies")]
    for failure in result.failures:
        last = failure.index + failure.count - 1
        span = f"copy {failure.index}" if failure.count == 1 else f"copies {failure.index}-{last}"
        parts.append(
            f"<p>{html.escape(span)} fit nowhere; instances excluded by first reason:</p>"
        )
        rows = reason_rows(failure.reasons, failure.details)
        parts.append(_table(("reason", "instances"), rows, len(rows)))
    parts.append(_instances_table(inventory, {"copies placed": copies}))
    return "<div>" + "".join(parts) + "</div>"


def explanation_html(explanation: Any) -> str:
    """The expression, how many instances match, and each clause with what it rejected."""
    n = len(explanation)
    ids = explanation.ids
    rows = []
    for clause in explanation.clauses[:MAX_ROWS]:
        rejected = [str(ids[r]) for r in np.flatnonzero(clause.rejected)[:3]]
        more = f", +{clause.rejected_count - 3} more" if clause.rejected_count > 3 else ""
        shown = clause.text + (" (holds, under not)" if clause.negated else "")
        rows.append((shown, clause.rejected_count, ", ".join(rejected) + more))
    caption = f"{explanation.matches_count} of {n} instances match {explanation.expression}"
    table = _table(("clause", "rejected", "e.g."), rows, len(explanation.clauses))
    return "<div>" + _caption(caption) + table + "</div>"


def placement_explanation_html(explanation: Any) -> str:
    """How many instances can take one more copy, each reason's count, and each instance."""
    inventory = explanation.inventory
    n = len(inventory)
    counts = explanation.counts()
    caption = f"{int(explanation.eligible.sum())} of {n} instances can take the task"
    rows = reason_rows(counts, explanation.details())
    reasons = []
    for i in range(min(n, MAX_ROWS)):
        codes = explanation.reasons(i)
        # Only an instance excluded for an attribute or a port has details worth a lookup.
        own = explanation.details(i) if R.ATTRIBUTE in codes or R.PORTS in codes else {}
        reasons.append(", ".join(labelled(code, own) for code in codes) or "eligible")
    return (
        "<div>"
        + _caption(caption)
        + _table(("reason", "instances"), rows, len(rows))
        + _instances_table(inventory, {"reasons": reasons})
        + "</div>"
    )
