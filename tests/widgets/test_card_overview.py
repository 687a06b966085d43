"""The person card at a glance (issue 14 §1), through the real main window.

Today 2026-11-22. Kund1 Svensson has Gym AG 399 kr/month + Handduk AG 50 kr/month, paid through
30 Nov; the tests add a freeze, a debt, an internal message or a swipe as they need.
"""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, QTimer, Qt
from PySide6.QtWidgets import (QAbstractButton, QApplication, QGroupBox, QLabel, QMessageBox, QTabBar, QTabWidget,
                               QWidget)
from sqlalchemy import update

from app import menus
from tests.app import builders
from tests.app import sub_builders as b
from tests.wizards.conftest import Driver, confirm, error_box, postal_codes, services  # noqa: F401 - fixtures
from tests.wizards.test_sub_freeze import identify, type_date
from widgets.main_window import MainWindow
from widgets.person_card import PersonCardWidget
from wizards.base import PageId
from wizards.subscription.wizards import BEKRAFTA, PERIOD, SOK_KUND

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")
ANNA_CARD = "0004520100"
WAIT = 5000


# -- the desk --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def modal_boxes():
    """A modal message box would block the desk (and this test): each is recorded and closed."""
    boxes: list[str] = []

    def close_boxes() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                boxes.append(widget.text())
                widget.done(0)

    timer = QTimer()
    timer.timeout.connect(close_boxes)
    timer.start(50)
    yield boxes
    timer.stop()


@pytest.fixture
def world(sqlite_core):
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    towel = b.subscription(sqlite_core, anna, cat.towel, parent_id=gym)
    builders.add_card(sqlite_core, anna, ANNA_CARD)
    return cat, anna, gym, towel


@pytest.fixture
def window(qtbot, services, monkeypatch):  # noqa: F811 - the wizards' services fixture
    win = MainWindow(services)
    win.unknown = []
    monkeypatch.setattr(win, "unknown_card_box", lambda parent, text: win.unknown.append(text))
    win.checkin_banner.beep = lambda: None
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    if win.till_window is not None:
        win.till_window.close()


def set_person(core, person_id: int, **values) -> None:
    from db.models import Person

    with core.sessions() as s, s.begin():
        s.execute(update(Person).where(Person.id == person_id).values(**values))


def search(qtbot, win, text: str) -> None:
    win.focus_search()
    field = win.search_panel.search_edit
    field.clear()
    qtbot.keyClicks(field, text)
    with qtbot.waitSignal(win.search_panel.searched, timeout=WAIT):
        qtbot.keyClick(field, Qt.Key.Key_Return)


def open_card(qtbot, win, person_id: int) -> PersonCardWidget:
    win.open_person(person_id)
    card = win.person_card
    qtbot.waitUntil(lambda: card.data is not None and card.person_id == person_id, timeout=WAIT)
    return card


def overview_rows(card) -> list[tuple[str, ...]]:
    """(name, state, details) of each running subscription on Översikt."""
    return card.overview_tab.subscription_texts()


def start_from_menu(card, services, subscription_id: int, code: str):  # noqa: F811
    """The ≡ menu of the subscription on the Abonnemang tab, as a receptionist opens it."""
    card.tabs.setCurrentWidget(card.subscriptions_tab)
    menu = card.subscriptions_tab.menu_buttons[subscription_id].menu()
    opened = services.extra.setdefault("open_wizards", [])
    before = len(opened)
    next(a for a in menu.actions() if a.objectName() == code).trigger()
    assert len(opened) == before + 1, "the wizard did not open"
    return opened[-1]


def finish(d: Driver, services) -> None:  # noqa: F811
    with d.qtbot.waitSignal(services.bus.person_changed, timeout=WAIT):
        d.finish()
    assert not d.wizard.isVisible()


def inside_window(win, widget: QWidget) -> bool:
    """The whole widget is on the window's visible area (nothing scrolled or clipped away)."""
    top_left = widget.mapTo(win, widget.rect().topLeft())
    bottom_right = widget.mapTo(win, widget.rect().bottomRight())
    central = win.centralWidget().geometry()
    return central.contains(top_left) and central.contains(bottom_right)


# -- Översikt ----------------------------------------------------------------------------------------


