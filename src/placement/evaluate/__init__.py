"""Evaluators: `scalar` (one instance, the reference) and `vector` (a whole inventory)."""
