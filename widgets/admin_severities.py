"""Inställningar > Personstatustyper…: the severity (fel / varning / information) of every deviation
type (SPEC §1.6), each with a preview of its chip as the person card draws it. Spara runs the audited
routine app.routines.admin_settings.SetSeverities with the changed types."""
from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QGridLayout, QLabel, QScrollArea, QVBoxLayout,
                               QWidget)

from app.errors import UserError
from app.queries.admin import deviation_type_rows
from app.queries.deviations import Deviation
from app.routines.admin_settings import SetSeverities, SetSeveritiesCommand, SeverityChange
from widgets.field_messages import make_error_label, set_message
from widgets.person_tabs.common import SEVERITY_NAMES, deviation_chip

SCOPE_NAMES = {"person": "Person", "abonnemang": "Abonnemang", "medgivande": "Autogiromedgivande"}
# The order staff think in: the worst first.
SEVERITY_CHOICES = ("fel", "varning", "information")


class SeveritiesDialog(QDialog):
    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Personstatustyper")
        with services.core.sessions() as session:
            self.types = deviation_type_rows(session, services.actor)
        intro = QLabel("Hur allvarlig varje avvikelse är. Personens avvikelser visas alltid överst på "
                       "personkortet; avvikelser på abonnemang och medgivande visas där också när de är "
                       "fel eller varning.")
        intro.setWordWrap(True)
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        for column, text in enumerate(("Avvikelse", "Gäller", "Nivå", "Så ser det ut")):
            header = QLabel(f"<b>{text}</b>")
            grid.addWidget(header, 0, column)
        self.combos: dict[str, QComboBox] = {}
        self.previews: dict[str, QLabel] = {}
        self.errors: dict[str, QLabel] = {}
        row = 1
        for t in self.types:
            combo = QComboBox()
            combo.setObjectName(t.code)
            for severity in SEVERITY_CHOICES:
                combo.addItem(SEVERITY_NAMES[severity], severity)
            combo.setCurrentIndex(combo.findData(t.severity))
            combo.currentIndexChanged.connect(lambda _i, code=t.code: self._preview(code))
            grid.addWidget(QLabel(t.name), row, 0)
            grid.addWidget(QLabel(SCOPE_NAMES.get(t.scope, t.scope)), row, 1)
            grid.addWidget(combo, row, 2)
            self.combos[t.code] = combo
            self.previews[t.code] = None
            self._preview(t.code, grid, row)
            error = make_error_label(self)
            grid.addWidget(error, row + 1, 0, 1, 4)
            self.errors[t.code] = error
            row += 2
        grid.setColumnStretch(3, 1)
        grid.setRowStretch(row, 1)  # the rows at the top, the space below
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        self.grid = grid
        self.message = make_error_label(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Spara")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Avbryt")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(720, 640)

    @property
    def save_button(self):
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def _preview(self, code: str, grid: QGridLayout | None = None, row: int | None = None) -> None:
        t = next(x for x in self.types if x.code == code)
        severity = self.combos[code].currentData()
        chip = deviation_chip(Deviation(t.code, t.name, severity, t.scope, t.name))
        old = self.previews.get(code)
        grid = grid or self.grid
        if old is not None:
            index = grid.indexOf(old)
            row = grid.getItemPosition(index)[0]
            grid.removeWidget(old)
            old.deleteLater()
        grid.addWidget(chip, row, 3)
        self.previews[code] = chip

    def command(self) -> SetSeveritiesCommand:
        return SetSeveritiesCommand(tuple(
            SeverityChange(t.code, self.combos[t.code].currentData(), t.severity)
            for t in self.types if self.combos[t.code].currentData() != t.severity))

    def save(self) -> None:
        for label in (*self.errors.values(), self.message):
            set_message(label, None)
        command = self.command()
        try:
            if command.changes:
                SetSeverities(self.services.core).execute(command, self.services.actor)
        except UserError as err:
            set_message(self.errors.get(err.field or "", self.message), err.message)
            return
        if command.changes and getattr(self.services, "bus", None) is not None:
            self.services.bus.status.emit(f"Personstatustyper: {len(command.changes)} ändring(ar) sparade. "
                                          "Personkorten visar dem nästa gång de öppnas.")
        self.accept()

