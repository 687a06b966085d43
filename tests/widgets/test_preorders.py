"""Administrera förbeställningar: filter and sort, Lägg till, Importera (real files, non-CSV files), Ta bort."""
from __future__ import annotations

import zipfile
from datetime import date

import pytest
from PySide6.QtCore import QDate, QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from app.domain.preorder_csv import ERR_ALREADY_OPEN, MSG_EMPTY, MSG_PDF, MSG_XLSX
from app.routines.organisations import DUPLICATE_OPEN
from tests.app.orgdata import PREORDER_FILES, TODAY, add_preorder, build_orgs, preorder_count, preorders
from widgets.preorders.add import AddPreOrderDialog
from widgets.preorders.admin import PreOrderAdminDialog
from widgets.preorders.importing import ImportDialog, ImportPreviewModel
from widgets.preorders.models import PreOrderFilterProxy, PreOrderTableModel
from widgets.table_model import ROW_ROLE
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def orgs(sqlite_core):
    return build_orgs(sqlite_core)


@pytest.fixture
def make_services(sqlite_core, make_actor, tmp_path):
    def make(username: str = "admin") -> UiServices:
        return UiServices(core=sqlite_core, actor=make_actor(sqlite_core, username), bus=Bus(),
                          user_data_dir=tmp_path)
    return make


@pytest.fixture
def five(sqlite_core, orgs):
    """Five pre-orders at Volvo, one of each status (two open)."""
    core = sqlite_core
    return {
        "bo": add_preorder(core, orgs.volvo, orgs.gym, "Bo Ek", personnummer="196408233234", email="bo@volvo.se"),
        "asa": add_preorder(core, orgs.volvo, orgs.kontant, "Åsa Öberg", birth_date=date(1977, 4, 12)),
        "cilla": add_preorder(core, orgs.volvo, orgs.gym, "Cilla Ek", personnummer="197704128011",
                              status="borttagen"),
        "dan": add_preorder(core, orgs.volvo, orgs.gym, "Dan Ek", personnummer="198812245556", status="utnyttjad"),
        "eva": add_preorder(core, orgs.volvo, orgs.gym, "Eva Ek", personnummer="196601019117", status="utgangen"),
    }


@pytest.fixture
def make_admin(qtbot, make_services, orgs):
    def make(username: str = "admin", org_id: int | None = None) -> PreOrderAdminDialog:
        dialog = PreOrderAdminDialog(make_services(username), org_id or orgs.volvo)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.heading.text() != "", timeout=5000)
        return dialog
    return make


def shown_names(dialog: PreOrderAdminDialog) -> list[str]:
    return [dialog.proxy.index(r, 0).data() for r in range(dialog.proxy.rowCount())]


def select(dialog: PreOrderAdminDialog, name: str) -> None:
    row = shown_names(dialog).index(name)
    dialog.table.selectRow(row)


def reloaded(qtbot, dialog):
    return qtbot.waitSignal(dialog.loaded, timeout=5000)


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


def test_opens_on_the_open_preorders_and_filters_by_status_and_text(qtbot, make_admin, five):
    dialog = make_admin()
    assert dialog.status_filter.currentText() == "Öppna"
    assert shown_names(dialog) == ["Bo Ek", "Åsa Öberg"]
    assert dialog.count_label.text() == "2 av 5 förbeställningar visas."
    expected = {"Alla": ["Bo Ek", "Cilla Ek", "Dan Ek", "Eva Ek", "Åsa Öberg"], "Utnyttjade": ["Dan Ek"],
                "Utgångna": ["Eva Ek"], "Borttagna": ["Cilla Ek"], "Öppna": ["Bo Ek", "Åsa Öberg"]}
    for label, names in expected.items():
        dialog.status_filter.setCurrentIndex(dialog.status_filter.findText(label))
        assert shown_names(dialog) == names, label
    dialog.status_filter.setCurrentIndex(dialog.status_filter.findText("Alla"))
    qtbot.keyClicks(dialog.text_filter, "1977")  # Åsa's birth date and Cilla's personnummer
    assert shown_names(dialog) == ["Cilla Ek", "Åsa Öberg"]
    dialog.text_filter.clear()
    qtbot.keyClicks(dialog.text_filter, "OBERG")
    assert shown_names(dialog) == ["Åsa Öberg"]
    assert dialog.count_label.text() == "1 av 5 förbeställningar visas."
    dialog.text_filter.clear()
    qtbot.keyClicks(dialog.text_filter, "volvo.se")
    assert shown_names(dialog) == ["Bo Ek"]


