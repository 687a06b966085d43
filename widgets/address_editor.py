"""The address editor used for Adress and Fakturaadress, with postal-code lookup.

Leaving the Postnummer field (Tab, a click elsewhere, Enter) looks the code up
(rules in app/postal.py): the town is suggested in Ort and a Norwegian 4-digit
code switches Land to Norge. Picking another Land looks the code up again in
that country's list.

The town is a suggestion, never a blocker. Ort is filled only when it is empty
or still holds the town the lookup put there; a town the receptionist typed
is left alone. When the code becomes unknown, an auto-filled town is cleared
(it belonged to the old code); a typed one stays.

Also here: `update_postal_codes_from_file`, the action behind
"Hjälp > Uppdatera postnummer".
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QFormLayout, QLineEdit, QMessageBox, QWidget

from app.errors import UserError
from app.postal import PostalCodes, format_postal_code, install_update, normalise_postal_code
from widgets.input_rules import limit

COUNTRY_NAMES = {"SE": "Sverige", "NO": "Norge", "FI": "Finland"}


class AddressEditor(QWidget):
    """Gatuadress, c/o, Postnummer, Ort and Land, as one reusable form."""

    changed = Signal()

    def __init__(self, postal: PostalCodes, default_country: str, parent: QWidget | None = None) -> None:
        if default_country not in COUNTRY_NAMES:
            raise ValueError(f"unsupported default country {default_country!r}")
        super().__init__(parent)
        self._postal = postal
        self._default_country = default_country
        # The town the last lookup wrote into Ort; None when Ort holds the user's own text.
        self._auto_town: str | None = None

        self.street = QLineEdit(self)
        self.street.setObjectName("street")
        self.co = QLineEdit(self)
        self.co.setObjectName("co")
        self.postal_code = QLineEdit(self)
        self.postal_code.setObjectName("postal_code")
        self.town = QLineEdit(self)
        self.town.setObjectName("town")
        for name in ("street", "co", "postal_code", "town"):
            limit(getattr(self, name), name)  # the model column's length, one declaration
        self.country = QComboBox(self)
        self.country.setObjectName("country")
        for code, name in COUNTRY_NAMES.items():
            self.country.addItem(name, code)
        self._select_country(default_country)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        # addRow with a text makes the label the field's buddy, so the mnemonics work.
        form.addRow("&Gatuadress", self.street)
        form.addRow("&c/o", self.co)
        form.addRow("&Postnummer", self.postal_code)
        form.addRow("O&rt", self.town)
        form.addRow("&Land", self.country)
        QWidget.setTabOrder(self.street, self.co)
        QWidget.setTabOrder(self.co, self.postal_code)
        QWidget.setTabOrder(self.postal_code, self.town)
        QWidget.setTabOrder(self.town, self.country)

        self.postal_code.editingFinished.connect(self._postal_code_left)
        self.country.activated.connect(self._country_picked)
        self.town.textEdited.connect(self._town_edited)
        # Forwarded signal to signal, so the emission happens inside Qt.
        for edit in (self.street, self.co, self.postal_code, self.town):
            edit.textChanged.connect(self.changed)
        self.country.currentIndexChanged.connect(self.changed)

    # --- public API -------------------------------------------------------

    def value(self) -> dict[str, str]:
        """{'street', 'co', 'postal_code', 'town', 'country'}; the code in stored form ('11455')."""
        country = self.current_country()
        return {
            "street": self.street.text().strip(),
            "co": self.co.text().strip(),
            "postal_code": normalise_postal_code(self.postal_code.text(), country),
            "town": self.town.text().strip(),
            "country": country,
        }

    def set_value(self, address: dict[str, str]) -> None:
        """Show a stored address. Missing keys are empty; a missing country is the desk default.

        Loading emits `changed` once and never rewrites the stored town or country.
        """
        country = address.get("country") or self._default_country
        if country not in COUNTRY_NAMES:
            raise ValueError(f"unsupported country {country!r}")
        self.blockSignals(True)
        try:
            self.street.setText(address.get("street", ""))
            self.co.setText(address.get("co", ""))
            self._select_country(country)
            self.postal_code.setText(format_postal_code(address.get("postal_code", ""), country))
            town = address.get("town", "")
            self.town.setText(town)
            # A stored town that is what the list says for the stored code counts as
            # a suggestion, so correcting the code later also corrects the town.
            suggested = self._postal.lookup(address.get("postal_code", ""), country)
            matches = bool(town) and suggested.town == town.strip() and suggested.country == country
            self._auto_town = town.strip() if matches else None
        finally:
            self.blockSignals(False)
        self.changed.emit()

    def current_country(self) -> str:
        return self.country.currentData()

    # --- lookup -----------------------------------------------------------

    def _postal_code_left(self) -> None:
        self._apply_lookup(follow_country=True)

    def _country_picked(self, _index: int) -> None:
        # The receptionist chose the country: look up in that list, never switch it back.
        self._apply_lookup(follow_country=False)

    def _apply_lookup(self, *, follow_country: bool) -> None:
        text = self.postal_code.text()
        chosen = self.current_country()
        result = self._postal.lookup(text, chosen, default_country=self._default_country)
        town = result.town
        if follow_country and result.country != chosen:
            self._select_country(result.country)
        elif result.country != chosen:
            town = None
        country = self.current_country()
        formatted = format_postal_code(text, country)
        if formatted != text:
            self.postal_code.setText(formatted)
        if self._town_is_ours():
            self._auto_town = town
            if self.town.text() != (town or ""):
                self.town.setText(town or "")

    def _town_is_ours(self) -> bool:
        current = self.town.text().strip()
        return not current or current == self._auto_town

    def _town_edited(self, _text: str) -> None:
        # Typed by the receptionist: from now on the town is theirs (until they empty it).
        self._auto_town = None

    def _select_country(self, code: str) -> None:
        self.country.setCurrentIndex(self.country.findData(code))


def _choose_file(parent: QWidget | None) -> str | None:
    path, _filter = QFileDialog.getOpenFileName(
        parent,
        "Uppdatera postnummer",
        "",
        "Postnummerlistor (*.json.gz *.json);;Alla filer (*)",
    )
    return path or None


def update_postal_codes_from_file(
    parent: QWidget | None,
    postal: PostalCodes,
    user_data_dir: Path | str,
    *,
    choose_file: Callable[[QWidget | None], str | None] = _choose_file,
    message_box: type[QMessageBox] = QMessageBox,
) -> dict[str, int] | None:
    """"Uppdatera postnummer": ask for a file, install it, reload the lists, say how it went.

    Returns the counts per country, or None when the receptionist cancelled or
    the file was refused (the old list stays in use). `choose_file` and
    `message_box` (anything with QMessageBox's static information/warning)
    are parameters so tests can drive them.
    """
    path = choose_file(parent)
    if not path:
        return None
    try:
        counts = install_update(path, user_data_dir)
    except UserError as error:
        message_box.warning(parent, error.title, error.message)
        return None
    postal.reload(user_data_dir)

    def n(count: int) -> str:
        return f"{count:,}".replace(",", " ")

    message_box.information(
        parent,
        "Uppdatera postnummer",
        "Postnumren är uppdaterade: "
        f"{n(counts['SE'])} svenska, {n(counts['NO'])} norska och {n(counts['FI'])} finska.",
    )
    return counts
