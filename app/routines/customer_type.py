"""Intyga/Ändra kundtyp (SPEC §5 flow 7) and recording a certified customer type.

Renewing: the same type with a new (later) validity date moves "prisgaranti
t.o.m." forward. Changing: another type, shown with its proof; the customer's
private subscriptions get the new type's list price from the next debit (their
debiterat t.o.m. is not touched, so what is already paid stays paid).
Subscriptions under an organisation's agreement keep the organisation's price.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.legitimation import Legitimation, check_legitimation
from app.errors import NotFound, ValidationError
from app.queries.catalog import price_list_for, price_list_name, selectable_customer_types
from app.routines.base import Routine
from app.routines.registration_data import CertifyCustomerType
from app.settings import load_settings

REPRICED_STATUSES = ("kommande", "aktivt", "fryst", "framtida_frysning", "uppsagt")


def record_proof(session: Session, person, leg: Legitimation, valid_until: date | None, actor: Actor, now) -> None:
    """Write the CustomerTypeProof row and set the person's type, pensioner subtype and price guarantee."""
    from db.models import CustomerTypeProof

    subtype = leg.pensioner_subtype if leg.customer_type == "pensionar" else None
    session.add(CustomerTypeProof(person_id=person.id, customer_type=leg.customer_type, pensioner_subtype=subtype,
                                  id_document=leg.id_document,
                                  residence_proof=leg.residence_proof if leg.id_document == "utlandsk" else None,
                                  proof_kind=leg.proof_kind, valid_until=valid_until, certified_at=now,
                                  certified_by=actor.user_id))
    person.customer_type = leg.customer_type
    person.pensioner_subtype = subtype
    person.price_guarantee_until = valid_until
    person.updated_at = now


@dataclass(frozen=True)
class PriceChange:
    subscription_id: int
    product_name: str
    old_price_ore: int
    new_price_ore: int


@dataclass(frozen=True)
class CustomerTypePreview:
    customer_type: str
    pensioner_subtype: str | None
    price_guarantee_until: date | None
    price_list_name: str
    renewal: bool                        # same type, new validity date
    price_changes: tuple[PriceChange, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class CustomerTypeResult:
    person_id: int
    customer_type: str
    price_guarantee_until: date | None
    repriced_subscription_ids: tuple[int, ...]
    warnings: tuple[str, ...] = ()


class CertifyCustomerTypeRoutine(Routine[CertifyCustomerType, CustomerTypeResult]):
    """Flow 7: renew a time-limited proof or change type with a proof."""

    name = "Intyga/Ändra kundtyp"
    offline_queueable = True  # waits in the desk's outbox while the server is away

    def _plan(self, session: Session, command: CertifyCustomerType):
        from db.models import PriceListItem, Person, Subscription

        today = self.core.clock.today()
        person = session.get(Person, command.person_id)
        if person is None:
            raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
        settings = load_settings(session)
        leg = replace(command.legitimation, organisation_customer=False)
        valid_until = check_legitimation(leg, person.birth_date, today, min_age_ordinarie=settings.min_age_ordinarie,
                                         selectable_types=frozenset(selectable_customer_types(settings)))
        subtype = leg.pensioner_subtype if leg.customer_type == "pensionar" else None
        renewal = leg.customer_type == person.customer_type and subtype == person.pensioner_subtype
        if (renewal and person.price_guarantee_until is not None and valid_until is not None
                and valid_until <= person.price_guarantee_until):
            raise ValidationError(
                f"Det nya intyget måste gälla längre än nuvarande prisgaranti (t.o.m. "
                f"{person.price_guarantee_until:%Y-%m-%d}).", field="proof_valid_until")
        list_id = price_list_for(session, settings, leg.customer_type, None)
        changes: list[PriceChange] = []
        warnings: list[str] = []
        subs = session.scalars(select(Subscription).where(Subscription.user_id == person.id,
                                                          Subscription.organisation_id.is_(None),
                                                          Subscription.status.in_(REPRICED_STATUSES))
                               .order_by(Subscription.id)).all()
        for sub in subs:
            if sub.price_list_id == list_id:
                continue
            item = session.get(PriceListItem, (list_id, sub.product_id))
            if item is None:
                warnings.append(f"{sub.product.name} finns inte på {price_list_name(session, list_id)}; "
                                "priset är oförändrat.")
                continue
            changes.append(PriceChange(sub.id, sub.product.name, sub.price_ore, item.price_ore))
        return person, leg, valid_until, renewal, list_id, changes, warnings

    def preview(self, command: CertifyCustomerType) -> CustomerTypePreview:
        with self.preview_session() as session:
            _person, leg, valid_until, renewal, list_id, changes, warnings = self._plan(session, command)
            return CustomerTypePreview(leg.customer_type,
                                       leg.pensioner_subtype if leg.customer_type == "pensionar" else None,
                                       valid_until, price_list_name(session, list_id), renewal, tuple(changes),
                                       tuple(warnings))

    def validate(self, session: Session, command: CertifyCustomerType) -> None:
        self._plan(session, command)

    def perform(self, session: Session, command: CertifyCustomerType, actor: Actor):
        from db.models import Subscription

        person, leg, valid_until, _renewal, list_id, changes, warnings = self._plan(session, command)
        record_proof(session, person, leg, valid_until, actor, self.core.clock.now())
        for change in changes:
            sub = session.get(Subscription, change.subscription_id)
            sub.price_ore = change.new_price_ore
            sub.price_list_id = list_id
        result = CustomerTypeResult(person.id, leg.customer_type, valid_until,
                                    tuple(c.subscription_id for c in changes), tuple(warnings))
        return result, "person", person.id
