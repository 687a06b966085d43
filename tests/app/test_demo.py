"""The demo data (`reception --demo`): the promised variety, valid identities, users that log in, run once."""
from __future__ import annotations

import shutil
from collections import Counter as Tally
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from app.auth import login
from app.domain.orgnr import parse_orgnr
from app.domain.personnummer import age_on, parse_personnummer
from app.domain.text import fold
from app.errors import UserError
from app.postal import PostalCodes
from app.queries.deviations import load_deviations
from app.settings import load_settings
from app.seeding.demo import DEMO_PASSWORD, DEMO_USERS, MARKER_KEY, seed_demo
from db.engine import make_engine, make_session_factory, sqlite_url
from db.models import (
    AddonRule,
    AutogiroMandate,
    Card,
    CustomerTypeProof,
    DeviationReason,
    Freeze,
    Invoice,
    OnlinePurchase,
    Order,
    Organisation,
    Person,
    Photo,
    PreOrder,
    PriceList,
    PriceListItem,
    Product,
    Setting,
    Subscription,
    User,
)
from app.seeding.reference import DEVIATION_TYPES, STANDARD_ROLES

RUNNING = ("aktivt", "fryst", "framtida_frysning")


def _seed(core):
    with core.write_session() as session, session.begin():
        return seed_demo(session, core.clock.today(), core.clock.now())


def _table_counts(core) -> dict[str, int]:
    models = (Person, Subscription, Freeze, AutogiroMandate, PreOrder, OnlinePurchase, Order, Invoice, Card, Photo,
              Product, PriceList, PriceListItem, AddonRule, Organisation, User, CustomerTypeProof, DeviationReason,
              Setting)
    with core.sessions() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in models}


