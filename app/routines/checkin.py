"""Recording a visit (issue 13): "Checka in" on a swipe or from the open card, and "Släpp in ändå".

`CheckIn` judges the member with app.checkin.decide on the facts the person card's deviations come
from, and writes one `visits` row — refused swipes too, so the day overview can list them. A second
swipe of the same person (or of the same unknown card) within the setting
"checkin_double_swipe_minutes" updates that row instead of adding one (`swipes` + 1, the verdict of
the new swipe unless the member was let in by hand).

Exactly once, by the database: before looking for the earlier visit the routine takes a lock
scoped to the person (or to the unknown card number) that the database holds until the transaction
ends — a transaction-level advisory lock on PostgreSQL, the database write lock on SQLite (the write
session begins IMMEDIATE). Two desks checking in the same card at the same moment therefore run one
after the other, and the second finds the first one's visit.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.checkin import CheckInFacts, CheckInRules, MainSubscription, Verdict, decide
from app.clock import STOCKHOLM
from app.context import Actor
from app.domain.inputs import ascii_key
from app.errors import NotFound, UserError, ValidationError
from app.queries.deviations import load_deviation_facts, subscription_end
from app.routines.base import Routine
from app.settings import load_settings

LOCK_PERSON = 13_001   # advisory-lock class ids (pg_advisory_xact_lock(int, int))
LOCK_CARD = 13_002
MAX_LET_IN_REASON = 400


@dataclass(frozen=True)
class CheckInCommand:
    card_number: str | None = None   # a swipe
    person_id: int | None = None     # "Checka in" from the open person card (no card)


@dataclass(frozen=True)
class ShownReason:
    code: str
    title: str
    text: str


@dataclass(frozen=True)
class CheckInResult:
    visit_id: int
    person_id: int | None
    admitted: bool
    verdict: str                         # valkommen / nekad / inslappt
    refusals: tuple[ShownReason, ...]
    notes: tuple[ShownReason, ...]
    repeated: bool                       # a second swipe within the window: the same visit
    first_at: datetime                   # when this visit was first recorded
    card_number: str | None
    sounds: bool = True                  # the business setting "checkin_sounds", for the desk


def _shown(reasons) -> tuple[ShownReason, ...]:
    return tuple(ShownReason(r.code, r.title, r.text) for r in reasons)


def normalise_swipe(card_number: str) -> str:
    return re.sub(r"[\s-]+", "", ascii_key(card_number or "")).strip()[:40]


def _lock(session: Session, kind: int, key: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:kind, :key)"), {"kind": kind, "key": key})
    # SQLite: the write session holds the database's write lock from BEGIN IMMEDIATE on.


def _card_key(number: str) -> int:
    return zlib.crc32(number.encode()) - 2**31   # into PostgreSQL's int4


def load_checkin_facts(session: Session, person_id: int, today, card: str | None) -> CheckInFacts:
    """The verdict's facts from the same rows (and the same loader) as the card's deviations."""
    facts = load_deviation_facts(session, person_id, today, warning_days=0)
    subs = []
    for s in facts.subscriptions:
        if s.user_id != person_id or s.parent_id is not None:
            continue
        covering = [f for f in s.freezes if f[0] <= today <= f[1]]
        future = [f for f in s.freezes if f[0] > today]
        last_day = subscription_end(s.payment, s.end, s.charged_through, s.start)
        subs.append(MainSubscription(status=s.status, start=s.start, last_day=last_day,
                                     frozen_until=max(f[1] for f in covering) if covering else None,
                                     frozen_status=s.status == "fryst" and not future))
    return CheckInFacts(card=card, debt_ore=facts.unpaid_invoices_ore + facts.open_orders_ore,
                        customer_type=facts.customer_type, price_guarantee_until=facts.price_guarantee_until,
                        subscriptions=tuple(subs))


class CheckIn(Routine[CheckInCommand, CheckInResult]):
    name = "checka_in"

    def validate(self, session: Session, command: CheckInCommand) -> None:
        if (command.card_number is None) == (command.person_id is None):
            raise UserError("Ange antingen ett kortnummer eller en person.")

    def perform(self, session: Session, command: CheckInCommand, actor: Actor):
        from db.models import Card, Person, Visit

        now = self.core.clock.now()
        today = self.core.clock.today()
        number = normalise_swipe(command.card_number) if command.card_number is not None else None
        if command.card_number is not None and not number:
            raise ValidationError("Kortnumret är tomt.", field="card_number")
        person_id = command.person_id
        card_state: str | None = None
        if number is not None:
            rows = session.execute(select(Card.person_id, Card.status).where(Card.card_number == number)
                                   .order_by((Card.status == "aktivt").desc(), Card.issued_at.desc())).all()
            if rows:
                person_id, status = rows[0]
                card_state = "aktivt" if status == "aktivt" else "sparrat"
            else:
                card_state = "okant"
        elif session.get(Person, person_id) is None:
            raise NotFound("Personen finns inte längre. Sök fram kunden på nytt.")

        if person_id is not None:
            _lock(session, LOCK_PERSON, person_id)
            earlier_where = Visit.person_id == person_id
        else:
            _lock(session, LOCK_CARD, _card_key(number))
            earlier_where = (Visit.card_number == number) & Visit.person_id.is_(None)
        settings = load_settings(session)
        window = timedelta(minutes=settings.checkin_double_swipe_minutes)
        earlier = None
        if window:
            earlier = session.scalar(select(Visit).where(earlier_where, Visit.at > now - window)
                                     .order_by(Visit.at.desc()).limit(1))
        verdict = self.judge(session, person_id, card_state, settings, today)
        code = "valkommen" if verdict.admitted else "nekad"
        if earlier is not None:
            earlier.swipes += 1
            if earlier.verdict != "inslappt":
                self._set_verdict(earlier, code, verdict)
            visit = earlier
        else:
            local = now.astimezone(STOCKHOLM)
            visit = Visit(person_id=person_id, card_number=number, at=now, local_date=local.date(),
                          local_hour=local.hour, desk=self.core.desk, user_id=actor.user_id,
                          method="kort" if number is not None else "manuell", swipes=1)
            self._set_verdict(visit, code, verdict)
            session.add(visit)
        session.flush()
        result = CheckInResult(visit_id=visit.id, person_id=person_id, admitted=visit.verdict != "nekad",
                               verdict=visit.verdict, refusals=_shown(verdict.refusals), notes=_shown(verdict.notes),
                               repeated=earlier is not None, first_at=visit.at, card_number=number,
                               sounds=settings.checkin_sounds)
        return result, "visit", visit.id

    def judge(self, session: Session, person_id: int | None, card_state: str | None, settings, today) -> Verdict:
        """The verdict on the data as it is now (inside the lock)."""
        rules = CheckInRules.from_settings(settings)
        if person_id is None:
            return decide(CheckInFacts(card="okant"), rules, today)
        return decide(load_checkin_facts(session, person_id, today, card_state), rules, today)

    @staticmethod
    def _set_verdict(visit, code: str, verdict: Verdict) -> None:
        visit.verdict = code
        visit.reason = verdict.code
        visit.reason_text = "; ".join(r.text for r in verdict.refusals)[:400] or None


@dataclass(frozen=True)
class LetInCommand:
    visit_id: int
    reason: str


class LetIn(Routine[LetInCommand, int]):
    """"Släpp in ändå": a refused visit becomes let in, with who and why (audited by the engine)."""

    name = "slapp_in_anda"

    def validate(self, session: Session, command: LetInCommand) -> None:
        from db.models import Visit

        if not command.reason.strip():
            raise ValidationError("Skriv varför kunden släpps in.", field="reason")
        visit = session.get(Visit, command.visit_id)
        if visit is None:
            raise NotFound("Besöket finns inte längre.")
        if visit.person_id is None:
            raise UserError("Ett okänt kort kan inte släppas in. Sök fram kunden och checka in från personkortet.")
        if visit.verdict != "nekad":
            raise UserError("Besöket är inte nekat – kunden är redan insläppt.")

    def perform(self, session: Session, command: LetInCommand, actor: Actor):
        from db.models import Visit

        visit = session.get(Visit, command.visit_id, with_for_update=True)
        if visit.verdict != "nekad":   # another desk let them in between validate and the lock
            raise UserError("Besöket är inte nekat – kunden är redan insläppt.")
        visit.verdict = "inslappt"
        visit.let_in_by = actor.user_id
        visit.let_in_at = self.core.clock.now()
        visit.let_in_reason = command.reason.strip()
        return visit.id, "visit", visit.id