def test_sorting_by_header_click_uses_swedish_order_and_dates(qtbot, make_admin, five):
    dialog = make_admin()
    dialog.status_filter.setCurrentIndex(0)
    header = dialog.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=header.rect().topLeft() + QPoint(header.sectionPosition(0) + 10, 5))
    assert shown_names(dialog) == ["Åsa Öberg", "Eva Ek", "Dan Ek", "Cilla Ek", "Bo Ek"]  # descending
    dialog.table.sortByColumn(6, Qt.SortOrder.AscendingOrder)  # Status
    assert [dialog.proxy.index(r, 6).data() for r in range(5)] == [
        "Borttagen", "Utgången", "Utnyttjad", "Öppen", "Öppen"]
    dialog.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # Produkt
    assert shown_names(dialog)[0] == "Åsa Öberg"  # "Gym 12 månader" before "Gym AG"


def test_models_pass_the_model_tester(qtmodeltester, sqlite_core, orgs, five, make_actor):
    from app.queries.organisations import list_preorders

    with sqlite_core.sessions() as s:
        rows = list_preorders(s, make_actor(sqlite_core, "admin"), orgs.volvo)
    model = PreOrderTableModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    proxy = PreOrderFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter("oppen", "")
    assert proxy.rowCount() == 2
    qtmodeltester.check(proxy)
    preview = ImportPreviewModel()
    from app.domain.preorder_csv import read_preorder_file
    preview.set_rows(read_preorder_file(PREORDER_FILES / "bad_rows.csv", today=TODAY).rows)
    qtmodeltester.check(preview)


# --------------------------------------------------------------------------
# Ta bort
# --------------------------------------------------------------------------


def test_remove_after_confirmation(qtbot, make_admin, five, sqlite_core, orgs, monkeypatch):
    asked = []
    monkeypatch.setattr(PreOrderAdminDialog, "confirm", staticmethod(lambda parent, row: asked.append(row.name)))
    dialog = make_admin()
    select(dialog, "Bo Ek")
    assert dialog.remove_button.isEnabled()
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)  # answered No
    assert asked == ["Bo Ek"] and not dialog.runner.busy
    assert {p.name: p.status for p in preorders(sqlite_core, orgs.volvo)}["Bo Ek"] == "oppen"

    monkeypatch.setattr(PreOrderAdminDialog, "confirm", staticmethod(lambda parent, row: True))
    with reloaded(qtbot, dialog):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert {p.name: p.status for p in preorders(sqlite_core, orgs.volvo)}["Bo Ek"] == "borttagen"
    assert dialog.message.text() == "Förbeställningen för Bo Ek har tagits bort."
    assert shown_names(dialog) == ["Åsa Öberg"]


def test_the_confirmation_names_the_person(qtbot, make_admin, five):
    dialog = make_admin()
    select(dialog, "Bo Ek")
    texts = []

    def answer_no():
        box = QApplication.activeModalWidget()
        texts.append(box.text())
        box.reject()

    QTimer.singleShot(0, answer_no)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert texts == ["Ta bort förbeställningen för Bo Ek (19640823-3234) på Gym AG?"]
    assert not dialog.runner.busy


