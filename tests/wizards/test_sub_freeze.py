"""Frys through its wizard (SPEC §6), started from the subscription's ≡ menu: Identifiering →
Frysningsorsak (only with "Använd avvikelseorsaker") → Period → Bekräfta, and the confirmation PDF.

Today 2026-11-22; Gym AG 399 kr/month + Handduk AG 50 kr/month from 2026-01-01, paid through 30 Nov.
Also the helpers the other test_sub_* files use.
"""
from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from app import menus
from app.menus import MenuTarget
from tests import shots
from tests.app import sub_builders as b
from tests.wizards.conftest import Driver
from widgets import printing
from widgets.till.window import TillWindow
from wizards.base import ERROR_STYLE, PageId
from wizards.subscription.actions import ACTION_CODES, register_subscription_actions
from wizards.subscription.wizards import BEKRAFTA, FRYSNINGSORSAK, PERIOD, FreezeWizard

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


# -- helpers shared by the test_sub_* files ---------------------------------------------------------------


@pytest.fixture
def world(sqlite_core):
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    towel = b.subscription(sqlite_core, anna, cat.towel, parent_id=gym)
    return cat, anna, gym, towel


class Errors:
    def __init__(self) -> None:
        self.shown: list = []

    def __call__(self, parent, error) -> None:
        self.shown.append(error)


@pytest.fixture
def till(qtbot, services, monkeypatch):
    errors = Errors()
    monkeypatch.setattr(TillWindow, "error_box", staticmethod(errors))
    window = TillWindow(services)
    qtbot.addWidget(window)
    return window


def start(qtbot, services, code: str, person_id: int, subscription_id: int) -> Driver:
    actions = register_subscription_actions(services)
    wizard = actions[code](MenuTarget(person_id, subscription_id))
    assert wizard is not None, services  # refused
    return Driver(qtbot, wizard)


def identify(d: Driver, agent: str = "") -> None:
    page = d.page()
    assert d.wizard.currentId() == PageId.IDENTIFIERING
    assert not d.next_button.isEnabled()
    if agent:
        d.click(page.agent_button)
        d.type(page.agent_name, agent)
    d.click(page.checked)


def type_date(d: Driver, edit, value: date) -> None:
    """Type a date into the date field as a receptionist does, and leave the field with Tab."""
    edit.edit.setFocus()
    edit.edit.selectAll()
    d.qtbot.keyClicks(edit.edit, f"{value:%Y-%m-%d}")
    d.qtbot.keyClick(edit.edit, Qt.Key.Key_Tab)


def pick_date(d: Driver, edit, value: date) -> None:
    """Pick a date in the field's calendar popup and press Enter."""
    calendar = edit.calendarWidget()
    calendar.setSelectedDate(QDate(value.year, value.month, value.day))
    d.qtbot.keyClick(calendar, Qt.Key.Key_Return)


def finish_with_order(d: Driver, services) -> int:
    with d.qtbot.waitSignal(services.bus.order_created, timeout=5000) as signal:
        d.finish()
    assert not d.wizard.isVisible()
    return signal.args[0]


def finish_without_order(d: Driver, services) -> None:
    orders: list = []
    services.bus.order_created.connect(orders.append)
    with d.qtbot.waitSignal(services.bus.person_changed, timeout=5000):
        d.finish()
    assert not d.wizard.isVisible() and orders == []


def till_lines(qtbot, till: TillWindow, order_id: int) -> list[tuple[str, ...]]:
    """The order as the till shows it after bus.order_created: (description, period, amount) per line."""
    qtbot.waitUntil(lambda: till.summary is not None and till.summary.order_id == order_id, timeout=5000)
    assert till.isVisible()
    t = till.lines_table
    return [(t.item(r, 0).text(), t.item(r, 1).text(), t.item(r, 3).text()) for r in range(t.rowCount())]


def visible_errors(page) -> list[str]:
    """The red messages the page shows now."""
    return [label.text() for label in page.findChildren(QLabel) if label.isVisible() and
            label.styleSheet() == ERROR_STYLE]


def summary_text(d: Driver) -> str:
    return d.page().details.text()


# -- tests ------------------------------------------------------------------------------------------------


