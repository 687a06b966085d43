"""Inställningar > Inställningar…, box "Autogiro (Bankgirot)" (issue 17 §1): the club's bankgiro number
(Luhn check digit), Bankgirot's kundnummer, the payer-number scheme and the debit day — saved through the
real dialog, refused at the field with nothing written."""
from __future__ import annotations

import pytest

from app.settings import load_settings
from tests.widgets.test_admin_global_settings import make_dialog
from tests.widgets.test_admin_settings import audit_rows, settings_rows

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def test_the_autogiro_settings_are_saved(qtbot, sqlite_core, make_actor, tmp_path):
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    assert "Autogiro (Bankgirot)" in dialog.groups
    dialog.editors["autogiro_bankgiro"].set("5050-1055")
    dialog.editors["autogiro_customer_number"].set("471117")
    dialog.editors["autogiro_payer_number"].set("personnummer")
    dialog.editors["autogiro_debit_day"].set(28)
    dialog.save()
    assert not dialog.isVisible()
    with sqlite_core.sessions() as session:
        settings = load_settings(session)
    assert (settings.autogiro_bankgiro, settings.autogiro_customer_number, settings.autogiro_payer_number,
            settings.autogiro_debit_day) == ("5050-1055", "471117", "personnummer", 28)


@pytest.mark.parametrize("key, value, message", [
    ("autogiro_bankgiro", "5050-1056", "Bankgironumret är felaktigt (kontrollsiffran stämmer inte)."),
    ("autogiro_bankgiro", "12-34", "Ett bankgironummer har 7 eller 8 siffror"),
    ("autogiro_customer_number", "12ab", "Kundnumret hos Bankgirot har högst sex siffror."),
    ("autogiro_debit_day", 29, "Värdet får vara högst 28"),
])
def test_bad_autogiro_values_are_refused_at_the_field(qtbot, sqlite_core, make_actor, tmp_path, key, value, message):
    before = settings_rows(sqlite_core)
    dialog = make_dialog(qtbot, sqlite_core, make_actor, tmp_path)
    dialog.editors[key].set(value)
    dialog.save()
    assert dialog.isVisible() and dialog.errors[key].isVisible()
    assert dialog.errors[key].text().startswith(message)
    assert settings_rows(sqlite_core) == before and audit_rows(sqlite_core, "Ändra inställningar") == []
