import pytest

from app.domain.bankaccount import parse_bank_account
from app.domain.money import format_sek, parse_sek, vat_part
from app.domain.orgnr import parse_orgnr
from app.errors import ValidationError


@pytest.mark.parametrize("ore, text", [(0, "0,00 kr"), (5, "0,05 kr"), (123450, "1 234,50 kr"),
                                       (100000000, "1 000 000,00 kr"), (-29900, "-299,00 kr")])
def test_swedish_money_format(ore, text):
    assert format_sek(ore) == text


def test_money_must_be_integer_ore():
    with pytest.raises(TypeError):
        format_sek(12.5)


@pytest.mark.parametrize("text, ore", [("1 234,50", 123450), ("1234.5", 123450), ("299 kr", 29900), ("0,05", 5)])
def test_parse_money(text, ore):
    assert parse_sek(text) == ore


def test_parse_money_rejects_text():
    with pytest.raises(ValidationError, match="inget belopp"):
        parse_sek("tjugo")


def test_vat_part_of_gross():
    assert vat_part(10600, 600) == 600
    assert vat_part(12500, 2500) == 2500


def test_orgnr():
    assert parse_orgnr("5560160680") == "556016-0680"
    with pytest.raises(ValidationError, match="Organisationsnumret är felaktigt"):
        parse_orgnr("556016-0681")


def test_handelsbanken_account_is_valid():
    acc = parse_bank_account("6789", "123 456 789")
    assert (acc.clearing, acc.account, acc.bank_name, acc.warning) == ("6789", "123456789", "Handelsbanken", None)


def test_type2_account_is_padded_as_bankgirot_needs():
    acc = parse_bank_account("6789", "23456787")  # Handelsbanken 9 digits; typed without a leading zero
    assert acc.account == "023456787"


def test_swedbank_fifth_clearing_digit_is_checked():
    with pytest.raises(ValidationError, match="femte siffran") as info:
        parse_bank_account("8327-8", "9912345678")
    assert info.value.field == "clearing"


def test_swedbank_uncertain_checksum_is_a_warning_not_a_block():
    acc = parse_bank_account("8327-9", "99 123 456-7")
    assert acc.clearing == "83279" and acc.account == "0991234567"
    assert acc.warning and "Swedbank" in acc.warning


@pytest.mark.parametrize("clearing, account, field, message", [
    ("", "123", "clearing", "Ange clearingnummer"),
    ("6789", "", "account", "Ange kontonummer"),
    ("9999", "1234567", "clearing", "hör inte till någon svensk bank"),
    ("1234", "5", "account", "ska ha 7 siffror"),
    ("6789", "12345678", "account", "kontrollsiffran"),
    ("83", "1234567", "clearing", "fem siffror"),
])
def test_bad_accounts_are_blocked_with_the_reason(clearing, account, field, message):
    with pytest.raises(ValidationError, match=message) as info:
        parse_bank_account(clearing, account)
    assert info.value.field == field
