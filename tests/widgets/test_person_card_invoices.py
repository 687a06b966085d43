"""The person card's Fakturor tab (Visa, Skicka, Betala, Kreditera) and the Dokument tab's Öppna / Lägg till."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.context import Actor
from app.domain.money import format_sek
from app.orders import TILL_MISSING_REASON
from app.routines import invoices as inv
from app.routines.pay_order import PayOrder, PayOrderRoutine
from db.models import Document, Invoice, Order, OutboxMessage
from tests.app.conftest_data import NOW, add_invoice, add_person
from widgets.person_card import PersonCardWidget
from widgets.person_tabs.documents import SELECT_DOCUMENT, DocumentsTab
from widgets.person_tabs.invoices import SELECT_INVOICE, CreditReasonDialog, InvoicesTab
from widgets.services import Bus, UiServices
from widgets.tones import tone

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (the CI script does).")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def opened(monkeypatch):
    """What the desktop was asked to open; replaces QDesktopServices for both tabs."""
    paths: list[Path] = []

    def opener(path):
        paths.append(Path(path))
        return True

    monkeypatch.setattr(InvoicesTab, "opener", staticmethod(opener))
    monkeypatch.setattr(DocumentsTab, "opener", staticmethod(opener))
    return paths


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr(PersonCardWidget, "error_box", staticmethod(lambda p, title, text: shown.append(text)))
    return shown


@pytest.fixture
def make_card(qtbot, sqlite_core, make_actor, tmp_path, errors):
    def make(actor: Actor | None = None):
        services = UiServices(core=sqlite_core, actor=actor or make_actor(sqlite_core, "recep"), bus=Bus(),
                              user_data_dir=tmp_path / "data")
        card = PersonCardWidget(services)
        qtbot.addWidget(card)
        card.resize(1000, 700)
        card.show()
        qtbot.waitExposed(card)
        card.tabs.setCurrentWidget(card.invoices_tab)
        return card
    return make


@pytest.fixture
def customer(sqlite_core):
    """A customer with an unpaid (500 kr), a paid and an unpaid invoice that is part paid; and one with no e-mail."""
    with sqlite_core.sessions() as s, s.begin():
        p = add_person(s, "Ingrid", "Fakturasson", email="ingrid@example.se")
        unpaid = add_invoice(s, p, 50000, number=700001)
        paid = add_invoice(s, p, 39900, paid_ore=39900, status="betald", number=700002)
        part = add_invoice(s, p, 20000, paid_ore=5000, number=700003)
        no_mail = add_person(s, "Utan", "Post")
        no_mail.email = None
        add_invoice(s, no_mail, 10000, number=700004)
        return {"person": p.id, "unpaid": unpaid.id, "paid": paid.id, "part": part.id, "no_mail": no_mail.id}


def shown_card(make_card, person_id, **kw):
    card = make_card(**kw)
    card.show_person(person_id)
    return card


def states(tab) -> dict[str, tuple[bool, str]]:
    return {b.objectName(): (b.isEnabled(), b.toolTip())
            for b in (tab.view_button, tab.send_button, tab.pay_button, tab.credit_button)}


def column(tab, name: str) -> list[str]:
    c = InvoicesTab.COLUMNS.index(name)
    return [tab.table.item(r, c).text() for r in range(tab.table.rowCount())]


# --------------------------------------------------------------------------
# The list and the buttons' states
# --------------------------------------------------------------------------

def test_no_selection_disables_every_button_and_says_why(make_card, customer):
    tab = shown_card(make_card, customer["person"]).invoices_tab
    assert sorted(column(tab, "Nummer")) == ["700001", "700002", "700003"]
    assert set(states(tab).values()) == {(False, SELECT_INVOICE)}
    assert tab.empty.isHidden()


def test_buttons_follow_the_selected_invoice(make_card, customer, sqlite_core, make_actor):
    card = shown_card(make_card, customer["person"])
    tab = card.invoices_tab
    tab.select_invoice(700001)
    assert states(tab) == {
        "view_invoice": (True, "Visa fakturan som PDF"),
        "send_invoice": (True, "Skicka fakturan som PDF till ingrid@example.se"),
        "pay_invoice": (True, "Betala 500,00 kr i kassan"),
        "credit_invoice": (True, "Kreditera fakturan med en kreditfaktura")}
    tab.select_invoice(700003)
    assert states(tab)["pay_invoice"] == (True, "Betala 150,00 kr i kassan")
    tab.select_invoice(700002)
    s = states(tab)
    assert s["view_invoice"][0] and s["send_invoice"][0]
    assert s["pay_invoice"] == (False, "Fakturan är redan betald.")
    assert s["credit_invoice"] == (False, "Fakturan är redan betald och kan inte krediteras.")

    # A credited invoice and its credit invoice.
    inv.CreditInvoiceRoutine(sqlite_core).execute(inv.CreditInvoice(customer["part"], "Fel"),
                                                  make_actor(sqlite_core, "recep"))
    card.reload()
    tab.select_invoice(700003)
    assert states(tab)["pay_invoice"] == (False, "Fakturan är krediterad och ska inte betalas.")
    assert states(tab)["credit_invoice"] == (False, "Fakturan är redan krediterad.")
    tab.select_invoice(500001)
    assert states(tab)["pay_invoice"] == (False, "En kreditfaktura betalas inte.")
    assert states(tab)["credit_invoice"] == (False, "En kreditfaktura kan inte krediteras.")
    row = column(tab, "Nummer").index("500001")
    assert (column(tab, "Typ")[row], column(tab, "Status")[row], column(tab, "Belopp")[row]) == (
        "Kreditfaktura", "Krediterar 700003", format_sek(-15000))


def test_send_is_disabled_without_an_email_address(make_card, customer):
    tab = shown_card(make_card, customer["no_mail"]).invoices_tab
    tab.select_invoice(700004)
    assert states(tab)["send_invoice"] == (False, "Kunden saknar e-postadress. Skriv in den under Basuppgifter.")
    assert states(tab)["view_invoice"][0]


def test_pay_needs_a_till_and_both_need_the_right_kassa(make_card, customer, sqlite_core, make_actor):
    sqlite_core.till_enabled = False
    tab = shown_card(make_card, customer["person"]).invoices_tab
    tab.select_invoice(700001)
    assert states(tab)["pay_invoice"] == (False, TILL_MISSING_REASON)
    assert states(tab)["credit_invoice"][0]  # crediting takes no money at the desk
    sqlite_core.till_enabled = True
    recep = make_actor(sqlite_core, "recep")
    without = Actor(recep.user_id, recep.username, recep.full_name, frozenset({"Kundrutiner"}), recep.desk)
    tab = shown_card(make_card, customer["person"], actor=without).invoices_tab
    tab.select_invoice(700001)
    for name in ("pay_invoice", "credit_invoice"):
        enabled, tip = states(tab)[name]
        assert not enabled and "”Kassa”" in tip
    assert states(tab)["view_invoice"][0] and states(tab)["send_invoice"][0]


# --------------------------------------------------------------------------
# Visa
# --------------------------------------------------------------------------

def test_view_writes_a_real_pdf_and_opens_it(qtbot, make_card, customer, opened, tmp_path):
    card = shown_card(make_card, customer["person"])
    tab = card.invoices_tab
    tab.select_invoice(700003)
    qtbot.mouseClick(tab.view_button, Qt.MouseButton.LeftButton)
    path = tmp_path / "data" / "fakturor" / "faktura-700003.pdf"
    assert opened == [path]
    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    for expected in ("Reception", "Faktura", "Fakturanummer", "700003", "Fakturadatum", "2026-11-22",
                     "Förfallodatum", "2026-12-22", "OCR/referens", "Ingrid Fakturasson", "Fakturabelopp",
                     "200,00 kr", "Betalt", "50,00 kr", "Att betala", "150,00 kr"):
        assert expected in text, expected
    assert tab.message.text() == "Faktura 700003 visas (faktura-700003.pdf)."


def test_view_of_a_credit_invoice_says_what_it_credits(qtbot, make_card, customer, opened, sqlite_core, make_actor):
    inv.CreditInvoiceRoutine(sqlite_core).execute(inv.CreditInvoice(customer["unpaid"], "Fel"),
                                                  make_actor(sqlite_core, "recep"))
    tab = shown_card(make_card, customer["person"]).invoices_tab
    tab.select_invoice(500001)
    qtbot.mouseClick(tab.view_button, Qt.MouseButton.LeftButton)
    text = pdf_text(opened[0])
    assert "Kreditfaktura" in text and "Krediterar faktura" in text and "700001" in text
    assert "Att betala" not in text and "Du behöver inte betala något." in text


def test_view_that_cannot_open_the_file_says_where_it_is(qtbot, make_card, customer, monkeypatch, tmp_path):
    monkeypatch.setattr(InvoicesTab, "opener", staticmethod(lambda path: False))
    tab = shown_card(make_card, customer["person"]).invoices_tab
    tab.select_invoice(700001)
    qtbot.mouseClick(tab.view_button, Qt.MouseButton.LeftButton)
    path = tmp_path / "data" / "fakturor" / "faktura-700001.pdf"
    assert path.exists()
    assert tab.message.text() == f"Fakturan sparades som {path} men kunde inte öppnas. Öppna filen därifrån."
    assert tone("error") in tab.message.styleSheet()  # red (widgets/tones.py)


# --------------------------------------------------------------------------
# Skicka
# --------------------------------------------------------------------------

def test_send_queues_an_email_with_the_invoice_pdf(qtbot, make_card, customer, sqlite_core, tmp_path):
    tab = shown_card(make_card, customer["person"]).invoices_tab
    tab.select_invoice(700001)
    qtbot.mouseClick(tab.send_button, Qt.MouseButton.LeftButton)
    with sqlite_core.sessions() as s:
        (message,) = s.scalars(select(OutboxMessage)).all()
    assert (message.recipient, message.attachment_name, message.subject) == (
        "ingrid@example.se", "faktura-700001.pdf", "Faktura 700001 från Reception")
    attachment = tmp_path / "attachment.pdf"
    attachment.write_bytes(message.attachment)
    text = pdf_text(attachment)
    assert "700001" in text and "500,00 kr" in text
    assert tab.message.text() == "Faktura 700001 skickas till ingrid@example.se."


# --------------------------------------------------------------------------
# Betala
# --------------------------------------------------------------------------

def test_pay_opens_the_till_order_and_paying_it_settles_the_invoice(qtbot, make_card, customer, sqlite_core,
                                                                    make_actor):
    card = shown_card(make_card, customer["person"])
    tab = card.invoices_tab
    tab.select_invoice(700003)
    with qtbot.waitSignal(card.services.bus.order_created, timeout=2000) as signal:
        qtbot.mouseClick(tab.pay_button, Qt.MouseButton.LeftButton)
    (order_id,) = signal.args
    with sqlite_core.sessions() as s:
        order = s.get(Order, order_id)
        assert (order.routine, order.status, order.total_ore) == ("Betala faktura 700003", "oppen", 15000)
        number = order.order_number
    # The card reloaded: the invoice says it is in the till, and Betala/Kreditera say why they are off.
    assert tab.current().invoice_number == 700003
    assert column(tab, "Status")[column(tab, "Nummer").index("700003")] == f"Obetald (i kassan, order {number})"
    assert states(tab)["pay_invoice"] == (False, f"Fakturan har redan en öppen order i kassan (order {number}).")
    assert not states(tab)["credit_invoice"][0]
    assert tab.message.text() == f"Order {number} på 150,00 kr för faktura 700003 är öppnad i kassan."

    PayOrderRoutine(sqlite_core).execute(PayOrder(order_id, "kort"), make_actor(sqlite_core, "recep"))
    card.reload()
    assert column(tab, "Status")[column(tab, "Nummer").index("700003")] == "Betald"
    assert states(tab)["pay_invoice"] == (False, "Fakturan är redan betald.")


def test_a_refused_payment_is_shown_and_nothing_written(qtbot, make_card, customer, sqlite_core):
    card = shown_card(make_card, customer["person"])
    tab = card.invoices_tab
    tab.select_invoice(700001)
    with sqlite_core.sessions() as s, s.begin():  # another desk credited it after this card was shown
        s.get(Invoice, customer["unpaid"]).status = "krediterad"
    with qtbot.assertNotEmitted(card.services.bus.order_created):
        qtbot.mouseClick(tab.pay_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == "Fakturan är krediterad och ska inte betalas."
    with sqlite_core.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0


# --------------------------------------------------------------------------
# Kreditera
# --------------------------------------------------------------------------

def test_credit_asks_for_a_reason_and_adds_the_credit_invoice(qtbot, make_card, customer, sqlite_core, monkeypatch):
    asked = []
    monkeypatch.setattr(CreditReasonDialog, "ask",
                        classmethod(lambda cls, parent, number: asked.append(number) or "Fel pris på kortet"))
    card = shown_card(make_card, customer["person"])
    tab = card.invoices_tab
    tab.select_invoice(700001)
    qtbot.mouseClick(tab.credit_button, Qt.MouseButton.LeftButton)
    assert asked == [700001]
    with sqlite_core.sessions() as s:
        credit = s.scalar(select(Invoice).where(Invoice.credited_invoice_id == customer["unpaid"]))
        assert (credit.invoice_number, credit.amount_ore) == (500001, -50000)
        assert s.get(Invoice, customer["unpaid"]).status == "krediterad"
    assert "500001" in column(tab, "Nummer")
    assert tab.message.text() == "Faktura 700001 är krediterad med kreditfaktura 500001 (500,00 kr)."


def test_cancelled_credit_writes_nothing(qtbot, make_card, customer, sqlite_core, monkeypatch):
    monkeypatch.setattr(CreditReasonDialog, "ask", classmethod(lambda cls, parent, number: None))
    tab = shown_card(make_card, customer["person"]).invoices_tab
    tab.select_invoice(700001)
    qtbot.mouseClick(tab.credit_button, Qt.MouseButton.LeftButton)
    with sqlite_core.sessions() as s:
        assert s.get(Invoice, customer["unpaid"]).status == "obetald"
        assert s.scalar(select(func.count()).select_from(Invoice)) == 4
    assert tab.message.isHidden()


def test_credit_reason_dialog_needs_a_reason(qtbot):
    dialog = CreditReasonDialog(700001)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Kreditera faktura 700001" and not dialog.ok_button.isEnabled()
    dialog.reason_edit.insertPlainText("   ")
    assert not dialog.ok_button.isEnabled()
    dialog.reason_edit.insertPlainText("Dubbel debitering ")
    assert dialog.ok_button.isEnabled() and dialog.reason() == "Dubbel debitering"


def test_credit_reason_dialog_ask_returns_the_typed_reason_or_none(qtbot):
    def answer(text):
        dialog = QApplication.activeModalWidget()
        if text is None:
            dialog.reject()
            return
        qtbot.keyClicks(dialog.reason_edit, text)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, lambda: answer("Fel pris"))
    assert CreditReasonDialog.ask(None, 700001) == "Fel pris"
    QTimer.singleShot(0, lambda: answer(None))
    assert CreditReasonDialog.ask(None, 700001) is None


# --------------------------------------------------------------------------
# Dokument: Öppna and Lägg till
# --------------------------------------------------------------------------

def test_open_document_writes_its_bytes_and_opens_it(qtbot, make_card, customer, sqlite_core, opened, tmp_path):
    content = b"%PDF-1.4 l\xe4karintyg \x00\x01\x02"
    with sqlite_core.sessions() as s, s.begin():
        doc = Document(person_id=customer["person"], filename="Läkarintyg 2026:1.pdf", content=content,
                       created_at=NOW)
        s.add(doc)
        s.flush()
        doc_id = doc.id
    card = shown_card(make_card, customer["person"])
    tab = card.documents_tab
    card.tabs.setCurrentWidget(tab)
    assert not tab.open_button.isEnabled() and tab.open_button.toolTip() == SELECT_DOCUMENT
    tab.table.selectRow(0)
    assert tab.open_button.isEnabled()
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    path = tmp_path / "data" / "dokument" / f"{doc_id}-Läkarintyg_2026_1.pdf"
    assert opened == [path] and path.read_bytes() == content
    assert not list(path.parent.glob("*.tmp"))


def test_open_a_document_that_was_removed_says_so(qtbot, make_card, customer, sqlite_core, opened):
    with sqlite_core.sessions() as s, s.begin():
        doc = Document(person_id=customer["person"], filename="avtal.pdf", content=b"%PDF", created_at=NOW)
        s.add(doc)
    card = shown_card(make_card, customer["person"])
    tab = card.documents_tab
    tab.table.selectRow(0)
    with sqlite_core.sessions() as s, s.begin():
        s.delete(s.scalars(select(Document)).one())
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    assert opened == []
    assert tab.flags.error.text() == "Dokumentet finns inte längre. Ladda om personkortet."


def test_add_document_from_a_file(qtbot, make_card, customer, sqlite_core, monkeypatch, tmp_path):
    source = tmp_path / "avtal.pdf"
    source.write_bytes(b"%PDF-1.4 avtal")
    monkeypatch.setattr(DocumentsTab, "choose_file", staticmethod(lambda parent: str(source)))
    card = shown_card(make_card, customer["person"])
    tab = card.documents_tab
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    with sqlite_core.sessions() as s:
        (doc,) = s.scalars(select(Document)).all()
        assert (doc.filename, doc.content, doc.person_id) == ("avtal.pdf", b"%PDF-1.4 avtal", customer["person"])
    assert tab.table.rowCount() == 1 and tab.table.item(0, 0).text() == "avtal.pdf"


def test_a_long_invoice_continues_on_further_pages(qapp, tmp_path):
    from datetime import date

    from widgets.invoice_pdf import render_invoice_pdf

    lines = tuple(inv.InvoiceLine(f"Rad {n}", 100, 600) for n in range(1, 121))
    details = inv.InvoiceDetails(1, 700009, "faktura", date(2026, 11, 22), date(2026, 12, 22), 12000, 0, "obetald",
                                 None, 1, "Ingrid Fakturasson", 10001, "", (), lines, (), "Reception")
    path = tmp_path / "lang.pdf"
    path.write_bytes(render_invoice_pdf(details))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = pdf_text(path)
    assert pages >= 2 and "Rad 1 " in text and "Rad 120" in text and "Att betala" in text
