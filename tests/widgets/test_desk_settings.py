"""Desk settings: typed QSettings access and the "Inställningar för den här datorn" dialog."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from serial.tools.list_ports_common import ListPortInfo

from app.errors import ValidationError
from widgets.desk_settings import PORT_MISSING_NOTE, DeskSettings, DeskSettingsDialog, check_database_url

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def port(device: str, description: str) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.description = description
    return info


class FakePorts:
    """Stands in for serial.tools.list_ports.comports; `ports` can change between calls."""

    def __init__(self, *ports: ListPortInfo) -> None:
        self.ports = list(ports)
        self.calls = 0

    def __call__(self) -> list[ListPortInfo]:
        self.calls += 1
        return list(self.ports)


@pytest.fixture
def ini(tmp_path):
    return str(tmp_path / "desk.ini")


def open_settings(ini: str) -> DeskSettings:
    return DeskSettings(QSettings(ini, QSettings.Format.IniFormat))


@pytest.fixture
def settings(ini):
    return open_settings(ini)


@pytest.fixture
def ports():
    return FakePorts(port("/dev/ttyUSB0", "USB-Serial CH340"), port("/dev/ttyACM0", "RFID Reader"))


@pytest.fixture
def dialog(qtbot, settings, ports):
    dialog = DeskSettingsDialog(settings, list_ports=ports)
    qtbot.addWidget(dialog)
    return dialog


def click_ok(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.button_box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


class TestDeskSettings:
    def test_defaults(self, settings):
        assert settings.reader_type == "wedge"
        assert settings.serial_port == ""
        assert settings.baud_rate == 9600
        assert settings.framing == "line"
        assert settings.camera_index == 0
        assert settings.default_country == "SE"
        assert settings.till_enabled is True
        assert settings.desk_name == "Kassa 1"
        assert settings.database_url == ""

    def test_round_trip_through_the_ini_file(self, settings, ini):
        settings.reader_type = "serial"
        settings.serial_port = " COM3 "
        settings.baud_rate = 115200
        settings.framing = "rdm6300"
        settings.camera_index = -1
        settings.default_country = "NO"
        settings.till_enabled = False
        settings.desk_name = "Kassa 2"
        settings.database_url = "postgresql://kassa@server/reception"
        settings.sync()

        again = open_settings(ini)
        assert again.reader_type == "serial"
        assert again.serial_port == "COM3"
        assert again.baud_rate == 115200
        assert again.framing == "rdm6300"
        assert again.camera_index == -1
        assert again.default_country == "NO"
        assert again.till_enabled is False
        assert again.desk_name == "Kassa 2"
        assert again.database_url == "postgresql://kassa@server/reception"

    def test_hand_edited_nonsense_falls_back_to_defaults(self, ini):
        with open(ini, "w", encoding="utf-8") as f:
            f.write(
                "[desk]\nreader_type=usb\nbaud_rate=fast\nframing=wiegand\ncamera_index=-7\n"
                "default_country=DK\ntill_enabled=kanske\n"
            )
        settings = open_settings(ini)
        assert settings.reader_type == "wedge"
        assert settings.baud_rate == 9600
        assert settings.framing == "line"
        assert settings.camera_index == -1
        assert settings.default_country == "SE"
        assert settings.till_enabled is True

    def test_setters_refuse_unknown_values(self, settings):
        with pytest.raises(ValueError):
            settings.reader_type = "usb"
        with pytest.raises(ValueError):
            settings.framing = "wiegand"
        with pytest.raises(ValueError):
            settings.default_country = "DK"
        with pytest.raises(ValueError):
            settings.baud_rate = 0
        with pytest.raises(ValueError):
            settings.camera_index = -2


class TestDatabaseUrl:
    @pytest.mark.parametrize(
        "url",
        ["", "  ", "postgresql://kassa@server/reception", "postgresql+psycopg://kassa@db:5433/gym", "sqlite:///C:/data/r.db"],
    )
    def test_accepted(self, url):
        check_database_url(url)

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("postgresql://kassa:hemligt@server/reception", "Skriv inte lösenordet i databas-URL:en – det sparas i datorns nyckelring."),
            ("mysql://kassa@server/reception", "Databas-URL:en måste gälla PostgreSQL (postgresql://…) eller SQLite (sqlite:///…)."),
            ("server/reception", "Databas-URL:en går inte att tolka. Exempel: postgresql://kassa@server/reception"),
        ],
    )
    def test_refused_with_swedish_message(self, url, message):
        with pytest.raises(ValidationError) as caught:
            check_database_url(url)
        assert caught.value.message == message


class TestDialog:
    def test_title_and_loaded_values(self, qtbot, settings, ports):
        settings.reader_type = "serial"
        settings.serial_port = "/dev/ttyACM0"
        settings.baud_rate = 19200
        settings.framing = "rdm6300"
        settings.camera_index = -1
        settings.default_country = "FI"
        settings.till_enabled = False
        settings.desk_name = "Receptionen"
        dialog = DeskSettingsDialog(settings, list_ports=ports)
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Inställningar för den här datorn"
        assert dialog.reader_type_combo.currentText() == "Seriell (COM-port)"
        assert dialog.port_combo.currentText() == "/dev/ttyACM0"
        assert dialog.port_note.text() == "RFID Reader"
        assert dialog.baud_combo.currentText() == "19200"
        assert dialog.framing_combo.currentText() == "RFID 125 kHz (RDM6300)"
        assert dialog.camera_spin.text() == "Ingen kamera"
        assert dialog.country_combo.currentText() == "Finland"
        assert not dialog.till_check.isChecked()
        assert not dialog.desk_name_edit.isEnabled()
        assert dialog.desk_name_edit.text() == "Receptionen"

    def test_choices_offered(self, dialog):
        def texts(combo):
            return [combo.itemText(i) for i in range(combo.count())]

        assert texts(dialog.reader_type_combo) == ["Ingen", "Seriell (COM-port)", "Tangentbordsemulerande"]
        assert texts(dialog.framing_combo) == ["Radslut (ASCII)", "RFID 125 kHz (RDM6300)"]
        assert texts(dialog.country_combo) == ["Sverige", "Norge", "Finland"]
        assert dialog.button_box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Avbryt"

    def test_ports_listed_and_refreshed(self, qtbot, dialog, ports):
        assert dialog.listed_ports == ["/dev/ttyACM0", "/dev/ttyUSB0"]
        dialog.reader_type_combo.setCurrentIndex(dialog.reader_type_combo.findData("serial"))
        dialog.port_combo.setCurrentText("/dev/ttyUSB1")
        assert dialog.port_note.text() == PORT_MISSING_NOTE

        ports.ports.append(port("/dev/ttyUSB1", "FTDI FT232R"))
        qtbot.mouseClick(dialog.refresh_ports_button, Qt.MouseButton.LeftButton)
        assert dialog.listed_ports == ["/dev/ttyACM0", "/dev/ttyUSB0", "/dev/ttyUSB1"]
        assert dialog.port_combo.currentText() == "/dev/ttyUSB1"  # what was typed is kept
        assert dialog.port_note.text() == "FTDI FT232R"

    def test_real_port_listing_works(self, qtbot, settings):
        dialog = DeskSettingsDialog(settings)  # serial.tools.list_ports.comports on this machine
        qtbot.addWidget(dialog)
        assert all(name for name in dialog.listed_ports)

    def test_serial_fields_only_enabled_for_a_serial_reader(self, dialog):
        serial_fields = (dialog.port_combo, dialog.refresh_ports_button, dialog.baud_combo, dialog.framing_combo)
        dialog.reader_type_combo.setCurrentIndex(dialog.reader_type_combo.findData("wedge"))
        assert not any(w.isEnabled() for w in serial_fields)
        dialog.reader_type_combo.setCurrentIndex(dialog.reader_type_combo.findData("serial"))
        assert all(w.isEnabled() for w in serial_fields)

    def test_ok_saves_everything_to_the_ini_file(self, qtbot, dialog, ini):
        dialog.reader_type_combo.setCurrentIndex(dialog.reader_type_combo.findData("serial"))
        dialog.port_combo.setCurrentText("/dev/ttyUSB0")
        dialog.baud_combo.setCurrentText("57600")
        dialog.framing_combo.setCurrentIndex(dialog.framing_combo.findData("rdm6300"))
        dialog.camera_spin.setValue(2)
        dialog.country_combo.setCurrentIndex(dialog.country_combo.findData("NO"))
        dialog.desk_name_edit.setText("Kassa 3")
        dialog.database_url_edit.setText("postgresql://kassa@server/reception")
        with qtbot.waitSignal(dialog.accepted):
            click_ok(qtbot, dialog)

        saved = open_settings(ini)
        assert saved.reader_type == "serial"
        assert saved.serial_port == "/dev/ttyUSB0"
        assert saved.baud_rate == 57600
        assert saved.framing == "rdm6300"
        assert saved.camera_index == 2
        assert saved.default_country == "NO"
        assert saved.till_enabled is True
        assert saved.desk_name == "Kassa 3"
        assert saved.database_url == "postgresql://kassa@server/reception"

    def test_cancel_saves_nothing(self, qtbot, dialog, ini):
        dialog.reader_type_combo.setCurrentIndex(dialog.reader_type_combo.findData("none"))
        dialog.camera_spin.setValue(-1)
        with qtbot.waitSignal(dialog.rejected):
            qtbot.mouseClick(
                dialog.button_box.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
            )
        saved = open_settings(ini)
        assert saved.reader_type == "wedge"
        assert saved.camera_index == 0

    @pytest.mark.parametrize(
        ("setup", "message", "field"),
        [
            (
                lambda d: d.port_combo.setCurrentText(""),
                "Välj vilken port kortläsaren sitter på, eller välj en annan typ av kortläsare.",
                "port_combo",
            ),
            (
                lambda d: (d.port_combo.setCurrentText("COM3"), d.baud_combo.setCurrentText("")),
                "Ange hastigheten som ett heltal, t.ex. 9600.",
                "baud_combo",
            ),
            (
                lambda d: (d.port_combo.setCurrentText("COM3"), d.desk_name_edit.setText("  ")),
                "Ange kassans namn när kassakoppling är vald.",
                "desk_name_edit",
            ),
            (
                lambda d: (d.port_combo.setCurrentText("COM3"), d.database_url_edit.setText("postgresql://u:pw@h/db")),
                "Skriv inte lösenordet i databas-URL:en – det sparas i datorns nyckelring.",
                "database_url_edit",
            ),
        ],
    )
    def test_validation_message_keeps_dialog_open_and_saves_nothing(self, qtbot, dialog, ini, setup, message, field):
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        dialog.reader_type_combo.setCurrentIndex(dialog.reader_type_combo.findData("serial"))
        setup(dialog)
        with qtbot.assertNotEmitted(dialog.accepted):
            click_ok(qtbot, dialog)
        assert dialog.isVisible()
        assert dialog.error_label.isVisibleTo(dialog)
        assert dialog.error_label.text() == message
        qtbot.waitUntil(getattr(dialog, field).hasFocus)
        assert open_settings(ini).reader_type == "wedge"

    def test_serial_settings_not_checked_when_reader_is_not_serial(self, qtbot, dialog, ini):
        dialog.reader_type_combo.setCurrentIndex(dialog.reader_type_combo.findData("none"))
        dialog.port_combo.setCurrentText("")
        dialog.baud_combo.setCurrentText("")
        with qtbot.waitSignal(dialog.accepted):
            click_ok(qtbot, dialog)
        saved = open_settings(ini)
        assert saved.reader_type == "none"
        assert saved.baud_rate == 9600

    def test_keyboard_only(self, qtbot, dialog, ini):
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
        qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # Kam&era
        qtbot.waitUntil(dialog.camera_spin.hasFocus)
        qtbot.keyClick(dialog.camera_spin, Qt.Key.Key_Down)
        assert dialog.camera_spin.text() == "Ingen kamera"
        with qtbot.waitSignal(dialog.accepted):
            qtbot.keyClick(dialog.camera_spin, Qt.Key.Key_Return)
        assert open_settings(ini).camera_index == -1


def test_ask_returns_true_on_ok_and_false_on_cancel(qtbot, settings, ports, ini):
    def answer(accept: bool) -> None:
        (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, DeskSettingsDialog) and w.isVisible()]
        dialog.desk_name_edit.setText("Entrén")
        if accept:
            dialog.accept()
        else:
            dialog.reject()

    QTimer.singleShot(0, lambda: answer(False))
    assert DeskSettingsDialog.ask(None, settings, list_ports=ports) is False
    assert open_settings(ini).desk_name == "Kassa 1"

    QTimer.singleShot(0, lambda: answer(True))
    assert DeskSettingsDialog.ask(None, settings, list_ports=ports) is True
    assert open_settings(ini).desk_name == "Entrén"


def test_card_number_length_is_a_desk_setting(qtbot, settings, ports, ini):
    assert settings.card_number_digits == 10  # the 125 kHz readers
    dialog = DeskSettingsDialog(settings, list_ports=ports)
    qtbot.addWidget(dialog)
    assert dialog.card_digits_spin.value() == 10
    dialog.card_digits_spin.setValue(8)
    click_ok(qtbot, dialog)
    assert open_settings(ini).card_number_digits == 8
    settings.qsettings.setValue("desk/card_number_digits", "99")  # edited by hand: out of range
    assert open_settings(ini).card_number_digits == 10
    with pytest.raises(ValueError):
        settings.card_number_digits = -1
