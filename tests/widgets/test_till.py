"""The till window (Kassa) and its receipt, driven the way a receptionist uses them."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from tests import shots
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.context import Actor
from app.errors import Conflict
from app.orders import TILL_MISSING_REASON, OrderLineDraft, order_summary
from app.routines.pay_order import PayOrder, PayOrderRoutine
from db.models import Order, Payment
from tests.app.test_orders import FEE, TOWELS, TRAINING, charge, make_person
from widgets.receipt import render_receipt_pdf
from widgets.services import Bus, UiServices
from widgets.till.cancel import CancelDialog
from widgets.till.cash import CashDialog
from widgets.till.confirm import PaymentConfirmDialog
from widgets.till.receipt_files import receipt_path
from widgets.till.window import TillWindow

# The offscreen platform cannot size or raise windows; real desktops can.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")



def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (the CI script does).")
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def recep(sqlite_core, make_actor) -> Actor:
    return make_actor(sqlite_core, "recep")


@pytest.fixture
def person(sqlite_core) -> int:
    return make_person(sqlite_core)


@pytest.fixture
def services(sqlite_core, recep, tmp_path) -> UiServices:
    return UiServices(core=sqlite_core, actor=recep, bus=Bus(), user_data_dir=tmp_path / "data")


class Errors:
    """Stands in for the error message box and records what it would have shown."""

    def __init__(self) -> None:
        self.shown: list = []

    def __call__(self, parent, error) -> None:
        self.shown.append(error)


@pytest.fixture
def till(qtbot, services, monkeypatch):
    errors = Errors()
    monkeypatch.setattr(TillWindow, "error_box", staticmethod(errors))
    window = TillWindow(services)
    window.errors = errors
    qtbot.addWidget(window)
    return window


def answer_payment_question(qtbot, key=Qt.Key.Key_Return, asked: list | None = None) -> None:
    """When the till's "Betala … kr med kort?" opens, press `key` in it (Enter pays, Esc goes back)."""

    tries = iter(range(250))  # gives up after about 5 s, so that it never answers a later test's question

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PaymentConfirmDialog):
            if next(tries, None) is not None:
                QTimer.singleShot(20, answer)
            return
        if asked is not None:
            asked.append(dialog.question.text())
        qtbot.keyClick(dialog.focusWidget() or dialog, key)

    QTimer.singleShot(0, answer)


def wait_idle(qtbot, window: TillWindow) -> None:
    qtbot.waitUntil(lambda: not window.busy, timeout=5000)


def shown_order_numbers(window: TillWindow) -> list[str]:
    return [window.orders_table.item(r, 0).text() for r in range(window.orders_table.rowCount())]


def test_order_created_opens_the_till_on_that_order(qtbot, till, services, recep, person):
    first = charge(services.core, recep, person, FEE)
    second = charge(services.core, recep, person, TRAINING, FEE, TOWELS)
    till.show()
    wait_idle(qtbot, till)
    till.orders_table.setCurrentCell(1, 0)  # the receptionist was looking at the older order
    wait_idle(qtbot, till)
    assert till.summary.order_id == first
    third = charge(services.core, recep, person, TOWELS)
    services.bus.order_created.emit(third)
    wait_idle(qtbot, till)
    assert till.isVisible()
    assert till.selected_order().order_id == third
    assert shown_order_numbers(till) == ["100003", "100002", "100001"]
    assert till.summary.order_id == third and till.total_label.text() == "Att betala: 50,00 kr"
    assert till.orders_table.item(0, 1).text() == "Anna Öberg"
    assert till.orders_table.item(0, 2).text() == "50,00 kr"
    assert till.orders_table.item(0, 3).text() == "09:00"  # today, so only the time
    services.bus.order_created.emit(second)
    wait_idle(qtbot, till)
    assert till.summary.order_id == second
    assert till.lines_table.rowCount() == 3
    assert till.lines_table.item(0, 1).text() == "2026-11-22 – 2027-11-21"
    assert till.vat_label.text() == "varav moms 6 %: 254,66 kr · varav moms 25 %: 49,80 kr"


