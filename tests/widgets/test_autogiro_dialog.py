"""Inställningar > Autogiro (Bankgirot)… end to end through the real dialog (issue 17): write the files,
preview Bankgirot's answer per record, read it in, and refuse a truncated file with nothing applied."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from db.models import AutogiroMandate, Person
from tests.app import bgc_files
from tests.app import builders as b
from tests.app.test_autogiro_routines import BG, CUSTOMER, register_two
from tests.widgets.test_admin_settings import open_entry, window_for  # noqa: F401 - fixture

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def _click(qtbot, button) -> None:
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _idle(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=10000)


def test_write_the_files_preview_and_read_the_answer(qtbot, window_for, sqlite_core, make_actor,  # noqa: F811
                                                     tmp_path):
    cat = b.build_catalog(sqlite_core)
    b.settings(sqlite_core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    register_two(sqlite_core, cat, make_actor)
    dialog = open_entry(qtbot, window_for("admin"), "Autogiro (Bankgirot)…")
    folder = tmp_path / "ut"
    folder.mkdir()

    _click(qtbot, dialog.export_button)
    _idle(qtbot, dialog)
    assert "Välj mappen" in dialog.export_result.text()
    dialog.folder.setText(str(folder))
    _click(qtbot, dialog.export_button)
    _idle(qtbot, dialog)
    assert "2 nya medgivanden" in dialog.export_result.text()
    assert [p.name.startswith("autogiro_medgivanden_") for p in folder.iterdir()] == [True]

    with sqlite_core.sessions() as s:
        numbers = [str(n) for n in s.scalars(select(Person.customer_number).order_by(Person.id))]
    advice = bgc_files.mandate_advice(tmp_path / "medavi.txt", [(numbers[0], "32", "04", "", "", ""),
                                                               (numbers[1], "05", "04", "", "", ""),
                                                               ("555", "32", "04", "", "", "")],
                                      on=date(2026, 11, 24), customer=CUSTOMER, bankgiro="50501055")
    truncated = tmp_path / "avkortad.txt"
    truncated.write_bytes(advice.read_bytes()[:-82])  # without the closing record
    dialog.file.setText(str(truncated))
    _click(qtbot, dialog.preview_button)
    _idle(qtbot, dialog)
    assert "rad 5" in dialog.import_summary.text() and "avkortad" in dialog.import_summary.text()
    assert not dialog.import_button.isEnabled() and dialog.model.rowCount() == 0

    dialog.file.setText(str(advice))
    assert not dialog.import_button.isEnabled()
    _click(qtbot, dialog.preview_button)
    _idle(qtbot, dialog)
    assert dialog.import_summary.text() == ("Medgivandeavisering: 3 poster. 2 ändras när filen läses in, "
                                            "1 finns inte i Reception och lämnas.")
    outcomes = [dialog.model.data(dialog.model.index(r, 3)) for r in range(dialog.model.rowCount())]
    assert outcomes == ["Godkänt: medgivandet är aktivt.", "Avvisat: Bankkontot eller personnumret stämmer inte.",
                        "Finns inte i Reception: inget medgivande med betalarnummer 555."]
    with sqlite_core.sessions() as s:
        assert set(s.scalars(select(AutogiroMandate.status))) == {"hos_bgc"}, "the preview changed nothing"
    _click(qtbot, dialog.import_button)
    _idle(qtbot, dialog)
    assert dialog.import_summary.text().startswith("Inläst. Medgivandeavisering: 3 poster, 2 ändrade")
    assert not dialog.import_button.isEnabled()
    with sqlite_core.sessions() as s:
        assert sorted(s.scalars(select(AutogiroMandate.status))) == ["aktivt", "avvisat"]
    _click(qtbot, dialog.preview_button)
    _idle(qtbot, dialog)
    assert "redan inläst" in dialog.import_summary.text() and not dialog.import_button.isEnabled()


@pytest.mark.qt_log_ignore(r"Corrupt JPEG data", r"JPEG datastream contains no image")  # the builders' tiny JPEG
def test_the_person_card_shows_the_mandate_history_the_debits_and_the_failed_debit(qtbot, sqlite_core, make_actor,
                                                                                    tmp_path):
    from app.autogiro.routines import ExportCommand, ExportDebits, ExportMandates, ImportBankgirotFile, ImportCommand
    from db.models import Invoice
    from widgets.person_card import PersonCardWidget
    from widgets.services import Bus, UiServices

    cat = b.build_catalog(sqlite_core)
    b.settings(sqlite_core, autogiro_bankgiro=BG, autogiro_customer_number=CUSTOMER)
    _, orjan = register_two(sqlite_core, cat, make_actor)
    admin = make_actor(sqlite_core, "admin")
    folder = tmp_path / "ut"
    folder.mkdir()
    ExportMandates(sqlite_core).execute(ExportCommand(str(folder)), admin)
    with sqlite_core.sessions() as s:
        number = str(s.get(Person, orjan.person_id).customer_number)
    advice = bgc_files.mandate_advice(tmp_path / "m.txt", [(number, "32", "04", "", "", "")], on=date(2026, 11, 24),
                                      customer=CUSTOMER, bankgiro="50501055")
    ImportBankgirotFile(sqlite_core).execute(ImportCommand(str(advice)), admin)
    ExportDebits(sqlite_core).execute(ExportCommand(str(folder)), admin)
    with sqlite_core.sessions() as s:
        reference = str(s.scalar(select(Invoice.invoice_number).where(Invoice.kind == "autogiro")))
    spec = bgc_files.payment_spec(tmp_path / "s.txt", [bgc_files.Paid(number, 40000, reference, "1")],
                                  on=date(2026, 11, 27), customer=CUSTOMER, bankgiro="50501055")
    ImportBankgirotFile(sqlite_core).execute(ImportCommand(str(spec)), admin)

    card = PersonCardWidget(UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(),
                                       user_data_dir=tmp_path))
    qtbot.addWidget(card)
    card.show()
    with qtbot.waitSignal(card.loaded, timeout=5000):
        card.show_person(orjan.person_id)
    chip = card.chips.findChild(QLabel, "deviation_ag_dragning_misslyckad")
    assert chip is not None and "Autogirodragning misslyckades 2026-11-27" in chip.text()
    card.tabs.setCurrentWidget(card.autogiro_tab)
    history = card.autogiro_tab.history
    assert [history.item(r, 1).text() for r in range(history.rowCount())] == ["Godkänt", "Skickat till Bankgirot"]
    debits = card.autogiro_tab.debits
    assert [debits.item(0, c).text() for c in range(debits.columnCount())] == [
        "2026-11-27", "400,00 kr", "2027-01-21", "Misslyckades", reference,
        "Täckning saknas – dragningen gick inte igenom."]


def test_every_field_and_button_of_the_dialog_has_its_own_alt_letter(qtbot, window_for):  # noqa: F811
    from PySide6.QtWidgets import QAbstractButton

    from widgets.main_window import mnemonic

    dialog = open_entry(qtbot, window_for("admin"), "Autogiro (Bankgirot)…")
    texts = [b.text() for b in dialog.findChildren(QAbstractButton) if b.isVisible()]
    texts += [label.text() for label in dialog.findChildren(QLabel) if label.buddy() is not None]
    letters = [mnemonic(text) for text in texts]
    assert None not in letters, texts  # the keyboard reaches every one with Alt+letter
    assert len(set(letters)) == len(letters), texts
    from PySide6.QtWidgets import QApplication

    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.export_button.setFocus()
    qtbot.keyClick(dialog.export_button, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.folder
