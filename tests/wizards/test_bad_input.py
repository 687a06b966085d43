"""Every bad input the pages refuse: the message at the field, and Nästa disabled or the page kept."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.routines.membership_card import CARD_TAKEN_MESSAGE
from tests.app import builders
from tests.wizards.conftest import Driver
from tests.wizards.test_new_private_customer import (PNR, legitimering_ordinarie, personuppgifter, pick_product,
                                                     run_to_inpassering)
from wizards.base import PageId
from wizards.registration import start_new_private_customer

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

CHILD = builders.pnr("20110305", "234")     # 15 years old on 2026-11-22
ADULT_41 = PNR                              # 41 years old


@pytest.fixture
def wizard(qtbot, services, cat) -> Driver:
    return Driver(qtbot, start_new_private_customer(services))


def fill_person_except(d: Driver, skip: str, pnr: str = PNR) -> None:
    page = d.page()
    values = {"personnummer": pnr, "first_name": "Anna", "last_name": "Öberg", "email": "anna@example.se",
              "mobile": "0701234567"}
    for name, text in values.items():
        if name != skip:
            d.type(page.personnummer if name == "personnummer" else page.edits[name], text)


def test_personnummer_with_wrong_check_digit(wizard):
    d = wizard
    legitimering_ordinarie(d)
    fill_person_except(d, "personnummer")
    d.type(d.page().personnummer, "850709-9806")
    error = d.page().personnummer_error
    assert error.isVisible() and "kontrollsiffran stämmer inte" in error.text()
    assert not d.next_button.isEnabled()
    d.type(d.page().personnummer, "850709-9805")  # corrected: the message goes, Nästa comes back
    assert not error.isVisible() and d.next_button.isEnabled()


def test_personnummer_without_a_date(wizard):
    d = wizard
    legitimering_ordinarie(d)
    d.type(d.page().personnummer, "851309-9805")
    assert d.page().personnummer_error.text() == "Personnumret innehåller inget giltigt datum."
    assert not d.next_button.isEnabled()


def test_missing_and_invalid_email(wizard):
    d = wizard
    legitimering_ordinarie(d)
    fill_person_except(d, "email")
    assert not d.next_button.isEnabled()  # e-mail is required
    d.type(d.page().edits["email"], "anna@")
    assert d.page().field_errors["email"].text() == "E-postadressen är ogiltig. Den ska se ut som namn@exempel.se."
    assert not d.next_button.isEnabled()
    d.type(d.page().edits["email"], "")
    assert d.page().field_errors["email"].text() == "Ange e-postadress."
    assert not d.next_button.isEnabled()


def test_missing_and_invalid_mobile(wizard):
    d = wizard
    legitimering_ordinarie(d)
    fill_person_except(d, "mobile")
    assert not d.next_button.isEnabled()  # mobile is required
    d.type(d.page().edits["mobile"], "0701")
    assert d.page().field_errors["mobile"].text() == "Mobilnumret ska ha 6–15 siffror."
    assert not d.next_button.isEnabled()
    d.type(d.page().edits["mobile"], "")
    assert d.page().field_errors["mobile"].text() == "Ange mobilnummer."


def test_without_personnummer_birth_date_and_gender_are_required(wizard, sqlite_core):
    d = wizard
    legitimering_ordinarie(d)
    fill_person_except(d, "personnummer")
    page = d.page()
    d.click(page.no_personnummer)
    assert page.birth_date.isVisible() and not d.next_button.isEnabled()
    d.type(page.birth_date, "1990-02-30")
    assert "Datumet finns inte" in page.birth_error.text()
    d.type(page.birth_date, "1990-02-28")
    assert not d.next_button.isEnabled()  # kön missing
    page.gender.setCurrentIndex(page.gender.findData("K"))
    assert d.next_button.isEnabled()


def test_pensioner_under_65_is_refused_on_personuppgifter(wizard, sqlite_core, cat):
    builders.settings(sqlite_core, price_list_pensionar=cat.ordinarie)
    d = Driver(wizard.qtbot, start_new_private_customer(wizard.wizard.services))
    page = d.page()
    d.click(page.type_buttons["pensionar"])
    page.subtype.setCurrentIndex(page.subtype.findData("alderspensionar"))
    for box in page.check_boxes().values():
        d.click(box)
    d.next(PageId.PERSONUPPGIFTER)  # the age is not known yet
    fill_person_except(d, "", pnr=ADULT_41)
    d.qtbot.mouseClick(d.next_button, Qt.MouseButton.LeftButton)
    assert d.wizard.currentId() == PageId.PERSONUPPGIFTER  # the page stays
    assert d.page().personnummer_error.text() == "Ålderspensionär måste vara minst 65 år. Kunden är 41 år."


def test_pensioner_under_65_is_refused_on_legitimering_when_the_personnummer_is_known(qtbot, services, cat,
                                                                                      sqlite_core):
    builders.settings(sqlite_core, price_list_pensionar=cat.ordinarie)
    d = Driver(qtbot, start_new_private_customer(services, {"personnummer": ADULT_41, "first_name": "Anna",
                                                            "last_name": "Öberg"}))
    page = d.page()
    d.click(page.type_buttons["pensionar"])
    page.subtype.setCurrentIndex(page.subtype.findData("alderspensionar"))
    for box in page.check_boxes().values():
        d.click(box)
    qtbot.mouseClick(d.next_button, Qt.MouseButton.LeftButton)
    assert d.wizard.currentId() == PageId.LEGITIMERING
    assert page.subtype_error.text() == "Ålderspensionär måste vara minst 65 år. Kunden är 41 år."


def test_under_the_minimum_age_for_ordinarie(qtbot, services, cat, sqlite_core):
    builders.settings(sqlite_core, min_age_ordinarie=18)
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    fill_person_except(d, "", pnr=CHILD)
    qtbot.mouseClick(d.next_button, Qt.MouseButton.LeftButton)
    assert d.wizard.currentId() == PageId.PERSONUPPGIFTER
    assert d.page().personnummer_error.text() == "Ordinarie kund måste vara minst 18 år. Kunden är 15 år."


def test_missing_proof_tick_keeps_next_disabled(wizard):
    d = wizard
    page = d.page()
    d.click(page.type_buttons["student"])
    d.type(page.valid_until, "2027-06-30")
    d.click(page.check_boxes()["id"])
    assert set(page.check_boxes()) == {"id", "proof"}
    assert page.check_boxes()["proof"].text() == "Mecenatkort är kontrollerat"
    assert not d.next_button.isEnabled()
    d.click(page.check_boxes()["proof"])
    assert d.next_button.isEnabled()


def test_foreign_id_needs_the_residence_proof_and_its_tick(wizard):
    d = wizard
    page = d.page()
    d.click(page.type_buttons["ordinarie"])
    d.click(page.id_buttons["utlandsk"])
    d.click(page.check_boxes()["id"])
    assert page.residence.isVisible() and not d.next_button.isEnabled()
    page.residence.setCurrentIndex(page.residence.findData("ut_kort"))
    assert page.check_boxes()["residence"].text() == "UT-kort (bosatt i Sverige) är kontrollerat"
    assert not d.next_button.isEnabled()
    d.click(page.check_boxes()["residence"])
    assert d.next_button.isEnabled()


def test_expired_or_unreadable_proof_date(wizard):
    d = wizard
    page = d.page()
    d.click(page.type_buttons["student"])
    for box in page.check_boxes().values():
        d.click(box)
    d.type(page.valid_until, "2026-11-21")
    assert page.valid_until_error.text() == "Intyget gick ut 2026-11-21. Ett giltigt intyg krävs."
    assert not d.next_button.isEnabled()
    d.type(page.valid_until, "30/6")
    assert page.valid_until_error.text() == "Skriv datumet som ÅÅÅÅ-MM-DD."
    assert not d.next_button.isEnabled()


def test_invalid_bank_account_and_clearing(wizard, cat):
    d = wizard
    legitimering_ordinarie(d)
    personuppgifter(d)
    pick_product(d, cat.gym_ag)
    d.next(PageId.AUTOGIRO)
    page = d.page()
    d.type(page.edits["clearing"], "12")
    assert page.field_errors["clearing"].text() == "Clearingnumret ska ha fyra siffror."
    d.type(page.edits["clearing"], "5000")
    assert not page.field_errors["clearing"].isVisible()
    d.type(page.edits["account"], "1234561")
    assert page.field_errors["account"].text() == ("Kontonumret är felaktigt (kontrollsiffran stämmer inte). "
                                                   "Kontrollera siffrorna.")
    assert not d.next_button.isEnabled()
    d.type(page.edits["account"], "123")
    assert page.field_errors["account"].text() == "Kontonumret för SEB ska ha 7 siffror (du angav 3)."
    assert not d.next_button.isEnabled()


def test_account_holder_under_18(wizard, cat):
    d = wizard
    legitimering_ordinarie(d)
    personuppgifter(d)
    pick_product(d, cat.gym_ag)
    d.next(PageId.AUTOGIRO)
    page = d.page()
    d.type(page.edits["holder_personnummer"], CHILD)
    assert page.field_errors["holder_personnummer"].text() == (
        "Kontoinnehavaren måste vara minst 18 år (är 15 år). Ange en målsman som kontoinnehavare.")
    d.type(page.edits["clearing"], "5000")
    d.type(page.edits["account"], "1234560")
    assert not d.next_button.isEnabled()


def test_taken_card_number_is_refused_at_once(wizard, sqlite_core, cat):
    other = builders.add_person(sqlite_core, builders.person_data("19900101-0017", "Bo", "Berg", "bo@example.se"))
    builders.add_card(sqlite_core, other, "0004520100")
    builders.add_card(sqlite_core, other, "0000000555", status="sparrat")
    d = wizard
    run_to_inpassering(d, cat)
    page = d.page()
    d.type(page.card_number, "0004520100", leave=False)  # no need to leave the field
    assert page.card_error.isVisible() and page.card_error.text() == CARD_TAKEN_MESSAGE
    assert not d.next_button.isEnabled()
    d.type(page.card_number, "0000000555")  # a blocked card's number is free again
    assert not page.card_error.isVisible() and d.next_button.isEnabled()
    d.type(page.card_number, "12-ab!")
    assert page.card_error.text() == "Kortnumret får bara innehålla siffror och bokstäver (högst 40 tecken)."


def test_existing_customer_is_offered_instead_of_a_duplicate(wizard, sqlite_core, services):
    person = builders.add_person(sqlite_core)
    opened = []
    services.bus.open_person.connect(opened.append)
    before = builders.counts(sqlite_core)
    d = wizard
    legitimering_ordinarie(d)
    fill_person_except(d, "")
    page = d.page()
    assert "Det finns redan en kund med det personnumret" in page.personnummer_error.text()
    assert not d.next_button.isEnabled()
    assert page.open_existing_button.isVisible()
    d.click(page.open_existing_button)
    assert opened == [person] and not d.wizard.isVisible()
    assert builders.counts(sqlite_core) == before


def test_desk_without_a_till_cannot_start_a_charging_flow(services, cat, error_box):
    services.core.till_enabled = False
    assert start_new_private_customer(services) is None
    assert len(error_box.calls) == 1 and "kassakoppling" in error_box.calls[0].message
