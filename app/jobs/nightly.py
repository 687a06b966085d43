"""The scheduled job (SPEC §9): one idempotent run, set-based SQL, one transaction.

What it does, in this order, for "today" from the injected clock:
1. future freezes whose start has come become ongoing; their subscriptions 'fryst';
2. ongoing freezes past their end date end; subscriptions with no ongoing freeze
   left become 'aktivt' again (the credited days were given at freeze time);
3. cancelled subscriptions past their end date become 'avslutat' (a kontant
   subscription past its validity stays and shows as lagging until it is paid
   ahead again — SPEC §1.4); then 'kommande' subscriptions whose start has come
   become 'aktivt';
4. customer types whose proof date (prisgaranti t.o.m.) has passed fall back to
   Ordinarie; their running subscriptions are re-priced from the Ordinarie price
   list where the same product is on it (from the next debit: only price_ore
   changes, nothing already charged is touched);
5. follow-up reminders X days before the proof date are queued in the outbox,
   once per person, proof date and channel (a unique dedupe key makes a second
   run add nothing);
6. open pre-orders past their validity become 'utgangen'.

Each step is a handful of UPDATE/INSERT ... SELECT statements whose WHERE
clauses are false for rows already handled — so running it twice changes
nothing the second time, and it never loops over persons in Python.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, exists, insert, literal, select, update
from sqlalchemy.orm import Session, aliased

from app.context import Core
from app.rights import SYSTEM_SETTINGS, require
from app.routines.base import audit
from app.settings import load_settings

log = logging.getLogger("reception.jobs")


@dataclass
class JobReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, rowcount: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + max(rowcount, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        labels = {
            "freezes_started": "Frysningar som började",
            "freezes_ended": "Frysningar som tog slut",
            "subscriptions_frozen": "Abonnemang som blev frysta",
            "subscriptions_thawed": "Abonnemang som tinades upp",
            "subscriptions_ended": "Abonnemang som avslutades",
            "subscriptions_started": "Kommande abonnemang som startade",
            "subscriptions_repriced": "Abonnemang som fick ordinarie pris",
            "types_expired": "Kunder som föll tillbaka till Ordinarie",
            "reminders_queued": "Påminnelser om kundtyp",
            "preorders_expired": "Förbeställningar som gick ut",
        }
        return [f"{labels[k]}: {v}" for k, v in self.counts.items()]


#: The job's steps, in order (the progress a desk shows counts them).
STEPS = 5


def run_nightly(core: Core, actor=None, *, progress: Callable[[int, int], None] | None = None) -> JobReport:
    """Run the job. `actor` None = the scheduler (CLI); a logged-in user needs Systeminställningar.
    ``progress(done, STEPS)`` is told after each step (a desk runs the job on a worker thread and shows it)."""
    if actor is not None:
        require(actor, SYSTEM_SETTINGS)
    tell = progress or (lambda _done, _total: None)
    today = core.clock.today()
    now = core.clock.now()
    report = JobReport()
    tell(0, STEPS)
    with core.write_session() as session, session.begin():
        settings = load_settings(session)
        steps = (lambda: _freezes(session, today, report),
                 lambda: _subscription_ends(session, today, report),
                 lambda: _customer_type_expiry(session, today, settings, report),
                 lambda: _reminders(session, today, now, settings, report),
                 lambda: _preorders(session, today, report))
        assert len(steps) == STEPS
        for done, step in enumerate(steps, start=1):
            step()
            tell(done, STEPS)
        audit(session, core, actor, "Nattjobb", "job", None, {"day": today, **report.counts})
    log.info("Nightly job for %s: %s", today, report.counts)
    return report


def _freezes(session: Session, today, report: JobReport) -> None:
    from db.models import Freeze, Subscription

    report.add("freezes_started", session.execute(
        update(Freeze).where(Freeze.status == "framtida", Freeze.start_date <= today, Freeze.end_date >= today)
        .values(status="pagaende")).rowcount)
    report.add("freezes_ended", session.execute(
        update(Freeze).where(Freeze.status.in_(("framtida", "pagaende")), Freeze.end_date < today)
        .values(status="avslutad")).rowcount)
    ongoing = exists().where(Freeze.subscription_id == Subscription.id, Freeze.status == "pagaende")
    future = exists().where(Freeze.subscription_id == Subscription.id, Freeze.status == "framtida")
    report.add("subscriptions_frozen", session.execute(
        update(Subscription).where(Subscription.status.in_(("aktivt", "framtida_frysning")), ongoing)
        .values(status="fryst").execution_options(synchronize_session=False)).rowcount)
    report.add("subscriptions_thawed", session.execute(
        update(Subscription).where(Subscription.status == "fryst", ~ongoing, ~future)
        .values(status="aktivt").execution_options(synchronize_session=False)).rowcount)
    # A frozen subscription whose ongoing freeze ended but which has another freeze ahead.
    report.add("subscriptions_thawed", session.execute(
        update(Subscription).where(Subscription.status == "fryst", ~ongoing, future)
        .values(status="framtida_frysning").execution_options(synchronize_session=False)).rowcount)


def _subscription_ends(session: Session, today, report: JobReport) -> None:
    from db.models import Subscription

    report.add("subscriptions_ended", session.execute(
        update(Subscription)
        .where(Subscription.status == "uppsagt", Subscription.end_date.is_not(None),
               Subscription.end_date < today)
        .values(status="avslutat").execution_options(synchronize_session=False)).rowcount)
    # Only start a pending main subscription when no other main one is still running for the user
    # (the database's unique index would refuse it anyway).
    other = aliased(Subscription)
    running_other = exists().where(other.user_id == Subscription.user_id, other.parent_id.is_(None),
                                   other.id != Subscription.id,
                                   other.status.in_(("aktivt", "fryst", "framtida_frysning")))
    report.add("subscriptions_started", session.execute(
        update(Subscription)
        .where(Subscription.status == "kommande", Subscription.start_date <= today,
               (Subscription.parent_id.is_not(None)) | ~running_other)
        .values(status="aktivt").execution_options(synchronize_session=False)).rowcount)


def _customer_type_expiry(session: Session, today, settings, report: JobReport) -> None:
    from db.models import Person, PriceListItem, Subscription

    expired = and_(Person.customer_type.in_(("student", "pensionar")),
                   Person.price_guarantee_until.is_not(None), Person.price_guarantee_until < today)
    ordinary = settings.price_list_ordinarie
    if ordinary is not None:
        ord_price = (select(PriceListItem.price_ore)
                     .where(PriceListItem.price_list_id == ordinary,
                            PriceListItem.product_id == Subscription.product_id)
                     .scalar_subquery())
        on_ordinary = exists().where(PriceListItem.price_list_id == ordinary,
                                     PriceListItem.product_id == Subscription.product_id)
        expired_users = select(Person.id).where(expired)
        report.add("subscriptions_repriced", session.execute(
            update(Subscription)
            .where(Subscription.user_id.in_(expired_users), Subscription.organisation_id.is_(None),
                   Subscription.status.in_(("kommande", "aktivt", "fryst", "framtida_frysning", "uppsagt")),
                   on_ordinary)
            .values(price_ore=ord_price, price_list_id=ordinary)
            .execution_options(synchronize_session=False)).rowcount)
    report.add("types_expired", session.execute(
        update(Person).where(expired)
        .values(customer_type="ordinarie", pensioner_subtype=None, price_guarantee_until=None)
        .execution_options(synchronize_session=False)).rowcount)


def _reminders(session: Session, today, now, settings, report: JobReport) -> None:
    from db.models import OutboxMessage, Person

    follow = settings.type_followup or {}
    days = int(follow.get("days") or 0)
    if days <= 0:
        return
    horizon = today + timedelta(days=days)
    channels = [("epost", Person.email, follow.get("email")), ("sms", Person.mobile, follow.get("sms"))]
    for channel, address, enabled in channels:
        if not enabled:
            continue
        key = (literal(f"kundtyp:{channel}:") + Person.id.cast(_text()) + literal(":")
               + Person.price_guarantee_until.cast(_text()))
        body = (literal("Hej ") + Person.first_name
                + literal("! Ditt intyg för kundtypen gäller t.o.m. ")
                + Person.price_guarantee_until.cast(_text())
                + literal(". Kom in till receptionen och visa ett nytt intyg så behåller du ditt pris. "
                          "Efter datumet gäller ordinarie pris."))
        already = exists().where(OutboxMessage.dedupe_key == key)
        rows = (select(literal(channel), address, literal("Dags att intyga din kundtyp"), body, Person.id, key,
                       literal("vantar"), literal(0), literal(now, _ts()), literal(now, _ts()))
                .where(Person.customer_type.in_(("student", "pensionar")),
                       Person.price_guarantee_until.is_not(None),
                       Person.price_guarantee_until >= today, Person.price_guarantee_until <= horizon,
                       address.is_not(None), address != "", ~already))
        result = session.execute(insert(OutboxMessage).from_select(
            ["channel", "recipient", "subject", "body", "person_id", "dedupe_key", "status", "attempts",
             "created_at", "next_attempt_at"], rows).returning(OutboxMessage.id))
        report.add("reminders_queued", len(result.all()))


def _preorders(session: Session, today, report: JobReport) -> None:
    from db.models import PreOrder

    report.add("preorders_expired", session.execute(
        update(PreOrder).where(PreOrder.status == "oppen", PreOrder.valid_to < today)
        .values(status="utgangen")).rowcount)


def _text():
    from sqlalchemy import String

    return String()


def _ts():
    from db.models import UtcDateTime

    return UtcDateTime()