def test_pay_by_card_stores_receipt_writes_file_and_empties_the_list(qtbot, till, services, recep, person, tmp_path):
    order_id = charge(services.core, recep, person, TRAINING, FEE, TOWELS)
    till.show_order(order_id)
    wait_idle(qtbot, till)
    asked: list[str] = []
    answer_payment_question(qtbot, asked=asked)
    with qtbot.waitSignal(services.bus.person_changed, timeout=5000) as changed:
        qtbot.mouseClick(till.pay_buttons["kort"], Qt.MouseButton.LeftButton)
    assert changed.args == [person]
    assert asked == ["Betala 4 748,00 kr med kort?"]
    wait_idle(qtbot, till)
    with services.core.sessions() as session:
        order = session.get(Order, order_id)
        assert order.status == "betald"
        assert session.scalar(select(Payment.method)) == "kort"
        stored = order.receipt_pdf
    assert stored.startswith(b"%PDF")
    path = receipt_path(services.user_data_dir, 100001)
    assert path.read_bytes() == stored
    text = pdf_text(stored, tmp_path)
    assert "Kvitto" in text and "100001" in text and "4 748,00 kr" in text and "Kort" in text
    assert till.orders_table.rowCount() == 0
    assert till.order_title.text() == "Order 100001 – Anna Öberg (kundnr 10001) – betald"
    assert till.total_label.text() == "Betalt: 4 748,00 kr"
    assert "Order 100001 är betald (kort, 4 748,00 kr)." in till.status_label.text()
    assert str(path) in till.status_label.text()
    assert not any(b.isEnabled() for b in till.pay_buttons.values())


def test_kontant_asks_for_the_amount_and_shows_the_change(qtbot, till, services, recep, person, tmp_path,
                                                          monkeypatch):
    order_id = charge(services.core, recep, person, TRAINING, FEE, TOWELS)
    asked: list[int] = []

    class FakeCash:
        @staticmethod
        def ask(parent, total_ore):
            asked.append(total_ore)
            return 500000

    monkeypatch.setattr(TillWindow, "cash_dialog", FakeCash)
    till.show_order(order_id)
    wait_idle(qtbot, till)
    qtbot.mouseClick(till.pay_buttons["kontant"], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, till)
    assert asked == [474800]
    assert "Växel: 252,00 kr." in till.status_label.text()
    assert till.total_label.text() == "Betalt: 4 748,00 kr · Växel: 252,00 kr"
    with services.core.sessions() as session:
        text = pdf_text(session.get(Order, order_id).receipt_pdf, tmp_path)
    assert "Kontant mottaget" in text and "5 000,00 kr" in text and "252,00 kr" in text


def test_cancelling_the_cash_dialog_takes_no_payment(qtbot, till, services, recep, person, monkeypatch):
    order_id = charge(services.core, recep, person, FEE)
    monkeypatch.setattr(TillWindow, "cash_dialog", type("NoCash", (), {"ask": staticmethod(lambda p, t: None)}))
    till.show_order(order_id)
    wait_idle(qtbot, till)
    qtbot.mouseClick(till.pay_buttons["kontant"], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, till)
    with services.core.sessions() as session:
        assert session.get(Order, order_id).status == "oppen"
    assert till.orders_table.rowCount() == 1


def test_cash_dialog_shows_change_and_refuses_too_little(qtbot):
    dialog = CashDialog(29930)  # 299,30 kr is paid in cash as 299,00 kr (öresavrundning)
    qtbot.addWidget(dialog)
    assert dialog.due_ore == 29900
    assert dialog.received_edit.text() == "299,00"
    assert dialog.change_label.text() == "0,00 kr" and dialog.ok_button.isEnabled()
    dialog.received_edit.clear()
    qtbot.keyClicks(dialog.received_edit, "250")
    assert not dialog.ok_button.isEnabled()
    assert dialog.error_label.text() == "Mottaget belopp är mindre än att betala."
    qtbot.keyClick(dialog.received_edit, Qt.Key.Key_Return)
    assert dialog.result() != dialog.DialogCode.Accepted
    dialog.received_edit.clear()
    qtbot.keyClicks(dialog.received_edit, "tre hundra")
    assert not dialog.ok_button.isEnabled() and "Skriv beloppet" in dialog.error_label.text()
    dialog.received_edit.clear()
    qtbot.keyClicks(dialog.received_edit, "500")
    assert dialog.ok_button.isEnabled() and dialog.change_label.text() == "201,00 kr"
    assert dialog.received_ore() == 50000


