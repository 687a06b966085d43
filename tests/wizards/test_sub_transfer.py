"""Överlåt through its wizard (SPEC §6): all seven steps, to an existing and to a new customer.

Anna (Ordinarie) has Gym 12 mån (kontant, Tillåt överlåtelse) valid 2026-06-01 – 2027-05-31 with
Handduk 12 mån as add-on; at Överlåt the Överlåtelseavgift 200 kr is mandatory and Skåp 12 mån optional.
"""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app import menus
from app.menus import MenuTarget
from tests.app import sub_builders as b
from tests.wizards.conftest import Driver
from tests.wizards.test_sub_freeze import finish_with_order, identify, start, summary_text, till, till_lines
from wizards.base import PageId
from wizards.subscription.actions import register_subscription_actions
from wizards.subscription.wizards import BEKRAFTA, SOK_KUND

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")
__all__ = ["till"]


@pytest.fixture
def world(sqlite_core):
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    card = b.subscription(sqlite_core, anna, cat.card12, price_list_id=cat.ordinarie, start_date=date(2026, 6, 1),
                          charged_through=date(2027, 5, 31))
    towel = b.subscription(sqlite_core, anna, cat.towel12, parent_id=card, start_date=date(2026, 6, 1),
                           charged_through=date(2027, 5, 31))
    return cat, anna, card, towel


def search(d: Driver, text: str) -> None:
    page = d.page()
    d.type(page.search, text, leave=False)
    d.qtbot.keyClick(page.search, Qt.Key.Key_Return)  # Enter searches at once (it does not press Nästa)
    assert d.wizard.currentId() == SOK_KUND


def tick_all(d: Driver) -> None:
    for box in d.page().check_boxes().values():
        if not box.isChecked():
            d.click(box)


def test_transfer_to_an_existing_customer_end_to_end(qtbot, services, world, sqlite_core, till):
    from db.models import Card

    cat, anna, card, towel = world
    bertil = b.person(sqlite_core, 2)
    d = start(qtbot, services, menus.OVERLAT, anna, card)
    identify(d)
    d.next(SOK_KUND)
    page = d.page()
    assert not d.next_button.isEnabled()
    search(d, "kund2@example.se")
    assert page.model.rowCount() == 1 and page.receiver_id() == bertil  # one hit is chosen
    assert d.next_button.isEnabled()
    d.next(PageId.LEGITIMERING)
    leg = d.page()
    assert leg.type_buttons["ordinarie"].isChecked() and not leg.type_box.isEnabled()  # the transferor's type
    tick_all(d)
    d.next(PageId.PERSONUPPGIFTER)
    assert d.page().edits["first_name"].text() == "Kund2"  # the existing receiver's data
    d.next(PageId.PRODUKTER)
    produkter = d.page()
    boxes = produkter.addon_boxes()
    assert boxes[cat.fee].isChecked() and not boxes[cat.fee].isEnabled()  # Överlåtelseavgift: obligatoriskt
    assert not boxes[cat.locker].isChecked()
    assert "Att betala idag: 200,00 kr" in produkter.summary.text()
    d.next(PageId.INPASSERING)
    d.type(d.page().card_number, "0000005001")
    d.next(BEKRAFTA)
    text = summary_text(d)
    assert "Kund</b>" not in text  # the transferor is "Överlåtare"
    for part in ("Överlåtare</b></td><td>Kund1 Svensson, kundnummer", "Mottagare</b></td><td>Kund2 Svensson, "
                 "kundnummer", "Överlåts</b></td><td>Gym 12 mån, giltigt t.o.m. 2027-05-31",
                 "Överlåtarens tillägg</b></td><td>Handduk 12 mån avslutas 2026-11-22",
                 "Mottagarens kort</b></td><td>0000005001"):
        assert part in text
    order_id = finish_with_order(d, services)
    assert till_lines(qtbot, till, order_id) == [("Överlåtelseavgift", "", "200,00 kr")]
    assert b.order_person(sqlite_core, order_id) == bertil
    state = b.sub(sqlite_core, card)
    assert (state["user_id"], state["payer_id"], state["charged_through"]) == (bertil, bertil, date(2027, 5, 31))
    assert (b.sub(sqlite_core, towel)["status"], b.sub(sqlite_core, towel)["end_date"]) == ("avslutat",
                                                                                            date(2026, 11, 22))
    with sqlite_core.sessions() as s:
        assert s.scalar(select(Card.person_id).where(Card.card_number == "0000005001")) == bertil
    assert b.audit_actions(sqlite_core).count("Överlåt") == 1


