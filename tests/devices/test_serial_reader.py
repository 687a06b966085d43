"""The serial card reader against a real pseudo-terminal and pyserial's loop://.

`PluggableReader` is a pty pair standing in for a USB serial reader. The reader
opens a symlink to the slave side, the way a desk is configured with
/dev/serial/by-id/…: plugging creates the pty and the link, unplugging closes
the pty (the reader's read fails, as with a pulled USB cable) and removes the
link (reopening fails until it is plugged in again).
"""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest
import serial
from PySide6.QtCore import QCoreApplication, QThread

from devices.serial_reader import PortState, SerialCardReader, status_text

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")

FRAME_A = b"\x020A0044F8A412\x03"
CARD_A = "0004520100"
FRAME_B = b"\x021F00D3A2C5AB\x03"
CARD_B = "0013869765"
BAD_CHECKSUM = b"\x02000000000102\x03"  # card 0000000001, checksum should be 01


class PluggableReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._master: int | None = None
        self._slave: int | None = None

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> None:
        self._master, self._slave = os.openpty()
        os.symlink(os.ttyname(self._slave), self.path)

    def unplug(self) -> None:
        self.path.unlink()
        os.close(self._master)
        os.close(self._slave)
        self._master = self._slave = None

    def send(self, data: bytes) -> None:
        assert self._master is not None
        os.write(self._master, data)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def device(tmp_path):
    reader = PluggableReader(tmp_path / "usb-card-reader")
    yield reader
    if reader.plugged:
        reader.unplug()


@pytest.fixture
def make_reader(qtbot):
    readers: list[SerialCardReader] = []

    def make(url: str, **kwargs) -> SerialCardReader:
        kwargs.setdefault("retry_ms", 20)
        reader = SerialCardReader(url, **kwargs)
        readers.append(reader)
        reader.start()
        return reader

    yield make
    for reader in readers:
        reader.stop()
        assert not reader.running
    assert not [t for t in threading.enumerate() if t.name.startswith("card-reader")]


def connected(reader: SerialCardReader) -> bool:
    return reader.status == status_text(PortState.CONNECTED, reader.port)


def collect(reader: SerialCardReader) -> list[str]:
    cards: list[str] = []
    reader.card_read.connect(cards.append)
    return cards


def test_line_reader_on_a_pty_delivers_cards_on_the_ui_thread(qtbot, device, make_reader):
    device.plug()
    reader = make_reader(str(device.path), framing="line")
    qtbot.waitUntil(lambda: connected(reader))
    assert reader.status == f"Kortläsaren på {device.path} är ansluten"

    threads = []
    reader.card_read.connect(lambda _card: threads.append((threading.get_ident(), QThread.currentThread())))
    with qtbot.waitSignal(reader.card_read, check_params_cb=lambda card: card == "7355608") as blocker:
        device.send(b"7355608\r\n")
    assert blocker.args == ["7355608"]
    assert threads == [(threading.main_thread().ident, QCoreApplication.instance().thread())]


def test_rdm6300_drops_garbage_and_bad_checksum_and_debounces_repeats(qtbot, device, make_reader):
    device.plug()
    clock = FakeMonotonic()
    reader = make_reader(str(device.path), framing="rdm6300", debounce_s=1.0, monotonic=clock)
    qtbot.waitUntil(lambda: connected(reader))
    cards = collect(reader)

    # The tag lies in the field: three repeats, noise, a corrupted frame, then a second card.
    device.send(b"\xff\x00" + FRAME_A + FRAME_A + b"\x13\x37" + FRAME_A + BAD_CHECKSUM + b"zz" + FRAME_B)
    qtbot.waitUntil(lambda: CARD_B in cards)
    assert cards == [CARD_A, CARD_B]

    # Presented again after the window: a new swipe.
    clock.now += 2.0
    device.send(FRAME_A)
    qtbot.waitUntil(lambda: len(cards) == 3)
    assert cards == [CARD_A, CARD_B, CARD_A]


def test_frame_split_across_writes_is_joined(qtbot, device, make_reader):
    device.plug()
    reader = make_reader(str(device.path), framing="rdm6300")
    qtbot.waitUntil(lambda: connected(reader))
    with qtbot.waitSignal(reader.card_read) as blocker:
        device.send(FRAME_B[:5])
        qtbot.wait(30)
        device.send(FRAME_B[5:])
    assert blocker.args == [CARD_B]