def test_a_used_preorder_cannot_be_removed(qtbot, make_admin, five):
    dialog = make_admin()
    dialog.status_filter.setCurrentIndex(0)
    select(dialog, "Dan Ek")
    assert not dialog.remove_button.isEnabled()
    assert dialog.remove_button.toolTip() == "En utnyttjad förbeställning kan inte tas bort."
    select(dialog, "Cilla Ek")
    assert not dialog.remove_button.isEnabled()
    assert dialog.remove_button.toolTip() == "Förbeställningen är redan borttagen."
    select(dialog, "Eva Ek")  # expired ones may be removed
    assert dialog.remove_button.isEnabled()


def test_a_user_without_the_right_gets_no_list_only_the_reason(qtbot, make_services, five, sqlite_core, orgs):
    """The pre-order queries check Organisationer themselves (docs/decisions/rights-in-queries.md)."""
    dialog = PreOrderAdminDialog(make_services("recep"), orgs.volvo)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.message.text() != "", timeout=5000)
    assert dialog.message.text().startswith("Du saknar rättigheten ”Organisationer”.")
    assert dialog.model.rowCount() == 0 and not dialog.remove_button.isEnabled()
    assert not dialog.add_button.isEnabled() and not dialog.import_button.isEnabled()
    assert {p.name: p.status for p in preorders(sqlite_core, orgs.volvo)}["Bo Ek"] == "oppen"


# --------------------------------------------------------------------------
# Lägg till
# --------------------------------------------------------------------------


@pytest.fixture
def make_add(qtbot, make_services, orgs, sqlite_core, make_actor):
    from app.queries.organisations import products_on_org_price_list

    def make(username: str = "admin") -> AddPreOrderDialog:
        with sqlite_core.sessions() as s:  # the choices the admin dialog hands over (read with the right)
            products = products_on_org_price_list(s, make_actor(sqlite_core, "admin"), orgs.volvo)
        dialog = AddPreOrderDialog(make_services(username), orgs.volvo, products)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        return dialog
    return make


def fill(qtbot, dialog: AddPreOrderDialog, name="Åsa Öberg", pnr="19850709-9805", email="asa@example.se") -> None:
    dialog.product.setCurrentIndex(dialog.product.findText("Gym AG"))
    qtbot.keyClicks(dialog.name_edit, name)
    qtbot.keyClicks(dialog.pnr_edit, pnr)
    qtbot.keyClicks(dialog.email_edit, email)


def test_add_with_a_bad_personnummer_shows_the_message_at_the_field(qtbot, make_add, sqlite_core):
    dialog = make_add()
    fill(qtbot, dialog, pnr="19850709-9806")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    label = dialog.errors["personnummer"]
    assert not label.isHidden()
    assert label.text() == "Personnumret är felaktigt (kontrollsiffran stämmer inte). Kontrollera siffrorna."
    assert dialog.pnr_edit.hasFocus() and dialog.isVisible() and not dialog.runner.busy
    assert preorder_count(sqlite_core) == 0


def test_add_field_errors_for_name_email_and_dates(qtbot, make_add, sqlite_core):
    dialog = make_add()
    fill(qtbot, dialog, name="", email="asa.example.se")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["name"].text() == "Ange namn."
    qtbot.keyClicks(dialog.name_edit, "Åsa Öberg")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["name"].isHidden()
    assert dialog.errors["email"].text() == "E-postadressen är ogiltig. Skriv den som namn@exempel.se."
    dialog.email_edit.setText("asa@example.se")
    dialog.valid_to.setDate(QDate(2026, 11, 1))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["valid_to"].text() == "Giltig till måste vara samma dag som Giltig från eller senare."
    assert preorder_count(sqlite_core) == 0


def test_add_with_personnummer(qtbot, make_add, sqlite_core, orgs):
    dialog = make_add()
    assert (dialog.valid_from.date().toPython(), dialog.valid_to.date().toPython()) == (TODAY, date(2027, 11, 21))
    fill(qtbot, dialog)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    [p] = preorders(sqlite_core, orgs.volvo)
    assert dialog.created_id == p.id
    assert (p.name, p.personnummer, p.email, p.product_id, p.valid_to) == (
        "Åsa Öberg", "198507099805", "asa@example.se", orgs.gym, date(2027, 11, 21))


