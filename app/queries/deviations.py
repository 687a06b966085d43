"""Avvikelser (SPEC §1.6): what is wrong or worth knowing about a person, detected from the data.

Nothing here is a stored flag: a few queries load the facts
(:func:`load_deviation_facts`) and a pure function (:func:`evaluate`) turns them
into deviations, each with the severity configured in ``deviation_types``
(Personstatustyp). The person card loads the same facts in its own bounded set
of queries and calls :func:`evaluate` too, so both always agree.

Where each deviation belongs (seed "Personkortet"):
* person deviations are all shown at the top of the person card;
* subscription and mandate deviations are always shown as labels next to the
  subscription / the mandate, and those configured as *fel* or *varning* are
  shown at the top as well (:attr:`PersonDeviations.top`).

Definitions (Decision where the SPEC leaves room):
* **skuld**: unpaid invoices (status obetald, amount − paid > 0) or open
  (unpaid) orders; the text gives the total.
* **saknar_foto**: no current photo.
* **saknar_kortnummer**: no card at all (neither active nor blocked).
* **sparrat_kort**: the person has a blocked card and no active one; or the
  card that was just swiped (``swiped_card``) is a blocked one.
* **kundtyp_gar_ut**: a Student/Pensionär whose prisgaranti t.o.m. lies within
  the next N days (setting "type_expiry_warning_days"), today included.
* **kundtyp_har_gatt_ut**: a Student/Pensionär whose prisgaranti t.o.m. has
  passed — the nightly job has not yet moved them to Ordinarie; shown so the
  receptionist can ask for a new proof now.
* **internt_meddelande**: the internal message is not empty.
* **slapande**: app.domain.subscriptions.is_lagging (kontant: covered through
  today; AG: through the end of the current debit interval), for subscriptions
  that have started and are running or cancelled-but-not-ended.
* **fryst** / **framtida_frysning**: a (not removed) freeze covers today / starts
  later; the status columns count too, in case the nightly job has not run.
* **uppsagt**: cancelled with a slutdatum that has not passed.
* **annan_betalare**: the payer is somebody else than the user.
* **ag_medgivande_saknas**: an AG subscription (own, or one this person pays
  for) whose payer has no current mandate (ny / hos BGC / aktivt). When the
  payer's latest mandate was rejected, that is said instead (avvisat).
* **ag_medgivande_avvisat**: the person's latest mandate is rejected and there
  is no current one.
* **medgivande_hos_bgc**: the current mandate is at Bankgirot.
* **ag_dragning_misslyckad**: an autogiro debit this person pays that Bankgirot reported failed (no
  funds, stopped) or rejected, whose invoice is still unpaid: "Autogirodragning misslyckades
  2027-01-27". Paying the invoice at the desk (Fakturor > Betala) ends it (issue 17, app/autogiro).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from app.domain.money import format_sek
from app.domain.subscriptions import Freeze as FreezeFacts
from app.domain.subscriptions import SubscriptionFacts, is_lagging
from app.orders import INVOICE_PAYMENT_ROUTINE

CURRENT_MANDATE = ("ny", "hos_bgc", "aktivt")
# Subscriptions that still run (an "uppsagt" one runs until its slutdatum).
LIVE_STATUSES = ("kommande", "aktivt", "fryst", "framtida_frysning", "uppsagt")
SEVERITY_ORDER = {"fel": 0, "varning": 1, "information": 2}
CUSTOMER_TYPE_NAMES = {"ordinarie": "Ordinarie", "student": "Student", "pensionar": "Pensionär"}


@dataclass(frozen=True)
class DeviationType:
    code: str
    name: str
    scope: str
    severity: str


@dataclass(frozen=True)
class Deviation:
    code: str
    name: str            # the configured type name, e.g. "Skuld"
    severity: str        # information / varning / fel
    scope: str           # person / abonnemang / medgivande
    text: str            # what exactly, e.g. "Skuld 1 234,50 kr"
    subscription_id: int | None = None
    mandate_id: int | None = None


@dataclass(frozen=True)
class PersonDeviations:
    person: tuple[Deviation, ...]
    subscriptions: dict[int, tuple[Deviation, ...]]
    mandate: tuple[Deviation, ...]

    @property
    def top(self) -> tuple[Deviation, ...]:
        """What the header shows: every person deviation, plus fel/varning on subscriptions and mandate."""
        rest = [d for ds in self.subscriptions.values() for d in ds] + list(self.mandate)
        shown = list(self.person) + [d for d in rest if d.severity in ("fel", "varning")]
        return tuple(sorted(shown, key=lambda d: SEVERITY_ORDER.get(d.severity, 3)))

    def all(self) -> tuple[Deviation, ...]:
        return self.person + tuple(d for ds in self.subscriptions.values() for d in ds) + self.mandate

    def codes(self) -> set[str]:
        return {d.code for d in self.all()}


# --------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionDeviationFacts:
    id: int
    parent_id: int | None
    user_id: int
    payer_id: int
    payer_name: str
    payment: str            # AG / kontant
    status: str
    price_ore: int
    interval_months: int
    start: date
    charged_through: date | None
    binding_end: date | None
    end: date | None
    credit_days: int
    notice_months: int
    freezes: tuple[tuple[date, date, date | None], ...] = ()  # (start, end, charged_until), not removed

    def domain_facts(self) -> SubscriptionFacts:
        return SubscriptionFacts(
            key=str(self.id), kind="AG" if self.payment == "AG" else "kontant", price_ore=self.price_ore,
            interval_months=max(1, self.interval_months), start=self.start, charged_through=self.charged_through,
            binding_end=self.binding_end, end=self.end, notice_months=self.notice_months,
            credit_days=self.credit_days,
            freezes=tuple(FreezeFacts(a, b, c) for a, b, c in sorted(self.freezes)))


@dataclass(frozen=True)
class MandateFacts:
    id: int
    person_id: int
    status: str


@dataclass(frozen=True)
class DeviationFacts:
    """Everything the deviation rules need about one person."""

    person_id: int
    customer_type: str
    price_guarantee_until: date | None
    internal_message: str
    has_photo: bool
    active_cards: int
    blocked_cards: int
    unpaid_invoices_ore: int
    open_orders_ore: int
    open_orders: int
    subscriptions: tuple[SubscriptionDeviationFacts, ...]  # own ones and those this person pays for
    mandates: tuple[MandateFacts, ...]                     # of this person and of every other payer
    swiped_card_blocked: bool = False
    warning_days: int = 30
    failed_debits: tuple[date, ...] = ()                   # debit dates of failed autogiro debits still unpaid


def deviation_types(session: Session) -> dict[str, DeviationType]:
    from db.models import DeviationType as Row

    return {r.code: DeviationType(r.code, r.name, r.scope, r.severity) for r in session.scalars(select(Row))}


def subscription_end(payment: str, end: date | None, charged_through: date | None, start: date) -> date | None:
    """Last day of a main subscription (None = open-ended AG): slutdatum, else kontant validity."""
    if end is not None:
        return end
    if payment == "AG":
        return None
    return charged_through if charged_through is not None else start - timedelta(days=1)


@functools.cache
def _payer_alias():
    from db.models import Person

    return aliased(Person, name="deviation_payer")


def load_deviation_facts(session: Session, person_id: int, today: date, *, swiped_card: str | None = None,
                         warning_days: int | None = None) -> DeviationFacts:
    """Load the facts for :func:`evaluate` in a fixed number of queries."""
    from app.errors import NotFound
    from app.settings import load_settings
    from db.models import AutogiroMandate, Card, Freeze, Invoice, Order, OrderLine, Person, Photo, Product, Subscription

    person = session.execute(select(Person.customer_type, Person.price_guarantee_until, Person.internal_message)
                             .where(Person.id == person_id)).first()
    if person is None:
        raise NotFound("Personen finns inte längre. Sök fram kunden på nytt.")
    if warning_days is None:
        warning_days = load_settings(session).type_expiry_warning_days
    has_photo = session.scalar(select(func.count()).select_from(Photo)
                               .where(Photo.person_id == person_id, Photo.is_current.is_(True))) > 0
    cards = dict(session.execute(select(Card.status, func.count()).where(Card.person_id == person_id)
                                 .group_by(Card.status)).all())
    swiped_blocked = False
    if swiped_card:
        statuses = set(session.scalars(select(Card.status).where(Card.person_id == person_id,
                                                                 Card.card_number == swiped_card)))
        swiped_blocked = bool(statuses) and "aktivt" not in statuses
    unpaid = session.scalar(select(func.coalesce(func.sum(Invoice.amount_ore - Invoice.paid_ore), 0))
                            .where(Invoice.person_id == person_id, Invoice.status == "obetald")) or 0
    open_row = session.execute(
        select(func.count(func.distinct(Order.id)), func.coalesce(func.sum(OrderLine.amount_ore), 0))
        .select_from(Order).outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.person_id == person_id, Order.status == "oppen",
               Order.routine.not_like(f"{INVOICE_PAYMENT_ROUTINE} %"))).one()  # counted as its invoice
    payer = _payer_alias()
    sub_rows = session.execute(
        select(Subscription, Product.payment, Product.interval_months, Product.notice_months,
               payer.first_name, payer.last_name)
        .join(Product, Product.id == Subscription.product_id).join(payer, payer.id == Subscription.payer_id)
        .where(or_(Subscription.user_id == person_id, Subscription.payer_id == person_id),
               Subscription.status.in_(LIVE_STATUSES))).all()
    ids = [r.Subscription.id for r in sub_rows]
    freezes: dict[int, list] = {}
    if ids:
        for f in session.scalars(select(Freeze).where(Freeze.subscription_id.in_(ids), Freeze.status != "borttagen")):
            freezes.setdefault(f.subscription_id, []).append((f.start_date, f.end_date, f.charged_until))
    subs = tuple(
        SubscriptionDeviationFacts(
            id=r.Subscription.id, parent_id=r.Subscription.parent_id, user_id=r.Subscription.user_id,
            payer_id=r.Subscription.payer_id, payer_name=f"{r.first_name} {r.last_name}", payment=r.payment or "",
            status=r.Subscription.status, price_ore=r.Subscription.price_ore, interval_months=r.interval_months,
            start=r.Subscription.start_date, charged_through=r.Subscription.charged_through,
            binding_end=r.Subscription.binding_end, end=r.Subscription.end_date,
            credit_days=r.Subscription.credit_days, notice_months=r.notice_months,
            freezes=tuple(freezes.get(r.Subscription.id, ())))
        for r in sub_rows)
    payer_ids = {person_id} | {s.payer_id for s in subs}
    mandates = tuple(MandateFacts(m.id, m.person_id, m.status) for m in session.execute(
        select(AutogiroMandate.id, AutogiroMandate.person_id, AutogiroMandate.status)
        .where(AutogiroMandate.person_id.in_(payer_ids))))
    failed = tuple(session.scalars(failed_debits_statement(person_id)))
    return DeviationFacts(
        person_id=person_id, customer_type=person.customer_type, price_guarantee_until=person.price_guarantee_until,
        internal_message=person.internal_message or "", has_photo=has_photo, active_cards=cards.get("aktivt", 0),
        blocked_cards=cards.get("sparrat", 0), unpaid_invoices_ore=int(unpaid), open_orders_ore=int(open_row[1]),
        open_orders=int(open_row[0]), subscriptions=subs, mandates=mandates, swiped_card_blocked=swiped_blocked,
        warning_days=warning_days, failed_debits=failed)


def failed_debits_statement(person_id):
    """Debit dates of this payer's failed or rejected autogiro debits whose invoice is still unpaid."""
    from db.models import AutogiroDebit, Invoice

    return (select(AutogiroDebit.debit_date).join(Invoice, Invoice.id == AutogiroDebit.invoice_id)
            .where(AutogiroDebit.payer_id == person_id, AutogiroDebit.status.in_(("misslyckad", "avvisad")),
                   Invoice.status == "obetald").order_by(AutogiroDebit.debit_date))


