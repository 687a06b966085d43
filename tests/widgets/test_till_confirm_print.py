"""Money needs a confirmation, and the till prints (issue 14 §3, §4), driven through the real till window.

Kort (F6), Swish (F7) and Faktura (F8) ask once with the amount; Enter pays, Esc pays nothing. After a
payment the till shows the paid order's receipt and selects nothing. Makulera is refused for an order whose
routine already changed a subscription. Receipts print through Qt's print dialog (the test's printer writes
a PDF file, read back with pdftotext) or straight to the desk's receipt printer.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from sqlalchemy import func, select

from app.errors import UserError
from app.orders import order_summary
from app.routines.pay_order import CancelOrder, CancelOrderRoutine
from app.routines.subscriptions import DebitSubscription, DebitSubscriptionRoutine
from db.models import Order, Payment
from tests import shots
from tests.app import sub_builders as b
from tests.app.test_orders import FEE, TOWELS, TRAINING, charge, make_person
from tests.widgets.test_till import Errors, answer_payment_question, wait_idle
from widgets import printing
from widgets.desk_settings import DeskSettings, DeskSettingsDialog
from widgets.services import Bus, UiServices
from widgets.till.confirm import PaymentConfirmDialog
from widgets.till.window import TillWindow

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (the CI script does).")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


class PdfPrinters:
    """Stands in for the PC's printers: every printout goes to a PDF file in the test's folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[tuple[str, Path]] = []

    def __call__(self, printer_name: str = "") -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        path = self.folder / f"utskrift-{len(self.made) + 1}.pdf"
        printer.setOutputFileName(str(path))
        self.made.append((printer_name, path))
        return printer

    def printed(self) -> list[Path]:
        return [path for _name, path in self.made if path.exists()]


@pytest.fixture
def printers(tmp_path, monkeypatch) -> PdfPrinters:
    made = PdfPrinters(tmp_path)
    monkeypatch.setattr(printing, "new_printer", made)
    return made


def answer_print_dialog(accept: bool = True, titles: list | None = None) -> None:
    """When Qt's print dialog opens, press Skriv ut (accept) or Avbryt."""

    tries = iter(range(250))  # about 5 s

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QPrintDialog):
            if next(tries, None) is not None:
                QTimer.singleShot(20, answer)
            return
        if titles is not None:
            titles.append(dialog.windowTitle())
        dialog.accept() if accept else dialog.reject()

    QTimer.singleShot(0, answer)


@pytest.fixture
def recep(sqlite_core, make_actor):
    return make_actor(sqlite_core, "recep")


@pytest.fixture
def person(sqlite_core) -> int:
    return make_person(sqlite_core)


@pytest.fixture
def services(sqlite_core, recep, tmp_path) -> UiServices:
    return UiServices(core=sqlite_core, actor=recep, bus=Bus(), user_data_dir=tmp_path / "data")


@pytest.fixture
def till(qtbot, services, monkeypatch):
    errors = Errors()
    monkeypatch.setattr(TillWindow, "error_box", staticmethod(errors))
    window = TillWindow(services)
    window.errors = errors
    qtbot.addWidget(window)
    return window


def open_on(qtbot, till: TillWindow, order_id: int) -> None:
    till.show_order(order_id)
    qtbot.waitUntil(till.isActiveWindow, timeout=5000)
    wait_idle(qtbot, till)
    assert till.summary.order_id == order_id


def status_of(core, order_id: int) -> str:
    with core.sessions() as session:
        return session.get(Order, order_id).status


def payments(core) -> int:
    with core.sessions() as session:
        return session.scalar(select(func.count()).select_from(Payment))


# --------------------------------------------------------------------------
# §3 Money needs a confirmation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("key, method, question", [
    (Qt.Key.Key_F6, "kort", "Betala 199,00 kr med kort?"),
    (Qt.Key.Key_F7, "swish", "Betala 199,00 kr med Swish?"),
    (Qt.Key.Key_F8, "faktura", "Betala 199,00 kr med faktura?"),
])
def test_each_key_asks_once_with_the_amount_esc_pays_nothing_enter_pays(qtbot, till, services, recep, person, key,
                                                                        method, question):
    order_id = charge(services.core, recep, person, FEE)
    open_on(qtbot, till, order_id)
    asked: list[str] = []
    answer_payment_question(qtbot, Qt.Key.Key_Escape, asked)
    qtbot.keyClick(till.orders_table, key)
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=5000)
    wait_idle(qtbot, till)
    assert asked == [question]
    assert status_of(services.core, order_id) == "oppen" and payments(services.core) == 0
    assert till.status_label.text() == "Ingen betalning gjordes."
    assert till.summary.order_id == order_id and till.pay_buttons[method].isEnabled()

    till.activateWindow()  # the offscreen platform does not give the focus back when the question closes
    qtbot.waitUntil(till.isActiveWindow, timeout=5000)
    answer_payment_question(qtbot, Qt.Key.Key_Return, asked)
    qtbot.keyClick(till.orders_table, key)
    qtbot.waitUntil(lambda: status_of(services.core, order_id) == "betald", timeout=5000)
    wait_idle(qtbot, till)
    assert asked == [question, question]  # asked once per key press, never twice
    with services.core.sessions() as session:
        assert session.scalar(select(Payment.method)) == method
    assert payments(services.core) == 1


