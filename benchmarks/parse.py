"""Parse throughput: placement (uncached and cached) against cel-python compiling equivalent CEL.

Run: python benchmarks/parse.py [--repeats N]

Each figure is the median over N repeats (default 7) of a timeit loop sized by
`Timer.autorange` (at least 0.2 s per repeat). cel-python is measured only when `import celpy`
works; its ratio column is placement's uncached parses/s divided by cel-python's compiles/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import timeit
from collections.abc import Callable

import placement
from placement.syntax import parse_uncached

SHORT = "attribute:ecs.instance-type == t2.small"
LONG = (
    "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone in "
    "[us-east-1a, us-east-1b] and not(task:group == service:db) or "
    "(attribute:stack == prod and runningTasksCount < 4 and agentVersion >= 1.14)"
)
# The same conditions in CEL, over a map of attributes and a few scalar variables.
CEL_SHORT = 'attributes["ecs.instance-type"] == "t2.small"'
CEL_LONG = (
    'attributes["ecs.instance-type"].matches("^t2.*$") && attributes["ecs.availability-zone"] in '
    '["us-east-1a", "us-east-1b"] && !("service:db" in task_groups) || '
    '(attributes["stack"] == "prod" && running_tasks_count < 4 && agent_version >= "1.14")'
)

TARGETS = {
    ("uncached", "long"): 8_000,
    ("cached", "short"): 1_000_000,
    ("cached", "long"): 1_000_000,
}


def rate(func: Callable[[], object], repeats: int) -> float:
    """Median calls per second over `repeats` timeit runs."""
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    times = timer.repeat(repeat=repeats, number=number)
    return number / statistics.median(times)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--repeats", type=int, default=7)
    repeats = max(5, args.parse_args().repeats)

    print("command:", " ".join([os.path.basename(sys.executable), *sys.argv]))
    print("python:", platform.python_version(), platform.python_implementation())
    print("cpus:", os.cpu_count(), "| machine:", platform.machine(), platform.processor() or "")
    print(f"placement {placement.__version__}; medians of {repeats} repeats")
    print(f"short: {len(SHORT)} chars: {SHORT}")
    print(f"long:  {len(LONG)} chars: {LONG}")

    # Warm up (tables are built on first use), and check both texts parse.
    for text in (SHORT, LONG):
        assert parse_uncached(text) == placement.parse(text)

    try:
        import celpy
    except ImportError:
        celpy = None
    if celpy is not None:
        env = celpy.Environment()
        env.compile(CEL_SHORT)
        env.compile(CEL_LONG)

    rows: list[tuple[str, str, int, float, str, str]] = []
    results: dict[tuple[str, str], float] = {}
    for size, text in (("short", SHORT), ("long", LONG)):
        uncached = rate(lambda t=text: parse_uncached(t), repeats)
        cached = rate(lambda t=text: placement.parse(t), repeats)
        results["uncached", size] = uncached
        results["cached", size] = cached
        rows.append(("placement uncached", size, len(text), uncached, "", ""))
        rows.append(("placement cached", size, len(text), cached, "", ""))
        if celpy is not None:
            cel_text = CEL_SHORT if size == "short" else CEL_LONG
            cel = rate(lambda t=cel_text: env.compile(t), repeats)
            rows.append(
                ("cel-python compile", size, len(cel_text), cel, f"{uncached / cel:.1f}x", "")
            )

    def target(kind: str, size: str) -> str:
        want = TARGETS.get((kind, size))
        if want is None:
            return ""
        got = results[kind, size]
        return f">= {want:,} ({'met' if got >= want else 'MISSED'})"

    print()
    header = ("parser", "expr", "chars", "per second", "placement/cel", "target")
    widths = (20, 6, 6, 14, 14, 24)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for name, size, chars, per_s, ratio, _ in rows:
        kind = "uncached" if "uncached" in name else "cached" if "cached" in name else ""
        goal = target(kind, size) if name.startswith("placement") else ""
        cells = (name, size, str(chars), f"{per_s:,.0f}", ratio, goal)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    if celpy is None:
        print("\n(cel-python not installed: `import celpy` failed; no CEL column)")


if __name__ == "__main__":
    main()
