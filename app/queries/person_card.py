"""The person card's read model (SPEC §3): everything the card shows, in three statements.

`load_person_card` runs three indexed statements whatever the person's history
(no lazy loads, no query per subscription or per tab), so a card swipe shows the
card at once even at a million persons on a shared PostgreSQL server. It returns
frozen dataclasses only; the widget never sees ORM objects. The deviations
(app/queries/deviations.py) and the facts the action menus need (app/menus.py)
are computed from the same rows. What the actor may see (the Kundjournal, private documents) is
decided here from the actor's rights, not by a flag the caller passes
(docs/decisions/rights-in-queries.md).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from app.context import Actor
from app.domain.debit import next_debit
from app.domain.eligibility import OPEN_ENDED, may_start_registration
from app.domain.subscriptions import Freeze as DomainFreeze
from app.domain.subscriptions import SubscriptionFacts
from app.errors import NotFound
from app.menus import MandateMenuFacts, PersonMenuFacts, SubscriptionMenuFacts, freeze_state
from app.queries.deviations import (
    CURRENT_MANDATE,
    DeviationFacts,
    DeviationType,
    MandateFacts,
    PersonDeviations,
    SubscriptionDeviationFacts,
    evaluate,
    shown_mandate,
    subscription_end,
)
from app.queries.search import CUSTOMER_TYPE_NAMES, format_personnummer
from app.rights import CUSTOMER_JOURNAL, can
from app.routines.person_data import AddressData
from app.settings import OPTIONS, BusinessSettings

STATUS_NAMES = {"kommande": "Kommande", "aktivt": "Aktivt", "fryst": "Fryst", "framtida_frysning": "Framtida frysning",
                "uppsagt": "Uppsagt", "avslutat": "Avslutat"}
MANDATE_STATUS_NAMES = {"ny": "Ny", "hos_bgc": "Hos BGC", "aktivt": "Aktivt", "avvisat": "Avvisat",
                        "makulerat": "Makulerat"}
PENSIONER_SUBTYPE_NAMES = {"alderspensionar": "Ålderspensionär", "sjukpensionar_livet_ut": "Sjukpensionär livet ut",
                           "tillfallig_pensionar": "Tillfällig pensionär", "fortidspensionar": "Förtidspensionär"}
MAX_BOOKINGS = 500  # newest first; older history is not needed at the desk


@dataclass(frozen=True)
class PersonRow:
    id: int
    customer_number: int
    first_name: str
    last_name: str
    personnummer: str | None          # 12 digits
    birth_date: date
    gender: str | None
    email: str
    mobile: str
    phone_home: str
    phone_work: str
    customer_type: str
    pensioner_subtype: str | None
    price_guarantee_until: date | None
    organisation_name: str | None
    protected_identity: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def personnummer_display(self) -> str:
        return format_personnummer(self.personnummer)

    @property
    def customer_type_name(self) -> str:
        name = CUSTOMER_TYPE_NAMES.get(self.customer_type, self.customer_type)
        if self.pensioner_subtype:
            name += f" ({PENSIONER_SUBTYPE_NAMES.get(self.pensioner_subtype, self.pensioner_subtype)})"
        return name


@dataclass(frozen=True)
class CardRow:
    id: int
    card_number: str
    status: str           # aktivt / sparrat
    issued_at: datetime
    blocked_at: datetime | None


@dataclass(frozen=True)
class MarketingRow:
    email_ok: bool
    sms_ok: bool
    interests: str
    source: str


@dataclass(frozen=True)
class NoteRow:
    id: int
    kind: str             # anteckning / journal
    text: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class DocumentRow:
    id: int
    filename: str
    size: int
    only_owner_visible: bool
    processed: bool
    show_on_web: bool
    created_at: datetime
    created_by_id: int | None
    created_by: str


@dataclass(frozen=True)
class BookingRow:
    id: int
    activity: str
    starts_at: datetime
    price_ore: int
    debited: bool


@dataclass(frozen=True)
class PurchaseRow:
    """Tidigare köp: a debited booking or a paid order."""

    at: datetime
    description: str
    amount_ore: int
    source: str           # "Bokning" / "Kassa"


@dataclass(frozen=True)
class OrderRow:
    id: int
    order_number: int
    created_at: datetime
    routine: str
    status: str
    total_ore: int
    description: str      # the lines, joined


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    invoice_number: int
    kind: str
    issued_on: date
    due_on: date
    amount_ore: int
    paid_ore: int
    status: str
    credited_invoice_id: int | None = None   # set on a credit invoice (kreditfaktura): the invoice it credits

    @property
    def is_credit(self) -> bool:
        return self.credited_invoice_id is not None


@dataclass(frozen=True)
class MandateRow:
    id: int
    holder_name: str
    clearing: str
    account_number: str
    bank_name: str
    status: str

    @property
    def status_name(self) -> str:
        return MANDATE_STATUS_NAMES.get(self.status, self.status)


def pays_invoice(routine: str) -> bool:
    """An order made by Fakturor > Betala (app.routines.invoices): it is the invoice's debt, not a new one."""
    from app.routines.invoices import INVOICE_PAYMENT_ROUTINE

    return routine.startswith(f"{INVOICE_PAYMENT_ROUTINE} ")


