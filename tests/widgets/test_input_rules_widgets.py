"""Issue 15 points 1–4 through the real widgets: typed and pasted input, the Swedish message at the
field, nothing written. Typing goes through key events with the character's text (as an input
method or a wedge reader delivers it); control characters arrive by pasting (Ctrl+V), the only way
a QLineEdit takes them."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.domain.inputs import AMOUNT_RANGE_MESSAGE, CONTROL_MESSAGE, DATE_RANGE_MESSAGE
from db.models import Address, Person
from tests.app.conftest_data import add_person
from widgets.date_field import DateField
from widgets.person_card import PersonCardWidget
from widgets.person_tabs.address import AddressTab
from widgets.search_panel import SearchPanel
from widgets.services import Bus, UiServices
from widgets.till.cash import CashDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def type_chars(widget, text: str) -> None:
    """Key presses carrying each character's text (works for any Unicode character)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch))


def paste(qtbot, widget, text: str) -> None:
    QApplication.clipboard().setText(text)
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


# --------------------------------------------------------------------------
# Search panel, on both databases (PostgreSQL refused a NUL with a raw DataError)
# --------------------------------------------------------------------------

@pytest.fixture
def people(core):
    with core.sessions() as s, s.begin():
        anna = add_person(s, "Anna", "Öberg", personnummer="850709-9805", mobile="070-123 45 67")
        kari = add_person(s, "Kari", "Nordmann", mobile="+47 912 34 567")
        return {"anna": anna.id, "kari": kari.id}


@pytest.fixture
def panel(qtbot, core, make_actor, tmp_path):
    services = UiServices(core=core, actor=make_actor(core, "recep"), bus=Bus(), user_data_dir=tmp_path)
    panel = SearchPanel(services)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.focus_search()
    return panel


def search(qtbot, panel, typed: str | None = None, pasted: str | None = None) -> list:
    opened: list = []
    failed: list = []
    panel.services.bus.open_person.connect(opened.append)
    panel._failed = failed.append  # anything but a result would land here (the crash dialog for non-UserErrors)
    panel.search_edit.clear()
    if typed is not None:
        type_chars(panel.search_edit, typed)
    if pasted is not None:
        paste(qtbot, panel.search_edit, pasted)
    panel.message.clear()
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(opened or failed) or panel.message.text() != "" or panel.table.isVisible(),
                    timeout=5000)
    assert failed == []
    return opened


@pytest.mark.parametrize("pasted", ["\x00", "An\x00na", "\x00\x00\x00@", "８５０７０９\x00"])
def test_nul_pasted_into_search_does_not_crash(qtbot, panel, people, pasted):
    opened = search(qtbot, panel, pasted=pasted)
    assert "gick inte" not in panel.message.text().lower()
    if pasted == "An\x00na":
        assert opened == [people["anna"]]


def test_full_width_personnummer_typed_in_search_finds_the_person(qtbot, panel, people):
    assert search(qtbot, panel, typed="８５０７０９－９８０５") == [people["anna"]]


@pytest.mark.parametrize("typed, who", [("+47 912 34 567", "kari"), ("070-123 45 67", "anna"),
                                        ("+46701234567", "anna")])
def test_phones_typed_in_search_as_the_member_gives_them(qtbot, panel, people, typed, who):
    assert search(qtbot, panel, typed=typed) == [people[who]]


# --------------------------------------------------------------------------
# Person card: Basuppgifter and Adress (the model's lengths on the widgets, refusals at the form)
# --------------------------------------------------------------------------

@pytest.fixture
def card(qtbot, sqlite_core, make_actor, tmp_path, monkeypatch):
    monkeypatch.setattr(PersonCardWidget, "error_box", staticmethod(lambda p, title, text: None))
    with sqlite_core.sessions() as s, s.begin():
        person_id = add_person(s, "Anna", "Öberg", personnummer="850709-9805").id
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(), user_data_dir=tmp_path)
    widget = PersonCardWidget(services)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_person(person_id)
    qtbot.waitUntil(lambda: widget.data is not None, timeout=5000)
    widget.tabs.setCurrentWidget(widget.basic_tab)
    return widget, person_id


def stored_name(core, person_id) -> tuple[str, str]:
    with core.sessions() as s:
        p = s.get(Person, person_id)
        return p.first_name, p.last_name


