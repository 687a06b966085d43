"""Flows 3 and 4 end to end: Registrera ny organisationskund and Utnyttja avtal/förbeställning.

Typed into the real pages, Nästa to Slutför, then checked in the database; cancelled midway and
refused up front with nothing written.
"""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app import menus
from app.menus import MenuTarget
from db.models import Order, OutboxMessage, Person, PreOrder, Subscription, User
from tests.app import builders as b
from tests.wizards.conftest import WAIT_MS, Driver
from tests.wizards.test_new_private_customer import autogiro, pick_product
from tests.wizards.test_org_pages import type_text
from wizards.base import PageId
from wizards.org_actions import register_organisation_actions
from wizards.organisation import start_new_organisation_customer, start_use_agreement
from wizards.pages.forbestallningar import NewPreOrderDialog

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

PNR = "198507099805"


def offered(d: Driver) -> list[int]:
    lst = d.page().products
    return [lst.item(r).data(Qt.ItemDataRole.UserRole) for r in range(lst.count())]


def sok_organisation(d: Driver, text: str, expected: str) -> None:
    page = d.page()
    assert d.wizard.currentId() == PageId.SOK_ORGANISATION
    assert not d.next_button.isEnabled()
    page.search.setFocus()
    type_text(d.qtbot, page.search, text)
    d.qtbot.waitUntil(lambda: not page.busy and page.organisation() is not None
                      and page.organisation().name == expected, timeout=WAIT_MS)
    d.qtbot.keyClick(page.search, Qt.Key.Key_Return)  # Enter = Nästa
    assert d.wizard.currentId() == PageId.LEGITIMERING


def legitimering(d: Driver) -> None:
    page = d.page()
    assert not page.type_box.isVisible()  # an organisation customer gets no type choice
    boxes = page.check_boxes()
    assert set(boxes) == {"id", "organisation"}
    d.click(boxes["id"])
    assert not d.next_button.isEnabled()  # the organisation membership is not ticked yet
    d.click(boxes["organisation"])
    d.next(PageId.PERSONUPPGIFTER)


def personuppgifter(d: Driver, expected_next: int, pnr: str = "850709-9805", first: str = "Anna") -> None:
    page = d.page()
    d.type(page.personnummer, pnr)
    d.type(page.edits["first_name"], first)
    d.type(page.edits["last_name"], "Öberg")
    d.type(page.edits["email"], f"{first.lower()}@example.se")
    d.type(page.edits["mobile"], "070-123 45 67")
    d.next(expected_next)


def wait_preorders(d: Driver):
    page = d.page()
    assert d.wizard.currentId() == PageId.FORBESTALLNINGAR
    d.qtbot.waitUntil(lambda: not page.busy and page._loaded is not None, timeout=WAIT_MS)
    return page


def inpassering_and_finish(d: Driver, card: str | None = None) -> None:
    assert d.wizard.currentId() == PageId.INPASSERING
    if card:
        d.type(d.page().card_number, card)
    d.next(PageId.SAMMANFATTNING)
    d.finish()


@pytest.fixture
def preorder_org(sqlite_core, cat):
    b.settings(sqlite_core, preorders_enabled=True)
    manager = b.add_manager(sqlite_core)
    return b.add_organisation(sqlite_core, "Företag AB", price_list_id=cat.org_list, uses_preorders=True,
                              account_manager_id=manager)