def test_the_question_defaults_to_betala_and_esc_is_avbryt(qtbot):
    dialog = PaymentConfirmDialog("kort", 123400)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.question.text() == "Betala 1 234,00 kr med kort?"
    assert dialog.ok_button.isDefault() and dialog.ok_button.text() == "&Betala"
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).text() == "Avbryt"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == dialog.DialogCode.Rejected


def test_after_paying_nothing_is_selected_and_a_habitual_f5_enter_takes_no_money(qtbot, till, services, recep,
                                                                                 person):
    bo = make_person(services.core, "Bo", "19121212-1212")
    bo_order = charge(services.core, recep, bo, TOWELS)  # the next customer in the queue
    anna_order = charge(services.core, recep, person, FEE)
    open_on(qtbot, till, anna_order)
    answer_payment_question(qtbot)
    qtbot.keyClick(till.orders_table, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: status_of(services.core, anna_order) == "betald", timeout=5000)
    wait_idle(qtbot, till)
    qtbot.waitUntil(lambda: till.receipt_box.isVisible(), timeout=5000)

    # The paid order's receipt state; Bo's order is listed but not chosen.
    assert till.orders_table.rowCount() == 1 and till.orders_table.item(0, 1).text() == "Bo Öberg"
    assert till.orders_table.currentRow() == -1 and not till.orders_table.selectionModel().hasSelection()
    assert till.summary.order_id == anna_order and till.summary.status == "betald"
    assert till.order_title.text().endswith("– betald") and till.total_label.text() == "Betalt: 199,00 kr"
    assert "Order 100002 är betald (kort, 199,00 kr)." in till.status_label.text()
    assert not till.buttons_box.isVisible() and till.focusWidget() is till.print_button
    till.activateWindow()
    qtbot.waitUntil(till.isActiveWindow, timeout=5000)

    # By habit: F5 and Enter, F6 and Enter — nothing is asked and nothing is paid.
    opened: list = []
    QTimer.singleShot(300, lambda: opened.append(QApplication.activeModalWidget()))
    for key in (Qt.Key.Key_F5, Qt.Key.Key_F6):
        qtbot.keyClick(till, key)
        qtbot.wait(150)
    qtbot.waitUntil(lambda: bool(opened), timeout=2000)
    assert opened == [None]
    assert status_of(services.core, bo_order) == "oppen" and payments(services.core) == 1
    # Tabbing into the list still chooses nothing.
    till.orders_table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.wait(50)
    assert till.orders_table.currentRow() == -1 and till.summary.order_id == anna_order

    # Choosing Bo's order opens it; the old "är betald" text goes.
    qtbot.keyClick(till.orders_table, Qt.Key.Key_Down)
    wait_idle(qtbot, till)
    assert till.summary.order_id == bo_order and till.total_label.text() == "Att betala: 50,00 kr"
    assert till.status_label.text() == "" and till.buttons_box.isVisible() and not till.receipt_box.isVisible()


