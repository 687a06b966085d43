"""The person card's read model (SPEC §3): everything the card shows, in a fixed handful of queries.

`load_person_card` runs about twenty indexed statements whatever the person's
history (no lazy loads, no query per subscription), so a card swipe shows the
card at once even at a million persons. It returns frozen dataclasses only;
the widget never sees ORM objects. The deviations (app/queries/deviations.py)
and the facts the action menus need (app/menus.py) are computed from the same
rows.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, raiseload

from app.domain.eligibility import OPEN_ENDED, may_convert_to_organisation, may_sign_new_subscription
from app.errors import NotFound
from app.menus import MandateMenuFacts, PersonMenuFacts, SubscriptionMenuFacts, freeze_state
from app.queries.deviations import (
    CURRENT_MANDATE,
    DeviationFacts,
    MandateFacts,
    PersonDeviations,
    SubscriptionDeviationFacts,
    deviation_types,
    evaluate,
    shown_mandate,
    subscription_end,
)
from app.queries.search import CUSTOMER_TYPE_NAMES, format_personnummer
from app.routines.person_data import AddressData
from app.settings import BusinessSettings, load_settings

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
        return self.unpaid_invoices_ore + self.open_orders_ore


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

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)


@dataclass(frozen=True)
class ValueCardRow:
    id: int
    name: str
    clips_total: int
    clips_left: int
    valid_to: date | None
    bought_on: date


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
    journal: tuple[NoteRow, ...] | None             # None unless asked for (right Kundjournal)
    deviations: PersonDeviations
    person_menu: PersonMenuFacts
    mandate_menu: MandateMenuFacts | None
    settings: BusinessSettings

    @property
    def current_card(self) -> CardRow | None:
        active = [c for c in self.cards if c.status == "aktivt"]
        return max(active, key=lambda c: c.issued_at, default=None)

    @property
    def blocked_cards(self) -> tuple[CardRow, ...]:
        return tuple(c for c in self.cards if c.status != "aktivt")


@functools.cache
def _person_aliases():
    """Built once: a fresh alias per call costs milliseconds of SQLAlchemy column adaptation."""
    from db.models import Person

    return aliased(Person, name="card_user"), aliased(Person, name="card_payer")


def load_document_content(session: Session, person_id: int, document_id: int,
                          viewer_user_id: int | None) -> tuple[str, bytes]:
    """(filename, bytes) of one of the person's documents, with the card's visibility rule:
    a document marked "Endast synlig för ansvarig" is only given to its creator."""
    from db.models import Document

    row = session.execute(select(Document.filename, Document.content).where(
        Document.id == document_id, Document.person_id == person_id,
        or_(Document.only_owner_visible.is_(False), Document.created_by == viewer_user_id))).first()
    if row is None:
        raise NotFound("Dokumentet finns inte längre. Ladda om personkortet.")
    return row.filename, bytes(row.content)


def _address(row) -> AddressData:
    return AddressData(street=row.street or "", co=row.co or "", postal_code=row.postal_code or "",
                       town=row.town or "", country=row.country or "SE")


def load_person_card(session: Session, person_id: int, today: date, *, include_journal: bool = False,
                     viewer_user_id: int | None = None, swiped_card: str | None = None) -> PersonCardData:
    """Everything the person card shows. Documents marked "Endast synlig för ansvarig" are only
    included for their creator (`viewer_user_id`); the journal only with `include_journal`."""
    from db.models import (Address, AutogiroMandate, Booking, Card, Document, Freeze, Invoice, Note, OnlinePurchase,
                           Order, OrderLine, Organisation, Person, Photo, PriceListItem, Product, Subscription, User,
                           ValueCard)

    row = session.execute(select(Person, Organisation.name).outerjoin(Organisation,
                                                                      Organisation.id == Person.organisation_id)
                          .where(Person.id == person_id).options(raiseload("*"))).first()
    if row is None:
        raise NotFound("Personen finns inte längre. Sök fram kunden på nytt.")
    p, organisation_name = row
    person = PersonRow(p.id, p.customer_number, p.first_name, p.last_name, p.personnummer, p.birth_date, p.gender,
                       p.email or "", p.mobile or "", p.phone_home or "", p.phone_work or "", p.customer_type,
                       p.pensioner_subtype, p.price_guarantee_until, organisation_name, p.protected_identity)
    settings = load_settings(session)
    types = deviation_types(session)
    photo = session.scalar(select(Photo.jpeg).where(Photo.person_id == person_id, Photo.is_current.is_(True)))
    cards = tuple(CardRow(c.id, c.card_number, c.status, c.issued_at, c.blocked_at) for c in session.execute(
        select(Card.id, Card.card_number, Card.status, Card.issued_at, Card.blocked_at)
        .where(Card.person_id == person_id).order_by(Card.issued_at.desc())))
    addresses = {a.kind: _address(a) for a in session.execute(
        select(Address.kind, Address.street, Address.co, Address.postal_code, Address.town, Address.country)
        .where(Address.person_id == person_id))}

    kinds = ("anteckning", "journal") if include_journal else ("anteckning",)
    note_rows = [NoteRow(n.id, n.kind, n.text, n.created_at, n.full_name or "") for n in session.execute(
        select(Note.id, Note.kind, Note.text, Note.created_at, User.full_name)
        .outerjoin(User, User.id == Note.created_by)
        .where(Note.person_id == person_id, Note.kind.in_(kinds)).order_by(Note.created_at.desc(), Note.id.desc()))]
    visible = or_(Document.only_owner_visible.is_(False), Document.created_by == viewer_user_id)
    documents = tuple(DocumentRow(d.id, d.filename, d.size or 0, d.only_owner_visible, d.processed, d.show_on_web,
                                  d.created_at, d.created_by, d.full_name or "") for d in session.execute(
        select(Document.id, Document.filename, func.length(Document.content).label("size"),
               Document.only_owner_visible, Document.processed, Document.show_on_web, Document.created_at,
               Document.created_by, User.full_name)
        .outerjoin(User, User.id == Document.created_by)
        .where(Document.person_id == person_id, visible).order_by(Document.created_at.desc())))
    bookings = tuple(BookingRow(b.id, b.activity, b.starts_at, b.price_ore, b.debited) for b in session.execute(
        select(Booking.id, Booking.activity, Booking.starts_at, Booking.price_ore, Booking.debited)
        .where(Booking.person_id == person_id).order_by(Booking.starts_at.desc()).limit(MAX_BOOKINGS)))

    # Orders (open and paid) with their lines, in one statement.
    orders: dict[int, dict] = {}
    for o in session.execute(
            select(Order.id, Order.order_number, Order.created_at, Order.paid_at, Order.routine, Order.status,
                   OrderLine.description, OrderLine.amount_ore)
            .outerjoin(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.person_id == person_id, Order.status.in_(("oppen", "betald")))
            .order_by(Order.created_at.desc(), OrderLine.id)):
        entry = orders.setdefault(o.id, {"row": o, "total": 0, "lines": []})
        if o.description is not None:
            entry["total"] += o.amount_ore
            entry["lines"].append(o.description)
    order_rows = [(e["row"], OrderRow(e["row"].id, e["row"].order_number, e["row"].created_at, e["row"].routine,
                                      e["row"].status, e["total"], ", ".join(e["lines"]))) for e in orders.values()]
    open_orders = tuple(r for _, r in order_rows if r.status == "oppen")
    purchases = [PurchaseRow(b.starts_at, b.activity, b.price_ore, "Bokning") for b in bookings if b.debited]
    purchases += [PurchaseRow(raw.paid_at or raw.created_at, r.description or r.routine, r.total_ore, "Kassa")
                  for raw, r in order_rows if r.status == "betald"]
    purchases.sort(key=lambda x: x.at, reverse=True)

    invoices = tuple(InvoiceRow(i.id, i.invoice_number, i.kind, i.issued_on, i.due_on, i.amount_ore, i.paid_ore,
                                i.status, i.credited_invoice_id) for i in session.execute(
        select(Invoice.id, Invoice.invoice_number, Invoice.kind, Invoice.issued_on, Invoice.due_on, Invoice.amount_ore,
               Invoice.paid_ore, Invoice.status, Invoice.credited_invoice_id)
        .where(Invoice.person_id == person_id).order_by(Invoice.issued_on.desc(), Invoice.id.desc())))
    unpaid = sum(i.amount_ore - i.paid_ore for i in invoices if i.status == "obetald" and i.amount_ore > i.paid_ore)

    # Subscriptions: own ones and those this person pays for, with product and both names.
    user_p, payer_p = _person_aliases()
    sub_rows = session.execute(
        select(Subscription.id, Subscription.product_id, Subscription.parent_id, Subscription.user_id,
               Subscription.payer_id, Subscription.price_list_id, Subscription.price_ore, Subscription.start_date,
               Subscription.binding_end, Subscription.charged_through, Subscription.end_date, Subscription.status,
               Subscription.credit_days, Product.name.label("product_name"), Product.payment, Product.kind,
               Product.interval_months, Product.notice_months, Product.transfer_allowed,
               user_p.first_name.label("user_first"), user_p.last_name.label("user_last"),
               payer_p.first_name.label("payer_first"), payer_p.last_name.label("payer_last"))
        .join(Product, Product.id == Subscription.product_id)
        .join(user_p, user_p.id == Subscription.user_id).join(payer_p, payer_p.id == Subscription.payer_id)
        .where(or_(Subscription.user_id == person_id, Subscription.payer_id == person_id))
        .order_by(Subscription.start_date.desc(), Subscription.id)).all()
    sub_ids = [s.id for s in sub_rows]
    freezes: dict[int, list] = {}
    if sub_ids:
        for f in session.execute(select(Freeze.subscription_id, Freeze.start_date, Freeze.end_date,
                                        Freeze.charged_until)
                                 .where(Freeze.subscription_id.in_(sub_ids), Freeze.status != "borttagen")):
            freezes.setdefault(f.subscription_id, []).append((f.start_date, f.end_date, f.charged_until))
    payer_ids = {person_id} | {s.payer_id for s in sub_rows}
    mandate_rows = session.execute(
        select(AutogiroMandate.id, AutogiroMandate.person_id, AutogiroMandate.holder_name, AutogiroMandate.clearing,
               AutogiroMandate.account_number, AutogiroMandate.bank_name, AutogiroMandate.status)
        .where(AutogiroMandate.person_id.in_(payer_ids))).all()

    # Upgrade/downgrade facts: the main products on the price lists of this person's main subscriptions.
    list_ids = {s.price_list_id for s in sub_rows if s.parent_id is None and s.user_id == person_id
                and s.price_list_id is not None}
    list_products: dict[int, list[tuple[str | None, int, int]]] = {}
    if list_ids:
        for item in session.execute(
                select(PriceListItem.price_list_id, PriceListItem.price_ore, Product.id, Product.payment)
                .join(Product, Product.id == PriceListItem.product_id)
                .where(PriceListItem.price_list_id.in_(list_ids), Product.kind == "huvud", Product.active.is_(True))):
            list_products.setdefault(item.price_list_id, []).append((item.payment, item.price_ore, item.id))
    online_waiting = session.scalar(select(func.count()).select_from(OnlinePurchase)
                                    .where(OnlinePurchase.person_id == person_id,
                                           OnlinePurchase.status == "vantar")) > 0
    value_cards = tuple(ValueCardRow(v.id, v.name, v.clips_total, v.clips_left, v.valid_to, v.bought_on)
                        for v in session.execute(
        select(ValueCard.id, ValueCard.name, ValueCard.clips_total, ValueCard.clips_left, ValueCard.valid_to,
               ValueCard.bought_on).where(ValueCard.person_id == person_id).order_by(ValueCard.bought_on.desc())))

    # ---- deviations, from the rows above -----------------------------------------------
    sub_facts = tuple(SubscriptionDeviationFacts(
        id=s.id, parent_id=s.parent_id, user_id=s.user_id, payer_id=s.payer_id,
        payer_name=f"{s.payer_first} {s.payer_last}", payment=s.payment or "", status=s.status,
        price_ore=s.price_ore, interval_months=s.interval_months, start=s.start_date,
        charged_through=s.charged_through, binding_end=s.binding_end, end=s.end_date, credit_days=s.credit_days,
        notice_months=s.notice_months, freezes=tuple(freezes.get(s.id, ()))) for s in sub_rows)
    mandates = tuple(MandateFacts(m.id, m.person_id, m.status) for m in mandate_rows)
    active_cards = sum(1 for c in cards if c.status == "aktivt")
    swiped_blocked = bool(swiped_card) and any(c.card_number == swiped_card for c in cards) and not any(
        c.card_number == swiped_card and c.status == "aktivt" for c in cards)
    facts = DeviationFacts(
        person_id=person_id, customer_type=p.customer_type, price_guarantee_until=p.price_guarantee_until,
        internal_message=p.internal_message or "", has_photo=photo is not None, active_cards=active_cards,
        blocked_cards=len(cards) - active_cards, unpaid_invoices_ore=unpaid,
        open_orders_ore=sum(o.total_ore for o in open_orders), open_orders=len(open_orders),
        subscriptions=sub_facts, mandates=mandates, swiped_card_blocked=swiped_blocked,
        warning_days=settings.type_expiry_warning_days)
    deviations = evaluate(facts, types, today)

    # ---- subscriptions with add-ons nested and menu facts ------------------------------
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
        return SubscriptionRow(
            id=s.id, product_id=s.product_id, product_name=s.product_name, payment=s.payment or "", status=s.status,
            start_date=s.start_date, binding_end=s.binding_end, charged_through=s.charged_through,
            end_date=s.end_date, price_ore=s.price_ore, user_id=s.user_id, user_name=f"{s.user_first} {s.user_last}",
            payer_id=s.payer_id, payer_name=f"{s.payer_first} {s.payer_last}", freeze=state, freeze_period=period,
            deviations=deviations.subscriptions.get(s.id, ()), addons=tuple(addons), menu=menu)

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
    if upcoming:
        sign_reason = convert_reason = f"Kunden har redan ett kommande abonnemang som börjar {min(upcoming):%Y-%m-%d}."
    else:
        sign_reason = may_sign_new_subscription(active_end, settings.months_in_advance, today).reason
        convert_reason = may_convert_to_organisation(active_end, settings.org_conversion_max_months, today).reason
    shown = shown_mandate(mandates, person_id)
    mandate = None
    if shown is not None:
        m = next(r for r in mandate_rows if r.id == shown.id)
        mandate = MandateRow(m.id, m.holder_name, m.clearing, m.account_number, m.bank_name, m.status)
    current = next((m for m in mandates if m.person_id == person_id and m.status in CURRENT_MANDATE), None)
    person_menu = PersonMenuFacts(online_purchase_waiting=online_waiting, sign_blocked_reason=sign_reason,
                                  convert_blocked_reason=convert_reason,
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
                       p.web_password_hash is not None),
        subscriptions=own + orphans, paid_for_others=others, value_cards=value_cards,
        journal=tuple(n for n in note_rows if n.kind == "journal") if include_journal else None,
        deviations=deviations, person_menu=person_menu,
        mandate_menu=MandateMenuFacts(mandate.id, mandate.status) if mandate else None, settings=settings)