def test_flow_3_uses_the_persons_preorder_and_offers_only_its_product(qtbot, services, cat, sqlite_core,
                                                                       preorder_org):
    b.add_organisation(sqlite_core, "Företagshälsan", "556074-3089")
    mine = b.add_preorder(sqlite_core, preorder_org, cat.gym_kontant, personnummer=PNR)
    b.add_preorder(sqlite_core, preorder_org, cat.gym_ag, personnummer=b.pnr("19900101").replace("-", ""),
                   name="Bo Ek")
    orders = []
    services.bus.order_created.connect(orders.append)
    d = Driver(qtbot, start_new_organisation_customer(services))
    assert d.wizard.windowTitle() == "Registrera ny organisationskund"
    sok_organisation(d, "foretag", "Företag AB")  # accent-insensitive; the first hit is chosen
    legitimering(d)
    personuppgifter(d, PageId.FORBESTALLNINGAR)

    page = wait_preorders(d)
    assert [e.id for e in page.model.rows()] == [mine]  # only this person's pre-order
    assert page.preorder_id() == mine
    d.next(PageId.PRODUKTER)
    assert offered(d) == [cat.gym_kontant]  # only the pre-ordered product
    assert "Att betala idag: 3 000,00 kr" in d.page().summary.text()  # the organisation's price
    d.next(PageId.INPASSERING)  # kontant: no Autogiromedgivande
    d.type(d.page().card_number, "0004520100")
    d.next(PageId.SAMMANFATTNING)
    details = d.page().details.text()
    assert "Företag AB (556016-0680)" in details and "Förbeställning" in details
    d.finish()
    assert not d.wizard.isVisible()

    with sqlite_core.sessions() as s:
        person = s.scalar(select(Person).where(Person.personnummer == PNR))
        assert person.organisation_id == preorder_org and person.customer_type == "ordinarie"
        sub = s.scalar(select(Subscription).where(Subscription.user_id == person.id))
        assert (sub.product_id, sub.price_ore, sub.price_list_id, sub.organisation_id) == (
            cat.gym_kontant, 300000, cat.org_list, preorder_org)
        pre = s.get(PreOrder, mine)
        assert (pre.status, pre.used_subscription_id, pre.used_by_person_id) == ("utnyttjad", sub.id, person.id)
        order = s.scalar(select(Order).where(Order.person_id == person.id))
        assert sum(li.amount_ore for li in order.lines) == 300000
    assert orders == [order.id]


def test_flow_3_without_preorders_offers_the_organisations_price_list(qtbot, services, cat, sqlite_core):
    org = b.add_organisation(sqlite_core, "Avtal AB", price_list_id=cat.org_list)
    d = Driver(qtbot, start_new_organisation_customer(services))
    sok_organisation(d, "avtal", "Avtal AB")
    legitimering(d)
    personuppgifter(d, PageId.PRODUKTER)  # no Förbeställningar step
    assert d.page().list_label.text() == "&Huvudabonnemang (Företag AB-avtal)"
    assert sorted(offered(d)) == sorted([cat.gym_ag, cat.gym_kontant])  # the list's products only
    pick_product(d, cat.gym_ag)
    fee = d.page().addon_boxes()[cat.admin_fee]
    assert fee.isChecked() and not fee.isEnabled()  # mandatory add-on locked on
    assert "Att betala idag: 450,00 kr" in d.page().summary.text()  # 250 kr + administrationsavgift 200 kr
    d.next(PageId.AUTOGIRO)
    autogiro(d)
    inpassering_and_finish(d)
    assert not d.wizard.isVisible()
    with sqlite_core.sessions() as s:
        person = s.scalar(select(Person).where(Person.personnummer == PNR))
        assert person.organisation_id == org
        main = s.scalar(select(Subscription).where(Subscription.user_id == person.id,
                                                   Subscription.parent_id.is_(None)))
        assert (main.product_id, main.price_ore, main.price_list_id) == (cat.gym_ag, 25000, cat.org_list)
        assert s.scalars(select(PreOrder)).all() == []


def test_flow_3_organisation_without_a_list_gets_the_ordinarie_list(qtbot, services, cat, sqlite_core):
    # The organisation uses pre-orders, but the global setting is off: no Förbeställningar step.
    org = b.add_organisation(sqlite_core, "Utan Lista AB", uses_preorders=True)
    d = Driver(qtbot, start_new_organisation_customer(services))
    sok_organisation(d, "utan", "Utan Lista AB")
    legitimering(d)
    personuppgifter(d, PageId.PRODUKTER)
    assert d.page().list_label.text() == "&Huvudabonnemang (Ordinarie)"
    assert sorted(offered(d)) == sorted([cat.gym_ag, cat.gym_kontant])  # not the student-only product
    pick_product(d, cat.gym_kontant)
    assert "Att betala idag: 4 800,00 kr" in d.page().summary.text()
    d.next(PageId.INPASSERING)
    inpassering_and_finish(d)
    with sqlite_core.sessions() as s:
        person = s.scalar(select(Person).where(Person.personnummer == PNR))
        sub = s.scalar(select(Subscription).where(Subscription.user_id == person.id))
        assert (person.organisation_id, sub.price_list_id, sub.price_ore) == (org, cat.ordinarie, 480000)


def add_preorder_in_dialog(d: Driver, product_name: str) -> None:
    """Click "Lägg till förbeställning…" and fill the real modal dialog while it runs."""
    page = d.page()
    seen: list[NewPreOrderDialog] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, NewPreOrderDialog)
        seen.append(dialog)
        try:
            assert dialog.name.text() == "Anna Öberg" and dialog.email.text() == "anna@example.se"
            assert dialog.personnummer.text() == "19850709-9805"  # prefilled from Personuppgifter
            dialog.product.setCurrentIndex(dialog.product.findText(product_name))
            d.qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, fill)
    d.qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert seen and seen[0].result_value is not None


