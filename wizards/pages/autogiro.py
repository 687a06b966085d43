"""Autogiromedgivande (SPEC §5): account holder (18 or older), holder's personnummer, clearing and account.

Each field is checked by the mandate rules (app/routines/mandate.py,
app/domain/bankaccount.py) when it is left, the message under the field. A
Swedbank account whose check digit cannot be verified gives a warning that does
not block. For an existing customer the current mandate is shown; "Byt
medgivande" replaces it — unless it is "Hos BGC", then the page says why it
cannot be replaced. The holder is prefilled from the person.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QVBoxLayout

from app.domain.bankaccount import parse_bank_account
from app.domain.personnummer import parse_personnummer
from app.errors import ValidationError
from app.queries.catalog import MandateRow, current_mandate
from app.routines.mandate import HOS_BGC_MESSAGE, check_mandate
from app.routines.registration_data import MandateData
from widgets.input_rules import limit
from widgets.services import UiServices
from widgets.tones import tone_style
from wizards.base import ReceptionPage, set_message

STATUS_LABELS = {"ny": "Ny (skickas till BGC)", "hos_bgc": "Hos BGC", "aktivt": "Aktivt"}
_VALID = MandateData(holder_name="A", holder_personnummer="19850709-9805", clearing="5000", account="1234560")
FIELDS = ("holder_name", "holder_personnummer", "clearing", "account")


def masked_account(account: str) -> str:
    return "•" * max(0, len(account) - 4) + account[-4:]


class AutogiroPage(ReceptionPage):
    """The Autogiromedgivande page.

    ``person_id``: the payer when they are a customer already (their current mandate is shown).
    ``holder()``: (name, personnummer) to prefill the holder with — the person on the earlier pages.
    ``require_new``: flow 8 — the page exists to enter a new mandate, so no "keep the current one".
    """

    def __init__(self, services: UiServices, *, person_id: int | None = None,
                 holder: Callable[[], tuple[str, str]] | None = None, require_new: bool = False,
                 title: str = "Autogiromedgivande") -> None:
        super().__init__(services, title, "Kontoinnehavaren måste vara minst 18 år.")
        self._person_id = person_id
        self._holder = holder
        self._require_new = require_new
        self.current: MandateRow | None = None
        if person_id is not None:
            with services.core.sessions() as session:
                self.current = current_mandate(session, person_id)

        layout = QVBoxLayout(self)
        self.current_box = QGroupBox("Nuvarande medgivande", self)
        current_layout = QVBoxLayout(self.current_box)
        self.current_text = QLabel(self.current_box)
        self.current_text.setObjectName("current_mandate")
        self.current_text.setWordWrap(True)
        current_layout.addWidget(self.current_text)
        self.replace_box = QCheckBox("&Byt medgivande", self.current_box)
        self.replace_box.setObjectName("replace_mandate")
        current_layout.addWidget(self.replace_box)
        self.blocked = QLabel(HOS_BGC_MESSAGE, self.current_box)
        self.blocked.setObjectName("mandate_blocked")
        self.blocked.setWordWrap(True)
        self.blocked.setStyleSheet(tone_style("warning"))
        current_layout.addWidget(self.blocked)
        layout.addWidget(self.current_box)

        form = QFormLayout()
        labels = {"holder_name": "Kontoinnehavarens n&amn", "holder_personnummer": "Kontoinnehavarens &personnummer",
                  "clearing": "&Clearingnummer", "account": "&Kontonummer"}
        self.edits: dict[str, QLineEdit] = {}
        self.field_errors: dict[str, QLabel] = {}
        for name in FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(name)
            if name == "holder_name":
                limit(edit, name)  # the model column's length
            label = QLabel(labels[name], self)
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.field_errors[name] = self.error_label(name)
            form.addRow("", self.field_errors[name])
            edit.editingFinished.connect(lambda n=name: self._left(n))
            edit.textEdited.connect(lambda _t, n=name: self._edited(n))
            edit.textChanged.connect(lambda _t: self.completeChanged.emit())
            self.watch(edit)
            self.edits[name] = edit
            self.registerField(name, edit)
        self.edits["holder_personnummer"].setPlaceholderText("ÅÅÅÅMMDD-NNNN")
        self.edits["clearing"].setPlaceholderText("4 siffror (Swedbank 8xxx-x)")
        layout.addLayout(form)
        self.bank = QLabel(self)
        self.bank.setObjectName("bank_name")
        layout.addWidget(self.bank)
        self.warning = QLabel(self)
        self.warning.setObjectName("account_warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(tone_style("warning"))
        self.warning.hide()
        layout.addWidget(self.warning)
        self.mandate_error = self.error_label("mandate")
        layout.addWidget(self.mandate_error)
        layout.addStretch(1)

        self.check_when_opened(*self.edits.values())
        self.replace_box.toggled.connect(self._replace_toggled)
        self.watch(self.replace_box)
        self._show_current()

    # -- public ---------------------------------------------------------------
    def at_bgc(self) -> bool:
        return self.current is not None and not self.current.replaceable

    def entering_new(self) -> bool:
        """True when the page's fields make a new mandate (no current one, or Byt medgivande)."""
        if self.at_bgc():
            return False
        if self.current is None or self._require_new:
            return True
        return self.replace_box.isChecked()

    def mandate(self) -> MandateData | None:
        """The new mandate, or None when the current one is kept."""
        if not self.entering_new():
            return None
        e = self.edits
        return MandateData(e["holder_name"].text(), e["holder_personnummer"].text(), e["clearing"].text(),
                           e["account"].text())

    # -- behaviour --------------------------------------------------------------
    def _show_current(self) -> None:
        m = self.current
        self.current_box.setVisible(m is not None)
        if m is not None:
            holder = parse_personnummer(m.holder_personnummer, self.today()).formatted() \
                if len(m.holder_personnummer) == 12 else m.holder_personnummer
            self.current_text.setText(f"{m.holder_name} ({holder})\n{m.bank_name}, clearing {m.clearing}, konto "
                                      f"{masked_account(m.account_number)}\nStatus: {STATUS_LABELS.get(m.status, m.status)}")
        self.blocked.setVisible(self.at_bgc())
        self.replace_box.setVisible(m is not None and not self.at_bgc() and not self._require_new)
        self._replace_toggled(self.replace_box.isChecked())

    def _replace_toggled(self, _checked: bool) -> None:
        new = self.entering_new()
        for edit in self.edits.values():
            edit.setEnabled(new)
        if not new:
            for name in FIELDS:
                self.clear_field_error(name)
            self.warning.hide()
        self.completeChanged.emit()

    def field_problem(self, name: str) -> str | None:
        today = self.today()
        e = self.edits
        try:
            if name in ("holder_name", "holder_personnummer"):
                check_mandate(replace(_VALID, **{name: e[name].text()}), today)
            elif name == "clearing":
                parse_bank_account(e["clearing"].text(), e["account"].text() or "0")
            else:
                parse_bank_account(e["clearing"].text(), e["account"].text())
        except ValidationError as err:
            if name == "account" and err.field != "account":
                return None  # the clearing number's own message is under Clearingnummer
            if name == "clearing" and err.field != "clearing":
                return None
            return err.message
        return None

    def _edited(self, name: str) -> None:
        if self.field_problem(name) is None:
            self.clear_field_error(name)
        if name in ("clearing", "account"):
            self.warning.hide()
            self.bank.clear()

    def _left(self, name: str) -> None:
        if not self.entering_new():
            return
        if not self.edits[name].text().strip():
            return
        set_message(self.field_errors[name], self.field_problem(name))
        if name in ("clearing", "account"):
            self._show_bank()
        self.completeChanged.emit()

    def _show_bank(self) -> None:
        try:
            bank = parse_bank_account(self.edits["clearing"].text(), self.edits["account"].text())
        except ValidationError:
            self.warning.hide()
            return
        self.bank.setText(f"Bank: {bank.bank_name}, konto {bank.formatted()}")
        set_message(self.warning, bank.warning)

    def enter_page(self, first: bool) -> None:
        if self._holder is not None and self.entering_new():
            name, pnr = self._holder()
            for field, value in (("holder_name", name), ("holder_personnummer", pnr)):
                if not self.edits[field].text().strip() and value:
                    self.edits[field].setText(value)
        self.completeChanged.emit()

    def start_field(self):
        """The first empty field (the holder is usually prefilled), else the first field."""
        first_empty = next((e for e in self.edits.values() if e.isEnabled() and not e.text().strip()), None)
        return first_empty or super().start_field()

    # -- QWizardPage ------------------------------------------------------------
    def blocked_reason(self) -> str | None:
        if self.at_bgc():
            return HOS_BGC_MESSAGE if self._require_new else None
        if not self.entering_new():
            return None
        try:
            check_mandate(self.mandate(), self.today())
        except ValidationError as err:
            return err.message
        return None

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        data = self.mandate()
        if data is None:
            return True
        try:
            checked = check_mandate(data, self.today())
        except ValidationError as err:
            self.show_error(err)
            return False
        set_message(self.warning, checked.warning)
        return True
