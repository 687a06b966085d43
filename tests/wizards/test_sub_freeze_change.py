"""Tina upp, Förkorta frysning and Förläng frysning through their wizards (SPEC §6).

Today 2026-11-22; Gym AG 399 kr/month + Handduk AG 50 kr/month with a freeze already applied.
The SPEC's worked example: a 12-month maximum after 9 frozen months allows 3 more.
"""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate

from app import menus
from app.menus import MenuTarget
from tests.app import sub_builders as b
from tests.wizards.test_sub_freeze import (finish_with_order, finish_without_order, identify, start, summary_text,
                                           till, till_lines, type_date, visible_errors)
from wizards.subscription.actions import register_subscription_actions
from wizards.subscription.wizards import BEKRAFTA, PERIOD

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")
__all__ = ["till"]


def frozen(core, *, freeze_start, freeze_end, charged_through):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie, status="fryst",
                         charged_through=charged_through)
    towel = b.subscription(core, anna, cat.towel, parent_id=gym, status="fryst", charged_through=charged_through)
    for sid in (gym, towel):
        b.freeze(core, sid, freeze_start, freeze_end)
    return anna, gym, towel


def test_thaw_with_catch_up_opens_the_order_in_the_till(qtbot, services, sqlite_core, till):
    # paid through September, frozen 1 Oct – 31 Jan: thawing today leaves 22–30 Nov to pay
    anna, gym, towel = frozen(sqlite_core, freeze_start=date(2026, 10, 1), freeze_end=date(2027, 1, 31),
                              charged_through=date(2027, 1, 31))
    d = start(qtbot, services, menus.TINA_UPP, anna, gym)
    identify(d)
    d.next(BEKRAFTA)  # Tina upp: Identifiering → Bekräfta
    text = summary_text(d)
    for part in ("Frysning nu</b></td><td>2026-10-01 – 2027-01-31", "Efter</b></td><td>2026-10-01 – 2026-11-21",
                 "Tinas upp</b></td><td>2026-11-22", "Betala ikapp</b></td><td>134,70 kr"):
        assert part in text
    assert d.page().total.text() == "<b>Att betala i kassan: 134,70 kr</b>"
    order_id = finish_with_order(d, services)
    assert till_lines(qtbot, till, order_id) == [
        ("Betala ikapp: Gym AG 2026-11-22 – 2026-11-30", "2026-11-22 – 2026-11-30", "119,70 kr"),
        ("Betala ikapp: Handduk AG 2026-11-22 – 2026-11-30", "2026-11-22 – 2026-11-30", "15,00 kr")]
    for sid in (gym, towel):
        assert b.sub(sqlite_core, sid)["status"] == "aktivt"
        assert b.sub(sqlite_core, sid)["charged_through"] == date(2026, 11, 30)
        assert [(f["end"], f["status"]) for f in b.freezes(sqlite_core, sid)] == [(date(2026, 11, 21), "avslutad")]
    assert b.order_person(sqlite_core, order_id) == anna
    assert b.audit_actions(sqlite_core).count("Tina upp") == 1


def test_thaw_before_the_minimum_says_when_it_thaws(qtbot, services, sqlite_core):
    anna, gym, towel = frozen(sqlite_core, freeze_start=date(2026, 11, 15), freeze_end=date(2027, 2, 14),
                              charged_through=date(2027, 3, 2))
    d = start(qtbot, services, menus.TINA_UPP, anna, gym)
    identify(d)
    d.next(BEKRAFTA)
    assert "Tinas upp</b></td><td>2026-12-15, när kortaste frysperioden är uppnådd" in summary_text(d)
    finish_without_order(d, services)
    assert [(f["end"], f["status"]) for f in b.freezes(sqlite_core, gym)] == [(date(2026, 12, 14), "pagaende")]


def test_shorten_end_to_end_with_catch_up(qtbot, services, sqlite_core, till):
    anna, gym, towel = frozen(sqlite_core, freeze_start=date(2026, 10, 1), freeze_end=date(2027, 1, 31),
                              charged_through=date(2027, 1, 31))
    d = start(qtbot, services, menus.FORKORTA_FRYSNING, anna, gym)
    identify(d, agent="Bo Ombud")
    d.next(PERIOD)
    period = d.page()
    assert period.current.text() == "Pågående frysning 2026-10-01 – 2027-01-31."
    # earliest: today (the minimum from 1 Oct is passed); latest: the day before the current end
    assert period.end.date() == QDate(2027, 1, 30)
    type_date(d, period.end, date(2026, 11, 25))
    assert "Betala ikapp: 74,83 kr" in period.details.text()  # shown on Period too
    assert period.total.text() == "<b>Att betala i kassan: 74,83 kr</b>"
    d.next(BEKRAFTA)
    assert "Ombud: Bo Ombud" in summary_text(d)
    order_id = finish_with_order(d, services)
    assert [line[2] for line in till_lines(qtbot, till, order_id)] == ["66,50 kr", "8,33 kr"]
    assert b.freezes(sqlite_core, gym)[0]["end"] == date(2026, 11, 25)
    assert b.sub(sqlite_core, gym)["charged_through"] == date(2026, 11, 30)


