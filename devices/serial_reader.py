"""Serial card readers: pyserial in a worker thread, cards to the UI as a Qt signal.

`SerialPortWorker` is Qt-free: a Python thread that opens the port with
`serial.serial_for_url` (so `loop://` and `socket://` work as well as
`/dev/ttyUSB0` and `COM3`), feeds what it reads through a framer and a
debouncer, and hands cards and status changes to two callbacks. When the
reader is unplugged the read fails; the worker closes the port and tries to
open it again every `retry_s` until it comes back.

`SerialCardReader` is the thin Qt adapter the application uses. The worker's
callbacks emit private signals that are connected with queued connections, so
`card_read` and `status_changed` are always emitted on the thread the adapter
lives in (the UI thread), never on the worker thread.
"""
from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable

import serial
from PySide6.QtCore import QObject, Qt, Signal, Slot

from devices.cardreader import Debouncer, make_framer

log = logging.getLogger("reception.devices")

#: How long one read may block; bounds how quickly `stop()` returns.
READ_TIMEOUT_S = 0.1


class PortState(enum.Enum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # was open, then went away
    UNAVAILABLE = "unavailable"  # could not be opened (yet)
    STOPPED = "stopped"


def status_text(state: PortState, port: str) -> str:
    """The Swedish status line shown in the status bar for a reader state."""
    if state is PortState.CONNECTED:
        return f"Kortläsaren på {port} är ansluten"
    if state is PortState.DISCONNECTED:
        return f"Kortläsaren på {port} är frånkopplad – försöker igen"
    if state is PortState.UNAVAILABLE:
        return f"Kortläsaren på {port} kan inte öppnas – försöker igen"
    return "Kortläsaren är avstängd"


Opener = Callable[[], serial.SerialBase]


class SerialPortWorker:
    """Reads one serial card reader on its own thread until `stop()`.

    `on_card(card)` and `on_state(state)` are called on the worker thread;
    the caller is responsible for getting them to its own thread.
    `opener` returns an open port; the default opens `url` with pyserial.
    """

    def __init__(
        self,
        url: str,
        *,
        baud_rate: int = 9600,
        framing: str = "line",
        on_card: Callable[[str], None],
        on_state: Callable[[PortState], None],
        debounce_s: float = 1.0,
        retry_s: float = 1.0,
        opener: Opener | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._baud_rate = baud_rate
        self._framer = make_framer(framing)
        self._debouncer = Debouncer(debounce_s, monotonic)
        self._on_card = on_card
        self._on_state = on_state
        self._retry_s = retry_s
        self._opener = opener or self._open_url
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state: PortState | None = None

    def _open_url(self) -> serial.SerialBase:
        # exclusive: a second program (or a second copy of this one) must not
        # steal half the bytes of a swipe.
        return serial.serial_for_url(
            self.url, baudrate=self._baud_rate, timeout=READ_TIMEOUT_S, exclusive=True
        )

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"card-reader {self.url}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading, close the port and wait for the thread to end."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.error("Card reader thread for %s did not stop within %.1f s", self.url, timeout)

    def _set_state(self, state: PortState) -> None:
        if state is not self._state:
            self._state = state
            self._on_state(state)

    def _run(self) -> None:
        port: serial.SerialBase | None = None
        try:
            while not self._stop.is_set():
                if port is None:
                    port = self._try_open()
                    if port is None:
                        self._stop.wait(self._retry_s)
                    continue
                try:
                    data = port.read(1)
                    if data:
                        data += port.read(port.in_waiting)
                except (serial.SerialException, OSError) as exc:
                    log.warning("Card reader on %s lost: %s", self.url, exc)
                    self._close(port)
                    port = None
                    self._set_state(PortState.DISCONNECTED)
                    continue
                for card in self._framer.feed(data):
                    if self._debouncer.accept(card):
                        self._on_card(card)
        except Exception:
            # A bug, not a device fault: say so in the log rather than let the
            # thread vanish silently; the status below tells the desk it stopped.
            log.exception("Card reader thread for %s crashed", self.url)
        finally:
            if port is not None:
                self._close(port)
            try:
                self._set_state(PortState.STOPPED)
            except RuntimeError:  # the Qt side is already gone at shutdown
                log.debug("Card reader %s stopped after its Qt adapter was deleted", self.url)

    def _try_open(self) -> serial.SerialBase | None:
        try:
            port = self._opener()
        except (serial.SerialException, OSError, ValueError) as exc:
            if self._state not in (PortState.DISCONNECTED, PortState.UNAVAILABLE):
                log.warning("Card reader on %s cannot be opened: %s", self.url, exc)
            if self._state is not PortState.DISCONNECTED:
                self._set_state(PortState.UNAVAILABLE)
            return None
        self._framer.reset()
        log.info("Card reader on %s opened", self.url)
        self._set_state(PortState.CONNECTED)
        return port

    def _close(self, port: serial.SerialBase) -> None:
        try:
            port.close()
        except (serial.SerialException, OSError) as exc:
            log.info("Closing card reader port %s failed: %s", self.url, exc)


class SerialCardReader(QObject):
    """A serial card reader as a Qt object: `card_read(str)` and `status_changed(str)`.

    Create it on the UI thread, call `start()`, and `stop()` before it is
    deleted (the hub does both).
    """

    card_read = Signal(str)
    status_changed = Signal(str)

    # Emitted on the worker thread, delivered queued on this object's thread.
    _card_from_worker = Signal(str)
    _state_from_worker = Signal(str)

    def __init__(
        self,
        url: str,
        baud_rate: int = 9600,
        framing: str = "line",
        *,
        debounce_s: float = 1.0,
        retry_ms: int = 1000,
        opener: Opener | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._status = ""
        self._worker = SerialPortWorker(
            url,
            baud_rate=baud_rate,
            framing=framing,
            on_card=self._card_from_worker.emit,
            on_state=lambda state: self._state_from_worker.emit(state.value),
            debounce_s=debounce_s,
            retry_s=retry_ms / 1000,
            opener=opener,
            monotonic=monotonic,
        )
        self._card_from_worker.connect(self._deliver_card, Qt.ConnectionType.QueuedConnection)
        self._state_from_worker.connect(self._deliver_state, Qt.ConnectionType.QueuedConnection)

    @property
    def port(self) -> str:
        return self._worker.url

    @property
    def status(self) -> str:
        """The latest status text (empty before the first attempt to open)."""
        return self._status

    @property
    def running(self) -> bool:
        return self._worker.running

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        self._worker.stop()

    @Slot(str)
    def _deliver_card(self, card: str) -> None:
        self.card_read.emit(card)

    @Slot(str)
    def _deliver_state(self, state: str) -> None:
        self._status = status_text(PortState(state), self._worker.url)
        self.status_changed.emit(self._status)
