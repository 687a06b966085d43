"""Legitimering (SPEC §1.1, §5): customer type, ID document, proof, and one tick per checked document.

Nästa stays disabled until every document in ``required_checks`` is ticked and
the choices are complete; ``validatePage`` runs ``check_legitimation`` (ages,
dates, ticks) and keeps the page on a refusal, with the message at the field.

Age rules need a birth date. When it is known here (an existing customer, or a
personnummer prefilled from Personuppslagning) they are checked on this page;
in flow 1 without a prefilled personnummer the Personuppgifter page checks them
when the personnummer is typed (the seeds' order is Legitimering → Personuppgifter).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Callable

from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QRadioButton, QVBoxLayout, QWidget)

from app.domain.legitimation import (CUSTOMER_TYPE_LABELS, PENSIONER_LABELS, PROOF_LABELS,
                                     RESIDENCE_LABELS, Legitimation, check_legitimation, proof_kinds_for,
                                     proof_needs_date, required_checks)
from app.domain.inputs import ascii_key, check_date
from app.errors import UserError, ValidationError
from app.queries.catalog import selectable_customer_types
from app.settings import load_settings
from widgets.services import UiServices
from wizards.base import ReceptionPage, set_message

DATE_FORMAT_MESSAGE = "Skriv datumet som ÅÅÅÅ-MM-DD."


def parse_date(text: str) -> date | None:
    """'2027-06-30' or '20270630' -> date; '' -> None; raises ValidationError otherwise."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    m = re.fullmatch(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})", ascii_key(cleaned))
    if not m:
        raise ValidationError(DATE_FORMAT_MESSAGE)
    try:
        value = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValidationError("Datumet finns inte. " + DATE_FORMAT_MESSAGE) from None
    return check_date(value)  # 1900–2100, the app's one date range (app.domain.inputs)


