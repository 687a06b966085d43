"""The address editor, driven with real key presses: leave Postnummer with Tab and see Ort and Land."""
from __future__ import annotations

import gzip
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from app.postal import PostalCodes, user_file
from widgets.address_editor import AddressEditor, update_postal_codes_from_file

# The offscreen platform says this whenever a top-level window is shown; it is not about our code.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(scope="module")
def postal() -> PostalCodes:
    return PostalCodes.load()


@pytest.fixture
def make_editor(qtbot, postal):
    def make(default_country: str = "SE", codes: PostalCodes | None = None) -> AddressEditor:
        editor = AddressEditor(codes or postal, default_country)
        qtbot.addWidget(editor)
        editor.show()
        qtbot.waitExposed(editor)
        editor.activateWindow()
        qtbot.waitUntil(editor.isActiveWindow)
        return editor

    return make


def type_postal_code_and_tab(qtbot, editor: AddressEditor, text: str) -> None:
    editor.postal_code.setFocus()
    qtbot.waitUntil(editor.postal_code.hasFocus)
    editor.postal_code.selectAll()
    qtbot.keyClicks(editor.postal_code, text)
    qtbot.keyClick(editor.postal_code, Qt.Key.Key_Tab)
    qtbot.waitUntil(editor.town.hasFocus)


def test_new_address_starts_in_the_desk_default_country(make_editor):
    assert make_editor("FI").country.currentText() == "Finland"
    assert make_editor("NO").value()["country"] == "NO"


def test_unknown_default_country_is_refused(qapp, postal):
    with pytest.raises(ValueError):
        AddressEditor(postal, "DK")


def test_leaving_postal_code_fills_town_and_formats_code(qtbot, make_editor):
    editor = make_editor("SE")
    type_postal_code_and_tab(qtbot, editor, "11455")
    assert editor.town.text() == "Stockholm"
    assert editor.postal_code.text() == "114 55"
    assert editor.country.currentText() == "Sverige"
    assert editor.value()["postal_code"] == "11455"


def test_norwegian_code_switches_land_to_norge(qtbot, make_editor):
    editor = make_editor("SE")
    type_postal_code_and_tab(qtbot, editor, "0150")
    assert editor.town.text() == "Oslo"
    assert editor.country.currentText() == "Norge"
    assert editor.value()["country"] == "NO"
    assert editor.value()["postal_code"] == "0150"


def test_land_decides_between_swedish_and_finnish_town(qtbot, make_editor):
    swedish = make_editor("SE")
    type_postal_code_and_tab(qtbot, swedish, "90100")
    assert swedish.town.text() == "Umeå"

    finnish = make_editor("FI")
    type_postal_code_and_tab(qtbot, finnish, "90100")
    assert finnish.town.text() == "Oulu"
    assert finnish.country.currentText() == "Finland"


def test_picking_another_land_looks_the_code_up_again(qtbot, make_editor):
    editor = make_editor("SE")
    type_postal_code_and_tab(qtbot, editor, "90100")
    assert editor.town.text() == "Umeå"

    editor.country.setFocus()
    qtbot.waitUntil(editor.country.hasFocus)
    qtbot.keyClick(editor.country, Qt.Key.Key_Down)  # Sverige -> Norge
    assert editor.country.currentText() == "Norge"
    # Norway chosen by hand is kept; no Norwegian town for a 5-digit code.
    assert editor.town.text() == ""
    qtbot.keyClick(editor.country, Qt.Key.Key_Down)  # Norge -> Finland
    assert editor.country.currentText() == "Finland"
    assert editor.town.text() == "Oulu"


def test_swedish_code_after_norwegian_one_switches_back(qtbot, make_editor):
    editor = make_editor("SE")
    type_postal_code_and_tab(qtbot, editor, "0150")
    assert editor.country.currentText() == "Norge"
    type_postal_code_and_tab(qtbot, editor, "41101")
    assert editor.town.text() == "Göteborg"
    assert editor.country.currentText() == "Sverige"


