"""Inställningar > Lokalt register… end to end through the real window and dialog (issue 12 point 8): the
menu entry only with Systeminställningar, the preview with a reason per row, the progress bar, the
import replacing the register, the person lookup finding the people, and the database afterwards."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.domain import csv_file
from app.errors import NotAllowed
from app.lookup import RegisterProvider
from tests.app.test_register_import import BAD, GOOD, HEADER, audit_rows, register
from tests.widgets.test_admin_settings import (admin_services, menu_titles, open_entry, user_id,  # noqa: F401
                                               window_for)
from widgets.admin_register import RegisterImportDialog

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


@pytest.fixture
def extract(tmp_path):
    def write(text: str | bytes, name: str = "spar.csv") -> str:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("cp1252"))
        return str(path)
    return write


def preview_of(qtbot, dialog: RegisterImportDialog, path: str) -> None:
    dialog.choose_file = lambda parent: path
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.file_button.isEnabled() and not dialog.runner.busy, timeout=10000)


def table(dialog: RegisterImportDialog) -> list[list[str]]:
    model = dialog.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_only_a_user_with_systeminstallningar_gets_the_entry(window_for):
    assert "Lokalt register…" in menu_titles(window_for("admin"))["Inställningar"]
    assert "Lokalt register…" not in menu_titles(window_for("recep"))["Inställningar"]


def test_preview_then_import_through_the_menu_replaces_the_register(qtbot, window_for, sqlite_core, extract):
    window = window_for("admin")
    dialog = open_entry(qtbot, window, "Lokalt register…")
    assert isinstance(dialog, RegisterImportDialog)
    qtbot.waitUntil(lambda: dialog.size_label.text() != "", timeout=5000)
    assert dialog.size_label.text() == "Registret är tomt: personuppslagning i lokalt register hittar ingen."
    assert not dialog.import_button.isEnabled()

    preview_of(qtbot, dialog, extract(HEADER + GOOD + BAD))
    assert dialog.summary.text() == ("3 rader kan importeras, 6 har fel. (Filen: Windows-1252, avgränsad med "
                                     "semikolon, rubrikrad överhoppad.) Importen ersätter registrets 0 personer "
                                     "med 3 personer.")
    rows = table(dialog)
    assert rows[0] == ["2", "19850709-9805", "Åsa Öberg", "Storgatan 1, 114 55 Stockholm", "", ""]
    assert rows[2] == ["4", "19670315-1230", "Hemlig Person", "(visas inte: skyddad identitet)", "ja", ""]
    assert rows[3][0] == "5" and rows[3][5].startswith("Personnumret är felaktigt (kontrollsiffran")
    assert rows[4][5] == "Samma person finns redan på rad 2"
    assert rows[6][5] == ("Postnumret ska ha fem siffror, t.ex. 114 55; "
                          "Kolumnen skyddad ska vara ja eller nej (eller tom)")
    assert dialog.model.index(3, 1).data(Qt.ItemDataRole.ForegroundRole).name() == "#b00020"
    assert dialog.model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    assert dialog.import_button.text() == "Importera 3 giltiga rader" and dialog.import_button.isEnabled()
    assert register(sqlite_core) == {}  # a preview writes nothing

    progress: list[int] = []
    dialog.progress.valueChanged.connect(progress.append)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert progress[-1] == 3
    assert dialog.imported_count == 3
    assert set(register(sqlite_core)) == {"198507099805", "198507699802", "196703151230"}
    ((who, when, entity, details),) = audit_rows(sqlite_core)
    assert (who, when, entity) == (user_id(sqlite_core, "admin"), sqlite_core.clock.now(), "person_register")
    assert '"fil": "spar.csv"' in details
    assert RegisterProvider(sqlite_core.sessions).lookup("198507099805").town == "Stockholm"
    assert window.statusBar().currentMessage() == "Det lokala registret har nu 3 personer."

    again = open_entry(qtbot, window, "Lokalt register…")
    qtbot.waitUntil(lambda: again.size_label.text() != "", timeout=5000)
    assert again.size_label.text() == "Registret innehåller nu 3 personer."
    again.reject()


@pytest.mark.parametrize("content, message", [
    (b"%PDF-1.7 lista", csv_file.MSG_PDF),
    (b"", "Filen är tom. Välj en CSV-fil med en rad per person: personnummer, förnamn, efternamn (och gärna "
          "gatuadress, c/o, postnummer, ort, skyddad)."),
])
def test_a_file_that_is_no_csv_is_refused_with_the_reason_and_nothing_is_written(
        qtbot, sqlite_core, make_actor, tmp_path, extract, content, message):
    dialog = RegisterImportDialog(admin_services(sqlite_core, make_actor, tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    preview_of(qtbot, dialog, extract(content))
    assert dialog.message.isVisible() and dialog.message.text() == message
    assert not dialog.import_button.isEnabled() and dialog.model.rowCount() == 0
    assert register(sqlite_core) == {} and audit_rows(sqlite_core) == []


def test_a_user_without_the_right_who_reaches_the_dialog_gets_the_routines_refusal(
        qtbot, sqlite_core, make_actor, tmp_path, extract):
    dialog = RegisterImportDialog(admin_services(sqlite_core, make_actor, tmp_path, "recep"))
    qtbot.addWidget(dialog)
    dialog.show()
    preview_of(qtbot, dialog, extract(HEADER + GOOD))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=10000)
    assert "Du saknar rättigheten ”Systeminställningar”" in dialog.message.text()
    assert dialog.isVisible() and dialog.imported_count is None
    assert register(sqlite_core) == {} and audit_rows(sqlite_core) == []


def test_rows_that_no_longer_pass_at_import_time_are_refused_and_the_preview_is_read_again(
        qtbot, sqlite_core, make_actor, tmp_path, extract):
    """The file is changed between the preview and the import: the routine checks every row again."""
    services = admin_services(sqlite_core, make_actor, tmp_path)
    dialog = RegisterImportDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    path = extract(HEADER + GOOD)
    preview_of(qtbot, dialog, path)
    from dataclasses import replace

    bad = replace(dialog.preview.rows[1], personnummer="198507699803")  # a wrong check digit
    dialog.preview = replace(dialog.preview, rows=[dialog.preview.rows[0], bad, dialog.preview.rows[2]])
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Ingenting importerades" in dialog.message.text() and not dialog.runner.busy,
                    timeout=10000)
    assert "rad 3" in dialog.message.text()
    assert register(sqlite_core) == {} and audit_rows(sqlite_core) == []
    assert dialog.import_button.text() == "Importera 3 giltiga rader"  # the fresh preview of the file itself


def test_the_routine_itself_refuses_without_the_right(sqlite_core, make_actor):
    from app.routines.lookup_register import ImportRegister, ImportRegisterCommand, RegisterImportRow

    with pytest.raises(NotAllowed):
        ImportRegister(sqlite_core).execute(
            ImportRegisterCommand((RegisterImportRow(1, "198507099805", "Åsa", "Öberg"),), "x.csv"),
            make_actor(sqlite_core, "recep"))
    from db.models import PersonRegisterEntry

    with sqlite_core.sessions() as s:
        assert s.scalars(select(PersonRegisterEntry)).all() == []
