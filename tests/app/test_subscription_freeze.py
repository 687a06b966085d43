"""Frys, Tina upp, Förkorta och Förläng frysning (SPEC §6) — worked examples in dates and öre."""
from __future__ import annotations

from datetime import date

import pytest

from app.domain.debit import debit_plan
from app.domain.freeze import (
    FreezeRules,
    latest_extension_end,
    plan_extend,
    plan_freeze,
    plan_shorten,
    plan_thaw,
)
from app.domain.periods import Length
from app.domain.subscriptions import Freeze, SubscriptionFacts, is_lagging
from app.errors import ValidationError

RULES = FreezeRules()  # 1 månad … 12 månader


def ag(ct, *, key="gym", price=39900, **kw):
    return SubscriptionFacts(key, "AG", price, 1, date(2026, 1, 1), ct, **kw)


def kontant(ct, **kw):
    return SubscriptionFacts("kort", "kontant", 349900, 12, date(2025, 6, 1), ct, **kw)


# --- Frys --------------------------------------------------------------------------------


def test_future_ag_freeze_credits_the_paid_frozen_days_after_the_freeze():
    # Paid through 31 Mar; on 10 Mar freeze 15 Mar–14 May. 15–31 Mar = 17 paid days are
    # frozen; they come back after the freeze: covered to 14 May + 17 days = 31 May.
    plan = plan_freeze(ag(date(2026, 3, 31)), date(2026, 3, 15), date(2026, 5, 14), date(2026, 3, 10), RULES)
    row = plan.main
    assert plan.kind == "framtida"
    assert (row.frozen_paid_days, row.new_charged_through, row.next_debit) == (
        17, date(2026, 5, 31), date(2026, 6, 1))
    assert row.validity_end is None
    assert row.new_freeze == Freeze(date(2026, 3, 15), date(2026, 5, 14))


def test_freeze_starting_today_is_ongoing():
    plan = plan_freeze(ag(date(2026, 3, 31)), date(2026, 3, 10), date(2026, 4, 9), date(2026, 3, 10), RULES)
    assert plan.kind == "pågående"
    # 10–31 Mar = 22 paid frozen days; covered to 9 Apr + 22 = 1 May
    assert (plan.main.frozen_paid_days, plan.main.new_charged_through) == (22, date(2026, 5, 1))


def test_kontant_freeze_extends_validity():
    # 12-month card valid to 31 May 2026, frozen 1 Mar–31 May: 92 paid days -> valid to 31 Aug.
    plan = plan_freeze(kontant(date(2026, 5, 31)), date(2026, 3, 1), date(2026, 5, 31), date(2026, 3, 1), RULES)
    assert (plan.main.frozen_paid_days, plan.main.validity_end, plan.main.next_debit) == (
        92, date(2026, 8, 31), None)
    # Valid to 15 Apr only: 1 Mar–15 Apr = 46 paid days, given after the freeze -> 16 Jul.
    plan = plan_freeze(kontant(date(2026, 4, 15)), date(2026, 3, 1), date(2026, 5, 31), date(2026, 3, 1), RULES)
    assert (plan.main.frozen_paid_days, plan.main.validity_end) == (46, date(2026, 7, 16))


def test_freeze_after_a_gap_of_unpaid_days_leaves_the_date_for_the_debit():
    plan = plan_freeze(ag(date(2026, 3, 31)), date(2026, 4, 15), date(2026, 5, 15), date(2026, 3, 20), RULES)
    assert (plan.main.frozen_paid_days, plan.main.new_charged_through) == (0, date(2026, 3, 31))


def test_each_addon_gets_the_same_treatment():
    towel = ag(date(2026, 3, 31), key="handduk", price=5000)
    insurance = ag(date(2026, 4, 30), key="försäkring", price=2000)
    plan = plan_freeze(ag(date(2026, 3, 31)), date(2026, 4, 1), date(2026, 4, 30), date(2026, 3, 20),
                       RULES, addons=[towel, insurance])
    assert [(r.subscription_key, r.frozen_paid_days, r.new_charged_through) for r in plan.rows] == [
        ("gym", 0, date(2026, 4, 30)),
        ("handduk", 0, date(2026, 4, 30)),
        ("försäkring", 30, date(2026, 5, 30)),
    ]