def test_town_suggestion_stays_editable(qtbot, make_editor):
    editor = make_editor("SE")
    type_postal_code_and_tab(qtbot, editor, "11455")
    assert editor.town.isEnabled() and not editor.town.isReadOnly()
    editor.town.selectAll()
    qtbot.keyClicks(editor.town, "Östermalm")
    assert editor.value()["town"] == "Östermalm"


def test_typed_town_is_not_overwritten(qtbot, make_editor):
    editor = make_editor("SE")
    editor.town.setFocus()
    qtbot.keyClicks(editor.town, "Hemma")
    type_postal_code_and_tab(qtbot, editor, "11455")
    assert editor.town.text() == "Hemma"


def test_auto_filled_town_follows_a_corrected_code(qtbot, make_editor):
    editor = make_editor("SE")
    type_postal_code_and_tab(qtbot, editor, "11455")
    type_postal_code_and_tab(qtbot, editor, "41101")
    assert editor.town.text() == "Göteborg"
    # An unknown code clears the town that belonged to the old code.
    type_postal_code_and_tab(qtbot, editor, "00001")
    assert editor.town.text() == ""
    assert editor.country.currentText() == "Sverige"


def test_emptied_code_clears_only_an_auto_filled_town(qtbot, make_editor):
    editor = make_editor("SE")
    type_postal_code_and_tab(qtbot, editor, "11455")
    editor.postal_code.setFocus()
    qtbot.waitUntil(editor.postal_code.hasFocus)
    editor.postal_code.selectAll()
    qtbot.keyClick(editor.postal_code, Qt.Key.Key_Delete)
    qtbot.keyClick(editor.postal_code, Qt.Key.Key_Tab)
    assert editor.town.text() == ""


def test_unknown_code_never_blocks(qtbot, make_editor):
    editor = make_editor("SE")
    type_postal_code_and_tab(qtbot, editor, "12")
    assert editor.town.hasFocus()
    qtbot.keyClicks(editor.town, "Någonstans")
    assert editor.value() == {
        "street": "",
        "co": "",
        "postal_code": "12",
        "town": "Någonstans",
        "country": "SE",
    }


def test_tab_order_is_street_co_postal_code_town_land(qtbot, make_editor):
    editor = make_editor("SE")
    editor.street.setFocus()
    qtbot.waitUntil(editor.street.hasFocus)
    seen = [QApplication.focusWidget()]
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == [editor.street, editor.co, editor.postal_code, editor.town, editor.country]


def test_labels_are_swedish_with_mnemonics_to_their_fields(make_editor):
    editor = make_editor("SE")
    buddies = {label.text(): label.buddy() for label in editor.findChildren(QLabel)}
    assert buddies == {
        "&Gatuadress": editor.street,
        "&c/o": editor.co,
        "&Postnummer": editor.postal_code,
        "O&rt": editor.town,
        "&Land": editor.country,
    }


