"""Frys, Tina upp, Förkorta frysning, Förläng frysning against the database (SQLite and PostgreSQL).

Today 2026-11-22; Gym AG 399 kr/month + Handduk AG 50 kr/month started 2026-01-01;
freeze limits 1 månad … 12 månader (the defaults) unless a test sets them.
"""
from __future__ import annotations

from datetime import date

import pytest

from app.errors import Conflict, NotAllowed, ValidationError
from app.jobs.nightly import run_nightly
from app.routines.subscriptions import (
    ChangeFreezeEnd,
    ExtendFreezeRoutine,
    FreezeSubscription,
    FreezeSubscriptionRoutine,
    ShortenFreezeRoutine,
    ThawSubscription,
    ThawSubscriptionRoutine,
)
from tests.app import sub_builders as b


@pytest.fixture
def world(core):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie)
    towel = b.subscription(core, anna, cat.towel, parent_id=gym)
    return cat, anna, gym, towel


def _frozen(core, cat, *, freeze_start, freeze_end, charged_through):
    """Anna's gym + towel with an ongoing freeze already applied (charged_through as the freeze left it)."""
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie, status="fryst",
                         charged_through=charged_through)
    towel = b.subscription(core, anna, cat.towel, parent_id=gym, status="fryst", charged_through=charged_through)
    for sid in (gym, towel):
        b.freeze(core, sid, freeze_start, freeze_end)
    return anna, gym, towel


# --------------------------------------------------------------------------
# Frys
# --------------------------------------------------------------------------


def test_freeze_from_today_credits_the_paid_days_and_freezes_the_addon(core, admin, world):
    cat, anna, gym, towel = world
    routine = FreezeSubscriptionRoutine(core)
    limits = routine.limits(gym, date(2026, 11, 22))
    assert (limits.earliest_end, limits.latest_end) == (date(2026, 12, 21), date(2027, 11, 21))
    cmd = FreezeSubscription(gym, date(2026, 11, 22), date(2027, 1, 21), agent_name="Bo Ombud")
    preview = routine.preview(cmd)
    # 9 paid days (22–30 Nov) inside the freeze: 2027-01-21 + 9 days
    assert (preview.kind, preview.days, preview.frozen_paid_days) == ("pågående", 61, 9)
    assert [(r.subscription_id, r.charged_through_after, r.next_debit, r.frozen_paid_days) for r in preview.rows] == [
        (gym, date(2027, 1, 30), date(2027, 1, 31), 9),
        (towel, date(2027, 1, 30), date(2027, 1, 31), 9),
    ]
    assert preview.confirmation is False

    result = routine.execute(cmd, admin)

    assert result.subscription_status == "fryst" and result.outbox_message_id is None
    for sid in (gym, towel):
        assert b.sub(core, sid)["status"] == "fryst"
        assert b.sub(core, sid)["charged_through"] == date(2027, 1, 30)
        assert b.freezes(core, sid) == [dict(start=date(2026, 11, 22), end=date(2027, 1, 21), status="pagaende",
                                             charged_until=None, kind="normal", reason_id=None, credited_days=9,
                                             agent_name="Bo Ombud")]
    assert b.snapshot(core)["counts"]["orders"] == 0
    assert "Frys" in b.audit_actions(core)


def test_freeze_in_the_future_is_a_future_freeze(core, admin, world):
    cat, anna, gym, towel = world
    result = FreezeSubscriptionRoutine(core).execute(
        FreezeSubscription(gym, date(2026, 12, 1), date(2027, 1, 31)), admin)
    assert result.subscription_status == "framtida_frysning"
    for sid in (gym, towel):
        state = b.sub(core, sid)
        assert (state["status"], state["charged_through"]) == ("framtida_frysning", date(2027, 1, 31))
        assert [f["status"] for f in b.freezes(core, sid)] == ["framtida"]
    # the nightly job makes it ongoing on its start day
    core.clock.advance(days=9)
    run_nightly(core)
    assert b.sub(core, gym)["status"] == b.sub(core, towel)["status"] == "fryst"


