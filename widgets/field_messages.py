"""The message under a field (or a whole form): red for what blocks, amber for a warning, hidden when empty.

Shared by the wizards' pages (wizards/base.py re-exports these) and by the administration dialogs in
widgets/, which sit one layer below the wizards and so take them from here (docs/decisions/layers.md).
"""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from widgets.tones import tone_style

# The light-theme styles; labels take theirs from widgets.tones when made (a dark theme gets lighter tones).
ERROR_STYLE = "color: #b00020;"
WARNING_STYLE = "color: #8a5a00;"


def make_error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setStyleSheet(tone_style("error"))
    label.setWordWrap(True)
    label.hide()
    return label


def set_message(label: QLabel, text: str | None) -> None:
    label.setText(text or "")
    label.setVisible(bool(text))
