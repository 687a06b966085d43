"""Person data as the wizards collect it, its validation, and writing it.

Shared by every routine that creates or updates a person (registration flows,
transfer to a new receiver, the person card's Basuppgifter), so the rules are
in one place: personnummer or birth date + gender, names, e-mail and mobile
required, phones normalised for search, one customer per personnummer.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.counters import next_number
from app.domain.personnummer import parse_personnummer
from app.domain.text import fold, is_email, normalise_email, phone_digits
from app.errors import Conflict, ValidationError


@dataclass(frozen=True)
class AddressData:
    street: str = ""
    co: str = ""
    postal_code: str = ""
    town: str = ""
    country: str = "SE"

    @property
    def is_empty(self) -> bool:
        return not (self.street or self.co or self.postal_code or self.town)


@dataclass(frozen=True)
class PersonData:
    first_name: str
    last_name: str
    email: str
    mobile: str
    personnummer: str = ""          # as typed; empty for people without one
    birth_date: date | None = None  # only when there is no personnummer
    gender: str | None = None       # 'M'/'K'; derived from personnummer when there is one
    phone_home: str = ""
    phone_work: str = ""
    address: AddressData = field(default_factory=AddressData)
    invoice_address: AddressData | None = None
    protected_identity: bool = False


def validate_person_data(data: PersonData, today: date) -> PersonData:
    """Check every field; return the data with personnummer canonical (12 digits) and birth date/gender set."""
    if data.personnummer.strip():
        pnr = parse_personnummer(data.personnummer, today)
        data = replace(data, personnummer=pnr.digits12, birth_date=pnr.birth_date, gender=pnr.gender)
    else:
        if data.birth_date is None:
            raise ValidationError("Ange personnummer, eller födelsedatum och kön för personer utan personnummer.",
                                  field="personnummer")
        if data.birth_date > today:
            raise ValidationError("Födelsedatumet kan inte vara i framtiden.", field="birth_date")
        if data.gender not in ("M", "K"):
            raise ValidationError("Välj kön.", field="gender")
        data = replace(data, personnummer="")
    if not data.first_name.strip():
        raise ValidationError("Ange förnamn.", field="first_name")
    if not data.last_name.strip():
        raise ValidationError("Ange efternamn.", field="last_name")
    if not data.email.strip():
        raise ValidationError("Ange e-postadress.", field="email")
    if not is_email(data.email):
        raise ValidationError("E-postadressen är ogiltig. Den ska se ut som namn@exempel.se.", field="email")
    if not data.mobile.strip():
        raise ValidationError("Ange mobilnummer.", field="mobile")
    for name, value in (("mobile", data.mobile), ("phone_home", data.phone_home), ("phone_work", data.phone_work)):
        digits = phone_digits(value)
        if value.strip() and (digits is None or not 6 <= len(digits) <= 15):
            label = {"mobile": "Mobilnumret", "phone_home": "Telefonnumret (hem)", "phone_work": "Telefonnumret (arbete)"}
            raise ValidationError(f"{label[name]} ska ha 6–15 siffror.", field=name)
    return replace(data, first_name=" ".join(data.first_name.split()), last_name=" ".join(data.last_name.split()),
                   email=data.email.strip())


def find_by_personnummer(session: Session, digits12: str):
    from db.models import Person

    return session.scalar(select(Person).where(Person.personnummer == digits12))


def apply_person_data(person, data: PersonData, now) -> None:
    """Copy validated data onto a Person row (new or existing), keeping the search keys in step."""
    from db.models import Address

    person.personnummer = data.personnummer or None
    person.is_coordination = bool(data.personnummer) and int(data.personnummer[6:8]) > 60
    person.birth_date = data.birth_date
    person.gender = data.gender
    person.first_name, person.last_name = data.first_name, data.last_name
    person.first_name_norm, person.last_name_norm = fold(data.first_name), fold(data.last_name)
    person.email, person.email_norm = data.email, normalise_email(data.email)
    person.mobile, person.mobile_digits = data.mobile.strip(), phone_digits(data.mobile)
    person.phone_home, person.phone_home_digits = data.phone_home.strip() or None, phone_digits(data.phone_home)
    person.phone_work, person.phone_work_digits = data.phone_work.strip() or None, phone_digits(data.phone_work)
    person.protected_identity = data.protected_identity
    person.updated_at = now
    for kind, addr in (("hem", data.address), ("faktura", data.invoice_address)):
        existing = next((a for a in person.addresses if a.kind == kind), None)
        if addr is None or addr.is_empty:
            if existing is not None:
                person.addresses.remove(existing)
            continue
        if existing is None:
            existing = Address(kind=kind)
            person.addresses.append(existing)
        existing.street, existing.co = addr.street or None, addr.co or None
        existing.postal_code, existing.town, existing.country = addr.postal_code or None, addr.town or None, addr.country


def insert_person(session: Session, data: PersonData, now):
    """Create a new customer from validated data; refuses a second customer with the same personnummer."""
    from db.models import Person

    if data.personnummer and find_by_personnummer(session, data.personnummer) is not None:
        raise Conflict("Det finns redan en kund med det personnumret. Sök fram kunden i stället.",
                       field="personnummer")
    person = Person(customer_number=next_number(session, "customer_number"), created_at=now)
    apply_person_data(person, data, now)
    session.add(person)
    session.flush()
    return person