def test_freeze_of_a_kontant_card_extends_its_validity(core, admin):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    card = b.subscription(core, anna, cat.card12, price_list_id=cat.ordinarie, start_date=date(2026, 6, 1),
                          charged_through=date(2027, 5, 31))
    preview = FreezeSubscriptionRoutine(core).preview(FreezeSubscription(card, date(2026, 12, 1), date(2027, 2, 28)))
    # 90 paid days inside the freeze: valid to 2027-05-31 + 90 days
    assert preview.rows[0].validity_end == date(2027, 8, 29) and preview.rows[0].next_debit is None
    FreezeSubscriptionRoutine(core).execute(FreezeSubscription(card, date(2026, 12, 1), date(2027, 2, 28)), admin)
    assert b.sub(core, card)["charged_through"] == date(2027, 8, 29)


def test_freeze_during_binding_keeps_debiting_and_gives_credit_days(core, admin):
    cat = b.catalog(core)
    anna = b.person(core, 1)
    gym = b.subscription(core, anna, cat.gym, price_list_id=cat.ordinarie, binding_end=date(2026, 12, 31))
    b.setting(core, "debit_frozen_during_binding", True)
    cmd = FreezeSubscription(gym, date(2026, 11, 22), date(2027, 2, 21))
    preview = FreezeSubscriptionRoutine(core).preview(cmd)
    # 22 Nov – 31 Dec (40 days) are still debited and come back as credit days after the binding end
    assert (preview.credit_days_after_binding, preview.frozen_paid_days) == (40, 0)
    FreezeSubscriptionRoutine(core).execute(cmd, admin)
    state = b.sub(core, gym)
    assert (state["charged_through"], state["credit_days"]) == (date(2026, 11, 30), 40)
    [row] = b.freezes(core, gym)
    assert (row["charged_until"], row["kind"], row["credited_days"]) == (
        date(2026, 12, 31), "debitering_under_bindning", 40)


def test_freeze_with_reasons_on_requires_an_active_freeze_reason(core, admin, world):
    cat, anna, gym, towel = world
    b.setting(core, "use_deviation_reasons", True)
    sick = b.reason(core, "Sjukdom")
    other_kind = b.reason(core, "Flytt", kind="uppsagning")
    routine = FreezeSubscriptionRoutine(core)
    assert routine.reasons() == [(sick, "Sjukdom")]
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="Välj en frysningsorsak") as err:
        routine.execute(FreezeSubscription(gym, date(2026, 11, 22), date(2026, 12, 31)), admin)
    assert err.value.field == "reason_id"
    with pytest.raises(ValidationError, match="frysningsorsaker som finns"):
        routine.execute(FreezeSubscription(gym, date(2026, 11, 22), date(2026, 12, 31), reason_id=other_kind), admin)
    assert b.snapshot(core) == before
    routine.execute(FreezeSubscription(gym, date(2026, 11, 22), date(2026, 12, 31), reason_id=sick), admin)
    assert b.freezes(core, gym)[0]["reason_id"] == sick


def test_freeze_confirmation_is_queued_with_the_pdf(core, admin, world):
    cat, anna, gym, towel = world
    b.setting(core, "freeze_confirmation", True)
    pdf = b"%PDF-1.4 bekraftelse"
    cmd = FreezeSubscription(gym, date(2026, 11, 22), date(2027, 1, 21), confirmation_pdf=pdf)
    preview = FreezeSubscriptionRoutine(core).preview(cmd)
    assert (preview.confirmation, preview.confirmation_email) == (True, "kund1@example.se")
    result = FreezeSubscriptionRoutine(core).execute(cmd, admin)
    [mail] = b.outbox(core)
    assert result.outbox_message_id is not None
    assert (mail["recipient"], mail["attachment_name"], mail["attachment"], mail["person_id"]) == (
        "kund1@example.se", "frysbekraftelse.pdf", pdf, anna)
    assert "2026-11-22 – 2027-01-21" in mail["body"]
    assert "nästa debitering gäller från 2027-01-31" in mail["body"]


