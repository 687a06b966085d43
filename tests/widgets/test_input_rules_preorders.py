"""Issue 15 through the pre-order dialogs: the CSV import reads Unicode digits as the app does and
refuses what the routines refuse; Lägg till gives the input rules' messages at the field."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from app.domain.inputs import CONTROL_MESSAGE
from tests.app.orgdata import preorder_count, preorders
from tests.widgets.test_input_rules_widgets import type_chars
from tests.widgets.test_preorders import choose, fill, make_add, make_import, make_services, orgs, preview_cells  # noqa: F401

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_import_reads_unicode_digits_as_one_personnummer(qtbot, make_import, sqlite_core, orgs, tmp_path):
    path = tmp_path / "lista.csv"
    path.write_text("Namn;Personnummer;E-post\n"
                    "Anna Berg;٨٥٠٧٠٩-٩٨٠٥;anna.berg@example.se\n"        # Arabic-Indic digits
                    "Anna Berg;19850709-9805;anna.berg@example.se\n"      # the same person in ASCII
                    "\u200b;19900101-0017;bo@example.se\n"                 # a zero-width space is no name
                    "Cilla Ek;19660101-9117;a..b@example.com\n", encoding="utf-8")
    dialog = make_import(path)
    choose(qtbot, dialog)
    by_line = {row[0]: row for row in preview_cells(dialog)}
    assert by_line["2"][2:] == ["19850709-9805", "anna.berg@example.se", ""]
    assert by_line["3"][4] == "Samma person finns redan på rad 2"
    assert by_line["4"][4] == CONTROL_MESSAGE.rstrip(".")
    assert by_line["5"][4] == "E-postadressen är ogiltig"
    assert dialog.summary.text().startswith("1 rad kan importeras, 3 har fel.")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    assert [(p.name, p.personnummer) for p in preorders(sqlite_core, orgs.volvo)] == [("Anna Berg", "198507099805")]


@pytest.mark.parametrize("name, message", [("Åsa\x00Öberg", CONTROL_MESSAGE),
                                           ("...", "Namnet måste innehålla minst en bokstav.")])
def test_add_preorder_refuses_bad_names_at_the_field(qtbot, make_add, sqlite_core, name, message):
    dialog = make_add()
    fill(qtbot, dialog, name="")
    dialog.name_edit.setFocus()
    QApplication.clipboard().setText(name)
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert dialog.name_edit.text() == name
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.errors["name"].isHidden(), timeout=5000)
    assert dialog.errors["name"].text() == message
    assert dialog.name_edit.maxLength() == 200
    assert preorder_count(sqlite_core) == 0


def test_add_preorder_with_a_full_width_personnummer_stores_ascii(qtbot, make_add, sqlite_core, orgs):
    dialog = make_add()
    fill(qtbot, dialog, pnr="")
    type_chars(dialog.pnr_edit, "１９８５０７０９－９８０５")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: preorder_count(sqlite_core) == 1, timeout=5000)
    assert [p.personnummer for p in preorders(sqlite_core, orgs.volvo)] == ["198507099805"]
