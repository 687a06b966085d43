"""What every screen gets: the core, the logged-in user, desk devices and the message bus.

Built once at the composition root (widgets.app, started by reception.launcher) and handed to
widgets and wizards through their constructors — no globals.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.context import Actor, Core


class Bus(QObject):
    """Application-wide notifications. Widgets emit and listen; nothing here knows about widgets."""

    open_person = Signal(int)            # show this person's card
    open_organisation = Signal(int)      # show this organisation's card
    person_changed = Signal(int)         # a routine changed this person: reload views of it
    order_created = Signal(int)          # a routine created this order: open it in the till
    status = Signal(str)                 # short text for the status bar


@dataclass
class UiServices:
    core: Core
    actor: Actor
    bus: Bus
    user_data_dir: Path
    desk: Any = None      # widgets.desk_settings.DeskSettings
    cards: Any = None     # devices.hub.CardReaderHub
    postal: Any = None    # app.postal.PostalCodes
    extra: dict = field(default_factory=dict)


#: The floors above the widgets add their menu actions to a desk's services through these (issue 14 §7):
#: importing the `wizards` package registers the wizards' entries here, so the main window shows them
#: without importing a floor above its own. The program's entry (reception/launcher.py) imports it;
#: so do tests and benchmarks that build a MainWindow. See docs/decisions/layers.md.
ACTION_PROVIDERS: list = []


def add_action_provider(provider) -> None:
    """provider(services) registers its entries in services.extra (see MainWindow._register_actions)."""
    if provider not in ACTION_PROVIDERS:
        ACTION_PROVIDERS.append(provider)
