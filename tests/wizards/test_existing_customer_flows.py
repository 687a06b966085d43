"""Flows 2, 5, 6, 7 and 8 started from the person menu's actions, driven through the real pages."""
from __future__ import annotations

from datetime import date

import cv2
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app import menus
from app.menus import MenuTarget
from app.routines.mandate import HOS_BGC_MESSAGE
from db.models import AutogiroMandate, Card, CustomerTypeProof, OnlinePurchase, Order, Person, Subscription
from tests.app import builders
from tests.devices.test_camera import make_frame
from tests.wizards.conftest import Driver
from tests.wizards.test_new_private_customer import pick_product
from wizards.actions import ACTION_CODES, register_person_actions
from wizards.base import PageId
from wizards.pages.inpassering import SAME_CARD_MESSAGE

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


@pytest.fixture
def person(sqlite_core) -> int:
    return builders.add_person(sqlite_core)


def add_photo(core, person_id: int) -> None:
    from db.models import Photo

    ok, data = cv2.imencode(".jpg", make_frame(2))
    assert ok
    with core.sessions() as s, s.begin():
        s.add(Photo(person_id=person_id, jpeg=data.tobytes(), taken_at=builders.NOW, is_current=True))


def start(qtbot, services, code: str, person_id: int) -> Driver:
    actions = register_person_actions(services)
    wizard = actions[code](MenuTarget(person_id))
    assert wizard is not None
    return Driver(qtbot, wizard)


def tick_all(d: Driver) -> None:
    for box in d.page().check_boxes().values():
        if not box.isChecked():
            d.click(box)


def test_actions_registered_under_the_menu_codes(services):
    actions = register_person_actions(services)
    assert set(ACTION_CODES) <= set(actions)
    assert {"teckna_abonnemang", "hamta_ut_onlinekop", "intyga_kundtyp", "nytt_medlemskort", "nytt_ag_medgivande",
            "andra_medgivande"} <= set(actions)
    assert menus.UTNYTTJA_AVTAL not in actions  # the organisation flows register themselves
    assert callable(services.extra["start_registration"])


def test_start_registration_prefills_from_personuppslagning(qtbot, services, cat):
    register_person_actions(services)
    wizard = services.extra["start_registration"]({
        "personnummer": "198507099805", "first_name": "Åsa", "last_name": "Öberg", "street": "Hemlig 1", "co": "",
        "postal_code": "11455", "town": "Stockholm", "protected_identity": True})
    d = Driver(qtbot, wizard)
    page = wizard.personuppgifter
    assert page.personnummer.text() == "19850709-9805" and page.edits["first_name"].text() == "Åsa"
    assert page.address.street.text() == "" and page.protected_note.isVisibleTo(page)  # protected: no address
    assert d.wizard.currentId() == PageId.LEGITIMERING


# -- flow 2 ------------------------------------------------------------------------------------------------


def test_flow_2_existing_customer_signs_kontant(qtbot, services, cat, person, sqlite_core):
    builders.add_card(sqlite_core, person, "0000000006")
    add_photo(sqlite_core, person)
    d = start(qtbot, services, menus.TECKNA_ABONNEMANG, person)
    assert d.wizard.windowTitle() == "Teckna abonnemang som befintlig privatkund"
    leg = d.page()
    assert leg.type_buttons["ordinarie"].isChecked()  # the customer's type preselected, the ticks not
    assert not d.next_button.isEnabled()
    tick_all(d)
    d.next(PageId.PERSONUPPGIFTER)
    page = d.page()
    assert page.edits["first_name"].text() == "Anna" and page.personnummer.text() == "19850709-9805"
    d.type(page.edits["mobile"], "073-999 88 77")
    d.next(PageId.PRODUKTER)
    pick_product(d, cat.gym_kontant)
    assert "Att betala idag: 4 800,00 kr" in d.page().summary.text()
    d.next(PageId.INPASSERING)  # kontant: no Autogiromedgivande
    access = d.page()
    assert access.photo.existing_photo.isVisible()  # the customer's current photo and card are shown
    assert access.current_card_label.text() == "Nuvarande kort: 0000000006. Lämna fältet tomt för att behålla det."
    d.type(access.card_number, "0000000007")
    d.next(PageId.SAMMANFATTNING)
    d.finish()
    with sqlite_core.sessions() as s:
        p = s.get(Person, person)
        assert p.mobile == "073-999 88 77"
        sub = s.scalar(select(Subscription).where(Subscription.user_id == person))
        assert sub.product_id == cat.gym_kontant and sub.charged_through == date(2027, 11, 21)
        assert s.scalar(select(Order.id).where(Order.person_id == person)) is not None
        cards = dict(s.execute(select(Card.card_number, Card.status).where(Card.person_id == person)).all())
        assert cards == {"0000000006": "sparrat", "0000000007": "aktivt"}