def test_add_with_birth_date(qtbot, make_add, sqlite_core, orgs):
    dialog = make_add()
    dialog.product.setCurrentIndex(dialog.product.findText("Gym AG"))
    qtbot.keyClicks(dialog.name_edit, "John Smith")
    qtbot.mouseClick(dialog.with_birth, Qt.MouseButton.LeftButton, pos=QPoint(6, dialog.with_birth.height() // 2))
    assert dialog.birth_edit.isEnabled() and not dialog.pnr_edit.isEnabled()
    dialog.birth_edit.setDate(QDate(1990, 8, 7))
    qtbot.keyClicks(dialog.email_edit, "john@example.com")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    [p] = preorders(sqlite_core, orgs.volvo)
    assert (p.name, p.personnummer, p.birth_date) == ("John Smith", None, date(1990, 8, 7))


def test_add_a_duplicate_shows_the_routines_refusal_at_the_field(qtbot, make_add, sqlite_core, orgs):
    add_preorder(sqlite_core, orgs.volvo, orgs.gym, "Åsa Öberg", personnummer="198507099805")
    dialog = make_add()
    fill(qtbot, dialog)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.errors["personnummer"].isHidden(), timeout=5000)
    assert dialog.errors["personnummer"].text() == DUPLICATE_OPEN
    assert dialog.save_button.isEnabled() and dialog.isVisible()
    assert preorder_count(sqlite_core) == 1


def test_lagg_till_button_opens_the_dialog_and_reloads(qtbot, make_admin, five, orgs, monkeypatch):
    calls = []

    class FakeAdd:
        @staticmethod
        def ask(services, org_id, products, parent):
            calls.append((org_id, [p.name for p in products]))
            return add_preorder(services.core, org_id, orgs.gym, "Ny Person", personnummer="198507099805")

    monkeypatch.setattr(PreOrderAdminDialog, "add_dialog", FakeAdd)
    dialog = make_admin()
    with reloaded(qtbot, dialog):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert calls == [(orgs.volvo, ["Gym 12 månader", "Gym AG"])]
    assert "Ny Person" in shown_names(dialog)
    assert dialog.message.text() == "Förbeställningen har lagts till."


def test_no_price_list_means_nothing_to_add_or_import(make_admin, orgs):
    dialog = make_admin(org_id=orgs.ericsson)
    assert not dialog.add_button.isEnabled() and not dialog.import_button.isEnabled()
    assert "ingen prislista" in dialog.add_button.toolTip()


# --------------------------------------------------------------------------
# Importera
# --------------------------------------------------------------------------


@pytest.fixture
def make_import(qtbot, make_services, orgs, sqlite_core, make_actor):
    from app.queries.organisations import products_on_org_price_list

    def make(path, username: str = "admin") -> ImportDialog:
        with sqlite_core.sessions() as s:  # the choices the admin dialog hands over (read with the right)
            products = products_on_org_price_list(s, make_actor(sqlite_core, "admin"), orgs.volvo)
        dialog = ImportDialog(make_services(username), orgs.volvo, products, choose_file=lambda parent: str(path))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.product.setCurrentIndex(dialog.product.findText("Gym AG"))
        return dialog
    return make


def choose(qtbot, dialog: ImportDialog) -> None:
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=10000)


def preview_cells(dialog: ImportDialog) -> list[list[str]]:
    model = dialog.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def fully_shown(label, dialog) -> bool:
    """The label is inside the dialog and tall enough for all its wrapped lines."""
    top_left = label.mapTo(dialog, label.rect().topLeft())
    bottom_right = label.mapTo(dialog, label.rect().bottomRight())
    return (label.isVisible() and dialog.rect().contains(top_left) and dialog.rect().contains(bottom_right)
            and label.height() >= label.heightForWidth(label.width()))


