"""Every disabled Nästa says why (issue 14 §2): the page's reason stands at its foot unless a field shows it in
red, and prefilled fields are checked when the page opens."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.wizards.conftest import Driver
from tests.wizards.test_new_private_customer import legitimering_ordinarie, personuppgifter, pick_product
from wizards.base import PageId
from wizards.registration import start_new_private_customer

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

MINOR = "20100101-2382"  # 16 on 2026-11-22


def says_why(d: Driver) -> str:
    """What the page says about its disabled Nästa: the reason at its foot or the red texts at its fields."""
    page = d.page()
    texts = page.shown_messages() + ([page.next_reason.text()] if page.next_reason.isVisible() else [])
    return " ".join(texts)


def test_minor_with_autogiro_sees_the_holder_age_rule_as_the_page_opens(qtbot, services, cat):
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    personuppgifter(d, pnr=MINOR)
    pick_product(d, cat.gym_ag)
    d.next(PageId.AUTOGIRO)
    page = d.page()
    assert page.edits["holder_personnummer"].text() == MINOR  # prefilled with the minor
    d.type(page.edits["clearing"], "5000")
    d.type(page.edits["account"], "1234560")
    assert not d.next_button.isEnabled()
    # Without ever touching the holder fields, the age rule is at the holder's personnummer.
    assert page.field_errors["holder_personnummer"].isVisible()
    assert "minst 18 år" in page.field_errors["holder_personnummer"].text()
    assert not page.next_reason.isVisible()  # said once, at the field
    d.screenshot("nasta-avstangt-autogiro-minderarig.png")


def test_legitimering_names_the_missing_tick(qtbot, services, cat):
    d = Driver(qtbot, start_new_private_customer(services))
    page = d.page()
    assert not d.next_button.isEnabled()
    assert page.next_reason.isVisible() and page.next_reason.text() == "Välj kundtyp."
    d.click(page.type_buttons["ordinarie"])
    assert not d.next_button.isEnabled()
    assert page.next_reason.isVisible()
    assert page.next_reason.text().startswith("Bocka i det du har kontrollerat: ")
    d.screenshot("nasta-avstangt-legitimering.png")
    d.click(page.check_boxes()["id"])
    assert d.next_button.isEnabled() and not page.next_reason.isVisible()


def test_personuppgifter_says_what_is_missing_before_any_field_is_left(qtbot, services, cat):
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    page = d.page()
    for name, text in (("personnummer", "850709-9805"), ("first_name", "Anna"), ("last_name", "Öberg"),
                       ("email", "anna@example.se")):
        d.type(page.edits[name], text)
    assert not d.next_button.isEnabled()
    assert page.next_reason.isVisible()
    assert "obil" in page.next_reason.text()  # the mobile number is what is missing
    page.edits["mobile"].setFocus()
    qtbot.keyClicks(page.edits["mobile"], "0701234567")
    assert d.next_button.isEnabled() and not page.next_reason.isVisible()


def test_a_field_error_is_not_repeated_at_the_foot(qtbot, services, cat):
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    page = d.page()
    d.type(page.edits["personnummer"], "850709-9806")  # wrong check digit
    assert page.personnummer_error.isVisible()
    assert not d.next_button.isEnabled()
    assert says_why(d)
    assert page.next_reason.text() not in page.shown_messages() or not page.next_reason.isVisible()
