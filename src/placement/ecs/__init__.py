"""The ECS wire formats, in and out (see the modules)."""

from __future__ import annotations

from .instances import *  # noqa: F403
from .instances import __all__  # noqa: F401
