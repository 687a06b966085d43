"""Prefill on typing (issue 14 §2, seed 002, SPEC §5): a personnummer typed on Personuppgifter fills what the
Personuppslagning register and an open pre-order know — in every new-customer flow, without overwriting what
was typed; the Personuppslagning tab starts every kind of new customer prefilled."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.lookup import LookupResult
from app.queries.prefill import prefill_for_personnummer
from db.models import Person, PersonRegisterEntry
from tests.app import builders
from tests.wizards import test_org_flows as org
from tests.wizards.conftest import WAIT_MS, Driver
from tests.wizards.test_new_private_customer import legitimering_ordinarie
from widgets.person_lookup import PersonLookupTab
from wizards.actions import register_person_actions
from wizards.base import PageId
from wizards.org_actions import register_organisation_actions
from wizards.organisation import start_new_organisation_customer
from wizards.registration import start_new_private_customer

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

PNR = "19850709-9805"


@pytest.fixture
def register(sqlite_core):
    builders.settings(sqlite_core, person_lookup_enabled=True)
    with sqlite_core.sessions() as s, s.begin():
        s.add(PersonRegisterEntry(personnummer="198507099805", first_name="Åsa", last_name="Öberg",
                                  street="Storgatan 1", co="", postal_code="11455", town="Stockholm"))


def wait_prefilled(d: Driver, page) -> None:
    d.qtbot.waitUntil(lambda: not page.prefill_query.busy and page.prefill_note.isVisible(), timeout=WAIT_MS)


def test_flow_1_typing_the_personnummer_fills_from_register_and_preorder(qtbot, services, cat, sqlite_core,
                                                                          register):
    organisation = builders.add_organisation(sqlite_core)
    builders.add_preorder(sqlite_core, organisation, cat.gym_ag, personnummer="198507099805")
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    page = d.page()
    page.edits["first_name"].setFocus()
    qtbot.keyClicks(page.edits["first_name"], "Anna-Karin")  # typed before the personnummer: stays
    d.type(page.personnummer, "850709-9805")
    wait_prefilled(d, page)
    assert page.edits["first_name"].text() == "Anna-Karin"
    assert page.edits["last_name"].text() == "Öberg"
    assert page.address.street.text() == "Storgatan 1" and page.address.town.text() == "Stockholm"
    assert page.edits["email"].text() == "anna@foretag.se"  # from the pre-order
    assert page.prefill_note.text() == "Ifyllt från personuppslagningen och förbeställningen. Kontrollera uppgifterna."
    d.screenshot("personuppgifter-ifyllt-vid-inskrivning.png")
    d.type(page.edits["mobile"], "0701234567")
    d.next(PageId.PRODUKTER)


def test_flow_3_prefills_too_and_a_protected_identity_gets_no_address(qtbot, services, cat, sqlite_core):
    builders.settings(sqlite_core, person_lookup_enabled=True)
    with sqlite_core.sessions() as s, s.begin():
        s.add(PersonRegisterEntry(personnummer="198507099805", first_name="Hemlig", last_name="Person",
                                  street="Gömd 1", postal_code="11455", town="Stockholm", protected_identity=True))
    builders.add_organisation(sqlite_core, "Företag AB", price_list_id=cat.org_list)
    d = Driver(qtbot, start_new_organisation_customer(services))
    org.sok_organisation(d, "Företag", "Företag AB")
    d.click(d.page().check_boxes()["id"])
    d.click(d.page().check_boxes()["organisation"])
    d.next(PageId.PERSONUPPGIFTER)
    page = d.page()
    d.type(page.personnummer, PNR)
    wait_prefilled(d, page)
    assert (page.edits["first_name"].text(), page.edits["last_name"].text()) == ("Hemlig", "Person")
    assert page.address.street.text() == "" and page.protected_note.isVisibleTo(page)


def test_nothing_known_fills_nothing_and_lookup_off_uses_only_the_preorder(qtbot, services, cat, sqlite_core):
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    page = d.page()
    d.type(page.personnummer, PNR)
    qtbot.waitUntil(lambda: not page.prefill_query.busy, timeout=WAIT_MS)
    assert page.edits["first_name"].text() == "" and not page.prefill_note.isVisible()
    organisation = builders.add_organisation(sqlite_core)
    builders.add_preorder(sqlite_core, organisation, cat.gym_ag, personnummer="198507099805", name="Anna Maria Öberg")
    with sqlite_core.sessions() as s:
        found = prefill_for_personnummer(s, "198507099805", builders.TODAY, None)
    assert (found.first_name, found.last_name, found.email) == ("Anna", "Maria Öberg", "anna@foretag.se")
    assert found.sources == ("förbeställningen",)


def test_lookup_tab_offers_every_kind_of_new_customer(qtbot, services, cat, sqlite_core):
    register_person_actions(services)
    register_organisation_actions(services)

    class Provider:
        name = "Testregister"

        def lookup(self, digits12):
            return LookupResult("198507099805", "Åsa", "Öberg", "Storgatan 1", "", "11455", "Stockholm")

    tab = PersonLookupTab(services, provider_factory=Provider)
    qtbot.addWidget(tab)
    tab.show()
    with qtbot.waitSignal(tab.finished):
        assert tab.lookup(PNR)
    assert tab.register_button.isVisible() and tab.register_org_button.isVisible()
    qtbot.mouseClick(tab.register_org_button, Qt.MouseButton.LeftButton)
    (wizard,) = services.extra["open_wizards"]
    assert wizard.currentId() == PageId.SOK_ORGANISATION
    page = wizard.personuppgifter
    assert page.personnummer.text() == PNR and page.edits["first_name"].text() == "Åsa"
    assert page.address.street.text() == "Storgatan 1"
