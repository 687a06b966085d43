"""Issue 15 points 1–4 through the registration and freeze wizards: the Swedish message at the
field, Nästa disabled, nothing written."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from app.domain.inputs import CONTROL_MESSAGE, DATE_RANGE_MESSAGE
from db.models import Person
from tests.app import builders
from tests.app import sub_builders as b
from tests.wizards.conftest import Driver
from tests.wizards.test_bad_input import fill_person_except
from tests.wizards.test_new_private_customer import legitimering_ordinarie, pick_product, personuppgifter
from tests.wizards.test_sub_freeze import identify, start, type_date
from wizards.base import PageId
from wizards.registration import start_new_private_customer
from wizards.subscription.wizards import PERIOD

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def type_chars(widget, text: str) -> None:
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch))


def enter(d: Driver, widget, text: str, *, pasted: bool = False) -> None:
    """Replace the field's text by typing (or pasting) it, then leave the field with Tab."""
    widget.setFocus()
    d.qtbot.waitUntil(widget.hasFocus, timeout=5000)
    widget.selectAll()
    d.qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    if pasted:
        QApplication.clipboard().setText(text)
        d.qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    else:
        type_chars(widget, text)
    assert widget.text() == text[:widget.maxLength()]
    d.qtbot.keyClick(widget, Qt.Key.Key_Tab)


@pytest.fixture
def wizard(qtbot, services, cat) -> Driver:
    return Driver(qtbot, start_new_private_customer(services))


def persons(core) -> int:
    return builders.count(core, Person)


def test_full_width_personnummer_of_a_customer_says_exists_already(wizard, sqlite_core):
    builders.add_person(sqlite_core)  # Anna, 850709-9805 in ASCII digits
    before = builders.counts(sqlite_core)
    d = wizard
    legitimering_ordinarie(d)
    fill_person_except(d, "personnummer")
    page = d.page()
    enter(d, page.personnummer, "８５０７０９－９８０５")
    assert "Det finns redan en kund med det personnumret" in page.personnummer_error.text()
    assert page.personnummer_error.isVisible() and not d.next_button.isEnabled()
    assert builders.counts(sqlite_core) == before


@pytest.mark.parametrize("field, text, pasted, message", [
    ("first_name", "An\x00na", True, CONTROL_MESSAGE),
    ("last_name", "Öberg\x1b", True, CONTROL_MESSAGE),
    ("first_name", "\u200b", False, CONTROL_MESSAGE),
    ("first_name", "...", False, "Namnet måste innehålla minst en bokstav."),
    ("email", "a..b@example.com", False, "E-postadressen är ogiltig. Den ska se ut som namn@exempel.se."),
    ("email", "a@[1.2.3.4].se", False, "E-postadressen är ogiltig. Den ska se ut som namn@exempel.se."),
    ("mobile", "+999 123 45 67", False,
     "Mobilnumret är inget telefonnummer. Skriv t.ex. 070-123 45 67, eller med landsnummer: +47 912 34 567."),
])
def test_bad_text_on_personuppgifter_gets_the_message_at_the_field(wizard, sqlite_core, field, text, pasted, message):
    before = builders.counts(sqlite_core)
    d = wizard
    legitimering_ordinarie(d)
    fill_person_except(d, field)
    page = d.page()
    enter(d, page.edits[field], text, pasted=pasted)
    assert page.field_errors[field].isVisible() and page.field_errors[field].text() == message
    assert not d.next_button.isEnabled()
    assert builders.counts(sqlite_core) == before


def test_personuppgifter_fields_stop_at_the_model_length(wizard):
    d = wizard
    legitimering_ordinarie(d)
    page = d.page()
    assert page.edits["first_name"].maxLength() == Person.__table__.c.first_name.type.length
    assert page.edits["email"].maxLength() == Person.__table__.c.email.type.length
    assert page.address.town.maxLength() == 100
    enter(d, page.edits["first_name"], "A" * 10_000)
    assert len(page.edits["first_name"].text()) == 100
    assert not page.field_errors["first_name"].isVisible()


def test_norwegian_mobile_registered_through_the_wizard_is_e164(wizard, sqlite_core, cat):
    d = wizard
    legitimering_ordinarie(d)
    fill_person_except(d, "mobile")
    page = d.page()
    enter(d, page.edits["mobile"], "+47 912 34 567")
    assert not page.field_errors["mobile"].isVisible()
    assert page.validated().mobile == "+47 912 34 567"


def test_account_holder_without_a_letter_is_refused(wizard, cat):
    d = wizard
    legitimering_ordinarie(d)
    personuppgifter(d)
    pick_product(d, cat.gym_ag)
    d.next(PageId.AUTOGIRO)
    page = d.page()
    enter(d, page.edits["holder_name"], "\u200b", pasted=True)
    assert page.field_errors["holder_name"].text() == CONTROL_MESSAGE
    enter(d, page.edits["holder_name"], "123")
    assert page.field_errors["holder_name"].text() == "Namnet måste innehålla minst en bokstav."
    assert not d.next_button.isEnabled()
    assert page.edits["holder_name"].maxLength() == 200


@pytest.fixture
def world(sqlite_core):
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    return anna, gym


@pytest.mark.parametrize("which, value", [("end", date(9999, 12, 31)), ("start", date(2101, 1, 1))])
def test_freeze_date_past_2100_gets_the_range_message_at_the_field(qtbot, services, world, sqlite_core, which,
                                                                   value):
    anna, gym = world
    before = b.snapshot(sqlite_core)
    d = start(qtbot, services, "frys", anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    type_date(d, getattr(period, which), value)
    assert DATE_RANGE_MESSAGE in [label.text() for label in period.findChildren(type(period.limits_label))
                                  if label.isVisible()]
    assert getattr(period, which).edit.toolTip() == DATE_RANGE_MESSAGE
    assert not d.next_button.isEnabled()
    assert b.snapshot(sqlite_core) == before