def test_flow_2_shows_the_current_mandate_and_keeps_it(qtbot, services, cat, person, sqlite_core):
    builders.add_mandate(sqlite_core, person, status="aktivt")
    d = start(qtbot, services, menus.TECKNA_ABONNEMANG, person)
    tick_all(d)
    d.next(PageId.PERSONUPPGIFTER)
    d.next(PageId.PRODUKTER)
    pick_product(d, cat.gym_ag)
    d.next(PageId.AUTOGIRO)
    page = d.page()
    assert "SEB" in page.current_text.text() and "Aktivt" in page.current_text.text()
    assert page.replace_box.isVisible() and not page.edits["clearing"].isEnabled()
    d.next(PageId.INPASSERING)
    d.next(PageId.SAMMANFATTNING)
    assert "Nuvarande medgivande behålls" in d.page().details.text()
    d.finish()
    with sqlite_core.sessions() as s:
        assert s.scalars(select(AutogiroMandate.status).where(AutogiroMandate.person_id == person)).all() == ["aktivt"]


def test_flow_2_mandate_hos_bgc_cannot_be_replaced(qtbot, services, cat, person, sqlite_core):
    builders.add_mandate(sqlite_core, person, status="hos_bgc")
    d = start(qtbot, services, menus.TECKNA_ABONNEMANG, person)
    tick_all(d)
    d.next(PageId.PERSONUPPGIFTER)
    d.next(PageId.PRODUKTER)
    pick_product(d, cat.gym_ag)
    d.next(PageId.AUTOGIRO)
    page = d.page()
    assert page.blocked.isVisible() and page.blocked.text() == HOS_BGC_MESSAGE
    assert not page.replace_box.isVisible()
    assert page.mandate() is None


def test_flow_2_refused_when_the_current_subscription_runs_on(qtbot, services, cat, person, sqlite_core, error_box):
    builders.add_subscription(sqlite_core, person, cat.gym_ag, start=date(2026, 1, 1),
                              charged_through=date(2026, 12, 31))
    actions = register_person_actions(services)
    assert actions[menus.TECKNA_ABONNEMANG](MenuTarget(person)) is None
    assert len(error_box.calls) == 1 and "autogiro" in error_box.calls[0].message.lower()


# -- flow 5 ------------------------------------------------------------------------------------------------


def test_flow_5_pickup_as_ordinarie_pays_the_price_adjustment(qtbot, services, cat, person, sqlite_core):
    purchase = builders.add_online_purchase(sqlite_core, person, cat.gym_ag, cat.student, customer_type="student",
                                            price_paid_ore=30000, registered_on=date(2026, 11, 12),
                                            addon_ids=(cat.admin_fee,))
    d = start(qtbot, services, menus.HAMTA_UT_ONLINEKOP, person)
    assert d.wizard.windowTitle() == "Hämta ut onlineköp"
    leg = d.page()
    assert leg.type_buttons["student"].isChecked()
    d.click(leg.type_buttons["ordinarie"])  # cannot prove Student
    tick_all(d)
    d.next(PageId.PERSONUPPGIFTER)
    d.next(PageId.PRODUKTER)
    page = d.page()
    assert page.products.count() == 1 and page.selected_product().id == cat.gym_ag
    assert page.addon_boxes()[cat.admin_fee].isChecked() and not page.addon_boxes()[cat.admin_fee].isEnabled()
    assert page.adjustments.isVisible()
    assert "Prisjustering Gym AG" in page.adjustments.text()
    assert "Summa prisjusteringar: 100,00 kr" in page.adjustments.text()
    assert "Att betala idag: 100,00 kr" in page.summary.text()
    d.next(PageId.AUTOGIRO)
    d.type(d.page().edits["clearing"], "5000")
    d.type(d.page().edits["account"], "1234560")
    d.next(PageId.INPASSERING)
    d.next(PageId.SAMMANFATTNING)
    d.finish()
    with sqlite_core.sessions() as s:
        assert s.get(OnlinePurchase, purchase).status == "uthamtad"
        sub = s.scalar(select(Subscription).where(Subscription.user_id == person, Subscription.parent_id.is_(None)))
        # Debiterat t.o.m. 2026-12-11 moved forward by the 10 days since the online registration.
        assert sub.start_date == date(2026, 11, 12) and sub.charged_through == date(2026, 12, 21)
        order = s.scalar(select(Order).where(Order.person_id == person))
        assert sum(li.amount_ore for li in order.lines) == 10000
        assert s.get(Person, person).customer_type == "ordinarie"


