"""The Period pages of the subscription wizards (SPEC §6), one per routine.

Each page asks its wizard for ``preview()`` — the routine's read-only preview of the
command the page's current input makes — every time the input changes, and shows the
subscription table, the dates and the amounts from it. A refusal (a UserError) is shown
at the field it names and keeps Nästa disabled. Dates are typed or picked in a calendar
(widgets.date_field.DateField); the allowed range is stated next to the field and checked by
the routine's preview, so a date outside it gets the routine's message at the field.

* :class:`FreezePeriodPage` — Frys: start ("Idag") and end, limited by the min/max settings.
* :class:`FreezeEndPage` — Förkorta / Förläng frysning: the new end of the ongoing freeze.
* :class:`DebitPeriodPage` — Debitera: 1 … max debit intervals, or "Debitera ikapp" when lagging.
* :class:`ProductChoicePage` — Uppgradera / Nedgradera: the dearer / cheaper products.
* :class:`CancelPeriodPage` — Säg upp: the end date and slutbetalning or autogiro to the end.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QButtonGroup, QFormLayout, QFrame, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QRadioButton, QSpinBox, QVBoxLayout, QWidget)

from app.domain.money import format_sek
from app.errors import UserError, ValidationError
from app.routines.subscriptions import (CancelPreview, ChangeProductPreview, DebitOptions, DebitPreview,
                                        FreezeChangePreview, FreezeLimits, FreezePreview, ProductOption)
from widgets.date_field import DateField
from widgets.services import UiServices
from wizards.base import ReceptionPage
from wizards.subscription.pages.table import SubscriptionTable

DATE_FORMAT = "yyyy-MM-dd"


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate, field: str = "end") -> date:
    if not q.isValid():
        raise ValidationError("Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2027-01-21, eller välj i kalendern.",
                              field=field)
    return date(q.year(), q.month(), q.day())


def date_edit(parent: "ReceptionPage", name: str) -> DateField:
    """A date field that takes typing (widgets.date_field) with a calendar button."""
    edit = DateField(parent, today=parent.today())
    edit.setObjectName(name)
    return edit


def left_aligned(parent: QWidget, *widgets: QWidget) -> QWidget:
    """Widgets in a row that does not stretch them across the form."""
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return row


def info_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    return label


class PeriodPage(ReceptionPage):
    """Base: the preview, the table and the total; subclasses add their input and texts."""

    def __init__(self, services: UiServices, title: str, subtitle: str) -> None:
        super().__init__(services, title, subtitle)
        self.preview: Any = None
        self._filling = False
        self.layout_ = QVBoxLayout(self)
        self.input = QFormLayout()
        self.layout_.addLayout(self.input)
        self.details = info_label(self, "period_details")
        self.details.setFrameShape(QFrame.Shape.StyledPanel)
        self.details.setMargin(6)
        self.layout_.addWidget(self.details)
        self.table = SubscriptionTable(self)
        self.layout_.addWidget(self.table)
        self.total = QLabel(self)
        self.total.setObjectName("period_total")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.layout_.addWidget(self.total)
        self.layout_.addWidget(self.page_message_label())
        self.layout_.addStretch(1)

    def refresh(self, *_args) -> None:
        if self._filling or self.wizard() is None:
            return
        self.clear_errors()
        self.preview = None
        try:
            self.preview = self.wizard().preview()
        except UserError as err:
            self.show_error(err)
            self.table.set_rows(())
            self.details.setText("")
            self.total.setText("")
        else:
            self.table.set_rows(self.preview.rows if hasattr(self.preview, "rows") else (self.preview.row,))
            self.details.setText(self.details_text(self.preview))
            total = self.total_ore(self.preview)
            self.total.setText(f"<b>Att betala i kassan: {format_sek(total)}</b>" if total is not None else "")
        self.completeChanged.emit()

    def details_text(self, preview) -> str:
        raise NotImplementedError

    def total_ore(self, preview) -> int | None:
        return getattr(preview, "total_ore", None)

    def enter_page(self, first: bool) -> None:
        self.refresh()

    def blocked_reason(self) -> str | None:
        if self.preview is not None:
            return None
        shown = self.shown_messages()
        return shown[0] if shown else "Välj en giltig period."


# --------------------------------------------------------------------------
# Frys
# --------------------------------------------------------------------------


class FreezePeriodPage(PeriodPage):
    """Start and end of the freeze. ``limits(start)`` gives the allowed end dates for a start."""

    def __init__(self, services: UiServices, limits: Callable[[date], FreezeLimits], min_text: str,
                 max_text: str) -> None:
        super().__init__(services, "Period", "Välj frysningens start- och slutdatum. ”Idag” fryser från och med idag.")
        self._limits = limits
        self._min_text, self._max_text = min_text, max_text
        today = self.today()
        # No min/max on the date fields: a QDateEdit with a range drops keystrokes that pass through an
        # out-of-range date while typing ("2027-…" over 2026-12-21), so a receptionist could not type a
        # date. The routine's preview checks the limits and its message is shown at the field instead.
        self.start = date_edit(self, "start")
        self.today_button = QPushButton("&Idag", self)
        self.today_button.setObjectName("today")
        start_label = QLabel("&Startdatum", self)
        start_label.setBuddy(self.start)
        self.input.addRow(start_label, left_aligned(self, self.start, self.today_button))
        self.input.addRow("", self.error_label("start"))
        self.end = date_edit(self, "end")
        end_label = QLabel("S&lutdatum", self)
        end_label.setBuddy(self.end)
        self.input.addRow(end_label, left_aligned(self, self.end))
        self.table.show_amounts(False)
        self.limits_label = QLabel(self)
        self.limits_label.setObjectName("limits")
        self.input.addRow("", self.limits_label)
        self.input.addRow("", self.error_label("end"))
        self._filling = True
        self.start.setDate(qdate(today))
        self._apply_limits(keep_end=False)
        self._filling = False
        self.start.dateChanged.connect(self._start_changed)
        self.end.dateChanged.connect(self.refresh)
        self.today_button.clicked.connect(self.set_today)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self.touch)
        self.watch(self.today_button)

    def set_today(self) -> None:
        self.start.setDate(qdate(self.today()))

    def start_date(self) -> date:
        return pydate(self.start.date(), "start")

    def end_date(self) -> date:
        return pydate(self.end.date(), "end")

    def _apply_limits(self, *, keep_end: bool) -> None:
        try:
            limits = self._limits(self.start_date())
        except UserError as err:
            self.show_error(err)
            return
        end = self.end_date() if keep_end and self.end.date().isValid() else limits.earliest_end
        self.end.setDate(qdate(min(max(end, limits.earliest_end), limits.latest_end)))
        self.limits_label.setText(f"Tillåtet slutdatum {limits.earliest_end:%Y-%m-%d} – {limits.latest_end:%Y-%m-%d} "
                                  f"(kortast {self._min_text}, längst {self._max_text}).")

    def _start_changed(self, _d: QDate) -> None:
        self._filling = True
        self._apply_limits(keep_end=True)
        self._filling = False
        self.refresh()

    def details_text(self, p: FreezePreview) -> str:
        kind = "Pågående frysning från idag" if p.kind == "pågående" else "Framtida frysning"
        parts = [f"<b>{kind}: {p.start:%Y-%m-%d} – {p.end:%Y-%m-%d} ({p.days} dagar)</b>"]
        if p.frozen_paid_days:
            parts.append(f"Frysta debiterade dagar tillgodo: {p.frozen_paid_days} (ges tillbaka efter frysningen)")
        if p.credit_days_after_binding:
            parts.append(f"Dagar tillgodo efter bindningstiden: {p.credit_days_after_binding}")
        return "<br>".join(parts)

    def total_ore(self, preview) -> int | None:
        return None


# --------------------------------------------------------------------------
# Förkorta / Förläng frysning
# --------------------------------------------------------------------------


class FreezeEndPage(PeriodPage):
    """The ongoing freeze's new last day: Förkorta (earlier, not below the minimum) or Förläng (later, the whole
    freeze at most the maximum)."""

    def __init__(self, services: UiServices, action: str, freeze_start: date, old_end: date, limits: FreezeLimits,
                 min_text: str, max_text: str) -> None:
        shorten = action == "förkorta"
        super().__init__(services, "Period", "Välj frysningens nya slutdatum.")
        self.action = action
        self.end = date_edit(self, "end")
        if shorten:
            low, high = limits.earliest_end, old_end - timedelta(days=1)
            rule = f"Kortast tillåtna frysperiod är {min_text}: tidigast {low:%Y-%m-%d}."
        else:
            low, high = old_end + timedelta(days=1), limits.latest_end
            rule = (f"Längsta tillåtna frysperiod är {max_text} totalt (från {freeze_start:%Y-%m-%d}): "
                    f"senast {high:%Y-%m-%d}.")
        self.current = QLabel(f"Pågående frysning {freeze_start:%Y-%m-%d} – {old_end:%Y-%m-%d}.", self)
        self.current.setObjectName("current_freeze")
        self.input.addRow("Nu", self.current)
        label = QLabel("Nytt slut&datum", self)
        label.setBuddy(self.end)
        self.input.addRow(label, left_aligned(self, self.end))
        self.table.show_amounts(shorten)
        self.limits_label = QLabel(rule, self)
        self.limits_label.setObjectName("limits")
        self.limits_label.setWordWrap(True)
        self.input.addRow("", self.limits_label)
        self.input.addRow("", self.error_label("end"))
        self._filling = True  # no date range on the field: see FreezePeriodPage
        self.end.setDate(qdate(high if shorten else low))
        self._filling = False
        self.end.dateChanged.connect(self.refresh)
        self.end.dateChanged.connect(self.touch)

    def new_end(self) -> date:
        return pydate(self.end.date())

    def details_text(self, p: FreezeChangePreview) -> str:
        parts = [f"<b>Frysningen {p.freeze_start:%Y-%m-%d} – {p.new_end:%Y-%m-%d}</b> (i stället för t.o.m. "
                 f"{p.old_end:%Y-%m-%d})"]
        if p.total_ore:
            parts.append(f"Betala ikapp: {format_sek(p.total_ore)}")
        return "<br>".join(parts)

    def total_ore(self, p: FreezeChangePreview) -> int | None:
        return p.total_ore if self.action == "förkorta" else None


# --------------------------------------------------------------------------
# Debitera
# --------------------------------------------------------------------------


class DebitPeriodPage(PeriodPage):
    """1 … max debit intervals, or "Debitera ikapp" (only when the subscription is lagging)."""

    def __init__(self, services: UiServices, options: DebitOptions, interval_months: int) -> None:
        super().__init__(services, "Period", "Välj hur mycket som ska debiteras. Tilläggen debiteras till samma "
                                             "datum som huvudabonnemanget.")
        self.options = options
        unit = "månader" if interval_months == 1 else f"debiteringsintervall à {interval_months} mån"
        self.group = QButtonGroup(self)
        self.count_button = QRadioButton(f"Antal {unit}", self)
        self.count_button.setObjectName("by_count")
        self.count = QSpinBox(self)
        self.count.setObjectName("intervals")
        self.count.setRange(1, max(1, options.max_intervals))
        self.count.setEnabled(options.max_intervals >= 1)
        self.count_button.setEnabled(options.max_intervals >= 1)
        self.input.addRow(left_aligned(self, self.count_button, self.count))
        self.catch_up_button = QRadioButton("Debitera &ikapp", self)
        self.catch_up_button.setObjectName("catch_up")
        self.catch_up_button.setVisible(options.lagging)
        self.input.addRow(self.catch_up_button)
        for button in (self.count_button, self.catch_up_button):
            self.group.addButton(button)
        state = (f"Debiterat t.o.m. {options.effective_charged_through:%Y-%m-%d}. "
                 f"Högst {options.setting_max} debiteringsintervall i förväg.")
        if options.lagging:
            state = (f"<b>Abonnemanget är släpande</b>: debiterat t.o.m. {options.effective_charged_through:%Y-%m-%d},"
                     f" förväntat {options.expected_charged_through:%Y-%m-%d}. ") + state
        self.state = info_label(self, "debit_state")
        self.state.setText(state)
        self.input.addRow(self.state)
        self.input.addRow("", self.error_label("intervals"))
        if options.max_intervals >= 1:
            self.count_button.setChecked(True)
        elif options.lagging:
            self.catch_up_button.setChecked(True)
        self.group.buttonToggled.connect(self._mode_changed)
        self.count.valueChanged.connect(self.refresh)
        self.count.valueChanged.connect(self.touch)
        self.watch(self.count_button, self.catch_up_button)

    def _mode_changed(self, _button, checked: bool) -> None:
        if checked:
            self.count.setEnabled(self.count_button.isChecked())
            self.refresh()

    def intervals(self) -> int | str:
        return "ikapp" if self.catch_up_button.isChecked() else self.count.value()

    def details_text(self, p: DebitPreview) -> str:
        what = "Debitera ikapp" if p.catch_up else f"{p.intervals} debiteringsintervall"
        return f"<b>{what}: debiterat t.o.m. blir {p.new_charged_through:%Y-%m-%d}</b>"


# --------------------------------------------------------------------------
# Uppgradera / Nedgradera
# --------------------------------------------------------------------------


class ProductChoicePage(PeriodPage):
    """The dearer (upp) or cheaper (ned) products of the same kind on the same price list, each with what the change
    means: the amount to pay (upp) or the days debiterat t.o.m. moves forward (ned)."""

    def __init__(self, services: UiServices, direction: str, current: str, options: list[ProductOption],
                 option_preview: Callable[[int], ChangeProductPreview | UserError]) -> None:
        upgrade = direction == "upp"
        super().__init__(services, "Abonnemang", "Välj det " + ("dyrare" if upgrade else "billigare")
                         + " abonnemanget. " + ("Mellanskillnaden för redan betalda dagar betalas i kassan." if upgrade
                                                else "Inget återbetalas; debiterat t.o.m. flyttas fram."))
        self.direction = direction
        self.table.show_amounts(upgrade)
        self.current = QLabel(f"Nuvarande: {current}", self)
        self.current.setObjectName("current_product")
        self.input.addRow(self.current)
        label = QLabel("&Byt till", self)
        self.products = QListWidget(self)
        self.products.setObjectName("products")
        label.setBuddy(self.products)
        self.input.addRow(label, self.products)
        self.input.addRow("", self.error_label("product_id"))
        for option in options:
            result = option_preview(option.product_id)
            per = "mån" if option.period_months == 1 else f"{option.period_months} mån"
            text = f"{option.name} – {format_sek(option.price_ore)}/{per}"
            if isinstance(result, UserError):
                text += f" (kan inte väljas: {result.message})"
            elif upgrade:
                text += f": att betala {format_sek(result.total_ore)} för {result.paid_days_ahead} betalda dagar"
            else:
                after = result.row.charged_through_after
                text += f": {result.shift_days} dagar längre, debiterat t.o.m. {after:%Y-%m-%d}"
            item = QListWidgetItem(text, self.products)
            item.setData(Qt.ItemDataRole.UserRole, option.product_id)
        if len(options) == 1:
            self.products.setCurrentRow(0)
        self.products.currentRowChanged.connect(self.refresh)
        self.watch(self.products)

    def product_id(self) -> int | None:
        item = self.products.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def refresh(self, *_args) -> None:
        if self.product_id() is None:
            self.preview = None
            self.table.set_rows(())
            self.details.setText("Välj ett abonnemang i listan.")
            self.total.setText("")
            self.completeChanged.emit()
            return
        super().refresh()

    def enter_page(self, first: bool) -> None:
        super().enter_page(first)
        self.products.setFocus()

    def details_text(self, p: ChangeProductPreview) -> str:
        change = (f"<b>{p.old_product_name} ({format_sek(p.old_price_ore)}) → {p.new_product_name} "
                  f"({format_sek(p.new_price_ore)})</b>")
        if self.direction == "upp":
            return change + (f"<br>Mellanskillnad för {p.paid_days_ahead} redan betalda dagar: "
                             f"{format_sek(p.total_ore)}")
        after = p.row.charged_through_after
        return change + (f"<br>{p.paid_days_ahead} betalda dagar kvar är värda {p.shift_days} dagar till: "
                         f"debiterat t.o.m. {p.row.charged_through_before:%Y-%m-%d} → {after:%Y-%m-%d}")

    def total_ore(self, p: ChangeProductPreview) -> int | None:
        return p.total_ore if self.direction == "upp" else None


# --------------------------------------------------------------------------
# Säg upp
# --------------------------------------------------------------------------


class CancelPeriodPage(PeriodPage):
    """The end date (notice period, never before the binding end) and slutbetalning or autogiro to the end."""

    def __init__(self, services: UiServices) -> None:
        super().__init__(services, "Period", "Uppsägningen gäller även tilläggen. Kunden väljer att slutbetala nu "
                                             "eller att autogirodragningarna fortsätter till slutdatumet.")
        self.end_label = info_label(self, "end_date")
        self.input.addRow("Slutdatum", self.end_label)
        self.group = QButtonGroup(self)
        self.final_button = QRadioButton("&Slutbetalning nu", self)
        self.final_button.setObjectName("final_payment")
        self.autogiro_button = QRadioButton("&Autogirodragningarna fortsätter till slutdatumet", self)
        self.autogiro_button.setObjectName("continue_autogiro")
        for button in (self.final_button, self.autogiro_button):
            self.group.addButton(button)
            self.input.addRow(button)
        self.input.addRow("", self.error_label("final_payment"))
        self.final_button.setChecked(True)
        self.group.buttonToggled.connect(lambda _b, checked: checked and self.refresh())
        self.watch(self.final_button, self.autogiro_button)

    def final_payment(self) -> bool:
        return self.final_button.isChecked()

    def refresh(self, *_args) -> None:
        super().refresh()
        p = self.preview
        if p is not None:
            self.final_button.setText(f"&Slutbetalning nu: {format_sek(p.final_payment_total_ore)}")

    def details_text(self, p: CancelPreview) -> str:
        counted = "från och med idag" if p.include_today else "från och med imorgon"
        text = f"Uppsägningstid {p.notice_months} mån räknat {counted}"
        if p.binding_end is not None:
            text += f"; bindningstid t.o.m. {p.binding_end:%Y-%m-%d}"
        self.end_label.setText(f"<b>{p.end_date:%Y-%m-%d}</b> ({text})")
        if p.final_payment:
            return f"<b>Slutbetalning t.o.m. {p.end_date:%Y-%m-%d}: {format_sek(p.final_payment_total_ore)}</b>"
        return (f"<b>Autogirodragningarna fortsätter t.o.m. {p.end_date:%Y-%m-%d}</b> "
                f"(slutbetalning hade kostat {format_sek(p.final_payment_total_ore)})")
