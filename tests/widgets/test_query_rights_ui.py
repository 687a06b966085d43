"""Rights where the data is read, through the real main window (issue 15 §8): a user without a right
sees none of the data it guards and no menu entry for it; a user with it does. The direct calls are
tested in tests/app/test_query_rights.py; the decision is docs/decisions/rights-in-queries.md."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QTableView, QTableWidget

from app.errors import NotAllowed
from app.rights import CUSTOMER_JOURNAL, ORGANISATIONS, SYSTEM_SETTINGS, TILL
from db.models import Note
from tests.app.conftest_data import NOW, add_order, add_person
from tests.app.orgdata import add_preorder, build_orgs
from tests.app.rights_data import user_with_rights, without
from widgets.main_window import MainWindow
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")
JOURNAL_TEXT = "Konfidentiellt: skadad axel, remiss till sjukgymnast"
PREORDER_NAME, PREORDER_PNR = "Bo Förbeställd", "196408233234"


@pytest.fixture
def window_for(qtbot, sqlite_core, tmp_path, monkeypatch):
    """The real main window for a stored user whose role has exactly these rights."""
    from app.postal import PostalCodes

    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))
    made = []

    def make(rights) -> MainWindow:
        actor = user_with_rights(sqlite_core, f"user{len(made)}", rights)
        services = UiServices(core=sqlite_core, actor=actor, bus=Bus(), user_data_dir=tmp_path / "data",
                              postal=PostalCodes.load())
        window = MainWindow(services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window
    return make


def texts_on_screen(window: MainWindow) -> str:
    """Every text the window's labels, fields and tables hold (visible or not)."""
    parts = [w.text() for w in window.findChildren(QLabel)] + [w.text() for w in window.findChildren(QLineEdit)]
    parts += [w.toPlainText() for w in window.findChildren(QPlainTextEdit)]
    for table in window.findChildren(QTableWidget):
        parts += [table.item(r, c).text() for r in range(table.rowCount()) for c in range(table.columnCount())
                  if table.item(r, c) is not None]
    for view in window.findChildren(QTableView):
        model = view.model()
        if model is not None:
            parts += [str(model.index(r, c).data()) for r in range(model.rowCount())
                      for c in range(model.columnCount())]
    return "\n".join(parts)


def menu_entries(window: MainWindow) -> dict[str, list[str]]:
    return {a.text().replace("&", ""): [x.text().replace("&", "") for x in a.menu().actions() if x.isVisible()]
            for a in window.menuBar().actions() if a.menu() is not None and a.isVisible()}


# -- Kundjournal ---------------------------------------------------------------------------------------------------


@pytest.fixture
def journal_person(sqlite_core) -> int:
    with sqlite_core.sessions() as s, s.begin():
        person = add_person(s, "Jana", "Journal")
        s.add(Note(person_id=person.id, kind="journal", text=JOURNAL_TEXT, created_at=NOW))
        return person.id


def open_person(qtbot, window: MainWindow, person_id: int):
    with qtbot.waitSignal(window.person_card.loaded, timeout=5000) as loaded:
        window.open_person(person_id)
    return loaded.args[0]


def tab_titles(window: MainWindow) -> list[str]:
    tabs = window.person_card.tabs
    return [tabs.tabText(i).replace("&", "") for i in range(tabs.count())]


def test_without_kundjournal_the_card_shows_no_journal_anywhere(qtbot, window_for, journal_person):
    window = window_for(without(CUSTOMER_JOURNAL))
    data = open_person(qtbot, window, journal_person)
    assert window.person_card.findChild(QLabel, "name").text() == "Jana Journal"
    assert data.journal is None  # the query left it out, not only the widget
    assert "Kundjournal" not in tab_titles(window)
    assert JOURNAL_TEXT not in texts_on_screen(window)


def test_with_kundjournal_the_card_shows_the_journal(qtbot, window_for, journal_person):
    window = window_for({CUSTOMER_JOURNAL})
    open_person(qtbot, window, journal_person)
    assert "Kundjournal" in tab_titles(window)
    assert window.person_card.journal_tab.entries.item(0, 2).text() == JOURNAL_TEXT


# -- Organisationer ------------------------------------------------------------------------------------------------


@pytest.fixture
def volvo(sqlite_core) -> int:
    orgs = build_orgs(sqlite_core)
    add_preorder(sqlite_core, orgs.volvo, orgs.gym, PREORDER_NAME, personnummer=PREORDER_PNR)
    return orgs.volvo


