"""Card-reader protocols: line framing, RDM6300 frames with checksum, debouncing."""
from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.cardreader import (
    Debouncer,
    LineFramer,
    Rdm6300Framer,
    make_framer,
    rdm6300_card_number,
    rdm6300_checksum,
    rdm6300_frame,
)

# STX "0A0044F8A4" "12" ETX: 0x0A ^ 0x00 ^ 0x44 ^ 0xF8 ^ 0xA4 == 0x12, tag id 0x0044F8A4 == 4520100.
FRAME_A = b"\x020A0044F8A412\x03"
CARD_A = "0004520100"
# 0x1F ^ 0x00 ^ 0xD3 ^ 0xA2 ^ 0xC5 == 0xAB, tag id 0x00D3A2C5 == 13869765.
FRAME_B = b"\x021F00D3A2C5AB\x03"
CARD_B = "0013869765"


class TestLineFramer:
    def test_cr_lf_and_crlf_each_end_a_card(self):
        framer = LineFramer()
        assert framer.feed(b"123456\r654321\n777888\r\n") == ["123456", "654321", "777888"]

    def test_card_split_over_reads_is_joined(self):
        framer = LineFramer()
        assert framer.feed(b"12") == []
        assert framer.feed(b"34") == []
        assert framer.feed(b"56\r\n") == ["123456"]

    def test_whitespace_stripped_and_empty_lines_ignored(self):
        framer = LineFramer()
        assert framer.feed(b"\r\n\r\n  0012345  \r\n \t \n") == ["0012345"]

    def test_line_with_control_or_non_ascii_bytes_is_dropped_and_logged(self, caplog):
        framer = LineFramer()
        with caplog.at_level(logging.WARNING, logger="reception.devices"):
            cards = framer.feed(b"12\x0034\r\n\xff\xfe99\n555666\n")
        assert cards == ["555666"]
        assert sum("non-printable" in r.getMessage() for r in caplog.records) == 2

    def test_overlong_line_dropped_until_next_terminator(self, caplog):
        framer = LineFramer(max_length=8)
        with caplog.at_level(logging.WARNING, logger="reception.devices"):
            cards = framer.feed(b"1234567890123\n4321\n")
        assert cards == ["4321"]
        assert any("longer than 8" in r.getMessage() for r in caplog.records)

    def test_reset_forgets_half_a_line(self):
        framer = LineFramer()
        framer.feed(b"9999")
        framer.reset()
        assert framer.feed(b"1234\n") == ["1234"]

    @given(st.lists(st.integers(min_value=0, max_value=30), max_size=6))
    def test_any_split_of_the_stream_gives_the_same_cards(self, cuts):
        stream = b"junk\x01\r\n123456\r\nABC-42\n\xff\n7777\r"
        expected = LineFramer().feed(stream)
        framer = LineFramer()
        cards: list[str] = []
        start = 0
        for cut in sorted(cuts):
            cards += framer.feed(stream[start:cut])
            start = max(start, cut)
        cards += framer.feed(stream[start:])
        assert cards == expected == ["123456", "ABC-42", "7777"]


