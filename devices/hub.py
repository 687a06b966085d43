"""One place the application listens to for card swipes, whatever reader is attached.

`CardReaderHub.card_read(str)` is what the main window connects to ("swiping a
card anywhere opens that card's person card"). A page that wants the swipe for
itself — the Inpasseringsuppgifter wizard page fills its card-number field —
pushes an interceptor while it is shown; the most recent interceptor gets the
swipe and `card_read` stays silent.

`configure()` builds the reader the desk settings ask for (serial reader,
keyboard-wedge filter or none) and stops the previous one.
"""
from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from devices.serial_reader import SerialCardReader
from devices.wedge import WedgeFilter


class ReaderSettings(Protocol):
    """What `configure` reads from the desk settings (widgets.desk_settings.DeskSettings has it): devices
    never import widgets, not even for a type (docs/decisions/layers.md)."""

    @property
    def reader_type(self) -> str: ...
    @property
    def serial_port(self) -> str: ...
    @property
    def baud_rate(self) -> int: ...
    @property
    def framing(self) -> str: ...

log = logging.getLogger("reception.devices")

Interceptor = Callable[[str], None]

NO_PORT_STATUS = "Ingen port är vald för kortläsaren – välj en under Inställningar för den här datorn"
WEDGE_STATUS = "Kortläsaren är tangentbordsemulerande"
NO_READER_STATUS = "Ingen kortläsare är vald"


class CardReaderHub(QObject):
    card_read = Signal(str)
    #: Swedish status text from the active reader ("Kortläsaren på COM3 är ansluten").
    status_changed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        """`clock` is the timing source of the keyboard-wedge filter (tests inject one)."""
        super().__init__(parent)
        self._clock = clock
        self._interceptors: list[tuple[int, Interceptor]] = []
        self._tokens = itertools.count(1)
        self._sources: list[QObject] = []
        self._active: SerialCardReader | WedgeFilter | None = None

    # -- sources -------------------------------------------------------------

    def attach(self, source: QObject) -> None:
        """Route `source.card_read(str)` (and `status_changed(str)`, if any) through the hub."""
        if source in self._sources:
            return
        source.card_read.connect(self._on_card)
        if hasattr(source, "status_changed"):
            source.status_changed.connect(self.status_changed)
        self._sources.append(source)

    def detach(self, source: QObject) -> None:
        if source not in self._sources:
            return
        source.card_read.disconnect(self._on_card)
        if hasattr(source, "status_changed"):
            source.status_changed.disconnect(self.status_changed)
        self._sources.remove(source)

    # -- interceptors --------------------------------------------------------

    def push_interceptor(self, interceptor: Interceptor) -> int:
        """Send swipes to `interceptor` instead of `card_read` until removed."""
        token = next(self._tokens)
        self._interceptors.append((token, interceptor))
        return token

    def remove_interceptor(self, token: int) -> None:
        """Remove the interceptor `token` names; removing it twice is harmless."""
        self._interceptors = [(t, f) for t, f in self._interceptors if t != token]

    @contextmanager
    def intercepting(self, interceptor: Interceptor) -> Iterator[int]:
        token = self.push_interceptor(interceptor)
        try:
            yield token
        finally:
            self.remove_interceptor(token)

    @Slot(str)
    def _on_card(self, card: str) -> None:
        if self._interceptors:
            self._interceptors[-1][1](card)
        else:
            self.card_read.emit(card)

    # -- the configured reader ----------------------------------------------

    @property
    def active_reader(self) -> SerialCardReader | WedgeFilter | None:
        return self._active

    def configure(self, settings: ReaderSettings, app: QCoreApplication) -> SerialCardReader | WedgeFilter | None:
        """Replace the active reader with the one `settings` describe; return it."""
        self.shutdown()
        reader: SerialCardReader | WedgeFilter | None
        if settings.reader_type == "serial" and settings.serial_port:
            reader = SerialCardReader(
                settings.serial_port, settings.baud_rate, settings.framing, parent=self
            )
            self.attach(reader)
            reader.start()
        elif settings.reader_type == "wedge":
            reader = WedgeFilter(clock=self._clock, parent=self)
            self.attach(reader)
            reader.install(app)
            self.status_changed.emit(WEDGE_STATUS)
        else:
            reader = None
            self.status_changed.emit(NO_PORT_STATUS if settings.reader_type == "serial" else NO_READER_STATUS)
        self._active = reader
        log.info("Card reader configured: %s", settings.reader_type)
        return reader

    def shutdown(self) -> None:
        """Stop the active reader (thread joined, filter removed)."""
        reader, self._active = self._active, None
        if reader is None:
            return
        if isinstance(reader, SerialCardReader):
            reader.stop()
        else:
            reader.uninstall()
        self.detach(reader)
        reader.setParent(None)
        reader.deleteLater()
