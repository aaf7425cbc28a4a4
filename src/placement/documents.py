"""Reading JSON documents the dialects' loaders share: decoding, dotted paths, lists of objects.

Kubernetes' and Nomad's objects and ECS's responses are all nested JSON; each loader names the
part at fault the same way (`nodes[3].status.allocatable: expected an object, got 3`), so the
readers live here, below every dialect.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec

from .errors import InventoryError, PlacementError, PlacementInputError
from .model import MAX_AMOUNT, MAX_TEXT, FieldSpec, FrozenMap, Kind, check
from .text import shown

__all__ = ["parse_json", "decode_json", "get_path", "kind_name", "objects", "checked"]


def parse_json(data: bytes | str, what: str) -> Any:
    """`json.loads(data)`, its failures as `InventoryError` naming `what`."""
    try:
        return json.loads(data)
    except RecursionError:
        raise InventoryError(f"{what}: not valid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, integers past the digit limit
        raise InventoryError(f"{what}: not valid JSON: {str(exc)[:200]}") from None


def decode_json(value: Any, what: str) -> Any:
    """JSON bytes or text (a str starting with `{` or `[`) decoded; anything else as given.

    msgspec decodes faster than `json.loads`; where it refuses, `parse_json` gives the exact
    error.
    """
    if isinstance(value, str) and value.startswith("\ufeff"):
        value = value[1:]  # a byte-order mark read as text (bytes with one decode as they are)
    if isinstance(value, str) and value.lstrip()[:1] not in ("{", "["):
        return value  # not JSON text: the caller names what it is
    if not isinstance(value, (bytes, bytearray, memoryview, str)):
        return value
    try:
        return msgspec.json.decode(value)
    except (msgspec.DecodeError, RecursionError, UnicodeError):  # text with a lone surrogate
        pass
    return parse_json(bytes(value) if isinstance(value, (bytearray, memoryview)) else value, what)


def kind_name(kind: type | tuple[type, ...]) -> str:
    """`an object`, `a list or a string`: a JSON type as error messages name it."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def get_path(doc: Mapping[str, Any], path: str, kind: type | tuple[type, ...], where: str) -> Any:
    """`doc` at a dotted `path`, None when absent (JSON null too), else of type `kind`.

    A step on the way that is not an object (`resources: "x"`) is refused, naming it: read as
    absent, the requests under it would silently count as none.
    """
    value: Any = doc
    parts = path.split(".")
    for step, part in enumerate(parts):
        if not isinstance(value, Mapping):
            walked = ".".join([where, *parts[:step]])
            raise PlacementInputError(f"{walked}: expected an object, got {shown(value)}")
        value = value.get(part)
        if value is None:
            return None
    if not isinstance(value, kind):
        raise PlacementInputError(f"{where}.{path}: expected {kind_name(kind)}, got {shown(value)}")
    return value


def objects(
    value: Any, what: str, error: type[PlacementError] = InventoryError
) -> list[Mapping[str, Any]]:
    """A list (or tuple) whose every item is an object, as a list; else `error` naming it."""
    if not isinstance(value, (list, tuple)):
        raise error(f"{what}: expected a list of objects, got {shown(value)}")
    for position, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise error(f"{what}[{position}]: expected an object, got {shown(item)}")
    return list(value)


def checked(spec: FieldSpec, value: Any, where: str) -> Any:
    """`check(spec, value, where)`, without its general reading where the value is plainly fine.

    An integer amount in range, a non-empty text, a bool, text attributes, no ports, null:
    the value `check` gives, at once; any other goes to `check` (the same value, or the
    error). A valid timestamp text is read once.
    """
    kind = spec.kind
    if value is None:
        if spec.default is not None:
            return spec.default
        if kind in _NULLABLE:
            return None
    elif kind is Kind.TIMESTAMP and type(value) is str:
        found = _CREATED.get(value)
        if found is None:
            found = check(spec, value, where)
            if len(_CREATED) < 4096:  # nodes created in the same second share a text
                _CREATED[value] = found
        return found
    if kind is Kind.AMOUNT or kind is Kind.COUNT:
        if type(value) is int and 0 <= value <= MAX_AMOUNT:
            return value
    elif kind is Kind.ARN or kind is Kind.STATUS:
        if type(value) is str and 0 < len(value) <= MAX_TEXT:
            return value
    elif kind is Kind.FLAG:
        if type(value) is bool:
            return value
    elif kind is Kind.ATTRIBUTES:
        if type(value) is dict and all(
            type(k) is str and 0 < len(k) <= MAX_TEXT
            and (v is None or (type(v) is str and len(v) <= MAX_TEXT))
            for k, v in value.items()
        ):
            return FrozenMap(value)
    elif kind is Kind.PORTS and not value:
        return _NO_PORTS
    return check(spec, value, where)


_NO_PORTS: frozenset[int] = frozenset()
_NULLABLE = frozenset((Kind.TEXT, Kind.STATUS, Kind.VERSION, Kind.TIMESTAMP))  # None: None
_CREATED: dict[str, Any] = {}  # timestamp texts read (only valid ones: a bad one raises)