def load_deviations(session: Session, person_id: int, today: date, *, swiped_card: str | None = None
                    ) -> PersonDeviations:
    """All deviations of one person, as the person card shows them."""
    facts = load_deviation_facts(session, person_id, today, swiped_card=swiped_card)
    return evaluate(facts, deviation_types(session), today)


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


def _iso(d: date) -> str:
    return d.strftime("%Y-%m-%d")


def current_mandate(mandates, person_id: int) -> MandateFacts | None:
    return next((m for m in mandates if m.person_id == person_id and m.status in CURRENT_MANDATE), None)


def shown_mandate(mandates, person_id: int) -> MandateFacts | None:
    """The mandate the card shows: the current one, else the latest (e.g. a rejected one)."""
    current = current_mandate(mandates, person_id)
    if current is not None:
        return current
    own = [m for m in mandates if m.person_id == person_id]
    return max(own, key=lambda m: m.id, default=None)


def subscription_is_live(sub: SubscriptionDeviationFacts, today: date) -> bool:
    return sub.status in LIVE_STATUSES and not (sub.end is not None and sub.end < today)


def evaluate(facts: DeviationFacts, types: dict[str, DeviationType], today: date) -> PersonDeviations:
    """Turn the facts into deviations with their configured severity (pure)."""

    def make(code: str, text: str, **where) -> Deviation:
        t = types.get(code) or DeviationType(code, code, "person", "information")
        return Deviation(code, t.name, t.severity, t.scope, text, **where)

    person: list[Deviation] = []
    debt = facts.unpaid_invoices_ore + facts.open_orders_ore
    if facts.unpaid_invoices_ore > 0 or facts.open_orders > 0:
        parts = []
        if facts.unpaid_invoices_ore > 0:
            parts.append(f"obetalda fakturor {format_sek(facts.unpaid_invoices_ore)}")
        if facts.open_orders > 0:
            parts.append(f"obetalda beställningar {format_sek(facts.open_orders_ore)}")
        person.append(make("skuld", f"Skuld {format_sek(debt)} ({', '.join(parts)})"))
    if not facts.has_photo:
        person.append(make("saknar_foto", "Foto saknas"))
    if facts.active_cards == 0 and facts.blocked_cards == 0:
        person.append(make("saknar_kortnummer", "Kortnummer saknas"))
    if facts.swiped_card_blocked:
        person.append(make("sparrat_kort", "Kortet som drogs är spärrat"))
    elif facts.active_cards == 0 and facts.blocked_cards > 0:
        person.append(make("sparrat_kort", "Kortet är spärrat och inget nytt kort finns"))
    guarantee = facts.price_guarantee_until
    if facts.customer_type in ("student", "pensionar") and guarantee is not None:
        type_name = CUSTOMER_TYPE_NAMES[facts.customer_type]
        if guarantee < today:
            person.append(make("kundtyp_har_gatt_ut",
                               f"Kundtypen {type_name} gällde t.o.m. {_iso(guarantee)}; kunden blir Ordinarie"))
        elif guarantee <= today + timedelta(days=facts.warning_days):
            person.append(make("kundtyp_gar_ut", f"Kundtypen {type_name} gäller t.o.m. {_iso(guarantee)}"))
    if facts.internal_message.strip():
        person.append(make("internt_meddelande", "Internt meddelande finns"))
    for day in sorted(set(facts.failed_debits)):
        person.append(make("ag_dragning_misslyckad", f"Autogirodragning misslyckades {_iso(day)}"))

    subscriptions: dict[int, tuple[Deviation, ...]] = {}
    for sub in facts.subscriptions:
        if not subscription_is_live(sub, today):
            continue
        found: list[Deviation] = []
        where = {"subscription_id": sub.id}
        if today >= sub.start and is_lagging(sub.domain_facts(), today):
            through = _iso(sub.charged_through) if sub.charged_through else "–"
            found.append(make("slapande", f"Släpande: debiterat t.o.m. {through}", **where))
        ongoing = [f for f in sub.freezes if f[0] <= today <= f[1]]
        future = [f for f in sub.freezes if f[0] > today]
        if ongoing or (sub.status == "fryst" and not future):
            text = f"Fryst t.o.m. {_iso(ongoing[0][1])}" if ongoing else "Fryst"
            found.append(make("fryst", text, **where))
        if future or (sub.status == "framtida_frysning" and not ongoing):
            text = f"Frysning från {_iso(min(future)[0])}" if future else "Framtida frysning"
            found.append(make("framtida_frysning", text, **where))
        if sub.status == "uppsagt" or sub.end is not None:
            text = f"Uppsagt, slutdatum {_iso(sub.end)}" if sub.end else "Uppsagt"
            found.append(make("uppsagt", text, **where))
        if sub.payer_id != sub.user_id and sub.user_id == facts.person_id:
            found.append(make("annan_betalare", f"Betalas av {sub.payer_name}", **where))
        subscriptions[sub.id] = tuple(found)

    mandate: list[Deviation] = []
    shown = shown_mandate(facts.mandates, facts.person_id)
    shown_id = shown.id if shown else None
    if shown is not None and shown.status == "hos_bgc":
        mandate.append(make("medgivande_hos_bgc", "Medgivandet är skickat till Bankgirot och väntar på svar",
                            mandate_id=shown_id))
    if shown is not None and shown.status == "avvisat":
        mandate.append(make("ag_medgivande_avvisat", "Bankgirot har avvisat medgivandet", mandate_id=shown_id))
    missing_payers: dict[int, str] = {}
    for sub in facts.subscriptions:
        if sub.payment != "AG" or not subscription_is_live(sub, today):
            continue
        if sub.payer_id != facts.person_id and sub.user_id != facts.person_id:
            continue
        if current_mandate(facts.mandates, sub.payer_id) is not None:
            continue
        latest = shown_mandate(facts.mandates, sub.payer_id)
        if sub.payer_id == facts.person_id and latest is not None and latest.status == "avvisat":
            continue  # "avvisat" already says why there is no mandate
        missing_payers.setdefault(sub.payer_id, sub.payer_name)
    for payer_id, name in missing_payers.items():
        text = ("Autogiroabonnemang utan giltigt medgivande" if payer_id == facts.person_id
                else f"Betalaren {name} saknar giltigt autogiromedgivande")
        mandate.append(make("ag_medgivande_saknas", text, mandate_id=shown_id))
    return PersonDeviations(tuple(person), subscriptions, tuple(mandate))