def test_a_new_order_after_paying_opens_and_the_paid_text_goes(qtbot, till, services, recep, person):
    first = charge(services.core, recep, person, FEE)
    open_on(qtbot, till, first)
    answer_payment_question(qtbot)
    qtbot.mouseClick(till.pay_buttons["swish"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: till.receipt_box.isVisible(), timeout=5000)
    wait_idle(qtbot, till)
    assert "är betald" in till.status_label.text()
    till.reload()  # Uppdatera / a reload from elsewhere keeps the paid state
    wait_idle(qtbot, till)
    assert till.summary.order_id == first and till.receipt_box.isVisible()
    second = charge(services.core, recep, person, TRAINING)
    services.bus.order_created.emit(second)
    wait_idle(qtbot, till)
    assert till.summary.order_id == second and till.total_label.text() == "Att betala: 4 499,00 kr"
    assert "är betald" not in till.status_label.text() and not till.receipt_box.isVisible()


# --------------------------------------------------------------------------
# §3 Makulera of an order whose routine changed a subscription
# --------------------------------------------------------------------------


@pytest.fixture
def debit_order(sqlite_core, recep):
    """Debitera 1 interval of Gym AG (+ Handduk): the routine moves "debiterat t.o.m." and opens an order."""
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    b.subscription(sqlite_core, anna, cat.towel, parent_id=gym)
    result = DebitSubscriptionRoutine(sqlite_core).execute(DebitSubscription(gym, 1), recep)
    return result.order_id, gym


def test_routine_layer_refuses_makulera_of_a_debit_order_and_still_cancels_an_ordinary_one(
        sqlite_core, recep, person, debit_order):
    order_id, gym = debit_order
    charged = b.sub(sqlite_core, gym)["charged_through"]
    with pytest.raises(UserError) as refused:
        CancelOrderRoutine(sqlite_core).execute(CancelOrder(order_id, "Kunden ångrade sig"), recep)
    message = refused.value.message
    assert message.startswith("Order 100001 kan inte makuleras: rutinen ”Debitera” har redan ändrat abonnemangen "
                              "Gym AG och Handduk AG")
    assert "Faktura (F8)" in message and "kreditera fakturan" in message
    assert status_of(sqlite_core, order_id) == "oppen" and b.sub(sqlite_core, gym)["charged_through"] == charged
    with sqlite_core.sessions() as session:
        assert order_summary(session, recep, order_id).cancel_refusal == message

    ordinary = charge(sqlite_core, recep, person, FEE)  # a sale that changed no subscription
    CancelOrderRoutine(sqlite_core).execute(CancelOrder(ordinary, "Fel produkt"), recep)
    assert status_of(sqlite_core, ordinary) == "makulerad"


def test_makulera_of_an_overlat_order_is_refused_although_only_the_fee_is_charged(sqlite_core, recep):
    from datetime import date

    from app.routines.registration_data import AccessData
    from app.routines.subscriptions import TransferSubscription, TransferSubscriptionRoutine

    cat = b.catalog(sqlite_core)
    anna, bertil = b.person(sqlite_core, 1), b.person(sqlite_core, 2)
    card = b.subscription(sqlite_core, anna, cat.card12, price_list_id=cat.ordinarie, start_date=date(2026, 6, 1),
                          charged_through=date(2027, 5, 31))
    result = TransferSubscriptionRoutine(sqlite_core).execute(
        TransferSubscription(card, b.ORDINARIE, receiver_id=bertil, addon_ids=(cat.fee,),
                             access=AccessData(card_number="5001")), recep)
    assert b.order_lines(sqlite_core, result.order_id)[0][0] == "Överlåtelseavgift"
    with pytest.raises(UserError, match="rutinen ”Överlåt” har redan ändrat abonnemanget, och en makulering"):
        CancelOrderRoutine(sqlite_core).execute(CancelOrder(result.order_id, "Avgiften efterskänks"), recep)
    assert status_of(sqlite_core, result.order_id) == "oppen" and b.sub(sqlite_core, card)["user_id"] == bertil


def test_every_subscription_routine_is_known_to_the_makulera_rule():
    import app.routines.subscriptions  # noqa: F401 - loads every subscription routine
    from app.orders import SUBSCRIPTION_ROUTINES
    from app.routines.subscriptions.common import SubscriptionRoutine

    def concrete(cls):
        for sub in cls.__subclasses__():
            if not sub.__name__.startswith("_"):
                yield sub
            yield from concrete(sub)

    names = {routine.name for routine in concrete(SubscriptionRoutine)}
    assert names and names == SUBSCRIPTION_ROUTINES


def test_till_shows_makulera_blocked_with_the_reason_for_a_routine_order(qtbot, till, services, recep, person,
                                                                         debit_order, monkeypatch):
    order_id, gym = debit_order
    asked: list = []
    monkeypatch.setattr(TillWindow, "cancel_dialog",
                        type("Reason", (), {"ask": staticmethod(lambda parent, number: asked.append(number) or "x")}))
    open_on(qtbot, till, order_id)
    assert not till.cancel_button.isEnabled()
    assert till.cancel_button.toolTip().startswith("Order 100001 kan inte makuleras: rutinen ”Debitera”")
    assert till.pay_buttons["faktura"].isEnabled()
    till.cancel_order()  # Alt+M by another way: refused with the reason, no reason asked
    wait_idle(qtbot, till)
    assert asked == [] and [e.message for e in till.errors.shown] == [till.cancel_button.toolTip()]
    assert status_of(services.core, order_id) == "oppen"

    ordinary = charge(services.core, recep, person, FEE)
    open_on(qtbot, till, ordinary)
    assert till.cancel_button.isEnabled() and till.cancel_button.toolTip() == ""
    qtbot.mouseClick(till.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, till)
    assert asked == [100002] and status_of(services.core, ordinary) == "makulerad"


# --------------------------------------------------------------------------
# §4 Printing the receipt
# --------------------------------------------------------------------------


def pay_by_card(qtbot, till: TillWindow, core, order_id: int) -> None:
    open_on(qtbot, till, order_id)
    answer_payment_question(qtbot)
    qtbot.keyClick(till.orders_table, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: status_of(core, order_id) == "betald" and till.receipt_box.isVisible(), timeout=5000)
    wait_idle(qtbot, till)
    till.activateWindow()  # the offscreen platform does not give the focus back when the question closes
    qtbot.waitUntil(till.isActiveWindow, timeout=5000)


def test_skriv_ut_kvitto_prints_the_receipt_through_the_print_dialog(qtbot, till, services, recep, person, printers):
    order_id = charge(services.core, recep, person, TRAINING, FEE, TOWELS)
    pay_by_card(qtbot, till, services.core, order_id)
    assert printers.made == []  # nothing printed without the desk setting
    titles: list[str] = []
    answer_print_dialog(False, titles)  # Avbryt in the dialog prints nothing
    qtbot.keyClick(till.print_button, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(titles), timeout=5000)
    assert titles == ["Skriv ut – Kvitto 100001"] and printers.printed() == []

    answer_print_dialog(True, titles)
    qtbot.keyClick(till.print_button, Qt.Key.Key_Return)  # the focused "Skriv ut kvitto"
    qtbot.waitUntil(lambda: len(printers.printed()) == 1, timeout=5000)
    (printed,) = printers.printed()
    text = pdf_text(printed)
    for part in ("Kvitto", "100001", "Anna Öberg", "Gym Bas 12 mån", "4 748,00 kr", "varav moms 6 %", "Kort"):
        assert part in text, part
    assert pdf_pages(printed) == 1
    assert till.status_label.text() == "Kvittot för order 100001 är utskrivet."


@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints", r"This plugin does not support raise",
                           r"QPainter::begin\(\): Returned false")