@dataclass(frozen=True)
class EconomyRow:
    unpaid_invoices_ore: int
    open_orders: tuple[OrderRow, ...]
    mandate: MandateRow | None

    @property
    def open_orders_ore(self) -> int:
        return sum(o.total_ore for o in self.open_orders)

    @property
    def debt_ore(self) -> int:
        """Unpaid invoices + open orders; an open order paying an invoice is that invoice's debt (counted once)."""
        return self.unpaid_invoices_ore + sum(o.total_ore for o in self.open_orders if not pays_invoice(o.routine))


@dataclass(frozen=True)
class StaffRow:
    employee_number: str
    position: str
    notes: str
    has_web_password: bool


@dataclass(frozen=True)
class SubscriptionRow:
    id: int
    product_id: int
    product_name: str
    payment: str
    status: str
    start_date: date
    binding_end: date | None
    charged_through: date | None
    end_date: date | None
    price_ore: int
    user_id: int
    user_name: str
    payer_id: int
    payer_name: str
    freeze: str | None                     # pagaende / framtida / None
    freeze_period: tuple[date, date] | None
    deviations: tuple = ()                 # app.queries.deviations.Deviation
    addons: tuple["SubscriptionRow", ...] = ()
    menu: SubscriptionMenuFacts | None = None
    next_debit_on: date | None = None      # AG main subscription: first day the next debit covers
    next_debit_ore: int | None = None      # ... and what it costs, add-ons included (app.domain.debit.next_debit)

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)

    @property
    def running(self) -> bool:
        """Runs, is coming, frozen, or cancelled but not yet ended (what the overview lists)."""
        return self.status in RUNNING_STATUSES

    @property
    def state_text(self) -> str:
        """The state as the desk says it, from the saved rows: a thaw or a freeze that is only
        planned says so with its date ("Upptining planerad …", "Frysning planerad …")."""
        parts = []
        if self.status == "kommande":
            parts.append(f"Startar {_iso(self.start_date)}")
        elif self.status == "uppsagt":
            parts.append(f"Uppsagt, slutar {_iso(self.end_date)}" if self.end_date else "Uppsagt")
        period = self.freeze_period
        if self.freeze == "pagaende" and period is not None:
            parts.append(f"Fryst {_iso(period[0])} – {_iso(period[1])} · "
                         f"Upptining planerad {_iso(period[1] + timedelta(days=1))}")
        elif self.freeze == "framtida" and period is not None:
            parts.append(f"Frysning planerad {_iso(period[0])} – {_iso(period[1])}")
        return " · ".join(parts) or ("Löper" if self.status in RUNNING_STATUSES else self.status_name)


RUNNING_STATUSES = ("kommande", "aktivt", "fryst", "framtida_frysning", "uppsagt")


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else "–"


@dataclass(frozen=True)
class VisitRow:
    """The person's latest check-in (the verdict of the latest swipe), from the visits table."""

    at: datetime
    verdict: str           # valkommen / nekad / inslappt
    reason_text: str | None
    desk: str
    method: str            # kort / manuell


@dataclass(frozen=True)
class ValueCardRow:
    id: int
    name: str
    clips_total: int
    clips_left: int
    valid_to: date | None
    bought_on: date


@dataclass(frozen=True)
class AutogiroDebitRow:
    """One autogiro debit requested from Bankgirot (issue 17) and its outcome, for Ekonomi."""

    id: int
    debit_date: date
    period_to: date
    amount_ore: int
    status: str                    # skickad / betald / misslyckad / avvisad / makulerad
    result_text: str
    invoice_number: int | None


@dataclass(frozen=True)
class MandateEventRow:
    """The mandate's history with Bankgirot: skickad, godkänd, avvisad (with the reason), makulerad."""

    mandate_id: int
    at: datetime
    event: str
    text: str


