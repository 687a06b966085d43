"""Every window fits the screen it opens on (issue 14 §5): never larger than the screen's available area.

A front-desk laptop is often 1280×800 at 150 % scaling: Qt then sees 853×533 logical pixels
(:data:`SMALLEST_SCREEN`). Windows ask for a comfortable size (``resize`` in their constructor);
:func:`fit_to_screen` brings it down to the available area, less the window frame, and moves the
frame inside it. The smallest size of every window (its layout's minimum, or an explicit
``setMinimumSize``) must fit :data:`SMALLEST_SCREEN` — tests/widgets/test_screen_fit.py checks
each window and dialog.

:class:`ScreenFit`, installed on the application at start (widgets/app.py), does this for every
window the moment it is first shown — the main window, the till, each wizard and dialog, and
Qt's own message boxes — so no window has to remember it.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

#: 1280×800 at 150 % scaling, in logical pixels.
SMALLEST_SCREEN = QSize(853, 533)
#: The window manager's frame (title bar and borders) when the window has none yet (before it is shown).
DEFAULT_FRAME = QSize(8, 32)
_FITTED = "reception_screen_fitted"


def available_geometry(widget: QWidget) -> QRect:
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1920, 1080)


def frame_size(window: QWidget) -> QSize:
    """The frame around the window's contents (as the window manager draws it, or a typical one)."""
    frame = window.frameGeometry().size() - window.geometry().size()
    return frame if frame.width() > 0 or frame.height() > 0 else QSize(DEFAULT_FRAME)


def smallest_size(window: QWidget) -> QSize:
    """The least the window can be made: its explicit minimum, or what its layout needs."""
    explicit = window.minimumSize()
    hint = window.minimumSizeHint()
    layout = window.layout()
    needed = layout.totalMinimumSize() if layout is not None else QSize(0, 0)
    if hint.isValid():
        needed = needed.expandedTo(hint)
    if explicit.width() > 0 or explicit.height() > 0:
        # An explicit minimum wins over the layout (Qt squeezes the contents then): both must fit.
        return explicit.expandedTo(needed)
    return needed


def fits(window: QWidget, available: QRect | QSize = SMALLEST_SCREEN) -> bool:
    room = available.size() if isinstance(available, QRect) else available
    least = smallest_size(window) + DEFAULT_FRAME
    return least.width() <= room.width() and least.height() <= room.height()


def fit_to_screen(window: QWidget, preferred: QSize | None = None, available: QRect | None = None) -> None:
    """Size ``window`` to ``preferred`` (default: its current size), never larger than the available
    area (default: its screen's) less the frame, and move its frame inside that area."""
    area = available if available is not None else available_geometry(window)
    frame = frame_size(window)
    wanted = QSize(preferred) if preferred is not None else window.size()
    room = area.size() - frame
    size = wanted.boundedTo(room).expandedTo(window.minimumSize())
    if size != window.size():
        window.resize(size)
    outer = QRect(window.frameGeometry().topLeft(), size + frame)
    if not area.contains(outer):
        x = min(max(outer.left(), area.left()), max(area.left(), area.right() + 1 - outer.width()))
        y = min(max(outer.top(), area.top()), max(area.top(), area.bottom() + 1 - outer.height()))
        if outer.left() != x or outer.top() != y:
            window.move(x, y)
    window.setProperty(_FITTED, True)


class ScreenFit(QObject):
    """Fits each window to its screen when it is first shown (see the module text)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow() \
                and watched.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog) \
                and not watched.property(_FITTED):
            fit_to_screen(watched)
        return False


def uninstall_screen_fit(app: QApplication) -> None:
    for fit in app.findChildren(ScreenFit):
        app.removeEventFilter(fit)
        fit.setParent(None)
        fit.deleteLater()


def install_screen_fit(app: QApplication) -> ScreenFit:
    existing = app.findChild(ScreenFit)
    if existing is not None:
        return existing
    fit = ScreenFit(app)
    app.installEventFilter(fit)
    return fit