@pytest.mark.parametrize(
    ("start", "end", "message", "field"),
    [
        (date(2026, 3, 9), date(2026, 5, 9), "Frysningen kan inte börja före idag.", "start"),
        (date(2026, 3, 20), date(2026, 3, 19), "Slutdatum kan inte vara före startdatum.", "end"),
        (date(2026, 3, 20), date(2026, 4, 18), "Frysperioden måste vara minst 1 månad.", "end"),
        (date(2026, 3, 20), date(2027, 3, 20), "Frysperioden får vara högst 12 månader.", "end"),
    ],
)
def test_freeze_period_validation(start, end, message, field):
    with pytest.raises(ValidationError) as err:
        plan_freeze(ag(date(2026, 3, 31)), start, end, date(2026, 3, 10), RULES)
    assert err.value.message == message
    assert err.value.field == field


def test_freeze_length_limits_are_inclusive():
    sub, today = ag(date(2026, 3, 31)), date(2026, 3, 10)
    assert plan_freeze(sub, date(2026, 3, 20), date(2026, 4, 19), today, RULES)        # exactly 1 month
    assert plan_freeze(sub, date(2026, 3, 20), date(2027, 3, 19), today, RULES)        # exactly 12 months
    days_rules = FreezeRules(min=Length(14, "dagar"), max=Length(30, "dagar"))
    assert plan_freeze(sub, date(2026, 3, 20), date(2026, 4, 2), today, days_rules)    # 14 days
    with pytest.raises(ValidationError, match="minst 14 dagar"):
        plan_freeze(sub, date(2026, 3, 20), date(2026, 4, 1), today, days_rules)
    with pytest.raises(ValidationError, match="högst 30 dagar"):
        plan_freeze(sub, date(2026, 3, 20), date(2026, 4, 19), today, days_rules)


def test_freeze_refused_when_already_frozen_or_outside_kontant_validity():
    frozen = ag(date(2026, 3, 31), freezes=(Freeze(date(2026, 4, 1), date(2026, 4, 30)),))
    with pytest.raises(ValidationError, match="redan en frysning 2026-04-01 – 2026-04-30"):
        plan_freeze(frozen, date(2026, 6, 1), date(2026, 6, 30), date(2026, 3, 10), RULES)
    with pytest.raises(ValidationError, match="inom giltighetstiden"):
        plan_freeze(kontant(date(2026, 5, 31)), date(2026, 6, 1), date(2026, 6, 30), date(2026, 3, 10), RULES)
    with pytest.raises(ValidationError, match="motstridiga"):
        plan_freeze(ag(date(2026, 3, 31)), date(2026, 3, 20), date(2026, 4, 30), date(2026, 3, 10),
                    FreezeRules(min=Length(2, "månader"), max=Length(1, "månader")))


def test_binding_variant_keeps_debiting_and_gives_credit_days_after_binding():
    rules = FreezeRules(debit_during_binding=True)
    sub = ag(date(2026, 3, 31), binding_end=date(2026, 6, 30))
    plan = plan_freeze(sub, date(2026, 4, 1), date(2026, 7, 31), date(2026, 3, 20), rules)
    row = plan.main
    # April–June (91 days) are still debited and become credit days; July is free.
    assert (row.frozen_paid_days, row.credit_days_after_binding, row.new_charged_through) == (
        0, 91, date(2026, 3, 31))
    frozen = row.apply(sub)
    april_to_june = debit_plan(frozen, [], 3, 12, date(2026, 3, 25))
    assert april_to_june.total_ore == 3 * 39900                      # debited during binding
    after_binding = debit_plan(april_to_june.apply(frozen), [], 1, 12, date(2026, 6, 25)).lines[0]
    # July free, then 91 credit days = 1 Aug–30 Oct, then 31 Oct is charged (1/31 of 399 kr).
    assert (after_binding.credit_days_used, after_binding.charged_days, after_binding.amount_ore) == (91, 1, 1287)
    assert after_binding.period_to == date(2026, 10, 31)


def test_binding_variant_does_not_apply_to_kontant_or_after_binding():
    rules = FreezeRules(debit_during_binding=True)
    card = kontant(date(2026, 5, 31), binding_end=date(2026, 12, 31))
    plan = plan_freeze(card, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 1), rules)
    assert (plan.main.frozen_paid_days, plan.main.credit_days_after_binding) == (31, 0)
    late = ag(date(2026, 8, 31), binding_end=date(2026, 6, 30))
    plan = plan_freeze(late, date(2026, 8, 1), date(2026, 8, 31), date(2026, 7, 20), rules)
    assert (plan.main.frozen_paid_days, plan.main.credit_days_after_binding) == (31, 0)