def test_the_overview_is_the_first_tab_and_shows_everything_at_a_glance_at_1280x800(qtbot, window, world,
                                                                                     sqlite_core):
    from tests.app.conftest_data import add_invoice
    from db.models import Person

    cat, anna, gym, towel = world
    b.freeze(sqlite_core, gym, date(2027, 1, 1), date(2027, 1, 31), status="framtida")
    b.freeze(sqlite_core, towel, date(2027, 1, 1), date(2027, 1, 31), status="framtida")
    set_person(sqlite_core, anna, internal_message="Hämta nyckel i kassan")
    with sqlite_core.sessions() as s, s.begin():
        add_invoice(s, s.get(Person, anna), 50000)
    window.on_card_swiped(ANNA_CARD)  # a swipe: the verdict lands on the overview too
    card = window.person_card
    qtbot.waitUntil(lambda: card.data is not None and card.person_id == anna, timeout=WAIT)
    qtbot.waitUntil(lambda: card.overview_tab.verdict.isVisible(), timeout=WAIT)

    assert card.tabs.tabText(0) == "Översikt" and card.tabs.currentWidget() is card.overview_tab
    overview = card.overview_tab
    assert overview_rows(card) == [("Gym AG + Handduk AG", "Frysning planerad 2027-01-01 – 2027-01-31",
                                    "Debiterat t.o.m. 2026-11-30 · Nästa dragning 2026-12-01: 449,00 kr")]
    assert overview.verdict.text().startswith("Senaste incheckning idag ")
    assert overview.verdict.property("verdict") in ("valkommen", "nekad")
    assert overview.debt.text().startswith("Skuld: 500,00 kr")
    assert card.internal_message.isVisible() and card.internal_message.text.text() == "Hämta nyckel i kassan"
    chips = {label.objectName() for label in card.chips.findChildren(QLabel)}
    assert {"deviation_skuld", "deviation_internt_meddelande"} <= chips
    # At 1280×800 the header with photo, the chips, the banner and the whole overview are on screen.
    assert window.width() <= 1280 and window.height() <= 800
    for widget in (card.photo, card.name_label, card.chips, card.internal_message, overview.verdict,
                   overview.subscriptions_box, *overview.subscription_rows, overview.debt, overview.notes_box):
        assert widget.isVisible() and inside_window(window, widget), widget.objectName()


def test_a_frozen_subscription_says_when_it_thaws_and_a_kontant_one_has_no_debit(qtbot, window, world, sqlite_core):
    cat, anna, gym, towel = world
    b.freeze(sqlite_core, gym, date(2026, 11, 15), date(2027, 2, 14))
    bo = b.person(sqlite_core, 2)
    b.subscription(sqlite_core, bo, cat.card12, price_list_id=cat.ordinarie, charged_through=date(2027, 5, 31))
    card = open_card(qtbot, window, anna)
    assert overview_rows(card)[0][1] == "Fryst 2026-11-15 – 2027-02-14 · Upptining planerad 2027-02-15"
    card = open_card(qtbot, window, bo)
    assert overview_rows(card) == [("Gym 12 mån", "Löper", "Giltigt t.o.m. 2027-05-31 · Kontant – ingen dragning")]
    assert card.overview_tab.debt.text() == "Ingen skuld."


def test_a_verdict_that_comes_back_before_the_card_is_shown_on_the_card(qtbot, window, world, sqlite_core):
    """PostgreSQL runs the check-in and the card load on worker threads: either may come back first."""
    cat, anna, gym, towel = world
    card = window.person_card
    loads = []
    original = card._load
    card._load = lambda person_id, swiped, *, opened: loads.append((person_id, swiped))  # the load waits
    window.on_card_swiped(ANNA_CARD)
    qtbot.waitUntil(lambda: window.checkin_banner.isVisible(), timeout=WAIT)  # the verdict is back first
    assert loads == [(anna, ANNA_CARD)] and not card.overview_tab.verdict.isVisible()
    with sqlite_core.sessions() as s, s.begin():  # as if the card had been read before the visit was written
        from db.models import Visit

        s.query(Visit).delete()
    card._load = original
    card.show_person(anna, ANNA_CARD)
    qtbot.waitUntil(lambda: card.person_id == anna, timeout=WAIT)
    assert card.overview_tab.verdict.isVisible()
    assert card.overview_tab.verdict.text().startswith("Senaste incheckning idag ")


# -- the internal message --------------------------------------------------------------------------


