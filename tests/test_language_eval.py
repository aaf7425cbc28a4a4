"""Evaluation on one instance: every AWS example, then a truth table per subject and operator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import placement
from placement import Instance

UTC = dt.timezone.utc


def inst(**kwargs: Any) -> Instance:
    kwargs.setdefault("arn", "arn:aws:ecs:us-east-1:1:container-instance/x")
    return Instance(**kwargs)


def holds(text: str, instance: Instance) -> bool:
    expr = placement.parse(text)
    result = expr.matches(instance)
    assert isinstance(result, bool)
    # the canonical text means the same thing
    assert placement.parse(str(expr)).matches(instance) is result
    return result


T2_SMALL_1A = inst(
    attributes={"ecs.instance-type": "t2.small", "ecs.availability-zone": "us-east-1a"}
)
T2_MEDIUM_1B = inst(
    attributes={"ecs.instance-type": "t2.medium", "ecs.availability-zone": "us-east-1b"}
)
G2_1D = inst(attributes={"ecs.instance-type": "g2.2xlarge", "ecs.availability-zone": "us-east-1d"})
G2_1C = inst(attributes={"ecs.instance-type": "g2.8xlarge", "ecs.availability-zone": "us-east-1c"})
M5_1A = inst(attributes={"ecs.instance-type": "m5.large", "ecs.availability-zone": "us-east-1a"})
BARE = inst()  # no attributes, no tasks


# ---------------------------------------------------------------------------------------------
# reference/ecs-cql.md §1.6, items 1-9, 11-20 and 22.


def test_aws_1_instance_type() -> None:
    text = "attribute:ecs.instance-type == t2.small"
    assert holds(text, T2_SMALL_1A)
    assert not holds(text, T2_MEDIUM_1B)
    assert not holds(text, BARE)
    assert not holds(text, inst(attributes={"ecs.instance-type": "T2.small"}))  # case-sensitive


def test_aws_2_availability_zone_in() -> None:
    text = "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"
    assert holds(text, T2_SMALL_1A)
    assert holds(text, T2_MEDIUM_1B)
    assert not holds(text, G2_1D)
    assert not holds(text, BARE)


def test_aws_3_g2_outside_1d() -> None:
    text = "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d"
    assert holds(text, G2_1C)
    assert not holds(text, G2_1D)
    assert not holds(text, T2_SMALL_1A)
    # a G2 instance without an availability zone: `!=` on an absent attribute is false
    assert not holds(text, inst(attributes={"ecs.instance-type": "g2.2xlarge"}))


def test_aws_4_task_affinity() -> None:
    text = "task:group == service:production"
    assert holds(text, inst(task_groups={"service:production": 2}))
    assert holds(text, inst(task_groups={"service:production": 1, "service:web": 1}))
    assert not holds(text, inst(task_groups={"service:web": 1}))
    assert not holds(text, BARE)


def test_aws_5_task_anti_affinity() -> None:
    text = "not(task:group == database)"
    assert holds(text, BARE)
    assert holds(text, inst(task_groups={"service:web": 3}))
    assert not holds(text, inst(task_groups={"database": 1}))
    assert not holds(text, inst(task_groups={"database": 1, "service:web": 1}))
    # `task:group != database` is not anti-affinity: true if any other group runs
    assert holds("task:group != database", inst(task_groups={"database": 1, "service:web": 1}))
    assert not holds("task:group != database", BARE)


def test_aws_6_running_tasks_count() -> None:
    text = "runningTasksCount == 1"
    assert holds(text, inst(running_tasks_count=1))
    assert not holds(text, inst(running_tasks_count=0))
    assert not holds(text, inst(running_tasks_count=2))


def test_aws_7_agent_version() -> None:
    text = "agentVersion < 1.14.5"
    assert holds(text, inst(agent_version="1.9.0"))
    assert not holds(text, inst(agent_version="1.14.5"))
    assert not holds(text, inst(agent_version="1.20.0"))
    assert holds(text, inst(agent_version="1.14.4"))
    assert holds(text, inst(agent_version="1.14"))
    assert not holds(text, inst())  # no version: false


def test_aws_8_registered_at() -> None:
    text = "registeredAt < 2018-02-13"
    assert holds(text, inst(registered_at=dt.datetime(2018, 2, 12, 23, 59, 59, tzinfo=UTC)))
    assert not holds(text, inst(registered_at=dt.datetime(2018, 2, 13, tzinfo=UTC)))
    assert not holds(text, inst(registered_at=dt.datetime(2018, 3, 1, tzinfo=UTC)))
    # 2018-02-13T00:30+01:00 is 2018-02-12T23:30Z: before UTC midnight
    plus_one = dt.timezone(dt.timedelta(hours=1))
    assert holds(text, inst(registered_at=dt.datetime(2018, 2, 13, 0, 30, tzinfo=plus_one)))
    assert not holds(text, inst())


def test_aws_9_ec2_instance_id_in() -> None:
    text = "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']"
    assert holds(text, inst(ec2_instance_id="i-abcd1234"))
    assert holds(text, inst(ec2_instance_id="i-wxyx7890"))
    assert not holds(text, inst(ec2_instance_id="i-00000000"))
    assert not holds(text, inst())


@pytest.mark.parametrize(
    ("text", "yes", "no"),
    [
        ("attribute:ecs.instance-type == g2.2xlarge", [G2_1D], [G2_1C, T2_SMALL_1A, BARE]),
        (
            "attribute:ecs.instance-type in [t2.small, t2.medium]",
            [T2_SMALL_1A, T2_MEDIUM_1B],
            [G2_1D, BARE],
        ),
        (
            "attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a",
            [T2_SMALL_1A],
            [T2_MEDIUM_1B, M5_1A, BARE],
        ),
        ("attribute:ecs.instance-type =~ t2.*", [T2_SMALL_1A, T2_MEDIUM_1B], [G2_1D, M5_1A, BARE]),
        (
            "attribute:ecs.instance-type == p2.xlarge",
            [inst(attributes={"ecs.instance-type": "p2.xlarge"})],
            [inst(attributes={"ecs.instance-type": "p2.8xlarge"}), BARE],
        ),
        (
            "attribute:ecs.os-type == linux",
            [inst(attributes={"ecs.os-type": "linux"})],
            [
                inst(attributes={"ecs.os-type": "windows"}),
                inst(attributes={"ecs.os-type": "Linux"}),
                BARE,
            ],
        ),
        (
            "attribute:ecs.instance-type == dl1.24xlarge",
            [inst(attributes={"ecs.instance-type": "dl1.24xlarge"})],
            [inst(attributes={"ecs.instance-type": "dl1.2xlarge"}), BARE],
        ),
        (
            "attribute:ecs.instance-type == vt1.3xlarge",
            [inst(attributes={"ecs.instance-type": "vt1.3xlarge"})],
            [inst(attributes={"ecs.instance-type": "vt1.6xlarge"})],
        ),
        (
            "attribute:ecs.instance-type == vt1.6xlarge",
            [inst(attributes={"ecs.instance-type": "vt1.6xlarge"})],
            [inst(attributes={"ecs.instance-type": "vt1.24xlarge"})],
        ),
        (
            "attribute:ecs.instance-type == vt1.24xlarge",
            [inst(attributes={"ecs.instance-type": "vt1.24xlarge"})],
            [inst(attributes={"ecs.instance-type": "vt1.3xlarge"})],
        ),
    ],
)
def test_aws_11_14_15_16_19_20_22(text: str, yes: list[Instance], no: list[Instance]) -> None:
    for instance in yes:
        assert holds(text, instance), instance
    for instance in no:
        assert not holds(text, instance), instance


def test_aws_12_13_stack() -> None:
    prod = inst(attributes={"stack": "prod"})
    dev = inst(attributes={"stack": "dev"})
    no_value = inst(attributes={"stack": None})
    assert holds("attribute:stack == prod", prod)
    assert not holds("attribute:stack == prod", dev)
    assert not holds("attribute:stack == prod", BARE)
    # 13: instances that have `stack`, unless its value is prod
    assert holds("attribute:stack != prod", dev)
    assert not holds("attribute:stack != prod", prod)
    assert not holds("attribute:stack != prod", BARE)
    assert not holds("attribute:stack != prod", no_value)
    # not(==) also selects instances without stack
    assert holds("not(attribute:stack == prod)", BARE)
    assert holds("not(attribute:stack == prod)", dev)
    assert not holds("not(attribute:stack == prod)", prod)


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("task:group == databases", "databases"),
        ("task:group == service:daemon-service", "service:daemon-service"),
    ],
)
def test_aws_17_18_task_group(text: str, group: str) -> None:
    assert holds(text, inst(task_groups={group: 1}))
    assert holds(text, inst(task_groups={group: 1, "family:other": 4}))
    assert not holds(text, inst(task_groups={"family:other": 4}))
    assert not holds(text, inst(task_groups={group: 0}))  # no RUNNING task of the group
    assert not holds(text, BARE)


def test_aws_10_template() -> None:
    text = (
        "(attribute:ecs.instance-type =~ t2.* or attribute:ecs.instance-type =~ g2.*) "
        "and attribute:ecs.availability-zone == us-east-1a"
    )
    assert holds(text, T2_SMALL_1A)
    assert holds(
        text,
        inst(attributes={"ecs.instance-type": "g2.2xlarge", "ecs.availability-zone": "us-east-1a"}),
    )
    assert not holds(text, M5_1A)
    assert not holds(text, T2_MEDIUM_1B)


# ---------------------------------------------------------------------------------------------
# Truth table: attributes. `v` has value "b", `n` is name-only, `absent` is not there.

ATTRS = inst(attributes={"v": "b", "n": None, "num": "10", "s": "abc", "e": ""})

ATTRIBUTE_TABLE = [
    # (expression, expected)
    ("attribute:v == b", True),
    ("attribute:v equals b", True),
    ("attribute:v == B", False),
    ("attribute:V == b", False),
    ("attribute:v != b", False),
    ("attribute:v != c", True),
    ("attribute:v not_equals c", True),
    ("attribute:v in [a, b]", True),
    ("attribute:v in [a, c]", False),
    ("attribute:v !in [a, c]", True),
    ("attribute:v not_in [a, b]", False),
    ("attribute:v =~ b", True),
    ("attribute:v =~ '[a-c]'", True),
    ("attribute:v matches 'b|c'", True),
    ("attribute:v =~ B", False),
    ("attribute:v !~ c", True),
    ("attribute:v not_matches b", False),
    ("attribute:v exists", True),
    ("attribute:v !exists", False),
    ("attribute:v > a", True),
    ("attribute:v greater_than b", False),
    ("attribute:v >= b", True),
    ("attribute:v greater_than_equal c", False),
    ("attribute:v < c", True),
    ("attribute:v less_than b", False),
    ("attribute:v <= b", True),
    ("attribute:v less_than_equal a", False),
    ("attribute:e == ''", True),
    ("attribute:e exists", True),
    ("attribute:e =~ ''", True),
    ("attribute:e != x", True),
    # regex is a fullmatch
    ("attribute:s =~ ab", False),
    ("attribute:s =~ bc", False),
    ("attribute:s =~ 'a.*'", True),
    ("attribute:s !~ ab", True),
    # name-only: every comparison false, exists true
    ("attribute:n exists", True),
    ("attribute:n not_exists", False),
    ("attribute:n !exists", False),
    ("attribute:n == b", False),
    ("attribute:n == ''", False),
    ("attribute:n != b", False),
    ("attribute:n in [b]", False),
    ("attribute:n !in [b]", False),
    ("attribute:n =~ '.*'", False),
    ("attribute:n !~ b", False),
    ("attribute:n > a", False),
    ("attribute:n >= a", False),
    ("attribute:n < z", False),
    ("attribute:n <= z", False),
    ("not(attribute:n == b)", True),
    # absent: every comparison false, only !exists and not(...) select absence
    ("attribute:absent exists", False),
    ("attribute:absent !exists", True),
    ("attribute:absent not_exists", True),
    ("attribute:absent == b", False),
    ("attribute:absent != b", False),
    ("attribute:absent in [b]", False),
    ("attribute:absent !in [b]", False),
    ("attribute:absent =~ '.*'", False),
    ("attribute:absent !~ b", False),
    ("attribute:absent > a", False),
    ("attribute:absent >= a", False),
    ("attribute:absent < z", False),
    ("attribute:absent <= z", False),
    ("not(attribute:absent == b)", True),
    ("not(attribute:absent != b)", True),
    # ordering: numeric when both sides are numbers, else lexicographic
    ("attribute:num > 9", True),
    ("attribute:num >= 10.0", True),
    ("attribute:num == 10.0", False),  # equality is string equality
    ("attribute:num <= 1e1", True),
    ("attribute:num < 9.5", False),
    ("attribute:num > +9", True),
    ("attribute:num > -11", True),
    ("attribute:num > .5", True),
    ("attribute:num < 1.5e3", True),
    ("attribute:num > 9x", False),  # '10' < '9x' as strings
    ("attribute:num < 9x", True),
    ("attribute:num > 1_0", False),  # '1_0' is not a number: '0' (48) < '_' (95), '10' < '1_0'
    ("attribute:num < inf", True),  # 'inf' is not a number: string order, '1' < 'i'
    ("attribute:num < nan", True),
    ("attribute:s > abb", True),
    ("attribute:s < abd", True),
    ("attribute:s < B", False),  # code point order: 'a' > 'B'
]


@pytest.mark.parametrize(("text", "expected"), ATTRIBUTE_TABLE)
def test_attribute_truth_table(text: str, expected: bool) -> None:
    assert holds(text, ATTRS) is expected


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [
        ("10", "attribute:x > 9", True),
        ("10", "attribute:x > 9.99", True),
        ("9", "attribute:x < 10", True),
        ("2", "attribute:x > 10", False),
        ("1.5", "attribute:x < 1.25e1", True),
        ("-3", "attribute:x < -2", True),
        ("0x10", "attribute:x > 9", False),  # hex is not a number: '0x10' < '9'
        ("1.", "attribute:x == 1.", True),
        ("1.", "attribute:x >= 1", True),  # '1.' is a number (digits '.' [digits])
        ("1e", "attribute:x > 1", True),  # '1e' is not: string order, '1e' > '1'
        ("10", "attribute:x < 9", False),
        ("abc", "attribute:x > 9", True),  # 'a' > '9'
    ],
)
def test_attribute_ordering(value: str, text: str, expected: bool) -> None:
    assert holds(text, inst(attributes={"x": value})) is expected


# ---------------------------------------------------------------------------------------------
# task:group: existential over RUNNING tasks.

WEB_AND_DB = inst(task_groups={"service:web": 2, "service:db": 1})
ONLY_WEB = inst(task_groups={"service:web": 1})
STOPPED_ONLY = inst(task_groups={"service:web": 0})

TASK_TABLE = [
    ("task:group == service:web", WEB_AND_DB, True),
    ("task:group == service:web", BARE, False),
    ("task:group == service:web", STOPPED_ONLY, False),
    ("task:group == Service:web", WEB_AND_DB, False),
    ("task:group != service:web", WEB_AND_DB, True),  # some other group runs
    ("task:group != service:web", ONLY_WEB, False),
    ("task:group != service:web", BARE, False),
    ("not(task:group == service:web)", WEB_AND_DB, False),
    ("not(task:group == service:web)", ONLY_WEB, False),
    ("not(task:group == service:web)", BARE, True),
    ("not(task:group == service:web)", STOPPED_ONLY, True),
    ("task:group in [service:db, x]", WEB_AND_DB, True),
    ("task:group in [service:db, x]", ONLY_WEB, False),
    ("task:group !in [service:web]", WEB_AND_DB, True),
    ("task:group !in [service:web]", ONLY_WEB, False),
    ("task:group not_in [service:web, service:db]", WEB_AND_DB, False),
    ("task:group =~ 'service:.*'", WEB_AND_DB, True),
    ("task:group =~ service", WEB_AND_DB, False),  # fullmatch
    ("task:group !~ 'service:w.*'", WEB_AND_DB, True),
    ("task:group !~ 'service:w.*'", ONLY_WEB, False),
    ("task:group exists", WEB_AND_DB, True),
    ("task:group exists", ONLY_WEB, True),
    ("task:group exists", BARE, False),
    ("task:group exists", STOPPED_ONLY, False),
    ("task:group !exists", BARE, True),
    ("task:group !exists", STOPPED_ONLY, True),
    ("task:group not_exists", ONLY_WEB, False),
]


@pytest.mark.parametrize(("text", "instance", "expected"), TASK_TABLE)
def test_task_group_truth_table(text: str, instance: Instance, expected: bool) -> None:
    assert holds(text, instance) is expected


# ---------------------------------------------------------------------------------------------
# agentVersion: component-wise numeric, missing components are 0.

VERSION_TABLE = [
    ("1.10", "agentVersion > 1.9.0", True),
    ("1.10", "agentVersion greater_than 1.9", True),
    ("1.9.0", "agentVersion < 1.10", True),
    ("1.14", "agentVersion == 1.14.0", True),
    ("1.14.0", "agentVersion == 1.14", True),
    ("1.14.0.0", "agentVersion == 1.14", True),
    ("1.14", "agentVersion != 1.14.0", False),
    ("1.14.1", "agentVersion == 1.14", False),
    ("1.14.1", "agentVersion > 1.14", True),
    ("2", "agentVersion >= 1.70.2", True),
    ("1.70.2", "agentVersion <= 1.70.2", True),
    ("1.70.2", "agentVersion less_than_equal 1.70.1", False),
    ("1.9.0", "agentVersion less_than 1.14.5", True),
    ("1.20.0", "agentVersion greater_than_equal 1.14.5", True),
    ("1.x", "agentVersion < 9", False),  # unparseable version: no comparison holds
    ("1.x", "agentVersion != 9", False),
]


@pytest.mark.parametrize(("version", "text", "expected"), VERSION_TABLE)
def test_agent_version_truth_table(version: str, text: str, expected: bool) -> None:
    assert holds(text, inst(agent_version=version)) is expected


# ---------------------------------------------------------------------------------------------
# registeredAt: four forms, instants compared exactly.

MOMENT = inst(registered_at=dt.datetime(2018, 6, 18, 22, 28, 28, tzinfo=UTC))

TIME_TABLE = [
    ("registeredAt == 2018-06-18T22:28:28+00:00", True),
    ("registeredAt == 2018-06-18T22:28:28Z", True),
    ("registeredAt == 2018-06-18T22:28:28", True),
    ("registeredAt == 2018-06-19T00:28:28+02:00", True),
    ("registeredAt == 2018-06-18T18:28:28-04:00", True),
    ("registeredAt == 2018-06-18T22:28:28+02:00", False),
    ("registeredAt == 2018-06-18", False),
    ("registeredAt > 2018-06-18", True),
    ("registeredAt < 2018-06-19", True),
    ("registeredAt >= 2018-06-18T22:28:28Z", True),
    ("registeredAt > 2018-06-18T22:28:28Z", False),
    ("registeredAt <= 2018-06-18T22:28:27Z", False),
    ("registeredAt < 2018-06-18T22:28:29", True),
    ("registeredAt != 2018-06-18T22:28:29", True),
    ("registeredAt greater_than 2018-06-18T23:28:27+01:00", True),  # 22:28:27Z
    ("registeredAt less_than_equal 2018-06-18T23:28:28+01:00", True),
]


@pytest.mark.parametrize(("text", "expected"), TIME_TABLE)
def test_registered_at_truth_table(text: str, expected: bool) -> None:
    assert holds(text, MOMENT) is expected


def test_registered_at_absent_and_date_only_is_utc_midnight() -> None:
    assert not holds("registeredAt < 2100-01-01", inst())
    assert not holds("registeredAt != 2100-01-01", inst())
    midnight = inst(registered_at=dt.datetime(2018, 2, 13, tzinfo=UTC))
    assert holds("registeredAt == 2018-02-13", midnight)
    assert holds("registeredAt == 2018-02-13T00:00:00Z", midnight)
    assert holds("registeredAt == 2018-02-13T01:00:00+01:00", midnight)
    naive = inst(registered_at=dt.datetime(2018, 2, 13))  # naive datetimes are UTC
    assert holds("registeredAt == 2018-02-13", naive)


# ---------------------------------------------------------------------------------------------
# The scalar subjects.

SCALAR_TABLE = [
    ("agentConnected == true", inst(agent_connected=True), True),
    ("agentConnected == true", inst(agent_connected=False), False),
    ("agentConnected equals false", inst(agent_connected=False), True),
    ("agentConnected != true", inst(agent_connected=False), True),
    ("agentConnected in [true]", inst(agent_connected=True), True),
    ("agentConnected !in [true]", inst(agent_connected=True), False),
    ("agentConnected not_in [false]", inst(agent_connected=True), True),
    ("agentConnected =~ 'tr.*'", inst(agent_connected=True), True),
    ("agentConnected =~ 'True'", inst(agent_connected=True), False),
    ("agentConnected !~ 'f.*'", inst(agent_connected=True), True),
    ("agentConnected matches false", inst(agent_connected=False), True),
    ("ec2InstanceId == i-1", inst(ec2_instance_id="i-1"), True),
    ("ec2InstanceId == I-1", inst(ec2_instance_id="i-1"), False),
    ("ec2InstanceId != i-1", inst(ec2_instance_id="i-2"), True),
    ("ec2InstanceId != i-1", inst(), False),  # no id: false
    ("ec2InstanceId =~ 'i-[0-9]'", inst(ec2_instance_id="i-1"), True),
    ("ec2InstanceId =~ 'i-'", inst(ec2_instance_id="i-1"), False),
    ("ec2InstanceId !~ 'mi-.*'", inst(ec2_instance_id="i-1"), True),
    ("ec2InstanceId !in [i-1]", inst(ec2_instance_id="i-2"), True),
    ("ec2InstanceId not_in [i-1]", inst(), False),
    ("runningTasksCount == 0", inst(), True),
    ("runningTasksCount > 2", inst(running_tasks_count=3), True),
    ("runningTasksCount greater_than 3", inst(running_tasks_count=3), False),
    ("runningTasksCount >= 3", inst(running_tasks_count=3), True),
    ("runningTasksCount < 10", inst(running_tasks_count=9), True),
    ("runningTasksCount less_than 9", inst(running_tasks_count=9), False),
    ("runningTasksCount <= 9", inst(running_tasks_count=9), True),
    ("runningTasksCount != 9", inst(running_tasks_count=9), False),
    ("runningTasksCount less_than_equal 10", inst(running_tasks_count=11), False),
]


@pytest.mark.parametrize(("text", "instance", "expected"), SCALAR_TABLE)
def test_scalar_subject_truth_table(text: str, instance: Instance, expected: bool) -> None:
    assert holds(text, instance) is expected


def test_boolean_connectives() -> None:
    i = inst(attributes={"a": "1"}, task_groups={"g": 1})
    assert holds("attribute:a == 1 and task:group == g", i)
    assert not holds("attribute:a == 1 and task:group == h", i)
    assert holds("attribute:a == 2 or task:group == g", i)
    assert holds("attribute:a == 2 || task:group == g", i)
    assert not holds("attribute:a == 2 || task:group == h", i)
    assert holds("!(attribute:a == 2) && not task:group == h", i)
    # precedence: `x or y and z` is `x or (y and z)`
    assert holds("attribute:a == 1 or attribute:a == 2 and attribute:a == 3", i)
    assert not holds("(attribute:a == 1 or attribute:a == 2) and attribute:a == 3", i)
