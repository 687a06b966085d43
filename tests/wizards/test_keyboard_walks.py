"""Every wizard walked with the keyboard alone (issue 14 §5): Tab and Shift+Tab between the fields, typing,
Space on ticks, arrows in lists, Alt+letter on the buttons, Esc answered with "Fortsätt fylla i", and Enter
to go on and to finish — then the database holds what was typed. No mouse click anywhere in this file."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app import menus
from app.menus import MenuTarget
from db.models import Address, AutogiroMandate, Card, CustomerTypeProof, Person, Subscription
from tests.app import builders
from tests.app import sub_builders as sb
from tests.wizards.conftest import WAIT_MS, Driver
from tests.wizards.keyboard import (alt, assert_no_mnemonic_clash, assert_tab_follows_screen, choose_in_list, enter_past_last_field, focused,
                                    press, tab_to, type_here)
from wizards.actions import register_person_actions
from wizards.base import PageId
from wizards.registration import start_new_private_customer
from wizards.subscription.actions import register_subscription_actions
from wizards.subscription.wizards import BEKRAFTA, PERIOD, SOK_KUND

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def enter(d: Driver, expected: int | None = None) -> None:
    """Enter = Nästa; the page it reaches has one use per Alt+letter."""
    before = d.wizard.currentId()
    press(d, Qt.Key.Key_Return)
    if expected is not None:
        d.qtbot.waitUntil(lambda: d.wizard.currentId() == expected, timeout=WAIT_MS)
    else:
        assert d.wizard.currentId() != before
    if d.wizard.isVisible():
        assert_no_mnemonic_clash(d)


def space_on(d: Driver, widget) -> None:
    tab_to(d, widget)
    press(d, Qt.Key.Key_Space)


def test_flow_1_registration_by_keyboard_alone(qtbot, services, cat, sqlite_core, confirm):
    d = Driver(qtbot, start_new_private_customer(services))
    page = d.page()
    # Legitimering: the focus starts on the first type; nothing is chosen until Space (or an arrow) picks one —
    # a focused radio button is not a choice, and the page's foot says "Välj kundtyp." meanwhile.
    assert focused() is page.type_buttons["ordinarie"] and page.customer_type() is None
    press(d, Qt.Key.Key_Return)
    assert d.wizard.currentId() == PageId.LEGITIMERING and page.next_reason.text() == "Välj kundtyp."
    press(d, Qt.Key.Key_Space)
    assert page.customer_type() == "ordinarie"
    space_on(d, page.check_boxes()["id"])
    assert page.check_boxes()["id"].isChecked()
    enter(d, PageId.PERSONUPPGIFTER)

    page = d.page()
    assert focused() is page.personnummer
    type_here(d, "850709-9805")
    tab_to(d, page.edits["first_name"])
    type_here(d, "Anna")
    tab_to(d, page.edits["last_name"])
    type_here(d, "Öberg")
    press(d, Qt.Key.Key_Tab)
    assert focused() is page.edits["email"]  # Tab follows the screen
    type_here(d, "anna@example.se")
    tab_to(d, page.edits["mobile"])
    type_here(d, "070-123 45 67")
    tab_to(d, page.address.street)
    type_here(d, "Storgatan 1")
    tab_to(d, page.address.postal_code)
    type_here(d, "11455")
    press(d, Qt.Key.Key_Tab)
    assert page.address.town.text() == "Stockholm"
    tab_to(d, page.edits["first_name"], backwards=True)  # Shift+Tab goes back up; nothing typed is lost
    assert page.edits["first_name"].text() == "Anna" and page.edits["email"].text() == "anna@example.se"
    alt(d, "n")  # Alt+N = "&Nästa >"
    qtbot.waitUntil(lambda: d.wizard.currentId() == PageId.PRODUKTER, timeout=WAIT_MS)

    page = d.page()
    choose_in_list(d, page.products, cat.gym_ag)
    # Esc asks first; answering "Fortsätt fylla i" keeps the wizard with everything typed.
    confirm.answer = False
    press(d, Qt.Key.Key_Escape)
    assert len(confirm.calls) == 1 and d.wizard.isVisible() and d.wizard.currentId() == PageId.PRODUKTER
    enter(d, PageId.AUTOGIRO)  # Enter in the list = Nästa

    page = d.page()
    tab_to(d, page.edits["clearing"])
    type_here(d, "5000")
    tab_to(d, page.edits["account"])
    type_here(d, "1234560")
    press(d, Qt.Key.Key_Tab)
    alt(d, "t")  # Alt+T = "< &Tillbaka": back to Produkter, and forward again with Alt+N keeps both pages
    qtbot.waitUntil(lambda: d.wizard.currentId() == PageId.PRODUKTER, timeout=WAIT_MS)
    assert d.page().products.currentItem().data(Qt.ItemDataRole.UserRole) == cat.gym_ag
    alt(d, "n")
    qtbot.waitUntil(lambda: d.wizard.currentId() == PageId.AUTOGIRO, timeout=WAIT_MS)
    assert d.page().edits["account"].text() == "1234560"
    enter(d, PageId.INPASSERING)

    page = d.page()
    tab_to(d, page.card_number)
    type_here(d, "0004520100")
    enter(d, PageId.SAMMANFATTNING)
    assert "Anna Öberg" in d.page().details.text()
    alt(d, "s")  # Alt+S = "&Slutför"
    qtbot.waitUntil(lambda: not d.wizard.isVisible(), timeout=WAIT_MS)

    with sqlite_core.sessions() as s:
        person = s.scalar(select(Person).where(Person.personnummer == "198507099805"))
        assert (person.first_name, person.last_name, person.email) == ("Anna", "Öberg", "anna@example.se")
        home = s.scalar(select(Address).where(Address.person_id == person.id, Address.kind == "hem"))
        assert (home.street, home.postal_code, home.town) == ("Storgatan 1", "11455", "Stockholm")
        assert s.scalar(select(CustomerTypeProof).where(CustomerTypeProof.person_id == person.id)) is not None
        sub = s.scalar(select(Subscription).where(Subscription.user_id == person.id, Subscription.parent_id.is_(None)))
        assert sub.product_id == cat.gym_ag
        mandate = s.scalar(select(AutogiroMandate).where(AutogiroMandate.person_id == person.id))
        assert (mandate.clearing, mandate.account_number) == ("5000", "1234560")
        assert s.scalar(select(Card.card_number).where(Card.person_id == person.id)) == "0004520100"


def walk(d: Driver, steps: dict | None = None, *, limit: int = 12) -> list[int]:
    """Walk the wizard to Slutför with the keyboard: on each page its step (keys only) if one is given, then Tab
    past the page's last field and Enter — on to a new page (never back) or, on the last page, Slutför (a step
    that returns True left the page itself). Each page reached has one use per Alt+letter. Returns the page ids
    walked."""
    steps = steps or {}
    walked = []
    for _ in range(limit):
        if not d.wizard.isVisible():
            return walked
        assert_no_mnemonic_clash(d)
        page_id = d.wizard.currentId()
        walked.append(page_id)
        step = steps.get(page_id)
        if step is not None and step(d, d.page()):
            continue
        enter_past_last_field(d)
    raise AssertionError(f"the wizard did not finish: {walked}")


def tick_by_keyboard(d: Driver, page) -> None:
    """Identifiering: Space on "… identitetshandling är kontrollerad"."""
    space_on(d, page.checked)
    assert page.checked.isChecked()


def ticks_by_keyboard(d: Driver, page) -> None:
    """Legitimering: Space on each tick (the customer type is preselected for an existing customer)."""
    if page.customer_type() is None:
        tab_to(d, page.type_buttons["ordinarie"])
        press(d, Qt.Key.Key_Space)
    for box in page.check_boxes().values():
        if not box.isChecked():
            space_on(d, box)


def card_number_by_keyboard(number: str):
    def step(d: Driver, page) -> None:
        tab_to(d, page.card_number)
        type_here(d, number)
    return step


def test_new_membership_card_by_keyboard_alone(qtbot, services, cat, sqlite_core):
    person = builders.add_person(sqlite_core)
    d = Driver(qtbot, register_person_actions(services)[menus.NYTT_MEDLEMSKORT](MenuTarget(person)))
    walked = walk(d, {PageId.IDENTIFIERING: tick_by_keyboard,
                      PageId.INPASSERING: card_number_by_keyboard("0004777111")})
    assert walked == [PageId.IDENTIFIERING, PageId.PRODUKTER, PageId.INPASSERING, PageId.SAMMANFATTNING]
    with sqlite_core.sessions() as s:
        assert s.scalar(select(Card.card_number).where(Card.person_id == person, Card.status == "aktivt")) == \
            "0004777111"


def test_teckna_abonnemang_by_keyboard_alone(qtbot, services, cat, sqlite_core):
    person = builders.add_person(sqlite_core)

    def kontant(d: Driver, page) -> None:
        choose_in_list(d, page.products, cat.gym_kontant)

    d = Driver(qtbot, register_person_actions(services)[menus.TECKNA_ABONNEMANG](MenuTarget(person)))
    walked = walk(d, {PageId.LEGITIMERING: ticks_by_keyboard, PageId.PRODUKTER: kontant,
                      PageId.INPASSERING: card_number_by_keyboard("0004777222")})
    assert walked[0] == PageId.LEGITIMERING and walked[-1] == PageId.SAMMANFATTNING
    with sqlite_core.sessions() as s:
        sub = s.scalar(select(Subscription).where(Subscription.user_id == person, Subscription.parent_id.is_(None)))
        assert sub.product_id == cat.gym_kontant


def freeze_world(sqlite_core):
    cat = sb.catalog(sqlite_core)
    anna = sb.person(sqlite_core, 1)
    gym = sb.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    return cat, anna, gym


def frozen_world(sqlite_core, *, freeze_start, freeze_end, charged_through):
    cat = sb.catalog(sqlite_core)
    anna = sb.person(sqlite_core, 1)
    gym = sb.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie, status="fryst",
                          charged_through=charged_through)
    sb.freeze(sqlite_core, gym, freeze_start, freeze_end)
    return anna, gym


def routine(services, code, anna, sub) -> Driver:
    return register_subscription_actions(services)[code](MenuTarget(anna, sub))


def test_freeze_by_keyboard_alone(qtbot, services, sqlite_core):
    cat, anna, gym = freeze_world(sqlite_core)

    def period(d: Driver, page) -> None:
        tab_to(d, page.end.edit)
        type_here(d, "2027-01-21")
        press(d, Qt.Key.Key_Tab)

    d = Driver(qtbot, routine(services, menus.FRYS, anna, gym))
    walked = walk(d, {PageId.IDENTIFIERING: tick_by_keyboard, PERIOD: period})
    assert walked[:2] == [PageId.IDENTIFIERING, PERIOD] and walked[-1] == BEKRAFTA
    assert sb.sub(sqlite_core, gym)["status"] == "fryst"
    (f,) = sb.freezes(sqlite_core, gym)
    assert f["end"] == date(2027, 1, 21)


@pytest.mark.parametrize("code, action", [(menus.SAG_UPP, "Säg upp"), (menus.DEBITERA, "Debitera")])
def test_subscription_routine_by_keyboard_alone(qtbot, services, sqlite_core, code, action):
    cat, anna, gym = freeze_world(sqlite_core)
    before = sb.sub(sqlite_core, gym)
    d = Driver(qtbot, routine(services, code, anna, gym))
    walked = walk(d, {PageId.IDENTIFIERING: tick_by_keyboard})
    assert walked[0] == PageId.IDENTIFIERING and walked[-1] == BEKRAFTA
    assert sb.sub(sqlite_core, gym) != before
    assert sb.audit_actions(sqlite_core).count(action) == 1


def test_thaw_by_keyboard_alone(qtbot, services, sqlite_core):
    anna, gym = frozen_world(sqlite_core, freeze_start=date(2026, 10, 1), freeze_end=date(2027, 1, 31),
                             charged_through=date(2027, 1, 31))
    d = Driver(qtbot, routine(services, menus.TINA_UPP, anna, gym))
    assert walk(d, {PageId.IDENTIFIERING: tick_by_keyboard}) == [PageId.IDENTIFIERING, BEKRAFTA]
    assert sb.sub(sqlite_core, gym)["status"] == "aktivt"
    assert sb.audit_actions(sqlite_core).count("Tina upp") == 1


@pytest.mark.parametrize("code, action, end", [(menus.FORLANG_FRYSNING, "Förläng frysning", "2027-02-28"),
                                               (menus.FORKORTA_FRYSNING, "Förkorta frysning", "2026-12-15")])
def test_change_freeze_end_by_keyboard_alone(qtbot, services, sqlite_core, code, action, end):
    anna, gym = frozen_world(sqlite_core, freeze_start=date(2026, 3, 1), freeze_end=date(2026, 12, 31),
                             charged_through=date(2026, 12, 31))

    def period(d: Driver, page) -> None:
        tab_to(d, page.end.edit)
        type_here(d, end)
        press(d, Qt.Key.Key_Tab)

    d = Driver(qtbot, routine(services, code, anna, gym))
    assert walk(d, {PageId.IDENTIFIERING: tick_by_keyboard, PERIOD: period}) == [PageId.IDENTIFIERING, PERIOD,
                                                                                 BEKRAFTA]
    assert [f["end"] for f in sb.freezes(sqlite_core, gym)] == [date.fromisoformat(end)]
    assert sb.audit_actions(sqlite_core).count(action) == 1


def test_transfer_by_keyboard_alone_enter_in_the_search_searches_then_goes_on(qtbot, services, sqlite_core):

    cat = sb.catalog(sqlite_core)
    anna = sb.person(sqlite_core, 1)
    card = sb.subscription(sqlite_core, anna, cat.card12, price_list_id=cat.ordinarie, start_date=date(2026, 6, 1),
                           charged_through=date(2027, 5, 31))
    bertil = sb.person(sqlite_core, 2)
    sb.person(sqlite_core, 3)

    def find_receiver(d: Driver, page) -> bool:
        assert focused() is page.search
        type_here(d, "Kund")
        press(d, Qt.Key.Key_Return)  # a new text: Enter searches
        qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT_MS)
        assert d.wizard.currentId() == SOK_KUND and page.receiver_id() is None
        type_here(d, "kund2@example.se")
        press(d, Qt.Key.Key_Return)  # searches again: one hit, chosen
        qtbot.waitUntil(lambda: page.receiver_id() == bertil, timeout=WAIT_MS)
        assert d.wizard.currentId() == SOK_KUND
        press(d, Qt.Key.Key_Return)  # the same text, a hit chosen: Enter is Nästa
        qtbot.waitUntil(lambda: d.wizard.currentId() == PageId.LEGITIMERING, timeout=WAIT_MS)
        return True

    d = Driver(qtbot, routine(services, menus.OVERLAT, anna, card))
    walked = walk(d, {PageId.IDENTIFIERING: tick_by_keyboard, SOK_KUND: find_receiver,
                      PageId.LEGITIMERING: ticks_by_keyboard,
                      PageId.INPASSERING: card_number_by_keyboard("0000005001")})
    assert walked[:3] == [PageId.IDENTIFIERING, SOK_KUND, PageId.LEGITIMERING] and walked[-1] == BEKRAFTA
    assert sb.sub(sqlite_core, card)["user_id"] == bertil
    assert sb.audit_actions(sqlite_core).count("Överlåt") == 1


def test_certify_customer_type_by_keyboard_alone(qtbot, services, cat, sqlite_core):
    from db.models import Person as P

    person = builders.add_person(sqlite_core)

    def student(d: Driver, page) -> None:
        tab_to(d, page.type_buttons["ordinarie"])
        for _ in range(len(page.type_buttons)):  # the arrows move between the types and choose
            if page.customer_type() == "student":
                break
            press(d, Qt.Key.Key_Right)
        assert page.customer_type() == "student"
        qtbot.wait(20)  # the student's ticks appear (Qt shows new widgets from the event loop)
        assert_tab_follows_screen(d)  # the new ticks and fields stand in the Tab chain where they are on the screen
        tab_to(d, page.type_buttons["student"])
        if page.proof.isVisible() and page.proof.currentData() is None:
            tab_to(d, page.proof)
            press(d, Qt.Key.Key_Down)
        tab_to(d, page.valid_until)
        type_here(d, "2027-06-30")
        press(d, Qt.Key.Key_Tab)
        for box in page.check_boxes().values():
            space_on(d, box)

    d = Driver(qtbot, register_person_actions(services)[menus.INTYGA_KUNDTYP](MenuTarget(person)))
    assert walk(d, {PageId.LEGITIMERING: student}) == [PageId.LEGITIMERING, PageId.SAMMANFATTNING]
    with sqlite_core.sessions() as s:
        row = s.get(P, person)
        assert (row.customer_type, row.price_guarantee_until) == ("student", date(2027, 6, 30))


def test_new_mandate_by_keyboard_alone(qtbot, services, cat, sqlite_core):
    person = builders.add_person(sqlite_core)

    def account(d: Driver, page) -> None:
        tab_to(d, page.edits["clearing"])
        type_here(d, "5000")
        tab_to(d, page.edits["account"])
        type_here(d, "1234560")
        press(d, Qt.Key.Key_Tab)

    d = Driver(qtbot, register_person_actions(services)[menus.NYTT_AG_MEDGIVANDE](MenuTarget(person)))
    assert walk(d, {PageId.AUTOGIRO: account}) == [PageId.AUTOGIRO]
    with sqlite_core.sessions() as s:
        mandate = s.scalar(select(AutogiroMandate).where(AutogiroMandate.person_id == person))
        assert (mandate.clearing, mandate.account_number) == ("5000", "1234560")


def test_flow_3_organisation_customer_by_keyboard_alone(qtbot, services, cat, sqlite_core):
    from db.models import PreOrder
    from wizards.organisation import start_new_organisation_customer

    builders.settings(sqlite_core, preorders_enabled=True)
    manager = builders.add_manager(sqlite_core)
    org = builders.add_organisation(sqlite_core, "Företag AB", price_list_id=cat.org_list, uses_preorders=True,
                                    account_manager_id=manager)
    mine = builders.add_preorder(sqlite_core, org, cat.gym_kontant, personnummer="198507099805")

    def organisation(d: Driver, page) -> bool:
        assert focused() is page.search
        type_here(d, "foretag")
        qtbot.waitUntil(lambda: not page.busy and page.organisation() is not None, timeout=WAIT_MS)
        press(d, Qt.Key.Key_Return)  # the hit is chosen: Enter = Nästa
        qtbot.waitUntil(lambda: d.wizard.currentId() == PageId.LEGITIMERING, timeout=WAIT_MS)
        return True

    def personal(d: Driver, page) -> None:
        for edit, text in ((page.personnummer, "850709-9805"), (page.edits["first_name"], "Anna"),
                           (page.edits["last_name"], "Öberg"), (page.edits["email"], "anna@example.se"),
                           (page.edits["mobile"], "070-123 45 67")):
            tab_to(d, edit)
            type_here(d, text)
        press(d, Qt.Key.Key_Tab)

    def preorders(d: Driver, page) -> None:
        qtbot.waitUntil(lambda: not page.busy and page._loaded is not None, timeout=WAIT_MS)
        assert page.preorder_id() == mine

    d = Driver(qtbot, start_new_organisation_customer(services))
    walked = walk(d, {PageId.SOK_ORGANISATION: organisation, PageId.LEGITIMERING: ticks_by_keyboard,
                      PageId.PERSONUPPGIFTER: personal, PageId.FORBESTALLNINGAR: preorders,
                      PageId.INPASSERING: card_number_by_keyboard("0004520100")})
    assert walked == [PageId.SOK_ORGANISATION, PageId.LEGITIMERING, PageId.PERSONUPPGIFTER,
                      PageId.FORBESTALLNINGAR, PageId.PRODUKTER, PageId.INPASSERING, PageId.SAMMANFATTNING]
    with sqlite_core.sessions() as s:
        person = s.scalar(select(Person).where(Person.personnummer == "198507099805"))
        assert person.organisation_id == org
        assert s.get(PreOrder, mine).status == "utnyttjad"


def towel_world(sqlite_core):
    cat = sb.catalog(sqlite_core)
    anna = sb.person(sqlite_core, 1)
    gym = sb.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    sb.subscription(sqlite_core, anna, cat.towel, parent_id=gym)
    return cat, anna, gym


@pytest.mark.parametrize("code, action", [(menus.UPPGRADERA, "Uppgradera"), (menus.NEDGRADERA, "Nedgradera")])
def test_change_product_by_keyboard_alone(qtbot, services, sqlite_core, code, action):
    cat, anna, gym = towel_world(sqlite_core)
    before = sb.sub(sqlite_core, gym)["product_id"]

    def product(d: Driver, page) -> None:
        tab_to(d, page.products)
        if page.product_id() is None:
            press(d, Qt.Key.Key_Down)
        assert page.product_id() is not None

    d = Driver(qtbot, routine(services, code, anna, gym))
    assert walk(d, {PageId.IDENTIFIERING: tick_by_keyboard, PERIOD: product}) == [PageId.IDENTIFIERING, PERIOD,
                                                                                  BEKRAFTA]
    assert sb.sub(sqlite_core, gym)["product_id"] != before
    assert sb.audit_actions(sqlite_core).count(action) == 1


@pytest.mark.parametrize("code", [menus.TA_BORT_ANNAN_BETALARE, menus.SLUTA_BETALA])
def test_payer_routines_by_keyboard_alone(qtbot, services, sqlite_core, code):
    cat = sb.catalog(sqlite_core)
    anna = sb.person(sqlite_core, 1)
    bo = sb.person(sqlite_core, 2, first_name="Bo")
    gym = sb.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie, payer_id=bo)

    def by_agent(d: Driver, page) -> None:  # an ombud: the arrow picks "Ombud", Tab to the name, Space on the tick
        press(d, Qt.Key.Key_Down)
        assert page.agent_button.isChecked()
        tab_to(d, page.agent_name)
        type_here(d, "Eva Ombud")
        space_on(d, page.checked)

    who = anna if code == menus.TA_BORT_ANNAN_BETALARE else bo
    d = Driver(qtbot, routine(services, code, who, gym))
    assert walk(d, {PageId.IDENTIFIERING: by_agent}) == [PageId.IDENTIFIERING, BEKRAFTA]
    assert sb.sub(sqlite_core, gym)["payer_id"] == anna


def test_change_mandate_by_keyboard_alone(qtbot, services, cat, sqlite_core):
    person = builders.add_person(sqlite_core)
    builders.add_mandate(sqlite_core, person, status="aktivt")

    def account(d: Driver, page) -> None:
        tab_to(d, page.edits["clearing"])
        type_here(d, "6789")
        tab_to(d, page.edits["account"])
        type_here(d, "123456789")
        press(d, Qt.Key.Key_Tab)

    d = Driver(qtbot, register_person_actions(services)[menus.ANDRA_MEDGIVANDE](MenuTarget(person)))
    assert walk(d, {PageId.AUTOGIRO: account}) == [PageId.AUTOGIRO]
    with sqlite_core.sessions() as s:
        new = s.scalar(select(AutogiroMandate).where(AutogiroMandate.status == "ny"))
        assert (new.person_id, new.clearing, new.account_number) == (person, "6789", "123456789")


def test_flow_4_use_agreement_by_keyboard_alone(qtbot, services, cat, sqlite_core):
    from db.models import PreOrder
    from wizards.org_actions import register_organisation_actions

    builders.settings(sqlite_core, preorders_enabled=True, org_conversion_max_months=2)
    manager = builders.add_manager(sqlite_core)
    org = builders.add_organisation(sqlite_core, "Företag AB", price_list_id=cat.org_list, uses_preorders=True,
                                    account_manager_id=manager)
    person = builders.add_person(sqlite_core)
    builders.add_subscription(sqlite_core, person, cat.gym_kontant, start=date(2026, 1, 1),
                              charged_through=date(2026, 12, 31), price_ore=480000, price_list_id=cat.ordinarie)
    mine = builders.add_preorder(sqlite_core, org, cat.gym_kontant, personnummer="198507099805")

    def suggested(d: Driver, page) -> None:  # the organisation holding the customer's pre-order is chosen
        qtbot.waitUntil(lambda: not page.busy and page.organisation() is not None, timeout=WAIT_MS)
        assert page.organisation().id == org

    def preorders(d: Driver, page) -> None:
        qtbot.waitUntil(lambda: not page.busy and page._loaded is not None, timeout=WAIT_MS)
        assert page.preorder_id() == mine

    register_organisation_actions(services)
    d = Driver(qtbot, services.extra["menu_actions"][menus.UTNYTTJA_AVTAL](MenuTarget(person)))
    walked = walk(d, {PageId.SOK_ORGANISATION: suggested, PageId.LEGITIMERING: ticks_by_keyboard,
                      PageId.FORBESTALLNINGAR: preorders})
    assert walked[0] == PageId.SOK_ORGANISATION and walked[-1] == PageId.SAMMANFATTNING
    with sqlite_core.sessions() as s:
        assert s.get(Person, person).organisation_id == org
        assert s.get(PreOrder, mine).status == "utnyttjad"


def test_flow_5_online_pickup_by_keyboard_alone(qtbot, services, cat, sqlite_core):
    person = builders.add_person(sqlite_core)
    builders.add_online_purchase(sqlite_core, person, cat.gym_kontant, cat.ordinarie, customer_type="ordinarie",
                                 price_paid_ore=30000, registered_on=date(2026, 11, 12))
    d = Driver(qtbot, register_person_actions(services)[menus.HAMTA_UT_ONLINEKOP](MenuTarget(person)))
    walked = walk(d, {PageId.LEGITIMERING: ticks_by_keyboard,
                      PageId.INPASSERING: card_number_by_keyboard("0004777333")})
    assert walked[0] == PageId.LEGITIMERING and walked[-1] == PageId.SAMMANFATTNING
    with sqlite_core.sessions() as s:
        assert s.scalar(select(Subscription.product_id).where(Subscription.user_id == person)) == cat.gym_kontant
