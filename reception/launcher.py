"""The console script `reception` (pyproject [project.scripts]) and the built program's entry.

It sits above every layer, so it is the one place that knows them all: the command line is `app.main`
(Qt-free), the window is `widgets.app`, imported only when a window is wanted — `reception jobs run`
never loads Qt — and the self-test gets the devices' and Qt's checks from their own layers.
Nothing imports this module (docs/decisions/layers.md).
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

from app.clock import Clock
from app.main import main as command_line


def start_window(args: argparse.Namespace, clock: Clock, show_error: Callable[[str, str], None] | None) -> int:
    import wizards  # noqa: F401 - adds the wizards' menu entries to the window (widgets.services.ACTION_PROVIDERS)
    from widgets.app import run

    return run(args, clock=clock, show_error=show_error)


def _devices() -> str:
    from devices.selftest import check_devices

    return check_devices()


def _qt() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from widgets.selftest import check_qt

    return check_qt()


SELF_TEST_CHECKS = (("Enheter", _devices), ("Qt", _qt))


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None,
         show_error: Callable[[str, str], None] | None = None) -> int:
    return command_line(argv, clock=clock, show_error=show_error, start_window=start_window,
                        self_test_checks=SELF_TEST_CHECKS)