def test_the_internal_message_is_a_banner_on_every_tab_never_a_modal_box(qtbot, window, world, sqlite_core,
                                                                         modal_boxes):
    cat, anna, gym, towel = world
    set_person(sqlite_core, anna, internal_message="Ring hem – borttappad nyckel")
    bo = b.person(sqlite_core, 2)
    search(qtbot, window, "kund1@example.se")
    card = window.person_card
    qtbot.waitUntil(lambda: card.person_id == anna, timeout=WAIT)
    qtbot.wait(200)
    assert modal_boxes == []
    assert not hasattr(PersonCardWidget, "internal_message_box")  # the hook is gone
    banner = card.internal_message
    assert banner.isVisible() and banner.text.text() == "Ring hem – borttappad nyckel"
    assert banner.title.text() == "Internt meddelande"
    for index in range(card.tabs.count()):  # on the card, above the tabs: every tab shows it
        card.tabs.setCurrentIndex(index)
        assert banner.isVisible() and inside_window(window, banner)
    card = open_card(qtbot, window, bo)
    assert not banner.isVisible()


def test_the_banner_follows_an_edit_of_the_message_at_once(qtbot, window, world, sqlite_core):
    from db.models import Person

    cat, anna, gym, towel = world
    card = open_card(qtbot, window, anna)
    assert not card.internal_message.isVisible()
    card.tabs.setCurrentWidget(card.messages_tab)
    tab = card.messages_tab
    qtbot.keyClicks(tab.internal, "Nyckel 12 ligger i kassan")
    with qtbot.waitSignal(window.services.bus.person_changed, timeout=WAIT):
        qtbot.mouseClick(tab.edit.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.internal_message.isVisible(), timeout=WAIT)
    assert card.internal_message.text.text() == "Nyckel 12 ligger i kassan"
    tab.internal.clear()
    with qtbot.waitSignal(window.services.bus.person_changed, timeout=WAIT):
        qtbot.mouseClick(tab.edit.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not card.internal_message.isVisible(), timeout=WAIT)
    with sqlite_core.sessions() as s:
        assert not s.get(Person, anna).internal_message


# -- Överlåt ---------------------------------------------------------------------------------------


def test_after_overlat_the_givers_card_says_overlatet_till_the_receiver(qtbot, window, services, sqlite_core):  # noqa: F811
    from db.models import Person

    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    sub = b.subscription(sqlite_core, anna, cat.card12, price_list_id=cat.ordinarie, start_date=date(2026, 6, 1),
                         charged_through=date(2027, 5, 31))
    bertil = b.person(sqlite_core, 2)
    with sqlite_core.sessions() as s:
        bertil_number = s.get(Person, bertil).customer_number
    card = open_card(qtbot, window, anna)
    d = Driver(qtbot, start_from_menu(card, services, sub, menus.OVERLAT))
    identify(d)
    d.next(SOK_KUND)
    d.type(d.page().search, "kund2@example.se", leave=False)
    qtbot.keyClick(d.page().search, Qt.Key.Key_Return)
    d.next(PageId.LEGITIMERING)
    for box in d.page().check_boxes().values():
        if not box.isChecked():
            d.click(box)
    d.next(PageId.PERSONUPPGIFTER)
    d.next(PageId.PRODUKTER)
    d.next(PageId.INPASSERING)
    d.type(d.page().card_number, "0000005001")
    d.next(BEKRAFTA)
    with qtbot.waitSignal(services.bus.order_created, timeout=WAIT):
        d.finish()
    expected = f"Överlåtet till Kund2 Svensson ({bertil_number}): Gym 12 mån, giltigt t.o.m. 2027-05-31."
    qtbot.waitUntil(lambda: card.person_id == anna and card.data is not None and not card.data.subscriptions,
                    timeout=WAIT)
    assert card.messages_tab.notes.item(0, 2).text() == expected   # Meddelanden > Anteckningar
    assert expected in card.overview_tab.notes.text()               # and on Översikt
    assert overview_rows(card) == [] and not card.overview_tab.no_subscriptions.isHidden()
    card = open_card(qtbot, window, bertil)
    assert card.messages_tab.notes.item(0, 2).text().startswith("Överlåtet från Kund1 Svensson (")


# -- a new search or swipe clears the previous customer's card ---------------------------------------------


def _nothing_of(card) -> None:
    assert card.person_id is None and card.data is None and card.name_label.text() == ""
    assert not card.internal_message.isVisible()
    assert not card.tabs.isVisible()   # no old tab content (subscription chips, rows) can show
    assert overview_rows(card) == [] and not card.overview_tab.verdict.isVisible()
    assert not [w for w in card.findChildren(QLabel) if w.objectName().startswith("deviation_") and w.isVisible()]


