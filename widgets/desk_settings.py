"""Settings of this desk (this PC): card reader, camera, country, till, receipt printer, database URL.

Business settings live in the database and are shared by all desks; these few
describe the hardware and connection of one PC and live in QSettings.
`DeskSettings` reads and writes them with types and defaults over an injected
QSettings; `DeskSettingsDialog` ("Inställningar för den här datorn") edits
them and writes only when the receptionist presses OK.

Passwords never live here: the database password is kept in the OS keyring.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QFrame,
    QScrollArea,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from serial.tools import list_ports as serial_list_ports
from serial.tools.list_ports_common import ListPortInfo
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.errors import ValidationError
from app.routines.membership_card import DEFAULT_CARD_DIGITS
from widgets.tones import tone_style
from widgets.printing import available_printers

log = logging.getLogger("reception.settings")

READER_TYPES = ("none", "serial", "wedge")
FRAMINGS = ("line", "rdm6300")
COUNTRIES = ("SE", "NO", "FI")
COMMON_BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
MAX_CAMERA_INDEX = 15
PHOTO_CACHE_DEFAULT_MB = 500
PHOTO_CACHE_RANGE_MB = (0, 20_000)
IDLE_LOCK_DEFAULT_MINUTES = 15
IDLE_LOCK_RANGE_MINUTES = (0, 480)  # 0: never (a PC only one person uses)
MAX_CARD_DIGITS = 40  # the card-number column's length


class DeskSettings:
    """Typed access to this desk's settings in a QSettings store.

    Values that are missing or unreadable (edited by hand, written by an older
    version) fall back to the default rather than stopping the program.
    """

    GROUP = "desk"

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    @property
    def qsettings(self) -> QSettings:
        return self._settings

    def sync(self) -> None:
        self._settings.sync()

    # -- raw access with defaults -------------------------------------------

    def _key(self, name: str) -> str:
        return f"{self.GROUP}/{name}"

    def _get_str(self, name: str, default: str) -> str:
        value = self._settings.value(self._key(name), default)
        return default if value is None else str(value)

    def _get_choice(self, name: str, allowed: Sequence[str], default: str) -> str:
        value = self._get_str(name, default)
        if value not in allowed:
            log.warning("Desk setting %s has unknown value %r; using %r", name, value, default)
            return default
        return value

    def _get_int(self, name: str, default: int) -> int:
        value = self._settings.value(self._key(name), default)
        try:
            return int(value)
        except (TypeError, ValueError):
            log.warning("Desk setting %s is not a number (%r); using %r", name, value, default)
            return default

    def _get_bool(self, name: str, default: bool) -> bool:
        value = self._settings.value(self._key(name), default)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        log.warning("Desk setting %s is not true/false (%r); using %r", name, value, default)
        return default

    def _set(self, name: str, value: object) -> None:
        self._settings.setValue(self._key(name), value)

    @staticmethod
    def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, not {value!r}")

    # -- the settings --------------------------------------------------------

    @property
    def reader_type(self) -> str:
        """'none', 'serial' (COM port) or 'wedge' (keyboard-emulating reader)."""
        return self._get_choice("reader_type", READER_TYPES, "wedge")

    @reader_type.setter
    def reader_type(self, value: str) -> None:
        self._check_choice("reader_type", value, READER_TYPES)
        self._set("reader_type", value)

    @property
    def serial_port(self) -> str:
        return self._get_str("serial_port", "")

    @serial_port.setter
    def serial_port(self, value: str) -> None:
        self._set("serial_port", value.strip())

    @property
    def baud_rate(self) -> int:
        return self._get_int("baud_rate", 9600)

    @baud_rate.setter
    def baud_rate(self, value: int) -> None:
        if value <= 0:
            raise ValueError("baud_rate must be positive")
        self._set("baud_rate", int(value))

    @property
    def framing(self) -> str:
        """'line' (ASCII ended by CR/LF) or 'rdm6300' (125 kHz STX/ETX frames)."""
        return self._get_choice("framing", FRAMINGS, "line")

    @framing.setter
    def framing(self, value: str) -> None:
        self._check_choice("framing", value, FRAMINGS)
        self._set("framing", value)

    @property
    def camera_index(self) -> int:
        """OpenCV camera index; -1 means this desk has no camera."""
        value = self._get_int("camera_index", 0)
        return value if value >= -1 else -1

    @camera_index.setter
    def camera_index(self, value: int) -> None:
        if value < -1:
            raise ValueError("camera_index must be -1 (no camera) or an index")
        self._set("camera_index", int(value))

    @property
    def default_country(self) -> str:
        return self._get_choice("default_country", COUNTRIES, "SE")

    @default_country.setter
    def default_country(self, value: str) -> None:
        self._check_choice("default_country", value, COUNTRIES)
        self._set("default_country", value)

    @property
    def till_enabled(self) -> bool:
        """Kassakoppling: whether sales on this desk go through a till."""
        return self._get_bool("till_enabled", True)

    @till_enabled.setter
    def till_enabled(self, value: bool) -> None:
        self._set("till_enabled", bool(value))

    @property
    def print_receipts_directly(self) -> bool:
        """Skriv ut kvitton direkt: after a payment the receipt goes to `receipt_printer` without the print dialog."""
        return self._get_bool("print_receipts_directly", False)

    @print_receipts_directly.setter
    def print_receipts_directly(self, value: bool) -> None:
        self._set("print_receipts_directly", bool(value))

    @property
    def receipt_printer(self) -> str:
        """The receipt printer's name as the PC knows it; '' = the PC's default printer in the dialog."""
        return self._get_str("receipt_printer", "")

    @receipt_printer.setter
    def receipt_printer(self, value: str) -> None:
        self._set("receipt_printer", value.strip())

    @property
    def desk_name(self) -> str:
        return self._get_str("desk_name", "Kassa 1")

    @desk_name.setter
    def desk_name(self, value: str) -> None:
        self._set("desk_name", value.strip())

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL without password; '' means the embedded SQLite database."""
        return self._get_str("database_url", "")

    @database_url.setter
    def database_url(self, value: str) -> None:
        self._set("database_url", value.strip())

    @property
    def card_number_digits(self) -> int:
        """How many digits this desk's card reader gives (10 for the 125 kHz readers); 0 = any format."""
        value = self._get_int("card_number_digits", DEFAULT_CARD_DIGITS)
        return value if 0 <= value <= MAX_CARD_DIGITS else DEFAULT_CARD_DIGITS

    @card_number_digits.setter
    def card_number_digits(self, value: int) -> None:
        if not 0 <= int(value) <= MAX_CARD_DIGITS:
            raise ValueError(f"card_number_digits must be within 0..{MAX_CARD_DIGITS}")
        self._set("card_number_digits", int(value))

    @property
    def photo_cache_mb(self) -> int:
        """Size cap of the photos in the offline copy of a shared database (app/sync/replica.py)."""
        value = self._get_int("photo_cache_mb", PHOTO_CACHE_DEFAULT_MB)
        return value if PHOTO_CACHE_RANGE_MB[0] <= value <= PHOTO_CACHE_RANGE_MB[1] else PHOTO_CACHE_DEFAULT_MB

    @photo_cache_mb.setter
    def photo_cache_mb(self, value: int) -> None:
        if not PHOTO_CACHE_RANGE_MB[0] <= int(value) <= PHOTO_CACHE_RANGE_MB[1]:
            raise ValueError(f"photo_cache_mb must be within {PHOTO_CACHE_RANGE_MB}")
        self._set("photo_cache_mb", int(value))

    @property
    def idle_lock_minutes(self) -> int:
        """Lock the desk after this many minutes without keyboard or mouse (widgets/idle_lock.py); 0 = never."""
        value = self._get_int("idle_lock_minutes", IDLE_LOCK_DEFAULT_MINUTES)
        low, high = IDLE_LOCK_RANGE_MINUTES
        return value if low <= value <= high else IDLE_LOCK_DEFAULT_MINUTES

    @idle_lock_minutes.setter
    def idle_lock_minutes(self, value: int) -> None:
        if not IDLE_LOCK_RANGE_MINUTES[0] <= int(value) <= IDLE_LOCK_RANGE_MINUTES[1]:
            raise ValueError(f"idle_lock_minutes must be within {IDLE_LOCK_RANGE_MINUTES}")
        self._set("idle_lock_minutes", int(value))

    @property
    def require_disk_encryption(self) -> bool:
        """Stop at start when the data folder's disk is not encrypted (app/disk_encryption.py); set in
        desk.ini by the IT person, default on for Windows desks."""
        from app.disk_encryption import default_required

        return self._get_bool("require_disk_encryption", default_required())

    @require_disk_encryption.setter
    def require_disk_encryption(self, value: bool) -> None:
        self._set("require_disk_encryption", bool(value))