def test_every_subscription_code_is_registered(services):
    actions = register_subscription_actions(services)
    assert set(ACTION_CODES) == {"sag_upp", "debitera", "uppgradera", "nedgradera", "frys", "tina_upp",
                                 "forkorta_frysning", "forlang_frysning", "overlat", "ta_bort_annan_betalare",
                                 "sluta_betala"}
    assert all(callable(actions[c]) for c in ACTION_CODES)


def test_freeze_end_to_end_from_the_person_card_menu(qtbot, services, world, sqlite_core):
    from widgets.person_card import PersonCardWidget

    cat, anna, gym, towel = world
    register_subscription_actions(services)
    card = PersonCardWidget(services, services.extra["menu_actions"])
    qtbot.addWidget(card)
    card.show_person(anna)
    qtbot.waitUntil(lambda: card.data is not None, timeout=5000)
    button = card.subscriptions_tab.menu_buttons[gym]
    codes = [a.objectName() for a in button.menu().actions()]
    assert codes == ["sag_upp", "debitera", "uppgradera", "nedgradera", "frys"]
    opened = services.extra.setdefault("open_wizards", [])
    button.menu().findChild(type(button.menu().actions()[0]), "frys").trigger()
    assert len(opened) == 1 and isinstance(opened[0], FreezeWizard)
    d = Driver(qtbot, opened[0])
    assert FRYSNINGSORSAK not in d.wizard.pageIds()  # "Använd avvikelseorsaker" is off

    identify(d, agent="Bo Ombud")
    d.next(PERIOD)
    period = d.page()
    assert period.start.date() == QDate(2026, 11, 22) and period.start.calendarPopup()
    # The shortest freeze is proposed; the allowed range (1 … 12 months) is stated next to the field.
    assert period.end.date() == QDate(2026, 12, 21)
    assert "Tillåtet slutdatum 2026-12-21 – 2027-11-21" in period.limits_label.text()
    pick_date(d, period.end, date(2027, 1, 21))
    assert period.end.date() == QDate(2027, 1, 21)
    assert period.table.cell_texts() == [
        ("Gym AG", "2026-11-30", "Nästa debitering 2027-01-31", "–", "9 frysta betalda", "0,00 kr"),
        ("Handduk AG (tillägg)", "2026-11-30", "Nästa debitering 2027-01-31", "–", "9 frysta betalda",
         "0,00 kr")]
    assert "2026-11-22 – 2027-01-21 (61 dagar)" in period.details.text()
    assert "Frysta debiterade dagar tillgodo: 9" in period.details.text()
    d.next(BEKRAFTA)
    text = summary_text(d)
    for part in ("Ombud: Bo Ombud", "2026-11-22 – 2027-01-21 (61 dagar, pågående från idag)",
                 "Frysta debiterade dagar tillgodo", "Nästa debitering</b></td><td>2027-01-31"):
        assert part in text
    assert d.page().total.text() == ""  # Frys never charges
    assert d.page().findChild(QPushButton, "print_confirmation") is None  # nothing to print before Slutför
    finish_without_order(d, services)
    assert d.wizard.confirmation_dialog is None  # "Använd bekräftelse på frysning" is off

    for sid in (gym, towel):
        assert b.sub(sqlite_core, sid)["status"] == "fryst"
        assert b.sub(sqlite_core, sid)["charged_through"] == date(2027, 1, 30)
        (f,) = b.freezes(sqlite_core, sid)
        assert (f["start"], f["end"], f["status"], f["credited_days"], f["agent_name"]) == (
            date(2026, 11, 22), date(2027, 1, 21), "pagaende", 9, "Bo Ombud")
    assert b.snapshot(sqlite_core)["counts"]["orders"] == 0
    assert b.audit_actions(sqlite_core).count("Frys") == 1
    qtbot.waitUntil(lambda: b.sub(sqlite_core, gym)["status"] == "fryst" and card.data.subscriptions[0].status
                    == "fryst", timeout=5000)  # the card reloaded


