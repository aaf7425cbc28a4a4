"""Random draws for the `random` strategy, shared by every placer so that they agree."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .rules import Random, Strategy

__all__ = ["random_generators"]


def random_generators(strategy: Sequence[Strategy], seed: int | None) -> list[np.random.Generator]:
    """One generator per `random` strategy, seeded by the strategy or else by `seed`.

    Every placer draws `rng.random(len(inventory))` from each, once per copy, in chain order, so
    they agree even on random placements.
    """
    out = []
    for position, rule in enumerate(strategy):
        if isinstance(rule, Random):
            own = rule.seed if rule.seed is not None else seed
            out.append(np.random.default_rng(None if own is None else [own, position]))
    return out
