"""The base of every reception wizard (SPEC §5): Swedish buttons, Enter/Esc, Slutför through a routine.

* Buttons read "< Tillbaka", "Nästa >", "Slutför", "Avbryt". Enter presses Nästa
  (Slutför on the last page) — QWizard makes that button the dialog's default;
  a line edit passes Return on to it. Enter never goes back or cancels: with the
  focus on "< Tillbaka" or "Avbryt" (Tab past a page's last field lands there)
  Enter still means Nästa; Space presses the focused button, Esc cancels.
* Tab follows the screen: each page's tab order is its layout's visual order
  (:func:`visual_order` — top to bottom, left to right, column by column), set
  when the page opens; the first field has the focus on every page.
* Esc, the window's close box and Avbryt all go through :meth:`reject`, which asks
  first when the receptionist has entered something (`confirm_cancel`, a
  replaceable class attribute). Nothing is written before Slutför.
* Slutför calls :meth:`run` (the flow's routine). A :class:`UserError` is shown at
  the field it names — the wizard goes back to the page that owns the field —
  or in a message box, and the wizard stays open with everything intact. After
  success the bus learns about it: ``person_changed``, ``order_created`` when
  money is due (the till opens the order) and ``open_person``.

Every disabled Nästa says why: a page answers :meth:`ReceptionPage.blocked_reason`
(its ``isComplete`` follows from it) and the reason stands at the foot of the page
unless a field already shows it in red. Prefilled fields are checked when the page
opens, as if the receptionist had just left them.

Pages derive from :class:`ReceptionPage`: they keep what was typed when the
receptionist goes back (QWizard's default ``cleanupPage`` would reset it), show
an error label under each field (:meth:`ReceptionPage.error_label`), and tell the
wizard when the receptionist entered something (:meth:`ReceptionPage.watch`).
"""
from __future__ import annotations

from enum import IntEnum
from typing import Any, Callable

from collections.abc import Iterator

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QBoxLayout, QComboBox, QFormLayout, QGridLayout,
                               QLabel, QLayout, QLayoutItem, QLineEdit, QListWidget, QMessageBox, QPushButton,
                               QRadioButton, QScrollArea, QWidget, QWizard, QWizardPage)

from app.errors import QueuedOffline, UserError
from widgets.errors import show_user_error
from widgets.field_messages import ERROR_STYLE, WARNING_STYLE, make_error_label, set_message  # noqa: F401
from widgets.screen_fit import fit_to_screen
from widgets.services import UiServices
from widgets.tones import tone_style

CANCEL_QUESTION = "Vill du avbryta? Det du har fyllt i sparas inte."


class PageId(IntEnum):
    """Page ids shared by all flows; QWizard routes by them (setPage / nextId)."""

    IDENTIFIERING = 5
    SOK_ORGANISATION = 8
    LEGITIMERING = 10
    PERSONUPPGIFTER = 20
    FORBESTALLNINGAR = 25
    PRODUKTER = 30
    AUTOGIRO = 40
    INPASSERING = 50
    SAMMANFATTNING = 60


def cancel_question(parent: QWidget) -> tuple[QMessageBox, QPushButton]:
    """The "Vill du avbryta?" box and its destructive button. The safe choice, *Fortsätt fylla i*, is
    the default and the Esc answer: Esc then a stray Enter must never throw away what was typed."""
    box = QMessageBox(QMessageBox.Icon.Question, parent.windowTitle(), CANCEL_QUESTION, parent=parent)
    leave = box.addButton("Avbryt", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("Fortsätt fylla i", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    return box, leave


def ask_confirm_cancel(parent: QWidget) -> bool:
    """Avbryt with entered data: ask before throwing it away."""
    box, leave = cancel_question(parent)
    box.exec()
    return box.clickedButton() is leave


def _item_widgets(item: QLayoutItem) -> Iterator[QWidget]:
    widget = item.widget()
    if widget is not None:
        yield widget
        if isinstance(widget, QScrollArea) and widget.widget() is not None:
            yield from visual_order(widget.widget())
        elif widget.layout() is not None:
            yield from _layout_widgets(widget.layout())
    elif item.layout() is not None:
        yield from _layout_widgets(item.layout())


def _layout_widgets(layout: QLayout) -> Iterator[QWidget]:
    if isinstance(layout, QFormLayout):
        for row in range(layout.rowCount()):
            for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole,
                         QFormLayout.ItemRole.SpanningRole):
                item = layout.itemAt(row, role)
                if item is not None:
                    yield from _item_widgets(item)
        return
    items = [layout.itemAt(i) for i in range(layout.count())]
    if isinstance(layout, QGridLayout):
        cells = sorted((layout.getItemPosition(i)[:2], i) for i in range(layout.count()))
        items = [layout.itemAt(i) for _cell, i in cells]
    elif isinstance(layout, QBoxLayout) and layout.direction() in (QBoxLayout.Direction.RightToLeft,
                                                                    QBoxLayout.Direction.BottomToTop):
        items.reverse()
    for item in items:
        yield from _item_widgets(item)


def visual_order(root: QWidget) -> list[QWidget]:
    """Every widget laid out under ``root`` in the order the eye reads it: a vertical box top to bottom,
    a horizontal one left to right (so columns one after the other), a form row by row (label, field),
    a grid row-major. This is the Tab order of every wizard page."""
    layout = root.layout()
    return [] if layout is None else list(dict.fromkeys(_layout_widgets(layout)))


def takes_tab(widget: QWidget) -> bool:
    """Does Tab stop at this widget (ignoring whether it is shown right now)? Every radio button counts: Qt
    gives Tab focus only to the chosen button of a group and moves it when an arrow key chooses another, so
    each must have its place in the chain (else the newly chosen one sits after the page's last field)."""
    if widget.focusProxy() is not None:
        return False
    return isinstance(widget, QRadioButton) or bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)