def open_organisation(qtbot, window: MainWindow, org_id: int):
    with qtbot.waitSignal(window.organisation_card.loaded, timeout=5000):
        window.open_organisation(org_id)
    return window.organisation_card


def test_without_organisationer_the_card_shows_no_preorders_and_no_preorder_menu(qtbot, window_for, volvo):
    window = window_for(without(ORGANISATIONS))
    card = open_organisation(qtbot, window, volvo)
    assert card.name_label.text() == "Volvo Personvagnar AB" and card.price_list_label.text() == "Volvo avtal"
    assert card.data.card.open_preorders is None  # left out by the query
    assert not card.menu_button.isVisible() and not card.preorder_table.isVisible()
    assert card.open_label.text() == ("Öppna förbeställningar: 1. "
                                      "Listan visas bara för användare med rättigheten ”Organisationer”.")
    on_screen = texts_on_screen(window)
    assert PREORDER_NAME not in on_screen and "19640823" not in on_screen
    # Ekonomi: read-only, showing the current price list only (no list of every price list or user).
    assert [card.price_list_combo.itemText(i) for i in range(card.price_list_combo.count())] == [
        "(ingen prislista)", "Volvo avtal"]
    assert card.price_list_combo.currentText() == "Volvo avtal" and not card.price_list_combo.isEnabled()


def test_with_organisationer_the_card_lists_the_preorders_and_has_the_menu(qtbot, window_for, volvo):
    window = window_for({ORGANISATIONS})
    card = open_organisation(qtbot, window, volvo)
    assert card.menu_button.isVisible() and card.preorder_table.isVisible()
    assert card.preorder_model.rowCount() == 1 and PREORDER_NAME in texts_on_screen(window)
    assert card.price_list_combo.count() == 3  # (ingen) + both price lists
    dialog = card.open_preorder_admin()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    dialog.reject()


# -- Kassa ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def open_order(sqlite_core) -> int:
    with sqlite_core.sessions() as s, s.begin():
        return add_order(s, add_person(s, "Kassa", "Kund"), [19900]).id


def test_without_kassa_there_is_no_till_entry_and_an_order_says_why(qtbot, window_for, open_order):
    window = window_for(without(TILL))
    assert "Kassa" not in menu_entries(window)["Kund"]
    window.till_action.trigger()  # F4 from the keyboard: the hidden action would not even fire
    assert window.till_window is None and "”Kassa”" in window.statusBar().currentMessage()
    window.services.bus.order_created.emit(open_order)  # a charging routine's order on this desk
    assert window.till_window is None
    assert window.statusBar().currentMessage().startswith("Ordern väntar i kassan tills någon med rättigheten")


def test_with_kassa_the_till_opens_and_lists_the_order(qtbot, window_for, open_order):
    window = window_for({TILL})
    assert "Kassa" in menu_entries(window)["Kund"]
    window.services.bus.order_created.emit(open_order)
    till = window.till_window
    qtbot.waitUntil(lambda: till.summary is not None and till.summary.order_id == open_order, timeout=5000)
    assert till.orders_table.rowCount() == 1
    till.close()


# -- Systeminställningar -------------------------------------------------------------------------------------------


def test_without_systeminstallningar_no_settings_menu_and_the_dialogs_cannot_read(qtbot, window_for):
    from widgets.admin_products import ProductsDialog
    from widgets.admin_reasons import FreezeReasonsDialog
    from widgets.admin_severities import SeveritiesDialog

    window = window_for(without(SYSTEM_SETTINGS))
    entries = menu_entries(window)
    # what is left under Inställningar needs another right (Administrera användare) or none (the outbox)
    assert entries["Inställningar"] == ["Användare och roller…", "E-post och SMS…"]
    assert "Kör nattjobbet nu" not in entries["Arkiv"]
    for dialog in (ProductsDialog, FreezeReasonsDialog, SeveritiesDialog):  # even if one were opened somehow
        with pytest.raises(NotAllowed, match="Systeminställningar"):
            dialog(window.services, window)


def test_with_systeminstallningar_the_settings_menu_opens_its_dialogs(qtbot, window_for):
    window = window_for({SYSTEM_SETTINGS})
    assert menu_entries(window)["Inställningar"] == [
        "Kundrutiner…", "Inställningar…", "Personstatustyper…", "Avvikelseorsaker…", "Produkter och prislistor…",
        "Lokalt register…", "E-post och SMS…", "Autogiro (Bankgirot)…"]
    window.admin_actions["Personstatustyper…"].trigger()
    (dialog,) = window.services.extra["open_dialogs"]
    qtbot.waitExposed(dialog)
    assert dialog.types  # read with the right
    dialog.reject()