def test_mnemonic_moves_focus(qtbot, make_editor):
    editor = make_editor("SE")
    editor.street.setFocus()
    qtbot.waitUntil(editor.street.hasFocus)
    qtbot.keyClick(editor.street, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(editor.postal_code.hasFocus)


def test_set_value_and_value_round_trip(qtbot, make_editor):
    editor = make_editor("SE")
    address = {"street": "Storgatan 1", "co": "Svensson", "postal_code": "11455", "town": "Stockholm", "country": "SE"}
    with qtbot.waitSignal(editor.changed):
        editor.set_value(address)
    assert editor.postal_code.text() == "114 55"
    assert editor.value() == address


def test_set_value_emits_changed_once(qtbot, make_editor):
    editor = make_editor("SE")
    emitted = []
    editor.changed.connect(lambda: emitted.append(1))
    editor.set_value({"street": "Storgatan 1", "postal_code": "0150", "town": "Oslo", "country": "NO"})
    assert emitted == [1]


def test_set_value_keeps_a_stored_town_the_user_chose(qtbot, make_editor):
    editor = make_editor("SE")
    editor.set_value({"postal_code": "11455", "town": "Gamla stan", "country": "SE"})
    type_postal_code_and_tab(qtbot, editor, "41101")
    assert editor.town.text() == "Gamla stan"


def test_set_value_town_from_the_list_follows_a_new_code(qtbot, make_editor):
    editor = make_editor("SE")
    editor.set_value({"postal_code": "11455", "town": "Stockholm", "country": "SE"})
    type_postal_code_and_tab(qtbot, editor, "41101")
    assert editor.town.text() == "Göteborg"


def test_set_value_with_missing_country_uses_default(make_editor):
    editor = make_editor("FI")
    editor.set_value({"street": "Mannerheimintie 1"})
    assert editor.value()["country"] == "FI"


def test_typing_emits_changed(qtbot, make_editor):
    editor = make_editor("SE")
    editor.street.setFocus()
    with qtbot.waitSignal(editor.changed):
        qtbot.keyClicks(editor.street, "S")


class RecordingMessageBox:
    """Stands in for QMessageBox's static functions so no dialog blocks the test."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str, str]] = []

    def information(self, parent, title, text):
        self.shown.append(("information", title, text))
        return QMessageBox.StandardButton.Ok

    def warning(self, parent, title, text):
        self.shown.append(("warning", title, text))
        return QMessageBox.StandardButton.Ok


def test_update_postal_codes_installs_reloads_and_reports(qtbot, make_editor, tmp_path):
    new_list = tmp_path / "postnummer.json.gz"
    new_list.write_bytes(gzip.compress(json.dumps(
        {"SE": {"11455": "Nya Stockholm", "41101": "Göteborg"}, "NO": {"0150": "Oslo"}, "FI": {}}
    ).encode()))
    data_dir = tmp_path / "data"
    codes = PostalCodes.load(user_data_dir=data_dir)
    editor = make_editor("SE", codes)
    boxes = RecordingMessageBox()

    counts = update_postal_codes_from_file(editor, codes, data_dir, choose_file=lambda parent: str(new_list), message_box=boxes)

    assert counts == {"SE": 2, "NO": 1, "FI": 0}
    assert boxes.shown == [(
        "information",
        "Uppdatera postnummer",
        "Postnumren är uppdaterade: 2 svenska, 1 norska och 0 finska.",
    )]
    assert user_file(data_dir).is_file()
    type_postal_code_and_tab(qtbot, editor, "11455")
    assert editor.town.text() == "Nya Stockholm"


def test_update_postal_codes_groups_large_counts(make_editor, tmp_path, postal):
    from app.postal import shipped_path

    boxes = RecordingMessageBox()
    codes = PostalCodes.load(user_data_dir=tmp_path)
    update_postal_codes_from_file(None, codes, tmp_path, choose_file=lambda parent: str(shipped_path()), message_box=boxes)
    counts = postal.counts()
    assert f"{counts['SE'] // 1000} {counts['SE'] % 1000:03d} svenska" in boxes.shown[0][2]


def test_update_postal_codes_with_a_bad_file_shows_the_swedish_error(qtbot, make_editor, tmp_path):
    bad = tmp_path / "bilder.zip"
    bad.write_bytes(b"PK\x03\x04 not a list")
    data_dir = tmp_path / "data"
    codes = PostalCodes.load(user_data_dir=data_dir)
    editor = make_editor("SE", codes)
    boxes = RecordingMessageBox()

    counts = update_postal_codes_from_file(editor, codes, data_dir, choose_file=lambda parent: str(bad), message_box=boxes)

    assert counts is None
    assert boxes.shown == [("warning", "Felaktig uppgift", "Filen är ingen postnummerlista.")]
    assert not user_file(data_dir).exists()
    type_postal_code_and_tab(qtbot, editor, "11455")
    assert editor.town.text() == "Stockholm"


def test_update_postal_codes_cancelled_does_nothing(tmp_path, qapp):
    boxes = RecordingMessageBox()
    codes = PostalCodes.load(user_data_dir=tmp_path)
    assert update_postal_codes_from_file(None, codes, tmp_path, choose_file=lambda parent: None, message_box=boxes) is None
    assert boxes.shown == []
    assert not user_file(tmp_path).exists()
