"""Timestamps a column at a time (`placement.ecs.timestamps`) and AWS-CLI-shaped documents.

`micros_column` must read every value as `fast_micros` reads it one at a time - the same
microseconds, or `Unusual` where that refuses - whatever the layout: the fixed layouts it reads
with numpy, the others it hands back, and text that is almost a timestamp. And a document as
`aws ecs describe-*` (AWS CLI v2) writes it - ISO timestamps with fractions and offsets, zeroed
`doubleValue`/`longValue`, STOPPED tasks - loads through `from_ecs_json` as through `from_ecs`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_inventory_loaders import cli_instance, same_everywhere, task

from placement import Inventory
from placement.ecs import Unusual, fast_micros
from placement.ecs.timestamps import micros_column

ZONES = st.one_of(
    st.none(),
    st.just(dt.timezone.utc),
    st.integers(-24 * 60 + 1, 24 * 60 - 1).map(lambda m: dt.timezone(dt.timedelta(minutes=m))),
)
STAMPS = st.builds(
    lambda moment, zone, spec, z: _with_z(moment.replace(tzinfo=zone).isoformat(timespec=spec), z),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    ZONES,
    st.sampled_from(["seconds", "milliseconds", "microseconds", "auto"]),
    st.booleans(),
)


def _with_z(text: str, z: bool) -> str:
    return text[:-6] + "Z" if z and text.endswith("+00:00") else text


def one_at_a_time(value: Any) -> Any:
    try:
        return fast_micros(value)
    except Unusual:
        return "unusual"


def as_column(values: list[Any]) -> Any:
    try:
        micros, present = micros_column(values)
    except Unusual:
        return "unusual"
    return [m if p else None for m, p in zip(micros.tolist(), present.tolist(), strict=True)]


def expected_column(values: list[Any]) -> Any:
    each = [one_at_a_time(v) for v in values]
    return "unusual" if "unusual" in each else each


@settings(max_examples=examples(2))
@given(st.lists(STAMPS, max_size=30))
def test_iso_texts_read_as_one_at_a_time(texts: list[str]) -> None:
    expected = expected_column(texts)
    assert expected != "unusual"  # every datetime in years 1-9999 loads...
    assert as_column(texts) == expected  # ...to the same microsecond


# Characters that make near-miss timestamps: separators, signs, digits past the field's range.
NOISE = st.sampled_from([*"0123456789-+:.TZ tz/\u0660", "", "99", "60", "0000"])


@settings(max_examples=examples(3))
@given(STAMPS, st.lists(st.tuples(st.integers(0, 40), NOISE), min_size=1, max_size=3))
def test_mutated_texts_agree(text: str, edits: list[tuple[int, str]]) -> None:
    for position, noise in edits:
        at = position % (len(text) + 1)
        text = text[:at] + noise + text[at + 1 :]
    assert as_column([text]) == expected_column([text])
    assert as_column([text, "2024-05-01T12:34:56.789000+00:00"]) == expected_column(
        [text, "2024-05-01T12:34:56.789000+00:00"]
    )


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("1970-01-01T00:00:00", 0),
        ("1970-01-01T00:00:00.000001Z", 1),
        ("2024-05-01T12:34:56.789000+00:00", 1_714_566_896_789_000),
        ("2024-05-01T12:34:56.789123-07:00", 1_714_566_896_789_123 + 7 * 3_600_000_000),
        ("2000-02-29T23:59:59.999+23:59", 951_868_799_999_000 - 1_439 * 60_000_000),
    ],
)
def test_known_instants(text: str, micros: int) -> None:
    assert as_column([text]) == [micros] == [one_at_a_time(text)]


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-29T00:00:00",  # not a leap year
        "1900-02-29T00:00:00Z",  # nor is 1900
        "2024-13-01T00:00:00",
        "2024-00-10T00:00:00",
        "2024-04-31T00:00:00",
        "2024-05-01T24:00:00",
        "2024-05-01T12:60:00",
        "2024-05-01T12:00:60",
        "2024-05-01T12:00:00+24:00",
        "0000-01-01T00:00:00",
        "0001-01-01T00:00:00+00:01",  # before year 1 in UTC
        "9999-12-31T23:59:59-00:01",  # after year 9999 in UTC
    ],
)
def test_refused_like_one_at_a_time(text: str) -> None:
    assert as_column([text]) == "unusual" == one_at_a_time(text)


def test_mixed_column() -> None:
    values = [None, 1_700_000_000.5, "2024-05-01 12:34:56", 5, "2024-05-01T12:34:56Z", None]
    assert as_column(values) == expected_column(values) != "unusual"
    assert as_column([None, True]) == "unusual" == expected_column([True])


def aws_cli_task(n: int, instance: int, status: str, started: str) -> dict[str, Any]:
    doc = task(n, instance, "service:web", desired=status)
    doc.update(lastStatus=status, cpu="256", memory="512", startedAt=started,
               createdAt="2024-05-01T12:34:50.123000+00:00",
               containers=[{"name": "web", "cpu": "0", "memory": "512", "exitCode": 1,
                            "networkBindings": [{"bindIP": "0.0.0.0", "containerPort": 80,
                                                 "hostPort": 8080, "protocol": "tcp"}]}],
               )  # fmt: skip
    if status == "STOPPED":
        doc.update(
            stoppedAt="2024-05-01T13:00:00.000001+00:00", stopCode="EssentialContainerExited"
        )
    return doc


def test_aws_cli_v2_documents() -> None:
    stamps = ["2024-05-01T12:34:56.789000+00:00", "2024-05-01T12:34:56.789123-07:00",
              "2024-05-01T12:34:56+05:30", "2024-05-01T12:34:56.789Z"]  # fmt: skip
    instances = {"containerInstances": [cli_instance(k, registeredAt=stamps[k % 4])
                                        for k in range(8)], "failures": []}  # fmt: skip
    tasks = {"tasks": [aws_cli_task(k, k % 8, status, stamps[(k + 1) % 4])
                       for k in range(12) for status in ("RUNNING", "STOPPED")]}  # fmt: skip
    kind, inventory = same_everywhere(instances, tasks)
    assert kind == "ok"
    assert len(inventory.tasks) == 12  # the STOPPED ones hold nothing
    loaded = Inventory.from_ecs_json(json.dumps(instances, indent=4), json.dumps(tasks, indent=4))
    assert loaded == inventory
    first = loaded[1]
    assert first.registered_at is not None
    assert first.registered_at.to_datetime() == dt.datetime.fromisoformat(stamps[1])


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"])
def test_just_outside_the_years_once_offset_is_an_inventory_error(text: str) -> None:
    # It used to escape as an ExpressionError from the Timestamp constructor, naming no field.
    kind, message = same_everywhere([cli_instance(0, registeredAt=text)])
    assert kind == "error"
    assert "container instance #0" in message and "registeredAt" in message
    kind, message = same_everywhere([cli_instance(0)], [aws_cli_task(0, 0, "RUNNING", text)])
    assert kind == "error"
    assert "task #0" in message and "startedAt" in message