def test_demo_data_has_the_promised_variety(core, clock):
    summary = _seed(core)
    today = clock.today()
    assert not summary.already_seeded and summary.persons >= 220
    with core.sessions() as s:
        persons = list(s.scalars(select(Person)))
        by_id = {p.id: p for p in persons}

        # Identities: every personnummer valid and canonical, some samordningsnummer, a few without one.
        assert len(persons) >= 200
        for p in persons:
            if p.personnummer is None:
                assert p.birth_date is not None and p.gender in ("M", "K")
                continue
            parsed = parse_personnummer(p.personnummer, today)
            assert parsed.digits12 == p.personnummer
            assert (parsed.is_coordination, parsed.birth_date, parsed.gender) == (p.is_coordination, p.birth_date,
                                                                                  p.gender)
        coordination = sum(p.is_coordination for p in persons)
        assert 1 <= coordination <= len(persons) // 10
        assert 1 <= sum(p.personnummer is None for p in persons) <= 10
        # Search keys filled as the routines fill them; Swedish letters present.
        assert all(p.first_name_norm == fold(p.first_name) and p.last_name_norm == fold(p.last_name)
                   for p in persons)
        assert all(p.mobile_digits and p.email_norm == p.email.lower() for p in persons)
        names = " ".join(p.full_name for p in persons)
        assert all(ch in names for ch in "åäöÅÄÖé")
        assert len({p.customer_number for p in persons}) == len(persons)

        # Addresses: real postal codes with their towns; a couple abroad.
        postal = PostalCodes.load()
        homes = [a for p in persons for a in p.addresses if a.kind == "hem"]
        assert len(homes) == len(persons)
        assert all(postal.town(a.postal_code, a.country) == a.town for a in homes)
        countries = Tally(a.country for a in homes)
        assert countries["NO"] >= 1 and countries["FI"] >= 1 and countries["SE"] > 200

        # Customer types: every type and pensioner subtype, with the proofs that go with them.
        kinds = Tally((p.customer_type, p.pensioner_subtype) for p in persons)
        assert {("ordinarie", None), ("student", None), ("pensionar", "alderspensionar"),
                ("pensionar", "sjukpensionar_livet_ut"), ("pensionar", "tillfallig_pensionar"),
                ("pensionar", "fortidspensionar")} <= set(kinds)
        for p in persons:
            if p.pensioner_subtype == "alderspensionar":
                assert age_on(p.birth_date, today) >= 65 and p.price_guarantee_until is None
            if p.pensioner_subtype == "sjukpensionar_livet_ut":
                assert p.price_guarantee_until is None
            if p.customer_type == "student" or p.pensioner_subtype == "tillfallig_pensionar":
                assert p.price_guarantee_until is not None
        soon = [p for p in persons if p.price_guarantee_until and today <= p.price_guarantee_until
                <= today + timedelta(days=30)]
        expired = [p for p in persons if p.price_guarantee_until and p.price_guarantee_until < today]
        assert {p.customer_type for p in soon} == {"student", "pensionar"}
        assert expired
        proofs = {pr.person_id: pr for pr in s.scalars(select(CustomerTypeProof))}
        assert len(proofs) >= len(persons) - 5  # online buyers have not been at a desk yet
        for person_id, proof in proofs.items():
            p = by_id[person_id]
            assert (proof.customer_type, proof.pensioner_subtype, proof.valid_until) == (
                p.customer_type, p.pensioner_subtype, p.price_guarantee_until)
            assert (proof.id_document == "utlandsk") == (proof.residence_proof is not None)
            assert proof.certified_at <= clock.now()

        # Organisations: valid numbers, with and without price lists, pre-orders with an account manager.
        orgs = list(s.scalars(select(Organisation)))
        assert len(orgs) >= 8
        assert all(parse_orgnr(o.org_number) == o.org_number for o in orgs)
        assert any(o.price_list_id for o in orgs) and any(o.price_list_id is None for o in orgs)
        preorder_orgs = [o for o in orgs if o.uses_preorders]
        assert preorder_orgs and all(o.account_manager is not None for o in preorder_orgs)
        assert sum(p.organisation_id is not None for p in persons) >= 20

        # Products, price lists and settings.
        settings = load_settings(s)
        lists = {pl.name: pl.id for pl in s.scalars(select(PriceList))}
        assert (settings.price_list_ordinarie, settings.price_list_student, settings.price_list_pensionar) == (
            lists["Ordinarie"], lists["Student"], lists["Pensionär"])
        assert settings.preorders_enabled and settings.use_deviation_reasons
        assert settings.internal_message_for_routines and settings.card_instructions
        products = {p.code: p for p in s.scalars(select(Product))}
        mains = [p for p in products.values() if p.kind == "huvud"]
        assert {p.payment for p in mains} == {"AG", "kontant"}
        assert [products[c].is_membership_card for c in map(lambda i: next(
            p.code for p in products.values() if p.id == i), settings.membership_card_products)] == [True]
        assert any(p.kind == "vardekort" and p.clips == 10 for p in products.values())
        prices = {(i.price_list_id, i.product_id): i.price_ore for i in s.scalars(select(PriceListItem))}
        gym = products["GYM_AG"].id
        assert prices[(lists["Student"], gym)] < prices[(lists["Ordinarie"], gym)]
        assert prices[(lists["Pensionär"], gym)] < prices[(lists["Ordinarie"], gym)]
        rules = {(r.addon.code, r.routine, r.availability) for r in s.scalars(select(AddonRule))}
        assert ("ADMIN", "registrering", "obligatoriskt") in rules
        assert ("OVERLATELSE", "overlatelse", "obligatoriskt") in rules
        assert ("HANDDUK", "registrering", "valbart") in rules
        assert {a for _, _, a in rules} == {"valbart", "obligatoriskt", "ej_valbart"}
        assert {r.name for r in s.scalars(select(DeviationReason).where(DeviationReason.kind == "frysning"))} >= {
            "Sjukdom", "Graviditet", "Utlandsvistelse", "Militärtjänst"}

        # Subscriptions: every status, consistent freezes and end dates, list prices, add-ons, other payers.
        subs = list(s.scalars(select(Subscription)))
        main_subs = [x for x in subs if x.parent_id is None]
        statuses = Tally(x.status for x in main_subs)
        assert set(statuses) == {"kommande", "aktivt", "fryst", "framtida_frysning", "uppsagt", "avslutat"}
        assert statuses["aktivt"] > len(main_subs) // 2
        for x in subs:
            current = [f for f in x.freezes if f.status in ("pagaende", "framtida")]
            if x.status == "fryst":
                assert [f.status for f in current] == ["pagaende"]
                assert current[0].start_date <= today <= current[0].end_date
            elif x.status == "framtida_frysning":
                assert [f.status for f in current] == ["framtida"] and current[0].start_date > today
            else:
                assert current == []
            if x.status == "uppsagt":
                assert x.end_date >= today and x.product.payment == "AG"
            if x.status == "avslutat":
                assert x.end_date < today
            if x.parent_id is not None:
                parent = next(m for m in main_subs if m.id == x.parent_id)
                assert (x.payer_id, x.charged_through, x.status) == (parent.payer_id, parent.charged_through,
                                                                    parent.status)
            if x.price_list_id is not None and (x.price_list_id, x.product_id) in prices:
                assert x.price_ore == prices[(x.price_list_id, x.product_id)]
        assert any(x.parent_id is not None for x in subs)
        running = [x for x in main_subs if x.status in RUNNING]
        assert len({x.user_id for x in running}) == len(running)  # one running main subscription per person
        others = [x for x in main_subs if x.payer_id != x.user_id and x.status in RUNNING]
        assert len(others) >= 2
        assert all(age_on(by_id[x.payer_id].birth_date, today) >= 18 for x in others)
        assert any(age_on(by_id[x.user_id].birth_date, today) < 18 for x in others)

        # Autogiro: mandates in every state, one AG payer without any.
        mandates = list(s.scalars(select(AutogiroMandate)))
        assert {m.status for m in mandates} >= {"aktivt", "hos_bgc", "avvisat"}
        current = {m.person_id for m in mandates if m.status in ("ny", "hos_bgc", "aktivt")}
        any_mandate = {m.person_id for m in mandates}
        ag_payers = {x.payer_id for x in main_subs if x.product.payment == "AG" and x.status in RUNNING + ("uppsagt",)}
        assert len(ag_payers - any_mandate) == 1
        assert len(ag_payers - current) >= 2  # the one without, and the rejected one
        assert all(m.holder_personnummer == by_id[m.person_id].personnummer for m in mandates)

        # Pre-orders: open ones for customers, for people not yet customers, by birth date; used and expired.
        preorders = list(s.scalars(select(PreOrder)))
        open_ = [po for po in preorders if po.status == "oppen"]
        assert len(open_) >= 30
        known = {p.personnummer for p in persons}
        assert any(po.personnummer in known for po in open_)
        assert any(po.personnummer and po.personnummer not in known for po in open_)
        assert any(po.personnummer is None and po.birth_date for po in open_)
        assert all(po.valid_from <= today <= po.valid_to for po in open_)
        assert {po.status for po in preorders} >= {"oppen", "utnyttjad", "utgangen"}
        org_by_id = {o.id: o for o in orgs}
        for po in preorders:
            org = org_by_id[po.organisation_id]
            assert org.uses_preorders and (org.price_list_id, po.product_id) in prices
            if po.personnummer:
                parse_personnummer(po.personnummer, today)

        # Online purchases awaiting pickup, one claimed as a student.
        online = list(s.scalars(select(OnlinePurchase).where(OnlinePurchase.status == "vantar")))
        assert 3 <= len(online) <= 4
        assert "student" in {o.customer_type for o in online}
        assert {today - timedelta(days=10), today - timedelta(days=20)} <= {o.registered_on for o in online}
        assert all(not any(x.user_id == o.person_id and x.status in RUNNING for x in main_subs) for o in online)

        # Orders and invoices: paid ones with payments; unpaid orders and invoices (skuld).
        orders = list(s.scalars(select(Order)))
        unpaid = [o for o in orders if o.status == "oppen"]
        assert unpaid and all(o.lines and o.total_ore > 0 and not o.payments for o in unpaid)
        assert all(o.payments and o.payments[0].amount_ore >= o.total_ore - 50 for o in orders if o.status == "betald")
        debtors = {i.person_id for i in s.scalars(select(Invoice).where(Invoice.status == "obetald"))}
        assert 2 <= len(debtors) <= 6

        # Cards and photos: most have both; some without, some blocked.
        cards = list(s.scalars(select(Card)))
        with_active = {c.person_id for c in cards if c.status == "aktivt"}
        assert len(with_active) > len(persons) * 3 // 4 and len(with_active) < len(persons)
        assert any(c.status == "sparrat" for c in cards)
        photos = list(s.scalars(select(Photo)))
        assert len(photos) > len(persons) * 3 // 4 and len(photos) < len(persons)
        assert all(ph.jpeg.startswith(b"\xff\xd8") for ph in photos)
        routines = [p for p in persons if p.registered_with_routines]
        assert routines and all(settings.internal_message_for_routines in p.internal_message for p in routines)
        assert any(p.internal_message and not p.registered_with_routines for p in persons)

    # The test database already had `admin` (password 'hemligt'): the demo keeps it and adds the others.
    assert summary.users == 2
    assert login(core, "admin", "hemligt").username == "admin"
    with pytest.raises(UserError):
        login(core, "admin", DEMO_PASSWORD)
    for username in ("reception", "kundansvarig"):
        assert login(core, username, DEMO_PASSWORD).username == username


