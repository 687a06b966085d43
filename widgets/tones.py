"""Text colours that read in a light and in a dark Windows theme (issue 14 §5).

A fixed grey (``color: #555``) or dark red on a dark window is invisible. So:

* muted text (help, hints, secondary lines) is derived from the palette's roles — :func:`set_muted`
  gives the label the theme's text colour blended into its window colour (:func:`muted_color`), so it
  is dimmed and readable in every theme;
* the signal colours (error red, OK green, warning amber, info blue) have no palette role: :func:`tone` picks
  the light-theme colour or a lighter one when the window is dark (:func:`is_dark`), as the label is
  made or its message is set. A theme switched while a window is open applies to the next window.

Banners and chips that paint their own background keep their own text colour (they read in any
theme); printed receipts and invoices are paper and keep theirs.
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

#: name -> (on a light window, on a dark window). Each pair has at least 4.5:1 contrast on its background.
TONES: dict[str, tuple[str, str]] = {
    "error": ("#b00020", "#ff8a80"),
    "ok": ("#1b5e20", "#81c784"),
    "warning": ("#8a5a00", "#ffcc80"),
    "info": ("#1d4ed8", "#93c5fd"),
}


def is_dark(palette: QPalette | None = None) -> bool:
    """Is the window background dark (a dark theme)?"""
    palette = palette if palette is not None else QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def tone(name: str, palette: QPalette | None = None) -> str:
    light, dark = TONES[name]
    return dark if is_dark(palette) else light


def tone_color(name: str, palette: QPalette | None = None) -> QColor:
    return QColor(tone(name, palette))


def tone_style(name: str, extra: str = "") -> str:
    """A style sheet for a text in this tone, e.g. ``tone_style("error", "font-weight: 600;")``."""
    return f"color: {tone(name)};{(' ' + extra) if extra else ''}"


def muted_color(palette: QPalette | None = None) -> QColor:
    """The theme's dimmed text colour: its text colour (WindowText) 62 % over its window colour. Qt's own
    PlaceholderText (half-transparent text) is too faint for help texts in the light theme (3.9:1); this
    blend reads at 6:1 or more in light and dark themes alike."""
    palette = palette if palette is not None else QGuiApplication.palette()
    text, window = palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window)
    share = 0.62
    return QColor.fromRgbF(*(share * a + (1 - share) * b for a, b in (
        (text.redF(), window.redF()), (text.greenF(), window.greenF()), (text.blueF(), window.blueF()))))


def set_muted(widget: QWidget) -> QWidget:
    """Dimmed, secondary text in the theme's own colours (derived from its palette when the widget is made)."""
    palette = widget.palette()
    colour = muted_color(palette)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        palette.setColor(role, colour)
    widget.setPalette(palette)
    return widget
