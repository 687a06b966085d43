"""Keyboard-wedge card readers: tell a reader's burst of digits from a person typing.

A wedge reader pretends to be a keyboard: a swipe arrives as a burst of digit
key presses a few milliseconds apart, followed by Enter. `WedgeFilter` is an
application-wide event filter that recognises such a burst, emits
`card_read(str)` and makes sure the digits never end up in whatever field had
the keyboard focus; anything a person types reaches its widget unchanged.

Why buffer-and-replay rather than remove-afterwards: when the first digit
arrives nobody can know yet whether a burst will follow. Letting it through and
deleting the text afterwards only works for a QLineEdit with the cursor at the
end and nothing selected; the first digit may already have replaced a
selection, moved a spin box, jumped a table's keyboard search or triggered a
validator, and none of that can be undone from outside the widget. So digit
key events are held back (at most `max_gap_ms` after the last one) and either
dropped, when the burst turns out to be a swipe, or sent again to the widget
that was to receive them, in their original order, when it turns out to be a
person. The price is that a person's digits appear up to `max_gap_ms` later,
which nobody notices at 50 ms.

Timing comes from an injectable `clock` (seconds, monotonic) read when each key
is processed, so tests control it exactly. The flush timer only polls; the
decision to flush is always made with the clock.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

log = logging.getLogger("reception.devices")

#: A run of digits longer than this is no card (a paste, a stuck key); it is replayed.
MAX_BURST_LENGTH = 64

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
# Pressing a modifier alone says nothing about who is typing.
_MODIFIER_KEYS = (
    Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr, Qt.Key.Key_Meta,
    Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock,
)
_ALLOWED_DIGIT_MODIFIERS = Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier


@dataclass(frozen=True)
class _HeldKey:
    """Enough of a key event to send it again later."""

    receiver: QWidget
    type: QEvent.Type
    key: int
    modifiers: Qt.KeyboardModifier
    native_scan_code: int
    native_virtual_key: int
    native_modifiers: int
    text: str
    count: int

    @classmethod
    def of(cls, receiver: QWidget, event: QKeyEvent) -> "_HeldKey":
        return cls(
            receiver, event.type(), event.key(), event.modifiers(),
            event.nativeScanCode(), event.nativeVirtualKey(), event.nativeModifiers(),
            event.text(), event.count(),
        )

    def event(self) -> QKeyEvent:
        return QKeyEvent(
            self.type, self.key, self.modifiers,
            self.native_scan_code, self.native_virtual_key, self.native_modifiers,
            self.text, False, self.count,
        )


def _is_digit_key(event: QKeyEvent) -> bool:
    text = event.text()
    return (
        len(text) == 1
        and "0" <= text <= "9"
        and not event.isAutoRepeat()
        and not (event.modifiers() & ~_ALLOWED_DIGIT_MODIFIERS)
    )


class WedgeFilter(QObject):
    """Application event filter turning wedge-reader bursts into `card_read(str)`.

    A swipe is at least `min_length` digit key presses, each within
    `max_gap_ms` of the previous one, ended by Enter/Return within `max_gap_ms`
    of the last digit. Anything else is a person typing and is delivered as typed.
    """

    card_read = Signal(str)

    def __init__(
        self,
        *,
        min_length: int = 6,
        max_gap_ms: int = 50,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if min_length < 1:
            raise ValueError("min_length must be at least 1")
        self._min_length = min_length
        self._max_gap = max_gap_ms / 1000
        self._clock = clock
        self._held: list[_HeldKey] = []
        self._digits = ""
        self._last_press = 0.0
        # A digit typed right after other text is part of that text (an
        # alphanumeric code, a person typing fast), never the start of a swipe.
        self._text_until = float("-inf")
        # Releases still to come for presses that were part of a swipe.
        self._eat_releases: set[int] = set()
        # Events this filter is sending itself; they must pass untouched.
        self._replaying: list[QKeyEvent] = []
        self._installed_on: QCoreApplication | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(max(1, max_gap_ms))
        self._flush_timer.timeout.connect(self._flush_if_stale)

    # -- installation -------------------------------------------------------

    def install(self, app: QCoreApplication) -> None:
        if self._installed_on is not None:
            return
        app.installEventFilter(self)
        self._installed_on = app

    def uninstall(self) -> None:
        """Stop filtering; keys held back at this moment are delivered first."""
        self.flush()
        if self._installed_on is not None:
            self._installed_on.removeEventFilter(self)
            self._installed_on = None

    @property
    def holding(self) -> str:
        """The digits currently held back (for tests and diagnostics)."""
        return self._digits

    # -- the filter ----------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        etype = event.type()
        if etype != QEvent.Type.KeyPress and etype != QEvent.Type.KeyRelease:
            return False
        # A key event first reaches the QWidgetWindow, which forwards it to the
        # focus widget. Only the widget delivery counts, so held keys are sent
        # back to the widget the person typed in even if the focus has moved
        # since. Propagation to parent widgets only happens for events passed
        # through, which are handled idempotently below: nothing counts twice.
        if not isinstance(watched, QWidget):
            return False
        if any(event is own for own in self._replaying):
            return False
        if etype == QEvent.Type.KeyPress:
            return self._key_press(watched, event)
        return self._key_release(watched, event)

    def _key_press(self, receiver: QWidget, event: QKeyEvent) -> bool:
        if event.key() in _MODIFIER_KEYS:
            return False
        now = self._clock()
        if self._held and now - self._last_press > self._max_gap:
            self.flush()  # too slow for a reader: a person typed the held digits
        if not self._held:
            self._eat_releases.clear()

        if _is_digit_key(event) and now <= self._text_until:
            self._text_until = now + self._max_gap
            return False

        if _is_digit_key(event):
            if len(self._digits) >= MAX_BURST_LENGTH:
                self.flush()
            self._held.append(_HeldKey.of(receiver, event))
            self._digits += event.text()
            self._last_press = now
            self._flush_timer.start()
            return True

        if event.key() in _ENTER_KEYS and not event.isAutoRepeat() and len(self._digits) >= self._min_length:
            card = self._digits
            self._swallow_swipe(event.key())
            log.info("Card read by keyboard-wedge reader")
            self.card_read.emit(card)
            return True

        self.flush()
        if event.key() not in _ENTER_KEYS:
            self._text_until = now + self._max_gap
        return False

    def _key_release(self, receiver: QWidget, event: QKeyEvent) -> bool:
        if event.isAutoRepeat():
            return False
        key = event.key()
        if key in self._eat_releases:
            self._eat_releases.discard(key)
            return True
        if self._held and _is_digit_key(event):
            self._held.append(_HeldKey.of(receiver, event))
            return True
        return False

    def _swallow_swipe(self, enter_key: int) -> None:
        pressed: dict[int, int] = {}
        for held in self._held:
            delta = 1 if held.type == QEvent.Type.KeyPress else -1
            pressed[held.key] = pressed.get(held.key, 0) + delta
        self._eat_releases = {key for key, n in pressed.items() if n > 0} | {enter_key}
        self._held.clear()
        self._digits = ""
        self._flush_timer.stop()

    # -- handing held keys back ---------------------------------------------

    def flush(self) -> None:
        """Deliver the held-back keys to the widgets they were meant for."""
        held, self._held = self._held, []
        self._digits = ""
        self._flush_timer.stop()
        for key in held:
            if not shiboken6.isValid(key.receiver):
                continue  # the widget was closed in the meantime
            replay = key.event()
            self._replaying.append(replay)
            try:
                QCoreApplication.sendEvent(key.receiver, replay)
            finally:
                self._replaying.pop()

    def _flush_if_stale(self) -> None:
        if not self._held:
            return
        if self._clock() - self._last_press > self._max_gap:
            self.flush()
        else:
            self._flush_timer.start()