def test_a_printer_that_cannot_start_is_said_and_the_payment_stands(qtbot, till, services, recep, person, tmp_path,
                                                                    monkeypatch):
    def broken(printer_name: str = "") -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "saknas" / "mapp" / "kvitto.pdf"))  # cannot be opened
        return printer

    monkeypatch.setattr(printing, "new_printer", broken)
    order_id = charge(services.core, recep, person, FEE)
    pay_by_card(qtbot, till, services.core, order_id)
    answer_print_dialog(True)
    qtbot.mouseClick(till.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "misslyckades" in till.status_label.text(), timeout=5000)
    assert till.status_label.text().startswith("Utskriften till ")
    assert status_of(services.core, order_id) == "betald" and till.receipt_box.isVisible()


def test_spara_som_pdf_saves_the_stored_receipt(qtbot, till, services, recep, person, tmp_path, monkeypatch):
    order_id = charge(services.core, recep, person, FEE)
    pay_by_card(qtbot, till, services.core, order_id)
    asked: list = []
    monkeypatch.setattr(printing, "ask_save_path",
                        lambda parent, title, suggested: asked.append((title, suggested.name)) or
                        str(tmp_path / "mina kvitton" / "kvitto"))
    qtbot.mouseClick(till.save_pdf_button, Qt.MouseButton.LeftButton)
    saved = tmp_path / "mina kvitton" / "kvitto.pdf"
    with services.core.sessions() as session:
        assert saved.read_bytes() == session.get(Order, order_id).receipt_pdf
    assert asked == [("Spara kvitto som PDF", "kvitto-100001.pdf")]
    assert till.status_label.text() == f"Kvittot för order 100001 är sparat som {saved}."


def desk(tmp_path, **values) -> DeskSettings:
    settings = DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
    for name, value in values.items():
        setattr(settings, name, value)
    return settings