def test_flow_3_with_a_manually_added_preorder_emails_the_account_manager(qtbot, services, cat, sqlite_core,
                                                                          preorder_org):
    for name, birth, serial, product in (("Bo Ek", "19900101", "123", cat.gym_ag),
                                         ("Cecilia Lind", "19781224", "456", cat.gym_kontant),
                                         ("Dragan Petrović", "19920315", "789", cat.gym_ag)):
        b.add_preorder(sqlite_core, preorder_org, product, personnummer=b.pnr(birth, serial).replace("-", ""),
                       name=name)
    b.add_preorder(sqlite_core, preorder_org, cat.gym_ag, birth_date=date(1969, 5, 30), name="Eva Ström")
    d = Driver(qtbot, start_new_organisation_customer(services))
    sok_organisation(d, "foretag", "Företag AB")
    legitimering(d)
    personuppgifter(d, PageId.FORBESTALLNINGAR)
    page = wait_preorders(d)
    # no own pre-order: all the organisation's open ones, none chosen for the receptionist
    assert [e.name for e in page.model.rows()] == ["Bo Ek", "Cecilia Lind", "Dragan Petrović", "Eva Ström"]
    assert not d.next_button.isEnabled()
    add_preorder_in_dialog(d, "Gym 12 månader")
    assert page.new_preorder() is not None and d.next_button.isEnabled()
    assert [e.name for e in page.model.rows()][:2] == ["Anna Öberg", "Bo Ek"]
    d.screenshot("registrering-organisation-forbestallningar.png")
    d.next(PageId.PRODUKTER)
    assert offered(d) == [cat.gym_kontant]
    d.next(PageId.INPASSERING)
    inpassering_and_finish(d)
    assert not d.wizard.isVisible()

    with sqlite_core.sessions() as s:
        person = s.scalar(select(Person).where(Person.personnummer == PNR))
        sub = s.scalar(select(Subscription).where(Subscription.user_id == person.id))
        created = s.scalar(select(PreOrder).where(PreOrder.personnummer == PNR))
        assert (created.organisation_id, created.product_id, created.status, created.used_subscription_id) == (
            preorder_org, cat.gym_kontant, "utnyttjad", sub.id)
        assert created.created_by == s.scalar(select(User.id).where(User.username == "recep"))
        mail = s.scalar(select(OutboxMessage).where(OutboxMessage.channel == "epost"))
        assert mail.recipient == "kam@klubben.se" and mail.status == "vantar"
        assert "Företag AB" in mail.subject and "Gym 12 månader" in mail.body


def test_flow_3_cancel_midway_writes_nothing(qtbot, services, cat, sqlite_core, preorder_org, confirm):
    before = b.counts(sqlite_core)
    d = Driver(qtbot, start_new_organisation_customer(services))
    sok_organisation(d, "foretag", "Företag AB")
    legitimering(d)
    personuppgifter(d, PageId.FORBESTALLNINGAR)
    wait_preorders(d)
    add_preorder_in_dialog(d, "Gym AG")
    d.next(PageId.PRODUKTER)
    qtbot.keyClick(d.wizard, Qt.Key.Key_Escape)  # Esc = Avbryt
    assert len(confirm.calls) == 1
    assert not d.wizard.isVisible()
    assert b.counts(sqlite_core) == before  # no person, subscription, pre-order, e-mail, order


# -- Flow 4 ------------------------------------------------------------------------------


