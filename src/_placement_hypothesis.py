"""Hypothesis' entry point for placement, kept outside the package so that loading it is free.

Hypothesis imports every plugin when it is itself imported, in every program where placement
is installed. A hook inside `placement` would import the package, and with it numpy, lark and
re2 (~150 ms), before any placement code is wanted. This module imports only `sys`: it
registers placement's strategies when placement is already imported, and otherwise leaves it
to `placement/__init__.py`, which registers them when hypothesis is already imported.
"""

from __future__ import annotations

import sys


def _hypothesis_setup_hook() -> None:
    if "placement" in sys.modules:
        from placement._hypothesis_plugin import register

        register()