def test_every_deviation_type_shows_up_and_lagging_is_the_exception(sqlite_core, clock):
    """The person card's deviations, as app.queries.deviations detects them, all occur in the demo."""
    _seed(sqlite_core)
    today = clock.today()
    with sqlite_core.sessions() as s:
        persons = list(s.scalars(select(Person)))
        subs = list(s.scalars(select(Subscription)))
        running = [x for x in subs if x.parent_id is None and x.status in RUNNING]
        seen: set[str] = set()
        lagging_kinds: Tally[str] = Tally()
        sub_by_id = {x.id: x for x in subs}
        for p in persons:
            found = load_deviations(s, p.id, today)
            seen |= found.codes()
            for sub_id, deviations in found.subscriptions.items():
                sub = sub_by_id[sub_id]
                if sub.user_id == p.id and sub.parent_id is None and any(d.code == "slapande" for d in deviations):
                    lagging_kinds[sub.product.payment] += 1
        assert seen == {code for code, *_ in DEVIATION_TYPES}
        assert lagging_kinds["AG"] >= 1 and lagging_kinds["kontant"] >= 1
        assert sum(lagging_kinds.values()) <= len(running) // 10


def test_demo_users_log_in_with_their_role_and_a_second_call_adds_nothing(core):
    with core.write_session() as s, s.begin():  # a fresh database has no `admin` yet
        s.execute(delete(User).where(User.username == "admin"))
    summary = _seed(core)
    assert summary.users == 3
    roles = {role for _, _, role, _ in DEMO_USERS}
    assert roles == set(STANDARD_ROLES)
    for username, password, role, what in DEMO_USERS:
        actor = login(core, username, password)
        assert actor.rights == frozenset(STANDARD_ROLES[role]) and what
        assert " " in actor.full_name
    before = _table_counts(core)
    again = _seed(core)
    assert again.already_seeded and again.persons == 0
    assert _table_counts(core) == before
    with core.sessions() as s:
        assert s.get(Setting, MARKER_KEY) is not None


