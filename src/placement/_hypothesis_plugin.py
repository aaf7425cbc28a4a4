"""Hypothesis strategies for every public type: `st.from_type(placement.Inventory)` works.

`register()` runs once per process, whichever comes first: hypothesis' entry point
(`_placement_hypothesis`, a top-level module, so that importing hypothesis does not import
placement) when placement is already imported, or `placement/__init__.py` when hypothesis is.
The strategies themselves are built on first draw, from `placement.testing`.
"""

from __future__ import annotations

import sys
from typing import Any

_registered = False


def _hypothesis_setup_hook() -> None:
    # Installs made when the entry point named this function still call it; same behaviour.
    if "placement" in sys.modules:
        register()


# Each public type and the `placement.testing` function that draws it.
_STRATEGIES: tuple[tuple[str, str, str], ...] = (
    ("placement.syntax.ast", "Expression", "expressions"),
    ("placement.syntax.ast", "Comparison", "comparisons"),
    ("placement.syntax.ast", "And", "and_expressions"),
    ("placement.syntax.ast", "Or", "or_expressions"),
    ("placement.syntax.ast", "Not", "not_expressions"),
    ("placement.syntax.literals", "Version", "versions"),
    ("placement.syntax.literals", "Timestamp", "timestamps"),
    ("placement.instance", "Instance", "instances"),
    ("placement.instance", "Task", "running_tasks"),
    ("placement.inventory", "Inventory", "inventories"),
    ("placement.place.task", "TaskSpec", "tasks"),
    ("placement.place.rules", "MemberOf", "member_ofs"),
    ("placement.place.rules", "DistinctInstance", "distinct_instances"),
    ("placement.place.rules", "MaxPer", "max_pers"),
    ("placement.place.rules", "TopologySpread", "topology_spreads"),
    ("placement.place.rules", "Binpack", "binpacks"),
    ("placement.place.rules", "Spread", "spreads"),
    ("placement.place.rules", "Random", "randoms"),
)


def register() -> None:
    """Register a strategy for every public placement type with `st.from_type` (once)."""
    global _registered
    if _registered:
        return
    _registered = True
    import importlib

    from hypothesis import strategies as st

    def lazy(name: str) -> Any:
        # A function, not a strategy: hypothesis calls it when `from_type` first needs it, so
        # placement.testing is imported then, not at registration (a strategy, deferred or not,
        # is built at once: registering checks whether it is empty).
        def build(_kind: type) -> Any:
            from . import testing

            return getattr(testing, name)()

        return build

    for module, type_name, strategy in _STRATEGIES:
        st.register_type_strategy(
            getattr(importlib.import_module(module), type_name), lazy(strategy)
        )