def check_database_url(text: str) -> None:
    """Raise ValidationError unless `text` is empty or a password-free PostgreSQL/SQLite URL."""
    text = text.strip()
    if not text:
        return
    try:
        url = make_url(text)
    except ArgumentError:
        raise ValidationError(
            "Databas-URL:en går inte att tolka. Exempel: postgresql://kassa@server/reception",
            field="database_url",
        ) from None
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise ValidationError(
            "Databas-URL:en måste gälla PostgreSQL (postgresql://…) eller SQLite (sqlite:///…).",
            field="database_url",
        )
    if url.password:
        raise ValidationError(
            "Skriv inte lösenordet i databas-URL:en – det sparas i datorns nyckelring.",
            field="database_url",
        )


ListPorts = Callable[[], Sequence[ListPortInfo]]
ListPrinters = Callable[[], Sequence[str]]

_READER_CHOICES = (("Ingen", "none"), ("Seriell (COM-port)", "serial"), ("Tangentbordsemulerande", "wedge"))
_FRAMING_CHOICES = (("Radslut (ASCII)", "line"), ("RFID 125 kHz (RDM6300)", "rdm6300"))
_COUNTRY_CHOICES = (("Sverige", "SE"), ("Norge", "NO"), ("Finland", "FI"))

DATABASE_NOTE = (
    "Lämna tomt för den lokala databasen på den här datorn. "
    "Lösenordet skrivs aldrig här – det sparas i datorns nyckelring."
)
PORT_MISSING_NOTE = "Porten finns inte på datorn just nu."


