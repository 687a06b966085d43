"""The till window (Kassa): this desk's open orders, the chosen order's lines, and payment.

An order created by any routine opens here at once (bus.order_created). The
receptionist takes payment with the keyboard: Up/Down choose the order, F5
Kontant (asks for the amount handed over and shows the change), F6 Kort,
F7 Swish, F8 Faktura (each asks once with the amount: Enter pays, Esc goes back
with nothing paid), Alt+M Makulera (refused, with the reason on the button, for
an order whose routine already changed a subscription).

After payment the receipt PDF is stored with the order and written to
<user data>/kvitton/kvitto-<ordernummer>.pdf, and the till shows the order just
paid with "Skriv ut kvitto" (Ctrl+P, the print dialog) and "Spara som PDF…";
nothing is selected, so a habitual F5/F6 cannot take the next customer's money.
The paid state (and its "är betald" text) goes when another order is chosen or
opened. With the desk setting "Skriv ut kvitton direkt" the receipt is printed
on the chosen receipt printer without the dialog.

Database work runs on one worker thread (in order), never on the UI thread;
results come back through a queued signal. Without a till on this desk
(kassakoppling) the window shows why instead of the payment buttons.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.clock import STOCKHOLM
from app.domain.money import format_sek
from app.errors import ConnectionLost, UserError
from app.orders import METHOD_NAMES, TILL_MISSING_REASON, OpenOrderRow, OrderSummary, open_orders, order_summary
from app.rights import TILL
from app.routines.base import user_error_for
from app.routines.pay_order import (CancelOrder, CancelOrderRoutine, PaidOrder, PayOrder, PayOrderRoutine, StoreReceipt,
                                    StoreReceiptRoutine)
from app.settings import load_settings
from widgets import printing
from widgets.errors import show_user_error
from widgets.printing import PrintDocument
from widgets.receipt import receipt_document, vat_rate_text
from widgets.services import UiServices
from widgets.till.cancel import CancelDialog
from widgets.till.cash import CashDialog
from widgets.till.confirm import PaymentConfirmDialog
from widgets.till.receipt_files import receipt_path, write_receipt_file
from widgets.till.worker import Bridge, Worker
from widgets.tones import set_muted

log = logging.getLogger("reception.till")

NO_RIGHT = f"Du saknar rättigheten ”{TILL}” och kan inte ta betalt. Be en administratör om behörighet."
TILL_OFFLINE = ("Ingen kontakt med servern – kassan tar inte betalt just nu. Order och betalningar finns bara på "
               "servern; en order från en köad åtgärd kommer hit när åtgärden har skickats.")


@dataclass(frozen=True)
class _Paid:
    paid: PaidOrder
    summary: OrderSummary
    club_name: str


@dataclass(frozen=True)
class PaidView:
    """The order just paid, as the till shows it until the receptionist chooses another order."""

    paid: PaidOrder
    summary: OrderSummary
    receipt: PrintDocument
    pdf: bytes


class TillWindow(QWidget):
    """Kassa for this desk. `show_order(order_id)` opens an order; bus.order_created does the same."""

    # Replaceable in tests: the dialogs and how errors are shown.
    cash_dialog = CashDialog
    confirm_dialog = PaymentConfirmDialog
    cancel_dialog = CancelDialog
    error_box = staticmethod(show_user_error)

    ORDER_COLUMNS = ("Ordernr", "Kund", "Belopp", "Skapad")
    LINE_COLUMNS = ("Beskrivning", "Period", "Antal", "Belopp", "Moms")

    def __init__(self, services: UiServices, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services = services
        self.core = services.core
        self.actor = services.actor
        self.setWindowTitle(f"Kassa – {self.core.desk}")
        self.resize(1100, 620)
        self._rows: list[OpenOrderRow] = []
        self.summary: OrderSummary | None = None
        self._summary_token = 0
        self._select_next: int | None = None
        self.paid_view: PaidView | None = None  # after a payment: its receipt, and no order selected
        self._busy = False
        self._unconfirmed_payment: PayOrder | None = None  # kept while the connection is broken
        self._worker = Worker(self)

        # Left: open orders
        self.orders_table = QTableWidget(0, len(self.ORDER_COLUMNS))
        self.orders_table.setHorizontalHeaderLabels(self.ORDER_COLUMNS)
        self.orders_table.setAccessibleName("Öppna ordrar")
        self._setup_table(self.orders_table, stretch=1)
        orders_label = QLabel("Ö&ppna ordrar")
        orders_label.setBuddy(self.orders_table)
        orders_label.setStyleSheet("font-weight: 600;")
        self.refresh_button = QPushButton("&Uppdatera")
        self.refresh_button.setShortcut(QKeySequence("Ctrl+R"))
        self.refresh_button.setToolTip("Läs om kassans öppna ordrar (Ctrl+R)")
        self.refresh_button.clicked.connect(lambda: self.reload())
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(orders_label)
        head.addStretch(1)
        head.addWidget(self.refresh_button)
        left_layout.addLayout(head)
        left_layout.addWidget(self.orders_table)

        # Right: the chosen order
        self.order_title = QLabel()
        self.order_title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.order_title.setWordWrap(True)
        self.order_subtitle = QLabel()
        set_muted(self.order_subtitle)
        self.lines_table = QTableWidget(0, len(self.LINE_COLUMNS))
        self.lines_table.setHorizontalHeaderLabels(self.LINE_COLUMNS)
        self.lines_table.setAccessibleName("Orderrader")
        self._setup_table(self.lines_table, stretch=0)
        self.lines_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.lines_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.total_label = QLabel()
        self.total_label.setStyleSheet("font-size: 18pt; font-weight: 700;")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.vat_label = QLabel()
        self.vat_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        set_muted(self.vat_label)

        self.pay_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        for method, key in (("kontant", "F5"), ("kort", "F6"), ("swish", "F7"), ("faktura", "F8")):
            button = QPushButton(f"{METHOD_NAMES[method]} ({key})")
            button.setShortcut(QKeySequence(key))
            button.setMinimumHeight(44)
            button.setStyleSheet("font-size: 11pt; font-weight: 600;")
            button.clicked.connect(lambda _checked=False, m=method: self.pay(m))
            self.pay_buttons[method] = button
            buttons.addWidget(button)
        self.cancel_button = QPushButton("&Makulera")
        self.cancel_button.setMinimumHeight(44)
        self.cancel_button.clicked.connect(self.cancel_order)
        buttons.addSpacing(12)
        buttons.addWidget(self.cancel_button)
        self.buttons_box = QWidget()
        self.buttons_box.setLayout(buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        # After a payment: the receipt of the order just paid.
        self.print_button = QPushButton("Skriv ut &kvitto (Ctrl+P)")
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.setMinimumHeight(44)
        self.print_button.setStyleSheet("font-size: 11pt; font-weight: 600;")
        self.print_button.setAutoDefault(True)  # Enter on the focused button prints, as Space does
        self.print_button.clicked.connect(self.print_receipt)
        self.save_pdf_button = QPushButton("Spara som P&DF…")
        self.save_pdf_button.setMinimumHeight(44)
        self.save_pdf_button.clicked.connect(self.save_receipt_pdf)
        receipt_row = QHBoxLayout()
        receipt_row.setContentsMargins(0, 0, 0, 0)
        receipt_row.addWidget(self.print_button)
        receipt_row.addWidget(self.save_pdf_button)
        receipt_row.addStretch(1)
        self.receipt_box = QWidget()
        self.receipt_box.setObjectName("receipt_box")
        self.receipt_box.setLayout(receipt_row)
        self.disabled_label = QLabel(TILL_MISSING_REASON)
        self.disabled_label.setWordWrap(True)
        self.disabled_label.setStyleSheet(
            "background: #fff4e5; border: 1px solid #e0a040; padding: 10px; font-size: 11pt; color: #4a3000;")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.order_title)
        right_layout.addWidget(self.order_subtitle)
        right_layout.addWidget(self.lines_table, 1)
        right_layout.addWidget(self.total_label)
        right_layout.addWidget(self.vat_label)
        right_layout.addWidget(self.buttons_box)
        right_layout.addWidget(self.receipt_box)
        right_layout.addWidget(self.disabled_label)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([480, 600])
        splitter.setChildrenCollapsible(False)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet("font-size: 12pt;")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        # Offline (a desk on the shared database without contact): orders and payments live on the server.
        self.offline_label = QLabel(TILL_OFFLINE)
        self.offline_label.setObjectName("till_offline")
        self.offline_label.setWordWrap(True)
        self.offline_label.setStyleSheet(
            "background: #fff4ce; border: 1px solid #c77700; padding: 10px; font-size: 11pt; color: #4a3000;")
        self.offline_label.setVisible(self.core.working_offline)
        layout.addWidget(self.offline_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status_label)
        if self.core.connectivity is not None:
            self._bridge_state = Bridge(self)
            self._bridge_state.finished.connect(lambda *_: self._connectivity_changed())
            self._unsubscribe_state = self.core.connectivity.subscribe(
                lambda _c: self._bridge_state.finished.emit(None, None, None))

        self.orders_table.currentCellChanged.connect(lambda row, *_: self._current_changed(row))
        services.bus.order_created.connect(self.show_order)
        self._apply_state()

    # -- construction helpers ------------------------------------------------
    @staticmethod
    def _setup_table(table: QTableWidget, stretch: int) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    @staticmethod
    def _item(text: str, *, right: bool = False) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        if right:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    # -- state ---------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while something is being read or written (tests wait for this to become False)."""
        return self._busy or self._worker.pending > 0

    def selected_order(self) -> OpenOrderRow | None:
        row = self.orders_table.currentRow()
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def _apply_state(self) -> None:
        enabled = self.core.till_enabled
        paid = self.paid_view is not None
        self.buttons_box.setVisible(enabled and not paid)
        self.receipt_box.setVisible(paid)
        self.disabled_label.setVisible(not enabled)
        has_right = TILL in self.actor.rights
        can_pay = enabled and has_right and not self._busy and self.summary is not None \
            and self.summary.status == "oppen"
        for button in self.pay_buttons.values():
            button.setEnabled(can_pay)
            button.setToolTip("" if has_right else NO_RIGHT)
        refusal = self.summary.cancel_refusal if can_pay and self.summary is not None else None
        self.cancel_button.setEnabled(can_pay and refusal is None)
        self.cancel_button.setToolTip(NO_RIGHT if not has_right else refusal or "")
        for button in (self.print_button, self.save_pdf_button):
            button.setEnabled(paid and not self._busy)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._apply_state()

    def show_status(self, text: str) -> None:
        self.status_label.setText(text)

    # -- loading -------------------------------------------------------------
    def show_order(self, order_id: int) -> None:
        """Open the till on this order (called for bus.order_created)."""
        self.reload(select_order_id=order_id)
        self.show()
        self.raise_()
        self.activateWindow()
        self.orders_table.setFocus()

    def reload(self, select_order_id: int | None = None) -> None:
        """Read this desk's open orders again; keep the selection, or select `select_order_id`."""
        if select_order_id is not None:
            self._select_next = select_order_id
        core, actor = self.core, self.actor

        def work() -> list[OpenOrderRow]:  # refused without the right Kassa (the reason is shown)
            with core.sessions() as session:
                return open_orders(session, actor, core.desk)

        self._worker.run(work, self._show_rows, self._failed)

    def _show_rows(self, rows: list[OpenOrderRow]) -> None:
        current = self.selected_order()
        wanted = self._select_next if self._select_next is not None else (current.order_id if current else None)
        # After a payment nothing is selected (never the next customer's order) until an order is chosen or opened.
        hold_paid = self.paid_view is not None and self._select_next is None
        self._select_next = None
        self._rows = rows
        table = self.orders_table
        table.blockSignals(True)
        table.setRowCount(len(rows))
        today = self.core.clock.today()
        select_row = 0 if rows else -1
        for index, row in enumerate(rows):
            created = row.created_at.astimezone(STOCKHOLM)
            created_text = f"{created:%H:%M}" if created.date() == today else f"{created:%Y-%m-%d %H:%M}"
            cells = (self._item(str(row.order_number)), self._item(row.customer_name),
                     self._item(format_sek(row.total_ore), right=True), self._item(created_text))
            for column, item in enumerate(cells):
                table.setItem(index, column, item)
            if row.order_id == wanted:
                select_row = index
        if hold_paid:
            table.setCurrentCell(-1, -1)
            table.clearSelection()
            table.blockSignals(False)
            self._show_summary(self.paid_view.summary)
            return
        table.blockSignals(False)
        if rows:
            table.setCurrentCell(select_row, 0)
            table.selectRow(select_row)
        self._current_changed(select_row)

    def _current_changed(self, row: int) -> None:
        self._summary_token += 1
        token = self._summary_token
        order = self._rows[row] if 0 <= row < len(self._rows) else None
        if order is not None and self.paid_view is not None:
            self._leave_paid_view()
        if order is None:
            self._show_summary(self.paid_view.summary if self.paid_view is not None else None)
            return
        core, actor = self.core, self.actor

        def work() -> OrderSummary:
            with core.sessions() as session:
                return order_summary(session, actor, order.order_id)

        self._worker.run(work, lambda summary: token == self._summary_token and self._show_summary(summary),
                         self._failed)

    def _show_summary(self, summary: OrderSummary | None) -> None:
        self.summary = summary
        self.lines_table.setRowCount(0)
        if summary is None:
            self.order_title.setText("Inga öppna ordrar i kassan.")
            self.order_subtitle.setText("")
            self.total_label.setText("")
            self.vat_label.setText("")
            self._apply_state()
            return
        paid = self.paid_view.paid if self.paid_view is not None and \
            self.paid_view.summary.order_id == summary.order_id else None
        self.order_title.setText(f"Order {summary.order_number} – {summary.customer_name} "
                                 f"(kundnr {summary.customer_number})" + (" – betald" if paid else ""))
        created = summary.created_at.astimezone(STOCKHOLM)
        if paid is not None:
            self.order_subtitle.setText(f"Betald med {METHOD_NAMES[paid.method].lower()} "
                                        f"{paid.paid_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}. Välj en order i listan "
                                        "för att ta nästa betalning.")
        else:
            self.order_subtitle.setText(f"{summary.routine}, skapad {created:%Y-%m-%d %H:%M}")
        self.lines_table.setRowCount(len(summary.lines))
        for index, line in enumerate(summary.lines):
            period = ""
            if line.period_from and line.period_to:
                period = f"{line.period_from:%Y-%m-%d} – {line.period_to:%Y-%m-%d}"
            elif line.period_from:
                period = f"fr.o.m. {line.period_from:%Y-%m-%d}"
            cells = (self._item(line.description), self._item(period), self._item(str(line.quantity), right=True),
                     self._item(format_sek(line.amount_ore), right=True),
                     self._item(vat_rate_text(line.vat_basis_points), right=True))
            for column, item in enumerate(cells):
                self.lines_table.setItem(index, column, item)
        if paid is None:
            self.total_label.setText(f"Att betala: {format_sek(summary.total_ore)}")
        elif paid.method == "kontant" and paid.received_ore is not None:
            self.total_label.setText(f"Betalt: {format_sek(paid.paid_ore)} · Växel: {format_sek(paid.change_ore)}")
        else:
            self.total_label.setText(f"Betalt: {format_sek(paid.paid_ore)}")
        self.vat_label.setText(" · ".join(f"varav moms {vat_rate_text(v.vat_basis_points)}: {format_sek(v.vat_ore)}"
                                          for v in summary.vat))
        self._apply_state()

    # -- payment -------------------------------------------------------------
    def pay(self, method: str) -> None:
        summary = self.summary
        if self._busy or summary is None or summary.status != "oppen":
            return
        received = None
        if method == "kontant":
            received = self.cash_dialog.ask(self, summary.total_ore)
            if received is None:
                return
        elif not self.confirm_dialog.ask(self, method, summary.total_ore):
            self.show_status("Ingen betalning gjordes.")
            return
        if self._busy or self.summary is None or self.summary.order_id != summary.order_id:
            return  # the till changed while the question was open
        core, actor = self.core, self.actor
        command = PayOrder(summary.order_id, method, received)
        retry = self._unconfirmed_payment
        if retry is not None and (retry.order_id, retry.method, retry.received_ore) == \
                (command.order_id, command.method, command.received_ore):
            command = retry  # the same payment again after a broken connection: it runs at most once
        self._unconfirmed_payment = command

        def work() -> _Paid:
            paid = PayOrderRoutine(core).execute(command, actor)
            with core.sessions() as session:
                return _Paid(paid, order_summary(session, actor, paid.order_id), load_settings(session).club_name)

        self._set_busy(True)
        self.show_status(f"Tar betalt för order {summary.order_number}…")
        self._worker.run(work, self._paid, self._action_failed)

    def _paid(self, result: _Paid) -> None:
        self._unconfirmed_payment = None
        paid = result.paid
        receipt = receipt_document(result.summary, result.club_name, self.core.desk, paid.paid_at, paid.method,
                                   self.actor.full_name, received_ore=paid.received_ore, change_ore=paid.change_ore,
                                   rounding_ore=paid.rounding_ore, invoice_number=paid.invoice_number,
                                   invoice_due_on=paid.invoice_due_on)
        pdf = printing.pdf_bytes(receipt)
        self.paid_view = PaidView(paid, result.summary, receipt, pdf)
        core, actor, data_dir = self.core, self.actor, self.services.user_data_dir

        def work() -> tuple[Path | None, str]:
            StoreReceiptRoutine(core).execute(StoreReceipt(paid.order_id, pdf), actor)
            try:
                return write_receipt_file(data_dir, paid.order_number, pdf), ""
            except OSError as err:
                log.warning("Receipt file for order %s not written: %s", paid.order_number, err)
                return None, str(err)

        def stored(outcome: tuple[Path | None, str]) -> None:
            path, problem = outcome
            note = (f"Kvittot är sparat: {path}" if path
                    else f"Kvittot sparades med ordern men inte som fil ({problem}).")
            self._finish_payment(paid, note)

        def store_failed(error: BaseException) -> None:
            if not isinstance(error, UserError):
                self._set_busy(False)
                raise error
            self._finish_payment(paid, f"Kvittot kunde inte sparas: {error.message}")

        self._worker.run(work, stored, store_failed)

    def _finish_payment(self, paid: PaidOrder, receipt_note: str) -> None:
        how = METHOD_NAMES[paid.method].lower()
        text = f"Order {paid.order_number} är betald ({how}, {format_sek(paid.paid_ore)})."
        if paid.method == "kontant" and paid.received_ore is not None:
            text += f" Växel: {format_sek(paid.change_ore)}."
        if paid.invoice_number is not None:
            text += f" Faktura {paid.invoice_number} förfaller {paid.invoice_due_on:%Y-%m-%d}."
        printed = self._print_directly()
        self.show_status("\n".join(part for part in (text, receipt_note, printed) if part))
        self.services.bus.status.emit(text)
        self.services.bus.person_changed.emit(paid.person_id)
        self._set_busy(False)
        self._show_summary(self.paid_view.summary)
        self.reload()
        self.print_button.setFocus()

    # -- the receipt ----------------------------------------------------------
    def _receipt_printer(self) -> tuple[bool, str]:
        """(print without the dialog, the chosen receipt printer) from this desk's settings."""
        desk = self.services.desk
        if desk is None:
            return False, ""
        return desk.print_receipts_directly, desk.receipt_printer

    def _print_directly(self) -> str:
        """With "Skriv ut kvitton direkt": the receipt goes to the desk's printer now; returns what to say."""
        direct, printer_name = self._receipt_printer()
        if not direct or self.paid_view is None:
            return ""
        if not printer_name:
            return "Kvittot skrevs inte ut: ingen kvittoskrivare är vald under Inställningar för den här datorn."
        problem = printing.print_direct(self.paid_view.receipt, printer_name)
        return problem or f"Kvittot är utskrivet på {printer_name}."

    def print_receipt(self) -> None:
        """Skriv ut kvitto: the print dialog, with the desk's receipt printer chosen."""
        view = self.paid_view
        if view is None:
            return
        try:
            printed = printing.print_with_dialog(self, view.receipt, self._receipt_printer()[1])
        except printing.PrintFailed as err:
            self.show_status(str(err))
            return
        if printed:
            self.show_status(f"Kvittot för order {view.paid.order_number} är utskrivet.")

    def save_receipt_pdf(self) -> None:
        view = self.paid_view
        if view is None:
            return
        suggested = receipt_path(self.services.user_data_dir, view.paid.order_number)
        try:
            path = printing.save_pdf_as(self, view.pdf, suggested, "Spara kvitto som PDF")
        except OSError as err:
            self.show_status(f"Kvittot kunde inte sparas: {err.strerror or err}.")
            return
        if path is not None:
            self.show_status(f"Kvittot för order {view.paid.order_number} är sparat som {path}.")

    def _leave_paid_view(self) -> None:
        """Another order is chosen: the paid order's receipt and its "är betald" text go."""
        self.paid_view = None
        self.show_status("")

    def cancel_order(self) -> None:
        summary = self.summary
        if self._busy or summary is None or summary.status != "oppen":
            return
        if summary.cancel_refusal is not None:
            self._failed(UserError(summary.cancel_refusal))
            return
        reason = self.cancel_dialog.ask(self, summary.order_number)
        if reason is None:
            return
        core, actor = self.core, self.actor
        command = CancelOrder(summary.order_id, reason)
        self._set_busy(True)

        def done(result) -> None:
            self.show_status(f"Order {result.order_number} är makulerad.")
            self.services.bus.person_changed.emit(result.person_id)
            self._set_busy(False)
            self.reload()

        self._worker.run(lambda: CancelOrderRoutine(core).execute(command, actor), done, self._action_failed)

    # -- failures ------------------------------------------------------------
    def _action_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self._failed(error)
        self.reload()

    def _failed(self, error: BaseException) -> None:
        error = user_error_for(error) or error
        if not isinstance(error, ConnectionLost):
            self._unconfirmed_payment = None  # refused for a reason: a new attempt is a new payment
        if isinstance(error, UserError):
            self.show_status(error.message)
            self.error_box(self, error)
            return
        raise error

    # -- Qt ------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._apply_state()
        self.reload()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._worker.shutdown()
        if self.core.connectivity is not None:
            self._unsubscribe_state()
        super().closeEvent(event)

    def _connectivity_changed(self) -> None:
        self.offline_label.setVisible(self.core.working_offline)
        if self.isVisible():
            self.reload()
