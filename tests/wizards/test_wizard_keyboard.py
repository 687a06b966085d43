"""The wizards with the keyboard (issue 14 §2/§5): Tab follows the screen and the first field has the focus on
every page; Enter after Tab past a page's last field (the focus on "< Tillbaka") goes on, never back."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from app import menus
from app.menus import MenuTarget
from tests.app import builders
from tests.app import sub_builders as sb
from tests.wizards import test_org_flows as org
from tests.wizards.conftest import WAIT_MS, Driver
from tests.wizards.keyboard import assert_first_field_focused, assert_tab_follows_screen, focused, press
from tests.wizards.test_existing_customer_flows import tick_all
from tests.wizards.test_new_private_customer import legitimering_ordinarie, personuppgifter, pick_product
from tests.wizards.test_sub_freeze import identify
from wizards.actions import register_person_actions
from wizards.base import PageId
from wizards.organisation import start_new_organisation_customer
from wizards.registration import start_new_private_customer
from wizards.subscription.actions import register_subscription_actions

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def check_page(d: Driver) -> None:
    assert_first_field_focused(d)
    assert_tab_follows_screen(d)


def walk_flow_1(d: Driver, cat, upto: int) -> None:
    steps = [(PageId.LEGITIMERING, legitimering_ordinarie), (PageId.PERSONUPPGIFTER, personuppgifter),
             (PageId.PRODUKTER, lambda d: (pick_product(d, cat.gym_ag), d.next(PageId.AUTOGIRO))),
             (PageId.AUTOGIRO, lambda d: (d.type(d.page().edits["clearing"], "5000"),
                                          d.type(d.page().edits["account"], "1234560"), d.next(PageId.INPASSERING))),
             (PageId.INPASSERING, lambda d: d.next(PageId.SAMMANFATTNING))]
    for page_id, step in steps:
        if page_id == upto:
            return
        step(d)


@pytest.mark.parametrize("page_id", [PageId.LEGITIMERING, PageId.PERSONUPPGIFTER, PageId.PRODUKTER, PageId.AUTOGIRO,
                                     PageId.INPASSERING, PageId.SAMMANFATTNING], ids=lambda p: p.name.lower())
def test_flow_1_page_tab_order_and_first_field(qtbot, services, cat, page_id):
    d = Driver(qtbot, start_new_private_customer(services))
    walk_flow_1(d, cat, page_id)
    assert d.wizard.currentId() == page_id
    check_page(d)


def test_personuppgifter_tab_after_efternamn_goes_to_e_post(qtbot, services, cat):
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    page = d.page()
    page.edits["last_name"].setFocus()
    qtbot.waitUntil(page.edits["last_name"].hasFocus, timeout=WAIT_MS)
    press(d, Qt.Key.Key_Tab)
    assert focused() is page.edits["email"]


@pytest.mark.parametrize("page_id", [PageId.SOK_ORGANISATION, PageId.LEGITIMERING, PageId.PERSONUPPGIFTER,
                                     PageId.FORBESTALLNINGAR], ids=lambda p: p.name.lower())
def test_flow_3_page_tab_order_and_first_field(qtbot, services, cat, sqlite_core, page_id):
    org.preorder_org.__wrapped__(sqlite_core, cat)
    d = Driver(qtbot, start_new_organisation_customer(services))
    steps = [(PageId.SOK_ORGANISATION, lambda d: org.sok_organisation(d, "Företag", "Företag AB")),
             (PageId.LEGITIMERING, org.legitimering),
             (PageId.PERSONUPPGIFTER, lambda d: org.personuppgifter(d, PageId.FORBESTALLNINGAR)),
             (PageId.FORBESTALLNINGAR, org.wait_preorders)]
    for step_id, step in steps:
        if step_id == page_id:
            if page_id == PageId.FORBESTALLNINGAR:
                org.wait_preorders(d)
            break
        step(d)
    assert d.wizard.currentId() == page_id
    check_page(d)


@pytest.mark.parametrize("code", [menus.NYTT_MEDLEMSKORT, menus.INTYGA_KUNDTYP, menus.NYTT_AG_MEDGIVANDE,
                                  menus.TECKNA_ABONNEMANG])
def test_person_menu_wizards_first_page(qtbot, services, cat, sqlite_core, code):
    person = builders.add_person(sqlite_core)
    d = Driver(qtbot, register_person_actions(services)[code](MenuTarget(person)))
    check_page(d)


@pytest.mark.parametrize("code", [menus.FRYS, menus.DEBITERA, menus.SAG_UPP])
def test_subscription_wizards_pages(qtbot, services, sqlite_core, code):
    cat = sb.catalog(sqlite_core)
    anna = sb.person(sqlite_core, 1)
    gym = sb.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    d = Driver(qtbot, register_subscription_actions(services)[code](MenuTarget(anna, gym)))
    check_page(d)  # Identifiering
    identify(d)
    d.next()
    check_page(d)


def test_enter_after_tab_past_the_last_field_goes_on_not_back(qtbot, services, cat):
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    page = d.page()
    for name, text in (("personnummer", "850709-9805"), ("first_name", "Anna"), ("last_name", "Öberg"),
                       ("email", "anna@example.se"), ("mobile", "0701234567")):
        d.type(page.edits[name], text)
    page.address.country.setFocus()  # the page's last field
    qtbot.waitUntil(page.address.country.hasFocus, timeout=WAIT_MS)
    press(d, Qt.Key.Key_Tab)
    assert focused() is d.wizard.button(QWizard.WizardButton.BackButton)
    press(d, Qt.Key.Key_Return)
    assert d.wizard.currentId() == PageId.PRODUKTER  # Nästa, not back to Legitimering


def test_enter_on_a_focused_avbryt_does_not_cancel(qtbot, services, cat):
    d = Driver(qtbot, start_new_private_customer(services))
    cancel = d.wizard.button(QWizard.WizardButton.CancelButton)
    cancel.setFocus()
    qtbot.waitUntil(cancel.hasFocus, timeout=WAIT_MS)
    press(d, Qt.Key.Key_Return)
    assert d.wizard.isVisible() and d.wizard.currentId() == PageId.LEGITIMERING
