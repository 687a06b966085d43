"""Fakturor: all the person's invoices with Visa, Skriv ut, Skicka, Betala and Kreditera, and the dialog
asking why an invoice is credited.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QTableWidget, QVBoxLayout, QWidget)

from app.domain.money import format_sek
from app.errors import NotAllowed, UserError
from app.orders import TILL_MISSING_REASON
from app.queries.person_card import PersonCardData
from app.rights import TILL, require
from app.routines.invoices import (CreditedInvoice, CreditInvoice, CreditInvoiceRoutine, InvoiceDetails, InvoiceOrder,
                                   PayInvoiceAtDesk, PayInvoiceAtDeskRoutine, SendInvoice, SendInvoiceRoutine,
                                   credit_refusal, invoice_details, invoice_file_name, paid_invoice_number, pay_refusal)
from widgets import printing
from widgets.invoice_pdf import invoice_document, invoice_title, render_invoice_pdf
from widgets.person_tabs.common import CardHost, day_text, fill_table, read_only_table
from widgets.person_tabs.files import open_with_desktop, write_file
from widgets.search_panel import QueryRunner
from widgets.tones import tone_style


INVOICE_DIR = "fakturor"
INVOICE_STATUS = {"obetald": "Obetald", "betald": "Betald", "krediterad": "Krediterad"}
SELECT_INVOICE = "Markera en faktura i listan."


class CreditReasonDialog(QDialog):
    """Kreditera: asks why the invoice is credited; Kreditera is enabled once a reason is written."""

    def __init__(self, invoice_number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Kreditera faktura {invoice_number}")
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setObjectName("reason")
        self.reason_edit.setTabChangesFocus(True)
        label = QLabel(f"Varför krediteras faktura {invoice_number}? Orsaken sparas med ditt namn.", self)
        label.setWordWrap(True)
        label.setBuddy(self.reason_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Kreditera")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Avbryt")
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        self.ok_button.setEnabled(bool(self.reason()))

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    @classmethod
    def ask(cls, parent: QWidget | None, invoice_number: int) -> str | None:
        """The reason, or None when the user cancels."""
        dialog = cls(invoice_number, parent)
        try:
            return dialog.reason() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


class InvoicesTab(QWidget):
    """All the person's invoices, autogiro and ordinary, with their status (seed "Fakturor").

    A button is enabled only when it applies to the selected invoice; otherwise
    its tooltip says why (the same rules the routines check).
    """

    COLUMNS = ("Nummer", "Typ", "Datum", "Förfaller", "Belopp", "Betalt", "Status")
    opener = staticmethod(open_with_desktop)  # replaceable in tests

    def __init__(self, card: CardHost) -> None:
        super().__init__(card)
        self.card = card
        self.data: PersonCardData | None = None
        self.invoices: tuple = ()
        self.open_orders: dict[int, int] = {}   # invoice number -> open till order paying it
        self.reader = QueryRunner.for_core(card.services.core, self, latest_only=False)
        self.table = read_only_table(self, "invoices")
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.empty = QLabel("Kunden har inga fakturor.", self)
        self.view_button = self._button("V&isa", "view_invoice")
        self.print_button = self._button("Skriv ut…", "print_invoice")
        self.send_button = self._button("&Skicka", "send_invoice")
        self.pay_button = self._button("Beta&la", "pay_invoice")
        self.credit_button = self._button("K&reditera", "credit_invoice")
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QHBoxLayout()
        for button in (self.view_button, self.print_button, self.send_button, self.pay_button, self.credit_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.view_button.clicked.connect(self.view)
        self.print_button.clicked.connect(self.print_invoice)
        self.send_button.clicked.connect(self.send)
        self.pay_button.clicked.connect(self.pay)
        self.credit_button.clicked.connect(self.credit)
        self.table.itemSelectionChanged.connect(self.update_buttons)
        self.update_buttons()

    def _button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        return button

    # -- showing -------------------------------------------------------------
    def load(self, data: PersonCardData) -> None:
        selected = self.current()
        self.data = data
        self.invoices = data.invoices
        self.open_orders = {number: o.order_number for o in data.economy.open_orders
                            if (number := paid_invoice_number(o.routine)) is not None}
        numbers = {i.id: i.invoice_number for i in data.invoices}
        rows = []
        for i in data.invoices:
            if i.is_credit:
                kind, status = "Kreditfaktura", f"Krediterar {numbers.get(i.credited_invoice_id, '')}".strip()
            else:
                kind, status = ("Autogiro" if i.kind == "autogiro" else "Faktura"), INVOICE_STATUS.get(i.status,
                                                                                                         i.status)
                if i.status == "obetald" and i.invoice_number in self.open_orders:
                    status += f" (i kassan, order {self.open_orders[i.invoice_number]})"
            rows.append((i.invoice_number, kind, day_text(i.issued_on), day_text(i.due_on), format_sek(i.amount_ore),
                         "" if i.is_credit else format_sek(i.paid_ore), status))
        fill_table(self.table, self.COLUMNS, rows)
        self.empty.setVisible(not rows)
        if selected is not None:
            row = next((r for r, i in enumerate(self.invoices) if i.id == selected.id), None)
            if row is not None:
                self.table.selectRow(row)
        self.update_buttons()

    def current(self):
        row = self.table.currentRow()
        selected = self.table.selectionModel().hasSelection()
        return self.invoices[row] if selected and 0 <= row < len(self.invoices) else None

    def select_invoice(self, invoice_number: int) -> None:
        row = next((r for r, i in enumerate(self.invoices) if i.invoice_number == invoice_number), None)
        if row is not None:
            self.table.selectRow(row)

    def update_buttons(self) -> None:
        invoice = self.current()
        if invoice is None:
            for button in (self.view_button, self.print_button, self.send_button, self.pay_button,
                           self.credit_button):
                self._state(button, SELECT_INVOICE)
            return
        self._state(self.view_button, None, "Visa fakturan som PDF")
        self._state(self.print_button, None, "Skriv ut fakturan (utskriftsdialogen, där den också kan sparas som "
                                             "PDF)")
        email = self.data.person.email.strip() if self.data else ""
        self._state(self.send_button, None if email else "Kunden saknar e-postadress. Skriv in den under Basuppgifter.",
                    f"Skicka fakturan som PDF till {email}")
        open_order = self.open_orders.get(invoice.invoice_number)
        pay = self._till_refusal(needs_till=True) or pay_refusal(
            invoice.status, invoice.amount_ore, invoice.paid_ore, invoice.is_credit, open_order)
        self._state(self.pay_button, pay, f"Betala {format_sek(invoice.amount_ore - invoice.paid_ore)} i kassan")
        credit = self._till_refusal(needs_till=False) or credit_refusal(invoice.status, invoice.is_credit, open_order)
        self._state(self.credit_button, credit, "Kreditera fakturan med en kreditfaktura")

    def _till_refusal(self, *, needs_till: bool) -> str | None:
        services = self.card.services
        try:
            require(services.actor, TILL)
        except NotAllowed as error:
            return error.message
        if needs_till and not services.core.till_enabled:
            return TILL_MISSING_REASON
        return None

    @staticmethod
    def _state(button: QPushButton, refusal: str | None, tooltip: str = "") -> None:
        button.setEnabled(refusal is None)
        button.setToolTip(refusal or tooltip)

    # -- the form protocol card.save_failed uses ----------------------------
    def show_error(self, error: UserError) -> None:
        self._say(error.message, error=True)

    def clear_error(self) -> None:
        self.message.hide()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(tone_style("error" if error else "ok"))
        self.message.show()
        if not error:
            self.card.services.bus.status.emit(text)

    # -- actions -------------------------------------------------------------
    def _with_pdf(self, invoice_id: int, then) -> None:
        """Read the invoice (off the UI thread on PostgreSQL), render its PDF here, then call `then`."""
        core = self.card.services.core

        def query() -> InvoiceDetails:
            with core.sessions() as session:
                return invoice_details(session, invoice_id)

        def rendered(details: InvoiceDetails) -> None:
            then(details, render_invoice_pdf(details))

        self.reader.run(query, rendered, self._failed)

    def _run(self, routine_class, command, done) -> None:
        routine, actor = routine_class(self.card.services.core), self.card.services.actor
        self.card.writer.run(lambda: routine.execute(command, actor), done, self._failed)

    def _failed(self, error: Exception) -> None:
        self.card.save_failed(self, error)

    def view(self) -> None:
        invoice = self.current()
        if invoice is not None:
            self._with_pdf(invoice.id, self._show_pdf)

    def _show_pdf(self, details: InvoiceDetails, pdf: bytes) -> None:
        path = Path(self.card.services.user_data_dir) / INVOICE_DIR / invoice_file_name(details.invoice_number)
        try:
            write_file(path, pdf)
        except OSError as error:
            self.show_error(UserError(f"Fakturan kunde inte sparas i {path.parent}: {error.strerror or error}."))
            return
        if not self.opener(path):
            self.show_error(UserError(f"Fakturan sparades som {path} men kunde inte öppnas. Öppna filen därifrån."))
            return
        self._say(f"Faktura {details.invoice_number} visas ({path.name}).")

    def print_invoice(self) -> None:
        invoice = self.current()
        if invoice is None:
            return
        core = self.card.services.core

        def query() -> InvoiceDetails:
            with core.sessions() as session:
                return invoice_details(session, invoice.id)

        def printed(details: InvoiceDetails) -> None:
            try:
                if printing.print_with_dialog(self, invoice_document(details)):
                    self._say(f"{invoice_title(details)} {details.invoice_number} är utskriven.")
            except printing.PrintFailed as err:
                self.show_error(UserError(str(err)))

        self.reader.run(query, printed, self._failed)

    def send(self) -> None:
        invoice = self.current()
        if invoice is None:
            return

        def queue(details: InvoiceDetails, pdf: bytes) -> None:
            self._run(SendInvoiceRoutine, SendInvoice(details.invoice_id, pdf),
                      lambda sent: self._say(f"Faktura {sent.invoice_number} skickas till {sent.recipient}."))

        self._with_pdf(invoice.id, queue)

    def pay(self) -> None:
        invoice = self.current()
        if invoice is not None:
            self._run(PayInvoiceAtDeskRoutine, PayInvoiceAtDesk(invoice.id), self._paid)

    def _paid(self, order: InvoiceOrder) -> None:
        bus = self.card.services.bus
        self._say(f"Order {order.order_number} på {format_sek(order.amount_ore)} för faktura {order.invoice_number} "
                  "är öppnad i kassan.")
        bus.order_created.emit(order.order_id)
        if self.card.person_id is not None:
            bus.person_changed.emit(self.card.person_id)

    def credit(self) -> None:
        invoice = self.current()
        if invoice is None:
            return
        reason = CreditReasonDialog.ask(self, invoice.invoice_number)
        if not reason:
            return
        self._run(CreditInvoiceRoutine, CreditInvoice(invoice.id, reason), self._credited)

    def _credited(self, result: CreditedInvoice) -> None:
        self._say(f"Faktura {result.invoice_number} är krediterad med kreditfaktura {result.credit_invoice_number} "
                  f"({format_sek(result.credited_ore)}).")
        if self.card.person_id is not None:
            self.card.services.bus.person_changed.emit(self.card.person_id)


def invoices_tab(card) -> InvoicesTab:
    return InvoicesTab(card)