@dataclass(frozen=True)
class PersonCardData:
    person: PersonRow
    photo_jpeg: bytes | None
    cards: tuple[CardRow, ...]
    home_address: AddressData | None
    invoice_address: AddressData | None
    marketing: MarketingRow
    internal_message: str
    customer_message: str
    notes: tuple[NoteRow, ...]
    documents: tuple[DocumentRow, ...]
    bookings: tuple[BookingRow, ...]
    purchases: tuple[PurchaseRow, ...]
    economy: EconomyRow
    invoices: tuple[InvoiceRow, ...]
    staff: StaffRow
    subscriptions: tuple[SubscriptionRow, ...]      # own main subscriptions, add-ons nested
    paid_for_others: tuple[SubscriptionRow, ...]    # subscriptions of others this person pays for
    value_cards: tuple[ValueCardRow, ...]
    journal: tuple[NoteRow, ...] | None             # None unless the actor has the right Kundjournal
    deviations: PersonDeviations
    person_menu: PersonMenuFacts
    mandate_menu: MandateMenuFacts | None
    settings: BusinessSettings
    latest_visit: VisitRow | None = None
    autogiro_debits: tuple[AutogiroDebitRow, ...] = ()    # newest first
    mandate_history: tuple[MandateEventRow, ...] = ()     # of the person's own mandates, newest first

    @property
    def current_card(self) -> CardRow | None:
        active = [c for c in self.cards if c.status == "aktivt"]
        return max(active, key=lambda c: c.issued_at, default=None)

    @property
    def blocked_cards(self) -> tuple[CardRow, ...]:
        return tuple(c for c in self.cards if c.status != "aktivt")


class _MandateRow(NamedTuple):
    id: int
    person_id: int
    holder_name: str
    clearing: str
    account_number: str
    bank_name: str
    status: str


def settings_from_rows(rows) -> BusinessSettings:
    """The settings from (key, JSON value) rows of the settings table, exactly as
    app.settings.load_settings builds them (a test holds the two together)."""
    stored = {key: json.loads(value) for key, value in rows}
    return BusinessSettings(**{o.key: stored.get(o.key, o.default) for o in OPTIONS})


def _full_name(person_id_column):
    """'First Last' of a person, as a scalar subquery (cheaper for PostgreSQL to plan than a join)."""
    from db.models import Person

    return (select(Person.first_name + " " + Person.last_name).where(Person.id == person_id_column)
            .scalar_subquery())


def _user_name(user_id_column):
    from db.models import User

    return select(User.full_name).where(User.id == user_id_column).scalar_subquery()


def load_document_content(session: Session, actor: Actor, person_id: int, document_id: int) -> tuple[str, bytes]:
    """(filename, bytes) of one of the person's documents, with the card's visibility rule:
    a document marked "Endast synlig för ansvarig" is only given to its creator (the actor)."""
    from db.models import Document

    row = session.execute(select(Document.filename, Document.content).where(
        Document.id == document_id, Document.person_id == person_id,
        or_(Document.only_owner_visible.is_(False), Document.created_by == actor.user_id))).first()
    if row is None:
        raise NotFound("Dokumentet finns inte längre. Ladda om personkortet.")
    return row.filename, bytes(row.content)


def _address(row, prefix: str) -> AddressData | None:
    if getattr(row, f"{prefix}_kind") is None:
        return None
    street, co, postal_code, town, country = (getattr(row, f"{prefix}_{f}") for f in
                                              ("street", "co", "postal_code", "town", "country"))
    return AddressData(street=street or "", co=co or "", postal_code=postal_code or "", town=town or "",
                       country=country or "SE")


# ---- the statements, built once ------------------------------------------------------
#
# A card swipe must show the card within 10 ms on a shared PostgreSQL server, where every
# statement is a round trip plus parse and plan (psycopg drops its prepared statements at the
# ROLLBACK that ends each read session, so nothing stays prepared) and SQLAlchemy adds a few
# hundred microseconds of Python per statement. So the card is read in three statements
# whatever the history:
#   1. the person, with organisation name, current photo, home and invoice address and
#      whether an online purchase waits (scalar subqueries and outer joins);
#   2. every per-person list, the deviation types and the settings in one UNION ALL, each
#      row tagged with its list;
#   3. subscriptions (own and paid for) with product, user and payer names and their freezes.
# Names come from scalar subqueries rather than joins: PostgreSQL plans them in a third of the
# time. The statements are built once with bind parameters, so SQLAlchemy's compiled cache
# always hits, and run on the session's connection (Core rows, no ORM result machinery).
# benchmarks/profile_card.py shows where a swipe spends its time.

# UNION ALL slots: each list puts its columns into typed slots; unused slots are typed NULLs
# (PostgreSQL resolves a UNION's column types pairwise, so a bare NULL would become text).
_SLOTS = (("i", 5), ("t", 5), ("d", 2), ("ts", 2), ("b", 3))

(_CARD, _NOTE, _DOCUMENT, _BOOKING, _ORDER_LINE, _INVOICE, _VALUE_CARD, _MANDATE, _LIST_PRODUCT,
 _DEVIATION_TYPE, _SETTING, _VISIT, _AG_DEBIT, _MANDATE_EVENT) = range(1, 15)


def _slot_types():
    from sqlalchemy import Boolean, Date, Integer, Text

    from db.models import UtcDateTime

    return {"i": Integer(), "t": Text(), "d": Date(), "ts": UtcDateTime(), "b": Boolean()}