# -- flow 6 ------------------------------------------------------------------------------------------------


def test_flow_6_new_membership_card_blocks_the_old_one(qtbot, services, cat, person, sqlite_core):
    old = builders.add_card(sqlite_core, person, "0000000111")
    d = start(qtbot, services, menus.NYTT_MEDLEMSKORT, person)
    page = d.page()
    assert "Anna Öberg" in page.person_label.text()
    d.click(page.agent_button)
    d.click(page.checked)
    assert not d.next_button.isEnabled()  # an ombud needs a name
    d.type(page.agent_name, "Olle Ombud")
    d.next(PageId.PRODUKTER)
    assert d.page().product_id() == cat.card_product
    d.next(PageId.INPASSERING)
    card = d.page()
    assert "Nuvarande kort: 0000000111" in card.current_card_label.text()
    assert not d.next_button.isEnabled()  # a new card is required
    d.type(card.card_number, "0000000111")
    assert card.card_error.text() == SAME_CARD_MESSAGE and not d.next_button.isEnabled()
    d.type(card.card_number, "0000000222")
    d.next(PageId.SAMMANFATTNING)
    assert "Olle Ombud" in d.page().details.text() and "Kort 0000000111" in d.page().details.text()
    assert d.page().total.text() == "<b>Att betala i kassan: 100,00 kr</b>"
    d.finish()
    with sqlite_core.sessions() as s:
        assert s.get(Card, old).status == "sparrat"
        assert s.scalar(select(Card.status).where(Card.card_number == "0000000222")) == "aktivt"
        assert s.scalar(select(Order.id).where(Order.person_id == person)) is not None


# -- flow 7 ------------------------------------------------------------------------------------------------


def test_flow_7_renews_a_student_proof(qtbot, services, cat, sqlite_core):
    person = builders.add_person(sqlite_core, customer_type="student", price_guarantee_until=date(2026, 12, 31))
    d = start(qtbot, services, menus.INTYGA_KUNDTYP, person)
    page = d.page()
    assert "prisgaranti t.o.m. 2026-12-31" in page.current_note.text()
    assert page.type_buttons["student"].isChecked()
    d.type(page.valid_until, "2027-06-30")
    tick_all(d)
    d.next(PageId.SAMMANFATTNING)
    assert "Förnyat intyg" in d.page().details.text()
    d.finish()
    with sqlite_core.sessions() as s:
        assert s.get(Person, person).price_guarantee_until == date(2027, 6, 30)
        proof = s.scalar(select(CustomerTypeProof).where(CustomerTypeProof.person_id == person))
        assert (proof.customer_type, proof.proof_kind) == ("student", "mecenatkort")


def test_flow_7_renewal_not_later_than_the_guarantee_goes_back_to_the_date(qtbot, services, cat, sqlite_core):
    person = builders.add_person(sqlite_core, customer_type="student", price_guarantee_until=date(2027, 6, 30))
    before = builders.counts(sqlite_core)
    d = start(qtbot, services, menus.INTYGA_KUNDTYP, person)
    d.type(d.page().valid_until, "2027-01-31")
    tick_all(d)
    d.next(PageId.SAMMANFATTNING)
    qtbot.waitUntil(lambda: d.wizard.currentId() == PageId.LEGITIMERING)
    assert "måste gälla längre än nuvarande prisgaranti" in d.page().valid_until_error.text()
    assert builders.counts(sqlite_core) == before


def test_flow_7_change_to_student_lists_the_price_change(qtbot, services, cat, person, sqlite_core):
    builders.add_subscription(sqlite_core, person, cat.gym_ag, start=date(2026, 1, 1),
                              charged_through=date(2026, 12, 31), price_list_id=cat.ordinarie)
    d = start(qtbot, services, menus.INTYGA_KUNDTYP, person)
    page = d.page()
    d.click(page.type_buttons["student"])
    d.type(page.valid_until, "2027-06-30")
    tick_all(d)
    d.next(PageId.SAMMANFATTNING)
    assert "400,00 kr → 300,00 kr från nästa debitering" in d.page().details.text()
    d.finish()
    with sqlite_core.sessions() as s:
        assert s.scalar(select(Subscription.price_ore).where(Subscription.user_id == person)) == 30000