# --- Tina upp --------------------------------------------------------------------------------


def _frozen(sub, start, end, today, rules=RULES, addons=()):
    plan = plan_freeze(sub, start, end, today, rules, addons=addons)
    by_key = {r.subscription_key: r for r in plan.rows}
    return [by_key[s.key].apply(s) for s in (sub, *addons)]


def test_future_freeze_is_removed_at_once_and_restores_the_date():
    (sub,) = _frozen(ag(date(2026, 3, 31)), date(2026, 3, 15), date(2026, 5, 14), date(2026, 3, 1))
    plan = plan_thaw(sub, date(2026, 3, 10), RULES)
    assert (plan.effective, plan.new_end, plan.main.new_freeze) == (date(2026, 3, 10), None, None)
    assert plan.main.new_charged_through == date(2026, 3, 31)
    assert plan.catch_up is None
    assert plan.main.apply(sub).freezes == ()


def test_ongoing_freeze_thaws_today_once_the_minimum_has_passed():
    (sub,) = _frozen(ag(date(2026, 3, 31)), date(2026, 3, 15), date(2026, 5, 14), date(2026, 3, 1))
    plan = plan_thaw(sub, date(2026, 4, 20), RULES)
    # Frozen 15 Mar–19 Apr now; the 17 credited March days cover 20 Apr–6 May.
    assert (plan.effective, plan.new_end, plan.main.new_charged_through) == (
        date(2026, 4, 20), date(2026, 4, 19), date(2026, 5, 6))
    assert plan.catch_up is None


def test_ongoing_freeze_before_the_minimum_thaws_at_the_minimum():
    (sub,) = _frozen(ag(date(2026, 3, 31)), date(2026, 4, 1), date(2026, 6, 30), date(2026, 3, 20))
    plan = plan_thaw(sub, date(2026, 4, 10), RULES)
    assert (plan.effective, plan.new_end, plan.main.new_charged_through) == (
        date(2026, 5, 1), date(2026, 4, 30), date(2026, 4, 30))
    assert plan.catch_up_ore == 0


def test_thaw_of_ag_pays_the_processed_interval_ikapp_for_main_and_addon():
    towel = ag(date(2026, 3, 31), key="handduk", price=5000)
    sub, towel = _frozen(ag(date(2026, 3, 31)), date(2026, 4, 1), date(2026, 6, 30), date(2026, 3, 20),
                         addons=[towel])
    assert sub.charged_through == date(2026, 6, 30)
    plan = plan_thaw(sub, date(2026, 5, 15), RULES, addons=[towel])
    assert plan.main.new_charged_through == date(2026, 5, 14)
    # May's debit was skipped (frozen); 15–31 May must be paid now:
    # gym 39900 × 17/31 = 21880.6 -> 21881; towel 5000 × 17/31 = 2741.9 -> 2742.
    assert [(l.subscription_key, l.period_from, l.period_to, l.amount_ore) for l in plan.catch_up.lines] == [
        ("gym", date(2026, 5, 15), date(2026, 5, 31), 21881),
        ("handduk", date(2026, 5, 15), date(2026, 5, 31), 2742),
    ]
    assert plan.catch_up_ore == 24623
    after = plan.catch_up.apply(plan.main.apply(sub))
    assert not is_lagging(after, date(2026, 5, 15))


def test_kontant_thaw_shortens_the_extension_without_payment():
    (card,) = _frozen(kontant(date(2026, 5, 31)), date(2026, 3, 1), date(2026, 5, 31), date(2026, 3, 1))
    assert card.charged_through == date(2026, 8, 31)
    plan = plan_thaw(card, date(2026, 4, 1), RULES)
    # Frozen 1–31 Mar only: 31 days -> valid to 1 Jul.
    assert (plan.main.validity_end, plan.catch_up) == (date(2026, 7, 1), None)


def test_thaw_without_freeze_is_rejected():
    with pytest.raises(ValidationError, match="inte fryst"):
        plan_thaw(ag(date(2026, 3, 31)), date(2026, 3, 10), RULES)


def test_thaw_refused_when_minimum_is_after_the_end():
    # Settings changed: the minimum is now 3 months, longer than this 1-month freeze.
    sub = ag(date(2026, 4, 30), freezes=(Freeze(date(2026, 4, 1), date(2026, 4, 30)),))
    with pytest.raises(ValidationError, match="slutar redan 2026-04-30"):
        plan_thaw(sub, date(2026, 4, 10), FreezeRules(min=Length(3, "månader")))