def test_basic_tab_fields_have_the_model_lengths(card):
    widget, _ = card
    tab = widget.basic_tab
    assert tab.first_name.maxLength() == Person.__table__.c.first_name.type.length == 100
    assert tab.email.maxLength() == Person.__table__.c.email.type.length
    tab.first_name.clear()
    type_chars(tab.first_name, "A" * 10_000)  # 10 kB typed: the field stops at the column's length
    assert len(tab.first_name.text()) == 100


@pytest.mark.parametrize("how, text, message", [
    ("paste", "An\x00na", CONTROL_MESSAGE),
    ("paste", "Anna\x1b", CONTROL_MESSAGE),
    ("type", "\u200b", CONTROL_MESSAGE),
    ("type", "...", "Namnet måste innehålla minst en bokstav."),
])
def test_bad_first_name_gets_the_message_and_nothing_is_saved(qtbot, sqlite_core, card, how, text, message):
    widget, person_id = card
    tab = widget.basic_tab
    tab.first_name.clear()
    if how == "paste":
        paste(qtbot, tab.first_name, text)
    else:
        type_chars(tab.first_name, text)
    assert tab.first_name.text() == text
    qtbot.mouseClick(tab.edit.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(tab.edit.error.isVisible, timeout=5000)
    assert tab.edit.error.text() == message
    assert stored_name(sqlite_core, person_id) == ("Anna", "Öberg")


def test_bad_email_on_the_basic_tab(qtbot, sqlite_core, card):
    widget, person_id = card
    tab = widget.basic_tab
    tab.email.clear()
    qtbot.keyClicks(tab.email, "a..b@example.com")
    qtbot.mouseClick(tab.edit.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(tab.edit.error.isVisible, timeout=5000)
    assert tab.edit.error.text() == "E-postadressen är ogiltig. Den ska se ut som namn@exempel.se."
    with sqlite_core.sessions() as s:
        assert s.get(Person, person_id).email != "a..b@example.com"


def test_norwegian_mobile_saved_from_the_card_is_e164(qtbot, sqlite_core, card):
    widget, person_id = card
    tab = widget.basic_tab
    tab.mobile.clear()
    qtbot.keyClicks(tab.mobile, "+47 912 34 567")
    qtbot.mouseClick(tab.edit.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.edit.error.isVisible(), timeout=5000)
    with sqlite_core.sessions() as s:
        assert s.get(Person, person_id).mobile_digits == "+4791234567"


def test_address_tab_limits_and_full_width_postal_code(qtbot, sqlite_core, card):
    widget, person_id = card
    address_tab = widget.findChild(AddressTab)
    home = address_tab.home
    assert home.town.maxLength() == Address.__table__.c.town.type.length
    assert home.street.maxLength() == Address.__table__.c.street.type.length
    home.postal_code.clear()
    type_chars(home.postal_code, "１１４５５")
    home.town.clear()
    qtbot.keyClicks(home.town, "Stockholm")
    home.street.clear()
    qtbot.keyClicks(home.street, "Storgatan 1")
    qtbot.mouseClick(address_tab.edit.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not address_tab.edit.error.isVisible(), timeout=5000)
    with sqlite_core.sessions() as s:
        assert s.scalar(select(Address.postal_code).where(Address.person_id == person_id)) == "11455"


# --------------------------------------------------------------------------
# Dates and amounts
# --------------------------------------------------------------------------

def test_date_field_says_the_range_at_the_field(qtbot):
    field = DateField(today=date(2026, 11, 22))
    qtbot.addWidget(field)
    field.show()
    field.edit.setFocus()
    qtbot.keyClicks(field.edit, "9999-12-31")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.edit.toolTip() == DATE_RANGE_MESSAGE and "b00020" in field.edit.styleSheet()
    assert not field.is_valid_text()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2027-01-21")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.edit.toolTip() == "" and field.is_valid_text()


def test_cash_dialog_refuses_an_amount_the_till_cannot_hold(qtbot):
    dialog = CashDialog(29930)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.received_edit.selectAll()
    qtbot.keyClicks(dialog.received_edit, "1" + "0" * 20)
    assert dialog.error_label.text() == AMOUNT_RANGE_MESSAGE
    assert not dialog.ok_button.isEnabled()
    dialog.received_edit.selectAll()
    qtbot.keyClicks(dialog.received_edit, "500")
    assert dialog.error_label.text() == "" and dialog.ok_button.isEnabled()
