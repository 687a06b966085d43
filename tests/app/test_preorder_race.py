"""Two desks finishing at the same moment on the shared PostgreSQL database.

Each desk runs the routine in its own thread with its own session and connection.
A threading.Barrier holds both at the critical point — after both have validated
against the same data, or right before the decisive statement — so the database,
not timing luck, decides: exactly one wins, the other gets a clear Conflict and
has written nothing.
"""
import threading
from datetime import date

import pytest
from sqlalchemy import event, select

from app.errors import Conflict
from app.routines.register import PREORDER_USED_MESSAGE, RegisterRoutine
from app.routines.registration_data import AccessData
from db.engine import make_session_factory
from db.models import Card, Order, Person, PreOrder, Subscription
from tests.app import builders as b

pytestmark = pytest.mark.pg
TIMEOUT = 20


@pytest.fixture
def core(pg_db, clock):
    from app.context import Core

    return Core(sessions=make_session_factory(pg_db.engine), clock=clock, desk="Kassa 1")


@pytest.fixture
def actor(core, make_actor):
    b.init_counters(core)
    return make_actor(core, "recep")


def run_both(routines_and_commands, actor):
    """Run each (routine, command) in its own thread; return [(result, error)] in the same order."""
    outcomes = [None] * len(routines_and_commands)

    def run(i, routine, cmd):
        try:
            outcomes[i] = (routine.execute(cmd, actor), None)
        except Exception as err:  # the loser's Conflict, or a failure the test reports
            outcomes[i] = (None, err)

    threads = [threading.Thread(target=run, args=(i, r, c)) for i, (r, c) in enumerate(routines_and_commands)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a desk hung"
    return outcomes


class ValidatedTogether(RegisterRoutine):
    """Both desks have validated against the same data before either writes."""

    def __init__(self, core, barrier):
        super().__init__(core)
        self.barrier = barrier

    def validate(self, session, command):
        super().validate(session, command)
        self.barrier.wait(TIMEOUT)


def barrier_before(engine, prefix: str, barrier: threading.Barrier):
    """Hold every connection at the first statement starting with ``prefix`` until both desks are there."""
    seen = set()

    def hold(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(prefix) and threading.get_ident() not in seen:
            seen.add(threading.get_ident())
            barrier.wait(TIMEOUT)

    event.listen(engine, "before_cursor_execute", hold)
    return lambda: event.remove(engine, "before_cursor_execute", hold)


def one_winner(outcomes, message):
    wins = [r for r, e in outcomes if e is None]
    losses = [e for r, e in outcomes if e is not None]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert isinstance(losses[0], Conflict) and message in str(losses[0])
    return wins[0], outcomes.index(next(o for o in outcomes if o[1] is not None))


def _preorder_org(core, cat):
    b.settings(core, preorders_enabled=True)
    return b.add_organisation(core, price_list_id=cat.org_list, uses_preorders=True)


def test_two_new_customers_on_one_preorder_exactly_one_wins(core, pg_db, actor):
    cat = b.build_catalog(core)
    org = _preorder_org(core, cat)
    # a pre-order by birth date that both applicants share (same birth date, different personnummer)
    pre = b.add_preorder(core, org, cat.gym_kontant, personnummer=None, birth_date=date(1985, 7, 9))
    commands = [
        b.registration(cat, "ny_organisationskund", organisation_id=org, preorder_id=pre, product=cat.gym_kontant,
                       legitimation=b.ORG_MEMBER, person=b.person_data(pnr), access=AccessData())
        for pnr in (b.pnr("19850709", "123"), b.pnr("19850709", "456"))
    ]
    barrier = threading.Barrier(2)
    outcomes = run_both([(ValidatedTogether(core, barrier), c) for c in commands], actor)
    winner, _ = one_winner(outcomes, PREORDER_USED_MESSAGE)
    with core.sessions() as s:
        assert s.scalar(select(PreOrder.used_by_person_id).where(PreOrder.id == pre)) == winner.person_id
        assert [p.id for p in s.scalars(select(Person))] == [winner.person_id]
        assert [x.id for x in s.scalars(select(Subscription))] == [winner.subscription_id]
        assert [o.id for o in s.scalars(select(Order))] == [winner.order_id]


def test_two_existing_customers_race_on_the_conditional_update(core, pg_db, actor):
    cat = b.build_catalog(core)
    org = _preorder_org(core, cat)
    pre = b.add_preorder(core, org, cat.gym_kontant, personnummer=None, birth_date=date(1985, 7, 9))
    people = [b.add_person(core, b.person_data(b.pnr("19850709", serial), email=f"p{serial}@example.se"))
              for serial in ("123", "456")]
    commands = [
        b.registration(cat, "avtal_forbestallning", person_id=pid, organisation_id=org, preorder_id=pre,
                       product=cat.gym_kontant, legitimation=b.ORG_MEMBER,
                       person=b.person_data(b.pnr("19850709", serial), email=f"p{serial}@example.se"),
                       access=AccessData())
        for pid, serial in zip(people, ("123", "456"))
    ]
    barrier = threading.Barrier(2)
    release = barrier_before(pg_db.engine, "UPDATE PREORDERS", barrier)
    try:
        outcomes = run_both([(RegisterRoutine(core), c) for c in commands], actor)
    finally:
        release()
    winner, loser_index = one_winner(outcomes, PREORDER_USED_MESSAGE)
    loser = people[loser_index]
    with core.sessions() as s:
        assert s.scalar(select(PreOrder.used_by_person_id).where(PreOrder.id == pre)) == winner.person_id
        assert s.scalars(select(Subscription).where(Subscription.user_id == loser)).all() == []
        assert s.scalars(select(Order).where(Order.person_id == loser)).all() == []
        assert s.get(Person, loser).organisation_id is None and not s.get(Person, loser).registered_with_routines


def test_two_new_customers_with_the_same_card_number_the_index_decides(core, pg_db, actor):
    cat = b.build_catalog(core)
    commands = [b.registration(cat, product=cat.gym_kontant, person=b.person_data(b.pnr("19850709", serial)),
                               access=AccessData(card_number="0004520100")) for serial in ("123", "456")]
    barrier = threading.Barrier(2)
    outcomes = run_both([(ValidatedTogether(core, barrier), c) for c in commands], actor)
    winner, _ = one_winner(outcomes, "Kortnumret används redan av en annan kund")
    with core.sessions() as s:
        assert [p.id for p in s.scalars(select(Person))] == [winner.person_id]
        assert [(c.person_id, c.card_number) for c in s.scalars(select(Card))] == [(winner.person_id, "0004520100")]
        assert s.scalar(select(Order.person_id)) == winner.person_id and len(s.scalars(select(Order)).all()) == 1


def test_two_existing_customers_insert_the_same_card_at_once(core, pg_db, actor):
    cat = b.build_catalog(core)
    people = [b.add_person(core, b.person_data(b.pnr("19850709", serial))) for serial in ("123", "456")]
    commands = [b.registration(cat, "befintlig_privatkund", person_id=pid, product=cat.gym_kontant,
                               person=b.person_data(b.pnr("19850709", serial)),
                               access=AccessData(card_number="0004520100"))
                for pid, serial in zip(people, ("123", "456"))]
    barrier = threading.Barrier(2)
    release = barrier_before(pg_db.engine, "INSERT INTO CARDS", barrier)
    try:
        outcomes = run_both([(RegisterRoutine(core), c) for c in commands], actor)
    finally:
        release()
    winner, loser_index = one_winner(outcomes, "Kortnumret används redan av en annan kund")
    loser = people[loser_index]
    with core.sessions() as s:
        assert s.scalars(select(Card).where(Card.person_id == loser)).all() == []
        assert s.scalars(select(Subscription).where(Subscription.user_id == loser)).all() == []
        assert s.scalars(select(Order).where(Order.person_id == loser)).all() == []
