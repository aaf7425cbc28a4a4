"""Placing tasks: resource fit, constraints, strategy chains, two placers that agree."""