class ReceptionPage(QWizardPage):
    """A wizard page that keeps its input on Tillbaka and shows messages at its fields."""

    def __init__(self, services: UiServices, title: str, subtitle: str = "") -> None:
        super().__init__()
        self.services = services
        self.setTitle(title)
        if subtitle:
            self.setSubTitle(subtitle)
        self._error_labels: dict[str, QLabel] = {}
        self._message: QLabel | None = None
        self._initialised = False
        self._opened_checks: list[QLineEdit] = []
        self.next_reason = QLabel(self)  # why Nästa is off; placed at the page's foot when it first opens
        self.next_reason.setObjectName("next_blocked_reason")
        self.next_reason.setStyleSheet(tone_style("warning"))
        self.next_reason.setWordWrap(True)
        self.next_reason.hide()
        self.completeChanged.connect(self.show_blocked_reason)

    # -- messages ------------------------------------------------------------
    def error_label(self, *fields: str) -> QLabel:
        """A red label (hidden while empty) for the fields named; UserError.field picks it."""
        label = make_error_label(self)
        for name in fields:
            self._error_labels[name] = label
        return label

    def page_message_label(self) -> QLabel:
        """The label for errors of this page that belong to no single field."""
        if self._message is None:
            self._message = make_error_label(self)
        return self._message

    def owns_field(self, field: str | None) -> bool:
        return field is not None and field in self._error_labels

    def show_field_error(self, field: str | None, message: str) -> None:
        label = self._error_labels.get(field or "") or self.page_message_label()
        set_message(label, message)

    def clear_field_error(self, field: str) -> None:
        label = self._error_labels.get(field)
        if label is not None:
            set_message(label, None)

    def show_error(self, err: UserError) -> None:
        self.show_field_error(err.field, err.message)

    def clear_errors(self) -> None:
        for label in set(self._error_labels.values()):
            set_message(label, None)
        if self._message is not None:
            set_message(self._message, None)

    # -- Nästa ----------------------------------------------------------------
    def blocked_reason(self) -> str | None:
        """Why Nästa (or Slutför) is off, as the receptionist should read it; None when the page is complete.
        ``isComplete`` follows from it. Pages override it."""
        return None if QWizardPage.isComplete(self) else "Fyll i de obligatoriska fälten."

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return self.blocked_reason() is None

    def shown_messages(self) -> list[str]:
        """The red messages the page shows now (at fields or for the page)."""
        labels = set(self._error_labels.values()) | ({self._message} if self._message is not None else set())
        return [label.text() for label in labels if not label.isHidden() and label.text()]

    def show_blocked_reason(self) -> None:
        """The reason under the page, unless a field already says it (from the page's first opening on)."""
        if not self._initialised:
            return
        reason = self.blocked_reason()
        if reason is not None and reason in self.shown_messages():
            reason = None
        set_message(self.next_reason, reason)

    def _place_blocked_reason(self) -> None:
        layout = self.layout()
        if self.next_reason.parent() is self and isinstance(layout, QBoxLayout) \
                and layout.indexOf(self.next_reason) < 0:
            layout.addWidget(self.next_reason)
        elif isinstance(layout, QFormLayout) and layout.indexOf(self.next_reason) < 0:
            layout.addRow(self.next_reason)

    def check_when_opened(self, *edits: QLineEdit) -> None:
        """These fields are checked when they are left; check them also when the page opens (prefilled)."""
        self._opened_checks += edits

    def check_prefilled(self) -> None:
        """Check what is already in the fields (prefilled, or typed before Tillbaka) as if each was just left."""
        for edit in self._opened_checks:
            if edit.isEnabled() and edit.text().strip():
                edit.editingFinished.emit()

    # -- input tracking -------------------------------------------------------
    def touch(self, *_args: Any) -> None:
        wizard = self.wizard()
        if isinstance(wizard, ReceptionWizard):
            wizard.mark_entered()

    def watch(self, *widgets: QWidget) -> None:
        """Count a user's edit in these widgets as entered data (programmatic prefill does not count)."""
        for widget in widgets:
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(self.touch)
            elif isinstance(widget, QAbstractButton):
                widget.clicked.connect(self.touch)
            elif isinstance(widget, QComboBox):
                widget.activated.connect(self.touch)
            elif isinstance(widget, QListWidget):
                widget.itemClicked.connect(self.touch)
                widget.itemActivated.connect(self.touch)

    # -- keyboard --------------------------------------------------------------
    def tab_widgets(self) -> list[QWidget]:
        """The widgets Tab stops at, in visual order (shown or not)."""
        return [w for w in visual_order(self) if takes_tab(w)]

    def apply_tab_order(self) -> None:
        """Tab = visual order. Widgets a page creates later (rebuilt ticks) are ordered again on the next call.
        Tab leaves a list or table for the next field (the arrows move within it): Qt's tables would keep Tab
        for moving between their cells, and the receptionist could never Tab on to Nästa."""
        for view in self.findChildren(QAbstractItemView):
            view.setTabKeyNavigation(False)
        widgets = self.tab_widgets()
        for first, second in zip(widgets, widgets[1:]):
            QWidget.setTabOrder(first, second)

    def first_field(self) -> QWidget | None:
        """The field the cursor starts in: the first shown, enabled one (of a radio group, the chosen button)."""
        for widget in self.tab_widgets():
            if not (widget.isVisibleTo(self) and widget.isEnabled()):
                continue
            if isinstance(widget, QRadioButton) and widget.group() is not None and widget.group().exclusive():
                checked = widget.group().checkedButton()
                if checked is not None and checked.isVisibleTo(self) and checked.isEnabled():
                    return checked
            return widget
        return None

    def start_field(self) -> QWidget | None:
        """Where the cursor starts when the page opens: the first field. Pages with a better start (the first
        empty field, the card number a swipe fills) override it."""
        return self.first_field()

    def focus_first_field(self) -> None:
        """Put the cursor in the start field; a page without fields gives the focus to Nästa/Slutför."""
        target = self.start_field()
        wizard = self.wizard()
        if target is None and wizard is not None:
            for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.NextButton):
                button = wizard.button(which)
                if button.isVisible() and button.isEnabled():
                    target = button
                    break
        if target is not None:
            target.setFocus(Qt.FocusReason.TabFocusReason)  # Tab reason: line edits select, focus frame drawn

    # -- QWizardPage ----------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt API
        first = not self._initialised
        self._initialised = True
        self.apply_tab_order()
        self._place_blocked_reason()
        self.enter_page(first)
        self.check_prefilled()
        self.show_blocked_reason()

    def enter_page(self, first: bool) -> None:
        """Called each time the page is reached with Nästa; ``first`` the first time. Override."""

    def cleanupPage(self) -> None:  # noqa: N802 - Qt API
        # Keep what was typed when the receptionist goes back (QWizard would reset the fields).
        pass

    def shutdown(self) -> None:
        """The wizard is closing: release devices. Override."""

    def today(self):
        return self.services.core.clock.today()


