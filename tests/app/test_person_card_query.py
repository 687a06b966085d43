"""The person card's read model: the data it shows and a fixed, small number of statements."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from app.context import Actor
from app.errors import NotFound
from app.queries.deviations import load_deviations
from app.queries.person_card import MAX_BOOKINGS, load_person_card
from app.rights import CUSTOMER_JOURNAL
from app.settings import load_settings
from db.models import Address, Booking, Document, Note, OnlinePurchase, ValueCard
from tests.app.conftest_data import (NOW, add_card, add_freeze, add_invoice, add_mandate, add_order, add_person,
                                     add_photo, add_price_list, add_product, add_subscription, set_setting)

TODAY = date(2026, 11, 22)
# The person; every per-person list (cards, notes, documents, bookings, orders, invoices, value cards,
# mandates, price-list products), the deviation types and the settings in one UNION ALL; subscriptions.
MAX_STATEMENTS = 3


def as_user(user_id: int, *rights: str) -> Actor:
    """The card as this user, with these rights, sees it (the query decides from the actor)."""
    return Actor(user_id, f"user{user_id}", f"User {user_id}", frozenset(rights))


NOBODY = as_user(0)  # no rights, owns no document


@contextmanager
def count_statements(engine):
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _fill(s, person, n, users):
    """n of everything: subscriptions with add-ons and freezes, notes, documents, bookings, orders, invoices."""
    pl = add_price_list(s, f"Lista {person.id}")
    main = add_product(s, f"gym_{person.id}", price_list=pl)
    add_product(s, f"gym_plus_{person.id}", price_ore=49900, price_list=pl)
    towel = add_product(s, f"towel_{person.id}", kind="tillagg", price_ore=5000)
    for i in range(n):
        status = "aktivt" if i == 0 else "avslutat"
        sub = add_subscription(s, person, main, price_list=pl, status=status, start=date(2020 + i % 5, 1, 1),
                               end_date=None if i == 0 else date(2020 + i % 5, 12, 31))
        add_subscription(s, person, towel, parent=sub, status=status)
        add_freeze(s, sub, date(2020 + i % 5, 3, 1), date(2020 + i % 5, 3, 31), status="avslutad")
        s.add(Note(person_id=person.id, kind="anteckning", text=f"Anteckning {i}", created_at=NOW, created_by=users[0]))
        s.add(Note(person_id=person.id, kind="journal", text=f"Journal {i}", created_at=NOW, created_by=users[0]))
        s.add(Document(person_id=person.id, filename=f"avtal{i}.pdf", content=b"%PDF-1.4 x" * (i + 1), created_at=NOW,
                       created_by=users[0]))
        s.add(Booking(person_id=person.id, activity=f"Spinning {i}", starts_at=NOW - timedelta(days=i),
                      price_ore=10000, debited=i % 2 == 0))
        s.add(ValueCard(person_id=person.id, name="10-klippkort", clips_total=10, clips_left=i % 10, bought_on=TODAY))
        add_order(s, person, [1000 * (i + 1)], status="betald")
        add_invoice(s, person, 5000, status="betald", paid_ore=5000)
        add_card(s, person, f"old-{person.id}-{i}", status="sparrat", issued_days_ago=100 + i)
    s.flush()


@pytest.fixture
def users(core):
    from sqlalchemy import select

    from db.models import User
    with core.sessions() as s:
        return [u.id for u in s.scalars(select(User).order_by(User.username))]  # admin, recep


def test_statement_count_does_not_grow_with_history(core, users):
    with core.sessions() as s, s.begin():
        small = add_person(s, "Liten", "Historik")
        big = add_person(s, "Stor", "Historik")
        _fill(s, small, 1, users)
        _fill(s, big, 15, users)
        payer_for = add_person(s, "Barn", "Historik")
        for i in range(5):
            other = add_person(s, f"Barn{i}", "Historik")
            add_subscription(s, other, add_product(s, f"kid{i}"), payer=big)
        ids = small.id, big.id, payer_for.id
    counts = []
    for pid in ids[:2]:
        with core.sessions() as s, count_statements(core.engine) as seen:
            data = load_person_card(s, as_user(users[0], CUSTOMER_JOURNAL), pid, TODAY)
        counts.append(len(seen))
    assert counts[0] == counts[1] <= MAX_STATEMENTS, counts
    assert len(data.subscriptions) == 15 and len(data.paid_for_others) == 5
    assert all(len(sub.addons) == 1 for sub in data.subscriptions)
    assert len(data.journal) == 15 and len(data.notes) == 15
    assert len(data.documents) == len(data.bookings) == len(data.value_cards) == len(data.invoices) == 15
    assert len(data.blocked_cards) == 15 and len(data.purchases) == 8 + 15  # debited bookings + paid orders
    assert {sub.freeze_period for sub in data.subscriptions} == {None}  # every freeze ended years ago


def test_card_data(core, users):
    with core.sessions() as s, s.begin():
        set_setting(s, "membership_card_products", [1])
        pl = add_price_list(s)
        gym = add_product(s, "gym", price_list=pl)
        add_product(s, "gym_plus", price_ore=49900, price_list=pl)
        add_product(s, "gym_cash_cheap", price_ore=100, payment="kontant", price_list=pl)
        towel = add_product(s, "towel", kind="tillagg", price_ore=5000)
        person = add_person(s, "Åke", "Öberg", personnummer="900101-1239", customer_type="student",
                            price_guarantee_until=date(2027, 6, 30), internal_message="Hämta nyckel")
        person.customer_message = "Välkommen"
        person.marketing_email_ok, person.marketing_interests = True, "Yoga"
        person.staff_position = "Instruktör"
        add_photo(s, person, b"\xff\xd8jpegdata")
        add_card(s, person, "0001", status="sparrat", issued_days_ago=300)
        add_card(s, person, "0002")
        s.add(Address(person_id=person.id, kind="hem", street="Storgatan 1", postal_code="11455", town="Stockholm",
                      country="SE"))
        s.add(Address(person_id=person.id, kind="faktura", street="Box 5", postal_code="0150", town="Oslo",
                      country="NO"))
        sub = add_subscription(s, person, gym, price_list=pl)
        add_subscription(s, person, towel, parent=sub)
        add_freeze(s, sub, date(2026, 12, 1), date(2026, 12, 31), status="framtida")
        add_mandate(s, person, "hos_bgc")
        add_order(s, person, [10000, 2500])
        add_order(s, person, [7000], status="betald")
        add_invoice(s, person, 30000, paid_ore=10000)
        s.add(Booking(person_id=person.id, activity="Yoga", starts_at=NOW, price_ore=12000, debited=True))
        s.add(Booking(person_id=person.id, activity="Spinning", starts_at=NOW, price_ore=9000, debited=False))
        s.add(Document(person_id=person.id, filename="hemligt.pdf", content=b"x", only_owner_visible=True,
                       created_at=NOW, created_by=users[1]))
        s.add(Document(person_id=person.id, filename="avtal.pdf", content=b"abc", show_on_web=True, created_at=NOW,
                       created_by=users[1]))
        s.add(OnlinePurchase(person_id=person.id, product_id=gym.id, price_list_id=pl.id, customer_type="student",
                             price_paid_ore=39900, registered_on=TODAY, status="vantar"))
        s.add(Note(person_id=person.id, kind="journal", text="Skadad axel", created_at=NOW))
        child = add_person(s, "Barn", "Öberg")
        kid_sub = add_subscription(s, child, gym, payer=person)
        pid, sub_id, kid_sub_id = person.id, sub.id, kid_sub.id

    with core.sessions() as s:
        data = load_person_card(s, as_user(users[0]), pid, TODAY)
    p = data.person
    assert (p.name, p.personnummer_display, p.customer_type_name) == ("Åke Öberg", "19900101-1239", "Student")
    assert p.price_guarantee_until == date(2027, 6, 30)
    assert data.photo_jpeg == b"\xff\xd8jpegdata"
    assert data.current_card.card_number == "0002"
    assert [c.card_number for c in data.blocked_cards] == ["0001"]
    assert data.home_address.town == "Stockholm" and data.invoice_address.country == "NO"
    assert data.marketing.email_ok and data.marketing.interests == "Yoga"
    assert (data.internal_message, data.customer_message) == ("Hämta nyckel", "Välkommen")
    assert data.staff.position == "Instruktör" and not data.staff.has_web_password
    assert [d.filename for d in data.documents] == ["avtal.pdf"]  # the other is only for its creator
    assert data.documents[0].size == 3 and data.documents[0].show_on_web
    assert data.journal is None
    assert {b.activity for b in data.bookings} == {"Yoga", "Spinning"}
    assert {(x.description, x.source) for x in data.purchases} == {("Yoga", "Bokning"), ("Rad 1", "Kassa")}
    assert data.economy.unpaid_invoices_ore == 20000 and data.economy.open_orders_ore == 12500
    assert data.economy.debt_ore == 32500 and data.economy.mandate.status_name == "Hos BGC"
    assert len(data.invoices) == 1
    (sub,) = data.subscriptions
    assert sub.id == sub_id and [a.product_name for a in sub.addons] == ["Towel"]
    assert sub.freeze == "framtida" and sub.freeze_period == (date(2026, 12, 1), date(2026, 12, 31))
    assert {d.code for d in sub.deviations} == {"framtida_frysning"}
    assert sub.menu.dearer_exists and not sub.menu.cheaper_exists  # the cheap one is kontant: another kind
    assert [o.id for o in data.paid_for_others] == [kid_sub_id]
    assert data.paid_for_others[0].user_name == "Barn Öberg"
    assert data.person_menu.online_purchase_waiting
    assert data.person_menu.mandate_status == "hos_bgc"
    assert "t.o.m." not in (data.person_menu.sign_blocked_reason or "x")  # open-ended AG: must cancel first
    assert data.mandate_menu.status == "hos_bgc"
    assert {d.code for d in data.deviations.top} >= {"skuld", "internt_meddelande"}

    with core.sessions() as s:
        owner_view = load_person_card(s, as_user(users[1], CUSTOMER_JOURNAL), pid, TODAY)
    assert {d.filename for d in owner_view.documents} == {"avtal.pdf", "hemligt.pdf"}
    assert [n.text for n in owner_view.journal] == ["Skadad axel"]


def test_unknown_person(core):
    with core.sessions() as s, pytest.raises(NotFound):
        load_person_card(s, NOBODY, 999999, TODAY)


def test_signing_rules_feed_the_person_menu(core):
    with core.sessions() as s, s.begin():
        cash = add_product(s, "cash", payment="kontant", price_ore=100000, interval_months=12)
        p = add_person(s, "Kontant", "Kund")
        add_subscription(s, p, cash, charged_through=date(2027, 6, 30))
        soon = add_person(s, "Snart", "Slut")
        add_subscription(s, soon, cash, charged_through=date(2026, 12, 10))
        ids = p.id, soon.id
    with core.sessions() as s:
        far = load_person_card(s, NOBODY, ids[0], TODAY).person_menu
        near = load_person_card(s, NOBODY, ids[1], TODAY).person_menu
    assert "2027-06-30" in far.sign_blocked_reason
    assert far.convert_blocked_reason is None  # no conversion limit configured (0)
    assert near.sign_blocked_reason is None


def test_created_at_timestamps_are_aware(core):
    with core.sessions() as s, s.begin():
        p = add_person(s, "Tid", "Stämpel")
        s.add(Note(person_id=p.id, kind="anteckning", text="x", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
        pid = p.id
    with core.sessions() as s:
        (note,) = load_person_card(s, NOBODY, pid, TODAY).notes
    assert note.created_at.tzinfo is not None


def test_lists_are_complete_typed_and_newest_first(core, users):
    """The lists share one UNION ALL: each must come back whole, in its own order, with its own types."""
    from db.models import Invoice, User

    with core.sessions() as s, s.begin():
        p = add_person(s, "Lista", "Ordning")
        add_card(s, p, "old", status="sparrat", issued_days_ago=400)
        add_card(s, p, "new", issued_days_ago=5)
        add_card(s, p, "middle", status="sparrat", issued_days_ago=90)
        for days, text in ((3, "äldst"), (1, "nyast"), (2, "mitten")):
            s.add(Note(person_id=p.id, kind="anteckning", text=text, created_at=NOW - timedelta(days=days),
                       created_by=users[0]))
        s.add(Note(person_id=p.id, kind="anteckning", text="samma tid, högre id", created_at=NOW - timedelta(days=3),
                   created_by=users[0]))
        s.add(Document(person_id=p.id, filename="gammal.pdf", content=b"12345", processed=True,
                       created_at=NOW - timedelta(days=9), created_by=users[0]))
        s.add(Document(person_id=p.id, filename="ny.pdf", content=b"", created_at=NOW, created_by=None))
        s.add(Document(person_id=p.id, filename="privat.pdf", content=b"x", only_owner_visible=True, created_at=NOW,
                       created_by=None))
        for i in range(MAX_BOOKINGS + 3):
            s.add(Booking(person_id=p.id, activity=f"Pass {i}", starts_at=NOW - timedelta(hours=i), price_ore=100 * i,
                          debited=i == 1))
        s.add(ValueCard(person_id=p.id, name="Gammalt", clips_total=10, clips_left=0, bought_on=date(2025, 1, 1)))
        s.add(ValueCard(person_id=p.id, name="Nytt", clips_total=10, clips_left=9, valid_to=date(2027, 1, 1),
                        bought_on=date(2026, 11, 1)))
        older = add_order(s, p, [300, 200, 100], status="betald")
        newer = add_order(s, p, [5000])
        empty = add_order(s, p, [])
        older.created_at = older.paid_at = NOW - timedelta(days=10)
        empty.created_at = NOW - timedelta(days=20)
        first = add_invoice(s, p, 1000)
        second = add_invoice(s, p, 2000, status="betald", paid_ore=2000)
        first.issued_on = TODAY - timedelta(days=60)
        s.add(Invoice(invoice_number=990001, person_id=p.id, kind="faktura", issued_on=TODAY, due_on=TODAY,
                      amount_ore=-2000, paid_ore=0, status="betald", credited_invoice_id=second.id))
        s.flush()
        pid, newer_id, older_id, empty_id = p.id, newer.id, older.id, empty.id
        author = s.get(User, users[0]).full_name

    with core.sessions() as s:
        data = load_person_card(s, as_user(users[0]), pid, TODAY)
    assert [c.card_number for c in data.cards] == ["new", "middle", "old"]
    assert all(c.issued_at.tzinfo is not None for c in data.cards) and data.cards[1].blocked_at.tzinfo is not None
    assert data.cards[0].blocked_at is None
    assert [n.text for n in data.notes] == ["nyast", "mitten", "samma tid, högre id", "äldst"]
    assert author and {n.created_by for n in data.notes} == {author}
    assert [(d.filename, d.size, d.processed, d.only_owner_visible, d.created_by) for d in data.documents] == [
        ("ny.pdf", 0, False, False, ""), ("gammal.pdf", 5, True, False, author)]
    assert all(type(d.processed) is bool and type(d.show_on_web) is bool for d in data.documents)
    assert len(data.bookings) == MAX_BOOKINGS
    assert [b.activity for b in data.bookings[:2]] == ["Pass 0", "Pass 1"]
    assert data.bookings[-1].activity == f"Pass {MAX_BOOKINGS - 1}"  # the oldest three are left out
    assert type(data.bookings[0].debited) is bool and data.bookings[1].debited
    assert data.bookings[0].starts_at.tzinfo is not None
    assert [(v.name, v.clips_left, v.valid_to) for v in data.value_cards] == [
        ("Nytt", 9, date(2027, 1, 1)), ("Gammalt", 0, None)]
    assert [o.id for o in data.economy.open_orders] == [newer_id, empty_id]
    assert data.economy.open_orders[1].total_ore == 0 and data.economy.open_orders[1].description == ""
    assert [(x.source, x.description, x.amount_ore) for x in data.purchases] == [
        ("Bokning", "Pass 1", 100), ("Kassa", "Rad 1, Rad 2, Rad 3", 600)]
    assert [(i.amount_ore, i.is_credit) for i in data.invoices] == [(-2000, True), (2000, False), (1000, False)]
    assert data.invoices[0].issued_on == TODAY and type(data.invoices[0].issued_on) is date
    assert data.economy.unpaid_invoices_ore == 1000
    assert older_id not in {o.id for o in data.economy.open_orders}


@pytest.mark.parametrize("payer_mandate", [None, "aktivt", "avvisat"])
def test_card_deviations_agree_with_load_deviations(core, payer_mandate):
    """The card reads the mandates of other payers through a subquery; the deviations must not differ."""
    from tests.app.conftest_data import add_product as product

    with core.sessions() as s, s.begin():
        ag = product(s, "ag_gym", payment="AG")
        user = add_person(s, "Använder", "Kort")
        payer = add_person(s, "Betalar", "Annan")
        own_payer = add_person(s, "Egen", "Betalare")
        if payer_mandate:
            add_mandate(s, payer, payer_mandate)
        add_mandate(s, own_payer)
        add_subscription(s, user, ag, payer=payer)
        add_subscription(s, own_payer, ag, payer=own_payer)
        add_subscription(s, user, ag, payer=own_payer, status="kommande", start=date(2027, 1, 1))
        ids = user.id, payer.id, own_payer.id
    for pid in ids:
        with core.sessions() as s:
            card = load_person_card(s, NOBODY, pid, TODAY).deviations
            direct = load_deviations(s, pid, TODAY)
        assert card == direct, pid
    with core.sessions() as s:
        codes = {d.code for d in load_person_card(s, NOBODY, ids[0], TODAY).deviations.mandate}
    assert ("ag_medgivande_saknas" in codes) == (payer_mandate != "aktivt")


def test_card_settings_are_load_settings(core):
    """The card reads the settings in its UNION ALL; they must be what app.settings.load_settings gives."""
    with core.sessions() as s, s.begin():
        pid = add_person(s, "Inställ", "Ning").id
        set_setting(s, "type_expiry_warning_days", 45)
        set_setting(s, "freeze_min", {"number": 2, "unit": "månader"})
        set_setting(s, "club_name", "Klubben Å")
    with core.sessions() as s:
        card = load_person_card(s, NOBODY, pid, TODAY).settings
        assert card == load_settings(s)
    assert (card.type_expiry_warning_days, card.freeze_min, card.club_name) == (
        45, {"number": 2, "unit": "månader"}, "Klubben Å")


def test_latest_visit_next_debit_and_state_in_the_same_statements(core):
    """Översikt (issue 14 §1): the latest check-in and the next autogiro debit come with the card's statements."""
    from db.models import Visit

    with core.sessions() as s, s.begin():
        person = add_person(s, "Vera", "Visit")
        pl = add_price_list(s, "Översikt")
        gym = add_product(s, "gym_overview", price_list=pl)                 # AG 399 kr/month
        towel = add_product(s, "towel_overview", kind="tillagg", price_ore=5000)
        main = add_subscription(s, person, gym, price_list=pl, start=date(2026, 1, 1),
                                charged_through=date(2026, 11, 30))
        add_subscription(s, person, towel, parent=main, start=date(2026, 1, 1), charged_through=date(2026, 11, 30))
        add_freeze(s, main, date(2027, 1, 1), date(2027, 1, 31), status="framtida")
        for minutes, verdict in ((90, "valkommen"), (5, "nekad")):
            at = NOW - timedelta(minutes=minutes)
            s.add(Visit(person_id=person.id, card_number="0001", at=at, local_date=TODAY, local_hour=at.hour,
                        desk="Kassa 2", method="kort", verdict=verdict,
                        reason_text="Skuld" if verdict == "nekad" else None))
        person_id, main_id = person.id, main.id
    with core.sessions() as s, count_statements(core.engine) as seen:
        data = load_person_card(s, NOBODY, person_id, TODAY)
    assert len(seen) <= MAX_STATEMENTS
    assert (data.latest_visit.verdict, data.latest_visit.reason_text, data.latest_visit.desk) == (
        "nekad", "Skuld", "Kassa 2")
    (sub,) = data.subscriptions
    assert sub.id == main_id and (sub.next_debit_on, sub.next_debit_ore) == (date(2026, 12, 1), 44900)
    assert sub.state_text == "Frysning planerad 2027-01-01 – 2027-01-31"