class LegitimeringPage(ReceptionPage):
    """The Legitimering page.

    ``birth_date``: returns the customer's birth date when known (age rules are then checked here).
    ``organisation_customer``: flows 3/4 — no type choice (Ordinarie), plus the organisation-membership tick.
    ``has_preorder``: returns True when a matching pre-order proves the membership (no tick needed).
    ``current``: an existing customer's type to preselect (the ticks are never preselected).
    ``current_note``: a line about the customer's current type, shown at the top.
    """

    def __init__(self, services: UiServices, *, birth_date: Callable[[], date | None] | None = None,
                 organisation_customer: bool = False, has_preorder: Callable[[], bool] | None = None,
                 current: Legitimation | None = None, current_note: str = "",
                 title: str = "Legitimering") -> None:
        super().__init__(services, title, "Kontrollera kundens identitetshandling och intyg. Bocka i varje "
                                          "handling du har kontrollerat.")
        self._birth_date = birth_date or (lambda: None)
        self._organisation = organisation_customer
        self._has_preorder = has_preorder or (lambda: False)
        with services.core.sessions() as session:
            self._settings = load_settings(session)
        self._types = selectable_customer_types(self._settings)
        self._checks: dict[str, QCheckBox] = {}

        layout = QVBoxLayout(self)
        self.current_note = QLabel(current_note, self)
        self.current_note.setWordWrap(True)
        self.current_note.setVisible(bool(current_note))
        layout.addWidget(self.current_note)

        # Customer type
        self.type_box = QGroupBox("Kundtyp", self)
        type_layout = QHBoxLayout(self.type_box)
        self.type_group = QButtonGroup(self)
        self.type_buttons: dict[str, QRadioButton] = {}
        for code in self._types:
            button = QRadioButton(CUSTOMER_TYPE_LABELS[code], self.type_box)
            button.setObjectName(f"type_{code}")
            self.type_group.addButton(button)
            self.type_buttons[code] = button
            type_layout.addWidget(button)
        type_layout.addStretch(1)
        self.type_box.setVisible(not organisation_customer)
        layout.addWidget(self.type_box)
        self.type_error = self.error_label("customer_type")
        layout.addWidget(self.type_error)

        form = QFormLayout()
        self.subtype = QComboBox(self)
        self.subtype.setObjectName("pensioner_subtype")
        self.subtype.addItem("Välj typ av pensionär …", None)
        for code, label in PENSIONER_LABELS.items():
            self.subtype.addItem(label, code)
        self.subtype_label = QLabel("Typ av &pensionär", self)
        self.subtype_label.setBuddy(self.subtype)
        form.addRow(self.subtype_label, self.subtype)
        self.subtype_error = self.error_label("pensioner_subtype")
        form.addRow("", self.subtype_error)

        # ID document
        id_row = QWidget(self)
        id_layout = QHBoxLayout(id_row)
        id_layout.setContentsMargins(0, 0, 0, 0)
        self.id_group = QButtonGroup(self)
        self.id_buttons: dict[str, QRadioButton] = {}
        for code, label in (("svensk", "&Svensk"), ("utlandsk", "&Utländsk")):
            button = QRadioButton(label, id_row)
            button.setObjectName(f"id_{code}")
            self.id_group.addButton(button)
            self.id_buttons[code] = button
            id_layout.addWidget(button)
        id_layout.addStretch(1)
        self.id_buttons["svensk"].setChecked(True)
        form.addRow("Identitetshandling", id_row)
        self.id_error = self.error_label("id_document")
        form.addRow("", self.id_error)

        self.residence = QComboBox(self)
        self.residence.setObjectName("residence_proof")
        self.residence.addItem("Välj intyg om bosättning …", None)
        for code, label in RESIDENCE_LABELS.items():
            self.residence.addItem(label, code)
        self.residence_label = QLabel("&Bosatt i Sverige, intyg", self)
        self.residence_label.setBuddy(self.residence)
        form.addRow(self.residence_label, self.residence)
        self.residence_error = self.error_label("residence_proof")
        form.addRow("", self.residence_error)

        # The type's proof
        self.proof = QComboBox(self)
        self.proof.setObjectName("proof_kind")
        self.proof_label = QLabel("&Intyg", self)
        self.proof_label.setBuddy(self.proof)
        form.addRow(self.proof_label, self.proof)
        self.proof_error = self.error_label("proof_kind")
        form.addRow("", self.proof_error)
        self.valid_until = QLineEdit(self)
        self.valid_until.setObjectName("proof_valid_until")
        self.valid_until.setPlaceholderText("ÅÅÅÅ-MM-DD")
        self.valid_until.setMaximumWidth(160)
        self.valid_until_label = QLabel("Intyget &gäller t.o.m.", self)
        self.valid_until_label.setBuddy(self.valid_until)
        form.addRow(self.valid_until_label, self.valid_until)
        self.valid_until_error = self.error_label("proof_valid_until")
        form.addRow("", self.valid_until_error)
        layout.addLayout(form)
        self.registerField("proof_valid_until", self.valid_until)

        # Ticks
        self.checks_box = QGroupBox("Kontrollerade handlingar", self)
        self.checks_layout = QVBoxLayout(self.checks_box)
        layout.addWidget(self.checks_box)
        self.checks_error = self.error_label("checked", "legitimation")
        layout.addWidget(self.checks_error)
        self.age_error = self.error_label("birth_date")
        layout.addWidget(self.age_error)
        layout.addStretch(1)

        if current is not None:
            self.set_legitimation(current)
        elif len(self._types) == 1 or organisation_customer:
            first = next(iter(self.type_buttons.values()), None)
            if first is not None:
                first.setChecked(True)

        self.type_group.buttonToggled.connect(self._choices_changed)
        self.id_group.buttonToggled.connect(self._choices_changed)
        self.subtype.currentIndexChanged.connect(self._choices_changed)
        self.residence.currentIndexChanged.connect(self._choices_changed)
        self.proof.currentIndexChanged.connect(self._choices_changed)
        self.valid_until.textChanged.connect(self._date_edited)
        self.valid_until.editingFinished.connect(self._check_date)
        self.check_when_opened(self.valid_until)
        self.watch(*self.type_buttons.values(), *self.id_buttons.values(), self.subtype, self.residence, self.proof,
                   self.valid_until)
        self._choices_changed()

    # -- public ---------------------------------------------------------------
    def customer_type(self) -> str | None:
        if self._organisation:
            return "ordinarie"
        return next((code for code, b in self.type_buttons.items() if b.isChecked()), None)

    def legitimation(self) -> Legitimation:
        """What the page shows now (the date as typed; an unreadable date counts as none)."""
        ctype = self.customer_type() or ""
        try:
            valid_until = parse_date(self.valid_until.text()) if self._date_mode() != "none" else None
        except ValidationError:
            valid_until = None
        return Legitimation(
            customer_type=ctype,
            id_document="utlandsk" if self.id_buttons["utlandsk"].isChecked() else "svensk",
            pensioner_subtype=self.subtype.currentData() if ctype == "pensionar" else None,
            residence_proof=self.residence.currentData() if self.id_buttons["utlandsk"].isChecked() else None,
            proof_kind=self.proof.currentData() if self.proof.count() else None,
            proof_valid_until=valid_until,
            organisation_customer=self._organisation,
            checked=frozenset(code for code, box in self._checks.items() if box.isChecked()),
        )

    def set_legitimation(self, leg: Legitimation) -> None:
        """Preselect a type, subtype, ID document and proof (never the ticks)."""
        button = self.type_buttons.get(leg.customer_type)
        if button is not None:
            button.setChecked(True)
        if leg.pensioner_subtype:
            self.subtype.setCurrentIndex(max(0, self.subtype.findData(leg.pensioner_subtype)))
        self.id_buttons.get(leg.id_document, self.id_buttons["svensk"]).setChecked(True)
        if leg.residence_proof:
            self.residence.setCurrentIndex(max(0, self.residence.findData(leg.residence_proof)))
        self._choices_changed()
        if leg.proof_kind:
            self.proof.setCurrentIndex(max(0, self.proof.findData(leg.proof_kind)))

    def check_ages(self, birth_date: date | None) -> None:
        """Raise the age rules' ValidationError for this birth date (used by Personuppgifter in flow 1)."""
        leg = self.legitimation()
        check_legitimation(leg, birth_date, self.today(), min_age_ordinarie=self._settings.min_age_ordinarie,
                           selectable_types=frozenset(self._types), has_preorder=self._has_preorder())

    # -- behaviour --------------------------------------------------------------
    def _date_mode(self) -> str:
        ctype = self.customer_type() or ""
        return proof_needs_date(ctype, self.subtype.currentData() if ctype == "pensionar" else None)

    def _choices_changed(self, *_args) -> None:
        ctype = self.customer_type() or ""
        pensioner = ctype == "pensionar"
        self.subtype_label.setVisible(pensioner)
        self.subtype.setVisible(pensioner)
        if not pensioner:
            set_message(self.subtype_error, None)
        foreign = self.id_buttons["utlandsk"].isChecked()
        self.residence_label.setVisible(foreign)
        self.residence.setVisible(foreign)
        if not foreign:
            set_message(self.residence_error, None)

        subtype = self.subtype.currentData() if pensioner else None
        kinds = proof_kinds_for(ctype, subtype)
        current_kinds = tuple(self.proof.itemData(i) for i in range(self.proof.count()))
        if kinds != current_kinds:
            keep = self.proof.currentData()
            self.proof.blockSignals(True)
            self.proof.clear()
            for kind in kinds:
                self.proof.addItem(PROOF_LABELS[kind], kind)
            if keep in kinds:
                self.proof.setCurrentIndex(kinds.index(keep))
            self.proof.blockSignals(False)
        self.proof_label.setVisible(bool(kinds))
        self.proof.setVisible(bool(kinds))

        mode = self._date_mode()
        self.valid_until_label.setText("Intyget &gäller t.o.m." + (" (om datum finns)" if mode == "optional" else ""))
        self.valid_until_label.setVisible(mode != "none")
        self.valid_until.setVisible(mode != "none")
        if mode == "none":
            set_message(self.valid_until_error, None)
        self._rebuild_checks()
        self.clear_field_error("customer_type")
        set_message(self.age_error, None)
        self.completeChanged.emit()

    def _rebuild_checks(self) -> None:
        wanted = required_checks(self.legitimation())
        if [(c, b.text()) for c, b in self._checks.items()] == wanted:
            return
        previous = {code: (box.text(), box.isChecked()) for code, box in self._checks.items()}
        for box in self._checks.values():
            self.checks_layout.removeWidget(box)
            box.deleteLater()
        self._checks = {}
        for code, label in wanted:
            box = QCheckBox(label, self.checks_box)
            box.setObjectName(f"check_{code}")
            # A tick stays only while it is about the same document.
            box.setChecked(previous.get(code) == (label, True))
            box.toggled.connect(self._tick_changed)
            self.watch(box)
            self.checks_layout.addWidget(box)
            self._checks[code] = box

    def check_boxes(self) -> dict[str, QCheckBox]:
        return dict(self._checks)

    def _tick_changed(self, _checked: bool) -> None:
        set_message(self.checks_error, None)
        self.completeChanged.emit()

    def _date_edited(self, _text: str) -> None:
        set_message(self.valid_until_error, None)
        self.completeChanged.emit()

    def _date_problem(self) -> str | None:
        mode = self._date_mode()
        if mode == "none":
            return None
        try:
            value = parse_date(self.valid_until.text())
        except ValidationError as err:
            return err.message
        if value is None:
            return "Ange intygets giltighetsdatum." if mode == "required" else None
        if value < self.today():
            return f"Intyget gick ut {value:%Y-%m-%d}. Ett giltigt intyg krävs."
        return None

    def _check_date(self) -> None:
        if self.valid_until.text().strip():
            set_message(self.valid_until_error, self._date_problem())

    # -- QWizardPage ------------------------------------------------------------
    def blocked_reason(self) -> str | None:
        ctype = self.customer_type()
        if ctype is None:
            return "Välj kundtyp."
        if ctype == "pensionar" and self.subtype.currentData() is None:
            return "Välj typ av pensionär."
        if self.id_buttons["utlandsk"].isChecked() and self.residence.currentData() is None:
            return "Välj kundens intyg om bosättning i Sverige."
        if self.proof.count() and self.proof.currentData() is None:
            return "Välj vilket intyg kunden visar."
        problem = self._date_problem()
        if problem is not None:
            return problem
        unticked = [(code, box.text().replace("&", "")) for code, box in self._checks.items() if not box.isChecked()]
        # The organisation tick is not needed when a pre-order proves the membership (asked only when it matters).
        missing = [text for code, text in unticked if code != "organisation"] \
            or [text for code, text in unticked if not self._has_preorder()]
        if missing:
            return "Bocka i det du har kontrollerat: " + "; ".join(missing) + "."
        return None

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        self.clear_errors()
        try:
            self.check_ages(self._birth_date())
        except UserError as err:
            self.show_error(err)
            return False
        return True
