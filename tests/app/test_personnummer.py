from datetime import date

import pytest

from app.domain.personnummer import age_on, is_valid_personnummer, parse_personnummer
from app.errors import ValidationError

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("typed", ["198507099805", "19850709-9805", "850709-9805", "8507099805", "850709 9805",
                                   " 19850709 9805 "])
def test_every_way_of_typing_gives_the_canonical_12_digits(typed):
    p = parse_personnummer(typed, TODAY)
    assert p.digits12 == "198507099805"
    assert p.birth_date == date(1985, 7, 9)
    assert not p.is_coordination
    assert p.gender == "K"
    assert p.formatted() == "19850709-9805"


def test_plus_means_a_hundred_years_or_more():
    p = parse_personnummer("121212+1212", TODAY)
    assert p.digits12 == "191212121212"
    assert p.age(TODAY) == 113
    assert p.short(TODAY) == "121212+1212"
    assert parse_personnummer("121212-1212", TODAY).digits12 == "201212121212"


def test_samordningsnummer_is_accepted_and_flagged():
    p = parse_personnummer("19850769-9802", TODAY)
    assert p.is_coordination
    assert p.birth_date == date(1985, 7, 9)


def test_ten_digits_take_the_century_from_the_injected_today():
    # Born 2020-01-01 as seen in 2026; the same digits seen in 2019 mean 1920.
    assert parse_personnummer("2001012380", date(2026, 1, 1)).digits12 == "202001012380"
    assert parse_personnummer("2001012380", date(2019, 1, 1)).digits12 == "192001012380"


@pytest.mark.parametrize("typed, message", [
    ("850709-9806", "kontrollsiffran"),
    ("851309-9806", "giltigt datum"),
    ("85070", "10 eller 12 siffror"),
    ("", "Ange personnummer"),
    ("abcdefghij", "10 eller 12 siffror"),
])
def test_bad_input_gets_a_swedish_message_at_the_field(typed, message):
    with pytest.raises(ValidationError) as info:
        parse_personnummer(typed, TODAY)
    assert message in str(info.value)
    assert info.value.field == "personnummer"
    assert not is_valid_personnummer(typed, TODAY)


def test_age_counts_birthdays():
    assert age_on(date(1961, 11, 23), TODAY) == 64
    assert age_on(date(1961, 11, 22), TODAY) == 65