def test_future_freeze_and_the_idag_button(qtbot, services, world, sqlite_core):
    cat, anna, gym, towel = world
    d = start(qtbot, services, menus.FRYS, anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    type_date(d, period.start, date(2026, 12, 1))
    # The end's limits follow the start: 1 … 12 months from 1 Dec.
    assert "Tillåtet slutdatum 2026-12-31 – 2027-11-30" in period.limits_label.text()
    assert period.end.date() == QDate(2026, 12, 31)
    assert "Framtida frysning: 2026-12-01 – 2026-12-31" in period.details.text()
    d.click(period.today_button)
    assert period.start.date() == QDate(2026, 11, 22)
    assert "Pågående frysning från idag" in period.details.text()
    type_date(d, period.start, date(2026, 12, 1))
    d.next(BEKRAFTA)
    finish_without_order(d, services)
    assert b.sub(sqlite_core, gym)["status"] == "framtida_frysning"
    assert b.freezes(sqlite_core, gym)[0]["status"] == "framtida"


def test_freeze_reason_page_only_with_the_setting_and_the_reason_is_stored(qtbot, services, world, sqlite_core):
    cat, anna, gym, towel = world
    b.setting(sqlite_core, "use_deviation_reasons", True)
    sick = b.reason(sqlite_core, "Sjukdom")
    b.reason(sqlite_core, "Utlandsresa")
    d = start(qtbot, services, menus.FRYS, anna, gym)
    identify(d)
    d.next(FRYSNINGSORSAK)
    page = d.page()
    assert [page.reasons.item(i).text() for i in range(page.reasons.count())] == ["Sjukdom", "Utlandsresa"]
    assert not d.next_button.isEnabled()  # a reason must be chosen
    qtbot.mouseClick(page.reasons.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.reasons.visualItemRect(page.reasons.item(0)).center())
    assert page.reason_id() == sick
    d.next(PERIOD)
    d.next(BEKRAFTA)
    assert "Frysningsorsak</b></td><td>Sjukdom" in summary_text(d)
    finish_without_order(d, services)
    assert b.freezes(sqlite_core, gym)[0]["reason_id"] == sick


def test_freeze_without_configured_reasons_is_refused_before_the_wizard(qtbot, services, world, sqlite_core,
                                                                       error_box):
    cat, anna, gym, towel = world
    b.setting(sqlite_core, "use_deviation_reasons", True)
    actions = register_subscription_actions(services)
    assert actions[menus.FRYS](MenuTarget(anna, gym)) is None
    assert "Det finns inga frysningsorsaker" in error_box.calls[0].message


def test_freeze_shorter_than_the_minimum_is_refused(qtbot, services, world, sqlite_core):
    cat, anna, gym, towel = world
    b.setting(sqlite_core, "freeze_min", {"number": 2, "unit": "månader"})
    d = start(qtbot, services, menus.FRYS, anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    assert period.limits_label.text() == ("Tillåtet slutdatum 2027-01-21 – 2027-11-21 (kortast 2 månader, "
                                          "längst 12 månader).")
    # A typed date before the minimum gets the routine's message at the field and Nästa stays off ...
    type_date(d, period.end, date(2026, 12, 31))
    assert visible_errors(period) == ["Frysperioden måste vara minst 2 månader."]
    assert not d.next_button.isEnabled()
    # ... half a date says how to write it ...
    period.end.edit.setFocus()
    period.end.edit.selectAll()
    qtbot.keyClicks(period.end.edit, "2027-1")
    qtbot.keyClick(period.end.edit, Qt.Key.Key_Tab)
    assert visible_errors(period) == ["Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2027-01-21, eller välj i kalendern."]
    assert not d.next_button.isEnabled()
    type_date(d, period.end, date(2027, 1, 21))
    assert visible_errors(period) == [] and d.next_button.isEnabled()
    # ... and when the minimum grows while the wizard is open, Slutför refuses at the field and writes nothing.
    before = b.snapshot(sqlite_core)
    d.next(BEKRAFTA)
    b.setting(sqlite_core, "freeze_min", {"number": 3, "unit": "månader"})
    d.finish()
    assert d.wizard.isVisible() and d.wizard.currentId() == PERIOD
    assert visible_errors(period) == ["Frysperioden måste vara minst 3 månader."]
    after = b.snapshot(sqlite_core)
    assert after["subscriptions"] == before["subscriptions"] and after["freezes"] == before["freezes"]


def pdf_text(pdf: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext is missing: install poppler-utils"
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


class PdfPrinters:
    """Stands in for the PC's printers: every printout goes to a PDF file in the test's folder."""

    def __init__(self, folder) -> None:
        self.folder, self.made = folder, []

    def __call__(self, printer_name: str = ""):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        path = self.folder / f"utskrift-{len(self.made) + 1}.pdf"
        printer.setOutputFileName(str(path))
        self.made.append(path)
        return printer


def accept_print_dialog(titles: list) -> None:
    """When Qt's print dialog opens, press Skriv ut."""
    tries = iter(range(250))  # about 5 s

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QPrintDialog):
            if next(tries, None) is not None:
                QTimer.singleShot(20, answer)
            return
        titles.append(dialog.windowTitle())
        dialog.accept()

    QTimer.singleShot(0, answer)


def test_freeze_confirmation_prints_only_after_slutfor_what_was_saved(qtbot, services, world, sqlite_core,
                                                                       monkeypatch, tmp_path):
    cat, anna, gym, towel = world
    b.setting(sqlite_core, "freeze_confirmation", True)
    printers = PdfPrinters(tmp_path)
    monkeypatch.setattr(printing, "new_printer", printers)
    d = start(qtbot, services, menus.FRYS, anna, gym)
    identify(d)
    d.next(PERIOD)
    type_date(d, d.page().end, date(2027, 1, 21))
    d.screenshot("frys-period.png")
    d.next(BEKRAFTA)
    assert "Skrivs ut och skickas till kund1@example.se" in summary_text(d)
    # Nothing can be printed before the freeze is saved.
    assert d.page().findChild(QPushButton, "print_confirmation") is None
    finish_without_order(d, services)
    assert b.sub(sqlite_core, gym)["status"] == "fryst" and printers.made == []

    dialog = d.wizard.confirmation_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.focusWidget() is dialog.print_button and dialog.print_button.isDefault()
    qtbot.wait(20)
    assert dialog.grab().save(str(shots.path("frys-bekraftelse-utskrift.png")))
    assert dialog.text.text() == ("Abonnemanget är fryst t.o.m. 2027-01-21. Skriv ut bekräftelsen till kunden. "
                                  "Den skickas också till kund1@example.se.")
    titles: list[str] = []
    accept_print_dialog(titles)
    qtbot.keyClick(dialog.print_button, Qt.Key.Key_Return)  # Enter on the focused "Skriv ut bekräftelse"
    qtbot.waitUntil(lambda: bool(printers.made) and printers.made[0].exists(), timeout=5000)
    assert titles == ["Skriv ut – Bekräftelse på frysning – Kund1 Svensson"]
    text = pdf_text(printers.made[0].read_bytes(), tmp_path)
    for part in ("Bekräftelse på frysning av abonnemang", "Kund1 Svensson", "Gym AG",
                 "2026-11-22 – 2027-01-21 (61 dagar", "Nästa debitering 2027-01-31"):
        assert part in text
    assert dialog.message.text() == "Bekräftelsen är utskriven."
    (mail,) = b.outbox(sqlite_core)
    assert mail["recipient"] == "kund1@example.se" and mail["attachment_name"] == "frysbekraftelse.pdf"
    assert mail["attachment"] == dialog.pdf  # the printed document is the one saved with the freeze
    assert "Bekräftelse på frysning av abonnemang" in pdf_text(mail["attachment"], tmp_path)

    saved = tmp_path / "sparad.pdf"
    monkeypatch.setattr(printing, "ask_save_path", lambda parent, title, suggested: str(saved))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.read_bytes() == mail["attachment"]
    assert dialog.message.text() == f"Bekräftelsen är sparad som {saved}."
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_a_freeze_cancelled_before_slutfor_prints_nothing(qtbot, services, world, sqlite_core, monkeypatch,
                                                         tmp_path):
    cat, anna, gym, towel = world
    b.setting(sqlite_core, "freeze_confirmation", True)
    printers = PdfPrinters(tmp_path)
    monkeypatch.setattr(printing, "new_printer", printers)
    monkeypatch.setattr(FreezeWizard, "confirm_cancel", staticmethod(lambda parent: True))
    d = start(qtbot, services, menus.FRYS, anna, gym)
    identify(d)
    d.next(PERIOD)
    d.next(BEKRAFTA)
    d.wizard.reject()
    assert not d.wizard.isVisible() and d.wizard.confirmation_dialog is None
    assert printers.made == [] and b.outbox(sqlite_core) == [] and b.sub(sqlite_core, gym)["status"] != "fryst"
