"""Recording visits (app.routines.checkin) on SQLite and PostgreSQL: a visit per swipe with the verdict
from the data, the double swipe counted once, "Checka in" without a card, "Släpp in ändå" audited,
rights checked in the routine — and two desks racing on the same card record one visit."""
from __future__ import annotations

import dataclasses
import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from app.context import Core
from app.errors import NotAllowed, UserError, ValidationError
from app.routines.checkin import CheckIn, CheckInCommand, LetIn, LetInCommand
from db.engine import make_session_factory
from db.models import AuditEntry, Freeze, Invoice, Visit
from tests.app import builders as b

TODAY = date(2026, 11, 22)
CARD = "0004520100"


@pytest.fixture
def world(core):
    cat = b.build_catalog(core)
    anna = b.add_person(core, b.person_data("850709-9805", "Anna", "Öberg"))
    b.add_card(core, anna, CARD)
    sub = b.add_subscription(core, anna, cat.gym_ag, start=date(2026, 1, 1), charged_through=date(2026, 11, 30))
    return {"cat": cat, "anna": anna, "sub": sub}


def visits(core) -> list[Visit]:
    with core.sessions() as s:
        return list(s.scalars(select(Visit).order_by(Visit.id)))


def swipe(core, actor, card=CARD):
    return CheckIn(core).execute(CheckInCommand(card_number=card), actor)


def test_a_swipe_records_one_welcome_visit(core, receptionist, world):
    result = swipe(core, receptionist, "0004 5201-00")
    assert result.admitted and result.verdict == "valkommen" and not result.repeated
    [visit] = visits(core)
    assert (visit.person_id, visit.card_number, visit.method, visit.verdict, visit.swipes) == (
        world["anna"], CARD, "kort", "valkommen", 1)
    assert (visit.desk, visit.user_id, visit.local_date, visit.local_hour) == ("Kassa 1", receptionist.user_id,
                                                                                TODAY, 9)
    with core.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "checka_in")) == 1


def test_an_unknown_card_is_refused_and_recorded(core, receptionist, world):
    result = swipe(core, receptionist, "999")
    assert not result.admitted and result.refusals[0].code == "okant_kort" and result.person_id is None
    [visit] = visits(core)
    assert (visit.person_id, visit.card_number, visit.verdict, visit.reason) == (None, "999", "nekad", "okant_kort")


def test_a_blocked_card_is_refused(core, receptionist, world):
    b.add_card(core, world["anna"], "777", status="sparrat")
    result = swipe(core, receptionist, "777")
    assert result.refusals[0].code == "sparrat_kort" and result.person_id == world["anna"]
    assert visits(core)[0].reason_text == "Kortet som drogs är spärrat"


def test_a_frozen_subscription_is_refused(core, receptionist, world):
    with core.sessions() as s, s.begin():
        s.add(Freeze(subscription_id=world["sub"], start_date=date(2026, 11, 1), end_date=date(2026, 12, 31),
                     status="pagaende", created_at=b.NOW))
    result = swipe(core, receptionist)
    assert [r.text for r in result.refusals] == ["Fryst t.o.m. 2026-12-31"]


def test_debt_over_the_limit_is_refused(core, receptionist, world):
    with core.sessions() as s, s.begin():
        s.add(Invoice(invoice_number=1, person_id=world["anna"], kind="faktura", issued_on=date(2026, 10, 1),
                      due_on=date(2026, 10, 31), amount_ore=40000, paid_ore=10000, status="obetald"))
    assert swipe(core, receptionist).refusals[0].text == "Skuld 300,00 kr"
    b.settings(core, checkin_debt_limit_ore=30000, checkin_double_swipe_minutes=0)
    assert swipe(core, receptionist).admitted


def test_an_ended_kontant_subscription_is_no_subscription(core, receptionist, world):
    bo = b.add_person(core, b.person_data(b.pnr("19700101", "123"), "Bo", "Ek"))
    b.add_card(core, bo, "555")
    b.add_subscription(core, bo, world["cat"].gym_kontant, start=date(2025, 11, 1), charged_through=date(2026, 10, 31),
                       status="aktivt")
    result = swipe(core, receptionist, "555")
    assert result.refusals[0].code == "inget_abonnemang"
    assert result.refusals[0].text == "Abonnemanget gällde t.o.m. 2026-10-31"


