"""The app's input rules (app.domain.inputs) on the widgets: one length per field, the desk's country.

``limit(edit, field)`` gives a QLineEdit the same maximum length the model column declares
(db/models.py String(n)), read through app.domain.inputs.max_length — never a second number.
"""
from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from app.domain.inputs import PHONE_COUNTRIES, max_length


def limit(edit: QLineEdit, field: str) -> QLineEdit:
    edit.setMaxLength(max_length(field))
    return edit


def desk_country(services) -> str:
    """The desk's default country (Inställningar för den här datorn), for phones and postal codes."""
    desk = getattr(services, "desk", None)
    country = getattr(desk, "default_country", None) if desk is not None else None
    return country if country in PHONE_COUNTRIES else "SE"
