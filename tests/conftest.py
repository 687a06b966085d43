"""Shared test set-up: offscreen Qt, the injected clock, and the database fixtures."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    # Tests that need a QApplication carry the gui marker, so `-m "not gui"` runs the core alone.
    for item in items:
        if {"qtbot", "qapp", "qtmodeltester"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)