class TestRdm6300:
    def test_checksum_and_card_number(self):
        assert rdm6300_checksum("0A0044F8A4") == 0x12
        assert rdm6300_card_number("0A0044F8A4") == CARD_A
        assert rdm6300_card_number("FFFFFFFFFF") == "4294967295"

    def test_frame_builder_matches_hand_made_frames(self):
        assert rdm6300_frame("0A0044F8A4") == FRAME_A
        assert rdm6300_frame("1f00d3a2c5") == FRAME_B
        with pytest.raises(ValueError):
            rdm6300_frame("0A0044F8")

    def test_good_frames_give_cards(self):
        assert Rdm6300Framer().feed(FRAME_A + FRAME_B) == [CARD_A, CARD_B]

    def test_lower_case_hex_accepted(self):
        assert Rdm6300Framer().feed(b"\x020a0044f8a412\x03") == [CARD_A]

    def test_frame_split_byte_by_byte(self):
        framer = Rdm6300Framer()
        cards = [card for byte in FRAME_A for card in framer.feed(bytes([byte]))]
        assert cards == [CARD_A]

    def test_garbage_between_frames_dropped_and_logged(self, caplog):
        framer = Rdm6300Framer()
        with caplog.at_level(logging.WARNING, logger="reception.devices"):
            cards = framer.feed(b"\xff\x00noise" + FRAME_A + b"\r\n12" + FRAME_B)
        assert cards == [CARD_A, CARD_B]
        messages = [r.getMessage() for r in caplog.records]
        assert "7 byte(s) of noise between RDM6300 frames dropped" in messages
        assert "4 byte(s) of noise between RDM6300 frames dropped" in messages

    def test_bad_checksum_dropped_and_logged(self, caplog):
        framer = Rdm6300Framer()
        bad = b"\x020A0044F8A413\x03"
        with caplog.at_level(logging.WARNING, logger="reception.devices"):
            cards = framer.feed(bad + FRAME_B)
        assert cards == [CARD_B]
        assert any("bad checksum" in r.getMessage() and "expected 12" in r.getMessage() for r in caplog.records)

    @pytest.mark.parametrize(
        "frame",
        [
            b"\x020A0044F8A4\x03",  # no checksum
            b"\x020A0044F8G412\x03",  # not hex
            b"\x02\x03",  # empty
        ],
    )
    def test_malformed_frames_dropped(self, frame, caplog):
        with caplog.at_level(logging.WARNING, logger="reception.devices"):
            assert Rdm6300Framer().feed(frame + FRAME_A) == [CARD_A]
        assert any("Malformed" in r.getMessage() for r in caplog.records)

    def test_lost_etx_costs_only_that_frame(self):
        # The first frame's ETX was lost; the next STX starts a new frame.
        assert Rdm6300Framer().feed(FRAME_A[:-1] + FRAME_B) == [CARD_B]

    def test_overlong_frame_resynchronises_on_next_stx(self):
        assert Rdm6300Framer().feed(b"\x02" + b"A" * 40 + b"\x03" + FRAME_A) == [CARD_A]

    def test_reset_drops_half_a_frame(self):
        framer = Rdm6300Framer()
        framer.feed(FRAME_A[:6])
        framer.reset()
        assert framer.feed(FRAME_A[6:]) == []
        assert framer.feed(FRAME_B) == [CARD_B]


def test_make_framer():
    assert isinstance(make_framer("line"), LineFramer)
    assert isinstance(make_framer("rdm6300"), Rdm6300Framer)
    with pytest.raises(ValueError):
        make_framer("wiegand")


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TestDebouncer:
    def test_repeats_within_window_suppressed(self):
        clock = FakeMonotonic()
        debouncer = Debouncer(1.0, clock)
        assert debouncer.accept(CARD_A)
        clock.now += 0.2
        assert not debouncer.accept(CARD_A)
        clock.now += 0.2
        assert not debouncer.accept(CARD_A)

    def test_card_held_on_reader_stays_one_swipe(self):
        # The module repeats every 0.3 s for 5 s: each repeat restarts the window.
        clock = FakeMonotonic()
        debouncer = Debouncer(1.0, clock)
        accepted = []
        for _ in range(17):
            accepted.append(debouncer.accept(CARD_A))
            clock.now += 0.3
        assert accepted.count(True) == 1

    def test_same_card_after_window_is_a_new_swipe(self):
        clock = FakeMonotonic()
        debouncer = Debouncer(1.0, clock)
        assert debouncer.accept(CARD_A)
        clock.now += 1.0
        assert debouncer.accept(CARD_A)

    def test_other_card_goes_through_at_once(self):
        clock = FakeMonotonic()
        debouncer = Debouncer(1.0, clock)
        assert debouncer.accept(CARD_A)
        assert debouncer.accept(CARD_B)
        assert debouncer.accept(CARD_A)

    def test_reset_lets_the_same_card_through(self):
        clock = FakeMonotonic()
        debouncer = Debouncer(1.0, clock)
        debouncer.accept(CARD_A)
        debouncer.reset()
        assert debouncer.accept(CARD_A)

    def test_negative_window_rejected(self):
        with pytest.raises(ValueError):
            Debouncer(-1)
