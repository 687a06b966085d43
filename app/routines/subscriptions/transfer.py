"""Överlåt (SPEC §6): hand a kontant subscription over to another person.

Steps in the wizard: Identifiering (transferor) → Sök kund (receiver, or
"Registrera ny kund") → Legitimering (receiver; type fixed to the transferor's)
→ Personuppgifter → Produkter (add-ons of the routine 'overlatelse', e.g.
överlåtelseavgift) → Inpasseringsuppgifter → Bekräfta.

Rules (``app.domain.eligibility.transfer_eligibility``): kontant only, product
with "Tillåt överlåtelse"; the receiver has the transferor's customer type and no
active main subscription; not the same person. Decisions:

* only an 'aktivt' subscription that is still valid today is transferred (a
  frozen one is thawed first, so no freeze moves between customers);
* the subscription keeps its dates, price and price list; user and payer become
  the receiver;
* the transferor's add-on subscriptions are not transferred: they end today
  (status 'avslutat', end date today);
* both cards keep a trace: a note "Överlåtet till <name> (<customer no>): …" on the giver's and
  "Överlåtet från …" on the receiver's (shown under Meddelanden and on the card's Översikt);
* add-ons chosen on Produkter are the receiver's: a subscription add-on becomes
  an add-on subscription of the receiver up to the same debiterat t.o.m. (its
  value of those days is charged), a one-off item (överlåtelseavgift) is charged
  once — all in one order for the receiver.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.debit import charge_to
from app.domain.eligibility import transfer_eligibility
from app.domain.legitimation import CUSTOMER_TYPE_LABELS, Legitimation, check_legitimation
from app.domain.periods import iso
from app.domain.subscriptions import SubscriptionFacts
from app.errors import Conflict, NotFound, ValidationError
from app.orders import OrderLineDraft, require_till
from app.queries.catalog import AddonRow, addons_for
from app.routines.customer_type import record_proof
from app.routines.membership_card import CARD_TAKEN_MESSAGE, check_access, is_card_conflict, store_access
from app.routines.person_data import (
    PersonData,
    apply_person_data,
    find_by_personnummer,
    insert_person,
    validate_person_data,
)
from app.routines.registration_data import AccessData
from app.routines.subscriptions.common import (
    OrderLinePreview,
    SubscriptionRoutine,
    SubscriptionRowPreview,
    person_name,
    total,
)
from app.routines.subscriptions.facts import load
from app.settings import load_settings

ADDON_ROUTINE = "overlatelse"
ACTIVE_FOR_RECEIVER = ("kommande", "aktivt", "fryst", "framtida_frysning")


@dataclass(frozen=True)
class TransferSubscription:
    subscription_id: int
    legitimation: Legitimation              # the receiver's; customer type = the transferor's
    receiver_id: int | None = None          # an existing customer ...
    receiver_person: PersonData | None = None  # ... or a new one ("Registrera ny kund"); corrections for existing
    access: AccessData = field(default_factory=AccessData)
    addon_ids: tuple[int, ...] = ()         # chosen 'overlatelse' add-ons, mandatory ones included
    agent_name: str = ""                    # ombud for the transferor
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class TransferPreview:
    subscription_id: int
    product_name: str
    valid_through: date | None               # debiterat t.o.m., what the receiver gets
    transferor_id: int
    transferor_name: str
    transferor_customer_number: int
    receiver_id: int | None                  # None: a new customer is registered
    receiver_name: str
    receiver_customer_number: int | None
    customer_type: str
    price_guarantee_until: date | None
    ended_addons: tuple[SubscriptionRowPreview, ...]  # the transferor's add-ons, ending today
    lines: tuple[OrderLinePreview, ...]      # paid by the receiver
    total_ore: int
    card_number: str | None                  # new card for the receiver (None: keeps the current one)
    blocks_card_number: str | None


@dataclass(frozen=True)
class TransferResult:
    subscription_id: int
    receiver_id: int
    receiver_customer_number: int
    ended_addon_ids: tuple[int, ...]
    new_addon_ids: tuple[int, ...]
    order_id: int | None
    total_ore: int


def receiver_has_active(session: Session, person_id: int, today: date) -> bool:
    """A main subscription that runs, is coming, or is cancelled but not yet ended."""
    from db.models import Subscription

    query = select(Subscription.id).where(
        Subscription.user_id == person_id, Subscription.parent_id.is_(None),
        or_(Subscription.status.in_(ACTIVE_FOR_RECEIVER),
            and_(Subscription.status == "uppsagt", Subscription.end_date >= today)))
    return session.scalar(query.limit(1)) is not None


class TransferSubscriptionRoutine(SubscriptionRoutine[TransferSubscription, TransferResult]):
    name = "Överlåt"

    # -- what the wizard pages ask before the command is complete ---------------
    def receiver_reasons(self, subscription_id: int, receiver_id: int | None) -> tuple[str, ...]:
        """Why the receiver chosen on Sök kund cannot get the subscription (empty: allowed; None = new customer)."""
        from db.models import Person

        with self.preview_session() as session:
            loaded = load(session, subscription_id)
            transferor = session.get(Person, loaded.main.user_id)
            receiver = session.get(Person, receiver_id) if receiver_id is not None else None
            if receiver_id is not None and receiver is None:
                return ("Mottagaren finns inte längre i registret.",)
            return tuple(self._eligibility(session, loaded.main, transferor, receiver))

    def offered_addons(self, subscription_id: int) -> list[AddonRow]:
        """The Produkter page: add-ons of the routine Överlåtelse (mandatory first); empty = page skipped."""
        with self.preview_session() as session:
            loaded = load(session, subscription_id)
            return addons_for(session, loaded.main.product_id, loaded.main.price_list_id, ADDON_ROUTINE)

    def preview(self, command: TransferSubscription) -> TransferPreview:
        with self.preview_session() as session:
            return self._plan(session, command, lock=False)[1]

    # -- checks -----------------------------------------------------------------
    def _eligibility(self, session: Session, sub, transferor, receiver) -> list[str]:
        today = self.core.clock.today()
        reasons = transfer_eligibility(
            sub.product.payment, sub.product.transfer_allowed, transferor.customer_type,
            receiver.customer_type if receiver is not None else None,
            receiver is not None and receiver_has_active(session, receiver.id, today),
            same_person=receiver is not None and receiver.id == transferor.id)
        if sub.status != "aktivt":
            reasons.append("Endast ett aktivt abonnemang kan överlåtas"
                           + (" – tina upp det först." if sub.status in ("fryst", "framtida_frysning") else "."))
        elif sub.charged_through is None or sub.charged_through < today:
            reasons.append("Abonnemanget har gått ut och kan inte överlåtas.")
        return reasons

    def _plan(self, session: Session, cmd: TransferSubscription, *, lock: bool):
        from db.models import Card, Person

        today = self.core.clock.today()
        settings = load_settings(session)
        loaded = load(session, cmd.subscription_id, lock=lock)
        sub = loaded.main
        transferor = session.get(Person, sub.user_id)
        offered = {a.id: a for a in addons_for(session, sub.product_id, sub.price_list_id, ADDON_ROUTINE)}
        if offered:
            require_till(self.core)

        # The receiver
        receiver = None
        data = None
        if cmd.receiver_id is not None:
            receiver = session.get(Person, cmd.receiver_id)
            if receiver is None:
                raise NotFound("Mottagaren finns inte längre i registret. Sök fram kunden igen.")
            if cmd.receiver_person is not None:
                data = validate_person_data(cmd.receiver_person, today)
                if data.personnummer:
                    other = find_by_personnummer(session, data.personnummer)
                    if other is not None and other.id != receiver.id:
                        raise Conflict(f"Personnumret tillhör en annan kund (kundnummer {other.customer_number}).",
                                       field="personnummer")
        else:
            if cmd.receiver_person is None:
                raise ValidationError("Sök fram mottagaren eller kryssa i ”Registrera ny kund”.",
                                      field="receiver_id")
            data = validate_person_data(cmd.receiver_person, today)
            if data.personnummer:
                existing = find_by_personnummer(session, data.personnummer)
                if existing is not None:
                    raise Conflict(f"Det finns redan en kund med det personnumret (kundnummer "
                                   f"{existing.customer_number}). Sök fram kunden som mottagare i stället.",
                                   field="personnummer")
        reasons = self._eligibility(session, sub, transferor, receiver)
        if reasons:
            raise ValidationError(" ".join(reasons), field="receiver_id")

        # Legitimering: the type is fixed to the transferor's
        leg = replace(cmd.legitimation, organisation_customer=False)
        if leg.customer_type != transferor.customer_type:
            raise ValidationError(
                f"Mottagaren ska legitimeras som {CUSTOMER_TYPE_LABELS[transferor.customer_type]}, samma kundtyp "
                "som överlåtaren.", field="customer_type")
        birth = data.birth_date if data is not None else receiver.birth_date
        valid_until = check_legitimation(leg, birth, today, min_age_ordinarie=settings.min_age_ordinarie,
                                         selectable_types=frozenset({transferor.customer_type}))

        # Add-ons chosen on Produkter
        chosen: list[AddonRow] = []
        for pid in dict.fromkeys(cmd.addon_ids):
            if pid not in offered:
                raise ValidationError(f"Tillägget (nr {pid}) kan inte väljas vid överlåtelse av {sub.product.name}.",
                                      field="addon_ids")
            chosen.append(offered[pid])
        missing = [a.name for a in offered.values() if a.mandatory and a.id not in cmd.addon_ids]
        if missing:
            raise ValidationError("Obligatoriska tillägg saknas: " + ", ".join(missing) + ".", field="addon_ids")
        drafts: list[OrderLineDraft] = []
        new_addons: list[tuple[AddonRow, int]] = []
        for addon in chosen:
            if addon.is_subscription and addon.payment in ("AG", "kontant"):
                facts = SubscriptionFacts(key=str(addon.id), kind=addon.payment, price_ore=addon.price_ore,
                                          interval_months=addon.period_months, start=today, charged_through=None)
                line = charge_to(facts, sub.charged_through)
                amount = line.amount_ore if line else 0
                new_addons.append((addon, amount))
                drafts.append(OrderLineDraft(f"{addon.name} {iso(today)} – {iso(sub.charged_through)}", amount,
                                             addon.vat_basis_points, product_id=addon.id, period_from=today,
                                             period_to=sub.charged_through))
            else:
                drafts.append(OrderLineDraft(addon.name, addon.price_ore, addon.vat_basis_points, product_id=addon.id))

        access = check_access(session, cmd.access, receiver.id if receiver is not None else None)
        blocked = session.get(Card, access.block_card_id) if access.block_card_id else None
        ended = tuple(SubscriptionRowPreview(a.id, a.product.name, a.product.payment, True, a.charged_through,
                                             a.charged_through, end_date_after=today,
                                             credit_days_before=a.credit_days, credit_days_after=a.credit_days)
                      for a in loaded.addons)
        name = f"{data.first_name} {data.last_name}" if data is not None else person_name(receiver)
        preview = TransferPreview(
            subscription_id=sub.id, product_name=sub.product.name, valid_through=sub.charged_through,
            transferor_id=transferor.id, transferor_name=person_name(transferor),
            transferor_customer_number=transferor.customer_number,
            receiver_id=receiver.id if receiver is not None else None, receiver_name=name,
            receiver_customer_number=receiver.customer_number if receiver is not None else None,
            customer_type=transferor.customer_type, price_guarantee_until=valid_until, ended_addons=ended,
            lines=tuple(OrderLinePreview.of(d) for d in drafts), total_ore=total(drafts),
            card_number=access.card_number, blocks_card_number=blocked.card_number if blocked else None)
        return (loaded, receiver, data, leg, valid_until, new_addons, drafts, access), preview

    def _write(self, session: Session, plan, cmd: TransferSubscription, actor: Actor):
        from db.models import Note, Person, Subscription

        (loaded, receiver, data, leg, valid_until, new_addons, drafts, access), preview = plan
        now = self.core.clock.now()
        today = self.core.clock.today()
        if receiver is None:
            receiver = insert_person(session, data, now)
        elif data is not None:
            apply_person_data(receiver, data, now)
        record_proof(session, receiver, leg, valid_until, actor, now)
        store_access(session, receiver.id, access, now)

        sub = loaded.main
        transferor = session.get(Person, sub.user_id)
        for addon in loaded.addons:
            addon.status = "avslutat"
            addon.end_date = today
        sub.user_id = receiver.id
        sub.payer_id = receiver.id
        session.flush()  # the one-running-main-subscription index decides a race here
        new_ids = []
        sub_for_product = {}
        for addon, _amount in new_addons:
            row = Subscription(product_id=addon.id, user_id=receiver.id, payer_id=receiver.id,
                               price_list_id=sub.price_list_id, price_ore=addon.price_ore, parent_id=sub.id,
                               organisation_id=sub.organisation_id, start_date=today, binding_end=None,
                               charged_through=sub.charged_through, status="aktivt", created_at=now)
            session.add(row)
            session.flush()
            new_ids.append(row.id)
            sub_for_product[addon.id] = row.id
        # The giver's card keeps the trace (and the receiver's says where it came from): a note each.
        what = f"{sub.product.name}, giltigt t.o.m. {iso(sub.charged_through)}"
        session.add_all([
            Note(person_id=transferor.id, kind="anteckning", created_at=now, created_by=actor.user_id,
                 text=f"Överlåtet till {person_name(receiver)} ({receiver.customer_number}): {what}."),
            Note(person_id=receiver.id, kind="anteckning", created_at=now, created_by=actor.user_id,
                 text=f"Överlåtet från {person_name(transferor)} ({transferor.customer_number}): {what}."),
        ])
        drafts = [replace(d, subscription_id=sub_for_product.get(d.product_id)) for d in drafts]
        order = self._order(session, actor, receiver.id, drafts)
        result = TransferResult(sub.id, receiver.id, receiver.customer_number, tuple(a.id for a in loaded.addons),
                                tuple(new_ids), order.id if order else None, order.total_ore if order else 0)
        return result, "abonnemang", sub.id

    def conflict_message(self, error) -> str:
        text = str(error.orig)
        if is_card_conflict(error):
            return CARD_TAKEN_MESSAGE
        if "uq_subscriptions_running_main" in text or "subscriptions.user_id" in text:
            return "Mottagaren fick ett abonnemang registrerat samtidigt vid en annan kassa. Sök fram kunden igen."
        if "personnummer" in text:
            return "Det finns redan en kund med det personnumret (en annan kassa hann före). Sök fram kunden."
        return super().conflict_message(error)