def test_shorten_below_the_minimum_is_not_offered(qtbot, services, sqlite_core):
    anna, gym, towel = frozen(sqlite_core, freeze_start=date(2026, 11, 15), freeze_end=date(2027, 2, 14),
                              charged_through=date(2027, 3, 2))
    d = start(qtbot, services, menus.FORKORTA_FRYSNING, anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    assert period.limits_label.text() == "Kortast tillåtna frysperiod är 1 månad: tidigast 2026-12-14."
    type_date(d, period.end, date(2026, 12, 1))  # before the minimum: refused at the field
    assert visible_errors(period) and not d.next_button.isEnabled()
    type_date(d, period.end, date(2026, 12, 14))
    assert visible_errors(period) == []
    d.next(BEKRAFTA)
    finish_without_order(d, services)
    assert b.freezes(sqlite_core, gym)[0]["end"] == date(2026, 12, 14)


def test_shorten_of_a_future_freeze_is_refused_before_the_wizard(services, sqlite_core, error_box):
    anna, gym, towel = frozen(sqlite_core, freeze_start=date(2026, 12, 1), freeze_end=date(2027, 1, 31),
                              charged_through=date(2026, 11, 30))
    actions = register_subscription_actions(services)
    assert actions[menus.FORKORTA_FRYSNING](MenuTarget(anna, gym)) is None
    assert error_box.calls[0].message == "Endast en pågående frysning kan förkortas."


def test_worked_example_extend_after_nine_of_twelve_months_allows_three_more(qtbot, services, sqlite_core):
    # frozen 1 Mar – 30 Nov 2026: nine months; the maximum is 12 months → latest end 2027-02-28
    anna, gym, towel = frozen(sqlite_core, freeze_start=date(2026, 3, 1), freeze_end=date(2026, 11, 30),
                              charged_through=date(2026, 11, 30))
    d = start(qtbot, services, menus.FORLANG_FRYSNING, anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    assert period.end.date() == QDate(2026, 12, 1)
    assert period.limits_label.text() == ("Längsta tillåtna frysperiod är 12 månader totalt (från 2026-03-01): "
                                          "senast 2027-02-28.")
    type_date(d, period.end, date(2027, 3, 31))  # past the maximum: refused at the field
    assert visible_errors(period) and not d.next_button.isEnabled()
    type_date(d, period.end, date(2027, 2, 28))  # exactly three more months
    assert visible_errors(period) == []
    d.next(BEKRAFTA)
    assert "Efter</b></td><td>2026-03-01 – 2027-02-28" in summary_text(d)
    assert d.page().total.text() == ""  # Förläng never charges
    finish_without_order(d, services)
    for sid in (gym, towel):
        assert [(f["end"], f["status"]) for f in b.freezes(sqlite_core, sid)] == [(date(2027, 2, 28), "pagaende")]
        assert b.sub(sqlite_core, sid)["charged_through"] == date(2027, 2, 28)
    assert b.audit_actions(sqlite_core).count("Förläng frysning") == 1


def test_extend_past_the_maximum_is_refused_at_slutfor_when_the_maximum_shrinks(qtbot, services, sqlite_core):
    anna, gym, towel = frozen(sqlite_core, freeze_start=date(2026, 3, 1), freeze_end=date(2026, 11, 30),
                              charged_through=date(2026, 11, 30))
    d = start(qtbot, services, menus.FORLANG_FRYSNING, anna, gym)
    identify(d)
    d.next(PERIOD)
    type_date(d, d.page().end, date(2027, 2, 28))
    d.next(BEKRAFTA)
    before = b.snapshot(sqlite_core)
    b.setting(sqlite_core, "freeze_max", {"number": 10, "unit": "månader"})  # changed at another desk meanwhile
    d.finish()
    assert d.wizard.isVisible() and d.wizard.currentId() == PERIOD
    assert visible_errors(d.page()) == [
        "Frysperioden får vara högst 10 månader totalt. Senaste slutdatum är 2026-12-31."]
    after = b.snapshot(sqlite_core)
    assert (after["subscriptions"], after["freezes"]) == (before["subscriptions"], before["freezes"])


def test_extend_when_the_maximum_is_reached_is_refused_before_the_wizard(services, sqlite_core, error_box):
    anna, gym, towel = frozen(sqlite_core, freeze_start=date(2026, 3, 1), freeze_end=date(2027, 2, 28),
                              charged_through=date(2026, 11, 30))
    actions = register_subscription_actions(services)
    assert actions[menus.FORLANG_FRYSNING](MenuTarget(anna, gym)) is None
    assert "kan inte förlängas: längsta tillåtna frysperiod (12 månader) är redan nådd" in error_box.calls[0].message