def test_a_subscription_that_has_not_started_is_refused(core, receptionist, world):
    cy = b.add_person(core, b.person_data(b.pnr("19700101", "123"), "Cy", "Ek"))
    b.add_card(core, cy, "556")
    b.add_subscription(core, cy, world["cat"].gym_ag, start=date(2026, 12, 1), charged_through=None, status="kommande")
    result = swipe(core, receptionist, "556")
    assert result.refusals[0].code == "ej_startat" and result.refusals[0].text == "Abonnemanget börjar 2026-12-01"


def test_an_expired_customer_type_is_refused(core, receptionist, world):
    with core.sessions() as s, s.begin():
        from db.models import Person

        person = s.get(Person, world["anna"])
        person.customer_type, person.price_guarantee_until = "student", date(2026, 11, 1)
    assert swipe(core, receptionist).refusals[0].code == "kundtyp_utgangen"


def test_a_second_swipe_within_the_window_counts_once(core, receptionist, world, clock):
    first = swipe(core, receptionist)
    clock.advance(minutes=4, seconds=59)
    again = swipe(core, receptionist)
    assert again.repeated and again.visit_id == first.visit_id and again.first_at == first.first_at
    [visit] = visits(core)
    assert visit.swipes == 2
    clock.advance(minutes=5)
    later = swipe(core, receptionist)
    assert not later.repeated and len(visits(core)) == 2


def test_the_window_is_a_setting(core, receptionist, world, clock):
    b.settings(core, checkin_double_swipe_minutes=0)
    swipe(core, receptionist)
    swipe(core, receptionist)
    assert len(visits(core)) == 2


def test_a_second_swipe_takes_the_new_verdict_but_never_undoes_a_let_in(core, receptionist, world, clock):
    b.add_card(core, world["anna"], "777", status="sparrat")
    refused = swipe(core, receptionist, "777")
    welcome = swipe(core, receptionist)       # the right card, a minute later: same visit, now welcome
    assert welcome.repeated and welcome.admitted and len(visits(core)) == 1
    with core.sessions() as s, s.begin():
        s.get(Visit, refused.visit_id).verdict = "nekad"
    LetIn(core).execute(LetInCommand(refused.visit_id, "Glömt kortet"), receptionist)
    again = swipe(core, receptionist, "777")
    assert again.refusals[0].code == "sparrat_kort" and again.verdict == "inslappt" and again.admitted
    assert visits(core)[0].swipes == 3


def test_checka_in_from_the_card_records_a_manual_visit(core, receptionist, world):
    result = CheckIn(core).execute(CheckInCommand(person_id=world["anna"]), receptionist)
    assert result.admitted
    [visit] = visits(core)
    assert (visit.method, visit.card_number, visit.person_id) == ("manuell", None, world["anna"])


def test_checka_in_needs_a_card_or_a_person(core, receptionist, world):
    with pytest.raises(UserError):
        CheckIn(core).execute(CheckInCommand(), receptionist)
    with pytest.raises(ValidationError) as err:
        CheckIn(core).execute(CheckInCommand(card_number=" - "), receptionist)
    assert err.value.field == "card_number"
    assert visits(core) == []


def test_let_in_anyway_is_recorded_and_audited(core, receptionist, world):
    b.add_card(core, world["anna"], "777", status="sparrat")
    refused = swipe(core, receptionist, "777")
    LetIn(core).execute(LetInCommand(refused.visit_id, "  Visade legitimation  "), receptionist)
    [visit] = visits(core)
    assert (visit.verdict, visit.let_in_by, visit.let_in_reason) == ("inslappt", receptionist.user_id,
                                                                     "Visade legitimation")
    assert visit.let_in_at == b.NOW  # the injected clock (09:00 in Stockholm)
    with core.sessions() as s:
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "slapp_in_anda"))
    assert audit.entity == "visit" and audit.entity_id == visit.id and "Visade legitimation" in audit.details


def test_let_in_anyway_needs_a_reason_and_writes_nothing_without_one(core, receptionist, world):
    b.add_card(core, world["anna"], "777", status="sparrat")
    refused = swipe(core, receptionist, "777")
    with pytest.raises(ValidationError) as err:
        LetIn(core).execute(LetInCommand(refused.visit_id, "   "), receptionist)
    assert err.value.field == "reason" and err.value.message == "Skriv varför kunden släpps in."
    assert visits(core)[0].verdict == "nekad"
    with core.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "slapp_in_anda")) == 0