@pytest.mark.parametrize("width", [900, 640, 520])
def test_the_import_help_wraps_and_is_shown_whole(qtbot, make_import, tmp_path, width):
    dialog = make_import(tmp_path / "none.csv")
    dialog.resize(width, 420)
    qtbot.waitUntil(lambda: dialog.width() == max(width, dialog.minimumSizeHint().width()), timeout=5000)
    qtbot.wait(50)
    help_label = dialog.help_label
    assert "namn, personnummer eller födelsedatum, e-postadress" in help_label.text()
    assert fully_shown(help_label, dialog), (help_label.geometry(), help_label.heightForWidth(help_label.width()))
    assert fully_shown(dialog.file_label, dialog)


def test_import_a_file_with_bad_rows_previews_then_writes_the_valid_rows(qtbot, make_import, sqlite_core, orgs):
    dialog = make_import(PREORDER_FILES / "bad_rows.csv")
    choose(qtbot, dialog)
    cells = preview_cells(dialog)
    assert len(cells) == 30
    by_line = {row[0]: row for row in cells}
    assert by_line["1"] == ["1", "Anna Berg", "19850709-9805", "anna.berg@example.se", ""]
    assert by_line["2"] == ["2", "", "19850709-9813", "utan.namn@example.se", "Namn saknas"]
    assert by_line["4"][2:] == ["851332-1234", "cilla.ek@example.se", "Personnumret innehåller inget giltigt datum"]
    assert by_line["13"][4] == "Samma person finns redan på rad 1"
    assert by_line["28"][1] == "Ulla Ek;19660101-9117;ulla.ek@example.se"  # one field: the line as it was
    bad_index = dialog.model.index([r[0] for r in cells].index("2"), 4)
    assert bad_index.data(Qt.ItemDataRole.ForegroundRole).name() == "#b00020"
    assert dialog.model.index(0, 4).data(Qt.ItemDataRole.ForegroundRole) is None
    assert dialog.summary.text().startswith("5 rader kan importeras, 25 har fel.")
    assert dialog.import_button.text() == "Importera 5 giltiga rader" and dialog.import_button.isEnabled()
    assert preorder_count(sqlite_core) == 0  # nothing before Importera

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    assert dialog.imported_count == 5
    assert dialog.message.text() == "5 förbeställningar har importerats."
    assert dialog.progress.maximum() == 5 and dialog.progress.value() == 5
    assert [p.name for p in preorders(sqlite_core, orgs.volvo)] == [
        "Anna Berg", "Kent Ek", "Anna Berg", "Åke Öst", "Xena Ek"]


@pytest.mark.parametrize("filename, valid, invalid", [
    ("libreoffice_cp1252_semicolon.csv", 8, 0), ("excel_utf8_bom.csv", 4, 1), ("header_crlf.csv", 8, 0)])
def test_import_each_real_world_file(qtbot, make_import, sqlite_core, orgs, filename, valid, invalid):
    dialog = make_import(PREORDER_FILES / filename)
    choose(qtbot, dialog)
    assert dialog.summary.text().startswith(f"{valid} rader kan importeras, {invalid} har fel.")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    assert preorder_count(sqlite_core, orgs.volvo) == valid == dialog.imported_count


def test_preview_marks_people_with_an_open_preorder_for_the_chosen_product(qtbot, make_import, sqlite_core, orgs):
    add_preorder(sqlite_core, orgs.volvo, orgs.gym, "Karl Svensson", personnummer="196601019117")
    dialog = make_import(PREORDER_FILES / "header_crlf.csv")
    choose(qtbot, dialog)
    assert {r[0]: r[4] for r in preview_cells(dialog)}["8"] == ERR_ALREADY_OPEN
    assert dialog.import_button.text() == "Importera 7 giltiga rader"
    dialog.product.setCurrentIndex(dialog.product.findText("Gym 12 månader"))  # the preview is made again
    qtbot.waitUntil(lambda: not dialog.runner.busy and dialog.preview is not None, timeout=10000)
    assert dialog.import_button.text() == "Importera 8 giltiga rader"