def test_flow_4_prefilled_with_suggested_organisation_and_preorder(qtbot, services, cat, sqlite_core,
                                                                  preorder_org):
    b.settings(sqlite_core, org_conversion_max_months=2)
    b.add_organisation(sqlite_core, "Alfa AB", "556074-3089", uses_preorders=True)
    person = b.add_person(sqlite_core)
    old = b.add_subscription(sqlite_core, person, cat.gym_kontant, start=date(2026, 1, 1),
                             charged_through=date(2026, 12, 31), price_ore=480000, price_list_id=cat.ordinarie)
    mine = b.add_preorder(sqlite_core, preorder_org, cat.gym_kontant, personnummer=PNR)
    persons_before = b.count(sqlite_core, Person)
    register_organisation_actions(services)
    wizard = services.extra["menu_actions"][menus.UTNYTTJA_AVTAL](MenuTarget(person))
    d = Driver(qtbot, wizard)
    assert wizard.windowTitle() == "Utnyttja avtal/förbeställning"
    page = d.page()
    qtbot.waitUntil(lambda: not page.busy and page.model.rowCount() == 1, timeout=WAIT_MS)
    assert page.organisation().id == preorder_org  # suggested: it holds a pre-order for the customer
    assert "förbeställning för kunden" in page.status.text()
    d.next(PageId.LEGITIMERING)
    assert "Nuvarande kundtyp: Ordinarie" in d.page().current_note.text()
    legitimering(d)
    assert d.page().edits["first_name"].text() == "Anna"  # prefilled from the customer
    assert d.page().personnummer.text() == "19850709-9805"
    d.next(PageId.FORBESTALLNINGAR)
    pre_page = wait_preorders(d)
    assert pre_page.preorder_id() == mine
    d.next(PageId.PRODUKTER)
    assert offered(d) == [cat.gym_kontant]
    assert "Start 2027-01-01" in d.page().summary.text()  # after the current subscription
    d.next(PageId.INPASSERING)
    inpassering_and_finish(d)
    assert not d.wizard.isVisible()

    with sqlite_core.sessions() as s:
        assert b.count(sqlite_core, Person) == persons_before  # the customer, not a new person
        assert s.get(Person, person).organisation_id == preorder_org
        new = s.scalar(select(Subscription).where(Subscription.user_id == person, Subscription.id != old))
        assert (new.status, new.start_date, new.organisation_id, new.price_ore) == (
            "kommande", date(2027, 1, 1), preorder_org, 300000)
        pre = s.get(PreOrder, mine)
        assert (pre.status, pre.used_by_person_id, pre.used_subscription_id) == ("utnyttjad", person, new.id)


def test_flow_4_refused_when_too_many_months_are_left(qtbot, services, cat, sqlite_core, preorder_org, error_box):
    b.settings(sqlite_core, org_conversion_max_months=2)
    person = b.add_person(sqlite_core)
    b.add_subscription(sqlite_core, person, cat.gym_kontant, start=date(2026, 11, 1),
                       charged_through=date(2027, 10, 31), price_ore=480000, price_list_id=cat.ordinarie)
    b.add_preorder(sqlite_core, preorder_org, cat.gym_kontant, personnummer=PNR)
    before = b.counts(sqlite_core)
    register_organisation_actions(services)
    assert services.extra["menu_actions"][menus.UTNYTTJA_AVTAL](MenuTarget(person)) is None
    assert len(error_box.calls) == 1
    message = error_box.calls[0].message
    assert "12 månader kvar" in message and "högst 2" in message
    assert services.extra.get("open_wizards", []) == []
    assert b.counts(sqlite_core) == before


def test_flow_4_without_preorders_searches_and_cancel_midway_writes_nothing(qtbot, services, cat, sqlite_core,
                                                                            confirm):
    org = b.add_organisation(sqlite_core, "Avtal AB", price_list_id=cat.org_list)
    person = b.add_person(sqlite_core)
    before = b.counts(sqlite_core)
    d = Driver(qtbot, start_use_agreement(services, person))
    page = d.page()
    qtbot.waitUntil(lambda: not page.busy and "ingen förbeställning" in page.status.text(), timeout=WAIT_MS)
    assert page.model.rowCount() == 0 and not d.next_button.isEnabled()
    sok_organisation(d, "avtal", "Avtal AB")
    legitimering(d)
    d.next(PageId.PRODUKTER)  # prefilled Personuppgifter; Avtal AB uses no pre-orders
    assert sorted(offered(d)) == sorted([cat.gym_ag, cat.gym_kontant])
    pick_product(d, cat.gym_kontant)
    assert "Att betala idag: 3 000,00 kr" in d.page().summary.text()
    d.next(PageId.INPASSERING)
    d.type(d.page().card_number, "0004520100")
    qtbot.keyClick(d.wizard, Qt.Key.Key_Escape)
    assert len(confirm.calls) == 1 and not d.wizard.isVisible()
    assert b.counts(sqlite_core) == before
    with sqlite_core.sessions() as s:
        assert s.get(Person, person).organisation_id is None and org


def test_main_window_entry_starts_flow_3(qtbot, services, cat):
    register_organisation_actions(services)
    wizard = services.extra["start_org_registration"]()
    Driver(qtbot, wizard)
    assert wizard.currentId() == PageId.SOK_ORGANISATION and wizard.flow == "ny_organisationskund"


def test_flow_3_refused_without_a_till(qtbot, services, cat, error_box):
    services.core.till_enabled = False
    assert start_new_organisation_customer(services) is None
    assert "kassakoppling" in error_box.calls[0].message.lower()