def test_a_personuppslagning_hit_clears_the_previous_customers_card(qtbot, window, world, sqlite_core):
    from db.models import PersonRegisterEntry

    cat, anna, gym, towel = world
    b.setting(sqlite_core, "person_lookup_enabled", True)
    set_person(sqlite_core, anna, internal_message="Hämta nyckel i kassan")
    with sqlite_core.sessions() as s, s.begin():
        s.add(PersonRegisterEntry(personnummer="191212121212", first_name="Tolvan", last_name="Tolvansson",
                                  street="Gatan 1", postal_code="11122", town="Stockholm",
                                  protected_identity=False))
    window.close()
    win = MainWindow(window.services)  # the lookup tab is built when the setting is on
    win.checkin_banner.beep = lambda: None
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    assert win.lookup_tab is not None
    win.on_card_swiped(ANNA_CARD)
    card = win.person_card
    qtbot.waitUntil(lambda: card.person_id == anna and card.tabs.isVisible(), timeout=WAIT)
    assert card.internal_message.isVisible() and overview_rows(card)
    search(qtbot, win, "19121212-1212")  # no customer, but in the register
    qtbot.waitUntil(lambda: win.search_tabs.currentWidget() is win.lookup_tab, timeout=WAIT)
    assert win.stack.currentWidget() is win.welcome
    _nothing_of(card)


def test_a_new_search_also_takes_the_previous_customers_check_in_verdict_away(qtbot, window, world, sqlite_core):
    cat, anna, gym, towel = world
    b.person(sqlite_core, 2)
    window.on_card_swiped(ANNA_CARD)
    card = window.person_card
    qtbot.waitUntil(lambda: card.person_id == anna and window.checkin_banner.isVisible(), timeout=WAIT)
    search(qtbot, window, "kund2@example.se")
    assert not window.checkin_banner.isVisible() and card.person_id != anna
    window.on_card_swiped(ANNA_CARD)
    qtbot.waitUntil(lambda: window.checkin_banner.isVisible(), timeout=WAIT)
    window.on_card_swiped("0000000001")  # an unknown card: its own verdict, not Anna's
    assert window.checkin_banner.result.person_id is None and window.unknown
    _nothing_of(card)


def test_the_previous_customers_chips_do_not_flash_while_the_next_card_loads(qtbot, window, world, sqlite_core):
    cat, anna, gym, towel = world
    b.subscription(sqlite_core, anna, cat.gym, status="uppsagt", start_date=date(2025, 1, 1),
                   charged_through=date(2026, 10, 31), end_date=date(2026, 12, 31))  # a lagging one: chips
    bo = b.person(sqlite_core, 2)
    card = open_card(qtbot, window, anna)
    card.tabs.setCurrentWidget(card.subscriptions_tab)
    assert [w for w in card.findChildren(QLabel) if w.objectName().startswith("deviation_") and w.isVisible()]
    loads = []
    original = card._load
    card._load = lambda person_id, swiped, *, opened: loads.append(person_id)  # the load is on its way
    window.open_person(bo)
    assert loads == [bo] and window.stack.currentWidget() is card
    _nothing_of(card)
    card._load = original
    card.show_person(bo)
    qtbot.waitUntil(lambda: card.person_id == bo and card.tabs.isVisible(), timeout=WAIT)
    assert card.tabs.currentWidget() is card.overview_tab  # the next customer opens on Översikt


# -- every view follows the routine's new state -----------------------------------------------------------


def test_a_thaw_that_waits_for_the_minimum_says_upptining_planerad_everywhere(qtbot, window, world, sqlite_core,
                                                                              services):  # noqa: F811
    cat, anna, gym, towel = world
    for sid in (gym, towel):
        set_status = {"status": "fryst", "charged_through": date(2027, 3, 2)}
        from db.models import Subscription

        with sqlite_core.sessions() as s, s.begin():
            s.execute(update(Subscription).where(Subscription.id == sid).values(**set_status))
        b.freeze(sqlite_core, sid, date(2026, 11, 15), date(2027, 2, 14))
    card = open_card(qtbot, window, anna)
    d = Driver(qtbot, start_from_menu(card, services, gym, menus.TINA_UPP))
    identify(d)
    d.next(BEKRAFTA)
    finish(d, services)
    message = window.statusBar().currentMessage()
    assert message.startswith("Upptining planerad 2026-12-15") and "upptinat" not in message
    qtbot.waitUntil(lambda: "2026-12-14" in overview_rows(card)[0][1], timeout=WAIT)
    card.tabs.setCurrentWidget(card.overview_tab)
    assert overview_rows(card)[0][1] == "Fryst 2026-11-15 – 2026-12-14 · Upptining planerad 2026-12-15"


