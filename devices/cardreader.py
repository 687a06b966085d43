"""Card-reader protocols: bytes from a serial reader in, card-number strings out.

Qt-free and I/O-free so the rules can be tested with plain bytes. The serial
worker (devices/serial_reader.py) feeds whatever `read()` returned into a framer
and passes each card through a `Debouncer`.

Two framings exist at the desks:

- `LineFramer`: readers that send the card number as ASCII text ended by CR, LF
  or CRLF (most magnetic-stripe and many USB-serial RFID readers).
- `Rdm6300Framer`: 125 kHz RFID modules of the RDM6300 kind, which send
  STX, 10 ASCII hex digits, 2 ASCII hex digits of XOR checksum, ETX, and repeat
  that frame for as long as the tag stays in the field.

The card number an RDM6300 frame yields is decided in
docs/decisions/card-numbers.md: the decimal value of the last 8 hex digits,
zero-padded to 10 digits (what is printed on the cards and what keyboard-wedge
125 kHz readers type).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger("reception.devices")

STX = 0x02
ETX = 0x03

#: Longest card text a line reader may send; anything longer is noise on the line.
MAX_LINE_LENGTH = 64


def _printable_ascii(text: str) -> bool:
    return all(0x20 <= ord(ch) <= 0x7E for ch in text)


class LineFramer:
    """ASCII lines ended by CR, LF or CRLF; each non-empty line is one card.

    Surrounding whitespace is stripped. A line holding control characters or
    non-ASCII bytes is line noise (a reader starting up, a half-read swipe) and
    is dropped and logged, as is a line longer than `max_length`.
    """

    def __init__(self, max_length: int = MAX_LINE_LENGTH) -> None:
        self._max_length = max_length
        self._buffer = bytearray()
        self._overflowed = False

    def reset(self) -> None:
        """Forget a half-received line (the port was reopened)."""
        self._buffer.clear()
        self._overflowed = False

    def feed(self, data: bytes) -> list[str]:
        cards: list[str] = []
        for byte in data:
            if byte in (0x0D, 0x0A):
                card = self._end_line()
                if card is not None:
                    cards.append(card)
                continue
            if self._overflowed:
                continue
            self._buffer.append(byte)
            if len(self._buffer) > self._max_length:
                log.warning("Card reader line longer than %d bytes dropped", self._max_length)
                self._buffer.clear()
                self._overflowed = True
        return cards

    def _end_line(self) -> str | None:
        raw = bytes(self._buffer)
        overflowed = self._overflowed
        self.reset()
        if overflowed:
            return None
        text = raw.decode("latin-1").strip()
        if not text:
            # CRLF yields an empty line between CR and LF; not worth a log line.
            return None
        if not _printable_ascii(text):
            log.warning("Card reader line with non-printable bytes dropped: %r", raw)
            return None
        return text


def rdm6300_checksum(data_hex: str) -> int:
    """XOR of the five bytes spelled by 10 hex digits."""
    value = 0
    for i in range(0, 10, 2):
        value ^= int(data_hex[i:i + 2], 16)
    return value


def rdm6300_card_number(data_hex: str) -> str:
    """Card number for the 10 hex data digits of an RDM6300 frame.

    The first two digits are the version/customer byte; the last eight are the
    32-bit tag id, whose decimal value (10 digits, zero-padded) is what is printed
    on 125 kHz cards. See docs/decisions/card-numbers.md.
    """
    return f"{int(data_hex[2:], 16):010d}"


def rdm6300_frame(data_hex: str) -> bytes:
    """The bytes an RDM6300 sends for a tag: STX, data, checksum, ETX."""
    data_hex = data_hex.upper()
    if len(data_hex) != 10 or any(ch not in "0123456789ABCDEF" for ch in data_hex):
        raise ValueError(f"RDM6300 data must be 10 hex digits, not {data_hex!r}")
    return bytes([STX]) + f"{data_hex}{rdm6300_checksum(data_hex):02X}".encode("ascii") + bytes([ETX])


_HEX = frozenset(b"0123456789ABCDEFabcdef")
_PAYLOAD_LENGTH = 12  # 10 data + 2 checksum


class Rdm6300Framer:
    """STX/ETX frames of an RDM6300-style 125 kHz module, checksum checked.

    Bytes outside a frame (noise when the module powers up, a tag half in the
    field) are dropped and logged once per run; a frame with the wrong length,
    non-hex digits or a wrong checksum is dropped and logged. A new STX inside a
    frame starts over, so one lost ETX costs one frame, not the next one too.
    """

    def __init__(self) -> None:
        self._payload = bytearray()
        self._in_frame = False
        self._garbage = 0

    def reset(self) -> None:
        self._payload.clear()
        self._in_frame = False
        self._garbage = 0

    def feed(self, data: bytes) -> list[str]:
        cards: list[str] = []
        for byte in data:
            if byte == STX:
                self._flush_garbage()
                if self._in_frame:
                    log.warning("RDM6300 frame without ETX dropped: %r", bytes(self._payload))
                self._payload.clear()
                self._in_frame = True
            elif not self._in_frame:
                self._garbage += 1
            elif byte == ETX:
                card = self._end_frame()
                if card is not None:
                    cards.append(card)
            else:
                self._payload.append(byte)
                if len(self._payload) > _PAYLOAD_LENGTH:
                    log.warning("RDM6300 frame too long dropped: %r", bytes(self._payload))
                    self._payload.clear()
                    self._in_frame = False
        return cards

    def _flush_garbage(self) -> None:
        if self._garbage:
            log.warning("%d byte(s) of noise between RDM6300 frames dropped", self._garbage)
            self._garbage = 0

    def _end_frame(self) -> str | None:
        payload = bytes(self._payload)
        self._payload.clear()
        self._in_frame = False
        if len(payload) != _PAYLOAD_LENGTH or not set(payload) <= _HEX:
            log.warning("Malformed RDM6300 frame dropped: %r", payload)
            return None
        text = payload.decode("ascii").upper()
        data_hex, checksum = text[:10], int(text[10:], 16)
        expected = rdm6300_checksum(data_hex)
        if checksum != expected:
            log.warning(
                "RDM6300 frame with bad checksum dropped: %s (got %02X, expected %02X)",
                text, checksum, expected,
            )
            return None
        return rdm6300_card_number(data_hex)


Framer = LineFramer | Rdm6300Framer


def make_framer(framing: str) -> Framer:
    """The framer for a desk setting value: 'line' or 'rdm6300'."""
    if framing == "line":
        return LineFramer()
    if framing == "rdm6300":
        return Rdm6300Framer()
    raise ValueError(f"Unknown card reader framing {framing!r}")


class Debouncer:
    """Lets a card through once while it is held against the reader.

    An RDM6300 repeats its frame several times a second while the tag is in the
    field. The same card seen again within `window_s` of the last time it was
    seen is suppressed; every sighting restarts the window, so a card left lying
    on the reader gives one swipe, and lifting it and presenting it again after
    the window gives another. A different card always goes through at once.
    """

    def __init__(self, window_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        if window_s < 0:
            raise ValueError("window_s must not be negative")
        self._window = window_s
        self._now = monotonic
        self._last_card: str | None = None
        self._last_seen = 0.0

    def accept(self, card: str) -> bool:
        now = self._now()
        repeated = card == self._last_card and now - self._last_seen < self._window
        self._last_card = card
        self._last_seen = now
        return not repeated

    def reset(self) -> None:
        self._last_card = None
