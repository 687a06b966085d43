"""Lägg till förbeställning: product, validity, Namn, Personnummer or Födelsedatum, E-post."""
from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QRadioButton,
                               QVBoxLayout, QWidget)

from app.errors import UserError
from app.queries.organisations import ProductChoice
from app.routines.organisations import AddPreOrder, AddPreOrderCommand, check_person, check_validity
from widgets.input_rules import limit
from widgets.preorders.common import TaskRunner, date_edit, default_validity, error_label, product_combo
from widgets.services import UiServices


class AddPreOrderDialog(QDialog):
    """Lägg till förbeställning: product, validity, Namn, Personnummer or Födelsedatum, E-post."""

    FIELDS = ("product", "valid_from", "valid_to", "name", "personnummer", "birth_date", "email")

    def __init__(self, services: UiServices, org_id: int, products: list[ProductChoice],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.org_id = services, org_id
        self.created_id: int | None = None
        self.runner = TaskRunner(self)
        self.setWindowTitle("Lägg till förbeställning")
        today = services.core.clock.today()
        start, end = default_validity(today)

        self.product = product_combo(products)
        self.valid_from, self.valid_to = date_edit(start), date_edit(end)
        self.name_edit = QLineEdit()
        limit(self.name_edit, "name")  # PreOrder.name, the model's one length
        self.with_pnr = QRadioButton("&Personnummer")
        self.with_birth = QRadioButton("&Födelsedatum (saknar svenskt personnummer)")
        self.with_pnr.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.with_pnr)
        group.addButton(self.with_birth)
        self.pnr_edit = QLineEdit()
        self.pnr_edit.setPlaceholderText("ÅÅÅÅMMDD-NNNN")
        self.birth_edit = date_edit(date(1990, 1, 1))
        self.birth_edit.setEnabled(False)
        self.email_edit = QLineEdit()
        limit(self.email_edit, "email")
        self.email_edit.setPlaceholderText("namn@exempel.se")
        self.with_pnr.toggled.connect(self._identity_kind_changed)

        self.errors = {name: error_label() for name in self.FIELDS}
        self.general_error = error_label()
        form = QFormLayout()
        for edit in (self.valid_from, self.valid_to, self.birth_edit):
            edit.setMaximumWidth(150)
        self.setMinimumWidth(520)
        for label, widget, key in (("Produkt:", self.product, "product"),
                                   ("Giltig från:", self.valid_from, "valid_from"),
                                   ("Giltig till:", self.valid_to, "valid_to"), ("Namn:", self.name_edit, "name")):
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        form.addRow("", self.with_pnr)
        form.addRow("Personnummer:", self.pnr_edit)
        form.addRow("", self.errors["personnummer"])
        form.addRow("", self.with_birth)
        form.addRow("Födelsedatum:", self.birth_edit)
        form.addRow("", self.errors["birth_date"])
        form.addRow("E-post:", self.email_edit)
        form.addRow("", self.errors["email"])
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Spara")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Avbryt")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.name_edit.setFocus()

    def _identity_kind_changed(self, pnr: bool) -> None:
        self.pnr_edit.setEnabled(pnr)
        self.birth_edit.setEnabled(not pnr)
        (self.pnr_edit if pnr else self.birth_edit).setFocus()

    def command(self) -> AddPreOrderCommand:
        pnr = self.with_pnr.isChecked()
        return AddPreOrderCommand(
            organisation_id=self.org_id, product_id=self.product.currentData(),
            valid_from=self.valid_from.date().toPython(), valid_to=self.valid_to.date().toPython(),
            name=self.name_edit.text(), personnummer=self.pnr_edit.text() if pnr else "",
            birth_date=None if pnr else self.birth_edit.date().toPython(), email=self.email_edit.text())

    def _clear_errors(self) -> None:
        for label in (*self.errors.values(), self.general_error):
            label.clear()
            label.hide()

    def show_error(self, err: UserError) -> None:
        label = self.errors.get(err.field or "", self.general_error)
        label.setText(err.message)
        label.show()
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.layout().totalHeightForWidth(self.width())))
        widget = {"product": self.product, "valid_from": self.valid_from, "valid_to": self.valid_to,
                  "name": self.name_edit, "personnummer": self.pnr_edit, "birth_date": self.birth_edit,
                  "email": self.email_edit}.get(err.field or "")
        if widget is not None and widget.isEnabled():
            widget.setFocus()

    def save(self) -> None:
        self._clear_errors()
        command = self.command()
        if command.product_id is None:
            self.show_error(UserError("Organisationen har inga produkter att förbeställa. Kontrollera prislistan.",
                                      field="product"))
            return
        today = self.services.core.clock.today()
        try:  # the same checks the routine makes, at once and next to the field
            check_validity(command.valid_from, command.valid_to, today)
            check_person(command.name, command.personnummer, command.birth_date, command.email, today)
        except UserError as err:
            self.show_error(err)
            return
        self.save_button.setEnabled(False)
        core, actor = self.services.core, self.services.actor
        self.runner.run(lambda report: AddPreOrder(core).execute(command, actor), self._saved, self._refused)

    def _saved(self, preorder_id: int) -> None:
        self.created_id = preorder_id
        self.accept()

    def _refused(self, err: UserError) -> None:
        self.save_button.setEnabled(True)
        self.show_error(err)

    def done(self, result: int) -> None:
        self.runner.wait()
        super().done(result)

    @classmethod
    def ask(cls, services: UiServices, org_id: int, products: list[ProductChoice],
            parent: QWidget | None = None) -> int | None:
        """Show the dialog; the new pre-order's id, or None when cancelled."""
        dialog = cls(services, org_id, products, parent)
        try:
            return dialog.created_id if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
