"""Produkter (SPEC §5): the main subscription from the applicable price list and its add-ons.

A price summary is always visible at the top (first payment today, monthly
autogiro amount, binding period); it is the registration routine's own
``preview`` of the choice, so the page and Slutför can never disagree. For a
pickup (flow 5) the price adjustments of a customer who could not prove the
purchased type are listed with their total. Mandatory add-ons are ticked and
locked ("obligatoriskt"); add-ons bought online are locked as "betald online".

The page asks its wizard (duck-typed, so organisation flows can host it too):

* ``wizard.product_offer() -> ProductOffer`` — the list and products to offer;
* ``wizard.preview_products(choice: ProductChoice) -> RegistrationPreview``.

``MembershipCardProductPage`` is flow 6's simpler variant: the membership-card products.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QFrame, QGroupBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout)

from app.domain.money import format_sek
from app.errors import UserError
from app.queries.catalog import AddonRow, ProductRow
from app.routines.register import RegistrationPreview
from app.routines.registration_data import ProductChoice
from widgets.services import UiServices
from wizards.base import PageId, ReceptionPage, set_message


@dataclass(frozen=True)
class ProductOffer:
    price_list_id: int
    price_list_name: str
    products: tuple[ProductRow, ...]
    addons: dict[int, tuple[AddonRow, ...]]          # per main product id
    prepaid_addon_ids: tuple[int, ...] = ()          # bought online: locked
    fixed_product_id: int | None = None              # pickup / pre-order: only this product
    note: str = ""
    extra: dict = field(default_factory=dict)


def product_text(p: ProductRow) -> str:
    if p.payment == "AG":
        per = "mån" if p.interval_months == 1 else f"{p.interval_months} mån"
        text = f"{p.name} – {format_sek(p.price_ore)}/{per}, autogiro"
    else:
        text = f"{p.name} – {format_sek(p.price_ore)} för {p.period_months} mån, kontant"
    if p.binding_months:
        text += f", bindningstid {p.binding_months} mån"
    return text


def addon_text(a: AddonRow, locked_reason: str | None) -> str:
    price = format_sek(a.price_ore) + ("/mån" if a.is_subscription and a.payment == "AG" else "")
    return f"{a.name}, {price}" + (f" ({locked_reason})" if locked_reason else "")


def summary_text(preview: RegistrationPreview) -> str:
    parts = [f"<b>Att betala idag: {format_sek(preview.total_ore)}</b>"]
    if preview.monthly_ore is not None:
        parts.append(f"Därefter per månad (autogiro): {format_sek(preview.monthly_ore)}")
    if preview.binding_months:
        until = f" (t.o.m. {preview.binding_end:%Y-%m-%d})" if preview.binding_end else ""
        parts.append(f"Bindningstid: {preview.binding_months} mån{until}")
    else:
        parts.append("Ingen bindningstid")
    parts.append(f"Start {preview.start_date:%Y-%m-%d}, debiterat t.o.m. {preview.charged_through:%Y-%m-%d}")
    return "<br>".join(parts)


class ProdukterPage(ReceptionPage):
    """The Produkter page; see the module text for what it asks its wizard."""

    def __init__(self, services: UiServices, *, title: str = "Produkter") -> None:
        super().__init__(services, title, "Välj huvudabonnemang och eventuella tillägg. Obligatoriska tillägg är "
                                          "förvalda.")
        self.offer: ProductOffer | None = None
        self.preview: RegistrationPreview | None = None
        self._addon_boxes: dict[int, QCheckBox] = {}
        self._filling = False

        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("price_summary")
        self.summary.setFrameShape(QFrame.Shape.StyledPanel)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setMargin(6)
        layout.addWidget(self.summary)
        self.adjustments = QLabel(self)
        self.adjustments.setObjectName("price_adjustments")
        self.adjustments.setTextFormat(Qt.TextFormat.RichText)
        self.adjustments.setWordWrap(True)
        self.adjustments.hide()
        layout.addWidget(self.adjustments)
        self.list_label = QLabel(self)
        layout.addWidget(self.list_label)
        self.products = QListWidget(self)
        self.products.setObjectName("products")
        self.list_label.setBuddy(self.products)
        layout.addWidget(self.products, 2)
        self.product_error = self.error_label("product_id", "start_date", "price_list", "online_purchase_id")
        layout.addWidget(self.product_error)
        self.addons_box = QGroupBox("Tillägg", self)
        self.addons_layout = QVBoxLayout(self.addons_box)
        layout.addWidget(self.addons_box, 1)
        self.addon_error = self.error_label("addon_ids")
        layout.addWidget(self.addon_error)
        self.products.currentRowChanged.connect(self._product_changed)
        self.watch(self.products)

    # -- public ---------------------------------------------------------------
    def selected_product(self) -> ProductRow | None:
        item = self.products.currentItem()
        if item is None or self.offer is None:
            return None
        pid = item.data(Qt.ItemDataRole.UserRole)
        return next((p for p in self.offer.products if p.id == pid), None)

    def choice(self) -> ProductChoice | None:
        product = self.selected_product()
        if product is None:
            return None
        return ProductChoice(product.id, tuple(pid for pid, box in self._addon_boxes.items() if box.isChecked()))

    def select_product(self, product_id: int) -> None:
        for row in range(self.products.count()):
            if self.products.item(row).data(Qt.ItemDataRole.UserRole) == product_id:
                self.products.setCurrentRow(row)
                return

    def addon_boxes(self) -> dict[int, QCheckBox]:
        return dict(self._addon_boxes)

    # -- behaviour --------------------------------------------------------------
    def enter_page(self, first: bool) -> None:
        keep = self.choice()
        try:
            self.offer = self.wizard().product_offer()
        except UserError as err:
            self.offer = None
            self.products.clear()
            self.show_error(err)
            self.completeChanged.emit()
            return
        offer = self.offer
        self.list_label.setText(f"&Huvudabonnemang ({offer.price_list_name})")
        self._filling = True
        self.products.clear()
        for p in offer.products:
            if offer.fixed_product_id is not None and p.id != offer.fixed_product_id:
                continue
            item = QListWidgetItem(product_text(p), self.products)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
        self._filling = False
        ids = [self.products.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.products.count())]
        wanted = keep.product_id if keep is not None and keep.product_id in ids else (
            ids[0] if len(ids) == 1 else None)
        if wanted is not None:
            self.select_product(wanted)
            self._product_changed(self.products.currentRow(), keep_addons=keep.addon_ids if keep else ())
        else:
            self.products.setCurrentRow(-1)
            self._product_changed(-1)
        if not ids:
            self.show_field_error("product_id", f"Det finns inga abonnemang på {offer.price_list_name}.")
        self.products.setFocus()

    def _product_changed(self, _row: int, keep_addons: tuple[int, ...] = ()) -> None:
        if self._filling:
            return
        previous = {pid for pid, box in self._addon_boxes.items() if box.isChecked()} | set(keep_addons)
        for box in self._addon_boxes.values():
            self.addons_layout.removeWidget(box)
            box.deleteLater()
        self._addon_boxes = {}
        product = self.selected_product()
        addons = self.offer.addons.get(product.id, ()) if (product and self.offer) else ()
        prepaid = set(self.offer.prepaid_addon_ids) if self.offer else set()
        for addon in addons:
            locked = "betald online" if addon.id in prepaid else ("obligatoriskt" if addon.mandatory else None)
            box = QCheckBox(addon_text(addon, locked), self.addons_box)
            box.setObjectName(f"addon_{addon.id}")
            box.setChecked(bool(locked) or addon.id in previous)
            box.setEnabled(locked is None)
            box.toggled.connect(self._refresh)
            self.watch(box)
            self.addons_layout.addWidget(box)
            self._addon_boxes[addon.id] = box
        self.addons_box.setVisible(bool(addons))
        self._refresh()

    def _refresh(self, *_args) -> None:
        self.clear_errors()
        choice = self.choice()
        self.preview = None
        if choice is None:
            self.summary.setText("<b>Att betala idag: –</b><br>Välj ett huvudabonnemang.")
            self.adjustments.hide()
        else:
            try:
                self.preview = self.wizard().preview_products(choice)
            except UserError as err:
                self.summary.setText("<b>Att betala idag: –</b>")
                self.adjustments.hide()
                self.show_error(err)
            else:
                self.summary.setText(summary_text(self.preview))
                adjustments = [li for li in self.preview.lines if li.kind == "prisjustering"]
                if adjustments:
                    rows = "".join(f"<li>{li.description}: {format_sek(li.amount_ore)}</li>" for li in adjustments)
                    warn = "".join(f"<p>{w}</p>" for w in self.preview.warnings)
                    self.adjustments.setText(f"{warn}<b>Prisjusteringar</b><ul>{rows}</ul>"
                                             f"<b>Summa prisjusteringar: "
                                             f"{format_sek(self.preview.adjustment_total_ore)}</b>")
                    self.adjustments.show()
                else:
                    self.adjustments.hide()
        self.completeChanged.emit()

    def show_error(self, err: UserError) -> None:
        if self.owns_field(err.field):
            super().show_error(err)
        else:
            set_message(self.product_error, err.message)

    # -- QWizardPage ------------------------------------------------------------
    def blocked_reason(self) -> str | None:
        if self.preview is not None:
            return None
        if self.products.currentItem() is None:
            return "Välj ett abonnemang i listan."
        return self.product_error.text() or "Abonnemanget kan inte väljas."

    def nextId(self) -> int:  # noqa: N802 - Qt API
        wizard = self.wizard()
        later = sorted(i for i in wizard.pageIds() if i > PageId.PRODUKTER)
        needs_mandate = self.preview is not None and self.preview.needs_mandate
        for page_id in later:
            if page_id == PageId.AUTOGIRO and not needs_mandate:
                continue
            return page_id
        return -1


@dataclass(frozen=True)
class CardProduct:
    id: int
    name: str
    price_ore: int


class MembershipCardProductPage(ReceptionPage):
    """Flow 6's Produkter: one of the configured membership-card products, with its price for this customer."""

    def __init__(self, services: UiServices, products: Callable[[], list[CardProduct]],
                 title: str = "Produkter") -> None:
        super().__init__(services, title, "Välj medlemskort. Det gamla kortet spärras när det nya registreras.")
        self._products_source = products
        self._products: list[CardProduct] = []
        layout = QVBoxLayout(self)
        label = QLabel("&Medlemskort", self)
        self.products = QListWidget(self)
        self.products.setObjectName("card_products")
        label.setBuddy(self.products)
        layout.addWidget(label)
        layout.addWidget(self.products, 1)
        self.product_error = self.error_label("product_id")
        layout.addWidget(self.product_error)
        self.products.currentRowChanged.connect(lambda _r: self.completeChanged.emit())
        self.watch(self.products)

    def enter_page(self, first: bool) -> None:
        if not first:
            return
        self._products = self._products_source()
        for p in self._products:
            item = QListWidgetItem(f"{p.name} – {format_sek(p.price_ore)}", self.products)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
        if len(self._products) == 1:
            self.products.setCurrentRow(0)
        self.products.setFocus()

    def product_id(self) -> int | None:
        item = self.products.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def blocked_reason(self) -> str | None:
        return None if self.product_id() is not None else "Välj en produkt i listan."