def test_transfer_to_a_new_customer_all_seven_steps(qtbot, services, world, sqlite_core, till):
    from db.models import Card, Person

    cat, anna, card, towel = world
    d = start(qtbot, services, menus.OVERLAT, anna, card)
    identify(d, agent="Bo Ombud")
    d.next(SOK_KUND)
    d.click(d.page().new_customer)
    d.next(PageId.LEGITIMERING)
    tick_all(d)
    d.next(PageId.PERSONUPPGIFTER)
    person = d.page()
    d.type(person.personnummer, "19850709-9805")
    d.type(person.edits["first_name"], "Cecilia")
    d.type(person.edits["last_name"], "Berg")
    d.type(person.edits["email"], "cecilia@example.se")
    d.type(person.edits["mobile"], "0701112233")
    d.next(PageId.PRODUKTER)
    produkter = d.page()
    d.click(produkter.addon_boxes()[cat.locker])
    assert "Att betala idag: 356,99 kr" in produkter.summary.text()
    d.next(PageId.INPASSERING)
    d.type(d.page().card_number, "0000006001")
    d.next(BEKRAFTA)
    text = summary_text(d)
    assert "Mottagare</b></td><td>Cecilia Berg (ny kund)" in text and "Ombud: Bo Ombud" in text
    assert d.page().total.text() == "<b>Att betala i kassan: 356,99 kr</b>"
    assert d.page().table.cell_texts() == [
        ("Gym 12 mån", "2027-05-31", "Giltigt t.o.m. 2027-05-31", "–", "–", "0,00 kr"),
        ("Handduk 12 mån (tillägg)", "2027-05-31", "Slutar 2026-11-22", "2026-11-22", "–", "0,00 kr")]
    assert d.page().table.isColumnHidden(5)
    d.screenshot("overlat-bekrafta.png")
    order_id = finish_with_order(d, services)
    assert till_lines(qtbot, till, order_id) == [
        ("Överlåtelseavgift", "", "200,00 kr"),
        ("Skåp 12 mån 2026-11-22 – 2027-05-31", "2026-11-22 – 2027-05-31", "156,99 kr")]
    with sqlite_core.sessions() as s:
        cecilia = s.scalar(select(Person).where(Person.first_name == "Cecilia"))
        assert (cecilia.personnummer, cecilia.customer_type) == ("198507099805", "ordinarie")
        assert s.scalar(select(Card.person_id).where(Card.card_number == "0000006001")) == cecilia.id
        assert b.sub(sqlite_core, card)["user_id"] == cecilia.id
        assert b.order_person(sqlite_core, order_id) == cecilia.id


def test_receiver_with_an_active_subscription_is_refused_on_sok_kund(qtbot, services, world, sqlite_core):
    cat, anna, card, towel = world
    bertil = b.person(sqlite_core, 2)
    b.subscription(sqlite_core, bertil, cat.gym, price_list_id=cat.ordinarie)
    d = start(qtbot, services, menus.OVERLAT, anna, card)
    identify(d)
    d.next(SOK_KUND)
    search(d, "kund2@example.se")
    page = d.page()
    assert page.receiver_id() == bertil
    assert page.receiver_error.text() == "Mottagaren har redan ett aktivt abonnemang."
    assert page.receiver_error.isVisible()
    assert not d.next_button.isEnabled()
    d.click(page.new_customer)  # "Registrera ny kund" instead
    assert d.next_button.isEnabled() and not page.receiver_error.isVisible()


def test_receiver_of_another_customer_type_is_refused_on_sok_kund(qtbot, services, world, sqlite_core):
    cat, anna, card, towel = world
    b.person(sqlite_core, 2, customer_type="student", price_guarantee_until=date(2027, 6, 30))
    d = start(qtbot, services, menus.OVERLAT, anna, card)
    identify(d)
    d.next(SOK_KUND)
    search(d, "kund2@example.se")
    assert "Mottagaren måste ha samma kundtyp som överlåtaren" in d.page().receiver_error.text()
    assert not d.next_button.isEnabled()


def test_transfer_of_a_product_without_tillat_overlatelse_is_refused(services, sqlite_core, error_box):
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    plus = b.subscription(sqlite_core, anna, cat.card12_plus, price_list_id=cat.ordinarie,
                          charged_through=date(2027, 5, 31))
    assert register_subscription_actions(services)[menus.OVERLAT](MenuTarget(anna, plus)) is None
    assert error_box.calls[0].message == "Produkten tillåter inte överlåtelse."