def test_unplug_and_replug_reopens_the_port(qtbot, device, make_reader):
    device.plug()
    reader = make_reader(str(device.path), framing="line")
    qtbot.waitUntil(lambda: connected(reader))
    statuses: list[str] = []
    reader.status_changed.connect(statuses.append)
    cards = collect(reader)
    device.send(b"111111\n")
    qtbot.waitUntil(lambda: cards == ["111111"])

    device.unplug()
    disconnected = status_text(PortState.DISCONNECTED, str(device.path))
    qtbot.waitUntil(lambda: reader.status == disconnected)
    assert disconnected == f"Kortläsaren på {device.path} är frånkopplad – försöker igen"
    qtbot.wait(100)  # several failed reopen attempts while unplugged
    assert reader.status == disconnected
    assert reader.running

    device.plug()
    qtbot.waitUntil(lambda: connected(reader))
    device.send(b"222222\r")
    qtbot.waitUntil(lambda: cards == ["111111", "222222"])
    assert statuses == [disconnected, status_text(PortState.CONNECTED, str(device.path))]


def test_reader_absent_at_start_is_picked_up_when_plugged_in(qtbot, device, make_reader):
    reader = make_reader(str(device.path))
    unavailable = f"Kortläsaren på {device.path} kan inte öppnas – försöker igen"
    qtbot.waitUntil(lambda: reader.status == unavailable)
    device.plug()
    qtbot.waitUntil(lambda: connected(reader))
    with qtbot.waitSignal(reader.card_read) as blocker:
        device.send(b"424242\n")
    assert blocker.args == ["424242"]


def test_port_is_opened_exclusively_and_released_on_stop(qtbot, device, make_reader):
    device.plug()
    first = make_reader(str(device.path))
    qtbot.waitUntil(lambda: connected(first))
    second = make_reader(str(device.path))
    qtbot.waitUntil(lambda: second.status.endswith("kan inte öppnas – försöker igen"))
    second.stop()

    first.stop()
    assert not first.running
    with serial.Serial(str(device.path), exclusive=True):
        pass  # the lock is gone: the reader closed its port on stop


def test_stop_reports_the_reader_as_stopped(qtbot, device, make_reader):
    device.plug()
    reader = make_reader(str(device.path))
    qtbot.waitUntil(lambda: connected(reader))
    reader.stop()
    qtbot.waitUntil(lambda: reader.status == "Kortläsaren är avstängd")


def test_loop_url_is_opened_through_serial_for_url(qtbot, make_reader):
    reader = make_reader("loop://")
    qtbot.waitUntil(lambda: reader.status == "Kortläsaren på loop:// är ansluten")


def test_loop_port_with_noise_and_bad_checksum(qtbot, make_reader):
    port = serial.serial_for_url("loop://", timeout=0.05)
    reader = make_reader("loop://", framing="rdm6300", opener=lambda: port)
    qtbot.waitUntil(lambda: connected(reader))
    cards = collect(reader)
    port.write(b"garbage" + BAD_CHECKSUM + b"\r\n" + FRAME_B + FRAME_A)
    qtbot.waitUntil(lambda: CARD_A in cards)
    assert cards == [CARD_B, CARD_A]
    reader.stop()
    assert not port.is_open


def test_loop_port_that_fails_is_closed_and_reopened(qtbot, make_reader):
    # A port whose read raises like a pulled USB cable the first time it is opened.
    opened: list[serial.SerialBase] = []

    class FlakyLoop(serial.serial_for_url("loop://", do_not_open=True).__class__):
        def read(self, size=1):
            if len(opened) == 1:
                raise serial.SerialException("device reports readiness to read but returned no data")
            return super().read(size)

    def opener():
        port = FlakyLoop("loop://", timeout=0.05)
        opened.append(port)
        return port

    reader = make_reader("loop://", opener=opener)
    qtbot.waitUntil(lambda: len(opened) == 2 and connected(reader))
    assert not opened[0].is_open
    cards = collect(reader)
    opened[1].write(b"99887766\n")
    qtbot.waitUntil(lambda: cards == ["99887766"])


def test_status_texts():
    assert status_text(PortState.CONNECTED, "COM3") == "Kortläsaren på COM3 är ansluten"
    assert status_text(PortState.DISCONNECTED, "COM3") == "Kortläsaren på COM3 är frånkopplad – försöker igen"
    assert status_text(PortState.UNAVAILABLE, "COM3") == "Kortläsaren på COM3 kan inte öppnas – försöker igen"
    assert status_text(PortState.STOPPED, "COM3") == "Kortläsaren är avstängd"


def test_a_crashing_consumer_is_logged_and_the_thread_ends(qtbot, caplog):
    from devices.serial_reader import SerialPortWorker

    port = serial.serial_for_url("loop://", timeout=0.05)
    states: list[PortState] = []

    def broken_consumer(card: str) -> None:
        raise KeyError(card)

    worker = SerialPortWorker("loop://", opener=lambda: port, on_card=broken_consumer, on_state=states.append)
    worker.start()
    try:
        port.write(b"123456\n")
        qtbot.waitUntil(lambda: not worker.running)
    finally:
        worker.stop()
    assert states == [PortState.CONNECTED, PortState.STOPPED]
    assert "Card reader thread for loop:// crashed" in caplog.text
    assert not port.is_open
