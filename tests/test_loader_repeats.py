"""`from_ecs_json` on fleets whose instances repeat their lists, as real fleets do.

The typed decode reads each distinct attribute or resource list once and gives every row its
list's values. Fleets here draw each instance's lists from a small pool (so lists repeat, some
in other rows' order), with a name sometimes listed twice and ports in any order or missing;
the inventory, and the columns' dictionaries (first-seen order), must be `from_ecs`'s.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_inventory_loaders import same_everywhere

from placement.inventory import Inventory

_NAMES = ("ecs.instance-type", "ecs.availability-zone", "custom.team", "custom.flag")
_VALUES = ("a", "b", "m5.large", None)

_attribute = st.builds(
    lambda name, value: {"name": name} if value is None else {"name": name, "value": value},
    st.sampled_from(_NAMES),
    st.sampled_from(_VALUES),
)
_attribute_lists = st.lists(_attribute, max_size=4)
_ports = st.lists(st.sampled_from(["22", "80", "2376", "51678"]), max_size=4) | st.lists(
    st.sampled_from(["22", "80", "2376", "51678"]), unique=True, max_size=4
).map(lambda ports: sorted(ports, key=int))  # as ECS writes them: distinct and ascending


def _amount(name: str) -> Any:
    return st.builds(
        lambda value, long: {"name": name, "type": "LONG" if long else "INTEGER",
                             "longValue" if long else "integerValue": value},
        st.integers(0, 8192), st.booleans(),
    )  # fmt: skip


_resource = st.one_of(
    _amount("CPU"),
    _amount("MEMORY"),
    st.builds(
        lambda ids: {"name": "GPU", "type": "STRINGSET", "stringSetValue": ids},
        st.lists(st.sampled_from(["g0", "g1"]), max_size=2),
    ),
    st.builds(
        lambda ports: {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ports}, _ports
    ),
    st.builds(
        lambda ports: {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": ports}, _ports
    ),
)
_resource_lists = st.builds(
    lambda some, ports: some if ports is None else [*some, ports],
    st.lists(_resource, max_size=5),
    st.none() | st.builds(lambda ports: {"name": "PORTS", "type": "STRINGSET",
                                         "stringSetValue": ports}, _ports),
)  # fmt: skip


@st.composite
def fleets(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Instances whose lists come from a pool of a few (so most repeat)."""
    attributes = draw(st.lists(_attribute_lists, min_size=1, max_size=3))
    resources = draw(st.lists(_resource_lists, min_size=1, max_size=3))
    n = draw(st.integers(1, 12))
    return [
        {
            "containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/c/{i}",
            "attributes": draw(st.sampled_from(attributes)),
            "remainingResources": draw(st.sampled_from(resources)),
            "registeredResources": draw(st.sampled_from(resources)),
        }
        for i in range(n)
    ]


@settings(max_examples=examples())
@given(fleets())
def test_repeated_lists_read_as_from_ecs(instances: list[dict[str, Any]]) -> None:
    kind, _ = same_everywhere(instances)
    if kind != "ok":
        return
    fast = Inventory.from_ecs_json(json.dumps(instances).encode())
    plain = Inventory.from_ecs(instances)
    assert list(fast.attributes) == list(plain.attributes)
    for name, column in fast.attributes.items():
        assert column.values == plain.attributes[name].values
        assert column.codes.tolist() == plain.attributes[name].codes.tolist()
    for ports in ("ports", "udp_ports"):
        mine, theirs = getattr(fast, ports), getattr(plain, ports)
        assert mine.indptr.tolist() == theirs.indptr.tolist()
        assert mine.items.tolist() == theirs.items.tolist()
