"""The check-in verdict (app.checkin.decide): one test per reason, and the settings that switch them."""
from __future__ import annotations

import dataclasses
from datetime import date

from app.checkin import CheckInFacts, CheckInRules, MainSubscription, decide
from app.settings import OPTIONS, BusinessSettings

TODAY = date(2026, 11, 22)
DEFAULTS = BusinessSettings(**{o.key: o.default for o in OPTIONS})
RULES = CheckInRules.from_settings(DEFAULTS)
RUNNING = MainSubscription("aktivt", date(2026, 1, 1), None, None)


def facts(**kw) -> CheckInFacts:
    values = {"card": "aktivt", "subscriptions": (RUNNING,)}
    values.update(kw)
    return CheckInFacts(**values)


def test_a_member_with_a_running_subscription_is_welcome():
    verdict = decide(facts(), RULES, TODAY)
    assert verdict.admitted and verdict.refusals == () and verdict.notes == ()


def test_checked_in_without_a_card_is_judged_on_the_rest():
    assert decide(facts(card=None), RULES, TODAY).admitted


def test_unknown_card_is_refused_whatever_the_settings():
    lenient = CheckInRules(frozenset(), 10**9)
    verdict = decide(CheckInFacts(card="okant"), lenient, TODAY)
    assert not verdict.admitted
    assert verdict.code == "okant_kort" and verdict.reason.title == "Okänt kort"


def test_blocked_card_is_refused():
    verdict = decide(facts(card="sparrat"), RULES, TODAY)
    assert not verdict.admitted and verdict.code == "sparrat_kort"
    assert verdict.reason.text == "Kortet som drogs är spärrat"


def test_no_subscription_at_all_is_refused():
    verdict = decide(facts(subscriptions=()), RULES, TODAY)
    assert verdict.code == "inget_abonnemang" and verdict.reason.text == "Kunden har inget abonnemang"


def test_a_subscription_whose_validity_has_passed_is_no_subscription():
    ended = MainSubscription("aktivt", date(2026, 1, 1), date(2026, 10, 31), None)
    verdict = decide(facts(subscriptions=(ended,)), RULES, TODAY)
    assert verdict.code == "inget_abonnemang"
    assert verdict.reason.text == "Abonnemanget gällde t.o.m. 2026-10-31"


def test_the_last_valid_day_still_admits():
    last = MainSubscription("uppsagt", date(2026, 1, 1), TODAY, None)
    assert decide(facts(subscriptions=(last,)), RULES, TODAY).admitted


def test_frozen_subscription_is_refused_with_the_freeze_end():
    frozen = MainSubscription("fryst", date(2026, 1, 1), None, date(2026, 12, 31))
    verdict = decide(facts(subscriptions=(frozen,)), RULES, TODAY)
    assert verdict.code == "fryst" and verdict.reason.text == "Fryst t.o.m. 2026-12-31"


def test_status_frozen_without_a_freeze_row_is_still_frozen():
    frozen = MainSubscription("fryst", date(2026, 1, 1), None, None, frozen_status=True)
    assert decide(facts(subscriptions=(frozen,)), RULES, TODAY).code == "fryst"


def test_debt_over_the_limit_is_refused_and_at_the_limit_admitted():
    rules = dataclasses.replace(RULES, debt_limit_ore=50000)
    assert decide(facts(debt_ore=50000), rules, TODAY).admitted
    verdict = decide(facts(debt_ore=50001), rules, TODAY)
    assert verdict.code == "skuld" and verdict.reason.text == "Skuld 500,01 kr"


def test_expired_customer_type_proof_is_refused():
    verdict = decide(facts(customer_type="student", price_guarantee_until=date(2026, 11, 21)), RULES, TODAY)
    assert verdict.code == "kundtyp_utgangen"
    assert verdict.reason.text == "Kundtypen Student gällde t.o.m. 2026-11-21"
    assert decide(facts(customer_type="student", price_guarantee_until=TODAY), RULES, TODAY).admitted


def test_subscription_not_yet_started_is_refused_with_its_start():
    later = MainSubscription("kommande", date(2026, 12, 1), None, None)
    verdict = decide(facts(subscriptions=(later,)), RULES, TODAY)
    assert verdict.code == "ej_startat" and verdict.reason.text == "Abonnemanget börjar 2026-12-01"


def test_every_reason_is_named_most_important_first():
    frozen = MainSubscription("fryst", date(2026, 1, 1), None, date(2026, 12, 31))
    verdict = decide(facts(card="sparrat", subscriptions=(frozen,), debt_ore=100,
                           customer_type="pensionar", price_guarantee_until=date(2026, 1, 1)), RULES, TODAY)
    assert [r.code for r in verdict.refusals] == ["sparrat_kort", "fryst", "skuld", "kundtyp_utgangen"]


def test_a_reason_set_not_to_refuse_becomes_a_note():
    settings = dataclasses.replace(DEFAULTS, checkin_refuse_debt=False, checkin_refuse_frozen=False)
    rules = CheckInRules.from_settings(settings)
    frozen = MainSubscription("fryst", date(2026, 1, 1), None, date(2026, 12, 31))
    verdict = decide(facts(subscriptions=(frozen,), debt_ore=100), rules, TODAY)
    assert verdict.admitted
    assert [r.code for r in verdict.notes] == ["fryst", "skuld"]


def test_each_refusal_setting_switches_its_reason():
    cases = {
        "checkin_refuse_blocked_card": facts(card="sparrat"),
        "checkin_refuse_no_subscription": facts(subscriptions=()),
        "checkin_refuse_not_started": facts(subscriptions=(MainSubscription("kommande", date(2027, 1, 1), None, None),)),
        "checkin_refuse_frozen": facts(subscriptions=(MainSubscription("fryst", date(2026, 1, 1), None, TODAY),)),
        "checkin_refuse_debt": facts(debt_ore=1),
        "checkin_refuse_type_expired": facts(customer_type="student", price_guarantee_until=date(2026, 1, 1)),
    }
    for key, case in cases.items():
        assert not decide(case, RULES, TODAY).admitted, key
        off = CheckInRules.from_settings(dataclasses.replace(DEFAULTS, **{key: False}))
        assert decide(case, off, TODAY).admitted, key