# -- flow 8 ------------------------------------------------------------------------------------------------


def test_flow_8_change_mandate_replaces_the_current_one(qtbot, services, cat, person, sqlite_core):
    old = builders.add_mandate(sqlite_core, person, status="aktivt")
    changed = []
    services.bus.person_changed.connect(changed.append)
    d = start(qtbot, services, menus.ANDRA_MEDGIVANDE, person)
    assert d.wizard.windowTitle() == "Ändra autogiromedgivande"
    page = d.page()
    assert page.edits["holder_name"].text() == "Anna Öberg"
    assert not d.finish_button.isEnabled()
    d.type(page.edits["clearing"], "6789")
    d.type(page.edits["account"], "123456789")
    d.finish()
    assert not d.wizard.isVisible()
    with sqlite_core.sessions() as s:
        assert s.get(AutogiroMandate, old).status == "makulerat"
        new = s.scalar(select(AutogiroMandate).where(AutogiroMandate.status == "ny"))
        assert (new.clearing, new.account_number, new.bank_name) == ("6789", "123456789", "Handelsbanken")
    assert changed == [person]


def test_flow_8_new_mandate_with_swedbank_warning_is_not_blocked(qtbot, services, cat, person, sqlite_core):
    d = start(qtbot, services, menus.NYTT_AG_MEDGIVANDE, person)
    page = d.page()
    d.type(page.edits["clearing"], "8327-9")
    d.type(page.edits["account"], "99 123 456-7")
    assert page.warning.isVisible() and "Swedbank" in page.warning.text()
    qtbot.keyClick(page.edits["account"], Qt.Key.Key_Return)  # Enter = Slutför on the last page
    assert not d.wizard.isVisible()
    with sqlite_core.sessions() as s:
        assert s.scalar(select(AutogiroMandate.clearing).where(AutogiroMandate.person_id == person)) == "83279"


def test_flow_8_mandate_hos_bgc_says_why_and_cannot_finish(qtbot, services, cat, person, sqlite_core):
    builders.add_mandate(sqlite_core, person, status="hos_bgc")
    d = start(qtbot, services, menus.ANDRA_MEDGIVANDE, person)
    assert d.page().blocked.isVisible() and d.page().blocked.text() == HOS_BGC_MESSAGE
    assert not d.finish_button.isEnabled()


# -- cancelling writes nothing ----------------------------------------------------------------------------


def _midway_2(d, cat):
    tick_all(d)
    d.next(PageId.PERSONUPPGIFTER)
    d.type(d.page().edits["mobile"], "0731112233")


def _midway_5(d, cat):
    tick_all(d)
    d.next(PageId.PERSONUPPGIFTER)
    d.next(PageId.PRODUKTER)


def _midway_6(d, cat):
    d.click(d.page().checked)
    d.next(PageId.PRODUKTER)
    d.next(PageId.INPASSERING)
    d.type(d.page().card_number, "0000000333")


def _midway_7(d, cat):
    tick_all(d)


def _midway_8(d, cat):
    d.type(d.page().edits["clearing"], "6789")


@pytest.mark.parametrize("code, midway", [
    (menus.TECKNA_ABONNEMANG, _midway_2), (menus.HAMTA_UT_ONLINEKOP, _midway_5),
    (menus.NYTT_MEDLEMSKORT, _midway_6), (menus.INTYGA_KUNDTYP, _midway_7), (menus.NYTT_AG_MEDGIVANDE, _midway_8)])
def test_cancel_midway_writes_nothing(qtbot, services, cat, person, sqlite_core, confirm, code, midway):
    builders.add_online_purchase(sqlite_core, person, cat.gym_ag, cat.ordinarie, customer_type="ordinarie",
                                 price_paid_ore=40000, registered_on=date(2026, 11, 20), addon_ids=(cat.admin_fee,))
    before = builders.counts(sqlite_core)
    d = start(qtbot, services, code, person)
    midway(d, cat)
    qtbot.keyClick(d.wizard, Qt.Key.Key_Escape)
    assert len(confirm.calls) == 1 and not d.wizard.isVisible()
    assert builders.counts(sqlite_core) == before