class ReceptionWizard(QWizard):
    """Base of every flow. Subclasses add pages with setPage(PageId, page) and implement :meth:`run`."""

    #: (parent) -> bool; asked on Avbryt/Esc when data was entered. Tests replace it.
    confirm_cancel: Callable[[QWidget], bool] = staticmethod(ask_confirm_cancel)
    # Replaceable in tests: the box that says the work waits in the queue (offline Slutför).
    show_queued: Callable[[str], None] = lambda self, message: QMessageBox.information(self, "Sparat i kön", message)
    queued = None  # the outbox entry when Slutför queued the routine
    #: (parent, UserError) -> None; errors that belong to no page field. Tests replace it.
    error_box: Callable[[QWidget, UserError], None] = staticmethod(show_user_error)

    def __init__(self, services: UiServices, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.result_value: Any = None
        self._entered = False
        self._finishing = False
        self.setWindowTitle(title)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Tillbaka")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Nästa >")
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Nästa >")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Slutför")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Avbryt")
        # Enter on a focused "< Tillbaka" or "Avbryt" must not go back or cancel: these buttons leave
        # Return to keyPressEvent (Nästa); Space still presses them.
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.CancelButton):
            button = self.button(which)
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.currentIdChanged.connect(lambda _id: self._focus_page_soon())
        # The size it opens at; no fixed minimum — the pages' layouts set it, so the wizard fits a laptop at
        # 150 % scaling (853×533), and keep_open brings it inside the screen (widgets/screen_fit.py).
        self.resize(760, 600)

    # -- data entered ---------------------------------------------------------
    def mark_entered(self) -> None:
        self._entered = True

    def has_entered_data(self) -> bool:
        return self._entered

    # -- focus ----------------------------------------------------------------
    def _focus_page_soon(self) -> None:
        # After QWizard has shown the page (and moved its own focus): the page's first field.
        QTimer.singleShot(0, self, self._focus_page)

    def _focus_page(self) -> None:
        page = self.currentPage()
        if isinstance(page, ReceptionPage) and self.isVisible():
            page.apply_tab_order()
            page.focus_first_field()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._focus_page_soon()

    # -- the flow -------------------------------------------------------------
    def run(self) -> Any:
        """Execute the flow's routine; return its result. Raises UserError. Override."""
        raise NotImplementedError

    def after_success(self, result: Any) -> None:
        """Tell the rest of the application (override for results without person/order)."""
        bus = self.services.bus
        person_id = getattr(result, "person_id", None) or getattr(self, "person_id", None)
        if person_id is not None:
            bus.person_changed.emit(int(person_id))
        order_id = getattr(result, "order_id", None)
        if order_id is not None:
            bus.order_created.emit(int(order_id))
        if person_id is not None:
            bus.open_person.emit(int(person_id))

    # -- errors ---------------------------------------------------------------
    def show_error(self, err: UserError) -> None:
        """Show the error at the page that owns its field (going back if needed), else in a message box."""
        for page_id in self.visitedIds():
            page = self.page(page_id)
            if isinstance(page, ReceptionPage) and page.owns_field(err.field):
                while self.currentId() != page_id and len(self.visitedIds()) > 1:
                    self.back()
                page.show_error(err)
                return
        self.error_box(self, err)

    # -- QDialog --------------------------------------------------------------
    def accept(self) -> None:
        if self._finishing:
            return
        self._finishing = True
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        try:
            result = self.run()
        except UserError as err:
            self.show_error(err)
            return
        except QueuedOffline as queued:  # offline: checked against the replica and saved in the desk's outbox
            self.queued = queued.entry
            self._shutdown_pages()
            super().accept()
            self.show_queued(queued.message)
            if queued.entry.person_id is not None:
                self.services.bus.person_changed.emit(queued.entry.person_id)
            return
        finally:
            self._finishing = False
            self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        self.result_value = result
        self._shutdown_pages()
        super().accept()
        self.after_success(result)

    def reject(self) -> None:
        if self._entered and not self.confirm_cancel(self):
            return
        self._shutdown_pages()
        super().reject()

    def _shutdown_pages(self) -> None:
        for page_id in self.pageIds():
            page = self.page(page_id)
            if isinstance(page, ReceptionPage):
                page.shutdown()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() in (
                Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            # Enter = Nästa, and Slutför on the last page (also when the focus is in a list).
            which = (QWizard.WizardButton.FinishButton if self.currentPage() and self.currentPage().isFinalPage()
                     or self.nextId() == -1 else QWizard.WizardButton.NextButton)
            button = self.button(which)
            if button.isVisible() and button.isEnabled():
                button.click()
            return
        super().keyPressEvent(event)


def keep_open(services: UiServices, wizard: QWizard) -> QWizard:
    """Show a wizard without a parent and keep it alive until it closes."""
    opened: list = services.extra.setdefault("open_wizards", [])
    opened.append(wizard)
    wizard.finished.connect(lambda _code: opened.remove(wizard) if wizard in opened else None)
    fit_to_screen(wizard)
    wizard.show()
    wizard.raise_()
    wizard.activateWindow()
    return wizard
