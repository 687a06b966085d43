"""Nytt medlemskort (SPEC §5 flow 6) and the Inpasseringsuppgifter rules every flow shares.

Card numbers are unique among *active* cards: checked here for a clear message,
and enforced by the database's partial unique index so two desks cannot both
win. A person has one active card: giving a new number blocks the old card
(status spärrat, kept as history). A new photo becomes the current one; the
previous photo is kept but no longer current.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import exc, select, update
from sqlalchemy.orm import Session

from app.context import Actor
from app.domain.inputs import ascii_key
from app.errors import Conflict, NotFound, ValidationError
from app.orders import OrderLineDraft, create_order, require_till
from app.queries.catalog import card_number_taken, price_list_for, product_price
from app.routines.base import Routine
from app.routines.registration_data import AccessData, NewMembershipCard
from app.settings import load_settings

CARD_TAKEN_MESSAGE = "Kortnumret används redan av en annan kund. Ta ett annat kort."
MAX_PHOTO_BYTES = 5 * 1024 * 1024
_CARD_RE = re.compile(r"^[0-9A-Za-z]{1,40}$")


def normalise_card_number(text: str | None) -> str | None:
    """The card number without spaces/dashes, or None when nothing was entered."""
    cleaned = re.sub(r"[\s-]+", "", ascii_key(text))
    if not cleaned:
        return None
    if not _CARD_RE.match(cleaned):
        raise ValidationError("Kortnumret får bara innehålla siffror och bokstäver (högst 40 tecken).",
                              field="card_number")
    return cleaned


DEFAULT_CARD_DIGITS = 10  # what the 125 kHz readers we support give (RDM6300 / EM4100: ten decimal digits)


def check_card_format(number: str | None, digits: int) -> None:
    """The number as this desk's reader produces it: exactly ``digits`` digits (0 = any format). A double-typed
    or double-swiped number (20 or 30 digits) is refused here, with the reason at the field."""
    if number is None or digits <= 0:
        return
    if not (number.isdigit() and len(number) == digits):
        what = f"{len(number)} siffror" if number.isdigit() else f"{len(number)} tecken"
        raise ValidationError(f"Kortnumret ska vara {digits} siffror, som kortläsaren läser det (nu {what}). "
                              "Dra kortet igen eller skriv numret på nytt.", field="card_number")


def check_photo(jpeg: bytes | None) -> None:
    if jpeg is None:
        return
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValidationError("Fotot är ingen JPEG-bild. Ta ett nytt foto eller välj en annan fil.", field="photo")
    if len(jpeg) > MAX_PHOTO_BYTES:
        raise ValidationError("Fotot är större än 5 MB. Välj en mindre bild.", field="photo")


@dataclass(frozen=True)
class AccessPlan:
    card_number: str | None      # the new card to issue (None = keep the current card)
    block_card_id: int | None    # the person's current active card that the new one replaces
    photo_jpeg: bytes | None


def check_access(session: Session, access: AccessData, person_id: int | None, *,
                 require_new_card: bool = False) -> AccessPlan:
    """Validate Inpasseringsuppgifter for a new (person_id None) or existing person."""
    from db.models import Card

    number = normalise_card_number(access.card_number)
    check_photo(access.photo_jpeg)
    current = None
    if person_id is not None:
        current = session.scalars(select(Card).where(Card.person_id == person_id, Card.status == "aktivt")
                                  .order_by(Card.id)).first()
    if require_new_card:
        if number is None:
            raise ValidationError("Ange det nya kortets nummer.", field="card_number")
        if current is not None and current.card_number == number:
            raise ValidationError("Det nya kortnumret är samma som kundens nuvarande kort.", field="card_number")
    if number is not None and current is not None and current.card_number == number:
        return AccessPlan(None, None, access.photo_jpeg)  # the customer keeps the card they have
    if number is not None and card_number_taken(session, number, except_person_id=person_id):
        raise Conflict(CARD_TAKEN_MESSAGE, field="card_number")
    block = current.id if (number is not None and current is not None) else None
    return AccessPlan(number, block, access.photo_jpeg)


def store_access(session: Session, person_id: int, plan: AccessPlan, now, product_id: int | None = None):
    """Block the replaced card, issue the new one, store the photo. Returns the new Card or None."""
    from db.models import Card, Photo

    card = None
    if plan.card_number is not None:
        if plan.block_card_id is not None:
            session.execute(update(Card).where(Card.id == plan.block_card_id, Card.status == "aktivt")
                            .values(status="sparrat", blocked_at=now))
        card = Card(person_id=person_id, card_number=plan.card_number, status="aktivt", issued_at=now,
                    product_id=product_id)
        session.add(card)
        session.flush()  # the partial unique index decides a race for the same number here
    if plan.photo_jpeg is not None:
        session.execute(update(Photo).where(Photo.person_id == person_id, Photo.is_current.is_(True))
                        .values(is_current=False))
        session.add(Photo(person_id=person_id, jpeg=plan.photo_jpeg, taken_at=now, is_current=True))
        session.flush()
    return card


def is_card_conflict(error: exc.IntegrityError) -> bool:
    text = str(error.orig)
    return "uq_cards_active_number" in text or "cards.card_number" in text


@dataclass(frozen=True)
class MembershipCardPreview:
    product_id: int
    product_name: str
    price_ore: int
    card_number: str
    blocks_card_number: str | None


@dataclass(frozen=True)
class MembershipCardResult:
    card_id: int
    blocked_card_id: int | None
    order_id: int | None
    total_ore: int


class NewMembershipCardRoutine(Routine[NewMembershipCard, MembershipCardResult]):
    """Flow 6: a membership-card product, a new card; the old card is blocked; the product is paid at the till."""

    name = "Nytt medlemskort"
    offline_queueable = True  # waits in the desk's outbox while the server is away

    def _check(self, session: Session, command: NewMembershipCard):
        from db.models import Card, Person, Product

        require_till(self.core)
        person = session.get(Person, command.person_id)
        if person is None:
            raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
        settings = load_settings(session)
        if not settings.membership_card_products:
            raise ValidationError("Inga medlemskortsprodukter är inställda (Inställningar > Nytt medlemskort).",
                                  field="product_id")
        product = session.get(Product, command.product_id)
        if product is None or command.product_id not in settings.membership_card_products or not product.active:
            raise ValidationError("Välj en av de medlemskortsprodukter som erbjuds.", field="product_id")
        access = check_access(session, command.access, person.id, require_new_card=True)
        price_list = price_list_for(session, settings, person.customer_type, person.organisation_id)
        price = product_price(session, price_list, product.id)
        blocked = session.get(Card, access.block_card_id) if access.block_card_id else None
        return person, product, price, access, blocked

    def preview(self, command: NewMembershipCard) -> MembershipCardPreview:
        with self.preview_session() as session:
            _person, product, price, access, blocked = self._check(session, command)
            return MembershipCardPreview(product.id, product.name, price, access.card_number,
                                         blocked.card_number if blocked else None)

    def validate(self, session: Session, command: NewMembershipCard) -> None:
        self._check(session, command)

    def perform(self, session: Session, command: NewMembershipCard, actor: Actor):
        person, product, price, access, _blocked = self._check(session, command)
        card = store_access(session, person.id, access, self.core.clock.now(), product_id=product.id)
        order = create_order(session, self.core, actor, person.id, self.name, [
            OrderLineDraft(f"{product.name}, kort {card.card_number}", price, product.vat_basis_points,
                           product_id=product.id)])
        result = MembershipCardResult(card.id, access.block_card_id, order.id if order else None,
                                      order.total_ore if order else 0)
        return result, "kort", card.id

    def conflict_message(self, error: exc.IntegrityError) -> str:
        if is_card_conflict(error):
            return CARD_TAKEN_MESSAGE
        return super().conflict_message(error)