def test_keyboard_f6_pays_by_card(qtbot, till, services, recep, person):
    order_id = charge(services.core, recep, person, FEE)
    till.show_order(order_id)
    qtbot.waitUntil(till.isActiveWindow, timeout=5000)
    wait_idle(qtbot, till)
    assert till.orders_table.hasFocus()
    answer_payment_question(qtbot)  # Enter confirms "Betala 199,00 kr med kort?"
    qtbot.keyClick(till.orders_table, Qt.Key.Key_F6)  # a button shortcut clicks after a short animation

    def paid() -> bool:
        with services.core.sessions() as session:
            return session.get(Order, order_id).status == "betald"

    qtbot.waitUntil(paid, timeout=5000)
    wait_idle(qtbot, till)
    assert till.orders_table.rowCount() == 0


def test_makulera_asks_for_a_reason(qtbot, till, services, recep, person, monkeypatch):
    order_id = charge(services.core, recep, person, FEE)
    reasons = iter([None, "Fel produkt"])
    monkeypatch.setattr(TillWindow, "cancel_dialog",
                        type("Reason", (), {"ask": staticmethod(lambda parent, number: next(reasons))}))
    till.show_order(order_id)
    wait_idle(qtbot, till)
    qtbot.mouseClick(till.cancel_button, Qt.MouseButton.LeftButton)  # receptionist cancels the question
    wait_idle(qtbot, till)
    assert till.orders_table.rowCount() == 1
    qtbot.mouseClick(till.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, till)
    with services.core.sessions() as session:
        assert session.get(Order, order_id).status == "makulerad"
    assert till.orders_table.rowCount() == 0
    assert till.status_label.text() == "Order 100001 är makulerad."


def test_cancel_dialog_needs_a_reason(qtbot):
    dialog = CancelDialog(100001)
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason_edit, "Fel kund")
    assert dialog.ok_button.isEnabled()


def test_order_paid_at_another_till_shows_the_conflict_and_reloads(qtbot, till, services, recep, person):
    order_id = charge(services.core, recep, person, FEE)
    till.show_order(order_id)
    wait_idle(qtbot, till)
    PayOrderRoutine(services.core).execute(PayOrder(order_id, "swish"), recep)  # the other till was quicker
    answer_payment_question(qtbot)
    qtbot.mouseClick(till.pay_buttons["kort"], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, till)
    assert [type(e) for e in till.errors.shown] == [Conflict]
    assert till.status_label.text() == "Ordern är redan betald."
    assert till.orders_table.rowCount() == 0


def test_without_a_till_the_window_says_why_instead_of_payment_buttons(qtbot, till, services, recep, person):
    charge(services.core, recep, person, FEE)
    services.core.till_enabled = False
    till.show()
    wait_idle(qtbot, till)
    assert till.disabled_label.isVisible() and till.disabled_label.text() == TILL_MISSING_REASON
    assert not till.buttons_box.isVisible()
    services.core.till_enabled = True  # the desk settings were changed while the window was closed
    till.hide()
    till.show()
    wait_idle(qtbot, till)
    assert till.buttons_box.isVisible() and not till.disabled_label.isVisible()


def test_without_the_right_kassa_the_till_lists_nothing_and_says_why(qtbot, services, person, monkeypatch):
    """The till's queries check the right themselves (docs/decisions/rights-in-queries.md)."""
    order_id = charge(services.core, services.actor, person, FEE)
    services.actor = Actor(services.actor.user_id, "x", "X", frozenset({"Kundrutiner"}))
    errors = Errors()
    monkeypatch.setattr(TillWindow, "error_box", staticmethod(errors))
    window = TillWindow(services)
    qtbot.addWidget(window)
    window.show_order(order_id)
    wait_idle(qtbot, window)
    assert window.summary is None and window.orders_table.rowCount() == 0
    assert "”Kassa”" in window.status_label.text() and errors.shown
    for button in (*window.pay_buttons.values(), window.cancel_button):
        assert not button.isEnabled() and "Kassa" in button.toolTip()


# --------------------------------------------------------------------------
# The receipt
# --------------------------------------------------------------------------