def test_only_a_refused_known_person_can_be_let_in(core, receptionist, world):
    welcome = swipe(core, receptionist)
    with pytest.raises(UserError, match="redan insläppt"):
        LetIn(core).execute(LetInCommand(welcome.visit_id, "x"), receptionist)
    unknown = swipe(core, receptionist, "999")
    with pytest.raises(UserError, match="okänt kort"):
        LetIn(core).execute(LetInCommand(unknown.visit_id, "x"), receptionist)


def test_both_routines_check_the_right(core, receptionist, world):
    nobody = dataclasses.replace(receptionist, rights=frozenset())
    with pytest.raises(NotAllowed):
        CheckIn(core).execute(CheckInCommand(card_number=CARD), nobody)
    refused = swipe(core, receptionist, "999")
    with pytest.raises(NotAllowed):
        LetIn(core).execute(LetInCommand(refused.visit_id, "x"), nobody)
    assert len(visits(core)) == 1


# --------------------------------------------------------------------------
# Two desks at the same moment (PostgreSQL)
# --------------------------------------------------------------------------

class HeldCheckIn(CheckIn):
    """Desk A: stops inside its transaction after looking for an earlier visit, until released."""

    def __init__(self, core, reached: threading.Event, release: threading.Event) -> None:
        super().__init__(core)
        self.reached, self.release = reached, release

    def judge(self, *args, **kwargs):
        self.reached.set()
        assert self.release.wait(20)
        return super().judge(*args, **kwargs)


def _race(pg_db, clock, actor, card: str):
    desk_a = Core(sessions=make_session_factory(pg_db.engine), clock=clock, desk="Kassa 1")
    desk_b = Core(sessions=make_session_factory(pg_db.engine), clock=clock, desk="Kassa 2")
    reached, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def run(name, routine):
        try:
            outcomes[name] = routine.execute(CheckInCommand(card_number=card), actor)
        except Exception as err:  # reported by the asserts below
            outcomes[name] = err

    a = threading.Thread(target=run, args=("a", HeldCheckIn(desk_a, reached, release)))
    a.start()
    assert reached.wait(20)
    bt = threading.Thread(target=run, args=("b", CheckIn(desk_b)))
    bt.start()
    time.sleep(0.5)
    b_waited = bt.is_alive()
    release.set()
    a.join(20)
    bt.join(20)
    assert not a.is_alive() and not bt.is_alive(), "a desk hung"
    return outcomes, b_waited


@pytest.mark.pg
@pytest.mark.parametrize("card", [CARD, "999"], ids=["member", "unknown_card"])
def test_two_desks_checking_in_the_same_card_record_one_visit(pg_db, clock, make_actor, card):
    core = Core(sessions=make_session_factory(pg_db.engine), clock=clock)
    anna = b.add_person(core, b.person_data("850709-9805", "Anna", "Öberg"))
    b.add_card(core, anna, CARD)
    actor = make_actor(core, "recep")
    outcomes, b_waited = _race(pg_db, clock, actor, card)
    assert b_waited, "desk B must wait for desk A's transaction"
    assert not isinstance(outcomes["a"], Exception) and not isinstance(outcomes["b"], Exception), outcomes
    assert outcomes["b"].repeated and outcomes["b"].visit_id == outcomes["a"].visit_id
    [visit] = visits(core)
    assert visit.swipes == 2


@pytest.mark.pg
def test_without_the_lock_the_race_records_two_visits(pg_db, clock, make_actor, monkeypatch):
    """The control: the race above is real — without the database lock both desks insert."""
    import app.routines.checkin as checkin

    monkeypatch.setattr(checkin, "_lock", lambda *a: None)
    core = Core(sessions=make_session_factory(pg_db.engine), clock=clock)
    anna = b.add_person(core, b.person_data("850709-9805", "Anna", "Öberg"))
    b.add_card(core, anna, CARD)
    outcomes, b_waited = _race(pg_db, clock, make_actor(core, "recep"), CARD)
    assert not b_waited
    assert len(visits(core)) == 2