def _tagged(tag: int, columns: dict, source=None):
    """One branch of the UNION ALL: the tag, then every slot (given column or typed NULL)."""
    from sqlalchemy import cast, literal_column, null

    types = _slot_types()
    out = [literal_column(str(tag)).label("tag")]
    for kind, count in _SLOTS:
        given = list(columns.get(kind, ()))
        assert len(given) <= count, (tag, kind)
        out += [c.label(f"{kind}{n}") for n, c in enumerate(given)]
        out += [cast(null(), types[kind]).label(f"{kind}{n}") for n in range(len(given), count)]
    stmt = select(*out)
    return stmt.select_from(source) if source is not None else stmt


@functools.cache
def _person_statement():
    from sqlalchemy import and_, bindparam, exists

    from db.models import Address, OnlinePurchase, Organisation, Person, Photo

    person_id = bindparam("person_id")
    home, invoice = aliased(Address, name="home_address"), aliased(Address, name="invoice_address")
    photo = (select(Photo.jpeg).where(Photo.person_id == person_id, Photo.is_current.is_(True))
             .limit(1).scalar_subquery())
    waiting = exists().where(OnlinePurchase.person_id == person_id, OnlinePurchase.status == "vantar")
    address_columns = [getattr(a, f).label(f"{prefix}_{f}") for prefix, a in (("home", home), ("invoice", invoice))
                       for f in ("kind", "street", "co", "postal_code", "town", "country")]
    return (select(Person.id, Person.customer_number, Person.first_name, Person.last_name, Person.personnummer,
                   Person.birth_date, Person.gender, Person.email, Person.mobile, Person.phone_home,
                   Person.phone_work, Person.customer_type, Person.pensioner_subtype, Person.price_guarantee_until,
                   Person.protected_identity, Person.internal_message, Person.customer_message,
                   Person.marketing_email_ok, Person.marketing_sms_ok, Person.marketing_interests,
                   Person.marketing_source, Person.staff_employee_number, Person.staff_position, Person.staff_notes,
                   Person.web_password_hash.is_not(None).label("has_web_password"),
                   Organisation.name.label("organisation_name"), photo.label("photo"),
                   waiting.label("online_waiting"), *address_columns)
            .outerjoin(Organisation, Organisation.id == Person.organisation_id)
            .outerjoin(home, and_(home.person_id == Person.id, home.kind == "hem"))
            .outerjoin(invoice, and_(invoice.person_id == Person.id, invoice.kind == "faktura"))
            .where(Person.id == person_id))


@functools.cache
def _subscriptions_statement():
    from sqlalchemy import and_, bindparam

    from db.models import Freeze, Product, Subscription

    person_id = bindparam("person_id")
    return (select(Subscription.id, Subscription.product_id, Subscription.parent_id, Subscription.user_id,
                   Subscription.payer_id, Subscription.price_list_id, Subscription.price_ore, Subscription.start_date,
                   Subscription.binding_end, Subscription.charged_through, Subscription.end_date, Subscription.status,
                   Subscription.credit_days, Product.name.label("product_name"), Product.payment, Product.kind,
                   Product.interval_months, Product.notice_months, Product.transfer_allowed,
                   _full_name(Subscription.user_id).label("user_name"),
                   _full_name(Subscription.payer_id).label("payer_name"),
                   Freeze.start_date.label("freeze_start"), Freeze.end_date.label("freeze_end"),
                   Freeze.charged_until.label("freeze_charged_until"))
            .join(Product, Product.id == Subscription.product_id)
            .outerjoin(Freeze, and_(Freeze.subscription_id == Subscription.id, Freeze.status != "borttagen"))
            .where(or_(Subscription.user_id == person_id, Subscription.payer_id == person_id))
            .order_by(Subscription.start_date.desc(), Subscription.id))