def test_receipt_pdf_has_the_swedish_receipt_text(qtbot, sqlite_core, recep, person, tmp_path):
    order_id = charge(sqlite_core, recep, person, TRAINING, FEE, TOWELS,
                      OrderLineDraft("Ikapp 1 dag", 30, 600))
    with sqlite_core.sessions() as session:
        summary = order_summary(session, recep, order_id)
    paid_at = datetime(2026, 11, 22, 13, 5, tzinfo=timezone.utc)
    pdf = render_receipt_pdf(summary, "Friskis Gym Centrum", "Kassa 1", paid_at, "kontant", "Rut Reception",
                             received_ore=480000, change_ore=5200, rounding_ore=-30)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    for expected in ("Friskis Gym Centrum", "Kvitto", "100001", "2026-11-22 14:05", "Anna Öberg",
                     "Gym Bas 12 mån", "4 499,00 kr", "2 st à 25,00 kr", "Att betala", "4 748,30 kr",
                     "varav moms 6 %", "254,68 kr", "varav moms 25 %", "49,80 kr", "Öresavrundning", "-0,30 kr",
                     "Betalt kontant", "4 748,00 kr", "Kontant mottaget", "4 800,00 kr", "Växel", "52,00 kr",
                     "Rut Reception"):
        assert expected in text, expected
    png = tmp_path / "kvitto"
    (tmp_path / "kvitto.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(tmp_path / "kvitto.pdf"), str(png)],
                   check=True)
    shutil.copy(tmp_path / "kvitto.png", shots.path("kvitto.png"))


def test_faktura_receipt_names_the_invoice(qtbot, sqlite_core, recep, person, tmp_path):
    order_id = charge(sqlite_core, recep, person, FEE)
    paid = PayOrderRoutine(sqlite_core).execute(PayOrder(order_id, "faktura"), recep)
    with sqlite_core.sessions() as session:
        summary = order_summary(session, recep, order_id)
    pdf = render_receipt_pdf(summary, "Reception", "Kassa 1", paid.paid_at, "faktura", "Rut Reception",
                             invoice_number=paid.invoice_number, invoice_due_on=paid.invoice_due_on)
    text = pdf_text(pdf, tmp_path)
    assert "Faktura" in text and "500001" in text and "2026-12-22" in text
    assert "Växel" not in text and paid.invoice_due_on == date(2026, 12, 22)


def test_screenshot_of_the_till(qtbot, till, services, recep, person, clock):
    other = make_person(services.core, "Bo", "19121212-1212")
    charge(services.core, recep, other, OrderLineDraft("Nytt medlemskort", 5000, 2500))
    clock.advance(minutes=12)
    order_id = charge(services.core, recep, person, TRAINING, FEE, TOWELS)
    till.resize(1100, 560)
    till.show_order(order_id)
    wait_idle(qtbot, till)
    assert till.grab().save(str(shots.path("kassa.png")))


def test_receipt_file_that_cannot_be_written_is_reported_and_kept_with_the_order(qtbot, services, person, tmp_path,
                                                                                 monkeypatch):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the data directory should be")
    services.user_data_dir = blocked
    monkeypatch.setattr(TillWindow, "error_box", staticmethod(Errors()))
    window = TillWindow(services)
    qtbot.addWidget(window)
    order_id = charge(services.core, services.actor, person, FEE)
    window.show_order(order_id)
    wait_idle(qtbot, window)
    answer_payment_question(qtbot)
    qtbot.mouseClick(window.pay_buttons["swish"], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert "Kvittot sparades med ordern men inte som fil" in window.status_label.text()
    with services.core.sessions() as session:
        assert session.get(Order, order_id).receipt_pdf.startswith(b"%PDF")


def test_arrow_keys_choose_the_order(qtbot, till, services, recep, person):
    charge(services.core, recep, person, FEE)
    newest = charge(services.core, recep, person, TRAINING)
    till.show_order(newest)
    wait_idle(qtbot, till)
    assert till.total_label.text() == "Att betala: 4 499,00 kr"
    qtbot.keyClick(till.orders_table, Qt.Key.Key_Down)
    wait_idle(qtbot, till)
    assert till.total_label.text() == "Att betala: 199,00 kr"
    assert till.lines_table.item(0, 0).text() == "Administrationsavgift"
