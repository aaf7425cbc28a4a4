"""Test configuration: hypothesis profiles.

The default profile keeps the suite within a few minutes on a 2-core machine. Long fuzz runs
scale every property test: `PLACEMENT_FUZZ_EXAMPLES=20000 python -m pytest`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_examples = int(os.environ.get("PLACEMENT_FUZZ_EXAMPLES", "100"))

settings.register_profile(
    "placement",
    max_examples=_examples,
    deadline=None,  # shared CI machines are noisy; speed is measured in benchmarks/, not here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile("placement")


def examples(scale: float = 1.0) -> int:
    """A test's example count, scaled from the profile's (for the heavier properties)."""
    return max(10, int(_examples * scale))