def test_freeze_shorter_than_the_minimum_is_refused(core, admin, world):
    cat, anna, gym, towel = world
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="minst 1 månad") as err:
        FreezeSubscriptionRoutine(core).execute(FreezeSubscription(gym, date(2026, 11, 22), date(2026, 12, 20)),
                                                admin)
    assert err.value.field == "end"
    assert b.snapshot(core) == before


def test_freeze_longer_than_the_maximum_is_refused(core, admin, world):
    cat, anna, gym, towel = world
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="högst 12 månader"):
        FreezeSubscriptionRoutine(core).execute(FreezeSubscription(gym, date(2026, 11, 22), date(2027, 11, 22)),
                                                admin)
    assert b.snapshot(core) == before


def test_freeze_limits_come_from_the_settings(core, admin, world):
    cat, anna, gym, towel = world
    b.setting(core, "freeze_min", {"number": 14, "unit": "dagar"})
    b.setting(core, "freeze_max", {"number": 2, "unit": "månader"})
    limits = FreezeSubscriptionRoutine(core).limits(gym, date(2026, 11, 22))
    assert (limits.earliest_end, limits.latest_end) == (date(2026, 12, 5), date(2027, 1, 21))
    FreezeSubscriptionRoutine(core).execute(FreezeSubscription(gym, date(2026, 11, 22), date(2026, 12, 5)), admin)
    assert b.freezes(core, gym)[0]["end"] == date(2026, 12, 5)


def test_freeze_twice_is_refused_and_the_command_runs_once(core, admin, world):
    cat, anna, gym, towel = world
    cmd = FreezeSubscription(gym, date(2026, 11, 22), date(2027, 1, 21))
    first = FreezeSubscriptionRoutine(core).execute(cmd, admin)
    after = b.snapshot(core)
    assert FreezeSubscriptionRoutine(core).execute(cmd, admin) == first  # the stored result: nothing runs twice
    with pytest.raises(ValidationError, match="är fryst och kan inte frysas"):
        FreezeSubscriptionRoutine(core).execute(FreezeSubscription(gym, date(2027, 2, 1), date(2027, 3, 31)), admin)
    assert b.snapshot(core) == after


# --------------------------------------------------------------------------
# Tina upp
# --------------------------------------------------------------------------


def test_thaw_of_a_future_freeze_removes_it_and_restores_the_dates(core, admin, world):
    cat, anna, gym, towel = world
    FreezeSubscriptionRoutine(core).execute(FreezeSubscription(gym, date(2026, 12, 1), date(2027, 1, 31)), admin)
    preview = ThawSubscriptionRoutine(core).preview(ThawSubscription(gym))
    assert (preview.removed, preview.total_ore, preview.waits_for_minimum) == (True, 0, False)
    result = ThawSubscriptionRoutine(core).execute(ThawSubscription(gym), admin)
    assert (result.new_end, result.subscription_status, result.order_id) == (None, "aktivt", None)
    for sid in (gym, towel):
        state = b.sub(core, sid)
        assert (state["status"], state["charged_through"]) == ("aktivt", date(2026, 11, 30))
        assert [f["status"] for f in b.freezes(core, sid)] == ["borttagen"]
    assert "Tina upp" in b.audit_actions(core)


def test_thaw_of_an_ongoing_ag_freeze_ends_it_and_charges_the_catch_up(core, admin):
    cat = b.catalog(core)
    # paid through September, frozen 1 Oct – 31 Jan: covered to 2027-01-31
    anna, gym, towel = _frozen(core, cat, freeze_start=date(2026, 10, 1), freeze_end=date(2027, 1, 31),
                               charged_through=date(2027, 1, 31))
    preview = ThawSubscriptionRoutine(core).preview(ThawSubscription(gym))
    assert (preview.effective, preview.new_end) == (date(2026, 11, 22), date(2026, 11, 21))
    # 22–30 Nov must be paid now: 9/30 × 399 kr and 9/30 × 50 kr
    assert [(li.period_from, li.period_to, li.amount_ore) for li in preview.lines] == [
        (date(2026, 11, 22), date(2026, 11, 30), 11970),
        (date(2026, 11, 22), date(2026, 11, 30), 1500),
    ]
    result = ThawSubscriptionRoutine(core).execute(ThawSubscription(gym), admin)
    assert (result.subscription_status, result.total_ore) == ("aktivt", 13470)
    for sid in (gym, towel):
        state = b.sub(core, sid)
        assert (state["status"], state["charged_through"]) == ("aktivt", date(2026, 11, 30))
        [f] = b.freezes(core, sid)
        assert (f["end"], f["status"]) == (date(2026, 11, 21), "avslutad")
    assert [li[0] for li in b.order_lines(core, result.order_id)] == [
        "Betala ikapp: Gym AG 2026-11-22 – 2026-11-30", "Betala ikapp: Handduk AG 2026-11-22 – 2026-11-30"]
    assert b.order_person(core, result.order_id) == anna