def test_a_preorder_added_after_the_preview_refuses_the_import_and_refreshes_it(qtbot, make_import, sqlite_core,
                                                                               orgs):
    dialog = make_import(PREORDER_FILES / "header_crlf.csv")
    choose(qtbot, dialog)
    add_preorder(sqlite_core, orgs.volvo, orgs.gym, "Karl Svensson", personnummer="196601019117")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.import_button.text() == "Importera 7 giltiga rader",
                    timeout=10000)
    assert dialog.message.text().startswith("Ingenting importerades: rad 8 går inte längre att importera")
    assert {r[0]: r[4] for r in preview_cells(dialog)}["8"] == ERR_ALREADY_OPEN
    assert preorder_count(sqlite_core) == 1 and dialog.isVisible()


def _xlsx(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")


def _sparse_200_mb(path):
    with open(path, "wb") as f:
        f.truncate(200 * 1024 * 1024)


@pytest.mark.parametrize("name, make, message", [
    ("lista.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n"), MSG_PDF),
    ("lista.xlsx", _xlsx, MSG_XLSX),
    ("tom.csv", lambda p: p.write_bytes(b""), MSG_EMPTY),
    ("stor.csv", _sparse_200_mb, "Filen är för stor (200 MB). Största tillåtna storlek är 20 MB."),
])
def test_a_file_that_is_not_csv_gets_a_clear_message_and_nothing_is_written(qtbot, make_import, sqlite_core,
                                                                             tmp_path, name, make, message):
    path = tmp_path / name
    make(path)
    dialog = make_import(path)
    choose(qtbot, dialog)
    assert not dialog.message.isHidden() and dialog.message.text() == message
    assert dialog.model.rowCount() == 0 and not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert preorder_count(sqlite_core) == 0 and dialog.isVisible()


def test_validity_is_checked_before_the_import_starts(qtbot, make_import, sqlite_core):
    dialog = make_import(PREORDER_FILES / "header_crlf.csv")
    choose(qtbot, dialog)
    dialog.valid_from.setDate(QDate(2027, 1, 1))
    dialog.valid_to.setDate(QDate(2026, 12, 31))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "Giltig till måste vara samma dag som Giltig från eller senare."
    assert not dialog.runner.busy and preorder_count(sqlite_core) == 0


def test_importera_button_end_to_end_from_the_admin_dialog(qtbot, make_admin, sqlite_core, orgs, monkeypatch):
    """The real modal ImportDialog, opened by the button, with only the file chooser replaced."""

    class FixtureImport(ImportDialog):
        def __init__(self, services, org_id, products, parent=None, **kwargs):
            super().__init__(services, org_id, products, parent,
                             choose_file=lambda p: str(PREORDER_FILES / "libreoffice_cp1252_semicolon.csv"))

    def drive():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, FixtureImport)
        dialog.product.setCurrentIndex(dialog.product.findText("Gym AG"))
        qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=10000)
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    monkeypatch.setattr(PreOrderAdminDialog, "import_dialog", FixtureImport)
    admin = make_admin()
    QTimer.singleShot(0, drive)
    with reloaded(qtbot, admin):
        qtbot.mouseClick(admin.import_button, Qt.MouseButton.LeftButton)
    assert admin.message.text() == "8 förbeställningar har importerats."
    assert len(shown_names(admin)) == 8 and preorder_count(sqlite_core, orgs.volvo) == 8


def test_importera_cancel_writes_nothing(qtbot, make_import, sqlite_core):
    dialog = make_import(PREORDER_FILES / "header_crlf.csv")
    choose(qtbot, dialog)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.imported_count is None
    assert preorder_count(sqlite_core) == 0


def test_row_role_gives_the_row(make_admin, five):
    dialog = make_admin()
    assert dialog.proxy.index(0, 0).data(ROW_ROLE).name == "Bo Ek"