def _fill_choices(combo: QComboBox, choices: Sequence[tuple[str, str]]) -> None:
    for text, value in choices:
        combo.addItem(text, value)


def _select_data(combo: QComboBox, value: str) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))


class DeskSettingsDialog(QDialog):
    """Inställningar för den här datorn. Writes to `settings` only on OK."""

    def __init__(
        self,
        settings: DeskSettings,
        parent: QWidget | None = None,
        *,
        list_ports: ListPorts | None = None,
        list_printers: ListPrinters | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._list_ports = list_ports or serial_list_ports.comports
        self._list_printers = list_printers or available_printers
        self._port_descriptions: dict[str, str] = {}
        self.setWindowTitle("Inställningar för den här datorn")

        self.reader_type_combo = QComboBox()
        _fill_choices(self.reader_type_combo, _READER_CHOICES)

        self.port_combo = QComboBox()
        self.port_combo.setEditable(True)
        self.port_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.refresh_ports_button = QPushButton("&Uppdatera")
        self.refresh_ports_button.setToolTip("Läs om listan över portar på datorn")
        self.port_note = QLabel()
        self.port_note.setWordWrap(True)

        self.baud_combo = QComboBox()
        self.baud_combo.setEditable(True)
        self.baud_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for rate in COMMON_BAUD_RATES:
            self.baud_combo.addItem(str(rate))
        self.baud_combo.setValidator(QIntValidator(1, 4_000_000, self.baud_combo))

        self.framing_combo = QComboBox()
        _fill_choices(self.framing_combo, _FRAMING_CHOICES)

        self.camera_spin = QSpinBox()
        self.camera_spin.setRange(-1, MAX_CAMERA_INDEX)
        self.camera_spin.setSpecialValueText("Ingen kamera")

        self.country_combo = QComboBox()
        _fill_choices(self.country_combo, _COUNTRY_CHOICES)

        self.till_check = QCheckBox("Sälj via kassan på den här datorn")
        self.desk_name_edit = QLineEdit()
        self.receipt_printer_combo = QComboBox()
        self.receipt_printer_combo.setObjectName("receipt_printer_combo")
        self.receipt_printer_combo.setEditable(True)
        self.receipt_printer_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.receipt_printer_combo.lineEdit().setPlaceholderText("Datorns standardskrivare")
        self.receipt_printer_combo.setToolTip("Skrivaren som kvittona skrivs ut på; förvald i utskriftsdialogen")
        self.print_direct_check = QCheckBox("&Skriv ut kvitton direkt (utan utskriftsdialogen)")
        self.print_direct_check.setObjectName("print_direct_check")
        self.print_direct_check.setToolTip("Efter betalningen skrivs kvittot ut på kvittoskrivaren utan att fråga")

        self.database_url_edit = QLineEdit()
        self.database_password_edit = QLineEdit()
        self.database_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.database_password_edit.setPlaceholderText("Lämna tomt för att behålla det sparade lösenordet")
        self.card_digits_spin = QSpinBox()
        self.card_digits_spin.setObjectName("card_digits_spin")
        self.card_digits_spin.setRange(0, MAX_CARD_DIGITS)
        self.card_digits_spin.setSpecialValueText("Valfritt format")
        self.card_digits_spin.setSuffix(" siffror")
        self.card_digits_spin.setToolTip("Så många siffror ger kortläsaren (10 för 125 kHz-läsarna). Ett kortnummer "
                                         "med annat antal siffror godtas inte i registreringen.")
        self.photo_cache_spin = QSpinBox()
        self.photo_cache_spin.setRange(*PHOTO_CACHE_RANGE_MB)
        self.photo_cache_spin.setSingleStep(100)
        self.photo_cache_spin.setSuffix(" MB")
        self.photo_cache_spin.setToolTip("Hur mycket plats kundfotona får ta i den lokala kopian av en delad databas")
        self.idle_lock_spin = QSpinBox()
        self.idle_lock_spin.setObjectName("idle_lock_spin")
        self.idle_lock_spin.setRange(*IDLE_LOCK_RANGE_MINUTES)
        self.idle_lock_spin.setSpecialValueText("Aldrig")
        self.idle_lock_spin.setSuffix(" minuter")
        self.idle_lock_spin.setToolTip("En delad kassadator låser sig efter så här lång tid utan tangentbord eller mus; "
                                       "nästa person loggar in igen. Ett öppet guidefönster behåller det som skrivits.")
        database_note = QLabel(DATABASE_NOTE)
        database_note.setWordWrap(True)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(tone_style("error"))
        self.error_label.hide()

        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.button_box.button(QDialogButtonBox.StandardButton.Ok).setText("OK")
        self.button_box.button(QDialogButtonBox.StandardButton.Cancel).setText("Avbryt")
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)

        port_row = QHBoxLayout()
        port_row.addWidget(self.port_combo, 1)
        port_row.addWidget(self.refresh_ports_button)

        form = QFormLayout()
        self._add_row(form, "&Kortläsare", self.reader_type_combo)
        self._add_row(form, "&Port", self.port_combo, port_row)
        form.addRow("", self.port_note)
        self._add_row(form, "&Hastighet (baud)", self.baud_combo)
        self._add_row(form, "&Ramformat", self.framing_combo)
        self._add_row(form, "Kortnumrets län&gd", self.card_digits_spin)
        self._add_row(form, "Kam&era", self.camera_spin)
        self._add_row(form, "Förvalt &land", self.country_combo)
        self._add_row(form, "Kassak&oppling", self.till_check)
        self._add_row(form, "Kassans &namn", self.desk_name_edit)
        self._add_row(form, "K&vittoskrivare", self.receipt_printer_combo)
        form.addRow("", self.print_direct_check)
        self._add_row(form, "Lås efter &inaktivitet", self.idle_lock_spin)
        self._add_row(form, "&Databas-URL", self.database_url_edit)
        self._add_row(form, "Databas&lösenord", self.database_password_edit)
        form.addRow("", database_note)
        self._add_row(form, "&Foton i lokala kopian", self.photo_cache_spin)

        # The fields scroll when the screen is small (a laptop at 150 %: 853×533); the buttons stay in view.
        fields = QWidget()
        fields.setLayout(form)
        scroll = QScrollArea()
        scroll.setObjectName("desk_settings_fields")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(fields)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.button_box)

        self.reader_type_combo.currentIndexChanged.connect(self._update_enabled)
        self.till_check.toggled.connect(self._update_enabled)
        self.refresh_ports_button.clicked.connect(self.refresh_ports)
        self.port_combo.currentTextChanged.connect(self._update_port_note)

        self.load()

    @staticmethod
    def _add_row(form: QFormLayout, text: str, field: QWidget, layout: QHBoxLayout | None = None) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        if layout is None:
            form.addRow(label, field)
        else:
            form.addRow(label, layout)

    # -- load / check / save -------------------------------------------------

    def load(self) -> None:
        s = self._settings
        _select_data(self.reader_type_combo, s.reader_type)
        self.refresh_ports()
        self.port_combo.setCurrentText(s.serial_port)
        self.baud_combo.setCurrentText(str(s.baud_rate))
        _select_data(self.framing_combo, s.framing)
        self.card_digits_spin.setValue(s.card_number_digits)
        self.camera_spin.setValue(s.camera_index)
        _select_data(self.country_combo, s.default_country)
        self.till_check.setChecked(s.till_enabled)
        self.desk_name_edit.setText(s.desk_name)
        self.receipt_printer_combo.clear()
        self.receipt_printer_combo.addItems(list(self._list_printers()))
        self.receipt_printer_combo.setCurrentText(s.receipt_printer)
        self.print_direct_check.setChecked(s.print_receipts_directly)
        self.database_url_edit.setText(s.database_url)
        self.photo_cache_spin.setValue(s.photo_cache_mb)
        self.idle_lock_spin.setValue(s.idle_lock_minutes)
        self._update_enabled()
        self._update_port_note()

    def check(self) -> None:
        """Raise ValidationError (Swedish message, `field` = attribute name) for bad input."""
        if self.reader_type_combo.currentData() == "serial":
            if not self.port_combo.currentText().strip():
                raise ValidationError(
                    "Välj vilken port kortläsaren sitter på, eller välj en annan typ av kortläsare.",
                    field="port_combo",
                )
            baud = self.baud_combo.currentText().strip()
            if not baud.isdigit() or int(baud) <= 0:
                raise ValidationError(
                    "Ange hastigheten som ett heltal, t.ex. 9600.", field="baud_combo"
                )
        if self.till_check.isChecked() and not self.desk_name_edit.text().strip():
            raise ValidationError(
                "Ange kassans namn när kassakoppling är vald.", field="desk_name_edit"
            )
        if self.print_direct_check.isChecked() and self.till_check.isChecked():
            printer = self.receipt_printer_combo.currentText().strip()
            if not printer:
                raise ValidationError("Välj kvittoskrivaren som kvittona ska skrivas ut på direkt.",
                                      field="receipt_printer_combo")
            if printer not in self._list_printers():
                raise ValidationError(f"Skrivaren ”{printer}” finns inte på den här datorn. Välj en av datorns "
                                      "skrivare.", field="receipt_printer_combo")
        try:
            check_database_url(self.database_url_edit.text())
        except ValidationError as error:
            raise ValidationError(error.message, field="database_url_edit") from None
        if self.database_password_edit.text() and not self.database_url_edit.text().strip():
            raise ValidationError("Lösenordet hör till en delad databas: ange databas-URL:en också.",
                                  field="database_password_edit")

    def store_password(self) -> None:
        """The password goes to the OS keyring (app.secrets), never to this PC's settings file."""
        password = self.database_password_edit.text()
        if not password:
            return
        from app.secrets import store_database_password

        try:
            store_database_password(self.database_url_edit.text().strip(), password)
        except Exception as err:  # no keyring backend on this PC
            raise ValidationError(
                "Lösenordet kunde inte sparas i datorns nyckelring "
                f"({type(err).__name__}). Be IT installera en nyckelring eller använd en databas utan lösenord.",
                field="database_password_edit") from None

    def save(self) -> None:
        s = self._settings
        s.reader_type = self.reader_type_combo.currentData()
        s.serial_port = self.port_combo.currentText()
        baud = self.baud_combo.currentText().strip()
        if baud.isdigit() and int(baud) > 0:
            s.baud_rate = int(baud)
        s.framing = self.framing_combo.currentData()
        s.card_number_digits = self.card_digits_spin.value()
        s.camera_index = self.camera_spin.value()
        s.default_country = self.country_combo.currentData()
        s.till_enabled = self.till_check.isChecked()
        s.desk_name = self.desk_name_edit.text()
        s.receipt_printer = self.receipt_printer_combo.currentText()
        s.print_receipts_directly = self.print_direct_check.isChecked()
        s.database_url = self.database_url_edit.text()
        s.photo_cache_mb = self.photo_cache_spin.value()
        s.idle_lock_minutes = self.idle_lock_spin.value()
        s.sync()

    @Slot()
    def accept(self) -> None:
        try:
            self.check()
            self.store_password()
        except ValidationError as error:
            self.show_error(error)
            return
        self.save()
        super().accept()

    def show_error(self, error: ValidationError) -> None:
        self.error_label.setText(error.message)
        self.error_label.show()
        field = getattr(self, error.field, None) if error.field else None
        if isinstance(field, QWidget):
            field.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- ports ---------------------------------------------------------------

    @Slot()
    def refresh_ports(self) -> None:
        """List the serial ports on this PC again, keeping what is typed."""
        current = self.port_combo.currentText()
        try:
            ports = sorted(self._list_ports(), key=lambda p: p.device)
        except OSError as exc:
            log.warning("Listing serial ports failed: %s", exc)
            ports = []
        self._port_descriptions = {p.device: p.description or "" for p in ports}
        self.port_combo.blockSignals(True)
        self.port_combo.clear()
        for port in ports:
            self.port_combo.addItem(port.device)
            self.port_combo.setItemData(
                self.port_combo.count() - 1, port.description, Qt.ItemDataRole.ToolTipRole
            )
        self.port_combo.setCurrentText(current)
        self.port_combo.blockSignals(False)
        self._update_port_note()

    @property
    def listed_ports(self) -> list[str]:
        return [self.port_combo.itemText(i) for i in range(self.port_combo.count())]

    def _update_port_note(self) -> None:
        port = self.port_combo.currentText().strip()
        if not port or self.reader_type_combo.currentData() != "serial":
            self.port_note.clear()
        elif port in self._port_descriptions:
            description = self._port_descriptions[port]
            self.port_note.setText(description if description != "n/a" else "")
        elif "://" in port:
            self.port_note.clear()
        else:
            self.port_note.setText(PORT_MISSING_NOTE)

    def _update_enabled(self) -> None:
        serial = self.reader_type_combo.currentData() == "serial"
        for widget in (self.port_combo, self.refresh_ports_button, self.baud_combo, self.framing_combo):
            widget.setEnabled(serial)
        self.desk_name_edit.setEnabled(self.till_check.isChecked())
        for widget in (self.receipt_printer_combo, self.print_direct_check):
            widget.setEnabled(self.till_check.isChecked())
        self._update_port_note()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        settings: DeskSettings,
        *,
        list_ports: ListPorts | None = None,
        list_printers: ListPrinters | None = None,
    ) -> bool:
        """Show the dialog modally; True when the receptionist saved with OK."""
        dialog = cls(settings, parent, list_ports=list_ports, list_printers=list_printers)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
