"""Inställningar > Produkter och prislistor…: price lists (and the customer types they serve), and
products with their prices per list and, for a main subscription, the add-ons per routine
(valbart / obligatoriskt / ej valbart). Prices are typed and shown in kronor, kept in öre.

Each Spara is one audited routine (app.routines.catalog_admin); a refused value is shown at its
field and nothing is written. A price change applies to what is sold from now on: subscriptions
keep the price they were sold at (docs/decisions/product-prices.md).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QSpinBox,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from app.domain.money import format_sek, parse_sek
from app.errors import UserError, ValidationError
from app.queries.admin import PriceListRow, ProductDetail, price_list_rows, product_choices, product_detail
from app.routines.catalog_admin import (CUSTOMER_TYPE_NAMES, AddonAvailability, ListPrice, PriceListCommand,
                                        ProductCommand, SavePriceList, SaveProduct)
from widgets.field_messages import make_error_label, set_message
from widgets.tones import set_muted

KIND_NAMES = {"huvud": "Huvudabonnemang", "tillagg": "Tilläggsprodukt", "vara": "Vara", "vardekort": "Värdekort"}
PAYMENT_NAMES = {"AG": "Autogiro (AG)", "kontant": "Kontant", None: "– (betalas direkt)"}
VAT_NAMES = {0: "0 %", 600: "6 %", 1200: "12 %", 2500: "25 %"}
ROUTINE_NAMES = {"registrering": "Registrera ny kund", "teckna": "Teckna abonnemang",
                 "organisation": "Organisationskund", "uthamtning": "Hämta ut onlineköp",
                 "overlatelse": "Överlåt", "medlemskort": "Nytt medlemskort"}
AVAILABILITY_NAMES = {"ej_valbart": "Ej valbart", "valbart": "Valbart", "obligatoriskt": "Obligatoriskt"}


def _table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _combo(names: dict) -> QComboBox:
    combo = QComboBox()
    for value, label in names.items():
        combo.addItem(label, value)
    return combo


def _set(combo: QComboBox, value) -> None:
    combo.setCurrentIndex(max(0, combo.findData(value)))


# --------------------------------------------------------------------------
# The product editor
# --------------------------------------------------------------------------


class ProductEditor(QDialog):
    """One product: attributes, price per list, add-ons per routine (main subscriptions only)."""

    def __init__(self, services, product_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.product_id = product_id
        with services.core.sessions() as session:
            self.detail: ProductDetail | None = (product_detail(session, services.actor, product_id)
                                                 if product_id else None)
            self.lists = price_list_rows(session, services.actor)
            self.candidates = [p for p in product_choices(session, services.actor)
                               if p.kind in ("tillagg", "vara") and p.id != product_id]
        self.setWindowTitle(f"Produkt – {self.detail.name}" if self.detail else "Ny produkt")
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        self.code = QLineEdit()
        self.name = QLineEdit()
        self.kind = _combo(KIND_NAMES)
        self.payment = _combo(PAYMENT_NAMES)
        self.price = QLineEdit()
        self.price.setPlaceholderText("t.ex. 399,00")
        self.interval = self._spin()
        self.validity = self._spin()
        self.binding = self._spin()
        self.notice = self._spin()
        self.vat = _combo(VAT_NAMES)
        self.transfer = QCheckBox("Tillåt överlåtelse (bara kontantabonnemang)")
        self.membership_card = QCheckBox("Medlemskortsprodukt (säljs i Nytt medlemskort)")
        self.active = QCheckBox("Aktiv (kan säljas)")
        rows = [("code", "&Kod", self.code, ""), ("name", "&Namn", self.name, ""),
                ("kind", "&Typ", self.kind, ""), ("payment", "&Betalning", self.payment, ""),
                ("price_ore", "&Pris per debiteringsintervall", self.price, "kr"),
                ("interval_months", "Debiterings&intervall", self.interval, "månader"),
                ("validity_months", "&Giltighetstid (kontant)", self.validity, "månader"),
                ("binding_months", "Bin&dningstid", self.binding, "månader"),
                ("notice_months", "&Uppsägningstid", self.notice, "månader"),
                ("vat_basis_points", "&Moms", self.vat, "")]
        for field, title, widget, unit in rows:
            widget.setObjectName(field)
            holder = QWidget()
            line = QHBoxLayout(holder)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(widget)
            if unit:
                line.addWidget(QLabel(unit))
            line.addStretch(1)
            label = QLabel(title)
            label.setBuddy(widget)
            form.addRow(label, holder)
            error = make_error_label(self)
            form.addRow("", error)
            self.errors[field] = error
        for field, box in (("transfer_allowed", self.transfer), ("is_membership_card", self.membership_card),
                           ("active", self.active)):
            box.setObjectName(field)
            form.addRow("", box)
            error = make_error_label(self)
            form.addRow("", error)
            self.errors[field] = error

        # Price per list
        self.list_table = QTableWidget(len(self.lists), 2)
        self.list_table.setHorizontalHeaderLabels(["Prislista", "Pris (kr)"])
        self.list_table.verticalHeader().hide()
        self.list_table.horizontalHeader().setStretchLastSection(True)
        self.list_checks: dict[int, QCheckBox] = {}
        self.list_prices: dict[int, QLineEdit] = {}
        for i, pl in enumerate(self.lists):
            types = ", ".join(CUSTOMER_TYPE_NAMES[t] for t in pl.customer_types)
            check = QCheckBox(f"{pl.name} ({types})" if types else pl.name)
            price = QLineEdit()
            price.setPlaceholderText("tomt = baspriset")
            self.list_table.setCellWidget(i, 0, check)
            self.list_table.setCellWidget(i, 1, price)
            self.list_checks[pl.id], self.list_prices[pl.id] = check, price
            check.toggled.connect(price.setEnabled)
        self.list_table.setColumnWidth(0, 300)
        self.list_table.setMinimumHeight(40 + 30 * min(len(self.lists), 4))
        lists_box = QGroupBox("Prislistor (priset på listan gäller för nya köp)")
        QVBoxLayout(lists_box).addWidget(self.list_table)
        self.errors["list_prices"] = make_error_label(self)
        lists_box.layout().addWidget(self.errors["list_prices"])

        # Add-ons per routine
        routines = list(ROUTINE_NAMES)
        self.addon_table = QTableWidget(len(self.candidates), len(routines) + 1)
        self.addon_table.setHorizontalHeaderLabels(["Tillägg", *ROUTINE_NAMES.values()])
        self.addon_table.verticalHeader().hide()
        self.addon_combos: dict[tuple[int, str], QComboBox] = {}
        for i, addon in enumerate(self.candidates):
            self.addon_table.setItem(i, 0, QTableWidgetItem(addon.name if addon.active else f"{addon.name} (inaktiv)"))
            for j, routine in enumerate(routines, start=1):
                combo = _combo(AVAILABILITY_NAMES)
                self.addon_table.setCellWidget(i, j, combo)
                self.addon_combos[(addon.id, routine)] = combo
        self.addon_table.resizeColumnsToContents()
        self.addon_table.setMinimumHeight(40 + 30 * min(len(self.candidates), 4))
        self.addons_box = QGroupBox("Tilläggsprodukter till huvudabonnemanget, per kundrutin")
        QVBoxLayout(self.addons_box).addWidget(self.addon_table)
        self.errors["addons"] = make_error_label(self)
        self.addons_box.layout().addWidget(self.errors["addons"])

        self.message = make_error_label(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Spara")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Avbryt")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(form)
        body_layout.addWidget(lists_box)
        body_layout.addWidget(self.addons_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.payment.currentIndexChanged.connect(self._kind_changed)
        self._fill()
        self.resize(860, 760)

    @property
    def save_button(self):
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    @staticmethod
    def _spin() -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(0, 999)  # wider than the rules (0–120), so the routine's reason is what is shown
        return spin

    def _fill(self) -> None:
        d = self.detail
        if d is None:
            _set(self.kind, "huvud")
            _set(self.payment, "AG")
            self.interval.setValue(1)
            _set(self.vat, 600)
            self.active.setChecked(True)
            for check in self.list_checks.values():
                check.setChecked(False)
            for price in self.list_prices.values():
                price.setEnabled(False)
        else:
            self.code.setText(d.code)
            self.name.setText(d.name)
            _set(self.kind, d.kind)
            _set(self.payment, d.payment)
            self.price.setText(format_sek(d.price_ore, unit=False))
            self.interval.setValue(d.interval_months)
            self.validity.setValue(d.validity_months or 0)
            self.binding.setValue(d.binding_months)
            self.notice.setValue(d.notice_months)
            _set(self.vat, d.vat_basis_points)
            self.transfer.setChecked(d.transfer_allowed)
            self.membership_card.setChecked(d.is_membership_card)
            self.active.setChecked(d.active)
            for pl_id, check in self.list_checks.items():
                check.setChecked(pl_id in d.list_prices)
                self.list_prices[pl_id].setEnabled(pl_id in d.list_prices)
                if pl_id in d.list_prices:
                    self.list_prices[pl_id].setText(format_sek(d.list_prices[pl_id], unit=False))
            for key, combo in self.addon_combos.items():
                _set(combo, d.addons.get(key, "ej_valbart"))
        self._kind_changed()

    def _kind_changed(self) -> None:
        self.addons_box.setVisible(self.kind.currentData() == "huvud")
        self.validity.setEnabled(self.payment.currentData() == "kontant")

    def _money(self, edit: QLineEdit, field: str) -> int:
        try:
            return parse_sek(edit.text())
        except ValidationError as err:
            raise ValidationError(err.message, field=field) from None

    def command(self) -> ProductCommand:
        list_prices = []
        for pl in self.lists:
            if self.list_checks[pl.id].isChecked():
                text = self.list_prices[pl.id].text().strip() or self.price.text()
                try:
                    list_prices.append(ListPrice(pl.id, parse_sek(text)))
                except ValidationError as err:
                    raise ValidationError(f"{pl.name}: {err.message}", field="list_prices") from None
        addons = tuple(AddonAvailability(addon_id, routine, combo.currentData())
                       for (addon_id, routine), combo in self.addon_combos.items()
                       if combo.currentData() != "ej_valbart") if self.kind.currentData() == "huvud" else ()
        payment = self.payment.currentData()
        return ProductCommand(
            self.product_id, self.code.text(), self.name.text(), self.kind.currentData(), payment,
            self._money(self.price, "price_ore"), self.interval.value(),
            self.validity.value() if payment == "kontant" else None, self.binding.value(), self.notice.value(),
            self.vat.currentData(), self.transfer.isChecked(), self.membership_card.isChecked(),
            self.active.isChecked(), tuple(list_prices), addons)

    def save(self) -> None:
        for label in (*self.errors.values(), self.message):
            set_message(label, None)
        try:
            self.saved_id = SaveProduct(self.services.core).execute(self.command(), self.services.actor)
        except UserError as err:
            set_message(self.errors.get(err.field or "", self.message), err.message)
            return
        self.accept()


# --------------------------------------------------------------------------
# The dialog with both tabs
# --------------------------------------------------------------------------


class ProductsDialog(QDialog):
    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Produkter och prislistor")
        self.editor: ProductEditor | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._lists_tab(), "&Prislistor")
        self.tabs.addTab(self._products_tab(), "P&rodukter")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("&Stäng")
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        self.resize(900, 600)
        self.reload()

    # -- price lists ------------------------------------------------------------
    def _lists_tab(self) -> QWidget:
        tab = QWidget()
        self.list_table = _table(["Prislista", "Gäller kundtyp", "Produkter"])
        self.list_table.setColumnWidth(0, 260)
        self.list_table.setColumnWidth(1, 260)
        self.list_table.itemSelectionChanged.connect(self._list_selected)
        self.list_name = QLineEdit()
        self.list_name.setObjectName("name")
        self.type_checks = {t: QCheckBox(n) for t, n in CUSTOMER_TYPE_NAMES.items()}
        self.list_name_error = make_error_label(self)
        self.list_types_error = make_error_label(self)
        self.new_list_button = QPushButton("&Ny prislista")
        self.save_list_button = QPushButton("Spara &prislista")
        self.new_list_button.clicked.connect(self.new_list)
        self.save_list_button.clicked.connect(self.save_list)
        form = QFormLayout()
        name_label = QLabel("&Namn")
        name_label.setBuddy(self.list_name)
        form.addRow(name_label, self.list_name)
        form.addRow("", self.list_name_error)
        types = QWidget()
        types_row = QHBoxLayout(types)
        types_row.setContentsMargins(0, 0, 0, 0)
        for box in self.type_checks.values():
            types_row.addWidget(box)
        types_row.addStretch(1)
        form.addRow("Gäller kundtyp", types)
        form.addRow("", self.list_types_error)
        help_label = QLabel("Varje kundtyp köper från en prislista; Ordinarie måste ha en. Vilka produkter "
                            "som finns på listan och till vilket pris väljs på produkten (fliken Produkter).")
        help_label.setWordWrap(True)
        set_muted(help_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_list_button)
        buttons.addWidget(self.save_list_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.list_table, 1)
        layout.addLayout(form)
        layout.addWidget(help_label)
        layout.addLayout(buttons)
        return tab

    def selected_list(self) -> PriceListRow | None:
        rows = self.list_table.selectionModel().selectedRows()
        return self.lists[rows[0].row()] if rows else None

    def select_list(self, name: str) -> None:
        for i, row in enumerate(self.lists):
            if row.name == name:
                self.list_table.selectRow(i)

    def _list_selected(self) -> None:
        row = self.selected_list()
        if row is None:
            return
        self.list_name.setText(row.name)
        for t, box in self.type_checks.items():
            box.setChecked(t in row.customer_types)

    def new_list(self) -> None:
        self.list_table.clearSelection()
        self.list_name.clear()
        for box in self.type_checks.values():
            box.setChecked(False)
        self.list_name.setFocus()

    def save_list(self) -> None:
        set_message(self.list_name_error, None)
        set_message(self.list_types_error, None)
        row = self.selected_list()
        command = PriceListCommand(row.id if row else None, self.list_name.text(),
                                   tuple(t for t, box in self.type_checks.items() if box.isChecked()))
        try:
            SavePriceList(self.services.core).execute(command, self.services.actor)
        except UserError as err:
            set_message(self.list_name_error if err.field == "name" else self.list_types_error, err.message)
            return
        name = " ".join(self.list_name.text().split())
        self.reload()
        self.select_list(name)

    # -- products -----------------------------------------------------------------
    def _products_tab(self) -> QWidget:
        tab = QWidget()
        self.product_table = _table(["Kod", "Namn", "Typ", "Betalning", "Pris", "Intervall", "Status"])
        for column, width in enumerate((100, 200, 130, 130, 100, 70)):
            self.product_table.setColumnWidth(column, width)
        self.product_table.doubleClicked.connect(lambda _index: self.edit_product())
        self.new_product_button = QPushButton("&Ny produkt…")
        self.edit_product_button = QPushButton("Ä&ndra…")
        self.new_product_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_product_button.clicked.connect(self.edit_product)
        self.product_table.itemSelectionChanged.connect(
            lambda: self.edit_product_button.setEnabled(bool(self.product_table.selectionModel().selectedRows())))
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_product_button)
        buttons.addWidget(self.edit_product_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.product_table, 1)
        layout.addLayout(buttons)
        return tab

    def select_product(self, name: str) -> None:
        for i, p in enumerate(self.products):
            if p.name == name:
                self.product_table.selectRow(i)

    def edit_product(self) -> None:
        rows = self.product_table.selectionModel().selectedRows()
        if rows:
            self.open_editor(self.products[rows[0].row()].id)

    def open_editor(self, product_id: int | None) -> None:
        self.editor = ProductEditor(self.services, product_id, self)
        self.editor.accepted.connect(self.reload)
        self.editor.open()

    # -- both ---------------------------------------------------------------------
    def reload(self) -> None:
        with self.services.core.sessions() as session:
            actor = self.services.actor
            self.lists = price_list_rows(session, actor)
            self.products = [product_detail(session, actor, p.id) for p in product_choices(session, actor)]
        self.list_table.setRowCount(len(self.lists))
        for i, row in enumerate(self.lists):
            types = ", ".join(CUSTOMER_TYPE_NAMES[t] for t in row.customer_types) or "–"
            for j, text in enumerate((row.name, types, str(row.products))):
                self.list_table.setItem(i, j, QTableWidgetItem(text))
        self.product_table.setRowCount(len(self.products))
        for i, p in enumerate(self.products):
            interval = f"{p.interval_months} mån" if p.payment is not None else "–"
            cells = (p.code, p.name, KIND_NAMES.get(p.kind, p.kind), PAYMENT_NAMES.get(p.payment, ""),
                     format_sek(p.price_ore), interval, "Aktiv" if p.active else "Inaktiv")
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.product_table.setItem(i, j, item)
        self.edit_product_button.setEnabled(bool(self.product_table.selectionModel().selectedRows()))
