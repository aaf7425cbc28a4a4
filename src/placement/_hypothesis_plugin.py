"""Hypothesis plugin: lets `st.from_type(placement.Expression)` (and friends) work.

Hypothesis calls the hook at import time (through the `hypothesis` entry point), unless
HYPOTHESIS_NO_PLUGINS is set. It only registers strategies; the strategies themselves are built
lazily, so importing hypothesis stays cheap for users.
"""

from __future__ import annotations


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from .instance import Instance
    from .inventory import Inventory
    from .syntax.ast import Comparison, Expression

    def lazy(name: str) -> st.SearchStrategy[object]:
        # placement.testing is imported on first draw, not when hypothesis loads its plugins.
        def build() -> st.SearchStrategy[object]:
            from . import testing

            return getattr(testing, name)()  # type: ignore[no-any-return]

        return st.deferred(build)

    st.register_type_strategy(Expression, lazy("expressions"))
    st.register_type_strategy(Comparison, lazy("comparisons"))
    st.register_type_strategy(Instance, lazy("instances"))
    st.register_type_strategy(Inventory, lazy("inventories"))