def test_a_freeze_that_starts_later_says_frysning_planerad_everywhere(qtbot, window, world, sqlite_core,
                                                                      services):  # noqa: F811
    cat, anna, gym, towel = world
    card = open_card(qtbot, window, anna)
    d = Driver(qtbot, start_from_menu(card, services, gym, menus.FRYS))
    identify(d)
    d.next(PERIOD)
    period = d.page()
    type_date(d, period.start, date(2026, 12, 1))
    assert period.end.date() == QDate(2026, 12, 31)
    d.next(BEKRAFTA)
    finish(d, services)
    assert window.statusBar().currentMessage() == "Frysning planerad 2026-12-01 – 2026-12-31."
    qtbot.waitUntil(lambda: overview_rows(card)[0][1] != "Löper", timeout=WAIT)
    assert overview_rows(card)[0][1] == "Frysning planerad 2026-12-01 – 2026-12-31"
    assert card.subscriptions_tab.tree.topLevelItem(0).text(2) == "Framtida frysning"


# -- Alt letters -----------------------------------------------------------------------------------------


def mnemonic(text: str) -> str | None:
    i = 0
    while (i := text.find("&", i)) >= 0 and i + 1 < len(text):
        if text[i + 1] == "&":
            i += 2
            continue
        return text[i + 1].casefold()
    return None


def visible_mnemonics(win) -> list[tuple[str, str]]:
    """Every Alt letter that is live on the main window right now: menus, tab bars, buttons, labels with a
    buddy, group boxes."""
    found = [(m, a.text()) for a in win.menuBar().actions() if a.isVisible() and (m := mnemonic(a.text()))]
    for bar in win.findChildren(QTabBar):
        if bar.isVisible():
            found += [(m, bar.tabText(i)) for i in range(bar.count())
                      if bar.isTabVisible(i) and (m := mnemonic(bar.tabText(i)))]
    for button in win.findChildren(QAbstractButton):
        if button.isVisible() and (m := mnemonic(button.text())):
            found.append((m, button.text()))
    for label in win.findChildren(QLabel):
        if label.isVisible() and label.buddy() is not None and (m := mnemonic(label.text())):
            found.append((m, label.text()))
    for box in win.findChildren(QGroupBox):
        if box.isVisible() and (m := mnemonic(box.title())):
            found.append((m, box.title()))
    return found


def clashes(found) -> dict[str, list[str]]:
    by_letter: dict[str, list[str]] = {}
    for letter, text in found:
        by_letter.setdefault(letter, []).append(text)
    return {letter: texts for letter, texts in by_letter.items() if len(texts) > 1}


def test_every_alt_letter_on_the_main_window_is_unique(qtbot, window, world, sqlite_core, make_actor):
    cat, anna, gym, towel = world
    b.setting(sqlite_core, "person_lookup_enabled", True)
    services = window.services
    window.close()
    services.actor = make_actor(sqlite_core, "admin")  # every menu, the Kundjournal tab
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    card = open_card(qtbot, win, anna)
    seen = 0
    for search_index in range(win.search_tabs.count()):
        win.search_tabs.setCurrentIndex(search_index)
        for tab in range(card.tabs.count()):
            card.tabs.setCurrentIndex(tab)
            found = visible_mnemonics(win)
            seen += len(found)
            assert clashes(found) == {}, (win.search_tabs.tabText(search_index), card.tabs.tabText(tab))
    assert seen > 100  # the collection does see the menus, tabs and fields
    win.open_organisation(builders.add_organisation(sqlite_core))  # the organisation card in the card's place
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.organisation_card, timeout=WAIT)
    for search_index in range(win.search_tabs.count()):
        win.search_tabs.setCurrentIndex(search_index)
        assert clashes(visible_mnemonics(win)) == {}, win.search_tabs.tabText(search_index)


@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints", r"This plugin does not support raise\(\)",
                           r"This plugin does not support grabbing the keyboard")  # the menu's popup
def test_alt_k_opens_the_kund_menu_while_a_card_is_shown(qtbot, window, world):
    cat, anna, gym, towel = world
    card = open_card(qtbot, window, anna)
    tab = card.tabs.currentIndex()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    kund = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Kund")
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(kund.isVisible, timeout=WAIT)
    assert card.tabs.currentIndex() == tab
    kund.close()
