"""Fixtures for driving the registration wizards the way a receptionist does: keys and clicks."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import shots
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QRadioButton, QWidget, QWizard

from app.postal import PostalCodes
from devices.hub import CardReaderHub
from tests.app import builders
from widgets.services import Bus, UiServices
from wizards.base import ReceptionWizard

# The offscreen platform cannot size or raise windows; real desktops can.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

WAIT_MS = 5000


@pytest.fixture(scope="session")
def postal_codes() -> PostalCodes:
    return PostalCodes.load()


class Recorder:
    """Stands in for a message box: records what it would have shown and answers as told."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.calls: list = []

    def __call__(self, parent, *args):
        self.calls.append(args[0] if args else parent)
        return self.answer


@pytest.fixture
def error_box(monkeypatch) -> Recorder:
    box = Recorder()
    monkeypatch.setattr(ReceptionWizard, "error_box", staticmethod(box))
    return box


@pytest.fixture
def confirm(monkeypatch) -> Recorder:
    box = Recorder(answer=True)
    monkeypatch.setattr(ReceptionWizard, "confirm_cancel", staticmethod(box))
    return box


@pytest.fixture
def services(sqlite_core, make_actor, tmp_path, postal_codes, error_box, confirm) -> UiServices:
    hub = CardReaderHub()
    s = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(),
                   user_data_dir=tmp_path / "data", cards=hub, postal=postal_codes)
    s.extra["camera_source"] = None  # no camera unless a test gives one
    yield s
    for wizard in list(s.extra.get("open_wizards", [])):
        wizard._entered = False
        wizard.reject()


@pytest.fixture
def cat(sqlite_core) -> builders.Catalog:
    return builders.build_catalog(sqlite_core)


class Driver:
    """Keys and clicks on a wizard."""

    def __init__(self, qtbot, wizard: QWizard) -> None:
        self.qtbot = qtbot
        self.wizard = wizard
        qtbot.addWidget(wizard)
        qtbot.waitExposed(wizard)
        wizard.activateWindow()
        qtbot.waitUntil(wizard.isActiveWindow, timeout=WAIT_MS)

    @property
    def next_button(self):
        return self.wizard.button(QWizard.WizardButton.NextButton)

    @property
    def finish_button(self):
        return self.wizard.button(QWizard.WizardButton.FinishButton)

    def page(self):
        return self.wizard.currentPage()

    def type(self, widget: QWidget, text: str, *, leave: bool = True) -> None:
        widget.setFocus()
        self.qtbot.waitUntil(widget.hasFocus, timeout=WAIT_MS)
        widget.selectAll()
        if text:
            self.qtbot.keyClicks(widget, text)
        else:
            self.qtbot.keyClick(widget, Qt.Key.Key_Backspace)
        if leave:
            self.qtbot.keyClick(widget, Qt.Key.Key_Tab)

    def click(self, widget: QWidget) -> None:
        pos = QPoint(8, widget.height() // 2) if isinstance(widget, (QCheckBox, QRadioButton)) \
            else widget.rect().center()
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)

    def next(self, expected_id: int | None = None) -> None:
        assert self.next_button.isEnabled(), f"Nästa is disabled on {self.page().title()}"
        before = self.wizard.currentId()
        self.qtbot.mouseClick(self.next_button, Qt.MouseButton.LeftButton)
        assert self.wizard.currentId() != before, f"stayed on {self.page().title()}"
        if expected_id is not None:
            assert self.wizard.currentId() == expected_id

    def finish(self) -> None:
        assert self.finish_button.isVisible() and self.finish_button.isEnabled()
        self.qtbot.mouseClick(self.finish_button, Qt.MouseButton.LeftButton)

    def screenshot(self, name: str) -> None:
        self.qtbot.wait(20)
        assert self.wizard.grab().save(str(shots.path(name)))
