"""Every routine names its result type, so a repeated command_id can get the stored result back."""
import dataclasses
import importlib
import pkgutil
from datetime import date, datetime, timezone

import app.routines
from app.routines.base import Routine
from app.routines.results import dump_result, load_result, result_type


def _routines():
    for info in pkgutil.walk_packages(app.routines.__path__, "app.routines."):
        importlib.import_module(info.name)
    seen, todo = set(), list(Routine.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.add(cls)
            todo.extend(cls.__subclasses__())
    return [c for c in seen if c.__module__.startswith("app.") and not getattr(c, "__abstractmethods__", None)
            and not c.__name__.startswith("_")]


def test_every_concrete_routine_names_its_result_type():
    routines = _routines()
    assert len(routines) > 20
    for cls in routines:
        tp = result_type(cls)
        assert tp is not None, cls
        if dataclasses.is_dataclass(tp):  # every field's type resolves, so the result can be rebuilt
            import sys
            import typing

            typing.get_type_hints(tp, vars(sys.modules[tp.__module__]))


@dataclasses.dataclass(frozen=True)
class Inner:
    day: date
    pdf: bytes | None


@dataclasses.dataclass(frozen=True)
class Outer:
    ids: tuple[int, ...]
    at: datetime
    inner: Inner
    warnings: tuple[str, ...] = ()
    note: str | None = None


def test_a_result_survives_the_round_trip_through_json():
    value = Outer((1, 2), datetime(2026, 12, 7, 13, tzinfo=timezone.utc), Inner(date(2027, 1, 21), b"%PDF\x00\xff"),
                  ("Varning",), None)
    assert load_result(Outer, dump_result(value)) == value
