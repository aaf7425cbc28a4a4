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
    "explanation_html", "placement_explanation_html",
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


def _cell(value: object) -> str:
    return f"<td>{html.escape(shorten(str(value)))}</td>"


def _row(values: Iterable[object]) -> str:
    return "<tr>" + "".join(_cell(v) for v in values) + "</tr>"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], total: int) -> str:
    """A table of the given rows (at most MAX_ROWS of them) out of `total`."""
    head = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"
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
    return f"<td>{bar} {html.escape(f'{used} / {registered}')}</td>"


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
        rows = [(failure.label(reason), n) for reason, n in failure.reasons.items()]
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
    details = explanation.details()
    rows = [(labelled(reason, details), count) for reason, count in counts.items()]
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