def test_thaw_before_the_minimum_thaws_when_the_minimum_is_reached(core, admin):
    cat = b.catalog(core)
    # paid through 30 Nov, frozen from 15 Nov: 16 paid days credited → covered to 2027-03-02
    anna, gym, towel = _frozen(core, cat, freeze_start=date(2026, 11, 15), freeze_end=date(2027, 2, 14),
                               charged_through=date(2027, 3, 2))
    preview = ThawSubscriptionRoutine(core).preview(ThawSubscription(gym))
    assert (preview.waits_for_minimum, preview.effective, preview.new_end) == (
        True, date(2026, 12, 15), date(2026, 12, 14))
    result = ThawSubscriptionRoutine(core).execute(ThawSubscription(gym), admin)
    assert (result.subscription_status, result.order_id) == ("fryst", None)
    for sid in (gym, towel):
        assert b.sub(core, sid)["charged_through"] == date(2026, 12, 30)
        [f] = b.freezes(core, sid)
        assert (f["end"], f["status"]) == (date(2026, 12, 14), "pagaende")
    # the nightly job thaws it the night after the last frozen day
    core.clock.advance(days=23)
    run_nightly(core)
    assert b.sub(core, gym)["status"] == "aktivt" and b.freezes(core, gym)[0]["status"] == "avslutad"


def test_thaw_without_a_till_is_not_allowed_for_autogiro(core, admin):
    cat = b.catalog(core)
    anna, gym, towel = _frozen(core, cat, freeze_start=date(2026, 10, 1), freeze_end=date(2027, 1, 31),
                               charged_through=date(2027, 1, 31))
    core.till_enabled = False
    before = b.snapshot(core)
    with pytest.raises(NotAllowed, match="kassakoppling"):
        ThawSubscriptionRoutine(core).execute(ThawSubscription(gym), admin)
    assert b.snapshot(core) == before


def test_thaw_of_a_subscription_that_is_not_frozen_is_refused(core, admin, world):
    cat, anna, gym, towel = world
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="inte fryst"):
        ThawSubscriptionRoutine(core).execute(ThawSubscription(gym), admin)
    assert b.snapshot(core) == before


# --------------------------------------------------------------------------
# Förkorta / Förläng
# --------------------------------------------------------------------------


def test_shorten_moves_the_end_and_takes_back_the_free_days(core, admin):
    cat = b.catalog(core)
    anna, gym, towel = _frozen(core, cat, freeze_start=date(2026, 11, 15), freeze_end=date(2027, 2, 14),
                               charged_through=date(2027, 3, 2))
    routine = ShortenFreezeRoutine(core)
    assert routine.limits(gym).earliest_end == date(2026, 12, 14)
    result = routine.execute(ChangeFreezeEnd(gym, date(2026, 12, 31)), admin)
    assert (result.new_end, result.order_id, result.subscription_status) == (date(2026, 12, 31), None, "fryst")
    for sid in (gym, towel):
        assert b.sub(core, sid)["charged_through"] == date(2027, 1, 16)  # 31 Dec + the 16 credited paid days
        [f] = b.freezes(core, sid)
        assert (f["end"], f["status"]) == (date(2026, 12, 31), "pagaende")
    assert "Förkorta frysning" in b.audit_actions(core)


