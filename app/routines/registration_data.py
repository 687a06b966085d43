"""The commands the registration wizards (SPEC §5, flows 1–8) hand to their routines.

The wizard collects plain data page by page into these frozen dataclasses; it
never holds ORM objects. "Slutför" passes one command to the routine, which
re-validates everything and writes it in one transaction.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from app.domain.legitimation import Legitimation
from app.routines.person_data import PersonData

FLOWS = {
    "ny_privatkund": "Registrera ny privatkund",
    "befintlig_privatkund": "Teckna abonnemang som befintlig privatkund",
    "ny_organisationskund": "Registrera ny organisationskund",
    "avtal_forbestallning": "Utnyttja avtal/förbeställning",
    "uthamtning": "Hämta ut onlineköp",
}

# Which AddonRule.routine applies to each flow (valbart / obligatoriskt / ej valbart per routine).
ADDON_ROUTINE_FOR_FLOW = {
    "ny_privatkund": "registrering",
    "befintlig_privatkund": "teckna",
    "ny_organisationskund": "organisation",
    "avtal_forbestallning": "organisation",
    "uthamtning": "uthamtning",
}


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class ProductChoice:
    """Produkter page: the main product and the chosen add-ons (mandatory ones included)."""

    product_id: int
    addon_ids: tuple[int, ...] = ()
    start_date: date | None = None  # None = today (or the day after the current one ends, see routine)


@dataclass(frozen=True)
class MandateData:
    """Autogiromedgivande page. The holder must be 18 or older."""

    holder_name: str
    holder_personnummer: str
    clearing: str
    account: str


@dataclass(frozen=True)
class AccessData:
    """Inpasseringsuppgifter page: card number and photo (None = keep the existing one)."""

    card_number: str | None = None
    photo_jpeg: bytes | None = None


@dataclass(frozen=True)
class NewPreOrder:
    """A pre-order the receptionist creates during registration (e-mails the account manager)."""

    product_id: int
    valid_from: date
    valid_to: date
    name: str
    email: str
    personnummer: str = ""
    birth_date: date | None = None


@dataclass(frozen=True)
class Registration:
    """Flows 1–5: everything Slutför writes in one transaction."""

    flow: str
    person: PersonData
    legitimation: Legitimation
    products: ProductChoice | None
    access: AccessData = field(default_factory=AccessData)
    mandate: MandateData | None = None       # None = no new mandate (keep the current one)
    person_id: int | None = None              # existing customer (flows 2, 4, 5)
    organisation_id: int | None = None        # flows 3, 4
    preorder_id: int | None = None            # an existing open pre-order being used
    new_preorder: NewPreOrder | None = None   # created on the Förbeställningar page
    online_purchase_id: int | None = None     # flow 5
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class NewMembershipCard:
    """Flow 6, Nytt medlemskort: a membership-card product, a new card; the old card is blocked."""

    person_id: int
    product_id: int
    access: AccessData
    agent_name: str = ""  # ombud, when someone else identifies for the customer
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class CertifyCustomerType:
    """Flow 7, Intyga/Ändra kundtyp."""

    person_id: int
    legitimation: Legitimation
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class SetMandate:
    """Flow 8, Nytt/Ändra autogiromedgivande."""

    person_id: int
    mandate: MandateData
    command_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class RegistrationResult:
    person_id: int
    customer_number: int
    subscription_id: int | None
    order_id: int | None          # opens in the till when money is due
    total_ore: int
    warnings: tuple[str, ...] = ()