def test_same_day_gives_the_same_data(sqlite_template, tmp_path, clock):
    """Deterministic: two fresh databases seeded on the same day hold the same people and numbers."""
    fingerprints = []
    for name in ("a.db", "b.db"):
        shutil.copy(sqlite_template, tmp_path / name)
        engine = make_engine(sqlite_url(tmp_path / name))
        sessions = make_session_factory(engine)
        with sessions() as s, s.begin():
            seed_demo(s, clock.today(), clock.now())
        with sessions() as s:
            fingerprints.append(s.execute(select(Person.customer_number, Person.personnummer, Person.first_name,
                                                 Person.email).order_by(Person.customer_number)).all())
            fingerprints.append(s.execute(select(Subscription.user_id, Subscription.status,
                                                 Subscription.charged_through).order_by(Subscription.id)).all())
        engine.dispose()
    assert fingerprints[0] == fingerprints[2] and fingerprints[1] == fingerprints[3]


def test_personuppslagning_is_on_and_finds_pre_ordered_people_who_are_not_customers(sqlite_core):
    from app.lookup import provider_from_settings
    from app.queries.search import search_persons
    from db.models import PersonRegisterEntry

    summary = _seed(sqlite_core)
    assert summary.register_entries >= 10
    with sqlite_core.sessions() as s:
        settings = load_settings(s)
        assert settings.person_lookup_enabled
        customers = set(s.scalars(select(Person.personnummer).where(Person.personnummer.is_not(None))))
        entries = s.scalars(select(PersonRegisterEntry)).all()
        pre = s.scalar(select(PreOrder).where(PreOrder.status == "oppen", PreOrder.personnummer.is_not(None),
                                              PreOrder.personnummer.not_in(customers)))
        result = search_persons(s, pre.personnummer, sqlite_core.clock.today())
    assert not customers & {e.personnummer for e in entries}  # only people who are not customers
    assert [e.protected_identity for e in entries].count(True) == 1
    assert result.hits == [] and result.not_found_personnummer
    found = provider_from_settings(settings, sqlite_core.sessions).lookup(pre.personnummer)
    assert found is not None and f"{found.first_name} {found.last_name}" == pre.name