def test_skriv_ut_kvitton_direkt_prints_on_the_chosen_printer_without_the_dialog(qtbot, till, services, recep,
                                                                                 person, printers, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setattr(printing, "available_printers", lambda: ["HP Kontor", "Kvittoskrivare TM-T20"])
    services.desk = desk(tmp_path, print_receipts_directly=True, receipt_printer="Kvittoskrivare TM-T20")
    dialogs: list = []
    answer_print_dialog(False, dialogs)  # would record a dialog if one opened
    order_id = charge(services.core, recep, person, FEE)
    pay_by_card(qtbot, till, services.core, order_id)
    assert [name for name, _ in printers.made] == ["Kvittoskrivare TM-T20"]
    (printed,) = printers.printed()
    assert "Kvitto" in pdf_text(printed) and "199,00 kr" in pdf_text(printed)
    assert "Kvittot är utskrivet på Kvittoskrivare TM-T20." in till.status_label.text()
    qtbot.wait(100)
    assert dialogs == []


def test_a_missing_receipt_printer_is_said_and_the_payment_stands(qtbot, till, services, recep, person, tmp_path):
    services.desk = desk(tmp_path, print_receipts_directly=True, receipt_printer="Borttagen skrivare")
    order_id = charge(services.core, recep, person, FEE)
    pay_by_card(qtbot, till, services.core, order_id)  # the real printers of this PC: none is called so
    assert "Skrivaren ”Borttagen skrivare” finns inte på den här datorn." in till.status_label.text()
    assert status_of(services.core, order_id) == "betald" and till.receipt_box.isVisible()


def test_desk_settings_choose_the_receipt_printer_and_direct_printing(qtbot, tmp_path):
    settings = desk(tmp_path)
    assert settings.print_receipts_directly is False and settings.receipt_printer == ""
    dialog = DeskSettingsDialog(settings, list_ports=lambda: [], list_printers=lambda: ["HP Kontor", "TM-T20"])
    qtbot.addWidget(dialog)
    combo = dialog.receipt_printer_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["HP Kontor", "TM-T20"]
    dialog.print_direct_check.setChecked(True)
    combo.setCurrentText("")
    ok = dialog.button_box.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Välj kvittoskrivaren som kvittona ska skrivas ut på direkt."
    assert settings.print_receipts_directly is False  # nothing written
    combo.setCurrentText("Okänd")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text().startswith("Skrivaren ”Okänd” finns inte på den här datorn.")
    combo.setCurrentIndex(1)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    again = desk(tmp_path)
    assert again.print_receipts_directly is True and again.receipt_printer == "TM-T20"
    reopened = DeskSettingsDialog(again, list_ports=lambda: [], list_printers=lambda: ["HP Kontor", "TM-T20"])
    qtbot.addWidget(reopened)
    assert reopened.receipt_printer_combo.currentText() == "TM-T20" and reopened.print_direct_check.isChecked()


def test_screenshots_of_the_question_and_the_paid_state(qtbot, till, services, recep, person):
    other = make_person(services.core, "Bo", "19121212-1212")
    charge(services.core, recep, other, TOWELS)
    order_id = charge(services.core, recep, person, TRAINING, FEE, TOWELS)
    till.resize(1100, 560)
    open_on(qtbot, till, order_id)
    grabbed: list = []

    tries = iter(range(250))

    def grab() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PaymentConfirmDialog):
            if next(tries, None) is not None:
                QTimer.singleShot(20, grab)
            return
        grabbed.append(dialog.grab().save(str(shots.path("kassa-bekrafta-kort.png"))))
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)

    QTimer.singleShot(0, grab)
    qtbot.keyClick(till.orders_table, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: till.receipt_box.isVisible(), timeout=5000)
    wait_idle(qtbot, till)
    assert grabbed == [True]
    assert till.grab().save(str(shots.path("kassa-efter-betalning.png")))


# --------------------------------------------------------------------------
# §4 Printing an invoice from the person card's Fakturor tab
# --------------------------------------------------------------------------

from tests.widgets.test_person_card_invoices import customer, errors, make_card, shown_card  # noqa: E402,F401


def test_fakturor_skriv_ut_prints_the_invoice_through_the_print_dialog(qtbot, make_card, customer, printers):
    tab = shown_card(make_card, customer["person"]).invoices_tab
    assert not tab.print_button.isEnabled()  # no invoice chosen
    tab.select_invoice(700003)
    assert tab.print_button.isEnabled()
    titles: list[str] = []
    answer_print_dialog(True, titles)
    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(printers.printed()) == 1, timeout=5000)
    assert titles == ["Skriv ut – Faktura 700003"]
    text = pdf_text(printers.printed()[0])
    for part in ("Faktura", "700003", "Ingrid Fakturasson", "OCR/referens", "Att betala", "150,00 kr"):
        assert part in text, part
    assert tab.message.text() == "Faktura 700003 är utskriven."
