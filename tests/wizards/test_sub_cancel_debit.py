"""Säg upp, Debitera, Uppgradera and Nedgradera through their wizards (SPEC §6), with the till order.

Today 2026-11-22; Gym AG 399 kr/month + Handduk AG 50 kr/month from 2026-01-01, paid through 30 Nov;
the numbers are the worked examples of docs/decisions/subscription-routines.md.
"""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from app import menus
from app.menus import MenuTarget
from tests.app import sub_builders as b
from tests.wizards.test_sub_freeze import (finish_with_order, finish_without_order, identify, start, summary_text,
                                           till, till_lines, world)
from wizards.subscription.actions import register_subscription_actions
from wizards.subscription.wizards import BEKRAFTA, PERIOD

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")
__all__ = ["till", "world"]


# -- Säg upp -------------------------------------------------------------------------------------------------


def test_cancel_with_final_payment_end_to_end(qtbot, services, world, sqlite_core, till):
    cat, anna, gym, towel = world
    d = start(qtbot, services, menus.SAG_UPP, anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    assert period.end_label.text().startswith("<b>2027-01-21</b> (Uppsägningstid 2 mån räknat från och med idag")
    assert period.final_button.isChecked()
    assert period.final_button.text() == "&Slutbetalning nu: 753,16 kr"
    assert [row[2:] for row in period.table.cell_texts()] == [
        ("Slutar 2027-01-21", "2027-01-21", "–", "669,29 kr"),
        ("Slutar 2027-01-21", "2027-01-21", "–", "83,87 kr")]
    d.next(BEKRAFTA)
    text = summary_text(d)
    for part in ("Slutdatum</b></td><td>2027-01-21", "Slutbetalning t.o.m. 2027-01-21: 753,16 kr",
                 "Tillägg</b></td><td>Sägs upp samtidigt"):
        assert part in text
    assert d.page().total.text() == "<b>Att betala i kassan: 753,16 kr</b>"
    order_id = finish_with_order(d, services)
    assert till_lines(qtbot, till, order_id) == [
        ("Gym AG 2026-12-01 – 2027-01-21", "2026-12-01 – 2027-01-21", "669,29 kr"),
        ("Handduk AG 2026-12-01 – 2027-01-21", "2026-12-01 – 2027-01-21", "83,87 kr")]
    for sid in (gym, towel):
        state = b.sub(sqlite_core, sid)
        assert (state["status"], state["end_date"], state["final_payment"], state["charged_through"]) == (
            "uppsagt", date(2027, 1, 21), True, date(2027, 1, 21))
    assert b.audit_actions(sqlite_core).count("Säg upp") == 1


def test_cancel_with_autogiro_continuing_creates_no_order(qtbot, services, world, sqlite_core):
    cat, anna, gym, towel = world
    d = start(qtbot, services, menus.SAG_UPP, anna, gym)
    identify(d)
    d.next(PERIOD)
    d.click(d.page().autogiro_button)
    assert "Autogirodragningarna fortsätter t.o.m. 2027-01-21" in d.page().details.text()
    assert d.page().total.text() == "<b>Att betala i kassan: 0,00 kr</b>"
    d.next(BEKRAFTA)
    assert "Autogirodragningarna fortsätter t.o.m. 2027-01-21" in summary_text(d)
    finish_without_order(d, services)
    for sid in (gym, towel):
        state = b.sub(sqlite_core, sid)
        assert (state["status"], state["end_date"], state["final_payment"], state["charged_through"]) == (
            "uppsagt", date(2027, 1, 21), False, date(2026, 11, 30))


def test_cancel_of_a_kontant_subscription_is_not_offered(qtbot, services, sqlite_core, error_box):
    from widgets.person_card import PersonCardWidget

    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    card12 = b.subscription(sqlite_core, anna, cat.card12, price_list_id=cat.ordinarie,
                            charged_through=date(2027, 5, 31))
    register_subscription_actions(services)
    card = PersonCardWidget(services, services.extra["menu_actions"])
    qtbot.addWidget(card)
    card.show_person(anna)
    qtbot.waitUntil(lambda: card.data is not None, timeout=5000)
    codes = [a.objectName() for a in card.subscriptions_tab.menu_buttons[card12].menu().actions()]
    assert "sag_upp" not in codes and "overlat" in codes
    # Called anyway (a stale card): the routine refuses before any wizard opens.
    before = b.snapshot(sqlite_core)
    assert services.extra["menu_actions"][menus.SAG_UPP](MenuTarget(anna, card12)) is None
    assert error_box.calls[0].message.startswith("Endast autogiroabonnemang kan sägas upp.")
    assert b.snapshot(sqlite_core) == before


# -- Debitera ------------------------------------------------------------------------------------------------


def test_debit_three_months_end_to_end(qtbot, services, world, sqlite_core, till):
    cat, anna, gym, towel = world
    d = start(qtbot, services, menus.DEBITERA, anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    assert not period.catch_up_button.isVisibleTo(period)  # not lagging: no "Debitera ikapp"
    assert period.count.maximum() == services.extra["open_wizards"][0].options.max_intervals == 12
    d.type(period.count, "3")
    assert period.count.value() == 3
    assert "debiterat t.o.m. blir 2027-02-28" in period.details.text()
    assert period.total.text() == "<b>Att betala i kassan: 1 347,00 kr</b>"
    d.next(BEKRAFTA)
    assert "Debiterat t.o.m. efter</b></td><td>2027-02-28" in summary_text(d)
    order_id = finish_with_order(d, services)
    assert till_lines(qtbot, till, order_id) == [
        ("Gym AG 2026-12-01 – 2027-02-28", "2026-12-01 – 2027-02-28", "1 197,00 kr"),
        ("Handduk AG 2026-12-01 – 2027-02-28", "2026-12-01 – 2027-02-28", "150,00 kr")]
    assert b.sub(sqlite_core, gym)["charged_through"] == b.sub(sqlite_core, towel)["charged_through"] == date(
        2027, 2, 28)
    assert b.audit_actions(sqlite_core).count("Debitera") == 1


def test_debit_more_than_the_maximum_is_refused(qtbot, services, world, sqlite_core):
    cat, anna, gym, towel = world
    b.setting(sqlite_core, "max_prepay_intervals", 2)
    d = start(qtbot, services, menus.DEBITERA, anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    d.type(period.count, "5")
    assert period.count.value() <= 2 and period.count.maximum() == 2
    assert "Högst 2 debiteringsintervall i förväg." in period.state.text()


def test_debit_catch_up_when_lagging(qtbot, services, sqlite_core, till):
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie, charged_through=date(2026, 9, 30))
    b.subscription(sqlite_core, anna, cat.towel, parent_id=gym, charged_through=date(2026, 9, 30))
    d = start(qtbot, services, menus.DEBITERA, anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    assert period.catch_up_button.isVisible()
    assert "Abonnemanget är släpande" in period.state.text()
    d.click(period.catch_up_button)
    assert not period.count.isEnabled()
    assert "Debitera ikapp: debiterat t.o.m. blir 2026-11-30" in period.details.text()
    d.next(BEKRAFTA)
    assert "Debitering</b></td><td>Debitera ikapp" in summary_text(d)
    order_id = finish_with_order(d, services)
    assert [line[2] for line in till_lines(qtbot, till, order_id)] == ["798,00 kr", "100,00 kr"]
    assert b.sub(sqlite_core, gym)["charged_through"] == date(2026, 11, 30)


def test_debit_without_a_till_is_refused_before_the_wizard(services, world, error_box):
    cat, anna, gym, towel = world
    services.core.till_enabled = False
    assert register_subscription_actions(services)[menus.DEBITERA](MenuTarget(anna, gym)) is None
    assert "kassakoppling" in error_box.calls[0].message


# -- Uppgradera / Nedgradera ---------------------------------------------------------------------------------


def choose(d, row: int) -> None:
    products = d.page().products
    d.qtbot.mouseClick(products.viewport(), Qt.MouseButton.LeftButton,
                       pos=products.visualItemRect(products.item(row)).center())


def test_upgrade_end_to_end(qtbot, services, world, sqlite_core, till):
    cat, anna, gym, towel = world
    d = start(qtbot, services, menus.UPPGRADERA, anna, gym)
    identify(d)
    d.next(PERIOD)
    page = d.page()
    assert [page.products.item(i).text() for i in range(page.products.count())] == [
        "Gym Plus AG – 499,00 kr/mån: att betala 30,00 kr för 9 betalda dagar"]
    assert page.product_id() == cat.gym_plus  # the only one is chosen
    assert page.total.text() == "<b>Att betala i kassan: 30,00 kr</b>"
    d.next(BEKRAFTA)
    assert "Nytt</b></td><td>Gym Plus AG, 499,00 kr" in summary_text(d)
    order_id = finish_with_order(d, services)
    assert till_lines(qtbot, till, order_id) == [
        ("Uppgradering Gym AG → Gym Plus AG 2026-11-22 – 2026-11-30", "2026-11-22 – 2026-11-30", "30,00 kr")]
    state = b.sub(sqlite_core, gym)
    assert (state["product_id"], state["price_ore"], state["charged_through"]) == (cat.gym_plus, 49900,
                                                                                   date(2026, 11, 30))


def test_downgrade_end_to_end_moves_the_charged_through_date(qtbot, services, world, sqlite_core):
    cat, anna, gym, towel = world
    d = start(qtbot, services, menus.NEDGRADERA, anna, gym)
    identify(d)
    d.next(PERIOD)
    page = d.page()
    assert [page.products.item(i).text() for i in range(page.products.count())] == [
        "Gym Dag AG – 299,00 kr/mån: 3 dagar längre, debiterat t.o.m. 2026-12-03"]
    choose(d, 0)
    assert "debiterat t.o.m. 2026-11-30 → 2026-12-03" in page.details.text()
    d.next(BEKRAFTA)
    assert "Dagar som läggs till</b></td><td>3" in summary_text(d)
    finish_without_order(d, services)
    state = b.sub(sqlite_core, gym)
    assert (state["product_id"], state["price_ore"], state["charged_through"]) == (cat.gym_light, 29900,
                                                                                   date(2026, 12, 3))
    assert b.audit_actions(sqlite_core).count("Nedgradera") == 1


def test_upgrade_without_a_dearer_product_is_refused(services, sqlite_core, error_box):
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    plus = b.subscription(sqlite_core, anna, cat.gym_plus, price_list_id=cat.ordinarie)
    assert register_subscription_actions(services)[menus.UPPGRADERA](MenuTarget(anna, plus)) is None
    assert error_box.calls[0].message == "Det finns inget dyrare abonnemang av samma typ på samma prislista."
