"""Helpers for the keyboard tests: the Tab chain as Qt walks it, and what the screen says it should be."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QRadioButton, QWidget

from tests.wizards.conftest import WAIT_MS, Driver


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def press(d: Driver, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press to whatever has the focus (as a keyboard would send it)."""
    target = focused() or d.wizard
    d.qtbot.keyClick(target, key, modifier)


def expected_tab_stops(page) -> list[QWidget]:
    """The page's fields in visual order, as far as Tab can reach them now: shown, enabled; of an
    exclusive radio group only the chosen button (Qt moves between the others with the arrow keys)."""
    stops = []
    for widget in page.tab_widgets():
        if not (widget.isVisible() and widget.isEnabled()):
            continue
        if isinstance(widget, QRadioButton) and widget.group() is not None and widget.group().exclusive():
            checked = widget.group().checkedButton()
            if checked is not None and checked is not widget:
                continue
            if checked is None and not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                continue  # none chosen yet: Qt stops at one button of the group (the arrows reach the rest)
        stops.append(widget)
    return stops


def tab_chain(d: Driver) -> list[QWidget]:
    """Put the cursor in the page's first field and press Tab until the focus leaves the page."""
    page = d.page()
    first = page.first_field()
    if first is None:
        return []
    first.setFocus(Qt.FocusReason.TabFocusReason)
    d.qtbot.waitUntil(first.hasFocus, timeout=WAIT_MS)
    chain = [first]
    for _ in range(80):
        press(d, Qt.Key.Key_Tab)
        now = focused()
        if now is None or now is first or not page.isAncestorOf(now):
            break
        chain.append(now)
    return chain


def names(widgets) -> list[str]:
    return [w.objectName() or f"{type(w).__name__}:{getattr(w, 'text', lambda: '')()}" for w in widgets]


def assert_tab_follows_screen(d: Driver) -> None:
    expected = expected_tab_stops(d.page())
    assert names(tab_chain(d)) == names(expected), d.page().title()


def assert_first_field_focused(d: Driver) -> None:
    """The page's start field has the focus; a page without fields gives it to Slutför/Nästa."""
    page = d.page()
    first = page.start_field()
    if first is None:
        finish, nxt = d.finish_button, d.next_button
        first = finish if finish.isVisible() else nxt
    assert first.isVisible() and first.isEnabled(), names([first])
    try:
        d.qtbot.waitUntil(lambda: focused() is first, timeout=WAIT_MS)
    except Exception:
        raise AssertionError(f"{page.title()}: focus on {names([focused()])}, not on {names([first])}") from None


# -- walking a whole wizard with the keyboard alone (issue 14 §5) ------------------------------------------


def tab_to(d: Driver, widget: QWidget, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (Shift+Tab) until ``widget`` has the focus, as a receptionist moves to a field."""
    key = Qt.Key.Key_Backtab if backwards else Qt.Key.Key_Tab
    modifier = Qt.KeyboardModifier.ShiftModifier if backwards else Qt.KeyboardModifier.NoModifier
    for _ in range(limit):
        if focused() is widget:
            return
        press(d, key, modifier)
    raise AssertionError(f"Tab never reached {names([widget])}; the focus is on {names([focused()])}")


def type_here(d: Driver, text: str) -> None:
    """Type into whatever has the focus (replacing what a line edit holds, as a selected field does)."""
    target = focused()
    assert target is not None
    if hasattr(target, "selectAll"):
        target.selectAll()
    d.qtbot.keyClicks(target, text)


def alt(d: Driver, letter: str) -> None:
    """Alt+letter: a button's or label's mnemonic."""
    press(d, getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier)


def choose_in_list(d: Driver, lst, value) -> None:
    """The focus in a list: arrow down until the item whose UserRole is ``value`` is current."""
    tab_to(d, lst)
    if lst.currentRow() < 0:
        press(d, Qt.Key.Key_Down)
    for _ in range(lst.count() + 1):
        if lst.currentItem() is not None and lst.currentItem().data(Qt.ItemDataRole.UserRole) == value:
            return
        press(d, Qt.Key.Key_Down)
    raise AssertionError(f"{value!r} is not in the list")


def mnemonic(text: str) -> str | None:
    """The Alt letter of a text ("Efter&namn" -> "n"; "&&" is a plain ampersand)."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] != "&":
                return text[i + 1].lower()
            i += 1
        i += 1
    return None


def shown_mnemonics(d: Driver) -> dict[str, list[str]]:
    """Alt+letter -> the shown buttons, labels (with a buddy) and group boxes in the wizard that use it (enabled
    or not: a disabled Nästa is enabled by the next key)."""
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel

    uses: dict[str, list[str]] = {}
    for widget in d.wizard.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QAbstractButton):
            text = widget.text()
        elif isinstance(widget, QLabel) and widget.buddy() is not None and widget.buddy().isVisible():
            text = widget.text()
        elif isinstance(widget, QGroupBox):
            text = widget.title()
        else:
            continue
        letter = mnemonic(text)
        if letter is not None:
            uses.setdefault(letter, []).append(text.replace("&", ""))
    return uses


def assert_no_mnemonic_clash(d: Driver) -> None:
    """Each Alt+letter on the page does one thing: two widgets with one letter only move the focus between them
    (Alt+N on Personuppgifter focused "Efter&namn" instead of pressing "&Nästa >")."""
    clashes = {letter: texts for letter, texts in shown_mnemonics(d).items() if len(texts) > 1}
    assert not clashes, f"{d.page().title()}: Alt+letter used twice: {clashes}"


def enter_past_last_field(d: Driver) -> None:
    """Tab past the page's last field (the focus lands on a wizard button, often "< Tillbaka") and press Enter:
    the wizard goes on to a page not yet visited — never back — or, on the last page, finishes."""
    page, before = d.page(), d.wizard.currentId()
    final = page.isFinalPage() or d.wizard.nextId() == -1
    visited = [i for i in d.wizard.visitedIds() if i != before]
    for _ in range(80):
        now = focused()
        if now is not None and not page.isAncestorOf(now) and now is not page:
            break
        press(d, Qt.Key.Key_Tab)
    else:
        raise AssertionError(f"{page.title()}: Tab never left the page")
    press(d, Qt.Key.Key_Return)
    if final:
        d.qtbot.waitUntil(lambda: not d.wizard.isVisible(), timeout=WAIT_MS)
        return
    d.qtbot.waitUntil(lambda: d.wizard.currentId() != before or not d.wizard.isVisible(), timeout=WAIT_MS)
    if d.wizard.isVisible():
        assert d.wizard.currentId() not in visited, f"Enter after Tab on {page.title()} went back"
