"""A routine's result as stored with its command_id, and rebuilt from it.

A command that the server already ran (a desk that crashed between the server's commit and its own
bookkeeping, a replayed offline command, a retry after the connection broke) gets the stored result
back instead of running twice. The result is kept as JSON in `executed_commands.result` and rebuilt
into the routine's result type from its type hints: dataclasses, tuples, lists, dicts, Optional,
dates and datetimes, and bytes (base64)."""
from __future__ import annotations

import base64
import dataclasses
import json
import sys
import types
import typing
from datetime import date, datetime
from typing import Any

_BYTES = "__bytes__"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    return value


def dump_result(result: Any) -> str:
    return json.dumps(_plain(result), ensure_ascii=False, default=str)


class NotRebuildable(TypeError):
    """The stored JSON does not fit the result type (e.g. stored by an older version)."""


def _hints(cls: type) -> dict[str, Any]:
    module = sys.modules.get(cls.__module__)
    return typing.get_type_hints(cls, vars(module) if module else None)


def _build(tp: Any, value: Any) -> Any:
    if tp is Any or tp is object:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _build(arg, value)
            except (NotRebuildable, TypeError, ValueError):
                continue
        raise NotRebuildable(f"{value!r} fits none of {args}")
    if origin is typing.Literal:
        if value in args:
            return value
        raise NotRebuildable(f"{value!r} is not one of {args}")
    if value is None:
        raise NotRebuildable(f"None for {tp}")
    if origin in (tuple,):
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v) for v in value)
        if args and len(args) == len(value):
            return tuple(_build(a, v) for a, v in zip(args, value))
        return tuple(value)
    if origin in (list,):
        return [_build(args[0] if args else Any, v) for v in value]
    if origin in (frozenset, set):
        return origin(_build(args[0] if args else Any, v) for v in value)
    if origin in (dict,):
        key_type, value_type = args if args else (Any, Any)
        return {_build(key_type, int(k) if key_type is int else k): _build(value_type, v) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise NotRebuildable(f"{tp.__name__} needs an object, got {value!r}")
        hints = _hints(tp)
        kwargs = {f.name: _build(hints.get(f.name, Any), value[f.name])
                  for f in dataclasses.fields(tp) if f.init and f.name in value}
        return tp(**kwargs)
    if tp is bytes:
        if isinstance(value, dict) and _BYTES in value:
            return base64.b64decode(value[_BYTES])
        raise NotRebuildable("bytes were not stored")
    if tp is datetime:
        return datetime.fromisoformat(value)
    if tp is date:
        return date.fromisoformat(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise NotRebuildable(f"{value!r} is not a bool")
    if tp in (int, float, str):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise NotRebuildable(f"{value!r} is not a {tp.__name__}")
        return tp(value)
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise NotRebuildable(f"cannot rebuild {tp!r} from {value!r}")


def load_result(tp: Any, text: str) -> Any:
    return _build(tp, json.loads(text))


def result_type(routine_class: type) -> Any:
    """The R of `Routine[C, R]` for a concrete routine class (walks the generic bases)."""
    for klass in routine_class.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            args = typing.get_args(base)
            if len(args) == 2 and not isinstance(args[1], typing.TypeVar):  # C may stay generic
                module = sys.modules.get(klass.__module__)
                hint = args[1]
                if isinstance(hint, str):  # a forward reference under `from __future__ import annotations`
                    hint = eval(hint, vars(module) if module else {})  # noqa: S307 - our own module's names
                return hint
    raise NotRebuildable(f"{routine_class.__name__} does not name its result type")
