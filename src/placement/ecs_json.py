"""ECS JSON straight from bytes, text or a file: now `placement.ecs.fast` (kept for importers)."""

from __future__ import annotations

from .ecs.fast import HAVE_MSGSPEC, load_json, paused_gc

__all__ = ["load_json", "HAVE_MSGSPEC", "paused_gc"]
