"""Where front ends register what the core classes offer for them.

`Inventory.from_k8s` and `TaskSpec.from_k8s` (and the Nomad ones, later) are the core classes'
methods, but the formats they read belong to their front end (`placement.k8s`). Each front end
registers its readers here when it is imported (`import placement` imports them all), so the
core never imports a front end and a front end may build on the whole core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import PlacementInputError

__all__ = ["register", "reader"]

_READERS: dict[tuple[str, str], Callable[..., Any]] = {}


def register(kind: str, dialect: str, read: Callable[..., Any]) -> None:
    """Register `read` as the `dialect` reader of `kind` (`inventory` or `task`)."""
    _READERS[(kind, dialect)] = read


def reader(kind: str, dialect: str) -> Callable[..., Any]:
    """The registered reader (its front end not imported: a clear error, not an AttributeError)."""
    read = _READERS.get((kind, dialect))
    if read is None:
        raise PlacementInputError(
            f"the {dialect} front end is not loaded: import placement.{dialect}"
        )
    return read
