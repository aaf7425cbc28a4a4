"""`placement.Service.from_ecs`: a DescribeServices element, read and checked once."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from cli_helpers import inventory as inventory_of_examples
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from placement import InventoryError, PlacementError, Service

DESCRIBED: dict[str, Any] = {
    "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
    "serviceName": "web",
    "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
    "status": "ACTIVE",
    "desiredCount": 12,
    "runningCount": 10,
    "launchType": "EC2",
    "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
    "deploymentConfiguration": {
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "maximumPercent": 150,
        "minimumHealthyPercent": 50,
    },
    "placementConstraints": [{"type": "memberOf", "expression": "attribute:stack == prod"}],
    "placementStrategy": [
        {"type": "spread", "field": "attribute:ecs.availability-zone"},
        {"type": "binpack", "field": "memory"},
    ],
    "capacityProviderStrategy": [{"capacityProvider": "spot", "weight": 3, "base": 1}],
    "schedulingStrategy": "REPLICA",
    "createdAt": "2024-05-01T12:34:56.789000+00:00",
}


def test_a_described_service() -> None:
    service = Service.from_ecs(json.loads(json.dumps(DESCRIBED)))
    assert service.name == "web"
    assert service.group == "service:web"
    assert service.task_definition == DESCRIBED["taskDefinition"]
    assert service.desired_count == 12
    assert (service.minimum_healthy_percent, service.maximum_percent) == (50, 150)
    assert list(service.constraints) == DESCRIBED["placementConstraints"]
    assert list(service.strategy) == DESCRIBED["placementStrategy"]
    assert list(service.capacity_provider_strategy) == DESCRIBED["capacityProviderStrategy"]
    assert (service.launch_type, service.scheduling_strategy) == ("EC2", "REPLICA")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        service.desired_count = 3  # type: ignore[misc]


def test_the_rules_place_as_given() -> None:
    # What the service holds is what the placer takes.
    service = Service.from_ecs(DESCRIBED)
    inventory = inventory_of_examples()
    assert service.group is not None
    task = placement.TaskSpec(cpu=128, memory=128, group=service.group)
    result = placement.place(inventory, task, count=2, constraints=service.constraints,
                             strategy=service.strategy, seed=1)  # fmt: skip
    prod = {i.arn for i in inventory if i.attributes.get("stack") == "prod"}
    assert result.placements and set(result.placements) <= prod


def test_missing_fields_take_ecs_defaults() -> None:
    service = Service.from_ecs({"serviceName": "api"})
    assert service == Service(name="api", group="service:api", task_definition=None,
                              desired_count=0, constraints=(), strategy=())  # fmt: skip
    assert (service.minimum_healthy_percent, service.maximum_percent) == (100, 200)
    assert service.capacity_provider_strategy == ()
    nulls = dict.fromkeys(DESCRIBED)
    empty = Service(name=None, group=None, task_definition=None, desired_count=0,
                    constraints=(), strategy=())  # fmt: skip
    assert Service.from_ecs(nulls) == empty
    assert Service.from_ecs({"deploymentConfiguration": {}}).maximum_percent == 200


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"desiredCount": "4"}, ["service 'web'", "desiredCount must be a whole number", "'4'"]),
        ({"desiredCount": -1}, ["desiredCount must be a whole number"]),
        ({"desiredCount": True}, ["desiredCount must be a whole number"]),
        ({"desiredCount": 1e20}, ["desiredCount must be a whole number"]),
        ({"deploymentConfiguration": []}, ["deploymentConfiguration must be an object"]),
        ({"deploymentConfiguration": {"maximumPercent": 1.5}},
         ["deploymentConfiguration.maximumPercent must be a whole number"]),
        ({"placementStrategy": 5}, ["placementStrategy must be a list"]),
        ({"placementConstraints": ["distinctInstance"]}, ["placementConstraints[0]",
                                                         "must be an object"]),
        ({"taskDefinition": 7}, ["taskDefinition must be a string"]),
        ({"serviceName": ""}, ["serviceName must be a non-empty string"]),
        ({"capacityProviderStrategy": [{"weight": 1}]},
         ["capacityProviderStrategy[0].capacityProvider"]),
        ({"capacityProviderStrategy": [{"capacityProvider": "a", "weight": 1001}]},
         ["capacityProviderStrategy[0].weight", "0 to 1,000"]),
        ({"capacityProviderStrategy": [{"capacityProvider": "a", "base": -1}]},
         ["capacityProviderStrategy[0].base"]),
        ({"capacityProviderStrategy": {"capacityProvider": "a"}},
         ["capacityProviderStrategy must be a list"]),
    ],
)  # fmt: skip
def test_junk_names_the_field(change: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(InventoryError) as caught:
        Service.from_ecs({**DESCRIBED, **change})
    for word in words:
        assert word in str(caught.value)


def test_not_an_object_and_where() -> None:
    with pytest.raises(InventoryError, match="expected a service object, got list"):
        Service.from_ecs([DESCRIBED])
    with pytest.raises(InventoryError, match=r"^service file 'x\.json': desiredCount"):
        Service.from_ecs({**DESCRIBED, "desiredCount": "x"}, where="service file 'x.json'")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)  # fmt: skip
FIELDS = st.sampled_from([*DESCRIBED, "deploymentConfiguration.maximumPercent",
                          "capacityProviderStrategy.0.weight", "placementStrategy.1"])  # fmt: skip


@settings(max_examples=examples())
@given(FIELDS, JSON)
def test_any_value_anywhere_is_a_service_or_an_inventory_error(field: str, value: Any) -> None:
    document = json.loads(json.dumps(DESCRIBED))
    *parents, last = field.split(".")
    target: Any = document
    for step in parents:
        target = target[int(step)] if isinstance(target, list) else target[step]
    target[int(last) if isinstance(target, list) else last] = value
    try:
        service = Service.from_ecs(document)
    except InventoryError as exc:
        message = str(exc)
    else:
        assert service.desired_count >= 0 and service.maximum_percent >= 0
        return
    assert field.split(".")[0] in message or "serviceName" in message


def test_the_cli_names_the_file(tmp_path: Any) -> None:
    from placement.cli.service import service_number

    with pytest.raises(PlacementError, match=r"^service file 's\.json': desiredCount must be"):
        service_number({"desiredCount": "x"}, "desiredCount", "service file 's.json'", 0)
