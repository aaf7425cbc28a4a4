"""The import graph of src/placement, drawn with `ast`: at most one cycle, and it is the known one.

Every import counts: module level, inside functions and under `TYPE_CHECKING`. The one cycle
left is expression evaluation (docs/architecture.md): `Expression.evaluate(inventory)` and
`.matches(instance)` call the evaluators, which read the tree and the inventory's columns, and
`Inventory.filter(text)` parses. Anything else that closes a loop fails here, naming it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import placement

ROOT = Path(placement.__file__).parent

EXPRESSION_CYCLE = {
    "placement.syntax.ast",
    "placement.syntax.parser",
    "placement.evaluate.scalar",
    "placement.evaluate.vector",
    "placement.inventory",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (any import statement anywhere in it)."""
    modules = _modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                # `from . import x` imports the module x; `from .m import y` imports m.
                named = [f"{target}.{alias.name}" for alias in node.names]
                found = [m for m in named if m in modules] or [target]
            elif isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            else:
                continue
            edges[name].update(m for m in found if m in modules and m != name)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(component)
    return out


def test_the_graph_is_drawn_from_every_import() -> None:
    edges = graph()
    # A function-level import and a TYPE_CHECKING import are both edges.
    assert "placement.evaluate.vector" in edges["placement.syntax.ast"]
    assert "placement.inventory" in edges["placement.syntax.ast"]
    assert "placement.rules.base" in edges["placement.place.masks"]


def test_at_most_one_cycle_and_it_is_expression_evaluation() -> None:
    found = cycles(graph())
    assert len(found) <= 1, [sorted(c) for c in found]
    for component in found:
        assert component == EXPRESSION_CYCLE, sorted(component)


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert cycles(edges) == [{"a", "b", "c"}]
