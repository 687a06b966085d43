"""Överlåt, Teckna abonnemang in advance, conversion to organisation customer."""
from __future__ import annotations

from datetime import date

import pytest

from app.domain.eligibility import (
    OPEN_ENDED,
    may_convert_to_organisation,
    may_sign_new_subscription,
    new_subscription_start,
    remaining_months,
    transfer_eligibility,
    transfer_menu_visible,
)


def test_transfer_ok_for_kontant_with_permission_to_same_type_without_active():
    assert transfer_eligibility("kontant", True, "Student", "Student", False) == []
    assert transfer_eligibility("kontant", True, "Student", None, False) == []   # new customer
    assert transfer_menu_visible("kontant", True)
    assert not transfer_menu_visible("AG", True)
    assert not transfer_menu_visible("kontant", False)


def test_transfer_reasons_in_swedish():
    assert transfer_eligibility("AG", True, "Ordinarie", "Ordinarie", False) == [
        "Endast kontantabonnemang kan överlåtas."]
    assert transfer_eligibility("kontant", False, "Ordinarie", "Ordinarie", False) == [
        "Produkten tillåter inte överlåtelse."]
    assert transfer_eligibility("kontant", True, "Student", "Pensionär", False) == [
        "Mottagaren måste ha samma kundtyp som överlåtaren (Student), inte Pensionär."]
    assert transfer_eligibility("kontant", True, "Student", "Student", True) == [
        "Mottagaren har redan ett aktivt abonnemang."]
    assert transfer_eligibility("kontant", True, "Student", "Student", False, same_person=True) == [
        "Mottagaren är samma person som överlåtaren."]
    assert len(transfer_eligibility("AG", False, "Student", "Ordinarie", True)) == 4


def test_remaining_months_counts_started_months():
    today = date(2026, 3, 15)
    assert remaining_months(today, date(2026, 4, 14)) == 1
    assert remaining_months(today, date(2026, 4, 15)) == 2
    assert remaining_months(today, date(2026, 3, 15)) == 1
    assert remaining_months(today, date(2026, 3, 14)) == 0
    assert remaining_months(today, date(2027, 3, 14)) == 12


def test_sign_new_subscription_months_in_advance():
    today = date(2026, 3, 15)
    assert may_sign_new_subscription(None, 1, today)
    assert may_sign_new_subscription(date(2026, 3, 1), 1, today)           # already ended
    assert may_sign_new_subscription(date(2026, 4, 15), 1, today)          # ends within 1 month
    verdict = may_sign_new_subscription(date(2026, 4, 16), 1, today)
    assert not verdict
    assert verdict.reason == (
        "Kunden har redan ett aktivt abonnemang t.o.m. 2026-04-16. Ett nytt kan tecknas "
        "tidigast 2026-03-16 (1 mån. i förväg)."
    )
    assert not may_sign_new_subscription(OPEN_ENDED, 1, today)
    assert "utan slutdatum" in may_sign_new_subscription(OPEN_ENDED, 1, today).reason
    assert new_subscription_start(date(2026, 4, 15), today) == date(2026, 4, 16)
    assert new_subscription_start(None, today) == today


def test_convert_to_organisation_limit():
    today = date(2026, 3, 15)
    assert may_convert_to_organisation(date(2027, 3, 1), 0, today)          # 0 = no limit
    assert may_convert_to_organisation(None, 3, today)
    assert may_convert_to_organisation(date(2026, 6, 14), 3, today)         # exactly 3 months left
    verdict = may_convert_to_organisation(date(2026, 6, 15), 3, today)
    assert not verdict
    assert verdict.reason == (
        "Det befintliga abonnemanget har 4 månader kvar (t.o.m. 2026-06-15); "
        "högst 3 får återstå för att bli organisationskund."
    )
    assert not may_convert_to_organisation(OPEN_ENDED, 3, today)


def test_negative_settings_are_programming_errors():
    with pytest.raises(ValueError):
        may_sign_new_subscription(None, -1, date(2026, 3, 15))
    with pytest.raises(ValueError):
        may_convert_to_organisation(None, -1, date(2026, 3, 15))
