"""`instances_needed` refuses a template that cannot take one copy of the task, saying why.

Cloning a DRAINING template, one too small for the task, one lacking a required attribute or
one a constraint rejects adds instances that take nothing: the count it reports would be
wrong (round-robin clones of the useless template counted in) or would hide the real fault.
Each template is judged as a fresh instance of its own (no tasks), the way new instances start.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import PlacementInputError
from ..instance import Instance
from ..inventory import Inventory
from ..place import reasons as R
from ..place.details import reason_details
from ..place.masks import reason_masks
from ..place.task import TaskSpec
from ..rules.base import Constraint
from ..text import shorten

__all__ = ["refuse_unusable_templates", "TemplateRefusedError"]


class TemplateRefusedError(PlacementInputError):
    """A template cannot take one copy of the task as a new instance (its clones take none).

    Callers that ask `instances_needed` on the user's behalf (a repair, managed scaling) catch
    it and answer "no number of new instances helps"; users see it as a `PlacementInputError`.
    """


def _why(reason: str, template: Instance, task: TaskSpec, details: dict[str, tuple[str, ...]]
         ) -> str:  # fmt: skip
    if reason == R.AGENT:
        said = [f"status {template.status}"] + ([] if template.agent_connected
                                                 else ["agent disconnected"])  # fmt: skip
        return f"{reason} ({', '.join(said)})"
    if reason == R.CPU:
        return f"{reason} ({template.cpu} CPU units left, the task reserves {task.cpu})"
    if reason == R.MEMORY:
        return f"{reason} ({template.memory} MiB left, the task reserves {task.memory})"
    if reason == R.GPU:
        return f"{reason} ({template.gpus} GPUs left, the task reserves {task.gpus})"
    return R.labelled(reason, details)


def refuse_unusable_templates(
    sample: Inventory,
    templates: Sequence[Instance],
    task: TaskSpec,
    rules: Sequence[Constraint],
    eligibility_only: bool,
) -> None:
    """Raise `TemplateRefusedError` naming every template whose fresh instance refuses a copy.

    `sample` holds one fresh instance per template, in order. With `eligibility_only` (a rule
    may tell new instances apart by their ids, which later instances do not share with the
    sample) only the agent, attributes and resources are judged.
    """
    masks = reason_masks(sample, task, rules)
    if eligibility_only:
        masks = {reason: masks[reason] for reason in R.ELIGIBILITY}
    refused = np.zeros(len(sample), dtype=bool)
    for mask in masks.values():
        refused |= mask
    if not refused.any():
        return
    parts = []
    # A Kubernetes or Nomad task hears its own system's words (without the ECS figures).
    worded = R.worded(task, sample, rules, masks)
    for row in np.flatnonzero(refused).tolist():
        if worded is not None:
            said = [words for words, _, mask in worded if mask[row]]
            parts.append(f"templates[{row}] ({shorten(templates[row].name, 60)}): "
                         f"{'; '.join(said)}")  # fmt: skip
            continue
        one = np.zeros(len(sample), dtype=bool)
        one[row] = True
        own = {reason: mask & one for reason, mask in masks.items()}
        details = reason_details(sample, task, own)
        template = templates[row]
        whys = [_why(reason, template, task, details) for reason, mask in own.items()
                if mask[row]]  # fmt: skip
        parts.append(f"templates[{row}] ({shorten(template.name, 60)}): {'; '.join(whys)}")
    noun = "a template that cannot" if len(parts) == 1 else "templates that cannot"
    raise TemplateRefusedError(
        f"{noun} take one copy of the task as a new instance (its clones would take none): "
        + " | ".join(parts)
    )