# --- Förkorta ---------------------------------------------------------------------------------


def test_shorten_with_catch_up_payment():
    (sub,) = _frozen(ag(date(2026, 3, 31)), date(2026, 4, 1), date(2026, 6, 30), date(2026, 3, 20))
    plan = plan_shorten(sub, date(2026, 5, 20), date(2026, 5, 10), RULES)
    assert (plan.effective, plan.new_end, plan.main.new_charged_through) == (
        date(2026, 5, 21), date(2026, 5, 20), date(2026, 5, 20))
    # 21–31 May = 11 of 31 days: 39900 × 11/31 = 14158.06 -> 14158
    assert plan.catch_up_ore == 14158


def test_shorten_validation():
    (sub,) = _frozen(ag(date(2026, 3, 31)), date(2026, 4, 1), date(2026, 6, 30), date(2026, 3, 20))
    with pytest.raises(ValidationError, match="minst 1 månad. Tidigaste slutdatum är 2026-04-30"):
        plan_shorten(sub, date(2026, 4, 29), date(2026, 4, 10), RULES)
    with pytest.raises(ValidationError, match="före nuvarande slutdatum 2026-06-30"):
        plan_shorten(sub, date(2026, 6, 30), date(2026, 4, 10), RULES)
    with pytest.raises(ValidationError, match="kan inte vara före idag"):
        plan_shorten(sub, date(2026, 5, 9), date(2026, 5, 10), RULES)
    with pytest.raises(ValidationError, match="Endast en pågående frysning kan förkortas"):
        plan_shorten(sub, date(2026, 5, 9), date(2026, 3, 25), RULES)


# --- Förläng ----------------------------------------------------------------------------------


def test_extend_after_nine_months_allows_three_more():
    # Frozen since 1 Jan 2026, planned to 30 Sep (9 months); maximum 12 months.
    sub = ag(date(2026, 9, 30), freezes=(Freeze(date(2026, 1, 1), date(2026, 9, 30)),))
    today = date(2026, 9, 15)
    assert latest_extension_end(sub.freezes[0], RULES) == date(2026, 12, 31)
    plan = plan_extend(sub, date(2026, 12, 31), today, RULES)
    assert (plan.effective, plan.new_end, plan.main.new_charged_through) == (
        date(2026, 10, 1), date(2026, 12, 31), date(2026, 12, 31))
    with pytest.raises(ValidationError) as err:
        plan_extend(sub, date(2027, 1, 1), today, RULES)
    assert err.value.message == "Frysperioden får vara högst 12 månader totalt. Senaste slutdatum är 2026-12-31."


def test_extend_credits_paid_days_that_become_frozen():
    # Frozen 1–30 Apr with May already paid (covered to 31 May); extend to 15 May:
    # 1–15 May were paid -> 15 more days after: covered to 15 Jun.
    sub = ag(date(2026, 5, 31), freezes=(Freeze(date(2026, 4, 1), date(2026, 4, 30)),))
    plan = plan_extend(sub, date(2026, 5, 15), date(2026, 4, 20), RULES)
    assert (plan.main.frozen_paid_days, plan.main.new_charged_through) == (15, date(2026, 6, 15))
    back = plan_shorten(plan.main.apply(sub), date(2026, 4, 30), date(2026, 4, 20), RULES)
    assert back.main.new_charged_through == date(2026, 5, 31)
    assert back.main.apply(plan.main.apply(sub)) == sub


def test_extend_validation():
    sub = ag(date(2026, 4, 30), freezes=(Freeze(date(2026, 4, 1), date(2026, 4, 30)),))
    with pytest.raises(ValidationError, match="efter nuvarande slutdatum 2026-04-30"):
        plan_extend(sub, date(2026, 4, 30), date(2026, 4, 10), RULES)
    with pytest.raises(ValidationError, match="Endast en pågående frysning kan förlängas"):
        plan_extend(sub, date(2026, 5, 30), date(2026, 3, 10), RULES)
    cancelled = sub.replace(end=date(2026, 5, 15))
    with pytest.raises(ValidationError, match="slutdatum 2026-05-15"):
        plan_extend(cancelled, date(2026, 5, 30), date(2026, 4, 10), RULES)
