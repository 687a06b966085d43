"""Avvikelser (SPEC §1.6): every deviation type detected from the data, with its configured severity."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.queries.deviations import load_deviations
from db.models import Person
from app.seeding.reference import DEVIATION_TYPES
from tests.app.conftest_data import (add_card, add_freeze, add_invoice, add_mandate, add_order, add_person, add_photo,
                                     add_product, add_subscription, set_setting, set_severity)

TODAY = date(2026, 11, 22)
SEVERITY = {code: severity for code, _name, _scope, severity in DEVIATION_TYPES}


def _load(core, person_id, swiped=None):
    with core.sessions() as s:
        return load_deviations(s, person_id, TODAY, swiped_card=swiped)


def _clean_person(s, first="Clean", **kw):
    """A person with photo, card and nothing wrong."""
    p = add_person(s, first, "Person", **kw)
    add_photo(s, p)
    add_card(s, p, f"card-{first}")
    return p


def test_a_clean_person_has_no_deviations(core):
    with core.sessions() as s, s.begin():
        pid = _clean_person(s).id
    result = _load(core, pid)
    assert result.all() == ()


def test_person_deviations(core):
    with core.sessions() as s, s.begin():
        debtor = _clean_person(s, "Debtor")
        add_invoice(s, debtor, 50000, paid_ore=20000)
        add_invoice(s, debtor, 10000, status="betald", paid_ore=10000)
        add_order(s, debtor, [12345, 100])
        no_photo = add_person(s, "Nophoto", "X")
        add_card(s, no_photo, "c-nophoto")
        blocked = add_person(s, "Blocked", "X")
        add_photo(s, blocked)
        add_card(s, blocked, "c-blocked", status="sparrat")
        soon = _clean_person(s, "Soon", customer_type="student", price_guarantee_until=TODAY + timedelta(days=30))
        later = _clean_person(s, "Later", customer_type="student", price_guarantee_until=TODAY + timedelta(days=31))
        gone = _clean_person(s, "Gone", customer_type="pensionar", price_guarantee_until=TODAY - timedelta(days=1))
        message = _clean_person(s, "Message", internal_message="Ring tränaren")
        blank_message = _clean_person(s, "Blank", internal_message="   ")
        ids = {k: v.id for k, v in locals().items() if isinstance(v, Person)}

    debt = _load(core, ids["debtor"])
    assert debt.codes() == {"skuld"}
    (d,) = debt.person
    assert d.severity == SEVERITY["skuld"] == "fel"
    assert "424,45 kr" in d.text  # 300 kr invoice + 124,45 kr open order
    assert _load(core, ids["no_photo"]).codes() == {"saknar_foto"}
    blocked = _load(core, ids["blocked"])
    assert blocked.codes() == {"sparrat_kort"}  # a blocked card is no "saknar kortnummer"
    assert blocked.person[0].severity == SEVERITY["sparrat_kort"]
    assert _load(core, ids["soon"]).codes() == {"kundtyp_gar_ut"}
    assert _load(core, ids["later"]).codes() == set()
    gone = _load(core, ids["gone"])
    assert gone.codes() == {"kundtyp_har_gatt_ut"} and "2026-11-21" in gone.person[0].text
    assert _load(core, ids["message"]).codes() == {"internt_meddelande"}
    assert _load(core, ids["blank_message"]).codes() == set()


def test_missing_card_and_swiped_blocked_card(core):
    with core.sessions() as s, s.begin():
        nocard = add_person(s, "Nocard", "X")
        add_photo(s, nocard)
        both = _clean_person(s, "Both")
        add_card(s, both, "old-card", status="sparrat", issued_days_ago=100)
        ids = (nocard.id, both.id)
    assert _load(core, ids[0]).codes() == {"saknar_kortnummer"}
    assert _load(core, ids[1]).codes() == set()  # blocked history with an active card is fine
    swiped = _load(core, ids[1], swiped="old-card")
    assert swiped.codes() == {"sparrat_kort"} and "drogs" in swiped.person[0].text


def test_expiry_warning_days_is_a_setting(core):
    with core.sessions() as s, s.begin():
        pid = _clean_person(s, "Soon", customer_type="student", price_guarantee_until=TODAY + timedelta(days=40)).id
    assert _load(core, pid).codes() == set()
    with core.sessions() as s, s.begin():
        set_setting(s, "type_expiry_warning_days", 45)
    assert _load(core, pid).codes() == {"kundtyp_gar_ut"}


@pytest.fixture
def subs(core):
    """Persons with one subscription each, in every state."""
    with core.sessions() as s, s.begin():
        ag = add_product(s, "gym_ag", payment="AG")
        cash = add_product(s, "gym_12", payment="kontant", price_ore=349900, interval_months=12, validity_months=12)
        out = {}

        def person(name, mandate="aktivt"):
            p = _clean_person(s, name)
            if mandate:
                add_mandate(s, p, mandate)
            return p

        p = person("Ok")
        out["ok"] = (p.id, add_subscription(s, p, ag).id)
        p = person("Lag")
        out["lag_ag"] = (p.id, add_subscription(s, p, ag, charged_through=date(2026, 10, 31)).id)
        p = person("Cashok", mandate=None)
        out["cash_ok"] = (p.id, add_subscription(s, p, cash, charged_through=TODAY).id)
        p = person("Cashlag", mandate=None)
        out["cash_lag"] = (p.id, add_subscription(s, p, cash, charged_through=TODAY - timedelta(days=1)).id)
        p = person("Frozen")
        sub = add_subscription(s, p, ag, status="fryst", charged_through=date(2027, 1, 31))
        add_freeze(s, sub, date(2026, 11, 1), date(2027, 1, 31))
        out["frozen"] = (p.id, sub.id)
        p = person("Future")
        sub = add_subscription(s, p, ag, status="framtida_frysning")
        add_freeze(s, sub, date(2026, 12, 1), date(2027, 1, 31), status="framtida")
        out["future"] = (p.id, sub.id)
        p = person("Cancelled")
        out["cancelled"] = (p.id, add_subscription(s, p, ag, status="uppsagt", end_date=date(2027, 1, 31)).id)
        payer = person("Payer")
        p = person("User", mandate=None)
        out["other_payer"] = (p.id, add_subscription(s, p, ag, payer=payer).id, payer.id)
        p = person("Nomandate", mandate=None)
        out["no_mandate"] = (p.id, add_subscription(s, p, ag).id)
        p = person("Rejected", mandate="avvisat")
        out["rejected"] = (p.id, add_subscription(s, p, ag).id)
        p = person("Atbgc", mandate="hos_bgc")
        out["at_bgc"] = (p.id, add_subscription(s, p, ag).id)
        nopay = person("Nopayer", mandate=None)
        p = person("Paid", mandate=None)
        out["payer_without_mandate"] = (p.id, add_subscription(s, p, ag, payer=nopay).id, nopay.id)
        p = person("Ended")
        out["ended"] = (p.id, add_subscription(s, p, ag, status="avslutat", end_date=date(2026, 6, 30),
                                               charged_through=date(2026, 6, 30)).id)
    return out


@pytest.mark.parametrize("case, sub_codes, mandate_codes", [
    ("ok", set(), set()),
    ("lag_ag", {"slapande"}, set()),
    ("cash_ok", set(), set()),
    ("cash_lag", {"slapande"}, set()),
    ("frozen", {"fryst"}, set()),
    ("future", {"framtida_frysning"}, set()),
    ("cancelled", {"uppsagt"}, set()),
    ("other_payer", {"annan_betalare"}, set()),
    ("no_mandate", set(), {"ag_medgivande_saknas"}),
    ("rejected", set(), {"ag_medgivande_avvisat"}),
    ("at_bgc", set(), {"medgivande_hos_bgc"}),
    ("payer_without_mandate", {"annan_betalare"}, {"ag_medgivande_saknas"}),
    ("ended", set(), set()),
])
def test_subscription_and_mandate_deviations(core, subs, case, sub_codes, mandate_codes):
    person_id, sub_id = subs[case][:2]
    result = _load(core, person_id)
    assert result.person == ()
    assert {d.code for d in result.subscriptions.get(sub_id, ())} == sub_codes
    assert {d.code for d in result.mandate} == mandate_codes
    for d in result.all():
        assert d.severity == SEVERITY[d.code]


def test_payer_sees_the_missing_mandate_of_what_they_pay_for(core, subs):
    _user, sub_id, payer_id = subs["payer_without_mandate"]
    result = _load(core, payer_id)
    assert {d.code for d in result.mandate} == {"ag_medgivande_saknas"}
    assert sub_id in result.subscriptions and "annan_betalare" not in {d.code for d in result.subscriptions[sub_id]}


def test_top_shows_person_deviations_and_serious_subscription_and_mandate_ones(core, subs):
    person_id, sub_id = subs["lag_ag"][:2]
    with core.sessions() as s, s.begin():
        s.get(Person, person_id).internal_message = "Hej"
    result = _load(core, person_id)
    # slapande is a warning by default -> at the top too; internt meddelande (information) always.
    assert {d.code for d in result.top} == {"slapande", "internt_meddelande"}
    with core.sessions() as s, s.begin():
        set_severity(s, "slapande", "information")
        set_severity(s, "internt_meddelande", "fel")
    result = _load(core, person_id)
    assert {d.code for d in result.top} == {"internt_meddelande"}
    assert result.top[0].severity == "fel"
    assert {d.code for d in result.subscriptions[sub_id]} == {"slapande"}  # still next to the subscription


def test_changed_severity_is_used(core, subs):
    person_id = subs["no_mandate"][0]
    with core.sessions() as s, s.begin():
        set_severity(s, "ag_medgivande_saknas", "information")
    (d,) = _load(core, person_id).mandate
    assert d.severity == "information"
    assert _load(core, person_id).top == ()
