"""Kept so `placement.place.explain` still imports.

Placement explanations live in `placement.explain.placement`, beside the expression
explanations they share their instance keys and report lines with.
"""

from ..explain.placement import PlacementExplanation, explain_placement

__all__ = ["PlacementExplanation", "explain_placement"]
