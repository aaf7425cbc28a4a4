"""What the ECS readers share: names in messages, numbers, pages, the fast paths' signal.

The checked readers check every field through `check` and name what is wrong. Most documents
are well formed, so `fast_instance` and `fast_task` read the usual shapes with exact type
tests (no ABC isinstance, no dispatch per field) and raise `Unusual` at the first thing they
do not recognise: anything the checked readers refuse, and rare but valid forms (decimal-text
amounts, DOUBLE resources, datetimes). The checked reader then reads that element again and
gives its answer or its error. So a fast path must accept nothing the checked reader refuses
and give the same values (tests/test_loader_fuzz.py compares them on mutated documents).
Timestamps come out as microseconds, not `Timestamp`s (`build_column` takes both).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import InventoryError
from ..model import (
    MAX_TEXT,
    TIMESTAMP_RANGE,
    field_error,
    short_repr,
    timestamp_of,
)
from ..syntax.literals import Timestamp

__all__ = ["Unusual", "fast_text", "fast_micros"]

_MIN_MICROS, _MAX_MICROS = TIMESTAMP_RANGE
_MAX_PORT_DIGITS = 5


def _where(what: str, index: int, doc: Any, key: str) -> str:
    arn = doc.get(key) if isinstance(doc, Mapping) else None
    shown = f" ({arn})" if isinstance(arn, str) and len(arn) <= 2048 else ""
    return f"{what} #{index}{shown}"


def _decimal(text: str) -> bool:
    """ASCII decimal digits only: "²".isdigit() is true, and int() refuses it."""
    return text.isascii() and text.isdigit()


def _number(value: Any, where: str, field: str) -> int | float:
    """A JSON number (int or float, not bool), or a decimal string of one, as sent on the wire."""
    if isinstance(value, str) and 0 < len(value) <= 20 and _decimal(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise field_error(where, field, f"expected a number, got {short_repr(value)}")
    return value


def _pages(documents: Any, key: str, what: str) -> Iterator[Any]:
    """Items of one response, a list of response pages, or a plain list of items."""
    if isinstance(documents, Mapping):
        documents = [documents]
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Iterable):
        raise InventoryError(
            f"{what}: expected a response object or a list, got {type(documents).__name__}"
        )
    for page_number, page in enumerate(documents):
        if isinstance(page, Mapping) and key in page:
            items = page[key]
            if items is None:
                continue
            if not isinstance(items, list):
                raise InventoryError(f"{what} page #{page_number}: {key!r} must be a list")
            yield from items
        else:
            # An element itself (its reader checks it and names what is missing).
            yield page


class Unusual(Exception):  # noqa: N818 - not an error: a signal to take the checked path
    """A fast path met something it leaves to the checked reader."""


def fast_text(value: Any) -> str | None:
    """An optional string of at most MAX_TEXT characters, as it is."""
    if value is not None and (type(value) is not str or len(value) > MAX_TEXT):
        raise Unusual
    return value


def fast_micros(value: Any) -> int | None:
    """A timestamp given as epoch seconds or ISO 8601 text, in microseconds; None if absent."""
    if value is None:
        return None
    if type(value) is int or type(value) is float:
        if not -1e15 <= value <= 1e15:  # NaN fails this too
            raise Unusual
        micros = round(value * 1_000_000)
    elif type(value) is str:
        try:
            stamp = timestamp_of(value, "", "")
        except InventoryError:
            raise Unusual from None
        assert stamp is not None  # text is never absent
        micros = stamp.micros
    else:
        raise Unusual
    if not _MIN_MICROS <= micros <= _MAX_MICROS:
        raise Unusual
    return micros


def _iso(stamp: Timestamp) -> str:
    # ISO 8601 with microseconds is exact; epoch seconds in a float are not for every year.
    return stamp.to_datetime().isoformat()
