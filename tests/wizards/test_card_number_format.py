"""Card numbers are checked against the desk's reader format (issue 14 §2): 10 digits for the 125 kHz readers,
configurable per desk; a double-typed number gets the reason at the field and nothing is written."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import select

from app.errors import ValidationError
from app.routines.membership_card import check_card_format
from db.models import Card
from tests.app import builders
from tests.wizards.conftest import Driver
from tests.wizards.test_existing_customer_flows import start
from app import menus
from widgets.desk_settings import DeskSettings
from wizards.base import PageId

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def to_inpassering(qtbot, services, person) -> Driver:
    d = start(qtbot, services, menus.NYTT_MEDLEMSKORT, person)
    d.click(d.page().checked)
    d.next(PageId.PRODUKTER)
    d.next(PageId.INPASSERING)
    return d


@pytest.mark.parametrize("typed", ["00045201000004520100", "000452010000045201000004520100", "12345", "00045201OO"])
def test_a_wrong_length_is_refused_at_the_field(qtbot, services, cat, sqlite_core, typed):
    person = builders.add_person(sqlite_core)
    d = to_inpassering(qtbot, services, person)
    page = d.page()
    d.type(page.card_number, typed)
    assert page.card_error.isVisible()
    assert page.card_error.text().startswith("Kortnumret ska vara 10 siffror, som kortläsaren läser det")
    assert not d.next_button.isEnabled()
    if len(typed) == 20:
        d.screenshot("kortnummer-fel-langd.png")
    d.type(page.card_number, "0004520100")
    assert not page.card_error.isVisible() and d.next_button.isEnabled()
    d.next(PageId.SAMMANFATTNING)
    d.finish()
    with sqlite_core.sessions() as s:
        assert s.scalars(select(Card.card_number).where(Card.person_id == person)).all() == ["0004520100"]


def test_the_desk_setting_decides_the_length(qtbot, services, cat, sqlite_core, tmp_path):
    desk = DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
    desk.card_number_digits = 8
    services.desk = desk
    person = builders.add_person(sqlite_core)
    d = to_inpassering(qtbot, services, person)
    page = d.page()
    d.type(page.card_number, "0004520100")
    assert page.card_error.text().startswith("Kortnumret ska vara 8 siffror")
    d.type(page.card_number, "45201000")
    assert not page.card_error.isVisible() and d.next_button.isEnabled()
    desk.card_number_digits = 0  # any format
    d.type(page.card_number, "ABC-123")
    assert not page.card_error.isVisible() and d.next_button.isEnabled()


def test_check_card_format():
    check_card_format("0004520100", 10)
    check_card_format(None, 10)
    check_card_format("A1", 0)
    with pytest.raises(ValidationError) as err:
        check_card_format("0004520100" * 2, 10)
    assert err.value.field == "card_number" and "(nu 20 siffror)" in err.value.message
