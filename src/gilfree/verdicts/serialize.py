"""Model <-> JSON: the documented, versioned schema (docs/json-schema.md).

Generic over the frozen dataclasses of ``model`` so that every layer (CLI JSON, the
SQLite store, the site's JSON download) writes the same shape.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import datetime
from typing import Any, TypeVar

from . import model
from .model import SCHEMA_VERSION, Target
from .perthread import Tables, per_thread

T = TypeVar("T")


_SCALARS = (str, int, float, bool, type(None))


class _Memo(Tables):
    """Per-class answers looked up for every status (per thread on a free-threaded build:
    see ``perthread``)."""

    def __init__(self) -> None:
        self.field_names: dict[type, tuple[str, ...] | None] = {}
        self.hints: dict[type, dict[str, Any]] = {}


_MEMO = per_thread(_Memo)


def to_data(obj: Any) -> Any:
    """Turn a model object into plain JSON-able data (targets become their names).

    Runs for every status a run stores (24 targets each), so scalars are answered first
    and each class's field names are looked up once.
    """
    kind = type(obj)
    if kind in _SCALARS:
        return obj
    names = _field_names(kind)
    if names is not None:
        if kind is Target:
            return obj.name
        out = {name: to_data(getattr(obj, name)) for name in names}
        if kind is model.ClassifierLevel:
            out["text"] = str(obj)
        return out
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, (list, tuple)):
        return [to_data(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_data(v) for k, v in obj.items()}
    return obj


def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names (None for other types), looked up once per thread."""
    memo = _MEMO.field_names
    if kind in memo:
        return memo[kind]
    names = tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None
    memo[kind] = names
    return names


def document(kind: str, items: list[Any], **extra: Any) -> dict[str, Any]:
    """Wrap results in the top-level envelope every JSON output shares."""
    from .. import __version__

    return {"schema": f"gilfree.{kind}", "schema_version": SCHEMA_VERSION,
            "gilfree_version": __version__, **extra, "results": to_data(items)}


def from_data(cls: type[T], data: Any) -> T:
    """Inverse of ``to_data`` for a model class (used by the store and tests)."""
    return typing.cast(T, _convert(cls, data))


def _hints(cls: type) -> dict[str, Any]:
    """Resolved field types, once per class (and thread): get_type_hints costs ~2 ms a status."""
    memo = _MEMO.hints
    hints = memo.get(cls)
    if hints is None:
        hints = memo[cls] = typing.get_type_hints(cls, vars(model))
    return hints


def _convert(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(args[0], data)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], x) for x in data)
        return tuple(_convert(a, x) for a, x in zip(args, data))
    if tp is Target:
        from .targets import parse_target

        return parse_target(data)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kwargs = {name: _convert(hints[name], data[name]) for name in _field_names(tp) or () if name in data}
        return tp(**kwargs)
    return data
