"""Inställningar > Autogiro (Bankgirot)… end to end through the real dialog (issue 17): write the files,
preview Bankgirot's answer per record, read it in, and refuse a truncated file with nothing applied."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
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
