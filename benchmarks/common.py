"""What every benchmark script shares: the median timer and the header naming the run."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """The median wall time of `runs` calls of `fn`, and what the last call returned."""
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def print_header() -> None:
    """The command that produced the table, and the machine it ran on."""
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    print(f"machine: {platform.machine()} {platform.system()}, os.cpu_count()={os.cpu_count()}, "
          f"python {platform.python_version()}, numpy {np.__version__}")  # fmt: skip
