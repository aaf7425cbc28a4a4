"""The language: grammar, parser, tree, printer and typed literals."""

from .ast import KEYWORDS, And, Comparison, Expression, Not, Op, Or, Subject, SubjectKind, Value
from .builders import (
    Field,
    agent_connected,
    agent_version,
    attribute,
    ec2_instance_id,
    registered_at,
    running_tasks_count,
    task_group,
)
from .literals import Timestamp, Version
from .parser import MAX_DEPTH, MAX_LENGTH, parse, parse_uncached

__all__ = [
    "KEYWORDS", "MAX_DEPTH", "MAX_LENGTH", "And", "Comparison", "Expression", "Field", "Not", "Op",
    "Or", "Subject", "SubjectKind", "Timestamp", "Value", "Version", "agent_connected",
    "agent_version", "attribute", "ec2_instance_id", "parse", "parse_uncached", "registered_at",
    "running_tasks_count", "task_group",
]  # fmt: skip