def test_shorten_that_leaves_autogiro_lagging_charges_the_catch_up(core, admin):
    cat = b.catalog(core)
    anna, gym, towel = _frozen(core, cat, freeze_start=date(2026, 10, 1), freeze_end=date(2027, 1, 31),
                               charged_through=date(2027, 1, 31))
    preview = ShortenFreezeRoutine(core).preview(ChangeFreezeEnd(gym, date(2026, 11, 25)))
    # 26–30 Nov: 5/30 × 399 kr = 66,50 kr and 5/30 × 50 kr = 8,33 kr
    assert [li.amount_ore for li in preview.lines] == [6650, 833] and preview.total_ore == 7483
    result = ShortenFreezeRoutine(core).execute(ChangeFreezeEnd(gym, date(2026, 11, 25)), admin)
    assert result.total_ore == 7483
    assert b.sub(core, gym)["charged_through"] == date(2026, 11, 30)
    assert b.freezes(core, gym)[0]["end"] == date(2026, 11, 25)


def test_shorten_below_the_minimum_is_refused(core, admin):
    cat = b.catalog(core)
    anna, gym, towel = _frozen(core, cat, freeze_start=date(2026, 11, 15), freeze_end=date(2027, 2, 14),
                               charged_through=date(2027, 3, 2))
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="Tidigaste slutdatum är 2026-12-14"):
        ShortenFreezeRoutine(core).execute(ChangeFreezeEnd(gym, date(2026, 12, 13)), admin)
    assert b.snapshot(core) == before


def test_shorten_of_a_future_freeze_is_refused(core, admin, world):
    cat, anna, gym, towel = world
    FreezeSubscriptionRoutine(core).execute(FreezeSubscription(gym, date(2026, 12, 1), date(2027, 1, 31)), admin)
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="Endast en pågående frysning kan förkortas"):
        ShortenFreezeRoutine(core).execute(ChangeFreezeEnd(gym, date(2027, 1, 15)), admin)
    assert b.snapshot(core) == before


def test_extend_after_nine_months_allows_exactly_three_more_months_of_twelve(core, admin):
    cat = b.catalog(core)
    # paid through February, frozen 1 Mar – 30 Nov 2026: nine months
    anna, gym, towel = _frozen(core, cat, freeze_start=date(2026, 3, 1), freeze_end=date(2026, 11, 30),
                               charged_through=date(2026, 11, 30))
    routine = ExtendFreezeRoutine(core)
    assert routine.limits(gym).latest_end == date(2027, 2, 28)
    before = b.snapshot(core)
    with pytest.raises(ValidationError, match="högst 12 månader totalt. Senaste slutdatum är 2027-02-28"):
        routine.execute(ChangeFreezeEnd(gym, date(2027, 3, 1)), admin)
    assert b.snapshot(core) == before

    result = routine.execute(ChangeFreezeEnd(gym, date(2027, 2, 28)), admin)

    assert (result.new_end, result.order_id) == (date(2027, 2, 28), None)
    for sid in (gym, towel):
        assert b.sub(core, sid)["charged_through"] == date(2027, 2, 28)
        [f] = b.freezes(core, sid)
        assert (f["end"], f["status"]) == (date(2027, 2, 28), "pagaende")
    assert "Förläng frysning" in b.audit_actions(core)


def test_extend_credits_paid_days_that_become_frozen(core, admin):
    cat = b.catalog(core)
    # paid through 28 Dec, frozen until 21 Dec: extending to 31 Jan freezes 22–28 Dec, 7 paid days
    anna, gym, towel = _frozen(core, cat, freeze_start=date(2026, 10, 1), freeze_end=date(2026, 12, 21),
                               charged_through=date(2026, 12, 28))
    preview = ExtendFreezeRoutine(core).preview(ChangeFreezeEnd(gym, date(2027, 1, 31)))
    assert [(r.frozen_paid_days, r.charged_through_after) for r in preview.rows] == [
        (7, date(2027, 2, 7)), (7, date(2027, 2, 7))]
    ExtendFreezeRoutine(core).execute(ChangeFreezeEnd(gym, date(2027, 1, 31)), admin)
    assert b.sub(core, gym)["charged_through"] == date(2027, 2, 7)
    assert b.freezes(core, gym)[0]["credited_days"] == 7