@functools.cache
def _lists_statement():
    from sqlalchemy import bindparam, union_all

    from db.models import (AutogiroDebit, AutogiroMandate, AutogiroMandateEvent, Booking, Card, Document, Invoice,
                           Note, Order, OrderLine, PriceListItem, Product, Setting, Subscription, ValueCard,
                           Visit)
    from db.models import DeviationType as DeviationTypeRow

    person_id = bindparam("person_id")
    viewer = bindparam("viewer_user_id")
    note_kinds = bindparam("note_kinds", expanding=True)
    bookings = (select(Booking.id, Booking.activity, Booking.starts_at, Booking.price_ore, Booking.debited)
                .where(Booking.person_id == person_id).order_by(Booking.starts_at.desc()).limit(MAX_BOOKINGS)
                .subquery("newest_bookings"))
    # The latest check-in (one entry of ix_visits_person_at, read backwards): the overview's verdict.
    latest_visit = (select(Visit.at, Visit.verdict, Visit.reason_text, Visit.desk, Visit.method)
                    .where(Visit.person_id == person_id).order_by(Visit.at.desc(), Visit.id.desc()).limit(1)
                    .subquery("latest_visit"))
    mandate_columns = {"i": (AutogiroMandate.id, AutogiroMandate.person_id),
                       "t": (AutogiroMandate.holder_name, AutogiroMandate.clearing, AutogiroMandate.account_number,
                             AutogiroMandate.bank_name, AutogiroMandate.status)}
    other_payers = select(Subscription.payer_id).where(Subscription.user_id == person_id,
                                                       Subscription.payer_id != person_id)
    own_lists = select(Subscription.price_list_id).where(Subscription.user_id == person_id,
                                                         Subscription.parent_id.is_(None))
    return union_all(
        _tagged(_CARD, {"i": (Card.id,), "t": (Card.card_number, Card.status),
                        "ts": (Card.issued_at, Card.blocked_at)}).where(Card.person_id == person_id),
        _tagged(_NOTE, {"i": (Note.id,), "t": (Note.kind, Note.text, _user_name(Note.created_by)),
                        "ts": (Note.created_at,)})
        .where(Note.person_id == person_id, Note.kind.in_(note_kinds)),
        _tagged(_DOCUMENT, {"i": (Document.id, func.length(Document.content), Document.created_by),
                            "t": (Document.filename, _user_name(Document.created_by)),
                            "ts": (Document.created_at,),
                            "b": (Document.only_owner_visible, Document.processed, Document.show_on_web)})
        .where(Document.person_id == person_id,
               or_(Document.only_owner_visible.is_(False), Document.created_by == viewer)),
        _tagged(_BOOKING, {"i": (bookings.c.id, bookings.c.price_ore), "t": (bookings.c.activity,),
                           "ts": (bookings.c.starts_at,), "b": (bookings.c.debited,)}),
        _tagged(_ORDER_LINE, {"i": (Order.id, Order.order_number, OrderLine.id, OrderLine.amount_ore),
                              "t": (Order.routine, Order.status, OrderLine.description),
                              "ts": (Order.created_at, Order.paid_at)},
                Order).outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.person_id == person_id, Order.status.in_(("oppen", "betald"))),
        _tagged(_INVOICE, {"i": (Invoice.id, Invoice.invoice_number, Invoice.amount_ore, Invoice.paid_ore,
                                 Invoice.credited_invoice_id),
                           "t": (Invoice.kind, Invoice.status), "d": (Invoice.issued_on, Invoice.due_on)})
        .where(Invoice.person_id == person_id),
        _tagged(_VALUE_CARD, {"i": (ValueCard.id, ValueCard.clips_total, ValueCard.clips_left),
                              "t": (ValueCard.name,), "d": (ValueCard.valid_to, ValueCard.bought_on)})
        .where(ValueCard.person_id == person_id),
        # The person's own mandates and those of everyone who pays one of the person's subscriptions
        # (two branches: "= :id OR IN (…)" would make PostgreSQL scan every mandate).
        _tagged(_MANDATE, mandate_columns).where(AutogiroMandate.person_id == person_id),
        _tagged(_MANDATE, mandate_columns).where(AutogiroMandate.person_id.in_(other_payers)),
        # Upgrade/downgrade facts: the main products on the price lists of the person's main subscriptions.
        _tagged(_LIST_PRODUCT, {"i": (PriceListItem.price_list_id, PriceListItem.price_ore, Product.id),
                                "t": (Product.payment,)}, PriceListItem)
        .join(Product, Product.id == PriceListItem.product_id)
        .where(PriceListItem.price_list_id.in_(own_lists), Product.kind == "huvud", Product.active.is_(True)),
        _tagged(_DEVIATION_TYPE, {"t": (DeviationTypeRow.code, DeviationTypeRow.name, DeviationTypeRow.scope,
                                        DeviationTypeRow.severity)}),
        _tagged(_SETTING, {"t": (Setting.key, Setting.value)}),
        _tagged(_VISIT, {"t": (latest_visit.c.verdict, latest_visit.c.reason_text, latest_visit.c.desk,
                               latest_visit.c.method), "ts": (latest_visit.c.at,)}),
        # Autogiro debits this person pays, with the invoice's number and status (issue 17).
        _tagged(_AG_DEBIT, {"i": (AutogiroDebit.id, AutogiroDebit.amount_ore, Invoice.invoice_number),
                            "t": (AutogiroDebit.status, AutogiroDebit.result_text, Invoice.status),
                            "d": (AutogiroDebit.debit_date, AutogiroDebit.period_to)}, AutogiroDebit)
        .outerjoin(Invoice, Invoice.id == AutogiroDebit.invoice_id).where(AutogiroDebit.payer_id == person_id),
        _tagged(_MANDATE_EVENT, {"i": (AutogiroMandateEvent.id, AutogiroMandateEvent.mandate_id),
                                 "t": (AutogiroMandateEvent.event, AutogiroMandateEvent.text),
                                 "ts": (AutogiroMandateEvent.at,)}, AutogiroMandateEvent)
        .join(AutogiroMandate, AutogiroMandate.id == AutogiroMandateEvent.mandate_id)
        .where(AutogiroMandate.person_id == person_id),
    )


