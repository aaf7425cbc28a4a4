"""Hostile review of the unknown-attribute warnings: they must not fire where the name is right."""

from __future__ import annotations

import warnings

import pytest

from placement import (
    Instance,
    Inventory,
    TaskSpec,
    UnknownAttributeWarning,
    instances_needed,
    place,
    repair,
)

TASK = TaskSpec(cpu=10, memory=10)
RULE = "memberOf(attribute:tier == gpu)"


def _inventory() -> Inventory:
    return Inventory.from_instances([Instance(arn="a", cpu=100, memory=100)])


def test_needs_does_not_warn_about_an_attribute_only_the_templates_have() -> None:
    # The cluster has no `tier` yet: the templates bring it, which is why they are asked for.
    # Before the fix: "attribute 'tier' ... exists on no instance of the inventory".
    template = Instance(arn="t", cpu=100, memory=100, attributes={"tier": "gpu"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownAttributeWarning)
        answer = instances_needed(_inventory(), TASK, 20, [template], constraints=[RULE])
    assert answer.instances == 2


def test_needs_still_warns_about_a_name_neither_has() -> None:
    template = Instance(arn="t", cpu=100, memory=100, attributes={"tier": "gpu"})
    rule = "memberOf(attribute:tire == gpu or attribute:tier == gpu)"
    with pytest.warns(UnknownAttributeWarning, match="did you mean 'tier'"):
        instances_needed(_inventory(), TASK, 1, [template], constraints=[rule])


def test_place_warns_and_an_empty_inventory_does_not() -> None:
    with pytest.warns(UnknownAttributeWarning, match="'tier'"):
        place(_inventory(), TASK, 1, constraints=[RULE])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownAttributeWarning)
        place(Inventory.from_instances([]), TASK, 1, constraints=[RULE])


def test_repair_warns_once_and_not_about_template_attributes() -> None:
    template = Instance(arn="t", cpu=100, memory=100, attributes={"tier": "gpu"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownAttributeWarning)
        answer = repair(_inventory(), TASK, 20, constraints=[RULE], templates=[template])
    assert "add-instances" in [fix.kind for fix in answer.fixes]
    # Without templates it warns, once: the variants it places do not warn again.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        repair(_inventory(), TASK, 20, constraints=[RULE])
    assert [str(w.message).split(" in ")[0] for w in caught] == ["attribute 'tier'"]