def load_person_card(session: Session, actor: Actor, person_id: int, today: date, *,
                     swiped_card: str | None = None) -> PersonCardData:
    """Everything the person card shows, as the actor may see it: the Kundjournal only for an actor
    with the right Kundjournal (else `journal` is None and no journal row is read), documents marked
    "Endast synlig för ansvarig" only for their creator. The caller cannot widen either."""
    include_journal = can(actor, CUSTOMER_JOURNAL)
    session.flush()  # the statements below run on the connection, without the ORM's autoflush
    conn = session.connection()
    p = conn.execute(_person_statement(), {"person_id": person_id}).first()
    if p is None:
        raise NotFound("Personen finns inte längre. Sök fram kunden på nytt.")
    person = PersonRow(p.id, p.customer_number, p.first_name, p.last_name, p.personnummer, p.birth_date, p.gender,
                       p.email or "", p.mobile or "", p.phone_home or "", p.phone_work or "", p.customer_type,
                       p.pensioner_subtype, p.price_guarantee_until, p.organisation_name, p.protected_identity)
    photo = p.photo
    online_waiting = bool(p.online_waiting)
    lists: dict[int, list] = {tag: [] for tag in range(_CARD, _MANDATE_EVENT + 1)}
    for r in conn.execute(_lists_statement(), {
            "person_id": person_id, "viewer_user_id": actor.user_id,
            "note_kinds": ["anteckning", "journal"] if include_journal else ["anteckning"]}):
        lists[r.tag].append(r)
    settings = settings_from_rows((r.t0, r.t1) for r in lists[_SETTING])
    types = {r.t0: DeviationType(r.t0, r.t1, r.t2, r.t3) for r in lists[_DEVIATION_TYPE]}
    cards = tuple(CardRow(c.i0, c.t0, c.t1, c.ts0, c.ts1)
                  for c in sorted(lists[_CARD], key=lambda c: c.ts0, reverse=True))
    note_rows = [NoteRow(n.i0, n.t0, n.t1, n.ts0, n.t2 or "")
                 for n in sorted(lists[_NOTE], key=lambda n: (n.ts0, n.i0), reverse=True)]
    documents = tuple(DocumentRow(d.i0, d.t0, d.i1 or 0, d.b0, d.b1, d.b2, d.ts0, d.i2, d.t1 or "")
                      for d in sorted(lists[_DOCUMENT], key=lambda d: d.ts0, reverse=True))
    bookings = tuple(BookingRow(b.i0, b.t0, b.ts0, b.i1, b.b0)
                     for b in sorted(lists[_BOOKING], key=lambda b: b.ts0, reverse=True))

    # Orders (open and paid) with their lines: newest order first, lines in their order.
    orders: dict[int, dict] = {}
    by_line = sorted(lists[_ORDER_LINE], key=lambda o: (o.i2 is None, o.i2 or 0))
    for o in sorted(by_line, key=lambda o: o.ts0, reverse=True):
        entry = orders.setdefault(o.i0, {"row": o, "total": 0, "lines": []})
        if o.i2 is not None:
            entry["total"] += o.i3
            entry["lines"].append(o.t2)
    order_rows = [(e["row"], OrderRow(e["row"].i0, e["row"].i1, e["row"].ts0, e["row"].t0, e["row"].t1, e["total"],
                                      ", ".join(e["lines"]))) for e in orders.values()]
    open_orders = tuple(r for _, r in order_rows if r.status == "oppen")
    open_debt = [o for o in open_orders if not pays_invoice(o.routine)]  # the invoice itself is the debt
    purchases = [PurchaseRow(b.starts_at, b.activity, b.price_ore, "Bokning") for b in bookings if b.debited]
    purchases += [PurchaseRow(raw.ts1 or raw.ts0, r.description or r.routine, r.total_ore, "Kassa")
                  for raw, r in order_rows if r.status == "betald"]
    purchases.sort(key=lambda x: x.at, reverse=True)

    invoices = tuple(InvoiceRow(i.i0, i.i1, i.t0, i.d0, i.d1, i.i2, i.i3, i.t1, i.i4)
                     for i in sorted(lists[_INVOICE], key=lambda i: (i.d0, i.i0), reverse=True))
    unpaid = sum(i.amount_ore - i.paid_ore for i in invoices if i.status == "obetald" and i.amount_ore > i.paid_ore)
    value_cards = tuple(ValueCardRow(v.i0, v.t0, v.i1, v.i2, v.d0, v.d1)
                        for v in sorted(lists[_VALUE_CARD], key=lambda v: v.d1, reverse=True))
    mandate_rows = [_MandateRow(m.i0, m.i1, m.t0, m.t1, m.t2, m.t3, m.t4) for m in lists[_MANDATE]]
    list_products: dict[int, list[tuple[str | None, int, int]]] = {}
    for item in lists[_LIST_PRODUCT]:
        list_products.setdefault(item.i0, []).append((item.t0, item.i1, item.i2))

    # Subscriptions (one row per freeze), own ones and those this person pays for.
    sub_rows = []
    freezes: dict[int, list] = {}
    for s in conn.execute(_subscriptions_statement(), {"person_id": person_id}):
        if not sub_rows or sub_rows[-1].id != s.id:
            sub_rows.append(s)
        if s.freeze_start is not None:
            freezes.setdefault(s.id, []).append((s.freeze_start, s.freeze_end, s.freeze_charged_until))
    addresses = {"hem": _address(p, "home"), "faktura": _address(p, "invoice")}

    # ---- deviations, from the rows above -----------------------------------------------
    sub_facts = tuple(SubscriptionDeviationFacts(
        id=s.id, parent_id=s.parent_id, user_id=s.user_id, payer_id=s.payer_id,
        payer_name=s.payer_name, payment=s.payment or "", status=s.status,
        price_ore=s.price_ore, interval_months=s.interval_months, start=s.start_date,
        charged_through=s.charged_through, binding_end=s.binding_end, end=s.end_date, credit_days=s.credit_days,
        notice_months=s.notice_months, freezes=tuple(freezes.get(s.id, ()))) for s in sub_rows)
    mandates = tuple(MandateFacts(m.id, m.person_id, m.status) for m in mandate_rows)
    active_cards = sum(1 for c in cards if c.status == "aktivt")
    swiped_blocked = bool(swiped_card) and any(c.card_number == swiped_card for c in cards) and not any(
        c.card_number == swiped_card and c.status == "aktivt" for c in cards)
    ag_debits = tuple(AutogiroDebitRow(r.i0, r.d0, r.d1, r.i1, r.t0, r.t1 or "", r.i2)
                      for r in sorted(lists[_AG_DEBIT], key=lambda r: (r.d0, r.i0), reverse=True))
    failed_debits = tuple(r.d0 for r in lists[_AG_DEBIT] if r.t0 in ("misslyckad", "avvisad") and r.t2 == "obetald")
    mandate_history = tuple(MandateEventRow(r.i1, r.ts0, r.t0, r.t1 or "")
                            for r in sorted(lists[_MANDATE_EVENT], key=lambda r: (r.ts0, r.i0), reverse=True))
    facts = DeviationFacts(
        person_id=person_id, customer_type=p.customer_type, price_guarantee_until=p.price_guarantee_until,
        internal_message=p.internal_message or "", has_photo=photo is not None, active_cards=active_cards,
        blocked_cards=len(cards) - active_cards, unpaid_invoices_ore=unpaid,
        open_orders_ore=sum(o.total_ore for o in open_debt), open_orders=len(open_debt),
        subscriptions=sub_facts, mandates=mandates, swiped_card_blocked=swiped_blocked,
        warning_days=settings.type_expiry_warning_days, failed_debits=failed_debits)
    deviations = evaluate(facts, types, today)

    # ---- subscriptions with add-ons nested and menu facts ------------------------------
    def facts_of(s) -> SubscriptionFacts:
        return SubscriptionFacts(
            key=str(s.id), kind=s.payment, price_ore=s.price_ore, interval_months=max(1, s.interval_months or 1),
            start=s.start_date, charged_through=s.charged_through, binding_end=s.binding_end, end=s.end_date,
            notice_months=s.notice_months or 0, credit_days=s.credit_days or 0,
            freezes=tuple(sorted((DomainFreeze(a, b, c) for a, b, c in freezes.get(s.id, ())),
                                 key=lambda f: f.start)))

    def upcoming_debit(s, addons) -> tuple[date | None, int | None]:
        if s.parent_id is not None or s.payment != "AG" or s.status not in RUNNING_STATUSES:
            return None, None
        live = [a for a in addons if a.status != "avslutat" and a.payment in ("AG", "kontant")]
        plan = next_debit(facts_of(s), [facts_of(a) for a in live])
        return (plan.lines[0].period_from, plan.total_ore) if plan is not None else (None, None)

    def build(s, addons=()) -> SubscriptionRow:
        spans = [(a, b) for a, b, _ in freezes.get(s.id, ())]
        state = freeze_state(spans, today)
        period = next(((a, b) for a, b in sorted(spans) if b >= today), None)
        menu = None
        if s.parent_id is None:
            products = list_products.get(s.price_list_id, [])
            same_kind = [price for payment, price, pid in products if payment == s.payment and pid != s.product_id]
            chargeable = s.end_date is None or s.charged_through is None or s.charged_through < s.end_date
            menu = SubscriptionMenuFacts(
                subscription_id=s.id, payment=s.payment or "", status=s.status, freeze=state,
                dearer_exists=any(price > s.price_ore for price in same_kind),
                cheaper_exists=any(price < s.price_ore for price in same_kind),
                transfer_allowed=bool(s.transfer_allowed), other_payer=s.payer_id != s.user_id,
                chargeable=chargeable)
        debit_on, debit_ore = upcoming_debit(s, children.get(s.id, ()))
        return SubscriptionRow(
            id=s.id, product_id=s.product_id, product_name=s.product_name, payment=s.payment or "", status=s.status,
            start_date=s.start_date, binding_end=s.binding_end, charged_through=s.charged_through,
            end_date=s.end_date, price_ore=s.price_ore, user_id=s.user_id, user_name=s.user_name,
            payer_id=s.payer_id, payer_name=s.payer_name, freeze=state, freeze_period=period,
            deviations=deviations.subscriptions.get(s.id, ()), addons=tuple(addons), menu=menu,
            next_debit_on=debit_on, next_debit_ore=debit_ore)

    children: dict[int, list] = {}
    for s in sub_rows:
        if s.parent_id is not None:
            children.setdefault(s.parent_id, []).append(s)
    own_ids = {s.id for s in sub_rows if s.user_id == person_id}
    own = tuple(build(s, [build(a) for a in children.get(s.id, ())])
                for s in sub_rows if s.parent_id is None and s.user_id == person_id)
    # Add-ons whose main subscription is not on this card (should not happen) are still shown.
    orphans = tuple(build(s) for s in sub_rows
                    if s.parent_id is not None and s.user_id == person_id and s.parent_id not in own_ids)
    others = tuple(build(s) for s in sub_rows
                   if s.user_id != person_id and s.payer_id == person_id and s.parent_id is None)

    # ---- menu facts --------------------------------------------------------------------
    running_main = [s for s in sub_rows if s.parent_id is None and s.user_id == person_id
                    and s.status in ("aktivt", "fryst", "framtida_frysning", "uppsagt")]
    ends = [subscription_end(s.payment or "", s.end_date, s.charged_through, s.start_date) for s in running_main]
    active_end = None if not ends else (OPEN_ENDED if any(e is None for e in ends) else max(ends))
    upcoming = [s.start_date for s in sub_rows if s.parent_id is None and s.user_id == person_id
                and s.status == "kommande"]
    # The registration routine's own start rule, so an entry that would be refused later is disabled now.
    sign_reason, convert_reason, pickup_reason = (
        may_start_registration(flow, active_end, min(upcoming, default=None),
                               months_in_advance=settings.months_in_advance,
                               org_conversion_max_months=settings.org_conversion_max_months, today=today).reason
        for flow in ("befintlig_privatkund", "avtal_forbestallning", "uthamtning"))
    shown = shown_mandate(mandates, person_id)
    mandate = None
    if shown is not None:
        m = next(r for r in mandate_rows if r.id == shown.id)
        mandate = MandateRow(m.id, m.holder_name, m.clearing, m.account_number, m.bank_name, m.status)
    current = next((m for m in mandates if m.person_id == person_id and m.status in CURRENT_MANDATE), None)
    person_menu = PersonMenuFacts(online_purchase_waiting=online_waiting, sign_blocked_reason=sign_reason,
                                  convert_blocked_reason=convert_reason, pickup_blocked_reason=pickup_reason,
                                  mandate_status=current.status if current else None)

    return PersonCardData(
        person=person, photo_jpeg=photo, cards=cards, home_address=addresses.get("hem"),
        invoice_address=addresses.get("faktura"),
        marketing=MarketingRow(p.marketing_email_ok, p.marketing_sms_ok, p.marketing_interests or "",
                               p.marketing_source or ""),
        internal_message=p.internal_message or "", customer_message=p.customer_message or "",
        notes=tuple(n for n in note_rows if n.kind == "anteckning"), documents=documents, bookings=bookings,
        purchases=tuple(purchases), economy=EconomyRow(unpaid, open_orders, mandate), invoices=invoices,
        staff=StaffRow(p.staff_employee_number or "", p.staff_position or "", p.staff_notes or "",
                       p.has_web_password),
        subscriptions=own + orphans, paid_for_others=others, value_cards=value_cards,
        journal=tuple(n for n in note_rows if n.kind == "journal") if include_journal else None,
        deviations=deviations, person_menu=person_menu,
        mandate_menu=MandateMenuFacts(mandate.id, mandate.status) if mandate else None, settings=settings,
        latest_visit=next((VisitRow(v.ts0, v.t0, v.t1, v.t2 or "", v.t3 or "") for v in lists[_VISIT]), None),
        autogiro_debits=ag_debits, mandate_history=mandate_history)
